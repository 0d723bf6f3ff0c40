"""Multivariate Student-t (X, Y): I(X;Y) = I_normal(dispersion) + c(nu, d_x, d_y), the
correction of Arellano-Valle, Contreras-Reyes & Genton (2013, Scand. J. Stat. 40, eq. 7)
written with entropies: c = h_nu(d_x) + h_nu(d_y) - h_nu(d_x + d_y) of standard t laws."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln

from .base import Sampler
from .gaussian import MultiNormal


def student_entropy(k: int, df: float) -> float:
    """Differential entropy (nats) of a k-variate Student-t(0, I_k, df):
    log Gamma(df/2) - log Gamma((df+k)/2) + k/2 log(df pi) + (df+k)/2 (psi((df+k)/2) - psi(df/2))."""
    half = 0.5 * (df + k)
    return float(gammaln(0.5 * df) - gammaln(half) + 0.5 * k * np.log(df * np.pi) + half * (digamma(half) - digamma(0.5 * df)))


def student_mi_correction(df: float, dim_x: int, dim_y: int) -> float:
    """The part of a Student-t MI that does not depend on the dispersion (> 0, -> 0 as df -> inf)."""
    return student_entropy(dim_x, df) + student_entropy(dim_y, df) - student_entropy(dim_x + dim_y, df)


class StudentT(Sampler):
    """(X, Y) = Z / sqrt(W / df), Z ~ N(0, dispersion), W ~ chi2(df) (a multivariate t)."""

    def __init__(self, dim_x: int, dim_y: int, df: float, dispersion: Any = None) -> None:
        if dispersion is None:
            dispersion = np.eye(int(dim_x) + int(dim_y))
        self._normal = MultiNormal(dim_x, dim_y, dispersion)
        self.dim_x, self.dim_y = self._normal.dim_x, self._normal.dim_y
        if not (isinstance(df, (int, float)) and df > 0 and np.isfinite(df)):
            raise ValueError(f"df (degrees of freedom) must be a finite number > 0, got {df!r}")
        self.df = float(df)

    @property
    def dispersion(self) -> np.ndarray:
        return self._normal.cov

    @property
    def mi(self) -> float:
        return self._normal.mi + student_mi_correction(self.df, self.dim_x, self.dim_y)

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._normal._sample(n, rng)
        scale = np.sqrt(self.df / rng.chisquare(self.df, size=(n, 1)))
        return x * scale, y * scale
