"""A side mixing discrete and continuous columns: the chain rule I(Xd;Y) + I(Xc;Y|Xd)."""

import math

import numpy as np
import pytest
from scipy import stats

from infolens import estimate_mi


def _table(n, seed, n_flags=3, levels=4, noise=1.0):
    """x = (z, flags b_1..b_f, a one-hot code of a `levels`-level c); y = z + sum b + 0.7 c + noise e."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(n)
    b = rng.integers(0, 2, (n, n_flags))
    c = rng.integers(0, levels, n)
    x = np.hstack([z[:, None], b, np.eye(levels)[c]]).astype(float)
    return x, z + b.sum(1) + 0.7 * c + noise * rng.standard_normal(n)


def _truth(n_flags=3, levels=4, noise=1.0):
    """h(Y) - h(Y|X): Y is a mixture over the discrete shift S of N(S, 1 + noise^2)."""
    shifts = {}
    for bits in range(2 ** n_flags):
        for c in range(levels):
            v = bin(bits).count("1") + 0.7 * c
            shifts[v] = shifts.get(v, 0.0) + 1.0 / (2 ** n_flags * levels)
    sd = math.sqrt(1 + noise**2)
    grid = np.linspace(-12, 20, 160001)
    dens = sum(p * stats.norm.pdf(grid, v, sd) for v, p in shifts.items())
    h = -np.trapezoid(dens * np.log(np.maximum(dens, 1e-300)), grid)
    return float(h - 0.5 * math.log(2 * math.pi * math.e * noise**2))


def test_the_chain_reads_a_mixed_table_within_ten_percent():
    """1 measurement, 3 flags, a 4-level one-hot code (32 patterns), n = 5000, MI 0.606: auto's
    continuous branch read 0.66-0.68 ("caution", wkl on the tied columns); the chain 0.622-0.633."""
    truth = _truth()
    assert abs(truth - 0.606) < 0.002
    for seed in (0, 1):
        x, y = _table(5000, seed)
        r = estimate_mi(x, y, method="mixed-chain", random_state=seed, warn=False)
        assert abs(r.mi - truth) < 0.1 * truth and r.ci[0] <= truth <= r.ci[1]
        assert r.diagnostics["discrete_columns"] == list(range(1, 8)) and r.diagnostics["patterns"] == 32
        assert r.mi == pytest.approx(r.diagnostics["label_term"] + r.diagnostics["within_term"])


def test_auto_takes_the_chain_for_a_mixed_side_either_way_round():
    truth = _truth(n_flags=1, levels=4, noise=0.3)
    x, y = _table(5000, 3, n_flags=1, levels=4, noise=0.3)
    r = estimate_mi(x, y, random_state=0, warn=False)
    d = r.diagnostics
    assert d["choice"]["method"] == "mixed-chain" and "x mixes 5 discrete" in d["choice"]["why"]
    assert abs(r.mi - truth) < 0.1 * truth, (r.mi, truth)
    assert d["trust"] == "ok" and r.ci[0] <= truth <= r.ci[1]
    r2 = estimate_mi(y, x, random_state=0, warn=False)
    assert r2.diagnostics["choice"]["method"] == "mixed-chain" and r2.mi == pytest.approx(r.mi)


def test_too_many_patterns_for_the_rows_go_to_the_continuous_branch():
    """32 patterns in 500 rows (under 20 rows each): KSG within patterns would read a third low;
    the continuous branch answers, as before."""
    x, y = _table(500, 4)
    r = estimate_mi(x, y, random_state=0, warn=False)
    assert r.diagnostics["choice"]["method"] != "mixed-chain"
    assert r.diagnostics["trust"] != "ok"


def test_small_levels_say_their_shortfall():
    """32 patterns in 1000 rows (~31 each): the within-pattern KSG's expected shortfall is
    warned and the grade is below "ok"; the range still covers the truth."""
    truth = _truth()
    x, y = _table(1000, 5)
    r = estimate_mi(x, y, random_state=0, warn=False)
    d = r.diagnostics
    assert d["choice"]["method"] == "mixed-chain" and d["trust"] != "ok" and "small-sample" in r.codes()
    lo, hi = d["range"]
    assert lo <= truth <= hi
