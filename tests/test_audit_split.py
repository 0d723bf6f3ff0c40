"""The audit's premise, checked: training and holdout rows are two random halves of one table.

Known by construction: a holdout cut by time (later admissions) or by ID range differs from the
training rows in that column; a generator that reproduces the training rows' distribution
faithfully, and copies none of them, then sits nearer to training than to holdout rows, and
every memorisation check that compares the halves called it a copier ("Do not release"). The
split check finds the column; the verdict says it cannot tell, unless exact copies (which do not
compare the halves) show memorisation. On random splits the check rejects at its level.
"""

import numpy as np
import pandas as pd
import pytest

from infolens.audit import audit
from infolens.audit.exchange import SPLIT_ALPHA, split_check
from infolens.errors import InfolensWarning

N = 800


def patients(n, rng, first_day=0, last_day=730):
    a = rng.normal(size=n)
    return pd.DataFrame({"a": a, "b": 0.6 * a + 0.8 * rng.normal(size=n),
                         "ward": np.array(["x", "y", "z"])[rng.integers(0, 3, n)],
                         "age": rng.integers(18, 90, n),
                         "admit": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(first_day, last_day, n),
                                                                                 unit="D")})


def run(tr, syn, ho):
    return audit(tr, syn, ho, n_permutations=50, n_bootstrap=50, random_state=0, verbose=False)


def test_time_split_holdout_is_not_called_memorisation():
    rng = np.random.default_rng(0)
    tr, ho = patients(N, rng), patients(N, rng, 730, 1095)          # holdout: the following year
    faithful = patients(N, rng)                                      # the training period, no row copied
    with pytest.warns(InfolensWarning, match="differ from the training rows in column 'admit'"):
        res = run(tr, faithful, ho)
    status = res.summary().set_index("check")["status"]
    assert status["holdout drawn like the training rows"] == "warning"
    assert res.metrics["split_worst"]["column"] == "admit" and not res.metrics["split_random"]
    # the comparisons of the halves fire (the trap), the verdict does not call it memorisation
    assert status["closer to training than to holdout"] == "at risk"
    v = res.verdict()
    assert v["memorisation"] is None and v["headline"].startswith("Cannot tell")
    # exact copies do not compare the halves: a copier is still caught under the same split
    copier = tr.sample(frac=1.0, random_state=1).reset_index(drop=True)
    with pytest.warns(InfolensWarning, match="split|differ"):
        v = run(tr, copier, ho).verdict()
    assert v["memorisation"] is True and v["headline"].startswith("Do not release")


def test_random_split_passes_and_verdict_unchanged():
    rng = np.random.default_rng(1)
    table = patients(3 * N, rng)
    tr, ho, rest = table.iloc[:N], table.iloc[N:2 * N].reset_index(drop=True), table.iloc[2 * N:]
    res = run(tr, rest.reset_index(drop=True), ho)
    assert res.metrics["split_random"]
    assert res.summary().set_index("check")["status"]["holdout drawn like the training rows"] == "passed"
    assert res.verdict()["memorisation"] is False


def test_split_check_rejects_random_splits_at_its_level():
    rng = np.random.default_rng(2)
    table = patients(1000, rng)
    rejected = 0
    for _ in range(200):
        perm = rng.permutation(1000)
        res = split_check(table.iloc[perm[:500]], table.iloc[perm[500:]], ["ward"])
        rejected += not res["random"]
    # level SPLIT_ALPHA = 0.001 family-wise: 3 or more of 200 has probability 0.001
    assert SPLIT_ALPHA == 0.001 and rejected <= 2
