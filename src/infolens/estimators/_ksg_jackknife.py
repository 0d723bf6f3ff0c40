"""KSG (algorithm 1) with its delete-one jackknife, from one neighbour search.

The KSG estimate is ``I = psi(k) + psi(n) - (1/n) sum_i phi_i`` with
``phi_i = psi(n_x(i) + 1) + psi(n_y(i) + 1)``. Deleting point ``j`` changes three things,
each computable exactly from the full-sample search:

* its own term ``phi_j`` leaves the mean, and ``psi(n)`` becomes ``psi(n - 1)``;
* every point ``i`` whose marginal ball (``|x_j - x_i| < eps_i``) held ``j`` loses one
  count: ``psi(n_x(i)) - psi(n_x(i) + 1) = -1 / n_x(i)``. Summed over ``i`` this is a
  stabbing sum (the weights ``1 / n_x(i)`` of the intervals that contain ``x_j``): for a
  1-D marginal, a difference array over the sorted values (O(n log n)); for a d-D marginal,
  the balls of a random share ``p`` of the points are listed with a KD-tree and weighted
  ``1 / p`` (unbiased; the extra variance this adds is known, ``(1/p - 1) sum_i 1 / n_x(i)``,
  and is subtracted from the jackknife sum);
* the ~k points that had ``j`` among their k nearest neighbours get a larger radius, the
  distance to their (k+1)-th neighbour, and recount; so the search asks for ``k + 1``
  neighbours and the counts are also taken at that radius.

This gives all ``n`` leave-one-out estimates ``I_(-j)`` exactly, at the cost of one more
round of marginal counts; the jackknife variance is
``(n - 1) / n * sum_j (I_(-j) - mean)^2``. Efron and Stein (1981): for a symmetric
statistic it is biased upward, so the interval errs wide; measured coverage on Gaussians
with closed-form MI is in docs/estimators.md ("Size").

The mean of the leave-one-out values also says how the estimate moves with n:
``(n - 1) (I - mean_j I_(-j))`` estimates the change per doubling of n times ``a / (2^a - 1)``
for a bias ``~ n^-a`` (the jackknife's bias estimate), which replaces the mean of
half-sample estimates in the "still rising with n" check.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma

from . import _knn_backend as kb

#: a d-D stabbing sum lists at most about this many (point, neighbour) pairs per point:
#: more would cost more than the neighbour search itself (see the module doc)
_PAIRS_PER_POINT = 4.0
#: rows of the pair arrays handled at once (bounds the (rows, k) temporaries)
_ROWS = 1 << 20


def _inv(c: np.ndarray) -> np.ndarray:
    out = np.zeros(len(c))
    pos = c > 0
    out[pos] = 1.0 / c[pos]
    return out


def _stab_1d(v: np.ndarray, radius: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``out[j] = sum_{i != j, v_j in the strict window of i} w[i]``, the windows being
    exactly those of :func:`._knn_backend._count_sorted` (``strict=True``)."""
    s = np.sort(v)
    lo, hi = kb.sorted_windows(s, v, radius, strict=True)
    n = len(v)
    diff = np.bincount(lo, weights=w, minlength=n + 1) - np.bincount(hi, weights=w, minlength=n + 1)
    cover = np.cumsum(diff)[:n]
    pos = np.searchsorted(s, v, side="left")
    out = cover[pos]
    out -= np.where(radius > 0, w, 0.0)  # each point lies in its own window
    return out


def _stab_tree(pts: np.ndarray, radius: np.ndarray, w: np.ndarray, counts: np.ndarray,
               rng: np.random.Generator) -> tuple[np.ndarray, float, float]:
    """The stabbing sum of :func:`_stab_1d` for d-D marginals, over a random share ``p``
    of the balls (weights ``w / p``). Returns ``(sums, noise, p)`` with ``noise`` the expected
    extra sum of squares that the sampling adds, ``(1/p - 1) sum_i w_i^2 n_x(i)``."""
    from sklearn.neighbors import KDTree

    n = len(pts)
    pos = np.flatnonzero(w > 0)
    total = float(np.sum(counts))
    m = min(len(pos), int(np.ceil(_PAIRS_PER_POINT * n * len(pos) / max(total, 1.0))))
    # a fixed number of balls, so that sum_j sums[j] = sum_i w_i n_x(i) holds exactly (the
    # mean of the leave-one-out values, hence the rise, carries no sampling noise)
    rows = np.sort(rng.choice(pos, size=m, replace=False)) if m < len(pos) else pos
    p = max(m, 1) / max(len(pos), 1)
    out = np.zeros(n)
    if len(rows):
        tree = KDTree(pts, metric="chebyshev")
        r = np.nextafter(radius[rows], 0)
        for s in range(0, len(rows), 1 << 14):
            part = rows[s:s + (1 << 14)]
            lists = tree.query_radius(pts[part], r[s:s + (1 << 14)])
            sizes = np.fromiter((len(a) for a in lists), dtype=np.int64, count=len(lists))
            if sizes.sum():
                out += np.bincount(np.concatenate(lists), weights=np.repeat(w[part] / p, sizes), minlength=n)
        out[rows] -= w[rows] / p  # each point lies in its own ball
    noise = (1.0 / p - 1.0) * float(np.sum(w**2 * counts))
    return out, noise, p


def neighbours(x: np.ndarray, y: np.ndarray, k: int, backend: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Distances and indices of the ``k`` nearest other points in the joint max-norm; a
    1+1 sample uses the compiled grid search (:func:`._batched_knn.knn_2d`)."""
    from ._batched_knn import knn_2d

    if x.shape[1] == 1 and y.shape[1] == 1 and backend in ("auto", "grid"):
        out = knn_2d(x[:, 0], y[:, 0], k)
        if out is not None:
            return out[0], out[1], "grid"
    if backend == "grid":
        backend = "auto"
    dist, idx, which = kb.knn([x, y], k, backend)
    return dist, idx, which


def _counts(blocks: list[np.ndarray], radii: list[np.ndarray], backend: str) -> list[np.ndarray]:
    return kb.count_within_each([([b], r) for b, r in zip(blocks, radii)], strict=True,
                                backend="auto" if backend == "grid" else backend)


def ksg_jackknife(x: np.ndarray, y: np.ndarray, k: int = 5, backend: str = "auto",
                  rng: np.random.Generator | None = None, interval: bool = True) -> tuple[float, dict[str, Any]]:
    """The KSG (alg. 1) estimate on prepared arrays and, with ``interval``, its jackknife:
    returns ``(mi, diag)`` where ``diag`` holds ``backend``, ``mean_nx``, ``mean_ny`` and,
    with ``interval``, ``jackknife_se`` and ``jackknife_rise`` (see the module doc)."""
    n = len(x)
    rng = rng if rng is not None else np.random.default_rng(0)
    kk = k + 1 if interval and n > k + 1 else k
    dist, idx, which = neighbours(x, y, kk, backend)
    eps = dist[:, k - 1]
    if kk == k:
        nx, ny = _counts([x, y], [eps, eps], which)
    else:
        eps2 = dist[:, k]
        nx, ny, mx, my = _counts([x, y, x, y], [eps, eps, eps2, eps2], which)
    phi = digamma(nx + 1.0) + digamma(ny + 1.0)
    total = float(np.sum(phi))
    mi = float(digamma(k) + digamma(n) - total / n)
    diag: dict[str, Any] = {"backend": which, "mean_nx": float(nx.mean()), "mean_ny": float(ny.mean())}
    if kk == k:
        return mi, diag
    noise = 0.0
    shares: list[float] = []
    change = np.zeros(n)  # sum over i != j of the change of i's term when j is deleted
    for a, c, m in ((x, nx, mx), (y, ny, my)):
        w = _inv(c)
        if a.shape[1] == 1:
            stab = _stab_1d(a[:, 0], eps, w)
        else:
            stab, extra, share = _stab_tree(a, eps, w, c, rng)
            noise += extra
            shares.append(share)
        change -= stab
        dig_c = digamma(c + 1.0)
        for s in range(0, n, _ROWS):
            e = min(n, s + _ROWS)
            nb = idx[s:e, :k]
            gap = np.abs(a[nb] - a[s:e, None, :]).max(axis=2)  # (rows, k) marginal distances
            inside = gap < eps[s:e, None]
            inside2 = gap < eps2[s:e, None]
            new = digamma(m[s:e, None] - inside2 + 1.0)
            corr = new - dig_c[s:e, None] + inside * w[s:e, None]
            change += np.bincount(nb.ravel(), weights=corr.ravel(), minlength=n)
    loo = digamma(k) + digamma(n - 1) - (total - phi + change) / (n - 1)
    mean = float(np.mean(loo))
    ss = float(np.sum((loo - mean) ** 2)) - noise / (n - 1) ** 2
    var = max(ss, 0.0) * (n - 1) / n
    diag["jackknife_se"] = float(np.sqrt(var))
    diag["jackknife_rise"] = float((n - 1) * (mi - mean))
    if shares:
        diag["jackknife_ball_share"] = shares
    return mi, diag
