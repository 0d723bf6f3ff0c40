"""``infolens report RUN``: tables, figures and report.html from a run folder's results.jsonl."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import DataNotFoundError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="a run folder holding results.jsonl (e.g. runs/bench-quick)")


def main(args: argparse.Namespace) -> int:
    from ..report.bench import is_bench_run, write_bench_report, write_generic_report

    run = Path(args.run)
    if not (run / "results.jsonl").is_file():
        raise DataNotFoundError(f"{str(run / 'results.jsonl')!r} not found; pass the --out folder of a run")
    if is_bench_run(run):
        tables = write_bench_report(run)
        print(tables["summary"].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    else:
        page = write_generic_report(run)
        print(f"job table: {run / 'jobs.csv'}")
        if page.name != "report.html":
            print(f"the run's own report is kept: {run / 'report.html'}")
        print(f"report: {page}")
        return 0
    print(f"report: {run / 'report.html'}")
    return 0
