"""``infolens estimate`` and ``infolens list`` end to end (in-process, through cli.main)."""

import json
import math

import numpy as np
import pandas as pd
import pytest

import infolens
from infolens.cli import main


@pytest.fixture()
def data(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(800, 2))
    y = x[:, :1] + rng.normal(size=(800, 1))
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    np.savez(tmp_path / "d.npz", a=x, b=y)
    pd.DataFrame(np.c_[x, y], columns=["a", "b", "c"]).to_csv(tmp_path / "d.csv", index=False)
    pd.DataFrame(np.c_[x, y], columns=["a", "b", "c"]).to_parquet(tmp_path / "d.parquet")
    return tmp_path, x, y


def run_json(capsys, *argv):
    assert main(["estimate", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_npy_pair_matches_the_library(capsys, data):
    d, x, y = data
    out = run_json(capsys, str(d / "x.npy"), str(d / "y.npy"), "--method", "ksg", "-k", "4")
    ref = infolens.estimate_mi(x, y, method="ksg", k=4, random_state=0)
    assert out["mi"] == pytest.approx(ref.mi, abs=1e-12)
    assert out["method"] == "ksg" and out["params"]["k"] == 4 and out["n_samples"] == 800


@pytest.mark.parametrize("fmt", ["npz", "csv", "parquet"])
def test_one_file_with_keys_or_columns(capsys, data, fmt):
    d, x, y = data
    ref = infolens.estimate_mi(x, y, random_state=0)
    if fmt == "npz":
        out = run_json(capsys, str(d / "d.npz"), "--x-key", "a", "--y-key", "b")
    else:
        out = run_json(capsys, str(d / f"d.{fmt}"), "--x-cols", "a,1", "--y-cols", "c")
    # CSV round-trips floats exactly with pandas' default float format (repr precision)
    assert out["mi"] == pytest.approx(ref.mi, abs=1e-9)


def test_bits_params_and_text_output(capsys, data):
    d, x, y = data
    assert main(["estimate", str(d / "x.npy"), str(d / "y.npy"), "-m", "ksg", "-p", "algorithm=2", "--unit", "bits"]) == 0
    text = capsys.readouterr().out
    ref = infolens.estimate_mi(x, y, method="ksg", algorithm=2, random_state=0, unit="bits")
    assert text.startswith(f"I = {ref.mi:.4f} bits")
    assert "algorithm=2" in text
    assert ref.mi == pytest.approx(infolens.estimate_mi(x, y, method="ksg2", random_state=0).mi / math.log(2))


@pytest.mark.parametrize(
    "argv,msg",
    [
        (["missing.npy", "y.npy"], "X file 'missing.npy' not found"),
        (["x.npy", "y.npy", "-m", "nope"], "unknown method 'nope'"),
        (["x.npy", "y.npy", "-m", "gaussian", "-k", "3"], "unknown parameter(s) 'k'"),
        (["d.npz", "--x-key", "a", "--y-key", "zz"], "--y-key 'zz' is not in"),
        (["d.npz", "y.npy"], "choose one with --x-key"),
        (["d.csv", "--x-cols", "a", "--y-cols", "q"], "--y-cols: no column 'q'"),
        (["x.npy"], "give a Y file"),
        (["x.npy", "short.npy"], "same number of samples"),
        (["x.npy", "nan.npy"], "y contains 1 NaN"),
        (["x.npy", "y.npy", "-m", "ksg", "-k", "0"], "k must be an integer >= 1"),
        (["x.dat", "y.npy"], "has suffix '.dat'"),
    ],
)
def test_bad_input_one_line_nonzero(capsys, data, monkeypatch, argv, msg):
    d, x, y = data
    np.save(d / "short.npy", y[:10])
    bad = y.copy()
    bad[5] = np.nan
    np.save(d / "nan.npy", bad)
    (d / "x.dat").write_text("1 2 3\n")
    monkeypatch.chdir(d)
    assert main(["estimate", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("infolens estimate: error:") and "\n" not in err
    assert msg in err


def test_list_shows_every_estimator(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    names = [line.split()[0] for line in lines]
    assert names == infolens.list_estimators()
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    ksg = next(r for r in rows if r["name"] == "ksg")
    assert ksg["class"] == "infolens.estimators.knn.KSG" and "kraskov" in ksg["aliases"]


def test_registry_aliases_are_public_and_a_copy():
    from infolens import registry

    names = registry.aliases()
    assert names["kraskov"] == "ksg" and set(names.values()) <= set(infolens.list_estimators())
    assert registry.estimator_class("kraskov") is registry.estimator_class("ksg")
    names["kraskov"] = "gaussian"  # the caller's copy: the registry is unchanged
    assert registry.aliases()["kraskov"] == "ksg"
