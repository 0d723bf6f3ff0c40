"""Has a GAN run stopped moving? A verdict from its own loss curve.

GAN losses do not go to a known minimum, but a run whose losses still drift at the end was
stopped early. The check fits a straight line to the discriminator (critic) loss over the last
``window`` share of the logged steps and compares the drift it implies across that window with
the loss's own scatter there: "still changing" when the drift exceeds ``k`` residual standard
deviations. For WGAN and WGAN-GP the critic loss is minus the estimated Wasserstein distance
(plus the penalty), so a drift there means the generator is still closing the gap.

This is a necessary condition, not a sufficient one: a collapsed generator can sit still. The
GAN toy study adds checks against the known target (modes covered, MI, MMD to true samples).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

#: last share of the logged history examined, and the drift threshold in residual sds
WINDOW, K_SD = 0.25, 2.0
MIN_POINTS = 8


def loss_trend(history: Sequence[dict[str, float]], key: str = "d_loss", window: float = WINDOW) -> dict[str, Any]:
    """Least-squares drift of ``history[i][key]`` over the last ``window`` of the points:
    ``{"drift": slope x span, "scatter": residual sd, "points": n}``."""
    vals = np.array([h[key] for h in history if key in h], dtype=np.float64)
    steps = np.array([h["step"] for h in history if key in h], dtype=np.float64)
    n = max(MIN_POINTS, int(round(window * len(vals))))
    vals, steps = vals[-n:], steps[-n:]
    if len(vals) < MIN_POINTS or np.ptp(steps) == 0:
        return {"drift": float("nan"), "scatter": float("nan"), "points": int(len(vals))}
    slope, icept = np.polyfit(steps, vals, 1)
    resid = vals - (slope * steps + icept)
    return {"drift": float(slope * np.ptp(steps)), "scatter": float(resid.std(ddof=2)), "points": int(len(vals))}


def training_verdict(history: Sequence[dict[str, float]], *, window: float = WINDOW, k: float = K_SD) -> dict[str, Any]:
    """``{"converged": bool | None, "line": str, ...trend}``; ``None`` when there are fewer than
    ``MIN_POINTS`` logged points to judge (raise ``n_steps`` or lower ``log_every``)."""
    t = loss_trend(history, "d_loss", window)
    if not np.isfinite(t["drift"]):
        return {"converged": None, **t,
                "line": f"cannot judge convergence: only {t['points']} logged loss values (need {MIN_POINTS})"}
    moving = abs(t["drift"]) > k * max(t["scatter"], 1e-12)
    line = (f"did not converge: the discriminator loss still drifts by {t['drift']:+.3g} over the last "
            f"{int(100 * window)}% of training ({abs(t['drift']) / max(t['scatter'], 1e-12):.1f} x its scatter); "
            "train longer" if moving else
            f"losses have levelled off (drift {t['drift']:+.3g} over the last {int(100 * window)}% of training, "
            f"within {k:g} x its scatter {t['scatter']:.3g})")
    return {"converged": not moving, **t, "line": line}
