"""KSG speed: infolens against a straightforward scikit-learn reference, same data, same run.

Run: ``python benchmarks/bench_knn.py`` (``--quick`` skips the N = 1,000,000 case).

Cases (targets from the foundation issue, 2 cores): KSG k=5 on correlated Gaussians,
N=5,000 5+5 dims < 0.25 s; N=100,000 2+2 dims < 5 s; N=1,000,000 1+1 dims < 60 s.
"ours" is ``infolens.estimate_mi(x, y, method="ksg", k=5)`` with its defaults (tie check,
standardisation, and the jackknife standard error); "ours no-SE" is the same with
``n_subsamples=0``. The reference is KSG algorithm 1 written the plain way with
scikit-learn ``NearestNeighbors`` (Chebyshev metric): ``kneighbors`` for eps, then
``radius_neighbors`` lists for the marginal counts, on the same standardised data, so both
must give the same number (|diff| < 1e-9). The reference on N = 1,000,000 would take minutes
and gigabytes of neighbour lists: it is timed on a 100,000-sample subsample instead (its own
row, compared with ours on that subsample). Times are the best of ``repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from scipy.special import digamma
from sklearn.neighbors import NearestNeighbors

import infolens
from infolens.validation import standardize

from _timing import best_time


def reference_ksg(x: np.ndarray, y: np.ndarray, k: int = 5) -> float:
    """KSG algorithm 1 with scikit-learn NearestNeighbors, written the straightforward way."""
    n = len(x)
    xy = np.hstack([x, y])
    eps = NearestNeighbors(n_neighbors=k, metric="chebyshev").fit(xy).kneighbors()[0][:, -1]
    r = np.nextafter(eps, 0)  # strict: ||.|| < eps
    nx = np.array([len(a) - 1 for a in NearestNeighbors(metric="chebyshev").fit(x).radius_neighbors(x, r, return_distance=False)])
    ny = np.array([len(a) - 1 for a in NearestNeighbors(metric="chebyshev").fit(y).radius_neighbors(y, r, return_distance=False)])
    return float(digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1)))


def sample(n: int, d: int, rho: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=(n, d))
    return x, y


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the N = 1,000,000 case")
    args = ap.parse_args(argv)

    cases = [  # name, N, d per side, target seconds, repeats, reference subsample
        ("5+5 dims", 5_000, 5, 0.25, 5, None),
        ("2+2 dims", 100_000, 2, 5.0, 2, None),
    ]
    if not args.quick:
        cases.append(("1+1 dims", 1_000_000, 1, 60.0, 1, 100_000))
    # warm-up: imports (scipy.spatial, sklearn.neighbors, torch) are not part of the timings
    infolens.estimate_mi(*sample(500, 1), random_state=0)
    reference_ksg(*sample(200, 1))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    header = (f"{'case':<24}{'N':>9}{'dims':>5}{'ours s':>8}{'no-SE s':>9}{'ref s':>8}{'ratio':>7}"
              f"{'cpu':>6}{'ref cpu':>8}{'cpu ratio':>10}{'our MI':>8}{'ref MI':>8}{'|diff|':>8}{'target':>7}  result")
    print(f"KSG k=5, {os.cpu_count()} CPU(s), load average {load:.1f} at start. ours = default (with the jackknife "
          "stderr); no-SE = n_subsamples=0, the same work as the reference; ratio = ref s / no-SE s; cpu = CPU "
          "seconds (all threads) of the no-SE run; cpu ratio = ref cpu / cpu")
    print(header)
    print("-" * len(header))
    all_ok = True
    for name, n, d, target, rep, sub in cases:
        x, y = sample(n, d)
        t_ours, _, res = best_time(lambda: infolens.estimate_mi(x, y, method="ksg", k=5, random_state=0), rep)
        t_nose, c_nose, res0 = best_time(
            lambda: infolens.estimate_mi(x, y, method="ksg", k=5, random_state=0, n_subsamples=0), rep)
        ok_time = t_ours < target
        verdict = "pass" if ok_time else "FAIL"
        if sub is None:
            xs, ys = standardize(x), standardize(y)
            t_ref, c_ref, ref = best_time(lambda: reference_ksg(xs, ys), rep)
            diff = abs(res0.mi - ref)
            ok = ok_time and diff < 1e-9
            print(f"{name:<24}{n:>9}{2 * d:>5}{t_ours:>8.3f}{t_nose:>9.3f}{t_ref:>8.3f}{t_ref / t_nose:>7.1f}"
                  f"{c_nose:>6.2f}{c_ref:>8.2f}{c_ref / c_nose:>10.1f}{res0.mi:>8.4f}{ref:>8.4f}{diff:>8.0e}{target:>7.2f}  "
                  f"{verdict}{'' if diff < 1e-9 else ' DIFFERENT MI'}")
        else:
            ok = ok_time
            print(f"{name:<24}{n:>9}{2 * d:>5}{t_ours:>8.3f}{t_nose:>9.3f}{'-':>8}{'-':>7}{c_nose:>6.2f}{'-':>8}{'-':>10}"
                  f"{res0.mi:>8.4f}{'-':>8}{'-':>8}{target:>7.2f}  {verdict} (reference: next row)")
            xs, ys = x[:sub], y[:sub]
            t_s, c_s, r_s = best_time(lambda: infolens.estimate_mi(xs, ys, method="ksg", k=5, random_state=0, n_subsamples=0), 1)
            xss, yss = standardize(xs), standardize(ys)
            t_ref, c_ref, ref = best_time(lambda: reference_ksg(xss, yss), 1)
            diff = abs(r_s.mi - ref)
            ok = ok and diff < 1e-9
            print(f"{'  ' + name + ', subsample':<24}{sub:>9}{2 * d:>5}{'-':>8}{t_s:>9.3f}{t_ref:>8.3f}{t_ref / t_s:>7.1f}"
                  f"{c_s:>6.2f}{c_ref:>8.2f}{c_ref / c_s:>10.1f}{r_s.mi:>8.4f}{ref:>8.4f}{diff:>8.0e}{'-':>7}  "
                  f"{'same MI' if diff < 1e-9 else 'DIFFERENT MI'}")
        all_ok &= ok
    truth = {d: -0.5 * d * np.log(1 - 0.25) for d in (1, 2, 5)}
    print(f"(true MI: 1+1 {truth[1]:.4f}, 2+2 {truth[2]:.4f}, 5+5 {truth[5]:.4f} nats; KSG is biased low in 10 dims)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
