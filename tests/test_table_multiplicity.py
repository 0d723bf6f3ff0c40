"""A feature table of many columns ranked without a test says that chance intervals lie above 0."""

import numpy as np
import pytest

from infolens import feature_mi
from infolens.errors import InfolensWarning


def _wide(m, n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, m))
    y = (X[:, 0] - X[:, 1] + rng.normal(size=n) > 0).astype(int)
    return X, y


def test_many_columns_without_a_test_are_warned():
    """60 columns, 58 of them noise: about 1.5 noise intervals above 0 are expected by chance."""
    X, y = _wide(60)
    with pytest.warns(InfolensWarning, match="60 columns ranked without a test"):
        t = feature_mi(X, y, random_state=0)
    said = t.attrs["multiple_comparisons"]
    assert said["columns"] == 60 and said["expected_by_chance"] == pytest.approx(1.5)
    assert said["above_zero"] == int((t["ci_low"] > 0).sum())


def test_a_test_or_few_columns_need_no_such_warning():
    X, y = _wide(60)
    t = feature_mi(X, y, n_permutations=20, random_state=0, warn=False)
    assert t.attrs["multiple_comparisons"] is None
    X, y = _wide(30)
    t = feature_mi(X, y, random_state=0, warn=False)
    assert t.attrs["multiple_comparisons"] is None
