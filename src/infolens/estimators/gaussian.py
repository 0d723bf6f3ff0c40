"""Gaussian (CCA) closed form of mutual information.

For jointly Gaussian (X, Y): I = 1/2 log( det S_xx det S_yy / det S ) = -1/2 sum_i log(1 - rho_i^2),
rho_i the canonical correlations (Cover & Thomas, ch. 8). Exact for Gaussian data; for
other data it is the MI of the Gaussian with the same covariance, a lower bound on the
MI only when the marginals are Gaussian, a baseline otherwise.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import digamma

from ..registry import register
from ..result import Estimator
from ..validation import check_xy


def _logdet_bias(d: int, n: int) -> float:
    """c(d) with E[log det S] = log det Sigma - c(d) for the unbiased sample covariance S
    of n Gaussian samples: c(d) = d log((n-1)/2) - sum_{i=1..d} psi((n-i)/2)
    (Wishart moments; Misra, Singh & Demchuk, J. Multivariate Anal. 92, 2005)."""
    i = np.arange(1, d + 1)
    return float(d * np.log((n - 1) / 2.0) - digamma((n - i) / 2.0).sum())


@register("cca", "linear")
class GaussianMI(Estimator):
    """Gaussian / CCA closed form ``I = -1/2 sum log(1 - rho_i^2)``.

    Parameters
    ----------
    bias_correction : remove the small-sample bias of each log-determinant with the exact
        Wishart expectation (Misra et al. 2005); unbiased for Gaussian data.

    Standard error: delta method on the canonical correlations, Var ~ sum rho_i^2 / n
    (with the sampling inflation dx*dy/n of sum rho^2 removed), plus the null term dx*dy / (2 n^2) (2 n I ~ chi^2 with dx*dy degrees of freedom under
    independence), so the error bar stays honest near zero.
    """

    name: ClassVar[str] = "gaussian"
    _min_samples: ClassVar[int] = 4
    _test_params: ClassVar[dict[str, Any]] = {}

    def __init__(self, bias_correction: bool = True) -> None:
        self.bias_correction = bias_correction

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        x, y = check_xy(x, y, min_samples=self.min_samples())
        d = x.shape[1] + y.shape[1]
        if len(x) <= d + 1:
            raise ValueError(
                f"x and y have {len(x)} samples for {d} dimensions; the gaussian estimator needs "
                f"n > dx + dy + 1 = {d + 1} (use more samples or fewer dimensions)"
            )
        return x, y

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        n, dx = x.shape
        dy = y.shape[1]
        # correlation matrix: MI is invariant to per-column scaling and this is better conditioned
        c = np.corrcoef(np.hstack([x, y]), rowvar=False).reshape(dx + dy, dx + dy)
        ld = [np.linalg.slogdet(m) for m in (c[:dx, :dx], c[dx:, dx:], c)]
        if any(s <= 0 for s, _ in ld) or ld[2][1] < -700:
            raise ValueError(
                "x and y have a singular joint covariance (a column is a linear combination of others); "
                "drop redundant columns - the Gaussian MI would be infinite"
            )
        mi = 0.5 * (ld[0][1] + ld[1][1] - ld[2][1])
        plug_in = mi
        if self.bias_correction:
            mi += 0.5 * (_logdet_bias(dx, n) + _logdet_bias(dy, n) - _logdet_bias(dx + dy, n))
        rho = canonical_correlations(c, dx)
        # sum rho^2 is inflated by about dx*dy/n by sampling noise (its mean under independence)
        var = max(float(np.sum(rho**2)) - dx * dy / n, 0.0) / n + dx * dy / (2.0 * n**2)
        return float(mi), float(np.sqrt(var)), {"canonical_correlations": rho.tolist(), "plug_in": float(plug_in)}


def canonical_correlations(c: np.ndarray, dx: int) -> np.ndarray:
    """Canonical correlations from a joint correlation (or covariance) matrix, x first."""
    cxx, cyy, cxy = c[:dx, :dx], c[dx:, dx:], c[:dx, dx:]
    wx = np.linalg.inv(np.linalg.cholesky(cxx))
    wy = np.linalg.inv(np.linalg.cholesky(cyy))
    s = np.linalg.svd(wx @ cxy @ wy.T, compute_uv=False)
    return np.clip(s, 0.0, 1.0)
