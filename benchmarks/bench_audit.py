"""Audit speed and memory: infolens against plain NumPy/scikit-learn references, same data,
same run, and the full audit at 10^4, 10^5 and 10^6 rows.

Run: ``python benchmarks/bench_audit.py`` (``--quick``: components only;
``--sizes 10000,100000``: other table sizes).

Targets (2 cores): DCR + NNDR on 5,000 x 30 (train, holdout and synthetic of 5,000 rows each)
under 1 s; unbiased MMD with 200 permutations on the same under 5 s; a full audit of
10^6 x 30 rows (each table) in at most 5 minutes and 4 GB, never an N x N matrix, with the
same verdicts from the faiss IVF search as from the exact search on the 10^4 case.

- DCR + NNDR, ours: ``infolens.audit.distance_metrics`` (synthetic->train k=2,
  synthetic->holdout, holdout->train k=2, all figures). Reference: the same three neighbour
  searches with scikit-learn ``NearestNeighbors`` (its default algorithm choice), which must
  give the same distances (checked).
- MMD, ours: ``infolens.audit.mmd_test`` (blocks, all permutations in one product; the
  single-bandwidth kernel, as the reference). Reference: plain NumPy, the full 10,000 x 10,000
  kernel matrix (800 MB) and one matrix-vector product per permutation; same statistic (checked).
- Scaling: ``infolens.audit.audit`` in a child process per size; wall time and peak RSS of the
  child (``VmHWM``; ``ru_maxrss`` would report the parent's larger peak, kept across exec).
  Data: 30 correlated Gaussian columns; the synthetic table is an
  independent draw in which 1% of rows are near copies of training rows (noise sd 0.01),
  so a correct audit reports memorisation at every size. The ratio column compares each size
  with the 10^4 case measured in the same run (linear growth would be the size ratio).
Times are the best of ``repeat`` runs (wall) with the CPU time of that run (for the full
audits: CPU seconds of the child, all threads); the machine may be shared, so the ratio,
measured in the same run, and the CPU time are the figures to read.
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
import json, resource, sys, time
import numpy as np
sys.path.insert(0, {bench!r})
from bench_audit import leaky_tables
from infolens.audit import audit
tr, ho, sy = leaky_tables({n})
t0 = time.perf_counter()
res = audit(tr, sy, ho, random_state=0, verbose=False, n_jobs=2, **{kwargs})
wall = time.perf_counter() - t0
v = res.verdict()
# VmHWM: this process's own peak (ru_maxrss would also count the parent's peak, kept across exec)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")] if sys.platform == "linux" else []
peak = int(hwm[0].split()[1]) / 1024 if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "peak_rss_mb": peak,
                  "memorisation": v["memorisation"], "fidelity": v["fidelity"],
                  "status": dict(zip(res.summary()["check"], res.summary()["status"])),
                  "search": res.metrics["neighbour_search"], "query_rows": res.metrics["distance_query_rows"],
                  "near_copy_share": res.metrics["near_copy_share_train_eq"]}}))
"""


def leaky_tables(n: int, d: int = 30, seed: int = 0, leak: float = 0.01):
    """Train, holdout and a synthetic table drawn independently, except that a ``leak``
    share of synthetic rows are training rows plus noise of sd 0.01 (near copies)."""
    train, holdout, syn = tables(n, d, seed)
    rng = np.random.default_rng(seed + 1)
    k = int(leak * n)
    rows = rng.choice(n, k, replace=False)
    syn[:k] = train[rows] + 0.01 * rng.standard_normal((k, d))
    return train, holdout, syn


def audit_child(n: int, **kwargs) -> dict:
    import os
    from pathlib import Path

    here = str(Path(__file__).resolve().parent)
    out = subprocess.run([sys.executable, "-c", CHILD.format(bench=here, n=n, kwargs=repr(kwargs))],
                         capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "2"})
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="components only (skip the full audits)")
    ap.add_argument("--sizes", default="10000,100000,1000000", help="table sizes for the full audit, smallest first")
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
    t_ours, c_ours, r = best_time(lambda: mmd_test(x, y, n_permutations=200, kernel="gaussian", random_state=0),
                                  args.repeat)
    t_ref, c_ref, (obs, _) = best_time(lambda: reference_mmd(x, y, r.bandwidth, 200, 0), 1)
    assert abs(obs - r.mmd2) < 1e-9 * max(1.0, abs(obs)) + 1e-12
    rows.append(("MMD^2 + 200 permutations, 2 x 5,000 x 30", t_ours, c_ours, "NumPy full kernel matrix", t_ref, c_ref, 5.0))

    print(f"{'case':<42} {'ours s':>8} {'ours cpu':>9} {'reference':<26} {'ref s':>8} {'ref cpu':>8} {'speed-up':>9} {'target s':>9} {'met':>4}")
    for name, to, co, rname, tr_, cr, target in rows:
        met = to < target
        ok &= met
        print(f"{name:<42} {to:8.3f} {co:9.3f} {rname:<26} {tr_:8.3f} {cr:8.3f} {tr_ / to:8.1f}x {target:9.1f} {'yes' if met else 'NO':>4}")

    if not args.quick:
        sizes = [int(v) for v in args.sizes.split(",")]
        exact = audit_child(sizes[0], neighbour_search="exact", max_query_rows=None)
        scaled = audit_child(sizes[0], neighbour_search="ivf", max_query_rows=None)
        same = exact["status"] == scaled["status"] and exact["memorisation"] == scaled["memorisation"]
        ok &= same
        print(f"\nverdicts at {sizes[0]:,} rows, exact search vs faiss IVF (all rows as queries): "
              f"{'the same' if same else 'DIFFERENT'} (memorisation {exact['memorisation']} / {scaled['memorisation']}, "
              f"fidelity {exact['fidelity']} / {scaled['fidelity']}); exact {exact['wall']:.1f} s")
        if not same:
            print("  exact :", exact["status"], "\n  scaled:", scaled["status"])
        print(f"\n{'rows x 30 (each table)':<24} {'search':>7} {'query rows':>11} {'wall s':>8} {'cpu s':>7} {'x 10^4 case':>12} "
              f"{'size ratio':>11} {'peak RSS MB':>12} {'memorised':>10} {'near copies':>12} {'target':>16} {'met':>4}")
        base = None
        for n in sizes:
            r = audit_child(n)
            base = base or r["wall"]
            target = n >= 10**6
            met = (r["wall"] <= 300 and r["peak_rss_mb"] <= 4096) if target else True
            ok &= met and r["memorisation"]
            print(f"{n:<24,} {r['search']:>7} {r['query_rows']:>11,} {r['wall']:8.1f} {r['cpu']:7.1f} {r['wall'] / base:11.1f}x "
                  f"{n / sizes[0]:10.0f}x {r['peak_rss_mb']:12.0f} {str(r['memorisation']):>10} "
                  f"{100 * r['near_copy_share']:11.2f}% {'<= 300 s, 4 GB' if target else '-':>16} "
                  f"{('yes' if met else 'NO') if target else '-':>4}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
