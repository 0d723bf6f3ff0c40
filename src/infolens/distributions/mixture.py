"""A discrete label Y with Gaussian-mixture features: X | Y=k ~ N(mu_k, sigma^2 I).

I(X;Y) = sum_k pi_k E_{x ~ N(mu_k, sigma^2 I)}[log N(x; mu_k) - log sum_j pi_j N(x; mu_j)]
has no closed form; it is computed by numerical integration. Only the span of the
centred means matters (the orthogonal part of X is independent of Y), so the integral is
r = rank <= K-1 dimensional: Gauss-Hermite product quadrature for r <= 3, scrambled Sobol
quasi-Monte Carlo above. Results are cached per parameter set.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from scipy import special, stats

from ..validation import check_positive_int
from .base import Sampler

_GH_POINTS = {1: 200, 2: 90, 3: 40}
_QMC_LOG2 = 16  # 65536 Sobol points per class


def _reduced_means(means: np.ndarray, sigma: float) -> np.ndarray:
    """Means in units of sigma, expressed in an orthonormal basis of their centred span."""
    m = means / sigma
    c = m - m.mean(axis=0)
    u, s, vt = np.linalg.svd(c, full_matrices=False)
    r = int(np.sum(s > 1e-10 * max(s.max(initial=0.0), 1.0)))
    return c @ vt[:r].T  # (K, r)


@functools.lru_cache(maxsize=256)
def _mixture_mi_cached(means_key: bytes, shape: tuple[int, int], weights_key: bytes) -> tuple[float, float]:
    m = np.frombuffer(means_key, dtype=float).reshape(shape)
    w = np.frombuffer(weights_key, dtype=float)
    k, r = m.shape
    if r == 0:
        return 0.0, 0.0
    logw = np.log(w)
    if r in _GH_POINTS:
        t, gw = special.roots_hermite(_GH_POINTS[r])
        grids = np.meshgrid(*([t * np.sqrt(2.0)] * r), indexing="ij")
        z = np.stack([g.ravel() for g in grids], axis=1)
        wz = functools.reduce(np.multiply.outer, [gw / np.sqrt(np.pi)] * r).ravel()
        err = 0.0
    else:
        sob = stats.qmc.Sobol(d=r, scramble=True, seed=0).random_base2(_QMC_LOG2)
        z = special.ndtri(np.clip(sob, 1e-12, 1 - 1e-12))
        wz = np.full(len(z), 1.0 / len(z))
        err = np.nan
    total, second = 0.0, 0.0
    for i in range(k):
        x = m[i] + z  # samples of class i (unit variance after scaling)
        d2 = (x * x).sum(1)[:, None] - 2.0 * x @ m.T + (m * m).sum(1)[None, :]  # (points, K)
        log_joint = logw - 0.5 * d2
        top = log_joint.max(axis=1)  # log-sum-exp by hand: scipy's is ~10x slower on wide tables
        lse = top + np.log(np.exp(log_joint - top[:, None]).sum(axis=1))
        f = log_joint[:, i] - lse  # log p(y=i | x)
        total += w[i] * (np.sum(wz * f))
        second += w[i] * np.var(f) / len(z)
    h_y = -np.sum(w * logw)
    mi = float(h_y + total)  # H(Y) - H(Y|X)
    if np.isnan(err):
        err = float(np.sqrt(second))  # the Monte Carlo error bound; QMC does better
    return mi, err


def mixture_label_mi(means: Any, sigma: float, weights: Any = None) -> tuple[float, float]:
    """I(X;Y) in nats and an error bound of the integration for X | Y=k ~ N(means[k], sigma^2 I)."""
    means = np.atleast_2d(np.asarray(means, dtype=float))
    k = len(means)
    w = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (k,) or np.any(w <= 0) or not np.isclose(w.sum(), 1.0):
        raise ValueError(f"weights must be {k} positive numbers summing to 1, got {weights!r}")
    if not sigma > 0:
        raise ValueError(f"sigma (the noise scale) must be > 0, got {sigma}")
    red = np.ascontiguousarray(np.round(_reduced_means(means, sigma), 12))
    return _mixture_mi_cached(red.tobytes(), red.shape, np.ascontiguousarray(w).tobytes())


class GaussianMixtureLabel(Sampler):
    """Y a label in {0..K-1} with probabilities ``weights``; X | Y=k ~ N(means[k], sigma^2 I).
    ``sample`` returns ``x`` of shape (n, d) and ``y`` of shape (n,) int64."""

    dim_y = 1

    def __init__(self, means: Any, sigma: float = 1.0, weights: Any = None) -> None:
        self.means = np.atleast_2d(np.asarray(means, dtype=float))
        if len(self.means) < 2:
            raise ValueError("means needs at least 2 rows (one per class)")
        self.sigma = float(sigma)
        k = len(self.means)
        self.weights = np.full(k, 1.0 / k) if weights is None else np.asarray(weights, dtype=float)
        self.dim_x = self.means.shape[1]
        self._mi, self.mi_error = mixture_label_mi(self.means, self.sigma, self.weights)

    @classmethod
    def simplex(cls, n_classes: int, dim: int, separation: float, sigma: float = 1.0) -> "GaussianMixtureLabel":
        """Class k centred at ``separation * e_k`` (k < dim): equidistant classes."""
        n_classes, dim = check_positive_int(n_classes, "n_classes", 2), check_positive_int(dim, "dim")
        if n_classes > dim:
            raise ValueError(f"n_classes={n_classes} must be <= dim={dim} for the simplex layout")
        return cls(separation * np.eye(n_classes, dim), sigma=sigma)

    @property
    def mi(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        y = rng.choice(len(self.means), size=n, p=self.weights)
        x = self.means[y] + self.sigma * rng.standard_normal((n, self.dim_x))
        return x, y.astype(np.int64)


class Shells(Sampler):
    """Y a label in {0..K-1} (uniform), X on the sphere of radius ``radii[Y]`` in ``dim``
    dimensions (uniform direction) plus ``N(0, sigma^2 I)``: the label is the radius, which no
    linear probe and no class-conditional Gaussian sees. ``|X|^2 / sigma^2`` given Y is
    noncentral chi-square (``dim`` degrees of freedom, noncentrality ``(r / sigma)^2``) and the
    direction carries nothing, so ``I(X;Y) = I(|X|;Y)``, by Monte Carlo (``mi_error``)."""

    dim_y = 1

    def __init__(self, radii: Any, dim: int, sigma: float) -> None:
        self.radii = np.asarray(radii, dtype=float).ravel()
        if self.radii.size < 2:
            raise ValueError("radii needs at least 2 values (one per class)")
        self.dim_x, self.sigma = check_positive_int(dim, "dim"), float(sigma)
        self._mi, self.mi_error = _shells_mi(tuple(self.radii.tolist()), self.dim_x, self.sigma)

    @property
    def mi(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, self.radii.size, size=n)
        u = rng.standard_normal((n, self.dim_x))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        return self.radii[y][:, None] * u + self.sigma * rng.standard_normal((n, self.dim_x)), y.astype(np.int64)


@functools.lru_cache(maxsize=16)
def _shells_mi(radii: tuple[float, ...], dim: int, sigma: float) -> tuple[float, float]:
    s = Shells.__new__(Shells)
    s.radii, s.dim_x, s.sigma = np.asarray(radii), dim, sigma
    x, y = s._sample(400_000, np.random.default_rng(12345))
    q = (x**2).sum(axis=1) / sigma**2
    lp = np.stack([stats.ncx2.logpdf(q, dim, (r / sigma) ** 2) for r in radii], axis=1)
    t = lp[np.arange(len(y)), y] - special.logsumexp(lp, axis=1) + np.log(len(radii))
    return float(t.mean()), float(t.std() / np.sqrt(len(t)))
