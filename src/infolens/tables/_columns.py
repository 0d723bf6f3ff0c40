"""Reading a table into typed columns: names, values, and whether each column is
continuous, discrete (labels or few integral levels) or constant. Shared by
:func:`~infolens.tables.feature_mi` and :func:`~infolens.tables.mi_matrix`."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..estimators._knn_backend import n_threads
from ..validation import encode_labels, is_categorical, is_discrete, to_numpy

KINDS = ("continuous", "discrete", "constant")


@dataclass
class Column:
    """One validated column: ``values`` are float64 for a continuous column and int64
    codes ``0..K-1`` for a discrete one (labels or detected levels)."""

    name: str
    values: np.ndarray
    kind: str
    how: str  # "labels", "declared", "detected"
    numbers: np.ndarray | None = None  # the numeric values (None for labels)

    def as_given(self) -> np.ndarray:
        """The column for an estimator: its numbers, or labels as an object array (which
        every estimator reads as labels, never as ordered numbers)."""
        return self.numbers if self.numbers is not None else self.values.astype(object)


def split_columns(X: Any, name: str = "X", feature_names: Any = None) -> list[tuple[str, Any]]:
    """``(name, raw 1-D values)`` per column of a DataFrame, Series, array ``(n,)``,
    ``(n, d)`` or ``(n, ...)`` (flattened: images give one column per pixel)."""
    mod = type(X).__module__
    if mod.startswith("pandas") and getattr(X, "ndim", 0) == 2:
        cols = [(str(c), X.iloc[:, j]) for j, c in enumerate(X.columns)]
    elif mod.startswith("pandas"):
        cols = [(str(X.name) if X.name is not None else "x0", X)]
    else:
        if is_categorical(X):
            arr = np.asarray(X, dtype=object)
        else:
            arr = to_numpy(X, name)
        if arr.ndim == 0:
            raise InputError(f"{name} is a scalar; pass a table with one row per sample")
        arr = arr.reshape(len(arr), -1)
        cols = [(f"x{j}", _numeric_if_possible(arr[:, j])) for j in range(arr.shape[1])]
    if not cols or len(cols[0][1]) == 0:
        raise InputError(f"{name} is empty; pass at least one column and one row")
    if feature_names is not None:
        names = [str(f) for f in feature_names]
        if len(names) != len(cols):
            raise InputError(f"feature_names has {len(names)} names for {len(cols)} columns of {name}")
        cols = [(nm, v) for nm, (_, v) in zip(names, cols)]
    seen: set[str] = set()
    for nm, _ in cols:
        if nm in seen:
            raise InputError(f"{name} has two columns named {nm!r}; column names must be unique")
        seen.add(nm)
    return cols


def _numeric_if_possible(col: np.ndarray) -> np.ndarray:
    """A column of an object array that holds only numbers becomes float64 (an object
    array of mixed columns, e.g. from ``df.to_numpy()``); otherwise it stays labels."""
    if col.dtype.kind != "O":
        return col
    try:
        return col.astype(np.float64)
    except (ValueError, TypeError):
        return col


def declared_set(spec: Any, names: list[str], arg: str) -> dict[str, bool] | None:
    """Per-column declaration from ``"auto"`` (None), a bool (all), a boolean mask, or a
    list of column indices or names (scikit-learn's ``discrete_features`` conventions)."""
    if spec is None or (isinstance(spec, str) and spec == "auto"):
        return None
    if isinstance(spec, (bool, np.bool_)):
        return {n: bool(spec) for n in names}
    items = list(spec)
    if items and all(isinstance(v, (bool, np.bool_)) for v in items):
        if len(items) != len(names):
            raise InputError(f"{arg} as a boolean mask needs {len(names)} entries (one per column), got {len(items)}")
        return {n: bool(v) for n, v in zip(names, items)}
    out = {n: False for n in names}
    for v in items:
        if isinstance(v, numbers.Integral) and not isinstance(v, bool):
            v = int(v)
            if not -len(names) <= v < len(names):
                raise InputError(f"{arg} names column index {v}, but there are {len(names)} columns")
            out[names[v]] = True
        elif str(v) in out:
            out[str(v)] = True
        else:
            raise InputError(f"{arg} names column {v!r}, which is not a column (columns: {', '.join(names[:10])}, ...)")
    return out


def type_column(name: str, raw: Any, declared: bool | None, what: str) -> Column:
    """Validate one column and decide its kind; ``what`` names it in messages
    (e.g. "X column 'age'")."""
    if is_categorical(raw):
        if declared is False:
            raise InputError(
                f"{what} holds labels (strings or categories), which cannot be continuous; "
                "leave it to 'auto' or declare it discrete"
            )
        codes = encode_labels(raw, what)
        kind = "constant" if codes.max() == 0 else "discrete"
        return Column(name, codes, kind, "labels")
    vals = to_numpy(raw, what).astype(np.float64, copy=False).reshape(-1)
    bad = ~np.isfinite(vals)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        raise InputError(f"{what} has {int(bad.sum())} NaN/inf values (first rows {rows}); drop or impute them first")
    if np.ptp(vals) == 0:
        return Column(name, vals, "constant", "detected", vals)
    if declared is None:
        disc, how = is_discrete(vals), "detected"
    else:
        disc, how = declared, "declared"
        if disc and not np.all(np.mod(vals, 1) == 0) and np.unique(vals).size > len(vals) // 2:
            raise InputError(
                f"{what} is declared discrete but has {np.unique(vals).size} distinct non-integer values "
                f"in {len(vals)} rows; declare it continuous"
            )
    if disc:
        _, codes = np.unique(vals, return_inverse=True)
        return Column(name, codes.reshape(-1).astype(np.int64), "discrete", how, vals)
    return Column(name, vals, "continuous", how, vals)


def resolve_n_jobs(n_jobs: Any) -> int:
    """Threads for a table: None or -1 = the threads a search may use (``OMP_NUM_THREADS``
    when set, else every core), or a positive int."""
    if n_jobs is None or n_jobs == -1:
        return n_threads()
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs < 1:
        raise InputError(f"n_jobs must be None, -1 or a positive integer, got {n_jobs!r}")
    return int(n_jobs)
