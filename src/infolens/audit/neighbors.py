"""Chunked distance computations: k nearest neighbours and Gaussian-kernel sums without
ever holding an N x N matrix.

Neighbour search is scikit-learn's (chunked, multi-threaded); the distances of the neighbours
it finds are recomputed directly, because the ``|a|^2 + |b|^2 - 2ab`` expansion leaves ~1e-7
for identical rows and the audit counts exact copies. Gaussian-kernel sums over all pairs
(KDE, MMD) have no library routine that streams blocks, so they are written here: each block
is one BLAS product; blocks run on a thread pool with single-threaded BLAS (threadpoolctl),
which stays fast on a loaded machine where multi-threaded BLAS on small blocks
oversubscribes the cores.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from ..validation import check_choice

#: default memory for one block of distances per worker (bytes = rows x n_reference x 8)
WORKING_MEMORY_MB = 8.0

METRICS = ("euclidean", "manhattan")


def resolve_n_jobs(n_jobs: int | None) -> int:
    """``None`` or ``-1``: all cores; otherwise a positive int."""
    if n_jobs is None or n_jobs == -1:
        return max(1, os.cpu_count() or 1)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive int, -1 or None (all cores), got {n_jobs!r}")
    return n_jobs


_POOL: dict[int, ThreadPoolExecutor] = {}


def _pool(workers: int) -> ThreadPoolExecutor:
    """One long-lived pool per size: fresh threads per call would each take a new malloc
    arena and keep its freed blocks, which inflates the resident memory of long audits."""
    if workers not in _POOL:
        _POOL[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="infolens-blocks")
    return _POOL[workers]


def _release_memory() -> None:
    """Hand freed heap pages back to the OS (glibc ``malloc_trim``; a no-op elsewhere)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _blocks(n_query: int, n_ref: int, working_memory_mb: float) -> list[slice]:
    if working_memory_mb <= 0:
        raise ValueError(f"working_memory_mb must be > 0, got {working_memory_mb}")
    step = int(max(1, min(8192, (working_memory_mb * 2**20) // (max(n_ref, 1) * 8))))
    return [slice(s, min(s + step, n_query)) for s in range(0, n_query, step)]


def map_sq_distance_blocks(
    query: np.ndarray,
    ref: np.ndarray,
    fn: Callable[[slice, np.ndarray], None],
    *,
    scale: float = 1.0,
    n_jobs: int | None = None,
    working_memory_mb: float = WORKING_MEMORY_MB,
) -> None:
    """Call ``fn(rows, S)`` for blocks of query rows, ``S[i, j] = scale * ||query[rows][i] - ref[j]||^2``.

    One matrix product per block, ``[q, |q|^2, 1] @ [-2r, 1, |r|^2]^T`` (scaled), so there is
    no extra pass over the block. Rounding can leave entries of order ``1e-12 |q|^2`` on the
    wrong side of 0; callers that need exact values recompute the few entries they keep.
    ``fn`` runs on worker threads and must write only to its own ``rows``.
    """
    from threadpoolctl import threadpool_limits

    q = np.asarray(query, dtype=np.float64)
    r = np.asarray(ref, dtype=np.float64)
    qa = np.empty((len(q), q.shape[1] + 2))
    qa[:, :-2] = q
    qa[:, -2] = np.einsum("ij,ij->i", q, q)
    qa[:, -1] = 1.0
    qa *= scale
    rt = np.empty((r.shape[1] + 2, len(r)))
    rt[:-2] = -2.0 * r.T
    rt[-2] = 1.0
    rt[-1] = np.einsum("ij,ij->i", r, r)

    def work(rows: slice) -> None:
        fn(rows, qa[rows] @ rt)

    blocks = _blocks(len(q), len(r), working_memory_mb)
    workers = min(resolve_n_jobs(n_jobs), len(blocks))
    with threadpool_limits(limits=1, user_api="blas"):
        if workers == 1:
            for rows in blocks:
                work(rows)
        else:
            pool = _pool(workers)
            for fut in [pool.submit(work, rows) for rows in blocks]:
                fut.result()
    _release_memory()


def kneighbors(
    query: np.ndarray,
    ref: np.ndarray,
    k: int = 1,
    *,
    metric: str = "euclidean",
    n_jobs: int | None = None,
    working_memory_mb: float = WORKING_MEMORY_MB,
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the ``k`` nearest rows of ``ref`` for every row of ``query``,
    nearest first. The search is scikit-learn's brute-force ``NearestNeighbors`` (its chunked
    pairwise-distance reduction, no N x N matrix); the distances of the ``k`` neighbours found
    are then recomputed directly, so exact copies give exactly 0."""
    from sklearn.neighbors import NearestNeighbors

    check_choice(metric, "metric", METRICS)
    q = np.ascontiguousarray(query, dtype=np.float64)
    r = np.ascontiguousarray(ref, dtype=np.float64)
    if q.ndim != 2 or r.ndim != 2 or q.shape[1] != r.shape[1]:
        raise ValueError(f"query {q.shape} and ref {r.shape} must be 2-D with the same number of columns; "
                         "encode both the same way")
    if not 1 <= k <= len(r):
        raise ValueError(f"k must be between 1 and len(ref)={len(r)}, got {k}")
    if working_memory_mb <= 0:
        raise ValueError(f"working_memory_mb must be > 0, got {working_memory_mb}")
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute", metric=metric, n_jobs=resolve_n_jobs(n_jobs)).fit(r)
    idx = nn.kneighbors(q, return_distance=False)
    dist = np.empty((len(q), k))
    for rows in _blocks(len(q), k * q.shape[1], working_memory_mb):
        diff = q[rows][:, None, :] - r[idx[rows]]
        dist[rows] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff)) if metric == "euclidean" else np.abs(diff).sum(axis=2)
    order = np.argsort(dist, axis=1, kind="stable")
    return np.take_along_axis(dist, order, axis=1), np.take_along_axis(idx, order, axis=1)


def gaussian_kde_logpdf(
    query: np.ndarray,
    ref: np.ndarray,
    bandwidth: float,
    *,
    n_jobs: int | None = None,
    working_memory_mb: float = WORKING_MEMORY_MB,
) -> np.ndarray:
    """Log density of a Gaussian KDE on ``ref`` at ``query``:
    ``log p(x) = logsumexp_j(-||x - r_j||^2 / 2h^2) - log n - (d/2) log(2 pi h^2)``.
    Exact (brute force, chunked) rather than sklearn's tree KDE, which is slow above ~10 dims."""
    from scipy.special import logsumexp

    if not bandwidth > 0:
        raise ValueError(f"bandwidth must be > 0, got {bandwidth}")
    n, d = np.shape(ref)
    out = np.empty(len(query))

    def keep(rows: slice, s: np.ndarray) -> None:
        out[rows] = logsumexp(np.minimum(s, 0.0, out=s), axis=1)

    map_sq_distance_blocks(query, ref, keep, scale=-0.5 / bandwidth**2, n_jobs=n_jobs,
                           working_memory_mb=working_memory_mb)
    return out - np.log(n) - 0.5 * d * np.log(2 * np.pi * bandwidth**2)
