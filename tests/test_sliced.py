"""Sliced and max-sliced MI: batched kNN against the plain estimators, closed forms for
Gaussians, independence, monotonicity, input errors."""

import numpy as np
import pytest

import infolens
from infolens.estimators import batched_knn as bk
from infolens.estimators.sliced import random_stiefel


def _gauss_mi(cov: np.ndarray, dx: int) -> float:
    """I(U;V) = 1/2 log(det S_uu det S_vv / det S) for a jointly Gaussian (U, V)."""
    return 0.5 * (np.linalg.slogdet(cov[:dx, :dx])[1] + np.linalg.slogdet(cov[dx:, dx:])[1] - np.linalg.slogdet(cov)[1])


def _joint_cov(dx: int, dy: int, strength: float, seed: int = 1) -> np.ndarray:
    """Covariance of (X, Y): X ~ N(0, I), Y = strength * W X + noise with a fixed random W."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(dy, dx)) / np.sqrt(dx)
    cxy = strength * W.T
    cyy = strength**2 * W @ W.T + np.eye(dy)
    return np.block([[np.eye(dx), cxy], [cxy.T, cyy]])


def _sample(cov: np.ndarray, n: int, dx: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    z = np.random.default_rng(seed).multivariate_normal(np.zeros(len(cov)), cov, size=n)
    return z[:, :dx], z[:, dx:]


def _smi_truth(cov: np.ndarray, dx: int, k: int = 1, draws: int = 20000, seed: int = 7) -> tuple[float, float]:
    """Monte-Carlo value of SI_k for Gaussians: E_{A,B}[I(A^T X; B^T Y)] with the closed-form
    Gaussian MI of each projected pair (for k=1: -1/2 log(1 - rho(theta, phi)^2))."""
    rng = np.random.default_rng(seed)
    dy = len(cov) - dx
    A = random_stiefel(dx, k, draws, rng)
    B = random_stiefel(dy, k, draws, rng)
    sxx, sxy, syy = cov[:dx, :dx], cov[:dx, dx:], cov[dx:, dx:]
    cuu = np.einsum("pdk,de,pel->pkl", A, sxx, A)
    cvv = np.einsum("pdk,de,pel->pkl", B, syy, B)
    cuv = np.einsum("pdk,de,pel->pkl", A, sxy, B)
    full = np.concatenate([np.concatenate([cuu, cuv], 2), np.concatenate([cuv.transpose(0, 2, 1), cvv], 2)], 1)
    vals = 0.5 * (np.linalg.slogdet(cuu)[1] + np.linalg.slogdet(cvv)[1] - np.linalg.slogdet(full)[1])
    return float(vals.mean()), float(vals.std() / np.sqrt(draws))


def test_random_stiefel_is_orthonormal_and_isotropic():
    rng = np.random.default_rng(0)
    A = random_stiefel(6, 2, 20000, rng)
    gram = np.einsum("pdk,pdl->pkl", A, A)
    assert np.allclose(gram, np.eye(2), atol=1e-12)
    # uniform on the Stiefel manifold: E[A A^T] = (k/d) I. Each entry of the MC mean has
    # sd <= 1/sqrt(20000) ~ 0.007, so 0.03 is > 4 sd.
    m = np.einsum("pdk,pek->de", A, A) / len(A)
    assert np.allclose(m, np.eye(6) * 2 / 6, atol=0.03)


def test_batched_ksg_equals_plain_ksg_per_projection():
    rng = np.random.default_rng(0)
    P, n = 6, 500
    u = rng.normal(size=(P, n))
    v = 0.6 * u + rng.normal(size=(P, n))
    u = (u - u.mean(1, keepdims=True)) / u.std(1, keepdims=True)
    v = (v - v.mean(1, keepdims=True)) / v.std(1, keepdims=True)
    got = bk.ksg_batch(u, v, k=5)
    ref = [infolens.estimate_mi(u[p], v[p], method="ksg", k=5, ties="none", standardize=False, n_subsamples=0).mi
           for p in range(P)]
    # the same estimator on the same (already standardised) numbers: equal to rounding
    assert np.allclose(got, ref, atol=1e-10)
    # a marginal shared by all projections, and 2-D projections (KD-tree marginal counts)
    w = v[0]
    got = bk.ksg_batch(u, w, k=4)
    ref = [infolens.estimate_mi(u[p], w, method="ksg", k=4, ties="none", standardize=False, n_subsamples=0).mi
           for p in range(P)]
    assert np.allclose(got, ref, atol=1e-10)
    u2, v2 = rng.normal(size=(3, n, 2)), rng.normal(size=(3, n, 2))
    v2[:, :, 0] += u2[:, :, 1]
    got = bk.ksg_batch(u2, v2, k=3)
    ref = [infolens.estimate_mi(u2[p], v2[p], method="ksg", k=3, ties="none", standardize=False, n_subsamples=0).mi
           for p in range(3)]
    assert np.allclose(got, ref, atol=1e-10)


def test_batched_ross_equals_plain_ross_per_projection():
    rng = np.random.default_rng(1)
    P, n = 6, 600
    labels = rng.integers(0, 4, size=n)
    labels[:3] = 7  # a class with 3 members: k is capped at 2 for those points
    labels[3] = 9  # a singleton class: dropped
    u = rng.normal(size=(P, n)) + 0.5 * labels[None]
    got = bk.ross_batch(u, labels, k=5)
    ref = [infolens.estimate_mi(u[p], labels, method="ross", k=5, discrete_y=True, ties="none",
                                standardize=False, n_subsamples=0).mi for p in range(P)]
    assert np.allclose(got, ref, atol=1e-10)
    u2 = rng.normal(size=(2, n, 2)) + 0.5 * labels[None, :, None]
    got = bk.ross_batch(u2, labels, k=3)
    ref = [infolens.estimate_mi(u2[p], labels, method="ross", k=3, discrete_y=True, ties="none",
                                standardize=False, n_subsamples=0).mi for p in range(2)]
    assert np.allclose(got, ref, atol=1e-10)


def test_sliced_of_independent_data_is_zero():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(2000, 20)), rng.normal(size=(2000, 5))
    r = infolens.estimate_mi(x, y, method="sliced", n_projections=200, random_state=0)
    # KSG on 1-D independent pairs with n=2000 has |bias| < 0.005 and sd ~0.01 per projection
    assert abs(r.mi) < 0.01 + 3 * r.stderr
    labels = rng.integers(0, 3, size=2000)
    r = infolens.estimate_mi(x, labels, method="sliced", n_projections=200, random_state=0)
    assert r.diagnostics["inner"] == "ross" and r.diagnostics["discrete_y"] == "detected"
    assert abs(r.mi) < 0.01 + 3 * r.stderr
    # the label on the x side: swapped (MI is symmetric), same number
    s = infolens.estimate_mi(labels, x, method="sliced", n_projections=200, random_state=0)
    assert s.diagnostics["discrete_y"].startswith("detected (x was the discrete side") and s.mi == r.mi


def test_sliced_matches_gaussian_closed_form():
    dx, dy = 5, 3
    cov = _joint_cov(dx, dy, strength=3.0)
    truth, truth_se = _smi_truth(cov, dx)
    x, y = _sample(cov, 3000, dx, seed=3)
    r = infolens.estimate_mi(x, y, method="sliced", n_projections=300, random_state=0)
    # MC error of the estimate (stderr) and of the truth, plus the KSG bias on 1-D pairs at
    # n=3000 (|bias| <~ 0.01 for these correlations)
    assert abs(r.mi - truth) < 0.015 + 3 * np.hypot(r.stderr, truth_se), (r.mi, truth)
    assert truth > 0.08  # the test has signal: an estimate of 0 would fail it


@pytest.mark.slow
def test_two_sliced_matches_gaussian_closed_form():
    dx, dy = 6, 4
    cov = _joint_cov(dx, dy, strength=2.0, seed=4)
    truth, truth_se = _smi_truth(cov, dx, k=2)
    x, y = _sample(cov, 2000, dx, seed=5)
    r = infolens.estimate_mi(x, y, method="sliced", proj_dim=2, n_projections=60, random_state=0)
    # KSG in 2+2 dims at n=2000 is biased low by a few hundredths for MI ~0.3 nats
    assert abs(r.mi - truth) < 0.04 + 3 * np.hypot(r.stderr, truth_se), (r.mi, truth)


@pytest.mark.slow
def test_sliced_is_monotone_in_the_true_mi():
    dx, dy = 10, 3
    strengths = [0.5, 1.0, 2.0, 4.0]
    truths = [_gauss_mi(_joint_cov(dx, dy, s), dx) for s in strengths]
    assert np.all(np.diff(truths) > 0)
    est = []
    for s in strengths:
        x, y = _sample(_joint_cov(dx, dy, s), 1500, dx, seed=6)
        est.append(infolens.estimate_mi(x, y, method="sliced", n_projections=100, random_state=0).mi)
    assert np.all(np.diff(est) > 0), est


@pytest.mark.slow
def test_max_sliced_reaches_the_top_canonical_correlation():
    rng = np.random.default_rng(8)
    n, dx, dy = 4000, 12, 6
    x, y = rng.normal(size=(n, dx)), rng.normal(size=(n, dy))
    rho = 0.8
    y[:, 0] = rho * x[:, 0] + np.sqrt(1 - rho**2) * y[:, 0]
    y[:, 1] = 0.3 * x[:, 1] + np.sqrt(1 - 0.09) * y[:, 1]
    # rotate both sides so the best directions are not coordinate axes
    qx, _ = np.linalg.qr(rng.normal(size=(dx, dx)))
    qy, _ = np.linalg.qr(rng.normal(size=(dy, dy)))
    truth = -0.5 * np.log(1 - rho**2)  # max over 1-D projections: the first canonical pair
    r = infolens.estimate_mi(x @ qx, y @ qy, method="max-sliced", n_candidates=50, n_iter=5, random_state=0)
    # held-out KSG at n=2000 (sd ~0.02, bias < 0.02) and a search that may stop just short
    assert abs(r.mi - truth) < 0.06, (r.mi, truth)
    # far above the average over random projections (sliced MI)
    s = infolens.estimate_mi(x @ qx, y @ qy, method="sliced", n_projections=100, random_state=0)
    assert r.mi > 4 * s.mi


def test_generic_inner_estimator_runs_per_projection():
    dx, dy = 6, 3
    cov = _joint_cov(dx, dy, strength=2.0, seed=9)
    truth, truth_se = _smi_truth(cov, dx)
    x, y = _sample(cov, 3000, dx, seed=10)
    r = infolens.estimate_mi(x, y, method="sliced", inner="gaussian", n_projections=100, random_state=0)
    assert r.diagnostics["backend"] == "loop"
    # the Gaussian closed-form estimator is nearly unbiased here (n=3000: sd ~0.02 per pair)
    assert abs(r.mi - truth) < 0.01 + 3 * np.hypot(r.stderr, truth_se)


def test_same_seed_same_number_and_bits():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(500, 5))
    y = x[:, :2] + rng.normal(size=(500, 2))
    a = infolens.estimate_mi(x, y, method="sliced", n_projections=30, random_state=3)
    b = infolens.estimate_mi(x, y, method="sliced", n_projections=30, random_state=3)
    assert a.mi == b.mi
    c = infolens.estimate_mi(x, y, method="sliced", n_projections=30, random_state=3, unit="bits")
    assert np.isclose(c.mi, a.mi / np.log(2))


def test_errors_name_the_argument():
    rng = np.random.default_rng(12)
    x, labels = rng.normal(size=(100, 4)), rng.integers(0, 3, size=100)
    with pytest.raises(ValueError, match="slice"):
        infolens.estimate_mi(x, labels, method="sliced", slice="y")
    with pytest.raises(ValueError, match="proj_dim"):
        infolens.estimate_mi(x, rng.normal(size=(100, 2)), method="sliced", slice="x", proj_dim=5)
    with pytest.raises(ValueError, match="n_projections"):
        infolens.estimate_mi(x, labels, method="sliced", n_projections=1)
    with pytest.raises(ValueError, match="inner"):
        infolens.estimate_mi(x, labels, method="sliced", inner="ksg", discrete_y=True)
    with pytest.raises(ValueError, match="holdout"):
        infolens.estimate_mi(x, labels, method="max-sliced", holdout=0.99)


def test_max_sliced_with_a_label_finds_the_defining_direction():
    from scipy import integrate, stats

    rng = np.random.default_rng(13)
    n, d, s = 4000, 10, 0.5
    x = rng.normal(size=(n, d))
    w = np.linalg.qr(rng.normal(size=(d, 1)))[0][:, 0]
    labels = (x @ w + s * rng.normal(size=n) > 0).astype(int)

    def h(p):
        p = np.clip(p, 1e-300, 1 - 1e-16)
        return -(p * np.log(p) + (1 - p) * np.log1p(-p))

    # I(w^T X; L) = H(L) - E_t[h(Phi(t / s))], t ~ N(0, 1): the best 1-D projection (L depends on x
    # only through w^T x), computed by numerical integration
    cond, _ = integrate.quad(lambda t: stats.norm.pdf(t) * h(stats.norm.cdf(t / s)), -10, 10)
    truth = np.log(2) - cond
    r = infolens.estimate_mi(x, labels, method="max-sliced", n_candidates=50, n_iter=3, random_state=0)
    assert r.diagnostics["inner"] == "ross"
    # Ross on 2000 held-out samples: sd ~0.015, small bias; LDA start is near-optimal here
    assert abs(r.mi - truth) < 0.05, (r.mi, truth)
    cos = abs(np.dot(np.asarray(r.diagnostics["x_projection"])[:, 0], w))
    assert cos > 0.95  # the direction found is the one that defines the label


def _ksg_via_tree(u, v, k):
    """ksg_batch with the compiled kernel switched off (the scipy cKDTree path)."""
    saved, bk._ksg2d = bk._ksg2d, None
    try:
        return bk.ksg_batch(u, v, k=k)
    finally:
        bk._ksg2d = saved


@pytest.mark.skipif(not bk.uses_kernel(1, 1), reason="compiled 2-D KSG kernel not built (no C compiler at install)")
@pytest.mark.parametrize("case", ["gauss", "cauchy", "ties", "correlated", "tiny"])
def test_compiled_kernel_equals_the_kd_tree_path(case):
    """The compiled 2-D search gives the cKDTree query's radii and the searchsorted counts
    exactly (same floating-point operations), on data that stress a grid search: heavy
    tails (one dense cell among empty ones), ties (equal distances, zero radii), a narrow
    diagonal band, and n = k + 1 (the search must reach every point)."""
    rng = np.random.default_rng(11)
    P, n, k = 5, 700, 5
    u, v = rng.normal(size=(P, n)), rng.normal(size=n)
    if case == "cauchy":
        u, v = rng.standard_cauchy(size=(P, n)), rng.standard_cauchy(size=n)
    elif case == "ties":
        u, v = np.round(u, 1), np.round(v, 1)
    elif case == "correlated":
        u = 0.995 * v[None] + 0.1 * u
    elif case == "tiny":
        u, v, k = u[:, :6], v[:6], 5
    for vv in (v, np.stack([rng.permutation(v) for _ in range(P)])):  # shared v, then one v per projection
        got = bk.ksg_batch(u, vv, k=k)
        ref = _ksg_via_tree(u, vv, k)
        assert np.allclose(got, ref, rtol=0, atol=1e-12)
    # radii and counts themselves, element by element, against cKDTree and searchsorted
    from scipy.spatial import cKDTree
    order = np.argsort(v, kind="stable")
    us, vs = np.ascontiguousarray(u[:, order]), np.ascontiguousarray(v[order])
    m = us.shape[1]
    eps, nu, nv = np.empty((P, m)), np.empty((P, m), np.int64), np.empty((P, m), np.int64)
    bk._ksg2d.ksg2d(us, vs, np.argsort(us, axis=1), P, m, k, True, bk._REL, 7, eps, nu, nv)
    for p in range(P):
        joint = np.stack([us[p], vs], 1)
        e_ref = cKDTree(joint).query(joint, k=[k + 1], p=np.inf)[0][:, 0]
        assert np.array_equal(eps[p], e_ref)
        assert np.array_equal(nu[p], bk.count_1d(np.sort(us[p]), us[p], e_ref, closed=False))
        assert np.array_equal(nv[p], bk.count_1d(vs, vs, e_ref, closed=False))


@pytest.mark.skipif(not bk.uses_kernel(1, 1), reason="compiled 2-D KSG kernel not built")
def test_compiled_kernel_rejects_mismatched_buffers():
    u, v = np.zeros((2, 10)), np.zeros(10)
    out = np.empty((2, 10)), np.empty((2, 10), np.int64), np.empty((2, 10), np.int64)
    with pytest.raises(ValueError, match="uorder"):
        bk._ksg2d.ksg2d(u, v, np.zeros((2, 9), np.int64), 2, 10, 3, True, 1e-9, 3, *out)
    with pytest.raises(ValueError, match="k < n"):
        bk._ksg2d.ksg2d(u, v, np.zeros((2, 10), np.int64), 2, 10, 10, True, 1e-9, 3, *out)


def test_sliced_reports_its_neighbour_search():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 12))
    y = x[:, 0] + rng.normal(size=400)
    r = infolens.estimate_mi(x, y, method="sliced", n_projections=20, random_state=0)
    assert r.diagnostics["knn_search"] == ("compiled 2-D grid" if bk.uses_kernel(1, 1) else "scipy cKDTree")
    r2 = infolens.estimate_mi(x, np.c_[y, rng.normal(size=400)], method="sliced", proj_dim=2, n_projections=20,
                              random_state=0)
    assert r2.diagnostics["knn_search"] == "scipy cKDTree"  # 2-D projections: the general path
