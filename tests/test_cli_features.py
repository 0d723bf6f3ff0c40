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


def test_features_command_says_copied_records_and_draws_a_leak_without_numpy_warnings(tmp_path, capsys):
    """A table with 300 copied records and a leaked target (the target in other units): the
    console says the copies once, as the table's own warning, and that every column was
    scored on the distinct rows; the report says it too; the leak's open interval is drawn
    as text, not as an error bar to infinity (which made matplotlib overflow)."""
    import warnings

    rng = np.random.default_rng(0)
    n = 1500
    y = rng.normal(size=n)
    df = pd.DataFrame({"leak_eur": 0.9 * y + 3, "sig": y + rng.normal(size=n), "noise": rng.normal(size=n),
                       "target": y})
    df = pd.concat([df, df.sample(300, random_state=1)]).reset_index(drop=True)
    df.to_csv(tmp_path / "t.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        rc = main(["features", str(tmp_path / "t.csv"), "--target", "target", "--out", str(tmp_path / "o"),
                   "--permutations", "0"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "(table)" in out and "300 of 1800 rows" in out and "scored on the 1500 distinct rows" in out
    assert out.splitlines()[1].split()[0] == "leak_eur" and "ill-posed" in out.splitlines()[1]
    assert "Copied records: 300 of 1800 rows" in (tmp_path / "o" / "report.html").read_text()


def test_what_the_target_says_is_printed_and_reported(tmp_path, capsys):
    """A target whose labels are spelt two ways ('no', 'No '): its note is printed under
    Warnings as "(target)" and written into the report."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=400)
    y = np.where(x > 0, "yes", np.where(rng.random(400) < 0.5, "no", "No "))
    pd.DataFrame({"x": x, "y": y}).to_csv(tmp_path / "t.csv", index=False)
    assert main(["features", str(tmp_path / "t.csv"), "--target", "y", "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    assert "(target)" in text and "'No ' = 'no'" in text
    assert "'No ' = 'no'" in (tmp_path / "o" / "report.html").read_text().replace("&#x27;", "'")
