"""One column against the target: the unit of work of a table.

:func:`score_column` takes one column's raw values and the prepared target
(:func:`prepare_target`) and returns a :class:`ColumnScore`: the estimate, its standard
error and interval, the rows it used, the permutation p-value when asked, and every flag.
It never raises for the column's data: a column that cannot be scored gets a row whose
``excluded`` says why. :func:`~infolens.tables.feature_mi` maps it over the columns (threads);
a distributed version maps the same function over workers, so both apply the same rules:

* identifiers (labels unique or nearly so per row) are not estimated (``excluded =
  "identifier"``) unless ``keep_identifiers``;
* constant columns get MI 0 and ``excluded = "constant"``;
* missing values: pairwise-complete rows (``missing="drop"``, the rows used in ``n``, a
  ``missing-values`` flag) or a value of their own (``missing="category"``);
* continuous columns are dequantised by half their smallest gap between distinct values
  whether or not they have ties: evenly spaced values (an integer key, a rank) tie in
  their *distances*, which biases the kNN estimates down (a shuffled rank read -0.05 nats
  with its interval below 0); ``I(X + U; Y) = I(X; Y)`` exactly. Not a column whose
  quartiles are one value (zero on most rows): its ties go to the estimator's own
  tie-breaking, which keeps its scale (:func:`dequantize`);
* two discrete columns: the chance-corrected plug-in estimate (:mod:`.chance`);
  a continuous and a discrete one: Ross (2014); two continuous: KSG (see :data:`.pairs.AUTO`).
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import Flag, InputError, as_flag, flag
from ..stats import g_test_pvalue, label_entropy
from ..validation import flat_quartiles
from . import kernels as K
from ..estimators.chance import chance_corrected_estimate, chance_stat_factory
from .columns import HIGH_CARD_ROWS_PER_LEVEL, Column, type_column
from .pairs import estimate_pair, stat_factory

#: what ``excluded`` holds for a row left out of the ranking, and why
EXCLUDED = {
    "identifier": "an identifier: its MI cannot be measured from the sample",
    "constant": "constant: it carries no information",
    "failed": "could not be scored",
    "too-few-rows": "too few rows with a value for any estimate",
}
#: a column (or target) needs this many rows with a value to be scored: the fewest any
#: estimator of :func:`~infolens.estimate_mi` takes (auto's minimum)
MIN_ROWS = 10
#: a column whose MI is at least this share of H(y) (a discrete target) tells the target
#: almost completely: flagged ``target-leak``
LEAK_SHARE = 0.95
#: the same for a continuous target: an MI (nats) of an information coefficient
#: sqrt(1 - exp(-2 I)) of 0.99 (a Gaussian pair correlated 0.99 explains 98% of the variance)
LEAK_NATS = -0.5 * math.log(1.0 - 0.99**2)
#: MISSING options: "drop" (pairwise-complete rows) or "category" (missingness is a value)
MISSING = ("drop", "category")
#: with missing="drop", whether a column's value is missing is tested against the target (a
#: G-test of the 2 x K table, a continuous target cut at MISSING_BINS quantiles): below this
#: p-value its missingness carries information that dropping the rows leaves out, and the
#: row says how much (flag ``missing-informative``). Per column, so that 1,000 columns with
#: values missing at random raise about one false alarm
MISSING_ALPHA = 1e-3
#: quantile bins of a continuous target for that test (the MI with the bins is a lower bound
#: on the MI with the target, by data processing)
MISSING_BINS = 10


def missingness_information(missing: np.ndarray, target: Column) -> tuple[float, float]:
    """``(I, p)``: the MI (nats) between "this column has no value" and the target, on the
    rows where the target has one, with the G-test's p-value of independence. The plug-in MI
    of the 2 x K table less its chance expectation under independence, ``(K - 1) / (2 n)``;
    a continuous target is cut at :data:`MISSING_BINS` quantiles, so the value is a lower
    bound on the MI with the target itself. By the chain rule the column as recorded
    carries ``I + P(value) I(column; target | value)``: dropping the rows keeps the second
    term only (``missing="category"`` measures both)."""
    from scipy.stats import rankdata

    rows = np.ones(len(missing), bool) if target.missing is None else ~target.missing
    m = np.asarray(missing, bool)[rows]
    y = target.values[rows]
    n = m.size
    if n < MIN_ROWS or m.all() or not m.any():
        return 0.0, 1.0
    if target.kind == "continuous":
        codes = np.minimum((rankdata(y, method="ordinal") - 1) * MISSING_BINS // n, MISSING_BINS - 1).astype(np.int64)
    else:
        codes = np.unique(y, return_inverse=True)[1].reshape(-1).astype(np.int64)
    table = np.zeros((2, int(codes.max()) + 1))
    np.add.at(table, (m.astype(np.int64), codes), 1.0)
    return missingness_table(table)


def missingness_table(table: np.ndarray) -> tuple[float, float]:
    """:func:`missingness_information` from its 2 x K table (rows: has a value, has none;
    columns: the target's levels or bins), as the cluster counts it."""
    table = np.asarray(table, float)
    table = table[:, table.sum(axis=0) > 0]
    n, k = float(table.sum()), table.shape[1]
    if k < 2 or n < MIN_ROWS or not (table.sum(axis=1) > 0).all():
        return 0.0, 1.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    pos = table > 0
    plug_in = float((table[pos] * np.log(table[pos] / expected[pos])).sum() / n)
    return max(plug_in - (k - 1) / (2.0 * n), 0.0), g_test_pvalue(plug_in, n, k - 1)


def missing_flag(mi: float, p: float) -> Flag | None:
    """The ``missing-informative`` flag of a missingness test's ``(I, p)``, or None below
    significance (:data:`MISSING_ALPHA`)."""
    if not p < MISSING_ALPHA:
        return None
    return flag("missing-informative",
                f"whether this column has a value tells the target: {mi:.3g} nats (G-test p "
                f"{'< 1e-15' if p < 1e-15 else f'= {p:.2g}'}) that the "
                "pairwise-complete estimate leaves out; missing='category' counts it", mi=mi, p_value=p)


@dataclass
class ColumnScore:
    """One row of a feature table (MI in nats). ``excluded`` is "" for a ranked row, else a
    key of :data:`EXCLUDED`; ``warnings`` are :class:`~infolens.errors.Flag` s."""

    feature: str
    mi: float
    stderr: float
    ci_low: float
    ci_high: float
    p_value: float
    kind: str
    method: str
    n: int
    warnings: list[Flag] = field(default_factory=list)
    excluded: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature, "mi": self.mi, "stderr": self.stderr, "ci_low": self.ci_low,
            "ci_high": self.ci_high, "p_value": self.p_value, "kind": self.kind, "method": self.method,
            "n": self.n, "warnings": list(self.warnings), "excluded": self.excluded, "seconds": self.seconds,
        }


def prepare_target(y: Any, discrete_target: bool | str = "auto", random_state: Any = None) -> Column:
    """The target as a typed :class:`Column` (missing rows marked); a continuous target is
    dequantised once (seeded by ``random_state``) so that every column sees the same values."""
    from ..errors import InputError
    from ..validation import is_categorical, seed_from, to_numpy

    if discrete_target not in ("auto", None, True, False):
        raise InputError(f"discrete_target must be True, False or 'auto', got {discrete_target!r}")
    if is_categorical(y) and getattr(y, "ndim", 1) == 2 and y.shape[1] != 1:
        raise InputError(f"y must be one value per row, shape (n,), got {y.shape}")
    vals = y
    if type(y).__module__.startswith("pandas") and getattr(y, "ndim", 1) == 2:
        vals = y.iloc[:, 0]
    elif not is_categorical(y) and not type(y).__module__.startswith("pandas"):
        arr = to_numpy(y, "y")
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise InputError(f"y must be one value per row, shape (n,), got {arr.shape}")
        vals = arr
    declared = None if discrete_target in ("auto", None) else bool(discrete_target)
    t = type_column("y", vals, declared, "y", row_keys=False)
    if len(t.values) - t.n_missing < MIN_ROWS:
        raise InputError(f"y has {len(t.values) - t.n_missing} rows with a value; a feature table needs at least "
                         f"{MIN_ROWS} (the fewest any estimator takes)")
    if t.identifier:
        raise identifier_target(t.levels, len(t.values) - t.n_missing)
    if t.kind == "constant":
        raise InputError("y is constant (every row equal); a constant target carries no information - MI is 0 for every feature")
    if t.kind == "continuous":
        t.values = dequantize(t.values, np.random.default_rng(seed_from(random_state) + 7919), t.missing)
    return t


def column_seed(base: int, name: str) -> np.random.SeedSequence:
    """The random stream of the column ``name`` in a table seeded with ``base``: keyed by the
    name, so a column's numbers do not depend on the other columns, their order, the threads
    or the worker that scores it."""
    return np.random.SeedSequence([int(base) % 2**63, zlib.crc32(str(name).encode("utf-8"))])


def dequantize(values: np.ndarray, rng: np.random.Generator, missing: np.ndarray | None = None) -> np.ndarray:
    """``values + U(-delta/2, delta/2)``, delta the smallest gap between distinct (present)
    values: the intervals do not overlap, so the MI is unchanged, and neither ties nor
    equal distances (evenly spaced values) are left for the kNN estimators."""
    ok = values if missing is None else values[~missing]
    u = np.unique(ok)
    if u.size < 2:
        return values
    if flat_quartiles(ok)[0].item():
        # one value fills the quartiles (a spend or a unit that is zero on most rows): its ties
        # are left to the estimator's own tie-breaking (ties.prepare), which then keeps the
        # standard deviation as the kNN scale; noise added here hid the block from it, and the
        # interquartile range, the noise's width, spread the zeros over a neighbourhood
        # (a spend zero on 86% of the rows against a continuous target: 0.017 nats for 0.128)
        return values
    delta = float(np.min(np.diff(u)))
    return values + rng.uniform(-0.5, 0.5, size=values.size) * delta


def score_column(
    name: str,
    values: Any,
    target: Column,
    *,
    method: str = "auto",
    declared: bool | None = None,
    params: dict[str, Any] | None = None,
    seed: Any = None,
    n_permutations: int = 0,
    keep_identifiers: bool = False,
    missing: str = "drop",
    decimal: str | None = None,
    n_jobs: int = 1,
    shift: int = 0,
) -> ColumnScore:
    """Score one column against the prepared target (see the module doc). ``seed``: an
    int, ``SeedSequence`` or ``Generator`` (the column's own stream); ``declared``: the
    column declared discrete (True), continuous (False) or detected (None); ``params`` go
    to the estimators (``k``, ``n_subsamples``); ``n_jobs``: threads for the permutation
    blocks; ``shift``: > 0 for a null of circular shifts of at least that many rows (rows
    serially dependent in time order) instead of permutations. Never raises for the column's data (a failed column's row says why)."""
    t0 = time.perf_counter()
    params = dict(params or {})
    rng = np.random.default_rng(seed)
    est_seed = int(rng.integers(0, 2**31 - 1))
    n_all = len(target.values)

    def row(mi: float, se: float, lo: float, hi: float, kind: str, meth: str, n: int, warns: list[Flag],
            excluded: str = "", p: float = math.nan) -> ColumnScore:
        return ColumnScore(name, mi, se, lo, hi, p, kind, meth, n, warns, excluded, time.perf_counter() - t0)

    def failed(reason: str, notes: list[Flag], n: int = n_all) -> ColumnScore:
        f = flag("column-failed", f"not scored: {reason}", reason=reason)
        return row(math.nan, math.nan, math.nan, math.nan, "failed", "failed", n, [*notes, f], "failed")

    try:
        col = type_column(name, values, declared, f"X column {name!r}", decimal, missing, rng)
    except Exception as exc:  # one bad column never aborts the table
        return failed(_reason(exc), [])
    if len(col.values) != n_all:
        return failed(f"it has {len(col.values)} rows, the target {n_all}", [])
    notes = list(col.notes)
    if col.kind == "constant":
        notes.append(constant_flag(col.n_missing == n_all))
        return row(0.0, 0.0, 0.0, 0.0, "constant", "constant", n_all - col.n_missing, notes, "constant")
    if col.identifier and not keep_identifiers:
        return row(math.nan, math.nan, math.nan, math.nan, col.kind, "not estimated", n_all, notes, "identifier")
    miss = _union(col.missing, target.missing)
    tgt = target
    if miss is not None:
        keep = ~miss
        own_missing = col.missing
        col, tgt = col.take(keep), target.take(keep)
        dropped = int(miss.sum())
        notes.append(flag(
            "missing-values",
            f"{dropped} of {n_all} rows ({dropped / n_all:.1%}) have no value here (in the column or the target): "
            f"estimated on the {n_all - dropped} rows that have one (pairwise-complete); missing='category' "
            "makes missingness a value of its own",
            dropped=dropped, rows=n_all))
        said = None if own_missing is None else missing_flag(*missingness_information(own_missing, target))
        if said is not None:
            notes.append(said)
        if col.kind == "constant":
            notes.append(flag("constant-dropped", "constant on the rows that have a value: it carries no information"))
            return row(0.0, 0.0, 0.0, 0.0, "constant", "constant", int(keep.sum()), notes, "constant")
        if tgt.kind == "constant":
            return failed("the target is constant on the rows where this column has a value", notes, int(keep.sum()))
    n = len(col.values)
    if n < MIN_ROWS:
        notes.append(too_few_rows(n, "have a value here (in the column and the target)"))
        return row(math.nan, math.nan, math.nan, math.nan, col.kind, "not estimated", n, notes, "too-few-rows")
    try:
        if col.kind == "continuous":
            col.values = dequantize(col.values, rng)
            col.numbers = col.values
        if method == "auto" and col.kind == "discrete" and tgt.kind == "discrete":
            res = _chance_row(col, tgt, params, rng, notes)
            mi, se, lo, hi, meth, warns = res
        else:
            r = estimate_pair(col, tgt, method, params, est_seed)
            if col.kind == "discrete" and col.levels and n / col.levels < HIGH_CARD_ROWS_PER_LEVEL and method != "auto":
                notes.append(flag(
                    "high-cardinality",
                    f"high-cardinality: {col.levels} levels in {n} rows ({n / col.levels:.1f} rows per level); "
                    f"{method} is not corrected for chance here and may read mostly bias",
                    advice="; method='auto' subtracts the chance expectation", levels=col.levels, rows=n))
            mi, meth = float(r.mi), r.method
            se = math.nan if r.stderr is None else float(r.stderr)
            lo, hi = r.ci if r.ci is not None else (math.nan, math.nan)
            # (a pointer to method='auto' is moot to a table scored with it: dropped by structure)
            warns = [*notes, *(as_flag(w).without_advice() if method == "auto" else as_flag(w) for w in r.warnings)]
        p = math.nan
        if n_permutations:
            p = _pvalue(col, tgt, method, params, rng, int(n_permutations), n_jobs, shift)
    except Exception as exc:  # one bad column never aborts the table
        return failed(_reason(exc), notes, n)
    if math.isfinite(mi) and (math.isnan(lo) or math.isnan(hi)):
        warns.append(flag("small-sample", f"no interval: {n} rows are too few for its standard error (half-samples of "
                          "at least 10 rows); the value cannot be compared with the other columns'", rows=n))
    leak = leak_flag(mi, se, tgt)
    if leak is not None:
        warns.append(leak)
    return row(mi, se, float(lo), float(hi), col.kind, meth, n, warns, "", p)


def constant_flag(empty: bool) -> Flag:
    """The note of a column left out as constant (in memory and on the cluster); ``empty``:
    no row holds a value."""
    return flag("constant-dropped", "empty column: no row holds a value (not estimated)" if empty
                else "constant column: it carries no information (not estimated)")


def identifier_target(levels: int, rows: int) -> InputError:
    """The refusal of a target that is an identifier (in memory and on the cluster)."""
    return InputError(f"y is an identifier ({levels} distinct labels in {rows} rows): with under two rows per label no "
                      "column's MI with it is measurable from the sample; pass a target whose values repeat (a class, a "
                      "group), or numbers if it is a quantity")


def too_few_rows(n: int, which: str) -> Flag:
    """The ``small-sample`` note of a column or pair left out with fewer than :data:`MIN_ROWS`
    rows (``which``: what those rows have), in feature tables and ``mi_matrix`` alike."""
    return flag("small-sample", f"too few rows: {n} rows {which}; an estimate needs at least {MIN_ROWS} (not estimated)",
                rows=n)


def leak_flag(mi: float, se: float, target: Column) -> Flag | None:
    """``target-leak`` when a column tells the target (almost) completely, clearly above 0:
    for a discrete target (``target``: the rows the column used) an MI of at least
    :data:`LEAK_SHARE` of the target's entropy; for a continuous one an MI of at least
    :data:`LEAK_NATS` (an information coefficient of 0.99, a correlation of 0.99 for
    Gaussians), ill-posed pairs (the target in other units) included. In a real table such a
    column is far more often a copy, an encoding or a consequence of the target (recorded
    after the outcome) than a feature, and it outranks every honest column."""
    noise = 2.0 * se if math.isfinite(se) else 0.0
    if not math.isfinite(mi) or mi <= noise:
        return None
    if target.kind == "discrete":
        h = label_entropy(target.values)
        if h <= 0 or mi < LEAK_SHARE * h:
            return None
        told = f"MI {mi:.3g} of H(y) {h:.3g} nats, {min(mi / h, 1.0):.0%}"
        data: dict[str, Any] = {"mi": mi, "h_y": h}
    else:
        if mi < LEAK_NATS:
            return None
        told = f"MI {mi:.3g} nats: as a correlation of {math.sqrt(1.0 - math.exp(-2.0 * mi)):.4g}"
        data = {"mi": mi}
    return flag("target-leak", f"it tells the target almost completely ({told}): a copy, an encoding or a consequence "
                "of the target (target leakage)? Check how it was recorded before using it as a feature", **data)


def _chance_row(col: Column, tgt: Column, params: dict[str, Any], rng: np.random.Generator, notes: list[Flag]):
    halves = int(params.get("n_subsamples", 10))
    mi, se, half = chance_corrected_estimate(col.values, tgt.values, halves, rng)
    warns = list(notes)
    n = len(col.values)
    if col.levels and n / col.levels < HIGH_CARD_ROWS_PER_LEVEL:
        warns.append(flag(
            "high-cardinality",
            f"high-cardinality: {col.levels} levels in {n} rows ({n / col.levels:.1f} rows per level); the plug-in MI "
            "would be mostly chance, so its exact chance expectation is subtracted (the interval is wide)",
            levels=col.levels, rows=n))
    if se is None or half is None:
        return mi, math.nan, math.nan, math.nan, "plugin-chance", warns
    return mi, se, mi - half, mi + half, "plugin-chance", warns


def _pvalue(col: Column, tgt: Column, method: str, params: dict[str, Any], rng: np.random.Generator, B: int,
            n_jobs: int, shift: int = 0) -> float:
    if method == "auto" and col.kind == "discrete" and tgt.kind == "discrete":
        stat: Callable[[np.ndarray | None], np.ndarray] = chance_stat_factory(col.values, tgt.values)
    else:
        stat = stat_factory(col, tgt, method, params, rng)[0]
    blocks = K.permutation_blocks(len(col.values), B, rng, shift)
    if n_jobs > 1 and len(blocks) < n_jobs:  # the same permutations, in pieces for the threads
        blocks = [piece for blk in blocks for piece in np.array_split(blk, -(-n_jobs // len(blocks))) if len(piece)]
    observed = float(stat(None)[0])
    if n_jobs > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(max_workers=min(n_jobs, len(blocks))) as pool:
            nulls = list(pool.map(stat, blocks))
    else:
        nulls = [stat(b) for b in blocks]
    return K.permutation_pvalue(observed, np.concatenate(nulls))


def _union(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return b
    return a if b is None else (a | b)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
