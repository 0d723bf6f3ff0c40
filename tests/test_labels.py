"""Labels are labels (issue 18): non-numeric variables are discrete, estimators with a
discrete side take them, the others say which to use; constant columns are dropped with a
note, so images with constant border pixels run with every vector estimator."""

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

import infolens
from infolens.validation import validation_notes


def three_classes(n=600, seed=0):
    rng = np.random.default_rng(seed)
    lab = rng.integers(0, 3, n)
    return lab[:, None] * 1.5 + rng.normal(size=(n, 2)), lab


@pytest.mark.parametrize(
    "method,params",
    [
        ("ross", {}),
        ("mixed", {}),
        ("binning", {}),
        ("classifier", {"epochs": 3, "hidden": 16, "verbose": False}),
    ],
)
def test_string_and_categorical_labels_give_the_estimate_of_their_codes(method, params):
    """Same seed, same classes: names instead of integers change nothing (exactly)."""
    x, lab = three_classes()
    if method == "binning":
        x = x[:, :1]
    names = np.array(["setosa", "versicolor", "virginica"])
    ref = infolens.estimate_mi(x, lab, method=method, random_state=0, **params)
    forms = [names[lab], pd.Series(names[lab], dtype="category"), names[lab].astype(object).tolist()]
    if method == "classifier":  # training is the slow part; one encoding path is shared by all forms
        forms = forms[1:2]
    for y in forms:
        r = infolens.estimate_mi(x, y, method=method, random_state=0, **params)
        assert r.mi == pytest.approx(ref.mi, abs=1e-12)


@pytest.mark.parametrize("method", ["ksg", "gaussian", "kl", "sliced"])
def test_continuous_only_estimators_name_the_ones_that_take_labels(method):
    x, lab = three_classes()
    with pytest.raises(TypeError, match=r"^y has dtype .*not numeric: it holds labels.*method='ross'"):
        infolens.estimate_mi(x, np.array(["a", "b", "c"])[lab], method=method)


def test_missing_labels_are_refused_with_their_rows():
    x, lab = three_classes(50)
    y = np.array(["a", "b", "c"], dtype=object)[lab]
    y[[3, 9]] = None
    with pytest.raises(ValueError, match=r"^y has 2 missing value\(s\) \(None/NaN\) in rows \[3, 9\]"):
        infolens.estimate_mi(x, y, method="ross")


#: every estimator that takes vectors and runs in seconds on 61 dimensions (binning would
#: need 10^68 cells; wkl needs k >= 16 there; the neural ones are tested elsewhere)
VECTOR = [
    ("ksg", {}),
    ("ksg2", {}),
    ("kl", {}),
    ("wkl", {"k": 16}),
    ("gaussian", {}),
    ("sliced", {}),
    ("compressed", {}),
    ("mixed", {}),
    ("ross", {}),
]


@pytest.mark.parametrize("method,params", VECTOR)
def test_digits_images_with_constant_pixels_run_with_every_vector_estimator(method, params):
    """Digits (n, 8, 8): 3 pixels are 0 in every image. They are dropped with a note and
    the estimate is at most H(Y) = log 10 plus its noise (I(X;Y) <= H(Y) for a discrete
    Y): tolerance 4 stderr + 0.05 nats (0.05 for the estimators' bias at n = 1000)."""
    d = load_digits()
    x, y = d.images[:1000], d.target[:1000]
    p = np.bincount(y) / len(y)
    hy = float(-(p * np.log(p)).sum())
    with validation_notes() as notes:
        r = infolens.estimate_mi(x, y, method=method, random_state=0, **params)
    assert any(n.startswith("x: dropped 3 constant column(s) [0, 32, 39]") for n in list(notes) + r.warnings), (notes, r.warnings)
    assert math.isfinite(r.mi)
    assert r.mi <= hy + 4 * (r.stderr or 0.0) + 0.05, (r.mi, hy)


def test_auto_with_a_label_is_invariant_to_monotone_maps_of_each_column():
    """MI is invariant to a strictly increasing map of each continuous column, so auto's label
    answer must be too: its kNN candidate (ross) runs on normal scores, which such a map leaves
    unchanged (ranks are the same), so the estimate is equal to rounding. On raw values exp()
    of one column changed ross's neighbours (0.973 vs 0.840 on a network layer)."""
    x, lab = three_classes(n=800, seed=3)
    a = infolens.estimate_mi(x, lab, random_state=0, warn=False)
    xm = np.column_stack([np.exp(2.0 * x[:, 0]), x[:, 1] ** 3])
    b = infolens.estimate_mi(xm, lab, random_state=0, warn=False)
    assert a.diagnostics["choice"]["method"] == b.diagnostics["choice"]["method"] == "ross"
    assert b.mi == pytest.approx(a.mi, abs=1e-9)


def test_a_one_hot_encoding_is_one_label():
    """A 10-level category given as 10 one-hot columns against y = mu_c + e (truth by
    quadrature of the mixture, 0.744 nats): auto read 0.84 through mmg, graded "caution"
    with an interval from -0.36, as if 10 numeric columns; the rows take 10 patterns, which
    are one label's levels, so it now takes the label branch (within 10% at n = 5000, its
    interval covering). A continuous estimator is told; pixels, whose rows take many
    patterns, stay numbers."""
    from scipy.stats import norm

    from infolens.validation import label_patterns

    rng = np.random.default_rng(0)
    n, k = 5000, 10
    mu = np.linspace(-3, 3, k)
    c = rng.integers(0, k, n)
    y = mu[c] + rng.normal(size=n)
    grid = np.linspace(-10, 10, 20001)
    p = np.mean([norm.pdf(grid - m) for m in mu], axis=0)
    truth = -np.sum(p * np.log(p)) * (grid[1] - grid[0]) - 0.5 * math.log(2 * math.pi * math.e)
    onehot = np.eye(k)[c]
    r = infolens.estimate_mi(onehot, y, random_state=0, warn=False)
    assert "10 patterns" in r.diagnostics["discrete_x"]
    assert abs(r.mi - truth) < 0.1 * truth and r.ci[0] <= truth <= r.ci[1]
    assert infolens.estimate_mi(onehot, y, method="ksg", warn=False).has_warning("labels-as-numbers")
    assert label_patterns(load_digits().data) is None
    assert label_patterns(onehot.astype(np.int64)) == k and label_patterns(onehot + 0.5 * rng.random((n, k))) is None


def test_many_classes_as_integer_codes_are_a_label_and_few_rows_per_class_are_said():
    """Class codes 0..K-1 against 2-dim points around random class centroids (truth by Monte
    Carlo over the exact posterior). With 300 classes in 5000 rows the codes passed the
    label detection's limit (5% of n) and KSG read them as numbers: 0.98 for 3.51. Levels
    that repeat (>= 4 rows each on average) are now a label: within 3%. With 1000 classes (5
    rows each) ross reads ~9% low and is graded "caution", its range reaching the truth."""
    from scipy.special import logsumexp

    rng = np.random.default_rng(1)

    def classes(k: int, n: int) -> tuple[np.ndarray, np.ndarray, float]:
        c = rng.standard_normal((k, 2)) * 3
        y = rng.integers(0, k, n)
        m = 20000
        yy = rng.integers(0, k, m)
        xx = c[yy] + 0.5 * rng.standard_normal((m, 2))
        ll = -((xx[:, None, :] - c[None, :, :]) ** 2).sum(-1) / 0.5
        truth = math.log(k) + float(np.mean(ll[np.arange(m), yy] - logsumexp(ll, axis=1)))
        return c[y] + 0.5 * rng.standard_normal((n, 2)), y, truth

    x, y, truth = classes(300, 5000)
    r = infolens.estimate_mi(x, y, random_state=0, warn=False)
    assert "integer levels" in r.diagnostics["discrete_y"] and r.diagnostics["choice"]["method"] == "ross"
    assert abs(r.mi - truth) < 0.03 * truth
    x, y, truth = classes(1000, 5000)
    r = infolens.estimate_mi(x, y, random_state=0, warn=False)
    assert r.diagnostics["trust"] == "caution" and "small-sample" in r.diagnostics["trust_codes"]
    lo, hi = r.diagnostics["range"]
    assert lo <= truth <= hi and r.mi < truth


def test_an_identifier_label_is_not_measurable_and_a_mixed_frame_is_one_hot_encoded():
    """A unique string ID against y read NaN graded "caution" ("non-finite" its only word) and
    against another label the plug-in read H(y); auto now answers NaN, "unreliable", code
    ``identifier``, with the range [0, H(ID)], on either branch. A DataFrame mixing a number
    and a 3-level text column was read as one label of ~n levels (NaN); its text is now
    one-hot encoded beside the number (code ``converted``; truth by quadrature 1.066), and
    with 100 levels the error names the chain rule."""
    import warnings

    from scipy.stats import norm

    rng = np.random.default_rng(0)
    n = 2000
    ids = np.array([f"u{i}" for i in rng.permutation(n)])
    for y in (rng.normal(size=n), rng.integers(0, 3, n).astype(str)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = infolens.estimate_mi(ids, y, random_state=0)
        assert math.isnan(r.mi) and r.diagnostics["trust"] == "unreliable" and r.has_warning("identifier")
        assert r.diagnostics["range"] == [0.0, pytest.approx(math.log(n))]
    n = 3000
    g = rng.normal(size=n)
    city = rng.choice(["a", "b", "c"], n)
    y = g + 2 * (city == "a") + 0.5 * rng.normal(size=n)
    grid = np.linspace(-10, 12, 44001)
    p = (2 / 3) * norm.pdf(grid, 0, math.sqrt(1.25)) + (1 / 3) * norm.pdf(grid, 2, math.sqrt(1.25))
    truth = -np.sum(p * np.log(p)) * (grid[1] - grid[0]) - 0.5 * math.log(2 * math.pi * math.e * 0.25)
    r = infolens.estimate_mi(pd.DataFrame({"g": g, "city": city}), y, random_state=0, warn=False)
    assert r.has_warning("converted") and abs(r.mi - truth) < 0.15 * truth
    lo, hi = r.ci
    assert lo <= truth <= hi or r.diagnostics["trust"] != "ok"
    many = pd.DataFrame({"g": g, "city": rng.choice([f"c{i}" for i in range(100)], n)})
    with pytest.raises(infolens.errors.InputError, match="chain rule"):
        infolens.estimate_mi(many, y)


def test_the_label_entropy_cap_holds_the_populations_entropy():
    """The plug-in H(Y) is biased low: 10 balanced classes at n = 100 never reach log 10
    (the cap cut off a truth of 2.295 at 2.24). The upper bound holds the population's
    entropy in >= 95% of draws, balanced or skewed (binomial sd ~1.5% over 200 draws)."""
    from infolens.stats import label_entropy, label_entropy_high

    rng = np.random.default_rng(0)
    for p, n in (([0.1] * 10, 100), ([0.7, 0.2, 0.1], 200), ([0.5, 0.5], 50)):
        p = np.array(p)
        h = float(-(p * np.log(p)).sum())
        draws = [rng.choice(len(p), size=n, p=p) for _ in range(200)]
        held = np.mean([label_entropy_high(c) >= h - 1e-12 for c in draws])
        assert held >= 0.92, (p, n, held)
        if len(p) == 10:
            assert np.mean([label_entropy(c) >= h - 1e-12 for c in draws]) == 0.0


def test_labelled_images_on_few_rows_get_the_probes_bound_not_an_error():
    """150 images of 784 pixels with 10 classes: the class model needs more rows per class
    than dimensions and the probe's usual minimum is 500 rows, so auto had raised "no
    estimator works". Now the probe's held-out bound, graded below "ok", with a range that
    holds the truth (2.295 nats at sigma = 1) up to H(label)'s upper bound."""
    from infolens import estimate_mi
    from infolens.distributions.images import LabelImages

    d = LabelImages(sigma=1.0)
    x, y = d.sample(150, random_state=0)
    r = estimate_mi(x, y, random_state=0, warn=False)
    assert r.diagnostics["choice"]["method"] == "probe" and r.diagnostics["trust"] != "ok"
    lo, hi = r.diagnostics["range"]
    assert lo <= d.mi <= hi
    assert r.has_warning("lower-bound")


def test_a_label_model_above_the_label_entropy_is_left_out():
    """A network's softmax outputs against the class (10 columns summing to 1; logits 3 e_c +
    standard normal noise, n = 5000). The posterior is softmax(3 l), a function of the softmax
    outputs, so the MI equals the logits' (2.01 nats, by Monte Carlo on 400,000 draws, error ~
    0.002). The class-conditional Gaussian copula reads far above H(label) = log 10 on the
    nearly singular within-class covariance (3.66 measured), which no MI with a label can be:
    its "disagreement" had graded a right answer (1.98) "unreliable". It is now left out and
    said; the answer stays within 10%, graded below "ok" with a range that covers."""
    from scipy.special import logsumexp, softmax

    k, a = 10, 3.0
    rng = np.random.default_rng(9)
    c = rng.integers(0, k, 400_000)
    lp = a * (a * np.eye(k)[c] + rng.normal(size=(len(c), k)))
    lp -= logsumexp(lp, axis=1, keepdims=True)
    truth = math.log(k) + float(np.mean(np.sum(np.exp(lp) * lp, axis=1)))
    rng = np.random.default_rng(1)
    c = rng.integers(0, k, 5000)
    p = softmax(a * np.eye(k)[c] + rng.normal(size=(5000, k)), axis=1)
    r = infolens.estimate_mi(p, c, random_state=0, warn=False)
    d = r.diagnostics
    assert d["candidates"]["gaussian-copula"]["mi"] > math.log(k) + 0.5  # (the trap is real)
    assert "disagreement" not in r.codes() and d["trust"] != "unreliable"
    assert "above H(label)" in d["choice"]["why"]
    assert abs(r.mi - truth) < 0.1 * truth and d["range"][0] <= truth <= d["range"][1]
