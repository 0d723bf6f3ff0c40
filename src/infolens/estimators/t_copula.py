"""Student-t copula MI: the Gaussian copula's heavy-tailed generalisation.

MI is invariant to monotone per-column maps, so it is a property of the copula alone. The
Gaussian copula (``gaussian-copula``) models the dependence with one correlation matrix;
it reads close to 0 for dependence carried by a shared scale (large values of X with large
values of Y, whatever their signs), which is what a Student-t copula adds. That copula has
a correlation (dispersion) matrix ``R`` and degrees of freedom ``nu``; its MI is the MI of
a multivariate Student-t with the same ``R`` and ``nu`` (Arellano-Valle, Contreras-Reyes &
Genton 2013):

    I = -1/2 log(det R / (det R_xx det R_yy)) + c(nu, dx, dy),
    c = h_nu(dx) + h_nu(dy) - h_nu(dx + dy)      (entropies of standard t laws; c -> 0 as nu -> inf)

Fit: each column to pseudo-observations ``u = rank / (n + 1)``; for a given ``nu`` the
t-scores ``t_nu^-1(u)`` and ``R`` by the fixed-point (EM) iteration of the multivariate t
with known ``nu``, renormalised to a correlation matrix at each step; ``nu`` by maximising
the copula log-likelihood (profile likelihood over ``log nu``). The Gaussian copula is
the limit ``nu -> inf``, one parameter fewer: unless the t-copula beats it by a
likelihood-ratio test at 5%, the estimate is the Gaussian copula's. Standard error: for a t
fit, half-sampling (refitting ``nu`` and ``R`` on random halves: the likelihood of ranks
understates the variance, since the margins are estimated too); for the Gaussian limit,
the delta method on the correlations, with the interval widened upwards by the
t-correction that the profile-likelihood 95% interval of ``nu`` still allows.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.special import gammaln, stdtrit
from scipy.stats import rankdata

from ..distributions.student import student_mi_correction
from ..errors import InputError, flag
from ..registry import register
from ..result import Estimator
from ..stats import Z95
from ..validation import check_xy
from .gaussian import SINGULAR_RTOL, correlation_mi, gaussian_mi
from .gaussian_copula_rank import remove_rank_bias
from .resampling import halfsample_stderr
from ._copula_check import copula_model_check
from ._trust import asymmetry_flag, gaussian_copula_warnings, normal_scores, spaced_rows, tie_warning

#: degrees of freedom searched (log-spaced); above the top the copula counts as Gaussian
NU_MIN, NU_MAX = 0.5, 500.0
#: chi-square(1) quantile of the profile-likelihood 95% interval of nu
PROFILE_95 = 3.841
#: cells (rows x columns) used for the nu search; larger tables are row-subsampled for the
#: search only (R and the likelihood at the chosen nu use every row)
SEARCH_CELLS = 200_000


def pseudo_obs(a: np.ndarray) -> np.ndarray:
    """Columns to ``rank / (n + 1)`` (average ranks for ties)."""
    return np.asarray(rankdata(a, method="average", axis=0), dtype=float) / (len(a) + 1.0)


def _log_t1(z: np.ndarray, nu: float) -> np.ndarray:
    return gammaln(0.5 * (nu + 1)) - gammaln(0.5 * nu) - 0.5 * np.log(nu * np.pi) - 0.5 * (nu + 1) * np.log1p(z * z / nu)


def _fit_r(z: np.ndarray, nu: float, r0: np.ndarray, iters: int = 100, tol: float = 1e-7) -> np.ndarray:
    """Correlation matrix of a t-copula with known ``nu`` from t-scores ``z`` (EM fixed point)."""
    n, d = z.shape
    r = r0
    for _ in range(iters):
        try:
            chol = np.linalg.cholesky(r)
        except np.linalg.LinAlgError:
            r = r + 1e-6 * np.eye(d)
            chol = np.linalg.cholesky(r)
        sol = np.linalg.solve(chol, z.T)
        q = np.einsum("ij,ij->j", sol, sol)
        w = (nu + d) / (nu + q)
        s = (z * w[:, None]).T @ z / n
        sd = np.sqrt(np.diag(s))
        new = s / np.outer(sd, sd)
        if np.max(np.abs(new - r)) < tol:
            return new
        r = new
    return r


def _copula_loglik(z: np.ndarray, nu: float, r: np.ndarray) -> float:
    """Mean log-density of the t-copula at the t-scores ``z`` (per row)."""
    n, d = z.shape
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        return -np.inf
    sol = np.linalg.solve(np.linalg.cholesky(r), z.T)
    q = np.einsum("ij,ij->j", sol, sol)
    joint = gammaln(0.5 * (nu + d)) - gammaln(0.5 * nu) - 0.5 * d * np.log(nu * np.pi) - 0.5 * logdet \
        - 0.5 * (nu + d) * np.log1p(q / nu)
    return float(np.mean(joint - _log_t1(z, nu).sum(axis=1)))


def _gauss_copula_loglik(s: np.ndarray, r: np.ndarray) -> float:
    """Mean log-density of the Gaussian copula at the normal scores ``s``."""
    d = s.shape[1]
    logdet = np.linalg.slogdet(r)[1]
    q = np.einsum("ij,ij->i", s @ np.linalg.inv(r), s) - np.einsum("ij,ij->i", s, s)
    return float(np.mean(-0.5 * logdet - 0.5 * q)) if d else 0.0


class _Profile:
    """Profile log-likelihood of ``nu`` (R re-fitted for each nu, warm-started)."""

    def __init__(self, u: np.ndarray, r0: np.ndarray) -> None:
        self.u = u
        self.r = r0
        self.cache: dict[float, tuple[float, np.ndarray]] = {}

    def __call__(self, log_nu: float) -> float:
        key = round(float(log_nu), 6)
        if key not in self.cache:
            nu = math.exp(key)
            z = stdtrit(nu, self.u)
            r = _fit_r(z, nu, self.r)
            self.r = r
            self.cache[key] = (_copula_loglik(z, nu, r), r)
        return self.cache[key][0]


def fit_t_copula(x: np.ndarray, y: np.ndarray, random_state: int = 0, interval: bool = True,
                 scores: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Any]:
    """Fit a Student-t copula to ``[x, y]``; returns ``nu`` (``inf`` when the Gaussian copula
    is not beaten), ``R``, the per-row log-likelihood gain over the Gaussian copula
    ``gain`` (``lr = 2 n gain`` is the likelihood-ratio statistic, 1 degree of freedom) and,
    with ``interval``, the profile-likelihood 95% interval of ``nu`` (else ``(NU_MIN, inf)``).
    ``scores``: the normal scores of ``x`` and ``y`` when the caller has them."""
    xy = np.hstack([x, y])
    n, d = xy.shape
    u = pseudo_obs(xy)
    s = np.hstack(scores) if scores is not None else normal_scores(xy)
    r_gauss = np.corrcoef(s, rowvar=False).reshape(d, d)
    ll_gauss = _gauss_copula_loglik(s, r_gauss)
    # the nu search on at most SEARCH_CELLS cells; the interval is then rescaled to n rows
    m = min(n, max(200, SEARCH_CELLS // d))
    idx = np.sort(np.random.default_rng(random_state).choice(n, m, replace=False)) if m < n else np.arange(n)
    prof = _Profile(u[idx], r_gauss)
    grid = np.log(np.geomspace(NU_MIN, NU_MAX, 13))[::-1]  # from Gaussian-like to heavy: warm starts follow
    vals = np.array([prof(g) for g in grid])
    k = int(np.argmax(vals))
    lo_b, hi_b = grid[min(k + 1, len(grid) - 1)], grid[max(k - 1, 0)]
    best = minimize_scalar(lambda g: -prof(g), bounds=(lo_b, hi_b), method="bounded", options={"xatol": 1e-3})
    log_nu = float(best.x) if -best.fun >= vals[k] else float(grid[k])
    nu = math.exp(log_nu)
    z = stdtrit(nu, u)
    r = _fit_r(z, nu, prof.cache[round(log_nu, 6)][1] if round(log_nu, 6) in prof.cache else r_gauss)
    ll_t = _copula_loglik(z, nu, r)
    out: dict[str, Any] = {"nu": nu, "R": r, "gain": ll_t - ll_gauss, "lr": 2.0 * n * (ll_t - ll_gauss),
                           "nu_interval": (NU_MIN, math.inf), "search_rows": m}
    if 2.0 * n * (ll_t - ll_gauss) <= PROFILE_95 or nu >= NU_MAX * 0.999:
        # the t-copula does not beat the Gaussian one by a likelihood-ratio test at 5% (the
        # Gaussian is its limit nu -> inf, one parameter fewer): keep the simpler model
        out.update(nu=math.inf, R=r_gauss, gain=max(ll_t - ll_gauss, 0.0), lr=max(2.0 * n * (ll_t - ll_gauss), 0.0))
    if not interval:
        return out
    # profile interval on the search rows: the drop in total log-likelihood (m rows) is 3.84/2
    top = prof(log_nu)
    drop = 0.5 * PROFILE_95 / m

    def f(g: float) -> float:
        return prof(g) - (top - drop)

    lo_nu, hi_nu = NU_MIN, math.inf
    if f(math.log(NU_MIN)) < 0:
        lo_nu = math.exp(brentq(f, math.log(NU_MIN), log_nu, xtol=1e-3))
    if log_nu < math.log(NU_MAX) and f(math.log(NU_MAX)) < 0:
        hi_nu = math.exp(brentq(f, log_nu, math.log(NU_MAX), xtol=1e-3))
    out["nu_interval"] = (lo_nu, hi_nu)
    return out


def _corr_part(r: np.ndarray, dx: int, n: int, nu: float) -> tuple[float, float]:
    """``-1/2 log(det R / (det R_xx det R_yy))`` with the Wishart bias correction, and its
    delta-method standard error (inflated by ``(nu + d + 2) / (nu + d)``, the t's loss of
    Fisher information on a scatter matrix)."""
    d = r.shape[0]
    ev = np.linalg.eigvalsh(r)
    if ev[0] <= SINGULAR_RTOL * ev[-1]:
        raise InputError(_SINGULAR)
    mi, var, _rho, _plug_in = correlation_mi(r, dx, n)
    infl = 1.0 if math.isinf(nu) else (nu + d + 2.0) / (nu + d)
    return mi, float(np.sqrt(var * infl))


_SINGULAR = ("x and y have a singular joint dispersion (a column is a function of others); drop redundant columns - "
             "the MI would be infinite")


def _point_mi(x: np.ndarray, y: np.ndarray, random_state: int) -> float:
    """The estimate alone (no interval of nu, no checks): what each half-sample needs; NaN
    when a column is constant in this half (sparse columns: no correlation to fit, and the
    half-sampling error then says that a half failed)."""
    if np.any(np.ptp(x, axis=0) == 0) or np.any(np.ptp(y, axis=0) == 0):
        return math.nan
    fit = fit_t_copula(x, y, random_state, interval=False)
    if math.isinf(fit["nu"]):
        return gaussian_mi(normal_scores(x), normal_scores(y))[0]
    return _corr_part(fit["R"], x.shape[1], len(x), fit["nu"])[0] + student_mi_correction(fit["nu"], x.shape[1], y.shape[1])


def t_copula_mi(x: np.ndarray, y: np.ndarray, random_state: int = 0, halves: int = 6,
                check: bool = True) -> tuple[float, float, dict[str, Any]]:
    """``(mi, stderr, diagnostics)`` of the fitted Student-t copula (see the module docstring);
    ``halves`` half-samples give the standard error when the fit is not Gaussian (0: analytic);
    ``check``: run :func:`~._copula_check.copula_model_check` on the fit and warn when it fails."""
    n, dx = x.shape
    dy = y.shape[1]
    zx, zy = normal_scores(x), normal_scores(y)
    try:
        fit = fit_t_copula(x, y, random_state, scores=(zx, zy))
    except np.linalg.LinAlgError as exc:
        raise InputError(_SINGULAR) from exc
    nu = fit["nu"]
    lo_nu, hi_nu = fit["nu_interval"]
    if math.isinf(nu):
        mi, se, gdiag = gaussian_mi(zx, zy)
        # the Gaussian copula's value: its rank-transform bias removed (gaussian_copula_rank)
        mi, se = remove_rank_bias(zx, zy, mi, se, np.asarray(gdiag["canonical_correlations"]), gdiag)
        c = c_lo = 0.0
        c_hi = student_mi_correction(lo_nu, dx, dy)
    else:
        part, se = _corr_part(fit["R"], dx, n, nu)
        c = student_mi_correction(nu, dx, dy)
        c_hi = student_mi_correction(lo_nu, dx, dy)
        c_lo = 0.0 if math.isinf(hi_nu) else student_mi_correction(hi_nu, dx, dy)
        mi = part + c
    diag: dict[str, Any] = {
        "nu": nu, "nu_interval": [lo_nu, hi_nu], "correction": c, "loglik_gain_per_row": fit["gain"],
        "likelihood_ratio": fit["lr"], "dispersion": np.asarray(fit["R"]).tolist(),
    }
    if math.isinf(nu):
        # the Gaussian copula's delta method (coverage 0.94-0.97, benchmarks/bench_coverage.py)
        # widened on the upper side by the t-correction nu's interval still allows
        stderr = math.hypot(se, c_hi / (2 * Z95))
        diag["ci"] = (mi - Z95 * se, mi + math.hypot(Z95 * se, c_hi))
        diag["stderr_method"] = "delta method on the normal-score correlations plus the profile-likelihood interval of nu"
    else:
        # the likelihood of pseudo-observations (ranks) understates the variance of nu and R
        # (the margins are estimated too): the analytic interval covered a 1+1 Student-t's MI
        # in 13/20 seeds. Half-sampling refits everything and measures the spread directly.
        hs = halfsample_stderr(lambda a, b: _point_mi(a, b, random_state), (x, y), halves,
                               np.random.default_rng(random_state))
        if hs["stderr"] is None:
            stderr = math.hypot(se, (c_hi - c_lo) / (2 * Z95))
            diag["ci"] = (mi - math.hypot(Z95 * se, c - c_lo), mi + math.hypot(Z95 * se, c_hi - c))
            diag["stderr_method"] = "delta method on R plus the profile-likelihood interval of nu"
        else:
            stderr = hs["stderr"]
            diag["ci"] = (mi - hs["ci_halfwidth"], mi + hs["ci_halfwidth"])
            diag["stderr_method"] = hs["method"]
    if fit["search_rows"] < n:
        diag["nu_search_rows"] = fit["search_rows"]
    warns = []
    if math.isinf(nu):
        # the Gaussian limit: the Gaussian copula's own check of non-Gaussian dependence
        warns += gaussian_copula_warnings(zx, zy)
    elif check:
        mc = copula_model_check(np.asarray(fit["R"]), nu, zx, zy, "t-copula", random_state, se_fit=stderr)
        diag["model_check"] = None if mc is None else mc.to_dict()
        if mc is not None and not mc.passed:
            warns.append(flag(
                "model-rejected",
                f"the fitted t-copula does not describe these data: KSG reads {mc.ksg_data:.3g} nats on them and "
                f"{mc.ksg_model:.3g} on data simulated from the fit ({mc.where()}; they may differ by "
                f"{mc.tolerance:.3g}), so the dependence is not of the t form and this value may be far off; "
                "cross-check with a kNN or neural estimator",
                ksg_data=mc.ksg_data, ksg_model=mc.ksg_model, tolerance=mc.tolerance, columns=mc.columns))
    if not math.isinf(nu):  # (the Gaussian limit's warnings above already read the symmetry)
        sym = asymmetry_flag(*spaced_rows(zx, zy), "a Student-t copula")
        if sym is not None:
            warns.append(sym)
    tie = tie_warning(x, y)
    if tie and not math.isinf(nu):
        # a block of equal values is one normal score holding many rows, which the t form
        # takes for the peaked centre of heavy tails (method="auto" leaves it out there)
        tie = flag("discrete-values",
                   f"{tie.message}. The t-copula takes such a block for the peaked centre of heavy tails, so its nu "
                   f"(here {nu:.3g}) and the MI it adds may be read off the ties (two independent columns mostly 0 "
                   "read 0.18-0.24 nats)", **tie.data)
    if tie:
        warns.append(tie)
    if not math.isinf(nu) and nu < 1.1 * NU_MIN:
        warns.append(flag("fit-at-bound",
                          f"the fitted degrees of freedom are at the lower end of the search (nu = {nu:.2f}): tails this "
                          "heavy are outside what the t-copula was fitted for, and it may be a poor model of these "
                          "data; cross-check with a kNN estimator", nu=float(nu), nu_min=NU_MIN))
    diag["warnings"] = warns
    return float(mi), float(stderr), diag


@register("tcop", "student-t-copula")
class TCopulaMI(Estimator):
    """Student-t copula MI (see the module docstring): exact for any monotone per-column
    transform of a multivariate Student-t or Gaussian, with the Gaussian copula as its
    ``nu -> inf`` limit. For dependence that is neither (non-elliptical in copula space) it is
    a model-based approximation: ``method="auto"`` checks it against a kNN estimate of data
    simulated from the fitted copula before using it.

    Parameters
    ----------
    random_state : seed of the row subsample used to search ``nu`` on large tables, of the
        half-samples and of the model check.
    model_check : check the fit against KSG on data simulated from it and warn when it fails
        (``method="auto"`` turns it off: it runs the same check with its own KSG candidate).

    ``diagnostics``: ``nu`` (``inf`` when the Gaussian copula fits as well),
    ``nu_interval`` (profile-likelihood 95%), ``correction`` (the t part of the MI),
    ``likelihood_ratio`` against the Gaussian copula (chi-square with 1 degree of freedom).
    """

    name: ClassVar[str] = "t-copula"
    #: exact for elliptical (Gaussian or Student-t) copulas; off them no fixed direction
    bias: ClassVar[str] = "none"
    _min_samples: ClassVar[int] = 20
    _test_params: ClassVar[dict[str, Any]] = {}

    def __init__(self, random_state: Any = None, model_check: bool = True) -> None:
        self.random_state = random_state
        self.model_check = model_check

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        x, y = check_xy(x, y, min_samples=self.min_samples())
        d = x.shape[1] + y.shape[1]
        if len(x) <= 2 * d + 2:
            raise InputError(f"x and y have {len(x)} samples for {d} dimensions; the t-copula needs n > 2 (dx + dy) + 2 "
                             f"= {2 * d + 2} (use more samples or method='gaussian-copula')")
        return x, y

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        seed = self.random_state if isinstance(self.random_state, (int, np.integer)) else 0
        return t_copula_mi(x, y, int(seed), check=bool(self.model_check))
