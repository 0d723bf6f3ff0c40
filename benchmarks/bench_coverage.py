"""Do the 95% intervals mean what they say? Coverage over many seeds.

Run: ``python benchmarks/bench_coverage.py`` (``--seeds 200 --n 2000``).

For each estimator and case, the share of seeds whose 95% interval (``MIResult.ci``)
contains the truth: independent 1+1 and 2+2 Gaussians (truth 0) and correlated ones
(rho = 0.6 per pair, truth -d/2 log(1 - 0.36)). The goal is 0.93-0.97 where the estimator
is unbiased; the column "bias/sd" (mean error over the sd of the estimates) says where it
is not, and a coverage below the goal there is the bias, not the error bar. With 200
seeds a coverage has a binomial sd of 0.015. The reference column is the coverage of
``mi +- 1.96 sd`` using the sd of the estimates over the seeds (what a perfect error bar
of this estimator would give).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

ESTIMATORS = ("ksg", "ksg2", "kl", "gaussian", "gaussian-copula")


def sample(case: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    d = int(case[-1])
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    if case.startswith("independent"):
        return x, rng.normal(size=(n, d)), 0.0
    y = 0.6 * x + 0.8 * rng.normal(size=(n, d))
    return x, y, -0.5 * d * math.log(1 - 0.36)


def main(argv: list[str] | None = None) -> int:
    from infolens import estimate_mi

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=200)
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--estimators", default=",".join(ESTIMATORS))
    args = p.parse_args(argv)
    cases = ("independent-1", "independent-2", "gaussian-1", "gaussian-2")
    print(f"95% interval coverage over {args.seeds} seeds, n = {args.n} (goal 0.93-0.97 where unbiased)")
    print(f"{'estimator':16s} {'case':14s} {'coverage':>8s} {'perfect-sd':>10s} {'bias/sd':>8s} {'mean se/sd':>10s} {'s/est':>6s}  stderr method")
    ok = True
    for est in args.estimators.split(","):
        for case in cases:
            hits, mis, ses, t0 = 0, [], [], time.perf_counter()
            method = ""
            truth = 0.0
            for seed in range(args.seeds):
                x, y, truth = sample(case, args.n, seed)
                r = estimate_mi(x, y, method=est, random_state=seed)
                hits += r.ci[0] <= truth <= r.ci[1]
                mis.append(r.mi)
                ses.append(r.stderr)
                method = r.diagnostics.get("stderr_method", "delta method")
            mis_a = np.array(mis)
            sd = mis_a.std(ddof=1)
            perfect = float(np.mean(np.abs(mis_a - truth) <= 1.96 * sd))
            cov = hits / args.seeds
            bias = (mis_a.mean() - truth) / sd
            unbiased = abs(bias) < 0.5
            flag = "" if (0.93 <= cov <= 0.97 or not unbiased) else "  <- off goal"
            ok &= not flag or cov > 0.97
            print(f"{est:16s} {case:14s} {cov:8.3f} {perfect:10.3f} {bias:8.2f} {np.mean(ses) / sd:10.2f} "
                  f"{(time.perf_counter() - t0) / args.seeds:6.3f}  {method}{flag}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
