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
from ._typing import ColumnSpec, head, sample_column, sample_is_constant

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
    from ..tables._pairs import estimate_pair

    return estimate_pair


def failed_row(spec: ColumnSpec, why: str, n: int) -> dict:
    return {
        "feature": spec.name, "mi": math.nan, "stderr": math.nan, "ci_low": math.nan, "ci_high": math.nan,
        "p_value": math.nan, "kind": spec.kind, "method": "failed", "n": n,
        "warnings": [flag("column-failed", f"not scored: {why}", reason=why)],
    }


def score_sampled(
    sample: Any,
    spec: ColumnSpec,
    target: ColumnSpec,
    method: str,
    params: dict[str, Any],
    seed: int,
    precision: float | None,
    n_rows: int,
    n_permutations: int,
    pair_fn: Callable[..., Any] | None = None,
) -> dict:
    """One feature row from the sample: a pilot estimate on its first :data:`PILOT_ROWS` rows,
    ``m = rows_for_precision(...)`` rows, the estimate on the first ``m`` rows (a uniform
    random sample, the sample being in random order), and its permutation p-value on those rows."""
    from ..tables import _kernels as K
    from ..tables._pairs import stat_factory

    fn = pair_fn or default_pair_fn()
    avail = len(sample)
    a_all, t_all = sample_column(sample, spec), sample_column(sample, target)
    try:
        m0 = min(PILOT_ROWS, avail)
        m = avail
        if precision is not None and m0 < avail:
            pilot = fn(head(a_all, m0), head(t_all, m0), method, params, seed)
            m = rows_for_precision(pilot.stderr, m0, precision, avail)
        a, t = head(a_all, m), head(t_all, m)
        if sample_is_constant(a):
            return failed_row(spec, f"constant on the {m:,} sampled rows (a rare level); raise max_sample_rows", m)
        res = fn(a, t, method, params, seed)
        for _ in range(REFINE_ROUNDS):  # the pilot's error was too optimistic: re-size from this estimate's
            m2 = resize(res.stderr, m, precision, avail)
            if m2 is None:
                break
            m = m2
            a, t = head(a_all, m), head(t_all, m)
            res = fn(a, t, method, params, seed)
    except InfolensError as exc:
        return failed_row(spec, str(exc).splitlines()[0], avail)
    warns = list(res.warnings)
    if m < n_rows:
        warns.append(flag(
            "subsampled",
            f"estimated on a uniform random sample of {m:,} of {n_rows:,} rows (sized for a standard error of "
            f"{precision:g} nats); the interval is that of an estimate on {m:,} rows drawn at random, so it includes "
            "the sampling",
            n_used=m, n_rows=n_rows, precision=precision if precision is not None else math.nan,
        ))
    lo, hi = res.ci if res.ci is not None else (math.nan, math.nan)
    p = math.nan
    if n_permutations:
        rng = np.random.default_rng([seed, 1])
        stat = stat_factory(a, t, method, params, rng)[0]
        obs = float(stat(None)[0])
        null = np.concatenate([stat(b) for b in K.permutation_blocks(m, n_permutations, rng)])
        p = K.permutation_pvalue(obs, null)
    return {
        "feature": spec.name, "mi": float(res.mi), "stderr": math.nan if res.stderr is None else float(res.stderr),
        "ci_low": float(lo), "ci_high": float(hi), "p_value": p, "kind": spec.kind, "method": res.method,
        "n": int(res.n_samples), "warnings": warns,
    }


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
