"""The runner: store rows, skipping finished jobs, errors recorded, local pool and
Dask giving the same numbers, a killed run resuming without redoing work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from infolens.runner import Sweep, config_hash, load_results, read_rows, repair_store, run_jobs

HERE = Path(__file__).resolve().parent


def mean_job(config: dict) -> dict:
    """Mean of n standard normals drawn with the config's seed: the truth is known in-process."""
    if config.get("fail"):
        raise ValueError(f"asked to fail for seed {config['seed']}")
    rng = np.random.default_rng(config["seed"])
    x = rng.normal(size=config["n"])
    return {"mean": float(x.mean()), "pid": os.getpid()}


def logged_slow_job(config: dict) -> dict:
    """Sleeps, and logs every execution to a side file (to count re-executions)."""
    with open(config["log"], "a") as fh:
        fh.write(f"{config['i']}\n")
    time.sleep(config["sleep"])
    return {"i": config["i"], "square": config["i"] ** 2}


def _truth(config: dict) -> float:
    return float(np.random.default_rng(config["seed"]).normal(size=config["n"]).mean())


def _configs(k: int = 6) -> list[dict]:
    return [{"seed": s, "n": 100 + s} for s in range(k)]


def test_config_hash_is_stable_and_order_free():
    a = {"task": "t", "n": 5, "params": {"k": 3, "b": 1.5}}
    b = {"params": {"b": 1.5, "k": np.int64(3)}, "n": np.int64(5), "task": "t"}
    assert config_hash(a) == config_hash(b)
    assert config_hash(a) != config_hash({**a, "n": 6})
    assert len(config_hash(a)) == 16
    with pytest.raises(TypeError, match="config must be a dict"):
        config_hash([1, 2])


def test_serial_rows_skip_and_errors(tmp_path):
    configs = _configs(4) + [{"seed": 9, "n": 10, "fail": True}]
    rows = run_jobs(mean_job, configs, tmp_path, n_jobs=1, progress=False)
    assert [r["hash"] for r in rows] == [config_hash(c) for c in configs]
    for c, r in zip(configs[:4], rows[:4]):
        assert r["error"] is None and set(r) == {"hash", "config", "result", "error", "seconds", "finished_at"}
        assert r["result"]["mean"] == _truth(c)  # same seed, same number, exactly
    assert rows[4]["result"] is None and rows[4]["error"].startswith("ValueError: asked to fail for seed 9")
    assert len(read_rows(tmp_path)) == 5
    # re-run: the 4 finished jobs are skipped, the failed one is retried (and fails again)
    rows2 = run_jobs(mean_job, configs, tmp_path, n_jobs=1, progress=False)
    assert [r["finished_at"] for r in rows2[:4]] == [r["finished_at"] for r in rows[:4]]
    assert len(read_rows(tmp_path)) == 6
    df = load_results(tmp_path)
    assert len(df) == 5 and {"hash", "seed", "n", "mean", "error", "seconds"} <= set(df.columns)
    ok = load_results(tmp_path, errors=False)
    assert np.allclose(ok.sort_values("seed")["mean"].to_numpy(), [_truth(c) for c in configs[:4]], rtol=0, atol=0)


def test_duplicates_run_once_and_bad_input(tmp_path):
    c = {"seed": 1, "n": 10}
    rows = run_jobs(mean_job, [c, dict(c)], tmp_path, progress=False)
    assert rows[0] is rows[1] and len(read_rows(tmp_path)) == 1
    with pytest.raises(TypeError, match="wrap it in a list"):
        run_jobs(mean_job, c, tmp_path, progress=False)
    with pytest.raises(ValueError, match="n_jobs"):
        run_jobs(mean_job, [c], tmp_path, n_jobs=0, progress=False)
    with pytest.raises(ValueError, match="scheduler must be a Dask scheduler address"):
        run_jobs(mean_job, [c], tmp_path, scheduler="localhost:8786", progress=False)


def test_torn_line_is_repaired(tmp_path):
    run_jobs(mean_job, _configs(2), tmp_path, progress=False)
    store = tmp_path / "results.jsonl"
    with open(store, "ab") as fh:
        fh.write(b'{"hash": "abc", "conf')  # what a writer killed mid-line would leave
    assert len(read_rows(tmp_path)) == 2
    assert repair_store(tmp_path) == 1
    assert store.read_bytes().endswith(b"\n") and len(store.read_text().splitlines()) == 2
    rows = run_jobs(mean_job, _configs(3), tmp_path, progress=False)
    assert [json.loads(line)["hash"] for line in store.read_text().splitlines()] == [r["hash"] for r in rows]


def test_local_pool_matches_serial(tmp_path, monkeypatch):
    monkeypatch.delenv("INFOLENS_SCHEDULER", raising=False)
    configs = _configs(6) + [{"seed": 7, "n": 10, "fail": True}]
    serial = run_jobs(mean_job, configs, tmp_path / "serial", n_jobs=1, progress=False)
    pool = run_jobs(mean_job, configs, tmp_path / "pool", n_jobs=2, progress=False)
    assert [r["result"] and r["result"]["mean"] for r in pool] == [r["result"] and r["result"]["mean"] for r in serial]
    assert pool[-1]["error"].startswith("ValueError")
    assert {r["result"]["pid"] for r in pool[:-1]} - {os.getpid()}  # ran in worker processes
    # the store has one complete line per job, in whatever order they finished
    assert sorted(r["hash"] for r in read_rows(tmp_path / "pool")) == sorted(config_hash(c) for c in configs)


@pytest.mark.slow
def test_dask_local_cluster_matches_local_pool(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    configs = _configs(6) + [{"seed": 7, "n": 10, "fail": True}]
    monkeypatch.delenv("INFOLENS_SCHEDULER", raising=False)
    local = run_jobs(mean_job, configs, tmp_path / "local", n_jobs=2, progress=False)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        # via the environment variable, as `INFOLENS_SCHEDULER=tcp://... infolens bench` would
        monkeypatch.setenv("INFOLENS_SCHEDULER", cluster.scheduler_address)
        remote = run_jobs(mean_job, configs, tmp_path / "dask", n_jobs=1, progress=False)
    strip = lambda rows: [(r["hash"], r["result"] and r["result"]["mean"], r["error"] is None) for r in rows]  # noqa: E731
    assert strip(remote) == strip(local)
    assert {r["result"]["pid"] for r in remote[:-1]} - {os.getpid()}
    assert len(read_rows(tmp_path / "dask")) == len(configs)


_KILL_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_runner import logged_slow_job
from infolens.runner import run_jobs
configs = [{{"i": i, "sleep": 0.08, "log": {log!r}}} for i in range(40)]
run_jobs(logged_slow_job, configs, {out!r}, n_jobs=1, progress=False)
"""


def test_killed_run_resumes_without_redoing(tmp_path):
    out, log = tmp_path / "run", tmp_path / "executions.log"
    script = _KILL_SCRIPT.format(tests=str(HERE), log=str(log), out=str(out))
    proc = subprocess.Popen([sys.executable, "-c", script])
    store = out / "results.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline:
        if store.exists() and len(store.read_bytes().splitlines()) >= 5:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = read_rows(out)
    assert 5 <= len(before) < 40, "the run should have been killed half-way"
    for line in store.read_bytes().splitlines(keepends=True)[:-1]:
        json.loads(line)  # every line but a possibly torn last one is complete JSON
    done_before = {r["config"]["i"] for r in before}

    configs = [{"i": i, "sleep": 0.08, "log": str(log)} for i in range(40)]  # the same hashes as the killed run
    rows = run_jobs(logged_slow_job, configs, out, n_jobs=1, progress=False)
    assert [r["result"]["square"] for r in rows] == [i * i for i in range(40)]
    runs = [int(s) for s in log.read_text().split()]
    for i in done_before:
        assert runs.count(i) == 1, f"job {i} finished before the kill but was run again"
    assert sorted(set(runs)) == list(range(40))
    lines = store.read_text().splitlines()
    assert all(json.loads(line)["error"] is None for line in lines)
    assert sorted(json.loads(line)["config"]["i"] for line in lines) == list(range(40))
    # (that the finished jobs were not redone is shown by the execution log above, not by a
    # wall-time bound, which a busy machine would break)


def test_sweep_product_and_yaml(tmp_path):
    sw = Sweep(tasks=["a", "b"], estimators=["ksg", {"name": "ksg", "grid": {"k": [3, 10]}}, {"gaussian": {}}],
               n=[100, 200], seeds=3)
    cfgs = sw.configs()
    assert len(cfgs) == 2 * 4 * 2 * 3 and len(sw) == 48
    assert {(c["estimator"], json.dumps(c["params"])) for c in cfgs} == {
        ("ksg", "{}"), ("ksg", '{"k": 3}'), ("ksg", '{"k": 10}'), ("gaussian", "{}")}
    assert len({config_hash(c) for c in cfgs}) == 48
    p = tmp_path / "sweep.yaml"
    p.write_text("tasks: [a, b]\nestimators:\n  - ksg\n  - {name: ksg, grid: {k: [3, 10]}}\n  - gaussian: {}\n"
                 "n: [100, 200]\nseeds: 3\n")
    assert Sweep.from_yaml(p).configs() == cfgs
    p.write_text("tasks: [a]\nestimator: [ksg]\n")
    with pytest.raises(ValueError, match="unknown key"):
        Sweep.from_yaml(p)
    with pytest.raises(ValueError, match="seeds"):
        Sweep(tasks=["a"], estimators=["ksg"], seeds=0).configs()


def crashing_job(config: dict) -> dict:
    """Kills its own worker process for the config marked ``crash`` (a segfault / OOM kill stand-in)."""
    if config.get("crash"):
        os._exit(3)
    return mean_job(config)


@pytest.mark.slow
def test_worker_death_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    monkeypatch.delenv("INFOLENS_SCHEDULER", raising=False)
    configs = _configs(2) + [{"seed": 99, "n": 10, "crash": True}] + [{"seed": s, "n": 50} for s in range(10, 12)]
    rows = run_jobs(crashing_job, configs, tmp_path, n_jobs=2, progress=False)
    assert rows[2]["result"] is None and rows[2]["error"].startswith("BrokenProcessPool")
    # only the job that killed its worker fails; the jobs in flight beside it are re-run and succeed
    for c, r in zip(configs[:2] + configs[3:], rows[:2] + rows[3:]):
        assert r["error"] is None and r["result"]["mean"] == _truth(c)
