"""Kraskov–Stögbauer–Grassberger (KSG) mutual-information estimators.

Kraskov, Stögbauer & Grassberger, "Estimating mutual information",
Phys. Rev. E 69, 066138 (2004). Max-norm in the joint space ``z = (x, y)``.

Algorithm 1 (``ksg``):  I = psi(k) + psi(N) - < psi(n_x + 1) + psi(n_y + 1) >,
    eps_i = distance to the k-th neighbour of z_i, n_x(i) = #{j != i: ||x_j - x_i|| < eps_i}.
Algorithm 2 (``ksg2``): I = psi(k) - 1/k + psi(N) - < psi(n_x) + psi(n_y) >,
    n_x(i) = #{j != i: ||x_j - x_i|| <= eps_x(i)}, eps_x(i) the largest x-distance
    among the k joint neighbours.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import digamma

from ..errors import InputError
from ..registry import register
from ..result import Estimator
from ..validation import check_choice, check_positive_int, check_random_state, check_xy
from . import _knn_backend as kb
from ._bootstrap import convergence_warning, halfsample_stderr
from ._ties import TIES, prepare
from ._trust import heavy_tail_warning

#: joint dimension dx + dy above which every kNN estimator of this module reads low on
#: dependent data at any practical n (the suite at n = 5000: KSG reads 25% low on a dense
#: 25+25 Gaussian and 87% low on a sparse one; KL and weighted KL go negative), while up
#: to 5+5 it can be right (dense 5+5: 6% low). Below it, the half-sample convergence
#: check (:func:`._bootstrap.convergence_warning`) catches the cases that still read low.
KNN_MAX_JOINT_DIM = 10


def knn_warnings(name: str, mi: float, stderr: float | None, halves: list[float], x: np.ndarray, y: np.ndarray) -> list[str]:
    """The kNN estimators' own reasons for doubt: a high joint dimension, an estimate that
    has not converged in n, heavy joint tails (negative values beyond the error are
    flagged for every estimator by :func:`infolens.result.generic_warnings`)."""
    out = []
    dx, dy = x.shape[1], y.shape[1]
    if dx + dy > KNN_MAX_JOINT_DIM:
        out.append(
            f"{name} in {dx}+{dy} dimensions: kNN estimators read far too low when the joint dimension "
            f"exceeds {KNN_MAX_JOINT_DIM} (their bias grows with dimension and MI); use method='gaussian-copula' "
            "for near-Gaussian dependence, or a neural estimator"
        )
    for w in (convergence_warning(mi, halves, stderr, what=name), heavy_tail_warning(x, y, name)):
        if w:
            out.append(w)
    return out


class KNNEstimator(Estimator):
    """Shared machinery of the kNN estimators on two continuous variables: validation
    (``n > k``), tie handling and standardisation (:mod:`._ties`), and the half-sampling
    standard error (:mod:`._bootstrap`). Subclasses implement ``_mi(x, y) -> (mi, diag)``."""

    k: int
    ties: str
    standardize: bool
    n_subsamples: int
    backend: str
    random_state: Any

    def min_samples(self) -> int:
        return int(self.k) + 1

    def _check_params(self) -> None:
        check_positive_int(self.k, "k")
        check_choice(self.ties, "ties", TIES)
        check_choice(self.backend, "backend", kb.BACKENDS)
        if isinstance(self.n_subsamples, bool) or not isinstance(self.n_subsamples, (int, np.integer)) or self.n_subsamples < 0:
            raise InputError(f"n_subsamples must be an integer >= 0 (0 turns the standard error off), got {self.n_subsamples!r}")

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        self._check_params()
        return check_xy(x, y, min_samples=self.min_samples())

    def _mi(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, Any]]:
        raise NotImplementedError

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        rng = check_random_state(self.random_state)
        x, dx = prepare(x, "x", self.ties, self.standardize, rng)
        y, dy = prepare(y, "y", self.ties, self.standardize, rng)
        mi, diag = self._mi(x, y)
        hs = halfsample_stderr(lambda a, b: self._mi(a, b)[0], (x, y), self.n_subsamples, rng,
                               min_half=int(self.k) + 1)
        stderr = hs["stderr"]
        diag.update(dx)
        diag.update(dy)
        diag["stderr_method"] = hs["method"]
        if hs["ci_halfwidth"] is not None:
            diag["ci"] = (mi - hs["ci_halfwidth"], mi + hs["ci_halfwidth"])
            diag["half_sample_mean"] = float(np.mean(hs["halves"]))
        diag["warnings"] = knn_warnings(self.name, mi, stderr, hs["halves"], x, y)
        return mi, stderr, diag


@register("kraskov", "ksg1")
class KSG(KNNEstimator):
    """KSG mutual information (Kraskov et al. 2004), algorithm 1 by default.

    ``I = psi(k) + psi(N) - <psi(n_x+1) + psi(n_y+1)>`` (alg. 1), max-norm.

    Parameters
    ----------
    k : neighbours (3-10 is usual; larger k: lower variance, more bias).
    algorithm : 1 or 2 (the two estimators of the paper).
    ties : "dequantize" (default), "jitter" or "none"; see :mod:`infolens.estimators._ties`.
    standardize : scale each column to unit variance first (the estimate is then
        invariant to per-column rescaling).
    n_subsamples : random half-samples for the standard error (0: none); see
        :func:`infolens.estimators._bootstrap.halfsample_stderr` (costs about
        ``n_subsamples / 2`` extra estimates; the interval is a t interval).
    backend : "auto", "tree" (cKDTree, all cores) or "brute" (chunked exact, torch).
    random_state : seed of the tie-breaking noise and the subsampling split.
    """

    name: ClassVar[str] = "ksg"
    _test_params: ClassVar[dict[str, Any]] = {"k": 3, "n_subsamples": 4}

    def __init__(
        self,
        k: int = 5,
        algorithm: int = 1,
        ties: str = "dequantize",
        standardize: bool = True,
        n_subsamples: int = 10,
        backend: str = "auto",
        random_state: Any = None,
    ) -> None:
        self.k = k
        self.algorithm = algorithm
        self.ties = ties
        self.standardize = standardize
        self.n_subsamples = n_subsamples
        self.backend = backend
        self.random_state = random_state

    def _check_params(self) -> None:
        super()._check_params()
        check_choice(self.algorithm, "algorithm", (1, 2))

    def _mi(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, Any]]:
        return ksg_mi(x, y, k=int(self.k), algorithm=int(self.algorithm), backend=self.backend)


@register()
class KSG2(KSG):
    """KSG algorithm 2: ``I = psi(k) - 1/k + psi(N) - <psi(n_x) + psi(n_y)>`` with
    inclusive counts in the marginal radii eps_x(i), eps_y(i) (Kraskov et al. 2004)."""

    name: ClassVar[str] = "ksg2"

    def __init__(
        self,
        k: int = 5,
        ties: str = "dequantize",
        standardize: bool = True,
        n_subsamples: int = 10,
        backend: str = "auto",
        random_state: Any = None,
    ) -> None:
        super().__init__(k=k, algorithm=2, ties=ties, standardize=standardize,
                         n_subsamples=n_subsamples, backend=backend, random_state=random_state)


def ksg_mi(x: np.ndarray, y: np.ndarray, k: int = 5, algorithm: int = 1, backend: str = "auto") -> tuple[float, dict[str, Any]]:
    """The KSG estimate in nats on prepared ``(n, dx)``, ``(n, dy)`` float arrays
    (no tie handling, no scaling). Returns ``(mi, diagnostics)``."""
    n = len(x)
    if algorithm == 1:
        dist, _idx, which = kb.knn([x, y], k, backend)
        eps = dist[:, k - 1]
        nx, ny = kb.count_within_each([([x], eps), ([y], eps)], strict=True, backend=backend)
        mi = digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1))
    else:
        _dist, idx, which = kb.knn([x, y], k, backend)
        ex = kb.marginal_radius(x, idx)
        ey = kb.marginal_radius(y, idx)
        nx, ny = kb.count_within_each([([x], ex), ([y], ey)], strict=False, backend=backend)
        mi = digamma(k) - 1.0 / k + digamma(n) - np.mean(digamma(nx) + digamma(ny))
    return float(mi), {"backend": which, "mean_nx": float(nx.mean()), "mean_ny": float(ny.mean())}
