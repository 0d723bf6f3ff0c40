"""Does a fitted copula model describe the data as a nonparametric estimator sees them?

KSG on the data's normal scores against KSG on ``n`` rows simulated from the fitted copula
(Gaussian, or Student-t with ``nu`` degrees of freedom): the same estimator with the same n
and dimensions has the same bias when the model is right, so the two values agree within
their errors; a model that misses dependence (a spiral, additive noise, one-sided tail
dependence) gives a simulation that KSG reads differently. ``method="auto"`` uses the check
to decide whether a copula's closed form may be the answer; ``t-copula`` runs it on its own
fit and warns when it fails.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..registry import get_estimator
from ._auto_rules import _se
from ._trust import normal_scores
from .knn import KNN_MAX_JOINT_DIM

#: per side, columns of the KSG sub-block check when dx + dy > KNN_MAX_JOINT_DIM
CHECK_COLS = 5
#: tolerance of the model check: this many combined standard errors of the two KSG values,
#: or CHECK_RTOL of the larger, or 0.02 nats, whichever is largest. 2 (not 3): a false
#: failure costs little (the fallback keeps the highest low reader, often the model itself),
#: a false pass hides dependence the model misses (additive noise 1+1 at n = 1000: KSG 0.305
#: on the data, 0.196 on the Gaussian copula's simulation, 3 errors = 0.117 let it pass and
#: the copula's 0.17 was kept for a truth of 0.333)
CHECK_SE = 2.0
CHECK_RTOL = 0.10



def copula_model_check(r: np.ndarray, nu: float, zx: np.ndarray, zy: np.ndarray, model: str, seed: int,
                       ksg: Any = None) -> dict[str, Any] | None:
    """KSG on the normal scores ``zx``, ``zy`` (or the given ``ksg`` result on them) against
    KSG on ``n`` rows simulated from the copula with correlation/dispersion ``r`` and ``nu``
    degrees of freedom (``inf``: Gaussian). Beyond
    :data:`~infolens.estimators.knn.KNN_MAX_JOINT_DIM` joint dimensions the check runs on a
    sub-block of at most ``CHECK_COLS`` columns per side (the columns most correlated with
    the other side): a sub-block of an elliptical copula is the same copula restricted, so
    the check stays valid there, but it sees only those columns. None when it cannot run."""
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
    gap = abs(ksg.mi - sim.mi)
    tol = max(CHECK_SE * _se(ksg, sim), CHECK_RTOL * max(abs(ksg.mi), abs(sim.mi)), 0.02)
    return {"model": model, "columns": cols, "ksg_data": float(ksg.mi), "ksg_model": float(sim.mi),
            "tolerance": float(tol), "passed": bool(gap <= tol)}
