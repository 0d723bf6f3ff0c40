"""The estimator-conformance checks: every registered estimator must pass them.

``check_estimator(name)`` runs all checks of :data:`CHECKS` on the estimator registered
as ``name`` (scikit-learn's ``check_estimator`` idea). Estimator classes steer the
checks with class attributes:

* ``_test_params`` (dict, default ``{}``): small, fast constructor parameters;
* ``_test_y`` (``"continuous"`` or ``"discrete"``, default continuous): the kind of ``y``
  the estimator needs (class labels for ``"discrete"``);
* ``_test_n`` (int, default 400): the number of samples in the check data.

The data: ``x`` two standard normal columns; dependent ``y`` is ``x + 0.3 * noise``
(I = 2 * 1/2 log(1 + 1/0.09) = 2.49 nats) or, for discrete ``y``, the quadrant label of
``x`` (I = log 4 = 1.39 nats); independent ``y`` is drawn apart from ``x``.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import re
from typing import Any, Callable

import numpy as np

from .registry import estimator_class
from .result import Estimator, MIResult


def _data(cls: type[Estimator], seed: int = 0, dependent: bool = True) -> tuple[np.ndarray, np.ndarray]:
    n = int(getattr(cls, "_test_n", 400))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    kind = getattr(cls, "_test_y", "continuous")
    if kind not in ("continuous", "discrete"):
        raise ValueError(f"{cls.__name__}._test_y must be 'continuous' or 'discrete', got {kind!r}")
    src = x if dependent else rng.normal(size=(n, 2))
    y: np.ndarray
    if kind == "discrete":
        y = (src[:, 0] > 0).astype(np.int64) * 2 + (src[:, 1] > 0).astype(np.int64)
    else:
        y = src + 0.3 * rng.normal(size=(n, 2))
    return x, y


def _make(cls: type[Estimator], **extra: Any) -> Estimator:
    params = dict(getattr(cls, "_test_params", {}) or {})
    if "random_state" in inspect.signature(cls.__init__).parameters:
        params.setdefault("random_state", 0)
    params.update(extra)
    return cls(**params)


@functools.lru_cache(maxsize=64)
def _reference(name: str, dependent: bool) -> MIResult:
    """The estimate with ``_test_params`` and random_state=0 on the check data (computed
    once per estimator and data kind: the checks share it to stay fast)."""
    cls = estimator_class(name)
    x, y = _data(cls, dependent=dependent)
    return _make(cls).estimate(x, y)


def _names_arg(msg: str, *names: str) -> bool:
    return any(re.search(rf"\b{re.escape(n)}\b", msg) for n in names)


def check_result(name: str) -> None:
    """``estimate`` returns an MIResult in nats with method == name, finite mi, the right n."""
    cls = estimator_class(name)
    x, _ = _data(cls)
    r = _reference(name, True)
    assert isinstance(r, MIResult), f"{name}: estimate returned {type(r).__name__}, not MIResult"
    assert r.method == cls.name == name, f"{name}: result.method is {r.method!r}"
    assert r.unit == "nats", f"{name}: estimate must return nats, got {r.unit!r}"
    assert math.isfinite(r.mi), f"{name}: mi is not finite ({r.mi})"
    assert r.n_samples == len(x), f"{name}: n_samples {r.n_samples} != {len(x)}"
    if r.stderr is not None:
        assert math.isfinite(r.stderr) and r.stderr >= 0, f"{name}: bad stderr {r.stderr}"
        assert r.ci is not None and r.ci[0] <= r.mi <= r.ci[1], f"{name}: ci {r.ci} does not hold mi {r.mi}"
    r.to_dict()  # JSON-able


def check_seed(name: str) -> None:
    """The same random_state gives the same number."""
    cls = estimator_class(name)
    x, y = _data(cls)
    a = _reference(name, True).mi
    b = _make(cls).estimate(x, y).mi
    assert a == b or abs(a - b) <= 1e-9 * max(1.0, abs(a)), f"{name}: same random_state gave {a} and {b}"


def check_rejects_nan(name: str) -> None:
    cls = estimator_class(name)
    x, y = _data(cls)
    x = x.astype(float).copy()
    x[3, 0] = np.nan
    try:
        _make(cls).estimate(x, y)
    except ValueError as exc:
        assert _names_arg(str(exc), "x"), f"{name}: NaN error does not name x: {exc}"
        return
    raise AssertionError(f"{name}: NaN in x was not rejected with ValueError")


def check_rejects_mismatched_lengths(name: str) -> None:
    cls = estimator_class(name)
    x, y = _data(cls)
    try:
        _make(cls).estimate(x, y[:-7])
    except ValueError as exc:
        assert _names_arg(str(exc), "x", "y"), f"{name}: length error does not name x/y: {exc}"
        return
    raise AssertionError(f"{name}: x and y of different lengths were not rejected with ValueError")


def check_rejects_too_few_samples(name: str) -> None:
    cls = estimator_class(name)
    est = _make(cls)
    m = int(est.min_samples())
    assert m >= 2, f"{name}: min_samples() must be >= 2, got {m}"
    x, y = _data(cls)
    try:
        est.estimate(x[: m - 1], y[: m - 1])
    except ValueError as exc:
        assert _names_arg(str(exc), "x", "y"), f"{name}: too-few-samples error does not name x/y: {exc}"
        return
    raise AssertionError(f"{name}: {m - 1} samples (min_samples={m}) were not rejected with ValueError")


def check_bits(name: str) -> None:
    """The result converts to bits as nats / ln 2, error bars included, and back.
    (``estimate_mi(..., unit="bits")`` applies this same conversion for every method; it
    is checked once in tests/test_knn.py rather than re-estimated per estimator here.)"""
    nats = _reference(name, True)
    bits = nats.to_unit("bits")
    assert bits.unit == "bits"
    assert math.isclose(bits.mi, nats.mi / math.log(2), rel_tol=1e-12, abs_tol=1e-15), f"{name}: {bits.mi} bits vs {nats.mi} nats"
    if nats.stderr is not None:
        assert bits.stderr is not None and bits.ci is not None and nats.ci is not None, f"{name}: stderr/ci lost in bits"
        assert math.isclose(bits.stderr, nats.stderr / math.log(2), rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(bits.ci[0], nats.ci[0] / math.log(2), rel_tol=1e-12, abs_tol=1e-15)
    assert json.loads(json.dumps(bits.to_dict()))["unit"] == "bits"
    back = bits.to_unit("nats")
    assert math.isclose(back.mi, nats.mi, rel_tol=1e-12, abs_tol=1e-15)


def check_dependent_exceeds_independent(name: str) -> None:
    """MI of strongly dependent data (true MI >= 1.39 nats) exceeds MI of independent data
    by at least 0.1 nats (an estimator recovering a tenth of the truth passes; one that
    ignores its input does not)."""
    dep = _reference(name, True).mi
    ind = _reference(name, False).mi
    assert dep > ind + 0.1, f"{name}: dependent MI {dep:.3f} does not exceed independent MI {ind:.3f} by 0.1 nats"


CHECKS: list[Callable[[str], None]] = [
    check_result,
    check_seed,
    check_rejects_nan,
    check_rejects_mismatched_lengths,
    check_rejects_too_few_samples,
    check_bits,
    check_dependent_exceeds_independent,
]


def check_estimator(name: str) -> None:
    """Run every conformance check on the estimator registered as ``name``;
    raises AssertionError naming the first failed check."""
    for check in CHECKS:
        check(name)
