"""bench_trust's ``--samples`` reader: saved ``<task_id>__n<N>__s<seed>.npz`` samples (the
Beyond-Normal package's own, written by benchmarks/dump_bmi_samples.py) are read back exactly,
selected by n and seed, refused with a clear error when malformed, and estimated.

Tolerance of the one estimate: a bivariate Gaussian with correlation 0.6 has I = -log(1 - 0.36)/2
= 0.2231 nats; the Gaussian estimator's standard error at n = 4000 is about |rho| / sqrt(n) =
0.0095 nats, so 0.04 nats is about 4 standard errors (and the seed is fixed); a reader that
swapped x for noise or lost the truth would miss by 0.2.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_trust.py"
RHO = 0.6
TRUTH = -0.5 * np.log(1 - RHO**2)


@pytest.fixture(scope="module")
def bt():
    spec = importlib.util.spec_from_file_location("bench_trust", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    try:
        spec.loader.exec_module(mod)
        yield mod
    finally:
        sys.modules.pop(spec.name, None)


def _write(folder: Path, task: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0], [[1, RHO], [RHO, 1]], size=n)
    x, y = z[:, :1], z[:, 1:]
    np.savez(folder / f"{task}__n{n}__s{seed}.npz", x=x, y=y, mi=np.float64(TRUTH), task=np.str_(task))
    return x, y


def test_read_samples_round_trip(bt, tmp_path):
    x, y = _write(tmp_path, "1v1-normal-0.6", 300, 2)
    s = bt.read_samples(tmp_path / "1v1-normal-0.6__n300__s2.npz")
    assert (s["task"], s["n"], s["seed"]) == ("1v1-normal-0.6", 300, 2)
    np.testing.assert_array_equal(s["x"], x)
    np.testing.assert_array_equal(s["y"], y)
    assert s["mi"] == pytest.approx(TRUTH, abs=1e-12)


def test_sample_configs_select_n_and_seeds(bt, tmp_path):
    for n, seed in [(300, 0), (300, 1), (300, 2), (500, 0)]:
        _write(tmp_path, "1v1-normal-0.6", n, seed)
    cfgs = bt.sample_configs(tmp_path, ["gaussian", "ksg"], 300, 2)
    assert sorted((c["estimator"], c["n"], c["seed"]) for c in cfgs) == [
        ("gaussian", 300, 0), ("gaussian", 300, 1), ("ksg", 300, 0), ("ksg", 300, 1)]
    assert len(bt.sample_configs(tmp_path, ["gaussian"], None, 3)) == 4
    with pytest.raises(ValueError, match="--n"):
        bt.sample_configs(tmp_path, ["gaussian"], 1000, 3)


def test_malformed_samples_are_refused(bt, tmp_path):
    bad_name = tmp_path / "normal.npz"
    np.savez(bad_name, x=np.zeros((3, 1)), y=np.zeros((3, 1)), mi=0.0)
    with pytest.raises(ValueError, match="__n<N>__s<seed>"):
        bt.read_samples(bad_name)
    no_truth = tmp_path / "t__n3__s0.npz"
    np.savez(no_truth, x=np.zeros((3, 1)), y=np.zeros((3, 1)))
    with pytest.raises(ValueError, match="mi"):
        bt.read_samples(no_truth)
    wrong_n = tmp_path / "t__n4__s0.npz"
    np.savez(wrong_n, x=np.zeros((3, 1)), y=np.zeros((3, 1)), mi=0.0)
    with pytest.raises(ValueError, match="n=4"):
        bt.read_samples(wrong_n)


def test_samples_job_and_summary(bt, tmp_path, capsys):
    samples = tmp_path / "samples"
    samples.mkdir()
    _write(samples, "1v1-normal-0.6", 4000, 0)
    cfg = bt.sample_configs(samples, ["gaussian"], 4000, 1)[0]
    out = bt.samples_job(cfg)
    assert out["truth"] == pytest.approx(TRUTH, abs=1e-12)
    assert out["estimate"] == pytest.approx(TRUTH, abs=0.04)
    assert (out["dim_x"], out["dim_y"]) == (1, 1)
    assert bt.main(["--samples", str(samples), "--estimators", "gaussian", "--seeds", "1",
                    "--out", str(tmp_path / "run")]) == 0
    printed = capsys.readouterr().out
    row = next(line for line in printed.splitlines() if line.startswith("gaussian "))
    assert row.split()[-1] == "1/1"  # the one task's mean estimate is within 10% of its truth
    assert f"samples {samples}" in printed
