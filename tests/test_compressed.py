"""MI after lossy compression: information in a known low-dimensional subspace of a
120-dim x is recovered by PCA and autoencoder codes."""

import numpy as np
import pytest
from scipy import integrate, stats

import infolens


def _subspace_data(n: int, seed: int = 0, D: int = 120):
    """A 2-dim latent z with I(Z; Y) = -1/2 sum log(1 - rho_i^2), embedded in D dims
    (orthonormal basis times 3, plus isotropic noise of sd 0.1: the subspace keeps all but
    a negligible part of the information)."""
    rng = np.random.default_rng(seed)
    rho = np.array([0.8, 0.6])
    z = rng.normal(size=(n, 2))
    y = rho * z + np.sqrt(1 - rho**2) * rng.normal(size=(n, 2))
    W = np.linalg.qr(rng.normal(size=(D, 2)))[0] * 3.0
    x = z @ W.T + 0.1 * rng.normal(size=(n, D))
    # I(X;Y) for the Gaussian model, exactly: x = z W^T + e
    cov_x = W @ W.T + 0.01 * np.eye(D)
    cxy = W * rho  # Cov(x, y) = W diag(rho)
    cov = np.block([[cov_x, cxy], [cxy.T, np.eye(2)]])
    truth = 0.5 * (np.linalg.slogdet(cov_x)[1] + 0.0 - np.linalg.slogdet(cov)[1])
    return x, y, z, float(truth)


def test_pca_codes_reach_the_truth():
    x, y, _z, truth = _subspace_data(2000)
    assert abs(truth - (-0.5 * np.log(1 - 0.64) - 0.5 * np.log(1 - 0.36))) < 0.01  # noise costs < 0.01 nats
    r = infolens.estimate_mi(x, y, method="compressed", compressor="pca", dim=2, random_state=0)
    # KSG on the 2+2-dim codes of 1000 held-out samples: sd ~0.03 (r.stderr), bias < 0.03
    assert abs(r.mi - truth) < 0.08, (r.mi, truth)
    assert r.diagnostics["n_fit"] == 1000 and r.diagnostics["n_estimate"] == 1000
    assert r.diagnostics["x_compressor"]["explained_variance_ratio"] > 0.9
    # a 1-dim code keeps at most one of the two channels: strictly less information
    r1 = infolens.estimate_mi(x, y, method="compressed", compressor="pca", dim=1, random_state=0)
    assert r1.mi < truth - 0.15


@pytest.mark.slow
def test_autoencoder_codes_reach_the_truth():
    x, y, _z, truth = _subspace_data(2000, seed=1)
    r = infolens.estimate_mi(x, y, method="compressed", compressor="autoencoder", dim=2, epochs=40,
                             random_state=0)
    # a 2-dim code that is an invertible function of z keeps I exactly; the autoencoder is
    # short-trained, so allow 0.1 below (KSG sd ~0.03, bias < 0.03, imperfect code)
    assert abs(r.mi - truth) < 0.1, (r.mi, truth)
    curve = r.diagnostics["x_compressor"]["val_mse"]
    assert curve[-1] < 0.5 * curve[0]  # it learned to reconstruct


def test_discrete_label_after_compression():
    x, _y, z, _ = _subspace_data(3000, seed=2)
    rng = np.random.default_rng(3)
    s = 0.5
    labels = (z[:, 0] + s * rng.normal(size=len(z)) > 0).astype(int)
    # truth: I(Z0; L) = H(L) - E_z[h(Phi(z/s))], h the binary entropy (numerical integral)

    def h(p):
        p = np.clip(p, 1e-300, 1 - 1e-16)
        return -(p * np.log(p) + (1 - p) * np.log1p(-p))

    cond, _ = integrate.quad(lambda t: stats.norm.pdf(t) * h(stats.norm.cdf(t / s)), -10, 10)
    truth = np.log(2) - cond
    r = infolens.estimate_mi(x, labels, method="compressed", dim=2, random_state=0)
    assert r.diagnostics["inner"] == "ross"
    # Ross at n=1500 on 2-dim codes: sd ~0.02, small downward bias
    assert abs(r.mi - truth) < 0.07, (r.mi, truth)


def test_same_seed_same_number():
    x, y, _z, _ = _subspace_data(600, seed=4)
    a = infolens.estimate_mi(x, y, method="compressed", dim=2, random_state=5).mi
    b = infolens.estimate_mi(x, y, method="compressed", dim=2, random_state=5).mi
    assert a == b


def test_errors_name_the_argument():
    x, y, _z, _ = _subspace_data(300, seed=6)
    with pytest.raises(ValueError, match="compressor"):
        infolens.estimate_mi(x, y, method="compressed", compressor="zip")
    with pytest.raises(ValueError, match="fit_fraction"):
        infolens.estimate_mi(x, y, method="compressed", compressor="autoencoder", fit_fraction=0)
    with pytest.raises(ValueError, match="dim"):
        infolens.estimate_mi(x, y, method="compressed", dim=0)
    with pytest.raises(ValueError, match="dim_y"):
        infolens.estimate_mi(y, x, method="compressed", dim=2)
