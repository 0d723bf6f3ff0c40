"""Known-truth distributions: samples match the stated law, MI values match closed forms
or an independent numerical reference, transforms invert."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from infolens.distributions import (
    SUITES,
    AdditiveUniform,
    GaussianMixtureLabel,
    Independent,
    LabelImages,
    MultiNormal,
    StudentT,
    Transformed,
    get_task,
    list_tasks,
    suite_task_ids,
    transforms as T,
)


def test_multinormal_sample_covariance():
    s = MultiNormal.dense(3, 2, 0.5)
    x, y = s.sample(20000, random_state=1)
    emp = np.cov(np.hstack([x, y]).T)
    # sd of a sample covariance entry is <= sqrt((1 + rho^2) / n) ~ 0.009 at n=20000; 0.04 is > 4 sd
    assert np.abs(emp - s.cov).max() < 0.04
    x2, _ = s.sample(20000, random_state=1)
    assert np.array_equal(x, x2)  # same seed, same samples


def test_gaussian_mi_closed_forms():
    # equicorrelation c in d = dx+dy dims has eigenvalues 1+(d-1)c (once) and 1-c
    def dense_truth(dx, dy, c):
        ld = lambda d: math.log(1 + (d - 1) * c) + (d - 1) * math.log(1 - c)  # noqa: E731
        return 0.5 * (ld(dx) + ld(dy) - ld(dx + dy))

    for d in (2, 3, 5, 25, 50):
        assert get_task(f"multinormal-dense-{d}-{d}-0.5").mi == pytest.approx(dense_truth(d, d, 0.5), rel=1e-10)
    # sparse: strength 2 -> rho = 4/5, two pairs: -2 * 1/2 log(1 - 0.64)
    for d in (2, 3, 5, 25):
        assert get_task(f"multinormal-sparse-{d}-{d}-2-2.0").mi == pytest.approx(-math.log(0.36), rel=1e-12)
    assert get_task("1v1-normal-0.75").mi == pytest.approx(-0.5 * math.log(1 - 0.75**2), rel=1e-12)
    assert MultiNormal.from_mi(4, 6, 5.0).mi == pytest.approx(5.0, rel=1e-10)
    assert get_task("multinormal-target-10-10-10-10.0").mi == pytest.approx(10.0, rel=1e-10)
    with pytest.raises(ValueError, match="positive definite"):
        MultiNormal(1, 1, [[1.0, 1.2], [1.2, 1.0]])
    with pytest.raises(ValueError, match="n_pairs"):
        MultiNormal.sparse(2, 2, n_pairs=3)


@pytest.mark.parametrize("dx,dy,df,rho", [(1, 1, 1.0, 0.0), (1, 1, 3.0, 0.6), (2, 2, 2.0, 0.0)])
def test_student_mi_against_monte_carlo(dx, dy, df, rho):
    """The Arellano-Valle et al. decomposition against E[log p(x,y) - log p(x) - log p(y)]
    with SciPy's multivariate t densities."""
    disp = np.eye(dx + dy)
    disp[0, dx] = disp[dx, 0] = rho
    s = StudentT(dx, dy, df, disp)
    x, y = s.sample(100_000, random_state=0)
    xy = np.hstack([x, y])
    lj = stats.multivariate_t(np.zeros(dx + dy), disp, df=df).logpdf(xy)
    lx = stats.multivariate_t(np.zeros(dx), disp[:dx, :dx], df=df).logpdf(x)
    ly = stats.multivariate_t(np.zeros(dy), disp[dx:, dx:], df=df).logpdf(y)
    pmi = lj - lx - ly
    se = pmi.std() / math.sqrt(len(pmi))
    assert abs(pmi.mean() - s.mi) < 5 * se + 1e-3  # 5 Monte Carlo standard errors


def test_student_covariance():
    s = StudentT(2, 1, 10.0, MultiNormal.dense(2, 1, 0.4).cov)
    x, y = s.sample(60000, random_state=3)
    emp = np.cov(np.hstack([x, y]).T)
    # Cov = df/(df-2) * dispersion; t_10 has finite 4th moment, entry sd ~ 0.01 here
    assert np.abs(emp - 10 / 8 * s.dispersion).max() < 0.06


@pytest.mark.parametrize("eps", [0.1, 0.75])
def test_additive_uniform_mi_by_quadrature(eps):
    def p(t):  # density of U(0,1) + U(-eps, eps)
        return (min(t + eps, 1.0) - max(t - eps, 0.0)) / (2 * eps) if -eps < t < 1 + eps else 0.0

    pts = sorted({-eps, eps, 1 - eps, 1 + eps})
    h_y = integrate.quad(lambda t: -p(t) * math.log(p(t)) if p(t) > 0 else 0.0, -eps, 1 + eps, points=pts, limit=200)[0]
    assert AdditiveUniform(eps).mi == pytest.approx(h_y - math.log(2 * eps), abs=1e-7)
    x, y = AdditiveUniform(eps).sample(5000, random_state=0)
    assert 0 <= x.min() and x.max() <= 1 and np.abs(y - x).max() <= eps


def test_marginals_after_transforms():
    n = 4000
    u, _ = get_task("normal_cdf-1v1-normal-0.75").sample(n, random_state=0)
    assert stats.kstest(u[:, 0], "uniform").pvalue > 1e-3  # uniform marginals
    bx, by = get_task("1v1-bimodal-0.75").sample(n, random_state=0)
    cdf_x = lambda t: 0.3 * stats.norm.cdf(t) + 0.7 * stats.norm.cdf(t - 5)  # noqa: E731
    cdf_y = lambda t: 0.5 * stats.norm.cdf(t + 1) + 0.5 * stats.norm.cdf(t - 3)  # noqa: E731
    assert stats.kstest(bx[:, 0], cdf_x).pvalue > 1e-3
    assert stats.kstest(by[:, 0], cdf_y).pvalue > 1e-3


_TRANSFORMS = [T.NormalCDF(), T.HalfCube(), T.Asinh(), T.Wiggly("x"), T.Wiggly("y"), T.Spiral(0, 1), T.Spiral(1, 2),
               T.MixtureMarginal(**T.BIMODAL_X), T.MixtureMarginal(**T.BIMODAL_Y), T.Rescale([1e-2, 1.0, 1e2], [0, 1, 2]),
               T.Compose(T.NormalCDF(), T.Rescale(3.0))]


@pytest.mark.parametrize("tr", _TRANSFORMS, ids=repr)
def test_transforms_invert(tr):
    x = np.random.default_rng(0).standard_normal((2000, 3)) * 1.5
    # 1e-6: the normal CDF loses digits in the far tail (Phi(x) ~ 1 - 1e-9 at |x| = 6)
    np.testing.assert_allclose(tr.inverse(tr(x)), x, atol=1e-6)


def test_swissroll_invert_and_transformed_sampler_is_base_plus_map():
    u = np.random.default_rng(0).uniform(size=(500, 1))
    np.testing.assert_allclose(T.SwissRoll().inverse(T.SwissRoll()(u)), u, atol=1e-12)
    task = get_task("spiral-normal_cdf-multinormal-sparse-3-3-2-2.0")
    base = get_task("multinormal-sparse-3-3-2-2.0")
    x, y = task.sample(1000, random_state=5)
    bx, by = base.sample(1000, random_state=5)
    tx = T.Compose(T.NormalCDF(), T.Spiral(0, 1))
    ty = T.Compose(T.NormalCDF(), T.Spiral(1, 2))
    np.testing.assert_allclose(tx.inverse(x), bx, atol=1e-6)
    np.testing.assert_allclose(ty.inverse(y), by, atol=1e-6)
    assert task.mi == base.mi


@pytest.mark.slow
def test_named_suites():
    std = suite_task_ids("standard")
    assert len(std) == 40 and len(set(std)) == 40
    assert "multinormal-sparse-5-5-2-2.0" in std and "spiral-normal_cdf-multinormal-sparse-3-3-2-2.0" in std
    assert "student-identity-5-5-2" in std
    assert set(suite_task_ids("quick")) <= set(std)
    for tid in std:
        t = get_task(tid)
        x, y = t.sample(50, random_state=0)
        assert x.shape == (50, t.dim_x) and y.shape == (50, t.dim_y) and np.isfinite(x).all()
        assert 0.1 < t.mi < 2.0  # every Beyond Normal task has MI between 0.17 and 1.71 nats
    assert get_task("swissroll_x-normal_cdf-1v1-normal-0.75").dim_x == 2
    hard = {tid: get_task(tid) for tid in SUITES["hard"]}
    assert max(t.mi for t in hard.values()) >= 5.0 and max(t.dim_x for t in hard.values()) >= 100
    assert hard["independent-50-50"].mi == 0.0
    assert len(list_tasks()) == len(set(SUITES["standard"]) | set(SUITES["hard"]))
    with pytest.raises(ValueError, match="unknown task id"):
        get_task("multinormal-sparkly-3-3")
    with pytest.raises(ValueError, match="dim_x must be a positive integer"):
        get_task("multinormal-dense-x-2-0.5")
    with pytest.raises(ValueError, match="suite must be one of"):
        suite_task_ids("huge")


def test_mixture_label_mi_two_classes_by_quadrature():
    g = GaussianMixtureLabel([[0.0, 0.0, 0.0], [2.0, 1.0, 0.0]], sigma=1.5, weights=[0.3, 0.7])
    d = math.hypot(2.0, 1.0) / 1.5  # the problem is 1-D along the line through the means
    w0, w1 = 0.3, 0.7

    def f(t):
        p0, p1 = stats.norm.pdf(t), stats.norm.pdf(t, d)
        p = w0 * p0 + w1 * p1
        return w0 * p0 * math.log(p0 / p) + w1 * p1 * math.log(p1 / p)

    ref = integrate.quad(f, -15, d + 15, limit=200)[0]
    assert g.mi == pytest.approx(ref, abs=1e-8)
    x, y = g.sample(10000, random_state=0)
    assert y.dtype == np.int64 and abs(y.mean() - 0.7) < 0.02  # binomial sd 0.0046


def test_image_labels_mi_against_monte_carlo():
    """The reduced (K-1)-dim integral against a plain Monte Carlo of log p(y|x) in all 784 pixels."""
    s = LabelImages(n_classes=10, sigma=2.0)
    x, y = s.sample(20000, random_state=0)
    assert x.shape == (20000, 28, 28)
    flat = x.reshape(len(x), -1).astype(float)
    tmpl = s.templates.reshape(10, -1)
    d2 = (flat**2).sum(1)[:, None] - 2 * flat @ tmpl.T + (tmpl**2).sum(1)[None, :]
    logits = -0.5 * d2 / s.sigma**2
    log_post = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
    pmi = math.log(10) + log_post[np.arange(len(y)), y]
    se = pmi.std() / math.sqrt(len(pmi))
    assert abs(pmi.mean() - s.mi) < 5 * se + 3 * s.mi_error  # MC error plus the integration error
    assert 0.5 < s.mi < math.log(10)
    assert LabelImages(10, sigma=0.3).mi == pytest.approx(math.log(10), abs=1e-6)  # separated classes


def test_independent_and_validation():
    x, y = Independent(2, 3).sample(5000, random_state=0)
    assert np.abs(np.corrcoef(np.hstack([x, y]).T)[:2, 2:]).max() < 0.06  # |r| sd = 1/sqrt(n) = 0.014
    with pytest.raises(ValueError, match="n must be an integer"):
        Independent(1, 1).sample(0)
    with pytest.raises(TypeError, match="transform_x must be"):
        Transformed(Independent(1, 1), transform_x=np.sin)
    with pytest.raises(ValueError, match="df"):
        StudentT(1, 1, df=0)


def test_data_file_as_a_task(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 2))
    y = np.arange(500, dtype=float)[:, None]  # row ids: lets us check rows stay paired
    np.savez(tmp_path / "d.npz", x=x, y=y, mi=0.25)
    t = get_task(f"file:{tmp_path / 'd.npz'}")
    assert t.mi == 0.25 and t.dim_x == 2 and not t.discrete_y
    xs, ys = t.sample(200, random_state=3)
    ids = ys[:, 0].astype(int)
    assert len(set(ids)) == 200  # without replacement
    np.testing.assert_array_equal(xs, x[ids])  # pairs kept together
    np.testing.assert_array_equal(t.sample(200, random_state=3)[0], xs)
    with pytest.raises(ValueError, match="more than the 500 rows"):
        t.sample(501)
    np.savez(tmp_path / "nomi.npz", x=x, y=(x[:, 0] > 0).astype(np.int64))
    t2 = get_task(f"file:{tmp_path / 'nomi.npz'}")
    assert math.isnan(t2.mi) and t2.discrete_y
    with pytest.raises(FileNotFoundError, match="not found"):
        get_task(f"file:{tmp_path / 'missing.npz'}")


def test_additive_channel_truths_match_monte_carlo():
    """The quadrature truths of distributions/channels.py against the average of
    log p(y | x) - log p(y) over 200,000 draws, with the densities written out here (vectorised)
    independently of the module: within 0.01 nats (the Monte Carlo error is ~0.003)."""
    from scipy import special, stats

    from infolens.distributions.channels import exp_sum, gauss_laplace, poisson_gauss, uniform_gauss

    n = 200_000
    s = 0.3
    ch = uniform_gauss(1, s)
    x, y = ch.sample(n, random_state=0)
    py = special.ndtr(y / s) - special.ndtr((y - 1) / s)
    assert np.mean(stats.norm.logpdf(y, x, s) - np.log(py)) == pytest.approx(ch.mi, abs=0.01)
    assert uniform_gauss(3, s).mi == pytest.approx(3 * ch.mi)
    ch = gauss_laplace(0.5)
    x, y = ch.sample(n, random_state=1)
    a = 2.0
    py = 0.25 * a * np.exp(-y * y / 2) * (special.erfcx((a - y) / np.sqrt(2)) + special.erfcx((a + y) / np.sqrt(2)))
    assert np.mean(stats.laplace.logpdf(y - x, 0, 0.5) - np.log(py)) == pytest.approx(ch.mi, abs=0.01)
    # wider noise (b = 1.36: its quadrature reaches t = 66, where e^(-t^2/2) * erfcx was 0 * inf
    # and the truth -inf) and narrower (b = 0.26: the erfcx form's quadrature read 0.004 low)
    for b, seed in ((1.36, 4), (0.26, 5)):
        ch = gauss_laplace(b)
        x, y = ch.sample(n, random_state=seed)
        a = 1.0 / b
        log_py = np.log(0.5 * a) + 0.5 * a * a + np.logaddexp(-a * y + special.log_ndtr(y - a), a * y + special.log_ndtr(-y - a))
        assert np.isfinite(ch.mi)
        assert np.mean(stats.laplace.logpdf(y - x, 0, b) - log_py) == pytest.approx(ch.mi, abs=0.01)
    ch = exp_sum(2.0)
    x, y = ch.sample(n, random_state=2)
    py = 2.0 * (np.exp(-y) - np.exp(-2.0 * y))
    assert np.mean(np.log(2.0) - 2.0 * (y - x) - np.log(py)) == pytest.approx(ch.mi, abs=0.01)
    ch = poisson_gauss(3.0, 0.5)
    x, y = ch.sample(n, random_state=3)
    ks = np.arange(40)
    py = (stats.poisson.pmf(ks, 3.0)[None, :] * stats.norm.pdf(y, ks[None, :], 0.5)).sum(axis=1)
    assert np.mean(stats.norm.logpdf(y[:, 0], x[:, 0], 0.5) - np.log(py)) == pytest.approx(ch.mi, abs=0.01)


def test_heteroscedastic_channel_truth_matches_monte_carlo():
    """Y = X + (a + b|X|) E: the module's quadrature truth against the average of log p(y | x)
    - log p(y) over 20,000 draws, p(y) by a plain trapezoid over x written here: within 0.02
    nats (the Monte Carlo error is ~0.007; the integrand's sd is ~1)."""
    from scipy import stats

    from infolens.distributions.channels import Heteroscedastic

    grid = np.linspace(-10, 10, 4001)
    for a, b, seed in ((0.3, 1.0, 0), (0.1, 0.5, 1)):
        ch = Heteroscedastic(a, b)
        x, y = ch.sample(20_000, random_state=seed)
        scale = a + b * np.abs(grid)
        py = np.concatenate([np.trapezoid(stats.norm.pdf(grid) * stats.norm.pdf(yy[:, None], grid, scale), grid, axis=1)
                             for yy in np.array_split(y[:, 0], 20)])
        mc = np.mean(stats.norm.logpdf(y[:, 0], x[:, 0], a + b * np.abs(x[:, 0])) - np.log(py))
        assert mc == pytest.approx(ch.mi, abs=0.02)
    assert Heteroscedastic(1.0, 0.0).mi == pytest.approx(0.5 * np.log(2), abs=1e-6)  # Gaussian: 1/2 log 2


def test_the_heldout_set_builds_with_finite_truths():
    from infolens.distributions.offsuite import offsuite_ids, offsuite_task

    ids = offsuite_ids("heldout")
    assert len(ids) == 15 and not set(ids) & set(offsuite_ids())
    for i in ids:
        s, n = offsuite_task(i)
        assert np.isfinite(s.mi) and s.mi > 0 and n >= 500
        x, y = s.sample(50, random_state=0)
        assert len(x) == len(y) == 50


def test_column_mixing_maps_are_invertible():
    """The flow, residual and rotation maps of the off-suite set are injective (their inverse
    recovers the input to rounding), so the MI of the Gaussian they transform is the truth; the
    residual block with a Lipschitz constant of 1 or more is refused (it may fold)."""
    from infolens.distributions.transforms import AffineCoupling, ResidualMap, Rotation

    x = np.random.default_rng(0).normal(size=(2000, 5)) * 2.0
    for t in (AffineCoupling(5, seed=3), AffineCoupling(5, layers=3, scale=0.5, shift=0.5), ResidualMap(5, seed=1),
              Rotation(5, seed=2)):
        y = t.forward(x)
        assert np.abs(y - x).max() > 0.1 and np.abs(t.inverse(y) - x).max() < 1e-9
    with pytest.raises(ValueError, match="lipschitz"):
        ResidualMap(3, lipschitz=1.0)
    with pytest.raises(ValueError, match="2 columns"):
        AffineCoupling(1)


def test_unit_truths_match_monte_carlo():
    """ReLU units (a point mass at zero beside a Gaussian part) and quantised Gaussians: the
    quadrature truths against Monte Carlo averages of log p(y | x) - log p(y) on 400,000
    draws (standard errors 0.001; measured within 1.5 of them)."""
    from infolens.distributions.units import QuantizedGauss, ReluUnits, _cell_probs

    n = 400_000
    for rho, c, seed in ((0.8, 0.0, 1), (0.9, 1.5, 2), (0.6, -0.5, 3)):
        u = ReluUnits(rho, c)
        x, y = u.sample(n, random_state=seed)
        x, y = x[:, 0], y[:, 0]
        s = math.sqrt(1 - rho * rho)
        cond = np.where(x > 0, stats.norm.logpdf(y, rho * (x + c), s),
                        stats.norm.logpdf(y) + stats.norm.logcdf((c - rho * y) / s) - stats.norm.logcdf(c))
        mc = cond - stats.norm.logpdf(y)
        assert mc.mean() == pytest.approx(u.mi, abs=4 * mc.std() / math.sqrt(n))
    for rho, levels, seed in ((0.8, 8, 4), (0.9, 4, 5)):
        q = QuantizedGauss(rho, levels)
        x, y = q.sample(n, random_state=seed)
        p = _cell_probs(rho, q.edges, x[:, 0])
        mc = np.log(p[np.arange(n), y[:, 0].astype(int)]) + math.log(levels)
        assert mc.mean() == pytest.approx(q.mi, abs=4 * mc.std() / math.sqrt(n))
    from infolens.distributions.units import CoZeroUnits

    for r, c, seed in ((0.735, 0.857, 6), (0.5, 1.0, 7)):
        cz = CoZeroUnits(r, c)
        x, y = cz.sample(n, random_state=seed)
        u, v = x[:, 0] + c, y[:, 0] + c
        s = math.sqrt(1 - r * r)
        a = stats.norm.cdf(c)
        p00 = stats.multivariate_normal(mean=[0, 0], cov=[[1, r], [r, 1]]).cdf([c, c])
        q = (u * u - 2 * r * u * v + v * v) / (s * s)
        lp = np.select([(u <= c) & (v <= c), u <= c, v <= c],
                       [np.log(p00 / (a * a)), stats.norm.logcdf((c - r * v) / s) - np.log(a),
                        stats.norm.logcdf((c - r * u) / s) - np.log(a)],
                       -np.log(s) - 0.5 * q + 0.5 * (u * u + v * v))
        assert lp.mean() == pytest.approx(cz.mi, abs=4 * lp.std() / math.sqrt(n))
    # d units add up, idle ones add nothing; a unit that never fires (c -> inf) carries nothing
    assert ReluUnits(0.8, 0.5, d=3, idle=2).mi == pytest.approx(3 * ReluUnits(0.8, 0.5).mi, rel=1e-12)
    assert ReluUnits(0.8, 0.5, d=2, idle=3).sample(10, random_state=0)[0].shape == (10, 5)
    assert ReluUnits(0.8, 8.0).mi < 1e-6
    with pytest.raises(ValueError, match="rho"):
        ReluUnits(1.0)


def test_embedded_tokens_truth_matches_the_plug_in_at_many_rows():
    """A discrete variable written as vectors: at 200,000 rows the plug-in MI of the distinct
    rows against the label (bias (T - 1)(K - 1) / 2n = 0.002) agrees with the exact truth."""
    from infolens.distributions.discrete import EmbeddedTokens

    t = EmbeddedTokens(200, 16, 5, 0.3, seed=0)
    x, y = t.sample(200_000, random_state=1)
    _, codes = np.unique(x, axis=0, return_inverse=True)
    joint = np.zeros((200, 5))
    np.add.at(joint, (codes.ravel(), y[:, 0]), 1.0)
    p = joint / joint.sum()
    px, py = p.sum(1, keepdims=True), p.sum(0, keepdims=True)
    nz = p > 0
    plug_in = float(np.sum(p[nz] * np.log(p[nz] / (px @ py)[nz])))
    assert plug_in == pytest.approx(t.mi, abs=0.01) and x.shape == (200_000, 16)
