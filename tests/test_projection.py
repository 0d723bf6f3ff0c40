"""method="projection": KSG on learned canonical and co-skewness directions, read on held-out
rows - a lower bound that sees dependence through an even function of a projection."""

import math

import numpy as np

import infolens
from infolens.distributions.copulas import NoisyMap
from infolens.estimators.projection import learn_directions


def _square(d: int, n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    w /= np.linalg.norm(w)
    s = x @ w
    return x, s ** 2 + 0.5 * rng.normal(size=n), w


def test_the_co_skewness_direction_finds_an_even_dependence():
    """y = (w.x)^2 + 0.5 e in 100 dims: no direction correlates with y, but E[y x x^T] has w on
    top; learned on 2,500 rows its overlap with w exceeds 0.9."""
    x, y, w = _square(100, 2500, 0)
    from infolens.estimators._trust import normal_scores

    P, Q = learn_directions(normal_scores(x), normal_scores(y[:, None]), np.random.default_rng(0))
    assert Q is None and P.shape[1] <= 2
    overlap = np.abs(P.T @ w) / np.linalg.norm(P, axis=0)
    assert overlap.max() > 0.9


def test_projection_is_a_lower_bound_and_tight_on_one_linear_direction():
    """Gaussian data (truths known): a dense 50+50 (one strong canonical pair, 1.62 nats) and
    y = w.x + 0.5 e in 100 dims (0.80 nats): the value stays below the truth within its
    error over 3 seeds and within 12% of it (the directions are learned on 2,500 rows)."""
    from infolens.distributions import get_task

    t = get_task("multinormal-dense-50-50-0.5")
    for seed in range(3):
        x, y = t.sample(5000, random_state=seed)
        r = infolens.estimate_mi(x, y, method="projection", random_state=seed, warn=False)
        assert r.mi < t.mi + 2 * r.stderr and r.mi > 0.88 * t.mi
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(5000, 100))
        w = rng.normal(size=100)
        y = x @ (w / np.linalg.norm(w)) + 0.5 * rng.normal(size=5000)
        r = infolens.estimate_mi(x, y, method="projection", random_state=seed, warn=False)
        truth = 0.5 * math.log(1 + 1 / 0.25)
        assert r.mi < truth + 2 * r.stderr and r.mi > 0.88 * truth


def test_auto_no_longer_grades_an_even_dependence_ok():
    """y = (w.x)^2 + 0.5 e, 100 dims, n = 5000 (truth 0.80): the Gaussian copula reads 0.00 and
    every check used to pass ("ok", 100% off). The projection bound lies far above the model,
    rejects it and is the answer: caution, model-rejected, a range that holds the truth."""
    truth = NoisyMap(lambda v: v[:, 0] ** 2, 0.5).mi  # I(s; s^2 + 0.5 e), the 1-D channel, by quadrature
    x, y, _w = _square(100, 5000, 5)
    r = infolens.estimate_mi(x, y, random_state=0, budget="fast", warn=False)
    assert r.diagnostics["candidates"]["gaussian-copula"]["mi"] < 0.05
    assert r.diagnostics["trust"] != "ok" and "model-rejected" in r.codes()
    assert r.diagnostics["choice"]["method"] == "projection"
    assert 0.4 * truth < r.mi < truth + 2 * r.stderr
    lo, hi = r.diagnostics["range"]
    assert lo <= truth <= hi


def test_a_dependence_on_one_column_of_a_wide_side_is_found():
    """y_1 = x_1^2 + 0.5 e among 20+20 columns (truth 0.798 nats): no canonical correlation, and
    the other side's reduced form holds y_1 by a small share only. The co-skewness search now
    alternates between the two sides and starts also from the column most linear in the squares:
    0.49-0.67 on six seeds at n = 3000 (the single-start search read 0.006 on one seed of five at
    n = 5000); independent 20+20 data read within their intervals of 0."""
    for s in range(3):
        rng = np.random.default_rng(100 + s)
        x, y = rng.normal(size=(3000, 20)), rng.normal(size=(3000, 20))
        y[:, 0] = x[:, 0] ** 2 + 0.5 * rng.normal(size=3000)
        r = infolens.estimate_mi(x, y, method="projection", random_state=s)
        assert 0.4 < r.mi < 0.798 + 2 * r.stderr
        z = rng.normal(size=(3000, 20))
        null = infolens.estimate_mi(x, z, method="projection", random_state=s)
        assert null.ci[0] <= 0.0 <= null.ci[1]
