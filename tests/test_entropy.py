"""Kozachenko–Leonenko and weighted KL entropies, and the 3H MI built on them.

Tolerances come from repetitions (sd of the entropy estimate ~0.01-0.03 nats at n=3000)
and the known bias of the plain KL estimator (~ -0.06 nats in 4 dims at n=3000, which
the Berrett–Samworth–Yuan weights shrink).
"""

import math

import numpy as np
import pytest
from scipy.special import gammaln

import infolens
from infolens.estimators.entropy import WKL_MAX_NORM, bsy_weights, kl_entropy


@pytest.mark.parametrize("d", [1, 2, 3])
def test_kl_entropy_of_gaussians(d):
    rng = np.random.default_rng(d)
    x = rng.normal(size=(3000, d))
    truth = 0.5 * d * math.log(2 * math.pi * math.e)
    # sd ~0.015-0.03 at n=3000 (repetitions); bias < 0.05 for d <= 3
    assert kl_entropy(x, k=5, random_state=0) == pytest.approx(truth, abs=0.08)


def test_kl_entropy_of_a_uniform_box_and_scaling():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, [1.0, 2.0], size=(3000, 2))
    truth = math.log(1.0 * 2.0)  # log area
    # the edges of the box bias KL upward (balls cut by the edge reach further): measured
    # +0.02..+0.04 at n = 3000, d = 2, k = 5, sd ~0.02
    h = kl_entropy(x, k=5, random_state=0)
    assert h == pytest.approx(truth + 0.03, abs=0.07)
    # H(aX) = H(X) + d log a holds exactly for the estimator (distances scale by a)
    assert kl_entropy(10 * x, k=5, random_state=0) == pytest.approx(h + 2 * math.log(10), abs=1e-9)


def test_weighted_kl_reduces_the_bias_in_4_dimensions():
    """Averaged over 4 samples (sd of the mean ~0.007), the weighted estimator's error in
    d = 4 is smaller than the plain estimator's (~0.06 nats)."""
    truth = 0.5 * 4 * math.log(2 * math.pi * math.e)
    plain, weighted = [], []
    for seed in range(4):
        x = np.random.default_rng(seed).normal(size=(3000, 4))
        plain.append(kl_entropy(x, k=5))
        weighted.append(kl_entropy(x, k=10, weighted=True))
    assert abs(np.mean(weighted) - truth) < abs(np.mean(plain) - truth)
    assert abs(np.mean(weighted) - truth) < 0.05


@pytest.mark.parametrize("d,k,cancelled", [(4, 5, 1), (8, 8, 1), (10, 12, 1), (20, 20, 1), (20, 10, 0), (50, 10, 0)])
def test_bsy_weights_satisfy_the_constraints(d, k, cancelled):
    """The weights cancel as many bias terms as the norm bound allows (the numbers of terms
    follow from the norms: d=8 with two terms needs ||w||_1 ~ 20 > WKL_MAX_NORM)."""
    js, w, n_con = bsy_weights(d, k)
    assert n_con == cancelled
    assert w.sum() == pytest.approx(1.0, abs=1e-10)
    assert np.abs(w).sum() <= WKL_MAX_NORM
    for ell in range(1, n_con + 1):
        assert np.dot(w, np.exp(gammaln(js + 2 * ell / d) - gammaln(js))) == pytest.approx(0.0, abs=1e-8)
    assert js.max() == k and js.min() >= 1


def test_wkl_cannot_explode_in_high_dimensions():
    """10+10-dim Student-t (df=5) data once gave wkl estimates of +-400 nats (weights of norm
    2e5). With the norm bound the estimate stays within a few nats of 0..truth; 25+25 dims
    are estimated (not refused) and come with a warning."""
    from infolens.distributions import get_task

    x, y = get_task("student-identity-10-10-5").sample(2000, random_state=0)
    r = infolens.estimate_mi(x, y, method="wkl", random_state=0)
    assert -3.0 < r.mi < 5.0
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 25))
    r = infolens.estimate_mi(x, x + rng.normal(size=(1000, 25)), method="wkl", random_state=0)
    assert np.isfinite(r.mi) and r.warnings


@pytest.mark.parametrize("method,bias", [("kl", 0.06), ("wkl", 0.03)])
def test_3h_mi_on_gaussians(method, bias):
    """bias: measured over 20 repetitions for 2+2 dims, rho = 0.6, n = 2000
    (kl +0.033, wkl +0.001); stderr from subsampling, calibrated within ~30%."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(2000, 2))
    y = 0.6 * x + 0.8 * rng.normal(size=(2000, 2))
    truth = -math.log(1 - 0.36)
    r = infolens.estimate_mi(x, y, method=method, random_state=0)
    assert abs(r.mi - truth) < 4 * r.stderr + bias, (r.mi, truth, r.stderr)
    assert r.diagnostics["h_x"] + r.diagnostics["h_y"] - r.diagnostics["h_xy"] == pytest.approx(r.mi)


def test_repeated_samples_without_tie_handling_are_refused():
    x = np.random.default_rng(0).integers(0, 50, 2000).astype(float)
    with pytest.raises(ValueError, match=r"ties='dequantize'"):
        kl_entropy(x, k=3, ties="none")
    # with the default dequantisation X + U is uniform on [-0.5, 49.5): H = log 50
    # (measured error over seeds: within +-0.02, sd ~0.02)
    assert kl_entropy(x, k=3, random_state=0) == pytest.approx(math.log(50), abs=0.06)
