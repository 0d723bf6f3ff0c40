"""Tables for the audit: read, check (same columns, missing values), and encode mixed
numeric/categorical columns into vectors for distances.

Encodings (fitted on the real training table only, applied to every table):

- ``"euclidean"``: numeric columns standardised (train mean/sd); categorical columns one-hot,
  scaled by ``1/sqrt(2)`` so a category mismatch adds 1 to the squared distance, as one
  standard deviation does.
- ``"gower"``: Gower (1971) distance, ``d = (1/p) [sum_num |x - y| / range + sum_cat 1{x != y}]``;
  it is the L1 distance on numeric columns divided by their train range and one-hot columns
  times 1/2 (a mismatch flips two one-hot entries), all divided by ``p`` columns.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..convert import is_datetime_like
from ..errors import DataNotFoundError, Flag, InputError, flag
from ..validation import check_choice, is_identifier

ENCODINGS = ("euclidean", "gower")
MISSING = ("error", "drop")
#: the one-hot encoding is dense (the neighbour searches need vectors): a table whose one-hot
#: part would exceed this many bytes is refused, naming its widest categorical columns, rather
#: than exhausting memory (100,000 rows and a 30,000-level column need 24 GB)
ONEHOT_MAX_BYTES = 2 * 2**30


def as_frame(data: Any, name: str) -> pd.DataFrame:
    """A DataFrame from a CSV/Parquet path, a DataFrame, or a 2-D array (columns named x0, x1, ...)."""
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        if not os.path.exists(path):
            raise DataNotFoundError(f"{name}: no file at {path!r}")
        if path.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True)
    mod = type(data).__module__
    if mod.startswith("torch"):
        data = data.detach().cpu().numpy()
    arr = np.asarray(data)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"{name} must be a table (2-D array, DataFrame or CSV path), got shape {arr.shape}; "
                         "flatten images to (n, pixels) first")
    # copy=False: a 10^6-row table is not duplicated (pandas >= 3 copies arrays by default)
    return pd.DataFrame(arr, columns=[f"x{j}" for j in range(arr.shape[1])], copy=False)


def _is_categorical(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series))


def identifier_columns(train: pd.DataFrame, categorical: Sequence[str] | None = None) -> dict[str, int]:
    """``{column: distinct values}`` for the categorical columns of the real training table that
    are identifiers (:func:`~infolens.validation.is_identifier`, the feature tables' rule: at
    least half the rows hold a value of their own), such as a customer or record ID. Every
    pair of rows differs there, so the column adds the same distance to every pair (hiding
    exact copies of the other columns) and its one-hot encoding grows with the table."""
    declared = set(categorical or [])
    out = {}
    for c in train.columns:
        if c in declared or _is_categorical(train[c]):
            levels = int(train[c].astype(str).nunique())
            if is_identifier(levels, len(train)):
                out[str(c)] = levels
    return out


def _check_same_kinds(ref: pd.DataFrame, ref_name: str, df: pd.DataFrame, name: str) -> None:
    """Refuse a column that holds numbers in one table and text (or booleans) in another: the
    encoder would otherwise fail with a bare conversion error or compare unlike values."""
    for c in ref.columns:
        a, b = _is_categorical(ref[c]), _is_categorical(df[c])
        if a != b:
            text = df[c] if b else ref[c]
            where = name if b else ref_name
            example = text.dropna().iloc[0] if text.notna().any() else None
            raise InputError(
                f"column {c!r} holds numbers in {ref_name if b else name} but {text.dtype} values in {where} "
                f"(e.g. {example!r}); give the column the same type in every table (convert the numbers or "
                "encode the categories the same way)"
            )


def check_tables(
    tables: dict[str, pd.DataFrame], *, missing: str = "error"
) -> tuple[dict[str, pd.DataFrame], dict[str, int], list[Flag]]:
    """Same columns in every table (order may differ), no empty table; dates, durations and
    text holding numbers read as numbers (:func:`convert_columns`); missing values refused
    (``missing="error"``) or their rows dropped (``missing="drop"``). Returns the tables in the
    first table's column order, the number of rows dropped per table and the conversion notes."""
    check_choice(missing, "missing", MISSING)
    names = list(tables)
    ref_name = names[0]
    ref_cols = list(tables[ref_name].columns)
    if len(set(ref_cols)) != len(ref_cols):
        raise InputError(f"{ref_name} has duplicate column names; rename them")
    ordered = {}
    for name in names:
        df = tables[name]
        cols = list(df.columns)
        if set(cols) != set(ref_cols):
            only_ref = [c for c in ref_cols if c not in cols]
            only_here = [c for c in cols if c not in ref_cols]
            raise InputError(
                f"column mismatch between {ref_name} and {name}: missing from {name}: {only_ref[:10]}, "
                f"extra in {name}: {only_here[:10]}; the tables must have the same columns"
            )
        if len(df) == 0:
            raise InputError(f"{name} has no rows")
        ordered[name] = df[ref_cols] if cols != ref_cols else df
    ordered, notes = convert_columns(ordered)
    out, dropped = {}, {}
    for name, df in ordered.items():
        if name != ref_name:
            _check_same_kinds(ordered[ref_name], ref_name, df, name)
        na = df.isna()
        if na.values.any():
            counts = na.sum()
            counts = counts[counts > 0]
            desc = ", ".join(f"{c!s}: {int(v)}" for c, v in counts.head(8).items())
            if missing == "error":
                raise InputError(
                    f"{name} has missing values ({desc}); impute them first, or pass missing='drop' "
                    "(CLI: --missing drop) to drop those rows"
                )
            keep = ~na.any(axis=1)
            dropped[name] = int((~keep).sum())
            df = df[keep].reset_index(drop=True)
            if len(df) == 0:
                raise InputError(f"{name} has no rows left after dropping rows with missing values")
        else:
            dropped[name] = 0
        out[name] = df
    return out, dropped, notes


def convert_columns(tables: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], list[Flag]]:
    """Dates, times, durations and text holding numbers (``"$1,200"``, ``"45%"``, decimal
    commas) read as numbers, by the rules every table verb uses (:mod:`infolens.convert`).
    Each column is converted over the three tables at once, so that one decision (the day-month
    order of a date, the decimal mark) holds for all of them: a date kept as text would be a
    category of its own per day, and one with a value of its own in most rows would be taken
    for an identifier. Returns the tables and one ``converted`` note per column converted."""
    from ..convert import to_numeric_column

    names = list(tables)
    sizes = [len(tables[n]) for n in names]
    cuts = np.cumsum([0] + sizes)
    out = {n: tables[n] for n in names}
    notes: list[Flag] = []
    for c in tables[names[0]].columns:
        parts = [tables[n][c] for n in names]
        if not any(is_datetime_like(p) or p.dtype.kind == "O" or str(p.dtype) in ("string", "str") for p in parts):
            continue
        if any(str(p.dtype) == "category" for p in parts):
            continue  # a pandas categorical says "labels" itself
        if len({str(p.dtype) for p in parts}) > 1:
            # a datetime column in one table and text dates in another: read alike, as text
            parts = [pd.Series((p.astype(str).where(p.notna(), None) if is_datetime_like(p) else p).to_numpy(dtype=object))
                     for p in parts]
        both = pd.concat(parts, ignore_index=True)
        vals, got = to_numeric_column(both)
        if not got:
            continue
        vals = np.asarray(vals, dtype=np.float64)
        for i, n in enumerate(names):
            df = out[n].copy() if out[n] is tables[n] else out[n]
            df[c] = vals[cuts[i]:cuts[i + 1]]
            out[n] = df
        notes.append(flag("converted", f"column {str(c)!r}: {got[0]}", column=str(c)))
    return out, notes


@dataclass
class TableEncoder:
    """Fit on the real training table; ``transform`` any table with the same columns."""

    encoding: str = "euclidean"
    categorical: Sequence[str] | None = None
    numeric_: list[str] = field(default_factory=list)
    categorical_: list[str] = field(default_factory=list)
    categories_: dict[str, list[Any]] = field(default_factory=dict)
    center_: np.ndarray | None = None
    scale_: np.ndarray | None = None

    def fit(self, train: pd.DataFrame, *others: pd.DataFrame) -> "TableEncoder":
        """Numeric statistics from ``train``; category levels from every table (a level seen only
        in synthetic data still needs a column)."""
        check_choice(self.encoding, "encoding", ENCODINGS)
        declared = list(self.categorical or [])
        unknown = [c for c in declared if c not in train.columns]
        if unknown:
            raise InputError(f"categorical names columns {unknown} that the tables do not have; "
                             f"columns are {list(train.columns)[:20]}")
        self.categorical_ = [c for c in train.columns if c in declared or _is_categorical(train[c])]
        self.numeric_ = [c for c in train.columns if c not in self.categorical_]
        for c in self.categorical_:
            levels = pd.concat([train[c]] + [o[c] for o in others]).astype(str).unique()
            self.categories_[c] = sorted(levels.tolist())
        rows = max([len(train)] + [len(o) for o in others])
        width = sum(len(v) for v in self.categories_.values())
        if rows * width * 8 > ONEHOT_MAX_BYTES:
            wide = sorted(self.categories_, key=lambda c: -len(self.categories_[c]))[:3]
            raise InputError(
                f"the categorical columns need {width:,} one-hot columns for {rows:,} rows "
                f"({rows * width * 8 / 2**30:.0f} GB per table); the widest: "
                + ", ".join(f"{c!r} ({len(self.categories_[c]):,} values)" for c in wide)
                + ". Drop such columns, group their rare values into one, or declare them numeric")
        if self.numeric_:
            num = train[self.numeric_].to_numpy(dtype=np.float64)
            if self.encoding == "euclidean":
                self.center_, self.scale_ = num.mean(axis=0), num.std(axis=0)
            else:
                self.center_, self.scale_ = num.min(axis=0), np.ptp(num, axis=0)
            self.scale_[np.ptp(num, axis=0) == 0] = 1.0  # constancy decided exactly, not by std == 0
        return self

    @property
    def n_columns(self) -> int:
        return len(self.numeric_) + len(self.categorical_)

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        parts = []
        if self.numeric_:
            num = df[self.numeric_].to_numpy(dtype=np.float64, copy=True)
            num -= self.center_          # in place: no table-sized temporaries
            num /= self.scale_
            parts.append(num)
        weight = 1 / np.sqrt(2) if self.encoding == "euclidean" else 0.5
        for c in self.categorical_:
            levels = self.categories_[c]
            codes = pd.Categorical(df[c].astype(str), categories=levels).codes
            onehot = np.zeros((len(df), len(levels)))
            onehot[np.arange(len(df)), codes] = weight
            parts.append(onehot)
        z = (parts[0] if len(parts) == 1 else np.hstack(parts)) if parts else np.zeros((len(df), 0))
        if self.encoding == "gower":
            z /= self.n_columns
        return z

    @property
    def metric(self) -> str:
        return "euclidean" if self.encoding == "euclidean" else "manhattan"
