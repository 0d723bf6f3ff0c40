"""independence_test(x, y, z=...): X independent of Y given Z, with the Frenzel-Pompe statistic
and a null that keeps X's relation to Z (within Z's levels, or among neighbours in Z)."""

import numpy as np
import pytest

from infolens import independence_test
from infolens.conditional import local_permutation
from infolens.errors import InfolensWarning, InputError
from test_independence_serial import ar_series


def _chain(n, rng, beta=0.0):
    z = rng.normal(size=n)
    x = z + 0.7 * rng.normal(size=n)
    return x, z + beta * x + 0.7 * rng.normal(size=n), z


def test_a_common_cause_is_not_a_dependence_given_it():
    """x <- z -> y: given z, x and y are independent. Unconditionally every test rejects (the
    common cause); given z, the rate at level 0.05 measured 2-3% over 60 tests at n = 200 and
    500. Of 40 tests at a true size of 0.05, more than 7 rejections has probability < 2%."""
    cond, plain = 0, 0
    for s in range(40):
        x, y, z = _chain(300, np.random.default_rng(s))
        r = independence_test(x, y, z=z, n_permutations=40, random_state=s, warn=False)
        assert r.conditional and r.null_kind == "local permutation" and r.params["k_perm"] == 5
        cond += r.p_value <= 0.05
        if s < 5:
            plain += independence_test(x, y, n_permutations=40, random_state=s).p_value <= 0.05
    assert cond <= 7
    assert plain == 5


def test_a_dependence_beyond_z_is_found():
    hits = 0
    for s in range(20):
        x, y, z = _chain(400, np.random.default_rng(100 + s), beta=0.4)
        hits += independence_test(x, y, z=z, n_permutations=40, random_state=s, warn=False).p_value <= 0.05
    assert hits >= 17


def test_a_label_z_permutes_within_its_levels():
    hits = 0
    for s in range(40):
        rng = np.random.default_rng(200 + s)
        g = rng.integers(0, 4, 400)
        x, y = g + rng.normal(size=400), g + rng.normal(size=400)
        r = independence_test(x, y, z=np.array(list("abcd"))[g], n_permutations=40, random_state=s)
        assert r.null_kind == "within z's levels" and r.n_samples == 400
        hits += r.p_value <= 0.05
    assert hits <= 7  # exact test: Binomial(40, 0.05) exceeds 7 with probability < 2%


def test_the_local_permutation_keeps_each_row_among_its_neighbours_and_is_nearly_one_to_one():
    rng = np.random.default_rng(0)
    n, m = 500, 5
    nbrs = np.hstack([np.arange(n)[:, None], rng.integers(0, n, size=(n, m - 1))])
    out = local_permutation(nbrs, rng)
    assert all(out[i] in nbrs[i] for i in range(n))
    # neighbours on a line: the rows around each one
    line = np.array([[min(max(i + d, 0), n - 1) for d in (0, -2, -1, 1, 2)] for i in range(n)])
    assert len(np.unique(local_permutation(line, rng))) >= 0.9 * n


def test_x_changing_fast_across_z_is_warned():
    """x = sin 5z: with 10 neighbours at n = 200 the smear measured 0.61 +- 0.10 (85% of tests
    of a true independence rejected); the line is 0.05."""
    rng = np.random.default_rng(1)
    z = rng.uniform(-2, 2, 200)
    x, y = np.sin(5 * z) + 0.2 * rng.normal(size=200), np.cos(4 * z) + 0.2 * rng.normal(size=200)
    with pytest.warns(InfolensWarning, match="x changes across neighbours in z"):
        r = independence_test(x, y, z=z, n_permutations=20, random_state=0, k_perm=10)
    assert [w.code for w in r.warnings] == ["small-sample"] and r.warnings[0].data["smear"] > 0.3


def test_bad_conditional_calls_are_refused():
    x, y, z = _chain(100, np.random.default_rng(2))
    with pytest.raises(InputError, match="Frenzel-Pompe"):
        independence_test(x, y, z=z, method="gaussian")
    with pytest.raises(InputError, match="null="):
        independence_test(x, y, z=z, null="shift")
    with pytest.raises(InputError, match="k_perm"):
        independence_test(x, y, z=z, k_perm=100)
    with pytest.raises(InputError, match="as many samples"):
        independence_test(x, y, z=z[:50])



def test_serially_correlated_residuals_are_warned_a_serial_z_is_not():
    """x <- z -> y in time order. With AR(1) noise at 0.9 on x and y, 28/40 tests of a true
    conditional independence rejected at 0.05 (every null moves x between rows): warned in
    40/40. With a serial z and independent noise the null holds (1/40 rejected): warned 0/40."""
    rng = np.random.default_rng(7)
    z = ar_series(500, 0.9, rng)
    r = independence_test(z + ar_series(500, 0.9, rng), z + ar_series(500, 0.9, rng), z=z, n_permutations=20, random_state=0,
                          warn=False)
    assert [w.code for w in r.warnings] == ["serial-dependence"]
    r = independence_test(z + rng.normal(size=500), z + rng.normal(size=500), z=z, n_permutations=20,
                          random_state=0, warn=False)
    assert r.warnings == []
    g = (z > 0).astype(int)  # a label z: residuals within its levels
    r = independence_test(g + ar_series(500, 0.9, rng), g + ar_series(500, 0.9, rng), z=np.where(g, "hi", "lo"),
                          n_permutations=20, random_state=0, warn=False)
    assert r.null_kind == "within z's levels" and [w.code for w in r.warnings] == ["serial-dependence"]
