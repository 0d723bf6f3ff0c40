"""Honest numbers: the Gaussian-copula estimator, warnings on estimates that should not be
believed, intervals that cover, and the permutation test of independence."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtr

import infolens
from infolens.independence import independence_test


def _gauss(n, rho, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = rho * x + np.sqrt(1 - rho**2) * rng.normal(size=(n, d))
    return x, y, -0.5 * d * np.log(1 - rho**2)


@pytest.mark.parametrize("fx,fy,strong", [(np.exp, lambda v: v**3, True), (ndtr, np.arcsinh, False),
                                          (lambda v: v**3, np.exp, True)])
@pytest.mark.parametrize("d", [1, 2])
def test_gaussian_copula_is_exact_on_monotone_transforms(fx, fy, strong, d):
    """MI is invariant to monotone per-column maps; the copula estimator works on ranks, so
    it sees the same data whatever the map: within 4 of its standard errors (+0.01 for the
    rank noise, whose bias is O(1/n)) of the truth, where the plain Gaussian formula is
    biased by 20-60% on the same data after the strong maps (exp, cube)."""
    x, y, truth = _gauss(4000, 0.7, d, seed=d)
    r = infolens.estimate_mi(fx(x), fy(y), method="gaussian-copula")
    assert abs(r.mi - truth) < 4 * r.stderr + 0.01
    assert not r.warnings
    g = infolens.estimate_mi(fx(x), fy(y), method="gaussian")
    if strong:
        assert abs(g.mi - truth) > 0.1 * truth
        assert any("gaussian-copula" in w for w in g.warnings)
    assert infolens.estimator_class("gcmi") is infolens.estimator_class("copula") is type(infolens.get_estimator("gaussian-copula"))


def test_gaussian_copula_class_conditional():
    """x | y=c ~ N(mu_c, 1), three equiprobable classes: the class-conditional Gaussian
    copula is exact for Gaussian mixtures only up to the copula transform, so the check is
    against the numerically integrated truth with a 10% tolerance, and the estimate must stay
    below H(Y) = log 3."""
    rng = np.random.default_rng(0)
    n = 6000
    labels = rng.integers(0, 3, size=n)
    mu = np.array([-2.0, 0.0, 2.0])
    x = mu[labels] + rng.normal(size=n)
    grid = np.linspace(-10, 10, 20001)
    dens = np.array([stats.norm.pdf(grid, m) for m in mu]) / 3
    mix = dens.sum(0)
    # I = sum_c p_c int f_c log(f_c / mix), with dens = p_c f_c and p_c = 1/3
    truth = float(np.trapezoid(np.sum(dens * np.log(3 * dens / mix + 1e-300), axis=0), grid))
    r = infolens.estimate_mi(x, labels, method="gaussian-copula")
    assert r.diagnostics["y"].startswith("discrete")
    assert abs(r.mi - truth) < 0.1 * truth
    assert r.mi < np.log(3)


@pytest.mark.parametrize("scale", [1.0, 1e-6, 1e6])
def test_gaussian_singular_decision_is_scale_and_rounding_robust(scale):
    """An exactly collinear column is singular at any scale (the decision is a relative
    eigenvalue tolerance, not the sign of a determinant that rounding may flip); a column
    with 0.1% independent noise is not (MI finite, about 7 nats)."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 2)) * scale
    with pytest.raises(ValueError, match=r"singular joint covariance"):
        infolens.estimate_mi(x, np.c_[x[:, 0] + x[:, 1], rng.normal(size=200)], method="gaussian")
    near = x[:, 0] + 1e-3 * scale * rng.normal(size=200)
    r = infolens.estimate_mi(x, near, method="gaussian")
    assert 5.0 < r.mi < 9.0


def test_warnings_where_estimates_should_not_be_believed():
    """Each case is one the issue measured as a silent wrong number."""
    rng = np.random.default_rng(0)
    # KSG in 25+25 dimensions reads far too low
    x = rng.normal(size=(1500, 25))
    y = 0.5 * x + rng.normal(size=(1500, 25))
    r = infolens.estimate_mi(x, y, method="ksg", n_subsamples=2, random_state=0)
    assert any("dimensions" in w for w in r.warnings)
    # KL goes negative beyond its error in high dimensions
    r = infolens.estimate_mi(x, y, method="kl", n_subsamples=4, random_state=0)
    assert r.mi < 0 and any("below 0" in w for w in r.warnings)
    # heavy joint tails (Student-t with 2 degrees of freedom, identity scale)
    from infolens.distributions import get_task

    xs, ys = get_task("student-identity-2-2-2").sample(3000, random_state=0)
    r = infolens.estimate_mi(xs, ys, method="ksg", random_state=0)
    assert any("heavy joint tails" in w for w in r.warnings)
    g = infolens.estimate_mi(xs, ys, method="gaussian-copula")
    assert any("not Gaussian" in w for w in g.warnings)


def test_no_warnings_on_easy_data():
    """1+1 and 2+2 Gaussians at n = 3000: every estimator that is right here is silent."""
    for d in (1, 2):
        x, y, truth = _gauss(3000, 0.6, d, seed=10 + d)
        for method in ("ksg", "ksg2", "gaussian", "gaussian-copula"):
            r = infolens.estimate_mi(x, y, method=method, random_state=0)
            assert abs(r.mi - truth) < 0.1 * truth
            assert r.warnings == [], (method, d, r.warnings)


def test_warnings_are_printed_and_serialised():
    x = np.random.default_rng(1).normal(size=(300, 1))
    r = infolens.estimate_mi(x, -x**2 + 1e-3 * x, method="gaussian", unit="bits")
    assert r.warnings
    assert r.to_dict()["warnings"] == r.warnings
    assert all(f"warning: {w}" in str(r) for w in r.warnings)


def test_ksg_interval_covers_zero_on_independent_data():
    """Half-sampling standard error with a t interval: 95% nominal. Over 40 seeds of
    independent 1+1 data the interval must cover 0 at least 34 times (P(X <= 33) = 0.014
    for Binomial(40, 0.95); the old small-block error bars covered ~84%, P = 0.33 of
    passing this)."""
    covered = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        r = infolens.estimate_mi(rng.normal(size=800), rng.normal(size=800), method="ksg", interval="half-sampling",
                                 random_state=seed)
        covered += r.ci[0] <= 0 <= r.ci[1]
    assert covered >= 34
    assert r.diagnostics["stderr_method"].startswith("half-sampling")


def test_independence_test_statistic_pvalue_and_null():
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    y = 0.3 * x + rng.normal(size=2000)  # I = 0.042 nats, about 5 null sd at n = 2000
    res = independence_test(x, y, n_permutations=99, random_state=0)
    assert res.p_value == pytest.approx(0.01)  # nothing in the null reaches the statistic
    assert res.statistic == pytest.approx(infolens.estimate_mi(x, y, method="ksg", n_subsamples=0).mi)
    assert abs(res.null_mean) < 3 * res.null_sd / np.sqrt(99) + 0.005
    assert len(res.null) == 99 and res.to_dict()["p_value"] == res.p_value
    same = independence_test(x, y, n_permutations=99, random_state=0)
    assert same.null == res.null


def test_independence_test_level():
    """Under independence p-values are uniform: over 30 seeds, p < 0.05 at most 5 times
    (P(X >= 6) = 0.016 for Binomial(30, 0.05))."""
    rejections = 0
    for seed in range(30):
        rng = np.random.default_rng(100 + seed)
        res = independence_test(rng.normal(size=400), rng.normal(size=400), n_permutations=49, random_state=seed)
        rejections += res.p_value < 0.05
    assert rejections <= 5


def test_independence_test_other_methods_and_errors():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(600, 2))
    y = x[:, 0] + rng.normal(size=600)
    res = independence_test(x, y, method="gaussian", n_permutations=30, random_state=0)
    assert res.method == "gaussian" and res.p_value == pytest.approx(1 / 31)
    res = independence_test(x, y, method="ksg", n_permutations=20, random_state=0, k=3)
    assert res.p_value == pytest.approx(1 / 21) and res.params["k"] == 3
    with pytest.raises(ValueError, match="n_permutations"):
        independence_test(x, y, n_permutations=0)
    with pytest.raises(ValueError, match="unknown method"):
        independence_test(x, y, method="nope")


def test_cli_estimate_test_flag(tmp_path, capsys):
    """`infolens estimate X Y --test` prints the estimate, its warnings and the permutation
    test; with --json both are in one object."""
    import json

    from infolens.cli import main

    rng = np.random.default_rng(0)
    x = rng.normal(size=3000)  # enough rows for an "ok" grade (its interval within 10% of the value)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x + rng.normal(size=3000))
    assert main(["estimate", str(tmp_path / "x.npy"), str(tmp_path / "y.npy"), "--test", "--permutations", "19"]) == 0
    out = capsys.readouterr().out
    # the test's statistic is the estimator auto chose (the Gaussian copula on Gaussian data)
    assert "independence test (gaussian-copula, 19 permutations" in out and "p = 0.05" in out
    assert main(["estimate", str(tmp_path / "x.npy"), str(tmp_path / "y.npy"), "--test", "--permutations", "19", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["independence_test"]["p_value"] == pytest.approx(0.05) and d["warnings"] == []


def test_gaussian_copula_sees_heavy_tails_its_kurtosis_checks_miss_on_few_rows():
    """A 1+1 Student-t copula (nu = 1) without correlation, n = 200: both kurtosis checks stay
    under their thresholds, the tail statistic does not (0.55 against 0.23 at this n). The
    Gaussian copula reads ~0 for a truth of 0.224 and must say so; auto, which graded that
    0.006 "ok", must not call the copula Gaussian-looking."""
    from infolens.distributions import get_task

    task = get_task("student-identity-1-1-1")
    x, y = task.sample(200, random_state=0)
    g = infolens.estimate_mi(x, y, method="gaussian-copula", warn=False)
    assert g.mi < 0.05 and g.has_warning("heavy-tails") and not g.has_warning("not-gaussian")
    a = infolens.estimate_mi(x, y, method="auto", random_state=0, warn=False)
    assert a.diagnostics["trust"] != "ok"
    assert a.diagnostics["choice"]["method"] != "gaussian-copula"
    assert abs(a.mi - task.mi) < abs(g.mi - task.mi)


def test_a_slowly_converging_ksg_is_not_graded_ok():
    """Two coordinates y = x + 0.01 e, x uniform (6.41 nats, the joint on a sheet thinner than
    KSG's neighbour boxes): KSG reads 11-13% low at n = 5000 with a jackknife rise of ~4% of
    its value (its bias falls like n^-0.25 there, four times the rise). Under the old 5% line
    auto graded it "ok"; the rise is now flagged and the answer is "caution"."""
    from infolens.distributions.channels import uniform_gauss

    s = uniform_gauss(2, 0.01)
    x, y = s.sample(5000, random_state=0)
    k = infolens.estimate_mi(x, y, method="ksg", random_state=0, warn=False)
    assert k.mi < 0.9 * s.mi and k.has_warning("rising-with-n")
    r = infolens.estimate_mi(x, y, random_state=0, warn=False)
    assert r.diagnostics["trust"] != "ok" and "rising-with-n" in r.codes()
    # a converged 2+2 Gaussian at the same n is not flagged
    from infolens.distributions import get_task

    x, y = get_task("multinormal-sparse-2-2-2-2.0").sample(5000, random_state=0)
    assert not infolens.estimate_mi(x, y, method="ksg", random_state=0, warn=False).has_warning("rising-with-n")


def test_a_low_rank_gaussian_embedding_is_gaussian_and_a_heavy_tailed_one_is_not():
    """X = Z A + 0.01 e in 100 dims (rank 5), Y = Z[:, :2] + 0.5 e, n = 10,000, all Gaussian:
    the joint kurtosis read +280% because 95 directions of variance ~2e-5 hold only the
    normal scores' rank noise (2.3 / n per column); they are left out, the Gaussian copula is
    not flagged, and auto returns it "ok" within 3% of the closed form (it ran 110 s of
    candidates before). With a Student-t latent (nu = 3) the flag stays."""
    from infolens.estimators._trust import gaussian_copula_warnings, normal_scores

    rng = np.random.default_rng(0)
    n = 10_000
    a = rng.standard_normal((5, 100))

    def embed(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return z @ a + 0.01 * rng.standard_normal((n, 100)), z[:, :2] + 0.5 * rng.standard_normal((n, 2))

    x, y = embed(rng.standard_normal((n, 5)))
    assert not gaussian_copula_warnings(normal_scores(x), normal_scores(y))
    c = np.zeros((102, 102))
    c[:100, :100] = a.T @ a + 1e-4 * np.eye(100)
    c[:100, 100:], c[100:, :100], c[100:, 100:] = a[:2].T, a[:2], 1.25 * np.eye(2)
    truth = 0.5 * (np.linalg.slogdet(c[:100, :100])[1] + np.linalg.slogdet(c[100:, 100:])[1] - np.linalg.slogdet(c)[1])
    r = infolens.estimate_mi(x, y, random_state=0, warn=False)
    assert r.diagnostics["trust"] == "ok" and abs(r.mi - truth) < 0.03 * truth
    xt, yt = embed(rng.standard_t(3, (n, 5)))
    assert [w.code for w in gaussian_copula_warnings(normal_scores(xt), normal_scores(yt))] == ["not-gaussian"]
