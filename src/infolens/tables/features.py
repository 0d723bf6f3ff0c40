"""Per-feature mutual information with a target: error bars, permutation p-values and a
multiple-testing correction, one row per column of a table (each column scored by
:func:`._score.score_column`)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..errors import WARNING_CODES, Flag, InputError, InputTypeError, as_flag, code_of, emit, flag
from ..estimators.knn_backend import THREAD_MIN_N
from ..result import NATS_PER_BIT, check_unit, generic_warnings
from ..validation import check_choice, check_paired_index, seed_from
from . import kernels as K
from .columns import HIGH_CARD_ROWS_PER_LEVEL, declared_set, resolve_n_jobs, split_columns, split_target
from .pairs import AUTO
from .score import MISSING, ColumnScore, column_seed, prepare_target, score_column

COLUMNS = ["feature", "mi", "stderr", "ci_low", "ci_high", "p_value", "p_adjusted", "kind", "method", "n", "warnings",
           "excluded"]


def feature_mi(
    X: Any,
    y: Any,
    method: str = "auto",
    *,
    n_permutations: int = 0,
    correction: str | None = "fdr_bh",
    discrete_features: Any = "auto",
    discrete_target: bool | str = "auto",
    keep_identifiers: bool = False,
    missing: str = "drop",
    unit: str = "nats",
    n_jobs: int | None = None,
    random_state: Any = None,
    feature_names: Any = None,
    warn: bool = True,
    groups: Any = None,
    **params: Any,
):
    """I(X_j; y) for every column ``X_j`` of a table, as a DataFrame: the ranking (sorted
    by MI) first, then the columns left out of it with the reason.

    Parameters
    ----------
    X : DataFrame (columns of any types: numbers, strings, categoricals, booleans, dates,
        durations, text holding numbers or dates; missing values allowed), array ``(n, d)``,
        or ``(n, ...)`` (images: one column per pixel).
    y : the target, one value per row: numbers or labels (rows without a value are left
        out of every column's estimate), or the name of a column of the DataFrame ``X``
        (taken out of ``X``).
    method : "auto" picks per column from the kinds of the two columns: ``ross`` (labels
        vs a continuous column, either side), ``ksg`` (continuous vs continuous), and for
        two discrete columns the plug-in estimate minus its exact chance expectation
        (``plugin-chance``: unbiased for high-cardinality columns, docs/tables.md). Any
        registered estimator name runs that estimator on every column instead.
    n_permutations : permutation test of independence per column (0: none). The
        p-value is ``(1 + #{null >= observed}) / (1 + B)``, never below ``1 / (B + 1)``
        (``df.attrs["p_value_floor"]``).
    correction : "fdr_bh" (Benjamini–Hochberg), "holm", "bonferroni" or None, applied
        to the p-values of the ranked columns (``p_adjusted``).
    discrete_features : "auto" (labels, or integral values with few levels), a bool for
        all columns, a boolean mask, or indices/names of the discrete columns.
    discrete_target : "auto", True or False.
    keep_identifiers : identifiers (labels unique or nearly unique per row: at least half
        the rows distinct) are not estimated and listed after the ranking; True estimates
        and ranks them (with their warning).
    missing : "drop" (default: each column on the rows where it and the target have a
        value, the rows used in ``n``, a warning) or "category" (missingness is a value of
        its own: a label, or for numbers values spread over a range below the smallest).
    unit : "nats" or "bits".
    n_jobs : threads (None: ``OMP_NUM_THREADS`` when set, else every core). Columns run in
        parallel when n < 2000; on larger tables each estimate's neighbour search and each
        column's permutation blocks use the threads instead, so the two never multiply.
    random_state : seed; every column gets its own stream from it and its name
        (:func:`._score.column_seed`), so a column's numbers do not depend on n_jobs, the
        order the threads finish, or which other columns are in the table.
    feature_names : names for the columns of an array.
    warn : issue each row's warnings through Python's :mod:`warnings` (an
        :class:`~infolens.errors.InfolensWarning` naming the column, once per cause); the
        table keeps them in ``warnings`` either way.
    **params : estimator parameters (e.g. ``k=3``; the kNN estimators' default is k=5,
        scikit-learn's is 3); with "auto", each goes to the estimators that take it.
    groups : rows that belong together (repeated measurements of one subject): one key per
        row, or the name of a column of ``X`` that holds them (then not scored). Every column
        is scored on one row per group, drawn at random and averaged over a few draws, with
        intervals that count groups (:mod:`infolens.grouped`); p-values combine the draws'
        as twice their median (valid whatever their dependence). ``df.attrs["groups"]``.

    Returns
    -------
    pandas.DataFrame with columns ``feature, mi, stderr, ci_low, ci_high, p_value,
    p_adjusted, kind, method, n, warnings, excluded``: ``n`` the rows used, ``warnings`` a
    list of :class:`~infolens.errors.Flag` s (strings with a ``.code``), ``excluded`` ""
    for a ranked row, else "identifier" (MI NaN), "constant" (MI 0) or "failed" (MI NaN;
    the warning says why). One bad column never aborts the table. ``df.attrs`` holds the
    target kind, the unit, the method, the test settings and ``p_value_floor``.
    """

    from ..distributed.frames import any_dask

    if any_dask(X, y):  # a Dask DataFrame/Series/array: the cluster path (docs/scale.md)
        from ..distributed import feature_mi as cluster_feature_mi

        if groups is not None:
            raise InputError("groups= runs on one machine: compute the Dask frame (or a sample of its groups) first")

        return cluster_feature_mi(X, y, method, n_permutations=n_permutations, correction=correction,
                                  discrete_features=discrete_features, discrete_target=discrete_target,
                                  keep_identifiers=keep_identifiers, missing=missing, unit=unit, random_state=random_state,
                                  feature_names=feature_names, warn=warn, **params)
    X, y = split_target(X, y)  # (the cluster path above reads a column name itself)
    check_unit(unit)
    check_paired_index(X, y, "X", "y")
    if groups is not None:
        return _grouped_table(X, y, groups, warn, dict(
            method=method, n_permutations=n_permutations, correction=correction, discrete_features=discrete_features,
            discrete_target=discrete_target, keep_identifiers=keep_identifiers, missing=missing, n_jobs=n_jobs,
            random_state=random_state, feature_names=feature_names, **params), unit)
    check_choice(correction, "correction", K.CORRECTIONS)
    check_choice(missing, "missing", MISSING)
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, (int, np.integer)) or n_permutations < 0:
        raise InputError(f"n_permutations must be an integer >= 0 (0: no test), got {n_permutations!r}")
    if not isinstance(method, str):
        raise InputTypeError(f"method must be 'auto' or an estimator name, got {type(method).__name__}")
    jobs = resolve_n_jobs(n_jobs)
    base = seed_from(random_state)
    target = prepare_target(y, discrete_target, base)
    raw = split_columns(X, "X", feature_names)
    if len(raw[0][1]) != len(target.values):
        raise InputError(f"X and y must have the same number of rows, got {len(raw[0][1])} and {len(target.values)}")
    decl = declared_set(discrete_features, [n for n, _ in raw], "discrete_features")
    coded = table_codes(raw, y)
    serial = serial_rows(*coded, [nm for nm, _ in raw], shifted=bool(n_permutations))
    shift = int(serial.data["shift_min"]) if serial is not None and n_permutations else 0
    raw, target, copied = drop_copies(raw, y, target, method, coded)
    if method != "auto":
        from ..registry import estimator_class

        method = estimator_class(method).name
    n = len(target.values)
    levels = target_levels_flag(target)
    target_notes = [f for f in target.notes if f.code != "missing-values"]
    col_jobs = jobs if n < THREAD_MIN_N else 1
    perm_jobs = 1 if col_jobs > 1 else jobs

    def one(j: int) -> ColumnScore:
        nm, v = raw[j]
        return score_column(nm, v, target, method=method, declared=None if decl is None else decl[nm], params=params,
                            seed=column_seed(base, nm), n_permutations=int(n_permutations), keep_identifiers=keep_identifiers,
                            missing=missing, n_jobs=perm_jobs, shift=shift)

    scores = _map(one, list(range(len(raw))), col_jobs)
    widen_for_serial(scores, serial)
    df = scores_frame(scores, unit, correction if n_permutations else None, bool(n_permutations))
    df.attrs.update(
        {
            "target_kind": target.kind,
            "target_discrete": target.how,
            "target_missing": target.n_missing,
            "unit": unit,
            "method": method,
            "n_permutations": int(n_permutations),
            "p_value_floor": 1.0 / (int(n_permutations) + 1) if n_permutations else math.nan,
            "correction": correction if n_permutations else None,
            "missing": missing,
            "keep_identifiers": bool(keep_identifiers),
            "repeated_rows": None if copied is None else {**copied.data, "message": str(copied)},
            "serial_dependence": None if serial is None else {**serial.data, "message": str(serial)},
            "target_levels": None if levels is None else {**levels.data, "message": str(levels)},
            # what the typing of the target said (a conversion, labels spelt two ways, a
            # missing-value code, near-constant); its missing rows are said by every column
            "target_notes": [{"code": f.code, "message": str(f)} for f in target_notes],
            "auto_methods": {**{f"{a} feature, {b} target": m for (a, b), m in AUTO.items()},
                             "discrete feature, discrete target": "plugin-chance"},
        }
    )
    many = multiplicity_flag(df, bool(n_permutations))
    df.attrs["multiple_comparisons"] = None if many is None else {**many.data, "message": str(many)}
    if warn:
        for said in (copied, serial, levels, many):
            if said is not None:
                emit([said], where="table", stacklevel=3)
        if target_notes:
            emit(target_notes, where="target", stacklevel=3)
        emit_table_warnings(df)
    return df


#: ranked columns from which a table without a test says that chance intervals lie above 0:
#: at 40 columns independent of the target, one (2.5% of them) is expected to show a 95%
#: interval above 0 by chance
MULTIPLICITY_MIN_COLUMNS = 40


def multiplicity_flag(df: Any, tested: bool) -> Flag | None:
    """``multiple-comparisons`` for a feature table of at least :data:`MULTIPLICITY_MIN_COLUMNS`
    ranked columns without a permutation test: each interval is for its own column, so of m
    columns independent of the target about 2.5% show an interval above 0 by chance (400 rows,
    2000 noise columns and 3 informative ones: 27 noise columns read above 0, the highest at
    0.063 nats, at the level of the informative ones, 0.064-0.085). None with a test (its
    p-values are corrected over the columns)."""
    if tested:
        return None
    ranked = df[(df["excluded"] == "") & np.isfinite(df["mi"].to_numpy(dtype=float))]
    m = len(ranked)
    if m < MULTIPLICITY_MIN_COLUMNS:
        return None
    above = int((ranked["ci_low"].to_numpy(dtype=float) > 0).sum())
    chance = 0.025 * m
    return flag("multiple-comparisons",
                f"{m} columns ranked without a test: each interval is for its own column, so about {chance:.0f} columns "
                f"independent of the target would show an interval above 0 by chance ({above} do here), and the top of "
                "the ranking can hold such columns; test them (n_permutations=B with correction='fdr_bh', or "
                "--permutations on the command line) to tell which carry information",
                columns=m, above_zero=above, expected_by_chance=chance)


def widen_for_serial(scores: list[ColumnScore], serial: Flag | None) -> None:
    """Rows serially dependent: every ranked column's interval counts the rows they are worth
    (:func:`~infolens.estimators._trust.serial_factor`), in place; nothing for ``serial=None``."""
    if serial is None:
        return
    from ..estimators._trust import serial_factor, widen_interval

    factor = serial_factor(serial)
    for sc in scores:
        if sc.excluded == "" and math.isfinite(sc.mi):
            se, ci = widen_interval(sc.mi, sc.stderr, (sc.ci_low, sc.ci_high), factor)
            sc.stderr, (sc.ci_low, sc.ci_high) = (math.nan if se is None else se), ci


def target_levels_flag(target: Any) -> Flag | None:
    """``high-cardinality`` for a label target with fewer than
    :data:`~infolens.tables.columns.HIGH_CARD_ROWS_PER_LEVEL` rows per level: every column's
    estimate then rests on a few rows per class (Ross's neighbours within a class, the
    plug-in's cells), so the table says it once."""
    if target.kind != "discrete" or not target.levels:
        return None
    rows = len(target.values) - target.n_missing
    if rows / target.levels >= HIGH_CARD_ROWS_PER_LEVEL:
        return None
    return flag("high-cardinality", f"the target has {target.levels} levels in {rows} rows ({rows / target.levels:.1f} "
                "rows per level): every column's estimate rests on a few rows per class and its interval is wide; "
                "merge rare classes, or pass the target as numbers if it is a quantity",
                levels=target.levels, rows=rows)


def _grouped_table(X: Any, y: Any, groups: Any, warn: bool, kw: dict[str, Any], unit: str):
    """feature_mi on one row per group (:mod:`infolens.grouped`), :data:`~infolens.grouped.GROUP_DRAWS`
    draws combined column by column: mean MI, root-mean-square standard error, mean interval,
    twice the median p-value (a valid p-value for draws of any dependence), then ranked anew."""
    from .. import grouped as gr

    X, groups = gr.split_groups(X, groups)
    n = len(X)
    codes = gr.group_codes(groups, n)
    base = seed_from(kw.pop("random_state"))
    rng = np.random.default_rng(base)
    draws = gr.draws_for(codes)
    tables = [feature_mi(gr.take_rows(X, rows), gr.take_rows(y, rows), **kw, unit="nats", random_state=base + d,
                         warn=False)
              for d, rows in enumerate(gr.one_per_group(codes, rng) for _ in range(draws))]
    indexed = [t.set_index("feature") for t in tables]
    first = indexed[0]
    tested = bool(kw["n_permutations"])
    scores = []
    for name in first.index:
        rows_ = [t.loc[name] for t in indexed]
        vals = {k: np.array([float(r[k]) for r in rows_]) for k in ("mi", "stderr", "ci_low", "ci_high", "p_value", "n")}
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # (all-NaN columns: excluded rows)
            mi, se = np.nanmean(vals["mi"]), math.sqrt(np.nanmean(np.square(vals["stderr"])))
            lo, hi = np.nanmean(vals["ci_low"]), np.nanmean(vals["ci_high"])
            p = min(1.0, 2.0 * float(np.nanmedian(vals["p_value"]))) if tested and draws > 1 else float(vals["p_value"][0])
        seen, flags = set(gr.OWN_NUMBERS), []  # (said of the combined numbers below, not of a draw's)
        for r in rows_:
            for w in r["warnings"]:
                if code_of(w) not in seen:
                    seen.add(code_of(w))
                    flags.append(as_flag(w))
        if str(first.loc[name, "excluded"]) == "" and math.isfinite(float(mi)):
            flags += [as_flag(w) for w in generic_warnings(float(mi), float(se), (float(lo), float(hi)))]
        f0 = first.loc[name]
        scores.append(ColumnScore(str(name), float(mi), float(se), float(lo), float(hi), p, str(f0["kind"]),
                                  str(f0["method"]), int(round(float(np.nanmean(vals["n"])))), flags, str(f0["excluded"])))
    df = scores_frame(scores, unit, kw["correction"] if tested else None, tested)
    note = gr.grouped_flag(int(codes.max()) + 1, n, draws)
    df.attrs.update({**tables[0].attrs, "unit": unit, "groups": {**note.data, "message": str(note)}})
    if tested:
        df.attrs["p_value_floor"] = min(1.0, 2.0 / (int(kw["n_permutations"]) + 1)) if draws > 1 else df.attrs["p_value_floor"]
    if warn:
        emit([note], where="table", stacklevel=4)
        said = df.attrs.get("target_levels")
        if said:
            emit([flag("high-cardinality", said["message"], **{k: v for k, v in said.items() if k != "message"})],
                 where="table", stacklevel=4)
        emit_table_warnings(df, stacklevel=4)
    return df


def table_codes(raw: list[tuple[str, Any]], y: Any) -> tuple[np.ndarray, np.ndarray]:
    """The whole rows as numbers for the row checks: every column and the target ``y`` as
    given (numbers as they are, NaN hashing alike; text and anything else as codes of its
    sorted values, NaN where missing: codes in order of first appearance would rise with the
    row index and read as serial dependence)."""
    import pandas as pd

    def codes(v: Any) -> np.ndarray:
        a = np.asarray(v)
        if a.dtype.kind in "iufb":
            return a.astype(np.float64)
        ser = pd.Series(list(v) if a.ndim != 1 else a, dtype=object)
        try:  # (sorted codes: codes in order of first appearance would trend with the row index)
            codes, uniques = pd.factorize(ser, sort=True)
        except TypeError:  # unhashable or unorderable cells (lists, mixed types): their text
            codes, uniques = pd.factorize(ser.astype(str), sort=True)
        codes = natural_codes(codes, uniques)
        codes[codes < 0] = np.nan  # (missing: as a missing number)
        return codes

    return np.column_stack([codes(v) for _, v in raw]), codes(y)


def natural_codes(codes: np.ndarray, uniques: Any) -> np.ndarray:
    """Codes of text values re-numbered in natural order ("k2" before "k10": digit runs
    compared as numbers), float64, -1 kept for missing. A table in the order of an ID such as
    "C0001".."C9999" or "k0".."k799" is sorted by that column, which the serial check must see
    as a key: in plain text order "k10" comes before "k2", the codes were not monotone, and a
    feature table in ID order was called serially dependent (lag-1 autocorrelation 0.98, every
    interval widened 10x)."""
    import re

    def key(v: Any) -> tuple:
        return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", str(v)) if t)

    order = sorted(range(len(uniques)), key=lambda i: key(uniques[i]))
    rank = np.empty(len(uniques), dtype=np.float64)
    rank[order] = np.arange(len(uniques), dtype=np.float64)
    out = np.full(len(codes), -1.0)
    ok = codes >= 0
    out[ok] = rank[codes[ok]]
    return out


def named_serial(cx: np.ndarray, cy: np.ndarray, names: list[str]) -> tuple[Flag, str] | None:
    """:func:`infolens.estimators._trust.serial_flags` on a coded table (the rows with a target
    value in the order given, columns with missing values left out): the flag and its sentence
    with the column named as in the table (or "the target"), or None. A table without a target
    passes a constant one, which the check never flags."""
    from ..estimators._trust import serial_flags

    rows = np.isfinite(cy)  # (rows without a target value are in no estimate)
    cx, cy = cx[rows], cy[rows]
    live = np.isfinite(cx).all(axis=0)
    found = serial_flags(cx[:, live], cy) if live.any() else []
    if not found:
        return None
    f = found[0]
    side, j = f.data["side"], int(f.data["column"])
    where = "the target" if side == "y" else f"column {[nm for nm, ok in zip(names, live) if ok][j]!r}"
    return f, str(f).replace(f"in {side} column {j})", f"in {where})")


def serial_rows(cx: np.ndarray, cy: np.ndarray, names: list[str], shifted: bool = False) -> Flag | None:
    """The table's ``serial-dependence`` flag (:func:`infolens.estimators._trust.serial_flags` on
    the rows with a target value in the order given, columns with missing values left out), or None.
    ``shifted``: the permutation tests will use circular shifts of at least ``data["shift_min"]``
    rows (:func:`~infolens.estimators._trust.shift_lag`), and the sentence says so; otherwise it
    says that permutation p-values are too small."""
    from ..estimators._trust import shift_lag

    named = named_serial(cx, cy, names)
    if named is None:
        return None
    f, text = named
    text = text.replace("so the standard error and interval", "so every column's standard error and interval")
    if shifted:
        lag = shift_lag(float(f.data["autocorrelation"]), int(np.isfinite(cy).sum()))
        return flag("serial-dependence", text + f"; the p-values come from circular shifts of each column against the "
                    f"target by at least {lag} rows, which keep the rows' autocorrelation (permutations would make them "
                    "too small), assuming stationary series", **f.data, shift_min=lag)
    return flag("serial-dependence", text + "; permutation p-values assume exchangeable rows and are too small here",
                **f.data)


def drop_copies(raw: list[tuple[str, Any]], y: Any, target: Any, method: str,
                coded: tuple[np.ndarray, np.ndarray] | None = None,
                what: str = "every column was scored") -> tuple[list[tuple[str, Any]], Any, Flag | None]:
    """Copied records of the table (:func:`infolens.estimators._trust.repeated_rows` on the
    whole rows, :func:`table_codes`; else copies up to their last digits,
    :func:`~infolens.estimators._trust.near_copies`): the ``repeated-rows`` (``near-copies``) flag, and with ``method="auto"``
    the table and target (None: a table without one, ``mi_matrix``) on the distinct rows (the
    first of each), as ``estimate_mi`` with auto does; another method scores the rows as given
    and the flag says so. ``what`` names in the flag what was estimated."""
    from ..estimators._trust import first_rows, near_copies, repeated_rows

    cx, cy = coded if coded is not None else table_codes(raw, y)
    found = repeated_rows(cx, cy)
    near = None
    if found:
        f, kept, left = found[0], "the distinct rows", "distinct rows (the first of each)"
    else:  # copies up to their last digits (a float32 round trip, jitter)
        near, nf = near_copies(cx, cy)
        if nf is None:
            return raw, target, None
        f, kept, left = nf, "one of each group", "rows left (the first of each group)"
    if method != "auto":
        return raw, target, flag(f.code, f"{f}; {what} on all rows as given ({method})",
                                 advice=f"; method='auto' keeps {kept}", **f.data)
    if near is None:
        keep = np.zeros(len(cy), dtype=bool)
        keep[first_rows(cx, cy)] = True
    else:
        keep = near
    raw = [(nm, v[keep] if not hasattr(v, "iloc") else v.iloc[keep]) for nm, v in raw]
    f = flag(f.code, f"{f}; {what} on the {int(keep.sum())} {left}", **f.data, rows_used=int(keep.sum()))
    return raw, None if target is None else target.take(keep), f


def scores_frame(scores: list[ColumnScore], unit: str = "nats", correction: str | None = None, tested: bool = False):
    """The feature table of a list of :class:`ColumnScore` (in any order): ranked rows by MI
    (largest first), then the excluded rows in the order given; ``p_adjusted`` corrects the
    ranked rows' p-values together. A distributed run gathers its scores and calls this."""
    import pandas as pd

    f = 1.0 if unit == "nats" else 1.0 / NATS_PER_BIT
    rows = []
    for s in scores:
        d = s.to_dict()
        for key in ("mi", "stderr", "ci_low", "ci_high"):
            d[key] = d[key] * f
        d["warnings"] = [as_flag(w).to_unit(unit) for w in d["warnings"]]  # their numbers in the table's unit
        d["p_adjusted"] = math.nan
        rows.append(d)
    df = pd.DataFrame(rows, columns=[*COLUMNS, "seconds"]).drop(columns=["seconds"])
    ranked = df["excluded"] == ""
    if tested:
        p = np.where(ranked, df["p_value"].to_numpy(dtype=np.float64), np.nan)
        df["p_adjusted"] = K.adjust_pvalues(p, correction)
    top = df[ranked].sort_values("mi", ascending=False, kind="stable", na_position="last")
    return pd.concat([top, df[~ranked]]).reset_index(drop=True)


def emit_table_warnings(df: Any, stacklevel: int = 4) -> None:
    """Issue a feature table's warnings through Python's :mod:`warnings`, once per cause
    (:func:`emit_grouped`). ``stacklevel`` counts from the caller of this function (4: the
    caller of a function that calls it)."""
    emit_grouped([(f"column {name!r}", w) for name, warns in zip(df["feature"], df["warnings"]) for w in warns],
                 stacklevel=stacklevel + 1)


def emit_grouped(entries: list[tuple[str, Any]], stacklevel: int = 4) -> None:
    """``entries``: (where, flag), e.g. ("column 'age'", flag). A cause (code) met in one
    place names it (``column 'age': ...``, one warning per distinct text); a cause met in
    several is one warning naming them all, with the first one's text as the example."""
    by_code: dict[str, list[tuple[str, Any]]] = {}
    for where, w in entries:
        by_code.setdefault(code_of(w), []).append((where, w))
    for code, items in by_code.items():
        places = list(dict.fromkeys(wh for wh, _ in items))
        if len(places) == 1:
            emit([w for _, w in items], where=places[0], stacklevel=stacklevel)
            continue
        shown = ", ".join(places[:8]) + (f" and {len(places) - 8} more" if len(places) > 8 else "")
        first_where, first = items[0]
        noun = "columns" if all(p.startswith("column ") for p in places) else "places"
        text = f"{len(places)} {noun} ({shown}): {WARNING_CODES[code][1]}; e.g. {first_where}: {first}"
        emit([Flag(text, code, {"places": places})], stacklevel=stacklevel)


def _map(fn: Callable[[Any], Any], items: list[Any], jobs: int) -> list[Any]:
    if jobs <= 1 or len(items) <= 1:
        return [fn(i) for i in items]
    with ThreadPoolExecutor(max_workers=min(jobs, len(items))) as pool:
        return list(pool.map(fn, items))
