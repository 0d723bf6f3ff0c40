"""Executing one job, and the three ways of executing many: in-process, a local
process pool, a Dask distributed cluster. Every executor yields
``(index, row)`` pairs as jobs finish; :func:`infolens.runner.run_jobs` writes them."""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterator, Sequence

from .store import make_row, to_jsonable

JobFn = Callable[[dict[str, Any]], dict[str, Any]]

#: environment variables that size the BLAS/OpenMP thread pools of a worker
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def format_error(exc: BaseException) -> str:
    """``"Type: message"`` plus the innermost frame, so a row says where a job failed."""
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" (at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno} in {tb[-1].name})" if tb else ""
    return f"{type(exc).__name__}: {exc}{where}"


def call_job(fn: JobFn, config: dict[str, Any]) -> dict[str, Any]:
    """Run ``fn(config)`` and return its store row; an exception becomes the row's ``error``."""
    t0 = time.perf_counter()
    try:
        out = fn(dict(config))
        if not isinstance(out, dict):
            raise TypeError(f"job function {getattr(fn, '__name__', fn)!r} returned {type(out).__name__}; it must return a dict")
        result, error = to_jsonable(out), None
    except Exception as exc:  # recorded in the store; the sweep goes on
        result, error = None, format_error(exc)
    return make_row(config, result, error, time.perf_counter() - t0)


def limit_threads(n_threads: int = 1) -> None:
    """Worker initializer: one BLAS/OpenMP thread per worker process, so ``n_jobs``
    workers do not oversubscribe the cores."""
    for var in _THREAD_VARS:
        os.environ[var] = str(n_threads)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n_threads)
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass


def run_serial(fn: JobFn, configs: Sequence[dict[str, Any]], indices: Sequence[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i in indices:
        yield i, call_job(fn, configs[i])


_DIED = "BrokenProcessPool: the worker process died while running this job (killed, crashed or out of memory)"


def _isolate(fn: JobFn, configs: Sequence[dict[str, Any]], suspects: deque, ctx: Any, any_ok: bool
             ) -> Iterator[tuple[int, dict[str, Any]]]:
    """Re-run the jobs that were in flight when a pool broke, one at a time in a one-worker
    pool, so only the job that kills its worker is recorded as failed."""
    pool = None
    try:
        while suspects:
            i = suspects.popleft()
            pool = pool or ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=limit_threads)
            try:
                row = pool.submit(call_job, fn, configs[i]).result()
                any_ok = True
            except BrokenProcessPool as exc:
                pool.shutdown(wait=True)
                pool = None
                if not any_ok:
                    raise RuntimeError(
                        "worker processes die before finishing any job; if run_jobs is called from a script, put "
                        "the call under `if __name__ == '__main__':` (workers re-import the main module) and make "
                        f"fn a module-level function; otherwise job {configs[i]!r} kills its worker ({exc})"
                    ) from exc
                row = make_row(configs[i], None, _DIED, 0.0)
            except Exception as exc:  # e.g. fn could not be pickled
                row = make_row(configs[i], None, format_error(exc), 0.0)
            yield i, row
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def run_pool(
    fn: JobFn, configs: Sequence[dict[str, Any]], indices: Sequence[int], n_jobs: int, start_method: str = "spawn"
) -> Iterator[tuple[int, dict[str, Any]]]:
    """A local :class:`~concurrent.futures.ProcessPoolExecutor` (``spawn`` by default:
    safe with threads, torch and macOS; ``fn`` must be importable, i.e. module-level).
    At most ``2 * n_jobs`` jobs are queued at a time, so a kill loses little. If a worker
    dies (killed, out of memory), the jobs in flight are re-run one by one to find the one
    that killed it; that job is recorded as failed and a new pool runs the rest."""
    ctx = multiprocessing.get_context(start_method)
    todo = deque(indices)
    any_ok = False
    while todo:
        suspects: deque = deque()
        with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx, initializer=limit_threads) as pool:
            running: dict[Future, int] = {}
            try:
                while (todo or running) and not suspects:
                    while todo and len(running) < 2 * n_jobs:
                        i = todo.popleft()
                        try:
                            running[pool.submit(call_job, fn, configs[i])] = i
                        except BrokenProcessPool:
                            todo.appendleft(i)
                            break
                    if not running:
                        break
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for fut in done:
                        i = running.pop(fut)
                        try:
                            row = fut.result()
                            any_ok = True
                        except BrokenProcessPool:
                            suspects.append(i)
                            continue
                        except Exception as exc:  # e.g. fn could not be pickled
                            row = make_row(configs[i], None, format_error(exc), 0.0)
                        yield i, row
                suspects.extend(running.values())  # in flight when the pool broke
            except BaseException:
                for fut in running:
                    fut.cancel()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        if suspects:
            for i, row in _isolate(fn, configs, suspects, ctx, any_ok):
                any_ok = any_ok or row["error"] is None
                yield i, row


def run_dask(
    fn: JobFn, configs: Sequence[dict[str, Any]], indices: Sequence[int], scheduler: Any
) -> Iterator[tuple[int, dict[str, Any]]]:
    """A Dask distributed cluster: ``scheduler`` is an address (``tcp://host:8786``)
    or a ``distributed.Client``. Jobs are submitted with ``pure=False`` (never cached)."""
    from distributed import Client, as_completed

    own = not isinstance(scheduler, Client)
    client = Client(scheduler, set_as_default=False) if own else scheduler
    try:
        futures = {}
        for i in indices:
            fut = client.submit(call_job, fn, configs[i], pure=False, key=f"infolens-job-{i}-{os.urandom(4).hex()}")
            futures[fut] = i
        try:
            for fut in as_completed(list(futures), loop=client.loop):
                i = futures[fut]
                try:
                    row = fut.result()
                except Exception as exc:  # a worker died or fn could not be deserialised
                    row = make_row(configs[i], None, format_error(exc), 0.0)
                yield i, row
        except BaseException:
            client.cancel(list(futures))
            raise
    finally:
        if own:
            client.close()
