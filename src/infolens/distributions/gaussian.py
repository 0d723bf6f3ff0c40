"""Multivariate normal (X, Y) and the correlation structures of the Beyond Normal
benchmark. I(X;Y) = 1/2 log(det S_xx det S_yy / det S) (Cover & Thomas, eq. 8.56)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..validation import check_positive_int
from .base import Sampler


def gaussian_mi(cov: np.ndarray, dim_x: int) -> float:
    """I(X;Y) in nats of a joint normal with covariance ``cov`` split after ``dim_x``
    coordinates: 1/2 (log det S_xx + log det S_yy - log det S)."""
    cov = np.asarray(cov, dtype=float)
    _, ld = np.linalg.slogdet(cov)
    _, ldx = np.linalg.slogdet(cov[:dim_x, :dim_x])
    _, ldy = np.linalg.slogdet(cov[dim_x:, dim_x:])
    return float(0.5 * (ldx + ldy - ld))


def _check_dims(dim_x: Any, dim_y: Any) -> tuple[int, int]:
    return check_positive_int(dim_x, "dim_x"), check_positive_int(dim_y, "dim_y")


def dense_correlation(dim_x: int, dim_y: int, off_diag: float = 0.5) -> np.ndarray:
    """Every pair of distinct coordinates has correlation ``off_diag`` (bmi's "dense")."""
    dim_x, dim_y = _check_dims(dim_x, dim_y)
    d = dim_x + dim_y
    if not -1.0 / (d - 1) < off_diag < 1.0:
        raise InputError(f"off_diag must lie in (-1/(d-1), 1) = ({-1.0 / (d - 1):.4g}, 1) for a valid correlation, got {off_diag}")
    return np.eye(d) * (1.0 - off_diag) + off_diag


def sparse_correlation(dim_x: int, dim_y: int, n_pairs: int = 2, rho: float = 0.8) -> np.ndarray:
    """Corr(X_i, Y_i) = ``rho`` for the first ``n_pairs`` coordinates, all other pairs independent.
    I(X;Y) = -n_pairs/2 log(1 - rho^2)."""
    dim_x, dim_y = _check_dims(dim_x, dim_y)
    n_pairs = check_positive_int(n_pairs, "n_pairs", minimum=0)
    if n_pairs > min(dim_x, dim_y):
        raise InputError(f"n_pairs={n_pairs} must be at most min(dim_x, dim_y) = {min(dim_x, dim_y)}")
    if not -1.0 < rho < 1.0:
        raise InputError(f"rho must lie in (-1, 1), got {rho}")
    c = np.eye(dim_x + dim_y)
    for i in range(n_pairs):
        c[i, dim_x + i] = c[dim_x + i, i] = rho
    return c


def lvm_sparse_rho(strength: float) -> float:
    """Beyond Normal's sparse tasks come from a latent model X_i = s Z_i + E_i, Y_i = s Z_i + F_i
    (unit-variance latents): Corr(X_i, Y_i) = s^2 / (1 + s^2); strength 2.0 gives 0.8."""
    return strength**2 / (1.0 + strength**2)


def rho_for_mi(mi: float, n_pairs: int) -> float:
    """The per-pair correlation that makes ``n_pairs`` independent pairs carry ``mi`` nats in total:
    rho = sqrt(1 - exp(-2 mi / n_pairs))."""
    n_pairs = check_positive_int(n_pairs, "n_pairs")
    if not mi >= 0:
        raise InputError(f"mi must be >= 0 nats, got {mi}")
    return float(np.sqrt(-np.expm1(-2.0 * mi / n_pairs)))


#: relative eigenvalue tolerance of MultiNormal's positive-definiteness check: a covariance
#: whose smallest eigenvalue is at most this fraction of the largest is refused as singular
#: (its condition number, <= 1e10, keeps Cholesky and the closed-form MI well away from
#: float64 breakdown on every machine; a correlation of 1 - 1e-9 is still accepted)
PD_RTOL = 1e-10


class MultiNormal(Sampler):
    """(X, Y) jointly normal with mean 0 and covariance ``cov``, X the first ``dim_x`` coordinates."""

    def __init__(self, dim_x: int, dim_y: int, cov: Any) -> None:
        self.dim_x, self.dim_y = _check_dims(dim_x, dim_y)
        cov = np.asarray(cov, dtype=float)
        d = self.dim_x + self.dim_y
        if cov.shape != (d, d):
            raise InputError(f"cov must have shape ({d}, {d}) for dim_x={dim_x}, dim_y={dim_y}; got {cov.shape}")
        if not np.allclose(cov, cov.T):
            raise InputError("cov must be symmetric")
        # positive definite with room to spare, decided by a relative eigenvalue tolerance rather
        # than by whether LAPACK's Cholesky happens to succeed on a (near-)singular matrix, which
        # depends on one machine's rounding
        w = np.linalg.eigvalsh(cov)
        if not w[0] > PD_RTOL * w[-1]:
            raise InputError(f"cov must be positive definite: its smallest eigenvalue {w[0]:.3g} is not above "
                             f"{PD_RTOL:g} x the largest ({w[-1]:.3g}); check the correlations (|rho| < 1, "
                             "consistent with each other)")
        self._chol = np.linalg.cholesky(cov)
        self.cov = cov

    @classmethod
    def dense(cls, dim_x: int, dim_y: int, off_diag: float = 0.5) -> "MultiNormal":
        return cls(dim_x, dim_y, dense_correlation(dim_x, dim_y, off_diag))

    @classmethod
    def sparse(cls, dim_x: int, dim_y: int, n_pairs: int = 2, rho: float = 0.8) -> "MultiNormal":
        return cls(dim_x, dim_y, sparse_correlation(dim_x, dim_y, n_pairs, rho))

    @classmethod
    def from_mi(cls, dim_x: int, dim_y: int, mi: float, n_pairs: int | None = None) -> "MultiNormal":
        """``n_pairs`` (default min(dim_x, dim_y)) correlated pairs sharing ``mi`` nats equally."""
        n_pairs = min(dim_x, dim_y) if n_pairs is None else n_pairs
        return cls.sparse(dim_x, dim_y, n_pairs, rho_for_mi(mi, n_pairs))

    @property
    def mi(self) -> float:
        return gaussian_mi(self.cov, self.dim_x)

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        xy = rng.standard_normal((n, self.dim_x + self.dim_y)) @ self._chol.T
        return xy[:, : self.dim_x], xy[:, self.dim_x :]


def conditional_gaussian(n: int, d: int, dz: int, rho: float = 0.6,
                         seed: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(x, y, z, I(X;Y|Z))``: Z of ``dz`` standard normal columns entering through their
    scaled sum s; X = s + e (``d`` columns); Y = s + rho (X - s) + sqrt(1 - rho^2) e', so
    that given Z the pairs (X_i, Y_i) are Gaussians correlated ``rho`` and
    I(X;Y|Z) = -d/2 log(1 - rho^2) (0.446 nats for d = 2, rho = 0.6)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, dz))
    s = z.sum(axis=1, keepdims=True) / np.sqrt(dz)
    x = s + rng.normal(size=(n, d))
    y = s + rho * (x - s) + np.sqrt(1.0 - rho * rho) * rng.normal(size=(n, d))
    return x, y, z, -0.5 * d * float(np.log(1.0 - rho * rho))
