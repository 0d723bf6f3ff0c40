"""Two discrete sides: the plug-in's bias correction bracketed, and "ok" held to its precision."""

import math

import numpy as np

from infolens import estimate_mi


def _copied(k, p, n, seed):
    """x uniform on k levels; y = x with probability p, else uniform on k levels."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, k, n)
    return x, np.where(rng.random(n) < p, x, rng.integers(0, k, n))


def _copied_truth(k, p):
    a, b = p + (1 - p) / k, (1 - p) / k
    return math.log(k) + a * math.log(a) + (k - 1) * b * math.log(b)


def test_chance_corrected_and_miller_madow_bracket_an_undersampled_truth():
    """30 levels copied with probability 0.3 (MI 0.493): at n = 300 and 1000 Miller-Madow reads
    1.29 and 0.73 on average, the chance-corrected plug-in 0.33 and 0.46 (10 seeds; the means'
    errors are ~0.01-0.02); exact at independence, the latter reads low under dependence."""
    truth = _copied_truth(30, 0.3)
    assert abs(truth - 0.4933) < 1e-3
    for n in (300, 1000):
        mm = [estimate_mi(*_copied(30, 0.3, n, s), method="binning", warn=False).mi for s in range(10)]
        cc = [estimate_mi(*_copied(30, 0.3, n, s), method="plugin-chance", warn=False).mi for s in range(10)]
        assert np.mean(cc) + 0.02 < truth < np.mean(mm) - 0.1, (n, np.mean(cc), np.mean(mm))
    # independent, 50 levels against 2: the chance correction is unbiased (the plug-in reads +0.024)
    rng = np.random.default_rng(0)
    vals = [estimate_mi(rng.integers(0, 50, 1000), rng.integers(0, 2, 1000), method="plugin-chance",
                        warn=False).mi for _ in range(30)]
    assert abs(np.mean(vals)) < 0.004


def test_auto_grades_an_unsettled_bias_correction_caution_with_a_range_that_covers():
    """Before: Miller-Madow's 0.71-0.77 graded "caution" with the range its own interval,
    [0.66, 0.81], which missed the truth 0.493. Now the range reaches the chance-corrected value
    and Grassberger's estimate answers (0.51-0.58)."""
    truth = _copied_truth(30, 0.3)
    for seed in range(3):
        r = estimate_mi(*_copied(30, 0.3, 1000, seed), random_state=seed, warn=False)
        d = r.diagnostics
        # the bracket parts: Grassberger's estimate (smaller bias at few rows per cell) answers,
        # between the two corrections and nearer the truth than Miller-Madow
        assert d["choice"]["method"] == "grassberger" and "plugin-chance" in d["candidates"]
        mm, cc = d["candidates"]["binning"]["mi"], d["candidates"]["plugin-chance"]["mi"]
        assert cc < r.mi < mm and abs(r.mi - truth) < abs(mm - truth)
        assert d["trust"] == "caution" and "small-sample" in r.codes()
        lo, hi = d["range"]
        assert lo <= truth <= hi
        # the interval is the hull of the corrections' intervals (Miller-Madow's alone missed)
        assert r.ci[0] <= truth <= r.ci[1] and r.ci[0] <= cc
        assert d["candidates"]["binning"]["ci"][0] > truth


def test_auto_keeps_ok_where_the_corrections_agree():
    """10 levels copied with probability 0.6 (MI 0.858), n = 5000: both corrections read
    within 0.5% of each other and of the truth; a rule that withheld "ok" here would be broken."""
    truth = _copied_truth(10, 0.6)
    for seed in range(2):
        r = estimate_mi(*_copied(10, 0.6, 5000, seed), random_state=seed, warn=False)
        d = r.diagnostics
        assert d["trust"] == "ok", r.codes()
        assert abs(r.mi - truth) < 0.1 * truth
        assert abs(d["candidates"]["plugin-chance"]["mi"] - r.mi) < 0.02


def test_two_discrete_sides_are_held_to_the_precision_of_ok():
    """4 levels copied with probability 0.3 (MI 0.118), n = 400 (25 rows per cell, so the
    plug-in's own few-rows warning stays silent): its 95% interval is about +-0.04, four times
    the 10% that "ok" promises. Two discrete sides were exempt from the precision rule and read
    "ok" whatever their interval."""
    assert abs(_copied_truth(4, 0.3) - 0.1176) < 5e-4
    for seed in range(4):
        r = estimate_mi(*_copied(4, 0.3, 400, seed), random_state=seed, warn=False)
        assert r.diagnostics["trust"] != "ok", (r.mi, r.stderr)


def test_grassberger_reads_nearer_than_miller_madow_with_few_rows_per_cell():
    """30 levels copied with probability 0.3 (MI 0.493), n = 1000, 10 seeds: Miller-Madow 0.73 on
    average, Grassberger 0.54 (the means' errors ~0.01); its error from half-samples."""
    truth = _copied_truth(30, 0.3)
    mm = [estimate_mi(*_copied(30, 0.3, 1000, s), method="binning", warn=False).mi for s in range(10)]
    gr = [estimate_mi(*_copied(30, 0.3, 1000, s), method="binning", correction="grassberger", warn=False)
          for s in range(10)]
    assert abs(np.mean([r.mi for r in gr]) - truth) < 0.5 * abs(np.mean(mm) - truth)
    assert gr[0].diagnostics["stderr_method"].startswith("half-sampling")


def _tokens(n_tokens, dim, n, classes, flip, seed):
    """A token's embedding looked up per row (X, ``dim`` floats) against a class that the token
    sets, replaced by a uniform one with probability ``flip``; the truth is I(token; class)."""
    rng = np.random.default_rng(seed)
    emb, cls = rng.normal(size=(n_tokens, dim)), rng.integers(0, classes, n_tokens)
    tok = rng.integers(0, n_tokens, n)
    y = np.where(rng.random(n) < flip, rng.integers(0, classes, n), cls[tok])
    py_t = np.full((n_tokens, classes), flip / classes)
    py_t[np.arange(n_tokens), cls] += 1 - flip
    py = py_t.mean(axis=0)
    ent = lambda p: -float(np.sum(p[p > 0] * np.log(p[p > 0])))  # noqa: E731
    return emb[tok], y, ent(py) - float(np.mean([ent(r) for r in py_t]))


def test_vectors_that_take_few_values_are_read_as_their_row_patterns():
    """Embeddings looked up per row are a discrete variable written as vectors: read as
    continuous, their repeats were ties and copies to the kNN estimators (200 tokens in 16 dims,
    5 classes, n = 10,000: 0.610 for 0.718; 1000 tokens in 32 dims, 10 classes, n = 20,000:
    0.319 for 0.625, both "caution"). Read as the label of their row patterns: within 5%."""
    for args in ((200, 16, 10_000, 5, 0.3, 0), (1000, 32, 20_000, 10, 0.5, 2)):
        x, y, truth = _tokens(*args)
        r = estimate_mi(x, y, random_state=0, warn=False)
        assert "row patterns" in r.diagnostics["discrete_x"]
        assert abs(r.mi - truth) < 0.05 * truth, (args, r.mi, truth)
    # continuous rows (no value repeats) are not patterns
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 4))
    r = estimate_mi(x, x[:, 0] + rng.normal(size=2000), random_state=0, warn=False)
    assert "row patterns" not in str(r.diagnostics.get("discrete_x", ""))


def test_a_smoothed_one_hot_label_is_read_as_its_patterns_and_a_grid_is_not():
    """A one-hot label smoothed to 0.9 / 0.01 (10 classes around 2-dim class centres, n = 5000,
    MI by Monte Carlo over the exact posterior): no column alone tells the 10 patterns apart,
    and read as 10 continuous columns it was 5% high with an interval that missed. Its 10
    patterns are far fewer than the columns' levels could form (2^10): a code, read as the
    label (the same estimate as the integer codes). Three columns of one quantity cut into 8
    levels each fill hundreds of the 512 cells: a grid, left to the continuous branch."""
    from infolens.estimators.auto import _few_patterns

    k, n = 10, 5000
    rng = np.random.default_rng(0)
    cent = rng.normal(size=(k, 2)) * 2
    cm = rng.integers(0, k, 200_000)
    xm = cent[cm] + rng.normal(size=(len(cm), 2))
    ll = -0.5 * ((xm[:, None, :] - cent[None]) ** 2).sum(-1)
    ll -= ll.max(1, keepdims=True)
    post = np.exp(ll) / np.exp(ll).sum(1, keepdims=True)
    truth = math.log(k) + float(np.mean(np.log(post[np.arange(len(cm)), cm])))
    c = rng.integers(0, k, n)
    x = cent[c] + rng.normal(size=(n, 2))
    smooth = estimate_mi(x, np.eye(k)[c] * 0.9 + 0.01, random_state=0, warn=False)
    codes = estimate_mi(x, c, random_state=0, warn=False)
    assert "row patterns" in smooth.diagnostics["discrete_y"]
    assert smooth.mi == codes.mi and abs(smooth.mi - truth) < 0.05 * truth
    z = rng.multivariate_normal(np.zeros(3), 0.5 * np.eye(3) + 0.5, size=n)
    grid = np.digitize(z, np.quantile(z, np.linspace(0, 1, 9)[1:-1])) * 0.25 + 0.125
    assert _few_patterns(grid) == 0
