"""``run_jobs``: many jobs, resumable, on one machine or a Dask cluster."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Sequence

from ..progress import progress as progress_bar
from ..validation import check_positive_int
from .execute import run_dask, run_pool, run_serial
from .store import append_row, config_hash, finished_hashes, read_rows, repair_store

#: environment variable naming a Dask scheduler; used when ``scheduler`` is not given
SCHEDULER_ENV = "INFOLENS_SCHEDULER"


def resolve_scheduler(scheduler: Any) -> Any:
    """``scheduler`` if given, else ``$INFOLENS_SCHEDULER``, else ``None`` (local).
    ``"local"`` forces local execution even when the variable is set."""
    if scheduler is None:
        scheduler = os.environ.get(SCHEDULER_ENV) or None
    if scheduler == "local" or scheduler == "":
        return None
    if isinstance(scheduler, str) and "://" not in scheduler:
        raise ValueError(
            f"scheduler must be a Dask scheduler address such as 'tcp://host:8786' (or 'local'), got {scheduler!r}"
        )
    return scheduler


def run_jobs(
    fn: Callable[[dict[str, Any]], dict[str, Any]],
    configs: Sequence[dict[str, Any]],
    out_dir: str | os.PathLike[str],
    n_jobs: int = 1,
    scheduler: Any = None,
    progress: bool | None = True,
    desc: str = "jobs",
    start_method: str = "spawn",
) -> list[dict[str, Any]]:
    """Run ``fn(config)`` for every config; append each finished job to
    ``out_dir/results.jsonl``; skip configs already finished there.

    Parameters
    ----------
    fn : module-level (picklable) function ``config -> dict`` of JSON-serialisable values.
    configs : JSON-serialisable dicts; each is keyed by :func:`config_hash`. Duplicates run once.
    out_dir : the run folder (created if missing).
    n_jobs : 1 runs in this process; more uses a local process pool of that size.
    scheduler : a Dask scheduler address (``"tcp://host:8786"``) or ``distributed.Client``;
        ``None`` reads ``$INFOLENS_SCHEDULER``; ``"local"`` forces the local pool.
    progress : show a progress bar with an ETA (``False`` hides it).

    Returns
    -------
    One row per config, in config order: ``{"hash", "config", "result", "error",
    "seconds", "finished_at"}``. A failed job has ``result=None`` and its error message;
    it is retried on the next run, while finished jobs are not.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a callable config -> dict, got {type(fn).__name__}")
    if isinstance(configs, dict):
        raise TypeError("configs must be a list of dicts (one per job), got a single dict; wrap it in a list")
    configs = list(configs)
    for j, c in enumerate(configs):
        if not isinstance(c, dict):
            raise TypeError(f"configs[{j}] must be a dict, got {type(c).__name__}")
    n_jobs = check_positive_int(n_jobs, "n_jobs")
    scheduler = resolve_scheduler(scheduler)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    repair_store(out)
    done = finished_hashes(read_rows(out))
    hashes = [config_hash(c) for c in configs]
    rows: dict[str, dict[str, Any]] = {h: done[h] for h in hashes if h in done}
    pending, seen = [], set(rows)
    for i, h in enumerate(hashes):
        if h not in seen:
            seen.add(h)
            pending.append(i)

    if pending:
        if scheduler is not None:
            stream = run_dask(fn, configs, pending, scheduler)
        elif n_jobs == 1 or len(pending) == 1:
            stream = run_serial(fn, configs, pending)
        else:
            stream = run_pool(fn, configs, pending, min(n_jobs, len(pending)), start_method=start_method)
        n_err = 0
        with progress_bar(total=len(pending), desc=desc, verbose=progress, unit="job") as bar:
            if rows and progress is not False:
                bar.write(f"{desc}: {len(rows)} of {len(set(hashes))} jobs already in {out / 'results.jsonl'}; skipping them")
            for i, row in stream:
                row = append_row(out, row)
                rows[hashes[i]] = row
                n_err += row["error"] is not None
                bar.update(1)
                if n_err:
                    bar.set_postfix(errors=n_err)
    return [rows[h] for h in hashes]
