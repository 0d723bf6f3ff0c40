"""``infolens features TABLE --target COL``: which columns of a table carry information
about a target. Prints the ranked table, the columns left out of it with the reason and
every warning under it, and writes ``features.csv``, a bar chart (``features.png``/``.svg``)
and ``report.html`` (warnings beside their rows, the re-run command) to ``--out``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import CLIError

#: --target-type -> feature_mi's discrete_target
TARGET_TYPES: dict[str, bool | str] = {"auto": "auto", "discrete": True, "continuous": False}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "table", metavar="TABLE", help="CSV/TSV or Parquet file, or a Parquet folder or URL (read on a Dask cluster), one row per sample"
    )
    parser.add_argument("--target", "-t", required=True, help="target column: name or 0-based index")
    parser.add_argument("--columns", default=None, help="feature columns (comma-separated names/indices; default: all others)")
    parser.add_argument("--drop", default=None, help="columns to leave out (e.g. an id), comma-separated")
    parser.add_argument("--groups", default=None, metavar="COL",
                        help="column whose rows belong together (e.g. a patient id with repeated measurements): every "
                             "column is scored on one row per group, with intervals that count groups")
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
    parser.add_argument(
        "--decimal", default=None, help="decimal mark of the CSV: '.' or ',' (default: detected per column, e.g. 3,14)"
    )
    parser.add_argument(
        "--keep-identifiers",
        action="store_true",
        help="estimate and rank identifier columns (labels unique per row) instead of listing them after the table",
    )
    parser.add_argument(
        "--missing",
        choices=["drop", "category"],
        default="drop",
        help="missing values: drop (each column on its complete rows, default) or category (missing is a value)",
    )
    parser.add_argument("--top", type=int, default=30, help="rows printed and bars drawn")
    parser.add_argument("--out", default=None, help="output folder (default: runs/features-<table name>)")
    parser.add_argument("--json", action="store_true", help="print the table as JSON records instead of text")
    from .dataset import add_cluster_arguments

    add_cluster_arguments(parser)  # a Parquet folder/URL or --scheduler: the cluster path (docs/scale.md)


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
    from .dataset import cluster, read_dataset, use_cluster

    if not use_cluster(args):
        return _main(args, None)
    args.table_frame = read_dataset(args.table)
    with cluster(args) as client:  # a Parquet folder/URL or --scheduler: the cluster path (docs/scale.md)
        return _main(args, client)


def _main(args: argparse.Namespace, client: object) -> int:
    from ..tables import feature_mi
    from .files import parse_decimal, parse_sep, read_table

    if client is not None:
        df = args.table_frame
    else:
        df = read_table(args.table, "TABLE", sep=parse_sep(args.sep), decimal=parse_decimal(args.decimal))
    on_cluster = {} if client is None else {"scheduler": client, "progress": True, "checkpoint": args.checkpoint}
    columns = list(df.columns)
    target = _names(args.target, columns, "--target")[0]
    groups = _names(args.groups, columns, "--groups")[0] if args.groups else None
    drop = set(_names(args.drop, columns, "--drop")) | {target} | ({groups} if groups is not None else set())
    feats = _names(args.columns, columns, "--columns") or [c for c in columns if c not in drop]
    feats = [c for c in feats if c not in drop]
    if not feats:
        raise CLIError("no feature columns left after --target/--drop/--columns")
    if args.permutations < 0:
        raise CLIError(f"--permutations must be >= 0, got {args.permutations}")
    correction = None if args.correction == "none" else args.correction
    if args.permutations:
        floor = (len(feats) if correction in ("bonferroni", "holm") else 1) / (args.permutations + 1)
        floor *= 2 if groups is not None else 1  # (grouped: twice the median p-value of the draws)
        if args.alpha <= floor:
            raise CLIError(
                f"--alpha {args.alpha:g} is not above the smallest adjusted p-value {args.permutations} permutations can "
                f"give ({floor:.3g}): no column could count as informative; use --permutations "
                f"{int(floor * (args.permutations + 1) / args.alpha)} or more"
            )
    discrete = _names(args.discrete, columns, "--discrete") or "auto"
    params = {} if args.k is None else {"k": args.k}
    if groups is not None:
        if client is not None:
            raise CLIError("--groups runs on one machine; drop --scheduler / read the table as a file")
        params["groups"] = df[groups]
    table = feature_mi(
        df[feats],
        df[target],
        method=args.method,
        n_permutations=args.permutations,
        correction=correction,
        discrete_features=discrete,
        discrete_target=TARGET_TYPES[args.target_type],
        keep_identifiers=args.keep_identifiers,
        missing=args.missing,
        unit=args.unit,
        n_jobs=args.n_jobs,
        random_state=args.seed,
        warn=False,  # printed under the table instead
        **params,
        **on_cluster,
    )
    _note_conversions(table, getattr(df, "attrs", {}).get("converted", {}))
    out = Path(args.out) if args.out else Path("runs") / f"features-{Path(args.table).stem}"
    n_rows = table.attrs.get("n_rows") or len(df)  # a Dask frame's rows: counted by the cluster pass
    report, files = write_outputs(table, args, out, target, n_rows, feats, rerun_command(args, target))
    if args.json:
        flat = table.assign(warnings=table["warnings"].map(lambda w: " | ".join(w)))
        print(json.dumps(json.loads(flat.to_json(orient="records")), indent=2))
        return 0
    for line in console_lines(table, args.top, args.alpha if args.permutations else None):
        print(line)
    print(f"wrote {report}, {', '.join(str(f) for f in files)}")
    return 0


def _note_conversions(table, converted: dict) -> None:
    """The reader's conversions (decimal-comma text read as numbers) join their rows' warnings."""
    from ..errors import flag

    for i, name in enumerate(table["feature"]):
        if str(name) in converted:
            table.at[i, "warnings"] = [flag("converted", converted[str(name)]), *table.at[i, "warnings"]]


def rerun_command(args: argparse.Namespace, target: str) -> str:
    """The command line that gives the same table (every option that differs from its default)."""
    import shlex

    parts = ["infolens", "features", args.table, "--target", str(target)]
    options = [
        ("--columns", args.columns, None), ("--drop", args.drop, None), ("--groups", args.groups, None),
        ("--method", args.method, "auto"),
        ("-k", args.k, None), ("--permutations", args.permutations, 200), ("--correction", args.correction, "fdr_bh"),
        ("--alpha", args.alpha, 0.05), ("--discrete", args.discrete, None), ("--target-type", args.target_type, "auto"),
        ("--unit", args.unit, "nats"), ("--sep", args.sep, None), ("--decimal", args.decimal, None),
        ("--missing", args.missing, "drop"),
    ]
    for flag_, value, default in options:
        if value != default:
            parts += [flag_, str(value)]
    if args.keep_identifiers:
        parts.append("--keep-identifiers")
    parts += ["--seed", str(args.seed)]
    return " ".join(shlex.quote(p) for p in parts)


def console_lines(table, top: int, alpha: float | None) -> list[str]:
    """The ranking, then the columns left out of it with the reason, then every warning
    (one line per column and cause) under the table."""
    ranked = table[table["excluded"] == ""].head(top)
    left = table[table["excluded"] != ""]
    names = [str(f) for f in table["feature"]] or ["feature"]
    width = max(7, *(len(f) for f in names))
    mi_head = f"MI {table.attrs.get('unit', 'nats')}"  # the unit of MI and stderr
    lines = [f"{'feature':<{width}}  {mi_head:>8}  {'stderr':>7}  {'p_adj':>7}  {'rows':>6}  {'method':<13}  notes"]
    for r in ranked.to_dict(orient="records"):
        p = "" if r["p_adjusted"] != r["p_adjusted"] else f"{r['p_adjusted']:.3g}"
        se = "" if r["stderr"] != r["stderr"] else f"{r['stderr']:.3f}"
        codes = ", ".join(dict.fromkeys(getattr(w, "code", "other") for w in r["warnings"]))
        lines.append(f"{r['feature']!s:<{width}}  {r['mi']:8.4f}  {se:>7}  {p:>7}  {r['n']:>6}  {r['method']:<13}  {codes}")
    if len(table[table["excluded"] == ""]) > top:
        lines.append(f"... {len(table[table['excluded'] == '']) - top} more ranked columns in features.csv")
    if alpha is not None:
        informative = int((table["p_adjusted"] < alpha).sum())
        n_ranked = int((table["excluded"] == "").sum())
        lines.append(f"{informative} of {n_ranked} ranked columns informative at adjusted p < {alpha:g}")
    if len(left):
        lines.append("")
        lines.append("Left out of the ranking:")
        for r in left.to_dict(orient="records"):
            why = next((str(w) for w in reversed(r["warnings"]) if getattr(w, "code", "") in _REASON_CODES), r["excluded"])
            lines.append(f"  {r['feature']!s:<{width}}  {why}")
    notes = [(str(r["feature"]), str(w)) for r in ranked.to_dict(orient="records") for w in r["warnings"]]
    for key in ("repeated_rows", "serial_dependence", "groups", "target_levels"):  # the table's own notes: found once for all columns
        said = table.attrs.get(key)
        if said:
            notes.insert(0, ("(table)", said["message"]))
    for said in reversed(table.attrs.get("target_notes") or []):
        notes.insert(0, ("(target)", said["message"]))
    if notes:
        lines.append("")
        lines.append("Warnings:")
        lines += [f"  {f:<{width}}  {w}" for f, w in notes]
    return lines


#: the warning that gives an excluded row's reason (the last of them: the exclusion's own)
_REASON_CODES = ("identifier", "constant-dropped", "column-failed", "small-sample")


def write_outputs(table, args: argparse.Namespace, out: Path, target: str, n_rows: int, feats: list, rerun: str):
    """features.csv, the bar chart and report.html in ``out``; returns (report path, other files)."""
    from ..io import save_figure, write_text
    from ..report.html import HtmlReport
    from ..tables.plots import feature_mi_figure

    out.mkdir(parents=True, exist_ok=True)
    flat = table.assign(warnings=table["warnings"].map(lambda w: " | ".join(w)))
    write_text(out / "features.csv", flat.to_csv(index=False))
    fig = feature_mi_figure(table, top=args.top, alpha=args.alpha)
    figs = save_figure(fig, out / "features")
    tested = args.permutations > 0
    ranked = flat[flat["excluded"] == ""]
    left = flat[flat["excluded"] != ""]
    rep = HtmlReport(f"Feature information: {Path(args.table).name}", subtitle=f"target {target!r}, {n_rows} rows")
    informative = int((table["p_adjusted"] < args.alpha).sum()) if tested else 0
    rep.add_text(
        f"I(feature; {target}) for {len(feats)} columns, estimator chosen per column ({args.method}); {args.unit}; "
        "95% intervals from the estimators' standard errors; rows: the rows each column was estimated on."
        + (
            f" Permutation tests with {args.permutations} permutations (smallest possible p-value "
            f"{1 / (args.permutations + 1):.3g}), {args.correction} correction: {informative} of {len(ranked)} ranked "
            f"columns have an adjusted p-value below {args.alpha:g}."
            if tested
            else ""
        )
    )
    copied = table.attrs.get("repeated_rows")
    if copied:
        rep.add_text(f"Copied records: {copied['message']}.")
    for key, what in (("serial_dependence", "Rows in order"), ("groups", "Grouped rows")):
        said = table.attrs.get(key)
        if said:
            rep.add_text(f"{what}: {said['message']}.")
    for said in table.attrs.get("target_notes") or []:
        rep.add_text(f"The target {target!r}: {said['message']}.")
    rep.add_figure(fig, caption="MI per feature with its 95% interval" + (" (dark: informative at the level)" if tested else ""))
    shown = ranked[["feature", "mi", "stderr", "ci_low", "ci_high", "p_adjusted", "kind", "method", "n", "warnings"]]
    # the warnings column is prose: read left-aligned (the report's tables right-align numbers)
    rep.add_html("<style>td:last-child{text-align:left}</style>")
    rep.add_table(shown.rename(columns={"n": "rows", "p_adjusted": "adjusted p"}),
                  caption="The ranking, by MI; each row's warnings beside it", float_format="{:.4f}")
    if len(left):
        rep.add_heading("Left out of the ranking")
        rep.add_table(left[["feature", "excluded", "n", "warnings"]].rename(columns={"excluded": "reason", "n": "rows"}),
                      caption="Columns whose MI cannot be measured or carries nothing, with the reason")
    rep.add_heading("Re-run")
    rep.add_code(rerun)
    report = rep.save(out / "report.html")
    return report, [out / "features.csv", figs[0]]
