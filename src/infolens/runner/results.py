"""The store of a run folder as a tidy pandas DataFrame."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import DataNotFoundError
from .store import STORE_NAME, read_rows

_ROW_KEYS = ("hash", "error", "seconds", "finished_at")


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_flatten(v, key + "."))
        elif isinstance(v, (list, dict)):
            out[key] = json.dumps(v)  # lists stay one cell (hashable, groupable)
        else:
            out[key] = v
    return out


def load_results(out_dir: str | os.PathLike[str], errors: bool = True, latest: bool = True):
    """One row per job of ``out_dir/results.jsonl`` as a DataFrame.

    Columns: ``hash``, ``error``, ``seconds`` (job wall time), ``finished_at``, then the
    config's keys and the result's keys (nested dicts flattened with dots, e.g.
    ``params.k``; lists as JSON text). A result key that clashes with a config or row key
    is prefixed ``result.``. ``latest`` keeps only the last row per config hash (a job
    that failed and later succeeded appears once); ``errors=False`` drops failed jobs.
    """
    import pandas as pd

    path = Path(out_dir)
    if not path.is_dir():
        raise DataNotFoundError(f"run folder {str(path)!r} does not exist; pass the --out folder of a finished run")
    rows = read_rows(path)
    if latest:
        rows = list({r["hash"]: r for r in rows}.values())
    if not errors:
        rows = [r for r in rows if r.get("error") is None]
    records = []
    for r in rows:
        rec = {k: r.get(k) for k in _ROW_KEYS}
        rec.update(_flatten(r.get("config") or {}))
        for k, v in _flatten(r.get("result") or {}).items():
            rec[f"result.{k}" if k in rec else k] = v
        records.append(rec)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        frame = pd.DataFrame(columns=list(_ROW_KEYS))
    frame.attrs["store"] = str(path / STORE_NAME)
    return frame
