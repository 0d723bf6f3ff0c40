"""Fidelity of a synthetic table: per-column marginals, correlations, and downstream use.

- Numeric columns: two-sample Kolmogorov-Smirnov statistic (max CDF gap) and the
  1-Wasserstein distance in units of the real column's standard deviation (scipy.stats).
- Categorical columns: total-variation distance between category frequencies.
- Correlation-matrix difference: Pearson correlations of the numeric columns, max and mean
  absolute difference and the Frobenius norm of the difference.
- TSTR (train on synthetic, test on real; Esteban et al. 2017) against TRTR (train on real,
  test on real): the same model fitted on each, scored on the holdout rows.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp, wasserstein_distance

from ..errors import InputError
from ..validation import check_choice, check_random_state, seed_from
from .tables import TableEncoder

TASKS = ("auto", "classification", "regression")
#: a numeric target with at most this many distinct integer values is treated as classes
MAX_CLASSES = 20


def column_metrics(real: pd.DataFrame, synthetic: pd.DataFrame, encoder: TableEncoder) -> pd.DataFrame:
    """One row per column: kind, KS statistic and p-value, Wasserstein/sd, or TVD for categories."""
    rows = []
    for c in real.columns:
        if c in encoder.categorical_:
            p = real[c].astype(str).value_counts(normalize=True)
            q = synthetic[c].astype(str).value_counts(normalize=True)
            tvd = 0.5 * float(p.subtract(q, fill_value=0.0).abs().sum())
            rows.append({"column": str(c), "kind": "categorical", "ks": np.nan, "ks_pvalue": np.nan,
                         "wasserstein_sd": np.nan, "tvd": tvd})
        else:
            a = real[c].to_numpy(dtype=np.float64)
            b = synthetic[c].to_numpy(dtype=np.float64)
            with warnings.catch_warnings():
                # small tables: scipy's exact p-value may not converge; it then uses the
                # asymptotic one itself and says so in a RuntimeWarning, noise to a reader
                warnings.simplefilter("ignore", RuntimeWarning)
                ks = ks_2samp(a, b)
            sd = a.std() or 1.0
            rows.append({"column": str(c), "kind": "numeric", "ks": float(ks.statistic),
                         "ks_pvalue": float(ks.pvalue), "wasserstein_sd": float(wasserstein_distance(a, b) / sd),
                         "tvd": np.nan})
    return pd.DataFrame(rows)


def correlation_difference(real: pd.DataFrame, synthetic: pd.DataFrame, numeric: list[str]) -> dict[str, float]:
    """Differences between the Pearson correlation matrices of the numeric columns."""
    if len(numeric) < 2:
        return {"corr_max_abs_diff": float("nan"), "corr_mean_abs_diff": float("nan"), "corr_frobenius": float("nan")}
    with np.errstate(divide="ignore", invalid="ignore"):   # a constant column has no correlation: count it as 0
        cr = np.nan_to_num(np.corrcoef(real[numeric].to_numpy(dtype=np.float64), rowvar=False))
        cs = np.nan_to_num(np.corrcoef(synthetic[numeric].to_numpy(dtype=np.float64), rowvar=False))
    diff = np.abs(cr - cs)[np.triu_indices(len(numeric), k=1)]
    return {"corr_max_abs_diff": float(diff.max()), "corr_mean_abs_diff": float(diff.mean()),
            "corr_frobenius": float(np.linalg.norm(cr - cs))}


def detect_task(y: pd.Series, task: str = "auto") -> tuple[str, str]:
    """``(task, how)``: classification for categorical targets or integer targets with at most
    ``MAX_CLASSES`` levels, regression otherwise; a declared task is used as given."""
    check_choice(task, "task", TASKS)
    if task == "regression" and (not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y)):
        example = y.dropna().iloc[0] if y.notna().any() else None
        raise InputError(f"task='regression' needs a numeric target, but {y.name!r} holds {y.dtype} values "
                         f"(e.g. {example!r}); use task='classification' or 'auto' (CLI: --task)")
    if task != "auto":
        return task, "declared"
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        return "classification", "detected"
    v = y.to_numpy(dtype=np.float64)
    if np.all(np.mod(v, 1) == 0) and len(np.unique(v)) <= MAX_CLASSES:
        return "classification", "detected"
    return "regression", "detected"


def tstr(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    target: str,
    *,
    task: str = "auto",
    random_state: Any = None,
) -> dict[str, Any]:
    """Accuracy (classification) or R^2 (regression) on the holdout rows of a histogram
    gradient-boosting model fitted on synthetic rows (TSTR) and on real training rows (TRTR)."""
    from threadpoolctl import threadpool_limits

    if target not in train.columns:
        raise InputError(f"target={target!r} is not a column; columns are {list(map(str, train.columns))[:20]}")
    kind, how = detect_task(train[target], task)
    feats = [c for c in train.columns if c != target]
    if not feats:
        raise InputError("TSTR needs at least one feature column besides the target")
    enc = TableEncoder("euclidean").fit(train[feats], synthetic[feats], holdout[feats])
    xr, xs, xh = (enc.transform(d[feats]) for d in (train, synthetic, holdout))
    seed = seed_from(random_state)
    with threadpool_limits(limits=1):  # OpenMP threads oversubscribe a shared machine; the fits are small
        return _fit_score(xr, xs, xh, train, synthetic, holdout, target, kind, how, seed)


def _fit_score(xr: np.ndarray, xs: np.ndarray, xh: np.ndarray, train: pd.DataFrame, synthetic: pd.DataFrame,
               holdout: pd.DataFrame, target: str, kind: str, how: str, seed: int) -> dict[str, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    out: dict[str, Any] = {"target": str(target), "task": kind, "task_how": how}
    if kind == "classification":
        yr, ys, yh = (d[target].astype(str).to_numpy() for d in (train, synthetic, holdout))
        if len(np.unique(ys)) < 2:
            out.update(tstr=float(np.mean(yh == ys[0])), note="synthetic target has one class; TSTR predicts it always")
        else:
            m = HistGradientBoostingClassifier(random_state=seed).fit(xs, ys)
            out["tstr"] = float(np.mean(m.predict(xh) == yh))
        m = HistGradientBoostingClassifier(random_state=seed).fit(xr, yr)
        out["trtr"] = float(np.mean(m.predict(xh) == yh))
        out["metric"] = "accuracy"
    else:
        yr, ys, yh = (d[target].to_numpy(dtype=np.float64) for d in (train, synthetic, holdout))
        from sklearn.metrics import r2_score

        out["tstr"] = float(r2_score(yh, HistGradientBoostingRegressor(random_state=seed).fit(xs, ys).predict(xh)))
        out["trtr"] = float(r2_score(yh, HistGradientBoostingRegressor(random_state=seed).fit(xr, yr).predict(xh)))
        out["metric"] = "r2"
    out["ratio"] = float(out["tstr"] / out["trtr"]) if out["trtr"] > 0 else float("nan")
    return out


def coverage(
    train_index: Any,
    synthetic_index: Any,
    *,
    k: int = 5,
    max_query_rows: int | None = 5000,
    random_state: Any = None,
) -> dict[str, Any]:
    """Coverage (Naeem et al. 2020): the share of real training rows that have a synthetic
    row inside the ball reaching their ``k``-th nearest other training row. A generator that
    collapses onto a few modes leaves most balls empty.

    Estimated on at most ``max_query_rows`` training rows (Clopper-Pearson interval). Under an
    ideal generator (synthetic rows drawn like training rows) a ball is empty exactly when the
    ``k`` nearest of the ``N - 1 + M`` other rows are all training rows, so the expected
    coverage is ``1 - prod_{i<k} (N-1-i) / (N-1+M-i)`` (``1 - 2^-k`` for ``M = N``).
    ``train_index``, ``synthetic_index``: :class:`~.neighbors.NeighborIndex` objects.
    """
    from .exchange import binomial_ci

    rng = check_random_state(random_state)
    n, m = len(train_index), len(synthetic_index)
    if n <= k:
        raise InputError(f"coverage needs more than k={k} training rows, got {n}")
    rows = np.arange(n) if max_query_rows is None or n <= max_query_rows else \
        np.sort(rng.choice(n, max_query_rows, replace=False))
    q = train_index.ref[rows]
    radius = train_index.query(q, k + 1)[0][:, k]          # the row itself is its own 0-th neighbour
    nearest = synthetic_index.query(q, 1)[0][:, 0]
    covered = int(np.sum(nearest <= radius))
    expected = 1.0 - float(np.prod([(n - 1 - i) / (n - 1 + m - i) for i in range(k)]))
    return {"coverage": covered / len(rows), "coverage_ci": binomial_ci(covered, len(rows)),
            "coverage_expected": expected, "coverage_k": k, "coverage_query_rows": int(len(rows))}
