"""feature_mi and mi_matrix (issue 18) against known truths.

Tolerances: ``4 * stderr + bias`` as in tests/test_mixed.py (the subsampling stderr is
calibrated within ~30%; bias < 0.03 nats for these 1-D cases at n >= 1000). Permutation
p-values are exact under independence, so on noise columns they are uniform on
{1/(B+1), ..., 1}: a KS test against U(0, 1) at B = 99 and 60 columns has a discreteness
bias of ~1/(B+1) = 0.01 in the statistic, far below the 0.2 it takes to reach p = 0.01.
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from infolens.errors import DataWarning
from infolens.estimators.batched_knn import ross_1d
from infolens.tables import feature_mi, information_coefficient, mi_matrix
from infolens.tables.kernels import adjust_pvalues, ross_stat_factory


def shift_truth(delta):
    """I(X; Y) for Y ~ Bernoulli(1/2), X | Y ~ N(delta Y, 1), by numerical integration."""

    def p(t):
        return 0.5 * (stats.norm.pdf(t) + stats.norm.pdf(t, delta))

    return integrate.quad(lambda t: -p(t) * np.log(p(t)), -12, 12 + delta, limit=200)[0] - 0.5 * math.log(2 * math.pi * math.e)


def informative_table(n=2000, n_noise=7, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    cols = {"strong": 2.0 * y + rng.normal(size=n), "medium": 1.0 * y + rng.normal(size=n), "weak": 0.5 * y + rng.normal(size=n)}
    for j in range(n_noise):
        cols[f"noise{j}"] = rng.normal(size=n)
    return pd.DataFrame(cols), y


def test_feature_mi_ranks_and_measures_informative_columns():
    X, y = informative_table()
    df = feature_mi(X, y, random_state=0)
    assert list(df["feature"][:3]) == ["strong", "medium", "weak"]
    assert set(df["method"]) == {"ross"} and set(df["kind"]) == {"continuous"}
    for name, delta in (("strong", 2.0), ("medium", 1.0), ("weak", 0.5)):
        row = df[df["feature"] == name].iloc[0]
        truth = shift_truth(delta)
        assert abs(row["mi"] - truth) < 4 * row["stderr"] + 0.03, (name, row["mi"], truth)
        assert row["ci_low"] < row["mi"] < row["ci_high"]
    assert np.isnan(df["p_value"]).all()  # no test asked for


def test_same_seed_same_table_whatever_the_threads():
    X, y = informative_table(n=600, n_noise=3)
    a = feature_mi(X, y, random_state=3, n_permutations=19, n_jobs=1)
    b = feature_mi(X, y, random_state=3, n_permutations=19, n_jobs=2)
    pd.testing.assert_frame_equal(a, b)


def test_permutation_pvalues_are_uniform_on_noise_and_small_on_signal():
    rng = np.random.default_rng(11)
    n, d = 300, 60
    y = rng.integers(0, 3, n)
    X = pd.DataFrame(rng.normal(size=(n, d)), columns=[f"n{j}" for j in range(d)])
    X["signal"] = y + rng.normal(size=n)
    df = feature_mi(X, y, n_permutations=99, random_state=0, k=3)
    noise = df[df["feature"] != "signal"]["p_value"].to_numpy()
    assert stats.kstest(noise, "uniform").pvalue > 0.01
    sig = df[df["feature"] == "signal"].iloc[0]
    assert sig["p_value"] == pytest.approx(1 / 100)  # the smallest a 99-permutation test can give
    # Benjamini-Hochberg over the 61 columns (scipy as the reference)
    np.testing.assert_allclose(df["p_adjusted"], stats.false_discovery_control(df["p_value"]), rtol=1e-12)


def test_continuous_target_and_discrete_features():
    """Regression target: ksg for continuous columns, ross (sides swapped) for a
    discrete column; a Gaussian pair with rho = 0.8 has I = -1/2 log(1 - 0.64) = 0.511."""
    rng = np.random.default_rng(2)
    n = 2000
    t = rng.normal(size=n)
    X = pd.DataFrame({"corr": 0.8 * t + 0.6 * rng.normal(size=n), "group": np.where(t + rng.normal(size=n) > 0, "high", "low")})
    df = feature_mi(X, t, random_state=0, n_permutations=19).set_index("feature")
    assert df.loc["corr", "method"] == "ksg" and df.loc["group", "method"] == "ross"
    assert abs(df.loc["corr", "mi"] - 0.5 * math.log(1 / 0.36)) < 4 * df.loc["corr", "stderr"] + 0.03
    assert df.loc["group", "p_value"] == pytest.approx(1 / 20)
    assert df.attrs["target_kind"] == "continuous"


def test_mixed_type_table_is_handled_per_column():
    rng = np.random.default_rng(4)
    n = 1000
    y = rng.integers(0, 2, n)
    colour = np.array(["red", "green", "blue"])[(y + rng.integers(0, 2, n)) % 3]
    X = pd.DataFrame(
        {
            "num": y + rng.normal(size=n),
            "colour": colour,
            "cat": pd.Categorical(colour),
            "flag": rng.integers(0, 2, n).astype(bool),
            "const": np.full(n, 3.0),
        }
    )
    df = feature_mi(X, np.where(y == 1, "yes", "no"), random_state=0).set_index("feature")
    assert df.loc["num", "method"] == "ross"
    assert df.loc["colour", "method"] == "plugin-chance" and df.loc["colour", "kind"] == "discrete"
    # plug-in MI of the same cells minus its exact chance expectation (scikit-learn's as reference)
    from sklearn.metrics import mutual_info_score
    from sklearn.metrics.cluster import contingency_matrix
    from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information

    ref = mutual_info_score(colour, y) - expected_mutual_information(contingency_matrix(colour, y), n)
    assert df.loc["colour", "mi"] == pytest.approx(ref, abs=1e-12)
    assert df.loc["cat", "mi"] == pytest.approx(ref, abs=1e-12)
    assert df.loc["const", "method"] == "constant" and df.loc["const", "mi"] == 0.0
    assert df.loc["const", "excluded"] == "constant" and df.loc["const", "warnings"][0].code == "constant-dropped"
    assert df.index[-1] == "const"
    # the same table as one object array (df.to_numpy()): numeric columns stay numbers
    arr = feature_mi(X.to_numpy(), np.where(y == 1, "yes", "no"), random_state=0).set_index("feature")
    assert arr.loc["x0", "method"] == "ross" and arr.loc["x1", "method"] == "plugin-chance"


def test_explicit_method_and_bits():
    X, y = informative_table(n=800, n_noise=1)
    nats = feature_mi(X, y, method="mixed", random_state=0)
    bits = feature_mi(X, y, method="mixed", random_state=0, unit="bits")
    assert set(nats["method"]) == {"mixed"}
    np.testing.assert_allclose(bits["mi"], nats["mi"] / math.log(2), rtol=1e-12)


def test_images_give_one_row_per_pixel_with_constant_pixels_marked():
    from sklearn.datasets import load_digits

    d = load_digits()
    df = feature_mi(d.images[:500], d.target[:500], random_state=0)
    assert len(df) == 64 and (df["method"] == "constant").sum() >= 3
    assert df["mi"].max() <= math.log(10)


def test_bad_arguments_are_named():
    X, y = informative_table(n=100, n_noise=1)
    with pytest.raises(ValueError, match="n_permutations"):
        feature_mi(X, y, n_permutations=-1)
    with pytest.raises(ValueError, match="correction"):
        feature_mi(X, y, correction="fdr")
    with pytest.raises(ValueError, match="same number of rows"):
        feature_mi(X, y[:50])
    with pytest.raises(ValueError, match="y is constant"):
        feature_mi(X, np.zeros(100))
    with pytest.raises(ValueError, match="discrete_features names column 'nope'"):
        feature_mi(X, y, discrete_features=["nope"])


def test_ross_kernel_equals_the_batched_ross_and_corrections_match_references():
    rng = np.random.default_rng(0)
    x = rng.normal(size=500)
    lab = rng.integers(0, 4, 500)
    lab[:1] = 9  # a singleton class is left out by both
    stat = ross_stat_factory(x, lab, 3)
    assert stat(None)[0] == pytest.approx(ross_1d(x[None], lab, 3)[0], abs=1e-12)
    # row p relabels the sorted values: value xs[i] gets label labs[p[i]], the data set
    # u[p] = xs with labels labs for ross_1d
    order = np.argsort(x, kind="stable")
    xs, labs = x[order], lab[order]
    perms = np.stack([rng.permutation(500) for _ in range(3)])
    us = np.empty((3, 500))
    for r, p in enumerate(perms):
        us[r, p] = xs
    np.testing.assert_allclose(stat(perms), ross_1d(us, labs, 3), atol=1e-12)
    p = rng.uniform(size=40) ** 3
    np.testing.assert_allclose(adjust_pvalues(p, "fdr_bh"), stats.false_discovery_control(p), rtol=1e-12)
    # Holm by hand: sorted 0.01, 0.03, 0.04, 0.2 -> 4*0.01, max(3*0.03, .), max(2*0.04, .), 0.2
    np.testing.assert_allclose(adjust_pvalues(np.array([0.01, 0.04, 0.03, 0.2, np.nan]), "holm"), [0.04, 0.09, 0.09, 0.2, np.nan])
    np.testing.assert_allclose(adjust_pvalues(np.array([0.01, 0.3]), "bonferroni"), [0.02, 0.6])


def test_mi_matrix_against_closed_forms():
    """x0, x1 Gaussian with rho = 0.8 (I = 0.511, IC = 0.8); s = sign(x2) is a function
    of x2 (I = H(s) = log 2); x3 independent; c constant."""
    rng = np.random.default_rng(6)
    n = 3000
    z = rng.normal(size=(n, 4))
    df = pd.DataFrame(
        {
            "x0": z[:, 0],
            "x1": 0.8 * z[:, 0] + 0.6 * z[:, 1],
            "x2": z[:, 2],
            "s": np.where(z[:, 2] > 0, "pos", "neg"),
            "x3": z[:, 3],
            "c": 1.0,
        }
    )
    m = mi_matrix(df, random_state=0)
    truth = 0.5 * math.log(1 / 0.36)
    assert abs(m.mi.loc["x0", "x1"] - truth) < 4 * m.stderr.loc["x0", "x1"] + 0.03
    assert m.mi.loc["x1", "x0"] == m.mi.loc["x0", "x1"]
    assert m.ic.loc["x0", "x1"] == pytest.approx(information_coefficient(m.mi.loc["x0", "x1"]))
    assert abs(m.ic.loc["x0", "x1"] - 0.8) < 0.03
    assert abs(m.mi.loc["x2", "s"] - math.log(2)) < 4 * m.stderr.loc["x2", "s"] + 0.03
    assert m.method.loc["x2", "s"] == "ross" and m.method.loc["x0", "x1"] == "ksg"
    assert abs(m.mi.loc["x0", "x3"]) < 4 * m.stderr.loc["x0", "x3"] + 0.02
    assert m.mi.loc["c", "x0"] == 0.0 and ("x0", "c") in m.warnings
    assert np.isnan(m.mi.loc["x0", "x0"]) and m.ic.loc["x0", "x0"] == 1.0
    long = m.to_long()
    assert len(long) == 15 and tuple(long.iloc[0][["a", "b"]]) == ("x2", "s")
    # any estimator by name, pair by pair
    g = mi_matrix(df[["x0", "x1", "x3"]], method="gaussian")
    assert abs(g.mi.loc["x0", "x1"] - truth) < 4 * g.stderr.loc["x0", "x1"] + 0.01


def test_figures_use_the_object_api():
    import matplotlib

    backend = matplotlib.get_backend()
    X, y = informative_table(n=300, n_noise=2)
    df = feature_mi(X, y, random_state=0, n_permutations=9)
    from infolens.tables.plots import feature_mi_figure

    fig = feature_mi_figure(df)
    assert len(fig.axes[0].patches) == len(df)
    heat = mi_matrix(X, random_state=0, n_subsamples=0).figure()
    assert heat.axes[0].images[0].get_array().shape == (5, 5)
    assert matplotlib.get_backend() == backend
    X["id"] = [f"row{i}" for i in range(len(X))]  # an identifier: listed, not drawn
    with pytest.warns(DataWarning, match="identifier"):
        df = feature_mi(X, y, random_state=0)
    assert len(feature_mi_figure(df).axes[0].patches) == len(df) - 1
