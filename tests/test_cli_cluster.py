"""``infolens features`` and ``infolens matrix`` on a Parquet folder: the cluster path
(``--scheduler local``: a LocalCluster of 2 worker processes made and closed by the command,
or an address of a cluster the test starts), the same report files and the same top
columns as the in-memory command on the same rows in a CSV file."""

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

from infolens.cli import main
from infolens.distributed import cluster_client


def write_data(folder, n=8000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    df = pd.DataFrame({"signal": x, "noise": rng.normal(size=n), "grade": rng.integers(0, 3, n)})
    df["y"] = x + 0.8 * df["grade"] + rng.normal(size=n)
    dd.from_pandas(df, npartitions=3).to_parquet(str(folder / "data"))
    df.to_csv(folder / "data.csv", index=False)
    return df


LOCAL = ["--scheduler", "local", "--workers", "2", "--memory-limit", "1GiB"]


def test_features_on_a_parquet_folder_matches_memory(tmp_path, capsys):
    write_data(tmp_path)
    rc = main(["features", str(tmp_path / "data"), "--target", "y", "--permutations", "20", "--out", str(tmp_path / "c")] + LOCAL)
    assert rc == 0
    assert main(["features", str(tmp_path / "data.csv"), "--target", "y", "--permutations", "20", "--out", str(tmp_path / "m")]) == 0
    text = capsys.readouterr().out
    cl, mem = pd.read_csv(tmp_path / "c" / "features.csv"), pd.read_csv(tmp_path / "m" / "features.csv")
    assert list(cl["feature"]) == list(mem["feature"]) == ["signal", "grade", "noise"]
    assert (cl.set_index("feature")["mi"] - mem.set_index("feature")["mi"]).abs().max() < 0.02
    for d in ("c", "m"):
        assert (tmp_path / d / "report.html").stat().st_size > 0 and (tmp_path / d / "features.png").exists()
    assert "8000 rows" in (tmp_path / "c" / "report.html").read_text()
    assert text.count("signal") >= 2


def test_matrix_on_a_cluster_by_address(tmp_path, capsys):
    """--scheduler tcp://...: a cluster started outside the command (here by the test)."""
    df = write_data(tmp_path, n=5000, seed=1)
    with cluster_client("local", n_workers=2, memory_limit="1GiB") as client:
        rc = main(["matrix", str(tmp_path / "data"), "--scheduler", client.scheduler.address, "--out", str(tmp_path / "c")])
    assert rc == 0
    pairs = pd.read_csv(tmp_path / "c" / "pairs.csv")
    assert len(pairs) == 6
    top = pairs.iloc[0]
    assert {top["a"], top["b"]} == {"signal", "y"} and top["method"] == "ksg"
    assert (tmp_path / "c" / "matrix.png").exists() and (tmp_path / "c" / "report.html").exists()
    assert main(["matrix", str(tmp_path / "data.csv"), "--out", str(tmp_path / "m")]) == 0
    mem = pd.read_csv(tmp_path / "m" / "pairs.csv")
    assert {mem.iloc[0]["a"], mem.iloc[0]["b"]} == {"signal", "y"}
    assert abs(mem.iloc[0]["mi"] - top["mi"]) < 3 * np.hypot(mem.iloc[0]["stderr"], top["stderr"])
    assert df.shape[1] == 4


def test_cluster_errors_are_one_line(tmp_path, capsys):
    assert main(["features", str(tmp_path / "missing"), "--target", "y", "--scheduler", "local"]) == 2
    err = capsys.readouterr().err
    assert "no file or folder" in err and len(err.strip().splitlines()) == 1
    assert main(["matrix", str(tmp_path / "x.csv"), "--scheduler", "nonsense"]) == 2


@pytest.mark.parametrize("cmd", ["features", "matrix"])
def test_help_names_the_scheduler(cmd, capsys):
    with pytest.raises(SystemExit):
        main([cmd, "--help"])
    assert "--scheduler" in capsys.readouterr().out
