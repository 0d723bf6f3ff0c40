"""Fast 1-D statistics for tables: the estimate of one column pair and its permutation null.

One column against a target is a 1-D problem, where the batched kernels of
:mod:`infolens.estimators.batched_knn` do the kNN work with sorting and ``searchsorted``
(and a compiled 2-D search for KSG) instead of a KD-tree per call. The statistic of a
permutation test must be computed the same way for the data and for every permutation,
so both go through the functions here:

* ``ross``: Ross (2014), continuous column vs labels. Permuting the labels over a fixed
  sorted column needs no new sort: a stable sort of the (small-integer) permuted labels
  groups the sorted values by class, sorted within each class.
* ``ksg``: KSG algorithm 1 (Kraskov et al. 2004), continuous vs continuous, with the
  compiled kernel when it is built (:func:`~infolens.estimators.batched_knn.ksg_batch`).
* ``plugin``: plug-in MI of two discrete columns with the Miller–Madow correction, the
  statistic of :class:`~infolens.estimators.binning.Binning`.

Permutation p-value: ``(1 + #{null >= observed}) / (1 + B)`` (Phipson & Smyth 2010: never 0,
exact level under exchangeability). Multiple-testing corrections: Bonferroni, Holm (1979)
step-down, Benjamini–Hochberg (1995) step-up.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import digamma

from ..errors import InputError
from ..estimators.batched_knn import class_kth_sorted, count_1d, ksg_batch

CORRECTIONS = ("fdr_bh", "holm", "bonferroni", None)

#: permuted copies held at once: about this many float64 values per block (~32 MB each,
#: a few live copies inside the kernels)
_BLOCK_VALUES = 4_000_000


def ross_stat_factory(x: np.ndarray, labels: np.ndarray, k: int) -> Callable[[np.ndarray | None], np.ndarray]:
    """``stat(perms)``: Ross's estimate for the labels permuted by each row of ``perms``
    ``(B, n)`` (``None``: the labels as given, one value). ``x``: a prepared 1-D column
    without ties; ``labels``: integer codes. Labels with one member are left out (as
    Ross's estimator does); k is capped at ``n_c - 1`` per class."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    _, lab = np.unique(np.asarray(labels).reshape(-1)[order], return_inverse=True)
    lab = lab.reshape(-1)
    counts = np.bincount(lab)
    dtype = np.int16 if counts.size < 2**15 else np.int64  # small ints: a radix sort
    n = xs.size
    psi = digamma(np.arange(1, n + 2, dtype=np.float64))

    def stat(perms: np.ndarray | None) -> np.ndarray:
        L = lab[None, :] if perms is None else lab[perms]
        out = np.empty(len(L))
        for r, lr in enumerate(L):
            keep = counts[lr] > 1
            xr, lk = (xs, lr) if keep.all() else (xs[keep], lr[keep])
            g = np.argsort(lk.astype(dtype), kind="stable")
            us, ls = xr[g], lk[g]
            nc = counts[ls]
            kc = np.minimum(k, nc - 1)
            if (kc == k).all():
                eps = class_kth_sorted(us[None], ls[None], k)[0]
            else:
                eps = np.empty_like(us)
                for kk in np.unique(kc):
                    sel = kc == kk
                    eps[sel] = class_kth_sorted(us[None], ls[None], int(kk))[0][sel]
            m = count_1d(xr, us, eps, closed=True)  # other points within eps (any class)
            out[r] = digamma(us.size) - np.mean(digamma(nc)) + np.mean(digamma(kc)) - np.mean(psi[m - 1])
        return out

    return stat


def ksg_stat_factory(x: np.ndarray, y: np.ndarray, k: int) -> Callable[[np.ndarray | None], np.ndarray]:
    """``stat(perms)``: KSG (alg. 1) of ``x[perm]`` against ``y`` for each row of ``perms``
    (``None``: as given). ``x``, ``y``: prepared (tie-free, standardised) 1-D columns."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)

    def stat(perms: np.ndarray | None) -> np.ndarray:
        U = x[None, :] if perms is None else x[perms]
        return ksg_batch(U, y, k=k, workers=1)

    return stat


def plugin_mi(a: np.ndarray, b: np.ndarray, ka: int, kb: int) -> float:
    """Plug-in I(A;B) of integer codes with the Miller–Madow correction on each entropy."""
    n = a.size

    def h(codes: np.ndarray, size: int) -> float:
        c = np.bincount(codes, minlength=size)
        p = c[c > 0] / n
        return float(-(p * np.log(p)).sum() + (p.size - 1) / (2.0 * n))

    return h(a, ka) + h(b, kb) - h(a * kb + b, ka * kb)


def plugin_stat_factory(a: np.ndarray, b: np.ndarray) -> Callable[[np.ndarray | None], np.ndarray]:
    """``stat(perms)``: plug-in MI (Miller–Madow) of ``a[perm]`` and ``b``; integer codes."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    a, b = a.reshape(-1), b.reshape(-1)
    ka, kb = int(a.max()) + 1, int(b.max()) + 1

    def stat(perms: np.ndarray | None) -> np.ndarray:
        A = a[None, :] if perms is None else a[perms]
        return np.array([plugin_mi(ar, b, ka, kb) for ar in A])

    return stat


def permutation_blocks(n: int, n_permutations: int, rng: np.random.Generator, shift: int = 0) -> list[np.ndarray]:
    """The permutations of one test in blocks of rows ``(b, n)`` that fit the memory budget;
    with ``shift`` > 0, circular shifts of at least ``shift`` rows instead (rows in time order:
    :func:`infolens.estimators._trust.shift_orders`)."""
    from ..estimators._trust import shift_orders

    per = max(1, _BLOCK_VALUES // max(n, 1))
    blocks, left = [], int(n_permutations)
    while left > 0:
        b = min(per, left)
        blocks.append(shift_orders(n, b, rng, shift) if shift else np.argsort(rng.random((b, n)), axis=1))
        left -= b
    return blocks


def permutation_pvalue(observed: float, null: np.ndarray) -> float:
    """``(1 + #{null >= observed}) / (1 + B)``; a tolerance of 1e-12 relative keeps ties
    between the statistic and a permutation that reproduces it from rounding away."""
    tol = 1e-12 * max(1.0, abs(observed))
    return float((1 + np.count_nonzero(null >= observed - tol)) / (1 + null.size))


def adjust_pvalues(p: np.ndarray, method: str | None) -> np.ndarray:
    """Multiple-testing adjusted p-values (NaN entries are not tests and stay NaN):
    ``"bonferroni"`` (m p), ``"holm"`` (step-down, family-wise error), ``"fdr_bh"``
    (Benjamini–Hochberg step-up, false discovery rate), or None (unadjusted)."""
    if method not in CORRECTIONS:
        raise InputError(f"correction must be one of {', '.join(map(repr, CORRECTIONS))}; got {method!r}")
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = ok.size
    if m == 0 or method is None:
        out[ok] = p[ok]
        return out
    q = p[ok]
    if method == "bonferroni":
        adj = np.minimum(1.0, q * m)
    elif method == "holm":
        o = np.argsort(q, kind="stable")
        steps = np.maximum.accumulate((m - np.arange(m)) * q[o])
        adj = np.empty(m)
        adj[o] = np.minimum(1.0, steps)
    else:  # Benjamini-Hochberg
        o = np.argsort(q, kind="stable")
        raw = q[o] * m / np.arange(1, m + 1)
        steps = np.minimum.accumulate(raw[::-1])[::-1]
        adj = np.empty(m)
        adj[o] = np.minimum(1.0, steps)
    out[ok] = adj
    return out
