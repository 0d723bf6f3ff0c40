"""The rank-transform bias of the Gaussian-copula closed form, measured by simulation.

The Gaussian copula estimate is the Gaussian closed form on normal scores
``Phi^-1(rank / (n + 1))``. Its Wishart correction (:func:`~.gaussian.correlation_mi`) makes
the closed form unbiased on Gaussian *values*; the normal scores are not those values: each
is the Gaussian quantile of an empirical CDF, off by a rank error that is largest in the
tails. The error attenuates the correlations a little, which costs nothing at moderate
dependence but a visible share at high MI, where ``dI / drho = rho / (1 - rho^2)`` is large.
Measured (paired simulations of Gaussian data, closed form on the values against the copula
form on their scores, n = 5000): -0.0001 nats for one pair at rho = 0.5, -0.016 at
rho = 0.999 (3.1 nats), -0.14 nats for 20 pairs at rho = 0.995 (46 nats), where the
delta-method standard error is 0.06: the interval then covered the truth in 4 of 20 seeds.

:func:`rank_bias` measures it at the fitted correlation matrix: ``reps`` paired draws of
``m = min(n, RANK_BIAS_ROWS)`` Gaussian rows with that correlation, the closed form on the
draws against the closed form on their normal scores. The mean paired difference is the
bias at ``m`` rows; it shrinks like ``log(n) / n`` (measured from n = 1000 to 20,000: a
factor 3.5-4.2 per factor 4-5 in n), so at ``n > m`` it is scaled by
``(m / n) log(n) / log(m)``. The pairing cancels the sampling noise of the draws (the
paired difference has an sd 5-30 times smaller than either value), so a few draws suffice;
the standard error of the mean difference is returned too, to be added to the estimate's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._trust import normal_scores

#: paired draws of the simulation (the mean difference's error is then 1/3 of one draw's
#: paired sd: at most 0.005 nats for 20 pairs at rho = 0.995, n = 5000, against a bias of 0.14)
RANK_BIAS_REPS = 8
#: rows of each draw: at most this many (the bias at more rows is scaled down, module docstring)
RANK_BIAS_ROWS = 5000
#: the simulation's own seed (the estimator is deterministic: the same data give the same value)
RANK_BIAS_SEED = 20261206
#: per canonical pair the measured bias is about 3.6 rho^2 / (n sqrt(1 - rho^2)) nats at
#: n = 5000 (0.016 at rho = 0.999, 0.005 at 0.99, 0.001 at 0.9, 0.0001 at 0.5), growing like
#: log n from there: :func:`rank_bias_bound` takes twice that rate, and the simulation runs
#: only where the bound reaches RANK_BIAS_SHARE of the standard error. The bound is a cost
#: gate, not a correction: below it the bias is under a tenth of the error bar (permutation
#: nulls, moderate dependence, which are most calls), and the estimate is left as it is.
RANK_BIAS_RATE = 2 * 3.6
RANK_BIAS_SHARE = 0.1


def rank_bias_bound(rho: np.ndarray, n: int) -> float:
    """An upper bound (nats) on the size of the rank-transform bias from the canonical
    correlations ``rho`` (twice the measured rate, module constants)."""
    r2 = np.clip(np.asarray(rho, dtype=float) ** 2, 0.0, 1.0 - 1e-12)
    return float(RANK_BIAS_RATE * np.sum(r2 / np.sqrt(1.0 - r2)) / n * max(1.0, math.log(n) / math.log(RANK_BIAS_ROWS)))


def remove_rank_bias(zx: np.ndarray, zy: np.ndarray, mi: float, se: float, rho: np.ndarray,
                     diag: dict[str, Any]) -> tuple[float, float]:
    """``(mi, se)`` of the Gaussian-copula closed form on the normal scores ``zx``, ``zy`` with
    the rank-transform bias removed and its simulation error added, when the bound says it can
    matter (``diag["rank_bias"]``: the bias removed, 0.0 when the bound ruled it out)."""
    n = len(zx)
    if rank_bias_bound(rho, n) < RANK_BIAS_SHARE * se:
        diag["rank_bias"] = 0.0
        return mi, se
    bias, bias_se = rank_bias(np.corrcoef(np.hstack([zx, zy]), rowvar=False), zx.shape[1], n)
    diag["rank_bias"] = bias
    return mi - bias, math.hypot(se, bias_se)


def rank_bias(c: np.ndarray, dx: int, n: int, reps: int = RANK_BIAS_REPS, rows: int = RANK_BIAS_ROWS,
              seed: int = RANK_BIAS_SEED) -> tuple[float, float]:
    """``(bias, stderr)`` in nats of the Gaussian-copula closed form at the joint correlation
    matrix ``c`` (first ``dx`` columns x) and ``n`` rows: the expected copula estimate minus the
    expected closed form on Gaussian values (negative: the copula reads low). ``(0, 0)`` when
    ``c`` cannot be simulated (not positive definite)."""
    from .gaussian import correlation_mi

    d = c.shape[0]
    m = int(min(n, rows))
    if m <= d + 2:
        return 0.0, 0.0
    try:
        chol = np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(reps):
        z = rng.standard_normal((m, d)) @ chol.T
        on_values = correlation_mi(np.atleast_2d(np.corrcoef(z, rowvar=False)), dx, m)[0]
        on_scores = correlation_mi(np.atleast_2d(np.corrcoef(normal_scores(z), rowvar=False)), dx, m)[0]
        diffs.append(on_scores - on_values)
    scale = 1.0 if m >= n else (m / n) * math.log(n) / math.log(m)
    a = np.asarray(diffs)
    return float(a.mean() * scale), float(a.std(ddof=1) / math.sqrt(reps) * scale)
