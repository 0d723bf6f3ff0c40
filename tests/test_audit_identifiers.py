"""Identifier columns in the audit (a customer or record ID: a value of its own per row).

Known by construction: an ID column adds the same distance to every pair of rows, so with it
in the distances a generator that copies 10% of its training rows under fresh IDs showed no
exact copy; and a generator that stamps training IDs on fresh rows discloses who was in the
training table whatever the other columns hold. The audit leaves such columns out of every
distance and checks them on their own; the null of that check (synthetic IDs that hit training
and holdout IDs alike) rejects at about its level.
"""

import json

import numpy as np
import pandas as pd
import pytest

from infolens.audit import audit
from infolens.audit.privacy import identifier_copies
from infolens.audit.tables import TableEncoder, identifier_columns
from infolens.cli import main as cli_main
from infolens.errors import InfolensWarning

N = 600


def population(n, rng):
    a = rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": 0.6 * a + 0.8 * rng.normal(size=n),
                         "c": np.array(["x", "y", "z"])[rng.integers(0, 3, n)]})


def ids(n, start):
    return np.array([f"C{start + i:06d}" for i in range(n)])


@pytest.fixture(scope="module")
def tables():
    rng = np.random.default_rng(0)
    tr = population(N, rng).assign(cust=ids(N, 0))
    ho = population(N, rng).assign(cust=ids(N, N))
    return tr, ho, rng


def run(tr, syn, ho, **kw):
    with pytest.warns(InfolensWarning, match="identifier column 'cust'"):
        return audit(tr, syn, ho, n_permutations=50, n_bootstrap=50, random_state=0, verbose=False, **kw)


def test_identifier_rule_is_the_tables_rule(tables):
    tr, _, _ = tables
    # 'cust' is unique per row; 'c' has 3 values; a numeric column is never an identifier
    assert identifier_columns(tr) == {"cust": N}
    half = tr.assign(cust=np.repeat(ids(N // 2, 0), 2))        # two rows per value: 50% unique
    assert identifier_columns(half) == {"cust": N // 2}
    third = tr.assign(cust=np.repeat(ids(N // 3, 0), 3))       # 33% unique: a category
    assert identifier_columns(third) == {}


def test_copies_under_fresh_ids_are_found(tables):
    tr, ho, rng = tables
    syn = tr.copy()
    syn["cust"] = ids(N, 9000)                                  # IDs never seen in real data
    syn.loc[60:, ["a", "b", "c"]] = population(N - 60, rng)[["a", "b", "c"]].to_numpy()
    res = run(tr, syn, ho)
    m, status = res.metrics, res.summary().set_index("check")["status"]
    assert m["identifier_columns"] == ["cust"] and "cust" not in m["categorical_columns"]
    # the first 60 rows are training records under new IDs: exact copies of every other column
    assert m["exact_copies"] == 60 and status["exact copies of training rows"] == "at risk"
    assert status["identifiers repeated (cust)"] == "passed"
    assert m["identifiers"]["cust"]["synthetic_equal_train"] == 0
    # with the ID kept, every pair differs there and no row is an exact copy (the trap)
    kept = audit(tr, syn, ho, keep_identifiers=True, n_permutations=20, n_bootstrap=20, verbose=False)
    assert kept.metrics["exact_copies"] == 0 and kept.metrics["identifier_columns"] == []


def test_training_ids_on_fresh_rows_are_disclosure(tables):
    tr, ho, rng = tables
    syn = population(N, rng).assign(cust=rng.choice(tr["cust"].to_numpy(), N))
    res = run(tr, syn, ho)
    ic = res.metrics["identifiers"]["cust"]
    assert ic["synthetic_equal_train"] == N and ic["synthetic_equal_holdout"] == 0 and ic["pvalue"] < 1e-100
    v = res.verdict()
    assert v["memorisation"] and "carry a training record's identifier (cust)" in v["headline"]
    # the other columns are fresh draws: no other memorisation check fires on them
    status = res.summary().set_index("check")["status"]
    assert status["exact copies of training rows"] == "passed"
    assert status["near copies: training vs holdout"] == "passed"


def test_identifier_null_rejects_at_its_level():
    # IDs 0..3999 split at random into training and holdout; a generator that never saw them
    # draws IDs from 0..9999: its hits fall on either side by the sides' sizes
    rng = np.random.default_rng(5)
    rejections = 0
    for _ in range(400):
        perm = rng.permutation(4000)
        tr, ho = perm[:2500], perm[2500:]
        syn = rng.integers(0, 10_000, 1000)
        res = identifier_copies(tr, ho, syn)
        assert res["p_null"] == pytest.approx(2500 / 4000)
        rejections += res["pvalue"] < 0.01
    # level 0.01 (the binomial test is conservative): binomial(400, 0.01) exceeds 12 with p < 0.001
    assert rejections <= 12


def test_identifier_errors_and_cli(tables, tmp_path, capsys):
    tr, ho, rng = tables
    syn = population(N, rng).assign(cust=ids(N, 9000))
    with pytest.raises(ValueError, match="target='cust' is an identifier"):
        audit(tr, syn, ho, target="cust", verbose=False)
    only = [df[["cust"]] for df in (tr, syn, ho)]
    with pytest.raises(ValueError, match="every column is an identifier.*keep_identifiers=True"):
        audit(*only, verbose=False)
    for name, df in (("train", tr), ("syn", syn), ("hold", ho)):
        df.to_csv(tmp_path / f"{name}.csv", index=False)
    args = ["audit", "--real", str(tmp_path / "train.csv"), "--synthetic", str(tmp_path / "syn.csv"),
            "--holdout", str(tmp_path / "hold.csv"), "--permutations", "20", "--bootstrap", "20",
            "--out", str(tmp_path / "out"), "--quiet"]
    with pytest.warns(InfolensWarning, match="identifier column 'cust'"):
        assert cli_main(args) == 0
    assert "identifiers repeated (cust)" in capsys.readouterr().out
    data = json.loads((tmp_path / "out" / "audit.json").read_text())
    assert data["metrics"]["identifier_columns"] == ["cust"]
    assert cli_main(args + ["--keep-identifiers", "--out", str(tmp_path / "kept")]) == 0
    data = json.loads((tmp_path / "kept" / "audit.json").read_text())
    assert data["metrics"]["identifier_columns"] == [] and "cust" in data["metrics"]["categorical_columns"]


def test_one_hot_too_wide_is_refused_by_name():
    # 40,000 rows and a 10,000-level column would need 3 GB of one-hot per table
    rng = np.random.default_rng(1)
    n = 40_000
    df = pd.DataFrame({"a": rng.normal(size=n), "zip": (np.arange(n) % 10_000).astype(str)})
    with pytest.raises(ValueError, match="one-hot columns for 40,000 rows.*'zip' \\(10,000 values\\).*group their rare"):
        TableEncoder().fit(df)


def test_dates_are_times_not_identifiers():
    # a date of admission has a value of its own in most rows: kept as text it was one category
    # per day (and now would be taken for an identifier); read as time it is a numeric column.
    # The synthetic table holds the dates as text (a generator that wrote a CSV), the real ones
    # as datetime64: one conversion over the three tables reads them alike.
    rng = np.random.default_rng(3)

    def with_dates(n):
        d = population(n, rng)
        d["admit"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
        return d

    tr, ho = with_dates(N), with_dates(N)
    syn = with_dates(N)
    syn.iloc[:30] = tr.iloc[:30].to_numpy()
    syn["admit"] = syn["admit"].dt.strftime("%Y-%m-%d")
    with pytest.warns(InfolensWarning, match="column 'admit': .*read as numeric time"):
        res = audit(tr, syn, ho, n_permutations=20, n_bootstrap=20, random_state=0, verbose=False)
    m = res.metrics
    assert m["converted_columns"] == ["admit"] and "admit" in m["numeric_columns"]
    assert m["identifier_columns"] == []
    assert m["exact_copies"] == 30
    # the fidelity of the dates is measured like any number: fresh dates from the same range
    ks = res.columns.set_index("column").loc["admit", "ks"]
    assert ks < 0.1
