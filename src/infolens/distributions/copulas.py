"""Samplers whose MI is known by numerical integration rather than in closed form: the
Archimedean copulas (Clayton, Gumbel, Frank), Gaussian mixtures over (X, Y), and noisy maps
``Y = g(X) + s e`` with a non-invertible ``g``.

* A copula's MI is ``E[log c(U, V)]`` (MI depends on the copula alone): a Monte Carlo mean of
  the closed-form log-density over ``MC_DRAWS`` draws with a fixed seed (error about
  ``sd(log c) / sqrt(MC_DRAWS)``, below 0.002 nats here; ``mi_error`` holds it).
* A Gaussian mixture over the joint ``(X, Y)``: ``E[log p(x, y) - log p(x) - log p(y)]``,
  each marginal a Gaussian mixture too; the same Monte Carlo.
* ``Y = g(X) + s e`` (``X`` standard normal of 1 or 2 dimensions, ``e`` standard normal):
  ``I = h(Y) - h(s e)``, ``h(Y)`` from the density of ``Y`` (Gauss-Hermite quadrature over
  ``X``, then the trapezoid rule over a fine grid of ``y``), accurate to about 1e-4 nats.
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import numpy as np
from scipy import special

from .base import Sampler

#: Monte Carlo draws for the MI of copulas and mixtures (fixed seed: the truth is a constant)
MC_DRAWS = 400_000


class ArchimedeanCopula(Sampler):
    """A bivariate copula (``family`` "clayton", "gumbel" or "frank", parameter ``theta``)
    with uniform margins; ``rotate=True`` uses ``(U, 1 - V)`` (negative dependence)."""

    dim_x = 1
    dim_y = 1

    def __init__(self, family: str, theta: float, rotate: bool = False) -> None:
        if family not in ("clayton", "gumbel", "frank"):
            raise ValueError(f"family must be 'clayton', 'gumbel' or 'frank', got {family!r}")
        lowest = {"clayton": 0.0, "gumbel": 1.0, "frank": 0.0}[family]
        if not theta > lowest:
            raise ValueError(f"theta of the {family} copula must be > {lowest}, got {theta}")
        self.family, self.theta, self.rotate = family, float(theta), bool(rotate)
        self._mi, self.mi_error = _copula_mi(family, self.theta)

    @property
    def mi(self) -> float:
        return self._mi

    def _uv(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        th = self.theta
        if self.family == "clayton":  # conditional inversion
            u, w = rng.random(n), rng.random(n)
            return u, ((w ** (-th / (1 + th)) - 1) * u**-th + 1) ** (-1 / th)
        if self.family == "frank":  # conditional inversion
            u, w = rng.random(n), rng.random(n)
            eu = np.exp(-th * u)
            v = -np.log1p(-w * np.expm1(-th) / (w * (eu - 1) - eu)) / th
            return u, np.clip(v, 1e-12, 1 - 1e-12)
        # Gumbel (Marshall-Olkin): V positive stable with Laplace transform exp(-t^a), a = 1/theta
        a = 1.0 / th
        t, e = rng.uniform(0, np.pi, n), rng.exponential(size=n)
        s = np.sin(a * t) / np.sin(t) ** (1 / a) * (np.sin((1 - a) * t) / e) ** ((1 - a) / a)
        ex = rng.exponential(size=(n, 2))
        uv = np.exp(-((ex / s[:, None]) ** a))
        return uv[:, 0], uv[:, 1]

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        u, v = self._uv(n, rng)
        u, v = np.clip(u, 1e-12, 1 - 1e-12), np.clip(v, 1e-12, 1 - 1e-12)
        if self.rotate:
            v = 1.0 - v
        return u[:, None], v[:, None]


def _log_density(family: str, th: float, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    if family == "clayton":
        return np.log1p(th) - (th + 1) * (np.log(u) + np.log(v)) - (2 + 1 / th) * np.log(u**-th + v**-th - 1)
    if family == "frank":
        num = np.log(th) + np.log(-np.expm1(-th)) - th * (u + v)
        den = 2 * np.log(np.abs(-np.expm1(-th) - np.expm1(-th * u) * np.expm1(-th * v)))
        return num - den
    x, y = -np.log(u), -np.log(v)
    s = x**th + y**th
    a = s ** (1 / th)
    return -a - np.log(u) - np.log(v) + (th - 1) * (np.log(x) + np.log(y)) - (2 - 1 / th) * np.log(s) + np.log(a + th - 1)


@functools.lru_cache(maxsize=64)
def _copula_mi(family: str, theta: float) -> tuple[float, float]:
    c = ArchimedeanCopula.__new__(ArchimedeanCopula)
    c.family, c.theta, c.rotate = family, theta, False
    u, v = c._uv(MC_DRAWS, np.random.default_rng(12345))
    u, v = np.clip(u, 1e-12, 1 - 1e-12), np.clip(v, 1e-12, 1 - 1e-12)
    lc = _log_density(family, theta, u, v)
    lc = lc[np.isfinite(lc)]
    return float(lc.mean()), float(lc.std() / math.sqrt(len(lc)))


class JointGaussianMixture(Sampler):
    """``(X, Y)`` from a mixture of Gaussians over the joint vector: component ``k`` with
    probability ``weights[k]``, mean ``means[k]`` and covariance ``covs[k]``; the first
    ``dim_x`` coordinates are X."""

    def __init__(self, dim_x: int, weights: list[float], means: np.ndarray, covs: np.ndarray) -> None:
        self.weights = np.asarray(weights, dtype=float)
        self.means = np.asarray(means, dtype=float)
        self.covs = np.asarray(covs, dtype=float)
        d = self.means.shape[1]
        if self.covs.shape != (len(self.weights), d, d) or self.means.shape[0] != len(self.weights):
            raise ValueError("weights, means (k, d) and covs (k, d, d) must describe the same k components")
        if not np.isclose(self.weights.sum(), 1.0):
            raise ValueError("weights must sum to 1")
        self.dim_x, self.dim_y = int(dim_x), d - int(dim_x)
        self._mi, self.mi_error = self._integrate()

    @property
    def mi(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        k = rng.choice(len(self.weights), size=n, p=self.weights)
        chol = np.linalg.cholesky(self.covs)
        z = self.means[k] + np.einsum("nij,nj->ni", chol[k], rng.standard_normal((n, self.means.shape[1])))
        return z[:, : self.dim_x], z[:, self.dim_x:]

    def _log_pdf(self, z: np.ndarray, cols: slice) -> np.ndarray:
        parts = []
        for w, m, c in zip(self.weights, self.means, self.covs):
            cc = c[cols, cols]
            diff = z[:, cols] - m[cols]
            chol = np.linalg.cholesky(cc)
            sol = np.linalg.solve(chol, diff.T)
            parts.append(np.log(w) - 0.5 * np.sum(sol**2, axis=0) - np.log(np.diag(chol)).sum()
                         - 0.5 * len(cc) * np.log(2 * np.pi))
        return special.logsumexp(np.stack(parts), axis=0)

    def _integrate(self) -> tuple[float, float]:
        x, y = self._sample(MC_DRAWS, np.random.default_rng(12345))
        z = np.hstack([x, y])
        f = self._log_pdf(z, slice(None)) - self._log_pdf(z, slice(0, self.dim_x)) \
            - self._log_pdf(z, slice(self.dim_x, None))
        return float(f.mean()), float(f.std() / math.sqrt(len(f)))


class NoisyMap(Sampler):
    """``X`` standard normal in ``dim_x`` (1 or 2) dimensions, ``Y = g(X) + noise * e``:
    ``I = h(Y) - 1/2 log(2 pi e noise^2)`` with ``h(Y)`` by quadrature (module docstring)."""

    dim_y = 1

    def __init__(self, g: Callable[[np.ndarray], np.ndarray], noise: float, dim_x: int = 1, name: str = "g") -> None:
        if dim_x not in (1, 2):
            raise ValueError(f"dim_x must be 1 or 2, got {dim_x}")
        if not noise > 0:
            raise ValueError(f"noise must be > 0, got {noise}")
        self.g, self.noise, self.dim_x, self.name = g, float(noise), dim_x, name
        self._mi = self._integrate()

    @property
    def mi(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((n, self.dim_x))
        return x, (self.g(x) + self.noise * rng.standard_normal(n))[:, None]

    def _integrate(self) -> float:
        t, w = special.roots_hermite(120 if self.dim_x == 1 else 60)
        t, w = t * math.sqrt(2), w / math.sqrt(math.pi)
        if self.dim_x == 1:
            pts, wts = t[:, None], w
        else:
            a, b = np.meshgrid(t, t, indexing="ij")
            pts, wts = np.stack([a.ravel(), b.ravel()], axis=1), np.outer(w, w).ravel()
        gv = self.g(pts)
        lo, hi = gv.min() - 8 * self.noise, gv.max() + 8 * self.noise
        grid = np.linspace(lo, hi, 20_001)
        dens = np.zeros_like(grid)
        for chunk in range(0, len(gv), 500):
            gg, ww = gv[chunk:chunk + 500], wts[chunk:chunk + 500]
            dens += (ww[:, None] * np.exp(-0.5 * ((grid[None, :] - gg[:, None]) / self.noise) ** 2)).sum(0)
        dens /= self.noise * math.sqrt(2 * math.pi)
        with np.errstate(divide="ignore", invalid="ignore"):
            integrand = np.where(dens > 0, -dens * np.log(dens), 0.0)
        h_y = float(np.trapezoid(integrand, grid))
        return h_y - 0.5 * math.log(2 * math.pi * math.e * self.noise**2)


class ZeroInflated(Sampler):
    """``Y = B (X + noise * e)`` with ``B`` ~ Bernoulli(``q``) independent of ``X`` (standard
    normal): an atom at 0 mixed with a continuous part. ``Y = 0`` reveals ``B`` (almost
    surely), so ``I = I(X; B) + I(X; Y | B) = q / 2 log(1 + 1 / noise^2)``."""

    dim_x = 1
    dim_y = 1

    def __init__(self, q: float, noise: float) -> None:
        self.q, self.noise = float(q), float(noise)

    @property
    def mi(self) -> float:
        return 0.5 * self.q * math.log1p(1.0 / self.noise**2)

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal(n)
        b = rng.random(n) < self.q
        return x[:, None], np.where(b, x + self.noise * rng.standard_normal(n), 0.0)[:, None]


class RoundedNoisy(Sampler):
    """``Y = round(X + noise * e)`` (integers), ``X`` ~ N(0, ``scale``^2): a discrete Y of a
    continuous X. ``I = H(Y) - H(Y | X)`` by Gauss-Hermite quadrature over X of
    ``p(k | x) = Phi((k + 1/2 - x) / noise) - Phi((k - 1/2 - x) / noise)``."""

    dim_x = 1
    dim_y = 1

    def __init__(self, scale: float, noise: float) -> None:
        self.scale, self.noise = float(scale), float(noise)
        t, w = special.roots_hermite(200)
        xs, w = t * math.sqrt(2) * self.scale, w / math.sqrt(math.pi)
        span = int(math.ceil(8 * (self.scale + self.noise)))
        k = np.arange(-span, span + 1)
        p = special.ndtr((k[None, :] + 0.5 - xs[:, None]) / self.noise) - special.ndtr((k[None, :] - 0.5 - xs[:, None]) / self.noise)
        with np.errstate(divide="ignore", invalid="ignore"):
            ent = np.where(p > 0, -p * np.log(p), 0.0).sum(1)
        py = (w[:, None] * p).sum(0)
        h_y = float(np.where(py > 0, -py * np.log(np.where(py > 0, py, 1.0)), 0.0).sum())
        self._mi = h_y - float((w * ent).sum())

    @property
    def mi(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = self.scale * rng.standard_normal(n)
        return x[:, None], np.round(x + self.noise * rng.standard_normal(n))[:, None]


class ClaytonBlocks(Sampler):
    """An exchangeable Clayton copula over ``dim_x + dim_y`` columns (uniform margins, one
    parameter ``theta``): joint lows come together, joint highs do not, so the copula is not
    radially symmetric and no elliptical model (Gaussian, Student-t) holds it. Drawn by
    Marshall-Olkin (``V ~ Gamma(1/theta)``, ``u_i = (1 + E_i / V)^(-1/theta)``); every marginal
    copula is Clayton with the same ``theta``, so ``I = E[log c(u) - log c_x(u_x) - log c_y(u_y)]``
    with the closed-form density, by Monte Carlo (``mi_error`` its standard error)."""

    def __init__(self, dim_x: int, dim_y: int, theta: float) -> None:
        if not theta > 0:
            raise ValueError(f"theta of the Clayton copula must be > 0, got {theta}")
        self.dim_x, self.dim_y, self.theta = int(dim_x), int(dim_y), float(theta)
        self._mi, self.mi_error = _clayton_blocks_mi(self.dim_x, self.dim_y, self.theta)

    @property
    def mi(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        u = _clayton_draw(n, self.dim_x + self.dim_y, self.theta, rng)
        return u[:, : self.dim_x], u[:, self.dim_x:]


def _clayton_draw(n: int, d: int, theta: float, rng: np.random.Generator) -> np.ndarray:
    v = rng.gamma(1.0 / theta, 1.0, size=n)
    u = (1.0 + rng.exponential(size=(n, d)) / v[:, None]) ** (-1.0 / theta)
    return np.clip(u, 1e-300, 1.0 - 1e-12)


def _clayton_log_density(u: np.ndarray, theta: float) -> np.ndarray:
    d = u.shape[1]
    return (float(np.sum(np.log1p(np.arange(d) * theta))) - (theta + 1.0) * np.log(u).sum(axis=1)
            - (d + 1.0 / theta) * np.log((u ** (-theta)).sum(axis=1) - d + 1.0))


@functools.lru_cache(maxsize=16)
def _clayton_blocks_mi(dim_x: int, dim_y: int, theta: float) -> tuple[float, float]:
    u = _clayton_draw(MC_DRAWS, dim_x + dim_y, theta, np.random.default_rng(12345))
    t = _clayton_log_density(u, theta) - _clayton_log_density(u[:, :dim_x], theta) - \
        _clayton_log_density(u[:, dim_x:], theta)
    t = t[np.isfinite(t)]
    return float(t.mean()), float(t.std() / math.sqrt(len(t)))
