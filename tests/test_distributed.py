"""The cluster path against the in-memory path on the same rows, on a real
``dask.distributed.LocalCluster`` (2 worker processes, 1 thread each, 1 GiB each) that this
module starts and closes.

All tests are deterministic: the row sample is drawn from per-partition streams of the seed
and every estimate is seeded, so the cluster's scheduling never changes a number.
"""

import math

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import infolens
from infolens.errors import InputError
from infolens.stats import compare
from test_matrix_rows import copied_table, serial_table


def make_table(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    lvl = rng.integers(0, 4, n)
    df = pd.DataFrame({
        "signal": x,
        "noise": rng.normal(size=n),
        "level": lvl,
        "dice": rng.integers(0, 6, n),
        "colour": np.where(x + rng.normal(size=n) > 0, "red", "blue"),
        "const": np.full(n, 2.0),
    })
    df["y"] = x + 0.5 * lvl + rng.normal(size=n)
    df["label"] = (df["y"] > 0.7).astype(int)
    return df


def _agree(a: pd.DataFrame, b: pd.DataFrame, z: float = 2.0) -> None:
    a, b = a.set_index("feature"), b.set_index("feature")
    for f in a.index:
        c = compare(a.at[f, "mi"], b.at[f, "mi"], a.at[f, "stderr"], b.at[f, "stderr"], z=z)
        assert not c.differ, (f, c)


def test_feature_mi_same_rows_continuous_target(client):
    """All 6,000 rows sampled (max_sample_rows >= n, precision None): the same rows as in memory,
    in another order. KSG and Ross do not depend on the order, so the values agree up to the
    dequantising jitter; the rule asserted is the project's (compare: within 2 combined
    standard errors), and the ranking of the informative columns is the same."""
    df = make_table(6000)
    ddf = dd.from_pandas(df.drop(columns=["label"]), npartitions=4)
    got = infolens.feature_mi(ddf, "y", random_state=0, scheduler=client, precision=None)
    ref = infolens.feature_mi(df.drop(columns=["y", "label"]), df["y"], random_state=0)
    _agree(got, ref)
    assert list(got["feature"][:3]) == list(ref["feature"][:3]) == ["signal", "level", "colour"]
    # the same rows in another order: only the dequantising jitter (a uniform draw of at most
    # half the smallest gap between values, drawn in row order) differs, which moves KSG by ~1e-6
    diff = got.set_index("feature").loc[["signal", "noise"], "mi"] - ref.set_index("feature").loc[["signal", "noise"], "mi"]
    assert diff.abs().max() < 1e-4
    assert got.attrs["n_rows"] == 6000 and got.attrs["routes"]["const"] == "constant"
    assert not any(w.code == "subsampled" for ws in got["warnings"] for w in ws)


def test_target_as_a_dask_series_and_features_as_an_array(client):
    """y given as a Dask Series of the same frame, or X as a Dask array with y an array of
    the same chunks: the same table as with y named as a column."""
    df = make_table(3000, seed=8)[["signal", "noise", "y"]]
    ddf = dd.from_pandas(df, npartitions=3)
    by_name = infolens.feature_mi(ddf, "y", random_state=0, scheduler=client, precision=None)
    by_series = infolens.feature_mi(ddf[["signal", "noise"]], ddf["y"], random_state=0, scheduler=client, precision=None)
    pd.testing.assert_frame_equal(by_name.drop(columns=["warnings"]), by_series.drop(columns=["warnings"]))
    x = da.from_array(df[["signal", "noise"]].to_numpy(), chunks=(1000, 2))
    y = da.from_array(df["y"].to_numpy(), chunks=1000)
    arr = infolens.feature_mi(x, y, random_state=0, scheduler=client, precision=None, feature_names=["signal", "noise"])
    assert list(arr["feature"]) == list(by_name["feature"])
    assert np.allclose(arr["mi"], by_name["mi"], atol=1e-12)


def test_feature_mi_counts_are_exact(client):
    """Discrete feature, discrete target: the contingency table of all rows, scored by the
    in-memory rule (the chance-corrected plug-in), so the same number as in memory (to 1e-12:
    it depends on the rows only through their counts). Its half-sampling error is drawn from
    rows in another order: two 10-half errors differ by ~33% (sd), so a ratio within
    [0.4, 2.5] (about 3 sd) is asserted."""
    df = make_table(5000, seed=1)
    ddf = dd.from_pandas(df[["level", "dice", "signal", "label"]], npartitions=3)
    got = infolens.feature_mi(ddf, "label", random_state=0, scheduler=client, n_permutations=50, warn=False).set_index("feature")
    ref = infolens.feature_mi(df[["level", "dice", "signal"]], df["label"], random_state=0, warn=False).set_index("feature")
    for f in ("level", "dice"):
        assert got.at[f, "method"] == ref.at[f, "method"] == "plugin-chance"
        assert got.at[f, "mi"] == pytest.approx(ref.at[f, "mi"], abs=1e-12)
        assert 0.4 < got.at[f, "stderr"] / ref.at[f, "stderr"] < 2.5
        assert got.at[f, "n"] == 5000
    assert got.at["level", "p_value"] == pytest.approx(1 / 51)


def test_feature_mi_subsample_states_its_rows(client):
    """40,000 rows, precision 0.02 nats: the sampled columns use fewer rows, say so (code
    'subsampled' with n_used/n_rows), and agree with the in-memory estimate on all rows within
    their errors (the sample's standard error covers the sampling; the full estimate's is
    smaller, so the combined error is dominated by the sample's)."""
    df = make_table(40_000, seed=2)
    ddf = dd.from_pandas(df.drop(columns=["label"]), npartitions=8)
    got = infolens.feature_mi(ddf, "y", random_state=0, scheduler=client, precision=0.02)
    ref = infolens.feature_mi(df.drop(columns=["y", "label"]), df["y"], random_state=0)
    _agree(got, ref)
    row = got.set_index("feature").loc["signal"]
    flags = [w for w in row["warnings"] if w.code == "subsampled"]
    assert row["n"] < 40_000 and flags and flags[0].data["n_used"] == row["n"] and flags[0].data["n_rows"] == 40_000
    assert row["stderr"] < 0.02 * 1.5


def test_copula_from_approximate_quantiles(client):
    """gaussian-copula from all rows with sketch normal scores: within the stated error
    (standard error plus the measured quantile error) of the in-memory estimate on the same
    rows, and the approximate ranks are stated."""
    df = make_table(8000, seed=3)
    ddf = dd.from_pandas(df[["signal", "noise", "y"]], npartitions=4)
    got = infolens.feature_mi(ddf, "y", method="gaussian-copula", random_state=0, scheduler=client).set_index("feature")
    ref = infolens.feature_mi(df[["signal", "noise"]], df["y"], method="gaussian-copula", random_state=0).set_index("feature")
    for f in ("signal", "noise"):
        flag = [w for w in got.at[f, "warnings"] if w.code == "approximate-ranks"][0]
        c = compare(got.at[f, "mi"], ref.at[f, "mi"], got.at[f, "stderr"], ref.at[f, "stderr"], floor=flag.data["quantile_error_nats"])
        assert not c.differ
        assert got.at[f, "n"] == 8000


def test_estimate_mi_dask_arrays(client):
    """estimate_mi on Dask arrays: the Gaussian closed form from all rows equals the in-memory
    one (1e-9: sums in another order); binning on discrete columns equals it exactly; a kNN
    method runs on the sample and states it."""
    df = make_table(30_000, seed=4)
    x = da.from_array(df[["signal", "noise"]].to_numpy(), chunks=(7000, 2))
    y = da.from_array(df["y"].to_numpy(), chunks=7000)
    g = infolens.estimate_mi(x, y, method="gaussian", scheduler=client, warn=False)
    ref = infolens.estimate_mi(df[["signal", "noise"]].to_numpy(), df["y"].to_numpy(), method="gaussian", warn=False)
    assert g.mi == pytest.approx(ref.mi, abs=1e-9) and g.stderr == pytest.approx(ref.stderr, abs=1e-9)
    assert g.diagnostics["route"] == "moments" and g.n_samples == 30_000
    xb = da.from_array(df["level"].to_numpy(), chunks=7000)
    yb = da.from_array(df["label"].to_numpy(), chunks=7000)
    b = infolens.estimate_mi(xb, yb, method="binning", scheduler=client, warn=False)
    assert b.mi == pytest.approx(infolens.estimate_mi(df["level"].to_numpy(), df["label"].to_numpy(), method="binning",
                                                     discrete_x=True, discrete_y=True, warn=False).mi, abs=1e-12)
    k = infolens.estimate_mi(x[:, 0], y, method="ksg", scheduler=client, random_state=0, precision=0.02, warn=False)
    full = infolens.estimate_mi(df["signal"].to_numpy(), df["y"].to_numpy(), method="ksg", random_state=0, warn=False)
    assert k.diagnostics["route"] == "sample" and k.has_warning("subsampled") and k.n_samples < 30_000
    assert not compare(k.mi, full.mi, k.stderr, full.stderr).differ


def test_mi_matrix_same_rows(client):
    """mi_matrix on a Dask DataFrame with every row sampled: every pair agrees with the
    in-memory matrix within 2 combined half-sampling errors; counted discrete pairs exactly."""
    df = make_table(6000, seed=5)[["signal", "noise", "level", "dice", "y"]]
    df["signal_f"] = 1.8 * df["signal"] + 32  # one quantity in two units: ill-posed on both paths
    got = infolens.mi_matrix(dd.from_pandas(df, npartitions=3), random_state=0, scheduler=client, precision=None)
    ref = infolens.mi_matrix(df, random_state=0)
    cols = list(df.columns)
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            c = compare(got.mi.at[a, b], ref.mi.at[a, b], got.stderr.at[a, b], ref.stderr.at[a, b])
            assert not c.differ, (a, b, c)
    assert got.mi.at["level", "dice"] == pytest.approx(ref.mi.at["level", "dice"], abs=1e-12)
    assert got.method.at["level", "dice"] == ref.method.at["level", "dice"] == "plugin-chance"
    assert got.method.at["signal", "y"] == "ksg" and got.method.at["level", "y"] == "ross"
    assert got.mi.attrs["n_used"].at["signal", "y"] == 6000
    assert got.mi.at["signal", "signal_f"] == pytest.approx(math.log(6000))
    assert any(getattr(w, "code", "") == "ill-posed" for w in got.warnings[("signal", "signal_f")])


def test_parquet_folder_same_top_columns(client, tmp_path):
    """Done-when of issue 25: feature_mi(dd.read_parquet(path), target) on the cluster returns
    the same top columns as the in-memory path on the same rows."""
    df = make_table(20_000, seed=6).drop(columns=["label"])
    folder = tmp_path / "data"
    dd.from_pandas(df, npartitions=4).to_parquet(str(folder))
    got = infolens.feature_mi(infolens.distributed.read_parquet(str(folder)), "y", random_state=0, scheduler=client)
    ref = infolens.feature_mi(df.drop(columns=["y"]), df["y"], random_state=0)
    # the three informative columns lead both tables; 'level' and 'colour' carry nearly the
    # same information (0.09 vs 0.10 nats), so their order may differ within the errors
    assert got["feature"][0] == ref["feature"][0] == "signal"
    assert set(got["feature"][:3]) == set(ref["feature"][:3]) == {"signal", "level", "colour"}
    _agree(got, ref)


def test_bad_inputs_are_named(client):
    df = make_table(500)
    ddf = dd.from_pandas(df, npartitions=2)
    with pytest.raises(InputError, match="'nope'"):
        infolens.feature_mi(ddf, "nope", scheduler=client)
    with pytest.raises(InputError, match="precision"):
        infolens.feature_mi(ddf, "y", scheduler=client, precision=-1)
    # an identifier target is refused from the whole column's profile, with the in-memory words
    # (it had failed inside every column task, on the 500-row pilot)
    ids = dd.from_pandas(df.assign(order=[f"o{i}" for i in range(500)]), npartitions=2)
    with pytest.raises(InputError, match="y is an identifier \\(500 distinct labels in 500 rows\\)"):
        infolens.feature_mi(ids, "order", scheduler=client)


def test_missing_values_as_in_memory(client):
    """Missing values get the in-memory rule (pairwise-complete rows, a 'missing-values'
    warning, the rows used in n) on a sampled column and on a counted one."""
    df = make_table(2000, seed=9)[["noise", "level", "signal", "label"]].astype({"level": float})
    df.loc[[3, 50, 700], "noise"] = np.nan
    df.loc[[5, 6], "level"] = np.nan
    got = infolens.feature_mi(dd.from_pandas(df, npartitions=2), "label", scheduler=client, random_state=0, precision=None,
                              warn=False).set_index("feature")
    ref = infolens.feature_mi(df.drop(columns=["label"]), df["label"], random_state=0, warn=False).set_index("feature")
    assert got.at["noise", "n"] == ref.at["noise", "n"] == 1997 and got.at["level", "n"] == ref.at["level", "n"] == 1998
    assert got.attrs["routes"]["level"] == "counts" and got.attrs["routes"]["noise"] == "sample"
    for f in ("noise", "level"):
        assert "missing-values" in [w.code for w in got.at[f, "warnings"]]
    assert got.at["level", "mi"] == pytest.approx(ref.at["level", "mi"], abs=1e-12)


def test_informative_missingness_is_named_as_in_memory(client):
    """A counted column (levels against a label) and a sampled one (numbers) that lose their
    value mostly where the label is 1: both carry the in-memory 'missing-informative' flag,
    the counted one with the in-memory value exactly (the cluster counts the missing rows
    against the target's levels)."""
    df = make_table(3000, seed=11)[["noise", "level", "label"]].astype({"level": float})
    rng = np.random.default_rng(2)
    for c in ("noise", "level"):
        df.loc[(df["label"] == 1) & (rng.random(len(df)) < 0.5), c] = np.nan
    got = infolens.feature_mi(dd.from_pandas(df, npartitions=3), "label", scheduler=client, random_state=0,
                              precision=None, warn=False).set_index("feature")
    ref = infolens.feature_mi(df.drop(columns=["label"]), df["label"], random_state=0, warn=False).set_index("feature")
    assert got.attrs["routes"]["level"] == "counts"
    for f in ("noise", "level"):
        a = [w for w in got.at[f, "warnings"] if w.code == "missing-informative"]
        b = [w for w in ref.at[f, "warnings"] if w.code == "missing-informative"]
        assert len(a) == len(b) == 1 and b[0].data["mi"] > 0.05
    assert a[0].data["mi"] == pytest.approx(b[0].data["mi"], abs=1e-12)  # (the counted column)


def test_sample_blocks_draw_the_same_rows(client, monkeypatch):
    """With the sample split into blocks of 2 columns (as 10^4 columns would be), every block
    is drawn with the same keys: the table equals the one-block table exactly."""
    from infolens.distributed import features as F

    df = make_table(3000, seed=7).drop(columns=["label", "const"])
    ddf = dd.from_pandas(df, npartitions=3)
    one = infolens.feature_mi(ddf, "y", random_state=0, scheduler=client, max_sample_rows=2000)
    monkeypatch.setattr(F, "SAMPLE_BYTES", 8 * 2000 * 2)
    blocks = infolens.feature_mi(ddf, "y", random_state=0, scheduler=client, max_sample_rows=2000)
    pd.testing.assert_frame_equal(one.drop(columns=["warnings"]), blocks.drop(columns=["warnings"]))
    assert one.set_index("feature").at["signal", "n"] == 2000


def test_copied_records_and_serial_rows_as_in_memory(client):
    """The table-level row checks on the cluster. Copied records: a third of the rows copy an
    earlier one; the in-memory table scores the distinct rows, and the cluster, whose sample is
    drawn by row content (every copy of a record it holds comes with it), did not: the copies at
    distance zero read as 10.3 nats, ill-posed, for a noise column. Serial rows: an AR(1) at
    0.98 in the order given; the in-memory table widens every interval, the cluster did not."""
    n = 6000
    _, copied = copied_table(n, 11)
    got = infolens.feature_mi(dd.from_pandas(copied, npartitions=4), "b", random_state=0, scheduler=client, warn=False)
    ref = infolens.feature_mi(copied, "b", random_state=0, warn=False)
    assert got.attrs["repeated_rows"]["repeats"] == ref.attrs["repeated_rows"]["repeats"] == n // 2
    _agree(got, ref)
    g = got.set_index("feature")
    assert abs(g.at["noise", "mi"]) < 0.05 and g.at["a", "mi"] == pytest.approx(-0.5 * math.log(1 - 0.64), abs=0.05)
    assert not any(w.code == "subsampled" for ws in got["warnings"] for w in ws)   # all distinct rows were used
    # a sample smaller than the table still holds whole groups of copies: the same share of repeats
    part = infolens.feature_mi(dd.from_pandas(copied, npartitions=4), "b", random_state=1, scheduler=client,
                               max_sample_rows=3000, warn=False)
    rep = part.attrs["repeated_rows"]
    assert rep is not None and abs(rep["repeats"] / rep["n"] - 1 / 3) < 0.05
    # serial rows
    ts = serial_table(n, 11)
    got = infolens.feature_mi(dd.from_pandas(ts, npartitions=4), "b", random_state=0, scheduler=client, warn=False)
    ref = infolens.feature_mi(ts, "b", random_state=0, warn=False)
    assert got.attrs["serial_dependence"] is not None and ref.attrs["serial_dependence"] is not None
    w_got = got.at[0, "ci_high"] - got.at[0, "ci_low"]
    w_ref = ref.at[0, "ci_high"] - ref.at[0, "ci_low"]
    # AR(1) at 0.98: the interval counts sqrt((1 - r) / (1 + r)) of the rows, ~10 times wider
    assert got.attrs["serial_dependence"]["widened"] > 3 and w_got == pytest.approx(w_ref, rel=0.1)


def test_estimate_mi_row_checks_as_in_memory(client):
    """estimate_mi on the cluster: serial rows (the sample is in random order, so the estimate
    cannot see the order; the first rows in the order given can) and copied records in a sample
    smaller than the table (drawn by content, it holds whole groups of copies)."""
    n = 6000
    ts = serial_table(n, 12)
    ar, b = ts["a"].to_numpy(), ts["b"].to_numpy()
    got = infolens.estimate_mi(da.from_array(ar, chunks=1500), da.from_array(b, chunks=1500), method="ksg",
                               random_state=0, scheduler=client, warn=False)
    ref = infolens.estimate_mi(ar, b, method="ksg", random_state=0, warn=False)
    assert got.has_warning("serial-dependence") and ref.has_warning("serial-dependence")
    assert (got.ci[1] - got.ci[0]) == pytest.approx(ref.ci[1] - ref.ci[0], rel=0.25)
    _, copied = copied_table(n, 12)
    xc, yc = copied["a"].to_numpy(), copied["b"].to_numpy()
    got = infolens.estimate_mi(da.from_array(xc, chunks=3000), da.from_array(yc, chunks=3000), random_state=0,
                               scheduler=client, max_sample_rows=3000, precision=None, warn=False)
    assert got.has_warning("repeated-rows")
    assert got.mi == pytest.approx(-0.5 * math.log(1 - 0.64), abs=0.06)


def test_content_keys_join_copies_not_codes():
    """Keys by content: two copies of a record with a measured (non-integer) value share a key;
    rows of integer codes only, which repeat by nature (16 patterns of 4 binary columns), get
    independent keys, so a sample is not made of whole groups of equal rows."""
    from infolens.distributed._stats import content_keys

    rng = np.random.default_rng(0)
    part = pd.DataFrame({"x": rng.normal(size=100), "c": rng.integers(0, 2, 100), "lab": ["a"] * 100})
    part.iloc[50] = part.iloc[10]
    keys, hashes = content_keys(part, ["x", "c", "lab"], seed=3, index=0)
    assert keys[50] == keys[10] and hashes[50] == hashes[10]
    assert len(np.unique(keys)) == 99 and ((keys >= 0) & (keys < 1)).all()
    codes = pd.DataFrame(rng.integers(0, 2, (2000, 4)), columns=list("abcd"))
    keys, _ = content_keys(codes, list("abcd"), seed=3, index=0)
    assert len(np.unique(keys)) == 2000
    # the kept share of each pattern is the overall share (no clumping): 16 patterns of ~6%,
    # keep ~200 rows (sd of a share 0.017; a clumped sample puts 0 or ~50% on a pattern)
    kept = codes[keys < 0.1]
    share = kept.value_counts(normalize=True).reindex(codes.value_counts().index, fill_value=0)
    assert (share - codes.value_counts(normalize=True)).abs().max() < 0.06
    # the same seed gives the same keys; another seed others
    assert np.array_equal(content_keys(codes, list("abcd"), 3, 0)[0], keys)
    assert not np.array_equal(content_keys(codes, list("abcd"), 4, 0)[0], keys)


def test_mi_matrix_row_checks_as_in_memory(client):
    """The cluster matrix checks the rows as the in-memory one: copied records (a third of the
    rows; the in-memory matrix had read 0.17 nats for two noise columns before its own check)
    and serial rows (AR(1) at 0.98 in the order given: every pair's error widened)."""
    _, copied = copied_table(3000, 13)
    got = infolens.mi_matrix(dd.from_pandas(copied, npartitions=4), random_state=0, scheduler=client, precision=None)
    ref = infolens.mi_matrix(copied, random_state=0, warn=False)
    assert [f.code for f in got.table_warnings] == [f.code for f in ref.table_warnings] == ["repeated-rows"]
    assert abs(got.mi.at["noise", "noise2"]) < 0.03 and got.mi.at["a", "b"] == pytest.approx(ref.mi.at["a", "b"], abs=0.03)
    ts = serial_table(3000, 13)
    got = infolens.mi_matrix(dd.from_pandas(ts, npartitions=4), random_state=0, scheduler=client, precision=None)
    ref = infolens.mi_matrix(ts, random_state=0, warn=False)
    assert [f.code for f in got.table_warnings] == ["serial-dependence"]
    assert got.stderr.at["a", "b"] == pytest.approx(ref.stderr.at["a", "b"], rel=0.5)


def test_label_spellings_are_named_on_the_cluster_as_in_memory(client):
    """Two discrete columns are scored from the contingency table of all rows, whose codes
    have lost the spelling: the label-variants note is read off the column's levels."""
    df = make_table(3000, seed=2)
    df["colour"] = np.where(df["colour"] == "red", "red", np.where(np.arange(3000) % 2 == 0, "blue", "Blue "))
    ddf = dd.from_pandas(df[["colour", "level", "label"]], npartitions=3)
    got = infolens.feature_mi(ddf, "label", random_state=0, scheduler=client, warn=False).set_index("feature")
    ref = infolens.feature_mi(df[["colour", "level"]], df["label"], random_state=0, warn=False).set_index("feature")
    for table in (got, ref):
        assert "label-variants" in [f.code for f in table.at["colour", "warnings"]]
        assert "label-variants" not in [f.code for f in table.at["level", "warnings"]]
    assert got.at["colour", "mi"] == pytest.approx(ref.at["colour", "mi"], abs=1e-12)


def test_numbers_written_as_text_are_named_on_the_cluster(client):
    """The cluster path types columns from their profile, so prices written `1 234,56` are
    labels there (an identifier, left out) where memory reads numbers: the row says so and the
    fix (`numbers-as-labels`); a column of real labels says nothing."""
    df = make_table(2000, seed=3)
    df["price"] = [f"{a * 3000:,.2f}".replace(",", "\u00a0").replace(".", ",") for a in df["signal"]]
    ddf = dd.from_pandas(df[["price", "colour", "label"]], npartitions=3)
    got = infolens.feature_mi(ddf, "label", random_state=0, scheduler=client, warn=False).set_index("feature")
    assert "numbers-as-labels" in [f.code for f in got.at["price", "warnings"]]
    assert "numbers-as-labels" not in [f.code for f in got.at["colour", "warnings"]]
    mem = infolens.feature_mi(df[["price", "colour"]], df["label"], random_state=0, warn=False).set_index("feature")
    assert mem.at["price", "kind"] == "continuous" and mem.at["price", "excluded"] == ""


def test_a_row_number_is_seen_across_partitions_as_in_memory(client):
    """The cluster samples rows in random order, so only the profile, which joins the
    partitions' runs in order, can tell a row number: left out as in memory (in a table
    sorted by its label, where it would read H(y)), kept with its note on request; a run
    that restarts in every partition (each file's own index) is a run in none, as in memory."""
    df = make_table(3000, seed=5)[["signal", "label"]].sort_values("label").reset_index(drop=True)
    df.insert(0, "row", np.arange(len(df)) + 1)
    df["part_row"] = np.arange(len(df)) % 1000  # (restarts at each of the 3 partitions)
    ddf = dd.from_pandas(df, npartitions=3)
    got = infolens.feature_mi(ddf, "label", scheduler=client, random_state=0, warn=False).set_index("feature")
    ref = infolens.feature_mi(df.drop(columns=["label"]), df["label"], random_state=0, warn=False).set_index("feature")
    for t in (got, ref):
        assert t.loc["row", "excluded"] == "identifier" and t.loc["row", "warnings"][0].data["row_number"]
        assert t.loc["part_row", "excluded"] == "" and np.isfinite(t.loc["part_row", "mi"])
    assert str(got.loc["row", "warnings"][0]) == str(ref.loc["row", "warnings"][0])
    kept = infolens.feature_mi(ddf, "label", scheduler=client, random_state=0, warn=False,
                               keep_identifiers=True).set_index("feature")
    assert kept.loc["row", "excluded"] == "" and kept.loc["row", "mi"] > 0.5
    assert kept.loc["row", "warnings"][0].code == "identifier"
