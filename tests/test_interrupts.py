"""A killed run loses no finished work, and its resumed result equals an uninterrupted run.

For each kind of run folder - the five studies and ``infolens bench`` - the same command is
run three times in subprocesses: once to the end (the reference), once interrupted (SIGINT,
Ctrl-C, or SIGKILL) as soon as the folder holds finished work, and once more in that folder
to resume. Checked: the interrupted process did not finish; every job line written before the
kill is still in the store, byte for byte, and was not run again; the resumed store has every
job exactly once; the final results equal the reference's (timings aside). Everything is
seeded and runs on CPU with one job at a time, so "equal" means equal (float columns are
compared with a relative tolerance of 1e-9, far below any estimator's noise, to allow for a
last-bit difference in a mean written to CSV).

The SIGINT runs start the command the way a CI runner's non-interactive shell starts a
background job: with SIGINT ignored (and, for good measure, blocked). Python installs no
KeyboardInterrupt handler for an ignored SIGINT, so before ``infolens.cli.main`` set its own
handler such a run dropped the signal and exited 0 - the failure seen only in full ``make
test`` runs started in the background. Every SIGINT test now exercises that worst case.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

TIMING = ("seconds", "time", "finished_at", "wall")


def _cli(argv, cwd):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("INFOLENS_SCHEDULER", None)
    return [sys.executable, "-m", "infolens", *argv], env


def _run(argv, cwd, timeout=600):
    cmd, env = _cli(argv, cwd)
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _store_lines(out: Path) -> list[bytes]:
    store = out / "results.jsonl"
    return store.read_bytes().splitlines(keepends=True) if store.exists() else []


def _complete_lines(out: Path) -> list[bytes]:
    return [ln for ln in _store_lines(out) if ln.endswith(b"\n")]


def hostile_parent() -> None:
    """``preexec_fn``: the child starts with SIGINT ignored and blocked, as a background job of
    a non-interactive shell (``sh -c 'cmd &'``) starts; the CLI must undo both."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _interrupt(argv, cwd, ready, sig, timeout=300):
    """Start the command, wait until ``ready()`` says finished work is on disk, send ``sig``."""
    cmd, env = _cli(argv, cwd)
    pre = hostile_parent if sig == signal.SIGINT else None
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=pre)
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None and not ready():
        time.sleep(0.01)  # the workloads below leave >= ~0.5 s of jobs after the first one, even on a fast machine
    assert proc.poll() is None, "the run finished (or failed) before it could be interrupted:\n" + proc.stderr.read()[-2000:]
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0, "the interrupted run reports success"
    if sig == signal.SIGINT:
        assert proc.returncode == 130 and "finished work is saved" in err, err[-2000:]
    return proc


def _frame(path: Path) -> pd.DataFrame:
    """The table without timing columns, paths inside its run folder written as <OUT>."""
    df = pd.read_csv(path)
    df = df.drop(columns=[c for c in df.columns if any(t in c for t in TIMING)])
    for c in df.columns:
        if df[c].dtype == object or pd.api.types.is_string_dtype(df[c]):
            df[c] = df[c].map(lambda v: v.replace(str(path.parent), "<OUT>") if isinstance(v, str) else v)
    return df


def _same_table(a: Path, b: Path) -> None:
    pd.testing.assert_frame_equal(_frame(a), _frame(b), check_exact=False, rtol=1e-9)


def _strip(obj):
    """A job result without its timings, for comparison."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items() if not any(t in k for t in TIMING)}
    if isinstance(obj, list):
        return [_strip(v) for v in obj]
    return obj


def _results_by_job(out: Path) -> dict[str, object]:
    """Job results keyed by their config, with the run folder's path written as <OUT> (job
    configs of some studies name files inside their folder, so the hashes differ)."""
    rows = [json.loads(ln) for ln in _complete_lines(out)]
    return {json.dumps(r["config"], sort_keys=True).replace(str(out), "<OUT>"):
            json.loads(json.dumps(_strip(r["result"])).replace(str(out), "<OUT>")) for r in rows}


def _check_store(killed_lines: list[bytes], out: Path, ref: Path) -> None:
    final = _complete_lines(out)
    assert final[: len(killed_lines)] == killed_lines, "a job finished before the kill was rewritten"
    hashes = [json.loads(ln)["hash"] for ln in final]
    assert len(hashes) == len(set(hashes)), "a job finished before the kill was run again"
    ours, theirs = _results_by_job(out), _results_by_job(ref)
    assert ours.keys() == theirs.keys()
    for h in ours:
        _assert_close(ours[h], theirs[h])


def _assert_close(a, b):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_close(a[k], b[k])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            _assert_close(u, v)
    elif isinstance(a, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12, nan_ok=True)
    else:
        assert a == b


def _yaml(path: Path, cfg: dict) -> str:
    import yaml

    path.write_text(yaml.safe_dump(cfg))
    return str(path)


def _runner_study(tmp_path, study, cfg, sig, table="results.csv"):
    cfg_path = _yaml(tmp_path / "cfg.yaml", cfg)
    ref, out = tmp_path / "ref", tmp_path / "run"
    base = ["run", study, "--config", cfg_path, "--quiet"]
    _run([*base, "--out", str(ref)], tmp_path)
    _interrupt([*base, "--out", str(out)], tmp_path, lambda: len(_complete_lines(out)) >= 1, sig)
    killed = _complete_lines(out)
    assert 1 <= len(killed) < len(_complete_lines(ref)), "the kill should land between jobs of the run"
    _run([*base, "--out", str(out)], tmp_path)
    _check_store(killed, out, ref)
    _same_table(out / table, ref / table)


def test_compression_sigkill(tmp_path):
    cfg = {"dataset": "digits", "label": "even", "sizes": [2, 3, 4, 5, 6, 7, 8], "n_train": 400, "n_test": 200,
           "classifiers": ["logreg"], "estimators": {"ksg": {"k": 3}}, "n_jobs": 1, "cache_dir": str(tmp_path / "cache"),
           "seeds": [0, 1]}  # two seeds: the resumed run pools them into the same table
    _runner_study(tmp_path, "compression", cfg, signal.SIGKILL, table="table.csv")


def test_infoplane_sigint(tmp_path):
    cfg = {"dataset": "digits", "hidden": [12, 6], "epochs": 2, "record_epochs": [0, 1, 2], "n_train": 400,
           "n_test": 200, "n_eval": 200, "lr": 0.01, "x_estimators": {"compressed": {"dim": 2, "dim_y": 2}},
           "y_estimators": {"compressed": {"dim": 2}, "sliced": {"n_projections": 20}}, "figure_formats": ["png"],
           "n_jobs": 1, "seeds": [0]}
    _runner_study(tmp_path, "infoplane", cfg, signal.SIGINT)


def test_privacy_sigkill(tmp_path):
    cfg = {"generators": ["copy", "gaussian", "gan"], "dp_noise": [], "n_steps": 3, "images": False,
           "n_bootstrap": 20, "n_permutations": 20, "n_jobs": 1}
    _runner_study(tmp_path, "privacy", cfg, signal.SIGKILL)


def test_gan_toy_sigint(tmp_path):
    cfg = {"distributions": ["gaussian", "ring"], "losses": ["gan", "wgan"], "n_train": 300, "n_eval": 300,
           "n_steps": 100, "n_permutations": 20, "n_jobs": 1}
    _runner_study(tmp_path, "gan-toy", cfg, signal.SIGINT)


def test_infomax_sigint_between_encoders(tmp_path):
    """DIM's run folder is per encoder: a checkpoint per epoch and a per-map MI table. The
    interrupt lands after encoder A's table is written; the resumed run reads it back."""
    cfg = {"dataset": "digits", "size": 10, "n_train": 64, "n_test": 60, "n_mi_images": 3, "n_grid_images": 2,
           "channels": 4, "depth": 2, "summary_dim": 8, "epochs": 2, "batch_size": 32, "max_locations": 32,
           "encoders": ["A", "B", "C"], "seeds": [0], "max_epochs": 2, "device": "cpu"}
    cfg_path = _yaml(tmp_path / "cfg.yaml", cfg)
    ref, out = tmp_path / "ref", tmp_path / "run"
    base = ["run", "infomax", "--config", cfg_path, "--quiet"]
    _run([*base, "--out", str(ref)], tmp_path)
    _interrupt([*base, "--out", str(out)], tmp_path, lambda: (out / "map_mi_A_seed0.csv").exists(), signal.SIGINT)
    first = (out / "map_mi_A_seed0.csv").read_bytes()
    assert not (out / "results.csv").exists()
    _run([*base, "--out", str(out)], tmp_path)
    assert (out / "map_mi_A_seed0.csv").read_bytes() == first          # read back, not recomputed
    _same_table(out / "results.csv", ref / "results.csv")
    _same_table(out / "map_mi.csv", ref / "map_mi.csv")


def test_bench_sigkill(tmp_path):
    ref, out = tmp_path / "ref", tmp_path / "run"
    base = ["bench", "--tasks", "1v1-normal-0.75,multinormal-dense-2-2-0.5,student-identity-2-2-2",
            "--estimators", "gaussian,ksg,binning", "--n", "2000,4000", "--seeds", "2", "--quiet", "--no-report"]
    _run([*base, "--out", str(ref)], tmp_path)
    _interrupt([*base, "--out", str(out)], tmp_path, lambda: len(_complete_lines(out)) >= 2, signal.SIGKILL)
    killed = _complete_lines(out)
    assert 2 <= len(killed) < 36
    _run([*base, "--out", str(out)], tmp_path)
    _check_store(killed, out, ref)
    assert len(_complete_lines(out)) == 36
    assert np.isfinite([json.loads(ln)["result"]["estimate"] for ln in _complete_lines(out)]).all()
