"""Estimator conformance: every registered estimator passes every check of
``infolens.testing`` (result type, seeds, input errors, units, dependence ordering)."""

import pytest

import infolens
from infolens.registry import estimator_class
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


def test_capability_tags_are_declared_once_and_consistent():
    """The three capability tags are class attributes of every estimator (one definition each,
    read by estimate_mi, the CLI, the benchmarks and the studies): a critic estimator trains in
    minibatches and runs small torch models; a minibatch trainer runs torch models."""
    from infolens.registry import _REGISTRY, _load_all

    _load_all()
    for cls in set(_REGISTRY.values()):
        assert not cls.trains_critic or cls.trains_in_minibatches, cls.name
        assert not cls.trains_in_minibatches or cls.small_torch_model, cls.name
    assert estimator_class("infonce").trains_critic and estimator_class("mmg").trains_in_minibatches
    assert estimator_class("auto").small_torch_model and not estimator_class("auto").trains_in_minibatches
    assert not estimator_class("ksg").small_torch_model
