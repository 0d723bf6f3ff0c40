"""infolens.sklearn: drop-ins for scikit-learn's mutual_info_classif/regression, and
MISelector under scikit-learn's own estimator checks.

References: scikit-learn's functions on the same data. Our estimator for continuous
features vs labels is the same as scikit-learn's (Ross 2014, k = 3) up to tie handling,
so on breast cancer the rankings agree (Spearman > 0.98) and the values within 0.03 nats
(measured difference <= 0.02: scikit-learn jitters ties with 1e-10 noise, we dequantise).
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.datasets import load_breast_cancer
from sklearn.feature_selection import SelectKBest
from sklearn.feature_selection import mutual_info_classif as sk_classif
from sklearn.feature_selection import mutual_info_regression as sk_regression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from infolens.sklearn import MISelector, mutual_info_classif, mutual_info_regression


def test_classif_agrees_with_scikit_learn_and_works_in_selectkbest():
    X, y = load_breast_cancer(return_X_y=True)
    ours = mutual_info_classif(X, y, random_state=0)
    ref = sk_classif(X, y, random_state=0)
    assert ours.shape == (30,) and (ours >= 0).all()
    assert stats.spearmanr(ours, ref).statistic > 0.98
    np.testing.assert_allclose(ours, ref, atol=0.03)
    sel = SelectKBest(mutual_info_classif, k=5).fit(X, y)
    assert set(sel.get_support(indices=True)) == set(np.argsort(-ref)[:5])
    assert (mutual_info_classif(X, np.array(["benign", "malignant"])[y], random_state=0) == ours).all()


def test_regression_agrees_with_a_gaussian_closed_form():
    """y = 0.8 x0 + 0.6 e: I(x0; y) = -1/2 log(1 - 0.64) = 0.511; x1 independent: 0.
    Tolerance 0.05: KSG's spread at n = 2000 is ~0.015 (tests/test_knn.py)."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, 2))
    y = 0.8 * X[:, 0] + 0.6 * rng.normal(size=2000)
    mi = mutual_info_regression(X, y, random_state=0)
    assert abs(mi[0] - 0.5 * math.log(1 / 0.36)) < 0.05 and mi[1] < 0.03
    assert abs(mi[0] - sk_regression(X, y, random_state=0)[0]) < 0.05


def test_miselector_keeps_the_informative_columns():
    rng = np.random.default_rng(2)
    n = 400
    y = rng.integers(0, 2, n)
    X = pd.DataFrame(
        {"a": y + rng.normal(size=n), "b": rng.normal(size=n), "c": 2 * y + rng.normal(size=n), "d": rng.normal(size=n)}
    )
    sel = MISelector(n_permutations=99, random_state=0).set_output(transform="pandas")
    out = sel.fit_transform(X, y)
    assert list(out.columns) == ["a", "c"]
    assert sel.pvalues_[0] == pytest.approx(0.01) and sel.pvalues_[2] == pytest.approx(0.01)
    assert list(sel.feature_names_in_) == list("abcd")
    pipe = make_pipeline(MISelector(n_permutations=99, random_state=0)).fit(X.to_numpy(), y)
    assert pipe[0].get_support().tolist() == [True, False, True, False]


def test_miselector_rejects_bad_parameters():
    X, y = np.random.default_rng(0).normal(size=(30, 2)), np.arange(30) % 2
    with pytest.raises(ValueError, match="alpha"):
        MISelector(alpha=1.5).fit(X, y)
    with pytest.raises(ValueError, match="n_permutations"):
        MISelector(n_permutations=0).fit(X, y)


@parametrize_with_checks([MISelector(n_permutations=39, random_state=0), MISelector(k=1, strategy="mrmr", random_state=0)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
