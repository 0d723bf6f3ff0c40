"""The linear probe's cross-entropy bound (``method="probe"``) and how ``method="auto"``
grades a label's bound in many dimensions: "ok" only when the bound reaches within 10% of
H(label), which bounds the MI from above; otherwise "caution" with code ``lower-bound`` and
a range [bound, H(label)] that contains the truth.

Truths: :class:`~infolens.distributions.LabelImages` (10 bar templates in 8 x 8 pixels,
Gaussian pixel noise), whose MI is integrated from the Gaussian mixture."""

import math

import numpy as np
import pytest

import infolens
from infolens.distributions import LabelImages
from infolens.errors import InputError
from infolens.estimators.probe import fit_temperature, validation_bound


def test_probe_bound_is_a_lower_bound_close_to_the_truth():
    """64 pixels, sigma 0.6 (truth 1.55 nats), n = 3000, five seeds: each bound is at most
    the truth plus 3 of its standard errors (a bound on held-out rows; its standard error is
    ~0.04 nats), and their mean lies within 12% below the truth. Measured: 1.39-1.57, mean
    3.5% low (the 2400 training and validation rows leave the 10 class means a little noisy);
    12% is that deficit with room for its seed-to-seed spread (the lowest seed reads 10%
    low, the mean of five varies by about a third of that). Without the refit on the
    validation rows the bound is lower (it is fitted on 1800 rows)."""
    s = LabelImages(sigma=0.6, size=8)
    vals = []
    for seed in range(5):
        x, y = s.sample(3000, random_state=seed)
        r = infolens.estimate_mi(x.reshape(3000, -1), y, method="probe", random_state=seed)
        assert r.mi <= s.mi + 3 * r.stderr
        assert r.mi <= r.diagnostics["h_label"] + 1e-12
        assert r.diagnostics["bound"] == "lower" and r.diagnostics["n_test"] == 600
        assert r.diagnostics["n_train"] == 2400 and r.diagnostics["refit"]
        vals.append(r.mi)
        if seed == 0:
            plain = infolens.estimate_mi(x.reshape(3000, -1), y, method="probe", refit=False, random_state=seed)
            assert plain.diagnostics["n_train"] == 1800 and plain.mi < r.mi
    assert (1 - 0.12) * s.mi <= np.mean(vals) <= s.mi


def test_probe_reads_zero_for_independent_labels_and_takes_string_labels():
    """Labels drawn apart from x: the bound is 0 up to its noise (a calibrated classifier
    cannot beat the prior on held-out rows by more than chance: |bound| < 4 standard errors,
    a floor of 0.02 nats for the prior's smoothing); string labels give the estimate of
    their integer codes."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 40))
    y = rng.integers(0, 4, size=2000)
    r = infolens.estimate_mi(x, y, method="probe", random_state=0)
    assert abs(r.mi) < max(4 * r.stderr, 0.02)
    names = np.array(["a", "b", "c", "d"])[y]
    assert infolens.estimate_mi(x, names, method="probe", random_state=0).mi == r.mi


def test_probe_chooses_on_validation_rows_only():
    """The kept classifier is the one with the highest calibrated bound on the validation
    rows (its test value is never compared): a rule that picked by test rows would break the
    bound's validity."""
    s = LabelImages(sigma=1.0, size=8)
    x, y = s.sample(1500, random_state=1)
    r = infolens.estimate_mi(x, y, method="probe", random_state=1)
    rows = r.diagnostics["validation"]
    assert {row["model"] for row in rows} == {"lda", "logistic"}
    best = max(rows, key=lambda row: row["validation"])
    assert r.diagnostics["chosen"] == best and validation_bound(r) == best["validation"]
    # shrinkage LDA alone (closed forms) when no logistic strength is given
    lda = infolens.estimate_mi(x, y, method="probe", C=(), random_state=1)
    assert {row["model"] for row in lda.diagnostics["validation"]} == {"lda"}


def test_temperature_scaling_finds_the_scale_of_overconfident_logits():
    """Logits 3x too large (true class probabilities softmax(l)): the fitted factor is
    close to 1/3 (20,000 rows: its error is a few percent)."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(20000, 5)) * 2.0
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    y = (p.cumsum(1) > rng.random((20000, 1))).argmax(1)
    assert fit_temperature(3.0 * logits, y) == pytest.approx(1 / 3, rel=0.05)


def test_probe_refuses_bad_parameters():
    x = np.random.default_rng(0).normal(size=(200, 5))
    y = np.arange(200) % 2
    with pytest.raises(InputError, match="C"):
        infolens.estimate_mi(x, y, method="probe", C=(-1.0,))
    with pytest.raises(InputError, match="ranks"):
        infolens.estimate_mi(x, y, method="probe", ranks=5)
    with pytest.raises(InputError, match="each of ranks"):
        infolens.estimate_mi(x, y, method="probe", ranks=(0, 8))
    with pytest.raises(InputError, match="C must be"):
        infolens.estimate_mi(x, y, method="probe", C=("strong",))
    with pytest.raises(InputError, match="at least 30"):
        infolens.estimate_mi(x[:20], y[:20], method="probe")


def test_auto_grades_a_bound_ok_only_when_it_reaches_near_h_label():
    """64 pixels, 10 classes, n = 3000, budget fast (the probe's shrinkage LDA, no neural
    classifier). Sigma 0.25 (truth 2.27, H(label) = log 10 = 2.30): the bound's interval
    starts within 10% of H(label), so the truth, between the bound and H(label), is within
    10% of it: "ok", and the explanation says it is a lower bound. The class-conditional
    copula reads far above H(label) there (an impossible value: above a lower bound it
    contradicts nothing, so no "disagreement").
    Sigma 1 (truth 0.83): the bound reads ~20% low, far from H(label): "caution" with code
    lower-bound and the range [bound's interval, H(label)], which contains the truth."""
    s = LabelImages(sigma=0.25, size=8)
    x, y = s.sample(3000, random_state=0)
    r = infolens.estimate_mi(x, y, budget="fast", random_state=0, warn=False)
    d = r.diagnostics
    assert d["choice"]["method"] == "probe" and d["trust"] == "ok" and not r.codes()
    assert abs(r.mi - s.mi) <= 0.10 * s.mi and r.mi <= s.mi + 3 * r.stderr
    assert "lower bound" in d["choice"]["why"] and "H(label)" in d["choice"]["why"]
    assert d["candidates"]["gaussian-copula"]["mi"] > math.log(10)

    s = LabelImages(sigma=1.0, size=8)
    x, y = s.sample(3000, random_state=0)
    r = infolens.estimate_mi(x, y, budget="fast", random_state=0, warn=False)
    d = r.diagnostics
    assert d["choice"]["method"] == "probe" and d["trust"] == "caution" and r.has_warning("lower-bound")
    lo, hi = d["range"]
    assert hi == pytest.approx(math.log(10), rel=0.01) and lo <= s.mi <= hi
    assert r.mi < 0.9 * s.mi  # the case a grade "ok" would misreport


def test_auto_keeps_the_bound_higher_on_validation_rows():
    """Budget default, 64 pixels, n = 1500: the probe and the neural classifier both run on
    the same seeded split; the value is the one whose bound on the validation rows is higher
    (rerun here with the seed auto gave them), never chosen by its test value, and it is a
    lower bound: at most the truth (1.13 nats) plus 3 standard errors."""
    s = LabelImages(sigma=1.0, size=10)
    x, y = s.sample(1500, random_state=2)
    r = infolens.estimate_mi(x, y, random_state=0, warn=False)
    d = r.diagnostics
    assert set(d["candidates"]) >= {"probe", "classifier"}
    seed = d["chosen_diagnostics"]["seed"]
    flat = x.reshape(1500, -1)
    vals = {m: validation_bound(infolens.estimate_mi(flat, y, method=m, random_state=seed, warn=False))
            for m in ("probe", "classifier")}
    assert d["choice"]["method"] == max(vals, key=vals.get)
    assert r.mi <= s.mi + 3 * r.stderr and r.has_warning("lower-bound")


def test_probe_on_more_columns_than_full_rank_max_uses_the_leading_axes(monkeypatch):
    """Above FULL_RANK_MAX columns only the leading max(ranks) principal axes are computed
    (randomised SVD) and all columns are never fitted: the kept rank is one of ``ranks``, and
    the value is still a lower bound (81 pixels, sigma 0.6, truth 1.73 nats: at most the
    truth plus 3 standard errors). It stays close: the 10 class means span 9 dimensions,
    which 32 leading axes hold at this noise; measured 1.54 (11% low, standard error 0.044),
    and the floor, 80% of the truth, lies 3.5 standard errors below that."""
    import infolens.estimators.probe as probe

    monkeypatch.setattr(probe, "FULL_RANK_MAX", 64)
    s = LabelImages(sigma=0.6, size=9)
    x, y = s.sample(2000, random_state=0)
    r = infolens.estimate_mi(x, y, method="probe", ranks=(8, 16, 32), random_state=0)
    assert {row["rank"] for row in r.diagnostics["validation"]} <= {8, 16, 32}
    assert 0.8 * s.mi <= r.mi <= s.mi + 3 * r.stderr


def test_a_label_is_split_class_by_class():
    """The held-out bounds split a label class by class: every part holds each class in the
    sample's proportion (within one row), with the part sizes of a plain split. A rare class's
    rows carry the bound's large terms, and their count in the test part moved the bound: a 2%
    class (52 of 2,000 rows) in 5 dims read 0.100 by the probe for a truth of 0.036, its
    interval above the truth, and auto took it; over 40 such samples the probe's spread fell
    from 0.021 to 0.010 nats and its interval's coverage rose from 85% to 97.5%."""
    from scipy import integrate, stats

    from infolens.estimators.neural.data import split_indices

    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.03).astype(int)
    parts = split_indices(2000, (0.6, 0.2, 0.2), np.random.default_rng(1), strata=y)
    plain = split_indices(2000, (0.6, 0.2, 0.2), np.random.default_rng(1))
    assert [len(p) for p in parts] == [len(p) for p in plain]
    assert sorted(np.concatenate(parts).tolist()) == list(range(2000))
    for p, share in zip(parts, (0.6, 0.2, 0.2)):
        assert abs(int(y[p].sum()) - share * y.sum()) <= 1
    # the case that found it: auto no longer answers with the probe's inflated bound
    p1, m = 0.02, 2.0

    def mix(t: float) -> float:
        return (1 - p1) * stats.norm.pdf(t) + p1 * stats.norm.pdf(t, m)

    truth = integrate.quad(lambda t: -mix(t) * np.log(mix(t)), -12, 14, limit=200)[0] - 0.5 * np.log(2 * np.pi * np.e)
    r0 = np.random.default_rng(0)
    lab = (r0.random(2000) < p1).astype(int)
    x = r0.normal(size=(2000, 5))
    x[:, 0] += m * lab
    r = infolens.estimate_mi(x, lab, random_state=0, warn=False)
    assert r.ci[0] <= truth <= r.ci[1] and abs(r.mi - truth) < 0.02
