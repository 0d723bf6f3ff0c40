"""Tables the command line hands to a cluster: a Parquet file or folder (local or any fsspec
URL such as ``s3://bucket/data/``) read lazily as a Dask DataFrame, and the ``--scheduler`` /
``--workers`` flags shared by ``infolens features`` and ``infolens matrix``."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import DataNotFoundError


def add_cluster_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheduler",
        default=None,
        help="run on a Dask cluster: 'local' (worker processes on this machine) or an address such as tcp://host:8786 "
        "(default: a Parquet folder or URL uses 'local', a file is read into memory)",
    )
    parser.add_argument("--workers", type=int, default=None, help="worker processes of --scheduler local (default: one per core)")
    parser.add_argument("--memory-limit", default="3GiB", help="memory per worker of --scheduler local")
    parser.add_argument("--checkpoint", default=None, help="JSON-lines file of finished columns: a rerun resumes from it")


def is_dataset(path: str) -> bool:
    """A folder or a URL: only the cluster path reads those."""
    return "://" in path or Path(path).is_dir()


def use_cluster(args: argparse.Namespace) -> bool:
    return bool(args.scheduler) or is_dataset(args.table)


def read_dataset(path: str, flag: str = "TABLE") -> Any:
    """A Parquet file, folder or URL as a Dask DataFrame (schema only; rows stay on disk)."""
    from ..distributed import read_parquet

    if "://" not in path and not Path(path).exists():
        raise DataNotFoundError(f"{flag}: no file or folder {path!r}")
    return read_parquet(path, flag=flag)


@contextlib.contextmanager
def cluster(args: argparse.Namespace) -> Iterator[Any]:
    """The client the command runs on (closed afterwards when made here)."""
    from ..distributed import cluster_client

    with cluster_client(args.scheduler or "local", n_workers=args.workers, memory_limit=args.memory_limit) as client:
        yield client
