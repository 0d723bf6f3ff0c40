"""Per-feature mutual information with a target: error bars, permutation p-values and a
multiple-testing correction, one row per column of a table."""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..errors import InputError, InputTypeError
from ..estimators._knn_backend import _THREAD_MIN_N
from ..result import NATS_PER_BIT, check_unit
from ..validation import check_choice, seed_from
from . import _kernels as K
from ._columns import Column, declared_set, resolve_n_jobs, split_columns, type_column
from ._pairs import AUTO, estimate_pair, stat_factory

COLUMNS = ["feature", "mi", "stderr", "ci_low", "ci_high", "p_value", "p_adjusted", "kind", "method", "n", "warnings"]


def feature_mi(
    X: Any,
    y: Any,
    method: str = "auto",
    *,
    n_permutations: int = 0,
    correction: str | None = "fdr_bh",
    discrete_features: Any = "auto",
    discrete_target: bool | str = "auto",
    unit: str = "nats",
    n_jobs: int | None = None,
    random_state: Any = None,
    feature_names: Any = None,
    **params: Any,
):
    """I(X_j; y) for every column ``X_j`` of a table, as a DataFrame sorted by MI.

    Parameters
    ----------
    X : DataFrame (columns of any types: numbers, strings, categoricals, booleans), array
        ``(n, d)``, or ``(n, ...)`` (images: one column per pixel).
    y : the target, one value per row: numbers or labels.
    method : "auto" picks per column from the kinds of the two columns: ``ross`` (labels
        vs a continuous column, either side), ``ksg`` (continuous vs continuous),
        ``binning`` (plug-in with Miller–Madow, discrete vs discrete). Any registered
        estimator name runs that estimator on every column instead.
    n_permutations : permutation test of independence per column (0: none). The
        p-value is ``(1 + #{null >= observed}) / (1 + B)``.
    correction : "fdr_bh" (Benjamini–Hochberg), "holm", "bonferroni" or None, applied
        to the p-values of the non-constant columns (``p_adjusted``).
    discrete_features : "auto" (labels, or integral values with few levels), a bool for
        all columns, a boolean mask, or indices/names of the discrete columns.
    discrete_target : "auto", True or False.
    unit : "nats" or "bits".
    n_jobs : threads (None: ``OMP_NUM_THREADS`` when set, else every core). Columns run in
        parallel when n < 2000; on larger tables each estimate's neighbour search uses
        the threads instead, so the two never multiply. Permutations always run in parallel
        on single-threaded kernels.
    random_state : seed; every column gets its own stream spawned from it, so the numbers
        do not depend on n_jobs or on the order the threads finish.
    feature_names : names for the columns of an array.
    **params : estimator parameters (e.g. ``k=3``); with "auto", each goes to the
        estimators that take it.

    Returns
    -------
    pandas.DataFrame with columns ``feature, mi, stderr, ci_low, ci_high, p_value,
    p_adjusted, kind, method, n, warnings`` (warnings: a list of strings per row), sorted
    by ``mi`` (largest first). Constant columns are kept as rows with ``mi = 0``,
    ``method = "constant"``, no p-value and a warning; they are not estimated.
    ``df.attrs`` holds the target kind, the unit, the method and the test settings.
    """
    import pandas as pd

    check_unit(unit)
    check_choice(correction, "correction", K.CORRECTIONS)
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, (int, np.integer)) or n_permutations < 0:
        raise InputError(f"n_permutations must be an integer >= 0 (0: no test), got {n_permutations!r}")
    if not isinstance(method, str):
        raise InputTypeError(f"method must be 'auto' or an estimator name, got {type(method).__name__}")
    jobs = resolve_n_jobs(n_jobs)
    target = _target(y, discrete_target)
    raw = split_columns(X, "X", feature_names)
    if len(raw[0][1]) != len(target.values):
        raise InputError(f"X and y must have the same number of rows, got {len(raw[0][1])} and {len(target.values)}")
    if target.kind == "constant":
        raise InputError("y is constant (every row equal); a constant target carries no information - MI is 0 for every feature")
    decl = declared_set(discrete_features, [n for n, _ in raw], "discrete_features")
    cols = [type_column(nm, v, None if decl is None else decl[nm], f"X column {nm!r}") for nm, v in raw]
    if method != "auto":
        from ..registry import estimator_class

        method = estimator_class(method).name
    live = [j for j, c in enumerate(cols) if c.kind != "constant"]
    seeds = np.random.SeedSequence(seed_from(random_state)).spawn(len(cols))
    rngs = [np.random.default_rng(s) for s in seeds]
    est_seeds = [int(r.integers(0, 2**31 - 1)) for r in rngs]
    n = len(target.values)
    col_jobs = jobs if n < _THREAD_MIN_N else 1

    results = _map(lambda j: estimate_pair(cols[j], target, method, params, est_seeds[j]), live, col_jobs)
    res_of = dict(zip(live, results))
    pvals = {}
    if n_permutations and live:
        pvals = _permutation_pvalues(cols, live, target, method, params, rngs, int(n_permutations), jobs, n)
    f = 1.0 if unit == "nats" else 1.0 / NATS_PER_BIT
    rows = []
    for j, c in enumerate(cols):
        if c.kind == "constant":
            rows.append(
                [
                    c.name,
                    0.0,
                    0.0,
                    0.0,
                    0.0,
                    math.nan,
                    math.nan,
                    "constant",
                    "constant",
                    n,
                    ["constant column: it carries no information (not estimated)"],
                ]
            )
            continue
        r = res_of[j]
        lo, hi = r.ci if r.ci is not None else (math.nan, math.nan)
        rows.append(
            [
                c.name,
                r.mi * f,
                math.nan if r.stderr is None else r.stderr * f,
                lo * f,
                hi * f,
                pvals.get(j, math.nan),
                math.nan,
                c.kind,
                r.method,
                r.n_samples,
                list(r.warnings),
            ]
        )
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["p_adjusted"] = K.adjust_pvalues(df["p_value"].to_numpy(), correction) if n_permutations else math.nan
    df = df.sort_values("mi", ascending=False, kind="stable", na_position="last").reset_index(drop=True)
    df.attrs.update(
        {
            "target_kind": target.kind,
            "target_discrete": target.how,
            "unit": unit,
            "method": method,
            "n_permutations": int(n_permutations),
            "correction": correction if n_permutations else None,
            "auto_methods": {f"{a} feature, {b} target": m for (a, b), m in AUTO.items()},
        }
    )
    return df


def _target(y: Any, discrete_target: bool | str) -> Column:
    from ..validation import is_categorical

    if discrete_target not in ("auto", None, True, False):
        raise InputError(f"discrete_target must be True, False or 'auto', got {discrete_target!r}")
    if is_categorical(y) and getattr(y, "ndim", 1) == 2 and y.shape[1] != 1:
        raise InputError(f"y must be one value per row, shape (n,), got {y.shape}")
    vals = y
    if not is_categorical(y):
        from ..validation import to_numpy

        arr = to_numpy(y, "y")
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise InputError(f"y must be one value per row, shape (n,), got {arr.shape}")
        vals = arr
    elif type(y).__module__.startswith("pandas") and getattr(y, "ndim", 1) == 2:
        vals = y.iloc[:, 0]
    declared = None if discrete_target in ("auto", None) else bool(discrete_target)
    return type_column("y", vals, declared, "y")


def _permutation_pvalues(
    cols: list[Column],
    live: list[int],
    target: Column,
    method: str,
    params: dict[str, Any],
    rngs: list[np.random.Generator],
    B: int,
    jobs: int,
    n: int,
) -> dict[int, float]:
    """One permutation test per live column; (column, block of permutations) tasks on
    ``jobs`` threads. Kernels are single-threaded; a re-estimating method (not "auto")
    follows the estimation rule (columns in parallel only for small n)."""
    stats, blocks = {}, []
    for j in live:
        stats[j] = stat_factory(cols[j], target, method, params, rngs[j])[0]
        for b in K.permutation_blocks(n, B, rngs[j]):
            blocks.append((j, b))
    observed = dict(
        zip(live, _map(lambda j: float(stats[j](None)[0]), live, jobs if method == "auto" or n < _THREAD_MIN_N else 1))
    )
    nulls = _map(lambda jb: stats[jb[0]](jb[1]), blocks, jobs if method == "auto" or n < _THREAD_MIN_N else 1)
    out = {}
    for j in live:
        null = np.concatenate([v for (jj, _), v in zip(blocks, nulls) if jj == j])
        out[j] = K.permutation_pvalue(observed[j], null)
    return out


def _map(fn: Callable[[Any], Any], items: list[Any], jobs: int) -> list[Any]:
    if jobs <= 1 or len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(jobs, len(items))) as pool:
        return list(pool.map(fn, items))
