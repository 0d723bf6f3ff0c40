"""Invertible maps that keep mutual information: applied to X (or Y) alone,
I(f(X); Y) = I(X; Y) for any injective measurable f. Each has ``forward`` (also
``__call__``) and ``inverse``; the Beyond Normal benchmark uses the same family
(normal CDF, half-cube, asinh, wiggly, spiral, Swiss roll, bimodal marginals)."""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np
from scipy import special, stats


class Transform:
    """An injective map of a ``(n, d)`` array; ``out_dim(d)`` is the output width."""

    name = "transform"

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def inverse(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def out_dim(self, d: int) -> int:
        return d

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(np.asarray(x, dtype=float))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _bisect(f: Callable[[np.ndarray], np.ndarray], target: np.ndarray, lo: np.ndarray | float, hi: np.ndarray | float,
            iters: int = 64) -> np.ndarray:
    """Solve f(t) = target for increasing f, elementwise, by bisection on [lo, hi].
    Written by hand because SciPy's root finders are scalar; 64 halvings reach float precision."""
    lo = np.broadcast_to(np.asarray(lo, float), target.shape).copy()
    hi = np.broadcast_to(np.asarray(hi, float), target.shape).copy()
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        below = f(mid) < target
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


class Identity(Transform):
    name = "identity"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def inverse(self, y: np.ndarray) -> np.ndarray:
        return y


class NormalCDF(Transform):
    """Phi, the standard normal CDF, per coordinate: normal marginals become uniform on (0, 1)."""

    name = "normal_cdf"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return special.ndtr(x)

    def inverse(self, y: np.ndarray) -> np.ndarray:
        return special.ndtri(np.asarray(y, float))


class HalfCube(Transform):
    """x |x|^(1/2) per coordinate: heavier tails."""

    name = "half_cube"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * np.sqrt(np.abs(x))

    def inverse(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, float)
        return np.sign(y) * np.abs(y) ** (2.0 / 3.0)


class Asinh(Transform):
    """asinh per coordinate: lighter tails (log-like growth)."""

    name = "asinh"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.arcsinh(x)

    def inverse(self, y: np.ndarray) -> np.ndarray:
        return np.sinh(np.asarray(y, float))


#: the two wiggly maps of the Beyond Normal benchmark (derivatives stay > 0, so they are bijections)
_WIGGLY = {
    "x": (lambda t: t + 0.4 * np.sin(1.0 * t) + 0.2 * np.sin(1.7 * t + 1) + 0.03 * np.sin(3.3 * t - 2.5), 0.63),
    "y": (lambda t: t - 0.4 * np.sin(0.4 * t) + 0.17 * np.sin(1.3 * t + 3.5) + 0.02 * np.sin(4.3 * t - 2.5), 0.59),
}


class Wiggly(Transform):
    """A strictly increasing wiggly bijection of the line, per coordinate (``which`` = "x" or "y")."""

    name = "wiggly"

    def __init__(self, which: str = "x") -> None:
        if which not in _WIGGLY:
            raise ValueError(f"which must be 'x' or 'y', got {which!r}")
        self.which = which
        self._f, self._bound = _WIGGLY[which]

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self._f(x)

    def inverse(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, float)  # |f(t) - t| <= bound, so the root lies in [y - bound, y + bound]
        return _bisect(self._f, y, y - self._bound, y + self._bound)

    def __repr__(self) -> str:
        return f"Wiggly(which={self.which!r})"


class Spiral(Transform):
    """x -> R(speed |x|^2) x, R(theta) a rotation by theta in the plane of coordinates (i, j)
    (Beyond Normal's spiral: exp(speed |x|^2 A) x with A a generator of so(d)). The norm is
    kept, so the inverse rotates back by -speed |y|^2."""

    name = "spiral"

    def __init__(self, i: int = 0, j: int = 1, speed: float = 1.0 / 3.0) -> None:
        if i == j:
            raise ValueError(f"i and j must differ (the rotation plane), got {i}, {j}")
        self.i, self.j, self.speed = int(i), int(j), float(speed)

    def _rotate(self, x: np.ndarray, sign: float) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] <= max(self.i, self.j):
            raise ValueError(f"spiral in plane ({self.i}, {self.j}) needs at least {max(self.i, self.j) + 1} columns, got shape {x.shape}")
        theta = sign * self.speed * np.sum(x * x, axis=1)
        c, s = np.cos(theta), np.sin(theta)
        out = x.copy()
        out[:, self.i] = c * x[:, self.i] - s * x[:, self.j]
        out[:, self.j] = s * x[:, self.i] + c * x[:, self.j]
        return out

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self._rotate(x, 1.0)

    def inverse(self, y: np.ndarray) -> np.ndarray:
        return self._rotate(np.asarray(y, float), -1.0)

    def __repr__(self) -> str:
        return f"Spiral(i={self.i}, j={self.j}, speed={self.speed:.4g})"


class SwissRoll(Transform):
    """Embeds one coordinate u in (0, 1) into the plane as a Swiss roll:
    t = 1.5 pi (1 + 2u), (t cos t, t sin t) / 21. The radius t/21 grows with u, so it is injective."""

    name = "swissroll_x"

    def out_dim(self, d: int) -> int:
        if d != 1:
            raise ValueError(f"the Swiss roll embeds a 1-dimensional variable, got dim {d}")
        return 2

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != 1:
            raise ValueError(f"the Swiss roll needs shape (n, 1) with values in (0, 1), got {x.shape}")
        t = 1.5 * math.pi * (1.0 + 2.0 * x[:, 0])
        return np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / 21.0

    def inverse(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, float)
        t = 21.0 * np.hypot(y[:, 0], y[:, 1])
        return ((t / (1.5 * math.pi) - 1.0) / 2.0)[:, None]


class MixtureMarginal(Transform):
    """x -> F^-1(Phi(x)), F the CDF of a 1-D normal mixture: standard normal marginals
    become (bimodal) mixture marginals. Solved in log space on the side of the median,
    so the tails stay accurate."""

    name = "mixture_marginal"

    def __init__(self, weights: Sequence[float], means: Sequence[float], scales: Sequence[float] | None = None) -> None:
        w = np.asarray(weights, float)
        if w.ndim != 1 or np.any(w <= 0) or not math.isclose(w.sum(), 1.0, rel_tol=1e-9):
            raise ValueError(f"weights must be positive and sum to 1, got {list(weights)}")
        self.weights, self.means = w, np.asarray(means, float)
        self.scales = np.ones_like(w) if scales is None else np.asarray(scales, float)
        if self.means.shape != w.shape or self.scales.shape != w.shape or np.any(self.scales <= 0):
            raise ValueError("means and scales must match weights in length; scales must be > 0")

    def _log_cdf(self, t: np.ndarray) -> np.ndarray:
        z = (t[..., None] - self.means) / self.scales
        return special.logsumexp(np.log(self.weights) + stats.norm.logcdf(z), axis=-1)

    def _log_sf(self, t: np.ndarray) -> np.ndarray:
        z = (t[..., None] - self.means) / self.scales
        return special.logsumexp(np.log(self.weights) + stats.norm.logsf(z), axis=-1)

    def forward(self, x: np.ndarray) -> np.ndarray:
        lo = float(np.min(self.means - 40 * self.scales))
        hi = float(np.max(self.means + 40 * self.scales))
        out = np.empty_like(x, dtype=float)
        left = x <= 0
        out[left] = _bisect(self._log_cdf, stats.norm.logcdf(x[left]), lo, hi)
        out[~left] = _bisect(lambda t: -self._log_sf(t), -stats.norm.logsf(x[~left]), lo, hi)
        return out

    def inverse(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, float)
        log_cdf, log_sf = self._log_cdf(y), self._log_sf(y)
        left = log_cdf <= math.log(0.5)
        return np.where(left, special.ndtri(np.exp(log_cdf)), -special.ndtri(np.exp(log_sf)))

    def __repr__(self) -> str:
        return f"MixtureMarginal(weights={self.weights.tolist()}, means={self.means.tolist()})"


#: Beyond Normal's bimodal marginals: 0.3 N(0,1) + 0.7 N(5,1) for X, 0.5 N(-1,1) + 0.5 N(3,1) for Y
BIMODAL_X = dict(weights=[0.3, 0.7], means=[0.0, 5.0])
BIMODAL_Y = dict(weights=[0.5, 0.5], means=[-1.0, 3.0])


class Rescale(Transform):
    """Per-column affine map x * scale + shift (scale != 0)."""

    name = "rescale"

    def __init__(self, scale: Any, shift: Any = 0.0) -> None:
        self.scale, self.shift = np.asarray(scale, float), np.asarray(shift, float)
        if np.any(self.scale == 0):
            raise ValueError("scale must be non-zero in every column (a zero scale is not invertible)")

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x * self.scale + self.shift

    def inverse(self, y: np.ndarray) -> np.ndarray:
        return (np.asarray(y, float) - self.shift) / self.scale

    def __repr__(self) -> str:
        return f"Rescale(scale={self.scale.tolist()}, shift={self.shift.tolist()})"


class Compose(Transform):
    """``Compose(f, g)(x) = g(f(x))``."""

    name = "compose"

    def __init__(self, *steps: Transform) -> None:
        self.steps = steps

    def forward(self, x: np.ndarray) -> np.ndarray:
        for s in self.steps:
            x = s.forward(x)
        return x

    def inverse(self, y: np.ndarray) -> np.ndarray:
        for s in reversed(self.steps):
            y = s.inverse(y)
        return y

    def out_dim(self, d: int) -> int:
        for s in self.steps:
            d = s.out_dim(d)
        return d

    def __repr__(self) -> str:
        return f"Compose{self.steps!r}"


class AffineCoupling(Transform):
    """A stack of affine coupling layers with fixed random weights (seeded), the building
    block of normalising flows: each layer keeps one part ``a`` of the columns and maps the
    rest, ``b -> b exp(s(a)) + t(a)`` with ``s = scale tanh(a W)`` and ``t = shift sin(2 a V)``;
    the layers alternate which columns are kept (a roll by one). Every layer is invertible given
    ``a`` (``b = (b' - t(a)) exp(-s(a))``), so the map is a diffeomorphism that mixes columns
    non-linearly: MI-preserving, and no coordinatewise (copula) model follows it. Needs 2+
    columns."""

    name = "affine_coupling"

    def __init__(self, dim: int, layers: int = 2, scale: float = 1.0, shift: float = 2.0, seed: int = 0) -> None:
        if dim < 2:
            raise ValueError(f"a coupling layer needs at least 2 columns, got dim={dim}")
        rng = np.random.default_rng(seed)
        self.dim, self.layers, self.scale, self.shift, self.seed = int(dim), int(layers), float(scale), float(shift), seed
        self.keep = self.dim // 2
        w = self.keep, self.dim - self.keep
        self._w = [rng.standard_normal(w) / math.sqrt(self.keep) for _ in range(self.layers)]
        self._v = [rng.standard_normal(w) / math.sqrt(self.keep) for _ in range(self.layers)]

    def _check(self, x: np.ndarray) -> None:
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"AffineCoupling({self.dim}) needs shape (n, {self.dim}), got {x.shape}")

    def _st(self, a: np.ndarray, layer: int) -> tuple[np.ndarray, np.ndarray]:
        return self.scale * np.tanh(a @ self._w[layer]), self.shift * np.sin(2.0 * a @ self._v[layer])

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check(x)
        v = np.array(x, dtype=float)
        for layer in range(self.layers):
            order = np.roll(np.arange(self.dim), layer)
            a, b = v[:, order[:self.keep]], v[:, order[self.keep:]]
            s, t = self._st(a, layer)
            v[:, order[self.keep:]] = b * np.exp(s) + t
        return v

    def inverse(self, y: np.ndarray) -> np.ndarray:
        v = np.array(y, dtype=float)
        self._check(v)
        for layer in reversed(range(self.layers)):
            order = np.roll(np.arange(self.dim), layer)
            a, b = v[:, order[:self.keep]], v[:, order[self.keep:]]
            s, t = self._st(a, layer)
            v[:, order[self.keep:]] = (b - t) * np.exp(-s)
        return v

    def __repr__(self) -> str:
        return f"AffineCoupling(dim={self.dim}, layers={self.layers}, scale={self.scale}, shift={self.shift}, seed={self.seed})"


class ResidualMap(Transform):
    """``x -> x + tanh(x W + c)`` with fixed random ``W`` (seeded) scaled to spectral norm
    ``lipschitz < 1``: the residual part is a contraction, so the map is invertible (the
    inverse is the fixed point of ``x = y - tanh(x W + c)``, found by iteration) - an
    invertible residual network's block. MI-preserving, not coordinatewise."""

    name = "residual"

    def __init__(self, dim: int, lipschitz: float = 0.9, seed: int = 0) -> None:
        if not 0 < lipschitz < 1:
            raise ValueError(f"lipschitz must lie in (0, 1) for the map to be invertible, got {lipschitz}")
        rng = np.random.default_rng(seed)
        w = rng.standard_normal((dim, dim))
        self.dim, self.lipschitz, self.seed = int(dim), float(lipschitz), seed
        self._w = w * (lipschitz / np.linalg.norm(w, 2))
        self._c = rng.standard_normal(dim)

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"ResidualMap({self.dim}) needs shape (n, {self.dim}), got {x.shape}")
        return x + np.tanh(x @ self._w + self._c)

    def inverse(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, float)
        x = y.copy()
        for _ in range(400):  # (a contraction by `lipschitz`: 0.9^400 ~ 5e-19)
            x = y - np.tanh(x @ self._w + self._c)
        return x

    def __repr__(self) -> str:
        return f"ResidualMap(dim={self.dim}, lipschitz={self.lipschitz}, seed={self.seed})"


class Rotation(Transform):
    """``x -> x Q`` with a fixed random orthogonal ``Q`` (seeded): mixes the columns linearly,
    so a copula that is not Gaussian (Clayton, say) is no longer of its family in the new
    columns, while the MI is unchanged."""

    name = "rotation"

    def __init__(self, dim: int, seed: int = 0) -> None:
        q, r = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, dim)))
        self.dim, self.seed = int(dim), seed
        self._q = q * np.sign(np.diag(r))

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x @ self._q

    def inverse(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(y, float) @ self._q.T

    def __repr__(self) -> str:
        return f"Rotation(dim={self.dim}, seed={self.seed})"
