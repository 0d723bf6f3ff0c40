"""The independence test and the tables' p-values on rows in time order: a permutation null
is too narrow when both sides are serially dependent; a circular shift keeps each series."""

import numpy as np
import pandas as pd
import pytest

from infolens import feature_mi, independence_test
from infolens.errors import InfolensWarning


def ar_series(n, phi, rng):
    """An AR(1) series at ``phi`` with unit innovations, started in its stationary law."""
    e = rng.normal(size=n)
    out = np.empty(n)
    out[0] = e[0] / np.sqrt(1 - phi * phi)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + e[t]
    return out


def _rejections(null, reps=100, n=500, phi=0.9):
    hits, kinds = 0, set()
    for s in range(reps):
        rng = np.random.default_rng(500 + s)
        r = independence_test(ar_series(n, phi, rng), ar_series(n, phi, rng), n_permutations=40, random_state=s, null=null,
                              warn=False)
        hits += r.p_value <= 0.05
        kinds.add(r.null_kind)
    return hits, kinds


def test_two_independent_serial_series_are_not_called_dependent():
    """Two independent AR(1) series at 0.9: permutations reject about half of them at level
    0.05 (measured 52% at n = 1000); the default shifts one series against the other. Of 100
    tests at a true size near 0.05-0.06, more than 12 rejections has probability < 1%."""
    shifted, kinds = _rejections("auto")
    assert kinds == {"shift"}
    assert shifted <= 12
    permuted, _ = _rejections("permutation")
    assert permuted >= 30


def test_the_shift_null_still_sees_a_dependence():
    hits = 0
    for s in range(20):
        rng = np.random.default_rng(900 + s)
        x = ar_series(800, 0.9, rng)
        y = 0.5 * x + ar_series(800, 0.9, rng)
        hits += independence_test(x, y, n_permutations=50, random_state=s, warn=False).p_value <= 0.05
    assert hits >= 18


def test_independent_rows_keep_the_permutation_null_and_its_numbers():
    rng = np.random.default_rng(3)
    x = ar_series(600, 0.9, rng)  # one serial side alone: the other's rows are exchangeable
    y = rng.normal(size=600)
    auto = independence_test(x, y, n_permutations=60, random_state=4)
    perm = independence_test(x, y, n_permutations=60, random_state=4, null="permutation")
    assert auto.null_kind == "permutation" and auto.null == perm.null and auto.p_value == perm.p_value


def test_permutations_of_two_serial_sides_are_warned():
    rng = np.random.default_rng(5)
    x, y = ar_series(600, 0.9, rng), ar_series(600, 0.9, rng)
    with pytest.warns(InfolensWarning, match="a permutation destroys each series' own autocorrelation"):
        r = independence_test(x, y, n_permutations=30, random_state=0, null="permutation")
    assert [w.code for w in r.warnings] == ["serial-dependence"]
    assert "warning:" in str(r)


def test_random_walks_are_said_to_wander():
    rng = np.random.default_rng(6)
    x, y = np.cumsum(rng.normal(size=1000)), np.cumsum(rng.normal(size=1000))
    r = independence_test(x, y, n_permutations=30, random_state=0, warn=False)
    assert r.null_kind == "shift" and r.shift_min == 250
    assert any("the series wander" in str(w) for w in r.warnings)
    d = r.to_dict()
    assert d["null_kind"] == "shift" and "null_why" in d


def test_bad_null_is_refused():
    with pytest.raises(ValueError, match="null"):
        independence_test(np.arange(50.0), np.arange(50.0), null="bootstrap")


def test_a_serial_table_gets_shifted_p_values():
    """Eight independent AR(1) columns against an AR(1) target, five tables: permutation
    p-values reject 45% at level 0.05 (measured, 96 columns); shifted, 5.2%. Of 40 p-values at
    a size near 0.05, more than 8 rejections has probability < 1%."""
    hits, total = 0, 0
    for s in range(5):
        rng = np.random.default_rng(70 + s)
        X = pd.DataFrame({f"c{j}": ar_series(600, 0.9, rng) for j in range(8)})
        t = feature_mi(X, ar_series(600, 0.9, rng), n_permutations=50, random_state=s, warn=False)
        hits += int((t["p_value"] <= 0.05).sum())
        total += len(t)
        said = t.attrs["serial_dependence"]
        assert "circular shifts" in said["message"] and said["shift_min"] >= 10
    assert total == 40 and hits <= 8
