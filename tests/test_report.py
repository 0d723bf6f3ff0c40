"""Report tables and files from runner rows with known numbers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from infolens.report import summary_table, task_table, tidy_results, write_table
from infolens.report.bench import write_bench_report
from infolens.runner.store import append_row, make_row


def _row(task, est, n, seed, estimate, truth, error=None, params=None):
    cfg = {"task": task, "estimator": est, "params": params or {}, "n": n, "seed": seed}
    res = None if error else {"estimate": estimate, "truth": truth, "stderr": 0.01, "estimator_seconds": 0.5,
                              "dim_x": 1, "dim_y": 1}
    return make_row(cfg, res, error, 1.0)


ROWS = [
    _row("a", "e1", 100, 0, 1.0, 1.0), _row("a", "e1", 100, 1, 1.2, 1.0),       # mean 1.1: 10% over -> within
    _row("b", "e1", 100, 0, 0.5, 2.0), _row("b", "e1", 100, 1, 0.5, 2.0),       # log(0.25)
    _row("a", "e2", 100, 0, -0.1, 1.0), _row("a", "e2", 100, 1, -0.1, 1.0),     # negative: infinitely far
    _row("b", "e2", 100, 0, None, None, error="ValueError: boom"), _row("b", "e2", 100, 1, 2.1, 2.0),
    _row("z", "e1", 100, 0, 0.01, 0.0), _row("z", "e1", 100, 1, 0.03, 0.0),     # independence, |mean| 0.02
    _row("a", "e1", 50, 0, 3.0, 1.0),                                           # a smaller n: not in the summary
    _row("a", "e1", 100, 0, 1.0, 1.0, params={"k": 3}),                         # another label
]


def test_tidy_and_summaries():
    tidy = tidy_results(ROWS)
    assert len(tidy) == len(ROWS)
    r = tidy[(tidy.task == "b") & (tidy.label == "e1")].iloc[0]
    assert r.log_ratio == pytest.approx(math.log(0.25)) and r.abs_error == pytest.approx(1.5)
    assert tidy[tidy.label == "e1(k=3)"].shape[0] == 1
    assert tidy["error"].notna().sum() == 1

    tasks = task_table(tidy)  # at the largest n (100)
    assert set(tasks["n"]) == {100}
    a1 = tasks[(tasks.task == "a") & (tasks.label == "e1")].iloc[0]
    assert a1["mean"] == pytest.approx(1.1) and a1["sd"] == pytest.approx(np.std([1.0, 1.2], ddof=1))
    assert a1.log_ratio == pytest.approx(math.log(1.1)) and bool(a1.within_10pct)
    b2 = tasks[(tasks.task == "b") & (tasks.label == "e2")].iloc[0]
    assert b2["mean"] == pytest.approx(2.1) and b2.failed == 1 and b2.seeds == 1

    s = summary_table(tidy).set_index("estimator")
    assert s.loc["e1", "tasks"] == 3 and s.loc["e1", "within_10pct"] == 2  # a (10% over) and z (|0.02| <= 0.05)
    # median over tasks with truth > 0 of |log(mean/truth)|: a -> log 1.1, b -> log 4
    assert s.loc["e1", "median_abs_log_ratio"] == pytest.approx(np.median([math.log(1.1), math.log(4)]))
    # e2: a is negative (inf), b is log(2.1/2): the median of {0.0488, inf} is inf
    assert math.isinf(s.loc["e2", "median_abs_log_ratio"]) and s.loc["e2", "within_10pct"] == 1
    assert s.loc["e2", "failed_jobs"] == 1
    # intervals (estimate +- 1.96 x 0.01 here, no "ci" recorded): of e1's six jobs at n = 100
    # only a/seed 0 (exact) and z/seed 0 (0.01 from 0) contain the truth
    assert s.loc["e1", "ci_coverage"] == pytest.approx(2 / 6)


def test_coverage_uses_the_reported_interval():
    """A recorded (asymmetric) interval decides, not estimate +- 1.96 stderr."""
    cfg = {"task": "a", "estimator": "e", "params": {}, "n": 10, "seed": 0}
    res = {"estimate": 1.0, "truth": 1.3, "stderr": 0.01, "ci": [0.99, 1.4], "estimator_seconds": 0.1, "dim_x": 1, "dim_y": 1}
    tidy = tidy_results([make_row(cfg, res, None, 1.0)])
    assert bool(tidy["covers"].iloc[0]) and summary_table(tidy)["ci_coverage"].iloc[0] == 1.0


def test_latest_row_per_job_wins():
    retry = _row("b", "e2", 100, 0, 1.9, 2.0)  # the failed job, re-run successfully
    tidy = tidy_results(ROWS + [retry])
    b2 = tidy[(tidy.task == "b") & (tidy.label == "e2") & (tidy.seed == 0)]
    assert len(b2) == 1 and b2.iloc[0].estimate == 1.9 and b2.iloc[0].error is None


def test_tables_roundtrip(tmp_path):
    tidy = tidy_results(ROWS)
    paths = write_table(tidy, tmp_path / "results")
    assert [p.suffix for p in paths] == [".csv", ".parquet"]
    back = pd.read_parquet(tmp_path / "results.parquet")
    pd.testing.assert_frame_equal(back, tidy)
    csv = pd.read_csv(tmp_path / "results.csv")
    np.testing.assert_allclose(csv["estimate"], tidy["estimate"])
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left behind


@pytest.mark.slow
def test_bench_report_files(tmp_path):
    for r in ROWS:
        append_row(tmp_path, r)
    tables = write_bench_report(tmp_path, wall_seconds=12.0)
    for name in ("results", "tasks", "summary"):
        assert (tmp_path / f"{name}.csv").is_file() and (tmp_path / f"{name}.parquet").is_file()
    for fig in ("heatmap", "estimate_vs_n", "time_per_estimator"):
        assert (tmp_path / "figures" / f"{fig}.png").stat().st_size > 1000
        assert (tmp_path / "figures" / f"{fig}.svg").is_file()
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o644  # readable by others, like any report
    html = (tmp_path / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3  # figures embedded: opens with no server
    assert "ValueError: boom" in html and "12.0 s" in html
    assert len(tables["summary"]) == 3
    with pytest.raises(FileNotFoundError, match="no results"):
        write_bench_report(tmp_path / "empty")


def test_report_of_a_non_bench_run_keeps_the_study_report(tmp_path, capsys):
    from infolens.cli import main

    for s in range(3):
        append_row(tmp_path, make_row({"study": "x", "size": 8 * (s + 1), "seed": s}, {"mi": 0.5 * s}, None, 2.0))
    (tmp_path / "report.html").write_text("<html>study report</html>")
    assert main(["report", str(tmp_path)]) == 0
    assert (tmp_path / "report.html").read_text() == "<html>study report</html>"
    jobs = pd.read_parquet(tmp_path / "jobs.parquet")
    assert sorted(jobs["mi"]) == [0.0, 0.5, 1.0] and sorted(jobs["size"]) == [8, 16, 24]
    assert "study report" not in (tmp_path / "jobs.html").read_text()
    assert "jobs.html" in capsys.readouterr().out
