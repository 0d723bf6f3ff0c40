"""Does a fitted copula model describe the data as a nonparametric estimator sees them?

KSG on the data's normal scores against KSG on ``n`` rows simulated from the fitted copula
(Gaussian, or Student-t with ``nu`` degrees of freedom): the same estimator with the same n
and dimensions has the same bias when the model is right, so the two values agree within
their errors; a model that misses dependence (a spiral, additive noise, one-sided tail
dependence) gives a simulation that KSG reads differently. ``method="auto"`` uses the check
to decide whether a copula's closed form may be the answer; ``t-copula`` runs it on its own
fit and warns when it fails.

"Agree within their errors" is :func:`infolens.stats.compare` with the combined standard
error of KSG on the data and KSG on the simulation. The fitted model's own error moves the
simulation's expected value too, but the model is fitted to the same rows as KSG on the data
and moves with it (a sample with stronger dependence raises both), so that part mostly
cancels in the gap; it is recorded (``se_fit``), not added (adding it in quadrature made the
check pass a t-copula 13% low on a 0.2-nat mixture). No share of the estimate enters: a
0.056-nat gap with KSG errors of 0.009 is a rejection, whatever the MI.

**The canonical check** (beyond :data:`CANONICAL_MIN_DIM` joint dimensions, after the KSG
check passed). In many dimensions KSG loses the power to see what a copula misses: a gently
spiraled 5+5 Gaussian (truth 1.02, the Gaussian copula 0.88) moved KSG on all ten columns by
one combined error, and a 25+25 one (copula 0.82) passed the 5+5 sub-block. The check then
looks where the model's dependence lives: the top ``k <= 2`` canonical pairs of the normal
scores (CCA) that stand apart from the next (or up to 3 equal pairs together), where KSG
runs in few dimensions and keeps its power. Its statistic is
paired: ``KSG(U; V) - G(U; V)``, KSG (:data:`CANONICAL_NEIGHBOURS` neighbours) on the
canonical variates minus the Gaussian MI of their own sample canonical correlations, on the
same rows, so the sampling noise of the dependence's strength cancels (with 3 neighbours its
sd was 0.005-0.01 nats at n = 5000, against 0.02 for KSG alone; 8 lower it further). Under
the model the statistic has a bias of KSG's (with 3 neighbours about +0.01 nats in 2+2 at
1 nat, -0.12 in 50+50 where the top pairs are selected from many), which
:data:`CANONICAL_REPS` simulations of the fitted model, put through the same CCA and KSG,
measure with its spread. By data processing ``I(X; Y) >= I(U; V)``, so KSG on the variates
lying significantly **above** what the model predicts there is dependence the model misses;
the check is one-sided (a canonical pair that reads below the model's prediction is not
missed dependence). Pairs at the noise edge of sample CCA (:data:`CANONICAL_EDGE`) are left
out: their correlation is selection noise from many columns, not the model's dependence; and
so is a leading pair that does not stand apart from the next (:func:`canonical_pairs`).
Measured by ``benchmarks/bench_canonical.py`` (docs/benchmark.md): 1.2% of 241 Gaussian
copulas rejected, 79/80 spiraled 3+3 and 5+5 Gaussians and 20/20 25+25 ones at n = 5000 seen.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from ..registry import get_estimator
from ..result import columns_phrase
from ..stats import Z_DIFFER, compare
from ._trust import pairwise_excess_matrix
from .cca import canonical
from .knn import KNN_MAX_JOINT_DIM

#: per side, columns of the KSG sub-block check when dx + dy > KNN_MAX_JOINT_DIM
CHECK_COLS = 5
#: the check fails when the gap exceeds this many combined standard errors (2: a test near
#: the 5% level; a false failure costs little, since the fallback keeps the highest low
#: reader, often close to the model itself, while a false pass hides dependence the model
#: misses: additive noise 1+1 at n = 1000 read 0.17 for a truth of 0.333 with 3 errors)
CHECK_Z = Z_DIFFER
#: an absolute resolution below which no gap matters (nats): KSG's own rank noise on
#: normal scores at n = 5000 is about this size, and a model whose KSG image is this close
#: reads within 10% of any MI above 0.2 nats
CHECK_FLOOR = 0.02
#: the canonical check runs above this joint dimension (KSG in 2+2 still has the power to see
#: a copula's misses on all columns: ``method="auto"``'s CORROBORATE_MAX_DIM)
CANONICAL_MIN_DIM = 4
#: canonical pairs per side the canonical check reads (KSG in 2+2 dimensions at most)
CANONICAL_K = 2
#: a canonical pair enters the check only when its squared sample correlation exceeds this
#: multiple of :func:`noise_edge`: a pair at the edge is selection noise from many columns,
#: whose correlation the fitted model (the sample correlations) takes as real dependence and
#: inflates again in its simulations; its statistic then differs from the data's without any
#: missed dependence (with the pair, the dense 25+25 and 50+50 Gaussians read 1.7-2.7 sds
#: above the prediction in 3 of 8 runs; without, within -1.2..+1.4)
CANONICAL_EDGE = 2.0
#: KSG's neighbours in the canonical statistic: more neighbours lower KSG's variance, and the
#: bias they add is the model's too, measured by the simulations. Measured at n = 5000 over 6
#: seeds: with k = 3 the 25+25 spirals read 0.8-2.8 sds above the prediction (3 of 6 past
#: 2), with k = 8 2.6-4.3 (6 of 6), and the 25+25 spirals of normal CDFs 1.4-5.4 -> 3.5-6.7;
#: Gaussian 5+5 and dense 25+25 stayed within -2.6..+2.2 sds with either
CANONICAL_NEIGHBOURS = 8
#: the top k canonical pairs are read only when the k-th correlation exceeds the next by this
#: many standard errors (a sample canonical correlation's is ``(1 - s^2) / sqrt(n)``, a
#: difference's sqrt(2) times that): among equal correlations the leading variates are an
#: arbitrary rotation inside their common subspace, selected from it by noise, and the fitted
#: model's simulations select differently (10+10 Gaussian pairs all at rho = 0.958, 12.5 nats:
#: 3/10 false rejections at n = 1000 without this rule)
CANONICAL_GAP_Z = Z_DIFFER
#: ... unless all the pairs above the noise edge, at most this many, are read together (3+3
#: equal pairs: KSG in 3+3 still sees a Student-t's tails 4+ sds above a Gaussian model)
CANONICAL_MAX_BLOCK = 3
#: simulations of the fitted model that measure the canonical statistic's bias and spread
#: (16: the spread's own relative error is then ~18%, and the check costs ~17 KSG point
#: estimates in 2+2, about 1.5 s at n = 5000 on one thread)
CANONICAL_REPS = 16
#: an absolute resolution of the canonical statistic (nats): its noise at n = 5000 is
#: 0.005-0.01, so the floor binds only from ~20,000 rows on, where a gap below 0.01 in the
#: canonical plane is no error worth a rejection
CANONICAL_FLOOR = 0.01


@dataclass(frozen=True)
class ModelCheck:
    """The outcome of :func:`copula_model_check` (all values in nats)."""

    model: str
    #: "all", or the sub-block checked, e.g. "5+5 columns"
    columns: str
    #: the column indices of x and y the check ran on
    x_columns: tuple[int, ...]
    y_columns: tuple[int, ...]
    ksg_data: float
    ksg_model: float
    se_data: float
    se_model: float
    #: the fitted model's own standard error (recorded; shared with ``ksg_data``, so not
    #: part of the tolerance: module docstring)
    se_fit: float
    tolerance: float
    passed: bool
    #: rows of the data (and of the simulation) the check ran on; ``method="auto"`` sizes it
    #: by the power it needs (:func:`~._auto_rules.check_rows_for_power`), not by n
    rows: int = 0
    #: the canonical check's record (:func:`canonical_check`) when it ran and passed; a
    #: failing canonical check is returned as the check itself (``columns`` "canonical k+k")
    canonical: dict[str, Any] | None = None

    @property
    def gap(self) -> float:
        """KSG on the data less KSG on the model's simulation: the model's error as KSG sees it."""
        return float(self.ksg_data - self.ksg_model)

    @property
    def gap_se(self) -> float:
        """The gap's standard error, that of the two KSG values combined: the smallest error of
        the model the check can see."""
        return math.hypot(self.se_data, self.se_model)

    @property
    def is_canonical(self) -> bool:
        return self.columns.startswith("canonical")

    @property
    def all_columns(self) -> bool:
        return self.columns == "all"

    def where(self) -> str:
        """Which columns, in words (for explanations)."""
        if self.all_columns:
            return "all columns"
        if self.is_canonical:
            k = self.columns.split()[-1]
            return (f"the top {k} canonical variates of the normal scores, against the value simulations of the "
                    "model predict for their correlations")
        return f"{columns_phrase(self.x_columns, self.y_columns)} ({self.columns})"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["x_columns"], d["y_columns"] = list(self.x_columns), list(self.y_columns)
        return d


def copula_model_check(r: np.ndarray, nu: float, zx: np.ndarray, zy: np.ndarray, model: str, seed: int,
                       ksg: Any = None, se_fit: float | None = None) -> ModelCheck | None:
    """KSG on the normal scores ``zx``, ``zy`` (or the given ``ksg`` result on them) against
    KSG on ``n`` rows simulated from the copula with correlation/dispersion ``r`` and ``nu``
    degrees of freedom (``inf``: Gaussian); ``se_fit``: the fitted model's standard error
    (recorded only).
    Beyond :data:`CANONICAL_MIN_DIM` joint dimensions a passing check is followed by
    :func:`canonical_check`, whose failure is returned instead (module docstring).
    Beyond :data:`~infolens.estimators.knn.KNN_MAX_JOINT_DIM` joint dimensions the check runs
    on a sub-block of at most ``CHECK_COLS`` columns per side (the columns most correlated
    with the other side): a sub-block of an elliptical copula is the same copula restricted,
    so the check stays valid there, but it sees only those columns (and ``ksg`` is then
    recomputed on them). None when it cannot run."""
    n, dx = zx.shape
    dy = zy.shape[1]
    check = _ksg_check(r, nu, zx, zy, model, seed, ksg, se_fit)
    if check is None or not check.passed or dx + dy <= CANONICAL_MIN_DIM:
        return check
    canon = canonical_check(r, nu, zx, zy, model, seed)
    if canon is None:
        return check
    if not canon.passed:
        return canon
    return replace(check, canonical=canon.to_dict())


def _with_flagged_pair(zx: np.ndarray, zy: np.ndarray, ox: np.ndarray, oy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sub-block's columns (most correlated first) with the pair of the largest bivariate
    kurtosis excess put in, in place of the least correlated ones, when that excess is beyond
    the pairwise check's threshold (:func:`~._trust.pairwise_excess_matrix`). A dependence
    with no correlation (y_1 = x_1^2 + e among 20+20 columns) flags its pair there, but the
    columns picked by correlation leave it out, and the check passed a copula model reading
    0.00 for 0.80."""
    excess, thr = pairwise_excess_matrix(zx, zy)
    if not excess.size or not np.nanmax(excess) > thr:
        return ox, oy
    i, j = np.unravel_index(int(np.nanargmax(excess)), excess.shape)
    out = []
    for o, k in ((ox, int(i)), (oy, int(j))):
        if k not in o:
            o = np.concatenate([o[:-1], [k]]) if len(o) else np.array([k])
        out.append(o)
    return out[0], out[1]


def _ksg_check(r: np.ndarray, nu: float, zx: np.ndarray, zy: np.ndarray, model: str, seed: int,
               ksg: Any, se_fit: float | None) -> ModelCheck | None:
    """KSG on the data (or on a sub-block of its columns) against KSG on the copula's simulation."""
    n, dx = zx.shape
    dy = zy.shape[1]
    rng = np.random.default_rng(seed)
    if dx + dy <= KNN_MAX_JOINT_DIM:
        cx, cy, cols = np.arange(dx), np.arange(dy), "all"
    else:
        c = np.abs(r[:dx, dx:])
        ox = np.argsort(-c.max(axis=1), kind="stable")[: min(CHECK_COLS, dx)]
        oy = np.argsort(-c.max(axis=0), kind="stable")[: min(CHECK_COLS, dy)]
        ox, oy = _with_flagged_pair(zx, zy, ox, oy)
        cx, cy = np.sort(ox), np.sort(oy)
        cols = f"{len(cx)}+{len(cy)} columns"
        ksg = None  # a KSG value on all columns is not the sub-block's
    try:
        if ksg is None:
            ksg = get_estimator("ksg", random_state=seed).estimate(zx[:, cx], zy[:, cy])
        z = _simulate(r, nu, n, rng)
        sim = get_estimator("ksg", random_state=seed).estimate(with_margins(z[:, cx], zx[:, cx]),
                                                               with_margins(z[:, dx + cy], zy[:, cy]))
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None
    se_fit_used = _finite(se_fit) if cols == "all" else 0.0
    se_data, se_model = _finite(ksg.stderr), _finite(sim.stderr)
    cmp = compare(float(ksg.mi), float(sim.mi), se_data, se_model, z=CHECK_Z, floor=CHECK_FLOOR)
    return ModelCheck(model=model, columns=cols, x_columns=tuple(int(i) for i in cx), y_columns=tuple(int(i) for i in cy),
                      ksg_data=float(ksg.mi), ksg_model=float(sim.mi), se_data=se_data, se_model=se_model,
                      se_fit=se_fit_used, tolerance=float(cmp.tolerance), passed=not cmp.differ, rows=n)


def _simulate(r: np.ndarray, nu: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` rows of the copula with correlation/dispersion ``r`` and ``nu`` degrees of freedom."""
    chol = np.linalg.cholesky(r + 1e-10 * np.eye(len(r)))
    z = rng.standard_normal((n, len(r))) @ chol.T
    if math.isfinite(nu):
        z /= np.sqrt(rng.chisquare(nu, size=(n, 1)) / nu)
    return z


def with_margins(z: np.ndarray, data: np.ndarray) -> np.ndarray:
    """The simulated columns ``z`` given the data's margins: each column's values are the data
    column's own values, sorted, placed in the order of the simulated ones (the copula's
    ranks, the data's values). For a column without ties this is the normal scores of ``z``
    exactly (``data`` holds the scores ``Phi^-1(i / (n + 1))``); a column with a block of
    equal values (zeros of a ReLU unit, a floor, a count) keeps the block, so KSG meets the
    same ties on the simulation as on the data. Given continuous normal scores instead, the
    simulation of the right model read differently: x, y = x + e and four independent columns
    93% zero (a layer's idle units), n = 3000: KSG 0.247 on the data, 0.316 on the
    simulation, a 3-error gap that rejected copula models reading 0.348 for 0.347."""
    order = np.argsort(z, axis=0, kind="stable")
    out = np.empty(z.shape, dtype=float)
    np.put_along_axis(out, order, np.sort(data, axis=0), axis=0)
    return out


def _cca(zx: np.ndarray, zy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(u, v, s)``: every canonical variate of ``zx`` and of ``zy`` (columns, strongest pair
    first) and the sample canonical correlations ``s`` (descending; :func:`.cca.canonical`)."""
    found = canonical(zx, zy)
    if found is None:
        raise ValueError("a constant side has no canonical variates")
    return found[3], found[4], found[2]


def _statistic(u: np.ndarray, v: np.ndarray, s: np.ndarray, k: int, seed: int) -> tuple[float, float]:
    k = min(k, len(s))
    s = np.clip(s[:k], 0.0, 1.0 - 1e-12)
    ksg = get_estimator("ksg", random_state=seed, n_subsamples=0, k=CANONICAL_NEIGHBOURS).estimate(u[:, :k], v[:, :k])
    return float(ksg.mi), float(-0.5 * np.log1p(-s * s).sum())


def canonical_statistic(zx: np.ndarray, zy: np.ndarray, k: int, seed: int) -> tuple[float, float]:
    """``(ksg, gauss)``: KSG (point estimate) on the top ``k`` canonical pairs of ``zx``, ``zy``
    and the Gaussian MI ``-1/2 sum log(1 - s_i^2)`` of their sample canonical correlations."""
    return _statistic(*_cca(zx, zy), k, seed)


def noise_edge(n: int, dx: int, dy: int) -> float:
    """The largest squared sample canonical correlation that independent ``dx`` and ``dy``
    columns reach at ``n`` rows: ``(sqrt(dx / n) + sqrt(dy / n))^2`` (the edge of the
    spectrum of sample CCA for independent data; 0.020 for 25+25 at n = 5000, where the
    dense 25+25 Gaussian's second pair read 0.015-0.017)."""
    return (math.sqrt(dx / n) + math.sqrt(dy / n)) ** 2


def canonical_pairs(s: np.ndarray, n: int, dx: int, dy: int) -> int:
    """How many of the sample canonical correlations ``s`` (descending) the canonical check
    reads: at most :data:`CANONICAL_K`, only pairs above the noise edge
    (:data:`CANONICAL_EDGE`), and only a leading subspace that stands apart from the next pair
    (:data:`CANONICAL_GAP_Z`); else all the pairs above the edge when they are at most
    :data:`CANONICAL_MAX_BLOCK`; 0 otherwise."""
    m = int(np.sum(s * s > CANONICAL_EDGE * noise_edge(n, dx, dy)))
    for k in range(min(CANONICAL_K, m), 0, -1):
        if k == m:
            return k  # the next pair is selection noise
        sd = math.sqrt(2.0) * (1.0 - s[k - 1] ** 2) / math.sqrt(n)
        if s[k - 1] - s[k] > CANONICAL_GAP_Z * sd:
            return k
    # no leading subspace of at most CANONICAL_K pairs stands apart: every pair above the
    # noise edge together, while KSG keeps its power there
    return m if m <= CANONICAL_MAX_BLOCK else 0


def canonical_check(r: np.ndarray, nu: float, zx: np.ndarray, zy: np.ndarray, model: str,
                    seed: int) -> ModelCheck | None:
    """The canonical check of the module docstring: KSG on the data's top canonical variates
    against the value :data:`CANONICAL_REPS` simulations of the copula (``r``, ``nu``) predict
    for them. ``ksg_model`` is that prediction (the data's Gaussian MI of the variates plus the
    simulations' mean statistic), ``se_data`` the statistic's spread over the simulations,
    ``se_model`` the error of their mean. One-sided: it fails only when the data lie above."""
    n, dx = zx.shape
    dy = zy.shape[1]
    rng = np.random.default_rng([seed, 7])
    try:
        u, v, s = _cca(zx, zy)
        k = canonical_pairs(s, n, dx, dy)
        if k == 0:
            return None
        ksg_d, g_d = _statistic(u, v, s, k, seed)
        null = []
        for i in range(CANONICAL_REPS):
            z = _simulate(r, nu, n, rng)
            ks, g = canonical_statistic(with_margins(z[:, :dx], zx), with_margins(z[:, dx:], zy), k, seed + 1 + i)
            null.append(ks - g)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None
    if not (math.isfinite(ksg_d) and all(math.isfinite(v) for v in null)):
        return None
    mean, sd = float(np.mean(null)), float(np.std(null, ddof=1))
    predicted = g_d + mean
    cmp = compare(ksg_d, predicted, sd, sd / math.sqrt(CANONICAL_REPS), z=CHECK_Z, floor=CANONICAL_FLOOR)
    return ModelCheck(model=model, columns=f"canonical {k}+{k}", x_columns=(), y_columns=(), ksg_data=ksg_d,
                      ksg_model=predicted, se_data=sd, se_model=sd / math.sqrt(CANONICAL_REPS), se_fit=0.0,
                      tolerance=float(cmp.tolerance), passed=not (cmp.differ and cmp.gap > 0), rows=n)


def _finite(se: float | None) -> float:
    return float(se) if se is not None and math.isfinite(se) else 0.0
