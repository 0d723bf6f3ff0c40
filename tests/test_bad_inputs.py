"""Bad inputs get a clear answer: for every case, the error type and a message that names the
argument (or file, column, key) and says how to fix it. Five areas: estimators, the command
line's data files, study configurations, the audit's tables and the data loaders.

Library cases assert the exception class (an :class:`~infolens.errors.InfolensError`, which
also subclasses the built-in a caller would catch) and a regular expression over the message.
Command-line cases run ``infolens.cli.main`` and assert exit status 2 and a single line on
stderr (no traceback) matching the expression.
"""

from __future__ import annotations

import gzip
import os
import re
import struct

import numpy as np
import pandas as pd
import pytest

from infolens import estimate_mi, estimate_cmi
from infolens.cli import main as cli_main
from infolens.errors import ConfigError, DataNotFoundError, InfolensError, InputError, InputTypeError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 2))
Y = X + RNG.normal(size=(200, 2))


def _raises(fn, exc, pattern):
    with pytest.raises(exc, match=pattern) as info:
        fn()
    assert isinstance(info.value, InfolensError), f"{type(info.value).__name__} is not an InfolensError"
    assert "\n" not in str(info.value).strip(), "the message must be one line"
    return info.value


# ----------------------------------------------------------------------------- estimators


def _nan(a, row=3):
    a = a.copy()
    a[row, 0] = np.nan
    return a


def _inf(a, row=4):
    a = a.copy()
    a[row, 1] = np.inf
    return a


def _shuffled_series():
    s = pd.Series(Y[:, 0])
    return pd.Series(X[:, 0]), s.sample(frac=1.0, random_state=1)


ESTIMATOR_CASES = [
    ("x None", lambda: estimate_mi(None, Y), InputTypeError, r"^x is None; pass an array"),
    ("ragged x", lambda: estimate_mi([[1, 2], [3]], [1, 2]), InputTypeError, r"^x could not be read.*equal-length rows"),
    ("text x", lambda: estimate_mi(np.array(["a", "b", "c"]), [1.0, 2.0, 3.0], method="ksg"), InputTypeError,
     r"^x has dtype .*not numeric.*method='ross'"),
    ("complex y", lambda: estimate_mi(X, Y[:, 0] + 1j), InputTypeError, r"^y has dtype complex128.*real numbers"),
    ("scalar x", lambda: estimate_mi(np.float64(3.0), Y), InputError, r"^x is a scalar; pass an array"),
    ("empty x", lambda: estimate_mi(np.zeros((0, 2)), np.zeros((0, 2))), InputError, r"^x is empty.*pass at least"),
    ("NaN in y", lambda: estimate_mi(X, _nan(Y)), InputError, r"^y contains 1 NaN.*rows: \[3\].*drop or impute"),
    ("inf in x", lambda: estimate_mi(_inf(X), Y), InputError, r"^x contains 0 NaN and 1 inf.*drop or impute"),
    ("length mismatch", lambda: estimate_mi(X, Y[:150]), InputError, r"^x and y must have the same number.*150"),
    ("too few for k", lambda: estimate_mi(X[:5], Y[:5], method="ksg", k=5), InputError,
     r"x and y have 5 samples; this estimator needs at least 6"),
    ("unknown method", lambda: estimate_mi(X, Y, method="ksgg"), InputError, r"unknown method 'ksgg'; did you mean 'ksg'"),
    ("method not a string", lambda: estimate_mi(X, Y, method=None), InputTypeError, r"^method must be an estimator name"),
    ("unknown parameter", lambda: estimate_mi(X, Y, method="ksg", kk=3), InputTypeError,
     r"unknown parameter\(s\) 'kk' \(did you mean 'k'\?\)"),
    ("k = 0", lambda: estimate_mi(X, Y, method="ksg", k=0), InputError, r"^k must be an integer >= 1, got 0"),
    ("unit", lambda: estimate_mi(X, Y, unit="bytes"), InputError, r"^unit must be 'nats' or 'bits', got 'bytes'"),
    ("random_state", lambda: estimate_mi(X, Y, random_state="seed"), InputTypeError, r"^random_state must be None, an int"),
    ("pandas indices differ", lambda: estimate_mi(*_shuffled_series()), InputError,
     r"^x and y are pandas objects whose indices.*reindex\(x.index\)"),
    ("threads = 0", lambda: estimate_mi(X, Y, threads=0), InputError, r"^threads must be an integer >= 1"),
    ("binning strategy", lambda: estimate_mi(X, Y, method="binning", strategy="nope"), InputError,
     r"^strategy must be one of 'quantile', 'uniform'"),
    ("binning bins = 1", lambda: estimate_mi(X, Y, method="binning", bins=1), InputError,
     r"^bins must be 'auto' or an integer >= 2"),
    ("neural epochs = 0", lambda: estimate_mi(X, Y, method="infonce", epochs=0), InputError,
     r"^epochs must be an integer >= 1"),
    ("neural critic", lambda: estimate_mi(X, Y, method="infonce", critic="mlp3"), InputError,
     r"^critic must be one of 'separable'"),
    ("neural device", lambda: estimate_mi(X, Y, method="infonce", device="tpu"), InputError,
     r"^device must be 'auto', 'cpu'.*got 'tpu'"),
    ("cmi z length", lambda: estimate_cmi(X, Y, X[:50]), InputError, r"^z must have as many samples as x and y"),
    ("sliced n_projections", lambda: estimate_mi(X, Y, method="sliced", n_projections=0), InputError,
     r"^n_projections must be an integer >= 2"),
]


@pytest.mark.parametrize("fn,exc,pattern", [c[1:] for c in ESTIMATOR_CASES], ids=[c[0] for c in ESTIMATOR_CASES])
def test_estimator_bad_input(fn, exc, pattern):
    _raises(fn, exc, pattern)


def test_torch_bfloat16_is_read_not_refused():
    """Not an error: a bfloat16 tensor is read as float32 (it holds those values exactly)."""
    torch = pytest.importorskip("torch")
    xb = torch.tensor(X, dtype=torch.bfloat16)
    yb = torch.tensor(Y, dtype=torch.bfloat16)
    r = estimate_mi(xb, yb, method="gaussian")
    ref = estimate_mi(xb.float().numpy(), yb.float().numpy(), method="gaussian")
    assert r.mi == ref.mi


# ----------------------------------------------------------------------------- CLI files


@pytest.fixture()
def files(tmp_path, monkeypatch):
    """A folder of good and bad data files; the tests run inside it."""
    d = tmp_path
    np.save(d / "x.npy", X[:, 0])
    np.save(d / "y.npy", Y[:, 0])
    (d / "zero.npy").write_bytes(b"")
    full = (d / "y.npy").read_bytes()
    (d / "trunc.npy").write_bytes(full[: len(full) - 400])
    (d / "half_header.npy").write_bytes(full[:30])
    (d / "text.npy").write_text("a,b\n1,2\n")
    np.save(d / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(d / "rows0.npy", np.zeros((0, 3)))
    np.save(d / "scalar.npy", np.float64(1.0))
    np.save(d / "strings.npy", np.array(["a", "b"]))
    np.savez(d / "d.npz", a=X[:, 0], b=Y[:, 0])
    np.savez(d / "none.npz")
    zfull = (d / "d.npz").read_bytes()
    (d / "trunc.npz").write_bytes(zfull[: len(zfull) // 2])
    (d / "notzip.npz").write_bytes(full)
    (d / "header.csv").write_text("a,b,c\n")
    (d / "empty.csv").write_text("")
    (d / "blank.csv").write_text("\n\n\n")
    pd.DataFrame({"a": X[:, 0], "b": Y[:, 0], "c": X[:, 1]}).to_csv(d / "semi.csv", sep=";", index=False)
    pd.DataFrame({"a": X[:, 0], "b": ["u", *["v"] * 199]}).to_csv(d / "text.csv", index=False)
    (d / "ragged.csv").write_text("a,b\n1,2\n3,4,5,6\n")
    (d / "latin1.csv").write_bytes("a,b\n1,2\n\xe9,3\n".encode("latin-1"))
    (d / "bad.parquet").write_bytes(b"PAR1 this is not parquet")
    (d / "x.dat").write_text("1 2 3\n")
    (d / "folder.npy").mkdir()
    monkeypatch.chdir(d)
    return d


def _cli_error(capsys, argv):
    rc = cli_main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    assert err.startswith(f"infolens {argv[0]}: error: ") and "\n" not in err and "Traceback" not in err, err
    return err


CLI_FILE_CASES = [
    ("missing file", ["missing.npy", "y.npy"], r"X file 'missing.npy' not found; check the path"),
    ("0-byte npy", ["zero.npy", "y.npy"], r"X file 'zero.npy' is empty \(0 bytes\)"),
    ("truncated npy", ["x.npy", "trunc.npy"], r"Y file 'trunc.npy' is truncated.*numpy.save"),
    ("half header npy", ["half_header.npy", "y.npy"], r"X file 'half_header.npy' .*(truncated|header)"),
    ("text named .npy", ["text.npy", "y.npy"], r"X file 'text.npy' is not a .npy array \(no NumPy header\).*rename"),
    ("object npy", ["obj.npy", "y.npy"], r"X file 'obj.npy' holds Python objects, not numbers"),
    ("zero-row npy", ["rows0.npy", "y.npy"], r"X file 'rows0.npy' holds an array with zero rows"),
    ("scalar npy", ["scalar.npy", "y.npy"], r"X file 'scalar.npy' holds a single number"),
    ("string npy", ["strings.npy", "y.npy"], r"X file 'strings.npy' holds dtype <U1, not numbers"),
    ("truncated npz", ["trunc.npz", "--x-key", "a", "--y-key", "b"], r"X file 'trunc.npz' is not a complete .npz"),
    ("npy named .npz", ["notzip.npz", "y.npy"], r"X file 'notzip.npz' is not a .npz archive \(no zip header\)"),
    ("npz without arrays", ["none.npz", "y.npy"], r"X file 'none.npz' holds no arrays; write it again with numpy.savez"),
    ("npz key missing", ["d.npz", "--x-key", "a", "--y-key", "zz"], r"--y-key 'zz' is not in 'd.npz' \(arrays: a, b\)"),
    ("npz key needed", ["d.npz", "y.npy"], r"'d.npz' holds arrays a, b; choose one with --x-key"),
    ("header-only CSV", ["header.csv", "y.npy", "--x-cols", "a"], r"X file 'header.csv' has a header \(a, b, c\) but zero data rows"),
    ("0-byte CSV", ["empty.csv", "y.npy"], r"X file 'empty.csv' is empty \(0 bytes\)"),
    ("blank CSV", ["blank.csv", "y.npy"], r"X file 'blank.csv' holds no header and no rows"),
    ("wrong --sep", ["semi.csv", "--sep", ",", "--x-cols", "a", "--y-cols", "b"],
     r"--x-cols: no column 'a' in 'semi.csv'.*looks like one column - give the separator with --sep"),
    ("text column to a continuous estimator", ["text.csv", "--x-cols", "a", "--y-cols", "b", "-m", "ksg"],
     r"y has dtype .* it holds labels, which this estimator cannot take; .*method='ross'"),
    ("missing column", ["semi.csv", "--x-cols", "a", "--y-cols", "q"], r"--y-cols: no column 'q' in 'semi.csv' \(columns: a, b, c\)"),
    ("ragged CSV", ["ragged.csv", "y.npy"], r"X file 'ragged.csv' is not a well-formed CSV.*--sep"),
    ("latin-1 CSV", ["latin1.csv", "y.npy"], r"X file 'latin1.csv' is not UTF-8 text.*save it as UTF-8"),
    ("broken parquet", ["bad.parquet", "y.npy"], r"X file 'bad.parquet' is not a readable Parquet file"),
    ("unknown suffix", ["x.dat", "y.npy"], r"X file 'x.dat' has suffix '.dat'; use .npy, .npz, .csv"),
    ("folder", ["folder.npy", "y.npy"], r"X 'folder.npy' is a folder; pass a data file"),
    ("--sep too long", ["semi.csv", "--sep", ";;", "--x-cols", "a", "--y-cols", "b"], r"--sep must be one character"),
    ("--x-cols name on npy", ["x.npy", "y.npy", "--x-cols", "a"], r"--x-cols needs a 2-D array; 'x.npy' holds shape \(200,\)"),
    ("--x-key on a CSV", ["semi.csv", "y.npy", "--x-key", "a"], r"--x-key applies to .npz files; 'semi.csv' is a table"),
    ("--plot of a non-neural method", ["x.npy", "y.npy", "-m", "ksg", "--plot", "c.png"],
     r"--plot: method 'ksg' has no training curves"),
]


@pytest.mark.parametrize("argv,pattern", [c[1:] for c in CLI_FILE_CASES], ids=[c[0] for c in CLI_FILE_CASES])
def test_cli_file_bad_input(files, capsys, argv, pattern):
    err = _cli_error(capsys, ["estimate", *argv])
    assert re.search(pattern, err), err


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads files without permission")
def test_cli_unreadable_file(files, capsys):
    os.chmod(files / "x.npy", 0)
    try:
        assert "cannot be read (permission denied)" in _cli_error(capsys, ["estimate", "x.npy", "y.npy"])
    finally:
        os.chmod(files / "x.npy", 0o644)


def test_semicolon_csv_is_detected(files, capsys):
    """Not an error: the sniffer finds the ';' separator, and the estimate equals the .npy one."""
    assert cli_main(["estimate", "semi.csv", "--x-cols", "a", "--y-cols", "b", "--json", "-m", "gaussian"]) == 0
    from_csv = capsys.readouterr().out
    assert cli_main(["estimate", "x.npy", "y.npy", "--json", "-m", "gaussian"]) == 0
    import json

    a, b = json.loads(from_csv), json.loads(capsys.readouterr().out)
    assert a["mi"] == pytest.approx(b["mi"], rel=1e-12)   # same numbers, written to CSV with 17 digits


def test_debug_shows_the_traceback(files, capsys):
    assert cli_main(["--debug", "estimate", "zero.npy", "y.npy"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "FileReadError" in err and err.strip().splitlines()[-1].startswith("infolens estimate: error:")
    assert cli_main(["estimate", "zero.npy", "y.npy", "--debug"]) == 2      # after the command too
    assert "Traceback" in capsys.readouterr().err


def test_a_bug_is_not_hidden(files, monkeypatch):
    """Only the user's input errors become one line: anything else propagates (a traceback)."""
    import infolens.api

    def broken(*a, **k):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(infolens.api, "estimate_mi", broken)
    with pytest.raises(ZeroDivisionError):
        cli_main(["estimate", "x.npy", "y.npy"])


# ----------------------------------------------------------------------------- study configs


def _yaml(tmp_path, text, name="c.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def _read_yaml(t, text, name="c.yaml"):
    from infolens.io import read_yaml

    return read_yaml(_yaml(t, text, name) if text is not None else str(t / name))


def _study_run(module, cfg):
    import importlib

    return importlib.import_module(f"infolens.studies.{module}").run(cfg)


def _sweep(path):
    from infolens.runner import Sweep

    return Sweep.from_yaml(path)


def _compression(cfg):
    from infolens.studies import compression

    return lambda: compression.run({"dataset": "digits", "sizes": [4], "estimators": {}, "classifiers": ["logreg"],
                                    "verbose": False, **cfg})


def _infoplane(cfg):
    from infolens.studies import infoplane

    return lambda: infoplane.run({"verbose": False, **cfg})


CONFIG_CASES = [
    ("YAML syntax", lambda t: _read_yaml(t, "dataset: digits\nsizes: [4, 8\n"), ConfigError,
     r"c.yaml:3:1: YAML syntax error.*fix that line"),
    ("YAML indentation", lambda t: _read_yaml(t, "dataset: digits\n  n_train: 3\n"), ConfigError,
     r"c.yaml:2:10: YAML syntax error: mapping values"),
    ("YAML list at top", lambda t: _read_yaml(t, "- a\n- b\n"), ConfigError, r"must hold a mapping of keys to values"),
    ("config file missing", lambda t: _read_yaml(t, None, "none.yaml"), DataNotFoundError,
     r"config file .*none.yaml' not found"),
    ("unknown key", lambda t: _compression({"n_trian": 100})(), ConfigError,
     r"unknown key\(s\) 'n_trian' \(did you mean 'n_train'\?\)"),
    ("nested param typo", lambda t: _compression({"estimators": {"mine": {"epoch": 5}}})(), ConfigError,
     r"^estimators.mine: .*'epoch' \(did you mean 'epochs'\?\)"),
    ("nested param value", lambda t: _compression({"estimators": {"ksg": {"k": 0}}})(), ConfigError,
     r"^estimators.ksg: k must be an integer >= 1"),
    ("nested params not a mapping", lambda t: _compression({"estimators": {"ksg": 5}})(), ConfigError,
     r"^estimators.ksg must be a mapping of parameters"),
    ("unknown estimator", lambda t: _compression({"estimators": {"mien": {}}})(), ConfigError,
     r"^estimators.mien: unknown method 'mien'; did you mean 'mine'"),
    ("sizes over the set", lambda t: _compression({"n_train": 1500, "n_test": 500, "out_dir": str(t / "o")})(),
     ConfigError, r"n_train \+ n_test = 1500 \+ 500 = 2000 but digits\S* has 1797 images; lower them \(--n-train/--n-test\)"),
    ("n_train leaves no test", lambda t: _compression({"n_train": 1790, "out_dir": str(t / "o")})(), ConfigError,
     r"n_train=1790 leaves 7 .* lower --n-train to at most 1787"),
    ("infoplane nested typo", lambda t: _infoplane({"y_estimators": {"sliced": {"n_projection": 5}}})(), ConfigError,
     r"^y_estimators.sliced: .*'n_projection' \(did you mean 'n_projections'\?\)"),
    ("infoplane n_eval", lambda t: _infoplane({"n_eval": 600, "n_test": 100})(), ConfigError, r"n_eval=600 must be <= n_test=100"),
    ("privacy unknown key", lambda t: _study_run("privacy", {"n_step": 3}), ConfigError,
     r"unknown key\(s\) 'n_step' \(did you mean 'n_steps'\?\)"),
    ("gan-toy unknown key", lambda t: _study_run("gan_toy", {"n_trian": 3}), ConfigError,
     r"unknown key\(s\) 'n_trian' \(did you mean 'n_train'\?\)"),
    ("infomax size over the split", lambda t: _study_run("infomax", {"n_train": 5000, "out_dir": str(t / "never")}),
     ConfigError, r"n_train=5000 but the train split of digits has 1348 images; lower --n-train"),
    ("sweep nested param typo", lambda t: _sweep(_yaml(t, "tasks: [1v1-normal-0.75]\nestimators:\n  - {name: ksg, "
                                                   "params: {kk: 3}}\n", "s.yaml")), ConfigError,
     r"^estimators: ksg with \{'kk': 3\}: .*'kk' \(did you mean 'k'\?\)"),
    ("sweep unknown key", lambda t: _sweep(_yaml(t, "tasks: [a]\nestimator: [ksg]\n", "s.yaml")), ConfigError,
     r"unknown key\(s\) 'estimator' \(did you mean 'estimators'\?\)"),
    ("sweep YAML syntax", lambda t: _sweep(_yaml(t, "tasks: [a\nn: 3\n", "s.yaml")), ConfigError,
     r"s.yaml:2:\d+: YAML syntax error"),
]


@pytest.mark.parametrize("fn,exc,pattern", [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES])
def test_config_bad_input(tmp_path, fn, exc, pattern):
    _raises(lambda: fn(tmp_path), exc, pattern)


def test_changed_config_in_a_run_folder(tmp_path):
    from infolens.errors import RunFolderError
    from infolens.studies.config import check_run_folder

    (tmp_path / "config.json").write_text('{"n_train": 100, "seed": 0, "out_dir": "a"}')
    assert check_run_folder(tmp_path, {"n_train": 100, "seed": 0, "out_dir": "b"}, ignore=("out_dir",)) == []
    err = _raises(lambda: check_run_folder(tmp_path, {"n_train": 200, "seed": 0}, ignore=("out_dir",)),
                  RunFolderError, r"holds a run with a different configuration \(n_train: 100 -> 200\).*--resume-changed")
    assert "--out" in str(err)
    assert check_run_folder(tmp_path, {"n_train": 200, "seed": 0}, ignore=("out_dir",), resume_changed=True) == ["n_train"]


def test_cli_config_errors_are_one_line(tmp_path, capsys):
    bad = _yaml(tmp_path, "dataset: digits\nsizes: [4, 8\n")
    assert re.search(r"c.yaml:3:1: YAML syntax error", _cli_error(capsys, ["run", "compression", "--config", bad]))
    typo = _yaml(tmp_path, "estimators:\n  mine: {epoch: 5}\n", "t.yaml")
    assert "(did you mean 'epochs'?)" in _cli_error(capsys, ["run", "compression", "--config", typo])
    sweep = _yaml(tmp_path, "tasks: [a\n", "s.yaml")
    assert "YAML syntax error" in _cli_error(capsys, ["bench", "--config", sweep, "--out", str(tmp_path / "b")])


# ----------------------------------------------------------------------------- audit tables


def _tables(n=40, seed=1):
    rng = np.random.default_rng(seed)
    return [pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "label": rng.integers(0, 2, n)})
            for _ in range(3)]


def _audit(real=None, synthetic=None, holdout=None, **kw):
    from infolens.audit import audit

    r, s, h = _tables()
    return lambda: audit(r if real is None else real, s if synthetic is None else synthetic,
                         h if holdout is None else holdout, n_permutations=10, n_bootstrap=10, verbose=False, **kw)


_R, _S, _H = _tables()
AUDIT_CASES = [
    ("missing column", _audit(synthetic=_S.drop(columns=["b"])), InputError,
     r"column mismatch between real and synthetic: missing from synthetic: \['b'\]"),
    ("target absent from synthetic", _audit(synthetic=_S.drop(columns=["label"]), target="label"), InputError,
     r"missing from synthetic: \['label'\]"),
    ("target not a column", _audit(target="diagnosis"), InputError, r"target='diagnosis' is not a column; columns are"),
    ("extra column", _audit(holdout=_H.assign(c=1.0)), InputError, r"extra in holdout: \['c'\]"),
    ("mixed dtypes", _audit(synthetic=_S.assign(a=["x"] * len(_S))), InputError,
     r"column 'a' holds numbers in real but .* values in synthetic \(e.g. 'x'\); give the column the same type"),
    ("NaN", _audit(real=_R.assign(a=_R["a"].where(_R.index != 3))), InputError,
     r"real has missing values \(a: 1\); impute them first, or pass missing='drop'"),
    ("all rows dropped", _audit(real=_R.assign(a=np.nan), missing="drop"), InputError,
     r"real has no rows left after dropping rows with missing values"),
    ("unknown categorical", _audit(categorical=["colour"]), InputError,
     r"categorical names columns \['colour'\] that the tables do not have"),
    ("empty synthetic", _audit(synthetic=_S.iloc[:0]), InputError, r"synthetic has no rows"),
    ("tiny holdout", _audit(holdout=_H.iloc[:3]), InputError, r"holdout table needs at least 4 rows.*got 3"),
    ("3-D array", _audit(real=np.zeros((4, 2, 2))), InputError, r"real must be a table .*flatten images"),
    ("duplicate columns", _audit(real=pd.concat([_R, _R[["a"]]], axis=1)), InputError, r"real has duplicate column names"),
    ("missing file", _audit(real="/nonexistent/real.csv"), DataNotFoundError, r"real: no file at '/nonexistent/real.csv'"),
    ("encoding", _audit(encoding="l2"), InputError, r"encoding must be one of 'euclidean', 'gower'; got 'l2'"),
    ("missing policy", _audit(missing="impute"), InputError, r"missing must be one of 'error', 'drop'"),
    ("task", _audit(task="clustering"), InputError, r"task must be one of 'auto', 'classification', 'regression'"),
    ("text target as regression", _audit(real=_R.assign(label=["yes", "no"] * 20), synthetic=_S.assign(label=["no"] * 40),
                                         holdout=_H.assign(label=["yes"] * 40), target="label", task="regression"),
     InputError, r"task='regression' needs a numeric target, but 'label' holds .* values \(e.g. 'yes'\); use task='classification'"),
    ("categorical column with NaN", _audit(synthetic=_S.assign(colour=[None] + ["red"] * 39),
                                           real=_R.assign(colour="red"), holdout=_H.assign(colour="blue")),
     InputError, r"synthetic has missing values \(colour: 1\); impute them first"),
]


@pytest.mark.parametrize("fn,exc,pattern", [c[1:] for c in AUDIT_CASES], ids=[c[0] for c in AUDIT_CASES])
def test_audit_bad_input(fn, exc, pattern):
    _raises(fn, exc, pattern)


def test_cli_audit_zero_row_table(tmp_path, capsys):
    for name, df in zip(("real", "synthetic", "holdout"), _tables()):
        df.to_csv(tmp_path / f"{name}.csv", index=False)
    (tmp_path / "synthetic.csv").write_text("a,b,label\n")
    err = _cli_error(capsys, ["audit", "--real", str(tmp_path / "real.csv"), "--synthetic", str(tmp_path / "synthetic.csv"),
                              "--holdout", str(tmp_path / "holdout.csv"), "--out", str(tmp_path / "o"), "--quiet"])
    assert re.search(r"--synthetic file .*synthetic.csv' has a header \(a, b, label\) but zero data rows", err)


# ----------------------------------------------------------------------------- data loaders


def _idx(path, arr, magic=(0, 0, 0x08), compress=False, cut=0):
    header = struct.pack(">BBB", *magic) + struct.pack(">B", arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    data = header + arr.astype(np.uint8).tobytes()
    data = data[: len(data) - cut] if cut else data
    if compress:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path


def _image_folder(tmp_path):
    from PIL import Image

    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(4):
        Image.fromarray(np.full((6, 6), 50 * i, np.uint8)).save(root / f"im{i}.png")
    (root / "im2.png").write_bytes(b"not a png")
    (root / "labels.csv").write_text("filename,label\n" + "".join(f"im{i}.png,{'ab'[i % 2]}\n" for i in range(4)))
    return root


def _load(*a, **k):
    from infolens.data import load_dataset

    return lambda t: load_dataset(*a, **k)


def _corrupt_image(t):
    from infolens.data import load_dataset, resize_images

    return resize_images(load_dataset("folder", data_dir=_image_folder(t)), 2, verbose=False)


def _read_idx(**kw):
    from infolens.data import read_idx

    return lambda t: read_idx(_idx(t / ("f.idx.gz" if kw.get("compress") else "f.idx"), np.zeros((5, 3, 3)), **kw))


def _npz_dataset(t):
    from infolens.data import load_dataset

    np.savez(t / "bad.npz", x=np.zeros(3))
    return load_dataset(str(t / "bad.npz"))


def _huge_header(t):
    from infolens.data import read_idx

    (t / "huge.idx").write_bytes(struct.pack(">BBBBIII", 0, 0, 8, 3, 2**31 - 1, 28, 28) + b"abc")
    return read_idx(t / "huge.idx")


def _not_gzip(t):
    from infolens.data import read_idx

    (t / "f.gz").write_bytes(b"\x1f\x8b\x00\x00garbage")
    return read_idx(t / "f.gz")


DATA_CASES = [
    ("corrupt image", _corrupt_image, InputError, r"image file .*im2.png' \(index 2\) is corrupt.*skip_bad=True"),
    ("truncated IDX", _read_idx(cut=5), InputError, r"IDX file .*f.idx'.*truncated or corrupt - download it again"),
    ("truncated gzipped IDX", _read_idx(cut=5, compress=True), InputError, r"IDX file .*f.idx.gz'.*truncated"),
    ("wrong IDX magic", _read_idx(magic=(1, 2, 0x08)), InputError, r"IDX file .*f.idx' has a bad header.*MNIST-format"),
    ("IDX header shape too large", _huge_header, InputError, r"header says shape \(2147483647, 28, 28\).*download it again"),
    ("broken gzip", _not_gzip, InputError, r"IDX file .*f.gz' is not a valid gzip file"),
    ("npz without images", _npz_dataset, InputError, r"bad.npz: an .npz data set needs arrays 'images' and 'labels'"),
    ("unknown data set", _load("fashion-mnsit"), InputError, r"unknown data set 'fashion-mnsit'; use one of digits"),
    ("split", _load("digits", split="val"), InputError, r"split must be 'train', 'test' or 'all' for digits, got 'val'"),
    ("limit", _load("digits", limit=0), InputError, r"limit must be a positive integer or None, got 0"),
    ("label spec", _load("digits", label="ten"), InputError, r"label 'ten': 'ten' is neither a class nor a group"),
    ("label sides overlap", _load("digits", label="1,2/2,3"), InputError, r"classes \[2\] are on both sides"),
    ("folder without data_dir", _load("folder"), InputError, r"data_dir is required for the 'folder' data set"),
    ("MNIST not installed", lambda t: _load("mnist", data_dir=t)(t), DataNotFoundError,
     r"mnist IDX files .* not found .*download the four IDX files.*--data-dir"),
    ("npz path missing", lambda t: _load(str(t / "none.npz"))(t), DataNotFoundError, r"data file .*none.npz' does not exist"),
]


@pytest.mark.parametrize("fn,exc,pattern", [c[1:] for c in DATA_CASES], ids=[c[0] for c in DATA_CASES])
def test_data_loader_bad_input(tmp_path, fn, exc, pattern):
    err = _raises(lambda: fn(tmp_path), exc, pattern)
    assert "dataset-mnist" not in str(err)   # there is no such Debian package


def test_case_count():
    """The issue asks for at least 60 cases across the five areas."""
    n = len(ESTIMATOR_CASES) + len(CLI_FILE_CASES) + len(CONFIG_CASES) + len(AUDIT_CASES) + len(DATA_CASES)
    assert n >= 60 and min(map(len, (ESTIMATOR_CASES, CLI_FILE_CASES, CONFIG_CASES, AUDIT_CASES, DATA_CASES))) >= 10



def test_auto_with_more_columns_than_rows_says_to_reduce_them_and_tiny_samples_are_not_called_discrete():
    """2000 columns for 100 rows: every candidate of auto failed or did not apply, and auto
    crashed with "max() arg is an empty sequence"; now an InputError names the columns and the
    fix. Twelve continuous rows were called "discrete-valued" (one row alone is 8% of 12, above
    the 5% tie share) although no value repeats."""
    import infolens
    from infolens.errors import InputError

    rng = np.random.default_rng(0)
    x = rng.standard_normal((100, 2000))
    y = x[:, :1] + 0.5 * rng.standard_normal((100, 1))
    with pytest.raises(InputError, match="2001 columns together for 100 rows.*reduce the columns"):
        infolens.estimate_mi(x, y, random_state=0)
    x = rng.standard_normal((12, 2))
    r = infolens.estimate_mi(x, 0.8 * x + 0.6 * rng.standard_normal((12, 2)), random_state=0, warn=False)
    assert not r.has_warning("discrete-values") and r.diagnostics["trust"] != "ok"
