"""Additive uniform noise: X ~ U(0, 1), Y = X + N, N ~ U(-eps, eps).
I(X;Y) = h(Y) - log(2 eps) = eps - log(2 eps) for eps <= 1/2, and 1/(4 eps) for eps > 1/2
(h(Y) of the trapezoid density; the Beyond Normal "additive" task)."""

from __future__ import annotations

import math

import numpy as np

from .base import Sampler


def additive_uniform_mi(epsilon: float) -> float:
    if not epsilon > 0:
        raise ValueError(f"epsilon (noise half-width) must be > 0, got {epsilon}")
    return epsilon - math.log(2 * epsilon) if epsilon <= 0.5 else 1.0 / (4 * epsilon)


class AdditiveUniform(Sampler):
    dim_x = 1
    dim_y = 1

    def __init__(self, epsilon: float) -> None:
        additive_uniform_mi(epsilon)  # validates
        self.epsilon = float(epsilon)

    @property
    def mi(self) -> float:
        return additive_uniform_mi(self.epsilon)

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.uniform(0.0, 1.0, size=(n, 1))
        return x, x + rng.uniform(-self.epsilon, self.epsilon, size=(n, 1))
