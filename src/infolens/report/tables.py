"""Tidy benchmark tables: one row per job, and summaries per estimator and per task.

Accuracy is measured on the log scale, as in the Beyond Normal paper: log(estimate/truth)
(0 is perfect, +-0.0953 is 10% off); "within 10%" means |estimate - truth| <= 0.1 truth,
and for tasks with truth 0 (independence) |estimate| <= ZERO_TOLERANCE nats.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_path

#: a task with MI = 0 counts as "within 10%" when |estimate| <= this many nats
ZERO_TOLERANCE = 0.05

TIDY_COLUMNS = ["task", "estimator", "label", "params", "n", "seed", "estimate", "truth", "stderr",
                "log_ratio", "abs_error", "estimator_seconds", "seconds", "dim_x", "dim_y", "error", "hash",
                "n_warnings", "warnings", "choice", "trust", "covers"]


def estimator_label(name: str, params: Any) -> str:
    """``ksg`` or ``ksg(k=10)``: the estimator with the parameters that were set."""
    if isinstance(params, str):
        params = json.loads(params) if params else {}
    if not params:
        return name
    return f"{name}(" + ", ".join(f"{k}={v}" for k, v in sorted(params.items())) + ")"


def tidy_results(rows: list[dict[str, Any]]):
    """One row per job from the runner's rows (``infolens.runner.read_rows`` or ``run_jobs``):
    task, estimator, label, params (JSON), n, seed, estimate, truth, stderr, log_ratio,
    abs_error, times, and the error message of failed jobs."""
    import pandas as pd

    latest = {r["hash"]: r for r in rows}
    recs = []
    for r in latest.values():
        c, res = r.get("config") or {}, r.get("result") or {}
        if "task" not in c or "estimator" not in c:
            continue
        est, truth = res.get("estimate"), res.get("truth")
        ok = est is not None and truth is not None and np.isfinite(est)
        recs.append({
            "task": c["task"],
            "estimator": c["estimator"],
            "label": estimator_label(c["estimator"], c.get("params")),
            "params": json.dumps(c.get("params") or {}, sort_keys=True),
            "n": int(c["n"]),
            "seed": int(c["seed"]),
            "estimate": est,
            "truth": truth,
            "stderr": res.get("stderr"),
            "log_ratio": float(np.log(est / truth)) if ok and est > 0 and truth > 0 else np.nan,  # type: ignore[operator]  # ok: both set
            "abs_error": abs(est - truth) if ok else np.nan,  # type: ignore[operator]  # ok: both set
            "estimator_seconds": res.get("estimator_seconds"),
            "seconds": r.get("seconds"),
            "dim_x": res.get("dim_x"),
            "dim_y": res.get("dim_y"),
            "error": r.get("error"),
            "hash": r["hash"],
            "n_warnings": len(res.get("warnings") or []),
            "warnings": " | ".join(res.get("warnings") or []),
            "choice": res.get("choice"),
            "trust": res.get("trust"),
            "covers": _covers(res) if ok else None,
        })
    frame = pd.DataFrame.from_records(recs, columns=TIDY_COLUMNS)
    for col in ("estimate", "truth", "stderr", "log_ratio", "abs_error", "estimator_seconds", "seconds"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame.sort_values(["task", "label", "n", "seed"], kind="stable").reset_index(drop=True)


def _covers(res: dict[str, Any]) -> bool | None:
    """Does the job's 95% interval contain the truth? The interval the estimator reported
    (runs made before it was recorded: estimate +- 1.96 stderr); None without either."""
    ci, truth = res.get("ci"), res.get("truth")
    if ci is None and res.get("stderr") is not None:
        ci = (res["estimate"] - 1.96 * res["stderr"], res["estimate"] + 1.96 * res["stderr"])
    if ci is None or truth is None or not all(np.isfinite(v) for v in ci):
        return None
    return bool(ci[0] <= truth <= ci[1])


def _truth_of(task_id: str) -> float:
    """The true MI of a task id, NaN when unknown (data without a stated truth, a moved file)."""
    from ..distributions import get_task

    try:
        return float(get_task(task_id).mi)
    except (ValueError, TypeError, FileNotFoundError):
        return float("nan")


def _within(est: Any, truth: Any) -> Any:
    # 1e-12 slack: exactly 10% off (1.1 vs 1.0) must not fail on float rounding
    return np.where(truth > 0, np.abs(est - truth) <= 0.1 * truth + 1e-12, np.abs(est) <= ZERO_TOLERANCE)


def task_table(tidy, n: int | None = None):
    """Per task x estimator at sample size ``n`` (default: the largest): mean and sd of the
    estimate over seeds, truth, log(mean/truth), within 10%, failed seeds."""
    import pandas as pd

    if tidy.empty:
        return pd.DataFrame(columns=["task", "label", "n", "truth", "mean", "sd", "seeds", "failed", "log_ratio", "within_10pct",
                                     "solved", "mae", "warned"])
    n = int(tidy["n"].max()) if n is None else n
    sub = tidy[tidy["n"] == n]
    g = sub.groupby(["task", "label"], sort=False)
    t = g.agg(truth=("truth", "first"), mean=("estimate", "mean"), sd=("estimate", "std"),
              seeds=("estimate", "count"), failed=("error", lambda e: int(e.notna().sum())),
              estimator_seconds=("estimator_seconds", "mean"),
              mae=("abs_error", "mean"), warned=("n_warnings", lambda w: int((w > 0).sum())),
              covered=("covers", lambda c: int((c == True).sum())),  # noqa: E712 (object column: None, True, False)
              with_ci=("covers", lambda c: int(c.notna().sum()))).reset_index()
    t.insert(2, "n", n)
    # the truth of a task whose jobs all failed comes from the task itself
    if t["truth"].isna().any():
        t.loc[t["truth"].isna(), "truth"] = [_truth_of(x) for x in t.loc[t["truth"].isna(), "task"]]
    with np.errstate(divide="ignore", invalid="ignore"):
        t["log_ratio"] = np.where((t["mean"] > 0) & (t["truth"] > 0), np.log(t["mean"] / t["truth"]), np.nan)
    t["within_10pct"] = _within(t["mean"], t["truth"]) & t["mean"].notna()
    # "solved" as in the Beyond-Normal paper: the mean estimate within a factor 1.5 of the truth
    t["solved"] = np.where(t["truth"] > 0, np.abs(t["log_ratio"]) < np.log(1.5), np.abs(t["mean"]) <= ZERO_TOLERANCE)
    t["solved"] = t["solved"] & t["mean"].notna()
    return t


def summary_table(tidy, n: int | None = None):
    """Per estimator at sample size ``n`` (default: the largest): tasks run, tasks within 10%
    of the truth (mean over seeds), tasks "solved" (mean within a factor 1.5), mean absolute
    error of the single estimates (nats), median |log(estimate/truth)| over tasks with MI > 0
    (an estimate <= 0 counts as infinitely far), failed jobs, jobs whose result carried at
    least one warning, the share of jobs whose 95% interval contains the truth, mean seconds
    per estimate."""
    import pandas as pd

    t = task_table(tidy, n)
    if t.empty:
        return pd.DataFrame(columns=["estimator", "tasks", "within_10pct", "median_abs_log_ratio", "solved", "mae",
                                     "failed_jobs", "warned_jobs", "ci_coverage", "mean_seconds"])
    pos = t[t["truth"] > 0].copy()
    pos["abs_log"] = np.where(pos["mean"] > 0, np.abs(pos["log_ratio"]), np.inf)
    pos.loc[pos["mean"].isna(), "abs_log"] = np.nan
    out = []
    for label, grp in t.groupby("label", sort=True):
        p = pos[pos["label"] == label]
        out.append({
            "estimator": label,
            "tasks": int(len(grp)),
            "within_10pct": int(grp["within_10pct"].sum()),
            "median_abs_log_ratio": float(np.nanmedian(p["abs_log"])) if p["abs_log"].notna().any() else np.nan,
            "solved": int(grp["solved"].sum()),
            "mae": float(np.nanmean(grp["mae"])) if grp["mae"].notna().any() else np.nan,
            "failed_jobs": int(grp["failed"].sum()),
            "warned_jobs": int(grp["warned"].sum()),
            "ci_coverage": float(grp["covered"].sum() / grp["with_ci"].sum()) if grp["with_ci"].sum() else np.nan,
            "mean_seconds": float(grp["estimator_seconds"].mean()),
        })
    return pd.DataFrame(out)


def write_table(frame, path: str | os.PathLike[str]) -> list[Path]:
    """``frame`` as ``path.csv`` and ``path.parquet``, each written atomically."""
    base = Path(path)
    base = base.with_suffix("") if base.suffix in {".csv", ".parquet"} else base
    out = []
    with atomic_path(base.with_suffix(".csv")) as tmp:
        frame.to_csv(tmp, index=False)
    out.append(base.with_suffix(".csv"))
    with atomic_path(base.with_suffix(".parquet")) as tmp:
        frame.to_parquet(tmp, index=False)
    out.append(base.with_suffix(".parquet"))
    return out
