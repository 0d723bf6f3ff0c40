"""The partition-wise statistics of the cluster path, without a cluster: each is checked
against the in-memory computation on the same rows."""

import numpy as np
import pandas as pd
import pytest

from infolens.distributed import _stats as S
from infolens.distributed._closed import gaussian_from_correlation, plugin_from_counts, rows_for_precision
from infolens.estimators.binning import Binning
from infolens.estimators.gaussian import GaussianMI


def _parts(df: pd.DataFrame, k: int) -> list[pd.DataFrame]:
    return [df.iloc[i::k].reset_index(drop=True) for i in range(k)]


def test_counts_give_the_binning_estimate_exactly():
    """The plug-in estimate depends on the rows only through the contingency table, so
    counting per partition and adding gives the binning estimator's number and standard
    error to rounding (1e-12)."""
    rng = np.random.default_rng(0)
    a = rng.integers(0, 5, 3000)
    t = (a + rng.integers(0, 3, 3000)) % 4
    df = pd.DataFrame({"a": a, "t": t})
    disc = {"a": list(range(5)), "t": list(range(4))}
    total = None
    for p in _parts(df, 3):
        c = S.counts_part(p, disc, "t")
        total = c if total is None else S.add_dicts(total, c)
    mi, se, diag, _ = plugin_from_counts(total["a"])
    ref = Binning(discrete_x=True, discrete_y=True).estimate(a.astype(float), t.astype(float))
    assert mi == pytest.approx(ref.mi, abs=1e-12)
    assert se == pytest.approx(ref.stderr, abs=1e-12)
    assert diag["rows"] == 3000


def test_profile_merges_to_the_whole_column():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.normal(size=999), "k": rng.integers(0, 7, 999), "s": rng.choice(["u", "v"], 999)})
    profs = [S.profile_part(p, ["x", "k", "s"]) for p in _parts(df, 4)]
    tot = profs[0]
    for p in profs[1:]:
        tot = S.merge_profiles(tot, p)
    assert tot["x"].n == 999 and tot["x"].lo == df.x.min() and tot["x"].hi == df.x.max()
    assert not tot["x"].integral and tot["k"].integral
    assert tot["k"].sorted_levels() == sorted(np.unique(df.k).tolist())
    assert tot["s"].labels and tot["s"].sorted_levels() == ["u", "v"]
    assert tot["x"].total == pytest.approx(df.x.sum())


def test_row_sample_is_uniform_and_exact_in_size():
    """Bottom-m random keys: exactly m distinct rows; over 400 seeds every row of 40 is kept
    with probability m/n = 0.25. Inclusion counts are Binomial(400, 0.25) (sd 8.7), so the
    range 100 +- 45 (5.2 sd) holds for all 40 rows with probability > 0.9999."""
    df = pd.DataFrame({"i": np.arange(40)})
    hits = np.zeros(40)
    for seed in range(400):
        parts = [S.sample_part(p, j, seed, 10, ["i"]) for j, p in enumerate([df.iloc[:13], df.iloc[13:30], df.iloc[30:]])]
        s = S.finish_sample(S.merge_samples(S.merge_samples(parts[0], parts[1], m=10), parts[2], m=10))
        assert len(s) == 10 and s["i"].is_unique
        hits[s["i"].to_numpy()] += 1
    assert np.all(np.abs(hits - 100) < 45)


def test_sketch_cdf_within_its_bound():
    """The merged sketch's CDF differs from the exact empirical CDF by at most its stated
    rank error (1/q + 1/smallest partition), at every row."""
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(size=3000), rng.exponential(size=2000) + 3])
    df = pd.DataFrame({"x": x})
    sks = [S.sketch_part(p, ["x"], 100) for p in _parts(df, 5)]
    sk = sks[0]
    for s in sks[1:]:
        sk = S.merge_sketches(sk, s)
    exact = (np.argsort(np.argsort(x)) + 1) / x.size
    assert np.max(np.abs(sk["x"].cdf(x) - exact)) <= sk["x"].rank_error()


def test_moments_give_the_gaussian_closed_form():
    """Per-partition sums give the correlation of all rows, hence the gaussian estimator's
    number and error (to 1e-9: sums in a different order)."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=4000)
    y = 0.6 * x + rng.normal(size=4000)
    df = pd.DataFrame({"x": x, "t": y})
    tot = None
    for p in _parts(df, 4):
        m = S.moments_part(p, ["x"], "t", None, 4000)
        tot = m if tot is None else S.add_dicts(tot, m)
    rho, n = S.correlation(tot["x"][0])
    mi, se = gaussian_from_correlation(rho, n)
    ref = GaussianMI().estimate(x, y)
    assert mi == pytest.approx(ref.mi, abs=1e-9)
    assert se == pytest.approx(ref.stderr, abs=1e-9)


def test_rows_for_precision():
    # se 0.02 on 5000 rows; asking 0.005 needs 16x the rows, times the pilot safety squared
    m = rows_for_precision(0.02, 5000, 0.005, 10**7, safety=1.0)
    assert m == 80_000
    assert rows_for_precision(0.02, 5000, 0.005, 50_000) == 50_000  # capped by what is there
    assert rows_for_precision(0.001, 5000, 0.005, 10**6) == 5000  # never below the pilot
    assert rows_for_precision(float("nan"), 5000, 0.005, 12_345) == 12_345


def test_partitions_send_only_rows_under_the_keep_share():
    """With the keep share from the row count, each partition sends ~m n_p / n rows, and the
    sample is the same m rows as when every partition sends its m smallest keys."""
    df = pd.DataFrame({"i": np.arange(50_000)})
    parts = [df.iloc[j * 10_000:(j + 1) * 10_000] for j in range(5)]
    keep = S.keep_share(1000, 50_000)
    sent = [S.sample_part(p, j, 7, 1000, ["i"], keep) for j, p in enumerate(parts)]
    full = [S.sample_part(p, j, 7, 1000, ["i"]) for j, p in enumerate(parts)]
    assert sum(len(s) for s in sent) < 1500 and all(len(s) == 1000 for s in full)

    def reduce(ss):
        acc = ss[0]
        for s in ss[1:]:
            acc = S.merge_samples(acc, s, m=1000)
        return S.finish_sample(acc, 1000)

    pd.testing.assert_frame_equal(reduce(sent), reduce(full))
    with pytest.raises(RuntimeError, match="short"):
        S.finish_sample(sent[0], 1000)
