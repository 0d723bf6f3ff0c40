"""Mutual information with discrete variables.

Ross (2014), PLoS ONE 9(2): e87357 — a discrete label Y against continuous X:
    I = psi(N) - <psi(N_y)> + psi(k) - <psi(m)>,
N_y the number of samples with sample i's label, d_i the distance to the k-th neighbour
among those, m_i the number of samples of any label within d_i.

Gao, Kannan, Oh & Viswanath (2017), NeurIPS, "Estimating mutual information for
discrete-continuous mixtures" — X, Y any mix of discrete and continuous parts:
    I = < psi(k~_i) + log N - psi(n_x,i) - psi(n_y,i) >,
rho_i the k-th neighbour distance in (x, y) (max-norm). If rho_i > 0: k~_i = k and
n_x,i = 1 + #{j != i: ||x_j - x_i|| < rho_i}; if rho_i = 0 (ties): k~_i, n_x,i, n_y,i are the
numbers of exact copies of (x_i, y_i), x_i, y_i (sample i included). This is the authors'
reference implementation (digamma and strict counts; the paper writes log(n + 1) and
<= rho_i, equal to first order): on continuous data it is KSG algorithm 1 with log N.

Discrete sides are never treated as ordered numbers: labels are compared only for
equality (codes spaced further apart than the other side's whole range), so a 10-class
label gives the same estimate whatever numbers name the classes. Ties are information
on a discrete side, so neither estimator adds noise there. On a *continuous* side Gao's
estimator dequantises ties by default (:mod:`._ties`: uniform noise narrower than the
smallest gap, so I is unchanged): with ties kept, its strict counts at tied radii and
its plug-in rule for repeated values read high on rounded measurements (a feature rounded
to 0.01 sd against a binary label: 0.23 nats for a truth of 0.11), while dequantised it
stays within its error there and on the atoms of a discrete-continuous mixture (measured;
tests/test_mixed.py). ``ties="none"`` keeps the paper's exact tie rule.
Non-numeric labels (strings, pandas categoricals) are accepted on a discrete side.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import digamma

from ..errors import InputError, flag
from ..registry import register
from ..stats import compare, label_entropy
from ..validation import as_labels, check_random_state, check_xy, label_patterns, resolve_discrete
from . import knn_backend as kb
from .resampling import HALVES_RISE_SD, convergence_warning, halfsample_stderr
from .ties import prepare
from .knn import KNN_MAX_JOINT_DIM, KNNEstimator, knn_warnings, rise_interval
from .neural.params import Param


@register("ross2014", "discrete-continuous")
class RossMI(KNNEstimator):
    """Ross (2014) kNN MI between a continuous vector X and a discrete label Y.

    ``I = psi(N) - <psi(N_y)> + psi(k) - <psi(m)>`` (see the module doc).

    Which side is the label: ``y`` when ``discrete_y`` is True (or "auto" and ``y`` looks
    discrete), else ``x`` when it looks discrete; the continuous side gets the usual tie
    handling and scaling. Labels may be strings or pandas categoricals (always the
    discrete side). Samples whose label occurs once are dropped (no neighbour of the
    same label); labels with ``N_y <= k`` use ``k = N_y - 1`` for their samples.
    """

    name: ClassVar[str] = "ross"
    _test_params: ClassVar[dict[str, Any]] = {"k": 3, "n_subsamples": 4}
    _test_y: ClassVar[str] = "discrete"

    _own_params: ClassVar[dict[str, Param]] = {
        "discrete_y": Param("auto", "bool | str", 'which side is the label: True, False or "auto" (see above)')}
    discrete_y: bool | str

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        self._check_params()
        return check_xy(x, y, min_samples=self.min_samples(), x_categorical=True, y_categorical=True)

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        dy, how = resolve_side(y, self.discrete_y, "y")
        if not dy:
            x_discrete, _ = resolve_side(x, "auto", "x")
            if x_discrete and self.discrete_y in (None, "auto"):
                x, y = y, x
                how = "detected (x was the discrete side; swapped)"
            else:
                raise InputError(
                    "ross needs one discrete variable (class labels) and y does not look discrete "
                    "(integral values with few levels); pass discrete_y=True if y holds labels, "
                    "or use method='ksg' / 'mixed'"
                )
        if x.dtype.kind in "iu":
            raise InputError(
                "ross needs one continuous variable, but x and y both hold labels; "
                "use method='binning' (plug-in MI of two discrete variables)"
            )
        rng = check_random_state(self.random_state)
        x, dx = prepare(x, "x", self.ties, self.standardize, rng)
        labels = as_labels(y, "y")
        mi, diag = ross_mi(x, labels, int(self.k), self.backend)
        hs = halfsample_stderr(lambda a, b: ross_mi(a, b, int(self.k), self.backend)[0], (x, labels),
                               self.n_subsamples, rng, min_half=int(self.k) + 1)
        diag.update(dx)
        diag["discrete_y"] = how
        diag["stderr_method"] = hs["method"]
        if hs["ci_halfwidth"] is not None:
            diag["ci"] = ross_interval(mi, hs["stderr"], hs["ci_halfwidth"], hs["halves"], x.shape[1], diag)
        warns = []
        if x.shape[1] > KNN_MAX_JOINT_DIM:
            warns.append(flag("high-dimension", f"ross with {x.shape[1]}-dimensional x: kNN estimators read far too low "
                              f"in more than {KNN_MAX_JOINT_DIM} dimensions; use method='classifier' or 'gaussian-copula'",
                              dims=int(x.shape[1]), limit=KNN_MAX_JOINT_DIM))
        w = convergence_warning(mi, hs["halves"], hs["stderr"], what="ross")
        if w:
            warns.append(flag("rising-with-n", w, mi=mi))
        hy = label_entropy(labels)
        if mi > hy and compare(mi, hy, hs["stderr"], None).differ:
            warns.append(flag("exceeds-entropy", f"the estimate exceeds H(Y) = {hy:.3g} nats, which bounds I(X;Y) for "
                              "a discrete y", h_y=hy, mi=mi))
        diag["warnings"] = warns
        return mi, hs["stderr"], diag


def ross_interval(mi: float, se: float, halfwidth: float, halves: list[float], dims: int,
                  diag: dict[str, Any]) -> tuple[float, float]:
    """Ross's 95% interval: the half-sampling t interval below, and above the higher of its
    top and KSG's rise rule (:func:`.knn.rise_interval`, the label counted as one more
    dimension) on the rise over the halves' mean: ross, like KSG, reads low where its bias has
    not converged (class-conditional Gaussians in 7-10 dims: 5-30% low at n = 500-10,000), and
    its rise with n says by how much. On 75 label families of the composed draws (2-14 dims,
    n = 500-10,000) the symmetric interval held the truth in 39%, this one in 85%; the rise
    and the allowance are in ``diag``. The point estimate does not move."""
    rise = mi - float(np.mean(halves)) if halves else float("nan")
    _lo, hi, allowance = rise_interval(mi, se, rise, HALVES_RISE_SD * se, dims + 1)
    diag["rise"], diag["rise_allowance"] = rise, allowance
    return mi - halfwidth, max(mi + halfwidth, hi)


def ross_mi(x: np.ndarray, labels: np.ndarray, k: int, backend: str = "auto") -> tuple[float, dict[str, Any]]:
    """Ross's estimate in nats on prepared continuous ``x`` and integer ``labels``."""
    n = len(x)
    radius = np.zeros(n)
    k_all = np.zeros(n, dtype=np.int64)
    n_lab = np.zeros(n, dtype=np.int64)
    for lab in np.unique(labels):
        rows = np.flatnonzero(labels == lab)
        n_lab[rows] = rows.size
        if rows.size < 2:
            continue
        kk = min(k, rows.size - 1)
        dist, _idx, _ = kb.knn([x[rows]], kk, backend)
        radius[rows] = dist[:, kk - 1]
        k_all[rows] = kk
    keep = n_lab > 1
    if keep.sum() < 2:
        return float("nan"), {"dropped_singletons": int(n - keep.sum())}
    xs = x[keep]
    m = kb.count_within([xs], radius[keep], strict=False, backend=backend)
    mi = digamma(keep.sum()) - digamma(n_lab[keep]).mean() + digamma(k_all[keep]).mean() - digamma(m).mean()
    return float(mi), {"dropped_singletons": int(n - keep.sum()), "n_labels": int(np.unique(labels).size)}


@register("gao", "gao2017")
class MixedMI(KNNEstimator):
    """Gao et al. (2017) kNN MI for discrete, continuous or mixed X and Y.

    ``I = <psi(k~_i) + log N - psi(n_x,i) - psi(n_y,i)>`` with exact tie counting
    (see the module doc).

    Parameters
    ----------
    discrete_x, discrete_y : True / False, or "auto" (labels, or integral values with few
        levels). A discrete side is compared only for equality (its labels are unordered),
        never as a number; it keeps its ties.
    ties : tie handling of the *continuous* sides: "dequantize" (default; see the module
        doc), "jitter", or "none" (the paper's exact tie rule everywhere).
    standardize : continuous columns scaled to unit variance so the max-norm treats them alike.
    """

    name: ClassVar[str] = "mixed"
    bias: ClassVar[str] = "low"
    _test_params: ClassVar[dict[str, Any]] = {"k": 3, "n_subsamples": 4}

    _own_params: ClassVar[dict[str, Param]] = {
        "discrete_x": Param("auto", "bool | str", 'True / False, or "auto" (see above)'),
        "discrete_y": Param("auto", "bool | str", 'True / False, or "auto" (see above)')}
    discrete_x: bool | str
    discrete_y: bool | str

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        self._check_params()
        return check_xy(x, y, min_samples=self.min_samples(), x_categorical=True, y_categorical=True)

    def _mi(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, Any]]:
        return gao_mi(x, y, int(self.k), self.backend)

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        rng = check_random_state(self.random_state)
        disc_x, how_x = resolve_side(x, self.discrete_x, "x")
        disc_y, how_y = resolve_side(y, self.discrete_y, "y")
        diag: dict[str, Any] = {}
        cont = {}
        for name, a, disc in (("x", x, disc_x), ("y", y, disc_y)):
            if not disc:
                cont[name], d = prepare(a, name, self.ties, self.standardize, rng)
                diag.update(d)
        # labels one unit apart times a gap wider than every continuous column's range:
        # two different labels are then farther apart (max-norm) than any two points can be
        # in the continuous coordinates, i.e. labels count only as equal or not
        gap = 1.0 + max([float(np.ptp(a)) for a in cont.values()] + [0.0])
        xs = cont["x"] if "x" in cont else as_labels(x, "x")[:, None] * gap
        ys = cont["y"] if "y" in cont else as_labels(y, "y")[:, None] * gap
        mi, d = self._mi(xs.astype(np.float64), ys.astype(np.float64))
        diag.update(d)
        hs = halfsample_stderr(lambda a, b: self._mi(a, b)[0], (xs, ys), self.n_subsamples, rng,
                               min_half=int(self.k) + 1)
        diag.update({"discrete_x": how_x if disc_x else False, "discrete_y": how_y if disc_y else False})
        diag["stderr_method"] = hs["method"]
        if hs["ci_halfwidth"] is not None:
            diag["ci"] = (mi - hs["ci_halfwidth"], mi + hs["ci_halfwidth"])
        if not disc_x and not disc_y:
            diag["warnings"] = knn_warnings("mixed", mi, hs["stderr"], hs["halves"], xs, ys)
        else:
            w = convergence_warning(mi, hs["halves"], hs["stderr"], what="mixed")
            diag["warnings"] = [flag("rising-with-n", w, mi=mi)] if w else []
        return mi, hs["stderr"], diag


def resolve_side(a: np.ndarray, declared: bool | str | None, name: str) -> tuple[bool, str]:
    """Whether one validated side is discrete: an int64 array holds labels given as
    strings/categories (``check_xy(..., categorical=True)``), always discrete; otherwise the
    declared value, or detection (:func:`~infolens.validation.resolve_discrete`) for a
    single column; several numeric columns are detected as continuous (declare them
    discrete to compare whole rows as labels)."""
    if a.dtype.kind in "iu":
        if declared is False:
            raise InputError(
                f"discrete_{name}=False, but {name} holds labels (strings or categories), which are discrete; "
                f"leave discrete_{name}='auto' or pass numbers"
            )
        return True, "declared (labels)"
    if declared in (None, "auto") and a.shape[1] > 1:
        k = label_patterns(a)
        if k is not None:  # a one-hot / dummy encoding, a few flags: one label of k levels
            return True, f"detected (several integer columns whose rows take {k} patterns: one label)"
        # several integer columns (pixels, counts) are numbers with a metric, not one label
        return False, "detected (several numeric columns: compared as numbers)"
    return resolve_discrete(a, declared, name)


def gao_mi(x: np.ndarray, y: np.ndarray, k: int, backend: str = "auto") -> tuple[float, dict[str, Any]]:
    """Gao et al.'s estimate in nats on (scaled) ``x``, ``y``; ties kept."""
    n = len(x)
    dist, _idx, which = kb.knn([x, y], k, backend)
    rho = dist[:, k - 1]
    kt = np.full(n, float(k))
    # counts include sample i itself; strict inside rho_i > 0, exact copies when rho_i = 0
    nx, ny = (c + 1 for c in kb.count_within_each([([x], rho), ([y], rho)], strict=True, backend=backend))
    zero = rho == 0
    if zero.any():
        zr = np.zeros(n)
        ct, cx, cy = kb.count_within_each([([x, y], zr), ([x], zr), ([y], zr)], strict=False, backend=backend)
        kt[zero], nx[zero], ny[zero] = ct[zero] + 1, cx[zero] + 1, cy[zero] + 1
    mi = np.mean(digamma(kt) + np.log(n) - digamma(nx) - digamma(ny))
    return float(mi), {"backend": which, "tied_points": int(zero.sum())}
