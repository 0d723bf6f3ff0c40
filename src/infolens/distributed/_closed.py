"""Estimates from summaries of all rows, and the size of a row sample for a stated precision.

* :func:`plugin_from_counts`: plug-in MI with the Miller–Madow correction from a contingency
  table, and its delta-method standard error. The estimate of
  :class:`~infolens.estimators.binning.Binning` depends on the data only through this table,
  so it is the same number (tests/test_distributed_stats.py checks equality with the estimator
  on the same rows); the test of independence is the G-test, ``2 n I_plug ~ chi^2(dof)``
  (:func:`infolens.stats.g_test_pvalue`).
* :func:`gaussian_from_correlation`: ``-1/2 log(1 - rho^2)`` from a correlation of all rows,
  with the Wishart bias correction and delta-method variance of
  :func:`infolens.estimators.gaussian.correlation_mi` (the ``gaussian`` estimator's closed
  form; on normal scores, the ``gaussian-copula`` one).
* :func:`rows_for_precision`: how many rows a kNN or neural estimate needs for a standard error.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import Flag, flag


def plugin_from_counts(table: np.ndarray) -> tuple[float, float, dict, list[Flag]]:
    """``(mi, stderr, diagnostics, warnings)`` of the plug-in estimate on a ``(Kx, Ky)`` table
    of counts (empty rows/columns allowed): ``H(X) + H(Y) - H(X, Y)``, each entropy plus
    ``(m - 1) / (2 n)`` (Miller 1955) with m its non-empty cells; variance
    ``(sum p log^2(p_xy / p_x p_y) - I_plug^2 - dof / n) / n + dof / (2 n^2)``, dof =
    ``(Kx' - 1)(Ky' - 1)`` over the occupied levels (the binning estimator's formula)."""
    from ..estimators.binning import MIN_PER_CELL

    t = np.asarray(table, dtype=np.float64)
    n = float(t.sum())
    px, py = t.sum(axis=1) / n, t.sum(axis=0) / n

    def h(c: np.ndarray) -> float:
        p = c[c > 0]
        return float(-(p * np.log(p)).sum() + (p.size - 1) / (2.0 * n))

    pxy = t / n
    mi = h(px) + h(py) - h(pxy.ravel())
    nz = pxy > 0
    outer = np.outer(px, py)
    lr = np.log(pxy[nz] / outer[nz])
    i_plug = float((pxy[nz] * lr).sum())
    dof = (int((px > 0).sum()) - 1) * (int((py > 0).sum()) - 1)
    var = max(float((pxy[nz] * lr**2).sum()) - i_plug**2 - dof / n, 0.0) / n + dof / (2.0 * n**2)
    cells = int(nz.sum())
    diag = {"cells": int(t.size), "nonempty_cells": cells, "plug_in": i_plug, "dof": dof, "rows": int(n)}
    warns = []
    per_cell = n / max(cells, 1)
    if per_cell < MIN_PER_CELL:
        warns.append(flag(
            "small-sample",
            f"few samples per occupied joint cell ({per_cell:.1f} on average, {cells} cells for n={int(n)}): the "
            "plug-in MI is dominated by sampling noise (biased upward even after Miller-Madow)",
            per_cell=per_cell, cells=cells, n=int(n),
        ))
    return float(mi), math.sqrt(var), diag, warns


def gaussian_from_correlation(rho: float, n: int) -> tuple[float, float]:
    """``(mi, stderr)`` of the Gaussian closed form for one pair with correlation ``rho`` over
    ``n`` rows (Wishart-corrected, delta-method standard error)."""
    from ..estimators.gaussian import correlation_mi

    c = np.array([[1.0, rho], [rho, 1.0]])
    mi, var, _, _ = correlation_mi(c, 1, n)
    return float(mi), math.sqrt(var)


def correlation_pvalue(rho: float, n: int) -> float:
    """Two-sided p-value of ``rho = 0`` (Student t with n - 2 degrees of freedom)."""
    from scipy.stats import t as student

    if n < 3 or abs(rho) >= 1.0:
        return 0.0 if abs(rho) >= 1.0 else 1.0
    tt = abs(rho) * math.sqrt((n - 2) / (1.0 - rho * rho))
    return float(2.0 * student.sf(tt, n - 2))


#: the standard error of a pilot estimate is itself an estimate; half-sampling from a handful
#: of halves has a relative error of about 1/sqrt(2 (h - 1)) (~35% for 5 halves), so the pilot's
#: standard error is inflated by this factor before it sets the sample size
PILOT_SAFETY = 1.35


def rows_for_precision(se_pilot: float | None, n_pilot: int, precision: float | None, n_available: int, *, safety: float = PILOT_SAFETY) -> int:
    """Rows an estimate needs for a standard error of ``precision``.

    Derivation: for a root-n consistent estimator (the kNN estimators in a fixed dimension,
    the neural bounds on held-out rows, the plug-in) the variance falls as ``sigma^2 / m``,
    so a pilot on ``n_pilot`` rows with standard error ``s0`` gives ``sigma^2 ~= s0^2 n_pilot``
    and ``se(m) = s0 sqrt(n_pilot / m)``. Asking ``se(m) <= precision`` gives
    ``m = n_pilot (safety * s0 / precision)^2``, with ``s0`` inflated by ``safety`` for the
    noise of the pilot's own standard error (:data:`PILOT_SAFETY`). The answer lies in
    ``[n_pilot, n_available]``; a pilot without a finite standard error asks for every row
    available. The sample's rows are a uniform random draw from the population, so the
    standard error of the estimate on them covers the sampling as well.
    """
    if not (se_pilot is not None and math.isfinite(se_pilot)) or precision is None:
        return int(n_available)
    m = math.ceil(n_pilot * (safety * float(se_pilot) / float(precision)) ** 2)
    return int(min(max(m, n_pilot), n_available))
