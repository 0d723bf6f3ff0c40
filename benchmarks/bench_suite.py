"""Benchmark suite: every (non-neural by default) estimator on the known-truth tasks.

Prints, per estimator: tasks within 10% of the truth, the median |log(estimate/truth)|,
seconds per estimate and its ratio to the reference estimator (``--reference``, default
ksg) measured in the same run; and the local pool's speed-up over one process on the same
jobs. The issue's target run (standard suite, N=5000, 3 seeds, 2 workers)::

    python benchmarks/bench_suite.py --suite standard --n 5000 --seeds 3 --jobs 2 --out runs/bench-standard

``--out`` keeps the run folder (a re-run resumes it); without it a temporary folder is used.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path


def _pool_speedup(jobs: int) -> tuple[float, float]:
    from infolens.bench import bench_job, bench_configs
    from infolens.runner import run_jobs

    configs = bench_configs(["multinormal-sparse-5-5-2-2.0"], ["ksg"], 3000, 8)
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        run_jobs(bench_job, configs, Path(d) / "serial", n_jobs=1, scheduler="local", progress=False)
        serial = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_jobs(bench_job, configs, Path(d) / "pool", n_jobs=jobs, scheduler="local", progress=False)
        pool = time.perf_counter() - t0
    return serial, pool


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--suite", default="quick", choices=["quick", "standard", "hard"])
    p.add_argument("--estimators", default=None, help="comma-separated names; default every non-neural estimator")
    p.add_argument("--n", default=None, help="sample size(s), comma-separated (default per suite)")
    p.add_argument("--seeds", type=int, default=None)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--reference", default="ksg", help="estimator whose time is the 1.0x reference")
    p.add_argument("--out", default=None, help="run folder to keep (resumable); default a temporary folder")
    p.add_argument("--no-pool-check", action="store_true", help="skip the pool vs one-process comparison")
    p.add_argument("--no-run", action="store_true",
                   help="only summarise the jobs already in --out (e.g. of a run stopped early); wall time is not known then")
    args = p.parse_args(argv)

    from infolens.bench import run_bench
    from infolens.report.bench import write_bench_report
    from infolens.runner import read_rows

    n = [int(v) for v in args.n.split(",")] if args.n else None
    tmp = None
    out = Path(args.out) if args.out else Path(tmp := tempfile.mkdtemp(prefix="bench-suite-"))
    if args.no_run:
        if not args.out:
            p.error("--no-run needs --out, the run folder to summarise")
        rows = list({r["hash"]: r for r in read_rows(out)}.values())
        res = {"rows": rows, "wall_seconds": float("nan"), "tables": write_bench_report(out)}
    else:
        res = run_bench(out, suite=args.suite, estimators=args.estimators, n=n, seeds=args.seeds,
                        n_jobs=args.jobs, progress=None)
        rows = res["rows"]
    s = res["tables"]["summary"].copy()
    tidy = res["tables"]["tidy"]
    n_max = int(tidy["n"].max())
    ref = s.loc[s["estimator"] == args.reference, "mean_seconds"]
    ref_t = float(ref.iloc[0]) if len(ref) else float("nan")
    s["time_vs_" + args.reference] = s["mean_seconds"] / ref_t
    failed = sum(r["error"] is not None for r in rows)
    suite = json.loads((out / "bench.json").read_text()).get("suite", "?") if args.no_run else args.suite
    print(f"suite={suite}  tasks={tidy['task'].nunique()}  N={sorted(tidy['n'].unique().tolist())}  "
          f"seeds={tidy['seed'].nunique()}  jobs={len(rows)} ({failed} failed)" + ("" if args.no_run else f"  workers={args.jobs}"))
    if args.no_run:
        stamps = sorted(datetime.fromisoformat(r["finished_at"]) for r in rows)
        print(f"wall time: not measured (--no-run); first to last job finished {(stamps[-1] - stamps[0]).total_seconds():.0f} s apart"
              f"  (sum of job times {tidy['seconds'].sum():.1f} s)")
    else:
        print(f"wall time: {res['wall_seconds']:.1f} s  (sum of job times {tidy['seconds'].sum():.1f} s)")
    print(f"accuracy at N={n_max} (mean over seeds per task):")
    print(s.rename(columns={"median_abs_log_ratio": "median|log(est/truth)|", "mean_seconds": "s/estimate"})
          .to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    if not args.no_pool_check and not args.no_run and args.jobs > 1:
        serial, pool = _pool_speedup(args.jobs)
        print(f"runner: 8 ksg jobs (N=3000, 5+5 dims): 1 process {serial:.2f} s, pool of {args.jobs} {pool:.2f} s, "
              f"speed-up {serial / pool:.2f}x (reference: 1 process)")
    print(f"run folder: {out}" + (" (temporary)" if tmp else ""))
    return 0 if failed < len(rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
