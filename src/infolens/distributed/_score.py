"""What one column task does on a worker: score a column against the target on the row
sample, with the sample's size chosen for the precision asked, and the permutation test on
the same rows. Module-level functions only (the scheduler pickles them to the workers)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import InfolensError, flag
from ._closed import rows_for_precision
from ._typing import ColumnSpec, sample_column

#: rows of the pilot estimate that sizes the sample (the first rows of the random-order sample)
PILOT_ROWS = 5_000


#: an estimate whose standard error misses the precision by more than this factor is re-sized
#: from its own (better) standard error, up to REFINE_ROUNDS times
REFINE_TOL = 1.25
REFINE_ROUNDS = 2


def resize(stderr: float | None, m: int, precision: float | None, avail: int) -> int | None:
    """The rows to re-estimate on when the estimate on ``m`` rows missed ``precision`` by more
    than :data:`REFINE_TOL` (None: keep it). The pilot's standard error comes from 5,000 rows
    and a handful of half-samples; the estimate's own, from ``m`` rows, is the better guide."""
    if precision is None or stderr is None or not math.isfinite(stderr) or m >= avail or stderr <= REFINE_TOL * precision:
        return None
    m2 = rows_for_precision(stderr, m, precision, avail, safety=1.0)
    return m2 if m2 > m else None


def default_pair_fn() -> Callable[..., Any]:
    """The in-memory per-pair function: ``fn(a: Column, b: Column, method, params, seed) -> MIResult``."""
    from ..tables.pairs import estimate_pair

    return estimate_pair


def failed_row(spec: ColumnSpec, why: str, n: int) -> dict:
    return {
        "feature": spec.name, "mi": math.nan, "stderr": math.nan, "ci_low": math.nan, "ci_high": math.nan,
        "p_value": math.nan, "kind": "failed", "method": "failed", "n": n, "excluded": "failed",
        "warnings": [flag("column-failed", f"not scored: {why}", reason=why)],
    }


def default_score_fn() -> Callable[..., Any]:
    """The in-memory per-column function, ``tables.score.score_column``: the same rules for a
    column on the cluster as in memory (identifiers, missing values, high cardinality,
    dequantising, the chance-corrected plug-in)."""
    from ..tables.score import score_column

    return score_column


def sampled_target(sample: Any, target: ColumnSpec, rows: int, base: int) -> Any:
    """The first ``rows`` sampled target values, prepared as in memory (``prepare_target``)."""
    from ..tables.score import prepare_target

    declared: bool | str = "auto" if target.how in ("labels", "detected") else target.kind == "discrete"
    return prepare_target(sample[target.name].iloc[:rows].to_numpy(), declared, base)


def score_sampled(
    sample: Any,
    spec: ColumnSpec,
    target: ColumnSpec,
    method: str,
    params: dict[str, Any],
    base: int,
    precision: float | None,
    n_rows: int,
    n_permutations: int,
    options: dict[str, Any],
    score_fn: Callable[..., Any] | None = None,
    distinct: bool = False,
) -> dict:
    """One feature row from the sample (``distinct``: its copied records once each, as the
    in-memory table with ``method="auto"`` does; the sample holds every copy of the records it
    holds, :func:`~._stats.content_keys`): a pilot on its first :data:`PILOT_ROWS` rows sizes
    ``m`` (:func:`~._closed.rows_for_precision`), the per-column function scores the first
    ``m`` rows (a uniform random sample: the sample is in random order), re-sized from its own
    standard error when the pilot was optimistic, and the permutation test runs on those rows.
    ``options``: the per-column function's keywords (``declared``, ``keep_identifiers``, ``missing``)."""
    from ..tables.score import column_seed

    fn = score_fn or default_score_fn()
    every_row = len(sample) >= n_rows  # (the sample holds the whole table: its distinct rows are all of them)
    if distinct:
        from ._stats import SAMPLE_ROW

        if SAMPLE_ROW in sample:  # (drawn by content: a single block of columns)
            sample = sample[~sample[SAMPLE_ROW].duplicated()].reset_index(drop=True)
    avail = len(sample)
    seed = column_seed(base, spec.name)

    def run(m: int, perms: int) -> Any:
        return fn(spec.name, sample[spec.name].iloc[:m].to_numpy(), sampled_target(sample, target, m, base), method=method,
                  params=params, seed=seed, n_permutations=perms, **options)

    m = avail
    if precision is not None and PILOT_ROWS < avail:
        m = rows_for_precision(run(PILOT_ROWS, 0).stderr, PILOT_ROWS, precision, avail)
    res = run(m, 0)
    for _ in range(REFINE_ROUNDS):  # the pilot's error was too optimistic: re-size from this estimate's
        m2 = resize(res.stderr, m, precision, avail)
        if m2 is None:
            break
        m = m2
        res = run(m, 0)
    if n_permutations:
        res = run(m, n_permutations)
    row = res.to_dict()
    row.pop("seconds", None)
    if m < n_rows and not (every_row and m == avail):
        row["warnings"] = [*row["warnings"], flag(
            "subsampled",
            f"estimated on a uniform random sample of {m:,} of {n_rows:,} rows"
            + (f" (sized for a standard error of {precision:g} nats)" if precision is not None else "")
            + f"; the interval is that of an estimate on {m:,} rows drawn at random, so it includes the sampling",
            n_used=m, n_rows=n_rows, precision=precision if precision is not None else math.nan,
        )]
    return row


def score_counts(table: Any, spec: ColumnSpec, method: str, params: dict[str, Any], base: int, n_rows: int,
                 n_permutations: int, options: dict[str, Any], score_fn: Callable[..., Any] | None = None) -> dict:
    """Two discrete columns from the contingency table of all rows: the rows are rebuilt as
    codes (the plug-in estimate, its chance correction and its half-samples depend on the rows
    only through their counts) and scored by the per-column function, so the number is the
    in-memory one on all rows. Rows missing in either column are not in the table; their
    number is stated as the in-memory rule states it."""
    from ..tables.score import column_seed, missing_flag, missingness_table, prepare_target

    fn = score_fn or default_score_fn()
    full = np.asarray(table)
    t = full[:-1]  # (the last row: the rows where the column has no value)
    idx = np.repeat(np.arange(t.size), t.ravel())
    a, b = idx // t.shape[1], idx % t.shape[1]
    opts = {**options, "declared": True}
    res = fn(spec.name, a, prepare_target(b, True, base), method=method, params=params, seed=column_seed(base, spec.name),
             n_permutations=n_permutations, **opts)
    row = res.to_dict()
    row.pop("seconds", None)
    dropped = n_rows - int(t.sum())
    if dropped:
        row["warnings"] = [*row["warnings"], flag(
            "missing-values",
            f"{dropped} of {n_rows} rows ({dropped / n_rows:.1%}) have no value here (in the column or the target): "
            f"estimated on the {n_rows - dropped} rows that have one (pairwise-complete)", dropped=dropped, rows=n_rows)]
        if full[-1].sum() > 0:
            said = missing_flag(*missingness_table(np.vstack([t.sum(axis=0), full[-1]])))
            if said is not None:
                row["warnings"] = [*row["warnings"], said]
    if spec.how == "labels" and spec.levels is not None:  # (the codes lost the spelling: read it off the levels)
        from ..validation import spelling_variants

        variants = spelling_variants(list(spec.levels))
        if variants is not None:
            row["warnings"] = [*row["warnings"], flag("label-variants", variants[0], groups=variants[1])]
    row["kind"] = spec.kind
    return row


#: sampled rows the in-memory checks of an all-rows closed form run on
CHECK_ROWS = 20_000
_GENERIC = {"non-finite", "interval-below-zero", "stderr-exceeds-estimate"}


def check_closed(sample: Any, row: dict, spec: ColumnSpec, target: ColumnSpec, method: str, seed: int,
                 pair_fn: Callable[..., Any] | None = None) -> dict:
    """A closed-form row (from all rows) with the checks of the in-memory estimator, run on the
    first :data:`CHECK_ROWS` sampled rows, added to its warnings."""
    fn = pair_fn or default_pair_fn()
    m = min(CHECK_ROWS, len(sample))
    a, t = sample_column(sample, spec, m), sample_column(sample, target, m)
    try:
        res = fn(a, t, method, {}, seed)
        extra = [w for w in res.flags if w.code not in _GENERIC]
    except InfolensError as exc:
        extra = [flag("other", f"the check on {m:,} sampled rows could not run: {str(exc).splitlines()[0]}")]
    out = dict(row)
    out["warnings"] = list(row["warnings"]) + extra
    return out


def copies_check(sample: Any, columns: list[str], target: str) -> Any:
    """The in-memory ``repeated-rows`` rule (:func:`infolens.estimators._trust.repeated_rows`)
    on the sampled rows of ``columns`` and the target: a sample by content holds every copy of
    the records it holds, so the share of rows that repeat is the table's. The flag, or None."""
    from ..estimators._trust import repeated_rows
    from ..tables.features import table_codes

    cx, cy = table_codes([(c, sample[c].to_numpy()) for c in columns], sample[target].to_numpy())
    found = repeated_rows(cx, cy)
    return found[0] if found else None


def copies_flag(found: Any, method: str, things: str, done: str) -> Any:
    """The cluster's ``repeated-rows`` flag from :func:`copies_check`'s ``found``: what was
    estimated on which rows (``things``: "columns" or "pairs"; ``done``: "were scored")."""
    said = f"{found} (in a sample of the rows drawn by their content, which holds every copy of the records it holds)"
    if method != "auto":
        return flag("repeated-rows", f"{said}; {things} {done} on all rows as given ({method})",
                    advice="; method='auto' keeps the distinct rows", **found.data)
    return flag("repeated-rows", f"{said}; the sampled {things} {done} on the distinct rows of the sample, each record "
                f"once, and {things} read from all rows (counts, moments) on the rows as given", **found.data)

