"""Neural estimators against closed-form truths: correlated Gaussians (1+1, 5+5 sparse and
dense, 20+20), independent data, a label vs a Gaussian mixture, images with a known label.

Each estimate is read on a held-out test split of 20% of N (1,000-2,000 rows): its own
standard error is 0.03-0.04 nats, and a finite critic trained on 60% of N sits a further
0.02-0.05 below the truth. The issue's tolerance, 10% of the truth or 0.1 nats (whichever
is larger), is therefore about 2 standard errors plus the known downward bias. Seeds are
fixed, so every number here is reproducible on CPU.
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from infolens import estimate_mi


def gaussian_case(case: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Samples of (X, Y) jointly Gaussian and I(X;Y) = 1/2 log(det Sx det Sy / det S)."""
    if case == "1+1":
        dx = dy = 1
        cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    elif case in ("5+5-sparse", "20+20-sparse"):
        dx = dy = 5 if case.startswith("5") else 20
        pairs, rho = (2, 0.8) if case.startswith("5") else (5, 0.6)
        cov = np.eye(dx + dy)
        for k in range(pairs):
            cov[k, dx + k] = cov[dx + k, k] = rho
    elif case == "5+5-dense":  # every pair of the 10 variables correlated 0.5
        dx = dy = 5
        cov = 0.5 * np.eye(10) + 0.5
    else:
        raise ValueError(case)
    z = np.random.default_rng(seed).multivariate_normal(np.zeros(dx + dy), cov, size=n)
    ld = lambda m: np.linalg.slogdet(m)[1]  # noqa: E731
    truth = 0.5 * (ld(cov[:dx, :dx]) + ld(cov[dx:, dx:]) - ld(cov))
    return z[:, :dx], z[:, dx:], float(truth)


def _tol(truth: float) -> float:
    return max(0.1 * truth, 0.1)


CASES = [  # (method, case, n): every method on two cases, every case by one method or more
    ("infonce", "5+5-sparse", 5000),
    ("mine", "5+5-sparse", 5000),
    ("smile", "5+5-sparse", 5000),
    ("nwj", "1+1", 5000),
    ("smile", "1+1", 5000),
    ("infonce", "5+5-dense", 5000),
    ("nwj", "5+5-dense", 5000),
    # 20+20 (five pairs with rho 0.6) needs N = 10,000; MINE (-0.04) and SMILE (-0.10) also
    # pass there but cost ~30 s each on 2 shared cores, so the suite keeps InfoNCE only
    ("infonce", "20+20-sparse", 10000),
]


@pytest.mark.slow
@pytest.mark.parametrize("method,case,n", CASES)
def test_gaussian_within_tolerance(method, case, n):
    x, y, truth = gaussian_case(case, n, seed=1)
    r = estimate_mi(x, y, method=method, random_state=0, verbose=False)
    assert abs(r.mi - truth) < _tol(truth), (method, case, r.mi, truth)
    assert 0 < r.stderr < 0.06  # the test-split standard error of ~n/5 rows
    assert r.diagnostics["n_test"] == n // 5


@pytest.mark.slow
@pytest.mark.parametrize("method", ["infonce", "dv"])
def test_independent_near_zero_not_negative(method):
    # MI = 0: a critic can only fit noise of the train split, which does not carry over
    # to the test split; |estimate| below 0.05 nats is ~3 test-split standard errors
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(3000, 5)), rng.normal(size=(3000, 5))
    r = estimate_mi(x, y, method=method, random_state=0, verbose=False)
    assert -0.05 < r.mi < 0.05


def mixture_truth(means: np.ndarray, sd: float) -> float:
    """I(X;Y) for Y uniform on K classes and X | Y=k ~ N(means[k], sd^2) in 1-D:
    H(Y) - E_x[H(Y|x)], by adaptive quadrature."""
    k = len(means)

    def integrand(x: float) -> float:
        dens = stats.norm.pdf(x, means, sd) / k
        p = dens.sum()
        post = dens / p
        return p * -np.sum(post * np.log(np.clip(post, 1e-300, None)))

    h_y_given_x, _ = integrate.quad(integrand, means.min() - 10 * sd, means.max() + 10 * sd, limit=200)
    return math.log(k) - h_y_given_x


@pytest.mark.slow
def test_classifier_bound_gaussian_mixture():
    means = np.array([0.0, 1.5, 3.0])
    truth = mixture_truth(means, 1.0)  # 0.42 nats
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, size=6000)
    x = np.column_stack([means[labels] + rng.normal(size=6000), rng.normal(size=6000)])  # 2nd column: noise
    r = estimate_mi(x, labels, method="classifier", random_state=0, verbose=False)
    # CE bound on 1,200 test rows: stderr ~0.02; a logistic-like posterior is learned almost
    # exactly, so the bound sits within 2-3 stderr of the truth
    assert abs(r.mi - truth) < 0.06, (r.mi, truth)


def test_classifier_bound_on_images_recovers_label_entropy():
    # 8x8 images whose label fixes which quadrant is bright: Y is a function of X, so
    # I(X;Y) = H(Y) = log 3; the conv encoder must reach it (bound within 0.06 of log 3,
    # the cross-entropy of a near-perfect classifier on held-out images)
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 3, size=900)
    imgs = rng.normal(0, 0.3, size=(900, 8, 8)).astype(np.float32)
    for k, (r0, c0) in enumerate([(0, 0), (0, 4), (4, 0)]):
        imgs[labels == k, r0:r0 + 4, c0:c0 + 4] += 2.0
    r = estimate_mi(imgs, labels, method="classifier", random_state=0, verbose=False, epochs=30, hidden=16)
    assert r.diagnostics["inputs"]["x"]["kind"] == "image"
    assert abs(r.mi - math.log(3)) < 0.06, r.mi


@pytest.mark.slow
def test_ccmi_gaussian():
    x, y, truth = gaussian_case("1+1", 3000, seed=2)
    r = estimate_mi(x, y, method="ccmi", random_state=0, verbose=False)
    assert abs(r.mi - truth) < _tol(truth), (r.mi, truth)
