"""infolens.validation: conversions, shapes, and the messages that name the argument."""

import numpy as np
import pandas as pd
import pytest
import torch

from infolens import validation as v


def test_to_numpy_accepts_lists_pandas_torch_bool():
    ref = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(v.to_numpy([[1, 2], [3, 4]], "x"), ref)
    np.testing.assert_array_equal(v.to_numpy(pd.DataFrame(ref), "x"), ref)
    np.testing.assert_array_equal(v.to_numpy(pd.Series([1.0, 3.0]), "x"), [1.0, 3.0])
    np.testing.assert_array_equal(v.to_numpy(torch.tensor(ref, requires_grad=True), "x"), ref)
    assert v.to_numpy(np.array([True, False]), "x").dtype == np.int64


@pytest.mark.parametrize(
    "value,exc,match",
    [
        (None, TypeError, r"^x is None"),
        ([[1, 2], [3]], TypeError, r"^x could not be read"),
        (np.array(["a", "b"]), TypeError, r"^x has dtype <U1, which is not numeric"),
        (np.array([1 + 2j]), TypeError, r"^x has dtype complex128"),
    ],
)
def test_to_numpy_errors(value, exc, match):
    with pytest.raises(exc, match=match):
        v.to_numpy(value, "x")


def test_check_array_shapes():
    assert v.check_array(np.arange(5.0), "x").shape == (5, 1)
    assert v.check_array(np.arange(24.0).reshape(2, 3, 4), "x").shape == (2, 12)
    assert v.check_array(np.arange(24.0).reshape(2, 3, 4), "x", flatten=False).shape == (2, 3, 4)
    assert v.check_array(np.arange(5), "x").dtype == np.float64


@pytest.mark.parametrize(
    "value,kwargs,match",
    [
        (np.float64(3.0), {}, r"^x is a scalar"),
        (np.zeros((0, 2)), {}, r"^x is empty"),
        (np.array([1.0, np.nan, np.inf, 2.0]), {}, r"^x contains 1 NaN and 1 inf values \(first bad rows: \[1, 2\]\)"),
        (np.ones(5), {}, r"^x is constant"),
        (np.arange(3.0), {"min_samples": 4}, r"^x has 3 samples; this estimator needs at least 4"),
    ],
)
def test_check_array_errors(value, kwargs, match):
    with pytest.raises(ValueError, match=match):
        v.check_array(value, "x", **kwargs)


def test_constant_columns_dropped_with_a_note():
    with v.validation_notes() as notes:
        out = v.check_array(np.c_[np.arange(5.0), np.ones(5), np.arange(5.0) ** 2], "x")
    np.testing.assert_array_equal(out, np.c_[np.arange(5.0), np.arange(5.0) ** 2])
    assert notes == ["x: dropped 1 constant column(s) [1] (a constant carries no information); the estimate uses the other 2"]


def test_constant_allowed_when_asked():
    assert v.check_array(np.ones(4), "x", allow_constant=True).shape == (4, 1)


def test_check_xy():
    x, y = v.check_xy([1, 2, 3], [[1, 2], [2, 1], [5, 5]])
    assert x.shape == (3, 1) and y.shape == (3, 2)
    with pytest.raises(ValueError, match=r"^x and y must have the same number of samples .* got 3 and 2"):
        v.check_xy([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match=r"^x and y have 3 samples; this estimator needs at least 6"):
        v.check_xy([1, 2, 3], [3, 1, 2], min_samples=6)
    with pytest.raises(ValueError, match=r"^labels contains 1 NaN"):
        v.check_xy([1, 2, 3], [1, np.nan, 2], y_name="labels")


def test_is_discrete_and_resolve():
    rng = np.random.default_rng(0)
    assert v.is_discrete(rng.integers(0, 10, 1000))
    assert v.is_discrete(rng.integers(0, 10, 1000).astype(float))
    assert not v.is_discrete(rng.normal(size=1000))
    # integral but many levels (> max(32, 5% of n)) is not discrete
    assert not v.is_discrete(np.arange(1000))
    assert v.is_discrete(np.arange(40) % 40) is False
    assert v.resolve_discrete(np.arange(10.0), True, "y") == (True, "declared")
    assert v.resolve_discrete(np.array([0, 1, 0, 1]), "auto", "y") == (True, "detected")
    with pytest.raises(ValueError, match=r"^discrete_y must be True, False or 'auto'"):
        v.resolve_discrete(np.arange(3), "maybe", "y")


def test_as_labels():
    np.testing.assert_array_equal(v.as_labels(np.array([5, 2, 5, 9]), "y"), [1, 0, 1, 2])
    np.testing.assert_array_equal(v.as_labels(np.array([[0, 1], [0, 1], [1, 0]]), "y"), [0, 0, 1])
    with pytest.raises(ValueError, match=r"^y takes a single value"):
        v.as_labels(np.zeros(4), "y")


def test_standardize():
    a = np.c_[np.arange(10.0) * 7 + 3, np.ones(10)]
    s = v.standardize(a)
    np.testing.assert_allclose(s[:, 0].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(s[:, 0].std(), 1, atol=1e-12)
    np.testing.assert_array_equal(s[:, 1], 0)


def test_random_state_and_seeds():
    a = v.check_random_state(3).normal(size=3)
    b = v.check_random_state(3).normal(size=3)
    np.testing.assert_array_equal(a, b)
    g = np.random.default_rng(1)
    assert v.check_random_state(g) is g
    assert isinstance(v.check_random_state(np.random.RandomState(0)), np.random.Generator)
    assert v.seed_from(7) == 7
    assert v.seed_from(np.random.default_rng(5)) == v.seed_from(np.random.default_rng(5))
    with pytest.raises(TypeError, match=r"^random_state must be None, an int or a numpy Generator, got str"):
        v.check_random_state("seed")


def test_scalar_parameter_checks():
    assert v.check_positive_int(3, "k") == 3
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match=r"^k must be an integer >= 1"):
            v.check_positive_int(bad, "k")
    assert v.check_choice("a", "mode", ("a", "b")) == "a"
    with pytest.raises(ValueError, match=r"^mode must be one of 'a', 'b'; got 'c'"):
        v.check_choice("c", "mode", ("a", "b"))


def test_scipy_sparse_inputs_are_read_as_dense_and_a_huge_one_is_refused_with_the_fix():
    import scipy.sparse as sp

    from infolens import estimate_mi
    from infolens.errors import InputTypeError
    from infolens.validation import to_numpy

    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 2))
    x[x < 0.5] = 0.0  # mostly zeros, as a sparse matrix holds them
    y = x[:, :1] + rng.normal(size=(500, 1))
    dense = estimate_mi(x, y, method="ksg", random_state=0).mi
    assert estimate_mi(sp.csr_matrix(x), sp.csc_array(y), method="ksg", random_state=0).mi == dense
    huge = sp.csr_matrix((200_000, 2_000))
    with pytest.raises(InputTypeError, match="sparse matrix of shape.*TruncatedSVD"):
        to_numpy(huge, "x")


def test_auto_drops_a_column_that_repeats_another_in_other_units():
    """x = (temperature in C, in F, noise) against y: the F column is 1.8 C + 32, so
    I(x; y) = I((C, noise); y) = 0.511 (rho 0.8). Kept, it made the side singular: auto read
    0.539-0.549 graded "caution" (not-gaussian); dropped, the copula estimate's own error
    (~0.02 at n = 2000) holds. A one-hot binary's two columns are reversed copies."""
    from infolens import estimate_mi
    from infolens.errors import DataWarning
    from infolens.validation import monotone_copies

    rng = np.random.default_rng(0)
    n = 2000
    c = rng.normal(size=n)
    y = 0.8 * c + 0.6 * rng.normal(size=n)
    x = np.c_[c, 1.8 * c + 32, rng.normal(size=n)]
    with pytest.warns(DataWarning, match="column 1 is an increasing function of column 0"):
        r = estimate_mi(x, y, random_state=0)
    assert r.mi == pytest.approx(-0.5 * np.log(1 - 0.64), abs=0.04)
    assert r.diagnostics["trust"] == "ok"
    hot = (c > 0).astype(float)
    assert monotone_copies(np.c_[hot, 1 - hot, np.exp(c), c]) == [(1, 0, True), (3, 2, False)]
    assert monotone_copies(rng.normal(size=(100, 5))) == []


def test_pandas_nullable_and_pyarrow_dtypes_are_numbers_and_labels_stay_labels():
    """Frames of pandas' nullable (``Float64``, ``Int64``, ``boolean``) and pyarrow-backed dtypes
    (what ``convert_dtypes`` and Parquet readers give) had become object arrays, refused as "not
    numeric". Now numbers: floats equal to the plain frame's, complete integer columns still
    integers (so a label is detected as one: the same estimate as its int64 codes), and a
    missing value named by its row like NaN."""
    import infolens

    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 3))
    a = v.to_numpy(pd.DataFrame(x).astype("Float64"), "x")
    assert a.dtype == np.float64 and np.array_equal(a, x)
    assert np.array_equal(v.to_numpy(pd.DataFrame(x).astype("double[pyarrow]"), "x"), x)
    codes = rng.integers(0, 3, 500)
    for dt in ("Int64", "int64[pyarrow]"):
        b = v.to_numpy(pd.Series(codes).astype(dt), "y")
        assert b.dtype.kind == "i" and np.array_equal(b, codes)
    assert v.to_numpy(pd.Series(codes > 0).astype("boolean"), "y").dtype.kind == "i"
    lab = infolens.estimate_mi(x, pd.Series(codes).astype("Int64"), random_state=0, warn=False)
    ref = infolens.estimate_mi(x, codes, random_state=0, warn=False)
    assert lab.mi == ref.mi and lab.diagnostics["discrete_y"]
    holed = pd.DataFrame(x).astype("Float64")
    holed.iloc[7, 1] = pd.NA
    assert np.isnan(v.to_numpy(holed, "x")[7, 1])
    with pytest.raises(v.InputError, match=r"x contains 1 NaN.*\[7\]"):
        infolens.estimate_mi(holed, codes, random_state=0)
    # categories and text stay what they were (labels)
    assert v._pandas_to_numpy(pd.Series(["a", "b"] * 5).astype("category")).dtype.kind == "O"
