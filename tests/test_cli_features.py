"""``infolens features TABLE --target COL``: the ranked table, features.csv, the bar chart
and report.html; errors as one line with exit status 2."""

import numpy as np
import pandas as pd

from infolens.cli import main


def write_table(path, n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    df = pd.DataFrame(
        {
            "id": np.arange(n),
            "signal": 2 * y + rng.normal(size=n),
            "noise": rng.normal(size=n),
            "colour": np.array(["red", "blue"])[(y + (rng.uniform(size=n) < 0.2)) % 2],
            "label": np.where(y == 1, "yes", "no"),
        }
    )
    df.to_csv(path, index=False)


def test_features_command_writes_table_chart_and_report(tmp_path, capsys):
    write_table(tmp_path / "data.csv")
    out = tmp_path / "out"
    rc = main(
        ["features", str(tmp_path / "data.csv"), "--target", "label", "--drop", "id", "--permutations", "39", "--out", str(out)]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert text.splitlines()[1].startswith("signal")
    assert "of 3 ranked columns informative" in text
    table = pd.read_csv(out / "features.csv")
    assert list(table["feature"][:2]) == ["signal", "colour"] and "id" not in set(table["feature"])
    assert table.set_index("feature").loc["colour", "method"] == "plugin-chance"
    assert (out / "features.png").stat().st_size > 0 and (out / "features.svg").exists()
    html = (out / "report.html").read_text()
    assert "data:image/png;base64" in html and "signal" in html
    assert "--drop id" in html and "--permutations 39" in html  # the re-run line gives the same table


def test_features_command_errors_are_one_line(tmp_path, capsys):
    write_table(tmp_path / "data.csv", n=50)
    assert main(["features", str(tmp_path / "data.csv"), "--target", "nope", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--target: no column 'nope'" in err and len(err.strip().splitlines()) == 1
