"""The permutation test of independence: cost of 200 permutations against 200 estimates.

Run: ``python benchmarks/bench_independence.py`` (``--n 5000 --permutations 200``).

``infolens.independence_test(x, y, n_permutations=P)`` at N = 5,000 on 1+1 and 3+3
independent Gaussians, against the reference: P separate ``estimate_mi(method="ksg",
n_subsamples=0)`` calls on permuted data (what a user would write; timed on
``--sample`` of them and scaled to P, both measured in this run). Ratio = test / reference.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    from infolens import estimate_mi, independence_test

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=5000)
    p.add_argument("--permutations", type=int, default=200)
    p.add_argument("--sample", type=int, default=20, help="reference estimates actually timed (scaled to P)")
    args = p.parse_args(argv)
    P = args.permutations
    print(f"independence test, n = {args.n}, {P} permutations (reference: {P} separate KSG estimates, "
          f"{args.sample} timed and scaled)")
    print(f"{'dims':6s} {'test s':>8s} {'reference s':>12s} {'ratio':>6s} {'p-value':>8s}")
    for d in (1, 3):
        rng = np.random.default_rng(d)
        x, y = rng.normal(size=(args.n, d)), rng.normal(size=(args.n, d))
        estimate_mi(x[:200], y[:200], method="ksg", n_subsamples=0)  # warm-up
        t0 = time.perf_counter()
        res = independence_test(x, y, n_permutations=P, random_state=0)
        t_test = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(args.sample):
            estimate_mi(x, y[rng.permutation(args.n)], method="ksg", n_subsamples=0, random_state=0)
        t_ref = (time.perf_counter() - t0) * P / args.sample
        print(f"{d}+{d:<4d} {t_test:8.2f} {t_ref:12.2f} {t_test / t_ref:6.2f} {res.p_value:8.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
