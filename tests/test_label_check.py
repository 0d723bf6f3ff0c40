"""Ross's bias at the data's class sizes, measured on a Gaussian model of the classes
(``estimators/_label_check.py``), and what auto does with it.

Known truths: a mixture of one-dimensional unit Gaussians has I(X; class) = h(X) - h(X|class)
with h(X) a one-dimensional integral (computed on a fine grid); two far-apart classes give
log 2, identical ones 0.
"""

import math

import numpy as np
import pytest
from scipy.stats import norm

from infolens import estimate_mi
from infolens.estimators._label_check import _fit, model_mi, ross_bias
from infolens.registry import get_estimator


def mixture_truth(mu):
    g = np.linspace(mu.min() - 12, mu.max() + 12, 200_001)
    p = norm.pdf(g[:, None] - mu[None, :]).mean(axis=1)
    return float(-np.sum(p * np.log(p)) * (g[1] - g[0]) - 0.5 * math.log(2 * math.pi * math.e))


def test_model_mi_against_closed_forms():
    rng = np.random.default_rng(0)
    chol = np.ones((2, 1, 1))
    logdet = np.zeros(2)
    p = np.array([0.5, 0.5])
    far, se = model_mi(p, np.array([[-50.0], [50.0]]), chol, logdet, rng)
    assert far == pytest.approx(math.log(2), abs=1e-9) and se < 1e-9
    same, se = model_mi(p, np.zeros((2, 1)), chol, logdet, rng)
    assert same == pytest.approx(0.0, abs=1e-12)
    mu = np.random.default_rng(1).normal(size=40)
    got, se = model_mi(np.full(40, 1 / 40), mu[:, None], np.ones((40, 1, 1)), np.zeros(40), rng, m=40_000)
    # Monte Carlo: within 4 of its own standard errors of the grid integral
    assert abs(got - mixture_truth(mu)) < 4 * se


def test_fit_leans_on_the_within_class_covariance():
    # classes of 3 rows in 2 dims: every covariance exists (shrunk towards the pooled
    # within-class one, not towards the covariance of x, which holds the spread of the means)
    rng = np.random.default_rng(2)
    means = rng.normal(size=(100, 2)) * 5
    codes = np.repeat(np.arange(100), 3)
    x = means[codes] + 0.5 * rng.normal(size=(300, 2))
    p, m, chol, logdet = _fit(x, codes)
    cov = np.einsum("cij,ckj->cik", chol, chol)
    # within-class variance 0.25; the covariance of x is ~25: the fitted classes stay narrow
    assert np.median(cov[:, 0, 0]) < 1.0 and np.all(np.isfinite(logdet))


def test_overlapping_classes_read_high_and_the_interval_says_so():
    """200 classes of one-dimensional unit Gaussians with N(0, 1) means, 20 rows each: ross
    reads +17% (0.383 for 0.327); its interval (0.356-0.409) missed the truth. The check
    measures the bias on the model (+0.04) and the interval reaches below the truth."""
    L = 200
    mu = np.random.default_rng(0).normal(size=L)
    truth = mixture_truth(mu)
    rng = np.random.default_rng(11)
    z = rng.integers(0, L, 4000)
    y = mu[z] + rng.normal(size=4000)
    r = estimate_mi(np.char.add("c", z.astype(str)), y, random_state=0, warn=False)
    assert r.diagnostics["choice"]["method"] == "ross" and r.mi > 1.1 * truth     # the bias itself
    lc = r.diagnostics["label_check"]
    assert lc["bias"] > 2 * lc["se"] and lc["bias"] > 0.05 * r.mi
    assert r.diagnostics["trust"] != "ok" and r.ci[0] <= truth <= r.ci[1]
    assert r.diagnostics["interval"]["label_bias"] == pytest.approx(lc["bias"])
    # the warnings say it reads high; ross's own "rising-with-n" (the truth likely higher) is dropped
    assert any(w.code == "small-sample" and w.data.get("bias", 0) > 0 for w in r.warnings)
    assert not any(w.code == "rising-with-n" for w in r.warnings)


def test_many_rows_per_class_no_check_and_exact_bias_on_separated_blobs():
    rng = np.random.default_rng(3)
    z = rng.integers(0, 3, 3000)                       # 1000 rows per class: above the check's 200
    x = np.array([-3.0, 0.0, 3.0])[z] + rng.normal(size=3000)
    r = estimate_mi(x, z.astype(str), random_state=0, warn=False)
    assert "label_check" not in r.diagnostics
    # on the model itself (Gaussian classes, 40 rows each, 2 dims): the bias measured agrees
    # with ross's error against the known truth of the same data-generating model within errors
    means = rng.normal(size=(50, 2)) * 2
    codes = np.repeat(np.arange(50), 40)
    xs = means[codes] + 0.5 * rng.normal(size=(2000, 2))
    est = get_estimator("ross", discrete_y=True, random_state=0)
    lc = ross_bias(xs, codes, est.estimate, seed=0)
    assert lc is not None and abs(lc.bias) < 0.1 * lc.model_mi + 3 * lc.se
