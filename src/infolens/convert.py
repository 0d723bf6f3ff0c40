"""Columns that arrive in a form no estimator reads, turned into one it does, with a note:
dates and times become numeric time, text that holds numbers becomes numbers (a decimal
point or comma, thousands separators, currency and percent signs, text that spells "no
value"). One home for these rules: the table functions (:func:`~infolens.tables.feature_mi`,
:func:`~infolens.tables.mi_matrix`), the command line's table reader
(:func:`infolens.cli.files.read_table`) and the sample-level verbs (``estimate_mi``,
``estimate_cmi``, through :func:`numeric_side`) read a column the same way.

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

from .errors import Flag, flag
from .validation import is_discrete

#: a value that reads as a date: 2024-03-01, 2024/3/1, 01.03.2024, 3/1/2024 (time optional)
_DATE = re.compile(r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
                   r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$")
#: a number with a decimal point (and optional exponent)
_POINT = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
#: a number with a decimal comma and no other separator: -3,14 or 0,5
_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
#: a number as people write it: thousands separators (1,234,567.89), a currency sign or code
#: before or after it ($12.50, 12.50 EUR), a percent sign (45.3%), an accounting negative
#: ((1,234.00)); the number itself is read with a decimal point
_DECORATED = re.compile(
    r"^\s*(?P<open>\()?\s*(?P<sign>[-+\u2212])?\s*(?:[$\u20ac\u00a3\u00a5\u20b9]|USD|EUR|GBP|CHF|JPY)?\s*"
    r"(?P<sign2>(?(sign)|[-+\u2212]))?\s*(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+\.?\d*|\.\d+)(?P<exp>[eE][-+]?\d+)?\s*"
    r"(?:[$\u20ac\u00a3\u00a5\u20b9]|USD|EUR|GBP|CHF|JPY|%)?\s*(?(open)\))\s*$")
#: digits grouped by a space, a no-break or narrow no-break space or an apostrophe (1 234,56;
#: 1'234.56: French, Swiss, SI), or by dots before a decimal comma (1.234,56: German)
_SPACE_GROUPED = re.compile(r"^\s*[-+\u2212]?\d{1,3}(?:[ \u00a0\u202f']\d{3})+(?:[.,]\d+)?\s*$")
_DOT_GROUPED = re.compile(r"^\s*[-+\u2212]?\d{1,3}(?:\.\d{3})+,\d+\s*$")
#: dots that can only be groups: two or more (1.234.567); one (1.234) reads both ways and is a
#: group only where ``decimal=","`` says so
_DOT_INT_GROUPED = re.compile(r"^\s*[-+\u2212]?\d{1,3}(?:\.\d{3}){2,}\s*$")
_DOT_ONE_GROUP = re.compile(r"^\s*[-+\u2212]?\d{1,3}\.\d{3}\s*$")
#: a value such a column may also hold: a number without groups (-132,10; 125.7; 12)
_UNGROUPED = re.compile(r"^\s*[-+\u2212]?\d+(?:[.,]\d+)?\s*$")
_DOT_OR_UNGROUPED = re.compile(r"^\s*[-+\u2212]?\d{1,3}(?:\.\d{3})+(?:,\d+)?\s*$|^\s*[-+\u2212]?\d+(?:,\d+)?\s*$")
#: text that spreadsheets, databases and survey tools write for "no value" (compared lower-case,
#: stripped): read as missing in a column whose other values are numbers or dates
MISSING_TOKENS = frozenset({"", "na", "n/a", "n.a.", "nan", "none", "null", "nil", "-", "--", "?", ".", "#n/a",
                            "missing", "unknown", "not available", "#value!", "#div/0!", "#ref!", "#num!"})
#: share of the non-missing values that must parse for a text column to be converted
PARSE_SHARE = 0.95
#: a column where at least this share parses, and the rest is at most MAX_CODES distinct
#: strings, is numbers with missing-value codes of its own ("refused", "N.A.")
CODE_PARSE_SHARE = 0.5
MAX_CODES = 3
#: values looked at before the whole column is tried
_PEEK = 200


def _text_values(col: Any) -> np.ndarray | None:
    """The non-missing values of an object/string column as ``str``, without the ones
    that spell "no value" (:data:`MISSING_TOKENS`); None when any value is not a string."""
    import pandas as pd

    s = pd.Series(col) if not isinstance(col, pd.Series) else col
    vals = s[s.notna()].to_numpy(dtype=object)
    if vals.size == 0 or not all(isinstance(v, str) for v in vals[:_PEEK]):
        return None
    if not all(isinstance(v, str) for v in vals):
        return None
    keep = np.fromiter((v.strip().lower() not in MISSING_TOKENS for v in vals), bool, vals.size)
    return vals[keep] if keep.any() else None


def _matches(pattern: re.Pattern[str], vals: np.ndarray, need: float = PARSE_SHARE) -> np.ndarray | None:
    """Which values match ``pattern``; None, after a look at the first :data:`_PEEK` alone, when
    fewer than ``need`` of those do (a label column costs no pass over all its values)."""
    peek = vals[:_PEEK]
    if sum(bool(pattern.match(v)) for v in peek) < need * peek.size:
        return None
    return np.fromiter((bool(pattern.match(v)) for v in vals), bool, vals.size)


def _share(pattern: re.Pattern[str], vals: np.ndarray, need: float = PARSE_SHARE) -> float:
    hit = _matches(pattern, vals, need)
    return 0.0 if hit is None else float(hit.mean())


def _decorated_number(v: Any) -> float:
    """The number in ``v`` as written by people (:data:`_DECORATED`), NaN when it holds none."""
    m = _DECORATED.match(v) if isinstance(v, str) else None
    if m is None:
        return float("nan")
    x = float(m["num"].replace(",", "") + (m["exp"] or ""))
    return -x if (m["open"] or m["sign"] in ("-", "\u2212") or m["sign2"] in ("-", "\u2212")) else x


def _codes_note(s: Any, out: np.ndarray, blank: np.ndarray) -> tuple[int, str]:
    """The count of values that did not parse (other than missing) and a clause naming them
    and the values that spell "no value"."""
    import pandas as pd

    s = pd.Series(s).reset_index(drop=True)
    text = s.astype(str).str.strip()
    bad = text[~blank & np.isnan(out)]
    tokens = text[blank & s.notna().to_numpy()]
    parts = []
    if len(bad):
        top = bad.value_counts().index[:MAX_CODES]
        parts.append(f"{len(bad)} values did not parse and are missing: {', '.join(repr(t) for t in top)}"
                     + (", ..." if bad.nunique() > MAX_CODES else ""))
    if len(tokens):
        top = tokens.value_counts().index[:MAX_CODES]
        parts.append(f"{len(tokens)} values that spell no value ({', '.join(repr(t) for t in top)}) are missing")
    return int(len(bad)), "; ".join(parts) or "every value parsed"


#: a value whose one comma may be a decimal comma as well as a thousands separator: 1,500
_ONE_GROUP = re.compile(r"^\s*[-+]?\d{1,3},\d{3}\s*$")


def _one_group(vals: np.ndarray) -> bool:
    """Every value with a comma reads both ways (``1,500``: 1.5 or 1500): ambiguous without ``decimal``."""
    commas = [v for v in vals[:_PEEK] if "," in v]
    return bool(commas) and all(_ONE_GROUP.match(v) for v in commas)


def _codes_only(vals: np.ndarray, parsed: np.ndarray, number: Any = float) -> bool:
    """The values that did not parse are a few missing-value codes: at most MAX_CODES distinct
    strings, beside numbers that are measurements (not a few integer levels, where the other
    strings are levels too: "0", "1", "2", "3+")."""
    if parsed.mean() < CODE_PARSE_SHARE or np.unique(vals[~parsed]).size > MAX_CODES:
        return False
    return not is_discrete(np.array([number(v) for v in vals[parsed]], dtype=np.float64))


def is_datetime_like(col: Any) -> bool:
    """A pandas/NumPy column of datetimes, datetimes with a time zone, durations, or pandas
    periods (a month, a day: read as the time they start)."""
    import pandas as pd

    dtype = getattr(col, "dtype", None)
    if dtype is None:
        return False
    return bool(pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)
                or isinstance(dtype, pd.PeriodDtype))


def datetime_to_seconds(col: Any) -> np.ndarray:
    """Seconds (float64, NaN where missing): since 1970-01-01 UTC for dates, of the duration
    for timedeltas."""
    import pandas as pd

    s = pd.Series(col) if not isinstance(col, pd.Series) else col
    if isinstance(s.dtype, pd.PeriodDtype):  # a period is the time it starts (NaT stays missing)
        s = s.dt.start_time
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
    (labels). Numbers may carry thousands separators, a currency sign or code, a percent
    sign (read as written: ``"45%"`` is 45) or accounting parentheses. Text that spells "no
    value" (``"N/A"``, ``"-"``, ``"null"``, :data:`MISSING_TOKENS`) is missing; so are up
    to :data:`MAX_CODES` other strings when at least half the values parse (codes such as
    ``"refused"``), each named in the note. ``decimal``: "." or "," to force the decimal
    mark (None: detect). A comma is a decimal comma when every value is ``digits,digits``
    and some have other than three digits after it; a thousands separator when some value
    has two groups (``1,234,567``), a decimal point or a sign beside it. Values that read
    both ways (every comma followed by three digits and nothing else: ``1,500``) stay text
    unless ``decimal`` says which (``","``: 1.5, ``"."``: 1500)."""
    import pandas as pd

    vals = _text_values(col)
    if vals is None:
        return None
    regrouped = _regrouped(col, vals, decimal)
    if regrouped is not None:
        for mark in (",", "."):
            got = parse_text_column(regrouped, mark)
            if got is not None:
                example = next((v for v in vals if _SPACE_GROUPED.match(v) or _DOT_GROUPED.match(v)
                                or _DOT_INT_GROUPED.match(v) or _DOT_ONE_GROUP.match(v)), vals[0])
                bad = int(got[1].data.get("unparsed", 0))
                whole = bool(np.all(np.mod(got[0][np.isfinite(got[0])], 1) == 0))
                said = [] if whole else [f"decimal {'comma' if mark == ',' else 'point'}"]
                said += [f"{bad} values did not parse and are missing"] if bad else []
                return got[0], flag("converted", f"text holding numbers with digits grouped by spaces, apostrophes or "
                                    f"dots (e.g. {example!r}) was read as numbers"
                                    + (f" ({'; '.join(said)})" if said else ""), how="grouped numbers", unparsed=bad)
    n = vals.size
    s = pd.Series(col) if not isinstance(col, pd.Series) else col
    blank = s.isna().to_numpy() | s.astype(str).str.strip().str.lower().isin(MISSING_TOKENS).to_numpy()
    if decimal != ",":
        point = _matches(_POINT, vals, CODE_PARSE_SHARE)
        if point is not None and (point.mean() >= PARSE_SHARE or _codes_only(vals, point)):
            out = pd.to_numeric(s.where(~blank), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad, what = _codes_note(s, out, blank)
            dotted = [v for v in vals[:_PEEK] if "." in v]
            grouped = (decimal is None and dotted and len(dotted) < len(vals[:_PEEK])
                       and all(_DOT_ONE_GROUP.match(v) for v in dotted))
            if grouped:  # (1.921 beside 377: a thousands dot as much as a decimal point, as 1,500 is with a comma)
                what += (f"; every value with a dot has three digits after it (e.g. {dotted[0]!r}) and the others none: "
                         "if the dot groups thousands, remove the dots first (col.str.replace('.', '', regex=False)), or "
                         "pass --decimal , on the command line")
            return out, flag("converted", f"text holding numbers was read as numbers ({what})", how="decimal point",
                             unparsed=bad, ambiguous_dot=bool(grouped))
        deco = _matches(_DECORATED, vals, CODE_PARSE_SHARE) if decimal == "." or not _one_group(vals) else None
        if deco is not None:
            if deco.mean() >= PARSE_SHARE or _codes_only(vals, deco, _decorated_number):
                out = np.array([np.nan if b else _decorated_number(v) for v, b in zip(s.to_numpy(dtype=object), blank)],
                               dtype=np.float64)
                bad, what = _codes_note(s, out, blank)
                return out, flag("converted", f"text holding numbers with separators, currency or percent signs (e.g. "
                                 f"{vals[0]!r}) was read as numbers ({what})", how="formatted numbers", unparsed=bad)
    if decimal != "." and _share(_COMMA, vals) >= PARSE_SHARE:
        three = all(len(v.strip().split(",")[1]) == 3 for v in vals[:_PEEK])
        if decimal == "," or not three:
            fixed = s.where(~blank).astype(str).str.strip().str.replace(",", ".", regex=False).where(~blank)
            out = pd.to_numeric(fixed, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            bad, what = _codes_note(s, out, blank)
            return out, flag("converted", f"text with a decimal comma (e.g. {vals[0]!r}) was read as numbers "
                             f"({what})", how="decimal comma", unparsed=bad)
    if _share(_DATE, vals) >= PARSE_SHARE:
        dayfirst, ambiguous = _day_first(vals)
        with_tz = any(re.search(r"(Z|[+-]\d{2}:?\d{2})\s*$", v) for v in vals[:_PEEK])
        try:
            dt = pd.to_datetime(s.where(~blank), errors="coerce", dayfirst=dayfirst, format="mixed", utc=with_tz)
        except (ValueError, TypeError):
            return None
        out = datetime_to_seconds(dt)
        bad, what = _codes_note(s, out, blank)
        if bad > (1 - PARSE_SHARE) * n:
            return None
        order = ("; day and month are ambiguous (no field above 12), read month first: if they are day first, pass "
                 "the column as pd.to_datetime(col, dayfirst=True)") if ambiguous else ""
        return out, flag("converted", f"text holding dates (e.g. {vals[0]!r}) was read as numeric time (seconds since "
                         f"1970; {what}){order}", how="dates as text", unparsed=bad, ambiguous_order=ambiguous)
    return None


def _regrouped(col: Any, vals: np.ndarray, decimal: str | None = None) -> Any | None:
    """The column with its digit groups joined (``"1 234,56"`` -> ``"1234,56"``, ``"1.234,56"``
    -> ``"1234,56"``, ``"1'234.56"`` -> ``"1234.56"``) when at least :data:`PARSE_SHARE` of
    its values are numbers written that way or without groups and some value has a group;
    None otherwise (then the other rules read it). A dot is a group separator only where some
    value has dots before a decimal comma (``1.234,56``) or two or more dot groups
    (``1.234.567``), or ``decimal=","`` says so: ``1.234`` alone stays a decimal."""
    import pandas as pd

    peek = vals[:_PEEK]
    if any(_SPACE_GROUPED.match(v) for v in peek) and _share(_SPACE_GROUPED, vals, 0.0) + _share(_UNGROUPED, vals, 0.0) >= PARSE_SHARE:
        sep = r"(?<=\d)[ \u00a0\u202f'](?=\d{3}(?:\D|$))"
    elif (any(_DOT_GROUPED.match(v) or _DOT_INT_GROUPED.match(v) for v in peek)
          or decimal == "," and any(_DOT_ONE_GROUP.match(v) for v in peek)) and _share(_DOT_OR_UNGROUPED, vals) >= PARSE_SHARE:
        sep = r"(?<=\d)\.(?=\d{3}(?:\D|$))"
    else:
        return None
    s = pd.Series(col) if not isinstance(col, pd.Series) else col
    return s.map(lambda v: re.sub(sep, "", v).replace("\u2212", "-") if isinstance(v, str) else v)


def _day_first(vals: np.ndarray) -> tuple[bool, bool]:
    """``(day first, ambiguous)`` of the ``nn/nn/yyyy`` dates: ``dd/mm/yyyy`` rather than
    ``mm/dd/yyyy`` when some first field is above 12 and no second one; ambiguous when no
    field of either place is above 12 (then read month first, and said)."""
    first, second = [], []
    for v in vals[:2000]:
        m = re.match(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}", v)
        if m:
            first.append(int(m.group(1)))
            second.append(int(m.group(2)))
    if not first:
        return False, False
    return max(first) > 12 and max(second) <= 12, max(first) <= 12 and max(second) <= 12


def object_numbers(col: Any) -> tuple[np.ndarray, Flag] | None:
    """An object column whose values (missing ones aside: None, NaN, pandas NA) are all real
    numbers held as Python objects - ``decimal.Decimal`` from a database's NUMERIC columns,
    ``float``/``int`` in a column built from lists with ``None`` or from JSON,
    ``fractions.Fraction``, NumPy scalars - as float64 (NaN where missing) with a
    ``converted`` note naming the types; None otherwise (booleans alone stay as they are).
    Read as labels, such a column was an identifier and left out (875 distinct Decimals in
    1,000 rows), or a label of as many levels as values."""
    import decimal
    import numbers

    import pandas as pd

    dtype = getattr(col, "dtype", None)
    if dtype is None or getattr(dtype, "kind", "") != "O":
        return None
    s = col if isinstance(col, pd.Series) else pd.Series(np.asarray(col, dtype=object).reshape(-1))
    mask = s.notna().to_numpy()
    present = s.to_numpy(dtype=object)[mask]
    if present.size == 0:
        return None

    def real(v: Any) -> bool:
        return isinstance(v, (numbers.Real, decimal.Decimal)) and not isinstance(v, (bool, np.bool_))

    if not all(real(v) for v in present[:_PEEK]) or not all(real(v) for v in present):
        return None
    out = np.full(len(s), np.nan)
    out[mask] = np.array([float(v) for v in present], dtype=np.float64)
    kinds = ", ".join(sorted({type(v).__name__ for v in present}))
    return out, flag("converted", f"numbers held as Python objects ({kinds}) were read as numbers", how="objects")


def _nullable_number(raw: Any) -> bool:
    import pandas as pd

    dtype = getattr(raw, "dtype", None)
    return (type(raw).__module__.startswith("pandas") and isinstance(dtype, pd.api.extensions.ExtensionDtype)
            and (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)))


def to_numeric_column(raw: Any, decimal: str | None = None) -> tuple[Any, list[Flag]]:
    """``raw`` as given, or converted to float64 seconds/numbers with a note (dates, times,
    durations, text holding dates or numbers). Booleans and numbers pass unchanged."""
    if is_datetime_like(raw):
        kind = str(getattr(raw, "dtype", ""))
        what = "durations" if "timedelta" in kind else "periods" if kind.startswith("period") else "dates/times"
        unit = ("seconds" if what == "durations" else "seconds since 1970-01-01 UTC" + (
            " of each period's start" if what == "periods" else ""))
        return datetime_to_seconds(raw), [flag("converted", f"{what} were read as numeric time ({unit})", how=what)]
    dtype = getattr(raw, "dtype", None)
    if _nullable_number(raw):  # pandas "boolean", "Int64", "Float64": NA becomes NaN
        return raw.to_numpy(dtype=np.float64, na_value=np.nan), []
    held = object_numbers(raw)
    if held is not None:
        return held[0], [held[1]]
    if str(dtype) != "category" and (dtype is not None and getattr(dtype, "kind", "") == "O" or str(dtype) in ("string", "str")):
        got = parse_text_column(raw, decimal)  # (a pandas categorical says "labels" itself: left as it is)
        if got is not None:
            return got[0], [got[1]]
    return raw, []


def numeric_side(a: Any, name: str) -> tuple[Any, list[Flag]]:
    """One side of ``estimate_mi`` / ``estimate_cmi`` with its dates, durations and text
    holding measurements read as numbers (each column of a DataFrame or 2-D array on its own),
    and a ``converted`` flag per column converted; anything else unchanged. Text holding a
    few integer levels (``"0"``, ``"1"``, ``"2"``) stays text: passing labels as strings is
    how a caller says they are labels."""
    import pandas as pd

    mod = type(a).__module__
    cols: dict[int | None, Any]
    if mod.startswith("pandas") and getattr(a, "ndim", 0) == 2:
        cols = {j: a.iloc[:, j] for j in range(a.shape[1])}  # (by position: names may repeat)
    elif mod.startswith("pandas"):
        cols = {None: a}
    elif isinstance(a, np.ndarray) and a.dtype.kind in "OUSmM" and a.ndim in (1, 2):
        cols = {None: a} if a.ndim == 1 else {j: a[:, j] for j in range(a.shape[1])}
    else:
        return a, []
    out: dict[int | None, Any] = {}
    notes: list[Flag] = []
    for c, col in cols.items():
        label = c if c is None or not mod.startswith("pandas") else a.columns[c]
        where = name if c is None else f"{name} column {label!r}"
        if is_datetime_like(col) or getattr(col, "dtype", None) is not None and col.dtype.kind in "mM":
            vals, got = to_numeric_column(pd.Series(col))
        else:
            got = []
            vals = col
            declared = str(getattr(col, "dtype", "")) == "category"  # a categorical says "labels" itself
            held = None if declared else object_numbers(col)
            if held is not None:
                vals, got = held[0], [held[1]]
            elif not declared and getattr(col, "dtype", None) is not None and (
                    col.dtype.kind in "OUS" or str(col.dtype) in ("string", "str")):
                parsed = parse_text_column(pd.Series(col, dtype=object) if isinstance(col, np.ndarray) else col)
                if parsed is not None and not is_discrete(parsed[0][np.isfinite(parsed[0])]):
                    vals, got = parsed[0], [parsed[1]]
        notes += [flag(f.code, f"{where}: {f}", **f.data) for f in got]
        out[c] = vals
    if not notes:
        return a, []
    if None in out:
        conv = out[None]
        return (pd.Series(conv, index=a.index, name=a.name) if mod.startswith("pandas") else np.asarray(conv)), notes
    if mod.startswith("pandas"):
        frame = pd.concat([pd.Series(v.to_numpy() if hasattr(v, "to_numpy") else v, index=a.index) for v in out.values()],
                          axis=1)
        frame.columns = a.columns
        return frame, notes
    return np.column_stack([np.asarray(v, dtype=object if np.asarray(v).dtype.kind in "OUS" else np.float64)
                            for v in out.values()]), notes
