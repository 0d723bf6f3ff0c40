"""Dask inputs and the cluster: recognising Dask collections, turning them (or a Parquet
path, local or any fsspec URL) into one Dask DataFrame with named columns, and the
``dask.distributed`` client a call runs on.

Nothing here reads a partition: every function builds or inspects task graphs only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ..errors import InputError, InputTypeError

#: ``scheduler="local"``: worker processes of this many threads each
LOCAL_THREADS = 1


def is_dask(x: Any) -> bool:
    """Whether ``x`` is a Dask DataFrame, Series or Array (without importing Dask when it
    is not one: a module name check first)."""
    mod = type(x).__module__
    if not mod.startswith("dask"):
        return False
    return hasattr(x, "dask") or hasattr(x, "__dask_graph__")


def any_dask(*xs: Any) -> bool:
    return any(is_dask(x) for x in xs)


def as_frame(x: Any, name: str, prefix: str = "x") -> Any:
    """A Dask DataFrame from a Dask DataFrame, Series or Array (1-D or 2-D; columns of an
    array are named ``{prefix}0, {prefix}1, ...``), or a pandas/NumPy object (one partition).
    Column names become strings; duplicates are refused."""
    import dask.array as da
    import dask.dataframe as dd
    import numpy as np
    import pandas as pd

    if isinstance(x, dd.DataFrame):
        df = x
    elif isinstance(x, dd.Series):
        df = x.to_frame(name=str(x.name) if x.name is not None else f"{prefix}0")
    elif isinstance(x, da.Array):
        if x.ndim == 1:
            x = x[:, None]
        if x.ndim != 2:
            raise InputError(f"{name} is a Dask array of {x.ndim} dimensions; pass (n,) or (n, d), or flatten it first")
        if x.chunks[1] and len(x.chunks[1]) > 1:
            x = x.rechunk({1: -1})
        df = dd.from_dask_array(x, columns=[f"{prefix}{j}" for j in range(x.shape[1])])
    elif isinstance(x, (pd.DataFrame, pd.Series, np.ndarray)):
        pdf = x.to_frame() if isinstance(x, pd.Series) else x
        if isinstance(pdf, np.ndarray):
            arr = pdf.reshape(len(pdf), -1)
            pdf = pd.DataFrame(arr, columns=[f"{prefix}{j}" for j in range(arr.shape[1])])
        df = dd.from_pandas(pdf, npartitions=1)
    else:
        raise InputTypeError(
            f"{name} must be a Dask DataFrame, Series or Array (or pandas/NumPy next to one), got {type(x).__name__}"
        )
    cols = [str(c) for c in df.columns]
    if len(set(cols)) != len(cols):
        raise InputError(f"{name} has two columns with the same name; column names must be unique")
    if list(df.columns) != cols:
        df = df.rename(columns=dict(zip(df.columns, cols)))
    return df


def read_parquet(path: str, columns: list[str] | None = None, flag: str = "path") -> Any:
    """A Parquet file or folder (a local path or any fsspec URL such as ``s3://bucket/data/``)
    as a Dask DataFrame, one partition per row group. The schema is read here, the rows
    only by the workers."""
    import dask.dataframe as dd

    try:
        return dd.read_parquet(path, columns=columns, split_row_groups=True)
    except FileNotFoundError as exc:
        from ..errors import DataNotFoundError

        raise DataNotFoundError(f"{flag}: no Parquet file or folder at {path!r}") from exc
    except (ValueError, OSError) as exc:
        from ..errors import FileReadError

        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileReadError(f"{flag}: {path!r} is not a readable Parquet file or folder ({first})") from exc


@contextlib.contextmanager
def cluster_client(scheduler: Any = None, *, n_workers: int | None = None, memory_limit: str = "3GiB") -> Iterator[Any]:
    """The ``distributed.Client`` a call runs on, closed afterwards when it was made here.

    ``scheduler``: a ``Client`` (used as it is), an address ``"tcp://host:8786"`` (connect),
    ``"local"`` (a ``LocalCluster`` of worker processes with one thread each, ``n_workers``
    of them, default one per core, ``memory_limit`` each, closed on exit), or None: the
    current default client when there is one, else a local cluster as for ``"local"``."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler is None:
        try:
            from distributed import default_client

            yield default_client()
            return
        except ValueError:
            scheduler = "local"
    if not isinstance(scheduler, str):
        raise InputTypeError(f"scheduler must be 'local', an address such as 'tcp://host:8786', or a Client; got {scheduler!r}")
    if scheduler == "local":
        import os

        workers = n_workers or max(1, os.cpu_count() or 1)
        with LocalCluster(
            n_workers=workers,
            threads_per_worker=LOCAL_THREADS,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=":0",
            silence_logs=50,
        ) as cluster, Client(cluster, set_as_default=False) as client:
            yield client
        return
    if "://" not in scheduler:
        raise InputError(f"scheduler must be 'local' or an address such as 'tcp://host:8786', got {scheduler!r}")
    try:
        client = Client(scheduler, set_as_default=False, timeout="20s")
    except OSError as exc:
        raise InputError(f"scheduler {scheduler!r} could not be reached ({exc}); start it or pass 'local'") from exc
    try:
        yield client
    finally:
        client.close()
