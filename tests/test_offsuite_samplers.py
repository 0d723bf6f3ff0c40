"""The off-suite samplers added for the radial symmetry and label-bound rules: their truths
against independent computations."""

import math

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import norm

from infolens.distributions.base import Padded
from infolens.distributions.copulas import ArchimedeanCopula, ClaytonBlocks, NoisyMap
from infolens.distributions.mixture import Shells


def test_clayton_blocks_of_one_column_each_is_the_bivariate_clayton():
    """Two Monte Carlo integrations of different densities (the d-dim formula at d = 2 and the
    bivariate one), each with its standard error: they agree within 4 combined errors."""
    for theta in (1.0, 3.0):
        a, b = ClaytonBlocks(1, 1, theta), ArchimedeanCopula("clayton", theta)
        assert a.mi == pytest.approx(b.mi, abs=4 * np.hypot(a.mi_error, b.mi_error))


def test_clayton_blocks_sample_has_uniform_margins_and_lower_tail_dependence():
    x, y = ClaytonBlocks(2, 3, 2.0).sample(20000, 0)
    assert x.shape == (20000, 2) and y.shape == (20000, 3)
    u = np.hstack([x, y])
    assert np.all((u > 0) & (u < 1)) and np.allclose(u.mean(0), 0.5, atol=0.02)
    low = np.mean((u[:, 0] < 0.05) & (u[:, 2] < 0.05)) / 0.05
    high = np.mean((u[:, 0] > 0.95) & (u[:, 2] > 0.95)) / 0.05
    assert low > 0.5 and high < 0.2  # Clayton: lower tail dependence 2^(-1/theta) = 0.71, none above


def test_shells_truth_matches_the_full_density_in_one_dimension():
    """In one dimension a shell of radius r is the pair +-r: X | Y is a two-component mixture,
    whose density is written out here; the class gives its MI directly."""
    radii, sigma = (0.5, 1.5, 3.0), 0.6
    s = Shells(radii, 1, sigma)
    x, y = s.sample(200000, 1)
    x = x[:, 0]
    comp = np.stack([np.logaddexp(norm.logpdf(x, r, sigma), norm.logpdf(x, -r, sigma)) - np.log(2) for r in radii], 1)
    direct = float(np.mean(comp[np.arange(len(y)), y] - logsumexp(comp, axis=1) + np.log(len(radii))))
    assert s.mi == pytest.approx(direct, abs=0.01)


def test_padding_keeps_the_truth_and_adds_independent_columns():
    base = NoisyMap(lambda v: v[:, 0] ** 2, 0.5)
    p = Padded(base, 4, 2)
    x, y = p.sample(5000, 3)
    assert p.mi == base.mi and x.shape == (5000, 5) and y.shape == (5000, 3)
    assert abs(np.corrcoef(x[:, 1], y[:, 0])[0, 1]) < 0.05


def test_discrete_truths_match_the_plug_in_of_a_million_rows():
    """At 10^6 rows the plug-in's bias is ~cells / 2n < 0.0013 nats and its sd ~0.001: the exact
    truths of the copied label and the count against a label must sit within 0.004 of it."""
    from infolens.distributions.discrete import CopiedLabel, CountLabel
    from infolens.estimators.chance import plugin_mi_raw

    for s in (CopiedLabel(30, 0.3), CountLabel(10.0)):
        x, y = s.sample(1_000_000, random_state=0)
        raw, _, _ = plugin_mi_raw(x.ravel(), y.ravel())
        assert abs(raw - s.mi) < 0.004, (s, raw)


def test_threshold_label_truth_against_monte_carlo():
    """I = E log p(y | x) / p(y) with p(y | x) = Phi(+-x1 / noise), p(y) = 1/2, over 400,000 rows."""
    from scipy.stats import norm

    from infolens.distributions.discrete import ThresholdLabel

    s = ThresholdLabel(3, 0.5)
    x, y = s.sample(400_000, random_state=1)
    p1 = norm.cdf(x[:, 0] / 0.5)
    terms = np.log(np.where(y[:, 0] == 1, p1, 1 - p1)) + np.log(2.0)
    assert abs(terms.mean() - s.mi) < 4 * terms.std() / np.sqrt(len(terms))


def test_contaminated_truth_is_reproducible_and_above_the_clean_gaussian():
    """The Monte Carlo truth: its stated error below 0.003 nats; a second estimate on fresh rows
    within 4 of them; above the clean 2+2 Gaussian's 0.673 (the shared outlier component adds)."""
    from scipy.stats import multivariate_normal, norm

    from infolens.distributions.discrete import Contaminated

    s = Contaminated(2, 0.7, 0.02, 5.0)
    assert s.mi_stderr < 0.003
    assert s.mi > -np.log(1 - 0.49) + 0.02
    x, y = s.sample(200_000, random_state=5)
    v = np.hstack([x, y])
    lj = np.logaddexp(np.log(0.98) + multivariate_normal(cov=s.cov).logpdf(v),
                      np.log(0.02) + norm.logpdf(v, scale=5.0).sum(1))

    def lm(u):
        return np.logaddexp(np.log(0.98) + norm.logpdf(u).sum(1), np.log(0.02) + norm.logpdf(u, scale=5.0).sum(1))

    t = lj - lm(x) - lm(y)
    assert abs(t.mean() - s.mi) < 4 * np.hypot(t.std() / np.sqrt(len(t)), s.mi_stderr)


def test_xor_and_ordinal_label_truths_against_monte_carlo():
    """I = E log p(y | x) / p(y) over 400,000 rows, with p(y | x) known in closed form."""
    from scipy.stats import norm

    from infolens.distributions.discrete import OrdinalSumLabel, XorLabel

    s = XorLabel(3, 0.5)
    x, y = s.sample(400_000, random_state=2)
    p1 = norm.cdf(x[:, 0] * x[:, 1] / 0.5)
    terms = np.log(np.where(y[:, 0] == 1, p1, 1 - p1)) + np.log(2.0)
    assert abs(terms.mean() - s.mi) < 4 * terms.std() / np.sqrt(len(terms))
    s = OrdinalSumLabel(4, 0.7)
    x, y = s.sample(400_000, random_state=3)
    edges = np.array([-np.inf, *s.CUTS, np.inf])
    sm = x[:, :3].sum(1)
    k = y[:, 0]
    p = norm.cdf((edges[k + 1] - sm) / 0.7) - norm.cdf((edges[k] - sm) / 0.7)
    py = np.bincount(k, minlength=5) / len(k)
    terms = np.log(p) - np.log(py[k])
    assert abs(terms.mean() - s.mi) < 4 * terms.std() / np.sqrt(len(terms)) + 1e-4


def test_shared_poisson_truth_matches_the_plug_in_of_a_million_rows():
    from infolens.distributions.discrete import SharedPoisson
    from infolens.estimators.chance import plugin_mi_raw

    s = SharedPoisson(3.0, 2.0)
    x, y = s.sample(1_000_000, random_state=4)
    raw, _, _ = plugin_mi_raw(x.ravel(), y.ravel())
    assert abs(raw - s.mi) < 0.004, (raw, s.mi)


def test_mixed_table_truth_against_monte_carlo():
    """I = E log p(y | x) / p(y), p(y) the exact mixture over the discrete shifts, 400,000 rows."""
    from scipy.stats import norm

    from infolens.distributions.discrete import MixedTable

    s = MixedTable(2, 3, 0.8)
    x, y = s.sample(400_000, random_state=6)
    shift = x[:, 1:3].sum(1) + 0.7 * np.argmax(x[:, 3:], axis=1)
    cond = norm.logpdf(y[:, 0], x[:, 0] + shift, 0.8)
    vals = np.array([b1 + b2 + 0.7 * c for b1 in (0, 1) for b2 in (0, 1) for c in range(3)])
    marg = np.log(norm.pdf(y[:, 0][:, None], vals[None, :], np.sqrt(1 + 0.64)).mean(1))
    t = cond - marg
    assert abs(t.mean() - s.mi) < 4 * t.std() / np.sqrt(len(t))


def test_near_copies_store_the_base_records_twice_up_to_their_last_digits():
    """The records are the base's (the truth is its MI); half of them appear a second time,
    through float32 or jittered by 1e-6, and no row repeats exactly."""
    from infolens.distributions.gaussian import MultiNormal
    from infolens.distributions.records import NearCopies
    from infolens.estimators._trust import near_copies

    base = MultiNormal.sparse(2, 2, 2, 0.8)
    for how in ("float32", "jitter"):
        s = NearCopies(base, 0.5, how)
        x, y = s.sample(3000, random_state=0)
        assert s.mi == base.mi and x.shape == (3000, 2) and y.shape == (3000, 2)
        assert len(np.unique(np.hstack([x, y]), axis=0)) == 3000
        keep, f = near_copies(x, y)
        assert f is not None and f.data["copies"] == 1000 and keep.sum() == 2000


def test_softmax_outputs_carry_the_logits_information_about_the_class():
    """The posterior of the class is softmax(a log x) computed from the outputs alone: its
    Monte Carlo MI on a fresh sample of 200,000 agrees with the truth (computed from the
    logits) within 4 combined standard errors; every row sums to 1."""
    from scipy.special import logsumexp

    from infolens.distributions.records import SoftmaxOutputs

    for a in (2.0, 3.0):
        s = SoftmaxOutputs(10, a)
        x, c = s.sample(200_000, random_state=1)
        assert np.allclose(x.sum(axis=1), 1.0)
        lp = a * np.log(x)
        lp -= logsumexp(lp, axis=1, keepdims=True)
        t = lp[np.arange(len(c)), c[:, 0]]
        est, se = math.log(10) + t.mean(), t.std() / math.sqrt(len(t))
        assert abs(est - s.mi) < 4 * math.hypot(se, s.mi_error), (a, est, s.mi)


def test_a_smoothed_one_hot_label_takes_k_patterns_and_its_truth_holds():
    from infolens.distributions.records import SmoothedOneHot

    s = SmoothedOneHot(10, 2.0, 0.1, seed=0)
    x, y = s.sample(200_000, random_state=2)
    assert len(np.unique(y, axis=0)) == 10 and np.allclose(y.sum(axis=1), 1.0)
    c = y.argmax(axis=1)
    ll = -0.5 * ((x[:, None, :] - s.centres[None]) ** 2).sum(-1)
    ll -= ll.max(axis=1, keepdims=True)
    post = np.exp(ll) / np.exp(ll).sum(axis=1, keepdims=True)
    t = np.log(post[np.arange(len(c)), c])
    est, se = math.log(10) + t.mean(), t.std() / math.sqrt(len(t))
    assert abs(est - s.mi) < 4 * math.hypot(se, s.mi_error)
