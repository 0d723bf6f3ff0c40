"""Max-sliced mutual information (Tsur, Goldfeld & Greenewald 2023):
``max_{A, B} I(A^T X; B^T Y)`` over projections with orthonormal columns.

Found by a derivative-free search (CCA start, random candidates, then Gaussian
perturbations of the best, all scored by the batched estimator of :mod:`.sliced`) on one
part of the samples; the chosen projection's MI is estimated on the other part, so the
search does not bias the reported number upwards.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..errors import InputError
from ..registry import get_estimator, register
from ..validation import check_positive_int, check_random_state
from ._target import Target
from .neural.params import Param
from .sliced import _BATCHED, _SlicedBase, random_stiefel


def _cca_start(x: np.ndarray, y: np.ndarray, k: int, discrete: bool, ridge: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Top-k canonical directions (ridge-regularised CCA; one-hot y for labels, i.e. LDA):
    for jointly Gaussian data the first pair maximises I(a^T X; b^T Y) = -1/2 log(1 - rho^2)."""
    if discrete:
        labels = y[:, 0].astype(np.int64)
        y = np.eye(labels.max() + 1)[labels][:, :-1]
    xc, yc = x - x.mean(0), y - y.mean(0)
    n = len(x)

    def inv_sqrt(c: np.ndarray) -> np.ndarray:
        c = c + ridge * np.trace(c) / c.shape[0] * np.eye(c.shape[0])
        w, v = np.linalg.eigh(c)
        return (v / np.sqrt(np.maximum(w, 1e-12))) @ v.T

    wx, wy = inv_sqrt(xc.T @ xc / n), inv_sqrt(yc.T @ yc / n)
    u, _s, vt = np.linalg.svd(wx @ (xc.T @ yc / n) @ wy, full_matrices=False)
    a = wx @ u[:, :k]
    b = wy @ vt[:k].T
    a, _ = np.linalg.qr(a)
    b, _ = np.linalg.qr(b)
    return a, b


def _orthonormal(m: np.ndarray) -> np.ndarray:
    q, r = np.linalg.qr(m)
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1) + (np.diagonal(r, axis1=-2, axis2=-1) == 0))[..., None, :]


@register("max-smi")
class MaxSlicedMI(_SlicedBase):
    """Max-sliced MI, ``max_{A,B} I(A^T X; B^T Y)`` (Tsur, Goldfeld & Greenewald 2023),
    searched on a ``1 - holdout`` fraction of the samples and estimated on the rest.

    Search: the CCA/LDA directions and ``n_candidates`` random projections, then ``n_iter``
    rounds of ``n_offspring`` Gaussian perturbations of the best (step ``step``, shrinking
    by 0.7 per round), all scored with the batched estimator. The reported MI and its
    standard error are the inner estimator's on the held-out samples.
    Parameters as in :class:`SlicedMI`, plus ``holdout`` (fraction kept for the estimate).
    """

    name: ClassVar[str] = "max-sliced"
    _test_params: ClassVar[dict[str, Any]] = {"n_candidates": 10, "n_iter": 2, "n_offspring": 5, "k": 3}
    _own_params: ClassVar[dict[str, Param]] = {
        "n_candidates": Param(200, "int", "random projections scored in the first round"),
        "n_iter": Param(10, "int", "rounds of perturbations of the best projection"),
        "n_offspring": Param(50, "int", "perturbations per round"),
        "step": Param(0.5, "float", "scale of the first round's perturbations (shrinking by 0.7 per round)"),
        "holdout": Param(0.5, "float", "fraction of the samples kept for the estimate (the search uses the rest)"),
    }
    n_candidates: int
    n_iter: int
    n_offspring: int
    step: float
    holdout: float

    def min_samples(self) -> int:
        return 2 * (int(self.k) + 2)

    def _check_params(self) -> None:
        self._check_common()
        check_positive_int(self.n_candidates, "n_candidates")
        check_positive_int(self.n_iter, "n_iter", minimum=0)
        check_positive_int(self.n_offspring, "n_offspring")
        if not (isinstance(self.holdout, float) and 0.1 <= self.holdout <= 0.9):
            raise InputError(f"holdout must be a float in [0.1, 0.9] (the fraction of samples kept for the estimate), got {self.holdout!r}")
        if not (isinstance(self.step, (int, float)) and self.step > 0):
            raise InputError(f"step must be a positive number (the perturbation scale), got {self.step!r}")

    def _estimate(self, x: np.ndarray, target: Target) -> tuple[float, float | None, dict[str, Any]]:  # type: ignore[override]
        rng = check_random_state(self.random_state)
        inner = self._inner_name(target.discrete)
        x, y, _tied, flat = self._prepare(x, target, rng)
        n, dx, dy = len(x), x.shape[1], y.shape[1]
        px, py = self._plan(dx, dy, target.discrete, target.how)
        yflat = (None, None if py else flat[1])  # (an unprojected y keeps its own scale rule)
        k = int(self.proj_dim)
        perm = rng.permutation(n)
        n_est = int(round(self.holdout * n))
        est_idx, fit_idx = perm[:n_est], perm[n_est:]
        xf, yf = x[fit_idx], y[fit_idx]
        a0, b0 = _cca_start(xf, yf, k, target.discrete)
        C = int(self.n_candidates)
        A = np.concatenate([a0[None], random_stiefel(dx, k, C, rng)]) if px else None
        B = np.concatenate([b0[None], random_stiefel(dy, k, C, rng)]) if py else None
        if A is None and B is None:
            raise InputError(f"nothing to slice: x has {dx} and y {dy} dims, not more than proj_dim={k}; "
                             "estimate I(X;Y) directly (e.g. method='ksg')")
        seed = int(rng.integers(0, 2**31 - 1))
        scores, backend = self._score(xf, yf, target.discrete, A, B, inner, seed, desc="max-sliced candidates",
                                      flat=yflat)
        best = int(np.argmax(scores))
        bA = A[best] if A is not None else None
        bB = B[best] if B is not None else None
        best_score = float(scores[best])
        history = [best_score]
        step = float(self.step)
        for _ in range(int(self.n_iter)):
            m = int(self.n_offspring)
            nA = _orthonormal(bA[None] + step * rng.standard_normal((m, dx, k)) / np.sqrt(dx)) if bA is not None else None
            nB = _orthonormal(bB[None] + step * rng.standard_normal((m, dy, k)) / np.sqrt(dy)) if bB is not None else None
            s, _ = self._score(xf, yf, target.discrete, nA, nB, inner, seed, desc="max-sliced search", flat=yflat)
            j = int(np.argmax(s))
            if s[j] > best_score:
                best_score = float(s[j])
                bA = nA[j] if nA is not None else None
                bB = nB[j] if nB is not None else None
            history.append(best_score)
            step *= 0.7
        xe, ye = x[est_idx], y[est_idx]
        u = xe @ bA if bA is not None else xe
        v = ye if bB is None else ye @ bB
        params = dict(self.inner_params or {})
        if inner in _BATCHED:
            params.setdefault("k", int(self.k))
        if inner == "ross":
            params.setdefault("discrete_y", True)
        if "random_state" in get_estimator(inner, **params).get_params():
            params["random_state"] = int(rng.integers(0, 2**31 - 1))
        res = get_estimator(inner, **params).estimate(u, v)
        diag = {
            "inner": inner,
            "backend": backend,
            "knn_search": self._knn_search(inner, backend, A, B, y),
            "search_mi_best": best_score,
            "search_history": history,
            "n_search_samples": int(len(fit_idx)),
            "n_estimate_samples": int(n_est),
            "x_projection": None if bA is None else bA.tolist(),
            "y_projection": None if bB is None else bB.tolist(),
            "inner_diagnostics": res.diagnostics,
        }
        return res.mi, res.stderr, diag
