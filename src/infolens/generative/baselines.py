"""Reference generators with known privacy behaviour, the fixed points of the audit:

- :class:`CopyGenerator` releases its training rows (the worst case: every record leaks).
- :class:`IndependentSampler` draws from the true distribution, independent of the training
  rows (the best case: nothing about any record leaks, membership AUC = 0.5 exactly in expectation).
- :class:`GaussianGenerator` fits a multivariate normal (mean and covariance only): a smooth
  model that leaks little, but is faithful only to the first two moments.

All share the generators' interface: ``fit(X) -> self``, ``sample(n, random_state) -> array``.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..validation import check_array, check_positive_int, check_random_state


class CopyGenerator:
    """``sample(n)`` returns the training rows in a random order (cycling when ``n > n_train``)."""

    def fit(self, X: Any) -> "CopyGenerator":
        self.data_ = check_array(X, "X", allow_constant=True)
        return self

    def sample(self, n: int, random_state: Any = None) -> np.ndarray:
        n = check_positive_int(n, "n")
        rng = check_random_state(random_state)
        reps = -(-n // len(self.data_))
        order = np.concatenate([rng.permutation(len(self.data_)) for _ in range(reps)])[:n]
        return self.data_[order].copy()


class IndependentSampler:
    """Samples ``sampler(n, rng)`` from the true distribution; ``fit`` only checks the width."""

    def __init__(self, sampler: Callable[[int, np.random.Generator], np.ndarray]) -> None:
        self.sampler = sampler

    def fit(self, X: Any) -> "IndependentSampler":
        if not callable(self.sampler):
            raise TypeError("sampler must be a callable (n, rng) -> array of n rows")
        self.n_features_ = check_array(X, "X", allow_constant=True).shape[1]
        return self

    def sample(self, n: int, random_state: Any = None) -> np.ndarray:
        n = check_positive_int(n, "n")
        out = np.asarray(self.sampler(n, check_random_state(random_state)), dtype=np.float64).reshape(n, -1)
        if hasattr(self, "n_features_") and out.shape[1] != self.n_features_:
            raise ValueError(f"sampler returned {out.shape[1]} columns, the training data has {self.n_features_}")
        return out


class GaussianGenerator:
    """Multivariate normal with the training mean and covariance (plus ``ridge`` on the diagonal)."""

    def __init__(self, ridge: float = 1e-6) -> None:
        self.ridge = ridge

    def fit(self, X: Any) -> "GaussianGenerator":
        x = check_array(X, "X", allow_constant=True, min_samples=2)
        self.mean_ = x.mean(axis=0)
        self.cov_ = np.atleast_2d(np.cov(x, rowvar=False)) + self.ridge * np.eye(x.shape[1])
        return self

    def sample(self, n: int, random_state: Any = None) -> np.ndarray:
        n = check_positive_int(n, "n")
        return check_random_state(random_state).multivariate_normal(self.mean_, self.cov_, size=n)
