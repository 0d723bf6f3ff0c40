"""Rows that come in groups: repeated measurements of one subject, several images of one
person, visits of one customer. Such rows are not independent draws, and every estimator
here assumes they are: kNN estimators find a row's neighbours among the other rows of its
own group and read that closeness as dependence (a subject-level column with no relation
to a subject-level label, 200 subjects x 10 rows: ross 0.062 nats, interval 0.03-0.09,
for a truth of 0), and every interval counts n rows where the data hold about as many
independent draws as groups (a 300 x 10 Gaussian, MI 0.922: KSG's interval 0.80-0.89).

``groups=`` (``estimate_mi``, ``estimate_cmi``, ``feature_mi``, ``select_features``,
``mi_matrix``, the CLI's ``--groups``) says which rows belong together. The estimate is then
made on one row per group, drawn at random, :data:`GROUP_DRAWS` times, and averaged: each
draw is a sample of independent rows of the distribution "a random row of a random group"
(with groups of equal size, the distribution of a row), so every estimator and every rule of
``auto`` applies to it as it is. The interval is that of one draw (the root-mean-square
standard error and the mean interval of the draws): it counts groups, not rows, and errs
wide, since the average over draws removes part of the variance that the choice of rows
adds (a narrower interval that subtracted it was measured and dropped: docs/benchmark.md).
Any estimator works; rows are used less fully than an estimator that excluded same-group
neighbours would use them, which is the price of one rule for every method.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .errors import Flag, InputError, flag
from .result import generic_warnings
from .validation import pop_column

#: draws of one row per group that are averaged (1 when every group holds one row)
GROUP_DRAWS = 5
#: fewest groups an estimate on one row per group accepts
MIN_GROUPS = 20
#: warnings a result earns from its own numbers (``result.generic_warnings``): the combined
#: result says them of its own numbers, not of a draw's
OWN_NUMBERS = ("non-finite", "interval-below-zero", "stderr-exceeds-estimate")
_TRUST = ("ok", "caution", "unreliable")


def n_rows(a: Any) -> int:
    """The number of rows of an array, tensor, pandas object or list, without converting it."""
    shape = getattr(a, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) else len(a)


def split_groups(X: Any, groups: Any, name: str = "X") -> tuple[Any, Any]:
    """``(X, groups)`` with ``groups`` given as the name of a column of the DataFrame ``X``
    taken out of it (its rows are keys, not a feature); anything else as given."""
    if isinstance(groups, str) and type(X).__module__.startswith("pandas") and getattr(X, "ndim", 1) == 2:
        return pop_column(X, groups, "groups", "one key per row", name)
    return X, groups


def group_codes(groups: Any, n: int, name: str = "groups") -> np.ndarray:
    """``groups`` (one key per row: numbers, strings, a pandas Series) as int codes 0..G-1,
    refusing a wrong length, missing keys and fewer than :data:`MIN_GROUPS` groups."""
    import pandas as pd

    if isinstance(groups, (str, bytes)) or np.ndim(groups) == 0:
        raise InputError(f"{name} must hold one group key per row (an array or Series of length {n}), got {groups!r}")
    keys = groups.to_numpy() if hasattr(groups, "to_numpy") else np.asarray(groups, dtype=object)
    keys = keys.reshape(len(keys), -1)
    if keys.shape[1] != 1:
        raise InputError(f"{name} must be one key per row (one column), got shape {keys.shape}")
    if len(keys) != n:
        raise InputError(f"{name} has {len(keys)} keys for {n} rows; pass one group key per row")
    codes, uniq = pd.factorize(pd.Series(keys[:, 0], dtype=object), sort=False)
    if (codes < 0).any():
        raise InputError(f"{name} has {int((codes < 0).sum())} missing keys (None/NaN); give every row a group")
    if len(uniq) < MIN_GROUPS:
        raise InputError(f"{name} has {len(uniq)} groups; an estimate on one row per group needs at least "
                         f"{MIN_GROUPS} (rows of one group are not independent draws, so the groups are the sample)")
    return codes.astype(np.int64)


def one_per_group(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices of one row per group, each drawn uniformly within its group, in row order."""
    order = np.lexsort((rng.random(len(codes)), codes))
    first = np.r_[True, codes[order][1:] != codes[order][:-1]]
    return np.sort(order[first])


def take_rows(a: Any, rows: np.ndarray) -> Any:
    """The rows ``rows`` of an array, list, torch tensor or pandas object (by position)."""
    if a is None:
        return None
    if hasattr(a, "iloc"):
        return a.iloc[rows]
    if type(a).__module__.startswith("torch"):
        import torch

        return a[torch.as_tensor(rows)]
    return np.asarray(a, dtype=object if _ragged_or_text(a) else None)[rows]


def _ragged_or_text(a: Any) -> bool:
    return isinstance(a, list) and bool(a) and isinstance(a[0], str)


def draws_for(codes: np.ndarray) -> int:
    return 1 if int(codes.max()) + 1 == len(codes) else GROUP_DRAWS


def grouped_flag(G: int, n: int, draws: int) -> Flag:
    return flag("grouped", f"rows come in {G} groups ({n / G:.1f} rows each on average; groups=): estimated on one row "
                f"per group, {draws} random draw(s) of {G} rows averaged; the estimate is that of a random row of a "
                "random group, and its interval counts groups, not rows", groups=G, rows=n, draws=draws)


def grouped_estimate(fn: Callable[[np.ndarray, int], Any], codes: np.ndarray, seed: int, unit: str) -> Any:
    """``fn(rows, draw)`` (an ``MIResult`` for the rows ``rows``) on :func:`draws_for` draws of one
    row per group, combined by :func:`combine`."""
    rng = np.random.default_rng(seed)
    draws = draws_for(codes)
    results = [fn(one_per_group(codes, rng), d) for d in range(draws)]
    return combine(results, int(codes.max()) + 1, len(codes))


def combine(results: list, G: int, n: int) -> Any:
    """One ``MIResult`` from the draws: mean estimate, root-mean-square standard error, mean
    interval (infinite ends kept), the worst trust and the widest range of ``auto``, each
    warning code once (its first sentence), and the draws in ``diagnostics["groups"]``."""
    from dataclasses import replace

    first = results[0]
    mis = np.array([r.mi for r in results], dtype=float)
    ses = [r.stderr for r in results]
    se = None if any(s is None for s in ses) else float(math.sqrt(np.mean(np.square(ses))))
    cis = [r.ci for r in results]
    ci = None if any(c is None for c in cis) else (float(np.mean([c[0] for c in cis])), float(np.mean([c[1] for c in cis])))
    diag = dict(first.diagnostics)
    trusts = [r.diagnostics.get("trust") for r in results if r.diagnostics.get("trust") in _TRUST]
    if trusts:
        diag["trust"] = max(trusts, key=_TRUST.index)
    ranges = [r.diagnostics["range"] for r in results if "range" in r.diagnostics]
    if ranges:
        diag["range"] = [min(q[0] for q in ranges), max(q[1] for q in ranges)]
    diag["groups"] = {"groups": G, "rows": n, "draws": len(results), "rows_per_draw": G,
                      "estimates": mis.tolist(), "methods": [r.diagnostics.get("choice", {}).get("method", r.method)
                                                             for r in results]}
    mi = float(mis.mean())
    seen: set[str] = set(OWN_NUMBERS)  # (those a draw's own numbers earn are said of the mean's instead)
    warns: list = [grouped_flag(G, n, len(results))]
    for r in results:
        for w in r.warnings:
            code = getattr(w, "code", str(w))
            if code not in seen:
                seen.add(code)
                warns.append(w)
    warns += generic_warnings(mi, se, ci, first.unit)
    return replace(first, mi=mi, stderr=se, ci=ci, n_samples=G, diagnostics=diag, warnings=warns,
                   seconds=float(sum(r.seconds for r in results)))
