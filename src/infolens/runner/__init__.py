"""Run many jobs, resumably, on a local process pool or a Dask cluster.

>>> from infolens.runner import run_jobs, Sweep
>>> rows = run_jobs(fn, Sweep(tasks, estimators, n=5000, seeds=3).configs(), "runs/x", n_jobs=2)  # doctest: +SKIP
"""

from .core import SCHEDULER_ENV, resolve_scheduler, run_jobs
from .results import load_results
from .store import STORE_NAME, config_hash, read_rows, repair_store
from .sweep import Sweep

__all__ = [
    "run_jobs",
    "config_hash",
    "load_results",
    "read_rows",
    "repair_store",
    "resolve_scheduler",
    "Sweep",
    "SCHEDULER_ENV",
    "STORE_NAME",
]
