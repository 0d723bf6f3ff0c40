"""Kozachenko–Leonenko entropy, its weighted version, and MI as H(X) + H(Y) - H(X,Y).

Kozachenko & Leonenko, Probl. Inf. Transm. 23 (1987), in the max-norm form of Kraskov
et al. (2004, eq. 20):  H_j = psi(N) - psi(j) + log V_d + (d/N) sum_i log rho_(j),i,
rho_(j),i the distance from sample i to its j-th neighbour, V_d = 2^d the volume of the
unit max-norm ball.

Weighted KL (Berrett, Samworth & Yuan, Ann. Statist. 47, 2019): H_w = sum_j w_j H_j with
sum_j w_j = 1 and sum_j w_j Gamma(j + 2l/d) / Gamma(j) = 0 for l = 1..floor(d/4), w
supported on {floor(k/d), floor(2k/d), ..., k}; these weights cancel the leading bias
terms that make the plain estimator inefficient for d >= 4. We take the minimum-norm
solution of those constraints (the paper allows any), and cancel fewer terms where the
weights' norm would exceed :data:`WKL_MAX_NORM` (in high dimensions the full set of
constraints needs weights of norm 1e5 and more, which turn sampling noise into estimates
of hundreds of nats); the diagnostics say how many terms were cancelled.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import digamma, gammaln

from ..errors import InputError, flag
from ..registry import register
from ..validation import check_array, check_positive_int, check_random_state
from . import knn_backend as kb
from ._trust import tie_warning
from .ties import prepare
from .knn import KNNEstimator


#: largest L1 norm of the weight vector. The weights multiply log-distances, so their
#: norm multiplies the noise: cancelling all floor(d/4) bias terms in d = 20 takes weights
#: of norm ~2e5 (estimates of +-400 nats on 10+10-dim data); under this bound the
#: estimator cancels as many leading bias terms as it can while its variance stays within
#: ~10x that of the plain estimator (norms measured: 3.0 for d=4, 5.5 for d=10, 10.2 for d=20
#: with one constraint; k = 20 gives 9.3).
WKL_MAX_NORM = 10.0


def bsy_weights(d: int, k: int, max_norm: float = WKL_MAX_NORM) -> tuple[np.ndarray, np.ndarray, int]:
    """``(js, w, L)``: neighbour orders ``js``, Berrett–Samworth–Yuan weights ``w`` and the
    number ``L`` of bias terms they cancel. The paper's family cancels ``floor(d/4)`` terms;
    among ``L = floor(d/4), ..., 1, 0`` we take the largest whose minimum-norm solution has
    ``||w||_1 <= max_norm`` (``L = 0`` is the plain estimator at order k)."""
    js = np.unique(np.maximum(1, (np.arange(1, d + 1) * k) // d))
    for n_con in range(min(d // 4, js.size - 1), 0, -1):
        rows = [np.ones(js.size)] + [np.exp(gammaln(js + 2.0 * ell / d) - gammaln(js)) for ell in range(1, n_con + 1)]
        b = np.zeros(n_con + 1)
        b[0] = 1.0
        w = np.linalg.lstsq(np.array(rows), b, rcond=None)[0]
        if np.abs(w).sum() <= max_norm:
            return js, w, n_con
    return np.array([k]), np.array([1.0]), 0


def kl_entropy_prepared(a: np.ndarray, k: int, weighted: bool = False, backend: str = "auto") -> tuple[float, dict[str, Any]]:
    """Entropy in nats of prepared (tie-free) samples ``a`` of shape ``(n, d)``."""
    n, d = a.shape
    dist, _idx, which = kb.knn([a], k, backend)
    n_con = 0
    if weighted:
        js, w, n_con = bsy_weights(d, k)
    else:
        js, w = np.array([k]), np.array([1.0])
    rho = dist[:, js - 1]
    if np.any(rho <= 0):
        raise InputError(
            "repeated samples give zero neighbour distances, so the KL entropy is -inf; "
            "use ties='dequantize' (the default) or 'jitter'"
        )
    hj = digamma(n) - digamma(js) + d * np.log(2.0) + d * np.log(rho).mean(axis=0)
    return float(np.dot(w, hj)), {"backend": which, "orders": js.tolist(), "weights": w.tolist(),
                                   "bias_terms_cancelled": n_con, "bias_terms_wanted": d // 4 if weighted else 0}


def kl_entropy(
    x: Any,
    k: int = 5,
    weighted: bool = False,
    ties: str = "dequantize",
    backend: str = "auto",
    random_state: Any = None,
) -> float:
    """Differential entropy H(X) in nats by Kozachenko–Leonenko (``weighted=True``:
    Berrett–Samworth–Yuan weights). Ties are broken as in :mod:`._ties`; no scaling."""
    k = check_positive_int(k, "k")
    a = check_array(x, "x", min_samples=k + 1)
    a, _ = prepare(a, "x", ties, False, check_random_state(random_state))
    return kl_entropy_prepared(a, k, weighted, backend)[0]


@register("kl3h", "kozachenko-leonenko")
class KLMI(KNNEstimator):
    """MI as H(X) + H(Y) - H(X,Y), each a Kozachenko–Leonenko entropy (max-norm,
    k-th neighbour). Errors of the three terms do not cancel as in KSG, so it is more
    biased than KSG for strong dependence; kept as the classical baseline.
    """

    name: ClassVar[str] = "kl"
    weighted: ClassVar[bool] = False
    _test_params: ClassVar[dict[str, Any]] = {"k": 3, "n_subsamples": 4}


    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        mi, stderr, diag = super()._estimate(x, y)
        tie = tie_warning(x, y)
        if tie is not None:
            # once its ties are broken, a block of equal values is a spike of very low entropy:
            # its share of H(X) and H(X, Y) does not cancel, as KSG's neighbour counts do
            diag["warnings"].append(flag(
                "discrete-values",
                f"{tie.message}. Entropy estimators read such a block, once its ties are broken, as a spike of very "
                "low entropy whose share of H(x), H(y) and H(x, y) does not cancel, so this value may be far off (a "
                "ReLU unit zero on 69% of the rows beside idle units: -20.8 nats)",
                advice="; use method='ksg' or 'mixed', which count neighbours instead", **tie.data))
        return mi, stderr, diag

    def _mi(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, Any]]:
        k = int(self.k)
        hx, dx = kl_entropy_prepared(x, k, self.weighted, self.backend)
        hy, _ = kl_entropy_prepared(y, k, self.weighted, self.backend)
        hxy, dxy = kl_entropy_prepared(np.hstack([x, y]), k, self.weighted, self.backend)
        diag = {"h_x": hx, "h_y": hy, "h_xy": hxy, "backend": dxy["backend"]}
        if self.weighted:
            diag["weights_xy"] = dxy["weights"]
            diag["orders_xy"] = dxy["orders"]
            diag["bias_terms_cancelled_xy"] = dxy["bias_terms_cancelled"]
            diag["bias_terms_wanted_xy"] = dxy["bias_terms_wanted"]
        return hx + hy - hxy, diag


@register("weighted-kl", "bsy")
class WeightedKLMI(KLMI):
    """MI as H(X) + H(Y) - H(X,Y) with weighted Kozachenko–Leonenko entropies
    (Berrett, Samworth & Yuan 2019), which cancel the leading bias terms in d >= 4.
    The weights grow with d: use a larger k (>= 10) in higher dimensions."""

    name: ClassVar[str] = "wkl"
    bias: ClassVar[str] = "none"
    weighted: ClassVar[bool] = True
    _test_params: ClassVar[dict[str, Any]] = {"k": 8, "n_subsamples": 4}

