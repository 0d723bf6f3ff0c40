"""Columns that arrive in a form no estimator reads, turned into one it does, with a note:
dates and times become numeric time, text that holds numbers becomes numbers (a decimal
point, or a decimal comma such as ``"3,14"``). Shared by the table functions
(:func:`~infolens.tables.feature_mi`, :func:`~infolens.tables.mi_matrix`) and the command
line's table reader (:func:`infolens.cli.files.read_table`), so a CSV and a DataFrame give
the same columns.

Dates and times: numeric time by default (seconds since 1970-01-01 UTC for dates, seconds
for durations). Mutual information does not change under a monotone map of a column, so
the unit and origin do not matter; the order does. Alternatives (calendar parts such as
day of week or month, or the date as a label) are columns the caller derives, documented
in docs/tables.md.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..errors import Flag, flag

#: a value that reads as a date: 2024-03-01, 2024/3/1, 01.03.2024, 3/1/2024 (time optional)
_DATE = re.compile(r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                   r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$")
#: a number with a decimal point (and optional exponent)
_POINT = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
#: a number with a decimal comma and no other separator: -3,14 or 0,5
_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
#: share of the non-missing values that must parse for a text column to be converted
PARSE_SHARE = 0.95
#: values looked at before the whole column is tried
_PEEK = 200


def _text_values(col: Any) -> np.ndarray | None:
    """The non-missing values of an object/string column as ``str`` (None when any is not a string)."""
    import pandas as pd

    s = pd.Series(col) if not isinstance(col, pd.Series) else col
    vals = s[s.notna()].to_numpy(dtype=object)
    if vals.size == 0 or not all(isinstance(v, str) for v in vals[:_PEEK]):
        return None
    if not all(isinstance(v, str) for v in vals):
        return None
    return vals


def _share(pattern: re.Pattern[str], vals: np.ndarray) -> float:
    peek = vals[:_PEEK]
    if sum(bool(pattern.match(v)) for v in peek) < PARSE_SHARE * peek.size:
        return 0.0
    return float(np.mean([bool(pattern.match(v)) for v in vals]))


def is_datetime_like(col: Any) -> bool:
    """A pandas/NumPy column of datetimes, datetimes with a time zone, or durations."""
    import pandas as pd

    dtype = getattr(col, "dtype", None)
    if dtype is None:
        return False
    return bool(pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype))


def datetime_to_seconds(col: Any) -> np.ndarray:
    """Seconds (float64, NaN where missing): since 1970-01-01 UTC for dates, of the duration
    for timedeltas."""
    import pandas as pd

    s = pd.Series(col) if not isinstance(col, pd.Series) else col
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        return s.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    ns = s.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
    ns[s.isna().to_numpy()] = np.nan
    return ns / 1e9


def parse_text_column(col: Any, decimal: str | None = None) -> tuple[np.ndarray, Flag] | None:
    """A text column that holds dates or numbers, as float64 (NaN where missing) with a
    ``converted`` flag saying what was read; None when the column is text that means text
    (labels). ``decimal``: "." or "," to force the decimal mark (None: detect; a comma
    only when every value is ``digits,digits`` - a thousands separator such as ``1,234``
    is indistinguishable and is read with a comma only when all values have other than
    three digits after it, or when ``decimal=","``)."""
    import pandas as pd

    vals = _text_values(col)
    if vals is None:
        return None
    n = vals.size
    s = pd.Series(col) if not isinstance(col, pd.Series) else col
    if decimal != "," and _share(_POINT, vals) >= PARSE_SHARE:
        out = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = int(np.isnan(out).sum() - s.isna().sum())
        return out, flag("converted", f"text holding numbers was read as numbers ({bad} of {n} values did not parse: missing)",
                         how="decimal point", unparsed=bad)
    if decimal != "." and _share(_COMMA, vals) >= PARSE_SHARE:
        three = all(len(v.strip().split(",")[1]) == 3 for v in vals[:_PEEK])
        if decimal == "," or not three:
            fixed = s.where(s.isna(), s.astype(str).str.strip().str.replace(",", ".", regex=False))
            out = pd.to_numeric(fixed, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad = int(np.isnan(out).sum() - s.isna().sum())
            return out, flag("converted", f"text with a decimal comma (e.g. {vals[0]!r}) was read as numbers "
                             f"({bad} of {n} values did not parse: missing)", how="decimal comma", unparsed=bad)
    if _share(_DATE, vals) >= PARSE_SHARE:
        dayfirst = _day_first(vals)
        with_tz = any(re.search(r"(Z|[+-]\d{2}:?\d{2})\s*$", v) for v in vals[:_PEEK])
        try:
            dt = pd.to_datetime(s, errors="coerce", dayfirst=dayfirst, format="mixed", utc=with_tz)
        except (ValueError, TypeError):
            return None
        out = datetime_to_seconds(dt)
        bad = int(np.isnan(out).sum() - s.isna().sum())
        if bad > (1 - PARSE_SHARE) * n:
            return None
        return out, flag("converted", f"text holding dates (e.g. {vals[0]!r}) was read as numeric time (seconds since "
                         f"1970; {bad} of {n} values did not parse: missing)", how="dates as text", unparsed=bad)
    return None


def _day_first(vals: np.ndarray) -> bool:
    """``dd/mm/yyyy`` rather than ``mm/dd/yyyy``: some first field above 12, no second one."""
    first, second = [], []
    for v in vals[:2000]:
        m = re.match(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}", v)
        if m:
            first.append(int(m.group(1)))
            second.append(int(m.group(2)))
    return bool(first) and max(first) > 12 and max(second) <= 12


def _nullable_number(raw: Any) -> bool:
    import pandas as pd

    dtype = getattr(raw, "dtype", None)
    return (type(raw).__module__.startswith("pandas") and isinstance(dtype, pd.api.extensions.ExtensionDtype)
            and (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)))


def to_numeric_column(raw: Any, decimal: str | None = None) -> tuple[Any, list[Flag]]:
    """``raw`` as given, or converted to float64 seconds/numbers with a note (dates, times,
    durations, text holding dates or numbers). Booleans and numbers pass unchanged."""
    if is_datetime_like(raw):
        what = "durations" if "timedelta" in str(getattr(raw, "dtype", "")) else "dates/times"
        unit = "seconds" if what == "durations" else "seconds since 1970-01-01 UTC"
        return datetime_to_seconds(raw), [flag("converted", f"{what} were read as numeric time ({unit})", how=what)]
    dtype = getattr(raw, "dtype", None)
    if _nullable_number(raw):  # pandas "boolean", "Int64", "Float64": NA becomes NaN
        return raw.to_numpy(dtype=np.float64, na_value=np.nan), []
    if dtype is not None and getattr(dtype, "kind", "") == "O" or str(dtype) in ("string", "str"):
        got = parse_text_column(raw, decimal)
        if got is not None:
            return got[0], [got[1]]
    return raw, []
