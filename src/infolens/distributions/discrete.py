"""Known-truth samplers with discrete sides, and an outlier-contaminated Gaussian: the shapes
of field data that the continuous suite has none of.

* :class:`CopiedLabel`: two labels on ``k`` levels, ``Y = X`` with probability ``p``, else
  uniform. ``I = log k + a log a + (k - 1) b log b`` with ``a = p + (1 - p) / k``,
  ``b = (1 - p) / k`` (exact).
* :class:`CountLabel`: a Poisson count ``X`` (mean ``lam``) and a binary ``Y`` with
  ``P(Y = 1 | x) = sigmoid(slope (x - lam) / sqrt(lam))``. ``I = H(Y) - E H(Y | X)``, a sum
  over the counts (exact to the truncation at ``lam + 40 sqrt(lam) + 40``).
* :class:`ThresholdLabel`: ``d`` standard normal columns and ``Y = [X_1 + noise e > 0]``:
  the label depends on one column of ``d``. ``I = log 2 - E H(Phi(X_1 / noise))`` by
  Gauss-Hermite quadrature (200 nodes).
* :class:`XorLabel`: ``d`` standard normal columns and ``Y = [X_1 X_2 + noise e > 0]``: a
  label no linear boundary separates. ``I = log 2 - E H(Phi(X_1 X_2 / noise))`` by 2-D
  Gauss-Hermite quadrature (120 x 120 nodes).
* :class:`OrdinalSumLabel`: ``d`` standard normal columns and a 5-level ``Y`` cutting
  ``X_1 + X_2 + X_3 + noise e`` at fixed thresholds. ``I = H(Y) - E H(Y | S)`` over
  ``S = X_1 + X_2 + X_3 ~ N(0, 3)`` by quadrature.
* :class:`SharedPoisson`: ``X = A + B``, ``Y = A + C`` with independent Poisson ``A``, ``B``,
  ``C``: two counts sharing a component. ``I`` by summation over the joint pmf (exact to the
  truncation at 60 per component).
* :class:`MixedTable`: a table's side mixing a measurement ``Z``, ``f`` binary flags and a
  one-hot code of an ``L``-level category, against ``Y = Z + sum flags + 0.7 c + noise e``.
  ``I = h(Y) - h(Y | X)``: ``Y`` is a mixture over the discrete shift of ``N(shift, 1 +
  noise^2)``, its entropy by quadrature on a fine grid; ``h(Y | X) = 1/2 log(2 pi e noise^2)``.
* :class:`Contaminated`: ``d + d`` unit-variance Gaussians with ``d`` cross-correlations
  ``rho``, a share ``eps`` of the rows replaced by independent ``N(0, scale^2 I)`` outliers.
  The mixture's MI has no closed form: ``E log p(x, y) / (p(x) p(y))`` by Monte Carlo over
  400,000 rows of a fixed seed (standard error ~0.002 nats, :attr:`Contaminated.mi_stderr`).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import special, stats

from .base import Sampler


def _h_bernoulli(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-300, 1.0)
    q = np.clip(1.0 - p, 1e-300, 1.0)
    return -(p * np.log(p) + q * np.log(q))


class CopiedLabel(Sampler):
    """``X`` uniform on ``k`` levels; ``Y = X`` with probability ``p``, else uniform (module
    docstring). ``x`` and ``y`` are integer columns."""

    dim_x = 1
    dim_y = 1

    def __init__(self, k: int, p: float) -> None:
        if k < 2 or not 0.0 <= p <= 1.0:
            raise ValueError(f"CopiedLabel needs k >= 2 and 0 <= p <= 1, got k={k}, p={p}")
        self.k, self.p = int(k), float(p)

    @property
    def mi(self) -> float:
        a, b = self.p + (1 - self.p) / self.k, (1 - self.p) / self.k
        return math.log(self.k) + a * math.log(a) + ((self.k - 1) * b * math.log(b) if b > 0 else 0.0)

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.integers(0, self.k, n)
        y = np.where(rng.random(n) < self.p, x, rng.integers(0, self.k, n))
        return x[:, None], y[:, None]


class EmbeddedTokens(Sampler):
    """A token drawn uniformly from ``tokens``, written as its ``dim``-float embedding (fixed
    random vectors, seeded by ``seed``): a discrete variable in vector form. Against a label of
    ``classes`` levels that the token sets (its class, replaced by a uniform one with
    probability ``flip``); ``I = H(Y) - mean over tokens of H(Y | token)``, exactly."""

    def __init__(self, tokens: int, dim: int, classes: int, flip: float, seed: int = 0) -> None:
        if tokens < 2 or dim < 2 or classes < 2 or not 0.0 <= flip <= 1.0:
            raise ValueError(f"EmbeddedTokens needs tokens, dim, classes >= 2 and 0 <= flip <= 1, got "
                             f"{tokens}, {dim}, {classes}, {flip}")
        rng = np.random.default_rng(seed)
        self.emb = rng.standard_normal((tokens, dim))
        self.cls = rng.integers(0, classes, tokens)
        self.tokens, self.classes, self.flip = int(tokens), int(classes), float(flip)
        self.dim_x, self.dim_y = int(dim), 1

    @property
    def mi(self) -> float:
        p = np.full((self.tokens, self.classes), self.flip / self.classes)
        p[np.arange(self.tokens), self.cls] += 1.0 - self.flip

        def h(q: np.ndarray) -> np.ndarray:
            return -np.sum(np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0), axis=-1)

        return float(h(p.mean(axis=0)) - h(p).mean())

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        tok = rng.integers(0, self.tokens, n)
        y = np.where(rng.random(n) < self.flip, rng.integers(0, self.classes, n), self.cls[tok])
        return self.emb[tok], y[:, None]


class CountLabel(Sampler):
    """A Poisson count against a binary label that rises with it (module docstring)."""

    dim_x = 1
    dim_y = 1

    def __init__(self, lam: float, slope: float = 1.5) -> None:
        self.lam, self.slope = float(lam), float(slope)

    def _p1(self, x: np.ndarray) -> np.ndarray:
        return special.expit(self.slope * (x - self.lam) / math.sqrt(self.lam))

    @property
    def mi(self) -> float:
        ks = np.arange(0, int(self.lam + 40 * math.sqrt(self.lam) + 40))
        pk = stats.poisson.pmf(ks, self.lam)
        p1 = self._p1(ks)
        return float(_h_bernoulli(np.array([pk @ p1]))[0] - pk @ _h_bernoulli(p1))

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.poisson(self.lam, n)
        return x[:, None], (rng.random(n) < self._p1(x)).astype(np.int64)[:, None]


class ThresholdLabel(Sampler):
    """A binary label set by the first of ``dim`` standard normal columns (module docstring)."""

    dim_y = 1

    def __init__(self, dim: int, noise: float) -> None:
        self.dim_x, self.noise = int(dim), float(noise)

    @property
    def mi(self) -> float:
        t, w = special.roots_hermitenorm(200)
        return float(math.log(2.0) - (w / w.sum()) @ _h_bernoulli(special.ndtr(t / self.noise)))

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((n, self.dim_x))
        return x, (x[:, 0] + self.noise * rng.standard_normal(n) > 0).astype(np.int64)[:, None]


class XorLabel(Sampler):
    """A binary label set by the sign of the product of two of ``dim`` columns (module docstring)."""

    dim_y = 1

    def __init__(self, dim: int, noise: float) -> None:
        if dim < 2:
            raise ValueError(f"XorLabel needs dim >= 2, got {dim}")
        self.dim_x, self.noise = int(dim), float(noise)

    @property
    def mi(self) -> float:
        t, w = special.roots_hermitenorm(120)
        w = w / w.sum()
        a, b = np.meshgrid(t, t, indexing="ij")
        return float(math.log(2.0) - (np.outer(w, w) * _h_bernoulli(special.ndtr(a * b / self.noise))).sum())

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((n, self.dim_x))
        return x, (x[:, 0] * x[:, 1] + self.noise * rng.standard_normal(n) > 0).astype(np.int64)[:, None]


class OrdinalSumLabel(Sampler):
    """Five ordered levels of the sum of three of ``dim`` columns plus noise (module docstring)."""

    dim_y = 1
    CUTS = (-2.0, -0.7, 0.7, 2.0)

    def __init__(self, dim: int, noise: float) -> None:
        if dim < 3:
            raise ValueError(f"OrdinalSumLabel needs dim >= 3, got {dim}")
        self.dim_x, self.noise = int(dim), float(noise)

    @property
    def mi(self) -> float:
        t, w = special.roots_hermitenorm(200)
        w = w / w.sum()
        s = t * math.sqrt(3.0)
        edges = np.array([-np.inf, *self.CUTS, np.inf])
        p = special.ndtr((edges[None, 1:] - s[:, None]) / self.noise) - special.ndtr((edges[None, :-1] - s[:, None]) / self.noise)
        p = np.clip(p, 1e-300, 1.0)
        pbar = w @ p
        return float(-(pbar * np.log(pbar)).sum() + w @ (p * np.log(p)).sum(axis=1))

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.standard_normal((n, self.dim_x))
        s = x[:, :3].sum(axis=1) + self.noise * rng.standard_normal(n)
        return x, np.digitize(s, self.CUTS).astype(np.int64)[:, None]


class SharedPoisson(Sampler):
    """Two Poisson counts sharing a component (module docstring)."""

    dim_x = 1
    dim_y = 1

    def __init__(self, shared: float, own: float) -> None:
        self.shared, self.own = float(shared), float(own)

    @property
    def mi(self) -> float:
        m = 60
        pa, pb = stats.poisson.pmf(np.arange(m), self.shared), stats.poisson.pmf(np.arange(m), self.own)
        joint = np.zeros((2 * m, 2 * m))
        for a in range(m):
            joint[a:a + m, a:a + m] += pa[a] * np.outer(pb, pb)
        joint /= joint.sum()
        keep = joint > 0
        return float((joint[keep] * np.log(joint[keep] / np.outer(joint.sum(1), joint.sum(0))[keep])).sum())

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        a = rng.poisson(self.shared, n)
        return (a + rng.poisson(self.own, n))[:, None], (a + rng.poisson(self.own, n))[:, None]


class MixedTable(Sampler):
    """A side of one measurement, ``flags`` binary columns and a ``levels``-level one-hot code
    against a continuous target (module docstring)."""

    dim_y = 1

    def __init__(self, flags: int, levels: int, noise: float) -> None:
        self.flags, self.levels, self.noise = int(flags), int(levels), float(noise)
        self.dim_x = 1 + self.flags + self.levels

    @property
    def mi(self) -> float:
        shifts: dict[float, float] = {}
        for bits in range(2**self.flags):
            for c in range(self.levels):
                v = bin(bits).count("1") + 0.7 * c
                shifts[v] = shifts.get(v, 0.0) + 1.0 / (2**self.flags * self.levels)
        sd = math.sqrt(1.0 + self.noise**2)
        grid = np.linspace(min(shifts) - 12 * sd, max(shifts) + 12 * sd, 200_001)
        dens = sum(p * stats.norm.pdf(grid, v, sd) for v, p in shifts.items())
        h = -float(np.trapezoid(dens * np.log(np.maximum(dens, 1e-300)), grid))
        return h - 0.5 * math.log(2 * math.pi * math.e * self.noise**2)

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        z = rng.standard_normal(n)
        b = rng.integers(0, 2, (n, self.flags))
        c = rng.integers(0, self.levels, n)
        x = np.hstack([z[:, None], b, np.eye(self.levels)[c]]).astype(float)
        return x, (z + b.sum(axis=1) + 0.7 * c + self.noise * rng.standard_normal(n))[:, None]


@functools.lru_cache(maxsize=32)
def _contaminated_mi(d: int, rho: float, eps: float, scale: float) -> tuple[float, float]:
    s = Contaminated(d, rho, eps, scale)
    x, y = s._sample(400_000, np.random.default_rng(20261207))
    v = np.hstack([x, y])
    log_joint = np.logaddexp(math.log1p(-eps) + stats.multivariate_normal(cov=s.cov).logpdf(v),
                             math.log(eps) + stats.norm.logpdf(v, scale=scale).sum(1))

    def log_margin(u: np.ndarray) -> np.ndarray:
        return np.logaddexp(math.log1p(-eps) + stats.norm.logpdf(u).sum(1),
                            math.log(eps) + stats.norm.logpdf(u, scale=scale).sum(1))

    terms = log_joint - log_margin(x) - log_margin(y)
    return float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(len(terms)))


class Contaminated(Sampler):
    """A correlated Gaussian with a share of independent, wider outlier rows (module docstring).
    The outliers share one component across both sides, so a large ``|x|`` announces a large
    ``|y|``: the MI is above the clean Gaussian's (2+2, rho 0.7, 2% outliers at scale 5: 0.712
    against 0.673)."""

    def __init__(self, d: int, rho: float, eps: float, scale: float) -> None:
        self.dim_x = self.dim_y = int(d)
        self.rho, self.eps, self.scale = float(rho), float(eps), float(scale)
        self.cov = np.eye(2 * self.dim_x)
        for i in range(self.dim_x):
            self.cov[i, self.dim_x + i] = self.cov[self.dim_x + i, i] = self.rho
        self._chol = np.linalg.cholesky(self.cov)

    @property
    def mi(self) -> float:
        return _contaminated_mi(self.dim_x, self.rho, self.eps, self.scale)[0]

    @property
    def mi_stderr(self) -> float:
        """The Monte Carlo error of :attr:`mi` (nats)."""
        return _contaminated_mi(self.dim_x, self.rho, self.eps, self.scale)[1]

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        v = rng.standard_normal((n, 2 * self.dim_x)) @ self._chol.T
        out = rng.random(n) < self.eps
        v[out] = self.scale * rng.standard_normal((int(out.sum()), 2 * self.dim_x))
        return v[:, : self.dim_x], v[:, self.dim_x:]
