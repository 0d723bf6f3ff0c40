"""Nearest-neighbour search in the max-norm, shared by every kNN estimator.

Two primitives, each with two exact backends chosen automatically:

* :func:`knn` — the ``k`` nearest neighbours of every point (self excluded) in the
  max-norm of a joint space made of several blocks (``x``, ``y``, ``z``).
* :func:`count_within` — for every point ``i``, how many other points lie within
  radius ``r_i`` (strictly ``<`` or inclusively ``<=``) in one block or a union of blocks;
  :func:`count_within_each` runs the several counts of one estimate concurrently.

Backends: ``"tree"`` — SciPy ``cKDTree`` queried on all cores (:func:`n_threads`) for the
neighbours, scikit-learn's ``KDTree`` (``count_only``, one thread per count) for the
counts; fast in low
dimensions. One-dimensional counts use sorting and binary search (``np.searchsorted``),
faster still. ``"brute"`` — chunked exact search with torch
(``torch.cdist(p=inf)`` on blocks of rows), used in high dimensions where trees degrade
to brute force anyway. Memory is O(chunk * n) for the distance block plus O(n * k) for
the results, never O(n^2).
"""

from __future__ import annotations

import os
from typing import Any, Iterator, Sequence

import numpy as np

#: joint dimension above which the exact chunked search beats a KD-tree
#: (measured with benchmarks/bench_knn.py: a KD-tree degrades to brute force with
#: extra overhead beyond ~12-16 dimensions).
TREE_MAX_DIM = 12
#: bytes of float64 distances held at once by the brute backend
_BRUTE_BYTES = 64 * 2**20
BACKENDS = ("auto", "tree", "brute")
#: below this many points the tree searches run in one thread: thread start-up costs more
#: than it saves (the small blocks of the subsampling standard error)
THREAD_MIN_N = 2000


def n_threads() -> int:
    """Threads a search may use: ``OMP_NUM_THREADS`` when set (the runner's workers set it
    to 1, so a pool of processes does not oversubscribe the cores), else every core."""
    try:
        return max(1, int(os.environ["OMP_NUM_THREADS"]))
    except (KeyError, ValueError):
        return os.cpu_count() or 1


def _threads_for(n: int) -> int:
    """Threads for a search over ``n`` points: one below :data:`THREAD_MIN_N`."""
    return n_threads() if n >= THREAD_MIN_N else 1


def choose_backend(n: int, dim: int, backend: str = "auto") -> str:
    """``"tree"`` for joint dimension <= :data:`TREE_MAX_DIM`, else ``"brute"``."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}; got {backend!r}")
    if backend != "auto":
        return backend
    return "tree" if dim <= TREE_MAX_DIM else "brute"


def _concat(blocks: Sequence[np.ndarray]) -> np.ndarray:
    return blocks[0] if len(blocks) == 1 else np.ascontiguousarray(np.hstack(blocks))


def _chunk_rows(n: int, n_mats: int = 2) -> int:
    return max(1, min(n, _BRUTE_BYTES // (8 * max(n, 1) * max(n_mats, 1))))


def _drop_self(dist: np.ndarray, idx: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """From a (k+1)-neighbour query that usually contains the point itself, keep k others.
    With exact duplicates the point itself may be missing (another copy took its place);
    then the last column is dropped. Distances are unaffected either way."""
    self_mask = idx == np.arange(len(idx))[:, None]
    if not self_mask[:, 0].all() or self_mask[:, 1:].any():
        order = np.argsort(self_mask, axis=1, kind="stable")[:, :k]
        rows = np.arange(len(idx))[:, None]
        return dist[rows, order], idx[rows, order]
    return dist[:, 1:], idx[:, 1:]


def knn(blocks: Sequence[np.ndarray], k: int, backend: str = "auto") -> tuple[np.ndarray, np.ndarray, str]:
    """Distances ``(n, k)`` (ascending) and indices ``(n, k)`` of the ``k`` nearest other
    points in the joint max-norm ``max_b ||block_b[i] - block_b[j]||_inf``."""
    n = len(blocks[0])
    dim = sum(b.shape[1] for b in blocks)
    which = choose_backend(n, dim, backend)
    if which == "tree":
        from scipy.spatial import cKDTree

        pts = _concat(blocks)
        tree = cKDTree(pts)
        dist, idx = tree.query(pts, k=k + 1, p=np.inf, workers=_threads_for(n))
        dist, idx = _drop_self(np.asarray(dist).reshape(n, k + 1), np.asarray(idx).reshape(n, k + 1), k)
        return dist, idx, which
    return (*_brute_knn(blocks, k), which)


def _joint_distance_chunks(blocks: Sequence[np.ndarray]) -> Iterator[tuple[int, int, Any]]:
    """Exact joint max-norm distances, a block of rows at a time: yields ``(s, e, d)`` with
    ``d[i - s, j] = max_b ||block_b[i] - block_b[j]||_inf`` for rows ``s <= i < e``
    (a torch tensor of shape ``(e - s, n)``; O(chunk * n) memory)."""
    import torch

    n = len(blocks[0])
    tb = [torch.from_numpy(np.ascontiguousarray(b, dtype=np.float64)) for b in blocks]
    step = _chunk_rows(n, 2)
    inf = float("inf")
    for s in range(0, n, step):
        e = min(n, s + step)
        d = None
        for b in tb:
            db = torch.cdist(b[s:e], b, p=inf)
            d = db if d is None else torch.maximum(d, db, out=d)
        yield s, e, d


def _brute_knn(blocks: Sequence[np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
    import torch

    n = len(blocks[0])
    dist = np.empty((n, k))
    idx = np.empty((n, k), dtype=np.int64)
    for s, e, d in _joint_distance_chunks(blocks):
        rows = torch.arange(e - s)
        d[rows, rows + s] = float("inf")  # exclude the point itself
        v, i = torch.topk(d, k, dim=1, largest=False, sorted=True)
        dist[s:e] = v.numpy()
        idx[s:e] = i.numpy()
    return dist, idx


def count_within(
    blocks: Sequence[np.ndarray], radius: np.ndarray, strict: bool, backend: str = "auto"
) -> np.ndarray:
    """For each point ``i``, the number of points ``j != i`` with joint max-norm distance
    ``< radius[i]`` (``strict``) or ``<= radius[i]`` over the given blocks."""
    return count_within_each([(blocks, radius)], strict, backend)[0]


def count_within_each(
    queries: Sequence[tuple[Sequence[np.ndarray], np.ndarray]], strict: bool, backend: str = "auto"
) -> list[np.ndarray]:
    """:func:`count_within` for several ``(blocks, radius)`` queries at once (the marginal
    counts of one estimate). KD-tree counts run concurrently, one query per thread, each
    single-threaded: measured with scikit-learn's KDTree at N=5,000 (5-D) to 100,000 (2-D),
    that halves the wall time at the same CPU time, where splitting one query's points
    over two threads costs 40-100% more CPU (the threads contend on one tree)."""
    out: list[np.ndarray | None] = [None] * len(queries)
    tree_jobs = []
    for q, (blocks, radius) in enumerate(queries):
        n = len(blocks[0])
        radius = np.asarray(radius, dtype=np.float64)
        dim = sum(b.shape[1] for b in blocks)
        which = choose_backend(n, dim, backend)
        if dim == 1 and which == "tree":
            out[q] = _count_sorted(blocks[0][:, 0], radius, strict)
        elif which == "tree":
            tree_jobs.append((q, _concat(blocks), radius))
        else:
            out[q] = _brute_count(blocks, radius, strict)
    if len(tree_jobs) == 1:
        q, pts, radius = tree_jobs[0]
        out[q] = _tree_count(pts, radius, strict, split=_threads_for(len(pts)) > 1)
    elif tree_jobs:
        threads = _threads_for(len(tree_jobs[0][1]))
        if threads == 1:
            res = [_tree_count(pts, r, strict) for _, pts, r in tree_jobs]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=min(len(tree_jobs), threads)) as ex:
                res = list(ex.map(lambda job: _tree_count(job[1], job[2], strict), tree_jobs))
        for (q, _, _), c in zip(tree_jobs, res):
            out[q] = c
    return out  # type: ignore[return-value]


def _tree_count(pts: np.ndarray, radius: np.ndarray, strict: bool, split: bool = False) -> np.ndarray:
    """Counts with scikit-learn's KDTree (Chebyshev metric, ``count_only``): it adds whole
    nodes that lie inside the ball in O(1), where cKDTree's ``return_length`` visits every
    point inside, which costs 2-5x more CPU when counts are large (measured). ``split``
    queries the two halves of the points in two threads: more CPU, but less wall time for
    a lone large query (N=100,000, 2-D: 0.79 s against 1.07 s)."""
    from sklearn.neighbors import KDTree

    tree = KDTree(pts, metric="chebyshev")
    # count_only counts d <= r; a strict count uses the next float below r
    r = np.nextafter(radius, 0) if strict else radius
    n = len(pts)
    if split and n > 1:
        from concurrent.futures import ThreadPoolExecutor

        parts = [slice(0, n // 2), slice(n // 2, n)]
        with ThreadPoolExecutor(max_workers=2) as ex:
            cnt = np.concatenate(list(ex.map(lambda sl: tree.query_radius(pts[sl], r[sl], count_only=True), parts)))
    else:
        cnt = tree.query_radius(pts, r, count_only=True)
    cnt = cnt.astype(np.int64) - 1  # the point itself (distance 0 <= r)
    if strict:
        cnt[radius <= 0] = 0
    return cnt


def sorted_windows(v: np.ndarray, radius: np.ndarray, strict: bool, order: np.ndarray | None = None,
                   distinct: bool | None = None, hints: tuple[np.ndarray, np.ndarray] | None = None,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(order, s, lo, hi)``: ``order = argsort(v)`` (computed unless given), the sorted
    values ``s = v[order]``, and for the point at sorted position ``p`` the positions
    ``[lo[p], hi[p])`` in ``s`` of the points within ``radius`` of it (strictly ``<``, or
    inclusively ``<=``), the point itself included: the windows behind
    :func:`_count_sorted`, also used by the KSG jackknife to find, for every point, the
    windows that contain it. Everything is in sorted order: the search keys then arrive
    almost sorted, which binary search serves from cache (measured 5-10x faster than keys
    in random order at n = 10^6).

    ``v_i +- r_i`` is rounded in floating point, so the window is widened (inclusive) or
    narrowed (strict) by a few ulps: the neighbour that defines ``r_i`` is then counted
    (or left out) exactly as the max-norm comparison would; points closer than 1e-15
    relative to the boundary are the only ones that could differ. ``distinct`` (all values
    different; computed when None) lets the point's own position stand for its copies.
    ``hints`` (positions near the answers ``lo``, ``hi``: a narrower radius's windows) speed
    up the strict search (:func:`._batched_knn.search_sorted`; the same answers); without
    them the strict search starts from the point's own position."""
    from .batched_knn import search_sorted

    if order is None:
        order = np.argsort(v, kind="stable")
    s = v[order]
    radius = radius[order]
    slack = 8 * np.finfo(np.float64).eps * (np.abs(s) + radius)
    if strict:
        r = np.maximum(radius - slack, 0.0)
        if distinct is None:
            distinct = bool(np.all(s[1:] > s[:-1]))
        own = np.arange(len(s))
        if distinct:
            first, last = own, own + 1
        else:
            first, last = np.searchsorted(s, s, side="left"), np.searchsorted(s, s, side="right")
        h_lo, h_hi = hints if hints is not None else (own, own)
        # exact copies of v_i are inside any radius > 0, even when the slack ate r
        hi = np.maximum(search_sorted(s, s + r, "left", h_hi), last)
        lo = np.minimum(search_sorted(s, s - r, "right", h_lo), first)
        return order, s, lo, hi
    r = radius + slack
    hi = np.searchsorted(s, s + r, side="right")
    lo = np.searchsorted(s, s - r, side="left")
    if np.any(radius == 0):
        # exact ties (radius 0): count equal values exactly, no slack
        z = radius == 0
        hi[z] = np.searchsorted(s, s[z], side="right")
        lo[z] = np.searchsorted(s, s[z], side="left")
    return order, s, lo, hi


def _count_sorted(v: np.ndarray, radius: np.ndarray, strict: bool, order: np.ndarray | None = None) -> np.ndarray:
    """One-dimensional counts by sorting and binary search, O(n log n) (windows of
    :func:`sorted_windows`, the point itself left out)."""
    order, _s, lo, hi = sorted_windows(v, radius, strict, order)
    cnt_s = hi - lo - 1  # minus the point itself
    if strict:
        cnt_s[radius[order] <= 0] = 0
        cnt_s = np.maximum(cnt_s, 0)
    cnt = np.empty(len(v), dtype=np.int64)
    cnt[order] = cnt_s
    return cnt


def _brute_count(blocks: Sequence[np.ndarray], radius: np.ndarray, strict: bool) -> np.ndarray:
    import torch

    n = len(blocks[0])
    tr = torch.from_numpy(radius)
    out = np.empty(n, dtype=np.int64)
    for s, e, d in _joint_distance_chunks(blocks):
        r = tr[s:e, None]
        c = (d < r).sum(1) if strict else (d <= r).sum(1)
        out[s:e] = c.numpy()
    # the point itself is at distance 0: counted when r > 0 (strict) or always (inclusive)
    out -= (radius > 0).astype(np.int64) if strict else 1
    return out


def marginal_radius(block: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``max_{j in idx[i]} ||block[j] - block[i]||_inf``: the radius in one block that holds
    all of point i's joint neighbours (KSG algorithm 2)."""
    n, k = idx.shape
    out = np.zeros(n)
    step = max(1, 2**22 // max(1, k * block.shape[1]))
    for s in range(0, n, step):
        e = min(n, s + step)
        diff = np.abs(block[idx[s:e]] - block[s:e, None, :])
        out[s:e] = diff.max(axis=(1, 2))
    return out
