"""Fano's lower bound on the MI with a label (estimators/_fano.py) and its use by auto."""

import math

import numpy as np
import pytest
from scipy.stats import norm

import infolens
from infolens.distributions import GaussianMixtureLabel
from infolens.estimators._fano import binary_entropy, fano_bound, fano_from_error


def test_the_bound_is_fanos_inequality_at_the_errors_upper_end():
    # 10 errors of 1000 rows, 4 classes, H(Y) = log 4: the Clopper-Pearson upper end of 1%
    # is 1.83% (scipy's beta quantile), and the bound H - h(pe) - pe log 3
    fb = fano_from_error(math.log(4), 10, 1000, 4)
    assert fb.error == 0.01 and fb.error_upper == pytest.approx(0.01833, abs=2e-4)
    p = fb.error_upper
    assert fb.bound_nats == pytest.approx(math.log(4) + p * math.log(p) + (1 - p) * math.log(1 - p) - p * math.log(3))
    # an error at chance level (K - 1) / K or above bounds nothing
    assert fano_from_error(math.log(2), 500, 1000, 2).bound_nats == 0.0
    assert binary_entropy(0.5) == pytest.approx(math.log(2)) and binary_entropy(0.0) == 0.0


def test_the_bound_stays_below_the_truth_where_classes_overlap():
    """Gaussian classes at several separations (known MI): the bound never exceeds the truth
    over 5 seeds each (it is a 95% bound; it is loose where classes overlap, tight where not)."""
    for sep in (0.5, 2.0, 6.0):
        s = GaussianMixtureLabel(np.array([[-sep], [0.0], [sep]]), sigma=1.0)
        for seed in range(5):
            x, y = s.sample(2000, random_state=seed)
            h = math.log(3)
            fb = fano_bound(x, y, h)
            assert fb is not None and fb.bound_nats <= s.mi + 1e-9
        if sep == 6.0:
            assert fb.bound_nats > 0.9 * s.mi  # nearly separable: the bound is tight


def test_a_label_that_is_a_function_of_x_is_read_ok_with_the_model_refuted():
    """y = 1{x > 0.5}: I = H(Y). The class-conditional Gaussian copula reads 0.45 for 0.62 and
    used to grade ross's right answer "unreliable" (disagreement); Fano's bound from the
    nearest-neighbour error refutes the class model, and auto's answer is within 2%, "ok"."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    p = norm.sf(0.5)
    truth = binary_entropy(p)
    r = infolens.estimate_mi(x, x > 0.5, random_state=0, warn=False)
    assert abs(r.mi - truth) < 0.02 * truth
    assert r.diagnostics["trust"] == "ok" and "disagreement" not in r.codes()
    fano = r.diagnostics["fano"]
    assert fano["bound_nats"] <= truth + 0.01 and fano["bound_nats"] > 0.9 * truth
    assert "Fano" in r.diagnostics["choice"]["why"]
    assert r.diagnostics["candidates"]["gaussian-copula"]["mi"] < fano["bound_nats"]
    # in bits the bound is converted like every information quantity
    rb = infolens.estimate_mi(x, x > 0.5, random_state=0, warn=False, unit="bits")
    assert rb.diagnostics["fano"]["bound_bits"] == pytest.approx(fano["bound_nats"] / math.log(2))


def test_noisy_labels_keep_the_model_as_a_cross_check():
    """Overlapping classes: the bound is far below both candidates and refutes nothing."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=2000)
    y = (x + 0.8 * rng.normal(size=2000) > 0).astype(int)
    r = infolens.estimate_mi(x, y, random_state=0, warn=False)
    assert r.diagnostics["fano"]["bound_nats"] < r.diagnostics["candidates"]["gaussian-copula"]["mi"]
    assert "Fano" not in r.diagnostics["choice"]["why"]
