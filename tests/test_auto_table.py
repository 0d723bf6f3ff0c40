"""auto's candidate table (estimators/_auto_candidates.py): a new candidate is its estimator
class, registered with its ``bias`` tag, plus one row; auto runs it in its role and takes it
where the role says, with no other edit. The table's own rows agree with their classes' tags."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest

import infolens
from infolens import registry
from infolens.distributions.tasks import get_task
from infolens.estimators import _auto_candidates as table
from infolens.estimators._auto_candidates import LOW_BIASES, LOW_READER, ROLES, UNBIASED, Row
from infolens.estimators._auto_rules import bias_of
from infolens.result import Estimator
from infolens.validation import check_xy

#: y = x + noise, 1+1: no copula model explains it, so auto keeps the highest low reader
#: (KSG on normal scores, 0.31-0.32 nats at n = 2000-3000, below the truth 1/3 nats)
ADDITIVE = "1v1-additive-0.75"


class _Fixed(Estimator):
    """A test double: reads ``value`` nats with a standard error of 0.01 whatever the data."""

    def __init__(self, value: float = 0.0, random_state: Any = None) -> None:
        self.value = value
        self.random_state = random_state

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        return check_xy(x, y, min_samples=self.min_samples())

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        return self.value, 0.01, {}


class ToyLowReader(_Fixed):
    name: ClassVar[str] = "toy-low-reader"
    bias: ClassVar[str] = "low"


class ToyUnbiased(_Fixed):
    name: ClassVar[str] = "toy-unbiased"
    bias: ClassVar[str] = "none"


@pytest.fixture
def toys(monkeypatch):
    """Registers the toy classes (the ordinary ``register`` decorator) in a copy of the
    registry that the test's end restores; returns a function that adds one row to auto's table."""
    registry.list_estimators()  # every real estimator loaded into the copy
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry.register()(ToyLowReader)
    registry.register()(ToyUnbiased)

    def add(row: Row) -> None:
        monkeypatch.setattr(table, "CANDIDATES", table.CANDIDATES + (row,))

    return add


def _additive(n=2000, seed=0):
    task = get_task(ADDITIVE)
    x, y = task.sample(n, random_state=seed)
    return x, y, task.mi


def test_without_a_row_ksg_is_the_highest_low_reader():
    """The reference for the toy below: y = x + noise at n = 2000 with no toy row; KSG (biased
    down) is kept, below truth + 0.05, the toy's reading."""
    x, y, truth = _additive()
    before = infolens.estimate_mi(x, y, budget="fast", random_state=0, warn=False)
    assert before.diagnostics["choice"]["method"] == "ksg"
    assert before.mi < truth + 0.05
    assert "toy-low-reader" not in before.diagnostics["candidates"]


def test_a_new_low_reader_is_one_row_and_is_kept_as_the_highest(toys):
    """The same data with the toy's one row: it runs and is kept, with its own value."""
    x, y, truth = _additive()
    ref = infolens.estimate_mi(x, y, budget="fast", random_state=0, warn=False).diagnostics["candidates"]
    toys(Row("toy-low-reader", LOW_READER, params=lambda a, s: {"value": truth + 0.05, "random_state": s}))
    r = infolens.estimate_mi(x, y, budget="fast", random_state=0, warn=False)
    d = r.diagnostics
    assert d["choice"]["method"] == "toy-low-reader"
    assert r.mi == pytest.approx(truth + 0.05, abs=1e-12)
    assert d["candidates"]["toy-low-reader"]["bias"] == "low"
    assert d["rows_used"]["toy-low-reader"] == len(x)
    assert "every candidate left reads low" in d["choice"]["why"] and "toy-low-reader" in d["choice"]["why"]
    # the other candidates ran as before, with the same values
    assert list(d["candidates"]) == [*ref, "toy-low-reader"]
    assert all(d["candidates"][k]["mi"] == ref[k]["mi"] for k in ref)


def test_a_low_reader_row_does_not_run_where_a_copula_model_is_the_answer(toys):
    """Gaussian 2+2 data: the Gaussian copula is the answer, the low-reader stage never runs."""
    task = get_task("multinormal-dense-2-2-0.5")
    x, y = task.sample(2000, random_state=0)
    toys(Row("toy-low-reader", LOW_READER, params=lambda a, s: {"value": 5.0}))
    r = infolens.estimate_mi(x, y, budget="fast", random_state=0, warn=False)
    assert r.diagnostics["choice"]["method"] == "gaussian-copula"
    assert "toy-low-reader" not in r.diagnostics["candidates"]


def test_a_new_unbiased_challenger_above_the_low_readers_is_kept(toys):
    """An UNBIASED row (bias "none") reading above every low reader is kept, explained by its
    row's sentence; below them it is not (the highest low reader stays)."""
    x, y, truth = _additive()
    toys(Row("toy-unbiased", UNBIASED, params=lambda a, s: {"value": truth + 0.1},
             says="in {d} joint dimensions the toy ({method})"))
    r = infolens.estimate_mi(x, y, budget="fast", random_state=0, warn=False)
    assert r.diagnostics["choice"]["method"] == "toy-unbiased"
    assert r.mi == pytest.approx(truth + 0.1, abs=1e-12)
    assert "in 2 joint dimensions the toy (toy-unbiased) lies above them" in r.diagnostics["choice"]["why"]


def test_an_unbiased_challenger_below_the_low_readers_is_not_kept(toys):
    x, y, _truth = _additive()
    toys(Row("toy-unbiased", UNBIASED, params=lambda a, s: {"value": 0.01}))
    r = infolens.estimate_mi(x, y, budget="fast", random_state=0, warn=False)
    assert r.diagnostics["choice"]["method"] == "ksg"
    assert r.diagnostics["candidates"]["toy-unbiased"]["mi"] == pytest.approx(0.01)


def test_a_row_runs_only_within_its_dimensions_n_and_budget(toys, monkeypatch):
    """The row's range: a low reader above 4 joint dims does not run in 1+1; one needing
    n >= 5000 does not run at n = 2000; one for trained budgets does not run at "fast"."""
    x, y, _truth = _additive()
    base = table.CANDIDATES
    for row in (Row("toy-low-reader", LOW_READER, min_dim=4, params=lambda a, s: {"value": 5.0}),
                Row("toy-low-reader", LOW_READER, min_n=5000, params=lambda a, s: {"value": 5.0}),
                Row("toy-low-reader", LOW_READER, budgets=table.TRAINED, params=lambda a, s: {"value": 5.0})):
        toys(row)
        r = infolens.estimate_mi(x, y, budget="fast", random_state=0, warn=False)
        assert "toy-low-reader" not in r.diagnostics["candidates"]
        assert r.diagnostics["choice"]["method"] == "ksg"
        monkeypatch.setattr(table, "CANDIDATES", base)


def test_the_table_agrees_with_the_classes_tags():
    """Every row names a registered estimator and a known role; the roles auto reads as one
    estimator have one row; every low reader is tagged to read low, every unbiased challenger
    is not, so the highest-low-reader rule and the table cannot drift apart."""
    from infolens.estimators.auto import AutoMI

    auto = AutoMI()
    for r in table.CANDIDATES:
        assert r.role in ROLES, r
        tag = r.bias or bias_of(r.name(auto))
        if r.role == LOW_READER:
            assert tag in LOW_BIASES, r
        if r.role == UNBIASED:
            assert tag not in LOW_BIASES, r
    for role in (table.LABEL_MODEL, table.COPULA, table.HEAVY_COPULA, table.KNN):
        assert len(table.rows(role)) == 1
    assert [r.name(AutoMI(neural="mine", diffusion="minde")) for r in table.rows(LOW_READER, UNBIASED)] == \
        ["projection", "mine", "wkl", "minde"]


def test_rows_state_the_ranges_auto_ran_before_the_table():
    """The ranges the branches used to write out: wkl in 5-10 joint dims from n = 1000 at every
    budget; the diffusion estimator above 10 dims from n = 2000 when networks train; the
    neural bound from n = 500 when networks train; ross up to 10 dims; the projection bound
    (added with the table) beyond 10 dims from n = 1000."""
    wkl, diff = table.rows(UNBIASED)
    assert [wkl.applies(d, 1000, "fast") for d in (4, 5, 10, 11)] == [False, True, True, False]
    assert not wkl.applies(6, 999, "default")
    assert [diff.applies(d, 2000, "default") for d in (10, 11, 100)] == [False, True, True]
    assert not diff.applies(20, 2000, "fast") and not diff.applies(20, 1999, "thorough")
    projection, neural = table.rows(LOW_READER)
    assert neural.checks_model and neural.applies(2, 500, "thorough") and not neural.applies(2, 499, "default")
    # the projection bound: beyond 10 joint dims from n = 1000 at every budget, before the neural one
    assert projection.checks_model and [projection.applies(d, 1000, "fast") for d in (10, 11)] == [False, True]
    assert not projection.applies(20, 999, "default")
    (ross,) = table.rows(table.LABEL_KNN)
    assert ross.applies(10, 10, "fast") and not ross.applies(11, 10, "fast")
