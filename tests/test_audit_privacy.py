"""The audit's privacy figures against known truths: a generator that copies its training
rows must be caught; one that samples the true distribution independently must not."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.neighbors import KernelDensity, NearestNeighbors

from infolens.audit import attack_metrics, distance_metrics, gaussian_kde_logpdf, kneighbors, membership_attacks
from infolens.generative import CopyGenerator, IndependentSampler

N = 600
COV = 0.5 * np.eye(5) + 0.5


def true_sampler(n, rng):
    return rng.multivariate_normal(np.zeros(5), COV, size=n)


@pytest.fixture(scope="module")
def split():
    rng = np.random.default_rng(0)
    return true_sampler(N, rng), true_sampler(N, rng)


def test_kneighbors_matches_sklearn_with_many_blocks():
    rng = np.random.default_rng(1)
    q, r = rng.normal(size=(300, 7)), rng.normal(size=(500, 7))
    for metric in ("euclidean", "manhattan"):
        # working memory for ~5 rows per block forces 60 blocks over 2 threads
        d, i = kneighbors(q, r, k=3, metric=metric, n_jobs=2, working_memory_mb=5 * 500 * 8 / 2**20)
        dref, iref = NearestNeighbors(n_neighbors=3, metric=metric).fit(r).kneighbors(q)
        np.testing.assert_allclose(d, dref, rtol=1e-10)   # same arithmetic up to rounding
        np.testing.assert_array_equal(i, iref)


def test_exact_copies_have_distance_exactly_zero():
    rng = np.random.default_rng(2)
    r = rng.normal(size=(200, 30)) * 1e3          # large norms: the |a|^2+|b|^2-2ab form would leave ~1e-7
    d, i = kneighbors(r[::-1], r, k=1)
    assert np.all(d[:, 0] == 0.0)
    np.testing.assert_array_equal(i[:, 0], np.arange(200)[::-1])


def test_kde_matches_sklearn():
    rng = np.random.default_rng(3)
    q, r = rng.normal(size=(50, 4)), rng.normal(size=(400, 4))
    ref = KernelDensity(bandwidth=0.7).fit(r).score_samples(q)
    np.testing.assert_allclose(gaussian_kde_logpdf(q, r, 0.7, working_memory_mb=0.01), ref, rtol=1e-9)


def test_attack_metrics_match_sklearn_roc():
    rng = np.random.default_rng(4)
    m = np.round(rng.normal(0.5, 1, 700), 1)          # rounding makes ties, the hard case
    u = np.round(rng.normal(0, 1, 1500), 1)
    res = attack_metrics(m, u, fprs=(0.001, 0.01, 0.1), n_bootstrap=50, random_state=0)
    y, s = np.r_[np.ones(700), np.zeros(1500)], np.r_[m, u]
    assert res["auc"] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    for f, key in ((0.001, "tpr_at_0.1pct_fpr"), (0.01, "tpr_at_1pct_fpr"), (0.1, "tpr_at_10pct_fpr")):
        assert res[key] == pytest.approx(tpr[fpr <= f].max(), abs=1e-12)
    lo, hi = res["auc_ci"]
    assert lo < res["auc"] < hi
    assert res["resolvable"] == {"0.001": True, "0.01": True, "0.1": True}


def test_copier_is_caught(split):
    train, holdout = split
    syn = CopyGenerator().fit(train).sample(N, random_state=0)
    dist = distance_metrics(train, holdout, syn, random_state=0)
    # every synthetic row is a training row: distance 0 to train, > 0 to continuous holdout rows
    assert dist["holdout_share"] == 1.0
    assert dist["exact_copies"] == N and dist["near_copy_share"] == 1.0
    # 600 distinct real rows, all training: no relabelling of 1,200 real rows reaches that
    # (P ~ 2^-600), so the permutation p-value is its floor 1 / (1 + 1000)
    assert dist["holdout_share_pvalue"] == pytest.approx(1 / 1001)
    assert dist["near_copy_pvalue"] == pytest.approx(1 / 1001)
    att = membership_attacks(train, holdout, syn, n_bootstrap=50, random_state=0)
    # members sit at distance 0 from the synthetic set, non-members never do: perfect separation
    assert att["distance"]["tpr_at_1pct_fpr"] == 1.0
    assert att["distance"]["tpr_at_0.1pct_fpr"] == 1.0
    assert att["distance"]["auc"] == 1.0
    assert att["distance"]["tpr_at_1pct_fpr_pvalue"] < 1e-100


def test_independent_sampler_leaks_nothing(split):
    train, holdout = split
    syn = IndependentSampler(true_sampler).fit(train).sample(N, random_state=7)
    dist = distance_metrics(train, holdout, syn, random_state=0)
    # share ~ Binomial(600, 0.5)/600: sd 0.02, 4 sd
    assert abs(dist["holdout_share"] - 0.5) < 0.08
    assert dist["exact_copies"] == 0
    # near copies are ~1% by construction of the threshold: Binomial(600, 0.01) is 6 +- 2.4
    assert dist["near_copies"] <= 6 + 4 * 2.5
    att = membership_attacks(train, holdout, syn, n_bootstrap=50, random_state=0)
    # null AUC sd = sqrt((n1+n2+1)/(12 n1 n2)) = 0.0167 for 600 vs 600: 4 sd
    for name in ("distance", "density_ratio"):
        assert abs(att[name]["auc"] - 0.5) < 0.067, name
        # TPR at 1% FPR under the null is ~0.01 (a ~6-member count): at most 0.05
        assert att[name]["tpr_at_1pct_fpr"] < 0.05, name


def test_same_seed_same_numbers(split):
    train, holdout = split
    syn = IndependentSampler(true_sampler).fit(train).sample(300, random_state=1)
    a = membership_attacks(train, holdout, syn, n_bootstrap=30, random_state=5)
    b = membership_attacks(train, holdout, syn, n_bootstrap=30, random_state=5)
    assert a["density_ratio"]["auc_ci"] == b["density_ratio"]["auc_ci"]
    assert a["distance"]["tpr_at_1pct_fpr_ci"] == b["distance"]["tpr_at_1pct_fpr_ci"]
