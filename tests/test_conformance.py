"""Estimator conformance: every registered estimator passes every check of
``infolens.testing`` (result type, seeds, input errors, units, dependence ordering)."""

import pytest

import infolens
from infolens.testing import CHECKS, check_estimator

NAMES = infolens.list_estimators()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", NAMES)
def test_conformance(name, check):
    check(name)


def test_registry_holds_the_classical_estimators():
    for name in ["ksg", "ksg2", "kl", "wkl", "mixed", "ross", "gaussian", "binning"]:
        assert name in NAMES


def test_check_estimator_catches_a_broken_estimator():
    """A registered estimator that ignores its input must fail the dependence check."""
    from infolens.registry import _REGISTRY, register
    from infolens.result import Estimator
    from infolens.validation import check_xy

    class Broken(Estimator):
        name = "broken-for-test"
        _min_samples = 3

        def _validate(self, x, y):
            return check_xy(x, y, min_samples=3)

        def _estimate(self, x, y):
            return 0.0, None, {}

    register()(Broken)
    try:
        with pytest.raises(AssertionError, match="does not exceed"):
            check_estimator("broken-for-test")
    finally:
        _REGISTRY.pop("broken-for-test", None)
