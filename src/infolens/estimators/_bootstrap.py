"""Standard errors for estimators without an analytic variance.

:func:`subsample_stderr`: draw m disjoint random blocks of b samples, estimate on each
block, and scale the spread of the m block estimates to size n assuming the variance
falls as 1/n (the scaling Holmes & Nemenman 2019, Phys. Rev. E 100, 022404, verify for
kNN estimators): ``Var_n ~= Var_b * b / n``. The block size is
``b = max(min_block, n // (4 m))`` capped at ``n // m``: for large n the blocks hold a
quarter of the data, so the error bar costs about a quarter of the estimate.
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def subsample_stderr(
    fn: Callable[..., float],
    arrays: tuple[np.ndarray, ...],
    n_blocks: int,
    min_block: int,
    rng: np.random.Generator,
) -> tuple[float | None, int]:
    """``(stderr, blocks_used)``; ``stderr`` is None when fewer than 2 blocks of at
    least ``min_block`` samples fit (or ``n_blocks`` < 2)."""
    n = len(arrays[0])
    m = min(int(n_blocks), n // max(int(min_block), 1))
    if m < 2:
        return None, 0
    b = min(n // m, max(int(min_block), n // (4 * m)))
    perm = rng.permutation(n)[: m * b].reshape(m, b)
    vals = np.array([fn(*(a[rows] for a in arrays)) for rows in perm])
    if not np.all(np.isfinite(vals)):
        return None, m
    return float(np.sqrt(np.var(vals, ddof=1) * b / n)), m
