"""Noise levels of the diffusion estimators: the variance-preserving (VP) channel, the
VP-SDE time schedule MINDE samples, and the log-SNR proposals MMG samples.

Every diffusion estimate here is one integral over the log signal-to-noise ratio
``lam = log(alpha^2 / sigma^2)`` of the variance-preserving channel
``z = alpha x + sigma eps`` (``alpha^2 = sigmoid(lam)``, ``sigma^2 = sigmoid(-lam)``):

    I(X; Y) = 1/2 * integral E || eps_hat(z, lam) - eps_hat(z, lam, y) ||^2 dlam

(the I-MMSE relation of Guo, Shamai and Verdu written for noise predictors, Kong et al. 2023;
MINDE writes the same integral in VP-SDE time with ``g(t)^2 = beta(t)``, since
``beta(t) / sigma_t^2 dt = -dlam``). A proposal draws noise levels and returns the weight
``1 / q`` that turns a sample mean into that integral.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def alpha_sigma(lam):
    """``(alpha, sigma)`` of the VP channel at log-SNR ``lam`` (a torch tensor or array)."""
    try:
        import torch

        if isinstance(lam, torch.Tensor):
            return torch.sigmoid(lam).sqrt(), torch.sigmoid(-lam).sqrt()
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    lam = np.asarray(lam, dtype=np.float64)
    return np.sqrt(1.0 / (1.0 + np.exp(-lam))), np.sqrt(1.0 / (1.0 + np.exp(lam)))


@dataclass(frozen=True)
class VPSchedule:
    """Song et al.'s VP-SDE with a linear ``beta(t) = beta_min + t (beta_max - beta_min)`` on
    ``t in [t_min, 1]`` (the schedule MINDE uses): ``alpha_t^2 = exp(-int_0^t beta)``.

    MINDE draws ``t`` with density ``q(t) = beta(t) / sigma_t^2 / Z`` (the importance
    sampling of Huang et al. 2021), which makes the integrand's weight
    ``g(t)^2 / (2 sigma_t^2 q(t)) = Z / 2`` constant; ``Z = lam(t_min) - lam(1)``."""

    beta_min: float = 0.1
    beta_max: float = 20.0
    t_min: float = 1e-3

    def _int_beta(self, t):
        return self.beta_min * t + 0.5 * (self.beta_max - self.beta_min) * t * t

    def beta(self, t):
        return self.beta_min + (self.beta_max - self.beta_min) * t

    def logsnr(self, t):
        """``log(alpha_t^2 / sigma_t^2) = -log(exp(int beta) - 1)``."""
        b = self._int_beta(np.asarray(t, dtype=np.float64))
        return -np.log(np.expm1(b))

    def t_of_logsnr(self, lam):
        """The inverse of :meth:`logsnr` (a quadratic in ``t``)."""
        b = np.log1p(np.exp(-np.asarray(lam, dtype=np.float64)))  # int_0^t beta
        a = 0.5 * (self.beta_max - self.beta_min)
        return (-self.beta_min + np.sqrt(self.beta_min**2 + 4 * a * b)) / (2 * a)

    @property
    def lam_range(self) -> tuple[float, float]:
        return float(self.logsnr(1.0)), float(self.logsnr(self.t_min))

    def sample(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Importance-sampled times from uniforms ``u``: returns ``(t, lam, weight)`` with
        ``weight = g(t)^2 / (2 sigma_t^2 q(t))``, so that ``weight * ||eps_c - eps_u||^2``
        equals ``1/2 g(t)^2 ||s(x_t|y) - s(x_t)||^2 / q(t)`` (``s = -eps_hat / sigma_t``)."""
        lo, hi = self.lam_range
        lam = lo + (hi - lo) * np.asarray(u, dtype=np.float64)
        t = self.t_of_logsnr(lam)
        sigma2 = -np.expm1(-self._int_beta(t))
        q = self.beta(t) / sigma2 / (hi - lo)
        weight = self.beta(t) / (2.0 * sigma2 * q)
        return t, lam, weight


@dataclass(frozen=True)
class LogisticProposal:
    """A logistic density over log-SNR (``loc``, ``scale``), truncated to ``[lo, hi]``
    (Kong et al.'s choice for training denoisers over all noise levels)."""

    loc: float = 2.0
    scale: float = 3.0
    lo: float = -10.0
    hi: float = 12.0

    def _cdf(self, lam):
        return 1.0 / (1.0 + np.exp(-(np.asarray(lam, dtype=np.float64) - self.loc) / self.scale))

    def sample(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(lam, weight)`` from uniforms ``u``; ``weight = 1 / (2 q(lam))``."""
        c0, c1 = self._cdf(self.lo), self._cdf(self.hi)
        p = c0 + (c1 - c0) * np.asarray(u, dtype=np.float64)
        lam = self.loc + self.scale * np.log(p / (1.0 - p))
        s = self._cdf(lam)
        q = s * (1.0 - s) / self.scale / (c1 - c0)
        return lam, 1.0 / (2.0 * q)


@dataclass(frozen=True)
class PiecewiseProposal:
    """A piecewise-constant density over log-SNR bins ``edges`` with bin probabilities
    ``probs``: MMG's adaptive importance sampling, fitted so that noise levels where the
    denoising gap is large are drawn more often (:func:`adaptive_proposal`)."""

    edges: tuple[float, ...]
    probs: tuple[float, ...]

    def sample(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(lam, weight)`` from uniforms ``u`` (inverse CDF); ``weight = 1 / (2 q(lam))``."""
        edges = np.asarray(self.edges)
        probs = np.asarray(self.probs)
        cdf = np.concatenate([[0.0], np.cumsum(probs)])
        cdf[-1] = 1.0
        u = np.asarray(u, dtype=np.float64)
        k = np.clip(np.searchsorted(cdf, u, side="right") - 1, 0, len(probs) - 1)
        frac = (u - cdf[k]) / np.maximum(probs[k], 1e-300)
        width = np.diff(edges)[k]
        lam = edges[k] + np.clip(frac, 0.0, 1.0) * width
        q = probs[k] / width
        return lam, 1.0 / (2.0 * q)


#: share of the adaptive proposal spread uniformly over the range, so that no noise level
#: gets a vanishing density (which would make its rare draws carry huge weights)
ADAPTIVE_FLOOR = 0.1


def adaptive_proposal(edges: np.ndarray, gap: np.ndarray, floor: float = ADAPTIVE_FLOOR) -> PiecewiseProposal:
    """The proposal proportional to the measured mean gap per bin (``gap``, one value per
    bin of ``edges``, measured on validation rows), mixed with ``floor`` of the uniform
    density. The variance of an importance-sampled integral is smallest when ``q`` follows
    the integrand; the floor bounds every weight by ``width / floor`` per unit range."""
    edges = np.asarray(edges, dtype=np.float64)
    width = np.diff(edges)
    mass = np.maximum(np.asarray(gap, dtype=np.float64), 0.0) * width
    uniform = width / width.sum()
    if not np.isfinite(mass).all() or mass.sum() <= 0:
        probs = uniform
    else:
        probs = (1.0 - floor) * mass / mass.sum() + floor * uniform
    return PiecewiseProposal(tuple(float(e) for e in edges), tuple(float(p) for p in probs / probs.sum()))


def check_range(lo: float, hi: float, name: str = "logsnr_range") -> tuple[float, float]:
    try:
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be two numbers (low, high) of log-SNR, got {(lo, hi)!r}") from exc
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be finite with low < high, e.g. (-10, 12); got {(lo, hi)!r}")
    return lo, hi
