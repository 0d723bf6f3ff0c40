"""Messages about a column name the column the user gave: a DataFrame's column name, else its
index in the array passed, whatever validation dropped before the message was written."""

import numpy as np
import pandas as pd

from infolens import estimate_cmi, estimate_mi


def _texts(res):
    return [str(w) for w in res.warnings]


def _table(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    return rng, a, pd.DataFrame({"const": np.ones(n), "a": a, "b": rng.normal(size=n), "a_f": 1.8 * a + 32})


def test_dropped_columns_are_named_by_the_frames_column_names():
    rng, a, df = _table()
    res = estimate_mi(df, a + 0.5 * rng.normal(size=len(a)), random_state=0, warn=False)
    texts = _texts(res)
    assert any("dropped 1 constant column(s) ['const']" in t for t in texts), texts
    assert any("column 'a_f' is an increasing function of column 'a'" in t for t in texts), texts


def test_array_columns_keep_their_original_index_after_a_drop():
    """The constant column 0 is dropped first; the copy is column 3 of the array passed (a
    function of column 1), not column 2 of what was left (of column 0)."""
    rng, a, df = _table()
    res = estimate_mi(df.to_numpy(), a + 0.5 * rng.normal(size=len(a)), random_state=0, warn=False)
    texts = _texts(res)
    assert any("constant column(s) [0]" in t for t in texts), texts
    assert any("column 3 is an increasing function of column 1" in t for t in texts), texts


def test_an_exact_map_names_the_two_columns():
    _rng, a, df = _table()
    res = estimate_mi(df, pd.Series(a**3, name="a_cubed"), random_state=0, warn=False)
    assert res.diagnostics["trust"] == "unreliable"
    assert any("x column 'a' and y column 'a_cubed'" in t for t in _texts(res)), _texts(res)


def test_serial_rows_name_the_column_under_auto():
    rng = np.random.default_rng(1)
    n = 1500
    ts = pd.DataFrame({"noise": rng.normal(size=n), "temp": np.cumsum(rng.normal(size=n))})
    res = estimate_mi(ts, ts["temp"] + rng.normal(size=n), random_state=0, warn=False)
    serial = [t for t in _texts(res) if "serially correlated" in t]
    assert serial and "x column 'temp'" in serial[0], _texts(res)


def test_cmi_names_a_dropped_z_column():
    rng, a, df = _table()
    z = pd.DataFrame({"z1": rng.normal(size=len(a)), "zc": np.zeros(len(a))})
    res = estimate_cmi(df[["a", "b"]], a + rng.normal(size=len(a)), z, random_state=0, warn=False)
    assert any("z: dropped 1 constant column(s) ['zc']" in t for t in _texts(res)), _texts(res)
