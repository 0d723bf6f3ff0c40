"""``infolens matrix TABLE``: pairwise mutual information of a table's columns. Prints the
most dependent pairs and writes ``pairs.csv`` (one row per pair), the heatmap of the
information coefficient (``matrix.png``/``.svg``) and ``report.html`` to ``--out``. A Parquet
folder or URL, or ``--scheduler``, runs the pairs on a Dask cluster (docs/scale.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from . import CLIError
from .dataset import add_cluster_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("table", metavar="TABLE", help="CSV/TSV or Parquet file, or a Parquet folder or URL")
    parser.add_argument("--columns", default=None, help="columns to use (comma-separated names; default: all)")
    parser.add_argument("--drop", default=None, help="columns to leave out (e.g. an id), comma-separated")
    parser.add_argument("--groups", default=None, metavar="COL",
                        help="column whose rows belong together (a subject id): pairs on one row per group")
    parser.add_argument("--method", "-m", default="auto", help="auto (ksg / ross / binning by column kinds) or an estimator name")
    parser.add_argument("-k", type=int, default=None, help="neighbours of the kNN estimators")
    parser.add_argument("--discrete", default=None, help="columns to treat as discrete (default: labels and integral columns with few levels)")
    parser.add_argument("--unit", choices=["nats", "bits"], default="nats")
    parser.add_argument("--seed", type=int, default=0, help="random_state (the same command gives the same matrix)")
    parser.add_argument("--precision", type=float, default=0.005, help="standard error (nats) the sampled pairs are sized for (cluster path)")
    parser.add_argument("--sep", default=None, help="CSV separator (default: detected)")
    parser.add_argument("--top", type=int, default=20, help="pairs printed")
    parser.add_argument("--out", default=None, help="output folder (default: runs/matrix-<table name>)")
    parser.add_argument("--json", action="store_true", help="print the pairs as JSON records instead of text")
    add_cluster_arguments(parser)


def _pick(text: str | None, columns: list, flag: str) -> list:
    if text is None:
        return []
    out = []
    for c in (t.strip() for t in text.split(",") if t.strip()):
        if c not in columns:
            raise CLIError(f"{flag}: no column {c!r} (columns: {', '.join(map(str, columns[:20]))})")
        out.append(c)
    return out


def main(args: argparse.Namespace) -> int:
    from .dataset import cluster, read_dataset, use_cluster

    if not use_cluster(args):
        from .files import parse_sep, read_table

        return _run(args, read_table(args.table, "TABLE", sep=parse_sep(args.sep)), None)
    df = read_dataset(args.table)
    with cluster(args) as client:
        return _run(args, df, client)


def _run(args: argparse.Namespace, df: object, client: object) -> int:
    from ..io import save_figure, write_text
    from ..report.html import HtmlReport
    from ..tables import mi_matrix

    columns = [str(c) for c in df.columns]  # type: ignore[attr-defined]  # pandas or Dask DataFrame
    groups = _pick(args.groups, columns, "--groups")[:1] if getattr(args, "groups", None) else []
    drop = set(_pick(args.drop, columns, "--drop")) | set(groups)
    use = [c for c in (_pick(args.columns, columns, "--columns") or columns) if c not in drop]
    if len(use) < 2:
        raise CLIError(f"--columns/--drop leave {len(use)} column; a matrix needs at least 2")
    params: dict = {} if args.k is None else {"k": args.k}
    if groups:
        if client is not None:
            raise CLIError("--groups runs on one machine; drop --scheduler / read the table as a file")
        params["groups"] = df[groups[0]]  # type: ignore[index]
    if client is not None:
        params.update(scheduler=client, progress=True, precision=args.precision, checkpoint=args.checkpoint)
    m = mi_matrix(df[use], args.method, discrete=_pick(args.discrete, columns, "--discrete") or "auto",  # type: ignore[index]
                  unit=args.unit, random_state=args.seed, **params)
    pairs = m.to_long()
    n_rows = m.mi.attrs.get("n_rows") or len(df)  # type: ignore[arg-type]
    out = Path(args.out) if args.out else Path("runs") / f"matrix-{Path(args.table.rstrip('/')).stem}"
    out.mkdir(parents=True, exist_ok=True)
    flat = pairs.assign(warnings=pairs["warnings"].map(lambda w: " | ".join(w)))
    write_text(out / "pairs.csv", flat.to_csv(index=False))
    fig = m.figure("ic")
    figs = save_figure(fig, out / "matrix")
    rep = HtmlReport(f"Pairwise information: {Path(args.table.rstrip('/')).name}", subtitle=f"{len(use)} columns, {n_rows} rows")
    rep.add_text(
        f"I(a; b) for every pair of {len(use)} columns, estimator chosen per pair ({args.method}); {args.unit}. "
        "The heatmap shows the information coefficient sqrt(1 - exp(-2 I)), which reads like a correlation."
        + (" Pairs other than two discrete columns were estimated on a uniform random sample of rows sized for a "
           f"standard error of {args.precision:g} nats (rows per pair in the table's warnings)." if client is not None else "")
    )
    rep.add_figure(fig, caption="Information coefficient of every pair")
    rep.add_table(flat.head(200), caption="Pairs, most dependent first (at most 200)")
    report = rep.save(out / "report.html")
    if args.json:
        print(json.dumps(json.loads(flat.to_json(orient="records")), indent=2))
        return 0
    shown = flat.head(args.top)
    wa = max(len(str(a)) for a in shown["a"])
    wb = max(len(str(b)) for b in shown["b"])
    mi_head = f"MI {m.unit}"  # the unit of MI and stderr
    print(f"{'a':<{wa}}  {'b':<{wb}}  {mi_head:>8}  {'stderr':>7}  {'IC':>5}  method")
    for r in shown.to_dict(orient="records"):
        se = "" if r["stderr"] != r["stderr"] else f"{r['stderr']:.3f}"
        print(f"{r['a']!s:<{wa}}  {r['b']!s:<{wb}}  {r['mi']:8.4f}  {se:>7}  {r['ic']:5.2f}  {r['method']}")
    print(f"wrote {report}, {out / 'pairs.csv'}, {figs[0]}")
    return 0
