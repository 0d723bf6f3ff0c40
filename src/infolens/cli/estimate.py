"""``infolens estimate X [Y] ...`` and ``infolens list``.

X and Y are ``.npy``, ``.npz`` (``--x-key``/``--y-key``), ``.csv`` or ``.parquet``
(``--x-cols``/``--y-cols``: names or 0-based indices, comma-separated; the CSV separator is
detected, or given with ``--sep``). Without Y, both variables come from X's file (pick them
with the keys or columns). Files are read by :mod:`infolens.cli.files`, except one Parquet
file holding both variables, which is read one row group at a time and only in the columns
asked for (:mod:`infolens.data.columnar`), so it may be larger than memory: neural and
diffusion estimators then train from a memory-mapped copy of those columns in minibatches;
the others read the columns, or, when they would not fit (a quarter of the machine's
memory) or ``--max-rows`` asks for fewer, a uniform random subsample of the rows, which the
result says (warning code ``subsampled``, ``rows_used``/``rows_total`` in its diagnostics).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, flag
from ..grouped import take_rows
from .files import parse_sep, read_array

#: bytes per selected value that an in-memory estimate needs (the float64 columns, the
#: standardised copies and the neighbour search's arrays: measured peak / input ~ 6 for KSG)
BYTES_PER_VALUE = 48


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    return items or None


def load_variable(path: str, key: str | None, cols: list[str] | None, which: str, sep: str | None = None) -> Any:
    """Read one variable (``which`` is "x" or "y", for messages) from a file (see
    :func:`infolens.cli.files.read_array`)."""
    return read_array(path, which, key=key, cols=cols, sep=sep)


def _param(text: str) -> tuple[str, Any]:
    import yaml

    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    return name.strip().replace("-", "_"), yaml.safe_load(value)


def add_estimate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("x", metavar="X", help="file holding X (.npy, .npz, .csv, .parquet)")
    parser.add_argument("y", metavar="Y", nargs="?", default=None, help="file holding Y (default: X's file)")
    parser.add_argument("--method", "-m", default="auto",
                        help="estimator name (see `infolens list`; default auto: chosen from the data, cross-checked)")
    parser.add_argument("-k", type=int, default=None, help="neighbours, for kNN estimators")
    parser.add_argument("--unit", choices=["nats", "bits"], default="nats")
    parser.add_argument("--seed", type=int, default=0, help="random_state (default 0: the same command gives the same number)")
    parser.add_argument("--x-key", default=None, help="array name inside an .npz for X")
    parser.add_argument("--y-key", default=None, help="array name inside an .npz for Y")
    parser.add_argument("--x-cols", default=None, help="columns of a table for X: names or 0-based indices, comma-separated")
    parser.add_argument("--y-cols", default=None, help="columns of a table for Y")
    parser.add_argument("--sep", default=None, help="CSV separator, e.g. ';' or tab (default: detected from the file)")
    parser.add_argument("--groups", default=None, metavar="COL",
                        help="column of X's table whose rows belong together (e.g. a subject id with repeated "
                             "measurements): the estimate uses one row per group, with an interval that counts groups")
    parser.add_argument("--param", "-p", action="append", type=_param, default=[], metavar="NAME=VALUE",
                        help="any estimator parameter, e.g. -p algorithm=2 -p discrete_y=true (repeatable)")
    parser.add_argument("--max-rows", type=int, default=None, metavar="N",
                        help="estimate on a uniform random subsample of N rows (the result says so); for one "
                             "Parquet file holding X and Y, more rows than fit in memory are subsampled this way")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="progress bars while reading a large file and training (default: on a terminal)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--test", action="store_true",
                        help="also test independence: permutation p-value of the estimate (infolens.independence_test); "
                             "with --method auto its statistic is the estimator auto chose, or a cheap one when that "
                             "estimator trains a model (the output says which)")
    parser.add_argument("--permutations", type=int, default=200, metavar="P",
                        help="permutations of the independence test (default 200; smallest p-value 1/(P+1))")
    parser.add_argument("--null", choices=["auto", "permutation", "shift"], default="auto",
                        help="null of the independence test: auto (circular shifts when both sides are serially "
                             "correlated in the order given, else permutations), permutation, or shift")
    neural = parser.add_argument_group("neural estimators (infonce, mine, nwj, smile, ...)")
    neural.add_argument("--epochs", type=int, default=None, help="maximum training epochs")
    neural.add_argument("--batch-size", type=int, default=None, help="training minibatch size")
    neural.add_argument("--device", default=None, help="auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps")
    neural.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads while training (default 1: small critics; see docs/neural.md)")
    neural.add_argument("--plot", default=None, metavar="PNG", help="save the training curves to this file (PNG and SVG)")


def main_estimate(args: argparse.Namespace) -> int:
    from ..api import estimate_mi

    x_cols, y_cols = _split(args.x_cols), _split(args.y_cols)
    y_path = args.y if args.y is not None else args.x
    if args.y is None and (args.x_key is None or args.y_key is None) and (x_cols is None or y_cols is None):
        raise InputError("give a Y file, or pick X and Y inside one file with --x-key/--y-key (.npz) or --x-cols/--y-cols (tables)")
    if getattr(args, "plot", None):
        from ..registry import estimator_class

        if not estimator_class(args.method).trains_critic:
            raise InputError(f"--plot: method {args.method!r} has no training curves (only neural estimators "
                             "train); drop --plot or use a neural method, e.g. --method infonce")
    sep = parse_sep(args.sep)
    params = dict(args.param)
    if args.k is not None:
        params["k"] = args.k
    for name in ("epochs", "batch_size", "device"):
        if getattr(args, name, None) is not None:
            params[name] = getattr(args, name)
    max_rows = getattr(args, "max_rows", None)
    if max_rows is not None and max_rows < 2:
        raise InputError(f"--max-rows must be at least 2, got {max_rows}")
    with _TempDir() as tmp:
        rows: tuple[int, int] | None = None
        groups = None
        one_parquet = _one_parquet(args, y_path, x_cols, y_cols)
        if getattr(args, "groups", None) and one_parquet:
            raise InputError("--groups reads the table into memory: pass a CSV, or a Parquet file with --max-rows")
        if one_parquet:
            x, y, rows = read_parquet_xy(args.x, x_cols, y_cols, _streams(args.method), max_rows, args.seed,
                                         tmp.path, getattr(args, "progress", None))
        else:
            x = load_variable(args.x, args.x_key, x_cols, "x", sep)
            y = load_variable(y_path, args.y_key, y_cols, "y", sep)
            if getattr(args, "groups", None):
                groups = _groups_column(args.x, args.groups, sep)
            if max_rows is not None and max_rows < len(x):
                from ..data.columnar import subsample_rows

                keep = subsample_rows(len(x), max_rows, args.seed)
                rows = (max_rows, len(x))
                x, y = take_rows(x, keep), take_rows(y, keep)
                groups = None if groups is None else groups[keep]
        if groups is not None:
            params["groups"] = groups
        if _streams(args.method) and getattr(args, "progress", None) is not None:
            params.setdefault("verbose", args.progress)
        res = estimate_mi(x, y, method=args.method, unit=args.unit, warn=False, random_state=args.seed,
                          threads=getattr(args, "threads", None), **params)
        report_rows(res, rows, max_rows)
        test = None
        if getattr(args, "test", False):
            from ..independence import independence_test, statistic_of

            if args.permutations < 1:
                raise InputError(f"--permutations must be >= 1, got {args.permutations}")
            tx, ty, tmethod, why = x, y, args.method, ""
            tparams = {k: v for k, v in params.items() if k not in ("epochs", "batch_size", "device")}
            tparams.pop("groups", None)
            if groups is not None:  # permutations of independent rows: one row per group (infolens.grouped)
                from ..grouped import group_codes, one_per_group

                keep = one_per_group(group_codes(groups, len(x)), np.random.default_rng(args.seed))
                tx, ty = take_rows(x, keep), take_rows(y, keep)
                why = f"on one row per group ({len(keep)} rows), whose permutations are exchangeable"
            if res.method == "auto":  # the test's statistic follows what auto chose (said in `why`)
                tmethod, tparams, swap, why2 = statistic_of(res, tx, ty)
                why = "; ".join(w for w in (why, why2) if w)
                if swap:
                    tx, ty = ty, tx
            test = independence_test(tx, ty, method=tmethod, n_permutations=args.permutations,
                                     random_state=args.seed, unit=args.unit, null=args.null, warn=False, **tparams)
            test.why = why
        if args.json:
            out = res.to_dict()
            if test is not None:
                out["independence_test"] = test.to_dict()
            print(json.dumps(out, indent=2))
        else:
            print(str(res))
            if rows is not None:
                print(f"rows used: {rows[0]:,} of {rows[1]:,}")
            if test is not None:
                print(str(test))
        if getattr(args, "plot", None):
            from ..estimators.neural.plotting import plot_curves

            plot_curves(res, args.plot)
    return 0


def _groups_column(path: str, col: str, sep: str | None) -> np.ndarray:
    """The --groups column of a table file (any type: its values are keys only)."""
    from .files import column_index, read_table

    if Path(path).suffix.lower() in (".npy", ".npz"):
        raise InputError("--groups names a column of a table: pass X as a CSV or Parquet file")
    df = read_table(path, "X", sep=sep)
    name = column_index(col, list(df.columns))
    if name is None:
        raise InputError(f"--groups: no column {col!r} in {path} (columns: {', '.join(map(str, df.columns[:20]))})")
    return df[name].to_numpy()


class _TempDir:
    """A temporary folder for memory-mapped copies of large inputs, removed on exit."""

    def __enter__(self) -> "_TempDir":
        import tempfile

        self._dir = tempfile.TemporaryDirectory(prefix="infolens-columns-")
        self.path = self._dir.name
        return self

    def __exit__(self, *exc: Any) -> None:
        self._dir.cleanup()


def _streams(method: str) -> bool:
    """Whether ``method`` trains in minibatches (neural and diffusion estimators), so that it
    can read its rows from a memory-mapped file instead of memory."""
    from ..registry import estimator_class

    return estimator_class(method).trains_in_minibatches


def _one_parquet(args: argparse.Namespace, y_path: str, x_cols: list[str] | None, y_cols: list[str] | None) -> bool:
    """X and Y are columns of one Parquet file (read by row groups)."""
    from pathlib import Path

    p = Path(args.x)
    return (p.suffix.lower() in (".parquet", ".pq") and Path(y_path) == p and x_cols is not None
            and y_cols is not None and args.x_key is None and args.y_key is None and p.is_file())


def read_parquet_xy(path: str, x_cols: list[str] | None, y_cols: list[str] | None, stream: bool, max_rows: int | None, seed: int,
                    tmp: str, verbose: bool | None) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """X and Y from one Parquet file, a row group at a time (:mod:`infolens.data.columnar`):
    memory-mapped float32 copies when the estimator ``stream``s (all rows, or ``max_rows``),
    else float64 arrays of all rows, or of a uniform random subsample when ``max_rows`` asks
    for fewer or the columns would not fit in a quarter of memory. Returns ``(x, y,
    (rows_used, rows_total))``."""
    import os

    from ..data.columnar import ParquetColumns, memory_budget, subsample_rows

    src = ParquetColumns(path, "X")
    xn = src.resolve(x_cols, "--x-cols")
    yn = src.resolve(y_cols, "--y-cols")
    n = src.n_rows
    m = n if max_rows is None else min(max_rows, n)
    if stream and m == n:
        x = src.to_npy(xn, os.path.join(tmp, "x.npy"), verbose=verbose)
        y = src.to_npy(yn, os.path.join(tmp, "y.npy"), verbose=verbose)
        return x, y, (n, n)
    fit = memory_budget() // (BYTES_PER_VALUE * (len(xn) + len(yn)))
    m = int(min(m, max(fit, 2)))
    rows = None if m == n else subsample_rows(n, m, seed)
    both = src.read(xn + yn, rows=rows, verbose=verbose)
    return both[:, :len(xn)], both[:, len(xn):], (m, n)


def report_rows(res: Any, rows: tuple[int, int] | None, max_rows: int | None) -> None:
    """Record the rows an estimate used (``rows_used``, ``rows_total``) and, when it used a
    subsample, say so with a ``subsampled`` flag: its interval is that of the rows used, so it
    covers the MI of the distribution the rows were drawn from."""
    if rows is None:
        return
    used, total = rows
    res.diagnostics["rows_used"] = int(used)
    res.diagnostics["rows_total"] = int(total)
    if used < total:
        why = "--max-rows" if max_rows is not None and used == max_rows else "the columns do not fit in memory"
        res.warnings.append(flag(
            "subsampled",
            f"the estimate used {used:,} of the {total:,} rows, a uniform random subsample ({why}); its standard "
            f"error and interval are those of {used:,} rows, so they cover the MI of the distribution the rows were "
            "drawn from; pass --max-rows to choose the size", rows_used=int(used), rows_total=int(total)))


def add_list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print name, class, aliases and summary as JSON")


def main_list(args: argparse.Namespace) -> int:
    from ..registry import aliases, estimator_class, list_estimators

    rows = []
    other_names = aliases()
    for name in list_estimators():
        cls = estimator_class(name)
        para = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
        rows.append({
            "name": name,
            "class": f"{cls.__module__}.{cls.__name__}",
            "aliases": sorted(a for a, n in other_names.items() if n == name),
            "summary": para if len(para) <= 110 else para[:107].rstrip() + "...",
        })
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        alias = f" (also: {', '.join(r['aliases'])})" if r["aliases"] else ""
        print(f"{r['name']:<{width}}  {r['summary']}{alias}")
    return 0
