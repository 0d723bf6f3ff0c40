"""The benchmark: every estimator on the known-truth tasks, through the runner.

A job is ``{"task", "estimator", "params", "n", "seed"}``: sample ``n`` points of the task
with ``seed`` (every estimator sees the same data), estimate, and return the estimate next
to the true MI and the time. ``run_bench`` runs a suite (resumable), then writes the tidy
tables, the figures and ``report.html``.
"""

from __future__ import annotations

import inspect
import os
import time
from pathlib import Path
from typing import Any, Sequence

from .io import write_json
from .registry import estimator_class, list_estimators

#: per-suite defaults: sample sizes and number of seeds
SUITE_DEFAULTS: dict[str, dict[str, Any]] = {
    "quick": {"n": [500, 2000], "seeds": 2},
    "standard": {"n": [5000], "seeds": 3},
    "hard": {"n": [5000], "seeds": 3},
}


def is_neural(name: str) -> bool:
    """True for estimators that run torch models (the class tag ``small_torch_model``: the
    critic and diffusion estimators, and ``auto``, whose candidates include them)."""
    return estimator_class(name).small_torch_model


#: estimators of another quantity than I(X;Y): sliced MI averages the MI of random 1-d
#: projections (<= MI), max-sliced MI takes the best projection; a class may also say so
#: with an ``estimand`` attribute other than "mi". They run when named, not by default.
OTHER_ESTIMANDS = frozenset({"sliced", "max-sliced"})


def estimates_mi(name: str) -> bool:
    """False for estimators of a different quantity (see :data:`OTHER_ESTIMANDS`)."""
    cls = estimator_class(name)
    return getattr(cls, "estimand", "mi") == "mi" and cls.name not in OTHER_ESTIMANDS


def nonparametric_estimators() -> list[str]:
    """Every registered estimator of I(X;Y) that does not train a network (kNN, Gaussian,
    binning, mixed, compressed, ...); sliced MI and max-sliced MI are left out (another quantity)."""
    return [e for e in list_estimators() if not is_neural(e) and estimates_mi(e)]


def resolve_estimators(estimators: str | Sequence[str] | None) -> list[str]:
    """``None``/"nonparametric" -> the non-neural estimators of I(X;Y); "all" -> every registered
    one; "neural" -> the neural ones; or a list / comma-separated names (checked against the registry)."""
    if estimators is None or estimators == "nonparametric":
        return nonparametric_estimators()
    if estimators == "all":
        return list_estimators()
    if estimators == "neural":
        return [e for e in list_estimators() if is_neural(e)]
    names = [s.strip() for s in estimators.split(",")] if isinstance(estimators, str) else list(estimators)
    names = [n for n in names if n]
    if not names:
        raise ValueError("estimators is empty; pass names such as 'ksg,gaussian', or 'all' / 'nonparametric'")
    for n in names:
        estimator_class(n)  # raises a ValueError listing what is available
    return names


def _spec_name(spec: Any) -> str:
    """The estimator name of a sweep entry: "ksg", {"name": "ksg", ...} or {"ksg": {...}}."""
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict) and spec:
        return str(spec["name"]) if "name" in spec else str(next(iter(spec)))
    raise TypeError(f"estimator entries must be a name or a dict, got {spec!r}")


def bench_job(config: dict[str, Any]) -> dict[str, Any]:
    """One benchmark job: estimate I(X;Y) on ``n`` samples of ``task`` drawn with ``seed``."""
    from .distributions import get_task

    task = get_task(config["task"])
    t0 = time.perf_counter()
    x, y = task.sample(int(config["n"]), random_state=int(config["seed"]))
    return estimate_record(config, x, y, task.mi, (task.dim_x, task.dim_y), time.perf_counter() - t0,
                           discrete_y=task.discrete_y)


def estimate_record(config: dict[str, Any], x: Any, y: Any, truth: float, dims: tuple[int, int],
                    sample_seconds: float, discrete_y: bool = False) -> dict[str, Any]:
    """The record of one benchmark job on samples ``x``, ``y`` already drawn (or read): the
    ``config``'s estimator with its ``params`` and ``seed``, no progress bars, labels declared
    (``discrete_y``) rather than guessed; what a run folder's ``results.jsonl`` holds."""
    from .api import estimate_mi

    params = dict(config.get("params") or {})
    accepted = inspect.signature(estimator_class(config["estimator"]).__init__).parameters
    if "verbose" in accepted:
        params.setdefault("verbose", False)  # no progress bars inside workers
    if discrete_y and "discrete_y" in accepted:
        params.setdefault("discrete_y", True)  # labels are declared, not guessed
    res = estimate_mi(x, y, method=config["estimator"], warn=False, random_state=int(config["seed"]), **params)
    return {
        "estimate": res.mi,
        "truth": truth,
        "stderr": res.stderr,
        "ci": None if res.ci is None else [float(res.ci[0]), float(res.ci[1])],
        "estimator_seconds": res.seconds,
        "sample_seconds": sample_seconds,
        "dim_x": dims[0],
        "dim_y": dims[1],
        "warnings": list(res.warnings),
        # what method="auto" chose and how far it trusts it (None for other estimators)
        "choice": (res.diagnostics.get("choice") or {}).get("method"),
        "trust": res.diagnostics.get("trust"),
        "evidence": auto_evidence(res.diagnostics) if "trust" in res.diagnostics else None,
    }


def auto_evidence(d: dict[str, Any]) -> dict[str, Any]:
    """What ``method="auto"``'s grade and interval rest on, from its diagnostics, kept in a
    benchmark row so that a rule can be read against the rows afterwards: each candidate's
    value, interval and bias tag, the model check's two KSG values with their errors, the
    trust codes and what the interval added."""
    mc = d.get("model_check") or {}
    return {"candidates": {k: {"mi": v.get("mi"), "ci": v.get("ci"), "bias": v.get("bias")}
                           for k, v in (d.get("candidates") or {}).items()},
            "check": {k: mc.get(k) for k in ("model", "columns", "ksg_data", "ksg_model", "se_data", "se_model",
                                             "passed")} if mc else None,
            "trust_codes": d.get("trust_codes"), "interval": d.get("interval")}


def bench_configs(tasks: Sequence[str], estimators: Sequence[Any], n: Sequence[int] | int, seeds: Sequence[int] | int) -> list[dict[str, Any]]:
    """The product of tasks x estimators x n x seeds as job configs (see :class:`infolens.runner.Sweep`)."""
    from .runner import Sweep

    # Sweep takes a list, a tuple or one int (runner.sweep._as_list); its annotation says list
    return Sweep(tasks=list(tasks), estimators=list(estimators), n=n, seeds=seeds).configs()  # type: ignore[arg-type]


def run_bench(
    out: str | os.PathLike[str],
    suite: str = "quick",
    estimators: str | Sequence[Any] | None = None,
    n: Sequence[int] | int | None = None,
    seeds: Sequence[int] | int | None = None,
    tasks: Sequence[str] | None = None,
    n_jobs: int = 1,
    scheduler: Any = None,
    progress: bool | None = True,
    report: bool = True,
) -> dict[str, Any]:
    """Run a benchmark suite into the run folder ``out`` (resumable: re-running skips finished
    jobs) and, with ``report=True``, write ``results.csv``, ``results.parquet``, ``summary.csv``,
    the figures and ``report.html``. Returns ``{"rows", "tables", "wall_seconds", "out"}``."""
    from .distributions import get_task, suite_task_ids
    from .runner import run_jobs

    defaults: dict[str, Any] | None = SUITE_DEFAULTS.get(suite) if tasks is None else {"n": [5000], "seeds": 3}
    if defaults is None:
        suite_task_ids(suite)  # raises the ValueError naming the suites
    assert defaults is not None
    task_ids = list(tasks) if tasks is not None else suite_task_ids(suite)
    for t in task_ids:
        get_task(t)  # fail early on a bad id
    if estimators is None or isinstance(estimators, str):
        est_specs: list[Any] = resolve_estimators(estimators)
    else:
        est_specs = list(estimators)
        resolve_estimators([_spec_name(e) for e in est_specs])
    n = defaults["n"] if n is None else n
    seeds = defaults["seeds"] if seeds is None else seeds
    configs = bench_configs(task_ids, est_specs, n, seeds)
    # estimator-major order (stable, in the order given): a run stopped early has whole
    # estimators done, and listing slow estimators last gets the fast ones' results first
    rank: dict[str, int] = {}
    for e in est_specs:
        rank.setdefault(_spec_name(e), len(rank))
    configs.sort(key=lambda c: rank[c["estimator"]])
    out = Path(out)
    write_json(out / "bench.json", {"suite": suite if tasks is None else "custom", "tasks": task_ids,
                                    "estimators": est_specs, "n": n, "seeds": seeds, "jobs": len(configs)})
    t0 = time.perf_counter()
    rows = run_jobs(bench_job, configs, out, n_jobs=n_jobs, scheduler=scheduler, progress=progress, desc="bench")
    wall = time.perf_counter() - t0
    result: dict[str, Any] = {"rows": rows, "wall_seconds": wall, "out": out, "tables": None}
    if report:
        from .report.bench import write_bench_report

        result["tables"] = write_bench_report(out, wall_seconds=wall)
    return result
