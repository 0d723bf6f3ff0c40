"""The self-consistency battery (benchmarks/bench_selfconsistency.py): its rule for "within
the stated errors", and the identities on a Gaussian table where every one of them is true.

Tolerance: the battery's own rule (sides within Z95 combined stated errors); with 2 blocks of
6 checks on a table whose identities hold exactly, a 95% rule misses a given check with
probability <= 5%, and the seeds are fixed, so the test is deterministic; a broken identity
(a CMI that ignores its conditioning, a one-sided check read two-sided) fails it by several
errors (asserted below on purpose-made inconsistent sides).
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from infolens.stats import Z95

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_selfconsistency.py"


@pytest.fixture(scope="module")
def sc():
    spec = importlib.util.spec_from_file_location("bench_selfconsistency", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # a dataclass resolves its annotations through its module
    try:
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.modules.pop(spec.name, None)


class FakeResult:
    def __init__(self, mi, ci=None, stderr=None, codes=()):
        self.mi, self.ci, self.stderr, self._codes = mi, ci, stderr, list(codes)

    def codes(self):
        return self._codes


def test_sides_read_the_interval_facing_the_other_value(sc):
    """An asymmetric interval (0.1 below, 0.3 above) gives 0.3/Z95 toward a larger value and
    0.1/Z95 toward a smaller one; sums add errors in quadrature and pool codes."""
    s = sc.Side.of(FakeResult(1.0, ci=(0.9, 1.3), codes=["rising-with-n"]))
    assert s.toward(2.0) == pytest.approx(0.3 / Z95) and s.toward(0.0) == pytest.approx(0.1 / Z95)
    t = s + sc.Side.of(FakeResult(0.5, stderr=0.04))
    assert t.value == pytest.approx(1.5) and t.up == pytest.approx(np.hypot(0.3 / Z95, 0.04))
    assert t.codes == {"rising-with-n"}


def test_record_one_sided_and_silent_misses(sc):
    bat = sc.Battery("ksg", "fast")
    near, far = sc.Side(1.0, 0.05, 0.05), sc.Side(1.5, 0.05, 0.05, {"rising-with-n"})
    bat.record("equal", "a", near, sc.Side(1.05, 0.05, 0.05))           # 0.05 < 1.96 * 0.07: holds
    bat.record("equal", "b", near, far)                                   # 0.5 apart: fails, warned
    bat.record("at least", "c", far, near, one_sided=True)                # left larger: holds
    bat.record("at least", "d", near, sc.Side(1.5, 0.05, 0.05), one_sided=True)  # fails silently
    assert [c[2] for c in bat.checks] == [True, False, True, False]
    assert bat.checks[1][6] == "rising-with-n" and bat.checks[3][6] == ""
    lines = sc.summary(bat.checks)
    assert lines[-1].split()[1] == "2/4" and lines[-1].split()[2] == "1"


def test_identities_hold_on_a_gaussian_table(sc):
    """Eight jointly Gaussian columns (a random correlation of moderate strength): every
    identity of the battery is true; KSG for the MI terms (fast, no model choice)."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(8, 8)) * 0.5 + np.eye(8)
    d = rng.normal(size=(800, 8)) @ a
    bat = sc.Battery("ksg", "fast")
    sc.table_checks(bat, "gauss", d, 2, np.random.default_rng(1))
    names = {c[0] for c in bat.checks}
    assert names == {"monotone maps", "symmetry", "additivity", "data processing", "chain rule", "chain vs joint"}
    failed = [c for c in bat.checks if not c[2]]
    assert not failed, failed


@pytest.mark.parametrize("broken", ["zero", "unconditioned"])
def test_broken_cmis_fail_the_chain_rule_checks(sc, monkeypatch, broken):
    """The chain-rule checks are not vacuous. Z -> X and Z -> Y (2 dims each, noise sd 0.5):
    I(X;Z) = 1.61, I(X;Y) = 1.02, I(X;Y|Z) = 0. A CMI that returns 0 breaks the two-order
    form (1.61 vs 1.02 plus I(X;Z|Y)); a CMI that drops its conditioning (returns I(X;Y))
    cancels in the two-order form, which is why the joint form is checked too: it is off by
    I(X;Y) = 1.02 there. The real estimate_cmi passes both on the same data."""
    rng = np.random.default_rng(2)
    z = rng.normal(size=(800, 2))
    x = z + 0.5 * rng.normal(size=(800, 2))
    y = z + 0.5 * rng.normal(size=(800, 2))
    bat = sc.Battery("ksg", "fast")

    def run():
        bat.checks.clear()
        xy, xz = bat.mi(x, y, "ksg"), bat.mi(x, z, "ksg")
        bat.record("chain rule", "", xz + bat.cmi(x, y, z), xy + bat.cmi(x, z, y))
        bat.record("chain vs joint", "", bat.mi(x, np.hstack([y, z]), "ksg"), xz + bat.cmi(x, y, z))
        return {c[0]: c[2] for c in bat.checks}

    assert run() == {"chain rule": True, "chain vs joint": True}
    if broken == "zero":
        monkeypatch.setattr(sc.Battery, "cmi", staticmethod(lambda a, b, c: sc.Side(0.0, 0.01, 0.01)))
        assert run()["chain rule"] is False
    else:
        monkeypatch.setattr(sc.Battery, "cmi", staticmethod(lambda a, b, c: bat.mi(a, b, "ksg")))
        assert run() == {"chain rule": True, "chain vs joint": False}


def test_a_label_side_goes_to_ross_when_the_method_is_not_auto(sc):
    """Outside auto a class label is read by ross (on either side; ross takes it as y), so
    I(T;Y) and I(Y;T) are the same estimate; the truth here is I = H(Y) - H(Y|T) > 0.3."""
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 600)
    t = y[:, None] + 0.7 * rng.normal(size=(600, 2))
    bat = sc.Battery("ksg", "fast")
    a, b = bat.mi(t, y, label="b"), bat.mi(y, t, label="a")
    assert a.value == pytest.approx(b.value, abs=1e-12) and a.value > 0.3
