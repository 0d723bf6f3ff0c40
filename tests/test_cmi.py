"""Frenzel–Pompe conditional MI against Gaussian closed forms.

Tolerance ``4 * stderr + 0.03``: subsampling stderr calibrated within ~30% (see
tests/test_knn.py) and a measured bias < 0.02 nats at N = 2000-3000 for these
low-dimensional cases.
"""

import math

import numpy as np
import pytest

import infolens
from infolens.errors import DataWarning
from infolens.estimators.cmi import estimate_cmi


def gaussian_cmi(cov, ix, iy, iz):
    """I(X;Y|Z) = 1/2 log(det S_xz det S_yz / (det S_z det S_xyz)) for a Gaussian."""
    ld = lambda idx: np.linalg.slogdet(cov[np.ix_(idx, idx)])[1]  # noqa: E731
    return 0.5 * (ld(ix + iz) + ld(iy + iz) - ld(iz) - ld(ix + iy + iz))


def test_markov_chain_gives_zero():
    """X -> Y -> Z: I(X;Z|Y) = 0, while I(X;Z) > 0."""
    rng = np.random.default_rng(0)
    n = 3000
    x = rng.normal(size=n)
    y = x + rng.normal(size=n)
    z = y + rng.normal(size=n)
    r = estimate_cmi(x, z, y, random_state=0)
    assert abs(r.mi) < 4 * r.stderr + 0.02, r
    assert r.method == "cmi" and r.n_samples == n
    mi_xz = infolens.estimate_mi(x, z, random_state=0)  # truth -1/2 log(1 - 1/3) = 0.203
    assert abs(mi_xz.mi - 0.5 * math.log(1.5)) < 4 * mi_xz.stderr + 0.03


def test_matches_gaussian_closed_form_with_vector_z():
    rng = np.random.default_rng(1)
    n = 3000
    a = np.array([[1.0, 0.5, 0.3, 0.2], [0.0, 1.0, 0.4, 0.1], [0.0, 0.0, 1.0, 0.6], [0.0, 0.0, 0.0, 1.0]])
    cov = a.T @ a
    s = rng.multivariate_normal(np.zeros(4), cov, size=n)
    truth = gaussian_cmi(cov, [0], [1], [2, 3])
    r = estimate_cmi(s[:, 0], s[:, 1], s[:, 2:], random_state=0)
    assert abs(r.mi - truth) < 4 * r.stderr + 0.03, (r.mi, truth)


def test_units_backends_and_exported():
    rng = np.random.default_rng(2)
    x, z = rng.normal(size=(2, 500))
    y = x + z + rng.normal(size=500)
    nats = infolens.estimate_cmi(x, y, z, k=4, random_state=1)
    bits = infolens.estimate_cmi(x, y, z, k=4, random_state=1, unit="bits")
    assert bits.mi == pytest.approx(nats.mi / math.log(2), rel=1e-12)
    brute = estimate_cmi(x, y, z, k=4, random_state=1, backend="brute")
    assert brute.mi == pytest.approx(nats.mi, abs=1e-12)
    assert brute.diagnostics["backend"] == "brute"


def test_errors_name_the_argument():
    rng = np.random.default_rng(3)
    x, y, z = rng.normal(size=(3, 100))
    with pytest.raises(ValueError, match=r"^z must have as many samples"):
        estimate_cmi(x, y, z[:90])
    bad = z.copy()
    bad[0] = np.nan
    with pytest.raises(ValueError, match=r"^z contains 1 NaN"):
        estimate_cmi(x, y, bad)
    with pytest.raises(ValueError, match=r"\bk\b"):
        estimate_cmi(x, y, z, k=0)
    with pytest.raises(ValueError, match=r"at least 6"):
        estimate_cmi(x[:5], y[:5], z[:5])
    with pytest.raises(ValueError, match=r"\bunit\b"):
        estimate_cmi(x, y, z, unit="dits")


def binary_z_sample(n, seed):
    """Z ~ Bernoulli(1/2); given Z = z, (X, Y) is bivariate normal with correlation
    rho_z (0.6, 0.9) and means 3 z (Z moves both, so it must be conditioned on):
    I(X;Y|Z) = 1/2 sum_z -1/2 log(1 - rho_z^2) = 0.5 (0.223 + 0.830) = 0.527 nats."""
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 2, n)
    rho = np.where(z == 1, 0.9, 0.6)
    a, b = rng.normal(size=(2, n))
    x = 3 * z + a
    y = 3 * z + rho * a + np.sqrt(1 - rho**2) * b
    truth = 0.5 * (-0.5 * math.log(1 - 0.36) - 0.5 * math.log(1 - 0.81))
    return x, y, z, truth


def test_discrete_z_is_stratified():
    """Tolerance 4 stderr + 0.03 as the module doc; the labels may be strings."""
    x, y, z, truth = binary_z_sample(3000, seed=4)
    r = estimate_cmi(x, y, z, random_state=0)
    assert r.diagnostics["z_strategy"] == "stratified" and r.diagnostics["discrete_z"] == "detected"
    assert abs(r.mi - truth) < 4 * r.stderr + 0.03, (r.mi, truth, r.stderr)
    named = estimate_cmi(x, y, np.where(z == 1, "treated", "control"), random_state=0)
    assert named.mi == pytest.approx(r.mi, abs=1e-12)
    assert named.diagnostics["discrete_z"] == "declared (labels)"
    # declared continuous, Z is tie-broken by noise instead (the old behaviour)
    noisy = estimate_cmi(x, y, z, discrete_z=False, random_state=0)
    assert noisy.diagnostics["z_strategy"] == "frenzel-pompe"


def test_tiny_z_levels_are_left_out_with_a_warning():
    x, y, z, _ = binary_z_sample(1000, seed=5)
    z = z.copy()
    z[:3] = 7  # a level with 3 <= k samples
    with pytest.warns(DataWarning, match="1 of 3 levels have at most k=5 samples"):
        r = estimate_cmi(x, y, z, random_state=0)  # issued through Python's warnings, like estimate_mi
    assert r.diagnostics["z_levels_left_out"] == 1
    assert any("1 of 3 levels have at most k=5 samples" in w for w in r.warnings)
    with pytest.raises(ValueError, match="discrete_z=False, but z holds labels"):
        estimate_cmi(x, y, np.array(["a", "b"] * 500), discrete_z=False)
