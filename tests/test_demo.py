"""``infolens demo`` (what ``make demo`` runs): picks the data set, runs the compression study,
prints where the report is. Run here on a reduced digits configuration to stay fast."""

import json
from pathlib import Path

import pytest

from infolens.cli import demo as demo_mod
from infolens.cli import main


def test_demo_picks_fashion_mnist_when_installed_else_digits(monkeypatch):
    monkeypatch.setattr(demo_mod, "fashion_mnist_available", lambda: False)
    cfg = demo_mod.demo_config("auto")
    assert cfg["dataset"] == "digits" and cfg["label"] == "even"
    monkeypatch.setattr(demo_mod, "fashion_mnist_available", lambda: True)
    cfg = demo_mod.demo_config("auto")
    assert cfg["dataset"] == "fashion-mnist" and cfg["label"] == "top"
    assert cfg["n_train"] + cfg["n_test"] == 6000 and cfg["n_jobs"] == 2
    with pytest.raises(ValueError, match="dataset must be"):
        demo_mod.demo_config("cifar")


@pytest.mark.slow
def test_demo_runs_and_prints_the_report_path(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("INFOLENS_CACHE", str(tmp_path / "cache"))
    small = {**demo_mod.DEMO_CONFIGS["digits"], "sizes": [2, 8], "classifiers": ["logreg"], "estimators": {}}
    monkeypatch.setitem(demo_mod.DEMO_CONFIGS, "digits", small)
    out = tmp_path / "demo"
    assert main(["demo", "--dataset", "digits", "--out", str(out), "--n-jobs", "1", "--quiet"]) == 0
    printed = capsys.readouterr().out
    report = Path(printed.strip().splitlines()[-1].split("report: ")[1])
    assert report == (out / "report.html").resolve() and report.is_file()
    assert any(p.name.endswith(".npy") for p in (tmp_path / "cache").iterdir())  # resized images cached
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    acc = {r["config"]["size"]: r["result"]["classifiers"]["logreg"]["accuracy"] for r in rows}
    # 450 held-out digits, even vs odd: logistic regression on the native 8x8 pixels is ~90%
    # accurate (binomial se 0.014), 2x2 images keep far less (~70-80%)
    assert acc[8] > 0.85 and acc[8] > acc[2] + 0.05
