"""Rows that come in groups (infolens.grouped): one row per group, drawn and averaged.

The reference numbers: a subject-level Gaussian pair, x = u_g + 0.3 e, y = u_g + 0.3 e'
with u_g ~ N(0, 1) shared by the 10 rows of each of 300 subjects, has a row distribution
that is bivariate Gaussian with correlation 1 / 1.09, so I = -0.5 ln(1 - rho^2) = 0.922
nats; its rows carry about as much as 300 independent draws, so an honest interval is
about sqrt(10) = 3.2 times as wide as one that counts 3000 rows.
"""

import numpy as np
import pandas as pd
import pytest

from infolens import estimate_cmi, estimate_mi
from infolens.errors import DataWarning
from infolens.grouped import MIN_GROUPS, group_codes, one_per_group
from infolens.tables import feature_mi

RHO = 1 / 1.09
TRUTH = -0.5 * np.log(1 - RHO**2)


def test_rows_in_subject_order_are_widened_by_their_serial_dependence():
    x, y, g = subjects(300, 10, 11)
    r = estimate_mi(x, y, method="ksg", random_state=0, warn=False)
    f = [w for w in r.flags if w.code == "serial-dependence"]
    assert len(f) == 1 and f[0].data["widened"] > 2.0 and r.ci[0] <= TRUTH <= r.ci[1]


def subjects(G, m, seed, sigma=0.3):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(G), m)
    u = rng.normal(size=G)[g]
    return u + sigma * rng.normal(size=G * m), u + sigma * rng.normal(size=G * m), g


def test_one_row_per_group_is_one_row_of_every_group_drawn_at_random():
    codes = np.repeat(np.arange(50), np.arange(1, 51))  # groups of 1..50 rows
    rows = [one_per_group(codes, np.random.default_rng(s)) for s in range(2)]
    for r in rows:
        assert len(r) == 50 and np.array_equal(np.sort(codes[r]), np.arange(50))
    assert not np.array_equal(rows[0], rows[1])  # another draw takes other rows of the large groups


def test_grouped_interval_counts_groups_and_holds_the_truth():
    x, y, g = subjects(300, 10, 0)
    o = np.random.default_rng(10).permutation(len(x))  # shuffled: no check can see the groups
    x, y, g = x[o], y[o], g[o]
    naive = estimate_mi(x, y, method="ksg", random_state=0, warn=False)
    assert not naive.has_warning("serial-dependence")
    with pytest.warns(DataWarning, match="rows come in 300 groups"):
        got = estimate_mi(x, y, method="ksg", random_state=0, groups=g)
    width = lambda r: r.ci[1] - r.ci[0]  # noqa: E731
    assert 2.0 < width(got) / width(naive) < 5.0  # sqrt(10) = 3.2: the interval counts 300 groups, not 3000 rows
    assert got.ci[0] <= TRUTH <= got.ci[1]
    d = got.diagnostics["groups"]
    assert d["groups"] == 300 and d["rows"] == 3000 and d["draws"] == 5 and got.n_samples == 300
    assert got.mi == pytest.approx(np.mean(d["estimates"]))
    again = estimate_mi(x, y, method="ksg", random_state=0, groups=g, warn=False)
    assert again.mi == got.mi  # the same seed draws the same rows


def test_grouped_auto_keeps_its_grade_and_range_and_cmi_takes_groups():
    x, y, g = subjects(300, 10, 1)
    r = estimate_mi(x, y, random_state=0, groups=pd.Series(g).map(lambda v: f"subject-{v}"), warn=False)
    assert r.diagnostics["trust"] in ("ok", "caution") and r.codes()[0] == "grouped"
    assert abs(r.mi - TRUTH) < 4 * r.stderr
    rng = np.random.default_rng(2)
    c = estimate_cmi(x, rng.normal(size=len(x)), y, random_state=0, groups=g, warn=False)  # I(x; noise | y) = 0
    assert c.ci[0] <= 0.0 <= c.ci[1] and c.n_samples == 300
    # a warning earned by the numbers is said of the combined numbers, not of a draw's
    own = [w for w in c.flags if w.code == "stderr-exceeds-estimate"]
    assert len(own) == 1 and own[0].data["mi"] == pytest.approx(c.mi) and own[0].data["stderr"] == pytest.approx(c.stderr)


def test_a_subject_level_null_column_reads_zero_with_groups_and_not_without():
    # 200 subjects x 10 tight rows: a subject-level column with no relation to a subject-level label
    # (seeds 3-7, shuffled: p at its floor 1/51 in all five, the interval above 0 in three)
    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(200), 10)
    label = (rng.normal(size=200)[g] > 0).astype(int)
    X = pd.DataFrame({"null": rng.normal(size=200)[g] + 0.1 * rng.normal(size=2000),
                      "signal": label + rng.normal(size=2000), "subject": g})
    o = rng.permutation(2000)  # shuffled: no check can see the groups
    X, label = X.iloc[o].reset_index(drop=True), label[o]
    naive = feature_mi(X.drop(columns="subject"), label, random_state=0, n_permutations=50, warn=False).set_index("feature")
    assert naive.loc["null", "ci_low"] > 0 and naive.loc["null", "p_value"] < 0.05  # the trap: a false discovery
    with pytest.warns(DataWarning, match="rows come in 200 groups"):
        got = feature_mi(X, label, random_state=0, n_permutations=50, groups="subject").set_index("feature")
    assert "subject" not in got.index and got.attrs["groups"]["groups"] == 200
    assert got.loc["null", "ci_low"] <= 0 <= got.loc["null", "ci_high"] and got.loc["null", "p_value"] > 0.05
    assert got.loc["signal", "ci_low"] > 0 and got.loc["signal", "n"] == 200
    for w in got.loc["null", "warnings"]:  # the table's rows too
        if w.code == "stderr-exceeds-estimate":
            assert w.data["mi"] == pytest.approx(got.loc["null", "mi"])


@pytest.mark.parametrize("groups,pattern", [
    (np.arange(10), "has 10 keys for 3000 rows"),
    (np.r_[np.repeat(np.arange(299), 10), [np.nan] * 10], "missing keys"),
    (np.repeat(np.arange(10), 300), f"has 10 groups; an estimate on one row per group needs at least {MIN_GROUPS}"),
    ("subject", "one group key per row"),
])
def test_bad_groups_are_refused_with_the_fix(groups, pattern):
    x, y, _ = subjects(300, 10, 4)
    with pytest.raises(ValueError, match=pattern):
        estimate_mi(x, y, method="ksg", groups=groups)


def test_group_codes_accept_text_numbers_and_series():
    keys = [f"s{i % 25}" for i in range(100)]
    assert group_codes(pd.Series(keys), 100).tolist() == group_codes(np.arange(100) % 25, 100).tolist()
    assert group_codes(keys, 100).max() == 24


def test_the_command_line_takes_a_groups_column(tmp_path, capsys):
    from infolens.cli import main

    rng = np.random.default_rng(5)
    g = np.repeat(np.arange(60), 5)
    label = np.where(rng.normal(size=60)[g] > 0, "yes", "no")
    pd.DataFrame({"patient": [f"P{v:03d}" for v in g], "null": rng.normal(size=60)[g] + 0.05 * rng.normal(size=300),
                  "signal": (label == "yes") + rng.normal(size=300), "label": label}).to_csv(tmp_path / "t.csv", index=False)
    out = tmp_path / "out"
    assert main(["features", str(tmp_path / "t.csv"), "--target", "label", "--groups", "patient", "--permutations", "99",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "(table)" in text and "rows come in 60 groups" in text and "--groups patient" in (out / "report.html").read_text()
    table = pd.read_csv(out / "features.csv").set_index("feature")
    assert "patient" not in table.index and set(table["n"]) == {60}
    assert main(["estimate", str(tmp_path / "t.csv"), "--x-cols", "signal", "--y-cols", "null", "--groups", "patient",
                 "-m", "ksg", "--test", "--permutations", "19", "--json"]) == 0
    import json

    res = json.loads(capsys.readouterr().out)
    assert res["n_samples"] == 60 and res["diagnostics"]["groups"]["groups"] == 60
    assert res["independence_test"]["n_samples"] == 60 and "one row per group" in res["independence_test"]["why"]


def test_a_table_in_subject_order_is_said_to_be_serially_dependent_once():
    rng = np.random.default_rng(6)
    g = np.repeat(np.arange(200), 10)
    label = (rng.normal(size=200)[g] > 0).astype(int)
    X = pd.DataFrame({"level": rng.normal(size=200)[g] + 0.1 * rng.normal(size=2000), "free": rng.normal(size=2000)})
    with pytest.warns(DataWarning, match=r"serially correlated .* \(lag-1 rank autocorrelation 0\.\d+ in (the target|column 'level')\)"):
        t = feature_mi(X, label, random_state=0)
    assert t.attrs["serial_dependence"]["effective_rows"] < 200 and "groups=" in t.attrs["serial_dependence"]["message"]
    order = rng.permutation(2000)  # the same rows shuffled: nothing to see in the order (the groups are still there)
    assert feature_mi(X.iloc[order].reset_index(drop=True), label[order], random_state=0, warn=False).attrs["serial_dependence"] is None


def test_selection_with_groups_runs_on_one_row_per_group():
    from infolens.tables import select_features

    rng = np.random.default_rng(7)
    g = np.repeat(np.arange(150), 8)
    label = (rng.normal(size=150)[g] > 0).astype(int)
    X = pd.DataFrame({"null": rng.normal(size=150)[g] + 0.1 * rng.normal(size=1200), "signal": label + rng.normal(size=1200),
                      "subject": g})
    with pytest.warns(DataWarning, match="rows come in 150 groups"):
        sel = select_features(X, label, k=2, groups="subject", random_state=0)
    assert sel["feature"].tolist()[0] == "signal" and sel.attrs["groups"]["groups"] == 150
    assert set(sel.attrs["table"]["n"]) == {150} and "subject" not in set(sel.attrs["table"]["feature"])


def test_mi_matrix_with_groups_reads_a_subject_level_null_pair_as_zero():
    from infolens import mi_matrix

    rng = np.random.default_rng(12)
    g = np.repeat(np.arange(200), 10)
    df = pd.DataFrame({"a": rng.normal(size=200)[g] + 0.1 * rng.normal(size=2000),
                       "b": (rng.normal(size=200)[g] > 0).astype(int), "subject": g})
    naive = mi_matrix(df.drop(columns="subject"), random_state=0, warn=False)
    # in subject order the matrix says the rows are serially dependent (and widens the errors) ...
    assert [f.code for f in naive.table_warnings] == ["serial-dependence"]
    # ... shuffled, nothing can tell, and the trap shows: a subject-level null pair reads > 0
    naive = mi_matrix(df.drop(columns="subject").sample(frac=1.0, random_state=3), random_state=0, warn=False)
    assert naive.table_warnings == [] and naive.mi.loc["a", "b"] > 2 * naive.stderr.loc["a", "b"]
    # (seeds 8-13: naive 2.2-6.2 standard errors above 0, grouped -0.5..0.5)
    with pytest.warns(DataWarning, match="rows come in 200 groups"):
        got = mi_matrix(df, random_state=0, groups="subject")
    assert list(got.mi.index) == ["a", "b"] and abs(got.mi.loc["a", "b"]) < 2 * got.stderr.loc["a", "b"]


def test_text_columns_in_random_order_are_not_called_serially_dependent():
    # codes in order of first appearance rise with the row index (lag-1 autocorrelation ~0.2 for
    # 1000 rows of ~600 distinct texts): the table's row check codes text by its sorted values
    rng = np.random.default_rng(9)
    y = pd.Series([f"{v:.1f}%" for v in 50 + 10 * rng.normal(size=1000)])
    X = pd.DataFrame({"x": rng.normal(size=1000), "label": [f"L{v}" for v in rng.integers(0, 400, 1000)]})
    assert feature_mi(X, y, random_state=0, warn=False).attrs["serial_dependence"] is None
