"""Chunked distance computations: k nearest neighbours and Gaussian-kernel sums without
ever holding an N x N matrix.

Two neighbour searches, chosen per reference table by :class:`NeighborIndex`:

- ``"exact"``: scikit-learn's brute-force ``NearestNeighbors`` (chunked, multi-threaded).
  Cost grows as ``n_query x n_ref``; used up to ``EXACT_MAX_REF`` reference rows.
- ``"ivf"``: a faiss inverted-file index (``IndexIVFFlat``; Jegou et al. 2011): reference rows
  are bucketed by their nearest of ``nlist`` k-means centroids and a query scans only the
  ``nprobe`` nearest buckets. Why faiss rather than our own code or a tree: KD/ball trees
  degrade to brute force at 30 columns of high intrinsic dimension, and an HNSW graph
  (measured: 25 s to build 100,000 x 30 rows on 2 cores, so minutes at 10^6) costs more to
  build than the audit has time for; faiss's IVF builds in seconds (k-means on a sample,
  then one assignment pass) with SIMD scanning that hand-written NumPy does not match.
  It is approximate for *far* neighbours only: a query that equals or nearly equals a
  reference row falls in that row's bucket (its nearest centroid), which is always probed,
  so exact and near copies are found; a missed neighbour can only make a distance larger.

Either way the distances of the neighbours found are recomputed directly in float64,
because the ``|a|^2 + |b|^2 - 2ab`` expansion leaves ~1e-7 for identical rows and the audit
counts exact copies. Gaussian-kernel sums over all pairs (KDE, MMD) have no library routine
that streams blocks, so they are written here: each block is one BLAS product; blocks run on
a thread pool with single-threaded BLAS (threadpoolctl), which stays fast on a loaded machine
where multi-threaded BLAS on small blocks oversubscribes the cores.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

import numpy as np

from ..errors import InputError
from ..validation import check_choice

#: default memory for one block of distances per worker (bytes = rows x n_reference x 8)
WORKING_MEMORY_MB = 8.0

METRICS = ("euclidean", "manhattan")
ALGORITHMS = ("auto", "exact", "ivf")
#: ``algorithm="auto"`` searches exactly up to this many reference rows, with faiss IVF above
EXACT_MAX_REF = 50_000
#: extra candidates fetched from faiss, whose float32 ranking can swap rows closer than its
#: rounding (~1e-6 relative); the float64 re-check then orders them
_EXTRA = 4


def resolve_n_jobs(n_jobs: int | None) -> int:
    """``None`` or ``-1``: all cores; otherwise a positive int."""
    if n_jobs is None or n_jobs == -1:
        return max(1, os.cpu_count() or 1)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise InputError(f"n_jobs must be a positive int, -1 or None (all cores), got {n_jobs!r}")
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
        raise InputError(f"working_memory_mb must be > 0, got {working_memory_mb}")
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


def _recheck(q: np.ndarray, r: np.ndarray, idx: np.ndarray, k: int, metric: str,
             working_memory_mb: float) -> tuple[np.ndarray, np.ndarray]:
    """Float64 distances of the candidate neighbours ``idx`` (``-1``: none found), the ``k`` nearest kept."""
    dist = np.empty(idx.shape)
    safe = np.where(idx < 0, 0, idx)
    for rows in _blocks(len(q), idx.shape[1] * q.shape[1], working_memory_mb):
        diff = q[rows][:, None, :] - r[safe[rows]]
        dist[rows] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff)) if metric == "euclidean" else np.abs(diff).sum(axis=2)
    dist[idx < 0] = np.inf
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(dist, order, axis=1), np.take_along_axis(idx, order, axis=1)


class _faiss_threads:
    """Set faiss's OpenMP thread count for a block and restore it afterwards."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __enter__(self) -> None:
        import faiss

        self.prev = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(self.n)

    def __exit__(self, *exc: object) -> None:
        import faiss

        faiss.omp_set_num_threads(self.prev)


class NeighborIndex:
    """A reference table prepared once for many k-nearest-neighbour queries.

    ``algorithm``: ``"exact"`` (brute force), ``"ivf"`` (faiss inverted file, see the module
    docstring) or ``"auto"`` (exact up to ``EXACT_MAX_REF`` rows). IVF uses
    ``nlist = clip(2 sqrt(n), 16, 4096)`` buckets from 10 k-means iterations on ``40 nlist``
    rows (faiss's recommended minimum; seeded by ``random_state``) and probes ``nprobe = 64``
    of them. Measured on 100,000 x 30 correlated Gaussian rows: the true nearest neighbour is
    found for ~90% of queries, a missed one is on median within 0.1% of the true distance, and
    every planted near copy (distance 0.05) is found. Returned distances are always exact
    float64 distances of the neighbours found.
    """

    def __init__(self, ref: np.ndarray, *, metric: str = "euclidean", algorithm: str = "auto",
                 n_jobs: int | None = None, random_state: int = 0,
                 working_memory_mb: float = WORKING_MEMORY_MB) -> None:
        check_choice(metric, "metric", METRICS)
        check_choice(algorithm, "algorithm", ALGORITHMS)
        if working_memory_mb <= 0:
            raise InputError(f"working_memory_mb must be > 0, got {working_memory_mb}")
        self.ref = np.ascontiguousarray(ref, dtype=np.float64)
        if self.ref.ndim != 2 or len(self.ref) == 0:
            raise InputError(f"ref must be a non-empty 2-D array, got shape {self.ref.shape}")
        self.metric, self.n_jobs, self.working_memory_mb = metric, resolve_n_jobs(n_jobs), working_memory_mb
        if algorithm == "auto":
            algorithm = "ivf" if len(self.ref) > EXACT_MAX_REF else "exact"
        self.algorithm = algorithm
        n, d = self.ref.shape
        if algorithm == "exact":
            from sklearn.neighbors import NearestNeighbors

            self._nn = NearestNeighbors(algorithm="brute", metric=metric, n_jobs=self.n_jobs).fit(self.ref)
            return
        import faiss

        self.nlist = int(np.clip(2 * np.sqrt(n), 16, 4096))
        self.nlist = min(self.nlist, max(1, n // 40))
        self.nprobe = min(self.nlist, 64)
        fm = faiss.METRIC_L2 if metric == "euclidean" else faiss.METRIC_L1
        quantizer = faiss.IndexFlat(d, fm)
        self._ivf = faiss.IndexIVFFlat(quantizer, d, self.nlist, fm)
        rng = np.random.default_rng(random_state)
        n_train = min(n, 40 * self.nlist)
        sample = self.ref[np.sort(rng.choice(n, n_train, replace=False))] if n_train < n else self.ref
        self._ivf.cp.seed = int(rng.integers(0, 2**31 - 1))
        self._ivf.cp.niter = 10      # centroids only bucket the rows; distances are re-checked
        with _faiss_threads(self.n_jobs):
            self._ivf.train(np.ascontiguousarray(sample, dtype=np.float32))
            for s in range(0, n, 262_144):         # float32 copies in slices, not one more table
                self._ivf.add(np.ascontiguousarray(self.ref[s:s + 262_144], dtype=np.float32))
        self._ivf.nprobe = self.nprobe

    def __len__(self) -> int:
        return len(self.ref)

    def query(self, query: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Distances and indices of the ``k`` nearest reference rows of each query row, nearest first."""
        q = np.ascontiguousarray(query, dtype=np.float64)
        if q.ndim != 2 or q.shape[1] != self.ref.shape[1]:
            raise InputError(f"query {q.shape} and ref {self.ref.shape} must be 2-D with the same number of columns; "
                             "encode both the same way")
        if not 1 <= k <= len(self.ref):
            raise InputError(f"k must be between 1 and len(ref)={len(self.ref)}, got {k}")
        if self.algorithm == "exact":
            idx = self._nn.kneighbors(q, n_neighbors=k, return_distance=False)
        else:
            kk = min(len(self.ref), k + _EXTRA)
            idx = np.empty((len(q), kk), dtype=np.int64)
            with _faiss_threads(self.n_jobs):
                for s in range(0, len(q), 65_536):
                    idx[s:s + 65_536] = self._ivf.search(np.ascontiguousarray(q[s:s + 65_536], dtype=np.float32), kk)[1]
        return _recheck(q, self.ref, idx, k, self.metric, self.working_memory_mb)


def kneighbors(
    query: np.ndarray,
    ref: np.ndarray,
    k: int = 1,
    *,
    metric: str = "euclidean",
    n_jobs: int | None = None,
    working_memory_mb: float = WORKING_MEMORY_MB,
    algorithm: str = "exact",
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the ``k`` nearest rows of ``ref`` for every row of ``query``,
    nearest first: a one-off :class:`NeighborIndex` (exact brute force by default, no N x N
    matrix); the distances of the ``k`` neighbours found are recomputed directly, so exact
    copies give exactly 0."""
    if working_memory_mb <= 0:
        raise InputError(f"working_memory_mb must be > 0, got {working_memory_mb}")
    return NeighborIndex(ref, metric=metric, algorithm=algorithm, n_jobs=n_jobs,
                         working_memory_mb=working_memory_mb).query(query, k)


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
    if not bandwidth > 0:
        raise InputError(f"bandwidth must be > 0, got {bandwidth}")
    n, d = np.shape(ref)
    out = np.empty(len(query))

    def keep(rows: slice, s: np.ndarray) -> None:
        # logsumexp in place (scipy's makes several temporaries per block)
        np.minimum(s, 0.0, out=s)
        top = s.max(axis=1)
        s -= top[:, None]
        np.exp(s, out=s)
        out[rows] = np.log(s.sum(axis=1)) + top

    map_sq_distance_blocks(query, ref, keep, scale=-0.5 / bandwidth**2, n_jobs=n_jobs,
                           working_memory_mb=working_memory_mb)
    return out - np.log(n) - 0.5 * d * np.log(2 * np.pi * bandwidth**2)
