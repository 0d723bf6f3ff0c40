"""MIResult: units, confidence interval, JSON, printing."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from infolens.result import MIResult, check_unit


def test_ci_defaults_to_normal_interval():
    r = MIResult(mi=1.0, stderr=0.1)
    assert r.ci == pytest.approx((1.0 - 1.959964 * 0.1, 1.0 + 1.959964 * 0.1), abs=1e-6)
    assert MIResult(mi=1.0).ci is None
    assert MIResult(mi=1.0, stderr=0.1, ci=(0.5, 2.0)).ci == (0.5, 2.0)


def test_to_bits_and_back():
    r = MIResult(mi=math.log(2), stderr=0.1 * math.log(2), method="ksg")
    b = r.to_unit("bits")
    assert b.unit == "bits" and b.mi == pytest.approx(1.0) and b.stderr == pytest.approx(0.1)
    assert b.ci[0] == pytest.approx(r.ci[0] / math.log(2)) and b.ci[1] == pytest.approx(r.ci[1] / math.log(2))
    back = b.to_unit("nats")
    assert back.mi == pytest.approx(r.mi) and back.stderr == pytest.approx(r.stderr)
    assert r.to_unit("nats") is r
    assert float(b) == pytest.approx(1.0)


def test_bad_unit():
    with pytest.raises(ValueError, match=r"^unit must be 'nats' or 'bits', got 'dits'"):
        check_unit("dits")
    with pytest.raises(ValueError, match=r"^unit must be"):
        MIResult(mi=0.0, unit="dits")


def test_to_dict_is_json_with_numpy_pandas_and_nonfinite():
    r = MIResult(
        mi=np.float64(0.5), stderr=0.01, n_samples=np.int64(10), method="ksg",
        params={"k": np.int64(5), "w": np.array([1.0, 2.0])},
        diagnostics={"curve": np.arange(3), "table": pd.DataFrame({"a": [1, 2]}), "bad": float("nan"),
                     "obj": object(), "series": pd.Series({"u": 1.0})},
    )
    d = json.loads(r.to_json())
    assert d["mi"] == 0.5 and d["ci"][0] < 0.5 < d["ci"][1] and d["n_samples"] == 10
    assert d["params"] == {"k": 5, "w": [1.0, 2.0]}
    assert d["diagnostics"]["curve"] == [0, 1, 2]
    assert d["diagnostics"]["table"] == [{"a": 1}, {"a": 2}]
    assert d["diagnostics"]["bad"] == "nan"
    assert d["diagnostics"]["series"] == {"u": 1.0}
    assert d["diagnostics"]["obj"].startswith("<object")


def test_str():
    r = MIResult(mi=0.123456, stderr=0.01, n_samples=100, method="ksg", params={"k": 5, "x": None}, seconds=0.5)
    s = str(r)
    assert s.startswith("I = 0.1235 nats ± 0.0100  (95% CI 0.1039 .. 0.1431)")
    assert "[ksg(k=5), n=100, 0.5 s]" in s


def test_the_text_of_an_auto_result_says_its_grade_answer_and_range():
    """print(r) / the CLI: auto's grade and the candidate that answers come right after the
    number; below "ok" the range too (two discrete sides whose bias corrections part)."""
    import numpy as np

    import infolens

    rng = np.random.default_rng(0)
    x = rng.integers(0, 30, 1000)
    y = np.where(rng.random(1000) < 0.3, x, rng.integers(0, 30, 1000))
    r = infolens.estimate_mi(x, y, warn=False)
    lines = str(r).splitlines()
    lo, hi = r.diagnostics["range"]
    assert lines[1] == f"  trust: caution (answer from grassberger); the truth may lie in {lo:.4f} .. {hi:.4f} nats"
    r = infolens.estimate_mi(x, y, method="binning", warn=False)
    assert "trust:" not in str(r)
