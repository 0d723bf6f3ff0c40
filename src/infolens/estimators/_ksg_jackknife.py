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
``(n - 1) (I - mean_j I_(-j))`` (the jackknife's bias estimate, negated) estimates ``a`` times
the bias still left for a bias ``~ n^-a``, i.e. the change per doubling of n times
``a / (1 - 2^-a)`` (1.44-2 for ``a`` in (0, 1]). It replaces the mean of half-sample estimates
in the "still rising with n" check, and the KSG interval's upper end extrapolates it
(:func:`.knn.rise_interval`).

The pair pass needs the marginal distances of a point's neighbours only where the joint
distance reaches eps (the k-th neighbour, and ties): a neighbour strictly closer in the
max-norm is strictly closer in each marginal, so every other pair adds the same per-point
constant.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma

from . import knn_backend as kb

#: a d-D stabbing sum lists at most about this many (point, neighbour) pairs per point:
#: more would cost more than the neighbour search itself (see the module doc)
_PAIRS_PER_POINT = 4.0
#: rows of the pair arrays handled at once (bounds the (rows, k) temporaries)
_ROWS = 1 << 20
#: relative slack of the joint distance below which a neighbour is taken to lie strictly
#: inside eps in each marginal (rounding is ~1e-16; anything closer is checked exactly)
_SLACK = 1e-9


def _inv(c: np.ndarray) -> np.ndarray:
    out = np.zeros(len(c))
    pos = c > 0
    out[pos] = 1.0 / c[pos]
    return out


class _Line:
    """One 1-D marginal, sorted once: its strict windows (those of
    :func:`._knn_backend.sorted_windows`), counts and stabbing sums, all computed in sorted
    order (binary searches with nearly sorted keys run from cache)."""

    def __init__(self, v: np.ndarray, order: np.ndarray | None = None) -> None:
        self.n = len(v)
        self.order = np.argsort(v, kind="stable") if order is None else order
        self.v = v
        self.s = v[self.order]
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        s = self.s
        self.distinct = bool(np.all(s[1:] > s[:-1]))

    def windows(self, radius: np.ndarray, keep: bool = True,
                hints: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Sorted-order windows for ``radius`` (kept for a later :meth:`stab` when ``keep``),
        searched from ``hints`` (the windows of a smaller radius) when given."""
        key = id(radius)
        if key in self._cache:
            return self._cache[key]
        out = kb.sorted_windows(self.v, radius, True, self.order, distinct=self.distinct, hints=hints)[2:]
        if keep:
            self._cache[key] = out
        return out

    def count(self, radius: np.ndarray, keep: bool = True,
              hints: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Strict counts, as :func:`._knn_backend._count_sorted`, in the caller's order."""
        lo, hi = self.windows(radius, keep, hints)
        cnt_s = np.maximum(hi - lo - 1, 0)
        cnt_s[radius[self.order] <= 0] = 0
        out = np.empty(self.n, dtype=np.int64)
        out[self.order] = cnt_s
        return out

    def stab(self, radius: np.ndarray, w: np.ndarray) -> np.ndarray:
        """``out[j] = sum_{i != j, v_j in the strict window of i} w[i]``."""
        lo, hi = self.windows(radius)
        n = self.n
        ws = w[self.order]
        diff = np.bincount(lo, weights=ws, minlength=n + 1) - np.bincount(hi, weights=ws, minlength=n + 1)
        cover = np.cumsum(diff)[:n]
        if self.distinct:
            out_s = cover
        else:  # copies of a value share its windows: read the cover at the first copy
            out_s = cover[np.searchsorted(self.s, self.s, side="left")]
        out_s = out_s - np.where(radius[self.order] > 0, ws, 0.0)  # each point lies in its own window
        out = np.empty(n)
        out[self.order] = out_s
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


#: a d-D marginal's counts at the (k+1)-th neighbour radius are counted exactly on this many
#: rows at least (all rows below 2x this), and predicted on the others (see :func:`_wider_counts`)
_WIDER_ROWS = 2_000


def _wider_counts(a: np.ndarray, c: np.ndarray, eps: np.ndarray, eps2: np.ndarray, backend: str,
                  rng: np.random.Generator, notes: dict[str, Any]) -> np.ndarray:
    """Counts of a d-D marginal within the (k+1)-th neighbour radius ``eps2``, given the
    counts ``c`` within ``eps``. A second KD-tree count over all rows would double the
    counting cost (the largest part of a d-D KSG); instead the rows of a random subset (an
    eighth, at least :data:`_WIDER_ROWS`) are counted exactly and the others predicted by
    ``m + 1 = (c + 1) (eps2 / eps)^g``, the local power law of the ball's content, ``g``
    fitted on the counted rows (least squares on logarithms; counted rows keep their exact
    counts). Only the jackknife uses these
    counts (never the estimate); ``notes`` records the share counted."""
    n = len(a)
    if n < 2 * _WIDER_ROWS:
        return kb.count_within_each([([a], eps2)], strict=True, backend=backend)[0]
    m_rows = max(_WIDER_ROWS, n // 8)
    rows = np.sort(rng.choice(n, size=m_rows, replace=False))
    from sklearn.neighbors import KDTree

    tree = KDTree(a, metric="chebyshev")  # the same strict count as _knn_backend._tree_count
    m_sub = tree.query_radius(a[rows], np.nextafter(eps2[rows], 0), count_only=True).astype(np.float64) - 1.0
    ratio = np.log(np.maximum(eps2[rows], 1e-300) / np.maximum(eps[rows], 1e-300))
    ok = ratio > 0
    lhs = np.log((m_sub[ok] + 1.0) / (c[rows][ok] + 1.0))
    g = float(np.sum(lhs * ratio[ok]) / np.sum(ratio[ok] ** 2)) if ok.any() else 0.0
    pred = (c + 1.0) * np.exp(g * np.log(np.maximum(eps2, 1e-300) / np.maximum(eps, 1e-300))) - 1.0
    out = np.maximum(np.rint(pred), c).astype(np.int64)
    out[rows] = m_sub.astype(np.int64)
    notes.setdefault("jackknife_wider_counts", {"rows_counted": int(m_rows), "exponent": []})
    notes["jackknife_wider_counts"]["exponent"].append(g)
    return out


def ksg_jackknife(x: np.ndarray, y: np.ndarray, k: int = 5, backend: str = "auto",
                  rng: np.random.Generator | None = None, interval: bool = True) -> tuple[float, dict[str, Any]]:
    """The KSG (alg. 1) estimate on prepared arrays and, with ``interval``, its jackknife:
    returns ``(mi, diag)`` where ``diag`` holds ``backend``, ``mean_nx``, ``mean_ny`` and,
    with ``interval``, ``jackknife_se`` and ``jackknife_rise`` (see the module doc).
    A 1+1 sample is searched by the compiled grid (:func:`._batched_knn.knn_2d_sorted`) and
    handled in its y-order (every quantity here is invariant to relabelling the points)."""
    from .batched_knn import knn_2d_sorted

    n = len(x)
    rng = rng if rng is not None else np.random.default_rng(0)
    kk = k + 1 if interval and n > k + 1 else k
    lines: dict[str, _Line] = {}
    grid = knn_2d_sorted(x[:, 0], y[:, 0], kk) if x.shape[1] == y.shape[1] == 1 and backend == "auto" else None
    if grid is not None:
        dist, idx, vorder, uorder = grid
        x, y = x[vorder], y[vorder]
        lines = {"x": _Line(x[:, 0], uorder), "y": _Line(y[:, 0], np.arange(n))}
        which = "grid"
    else:
        dist, idx, which = kb.knn([x, y], kk, backend)
        if backend in ("auto", "tree"):
            lines = {name: _Line(a[:, 0]) for name, a in (("x", x), ("y", y)) if a.shape[1] == 1}

    def counts(name: str, a: np.ndarray, radii: list[np.ndarray]) -> list[np.ndarray]:
        if name in lines:  # only the windows at eps are needed again (stabbing sums)
            line = lines[name]
            first = line.count(radii[0])
            # the windows at eps2 >= eps contain those at eps: search outward from them
            return [first] + [line.count(r, keep=False, hints=line.windows(radii[0])) for r in radii[1:]]
        c = kb.count_within_each([([a], radii[0])], strict=True, backend=backend)[0]
        if len(radii) == 1:
            return [c]
        return [c, _wider_counts(a, c, radii[0], radii[1], backend, rng, diag_notes)]

    diag_notes: dict[str, Any] = {}

    eps = dist[:, k - 1].copy()
    eps2 = dist[:, k].copy() if kk > k else eps
    # neighbours q < k - 1 closer than eps in the joint max-norm are closer than eps (and
    # eps2) in each marginal too, so only the k-th neighbour and ties at eps need their
    # marginal distances in the pair pass below (the slack keeps rounding on the safe side)
    ties = np.nonzero(dist[:, :k - 1] >= eps[:, None] * (1.0 - _SLACK)) if kk > k else None
    del dist  # (n, k + 1) floats: the largest array here after idx
    radii = [eps, eps2] if kk > k else [eps]
    cx, cy = counts("x", x, radii), counts("y", y, radii)
    nx, ny = cx[0], cy[0]
    phi = digamma(nx + 1.0) + digamma(ny + 1.0)
    total = float(np.sum(phi))
    mi = float(digamma(k) + digamma(n) - total / n)
    diag: dict[str, Any] = {"backend": which, "mean_nx": float(nx.mean()), "mean_ny": float(ny.mean()), **diag_notes}
    if kk == k:
        return mi, diag
    mx, my = cx[1], cy[1]
    noise = 0.0
    shares: list[float] = []
    change = np.zeros(n)  # sum over i != j of the change of i's term when j is deleted
    parts = []
    for name, a, c, m in (("x", x, nx, mx), ("y", y, ny, my)):
        w = _inv(c)
        if name in lines:
            stab = lines[name].stab(eps, w)
        else:
            stab, extra, share = _stab_tree(a, eps, w, c, rng)
            noise += extra
            shares.append(share)
        change -= stab
        # a point i with j among its k neighbours: its term psi(c_i + 1) becomes
        # psi(m_i - [j within eps2_i] + 1) = psi(m_i + 1) - [j within eps2_i] / m_i, and the
        # stabbing sum above already took -1/c_i off when j was within eps_i: give it back
        parts.append((a, w, digamma(m + 1.0) - digamma(c + 1.0), _inv(m)))
    # every pair (i, q) with q < k: the change of i's term when its neighbour idx[i, q] is
    # deleted is base - [gap >= eps2] / m + ... summed over both marginals; with gap < eps
    # (<= eps2) it is the same for all of i's neighbours, ``const``, and only the pairs at
    # distance eps (the k-th neighbour, ties) need their gaps
    const = np.zeros(n)
    for _a, w, base, inv_m in parts:
        const += base - inv_m + w

    def at_eps(rows: np.ndarray, nb: np.ndarray) -> np.ndarray:
        """The corrections of the pairs (rows, nb) at joint distance eps: their marginal gaps decide."""
        fix = np.zeros(len(rows))
        for a, w, _base, inv_m in parts:
            if a.shape[1] == 1:
                gap = np.abs(a[nb, 0] - a[rows, 0])
            else:
                gap = np.abs(a[nb] - a[rows]).max(axis=1)  # marginal max-norm distances
            fix += (gap >= eps2[rows]) * inv_m[rows] - (gap >= eps[rows]) * w[rows]
        return fix

    for s in range(0, n, _ROWS):
        e = min(n, s + _ROWS)
        nb = idx[s:e, k - 1]
        weights = np.concatenate([np.repeat(const[s:e], k), at_eps(np.arange(s, e), nb)])
        change += np.bincount(np.concatenate([idx[s:e, :k].ravel(), nb]), weights=weights, minlength=n)
    assert ties is not None
    if len(ties[0]):
        nb = idx[ties[0], ties[1]]
        change += np.bincount(nb, weights=at_eps(ties[0], nb), minlength=n)
    loo = digamma(k) + digamma(n - 1) - (total - phi + change) / (n - 1)
    mean = float(np.mean(loo))
    ss = float(np.sum((loo - mean) ** 2)) - noise / (n - 1) ** 2
    var = max(ss, 0.0) * (n - 1) / n
    diag["jackknife_se"] = float(np.sqrt(var))
    diag["jackknife_rise"] = float((n - 1) * (mi - mean))
    if shares:
        diag["jackknife_ball_share"] = shares
    return mi, diag
