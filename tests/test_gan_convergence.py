"""The convergence verdict on loss curves whose shape is known."""

import numpy as np

from infolens.generative.convergence import loss_trend, training_verdict


def history(values):
    return [{"step": 50 * (i + 1), "d_loss": float(v), "g_loss": 0.0} for i, v in enumerate(values)]


def test_flat_noisy_curve_has_converged():
    rng = np.random.default_rng(0)
    v = training_verdict(history(0.1 * rng.standard_normal(80)))
    # no trend: the fitted drift is noise, sd ~ sd * sqrt(12 / n) ~ 0.2 sd for 20 points,
    # far below the 2-sd threshold
    assert v["converged"] is True and "levelled off" in v["line"]


def test_curve_still_falling_has_not_converged():
    rng = np.random.default_rng(1)
    steps = np.arange(80)
    v = training_verdict(history(-0.02 * steps + 0.05 * rng.standard_normal(80)))
    # last 20 points fall by 0.02 x 19 x 50/50 = 0.38, scatter 0.05: drift ~ 7.6 sd
    assert v["converged"] is False and v["line"].startswith("did not converge")
    assert loss_trend(history(-0.02 * steps))["drift"] < -0.3


def test_too_short_history_is_not_judged():
    v = training_verdict(history([1.0, 0.5, 0.2]))
    assert v["converged"] is None and "cannot judge" in v["line"]
