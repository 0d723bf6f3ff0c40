"""What a network's units look like: ReLU units that are zero on a share of the rows, idle
units that are zero on most rows and carry nothing, and activations stored on a few levels
(quantised embeddings). Continuous columns with blocks of equal values, where the copula of
the margins is not identified from ranks.

* :class:`ReluUnits`: ``Y ~ N(0, I_d)``, ``U = rho Y + sqrt(1 - rho^2) E``, ``X = max(U - c, 0)``
  per coordinate (a unit with threshold ``c``: zero on a share ``Phi(c)`` of the rows), and
  ``idle`` further columns ``max(Z - 1.5, 0)`` independent of everything (zero on 93% of the
  rows). ``I = d (h(Y) - h(Y | X))``: given ``X > 0``, ``Y`` is Gaussian with variance
  ``1 - rho^2``; given ``X = 0`` its density is ``phi(y) Phi((c - rho y) / s) / Phi(c)``,
  whose entropy is a 1-D integral.
* :class:`CoZeroUnits`: two ReLU units on inputs correlated ``r``, both zero below ``c``, so
  the blocks of zeros fall mostly on the same rows (four parts of ``I``, the last a 2-D
  integral).
* :class:`QuantizedGauss`: ``X ~ N(0, I_d)``, ``Y = rho X + sqrt(1 - rho^2) E`` stored as the
  index of one of ``levels`` equally likely cells per coordinate. ``I = d (log L - H(Q | X))``,
  ``H(Q | X)`` an integral over x of the cell probabilities' entropy.

Each truth was checked against a Monte Carlo average of ``log p(y | x) - log p(y)`` on
400,000 draws (``tests/test_distributions.py``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, stats

from .base import Sampler

#: the idle units' threshold: max(Z - 1.5, 0) is zero on Phi(1.5) = 93% of the rows
IDLE_THRESHOLD = 1.5


def _relu_pair_mi(rho: float, c: float) -> float:
    s = math.sqrt(1.0 - rho * rho)
    p0 = stats.norm.cdf(c)

    def f(y: float) -> float:
        return float(stats.norm.pdf(y) * stats.norm.cdf((c - rho * y) / s) / p0)

    h0 = integrate.quad(lambda y: -f(y) * math.log(max(f(y), 1e-300)), -12.0, 12.0, limit=400, points=[0.0])[0]
    h_y = 0.5 * math.log(2 * math.pi * math.e)
    return h_y - (p0 * h0 + (1.0 - p0) * 0.5 * math.log(2 * math.pi * math.e * s * s))


class ReluUnits(Sampler):
    """``d`` ReLU units, each reading one Gaussian coordinate of Y with correlation ``rho``
    through threshold ``c``, and ``idle`` units that carry nothing (module docstring)."""

    def __init__(self, rho: float, c: float = 0.0, d: int = 1, idle: int = 0) -> None:
        if not 0.0 < abs(rho) < 1.0:
            raise ValueError(f"ReluUnits needs 0 < |rho| < 1, got {rho}")
        if d < 1 or idle < 0:
            raise ValueError(f"ReluUnits needs d >= 1 and idle >= 0, got d={d}, idle={idle}")
        self.rho, self.c, self.d, self.idle = float(rho), float(c), int(d), int(idle)
        self.dim_x, self.dim_y = self.d + self.idle, self.d
        self._mi = self.d * _relu_pair_mi(self.rho, self.c)

    @property
    def mi(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        y = rng.standard_normal((n, self.d))
        u = self.rho * y + math.sqrt(1.0 - self.rho**2) * rng.standard_normal((n, self.d))
        x = np.maximum(u - self.c, 0.0)
        if self.idle:
            x = np.hstack([x, np.maximum(rng.standard_normal((n, self.idle)) - IDLE_THRESHOLD, 0.0)])
        return x, y

    def __repr__(self) -> str:
        return f"ReluUnits(rho={self.rho}, c={self.c}, d={self.d}, idle={self.idle}, mi={self.mi:.4f})"


def _cozero_mi(r: float, c: float) -> float:
    s = math.sqrt(1.0 - r * r)
    a = stats.norm.cdf(c)
    p00 = float(stats.multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, r], [r, 1.0]]).cdf([c, c]))

    def g(v: float) -> float:  # density of Y = v - c > 0 with X at its block
        return float(stats.norm.pdf(v) * stats.norm.cdf((c - r * v) / s))

    one = integrate.quad(lambda v: g(v) * math.log(max(g(v), 1e-300) / (a * stats.norm.pdf(v))), c, c + 12.0,
                         limit=400)[0]

    def both(v: float) -> float:  # the Gaussian part, both units firing: over u > c given v
        def f(u: float) -> float:
            q = (u * u - 2 * r * u * v + v * v) / (s * s)
            dens = math.exp(-0.5 * q) / (2 * math.pi * s)
            return dens * (-math.log(s) - 0.5 * q + 0.5 * (u * u + v * v))
        return integrate.quad(f, c, c + 12.0, limit=200)[0]

    cont = integrate.quad(both, c, c + 12.0, limit=200)[0]
    return p00 * math.log(p00 / (a * a)) + 2.0 * one + cont


class CoZeroUnits(Sampler):
    """Two ReLU units on correlated inputs, ``X = max(U - c, 0)``, ``Y = max(V - c, 0)``,
    ``(U, V)`` standard normal with correlation ``r``: both sides have a block of zeros, and
    mostly on the same rows (two spends of one customer, two units of one layer). ``I`` sums
    the four parts: both at zero (a 2x2 table's term), one at zero (1-D integrals, twice by
    symmetry) and both firing (the Gaussian pointwise MI over a quadrant)."""

    dim_x = dim_y = 1

    def __init__(self, r: float, c: float = 0.0) -> None:
        if not 0.0 < abs(r) < 1.0:
            raise ValueError(f"CoZeroUnits needs 0 < |r| < 1, got {r}")
        self.r, self.c = float(r), float(c)
        self._mi = _cozero_mi(self.r, self.c)

    @property
    def mi(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        u = rng.standard_normal(n)
        v = self.r * u + math.sqrt(1.0 - self.r**2) * rng.standard_normal(n)
        return np.maximum(u - self.c, 0.0)[:, None], np.maximum(v - self.c, 0.0)[:, None]

    def __repr__(self) -> str:
        return f"CoZeroUnits(r={self.r}, c={self.c}, mi={self.mi:.4f})"


def _cell_probs(rho: float, edges: np.ndarray, x: np.ndarray) -> np.ndarray:
    s = math.sqrt(1.0 - rho * rho)
    e = np.concatenate([[-np.inf], edges, [np.inf]])
    return stats.norm.cdf((e[None, 1:] - rho * x[:, None]) / s) - stats.norm.cdf((e[None, :-1] - rho * x[:, None]) / s)


class QuantizedGauss(Sampler):
    """``d`` Gaussian pairs at correlation ``rho``, Y stored as one of ``levels`` equally
    likely cells per coordinate (module docstring)."""

    def __init__(self, rho: float, levels: int, d: int = 1) -> None:
        if not 0.0 < abs(rho) < 1.0 or levels < 2 or d < 1:
            raise ValueError(f"QuantizedGauss needs 0 < |rho| < 1, levels >= 2 and d >= 1, got {rho}, {levels}, {d}")
        self.rho, self.levels, self.d = float(rho), int(levels), int(d)
        self.dim_x = self.dim_y = self.d
        self.edges = stats.norm.ppf(np.arange(1, self.levels) / self.levels)
        # H(Q | X = x) is smooth in x: Gauss-Hermite nodes integrate it against phi(x)
        t, w = np.polynomial.hermite_e.hermegauss(160)
        p = _cell_probs(self.rho, self.edges, t)
        h = -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=1)
        h_cond = float(np.sum(w * h) / math.sqrt(2 * math.pi))
        self._mi = self.d * (math.log(self.levels) - h_cond)

    @property
    def mi(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((n, self.d))
        y = self.rho * x + math.sqrt(1.0 - self.rho**2) * rng.standard_normal((n, self.d))
        return x, np.searchsorted(self.edges, y).astype(float)

    def __repr__(self) -> str:
        return f"QuantizedGauss(rho={self.rho}, levels={self.levels}, d={self.d}, mi={self.mi:.4f})"
