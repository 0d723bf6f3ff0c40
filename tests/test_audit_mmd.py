"""Unbiased MMD: equal to the textbook formula, ~0 with uniform p-values under the null,
large for shifted samples."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from scipy.stats import kstest

from infolens.audit import mmd_test


def naive_mmd2(x, y, h):
    def k(a, b):
        return np.exp(-cdist(a, b, "sqeuclidean") / (2 * h * h))

    m, n = len(x), len(y)
    kxx, kyy = k(x, x), k(y, y)
    return ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
            - 2 * k(x, y).mean())


def test_matches_textbook_formula_and_median_heuristic():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(120, 3)), rng.normal(0.3, 1, size=(90, 3))
    r = mmd_test(x, y, n_permutations=20, kernel="gaussian", random_state=0, working_memory_mb=0.05)
    z = np.vstack([x, y])
    assert r.bandwidth == pytest.approx(np.median(cdist(z, z)[np.triu_indices(len(z), 1)]), rel=1e-12)
    # observed statistic in float64 throughout: agreement to rounding
    assert r.mmd2 == pytest.approx(naive_mmd2(x, y, r.bandwidth), rel=1e-9)


def test_multiscale_kernel_is_the_mean_of_gaussian_mmds():
    # MMD^2 is linear in the kernel: the mixture's statistic is the mean of the single-bandwidth ones
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(100, 2)), rng.normal(0.2, 1, size=(80, 2))
    r = mmd_test(x, y, n_permutations=0, bandwidth=1.3, random_state=0)
    single = [naive_mmd2(x, y, h) for h in r.bandwidths]
    assert len(single) == 7 and r.bandwidths[0] == pytest.approx(1.3 / 16)
    assert r.mmd2 == pytest.approx(np.mean(single), rel=1e-9)


def test_multiscale_ranks_tight_modes_above_a_diffuse_cloud():
    """Ring of 8 modes (sd 0.05, radius 2): the single median bandwidth (~2.6) barely sees the
    modes, so samples from the 8 modes and a Gaussian blur of the ring (sd 0.3) score alike;
    the multiscale kernel must rank the blur clearly worse (by more than 10 null sds)."""
    rng = np.random.default_rng(6)

    def ring(n, sd):
        a = 2 * np.pi * rng.integers(0, 8, n) / 8
        return 2 * np.c_[np.cos(a), np.sin(a)] + sd * rng.normal(size=(n, 2))

    truth, good, blur = ring(600, 0.05), ring(600, 0.05), ring(600, 0.3)
    g = mmd_test(good, truth, n_permutations=50, random_state=0)
    b = mmd_test(blur, truth, n_permutations=50, random_state=0)
    assert b.mmd2 > g.mmd2 + 10 * b.null_std
    assert b.p_value == pytest.approx(1 / 51) and g.p_value > 0.01


def test_null_mmd_near_zero_and_pvalues_uniform():
    rng = np.random.default_rng(1)
    stats, pvals = [], []
    for _ in range(40):
        x, y = rng.normal(size=(80, 4)), rng.normal(size=(80, 4))
        r = mmd_test(x, y, n_permutations=99, random_state=rng, n_jobs=1)
        stats.append(r.mmd2)
        pvals.append(r.p_value)
    stats = np.array(stats)
    # the unbiased estimator has mean 0 under the null: |mean| within 4 standard errors
    assert abs(stats.mean()) < 4 * stats.std() / np.sqrt(len(stats))
    # p-values uniform: KS test against U(0,1) (p-values on a grid of 1/100 - a small distortion)
    assert kstest(pvals, "uniform").pvalue > 0.001
    # rejections at 5%: Binomial(40, 0.05) has mean 2, P(> 7) < 0.001
    assert np.sum(np.array(pvals) < 0.05) <= 7


def test_shifted_samples_are_detected():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(300, 5)), rng.normal(0.5, 1, size=(300, 5))
    r = mmd_test(x, y, n_permutations=200, random_state=0)
    assert r.p_value == pytest.approx(1 / 201)         # no permutation reaches the observed value
    assert r.mmd2 > 20 * r.null_std                    # far in the tail of the permutation null


def test_bad_input_messages():
    with pytest.raises(ValueError, match="columns"):
        mmd_test(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        mmd_test(np.zeros((1, 2)), np.ones((5, 2)))
