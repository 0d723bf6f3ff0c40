"""Shared test set-up: a non-interactive matplotlib backend, progress bars off, and the
LocalCluster fixture of the cluster tests."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TQDM_DISABLE", "1")


import pytest  # noqa: E402  (after the environment above, which must be set before any import)


def cluster_processes() -> set[int]:
    """Child processes of this one, less Python's multiprocessing resource tracker (started
    once per interpreter by the first spawned process and kept until the interpreter exits)."""
    import psutil

    return {p.pid for p in psutil.Process().children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())}


@pytest.fixture(scope="module")
def client():
    """A real LocalCluster (2 worker processes, 1 thread, 1 GiB each) for one test module;
    afterwards no worker process may be left running."""
    import psutil

    from infolens.distributed import cluster_client

    before = cluster_processes()
    with cluster_client("local", n_workers=2, memory_limit="1GiB") as c:
        yield c
    psutil.wait_procs([psutil.Process(p) for p in cluster_processes() - before], timeout=10)
    assert not cluster_processes() - before, "worker processes left running"
