"""The reasons to doubt a trained estimate (coded flags): its own training record
(:func:`training_warnings`), and the shape of the dependence in the data with the
Gaussian-copula cross-check (:func:`dependence_shape_warnings`), shared by the critics and
the diffusion denoisers."""

from __future__ import annotations

import math

import numpy as np

from ...errors import Flag, flag
from ...stats import compare
from .._trust import CHECK_ROWS
from .trainer import FitResult


#: estimates above this many nats carry a warning: measured with benchmarks/bench_neural.py
#: (``--only rho``), every bound read 3-35% low (more than 2 standard errors) from 1.96 nats on,
#: and all were within 2 standard errors at 0.83 nats
HIGH_MI_NATS = 1.5
#: evaluations looked back over to decide whether validation MI was still rising
RISE_WINDOW = 5
#: the Gaussian-copula cross-check (:func:`copula_cross_check`) calls a critic's estimate far
#: below the copula's when the gap exceeds both this many combined standard errors (a margin
#: wider than the 2 of :data:`infolens.stats.Z_DIFFER`: the copula's half-sampling error and the
#: critic's test-split error are themselves rough) ...
CROSS_CHECK_Z = 3.0
#: ... and this share of the copula's value (a critic 10% below a closed form that is exact
#: for Gaussian dependence has not learned the dependence; smaller gaps are left to the
#: estimator's own bias statement)
CROSS_CHECK_REL = 0.1


def training_warnings(fit: FitResult, ceiling: float | None, epochs: int, min_delta: float) -> list[str]:
    """Reasons to doubt a trained estimate, read off its own training record: stopped by the
    epoch limit while the smoothed validation MI still rose (the estimate is low), a
    diverged run kept at its best checkpoint, an InfoNCE read-out at its log(block)
    ceiling, and a test read-out far from the validation read-out of the same critic
    (unstable read-out, e.g. a DV mean of exponentials ruled by a few rows)."""
    out: list[str] = []
    sm = fit.curves["smoothed"].to_numpy() if len(fit.curves) else np.array([])
    if fit.stopped == "max epochs" and len(sm) >= 2:
        w = min(RISE_WINDOW, len(sm) - 1)
        rise = float(sm[-1] - sm[-1 - w])
        if rise > max(2 * min_delta, 0.01 * abs(float(sm[-1]))):
            out.append(flag(
                "not-converged",
                f"training stopped at the epoch limit ({epochs} epochs) while the smoothed validation MI was still "
                f"rising (+{rise:.3g} nats over the last {w} evaluations): the estimate is likely low; "
                "raise epochs (or lr)", rise=rise, epochs=epochs))
    if fit.stopped.startswith("diverged"):
        out.append(flag("unstable", "training diverged; the estimate comes from the last good checkpoint and may be "
                        "far off (lower lr, or use a bounded objective such as 'infonce' or 'smile')"))
    if ceiling is not None and fit.estimate > ceiling - 0.1:
        out.append(flag(
            "ceiling",
            f"the estimate is at InfoNCE's ceiling log({round(math.exp(ceiling))}) = {ceiling:.3g} nats: the true MI "
            "may be much higher; use a larger eval_block/test split or another bound (smile, nwj)", ceiling=ceiling))
    if fit.estimate > HIGH_MI_NATS:
        out.append(flag(
            "lower-bound",
            f"critic-based bounds read low at high MI (here {fit.estimate:.3g} nats): on 1+1 Gaussians at N=10,000 "
            "the defaults read 3-7% low at 1.96 nats and up to 35% low at 3.1 nats, several standard errors "
            "below the truth; cross-check with a closed form where the data allow (method='gaussian-copula')",
            advice=" or method='auto'", mi=fit.estimate, high_mi=HIGH_MI_NATS))
    gap = abs(fit.estimate - fit.best_val)
    if math.isfinite(fit.best_val) and gap > 4 * fit.stderr + 0.1 * max(abs(fit.best_val), 0.1):
        out.append(flag(
            "unstable",
            f"the held-out test read-out ({fit.estimate:.3g}) is far from the validation read-out of the same "
            f"critic ({fit.best_val:.3g}): the read-out is unstable on these data (heavy tails or too few rows); "
            "use a bounded read-out (infonce, smile) or more samples", test=fit.estimate, validation=fit.best_val))
    return out


def dependence_shape_warnings(mi: float, stderr: float, x: np.ndarray, y: np.ndarray, name: str,
                              measured: str) -> list[str]:
    """The trust checks shared by the trained estimators (critics here, diffusion denoisers):
    heavy joint tails (``measured``: how far ``name`` was off on them) and the cross-check
    against the Gaussian copula. Normal scores are computed once for both."""
    from .._trust import heavy_tail_warning, normal_scores

    zx, zy = normal_scores(x), normal_scores(y)
    out: list[str] = []
    w = heavy_tail_warning(x, y, name, measured=measured, scores=(zx, zy))
    if w:
        out.append(flag("heavy-tails", w))
    if len(x) > x.shape[1] + y.shape[1] + 2:
        cross = copula_cross_check(mi, stderr, zx, zy)
        if cross is not None:
            out.append(cross)
    return out


def check_rows(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most :data:`CHECK_ROWS` evenly spaced rows of ``x`` and ``y`` as float64 arrays in
    memory (a memory-mapped input is read only in those rows)."""
    step = max(1, -(-len(x) // CHECK_ROWS))
    return (np.asarray(x[::step], dtype=np.float64).reshape(-(-len(x) // step), -1),
            np.asarray(y[::step], dtype=np.float64).reshape(-(-len(y) // step), -1))


def copula_cross_check(mi: float, stderr: float, zx: np.ndarray, zy: np.ndarray) -> Flag | None:
    """A ``disagreement`` flag when a critic's estimate lies far below the Gaussian-copula
    estimate of the same data (:func:`infolens.stats.compare` with :data:`CROSS_CHECK_Z`
    combined standard errors and :data:`CROSS_CHECK_REL` of the values): the copula estimate is exact for Gaussian
    dependence and otherwise sees only the rank correlations, so a trained critic below it
    has not learned the dependence (the suite's 25+25 sparse tasks: InfoNCE and MINE read
    0.56-0.64 nats where the copula gives 1.005, truth 1.022). ``zx``, ``zy``: the normal
    scores of x and y."""
    from ..gaussian import gaussian_mi

    try:
        g, gse, _ = gaussian_mi(zx, zy)
    except ValueError:  # a singular correlation matrix: no cross-check possible
        return None
    c = compare(g, mi, gse, stderr, z=CROSS_CHECK_Z, rel=CROSS_CHECK_REL)
    if c.differ and c.gap > 0:
        return flag(
            "disagreement",
            f"the estimate is far below the Gaussian-copula estimate of the same data ({g:.3g} nats), which the "
            "rank correlations alone already support: the critic has not learned the dependence (too little "
            "training or capacity for these dimensions); use method='gaussian-copula'",
            advice=" or method='auto'", a=g, b=mi, gap=c.gap, tolerance=c.tolerance)
    return None
