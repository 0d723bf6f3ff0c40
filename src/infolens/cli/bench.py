"""``infolens bench``: every estimator on the known-truth suite, resumable, then the report."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def _int_list(text: str) -> list[int]:
    try:
        vals = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers separated by commas, got {text!r}") from None
    if not vals or min(vals) < 2:
        raise argparse.ArgumentTypeError(f"expected sample sizes >= 2, got {text!r}")
    return vals


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", default="quick", choices=["quick", "standard", "hard"],
                        help="task suite: quick (6 tasks, ~1 min), standard (the 40 Beyond Normal tasks), hard (ours)")
    parser.add_argument("--tasks", default=None, help="comma-separated task ids instead of a suite")
    parser.add_argument("--estimators", default=None,
                        help="comma-separated names, or 'nonparametric' (default: every non-neural estimator of I(X;Y); "
                             "sliced / max-sliced MI run only when named), 'neural', 'all'")
    parser.add_argument("--n", type=_int_list, default=None, help="sample size(s), e.g. 5000 or 1000,5000 (default per suite)")
    parser.add_argument("--seeds", type=_positive_int, default=None, help="number of seeds 0..S-1 (default per suite)")
    parser.add_argument("--config", default=None, help="a YAML sweep (tasks, estimators with params/grid, n, seeds) instead of the flags above")
    parser.add_argument("--jobs", type=_positive_int, default=1, help="local worker processes (default 1)")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://host:8786 (default: $INFOLENS_SCHEDULER, else local)")
    parser.add_argument("--out", default=None, help="run folder (default runs/bench-SUITE); re-running resumes it")
    parser.add_argument("--no-report", action="store_true", help="only run the jobs; `infolens report OUT` writes the report later")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--list-tasks", action="store_true", help="print the suite's task ids with their true MI and exit")


def main(args: argparse.Namespace) -> int:
    from ..bench import run_bench

    if args.list_tasks:
        from ..distributions import get_task, suite_task_ids

        ids = [t.strip() for t in args.tasks.split(",") if t.strip()] if args.tasks else suite_task_ids(args.suite)
        print(f"{'task':<50} {'dim_x':>6} {'dim_y':>6} {'MI (nats)':>10}")
        for tid in ids:
            t = get_task(tid)
            print(f"{tid:<50} {t.dim_x:>6} {t.dim_y:>6} {t.mi:>10.4f}")
        return 0

    kwargs = dict(suite=args.suite, estimators=args.estimators, n=args.n, seeds=args.seeds,
                  tasks=[t.strip() for t in args.tasks.split(",") if t.strip()] if args.tasks else None)
    if args.config:
        from ..runner import Sweep

        sweep = Sweep.from_yaml(args.config)
        kwargs = dict(suite=args.suite, tasks=list(sweep.tasks), estimators=list(sweep.estimators),
                      n=sweep.n, seeds=sweep.seed_list())
    name = Path(args.config).stem if args.config else ("custom" if args.tasks else args.suite)
    out = Path(args.out) if args.out else Path("runs") / f"bench-{name}"
    res = run_bench(out, n_jobs=args.jobs, scheduler=args.scheduler, progress=not args.quiet,
                    report=not args.no_report, **kwargs)
    rows = res["rows"]
    failed = sum(r["error"] is not None for r in rows)
    print(f"{len(rows)} jobs ({failed} failed) in {res['wall_seconds']:.1f} s -> {os.fspath(out)}/results.jsonl")
    if res["tables"] is not None:
        print(res["tables"]["summary"].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        print(f"report: {os.fspath(out / 'report.html')}")
    return 0 if failed < len(rows) or not rows else 1
