"""Known-truth samplers for how records and a network's outputs reach an estimator: copies of
records changed in their last digits, softmax outputs against the class, and a smoothed
one-hot label.

* :class:`NearCopies`: a base sampler's rows with a share of them stored a second time,
  through float32 (``how="float32"``: a second export merged in) or jittered by a relative
  ``1e-6`` (``how="jitter"``: oversampling with noise). No row repeats exactly. The records
  are the base sampler's draws, so the MI to recover is the base's; an estimator that takes
  the copies for independent draws reads dependence that is not there.
* :class:`SoftmaxOutputs`: a class ``C`` uniform on ``k`` levels, logits ``L = a e_C + Z``
  (``Z`` standard normal in ``k`` dims) and ``X = softmax(L)`` (``k`` columns summing to 1)
  against ``C``. The class posterior is ``softmax(a L)``, a function of ``X`` (``a log X``
  equals ``a L`` up to a constant per row), so ``I(X; C) = I(L; C)``, the MI of a Gaussian
  mixture label (:func:`~.mixture.mixture_label_mi`: quasi-Monte Carlo in the means' span).
* :class:`SmoothedOneHot`: ``C`` uniform on ``k`` levels, ``X = m_C + Z`` in 2 dims (class
  centres ``m_c`` drawn once, seeded, ``spread`` apart) against the one-hot code of ``C``
  smoothed to ``1 - eps`` / ``eps / (k - 1)``: ``k`` columns whose rows take ``k`` patterns,
  none of which one column alone tells apart. ``I = I(X; C)``, a Gaussian mixture label's
  (:func:`~.mixture.mixture_label_mi`: Gauss-Hermite quadrature in 2 dims).
"""

from __future__ import annotations

import numpy as np

from .base import Sampler
from .mixture import GaussianMixtureLabel


class NearCopies(Sampler):
    """A share ``share`` of the base sampler's rows stored a second time, changed in their last
    digits (module docstring); ``n`` rows in all, ``round(n / (1 + share))`` of them records."""

    HOWS = ("float32", "jitter")

    def __init__(self, base: Sampler, share: float, how: str = "float32", jitter: float = 1e-6) -> None:
        if not 0.0 < share <= 1.0 or how not in self.HOWS or not jitter > 0:
            raise ValueError(f"NearCopies needs 0 < share <= 1, how in {self.HOWS} and jitter > 0, got "
                             f"{share}, {how!r}, {jitter}")
        self.base, self.share, self.how, self.jitter = base, float(share), how, float(jitter)
        self.dim_x, self.dim_y = base.dim_x, base.dim_y

    @property
    def mi(self) -> float:
        return self.base.mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        m = max(2, int(round(n / (1.0 + self.share))))
        x, y = self.base.sample(m, random_state=rng)
        x, y = np.asarray(x, dtype=np.float64).reshape(m, -1), np.asarray(y, dtype=np.float64).reshape(m, -1)
        pick = rng.choice(m, size=min(m, n - m), replace=False)
        cx, cy = x[pick], y[pick]
        if self.how == "float32":
            cx, cy = cx.astype(np.float32).astype(np.float64), cy.astype(np.float32).astype(np.float64)
        else:
            cx = cx * (1.0 + self.jitter * rng.standard_normal(cx.shape))
            cy = cy * (1.0 + self.jitter * rng.standard_normal(cy.shape))
        order = rng.permutation(m + len(pick))
        return np.vstack([x, cx])[order], np.vstack([y, cy])[order]


class SoftmaxOutputs(Sampler):
    """A network's softmax outputs (``k`` columns summing to 1) against the class (module
    docstring); ``y`` the integer class. The logits given the class are
    :meth:`GaussianMixtureLabel.simplex <.mixture.GaussianMixtureLabel.simplex>`'s, whose
    integration gives the truth (``mi_error`` its error)."""

    dim_y = 1

    def __init__(self, k: int, a: float) -> None:
        if k < 2 or not a > 0:
            raise ValueError(f"SoftmaxOutputs needs k >= 2 classes and a > 0, got {k}, {a}")
        self.k, self.a = int(k), float(a)
        self.dim_x = self.k
        self.logits = GaussianMixtureLabel.simplex(self.k, self.k, self.a)
        self.mi_error = self.logits.mi_error

    @property
    def mi(self) -> float:
        return self.logits.mi  # (the posterior is a function of the outputs: I(X; C) = I(L; C))

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        logits, c = self.logits.sample(n, random_state=rng)
        z = logits - logits.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True), c[:, None]


class SmoothedOneHot(Sampler):
    """2-dim points around ``k`` class centres against the class's one-hot code smoothed to
    ``1 - eps`` / ``eps / (k - 1)`` (module docstring). The points given the class are a
    :class:`~.mixture.GaussianMixtureLabel`, whose integration gives the truth (the code is
    one-to-one with the class)."""

    dim_x = 2

    def __init__(self, k: int, spread: float = 2.0, eps: float = 0.1, seed: int = 0) -> None:
        if k < 3 or not spread > 0 or not 0.0 < eps < 1.0 - 1.0 / k:
            raise ValueError(f"SmoothedOneHot needs k >= 3, spread > 0 and 0 < eps < 1 - 1/k, got {k}, {spread}, {eps}")
        self.k, self.spread, self.eps = int(k), float(spread), float(eps)
        self.centres = np.random.default_rng(seed).standard_normal((self.k, 2)) * self.spread
        self.dim_y = self.k
        self.points = GaussianMixtureLabel(self.centres)
        self.mi_error = self.points.mi_error

    @property
    def mi(self) -> float:
        return self.points.mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x, c = self.points.sample(n, random_state=rng)
        code = np.full((n, self.k), self.eps / (self.k - 1))
        code[np.arange(n), c] = 1.0 - self.eps
        return x, code
