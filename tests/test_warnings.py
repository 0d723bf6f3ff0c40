"""The warning family: stable codes, Flags that survive pickling and unit conversion, and
``estimate_mi`` issuing an estimate's doubts through Python's ``warnings``."""

import pickle
import warnings

import numpy as np
import pytest

from infolens import estimate_mi
from infolens.errors import (
    WARNING_CODES,
    DataWarning,
    Flag,
    InfolensWarning,
    ReliabilityWarning,
    code_of,
    emit,
    flag,
    has_code,
)
from infolens.result import MIResult, generic_warnings
from infolens.stats import Z95, compare


def test_every_code_has_a_category_and_a_meaning():
    for code, (cat, meaning) in WARNING_CODES.items():
        assert issubclass(cat, InfolensWarning) and issubclass(cat, UserWarning), code
        assert isinstance(meaning, str) and len(meaning) > 10, code


def test_flag_is_a_string_with_a_code_that_survives_pickling():
    f = flag("high-dimension", "KSG in 20 dims", dims=20)
    assert f == "KSG in 20 dims" and f.code == "high-dimension" and f.data == {"dims": 20}
    g = pickle.loads(pickle.dumps(f))
    assert isinstance(g, Flag) and g.code == "high-dimension" and g.data == {"dims": 20} and g == f
    assert code_of("a plain sentence") == "other"
    assert has_code([f, "x"], "high-dimension") and not has_code([f], "ceiling")
    with pytest.raises(KeyError, match="unknown warning code"):
        flag("no-such-code", "text")


def test_generic_warnings_carry_codes_and_survive_to_unit():
    ws = generic_warnings(-0.05, 0.01, (-0.07, -0.03))
    assert [code_of(w) for w in ws] == ["interval-below-zero"]
    r = MIResult(mi=-0.05, stderr=0.01, warnings=ws)
    b = r.to_unit("bits")
    assert b.codes() == ["interval-below-zero"] and b.has_warning("interval-below-zero")
    assert b.to_dict()["flags"][0]["code"] == "interval-below-zero"


def test_emit_issues_the_codes_category_once_per_text():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        emit([flag("identifier", "unique per row"), flag("identifier", "unique per row"), "plain"], where="column 'id'")
    assert len(rec) == 2
    assert issubclass(rec[0].category, DataWarning) and rec[0].message.code == "identifier"
    assert str(rec[0].message) == "column 'id': unique per row"
    assert issubclass(rec[1].category, ReliabilityWarning) and rec[1].message.code == "other"


def test_estimate_mi_issues_its_warnings_and_keeps_them():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(size=300), np.ones(300)])  # a constant column is dropped, with a note
    y = x[:, 0] + rng.normal(size=300)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        r = estimate_mi(x, y, method="ksg", random_state=0)
    assert "constant-dropped" in r.codes()
    issued = [w for w in rec if issubclass(w.category, InfolensWarning)]
    assert any(w.message.code == "constant-dropped" for w in issued)
    assert issued[0].filename == __file__  # points at the caller's line, not at infolens
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        estimate_mi(x, y, method="ksg", random_state=0, warn=False)
    assert not [w for w in rec if issubclass(w.category, InfolensWarning)]


def test_compare_is_the_one_rule_for_differ_beyond_errors():
    assert abs(Z95 - 1.959963984540054) < 1e-15
    c = compare(0.64, 0.56, 0.009, 0.009)  # the gap of 0.08 is 6 combined standard errors
    assert c.differ and abs(c.se - 0.009 * 2 ** 0.5) < 1e-12
    assert not compare(0.64, 0.62, 0.009, 0.009).differ
    assert not compare(0.64, 0.56, 0.009, 0.009, rel=0.2).differ  # a shared relative bias allowed
    assert compare(float("nan"), 0.5).differ


def test_serially_correlated_rows_are_flagged_and_independent_or_sorted_rows_are_not():
    """An AR(1) series at 0.98 (a time series given in time order): estimate_mi's interval,
    which assumes independent rows, covered the truth in 8 of 20 runs; the result now says
    the rows are serially correlated, with the effective rows n (1 - r) / (1 + r). Independent
    rows, and independent rows sorted by y (the order is a key), are not flagged; auto grades
    the series below "ok"."""
    from scipy.signal import lfilter

    import infolens

    rng = np.random.default_rng(0)
    n, phi = 3000, 0.98

    def ar() -> np.ndarray:
        return lfilter([1.0], [1.0, -phi], rng.normal(size=n)) * np.sqrt(1 - phi ** 2)

    x = ar()
    y = x + 0.5 * ar()
    r = infolens.estimate_mi(x, y, method="gaussian-copula", warn=False)
    f = [w for w in r.flags if w.code == "serial-dependence"]
    assert len(f) == 1 and f[0].data["autocorrelation"] > 0.9
    assert f[0].data["effective_rows"] < 0.05 * n
    # ... and the interval counts the rows they are worth: widened sqrt((1 + r) / (1 - r)) times
    plain = infolens.get_estimator("gaussian-copula").estimate(x, y)
    ratio = (r.ci[1] - r.ci[0]) / (plain.ci[1] - plain.ci[0])
    r1 = f[0].data["autocorrelation"]
    assert ratio == pytest.approx(np.sqrt((1 + r1) / (1 - r1)), rel=1e-9) and r.stderr > 5 * plain.stderr
    # auto grades on it: "caution" (its precision assumes independent rows), said once
    r = infolens.estimate_mi(x, y, random_state=0, warn=False)
    assert r.diagnostics["trust"] != "ok" and r.codes().count("serial-dependence") == 1
    x = rng.normal(size=n)
    y = x + rng.normal(size=n)
    assert not infolens.estimate_mi(x, y, method="gaussian-copula", warn=False).has_warning("serial-dependence")
    o = np.argsort(y)
    assert not infolens.estimate_mi(x[o], y[o], method="gaussian-copula", warn=False).has_warning("serial-dependence")


def test_copied_records_are_flagged_and_auto_reads_the_distinct_rows():
    """A 2+2 Gaussian (MI 1.022) with half its rows copied once more (a bootstrap-like fan-out)
    : KSG reads them as dependence at distance zero (1.26 measured; > 1.15 asserted, 3 of its
    standard errors above the truth) and says so with ``repeated-rows``; auto keeps the distinct
    rows, reads within 10% and grades "caution". Repeats that are not copies stay silent:
    rounded values, a label against one measured column, an atom both sides share, integer
    codes, and the real breast-cancer table (its columns against the label)."""
    from sklearn.datasets import load_breast_cancer

    from infolens.estimators._trust import repeated_rows

    rng = np.random.default_rng(0)
    n, rho = 3000, 0.8
    x = rng.normal(size=(n, 2))
    y = rho * x + np.sqrt(1 - rho ** 2) * rng.normal(size=(n, 2))
    truth = -np.log(1 - rho ** 2)
    idx = np.r_[np.arange(n), rng.integers(0, n, n // 2)]
    rng.shuffle(idx)
    xc, yc = x[idx], y[idx]
    r = estimate_mi(xc, yc, method="ksg", random_state=0, warn=False)
    f = [w for w in r.flags if w.code == "repeated-rows"]
    assert len(f) == 1 and f[0].data["repeats"] == len(idx) - len(np.unique(idx))
    assert r.mi > truth + 0.13  # the trap is real
    a = estimate_mi(xc, yc, random_state=0, warn=False)
    assert abs(a.mi - truth) < 0.1 * truth
    assert a.diagnostics["trust"] == "caution" and a.diagnostics["distinct_rows"] == len(np.unique(idx))
    assert a.codes().count("repeated-rows") == 1 and a.diagnostics["n"] == len(idx)
    # no copies, no flag
    assert not estimate_mi(x, y, method="ksg", random_state=0, warn=False).has_warning("repeated-rows")
    # repeats that are not copies
    assert not repeated_rows(np.round(x * 2) / 2, np.round(y * 2) / 2)  # rounded: coarse values coincide
    lab = (x[:, 0] > 0).astype(int)
    assert not repeated_rows(np.round(x[:, :1], 2), lab)  # one measured column and a label
    z = np.where(rng.random(n) < 0.3, 0.0, 1.0)[:, None] * x  # an atom at (0, 0) shared by both sides
    assert not repeated_rows(z, z[:, ::-1] * 0.5 + 0.1 * (z != 0) * rng.normal(size=(n, 2)))
    codes = rng.integers(0, 20, size=(n, 2))
    assert not repeated_rows(codes, codes[:, :1] + rng.integers(0, 2, size=(n, 1)))  # integer codes
    X, t = load_breast_cancer(return_X_y=True)
    assert not repeated_rows(X, t)
    assert not any(repeated_rows(X[:, j], t) for j in range(X.shape[1]))


def test_copies_up_to_their_last_digits_are_flagged_and_auto_reads_the_records():
    """A 1+1 Gaussian (rho 0.6, MI 0.223) stored twice, once through float32 (a merged export):
    no row repeats exactly, and each copy is the nearest row on both sides. auto read it as
    a deterministic map (8.5 nats, "not finite"); KSG reads far above the truth. Now
    ``near-copies`` says it (with the number of copies), auto keeps one row of each group and
    reads within 10%, graded below "ok"; KSG says it in a warning. Triples jittered by 1e-5
    (3+3, MI 0.669) likewise. Real draws stay silent: the clean rows, a smooth curve (intrinsic
    dimension 1, where chance ratios are likeliest: 0.1% of rows against the 0.5% asked),
    rounded values, and the real breast-cancer table."""
    from sklearn.datasets import load_breast_cancer

    from infolens.estimators._trust import NEAR_RATIO, REPEAT_MIN_SHARE, near_copies

    rng = np.random.default_rng(1)
    n, rho = 2500, 0.6
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n)
    truth = -0.5 * np.log(1 - rho ** 2)
    zz = np.vstack([z, z.astype(np.float32).astype(np.float64)])
    rng.shuffle(zz)
    x, y = zz[:, :1], zz[:, 1:]
    keep, f = near_copies(x, y)
    assert f is not None and f.code == "near-copies" and keep is not None
    assert f.data["copies"] == n and keep.sum() == n  # every float32 copy, and only those
    k = estimate_mi(x, y, method="ksg", random_state=0, warn=False)
    assert k.has_warning("near-copies") and k.mi > 2 * truth  # the trap is real
    a = estimate_mi(x, y, random_state=0, warn=False)
    assert abs(a.mi - truth) < 0.1 * truth and a.ci[0] <= truth <= a.ci[1]
    assert a.diagnostics["trust"] != "ok" and a.codes().count("near-copies") == 1
    assert a.diagnostics["distinct_rows"] == n and a.diagnostics["n"] == 2 * n
    # triples jittered in the fifth decimal, 3+3
    d, m = 3, 1700
    c = np.eye(2 * d)
    c[np.arange(d), d + np.arange(d)] = c[d + np.arange(d), np.arange(d)] = rho
    w = rng.multivariate_normal(np.zeros(2 * d), c, size=m)
    ww = np.vstack([w + 1e-5 * rng.normal(size=w.shape) for _ in range(3)])
    a3 = estimate_mi(ww[:, :d], ww[:, d:], random_state=0, warn=False)
    assert a3.has_warning("near-copies") and a3.diagnostics["distinct_rows"] == m
    assert abs(a3.mi - 3 * truth) < 0.1 * 3 * truth
    # real draws: silent
    assert not estimate_mi(z[:, :1], z[:, 1:], random_state=0, warn=False).has_warning("near-copies")
    u = rng.random(20000)
    assert near_copies(u, np.sin(9 * u)) == (None, None)
    assert near_copies(np.round(rng.normal(size=20000), 2), rng.normal(size=20000)) == (None, None)
    X, t = load_breast_cancer(return_X_y=True)
    assert near_copies(X, t.astype(float)) == (None, None)
    assert REPEAT_MIN_SHARE >= 5 * NEAR_RATIO  # (the chance share on a curve, with room)


def test_near_copies_beyond_the_searched_sample_are_all_found(monkeypatch):
    """Above ``NEAR_TREE_ROWS`` rows the search runs on a sample (a copy's twin is in it with
    probability m / n, which the share found is scaled by), and on every row once copies are
    found: 30% of 6000 rows copied with jitter 1e-9 and a search sample of 2000 rows - every
    copy found and dropped, one row of each pair kept. Without copies the sample answers."""
    from infolens.estimators import _trust

    monkeypatch.setattr(_trust, "NEAR_TREE_ROWS", 2000)
    monkeypatch.setattr(_trust, "NEAR_QUERY_ROWS", 1000)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6000, 2))
    y = x[:, :1] + rng.normal(size=(6000, 1))
    idx = rng.choice(6000, 1800, replace=False)
    xc, yc = np.vstack([x, x[idx] + 1e-9]), np.vstack([y, y[idx]])
    keep, f = _trust.near_copies(xc, yc)
    assert f is not None and f.data["copies"] == 1800 and keep.sum() == 6000
    assert (keep[idx] ^ keep[6000:]).all()  # exactly one row of each pair
    assert _trust.near_copies(x, y) == (None, None)
