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
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..registry import get_estimator
from ..stats import Z_DIFFER, compare
from ._trust import normal_scores
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

    @property
    def all_columns(self) -> bool:
        return self.columns == "all"

    def where(self) -> str:
        """Which columns, in words (for explanations)."""
        if self.all_columns:
            return "all columns"
        return f"x columns {list(self.x_columns)} and y columns {list(self.y_columns)} ({self.columns})"

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
    Beyond :data:`~infolens.estimators.knn.KNN_MAX_JOINT_DIM` joint dimensions the check runs
    on a sub-block of at most ``CHECK_COLS`` columns per side (the columns most correlated
    with the other side): a sub-block of an elliptical copula is the same copula restricted,
    so the check stays valid there, but it sees only those columns (and ``ksg`` is then
    recomputed on them). None when it cannot run."""
    n, dx = zx.shape
    dy = zy.shape[1]
    rng = np.random.default_rng(seed)
    if dx + dy <= KNN_MAX_JOINT_DIM:
        cx, cy, cols = np.arange(dx), np.arange(dy), "all"
    else:
        c = np.abs(r[:dx, dx:])
        cx = np.sort(np.argsort(-c.max(axis=1), kind="stable")[: min(CHECK_COLS, dx)])
        cy = np.sort(np.argsort(-c.max(axis=0), kind="stable")[: min(CHECK_COLS, dy)])
        cols = f"{len(cx)}+{len(cy)} columns"
        ksg = None  # a KSG value on all columns is not the sub-block's
    try:
        if ksg is None:
            ksg = get_estimator("ksg", random_state=seed).estimate(zx[:, cx], zy[:, cy])
        chol = np.linalg.cholesky(r + 1e-10 * np.eye(len(r)))
        z = rng.standard_normal((n, len(r))) @ chol.T
        if math.isfinite(nu):
            z /= np.sqrt(rng.chisquare(nu, size=(n, 1)) / nu)
        sim = get_estimator("ksg", random_state=seed).estimate(normal_scores(z[:, cx]), normal_scores(z[:, dx + cy]))
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None
    se_fit_used = _finite(se_fit) if cols == "all" else 0.0
    se_data, se_model = _finite(ksg.stderr), _finite(sim.stderr)
    cmp = compare(float(ksg.mi), float(sim.mi), se_data, se_model, z=CHECK_Z, floor=CHECK_FLOOR)
    return ModelCheck(model=model, columns=cols, x_columns=tuple(int(i) for i in cx), y_columns=tuple(int(i) for i in cy),
                      ksg_data=float(ksg.mi), ksg_model=float(sim.mi), se_data=se_data, se_model=se_model,
                      se_fit=se_fit_used, tolerance=float(cmp.tolerance), passed=not cmp.differ, rows=n)


def _finite(se: float | None) -> float:
    return float(se) if se is not None and math.isfinite(se) else 0.0
