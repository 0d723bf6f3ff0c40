"""Running one task per column (or per block of pairs) on a ``dask.distributed`` cluster:
results come back to the caller as each task finishes (a progress bar counts them), so a
finished column lives in the caller's process and, with a checkpoint file, on disk.

A worker that dies takes only its unfinished tasks with it: the scheduler runs them again
on the workers left (and on the one its nanny restarts). With ``checkpoint=path`` each
finished row is appended to a JSON-lines file (one ``write`` + fsync, :func:`infolens.io.append_line`);
a later call with the same data and settings reads the rows whose key is there and submits
only the rest, so a run killed as a whole resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import Flag


def row_key(parts: Any) -> str:
    """A stable key for one unit of work: the hash of its JSON (names, settings, data fingerprint)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def jsonable_row(row: dict) -> dict:
    """A row with its warnings as ``{"code", "message", "data"}`` records."""
    out = dict(row)
    out["warnings"] = [w.to_dict() if isinstance(w, Flag) else {"code": "other", "message": str(w), "data": {}} for w in row["warnings"]]
    return out


def restore_row(row: dict) -> dict:
    out = dict(row)
    out["warnings"] = [Flag.from_dict(w) for w in row["warnings"]]  # advice and unit kept apart again
    return out


def append_row(path: str | os.PathLike[str], key: str, row: dict) -> None:
    """One finished row to the checkpoint file (a single write + fsync)."""
    from ..io import append_line

    append_line(path, json.dumps({"key": key, "row": jsonable_row(row)}))


def load_checkpoint(path: str | os.PathLike[str] | None) -> dict[str, dict]:
    """Rows already finished: key -> row (a torn last line, from a kill mid-write, is skipped)."""
    if path is None or not Path(path).exists():
        return {}
    done = {}
    for line in Path(path).read_text().splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        done[rec["key"]] = restore_row(rec["row"])
    return done


def run_tasks(
    client: Any,
    tasks: dict[str, tuple[Callable[..., dict], tuple]],
    *,
    checkpoint: str | os.PathLike[str] | None = None,
    progress: bool | None = False,
    desc: str = "columns",
    done: dict[str, dict] | None = None,
    on_result: Callable[[str, dict], None] | None = None,
) -> dict[str, dict]:
    """Run ``tasks`` (key -> (function, args)) on ``client``; return key -> row for all of them.

    Rows in ``done`` (read from the checkpoint) are not submitted. Each row returned by a
    task is appended to ``checkpoint`` as it arrives, then ``on_result(key, row)`` is called
    (the tests use it to kill a worker mid-run)."""
    from distributed import as_completed

    from ..progress import progress as bar

    out = dict(done or {})
    todo = {k: v for k, v in tasks.items() if k not in out}
    with bar(total=len(tasks), desc=desc, verbose=progress, unit="col") as pbar:
        pbar.update(len(tasks) - len(todo))
        futures = {client.submit(fn, *args, pure=False, key=f"infolens-{desc}-{k}-{os.urandom(3).hex()}"): k for k, (fn, args) in todo.items()}
        try:
            for fut in as_completed(list(futures), loop=client.loop):
                key = futures[fut]
                row = fut.result()
                out[key] = row
                if checkpoint is not None:
                    append_row(checkpoint, key, row)
                pbar.update(1)
                if on_result is not None:
                    on_result(key, row)
        finally:
            client.cancel([f for f in futures if not f.done()])
    return out
