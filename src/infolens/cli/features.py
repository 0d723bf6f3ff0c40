"""``infolens features TABLE --target COL``: which columns of a table carry information
about a target. Prints the ranked table and writes ``features.csv``, a bar chart
(``features.png``/``.svg``) and ``report.html`` to ``--out``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import CLIError

#: --target-type -> feature_mi's discrete_target
TARGET_TYPES: dict[str, bool | str] = {"auto": "auto", "discrete": True, "continuous": False}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("table", metavar="TABLE", help="CSV/TSV or Parquet file, one row per sample")
    parser.add_argument("--target", "-t", required=True, help="target column: name or 0-based index")
    parser.add_argument("--columns", default=None, help="feature columns (comma-separated names/indices; default: all others)")
    parser.add_argument("--drop", default=None, help="columns to leave out (e.g. an id), comma-separated")
    parser.add_argument(
        "--method",
        "-m",
        default="auto",
        help="auto (ross / ksg / binning by column kinds) or any estimator name (see `infolens list`)",
    )
    parser.add_argument("-k", type=int, default=None, help="neighbours of the kNN estimators")
    parser.add_argument("--permutations", type=int, default=200, help="permutations per column for the p-values (0: no test)")
    parser.add_argument(
        "--correction",
        default="fdr_bh",
        choices=["fdr_bh", "holm", "bonferroni", "none"],
        help="multiple-testing correction of the p-values (default fdr_bh: Benjamini-Hochberg)",
    )
    parser.add_argument("--alpha", type=float, default=0.05, help="level at which a feature counts as informative")
    parser.add_argument(
        "--discrete", default=None, help="columns to treat as discrete (default: labels and integral columns with few levels)"
    )
    parser.add_argument("--target-type", choices=["auto", "discrete", "continuous"], default="auto")
    parser.add_argument("--unit", choices=["nats", "bits"], default="nats")
    parser.add_argument("--seed", type=int, default=0, help="random_state (the same command gives the same table)")
    parser.add_argument("--n-jobs", type=int, default=None, help="threads (default: OMP_NUM_THREADS, else all cores)")
    parser.add_argument("--sep", default=None, help="CSV separator (default: detected)")
    parser.add_argument("--top", type=int, default=30, help="rows printed and bars drawn")
    parser.add_argument("--out", default=None, help="output folder (default: runs/features-<table name>)")
    parser.add_argument("--json", action="store_true", help="print the table as JSON records instead of text")


def _names(text: str | None, columns: list, flag: str) -> list:
    if text is None:
        return []
    out = []
    for c in (t.strip() for t in text.split(",") if t.strip()):
        if c in columns:
            out.append(c)
        elif c.lstrip("-").isdigit() and -len(columns) <= int(c) < len(columns):
            out.append(columns[int(c)])
        else:
            raise CLIError(f"{flag}: no column {c!r} (columns: {', '.join(map(str, columns[:20]))})")
    return out


def main(args: argparse.Namespace) -> int:
    from ..io import save_figure, write_text
    from ..report.html import HtmlReport
    from ..tables import feature_mi
    from ..tables.plots import feature_mi_figure
    from .files import parse_sep, read_table

    df = read_table(args.table, "TABLE", sep=parse_sep(args.sep))
    columns = list(df.columns)
    target = _names(args.target, columns, "--target")[0]
    drop = set(_names(args.drop, columns, "--drop")) | {target}
    feats = _names(args.columns, columns, "--columns") or [c for c in columns if c not in drop]
    feats = [c for c in feats if c not in drop]
    if not feats:
        raise CLIError("no feature columns left after --target/--drop/--columns")
    if args.permutations < 0:
        raise CLIError(f"--permutations must be >= 0, got {args.permutations}")
    discrete = _names(args.discrete, columns, "--discrete") or "auto"
    correction = None if args.correction == "none" else args.correction
    params = {} if args.k is None else {"k": args.k}
    table = feature_mi(
        df[feats],
        df[target],
        method=args.method,
        n_permutations=args.permutations,
        correction=correction,
        discrete_features=discrete,
        discrete_target=TARGET_TYPES[args.target_type],
        unit=args.unit,
        n_jobs=args.n_jobs,
        random_state=args.seed,
        **params,
    )
    out = Path(args.out) if args.out else Path("runs") / f"features-{Path(args.table).stem}"
    out.mkdir(parents=True, exist_ok=True)
    flat = table.assign(warnings=table["warnings"].map(lambda w: " | ".join(w)))
    write_text(out / "features.csv", flat.to_csv(index=False))
    fig = feature_mi_figure(table, top=args.top, alpha=args.alpha)
    figs = save_figure(fig, out / "features")
    tested = args.permutations > 0
    informative = int((table["p_adjusted"] < args.alpha).sum()) if tested else None
    rep = HtmlReport(f"Feature information: {Path(args.table).name}", subtitle=f"target {target!r}, {len(df)} rows")
    rep.add_text(
        f"I(feature; {target}) for {len(feats)} columns, estimator chosen per column ("
        f"{args.method}); {args.unit}; 95% intervals from the estimators' standard errors."
        + (
            f" Permutation tests with {args.permutations} permutations, {correction or 'no'} correction: "
            f"{informative} of {len(feats)} columns have an adjusted p-value below {args.alpha:g}."
            if tested
            else ""
        )
    )
    rep.add_figure(fig, caption="MI per feature with its 95% interval" + (" (dark: informative at the level)" if tested else ""))
    rep.add_table(flat.drop(columns=["n"]), caption="All columns, sorted by MI")
    rep.add_code(
        " ".join(
            [
                "infolens features",
                args.table,
                "--target",
                str(target),
                "--method",
                args.method,
                "--permutations",
                str(args.permutations),
                "--seed",
                str(args.seed),
            ]
        )
    )
    report = rep.save(out / "report.html")
    if args.json:
        print(json.dumps(json.loads(flat.to_json(orient="records")), indent=2))
        return 0
    shown = flat.head(args.top)
    width = max(len(str(f)) for f in shown["feature"])
    print(f"{'feature':<{width}}  {'MI':>8}  {'stderr':>7}  {'p_adj':>7}  method")
    for r in shown.to_dict(orient="records"):
        p = "" if r["p_adjusted"] != r["p_adjusted"] else f"{r['p_adjusted']:.3g}"
        se = "" if r["stderr"] != r["stderr"] else f"{r['stderr']:.3f}"
        print(f"{r['feature']!s:<{width}}  {r['mi']:8.4f}  {se:>7}  {p:>7}  {r['method']}")
    if informative is not None:
        print(f"{informative} of {len(feats)} columns informative at adjusted p < {args.alpha:g}")
    print(f"wrote {report}, {out / 'features.csv'}, {figs[0]}")
    return 0
