"""Tests whose null is "the generator treated training and holdout rows alike".

Training and holdout rows are two random halves of one population, and only the training half
reached the generator. If the generator did not memorise, the synthetic rows carry no trace of
which half a real row came from: the labels "train" / "holdout" are exchangeable given the
synthetic table. A statistic computed from the nearest real neighbour of each synthetic row can
then be referred to its distribution under random relabellings of the real rows (a permutation
test; Good 2005, ch. 3). This null holds however poor the generator is: a collapsed or shifted
generator moves all synthetic rows, but not towards one half more than the other.

The statistic used is the share of synthetic rows whose nearest real row is a training row
(``w`` weights per real row: how many synthetic rows have it as their nearest, 1/2 each for a
tie). The permutation null relabels *real rows*, not synthetic rows: a thousand synthetic rows
that all sit next to the same real row are one observation, not a thousand, which is what the
binomial test of earlier versions got wrong for collapsed generators. Intervals are a cluster
bootstrap over the same real rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import beta


def nearest_real_weights(d_train: np.ndarray, i_train: np.ndarray, d_hold: np.ndarray, i_hold: np.ndarray,
                         n_eq: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights of the real rows that are nearest to the synthetic rows selected by the boolean
    mask ``rows``: returns ``(weights, is_train)`` over the distinct real rows involved
    (training rows are ids ``0..n_eq-1``, holdout rows ``n_eq..2 n_eq-1``)."""
    dt, dh = d_train[rows], d_hold[rows]
    it, ih = i_train[rows], i_hold[rows] + n_eq
    w_t = (dt < dh) + 0.5 * (dt == dh)
    ids = np.r_[it, ih]
    w = np.r_[w_t, 1.0 - w_t]
    keep = w > 0
    uniq, inv = np.unique(ids[keep], return_inverse=True)
    weights = np.bincount(inv, weights=w[keep], minlength=len(uniq))
    return weights, uniq < n_eq


def share_test(weights: np.ndarray, is_train: np.ndarray, n_eq: int, *, n_permutations: int = 1000,
               n_bootstrap: int = 200, rng: np.random.Generator) -> dict[str, Any]:
    """Share of weight on training rows, its permutation p-value (one-sided, "more than
    under relabelling") and a 95% cluster-bootstrap interval.

    Relabelling ``2 n_eq`` real rows with ``n_eq`` "train" labels: the involved rows receive
    a hypergeometric number ``m`` of train labels, placed on a uniformly random subset of them.
    ``p = (1 + #{T_perm >= T_obs}) / (1 + n_permutations)``.
    """
    k = len(weights)
    total = float(weights.sum())
    if k == 0 or total <= 0:
        return {"share": float("nan"), "pvalue": 1.0, "ci": [float("nan"), float("nan")], "n_rows": 0.0,
                "n_real_neighbours": 0}
    obs = float(weights[is_train].sum() / total)
    ge = 0
    for _ in range(n_permutations):
        m = int(rng.hypergeometric(n_eq, n_eq, k))
        t = weights[rng.permutation(k)[:m]].sum() / total
        ge += t >= obs - 1e-12
    boots = np.empty(n_bootstrap)
    wt = weights * is_train
    for b in range(n_bootstrap):
        j = rng.integers(0, k, k)
        s = weights[j].sum()
        boots[b] = wt[j].sum() / s if s > 0 else obs
    ci = np.percentile(boots, [2.5, 97.5]).tolist() if n_bootstrap else [float("nan")] * 2
    return {"share": obs, "pvalue": float((1 + ge) / (1 + n_permutations)), "ci": [float(c) for c in ci],
            "n_rows": total, "n_real_neighbours": int(k)}


def binomial_ci(x: int, n: int, level: float = 0.95) -> list[float]:
    """Clopper-Pearson interval for a proportion ``x / n`` (exact, conservative)."""
    if n == 0:
        return [float("nan"), float("nan")]
    a = (1 - level) / 2
    lo = 0.0 if x == 0 else float(beta.ppf(a, x, n - x + 1))
    hi = 1.0 if x == n else float(beta.ppf(1 - a, x + 1, n - x))
    return [lo, hi]


def median_ci(x: np.ndarray, level: float = 0.95) -> list[float]:
    """Distribution-free interval for the median from order statistics (binomial ranks)."""
    from scipy.stats import binom

    x = np.sort(np.asarray(x, dtype=np.float64))
    n = len(x)
    if n == 0:
        return [float("nan"), float("nan")]
    lo = int(binom.ppf((1 - level) / 2, n, 0.5))
    hi = int(binom.isf((1 - level) / 2, n, 0.5))
    return [float(x[max(lo - 1, 0)]), float(x[min(hi, n - 1)])]


#: family-wise level of the split check: a random split is called "not random" once in 1,000
SPLIT_ALPHA = 0.001


def split_check(train: Any, holdout: Any, categorical: list[Any]) -> dict[str, Any]:
    """Were training and holdout rows drawn alike (the premise of every test above)? Per
    column: numeric, the two-sample Kolmogorov-Smirnov test; categorical, the chi-square test
    of equal level frequencies. ``pvalue``: the smallest p-value times the number of columns
    (Bonferroni); ``random`` when it is at least :data:`SPLIT_ALPHA`. A holdout cut by time,
    by ID range or by site differs from the training rows in that column, and a faithful
    generator, which reproduces the training rows' distribution, then sits nearer to training
    than to holdout rows: every memorisation check but exact copies reads that as memorisation."""
    import warnings

    import pandas as pd
    from scipy.stats import chi2_contingency, ks_2samp

    rows: list[dict[str, Any]] = []
    for c in train.columns:
        if c in categorical:
            a, b = train[c].astype(str), holdout[c].astype(str)
            levels = sorted(set(a) | set(b))
            table = np.array([a.value_counts().reindex(levels, fill_value=0).to_numpy(),
                              b.value_counts().reindex(levels, fill_value=0).to_numpy()])
            if len(levels) < 2:
                continue
            p = float(chi2_contingency(table)[1])
            size = 0.5 * float(np.abs(table[0] / table[0].sum() - table[1] / table[1].sum()).sum())
            rows.append({"column": str(c), "test": "chi-square", "statistic": size, "pvalue": p})
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                r = ks_2samp(pd.to_numeric(train[c]).to_numpy(dtype=np.float64),
                             pd.to_numeric(holdout[c]).to_numpy(dtype=np.float64))
            rows.append({"column": str(c), "test": "KS", "statistic": float(r.statistic), "pvalue": float(r.pvalue)})
    if not rows:
        return {"random": True, "pvalue": 1.0, "columns": [], "worst": None}
    worst = min(rows, key=lambda r: (float(r["pvalue"]), -float(r["statistic"])))
    p = min(1.0, float(worst["pvalue"]) * len(rows))
    return {"random": p >= SPLIT_ALPHA, "pvalue": p, "columns": rows, "worst": worst}

