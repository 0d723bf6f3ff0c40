"""Do the 95% intervals mean what they say? Coverage over many seeds.

Run: ``python benchmarks/bench_coverage.py`` (``--seeds 200 --n 2000``; ``--cases
gaussian-10,high-20 --estimators gaussian,gaussian-copula,t-copula`` for the copula
estimators in 10 + 10 dimensions and at 46 nats; ``--n 30 --cases
independent-1,weak-1,gaussian-1,gaussian-3 --estimators gaussian,gaussian-copula,auto``
for small samples, where an interval's shape matters); ``--cmi`` instead
measures ``estimate_cmi`` on Gaussian chains (``--seeds 20 --n 2000``): X -> Z -> Y with
X, Y, Z of 1 and 3 dimensions each (I(X;Y|Z) = 0), and X, Y correlated given a 1-dim Z
(rho = 0.6 per pair, I = -d/2 log(1 - 0.36)); ``--cmi-grid --seeds 30`` measures its error
by joint dimension and n against the rows it asks for.

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
CASES = ("independent-1", "independent-2", "gaussian-1", "gaussian-2")


def sample(case: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """``(x, y, truth)``: ``independent-d``, ``weak-d`` (rho = 0.3 per pair) and
    ``gaussian-d`` (rho = 0.6 per pair) in d + d dimensions; ``high-d``: y = x + 0.1 e in d + d dimensions (2.31 nats per pair, 46.15 in
    20 + 20), where the Gaussian copula's rank-transform bias matters."""
    d = int(case.rsplit("-", 1)[1])
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    if case.startswith("independent"):
        return x, rng.normal(size=(n, d)), 0.0
    if case.startswith("high"):
        return x, x + 0.1 * rng.normal(size=(n, d)), 0.5 * d * math.log(1 + 1 / 0.01)
    rho = 0.3 if case.startswith("weak") else 0.6
    y = rho * x + math.sqrt(1 - rho * rho) * rng.normal(size=(n, d))
    return x, y, -0.5 * d * math.log(1 - rho * rho)


def sample_cmi(case: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(x, y, z, truth)`` of one conditional case (module docstring)."""
    d = int(case[-1])
    rng = np.random.default_rng(seed)
    if case.startswith("chain"):
        x = rng.normal(size=(n, d))
        z = 0.7 * x + 0.7 * rng.normal(size=(n, d))
        return x, 0.7 * z + 0.7 * rng.normal(size=(n, d)), z, 0.0
    z = rng.normal(size=(n, 1))
    x = z + rng.normal(size=(n, d))
    y = z + 0.6 * (x - z) + 0.8 * rng.normal(size=(n, d))
    return x, y, z, -0.5 * d * math.log(1 - 0.36)


def cmi_coverage(seeds: int, n: int) -> int:
    from infolens import estimate_cmi

    print(f"estimate_cmi: 95% interval coverage over {seeds} seeds, n = {n} (goal >= 0.90)")
    print(f"{'case':14s} {'coverage':>8s} {'bias/sd':>8s} {'mean se/sd':>10s} {'warned':>7s} {'s/est':>6s}")
    ok = True
    for case in ("chain-1", "chain-3", "given-z-1", "given-z-2"):
        hits, mis, ses, warned, t0 = 0, [], [], 0, time.perf_counter()
        truth = 0.0
        for seed in range(seeds):
            x, y, z, truth = sample_cmi(case, n, seed)
            r = estimate_cmi(x, y, z, random_state=seed, warn=False)
            hits += r.ci[0] <= truth <= r.ci[1]
            mis.append(r.mi)
            ses.append(r.stderr)
            warned += bool(r.warnings)
        sd = float(np.std(mis, ddof=1))
        cov = hits / seeds
        ok &= cov >= 0.90
        print(f"{case:14s} {cov:8.3f} {(np.mean(mis) - truth) / sd:8.2f} {np.mean(ses) / sd:10.2f} {warned:7d} "
              f"{(time.perf_counter() - t0) / seeds:6.3f}", flush=True)
    return 0 if ok else 1


#: (d, dz) of the Frenzel-Pompe rows grid: x and y of d columns, z of dz (``--cmi-grid``)
GRID = ((1, 1), (1, 2), (2, 1), (1, 4), (2, 2), (3, 1), (2, 4), (3, 2))


def cmi_grid(seeds: int) -> int:
    """Mean relative error of estimate_cmi by joint dimension and n, with the share of runs
    that said high-dimension, against the rows :func:`~infolens.estimators.cmi.cmi_rows_needed`
    asks for (docs/estimators.md, "Rows for the joint dimension")."""
    from infolens import estimate_cmi
    from infolens.distributions.gaussian import conditional_gaussian
    from infolens.estimators.cmi import cmi_rows_needed

    ns = (200, 500, 1000, 2000)
    print(f"estimate_cmi: mean relative error (share warned high-dimension) over {seeds} seeds")
    print(f"{'x+y+z':8s} {'dims':>4s} {'truth':>6s} " + " ".join(f"{'n=' + str(n):>14s}" for n in ns) + "  rows needed")
    silent_low = 0
    for d, dz in GRID:
        cells = []
        for n in ns:
            errs, warned = [], 0
            for seed in range(seeds):
                x, y, z, truth = conditional_gaussian(n, d, dz, seed=1000 * n + seed)
                r = estimate_cmi(x, y, z, random_state=seed, warn=False)
                errs.append((r.mi - truth) / truth)
                warned += r.has_warning("high-dimension")
                silent_low += (r.ci[1] < truth) and not r.warnings  # low beyond its own interval, unsaid
            cells.append(f"{np.mean(errs):+6.0%} ({warned / seeds:4.0%})")
        print(f"{d}+{d}+{dz:<4d} {2 * d + dz:4d} {truth:6.3f} " + " ".join(f"{c:>14s}" for c in cells)
              + f"  {cmi_rows_needed(2 * d + dz)}", flush=True)
    print(f"estimates whose 95% interval lies below the truth, with no warning at all: {silent_low}")
    return 0 if silent_low == 0 else 1


def main(argv: list[str] | None = None) -> int:
    import warnings

    from infolens import estimate_mi
    from infolens.errors import InfolensWarning

    warnings.simplefilter("ignore", InfolensWarning)  # (the table is the result; thousands of caveats are not)

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=200)
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--estimators", default=",".join(ESTIMATORS))
    p.add_argument("--cases", default=",".join(CASES), help="independent-d, weak-d, gaussian-d or high-d (d + d dimensions)")
    p.add_argument("--cmi", action="store_true", help="estimate_cmi on Gaussian chains instead")
    p.add_argument("--cmi-grid", action="store_true",
                   help="estimate_cmi's error by joint dimension and n (--seeds 30), against the rows it asks for")
    args = p.parse_args(argv)
    if args.cmi_grid:
        return cmi_grid(args.seeds)
    if args.cmi:
        return cmi_coverage(args.seeds, args.n)
    cases = tuple(args.cases.split(","))
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
