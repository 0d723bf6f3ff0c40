"""Results that do not depend on the machine: thread counts, input precision, rounding.

- ``torch_utils.threads`` sets and restores torch's thread count (also after an error), and
  no estimate leaves it changed; neural estimates run on one thread by default.
- kNN counts are integers, so an estimate is bit-identical whatever the number of search
  threads (``OMP_NUM_THREADS`` 1 or 2).
- float32 inputs are read exactly (every float32 is a float64): an estimate of float32 data
  equals the estimate of the same values given as float64, for every registered estimator.
- Decisions that used to hang on rounding are exact or carry a stated relative tolerance:
  a constant column (max == min) and a positive definite covariance (eigenvalue ratio).
"""

from __future__ import annotations

import numpy as np
import pytest

import infolens
from infolens.registry import estimator_class, list_estimators
from infolens.torch_utils import SMALL_MODEL_THREADS, threads

torch = pytest.importorskip("torch")


def test_threads_sets_and_restores():
    before = torch.get_num_threads()
    other = 1 if before != 1 else 2
    with threads(other) as n:
        assert n == other and torch.get_num_threads() == other
        with threads(None):
            assert torch.get_num_threads() == other          # None leaves the count alone
    assert torch.get_num_threads() == before
    with pytest.raises(KeyError):
        with threads(other):
            raise KeyError("inside")
    assert torch.get_num_threads() == before               # restored after an error too
    with pytest.raises(ValueError, match="threads must be an integer >= 1"):
        with threads(0):
            pass


def _is_neural(name):
    return estimator_class(name).trains_critic


def test_neural_estimates_run_on_one_thread_and_restore(monkeypatch):
    """The default for small critics is one torch thread while training (infolens.torch_utils);
    ``threads=`` overrides it; the caller's setting is back afterwards."""
    import infolens.api as api

    seen = []
    real = api.get_estimator

    def spy(name, **params):
        est = real(name, **params)
        original = est.estimate

        def estimate(x, y):
            seen.append(torch.get_num_threads())
            return original(x, y)

        est.estimate = estimate
        return est

    monkeypatch.setattr(api, "get_estimator", spy)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 2))
    y = x + rng.normal(size=(300, 2))
    before = torch.get_num_threads()
    with threads(2):
        infolens.estimate_mi(x, y, method="infonce", epochs=1, random_state=0)
        infolens.estimate_mi(x, y, method="infonce", epochs=1, random_state=0, threads=2)
        infolens.estimate_mi(x, y, method="ksg", random_state=0)
        assert torch.get_num_threads() == 2
    assert seen == [SMALL_MODEL_THREADS, 2, 2] and torch.get_num_threads() == before


def test_knn_identical_with_one_or_two_search_threads(monkeypatch):
    """n = 3000 is above the size where searches go multi-threaded; counts are integers, so
    the two estimates must be equal to the last bit."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3000, 2))
    y = x + rng.normal(size=(3000, 2))
    out = []
    for n in ("1", "2"):
        monkeypatch.setenv("OMP_NUM_THREADS", n)
        out.append(infolens.estimate_mi(x, y, method="ksg", k=5, random_state=0).mi)
    assert out[0] == out[1]


def _data(cls, n=None, seed=0):
    n = n or int(getattr(cls, "_test_n", 400))
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    if getattr(cls, "_test_y", "continuous") == "discrete":
        return x, (x[:, 0] > 0).astype(np.int64) * 2 + (x[:, 1] > 0).astype(np.int64)
    return x, x + 0.3 * rng.normal(size=(n, 2))


_NAMES = list_estimators()


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if _is_neural(n) else n for n in _NAMES])
def test_float32_input_is_read_exactly(name):
    cls = estimator_class(name)
    x, y = _data(cls)
    x32 = x.astype(np.float32)
    y32 = y.astype(np.float32) if y.dtype.kind == "f" else y
    params = dict(getattr(cls, "_test_params", {}) or {})
    a = infolens.estimate_mi(x32, y32, method=name, random_state=0, **params)
    b = infolens.estimate_mi(x32.astype(np.float64), np.asarray(y32, dtype=np.float64) if y.dtype.kind == "f" else y,
                             method=name, random_state=0, **params)
    assert np.isfinite(a.mi) and a.mi == b.mi


def test_constant_column_is_decided_exactly():
    """0.3 repeated 1,000 times: NumPy's std is 1.1e-16 on x86-64 (the rounded mean is not
    0.3), so ``std == 0`` would call it non-constant there and divide by 1e-16."""
    from infolens.validation import scale_of, standardize

    a = np.c_[np.full(1000, 0.3), np.arange(1000.0)]
    assert scale_of(a)[0, 0] == 1.0
    z = standardize(a)
    assert (z[:, 0] == 0.0).all() and z[:, 1].std() == pytest.approx(1.0, rel=1e-12)


def test_positive_definite_by_relative_tolerance():
    from infolens.distributions import MultiNormal
    from infolens.distributions.gaussian import PD_RTOL

    ok = 1 - 1e-9                       # eigenvalues 1e-9 and 2: ratio 5e-10 > PD_RTOL
    assert MultiNormal(1, 1, [[1, ok], [ok, 1]]).mi == pytest.approx(-0.5 * np.log(1 - ok**2), rel=1e-6)
    for rho in (1.0, 1 - 1e-12):        # singular, and singular up to rounding: refused everywhere
        with pytest.raises(ValueError, match="positive definite.*smallest eigenvalue"):
            MultiNormal(1, 1, [[1, rho], [rho, 1]])
    assert PD_RTOL == 1e-10
