"""Frenzel–Pompe conditional MI against Gaussian closed forms.

Tolerance ``4 * stderr + 0.03``: subsampling stderr calibrated within ~30% (see
tests/test_knn.py) and a measured bias < 0.02 nats at N = 2000-3000 for these
low-dimensional cases.
"""

import math

import numpy as np
import pytest

import infolens
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
