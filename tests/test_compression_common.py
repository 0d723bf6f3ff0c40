"""The study's building blocks against known truths: the cross-entropy bound, classifier
metrics, the classifiers on problems with a known Bayes accuracy / MI, plateau detection."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from infolens.studies.classifiers import ce_bound, classifier_metrics, entropy_nats, fit_cnn, fit_logreg
from infolens.studies.plateau import default_sizes, monotone_violations, plateau


def test_ce_bound_is_h_y_for_a_perfect_classifier_and_zero_for_the_prior():
    y = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 2])
    prior = np.bincount(y) / len(y)
    perfect = np.eye(3)[y]
    mi, se = ce_bound(perfect, y, prior)
    assert mi == pytest.approx(entropy_nats(y), abs=1e-9)  # E[-log p(y)] = H(Y) exactly
    blind = np.tile(prior, (len(y), 1))
    mi0, se0 = ce_bound(blind, y, prior)
    assert mi0 == pytest.approx(0.0, abs=1e-12) and se0 == pytest.approx(0.0, abs=1e-12)


def test_classifier_metrics_match_sklearn_and_hanley_mcneil():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 4000)
    score = 1 / (1 + np.exp(-(2.0 * y - 1 + rng.normal(size=4000))))
    proba = np.column_stack([1 - score, score])
    m = classifier_metrics(proba, y, np.array([0.5, 0.5]))
    assert m["auc"] == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert m["accuracy"] == pytest.approx(((score > 0.5) == y).mean(), abs=1e-12)
    assert m["roc"]["fpr"][0] == 0 and m["roc"]["tpr"][-1] == pytest.approx(1.0)
    # binormal model with separation 2 (unit variances): AUC = Phi(2 / sqrt(2)) = 0.921; the
    # Hanley-McNeil standard error at n = 4000 is ~0.004, so 4 se covers the truth
    assert m["auc"] == pytest.approx(stats.norm.cdf(2 / math.sqrt(2)), abs=4 * m["auc_se"])
    assert 0.002 < m["auc_se"] < 0.008


def _gaussian_label_mi(mu: float) -> float:
    """I(X; Y) for Y ~ Bernoulli(1/2), X | Y ~ N(+-mu, 1): H(Y) - E[H(Y | X)], by quadrature."""
    def integrand(x):
        p1, p0 = stats.norm.pdf(x, mu), stats.norm.pdf(x, -mu)
        px = 0.5 * (p0 + p1)
        q = p1 / (p0 + p1)
        h = -(q * np.log(q + 1e-300) + (1 - q) * np.log(1 - q + 1e-300))
        return px * h

    return math.log(2) - integrate.quad(integrand, -12, 12)[0]


def test_logreg_bound_recovers_the_mi_of_a_gaussian_label_problem():
    # the log-odds are linear in x, so logistic regression is the Bayes classifier: its
    # held-out CE bound estimates I(X;Y) itself (up to the fit error, O(1/n))
    rng = np.random.default_rng(1)
    mu, n = 0.8, 6000
    y = rng.integers(0, 2, n)
    x = (2 * y - 1)[:, None] * mu + rng.normal(size=(n, 1))
    proba, info = fit_logreg(x[:3000], y[:3000], x[3000:], random_state=0)
    prior = np.bincount(y[:3000]) / 3000
    m = classifier_metrics(proba, y[3000:], prior)
    truth = _gaussian_label_mi(mu)
    # standard error ~0.008 at 3000 test pairs; 3 se plus 0.01 for the regularised fit
    assert m["mi"] == pytest.approx(truth, abs=3 * m["mi_se"] + 0.01)
    assert m["accuracy"] == pytest.approx(stats.norm.cdf(mu), abs=3 * m["accuracy_se"])  # Bayes accuracy Phi(mu)
    assert info["C"] in (0.003, 0.03, 0.3)


@pytest.mark.slow
def test_cnn_learns_a_visible_pattern_and_is_seeded():
    rng = np.random.default_rng(0)
    n = 500
    y = rng.integers(0, 2, n)
    x = rng.random((n, 6, 6)).astype(np.float32) * 0.5
    x[y == 1, 2:4, 2:4] += 0.5  # a bright centre square marks class 1: the Bayes accuracy is 1
    p1, curves = fit_cnn(x[:300], y[:300], x[300:], random_state=3, epochs=8, batch_size=32)
    acc = (p1.argmax(1) == y[300:]).mean()
    assert acc > 0.95, acc  # 200 test images: a perfect-in-principle task, 5% slack for a short training
    p2, _ = fit_cnn(x[:300], y[:300], x[300:], random_state=3, epochs=8, batch_size=32)
    np.testing.assert_allclose(p1, p2, atol=1e-6)  # same seed, same numbers on CPU
    assert 1 <= curves["best_epoch"] <= 8


def test_plateau_of_a_step_curve_and_its_uncertainty():
    sizes = [1, 2, 3, 4, 5, 6]
    values = [0.1, 0.5, 0.97, 1.0, 1.0, 1.0]
    p = plateau(sizes, values, [1e-4] * 6)
    # the isotonic maximum is 1.0, 95% of it is 0.95: size 3 is the first to reach it, and
    # with tiny error bars every bootstrap draw agrees
    assert p["size"] == 3 and p["lo"] == 3 and p["hi"] == 3
    assert p["grid_lo"] == 2  # the curve crosses the threshold somewhere in (2, 3]
    assert p["max_fitted"] == pytest.approx(1.0, abs=1e-3)
    noisy = plateau(sizes, values, [0.03] * 6, random_state=0)
    # 0.97 sits about one se above the threshold 0.95 * max: size 3 stays the most likely
    # answer, but a draw that pushes it below moves the plateau to a larger size
    assert noisy["size"] == 3 and noisy["lo"] == 3 and noisy["hi"] > 3
    assert 0.5 < noisy["distribution"]["3"] < 0.95


def test_plateau_ignores_a_single_noisy_peak():
    # a lone high point in the middle (a max over noisy values would take it as the maximum)
    sizes = [1, 2, 3, 4, 5, 6]
    values = [0.2, 0.8, 0.9, 1.2, 0.9, 0.9]
    se = [0.02, 0.02, 0.02, 0.3, 0.02, 0.02]
    p = plateau(sizes, values, se)
    assert p["max_fitted"] < 0.95  # the weighted isotonic fit pools the peak with its neighbours
    assert p["size"] == 3


def test_default_sizes_and_monotone_violations():
    assert default_sizes(178) == list(range(5, 51, 5))  # CelebA-sized: the published 5..50 grid
    assert default_sizes(28) == [1, 2, 3, 4, 6, 9, 13, 19, 28]
    assert default_sizes(8)[-1] == 8
    assert monotone_violations([0.1, 0.5, 0.48, 0.6], [0.01] * 4) == []  # 0.02 drop < 2 * 0.014
    assert monotone_violations([0.1, 0.5, 0.3, 0.6], [0.01] * 4) == [(1, 2)]


def test_plateau_says_when_the_curve_still_rises():
    # the last step (0.80 -> 0.95, se 0.01 each) is 10 combined se: no plateau within the sizes;
    # a flat end (0.95 -> 0.951) is not
    sizes = [1, 2, 4, 8]
    assert plateau(sizes, [0.2, 0.5, 0.8, 0.95], [0.01] * 4)["still_rising"] is True
    assert plateau(sizes, [0.2, 0.5, 0.95, 0.951], [0.01] * 4)["still_rising"] is False


def test_plateau_interval_includes_the_spread_between_seeds():
    # three training runs with tiny test-set errors: two reach 95% of the maximum at size 3, one
    # only at 5. One run's own errors would give a point interval; the seed bootstrap must span
    # the runs (a resample of three copies of the slow seed reaches it at 5) and, with the grid,
    # start above size 2
    sizes = [1, 2, 3, 4, 5, 6]
    runs = np.array([[0.1, 0.5, 0.97, 1.0, 1.0, 1.0],
                     [0.1, 0.5, 0.97, 1.0, 1.0, 1.0],
                     [0.1, 0.5, 0.70, 0.8, 0.97, 1.0]]).T
    se = np.full_like(runs, 1e-4)
    mean = runs.mean(axis=1)
    alone = plateau(sizes, mean, [1e-4] * 6)
    assert alone["lo"] == alone["hi"]  # test-set noise alone: no spread
    p = plateau(sizes, mean, runs.std(axis=1, ddof=1) / np.sqrt(3), seed_values=runs, seed_stderrs=se)
    assert p["n_seeds"] == 3
    assert p["grid_lo"] == 2 and p["hi"] == 5, p
