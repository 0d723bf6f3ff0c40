"""Canonical correlation analysis: one implementation for every module that needs it (auto's
ill-posed test, the projection candidate, the copula model check).

Each side is centred, scaled per column and whitened on its own, with exactly redundant
directions dropped (eigenvalues of its correlation matrix below :data:`RTOL` of the largest:
rounding leaves ~1e-16); the canonical pairs are the singular vectors of the whitened
cross-covariance. Canonical correlations do not depend on the scale convention (n or n - 1),
as long as one is used throughout.
"""

from __future__ import annotations

import numpy as np

#: eigenvalues of a side's correlation matrix below this fraction of the largest are dropped
RTOL = 1e-10


def whiten(a: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(a_white, w)``: ``a_white = (a - mean) @ w`` has unit covariance (divisor n) with
    redundant directions dropped; ``w`` maps the columns of ``a`` (a constant column gets a
    zero row). None when every column is constant."""
    a = a - a.mean(axis=0)
    sd = a.std(axis=0)
    keep = sd > 0
    if not keep.any():
        return None
    a = a[:, keep] / sd[keep]
    ev, vec = np.linalg.eigh(a.T @ a / len(a))
    use = ev > RTOL * ev[-1]
    w = vec[:, use] / np.sqrt(ev[use])
    w_full = np.zeros((len(sd), int(use.sum())))
    w_full[keep] = w / sd[keep][:, None]
    return a @ w, w_full


def canonical(a: np.ndarray, b: np.ndarray, k: int | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The top ``k`` (None: all) canonical pairs of ``a`` and ``b``: ``(dir_a, dir_b, s, u, v)``
    with the directions in the columns' own coordinates (columns of ``dir_a``, ``dir_b``), the
    canonical correlations ``s`` (descending) and the canonical variates ``u``, ``v`` (unit
    variance, columns, strongest pair first); None when a side is constant."""
    wa, wb = whiten(a), whiten(b)
    if wa is None or wb is None:
        return None
    (za, fa), (zb, fb) = wa, wb
    left, s, right_t = np.linalg.svd(za.T @ zb / len(a), full_matrices=False)
    k = s.size if k is None else min(k, s.size)
    return fa @ left[:, :k], fb @ right_t[:k].T, s[:k], za @ left[:, :k], zb @ right_t[:k].T
