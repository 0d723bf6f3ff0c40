"""Reading a table into typed columns: names, values, and whether each column is
continuous, discrete (labels or few integral levels) or constant. Shared by
:func:`~infolens.tables.feature_mi` and :func:`~infolens.tables.mi_matrix`."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import Flag, InputError, flag
from ..estimators._trust import missing_code_flag
from ..estimators.knn_backend import n_threads
from ..validation import encode_labels, is_categorical, is_discrete, is_identifier, pop_column, spelling_variants, to_numpy
from ..convert import to_numeric_column

KINDS = ("continuous", "discrete", "constant")

#: a discrete column with fewer rows per level than this is "high-cardinality": its plug-in
#: MI against a discrete target is mostly chance (docs/tables.md, "High-cardinality columns")
HIGH_CARD_ROWS_PER_LEVEL = 10
#: a column whose most common value holds at least this share of its rows is near-constant
NEAR_CONSTANT_SHARE = 0.99


@dataclass
class Column:
    """One typed column: ``values`` are float64 for a continuous column and int64 codes
    ``0..K-1`` for a discrete one (labels or detected levels). ``missing`` marks the rows
    with no value (their ``values`` entry is a placeholder: 0, or code -1 for labels);
    ``notes`` are the flags of the typing (conversions, identifier, high-cardinality)."""

    name: str
    values: np.ndarray
    kind: str
    how: str  # "labels", "declared", "detected"
    numbers: np.ndarray | None = None  # the numeric values (None for labels)
    missing: np.ndarray | None = None  # bool per row, None when every row has a value
    notes: list[Flag] = field(default_factory=list)
    levels: int = 0  # distinct values of a discrete column

    @property
    def n_missing(self) -> int:
        return 0 if self.missing is None else int(self.missing.sum())

    @property
    def identifier(self) -> bool:
        return any(f.code == "identifier" for f in self.notes)

    def as_given(self) -> np.ndarray:
        """The column for an estimator: its numbers, or labels as an object array (which
        every estimator reads as labels, never as ordered numbers)."""
        return self.numbers if self.numbers is not None else self.values.astype(object)

    def take(self, rows: np.ndarray) -> "Column":
        """The same column on the rows ``rows`` (a bool mask or indices); codes re-numbered."""
        vals = self.values[rows]
        levels = self.levels
        if self.kind == "discrete":
            _, vals = np.unique(vals, return_inverse=True)
            vals = vals.reshape(-1).astype(np.int64)
            levels = int(vals.max()) + 1 if vals.size else 0
        kind = self.kind
        if vals.size and (vals.max() == vals.min()):
            kind = "constant"
        nums = None if self.numbers is None else self.numbers[rows]
        return Column(self.name, vals, kind, self.how, nums, None, list(self.notes), levels)


def split_target(X: Any, y: Any, name: str = "X") -> tuple[Any, Any]:
    """``(X, y)`` with ``y`` given as the name of a column of the DataFrame ``X`` taken out
    of it (``feature_mi(df, "churn")``: the target is not a feature of itself); anything
    else as given. A string ``y`` that names no column is refused: one string is never a
    target (it would read as a constant)."""
    if not isinstance(y, str):
        return X, y
    cols = getattr(X, "columns", None)
    if cols is None or getattr(X, "ndim", 2) != 2:
        raise InputError(f"y is the string {y!r}; pass one target value per row, or a column name together with "
                         f"a DataFrame {name}")
    return pop_column(X, y, "y", "one target value per row", name)


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


def type_column(name: str, raw: Any, declared: bool | None, what: str, decimal: str | None = None,
                missing: str = "drop", rng: np.random.Generator | None = None, row_keys: bool = True) -> Column:
    """Validate one column and decide its kind; ``what`` names it in messages (e.g. "X
    column 'age'"). Dates, times and text holding numbers are converted first
    (:mod:`infolens.convert`); missing values (None, NaN, NaT, +-inf) are marked in
    ``Column.missing``, or with ``missing="category"`` become a value of their own (a label
    of its own; for numbers values spread uniformly over a range as wide as the column's,
    one range below its smallest value, drawn from ``rng``: the missing rows are told apart
    from the others and carry no other information, so I(column; y) = I((is missing,
    value); y), and no block of equal values is left for the kNN estimators). Raises an
    :class:`InputError` for a column that cannot be read at all. ``row_keys``: a column of
    numbers that numbers the rows (:func:`row_number_flag`) gets the ``identifier`` note (not
    for a target, which would be refused as an identifier)."""
    raw, notes = to_numeric_column(raw, decimal)
    if is_categorical(raw):
        if declared is False:
            raise InputError(
                f"{what} holds labels (strings or categories), which cannot be continuous; "
                "leave it to 'auto' or declare it discrete"
            )
        codes, miss, levels = _label_codes(raw, what)
        if miss is not None and missing == "category":
            codes = np.where(miss, codes.max() + 1, codes)
            notes.append(flag("missing-values", f"{int(miss.sum())} missing values are a level of their own (missing='category')",
                              missing=int(miss.sum()), rows=len(codes)))
            miss = None
        variants = spelling_variants(raw if levels is None else levels)
        if variants is not None:
            notes.append(flag("label-variants", variants[0], groups=variants[1]))
        col = Column(name, codes, "discrete", "labels", None, miss, notes)
        return _finish_discrete(col)
    vals = to_numpy(raw, what).astype(np.float64, copy=False).reshape(-1)
    bad = ~np.isfinite(vals)
    miss = bad if bad.any() else None
    if miss is not None:
        vals = vals.copy()
        if np.isinf(vals).any():
            notes.append(flag("missing-values", f"{int(np.isinf(vals).sum())} infinite values are treated as missing",
                              infinite=int(np.isinf(vals).sum())))
        ok = vals[~miss]
        if missing == "category" and ok.size:
            span = float(np.ptp(ok)) or 1.0
            draw = (rng if rng is not None else np.random.default_rng(0)).uniform(0.0, 1.0, int(miss.sum()))
            vals[miss] = float(ok.min()) - 2.0 * span + span * draw
            notes.append(flag("missing-values", f"{int(miss.sum())} missing values are a value of their own "
                              "(missing='category': spread over a range below the smallest)", missing=int(miss.sum()),
                              rows=len(vals)))
            miss = None
        else:
            vals[miss] = float(ok[0]) if ok.size else 0.0
    ok = vals if miss is None else vals[~miss]
    if ok.size == 0 or np.ptp(ok) == 0:
        return Column(name, vals, "constant", "detected", vals, miss, notes)
    if row_keys and miss is None and not any(f.code == "converted" for f in notes):  # (dates: times, not keys)
        key = row_number_flag(vals)
        if key is not None:
            notes.append(key)
    if declared is None:
        disc, how = is_discrete(ok), "detected"
    else:
        disc, how = declared, "declared"
        if disc and not np.all(np.mod(ok, 1) == 0) and np.unique(ok).size > len(ok) // 2:
            raise InputError(
                f"{what} is declared discrete but has {np.unique(ok).size} distinct non-integer values "
                f"in {len(ok)} rows; declare it continuous"
            )
    if disc:
        _, codes = np.unique(vals, return_inverse=True)
        return _finish_discrete(Column(name, codes.reshape(-1).astype(np.int64), "discrete", how, vals, miss, notes))
    _near_constant(ok, notes)
    code = missing_code_flag(ok)
    if code is not None:
        notes.append(code)
    return Column(name, vals, "continuous", how, vals, miss, notes)


#: the fewest rows in which a run of equally spaced integers is taken for a row number
ROW_NUMBER_MIN_ROWS = 20


def row_number_flag(values: np.ndarray) -> Flag | None:
    """The ``identifier`` note of a column that numbers the rows: integers, each a fixed step
    (not 0) after the one above, in at least :data:`ROW_NUMBER_MIN_ROWS` rows (``0..n-1`` from
    an index written into a CSV file and read back as "Unnamed: 0", or a sequential key). Its
    MI with a target measures only the order of the rows in the file: the wine and iris tables
    come sorted by class, and there a row number read 1.06 nats, above every real column,
    with only a warning that it might be a copy of the target. Else None."""
    v = np.asarray(values, dtype=np.float64)
    if v.size < ROW_NUMBER_MIN_ROWS or not np.all(np.mod(v, 1.0) == 0.0):
        return None
    d = np.diff(v)
    if d[0] == 0 or not np.all(d == d[0]):
        return None
    return row_number_note(float(v[0]), float(v[-1]), float(d[0]), int(v.size))


def row_number_note(first: float, last: float, step: float, rows: int) -> Flag:
    """The ``identifier`` note of a row number (in memory and on the cluster, where the
    partitions' runs are joined in order, ``distributed._stats.ColumnProfile``)."""
    return flag(
        "identifier",
        f"row number: the values run from {first:g} to {last:g} in steps of {step:g}, one per row in the order given, "
        "so its MI with anything measures only how the rows were ordered (a table sorted by the target reads H(y)), "
        "not what the column carries; it is left out of the ranking (keep_identifiers=True / --keep-identifiers "
        "keeps it)", rows=int(rows), step=float(step), row_number=True)


def _label_codes(raw: Any, what: str) -> tuple[np.ndarray, np.ndarray | None, Any]:
    """Integer codes of labels (one column), the mask of missing rows (None if none) and the
    distinct levels (None where :func:`encode_labels` coded them; the caller reports their
    spellings, so encode_labels does not)."""
    import pandas as pd

    if type(raw).__module__.startswith("pandas") and getattr(raw, "ndim", 1) == 2:
        return encode_labels(raw, what, note_variants=False), None, None
    arr = raw if type(raw).__module__.startswith("pandas") else np.asarray(raw, dtype=object).reshape(-1)
    try:
        c, levels = pd.factorize(arr, sort=True)
    except TypeError:
        return encode_labels(raw, what, note_variants=False), None, None
    c = np.asarray(c, dtype=np.int64)
    miss = c < 0
    if not miss.any():
        return c, None, levels
    c = c.copy()
    c[miss] = 0
    return c, miss, levels


def _finish_discrete(col: Column) -> Column:
    """Levels, constant, identifier and high-cardinality notes of a discrete column."""
    codes = col.values if col.missing is None else col.values[~col.missing]
    if codes.size == 0:
        col.kind = "constant"
        return col
    counts = np.bincount(codes)
    counts = counts[counts > 0]
    col.levels = int(counts.size)
    if col.levels == 1:
        col.kind = "constant"
        return col
    n = int(codes.size)
    share = col.levels / n
    labels = col.how in ("labels", "declared")
    if labels and is_identifier(col.levels, n):
        col.notes.append(flag(
            "identifier",
            f"identifier: {col.levels} distinct labels in {n} rows ({share:.0%} unique); with under two rows per label "
            "no estimator can tell its MI with anything from this sample (a unique key reads H(y) whatever y is), so "
            "it is left out of the ranking (keep_identifiers=True / --keep-identifiers keeps it)",
            levels=col.levels, rows=n))
    _near_constant(codes, col.notes)
    return col


def _near_constant(values: np.ndarray, notes: list[Flag]) -> None:
    _, counts = np.unique(values, return_counts=True)
    top = int(counts.max())
    if top >= NEAR_CONSTANT_SHARE * values.size:
        notes.append(flag(
            "small-sample",
            f"near-constant: {values.size - top} of {values.size} rows differ from the most common value; "
            "what the column says about the target rests on those rows",
            differing=int(values.size - top), rows=int(values.size)))


def resolve_n_jobs(n_jobs: Any) -> int:
    """Threads for a table: None or -1 = the threads a search may use (``OMP_NUM_THREADS``
    when set, else every core), or a positive int."""
    if n_jobs is None or n_jobs == -1:
        return n_threads()
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs < 1:
        raise InputError(f"n_jobs must be None, -1 or a positive integer, got {n_jobs!r}")
    return int(n_jobs)
