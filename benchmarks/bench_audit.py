"""Audit speed and memory: infolens against plain NumPy/scikit-learn references, same data,
same run.

Run: ``python benchmarks/bench_audit.py`` (``--quick`` skips the 50,000-row memory case).

Targets (2 cores): DCR + NNDR on 5,000 x 30 (train, holdout and synthetic of 5,000 rows each)
under 1 s; unbiased MMD with 200 permutations on the same under 5 s; a full audit of
50,000 x 30 rows (each table) in under 2 GB, never an N x N matrix.

- DCR + NNDR, ours: ``infolens.audit.distance_metrics`` (synthetic->train k=2,
  synthetic->holdout, holdout->train k=2, all figures). Reference: the same three neighbour
  searches with scikit-learn ``NearestNeighbors`` (its default algorithm choice), which must
  give the same distances (checked).
- MMD, ours: ``infolens.audit.mmd_test`` (blocks, all permutations in one product).
  Reference: plain NumPy, the full 10,000 x 10,000 kernel matrix (800 MB) and one
  matrix-vector product per permutation; same statistic (checked).
- Memory: ``infolens.audit.audit`` on 50,000-row tables in a child process; peak RSS of the
  child (``ru_maxrss``) and the tracemalloc peak of NumPy allocations.
Times are the best of ``repeat`` runs (wall) with the CPU time of that run; the machine
may be shared, so the ratio, measured in the same run, is the figure to read.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import numpy as np
from sklearn.neighbors import NearestNeighbors

from infolens.audit import distance_metrics, mmd_test

from _timing import best_time


def tables(n: int, d: int = 30, seed: int = 0):
    rng = np.random.default_rng(seed)
    cov = 0.3 * np.ones((d, d)) + 0.7 * np.eye(d)
    return [rng.multivariate_normal(np.zeros(d), cov, size=n) for _ in range(3)]


def reference_dcr(train, holdout, syn):
    nn_t = NearestNeighbors(n_neighbors=2).fit(train)
    d_st = nn_t.kneighbors(syn)[0]
    d_sh = NearestNeighbors(n_neighbors=1).fit(holdout).kneighbors(syn)[0]
    d_ht = nn_t.kneighbors(holdout)[0]
    return d_st, d_sh, d_ht


def reference_dcr_cdist(train, holdout, syn):
    """The plain way: full distance matrices with SciPy, then sort the two smallest per row."""
    from scipy.spatial.distance import cdist

    d_st = np.sort(cdist(syn, train), axis=1)[:, :2]
    d_sh = cdist(syn, holdout).min(axis=1)
    d_ht = np.sort(cdist(holdout, train), axis=1)[:, :2]
    return d_st, d_sh, d_ht


def reference_mmd(x, y, h, n_perm, seed):
    z = np.vstack([x, y])
    m, n = len(x), len(y)
    sq = (z * z).sum(1)
    k = np.exp(-(sq[:, None] + sq[None, :] - 2 * z @ z.T) / (2 * h * h))     # N x N
    rng = np.random.default_rng(seed)
    k1 = k.sum(1)
    tot = k1.sum()

    def stat(a):
        ka = k @ a
        aka, ak1 = a @ ka, a @ k1
        akb, bkb = ak1 - aka, tot - 2 * ak1 + aka
        return (aka - m) / (m * (m - 1)) + (bkb - n) / (n * (n - 1)) - 2 * akb / (m * n)

    a0 = np.r_[np.ones(m), np.zeros(n)]
    obs = stat(a0)
    null = [stat(a0[rng.permutation(m + n)]) for _ in range(n_perm)]
    return obs, (1 + np.sum(np.array(null) >= obs)) / (1 + n_perm)


CHILD = r"""
import json, resource, sys, time, tracemalloc
import numpy as np
sys.path.insert(0, {bench!r})
from bench_audit import tables
from infolens.audit import audit
tr, ho, sy = tables({n})
tracemalloc.start()
t0 = time.perf_counter()
res = audit(tr, sy, ho, n_permutations=200, n_bootstrap=200, random_state=0, verbose=False)
wall = time.perf_counter() - t0
peak_tm = tracemalloc.get_traced_memory()[1]
print(json.dumps({{"wall": wall, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "tracemalloc_peak_mb": peak_tm / 2**20, "holdout_share": res.metrics["holdout_share"]}}))
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the 50,000-row memory case")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    ok = True
    rows = []
    train, holdout, syn = tables(5000)

    t_ours, c_ours, ours = best_time(lambda: distance_metrics(train, holdout, syn, random_state=0), args.repeat)
    t_ref, c_ref, ref = best_time(lambda: reference_dcr(train, holdout, syn), args.repeat)
    assert np.allclose(np.sort(ours["_dcr_train"]), np.sort(ref[0][:, 0]), rtol=1e-8)
    assert np.allclose(np.sort(ours["_dcr_holdout_to_train"]), np.sort(ref[2][:, 0]), rtol=1e-8)
    rows.append(("DCR + NNDR, 3 x 5,000 x 30", t_ours, c_ours, "sklearn NearestNeighbors", t_ref, c_ref, 1.0))
    t_ref, c_ref, ref = best_time(lambda: reference_dcr_cdist(train, holdout, syn), 1)
    assert np.allclose(np.sort(ours["_dcr_train"]), np.sort(ref[0][:, 0]), rtol=1e-8)
    rows.append(("DCR + NNDR, 3 x 5,000 x 30", t_ours, c_ours, "SciPy cdist + np.sort", t_ref, c_ref, 1.0))

    x, y = train, syn
    t_ours, c_ours, r = best_time(lambda: mmd_test(x, y, n_permutations=200, random_state=0), args.repeat)
    t_ref, c_ref, (obs, _) = best_time(lambda: reference_mmd(x, y, r.bandwidth, 200, 0), 1)
    assert abs(obs - r.mmd2) < 1e-9 * max(1.0, abs(obs)) + 1e-12
    rows.append(("MMD^2 + 200 permutations, 2 x 5,000 x 30", t_ours, c_ours, "NumPy full kernel matrix", t_ref, c_ref, 5.0))

    print(f"{'case':<42} {'ours s':>8} {'ours cpu':>9} {'reference':<26} {'ref s':>8} {'ref cpu':>8} {'speed-up':>9} {'target s':>9} {'met':>4}")
    for name, to, co, rname, tr_, cr, target in rows:
        met = to < target
        ok &= met
        print(f"{name:<42} {to:8.3f} {co:9.3f} {rname:<26} {tr_:8.3f} {cr:8.3f} {tr_ / to:8.1f}x {target:9.1f} {'yes' if met else 'NO':>4}")

    if not args.quick:
        from pathlib import Path

        here = str(Path(__file__).resolve().parent)
        out = subprocess.run([sys.executable, "-c", CHILD.format(bench=here, n=50000)], capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr[-2000:])
            return 1
        mem = json.loads(out.stdout.strip().splitlines()[-1])
        full_nxn_gb = 50000**2 * 8 / 2**30
        met = mem["peak_rss_mb"] < 2048
        ok &= met
        print(f"\nfull audit, 3 x 50,000 x 30: {mem['wall']:.1f} s, peak RSS {mem['peak_rss_mb']:.0f} MB, "
              f"tracemalloc peak {mem['tracemalloc_peak_mb']:.0f} MB (target < 2048 MB: {'yes' if met else 'NO'}); "
              f"one 50,000 x 50,000 float64 distance matrix alone would take {full_nxn_gb:.1f} GB "
              f"(ratio {full_nxn_gb * 1024 / mem['peak_rss_mb']:.0f}x); holdout share {mem['holdout_share']:.3f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
