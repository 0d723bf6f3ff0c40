"""``infolens audit --real train.csv --synthetic syn.csv --holdout holdout.csv [--target COL]``:
fidelity and privacy of a synthetic table; writes report.html, audit.json and plots.

The three tables are read by :mod:`infolens.cli.files` (CSV with a detected or ``--sep``
separator, or Parquet): a missing, empty, malformed or zero-row file is a one-line error."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--real", required=True, help="CSV/Parquet of the real rows the generator was trained on")
    parser.add_argument("--synthetic", required=True, help="CSV/Parquet of the synthetic rows")
    parser.add_argument("--holdout", required=True, help="CSV/Parquet of real rows the generator never saw")
    parser.add_argument("--sep", default=None, help="CSV separator, e.g. ';' or tab (default: detected per file)")
    parser.add_argument("--target", default=None, help="column for train-on-synthetic/test-on-real (optional)")
    parser.add_argument("--task", default="auto", choices=["auto", "classification", "regression"])
    parser.add_argument("--categorical", default="", help="comma-separated columns to treat as categorical "
                        "(text columns always are)")
    parser.add_argument("--encoding", default="euclidean", choices=["euclidean", "gower"])
    parser.add_argument("--missing", default="error", choices=["error", "drop"],
                        help="refuse missing values (default) or drop their rows")
    parser.add_argument("--keep-identifiers", action="store_true",
                        help="compare identifier columns (a value of their own in half the rows or more) as categories "
                             "instead of leaving them out of the distances")
    parser.add_argument("--permutations", type=int, default=200, help="MMD permutations")
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples for attack intervals")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=None, help="threads for distance blocks (default: all cores)")
    parser.add_argument("--out", default="runs/audit", help="output folder")
    parser.add_argument("--quiet", action="store_true")


def main(args: argparse.Namespace) -> int:
    from ..audit import audit
    from .files import parse_sep, read_table

    sep = parse_sep(args.sep)
    real, synthetic, holdout = (read_table(getattr(args, name), f"--{name}", sep)
                                for name in ("real", "synthetic", "holdout"))
    cats = [c.strip() for c in args.categorical.split(",") if c.strip()]
    res = audit(real, synthetic, holdout, target=args.target, task=args.task,
                categorical=cats or None, encoding=args.encoding, missing=args.missing,
                n_permutations=args.permutations, n_bootstrap=args.bootstrap, random_state=args.seed,
                n_jobs=args.n_jobs, keep_identifiers=args.keep_identifiers, verbose=not args.quiet)
    files = res.save(args.out)
    summary = res.summary()
    width = max(len(c) for c in summary["check"])
    for r in summary.to_dict(orient="records"):
        print(f"{r['status']:>8}  {r['check']:<{width}}  {r['value']}")
    print(f"report: {files['report']}")
    print(f"figures (JSON): {files['json']}")
    return 0
