"""Standard errors for estimators without an analytic variance.

:func:`halfsample_stderr` (the kNN estimators' default): estimate on ``m`` random halves
of the data (drawn without replacement) and take the spread of those estimates. For an
estimator whose variance falls as 1/n, the spread of half-sample estimates around the
full-sample one is ``Var_{n/2} - Var_n = Var_n`` (sampling without replacement of n/2 out
of n), so the standard deviation of the half estimates estimates the standard error of
the full estimate directly, with no rescaling from small blocks. The interval uses the
Student-t quantile with ``m - 1`` degrees of freedom, because the standard deviation of
m values is itself uncertain. Measured coverage of the 95% interval (200 seeds,
``benchmarks/bench_coverage.py``): 0.93-0.99 for KSG on independent and correlated 1+1 and
2+2 Gaussians, where the old small-block scheme gave 0.81-0.89.

The mean of the half estimates is returned too: a kNN estimate that still rises between
n/2 and n has not converged (it reads low in high dimensions), which
:func:`convergence_warning` turns into a warning.

:func:`subsample_stderr`: m disjoint blocks of b samples, ``Var_n ~= Var_b * b / n``
(kept for estimators whose blocks must stay small, e.g. the ross/mixed estimators).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from scipy import stats

from ..errors import flag

#: sd of a converged kNN estimate's rise over the mean of its half-sample estimates, in its
#: standard errors (1+1 and 2+2 Gaussians, n = 600 and 5000, 40 seeds each; largest of 160:
#: 2.1), not 1/sqrt(m): the halves share the data (:func:`convergence_warning`, and ross's
#: interval, ``mixed.ross_interval``)
HALVES_RISE_SD = 0.55
#: relative rise from the half-sample mean to the full estimate above which a kNN estimate
#: is called "still rising with n" (and more than 2 standard errors of the estimate).
#: Converged estimates (1+1, 2+2 Gaussians) rise by < 2% (measured); KSG on a 5+5 sparse
#: Gaussian at n = 5000 rises by ~10% per doubling while reading 35% low. The line is set by
#: what "ok" promises (within 10%) and the slowest decay of KSG's bias measured: where the
#: joint concentrates near a manifold thinner than the neighbour boxes (2+2 coordinates
#: y = x + 0.01 e, 6.41 nats) KSG read 4.85, 5.30, 5.69, 6.18 at n = 1250 .. 20,000, a bias
#: falling like n^-0.25, for which the jackknife's rise is a quarter of the bias: its 3.9%
#: rise at n = 5000 hid an 11% shortfall graded "ok" with 5% here. At 2.5% no converged
#: case of 17 (suite, off-suite, 3 seeds, n = 5000) is flagged
RISE_RTOL = 0.025


def halfsample_stderr(
    fn: Callable[..., float],
    arrays: tuple[np.ndarray, ...],
    n_halves: int,
    rng: np.random.Generator,
    min_half: int = 10,
) -> dict[str, Any]:
    """Half-sampling standard error. Returns a dict with ``stderr`` (None when it cannot be
    computed), ``ci_halfwidth`` (t quantile x stderr), ``halves`` (the m values) and
    ``method`` (a sentence for ``diagnostics["stderr_method"]``)."""
    n = len(arrays[0])
    m = int(n_halves)
    h = n // 2
    if m < 2 or h < min_half:
        return {"stderr": None, "ci_halfwidth": None, "halves": [], "method": "none"}
    vals = np.array([fn(*(a[rows] for a in arrays)) for rows in (rng.permutation(n)[:h] for _ in range(m))])
    if not np.all(np.isfinite(vals)):
        return {"stderr": None, "ci_halfwidth": None, "halves": vals.tolist(), "method": "none (a half-sample estimate failed)"}
    se = float(np.std(vals, ddof=1))
    return {
        "stderr": se,
        "ci_halfwidth": float(stats.t.ppf(0.975, m - 1) * se),
        "halves": vals.tolist(),
        "method": f"half-sampling ({m} random halves of n/2, t interval with {m - 1} d.f.)",
    }


def drift_interval(mi: float, hs: dict[str, Any]) -> tuple[float, float] | None:
    """The 95% interval of an estimate whose kNN bias may still shrink with n: the half-sample
    interval (:func:`halfsample_stderr`'s ``hs``) widened on both sides by the drift between
    the half-samples' mean and the full estimate (the part of the bias an error bar leaves
    out); None without half-samples. Frenzel-Pompe, its chain rule with a label, and the
    mixed side's chain share it."""
    if hs.get("ci_halfwidth") is None or not hs.get("halves"):
        return None
    drift = abs(mi - float(np.mean(hs["halves"])))
    return (mi - hs["ci_halfwidth"] - drift, mi + hs["ci_halfwidth"] + drift)


def rising_warning(mi: float, rise: float, noise: float, what: str = "kNN", evidence: str = "") -> str | None:
    """The one "still rises with n" rule and sentence: a warning when an estimate's rise with
    the sample size, ``rise`` (nats; from half-samples, :func:`convergence_warning`, or from
    the KSG jackknife, :mod:`._ksg_jackknife`), exceeds both its ``noise`` and a relative
    :data:`RISE_RTOL` of the estimate. ``evidence`` says where the rise was read (in the
    sentence's parenthesis)."""
    if not (np.isfinite(mi) and np.isfinite(rise)):
        return None
    if rise > RISE_RTOL * max(abs(mi), 0.05) and rise > noise:
        return flag(
            "rising-with-n",
            f"the {what} estimate still rises with the sample size ({evidence}): its downward bias has not "
            "converged, so the true MI is likely higher; use more samples",
            advice=", or an estimator made for this dimension (method='auto')")
    return None


def convergence_warning(mi: float, halves: list[float], stderr: float | None, what: str = "kNN") -> str | None:
    """A warning when the full estimate is clearly above the mean of its half-sample
    estimates: the estimator's downward bias is still shrinking with n, so the true
    value is likely higher than the estimate (:func:`rising_warning`, :data:`RISE_RTOL`)."""
    if len(halves) < 2 or stderr is None or not np.isfinite(mi):
        return None
    h = float(np.mean(halves))
    # (full - mean of halves) / stderr has sd HALVES_RISE_SD: 2 stderr is ~3.6 of those sds
    return rising_warning(mi, mi - h, 2.0 * stderr, what, f"{h:.3g} on halves of the data, {mi:.3g} on all of it")


def subsample_stderr(
    fn: Callable[..., float],
    arrays: tuple[np.ndarray, ...],
    n_blocks: int,
    min_block: int,
    rng: np.random.Generator,
) -> tuple[float | None, int]:
    """``(stderr, blocks_used)`` from m disjoint random blocks of b samples,
    ``b = max(min_block, n // (4 m))`` capped at ``n // m``, scaled as ``Var_b * b / n``;
    ``stderr`` is None when fewer than 2 blocks of at least ``min_block`` samples fit."""
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
