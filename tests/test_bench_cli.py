"""``infolens bench`` / ``infolens report`` end to end with real estimators on known-truth tasks."""

from __future__ import annotations

import json

import numpy as np
import pytest

import infolens
from infolens.bench import bench_job, nonparametric_estimators, resolve_estimators
from infolens.cli import main
from infolens.distributions import get_task
from infolens.runner import read_rows


def test_bench_job_matches_direct_estimate():
    cfg = {"task": "multinormal-sparse-3-3-2-2.0", "estimator": "ksg", "params": {"k": 5}, "n": 1500, "seed": 4}
    out = bench_job(cfg)
    x, y = get_task(cfg["task"]).sample(1500, random_state=4)
    direct = infolens.estimate_mi(x, y, method="ksg", k=5, random_state=4)
    assert out["estimate"] == direct.mi  # same data, same seed: the same number
    assert out["truth"] == pytest.approx(-np.log(0.36))
    # KSG on a 3+3 Gaussian at n=1500 is biased low by ~0.1-0.15 nats; sd ~0.03
    assert 0.7 < out["estimate"] < 1.1


def test_estimator_selection():
    nonpar = nonparametric_estimators()
    assert {"ksg", "gaussian"} <= set(nonpar)
    assert not any(infolens.estimator_class(e).__module__.startswith("infolens.estimators.neural") for e in nonpar)
    assert "sliced" not in nonpar  # sliced MI is another quantity: run only when named
    assert resolve_estimators("ksg, gaussian") == ["ksg", "gaussian"]
    assert set(resolve_estimators("all")) == set(infolens.list_estimators())
    with pytest.raises(ValueError, match="unknown method"):
        resolve_estimators("ksg,nope")


@pytest.mark.slow
def test_bench_cli_end_to_end(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("INFOLENS_SCHEDULER", raising=False)
    out = tmp_path / "run"
    argv = ["bench", "--tasks", "1v1-normal-0.75,student-identity-2-2-2", "--estimators", "gaussian,ksg",
            "--n", "400,2000", "--seeds", "2", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "16 jobs (0 failed)" in printed and "report.html" in printed
    rows = read_rows(out)
    assert len(rows) == 16
    est = {(r["config"]["task"], r["config"]["estimator"], r["config"]["n"], r["config"]["seed"]): r["result"]["estimate"]
           for r in rows}
    # Gaussian MI on a binormal with rho=0.75 at n=2000: sd ~ rho/sqrt(n) ~ 0.017; 0.07 is 4 sd
    for seed in (0, 1):
        assert abs(est[("1v1-normal-0.75", "gaussian", 2000, seed)] - 0.4133) < 0.07
        assert abs(est[("1v1-normal-0.75", "ksg", 2000, seed)] - 0.4133) < 0.08  # KSG sd ~0.02 here
    summary = (out / "summary.csv").read_text()
    assert summary.startswith("estimator,tasks,within_10pct,median_abs_log_ratio")
    for f in ("results.parquet", "tasks.csv", "report.html", "figures/heatmap.png", "bench.json"):
        assert (out / f).is_file()
    assert json.loads((out / "bench.json").read_text())["jobs"] == 16

    # re-running the same command finishes nothing new: the store is unchanged
    before = (out / "results.jsonl").read_bytes()
    assert main(argv + ["--no-report"]) == 0
    assert (out / "results.jsonl").read_bytes() == before

    (out / "report.html").unlink()
    assert main(["report", str(out)]) == 0
    assert (out / "report.html").is_file()


@pytest.mark.slow
def test_bench_yaml_config_and_failures(tmp_path, capsys):
    cfg = tmp_path / "sweep.yaml"
    cfg.write_text("tasks: [1v1-normal-0.75]\nestimators:\n  - {name: ksg, grid: {k: [3, 10]}}\n  - ross\n"
                   "n: [300]\nseeds: 1\n")
    out = tmp_path / "y"
    assert main(["bench", "--config", str(cfg), "--out", str(out), "--quiet"]) == 0
    rows = read_rows(out)
    assert sorted(json.dumps(r["config"]["params"]) for r in rows) == ['{"k": 10}', '{"k": 3}', "{}"]
    failed = [r for r in rows if r["error"]]
    # `ross` needs a discrete y: its job records the error and the sweep goes on
    assert len(failed) == 1 and failed[0]["config"]["estimator"] == "ross"
    text = capsys.readouterr().out
    assert "ksg(k=10)" in text and "ksg(k=3)" in text


def test_list_tasks(capsys):
    assert main(["bench", "--suite", "standard", "--list-tasks"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()[1:]
    assert len(lines) == 40
    row = next(line.split() for line in lines if line.startswith("multinormal-sparse-5-5-2-2.0 "))
    assert row[1:3] == ["5", "5"] and float(row[3]) == pytest.approx(-np.log(0.36), abs=1e-4)


def test_bench_cli_errors(tmp_path, capsys):
    assert main(["bench", "--estimators", "nope", "--out", str(tmp_path / "x")]) == 2
    assert "unknown method 'nope'" in capsys.readouterr().err
    assert main(["bench", "--tasks", "multinormal-foo-1", "--out", str(tmp_path / "x")]) == 2
    assert "unknown task id" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nothing")]) == 2
    with pytest.raises(SystemExit):
        main(["bench", "--n", "1"])


@pytest.mark.slow
def test_bench_on_a_data_file(tmp_path):
    from infolens.bench import run_bench

    rng = np.random.default_rng(1)
    x = rng.normal(size=(4000, 1))
    y = 0.6 * x + 0.8 * rng.normal(size=(4000, 1))  # corr 0.6: truth -1/2 log(1 - 0.36)
    np.savez(tmp_path / "with_truth.npz", x=x, y=y, mi=-0.5 * np.log(0.64))
    np.savez(tmp_path / "no_truth.npz", x=x, y=y)
    tasks = [f"file:{tmp_path / 'with_truth.npz'}", f"file:{tmp_path / 'no_truth.npz'}"]
    res = run_bench(tmp_path / "run", tasks=tasks, estimators="gaussian", n=3000, seeds=2, progress=False)
    t = res["tables"]["tasks"].set_index("task")
    # Gaussian MI on 3000 of these rows: sd ~ 0.6/sqrt(3000) = 0.011; 0.05 is > 4 sd
    assert abs(t.loc[tasks[0], "mean"] - (-0.5 * np.log(0.64))) < 0.05
    assert np.isnan(t.loc[tasks[1], "truth"]) and not t.loc[tasks[1], "within_10pct"]
    assert abs(t.loc[tasks[1], "mean"] - t.loc[tasks[0], "mean"]) < 1e-12  # same rows, same seeds
    assert (tmp_path / "run" / "report.html").is_file()
