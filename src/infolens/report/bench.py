"""The report of a benchmark run folder: tidy tables (CSV + Parquet), figures (PNG + SVG)
and a static ``report.html``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import DataNotFoundError
from ..io import save_figure
from ..runner import read_rows
from . import figures
from .html import HtmlReport
from .tables import ZERO_TOLERANCE, summary_table, task_table, tidy_results, write_table


def is_bench_run(out_dir: str | os.PathLike[str]) -> bool:
    rows = read_rows(out_dir)
    return bool(rows) and all("task" in (r.get("config") or {}) and "estimator" in (r.get("config") or {}) for r in rows[:20])


def write_bench_report(out_dir: str | os.PathLike[str], wall_seconds: float | None = None) -> dict[str, Any]:
    """Read ``out_dir/results.jsonl``; write ``results.{csv,parquet}``, ``tasks.{csv,parquet}``,
    ``summary.{csv,parquet}``, ``figures/*.{png,svg}`` and ``report.html``. Returns the tables."""
    out = Path(out_dir)
    rows = read_rows(out)
    if not rows:
        raise DataNotFoundError(f"no results in {str(out / 'results.jsonl')!r}; run `infolens bench --out {out}` first")
    meta: dict[str, Any] = {}
    if (out / "bench.json").exists():
        meta = json.loads((out / "bench.json").read_text())
    tidy = tidy_results(rows)
    tasks = task_table(tidy)
    order = {t: i for i, t in enumerate(meta.get("tasks") or [])}
    if order:  # the suite's order (1-d tasks first, ...) rather than alphabetical
        tasks = tasks.sort_values("task", key=lambda col: col.map(lambda t: order.get(t, len(order))), kind="stable")
    summary = summary_table(tidy)
    write_table(tidy, out / "results")
    write_table(tasks, out / "tasks")
    write_table(summary, out / "summary")

    rep = HtmlReport(f"Benchmark: {out.name}", subtitle=f"suite {meta.get('suite', '?')}, {len(tidy)} jobs.")
    n_max = int(tidy["n"].max()) if len(tidy) else 0
    failed = int(tidy["error"].notna().sum())
    line = f"{tidy['task'].nunique()} tasks x {tidy['label'].nunique()} estimators x N in {sorted(tidy['n'].unique().tolist())} x {tidy['seed'].nunique()} seeds."
    if wall_seconds is not None:
        line += f" Wall time of the last run: {wall_seconds:.1f} s."
    line += f" Sum of job times: {tidy['seconds'].sum():.1f} s. Failed jobs: {failed}."
    rep.add_text(line)
    rep.add_heading("Summary per estimator")
    rep.add_text(f"At N = {n_max}: tasks whose mean estimate over seeds is within 10% of the truth "
                 f"(|estimate| <= {ZERO_TOLERANCE} nats when the truth is 0), and the median |log(estimate/truth)| "
                 "over tasks with MI > 0 (an estimate <= 0 counts as infinitely far).", css_class="note")
    rep.add_table(summary)
    fig_dir = out / "figures"
    if len(tasks) and tasks["mean"].notna().any():
        fig = figures.heatmap(tasks)
        png = save_figure(fig, fig_dir / "heatmap")[0]  # embed the saved PNG: no second render
        rep.add_heading("log(estimate / truth) per task and estimator")
        rep.add_figure(png, caption="Blue: underestimate, red: overestimate; grey: the job failed, the estimate "
                       "is <= 0, or the truth is 0 (independence, where the cell shows the estimate).")
    if tidy["estimate"].notna().any():
        fig = figures.estimate_vs_n(tidy)
        png = save_figure(fig, fig_dir / "estimate_vs_n")[0]
        rep.add_heading("Estimate vs N")
        rep.add_figure(png, caption="Mean +- sd over seeds; dashed: the true MI.")
        fig = figures.time_per_estimator(tidy)
        png = save_figure(fig, fig_dir / "time_per_estimator")[0]
        rep.add_heading("Time per estimator")
        rep.add_figure(png)
    if "auto" in set(tidy["estimator"]) and tidy.loc[tidy["estimator"] == "auto", "estimate"].notna().any():
        fig = figures.auto_choices(tidy)
        png = save_figure(fig, fig_dir / "auto_choices")[0]
        rep.add_heading("method='auto': error per task and the estimator it chose")
        rep.add_figure(png, caption="In brackets: the trust verdicts over the seeds (ok, caution, unreliable).")
    rep.add_heading("Per task")
    rep.add_table(tasks)
    if failed:
        rep.add_heading("Failed jobs")
        rep.add_table(tidy[tidy["error"].notna()][["task", "label", "n", "seed", "error"]])
    rep.save(out / "report.html")
    return {"tidy": tidy, "tasks": tasks, "summary": summary}


def write_generic_report(out_dir: str | os.PathLike[str]) -> Path:
    """Any run folder with a ``results.jsonl``: the job table as ``jobs.csv``/``jobs.parquet``
    and an HTML page of it. A study's own ``report.html`` is never overwritten: the page is then
    written as ``jobs.html``. Returns the page written."""
    from ..runner import load_results

    out = Path(out_dir)
    frame = load_results(out)
    if frame.empty:
        raise DataNotFoundError(f"no results in {str(out / 'results.jsonl')!r}")
    write_table(frame, out / "jobs")
    failed = int(frame["error"].notna().sum())
    rep = HtmlReport(f"Run: {out.name}", subtitle=f"{len(frame)} jobs, {failed} failed.")
    rep.add_table(frame)
    target = out / ("jobs.html" if (out / "report.html").exists() else "report.html")
    return rep.save(target)
