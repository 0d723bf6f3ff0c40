"""The sampler protocol: ``sample(n, random_state) -> (x, y)`` with the exact MI
next to it (``.mi``, in nats), and samplers built from others.

Following bmi (Czyż et al., "Beyond Normal", NeurIPS 2023): a task is a sampler
whose MI is known in closed form (or by numerical integration); invertible maps
applied to X and Y separately leave I(X;Y) unchanged, so transformed samplers
keep the base sampler's MI.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..validation import check_positive_int, check_random_state


class Sampler:
    """Base class: subclasses set ``dim_x``, ``dim_y`` and implement ``_sample(n, rng)``
    and the property ``mi`` (nats)."""

    dim_x: int
    dim_y: int

    @property
    def mi(self) -> float:
        raise NotImplementedError(f"{type(self).__name__} must define mi")

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError(f"{type(self).__name__} must implement _sample")

    def sample(self, n: int, random_state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """``n`` paired samples: ``x`` of shape ``(n, dim_x)`` (or ``(n, h, w)`` for images),
        ``y`` of shape ``(n, dim_y)`` (or ``(n,)`` int labels). Same seed, same samples."""
        n = check_positive_int(n, "n")
        return self._sample(n, check_random_state(random_state))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dim_x={self.dim_x}, dim_y={self.dim_y}, mi={self.mi:.4f})"


class Transformed(Sampler):
    """``(f(X), g(Y))`` for a base sampler and invertible maps ``f``, ``g``:
    I(f(X); g(Y)) = I(X; Y) (MI is invariant under injective maps of each variable)."""

    def __init__(self, base: Sampler, transform_x: Any = None, transform_y: Any = None) -> None:
        from .transforms import Identity, Transform

        for name, t in (("transform_x", transform_x), ("transform_y", transform_y)):
            if t is not None and not isinstance(t, Transform):
                raise TypeError(f"{name} must be an infolens.distributions.transforms.Transform, got {type(t).__name__}")
        self.base = base
        self.transform_x = transform_x or Identity()
        self.transform_y = transform_y or Identity()
        self.dim_x = self.transform_x.out_dim(base.dim_x)
        self.dim_y = self.transform_y.out_dim(base.dim_y)

    @property
    def mi(self) -> float:
        return self.base.mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.base._sample(n, rng)
        return self.transform_x(x), self.transform_y(y)


class Independent(Sampler):
    """X and Y independent standard normals (optionally a transform each): I(X;Y) = 0."""

    def __init__(self, dim_x: int, dim_y: int) -> None:
        self.dim_x = check_positive_int(dim_x, "dim_x")
        self.dim_y = check_positive_int(dim_y, "dim_y")

    @property
    def mi(self) -> float:
        return 0.0

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return rng.standard_normal((n, self.dim_x)), rng.standard_normal((n, self.dim_y))


class Padded(Sampler):
    """A base sampler with ``extra_x`` and ``extra_y`` independent standard normal columns
    appended to its sides: the MI is the base's (the added columns are independent of
    everything), the dependence now hidden among columns that carry none."""

    def __init__(self, base: Sampler, extra_x: int, extra_y: int) -> None:
        self.base = base
        self.extra_x = check_positive_int(extra_x, "extra_x", minimum=0)
        self.extra_y = check_positive_int(extra_y, "extra_y", minimum=0)
        self.dim_x, self.dim_y = base.dim_x + self.extra_x, base.dim_y + self.extra_y

    @property
    def mi(self) -> float:
        return self.base.mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.base._sample(n, rng)
        x, y = np.asarray(x, float).reshape(n, -1), np.asarray(y, float).reshape(n, -1)
        return (np.hstack([x, rng.standard_normal((n, self.extra_x))]),
                np.hstack([y, rng.standard_normal((n, self.extra_y))]))
