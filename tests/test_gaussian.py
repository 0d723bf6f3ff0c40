"""Gaussian / CCA closed form: exact for Gaussian data, its bias correction and stderr."""

import math

import numpy as np
import pytest

import infolens
from infolens.estimators.gaussian import canonical_correlations


def test_recovers_the_closed_form():
    """Correlated Gaussians, 3 + 2 dims, known canonical correlations 0.8, 0.5:
    I = -1/2 (log(1 - 0.64) + log(1 - 0.25)). sd at n = 20000 ~ sqrt(sum rho^2 / n) = 0.007."""
    rng = np.random.default_rng(0)
    n = 20000
    u = rng.normal(size=(n, 2))
    rho = np.array([0.8, 0.5])
    x = np.c_[u, rng.normal(size=n)] @ rng.normal(size=(3, 3))  # mixes columns: MI unchanged
    y = rho * u + np.sqrt(1 - rho**2) * rng.normal(size=(n, 2))
    truth = -0.5 * np.log(1 - rho**2).sum()
    r = infolens.estimate_mi(x, y, method="gaussian")
    assert r.mi == pytest.approx(truth, abs=4 * r.stderr)
    assert r.stderr == pytest.approx(math.sqrt((rho**2).sum() / n), rel=0.1)
    np.testing.assert_allclose(sorted(r.diagnostics["canonical_correlations"], reverse=True), rho, atol=0.02)


def test_bias_correction_is_unbiased_under_independence():
    """Independent 3 + 3 dims, n = 50: the plug-in is biased up by ~ dx*dy / (2n) = 0.09;
    the Wishart correction removes it. Mean over 200 repetitions, sd of the mean ~0.003."""
    rng = np.random.default_rng(1)
    corrected, plug, ses = [], [], []
    for _ in range(200):
        r = infolens.estimate_mi(rng.normal(size=(50, 3)), rng.normal(size=(50, 3)), method="gaussian")
        corrected.append(r.mi)
        plug.append(r.diagnostics["plug_in"])
        ses.append(r.stderr)
    assert abs(np.mean(corrected)) < 0.012
    assert np.mean(plug) == pytest.approx(9 / 100, abs=0.02)
    # the mean reported stderr matches the spread within 30% (sd of an sd from 200 draws ~5%;
    # the asymptotic formula is rough at n = 50)
    assert np.mean(ses) == pytest.approx(np.std(corrected), rel=0.3)


def test_stderr_matches_spread_when_dependent():
    rng = np.random.default_rng(2)
    vals, ses = [], []
    for _ in range(150):
        x = rng.normal(size=(300, 2))
        y = 0.5 * x + math.sqrt(0.75) * rng.normal(size=(300, 2))
        r = infolens.estimate_mi(x, y, method="gaussian")
        vals.append(r.mi)
        ses.append(r.stderr)
    assert np.mean(vals) == pytest.approx(-math.log(0.75), abs=3 * np.std(vals) / math.sqrt(150) + 0.005)
    assert np.mean(ses) == pytest.approx(np.std(vals), rel=0.2)


def test_canonical_correlations_against_numpy_cca():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(500, 5))
    c = np.corrcoef(z @ rng.normal(size=(5, 5)), rowvar=False)
    rho = canonical_correlations(c, 2)
    # eigenvalues of Cxx^-1 Cxy Cyy^-1 Cyx are rho^2
    cxx, cyy, cxy = c[:2, :2], c[2:, 2:], c[:2, 2:]
    ev = np.sort(np.linalg.eigvals(np.linalg.solve(cxx, cxy) @ np.linalg.solve(cyy, cxy.T)).real)[::-1]
    np.testing.assert_allclose(np.sort(rho)[::-1] ** 2, ev, atol=1e-10)


def test_errors():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(100, 2))
    with pytest.raises(ValueError, match=r"singular joint covariance"):
        infolens.estimate_mi(x, np.c_[x[:, 0] + x[:, 1], rng.normal(size=100)], method="gaussian")
    with pytest.raises(ValueError, match=r"n > dx \+ dy \+ 1 = 7"):
        infolens.estimate_mi(rng.normal(size=(6, 3)), rng.normal(size=(6, 3)), method="gaussian")


def _coverage(n, d, rhos, reps, method, seed):
    truth = -0.5 * np.log(1 - np.square(rhos)).sum()
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(reps):
        x = rng.normal(size=(n, d))
        y = rng.normal(size=(n, d))
        for i, r in enumerate(rhos):
            y[:, i] = r * x[:, i] + math.sqrt(1 - r * r) * y[:, i]
        lo, hi = infolens.estimate_mi(x, y, method=method).ci
        hits += lo <= truth <= hi
    return hits / reps


@pytest.mark.parametrize("rho", [0.3, 0.8])
def test_small_sample_intervals_cover_one_correlation_with_fishers_shape(rho):
    """1 + 1 at n = 30: Fisher's interval covers ~95% (measured 94-99% from n = 20 to 200,
    rho 0 to 0.95); the symmetric delta-method one covered 74-85% at rho = 0.3 and 65-85%
    at rho = 0.5. 150 draws: binomial sd 1.8%, so >= 0.89 fails the old interval only."""
    for method in ("gaussian", "gaussian-copula"):
        assert _coverage(30, 1, [rho], 150, method, seed=11) >= 0.89


def test_small_sample_intervals_cover_several_correlations():
    """3 + 3 with canonical correlations 0.8, 0.6, 0.4 at n = 50: the variance sum rho^2 /
    (n - 3) with only the noise's mean removed covers ~91% (measured over 200 draws); the
    earlier mean-plus-two-sds removal covered 83%. 150 draws: >= 0.86 (2.5 sd below 0.91)."""
    assert _coverage(50, 3, [0.8, 0.6, 0.4], 150, "gaussian-copula", seed=12) >= 0.86


def test_class_conditional_error_matches_the_spread_over_seeds():
    """The class-conditional Gaussian copula's standard error against the spread of 40 seeds:
    four equal Gaussian classes (means 1.5 apart on the axes) in 5 dims, n = 1000, and ten in
    10 dims with 20 rows per class (n = 200). Its old error summed the pooled and class
    log-determinants' variances as if independent: 2.6x the spread at n = 1000 (ratio < 1.4
    fails it); the first-order influence function alone is ~15% short at 20 rows per class
    (the Wishart factor mends it). The ratio's own sampling error over 40 seeds is ~11%."""
    for k, d, n in ((4, 5, 1000), (10, 10, 200)):
        labels = np.repeat(np.arange(k), n // k)
        means = np.zeros((k, d))
        means[np.arange(k), np.arange(k)] = 1.5
        vals, ses = [], []
        for seed in range(40):
            x = means[labels] + np.random.default_rng(seed).normal(size=(n, d))
            r = infolens.estimate_mi(x, labels, method="gaussian-copula", discrete_y=True)
            vals.append(r.mi)
            ses.append(r.stderr)
        ratio = np.mean(ses) / np.std(vals, ddof=1)
        assert 0.75 < ratio < 1.4, (k, d, n, ratio)


def test_class_conditional_copula_says_why_a_class_is_too_small():
    """Too few rows in one class for the columns: a rare class is to be merged, but classes of
    ordinary size under as many columns (images) need fewer columns, not merged classes."""
    from infolens.errors import InputError

    rng = np.random.default_rng(0)
    from infolens.registry import get_estimator

    est = get_estimator("gaussian-copula", discrete_y=True)
    wide = rng.normal(size=(60, 30))
    with pytest.raises(InputError, match="more columns than a class has rows"):
        est.estimate(wide, np.repeat([0, 1, 2], 20))
    rare = rng.normal(size=(205, 8))
    with pytest.raises(InputError, match="merge rare classes"):
        est.estimate(rare, np.r_[np.zeros(100, int), np.ones(100, int), np.full(5, 2)])
