"""The result store of a run folder: ``results.jsonl``, one JSON line per finished job.

Lines are appended with :func:`infolens.io.append_line` (one ``write`` on an
``O_APPEND`` descriptor, then ``fsync``), so a kill leaves at worst one last line
without its newline; :func:`read_rows` skips it and :func:`repair_store` cuts it
off (atomically) before a resumed run appends again.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..io import append_line, write_text

STORE_NAME = "results.jsonl"


def to_jsonable(obj: Any) -> Any:
    """Plain JSON types from NumPy scalars/arrays, tuples and nested dicts (NaN stays a float)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict):
        return to_jsonable(to_dict())
    raise TypeError(f"value of type {type(obj).__name__} is not JSON-serialisable; return numbers, strings, lists or dicts")


def canonical_json(config: Any) -> str:
    """The JSON text a config is hashed by: sorted keys, no spaces, NumPy types as plain ones."""
    try:
        return json.dumps(to_jsonable(config), sort_keys=True, separators=(",", ":"), allow_nan=True)
    except TypeError as exc:
        raise TypeError(f"config {config!r} is not JSON-serialisable ({exc}); configs must be plain dicts") from exc


def config_hash(config: dict[str, Any]) -> str:
    """A stable 16-hex-digit key of a config: SHA-256 of its canonical JSON
    (so key order and ``np.int64`` vs ``int`` do not change it)."""
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    return hashlib.sha256(canonical_json(config).encode("utf-8")).hexdigest()[:16]


def store_path(out_dir: str | os.PathLike[str]) -> Path:
    return Path(out_dir) / STORE_NAME


def read_rows(out_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every complete row of the store, in file order (a torn last line, one that does
    not end with a newline, or any line that is not a JSON object, is skipped)."""
    path = store_path(out_dir)
    if not path.exists():
        return []
    rows = []
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break  # torn last line of a killed writer
            try:
                row = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if isinstance(row, dict) and "hash" in row:
                rows.append(row)
    return rows


def repair_store(out_dir: str | os.PathLike[str]) -> int:
    """Drop unreadable lines (a torn tail after a kill) by rewriting the store atomically.
    Returns the number of lines dropped (0 leaves the file untouched)."""
    path = store_path(out_dir)
    if not path.exists():
        return 0
    data = path.read_bytes()
    lines = data.split(b"\n")
    tail = lines.pop()  # b"" when the file ends with a newline
    good, dropped = [], 1 if tail else 0
    for raw in lines:
        try:
            row = json.loads(raw)
            if not (isinstance(row, dict) and "hash" in row):
                raise ValueError
            good.append(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            dropped += 1
    if dropped:
        write_text(path, "".join(line + "\n" for line in good))
    return dropped


def finished_hashes(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """hash -> latest row of every job that finished without an error."""
    done: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.get("error") is None:
            done[row["hash"]] = row
    return done


def make_row(config: dict[str, Any], result: dict[str, Any] | None, error: str | None, seconds: float) -> dict[str, Any]:
    return {
        "hash": config_hash(config),
        "config": to_jsonable(config),
        "result": result,
        "error": error,
        "seconds": float(seconds),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def append_row(out_dir: str | os.PathLike[str], row: dict[str, Any]) -> dict[str, Any]:
    """Append one row atomically and return it; a result that JSON cannot hold
    becomes an error row."""
    try:
        line = json.dumps(row, allow_nan=True)
    except (TypeError, ValueError) as exc:
        row = {**row, "result": None, "error": f"TypeError: result is not JSON-serialisable ({exc})"}
        line = json.dumps(row, allow_nan=True, default=repr)
    append_line(store_path(out_dir), line)
    return row

