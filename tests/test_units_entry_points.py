"""``unit="bits"`` at every entry point: each information quantity of the result (value,
standard error, interval, range, auto's candidates, model check and check sizing, the numbers of
the warnings) is the nats value times 1/ln 2, and everything else is unchanged.

Each test runs the same seeded computation in nats and in bits: the estimators compute in nats
and the unit is applied once at the end, so the two runs see identical random numbers and the
conversion is an exact multiplication; ``REL = 1e-9`` allows for float64 rounding (and for a
value printed with 4 decimals, the tolerance is half the last digit).
"""

import json
import math
import pickle

import numpy as np
import pandas as pd
import pytest

import infolens
from infolens.cli import main
from infolens.errors import INFO_DATA, Flag, flag
from infolens.result import INFO_DIAGNOSTICS

REL = 1e-9
F = 1 / math.log(2)


def _leaves(a, b, path, key, info, out):
    """(path, nats value, bits value, is information) for every number of a nats/bits pair."""
    if isinstance(a, dict):
        for k, v in a.items():
            kb = k[:-5] + "_bits" if isinstance(k, str) and k.endswith("_nats") else k
            assert kb in b, f"{path}/{k} is missing in bits"
            under_info = info or k in INFO_DIAGNOSTICS or str(k).endswith("_nats")
            if path.startswith("/flags") and k != "data":
                under_info = info or (path.endswith("/data") and k in INFO_DATA)
            _leaves(v, b[kb], f"{path}/{k}", k, under_info, out)
    elif isinstance(a, (list, tuple)):
        for i, (u, v) in enumerate(zip(a, b)):
            _leaves(u, v, f"{path}[{i}]", key, info, out)
    elif isinstance(a, (int, float)) and not isinstance(a, bool) and math.isfinite(a):
        out.append((path, a, b, info))


def assert_converted(nats: dict, bits: dict) -> int:
    """Every number under an information key is converted, every other one unchanged; returns
    how many were converted."""
    for d in (nats, bits):
        d.pop("seconds", None)
        d["diagnostics"].pop("unit", None)
    out = []
    _leaves(nats, bits, "", None, False, out)
    converted = 0
    for path, a, b, info in out:
        top = path.split("/")[1] if path.count("/") >= 1 else path
        if info or path in ("/mi", "/stderr") or path.startswith("/ci["):
            assert b == pytest.approx(a * F, rel=REL, abs=1e-15), path
            converted += 1
        elif not path.endswith("seconds") and top != "params":
            assert b == a, path
    return converted


@pytest.fixture(scope="module")
def heavy():
    """2+1 dimensions with Student-t noise at n = 800: auto runs three candidates, a model check
    and its sizing, and grades the estimate with a warning."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(800, 2))
    return x, x[:, :1] + 0.5 * rng.standard_t(3, size=(800, 1))


def test_flag_converts_its_information_numbers_and_keeps_the_rest():
    f = flag("disagreement", "a 0.5 nats, b 0.3 nats", a=0.5, b=0.3, gap=0.2, dims=20, rows=100, rise_nats=[0.1, 0.2],
             method="ksg")
    b = f.to_unit("bits")
    assert b == f and b.code == "disagreement" and b.unit == "bits"         # the sentence is the same
    assert b.data["a"] == pytest.approx(0.5 * F, rel=REL) and b.data["gap"] == pytest.approx(0.2 * F, rel=REL)
    assert b.data["rise_bits"] == pytest.approx([0.1 * F, 0.2 * F], rel=REL) and "rise_nats" not in b.data
    assert b.data["dims"] == 20 and b.data["rows"] == 100 and b.data["method"] == "ksg"
    back = pickle.loads(pickle.dumps(b)).to_unit("nats")
    assert back.data["a"] == pytest.approx(0.5, rel=REL) and back.data["rise_nats"] == pytest.approx([0.1, 0.2])
    assert b.to_unit("bits") is b and f.data["a"] == 0.5                    # idempotent; the original unchanged


def test_estimate_mi_auto_in_bits_converts_candidates_model_check_sizing_and_warnings(heavy):
    x, y = heavy
    nats = infolens.estimate_mi(x, y, random_state=0, warn=False)
    bits = infolens.estimate_mi(x, y, unit="bits", random_state=0, warn=False)
    dn, db = nats.to_dict(), bits.to_dict()
    assert {"candidates", "model_check", "check_sizing", "range"} <= set(dn["diagnostics"])
    assert db["diagnostics"]["check_sizing"]["pilot_se"] == pytest.approx(
        dn["diagnostics"]["check_sizing"]["pilot_se"] * F, rel=REL)
    for name, cand in dn["diagnostics"]["candidates"].items():
        assert db["diagnostics"]["candidates"][name]["mi"] == pytest.approx(cand["mi"] * F, rel=REL), name
    assert assert_converted(dn, db) >= 20
    assert all(isinstance(w, Flag) and w.unit == "bits" for w in bits.warnings)
    # auto's own sentences quote numbers in the result's unit
    assert "bits" in db["diagnostics"]["choice"]["why"] and "nats" not in db["diagnostics"]["choice"]["why"]


def test_estimate_mi_ill_posed_ceiling_in_bits():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 2))
    nats = infolens.estimate_mi(x, np.tanh(x), random_state=0, warn=False)
    bits = infolens.estimate_mi(x, np.tanh(x), unit="bits", random_state=0, warn=False)
    assert bits.has_warning("ill-posed")
    w = bits.flags[bits.codes().index("ill-posed")]
    assert w.data["ceiling"] == pytest.approx(math.log(400) * F, rel=REL)
    assert assert_converted(nats.to_dict(), bits.to_dict()) >= 3


def test_estimate_cmi_in_bits():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(500, 1))
    x = z + rng.normal(size=(500, 1))
    y = z + x + rng.normal(size=(500, 1))
    nats = infolens.estimate_cmi(x, y, z, random_state=0)
    bits = infolens.estimate_cmi(x, y, z, unit="bits", random_state=0)
    assert bits.unit == "bits" and bits.mi == pytest.approx(nats.mi * F, rel=REL)
    assert assert_converted(nats.to_dict(), bits.to_dict()) >= 4            # mi, stderr, ci, half_sample_mean


def test_independence_test_in_bits_same_p_value():
    rng = np.random.default_rng(3)
    x = rng.normal(size=300)
    y = 0.3 * x + rng.normal(size=300)
    for method in ("ksg", "gaussian-copula"):
        n = infolens.independence_test(x, y, method=method, n_permutations=30, random_state=0)
        b = infolens.independence_test(x, y, method=method, n_permutations=30, random_state=0, unit="bits")
        assert b.unit == "bits" and b.p_value == n.p_value
        assert b.statistic == pytest.approx(n.statistic * F, rel=REL)
        assert b.null_mean == pytest.approx(n.null_mean * F, rel=REL) and b.null_sd == pytest.approx(n.null_sd * F, rel=REL)
        assert np.allclose(b.null, np.asarray(n.null) * F, rtol=REL)
        assert f"I = {b.statistic:.4f} bits" in str(b) and b.to_dict()["unit"] == "bits"
    with pytest.raises(ValueError, match="unit"):
        infolens.independence_test(x, y, n_permutations=5, unit="bans")
    auto = infolens.independence_test(x, y, method="auto", n_permutations=5, random_state=0, unit="bits")
    assert auto.method == "ksg" and "fixed cheap statistic" in auto.why and auto.unit == "bits"


def _table(n=300, seed=4):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": rng.integers(0, 3, n), "noise": rng.normal(size=n),
                         "t": a + rng.normal(size=n)})


def test_feature_mi_in_bits_table_and_warnings():
    df = _table()
    n = infolens.feature_mi(df[["a", "b", "noise"]], df["t"], random_state=0, warn=False)
    b = infolens.feature_mi(df[["a", "b", "noise"]], df["t"], unit="bits", random_state=0, warn=False)
    assert b.attrs["unit"] == "bits"
    for col in ("mi", "stderr", "ci_low", "ci_high"):
        assert np.allclose(b[col], n[col] * F, rtol=REL, equal_nan=True), col
    flags = [w for ws in b["warnings"] for w in ws]
    converted = 0
    for wn, wb in zip([w for ws in n["warnings"] for w in ws], flags):
        assert wb.unit == "bits"
        for k, v in wn.data.items():
            if k in INFO_DATA and isinstance(v, float) and math.isfinite(v):
                assert wb.data[k] == pytest.approx(v * F, rel=REL), k
                converted += 1
    assert converted >= 1      # the noise column's standard error exceeds its estimate (mi, stderr)


def test_mi_matrix_in_bits_frames_and_warnings():
    """The Gaussian formula on a log-normal column: its warning (gaussian-marginals) carries the
    estimate, the copula's value and the tolerance, all information."""
    df = _table()
    df["c"] = np.exp(2 * df["a"] + 0.3 * np.random.default_rng(1).normal(size=len(df)))
    n = infolens.mi_matrix(df[["a", "c", "t"]], method="gaussian", random_state=0, warn=False)
    b = infolens.mi_matrix(df[["a", "c", "t"]], method="gaussian", unit="bits", random_state=0, warn=False)
    assert b.unit == "bits"
    assert np.allclose(b.mi.to_numpy(), n.mi.to_numpy() * F, rtol=REL, equal_nan=True)
    assert np.allclose(b.stderr.to_numpy(), n.stderr.to_numpy() * F, rtol=REL, equal_nan=True)
    assert np.allclose(b.ic.to_numpy(), n.ic.to_numpy())                   # unitless
    converted = 0
    for pair, ws in n.warnings.items():
        for wn, wb in zip(ws, b.warnings[pair]):
            assert wb.unit == "bits"
            for k, v in wn.data.items():
                if k in INFO_DATA and isinstance(v, float) and math.isfinite(v):
                    assert wb.data[k] == pytest.approx(v * F, rel=REL)
                    converted += 1
    assert converted >= 1


@pytest.fixture()
def files(tmp_path):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(600, 2))
    y = x[:, :1] + rng.normal(size=(600, 1))
    lab = rng.integers(0, 3, 600)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "lab.npy", lab)
    np.save(tmp_path / "xl.npy", lab[:, None] + rng.normal(size=(600, 2)))
    return tmp_path, x, y


def test_cli_estimate_bits_test_uses_autos_choice_and_the_unit(files, capsys):
    """The reported bug: ``--unit bits --test`` printed the estimate in bits, then the test in nats
    with ksg instead of the estimator auto chose. On Gaussian data auto chooses the Gaussian
    copula, a deterministic closed form: the test's statistic is then the estimate itself."""
    d, x, y = files
    assert main(["estimate", str(d / "x.npy"), str(d / "y.npy"), "--unit", "bits", "--test",
                 "--permutations", "19"]) == 0
    text = capsys.readouterr().out
    ref = infolens.estimate_mi(x, y, unit="bits", random_state=0, warn=False)
    chosen = ref.diagnostics["choice"]["method"]
    assert chosen == "gaussian-copula"
    first, test_line = text.splitlines()[0], next(line for line in text.splitlines() if line.startswith("independence"))
    assert first.startswith(f"I = {ref.mi:.4f} bits")
    assert test_line.startswith(f"independence test ({chosen}, 19 permutations") and "nats" not in test_line
    assert f"I = {ref.mi:.4f} bits" in test_line
    assert "the estimator auto chose" in text

    assert main(["estimate", str(d / "x.npy"), str(d / "y.npy"), "--unit", "bits", "--test",
                 "--permutations", "19", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    t = out["independence_test"]
    assert t["unit"] == "bits" and t["method"] == chosen and t["statistic"] == pytest.approx(out["mi"], rel=REL)


def test_cli_estimate_test_reads_labels_as_auto_did(files, capsys):
    """Labels in X (integers): auto reads them as labels and chooses ross, which takes its label
    as y, so the test runs ross on (y, x) with the label declared."""
    d, _, _ = files
    assert main(["estimate", str(d / "lab.npy"), str(d / "xl.npy"), "--unit", "bits", "--test",
                 "--permutations", "9", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    t = out["independence_test"]
    assert out["diagnostics"]["choice"]["method"] == "ross" and out["diagnostics"]["discrete_x"]
    assert t["method"] == "ross" and t["params"]["discrete_y"] is True and t["unit"] == "bits"
    # the same estimator on the same rows: the statistic is the estimate up to ross's own jitter
    # of tied values (its standard error)
    assert abs(t["statistic"] - out["mi"]) < 2 * out["stderr"]


def test_cli_estimate_test_falls_back_when_auto_chose_a_trained_estimator():
    from infolens.independence import statistic_of
    from infolens.result import MIResult

    res = MIResult(mi=1.0, method="auto", diagnostics={"choice": {"method": "infonce"}, "discrete_x": False,
                                                       "discrete_y": False})
    x = np.zeros((10, 2))
    method, params, swap, why = statistic_of(res, x, x)
    assert (method, params, swap) == ("ksg", {}, False) and "infonce" in why and "exact" in why
    method, _, _, why = statistic_of(res, np.zeros((10, 8)), np.zeros((10, 8)))
    assert method == "gaussian-copula"


def test_cli_features_and_matrix_print_bits(tmp_path, capsys):
    df = _table(seed=6)
    df.to_csv(tmp_path / "t.csv", index=False)
    assert main(["features", str(tmp_path / "t.csv"), "--target", "t", "--unit", "bits", "--out",
                 str(tmp_path / "f")]) == 0
    text = capsys.readouterr().out
    ref = infolens.feature_mi(df[["a", "b", "noise"]], df["t"], unit="bits", random_state=0, warn=False)
    assert "MI bits" in text.splitlines()[0]
    row = next(line for line in text.splitlines() if line.startswith("a "))
    assert f"{ref.set_index('feature').loc['a', 'mi']:.4f}" in row
    assert main(["matrix", str(tmp_path / "t.csv"), "--unit", "bits", "--out", str(tmp_path / "m")]) == 0
    text = capsys.readouterr().out
    m = infolens.mi_matrix(df, unit="bits", random_state=0, warn=False)
    assert "MI bits" in text.splitlines()[0]
    row = next(line for line in text.splitlines() if line.startswith("a ") and " t " in line)
    assert f"{m.mi.loc['a', 't']:.4f}" in row

