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

from ..errors import InputError, flag
from ..registry import register
from ..result import Estimator
from ..stats import Z95
from ..validation import check_choice, check_positive_int, check_random_state, check_xy
from . import knn_backend as kb
from .resampling import convergence_warning, halfsample_stderr, rising_warning
from .ties import TIES, prepare
from ._trust import heavy_tail_warning, spaced_rows
from .knn_params import INTERVALS, build_signature, knn_defaults, params_doc
from .neural.params import Param
from .param_tables import install_init, set_params

#: joint dimension dx + dy above which every kNN estimator of this module reads low on
#: dependent data at any practical n (the suite at n = 5000: KSG reads 25% low on a dense
#: 25+25 Gaussian and 87% low on a sparse one; KL and weighted KL go negative), while up
#: to 5+5 it can be right (dense 5+5: 6% low). Below it, the half-sample convergence
#: check (:func:`._bootstrap.convergence_warning`) catches the cases that still read low.
KNN_MAX_JOINT_DIM = 10


def knn_warnings(name: str, mi: float, stderr: float | None, halves: list[float], x: np.ndarray, y: np.ndarray,
                 rise: tuple[float, float] | None = None) -> list[str]:
    """The kNN estimators' own reasons for doubt, as coded flags: a high joint dimension
    (``high-dimension``), an estimate that has not converged in n (``rising-with-n``: from
    the half-sample estimates ``halves``, or from the jackknife's ``rise = (value, noise)``),
    heavy joint tails (``heavy-tails``; negative values beyond the error are flagged for
    every estimator by :func:`infolens.result.generic_warnings`). The tail check reads at
    most :data:`~._trust.CHECK_ROWS` rows (evenly spaced), so it costs O(1) at any n."""
    out: list[str] = []
    dx, dy = x.shape[1], y.shape[1]
    if dx + dy > KNN_MAX_JOINT_DIM:
        out.append(flag(
            "high-dimension",
            f"{name} in {dx}+{dy} dimensions: kNN estimators read far too low when the joint dimension "
            f"exceeds {KNN_MAX_JOINT_DIM} (their bias grows with dimension and MI); use method='gaussian-copula' "
            "for near-Gaussian dependence, or a neural estimator", dims=dx + dy, limit=KNN_MAX_JOINT_DIM))
    if rise is not None:
        w = rising_warning(mi, rise[0], rise[1], name,
                           f"its jackknife puts the bias still left at {rise[0]:.2g} nats or more")
    else:
        w = convergence_warning(mi, halves, stderr, what=name)
    if w:
        out.append(flag("rising-with-n", w, mi=float(mi)))
    w = heavy_tail_warning(*spaced_rows(x, y), name)
    if w:
        out.append(flag("heavy-tails", w))
    return out


#: the jackknife standard error is scaled by this measured factor: the delete-one jackknife
#: variance is biased upward (Efron & Stein 1981); over 100-200 seeds of Gaussians with
#: closed-form MI (1+1 at rho 0-0.99, 2+2, 3+3, 5+5; n = 500-10,000) its standard error was
#: 1.08-1.63 times the spread of the estimates (docs/estimators.md, "Size"; each ratio +-7%
#: at 100 seeds), so 0.95 keeps the reported error at or above the true one everywhere
#: measured while trimming the excess where it is largest
JACKKNIFE_SCALE = 0.95
#: the jackknife's rise estimate has sd 0.75-1.25 jackknife standard errors (unscaled) on
#: converged estimates (the same runs), so a rise beyond 2.5 of them is a false alarm in
#: 0.6-2% of them (before the 5% relative rule, which removes more). On the standard suite
#: at n = 5000 (KSG on normal scores, 3 seeds) it flags the estimates that read low and rise:
#: sparse 5+5 and spiral 3+3 at z = 2.2-3.6 (the half-sample rule flagged the same tasks)
RISE_Z = 2.5
#: the interval's upper end adds the bias that the jackknife's rise implies: for a bias
#: ``~ n^-a`` the rise estimates ``a`` times the bias still left. The rate, measured on
#: Gaussians with closed-form MI (joint dimension D = 4-10, n = 500-2000, 100 seeds per
#: case; docs/estimators.md, "Size"), as mean rise over remaining bias: 0.85-1.78 (D = 4),
#: 0.39-0.62 (6), 0.33-0.43 (8), 0.24-0.28 (10); ``a = 2 / (D - 1.5)`` lies at or below all
#: of them but 3+3 at n = 500 (0.39 against 0.44, each ratio +-10% at 100 seeds), so the
#: allowance errs high (the kNN bias order ``2 / D`` from the density's curvature has the
#: same slope and reads 0.5 at D = 4, twice too wide there), capped at 1, the ``1 / n`` rate
BIAS_RATE = (2.0, 1.5)
#: the share of the allowance's own noise (sd of the rise ~ one unscaled jackknife standard
#: error, times ``f = 1 / a``) added in quadrature to the upper end, at ``f = 1``; the share
#: grows with ``f`` to the whole noise from ``f = 2`` on (``min(1, RISE_NOISE_SHARE f)``):
#: where the allowance extrapolates the rise two times and more (D >= 6) it, not the sampling
#: error, sets the upper end, and half its noise left 3+3 to 5+5 Gaussians at n = 500-2000
#: covered in 0.87-0.94 of 100 seeds (4+4 at n = 500: 0.87 and 0.90 on seeds 0-99 and
#: 100-199); with the whole noise there 1.00, intervals 28-45% wider. At f = 1 (1+1) the
#: whole noise widened converged intervals by 14% for no coverage (0.96 either way), so
#: there it stays half; 2+2 (f = 1.25) gets 0.625 (2+2 at rho = 0.9, n = 500: 0.93 -> 0.96 on
#: seeds 100-199, 3% wider)
RISE_NOISE_SHARE = 0.5


def rise_interval(mi: float, se: float, rise: float, rise_sd: float, dims: int) -> tuple[float, float, float]:
    """The KSG jackknife's 95% interval ``(low, high, allowance)``: ``mi - Z95 se`` below and,
    above, ``mi + allowance + Z95 sqrt(se^2 + (min(1, RISE_NOISE_SHARE f) * f * rise_sd)^2)`` with
    ``allowance = f max(rise, 0)`` and ``f = 1 / a = max(1, (dims - 1.5) / 2)`` (:data:`BIAS_RATE`):
    KSG reads low where its bias has not converged, and its jackknife's rise with n (``rise``,
    sd ``rise_sd``), extrapolated at the rate ``n^-a``, says by how much. The point estimate
    does not move; the interval is asymmetric."""
    slope, offset = BIAS_RATE
    f = max(1.0, (dims - offset) / slope)
    allowance = f * max(float(rise), 0.0) if np.isfinite(rise) else 0.0
    upper = mi + allowance + Z95 * float(np.hypot(se, min(1.0, RISE_NOISE_SHARE * f) * f * rise_sd))
    return mi - Z95 * se, upper, allowance


class KNNEstimator(Estimator):
    """Shared machinery of the kNN estimators on two continuous variables: parameters
    (declared once, :mod:`.knn_params`), validation (``n > k``), tie handling and
    standardisation (:mod:`._ties`), and the standard error: the delete-one jackknife where
    the estimator has one (``_jackknife = True``), else half-sampling (:mod:`._bootstrap`).
    Subclasses implement ``_mi(x, y) -> (mi, diag)``."""

    k: int
    ties: str
    standardize: bool
    n_subsamples: int
    interval: str
    backend: str
    random_state: Any
    #: the estimator's own parameters, placed after ``k`` in its signature
    _own_params: ClassVar[dict[str, Param]] = {}
    #: values fixed by a subclass (KSG2's algorithm), set on the instance, not parameters
    _fixed: ClassVar[dict[str, Any]] = {}
    #: whether ``interval="auto"`` means the jackknife
    _jackknife: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        set_params(self, args, kwargs)
        for name, value in self._fixed.items():
            setattr(self, name, value)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give each subclass its full signature and a parameter list in its docstring."""
        super().__init_subclass__(**kwargs)
        own = cls._own_params
        defaults = knn_defaults(cls.name)
        install_init(cls, KNNEstimator.__init__, build_signature(own, defaults))
        cls.__doc__ = (cls.__doc__ or "") + params_doc(own, defaults)

    def min_samples(self) -> int:
        return int(self.k) + 1

    def _check_params(self) -> None:
        check_positive_int(self.k, "k")
        check_choice(self.ties, "ties", TIES)
        check_choice(self.backend, "backend", kb.BACKENDS)
        check_choice(self.interval, "interval", INTERVALS)
        if self.interval == "jackknife" and not self._jackknife_now():
            raise InputError(f"interval='jackknife' is available for KSG algorithm 1 only, not {self.name}; "
                             "use interval='half-sampling' (or 'auto')")
        if isinstance(self.n_subsamples, bool) or not isinstance(self.n_subsamples, (int, np.integer)) or self.n_subsamples < 0:
            raise InputError(f"n_subsamples must be an integer >= 0 (0 turns the standard error off), got {self.n_subsamples!r}")

    def _jackknife_now(self) -> bool:
        return self._jackknife

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        self._check_params()
        return check_xy(x, y, min_samples=self.min_samples())

    def _mi(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, Any]]:
        raise NotImplementedError

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        rng = check_random_state(self.random_state)
        x, dx = prepare(x, "x", self.ties, self.standardize, rng)
        y, dy = prepare(y, "y", self.ties, self.standardize, rng)
        if self.interval != "half-sampling" and self._jackknife_now():
            return self._estimate_jackknife(x, y, rng, {**dx, **dy})
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

    def _estimate_jackknife(self, x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                            notes: dict[str, Any]) -> tuple[float, float | None, dict[str, Any]]:
        from ._ksg_jackknife import ksg_jackknife

        want = int(self.n_subsamples) > 0 and len(x) > int(self.k) + 2
        mi, diag = ksg_jackknife(x, y, k=int(self.k), backend=self.backend, rng=rng, interval=want)
        diag.update(notes)
        stderr = None
        rise = None
        if want:
            raw = diag.pop("jackknife_se")
            stderr = JACKKNIFE_SCALE * raw
            rise = (diag.pop("jackknife_rise"), RISE_Z * raw)
            lo, hi, allowance = rise_interval(mi, stderr, rise[0], raw, x.shape[1] + y.shape[1])
            diag["ci"] = (lo, hi)
            diag["jackknife_rise"] = rise[0]
            diag["bias_allowance_nats"] = allowance
            diag["stderr_method"] = (
                f"delete-one jackknife from the full-sample neighbour search, scaled by {JACKKNIFE_SCALE} (measured); "
                "the interval's upper end adds the bias that the jackknife's rise with n implies (knn.rise_interval)")
        else:
            diag["stderr_method"] = "none"
        diag["warnings"] = knn_warnings(self.name, mi, stderr, [], x, y, rise=rise)
        return mi, stderr, diag


@register("kraskov", "ksg1")
class KSG(KNNEstimator):
    """KSG mutual information (Kraskov et al. 2004), algorithm 1 by default.

    ``I = psi(k) + psi(N) - <psi(n_x+1) + psi(n_y+1)>`` (alg. 1), max-norm. The standard
    error of algorithm 1 is the delete-one jackknife, computed exactly from the one
    neighbour search (:mod:`._ksg_jackknife`, ~1.3x the point estimate's cost); algorithm 2
    uses half-sampling (:func:`._bootstrap.halfsample_stderr`, ~``n_subsamples / 2`` extra
    estimates, t interval). A 1+1 sample is searched by a compiled grid search (exact, the
    same numbers as a KD-tree): 10^7 rows with the interval in well under a minute.
    """

    name: ClassVar[str] = "ksg"
    bias: ClassVar[str] = "low"
    _test_params: ClassVar[dict[str, Any]] = {"k": 3, "n_subsamples": 4}
    _own_params: ClassVar[dict[str, Param]] = {"algorithm": Param(1, "int", "1 or 2 (the two estimators of the paper)")}
    _jackknife: ClassVar[bool] = True
    algorithm: int

    def _jackknife_now(self) -> bool:
        return self.algorithm == 1

    def _check_params(self) -> None:
        check_choice(self.algorithm, "algorithm", (1, 2))
        super()._check_params()

    def _mi(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, Any]]:
        return ksg_mi(x, y, k=int(self.k), algorithm=int(self.algorithm), backend=self.backend)


@register()
class KSG2(KSG):
    """KSG algorithm 2: ``I = psi(k) - 1/k + psi(N) - <psi(n_x) + psi(n_y)>`` with
    inclusive counts in the marginal radii eps_x(i), eps_y(i) (Kraskov et al. 2004)."""

    name: ClassVar[str] = "ksg2"
    _own_params: ClassVar[dict[str, Param]] = {}
    _fixed: ClassVar[dict[str, Any]] = {"algorithm": 2}


def ksg_mi(x: np.ndarray, y: np.ndarray, k: int = 5, algorithm: int = 1, backend: str = "auto") -> tuple[float, dict[str, Any]]:
    """The KSG estimate in nats on prepared ``(n, dx)``, ``(n, dy)`` float arrays
    (no tie handling, no scaling). Returns ``(mi, diagnostics)``."""
    n = len(x)
    if algorithm == 1:
        from ._ksg_jackknife import ksg_jackknife

        return ksg_jackknife(x, y, k=k, backend=backend, interval=False)
    else:
        _dist, idx, which = kb.knn([x, y], k, backend)
        ex = kb.marginal_radius(x, idx)
        ey = kb.marginal_radius(y, idx)
        nx, ny = kb.count_within_each([([x], ex), ([y], ey)], strict=False, backend=backend)
        mi = digamma(k) - 1.0 / k + digamma(n) - np.mean(digamma(nx) + digamma(ny))
    return float(mi), {"backend": which, "mean_nx": float(nx.mean()), "mean_ny": float(ny.mean())}
