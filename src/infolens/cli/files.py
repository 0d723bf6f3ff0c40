"""The one reader of the command line's data files: ``.npy``, ``.npz``, ``.csv`` (any
separator: ``--sep``, or detected by :class:`csv.Sniffer`) and ``.parquet``.

Every problem with a file (missing, empty, truncated, zero rows, a format that does not
match its extension, unreadable) is raised as an :class:`~infolens.errors.InfolensError`
whose one-line message names the file and the fix; the command line prints it without a
traceback.
"""

from __future__ import annotations

import csv
import math
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataNotFoundError, FileReadError, InfolensError, InputError

ARRAY_SUFFIXES = (".npy", ".npz")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq")
#: separators the sniffer chooses from when ``--sep`` is not given
SNIFF_SEPARATORS = ",;\t|"
_SEP_NAMES = {"\\t": "\t", "tab": "\t", "TAB": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}


def parse_sep(text: str | None) -> str | None:
    """``--sep`` as one character (``tab``/``\\t``, ``semicolon``, ``comma``, ``pipe`` and
    ``space`` are accepted by name); ``None`` means detect it."""
    if text is None:
        return None
    sep = _SEP_NAMES.get(text, text)
    if len(sep) != 1:
        raise InputError(f"--sep must be one character (or tab, comma, semicolon, pipe, space), got {text!r}")
    return sep


def _check_file(path: Path, flag: str) -> None:
    if not path.exists():
        raise DataNotFoundError(f"{flag} file {str(path)!r} not found; check the path")
    if path.is_dir():
        raise FileReadError(f"{flag} {str(path)!r} is a folder; pass a data file (.npy, .npz, .csv, .parquet)")
    if not os.access(path, os.R_OK):
        raise FileReadError(f"{flag} file {str(path)!r} cannot be read (permission denied); check its permissions")
    if path.stat().st_size == 0:
        raise FileReadError(f"{flag} file {str(path)!r} is empty (0 bytes); write the data again")


def sniff_separator(path: Path, encoding: str = "utf-8") -> str:
    """The separator of a delimited text file, from its first 64 kB (``,`` when the
    sniffer cannot tell, e.g. a file with one column)."""
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(65536)
    lines = [ln for ln in sample.splitlines() if ln.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=SNIFF_SEPARATORS).delimiter
    except csv.Error:
        return "\t" if path.suffix.lower() == ".tsv" else ","


def parse_decimal(text: str | None) -> str | None:
    """``--decimal`` as "." or "," (``comma``/``point`` accepted by name); None: detect."""
    if text is None:
        return None
    mark = {"comma": ",", "point": ".", "dot": "."}.get(text, text)
    if mark not in (".", ","):
        raise InputError(f"--decimal must be '.' or ',' (or point, comma), got {text!r}")
    return mark


def read_table(path: str | os.PathLike[str], flag: str = "table", sep: str | None = None,
               decimal: str | None = None) -> Any:
    """A CSV (separator ``sep`` or detected) or Parquet file as a pandas DataFrame with at
    least one row and one column. ``flag`` names the argument in messages.

    ``decimal``: the decimal mark of a CSV ("." or ","; None: detect). Text columns whose
    values all read as numbers with a decimal comma (``3,14``) or as numbers with a few
    unreadable entries (``n/a``) become numbers; what was converted is in
    ``df.attrs["converted"]`` (column -> sentence), for the caller to show."""
    import pandas as pd

    p = Path(path)
    _check_file(p, flag)
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(p)
        except ImportError as exc:
            raise InputError(f"{flag}: reading {str(p)!r} needs pyarrow (pip install pyarrow); or save it as .csv") from exc
        except (ValueError, OSError) as exc:  # pyarrow's ArrowInvalid is a ValueError, ArrowIOError an OSError
            raise FileReadError(f"{flag} file {str(p)!r} is not a readable Parquet file ({_first_line(exc)}); "
                                "write it again or pass a .csv") from exc
    elif suffix in (".csv", ".tsv", ".txt"):
        used = sep if sep is not None else sniff_separator(p)
        if decimal is not None and decimal == used:
            raise InputError(f"--decimal {decimal!r} is also the separator of {str(p)!r}; give --sep")
        try:
            df = pd.read_csv(p, sep=used, decimal=decimal or ".")
        except pd.errors.EmptyDataError as exc:
            raise FileReadError(f"{flag} file {str(p)!r} holds no header and no rows; write the data again") from exc
        except UnicodeDecodeError as exc:
            raise FileReadError(f"{flag} file {str(p)!r} is not UTF-8 text ({_first_line(exc)}); "
                                "save it as UTF-8 CSV") from exc
        except pd.errors.ParserError as exc:
            hint = "" if sep is not None else "; give the separator with --sep"
            raise FileReadError(f"{flag} file {str(p)!r} is not a well-formed CSV ({_first_line(exc)}){hint}") from exc
    else:
        raise FileReadError(f"{flag} file {str(p)!r} has suffix {p.suffix!r}; a table must be .csv, .tsv or .parquet")
    if len(df) == 0:
        cols = ", ".join(map(str, df.columns[:10]))
        raise FileReadError(f"{flag} file {str(p)!r} has a header ({cols}) but zero data rows; it needs at least one row")
    return _numbers_from_text(df, decimal)


def _numbers_from_text(df: Any, decimal: str | None) -> Any:
    """Text columns that hold numbers (decimal comma or point) as float columns."""
    from ..convert import parse_text_column

    converted = {}
    for c in df.columns:
        if df[c].dtype.kind != "O":
            continue
        got = parse_text_column(df[c], decimal)
        if got is not None and got[1].data.get("how") in ("decimal comma", "decimal point"):
            df[c] = got[0]
            converted[str(c)] = str(got[1])
    df.attrs["converted"] = converted
    return df


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def column_index(c: str, columns: list[Any]) -> Any | None:
    if c in columns:
        return c
    if c.lstrip("-").isdigit() and -len(columns) <= int(c) < len(columns):
        return columns[int(c)]
    return None


def select_columns(df: Any, cols: list[str] | None, flag: str, path: str | os.PathLike[str]) -> Any:
    """The columns ``cols`` (names or 0-based indices; all when ``None``) of ``df``, as a
    DataFrame: float columns when they are numbers (so that warnings name them), else as
    they are (text: labels, or dates and numbers that ``estimate_mi`` reads as the API does);
    a missing column is an error naming it."""
    import pandas as pd

    columns = list(df.columns)
    if cols is None:
        picked = columns
    else:
        picked = []
        for c in cols:
            hit = column_index(c, columns)
            if hit is None:
                hint = ""
                if len(columns) == 1 and any(s in str(columns[0]) for s in ";\t|,"):
                    hint = f"; the header {str(columns[0])!r} looks like one column - give the separator with --sep"
                raise InputError(f"{flag}: no column {c!r} in {str(path)!r} "
                                 f"(columns: {', '.join(map(str, columns[:20]))}){hint}")
            picked.append(hit)
    out = df[picked]
    if all(pd.api.types.is_bool_dtype(out[c]) or pd.api.types.is_numeric_dtype(out[c]) for c in picked):
        return out.astype(np.float64).reset_index(drop=True)
    # text columns: labels, or dates / numbers as text, read by estimate_mi as the API reads a
    # DataFrame (infolens.convert: dates and numbers converted, a label column a label)
    return out.reset_index(drop=True)


def read_array(path: str | os.PathLike[str], which: str = "x", key: str | None = None,
               cols: list[str] | None = None, sep: str | None = None) -> Any:
    """One variable (``which`` is "x" or "y", used in messages and flag names) from a
    ``.npy``, ``.npz`` (``key``: the array inside), CSV or Parquet file (``cols``: the
    columns, names or 0-based indices). Returns an array with at least one row."""
    p = Path(path)
    flag = which.upper()
    _check_file(p, flag)
    suffix = p.suffix.lower()
    if suffix == ".npy":
        arr = _load_npy(p, flag)
        if cols:
            arr = _npy_columns(arr, cols, which, p)
    elif suffix == ".npz":
        arr = _load_npz(p, key, which)
        if cols:
            arr = _npy_columns(arr, cols, which, p)
    elif suffix in TABLE_SUFFIXES:
        if key is not None:
            raise InputError(f"--{which}-key applies to .npz files; {str(p)!r} is a table - pick columns with --{which}-cols")
        return select_columns(read_table(p, flag, sep), cols, f"--{which}-cols", p)
    else:
        raise FileReadError(f"{flag} file {str(p)!r} has suffix {p.suffix!r}; use .npy, .npz, .csv, .tsv or .parquet")
    if arr.ndim == 0:
        raise FileReadError(f"{flag} file {str(p)!r} holds a single number (shape ()); it needs one row per sample")
    if arr.shape[0] == 0:
        raise FileReadError(f"{flag} file {str(p)!r} holds an array with zero rows (shape {arr.shape}); "
                            "it needs one row per sample")
    if arr.dtype.kind not in "biuf":
        raise FileReadError(f"{flag} file {str(p)!r} holds dtype {arr.dtype}, not numbers; save a numeric array")
    return arr


def _magic(p: Path, n: int) -> bytes:
    with open(p, "rb") as fh:
        return fh.read(n)


def _load_npy(p: Path, flag: str) -> np.ndarray:
    """Check the header against the file's size before reading, so that a truncated or
    foreign file is named as such (NumPy's own errors do not say which)."""
    from numpy.lib import format as npformat

    if _magic(p, 6) != b"\x93NUMPY":
        raise FileReadError(f"{flag} file {str(p)!r} is not a .npy array (no NumPy header); "
                            "save it with numpy.save, or rename it to its real format (.csv, .npz)")
    readers = {(1, 0): npformat.read_array_header_1_0, (2, 0): npformat.read_array_header_2_0}
    try:
        with open(p, "rb") as fh:
            version = npformat.read_magic(fh)
            reader = readers.get(version)
            if reader is not None:
                shape, _, dtype = reader(fh)
                if dtype.hasobject:
                    raise FileReadError(f"{flag} file {str(p)!r} holds Python objects, not numbers; save a numeric "
                                        "array (e.g. numpy.save(path, a.astype(float)))")
                need, have = math.prod(shape) * dtype.itemsize, p.stat().st_size - fh.tell()
                if have < need:
                    raise FileReadError(f"{flag} file {str(p)!r} is truncated: its header says {need} data bytes "
                                        f"(shape {shape}), the file holds {have}; write it again with numpy.save")
    except FileReadError:
        raise
    except (ValueError, EOFError, OSError) as exc:
        raise FileReadError(f"{flag} file {str(p)!r} has a truncated or corrupt .npy header ({_first_line(exc)}); "
                            "write it again with numpy.save") from exc
    try:
        return np.load(p, allow_pickle=False)
    except (ValueError, EOFError, OSError) as exc:
        text = _first_line(exc)
        if "allow_pickle" in text:
            raise FileReadError(f"{flag} file {str(p)!r} holds Python objects, not numbers; save a numeric array "
                                "(e.g. numpy.save(path, a.astype(float)))") from exc
        raise FileReadError(f"{flag} file {str(p)!r} cannot be read as a .npy array ({text}); "
                            "write it again with numpy.save") from exc


def _load_npz(p: Path, key: str | None, which: str) -> np.ndarray:
    flag = which.upper()
    if _magic(p, 2) != b"PK":
        raise FileReadError(f"{flag} file {str(p)!r} is not a .npz archive (no zip header); "
                            "save it with numpy.savez, or rename it to its real format (.npy, .csv)")
    try:
        with np.load(p, allow_pickle=False) as z:
            names = list(z.files)
            if not names:
                raise FileReadError(f"{flag} file {str(p)!r} holds no arrays; write it again with numpy.savez")
            if key is None:
                if len(names) != 1:
                    raise InputError(f"{str(p)!r} holds arrays {', '.join(names)}; choose one with --{which}-key")
                key = names[0]
            if key not in names:
                raise InputError(f"--{which}-key {key!r} is not in {str(p)!r} (arrays: {', '.join(names)})")
            return z[key]
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise FileReadError(f"{flag} file {str(p)!r} is not a complete .npz archive ({_first_line(exc)}); "
                            "it is truncated or another format - write it again with numpy.savez") from exc
    except ValueError as exc:
        if isinstance(exc, InfolensError):
            raise
        raise FileReadError(f"{flag} file {str(p)!r}: array {key!r} cannot be read ({_first_line(exc)}); "
                            "save numeric arrays with numpy.savez") from exc


def _npy_columns(arr: np.ndarray, cols: list[str], which: str, p: Path) -> np.ndarray:
    if arr.ndim != 2:
        raise InputError(f"--{which}-cols needs a 2-D array; {str(p)!r} holds shape {arr.shape}")
    idx = []
    for c in cols:
        if not c.lstrip("-").isdigit() or not -arr.shape[1] <= int(c) < arr.shape[1]:
            raise InputError(f"--{which}-cols: {c!r} is not a column index of {str(p)!r} "
                             f"(an array has no column names; use 0..{arr.shape[1] - 1})")
        idx.append(int(c))
    return arr[:, idx]
