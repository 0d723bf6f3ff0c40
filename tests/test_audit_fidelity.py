"""Fidelity figures, mixed column types, input checks, the full audit, its files and the CLI."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp, wasserstein_distance

from infolens.audit import TableEncoder, audit, column_metrics, kneighbors, tstr
from infolens.cli import main as cli_main


def table(n, rng, shift=0.0):
    x = rng.normal(size=(n, 3)) + shift
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    df["group"] = np.where(x[:, 0] > 0, "high", "low")       # a text column: categorical
    df["y"] = (x[:, 0] + x[:, 1] > 0).astype(int)
    return df


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(0)
    return table(400, rng), table(400, rng), table(400, rng)


def test_column_metrics_match_scipy(frames):
    tr, syn, _ = frames
    enc = TableEncoder().fit(tr, syn)
    cols = column_metrics(tr, syn, enc).set_index("column")
    assert cols.loc["a", "ks"] == pytest.approx(ks_2samp(tr.a, syn.a).statistic)
    assert cols.loc["b", "wasserstein_sd"] == pytest.approx(wasserstein_distance(tr.b, syn.b) / tr.b.std(ddof=0))
    p, q = tr.group.value_counts(normalize=True), syn.group.value_counts(normalize=True)
    assert cols.loc["group", "tvd"] == pytest.approx(abs(p["high"] - q["high"]))   # two levels: TVD = |p - q|
    assert cols.loc["group", "kind"] == "categorical"


def test_gower_encoding_gives_gower_distance(frames):
    tr, syn, _ = frames
    enc = TableEncoder("gower").fit(tr, syn)
    z_tr, z_syn = enc.transform(tr), enc.transform(syn)
    d, i = kneighbors(z_syn[:5], z_tr, k=1, metric=enc.metric)
    # Gower (1971) by hand for the first synthetic row and its reported neighbour
    a, b = syn.iloc[0], tr.iloc[i[0, 0]]
    num = sum(abs(a[c] - b[c]) / (tr[c].max() - tr[c].min()) for c in ["a", "b", "c", "y"])
    assert d[0, 0] == pytest.approx((num + (a["group"] != b["group"])) / 5, rel=1e-12)


def test_tstr_against_known_truth():
    rng = np.random.default_rng(1)
    tr, ho = table(600, rng), table(400, rng)
    good = tstr(tr, table(600, rng), ho, "y", random_state=0)
    # y = 1{a + b > 0} is learnable: both models reach > 90% on real holdout rows
    assert good["task"] == "classification" and good["trtr"] > 0.9 and good["tstr"] > 0.9
    shuffled = table(600, rng)
    shuffled["y"] = rng.permutation(shuffled["y"].to_numpy())
    bad = tstr(tr, shuffled, ho, "y", random_state=0)
    # labels independent of features: accuracy ~ 0.5 (sd 0.025 on 400 rows; 4 sd)
    assert abs(bad["tstr"] - 0.5) < 0.1


def test_input_errors(frames):
    tr, syn, ho = frames
    with pytest.raises(ValueError, match="column mismatch.*missing from synthetic.*'c'"):
        audit(tr, syn.drop(columns=["c"]), ho, verbose=False)
    bad = syn.copy()
    bad.loc[3, "a"] = np.nan
    with pytest.raises(ValueError, match="missing values.*missing='drop'"):
        audit(tr, bad, ho, verbose=False)
    with pytest.raises(ValueError, match="target='nope'"):
        audit(tr, syn, ho, target="nope", verbose=False)
    res = audit(tr, bad, ho, missing="drop", n_permutations=10, n_bootstrap=10, verbose=False)
    assert res.metrics["rows_dropped_missing"]["synthetic"] == 1 and res.metrics["n_synthetic"] == 399


def test_full_audit_on_mixed_table_catches_copier(frames, tmp_path):
    tr, syn, ho = frames
    res = audit(tr, tr.sample(frac=1, random_state=0), ho, target="y", n_permutations=20, n_bootstrap=20,
                verbose=False)
    assert res.metrics["categorical_columns"] == ["group"]
    assert res.metrics["mia_distance_tpr_at_1pct_fpr"] == 1.0 and res.metrics["holdout_share"] == 1.0
    status = res.summary().set_index("check")["status"]
    assert status["exact copies of training rows"] == "at risk"
    assert status["near copies: training vs holdout"] == "at risk"
    assert status["closer to training than to holdout"] == "at risk"
    assert res.verdict()["memorisation"] and res.verdict()["headline"].startswith("Do not release")
    files = res.save(tmp_path / "a")
    data = json.loads(open(files["json"]).read())
    assert data["metrics"]["exact_copies"] == 400
    html = open(files["report"]).read()
    assert "at risk" in html and "data:image/png;base64" in html
    assert (tmp_path / "a" / "roc_loglog.svg").exists()


def test_cli_audit(frames, tmp_path, capsys):
    tr, syn, ho = frames
    for name, df in (("train", tr), ("syn", syn), ("hold", ho)):
        df.to_csv(tmp_path / f"{name}.csv", index=False)
    args = ["audit", "--real", str(tmp_path / "train.csv"), "--synthetic", str(tmp_path / "syn.csv"),
            "--holdout", str(tmp_path / "hold.csv"), "--target", "y", "--permutations", "20",
            "--bootstrap", "20", "--out", str(tmp_path / "out"), "--quiet"]
    assert cli_main(args) == 0
    out = capsys.readouterr().out
    assert "membership attack" in out and (tmp_path / "out" / "report.html").exists()
    # an independent sample passes the holdout test (share ~ 0.5: sd 0.025 for 400 rows, 4 sd)
    data = json.loads((tmp_path / "out" / "audit.json").read_text())
    assert abs(data["metrics"]["holdout_share"] - 0.5) < 0.1
    syn.drop(columns=["b"]).to_csv(tmp_path / "syn.csv", index=False)
    assert cli_main(args) == 2
    assert "column mismatch" in capsys.readouterr().err
