"""feature_mi and mi_matrix on a dask.distributed LocalCluster, from Parquet on disk.

1. Generates ``--rows`` x ``--cols`` Parquet (default 10^7 x 100; float32 columns, 250,000-row
   files) with four informative columns: ``y = c000 + sin(2 c001) + 0.5 c002 + 0.6 c003 + e``
   (c002 an integer 0..4; the other 96 columns noise, the last five integers 0..9), unless the
   folder already holds the same data (``meta.json``). The weakest, c003, carries
   ``-1/2 log(1 - 0.36 / 3.36) = 0.057`` nats: 11 standard errors at the default precision
   (0.005), far above the largest of 96 noise columns (~3 standard errors); with 0.3 it carried
   0.015 nats, which that precision cannot separate from the noise columns' maximum (a first run
   put a noise column at 0.017 above it).
2. Runs ``feature_mi(dd.read_parquet(folder), "y")`` on LocalClusters of 1 and 2 worker
   processes (1 thread each, ``--memory-limit`` each): wall time, the 2-worker speed-up (a ratio
   measured in the same run), one profile pass timed alone first (the first read of the files:
   cold page cache), the phases inside feature_mi, peak RSS of each worker (``getrusage`` in the worker: the goal is
   <= 3 GB), and whether the four informative columns are the top four.
3. ``mi_matrix`` over ``--matrix-cols`` columns (default 1,000; ``--matrix-rows`` rows): timed on
   two subsets of pairs (all pairs whose second column is one of k columns 25 apart), a line
   ``t = a + b * pairs`` through the two, projected to all ``d (d - 1) / 2`` pairs.

Run once with nice on the shared machine:
    nice -n 10 python benchmarks/bench_cluster.py                 # the issue's size
    python benchmarks/bench_cluster.py --rows 200000 --matrix-cols 200   # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from pathlib import Path

import numpy as np

INFORMATIVE = ["c000", "c001", "c002", "c003"]
CHUNK = 250_000


def generate(folder: Path, rows: int, cols: int, seed: int = 0) -> float:
    """The feature table as Parquet files of CHUNK rows; returns seconds (0 when reused)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = {"rows": rows, "cols": cols, "seed": seed, "chunk": CHUNK, "version": 2}
    if (folder / "meta.json").exists() and json.loads((folder / "meta.json").read_text()) == meta:
        return 0.0
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "parts").mkdir(parents=True)
    t0 = time.perf_counter()
    names = [f"c{j:03d}" for j in range(cols)]
    for i, start in enumerate(range(0, rows, CHUNK)):
        n = min(CHUNK, rows - start)
        rng = np.random.default_rng([seed, i])
        x = rng.standard_normal((n, cols), dtype=np.float32)
        x[:, 2] = rng.integers(0, 5, n)
        x[:, cols - 5:] = rng.integers(0, 10, (n, 5))
        y = x[:, 0] + np.sin(2 * x[:, 1]) + 0.5 * x[:, 2] + 0.6 * x[:, 3] + rng.standard_normal(n, dtype=np.float32)
        xt = np.ascontiguousarray(x.T)  # one contiguous row per column: pa.array takes it without a copy
        arrays = [pa.array(xt[j]) for j in range(cols)] + [pa.array(y)]
        pq.write_table(pa.Table.from_arrays(arrays, names=names + ["y"]), folder / "parts" / f"part-{i:05d}.parquet",
                       compression="none", row_group_size=CHUNK)
    (folder / "meta.json").write_text(json.dumps(meta))
    return time.perf_counter() - t0


def generate_wide(folder: Path, rows: int, cols: int, seed: int = 1) -> None:
    """``cols`` columns, each a noisy copy of one of cols/10 latent factors (dependent pairs
    within a factor, independent across), integers every 20th column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = {"rows": rows, "cols": cols, "seed": seed, "version": 1}
    if (folder / "meta.json").exists() and json.loads((folder / "meta.json").read_text()) == meta:
        return
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "parts").mkdir(parents=True)
    for i, start in enumerate(range(0, rows, CHUNK)):
        n = min(CHUNK, rows - start)
        rng = np.random.default_rng([seed, i])
        f = rng.standard_normal((n, max(1, cols // 10)), dtype=np.float32)
        x = f[:, np.arange(cols) % f.shape[1]] + rng.standard_normal((n, cols), dtype=np.float32)
        x[:, ::20] = np.round(x[:, ::20])
        tab = pa.Table.from_arrays([pa.array(x[:, j]) for j in range(cols)], names=[f"w{j:04d}" for j in range(cols)])
        pq.write_table(tab, folder / "parts" / f"part-{i:05d}.parquet", compression="none", row_group_size=CHUNK)
    (folder / "meta.json").write_text(json.dumps(meta))


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # bytes (Linux reports KiB)


def run_features(folder: Path, workers: int, memory_limit: str, seed: int) -> dict:
    from infolens import feature_mi
    from infolens.distributed import cluster_client, read_parquet

    from infolens.distributed import _passes

    with cluster_client("local", n_workers=workers, memory_limit=memory_limit) as client:
        ddf = read_parquet(str(folder / "parts"))
        t0 = time.perf_counter()
        _passes.profile(client, ddf, list(ddf.columns))  # one pass alone: the read-and-summarise rate
        pass_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        df = feature_mi(ddf, "y", random_state=seed, scheduler=client)
        seconds = time.perf_counter() - t0
        peaks = sorted(client.run(_peak_rss).values())
    top = list(df["feature"][: len(INFORMATIVE)])
    sampled = df[df["warnings"].map(lambda w: any(getattr(f, "code", "") == "subsampled" for f in w))]
    return {
        "workers": workers, "seconds": seconds, "pass_seconds": pass_seconds, "phases": df.attrs["seconds"], "peak_worker_gb": max(peaks) / 1e9, "top": top,
        "right_top": sorted(top) == INFORMATIVE, "rows": int(df.attrs["n_rows"]),
        "sample_rows_median": float(sampled["n"].median()) if len(sampled) else float("nan"),
        "sample_rows_max": int(sampled["n"].max()) if len(sampled) else 0,
        "head": df.head(6)[["feature", "mi", "stderr", "method", "n"]].to_dict(orient="records"),
    }


def run_matrix(folder: Path, cols: int, subsets: tuple[int, int], memory_limit: str, seed: int) -> dict:
    from infolens import mi_matrix
    from infolens.distributed import cluster_client, read_parquet

    names = [f"w{j:04d}" for j in range(cols)]
    out = []
    with cluster_client("local", n_workers=2, memory_limit=memory_limit) as client:
        ddf = read_parquet(str(folder / "parts"))
        for k in subsets:
            second = [names[j] for j in range(25, 25 * (k + 1), 25)]  # pairs (i, j), i < j: 25 + 50 + ...
            pairs = sum(names.index(c) for c in second)
            t0 = time.perf_counter()
            m = mi_matrix(ddf, random_state=seed, scheduler=client, columns=second)
            out.append({"second_columns": k, "pairs": pairs, "seconds": time.perf_counter() - t0,
                        "rows_used_median": float(np.nanmedian(m.mi.attrs["n_used"].to_numpy()))})
    (p1, t1), (p2, t2) = [(o["pairs"], o["seconds"]) for o in out]
    b = (t2 - t1) / (p2 - p1)
    a = t1 - b * p1
    total = cols * (cols - 1) // 2
    return {"cols": cols, "measured": out, "fixed_seconds": a, "seconds_per_pair": b, "all_pairs": total,
            "projected_seconds": a + b * total}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--data", default="runs/bench_cluster", help="folder for the generated Parquet data")
    ap.add_argument("--workers", default="1,2", help="worker counts to time, comma-separated")
    ap.add_argument("--memory-limit", default="3GiB")
    ap.add_argument("--matrix-cols", type=int, default=1000)
    ap.add_argument("--matrix-rows", type=int, default=50_000)
    ap.add_argument("--matrix-subsets", default="2,6", help="second columns timed in the two subsets")
    ap.add_argument("--skip-matrix", action="store_true")
    ap.add_argument("--keep-data", action="store_true", help="leave the generated Parquet files on disk")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    root = Path(args.data)
    gen = generate(root / "features", args.rows, args.cols)
    size = sum(p.stat().st_size for p in (root / "features" / "parts").iterdir()) / 1e9
    print(f"data: {args.rows:,} rows x {args.cols} columns + y, {size:.2f} GB Parquet"
          + (f" (generated in {gen:.0f} s)" if gen else " (reused)"))
    runs = [run_features(root / "features", int(w), args.memory_limit, args.seed) for w in args.workers.split(",")]
    print("\n| workers | feature_mi seconds | speed-up vs 1 worker | one pass alone (s, GB/s) | peak worker RSS (GB) "
          "| top 4 = informative | sampled rows (median / max) |")
    print("|---|---|---|---|---|---|---|")
    base = runs[0]["seconds"]
    for r in runs:
        print(f"| {r['workers']} | {r['seconds']:.0f} | {base / r['seconds']:.2f} | {r['pass_seconds']:.0f}, "
              f"{size / r['pass_seconds']:.3g} | {r['peak_worker_gb']:.2f} | "
              f"{'yes' if r['right_top'] else 'NO: ' + ', '.join(r['top'])} | {r['sample_rows_median']:,.0f} / {r['sample_rows_max']:,} |")
    for r in runs:
        print(f"  {r['workers']} worker(s), inside feature_mi: "
              + ", ".join(f"{k} {v:.0f} s" for k, v in r["phases"].items()))
    print("\ntop of the table (last run):")
    for h in runs[-1]["head"]:
        print(f"  {h['feature']}  {h['mi']:.4f} +- {h['stderr']:.4f}  {h['method']}  n={h['n']:,}")
    result = {"rows": args.rows, "cols": args.cols, "features": runs}
    if not args.skip_matrix:
        generate_wide(root / "wide", args.matrix_rows, args.matrix_cols)
        k1, k2 = (int(v) for v in args.matrix_subsets.split(","))
        mm = run_matrix(root / "wide", args.matrix_cols, (k1, k2), args.memory_limit, args.seed)
        result["matrix"] = mm
        print(f"\nmi_matrix, {args.matrix_cols} columns x {args.matrix_rows:,} rows, 2 workers:")
        print("| pairs timed | seconds | rows per pair (median) |")
        print("|---|---|---|")
        for o in mm["measured"]:
            print(f"| {o['pairs']:,} | {o['seconds']:.1f} | {o['rows_used_median']:,.0f} |")
        print(f"fit: {mm['fixed_seconds']:.1f} s + {mm['seconds_per_pair'] * 1e3:.2f} ms per pair -> all {mm['all_pairs']:,} pairs: "
              f"{mm['projected_seconds'] / 3600:.2f} h on 2 workers")
    (root / "result.json").write_text(json.dumps(result, indent=2, default=str))
    if not args.keep_data:
        shutil.rmtree(root / "features", ignore_errors=True)
        shutil.rmtree(root / "wide", ignore_errors=True)
    print(f"\nwrote {root / 'result.json'}")


if __name__ == "__main__":
    main()
