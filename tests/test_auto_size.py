"""method="auto" at large n: the rows each part runs on, the power rule that sizes the model
check, and the "subsampled" warning when the value comes from a subsample. Small thresholds
(``check_rows``, ``max_check_rows``) stand in for the defaults (20,000 and 100,000) so the
tests stay fast; speed itself is measured in benchmarks/bench_scale.py, not here."""

from __future__ import annotations

import math

import numpy as np
import pytest

import infolens
from infolens.errors import InputError
from infolens.estimators._auto_rules import CHECK_POWER_RTOL, POWER_Z, check_rows_for_power
from infolens.estimators._copula_check import CHECK_FLOOR, CHECK_Z
from infolens.registry import get_estimator


def _gauss(n, rho, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    return x, rho * x + np.sqrt(1 - rho**2) * rng.normal(size=(n, d)), -0.5 * d * np.log(1 - rho**2)


def test_power_rule_scales_rows_with_the_square_of_the_error():
    """The rows a check needs: unchanged when the pilot already has the power, and ``m (se /
    target)^2`` otherwise (KSG's error scales like 1/sqrt(m)), with the target the 10% error
    over CHECK_Z + POWER_Z (80% power), floored at CHECK_FLOOR for MI near 0."""
    value = 1.0
    target = CHECK_POWER_RTOL * value / (CHECK_Z + POWER_Z)
    assert check_rows_for_power(0.9 * target, 20_000, value) == 20_000
    assert check_rows_for_power(2 * target, 20_000, value) == 80_000
    assert check_rows_for_power(3 * target, 1000, -value) == 9000
    floor_target = CHECK_FLOOR / (CHECK_Z + POWER_Z)  # 10% of 0.01 nats is below the floor
    assert check_rows_for_power(2 * floor_target, 5000, 0.01) == 20_000
    assert check_rows_for_power(math.nan, 5000, 1.0) == 5000


def test_closed_form_answer_uses_every_row_while_the_checks_use_a_subsample():
    """2+2 Gaussian, n = 3000, check_rows = 1000: KSG and the model check run on a subsample
    (at least 1000 rows, at most max_check_rows = 2000), the Gaussian copula on all 3000 rows
    is the answer, bit for bit the value of the Gaussian copula alone, so no "subsampled"
    warning; exact within 4 standard errors (+0.01 rank noise)."""
    x, y, truth = _gauss(3000, 0.6, 2, 0)
    r = infolens.estimate_mi(x, y, budget="fast", random_state=0, check_rows=1000, max_check_rows=2000)
    d = r.diagnostics
    assert d["choice"]["method"] == "gaussian-copula"
    assert d["n"] == 3000
    assert d["rows_used"]["gaussian-copula"] == 3000
    assert 1000 <= d["rows_used"]["ksg"] <= 2000
    assert d["rows_used"]["model_check"] == d["model_check"]["rows"] == d["rows_used"]["ksg"]
    assert d["candidates"]["ksg"]["rows"] == d["rows_used"]["ksg"]
    assert d["check_sizing"]["pilot_rows"] == 1000 and d["check_sizing"]["rows"] == d["model_check"]["rows"]
    assert not r.has_warning("subsampled")
    alone = get_estimator("gaussian-copula").estimate(x, y)
    assert r.mi == alone.mi
    assert abs(r.mi - truth) < 4 * r.stderr + 0.01


def test_up_to_check_rows_nothing_changes():
    """At n <= check_rows every part uses every row: the result is the same computation as
    with the default threshold (the same numbers, not only close ones)."""
    from infolens.distributions.student import StudentT

    x, y = StudentT(1, 1, 3.0, [[1.0, 0.6], [0.6, 1.0]]).sample(1500, random_state=2)
    a = infolens.estimate_mi(x, y, budget="fast", random_state=0, check_rows=1500)
    b = infolens.estimate_mi(x, y, budget="fast", random_state=0)
    assert a.mi == b.mi and a.stderr == b.stderr
    assert a.diagnostics["candidates"].keys() == b.diagnostics["candidates"].keys()
    for k, c in a.diagnostics["candidates"].items():
        assert c["mi"] == b.diagnostics["candidates"][k]["mi"]
        assert c["rows"] == 1500
    assert not a.has_warning("subsampled")


def test_a_value_from_a_subsample_says_so_and_its_interval_is_the_subsample_s():
    """1+1 Student-t (nu = 3, rho = 0.6), n = 4000, check_rows = 1000: heavy tails make the
    t-copula the answer, fitted on the subsample (it is no closed form of O(n d^2): its nu
    search and half-samples refit it many times). The result carries "subsampled" with the
    rows, its interval is the t-copula's on those rows, and the value is within 4 of those
    rows' standard errors of the truth."""
    from infolens.distributions.student import StudentT

    s = StudentT(1, 1, 3.0, [[1.0, 0.6], [0.6, 1.0]])
    x, y = s.sample(4000, random_state=1)
    r = infolens.estimate_mi(x, y, budget="fast", random_state=0, check_rows=1000, max_check_rows=1000, warn=False)
    d = r.diagnostics
    assert d["choice"]["method"] == "t-copula"
    assert d["rows_used"]["t-copula"] == 1000 and d["rows_used"]["gaussian-copula"] == 4000
    assert r.has_warning("subsampled")
    w = next(w for w in r.warnings if w.code == "subsampled")
    assert w.data["rows"] == 1000 and w.data["n"] == 4000
    assert r.stderr == d["candidates"]["t-copula"]["stderr"]
    # the interval is the t-copula's on those rows, widened only by the model choice
    assert d["interval"]["sampling"] == d["candidates"]["t-copula"]["ci"]
    assert r.ci[0] <= d["interval"]["sampling"][0] and r.ci[1] >= d["interval"]["sampling"][1]
    assert abs(r.mi - s.mi) < 4 * r.stderr + 0.01


def test_labels_run_the_knn_estimator_on_a_subsample():
    """A label and 2 continuous columns, n = 3000, check_rows = 1000: ross and the linear
    probe beside it (2+ columns; the classifier does not train at budget "fast") run on 1000
    rows, the class-conditional copula on all; ross is the answer, so "subsampled"."""
    rng = np.random.default_rng(3)
    lab = rng.integers(0, 3, 3000)
    x = rng.normal(size=(3000, 2)) + lab[:, None]
    r = infolens.estimate_mi(x, lab, budget="fast", random_state=0, check_rows=1000, warn=False)
    d = r.diagnostics
    assert d["choice"]["method"] == "ross"
    assert d["rows_used"] == {"gaussian-copula": 3000, "ross": 1000, "probe": 1000}
    assert r.has_warning("subsampled")


@pytest.mark.parametrize("bad", [10, 2.5, True, "many"])
def test_check_rows_must_be_a_row_count(bad):
    x, y, _ = _gauss(200, 0.5, 1, 0)
    with pytest.raises(InputError, match="check_rows"):
        infolens.estimate_mi(x, y, check_rows=bad)


def test_knn_answer_in_1_1_uses_every_row():
    """y = sin(3x) + 0.3 e (1+1, n = 3000): no copula model reproduces KSG, so KSG is the
    answer; in 1+1 it is rerun on every row (fast there), so the value is KSG's on all rows
    (the same number as with the default check_rows) while the model check used 1000."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (3000, 1))
    y = np.sin(3 * x) + 0.3 * rng.standard_normal((3000, 1))
    full = infolens.estimate_mi(x, y, budget="fast", random_state=0, warn=False)
    sub = infolens.estimate_mi(x, y, budget="fast", random_state=0, check_rows=1000, max_check_rows=1000, warn=False)
    assert full.diagnostics["choice"]["method"] == sub.diagnostics["choice"]["method"] == "ksg"
    assert sub.mi == full.mi and not sub.has_warning("subsampled")
    assert sub.diagnostics["rows_used"] == {"gaussian-copula": 3000, "ksg": 3000, "model_check": 1000}


def test_knn_answer_from_a_subsample_is_flagged_and_its_interval_is_wider():
    """y = sin(3 x_1) + sin(3 x_2) + 0.3 e (2+1 columns, n = 3000):
    no copula model reproduces KSG, so KSG is the answer. With check_rows = 1000 it runs on
    1000 rows: "subsampled", and its standard error is that of 1000 rows, larger than on all
    3000 (KSG's error scales like 1/sqrt(n): about sqrt(3) times; more than 1.3 times allows
    the noise of both error estimates)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (3000, 2))
    y = np.sin(3 * x[:, :1]) + np.sin(3 * x[:, 1:]) + 0.3 * rng.standard_normal((3000, 1))
    full = infolens.estimate_mi(x, y, budget="fast", random_state=0, warn=False)
    sub = infolens.estimate_mi(x, y, budget="fast", random_state=0, check_rows=1000, max_check_rows=1000, warn=False)
    assert full.diagnostics["choice"]["method"] == sub.diagnostics["choice"]["method"] == "ksg"
    assert not full.has_warning("subsampled") and sub.has_warning("subsampled")
    used = sub.diagnostics["rows_used"]
    assert used["gaussian-copula"] == 3000 and used["ksg"] == used["model_check"] == 1000
    assert sub.stderr > 1.3 * full.stderr
    assert sub.diagnostics["interval"]["sampling"] == sub.diagnostics["candidates"]["ksg"]["ci"]
    assert sub.ci[0] <= sub.diagnostics["interval"]["sampling"][0] and sub.ci[1] >= sub.diagnostics["interval"]["sampling"][1]
