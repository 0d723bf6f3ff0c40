"""Units of the diagnostics: ``to_unit`` converts every information quantity among them
(the keys of ``result.INFO_DIAGNOSTICS`` and ``*_nats`` keys) and names the unit; counts and
settings stay as they are. Conversions are exact multiplications by 1/ln 2, so the
comparisons use a relative tolerance of 1e-12 (a few float64 roundings)."""

import math

import numpy as np
import pytest

from infolens import estimate_mi
from infolens.result import INFO_DIAGNOSTICS, MIResult

REL = 1e-12


def _pair(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    return x, x + rng.normal(size=(n, 2))


@pytest.mark.parametrize("method", ["gaussian", "ksg", "sliced", "binning"])
def test_estimator_diagnostics_in_bits(method):
    x, y = _pair()
    nats = estimate_mi(x, y, method=method, random_state=0)
    bits = estimate_mi(x, y, method=method, unit="bits", random_state=0)
    assert bits.diagnostics["unit"] == "bits"
    converted = 0
    for key, value in nats.diagnostics.items():
        if key.endswith("_nats"):  # renamed to *_bits with the value converted
            assert bits.diagnostics[key[:-5] + "_bits"] == pytest.approx(value / math.log(2), rel=REL), key
            assert key not in bits.diagnostics, key
            converted += 1
            continue
        other = bits.diagnostics[key]
        if key in INFO_DIAGNOSTICS and isinstance(value, float):
            assert other == pytest.approx(value / math.log(2), rel=REL), key
            converted += 1
        elif key in INFO_DIAGNOSTICS and isinstance(value, dict):
            for k, v in value.items():
                assert other[k] == pytest.approx(v / math.log(2), rel=REL), (key, k)
            converted += 1
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            assert other == value, key                     # counts and other unitless numbers
    # each of these estimators reports at least one information quantity besides mi
    assert converted >= 1


def test_suffix_nested_and_round_trip():
    r = MIResult(mi=1.0, stderr=0.1, diagnostics={"gap_nats": 0.5, "h_x": 2.0, "k": 5, "bins": [1, 2],
                                                  "inner_diagnostics": {"plug_in": 0.3, "mean_nx": 7.0}})
    b = r.to_unit("bits")
    f = 1 / math.log(2)
    assert "gap_nats" not in b.diagnostics and b.diagnostics["gap_bits"] == pytest.approx(0.5 * f, rel=REL)
    assert b.diagnostics["h_x"] == pytest.approx(2.0 * f, rel=REL)
    assert b.diagnostics["k"] == 5 and b.diagnostics["bins"] == [1, 2]
    assert b.diagnostics["inner_diagnostics"]["plug_in"] == pytest.approx(0.3 * f, rel=REL)
    assert b.diagnostics["inner_diagnostics"]["mean_nx"] == 7.0
    back = b.to_unit("nats")
    assert back.diagnostics["gap_nats"] == pytest.approx(0.5, rel=REL) and back.diagnostics["unit"] == "nats"
    assert back.diagnostics["h_x"] == pytest.approx(2.0, rel=REL)
    assert r.diagnostics == {"gap_nats": 0.5, "h_x": 2.0, "k": 5, "bins": [1, 2],
                             "inner_diagnostics": {"plug_in": 0.3, "mean_nx": 7.0}}   # the original is unchanged


def test_curves_stay_in_nats_and_say_so():
    pd = pytest.importorskip("pandas")
    curves = pd.DataFrame({"step": [1, 2], "train": [0.1, 0.2], "val": [0.1, 0.15], "smoothed": [0.1, 0.12]})
    b = MIResult(mi=0.2, diagnostics={"curves": curves, "best_val": 0.15}).to_unit("bits")
    assert b.diagnostics["curves_unit"] == "nats" and b.diagnostics["curves"]["val"].tolist() == [0.1, 0.15]
    assert b.diagnostics["best_val"] == pytest.approx(0.15 / math.log(2), rel=REL)
