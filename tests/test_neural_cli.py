"""`infolens estimate X Y --method infonce --epochs ... --batch-size ... --device ... --plot`."""

import json
import math

import numpy as np

from infolens.cli import main


def test_estimate_neural_with_plot(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1500, 1))
    y = 0.8 * x + 0.6 * rng.normal(size=(1500, 1))  # I = -1/2 log(1 - 0.64) = 0.511 nats
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    rc = main([
        "estimate", str(tmp_path / "x.npy"), str(tmp_path / "y.npy"), "--method", "infonce", "--epochs", "20",
        "--batch-size", "128", "--device", "cpu", "--plot", str(tmp_path / "curves.png"), "--json",
    ])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "infonce" and out["params"]["epochs"] == 20 and out["params"]["batch_size"] == 128
    # 300 test rows: stderr ~0.05 nats; 0.15 covers 3 of them
    assert abs(out["mi"] - (-0.5 * math.log(1 - 0.64))) < 0.15
    assert (tmp_path / "curves.png").stat().st_size > 1000


def test_plot_of_a_non_neural_method_is_a_clear_error(tmp_path, capsys):
    rng = np.random.default_rng(1)
    np.save(tmp_path / "x.npy", rng.normal(size=200))
    np.save(tmp_path / "y.npy", rng.normal(size=200))
    rc = main(["estimate", str(tmp_path / "x.npy"), str(tmp_path / "y.npy"), "--method", "gaussian",
               "--plot", str(tmp_path / "c.png")])
    assert rc == 2
    assert "no training curves" in capsys.readouterr().err
    assert not (tmp_path / "c.png").exists()
