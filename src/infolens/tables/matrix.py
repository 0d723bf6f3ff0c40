"""Pairwise mutual information of the columns of a table, with the information
coefficient of correlation as a normalised scale and a heatmap."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError, InputTypeError, as_flag, code_of, flag
from ..estimators.batched_knn import ksg_batch, ross_1d
from ..estimators.ties import prepare
from ..result import NATS_PER_BIT, check_unit
from ..validation import seed_from
from ..estimators.chance import chance_corrected_estimate, chance_corrected_mi
from .columns import declared_set, resolve_n_jobs, split_columns, type_column
from .pairs import ILL_POSED_SCREEN, estimate_pair, ill_posed_pair
from .score import MIN_ROWS, dequantize, too_few_rows
from .features import _map, emit_grouped


def information_coefficient(mi_nats: Any) -> np.ndarray:
    """Linfoot's (1957) information coefficient of correlation ``sqrt(1 - exp(-2 I))``
    (I in nats, negative estimates read as 0): in [0, 1], and equal to |rho| for a
    bivariate Gaussian with correlation rho, so it reads like a correlation."""
    i = np.maximum(np.asarray(mi_nats, dtype=np.float64), 0.0)
    return np.sqrt(1.0 - np.exp(-2.0 * i))


@dataclass
class MIMatrix:
    """Pairwise MI of a table's columns. ``mi``, ``stderr``, ``ic`` (information
    coefficient) and ``method`` are square DataFrames indexed by column name (diagonal:
    ``mi`` NaN - a continuous column's I(X;X) is infinite - and ``ic`` 1); ``kinds`` maps
    each column to "continuous", "discrete" or "constant"; ``warnings`` maps a pair
    ``(a, b)`` to its warnings; ``table_warnings`` holds what concerns the rows of the whole
    table (copied records, serial dependence). ``mi`` and ``stderr`` are in ``unit``; ``ic`` uses nats."""

    mi: Any
    stderr: Any
    ic: Any
    method: Any
    kinds: dict[str, str]
    unit: str = "nats"
    warnings: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    table_warnings: list[str] = field(default_factory=list)

    def to_long(self) -> Any:
        """One row per pair (a < b in column order): a, b, mi, stderr, ic, method, warnings."""
        import pandas as pd

        names = list(self.mi.index)
        rows = []
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                a, b = names[i], names[j]
                rows.append(
                    [
                        a,
                        b,
                        self.mi.iat[i, j],
                        self.stderr.iat[i, j],
                        self.ic.iat[i, j],
                        self.method.iat[i, j],
                        self.warnings.get((a, b), []),
                    ]
                )
        out = pd.DataFrame(rows, columns=["a", "b", "mi", "stderr", "ic", "method", "warnings"])
        return out.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)

    def figure(self, which: str = "ic", ax: Any = None) -> Any:
        """Heatmap of ``which`` ("ic" or "mi"); see :func:`infolens.tables.plots.matrix_figure`."""
        from .plots import matrix_figure

        return matrix_figure(self, which=which, ax=ax)


def mi_matrix(
    df: Any,
    method: str = "auto",
    *,
    discrete: Any = "auto",
    n_subsamples: int = 10,
    unit: str = "nats",
    n_jobs: int | None = None,
    random_state: Any = None,
    keep_identifiers: bool = False,
    warn: bool = True,
    groups: Any = None,
    **params: Any,
) -> MIMatrix:
    """I(X_a; X_b) for every pair of columns of a table (DataFrame or ``(n, d)`` array).

    ``method="auto"`` uses, per pair, KSG (two continuous columns), Ross (a discrete and a
    continuous column) or the plug-in estimate (two discrete columns), each column
    prepared once (ties dequantised, scaled) and the pairs batched through the kernels of
    :mod:`infolens.estimators.batched_knn`; ``k`` (default 5) is passed as ``k=``. The
    standard errors are half-sampling errors, as the kNN estimators' (the spread of the
    estimates on ``n_subsamples`` random halves of the rows, each half estimated for all
    pairs at once; :func:`~infolens.estimators.resampling.halfsample_stderr`; 0: none). Any registered estimator name instead runs that estimator on every pair.
    ``discrete``: "auto", a bool, a boolean mask or the discrete columns' indices/names.
    Constant columns get MI 0 and a warning. Columns are typed as by
    :func:`~infolens.tables.feature_mi` (dates, durations and numeric text converted):
    identifiers (labels unique or nearly so per row) get NaN with a warning instead of a
    number (``keep_identifiers=True`` estimates them); a column with missing values is
    estimated pair by pair on the rows both columns have (with a warning); two discrete
    columns by the chance-corrected plug-in estimate. A pair whose estimate is not finite
    keeps NaN and says why in ``warnings``. ``warn``: issue the warnings through Python's
    :mod:`warnings` (once per cause, naming the columns). Pairs run on ``n_jobs`` threads.
    ``groups``: rows that belong together (keys, or the name of a column of ``df``, then left
    out): every pair on one row per group, :data:`~infolens.grouped.GROUP_DRAWS` draws averaged,
    with the standard errors of one draw (:mod:`infolens.grouped`).
    """
    import time

    import pandas as pd

    from ..distributed.frames import is_dask

    if is_dask(df):  # a Dask DataFrame/array: pairs over the cluster (docs/scale.md)
        from ..distributed.matrix import mi_matrix as cluster_mi_matrix

        return cluster_mi_matrix(df, method, discrete=discrete, n_subsamples=n_subsamples, unit=unit,
                                 random_state=random_state, **params)
    if groups is not None:
        return _grouped_matrix(df, groups, dict(method=method, discrete=discrete, n_subsamples=n_subsamples, unit=unit,
                                                n_jobs=n_jobs, keep_identifiers=keep_identifiers, **params),
                               random_state, warn)
    t0 = time.perf_counter()
    check_unit(unit)
    if isinstance(n_subsamples, bool) or not isinstance(n_subsamples, (int, np.integer)) or n_subsamples < 0:
        raise InputError(f"n_subsamples must be an integer >= 0 (0: no standard errors), got {n_subsamples!r}")
    jobs = resolve_n_jobs(n_jobs)
    raw = split_columns(df, "df")
    if len(raw) < 2:
        raise InputError(f"df has {len(raw)} column; mi_matrix needs at least 2")
    raw, serial, copied = _row_checks(raw, method)
    decl = declared_set(discrete, [n for n, _ in raw], "discrete")
    cols = [type_column(nm, v, None if decl is None else decl[nm], f"df column {nm!r}") for nm, v in raw]
    names = [c.name for c in cols]
    col_notes = {c.name: list(c.notes) for c in cols if c.notes}
    d, n = len(cols), len(cols[0].values)
    rng = np.random.default_rng(seed_from(random_state))
    mi = np.full((d, d), np.nan)
    se = np.full((d, d), np.nan)
    meth = np.full((d, d), "", dtype=object)
    warns: dict[tuple[str, str], list[str]] = {}
    const = [i for i, c in enumerate(cols) if c.kind == "constant"]
    for i in const:
        for j in range(d):
            if j != i:
                mi[i, j] = mi[j, i] = se[i, j] = se[j, i] = 0.0
                meth[i, j] = meth[j, i] = "constant"
                pair = (names[i], names[j]) if i < j else (names[j], names[i])
                warns[pair] = [flag("constant-dropped", f"{names[i]} is constant: it carries no information (not estimated)")]
    skip = {i for i in range(d) if cols[i].identifier and not keep_identifiers}
    for i in skip:
        for j in range(d):
            if j != i and j not in const:
                pair = (names[i], names[j]) if i < j else (names[j], names[i])
                warns.setdefault(pair, []).append(
                    flag("identifier", f"{names[i]} is an identifier: not estimated (keep_identifiers=True estimates it)"))
    live = [i for i in range(d) if cols[i].kind != "constant" and i not in skip]
    gappy = [i for i in live if cols[i].missing is not None]
    if gappy:  # pairs with a column that has missing values: pair by pair on complete rows
        _pairwise_complete(cols, live, gappy, method, params, rng, mi, se, meth, warns)
        live = [i for i in live if i not in gappy]
    if method == "auto":
        k = int(params.pop("k", 5))
        if params:
            raise InputTypeError(
                f"mi_matrix(method='auto') takes k= only, got {', '.join(params)}; name an estimator to pass others"
            )
        prep = {
            i: (
                prepare(dequantize(cols[i].values, rng)[:, None], names[i], "dequantize", True, rng)[0][:, 0]
                if cols[i].kind == "continuous"
                else cols[i].values
            )
            for i in live
        }
        kinds = {i: cols[i].kind for i in live}
        full = _auto_values(prep, kinds, live, k, None, jobs)
        for (i, j), (v, m) in full.items():
            mi[i, j] = mi[j, i] = v
            meth[i, j] = meth[j, i] = m
        answered = _ill_posed_pairs(cols, [key for key, (v, m) in full.items() if m == "ksg" and v >= ILL_POSED_SCREEN],
                                    rng, mi, se, meth, warns)
        halves = _halves(n, n_subsamples, k + 1, rng)
        if halves:
            vals = [_auto_values(prep, kinds, live, k, rows, jobs) for rows in halves]
            for key in set(full) - answered:
                v_halves = np.array([hv[key][0] for hv in vals])
                if np.all(np.isfinite(v_halves)):
                    se[key] = se[key[::-1]] = float(np.std(v_halves, ddof=1))
    else:
        pairs = [(i, j) for a, i in enumerate(live) for j in live[a + 1 :]]
        seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(int(rng.integers(2**31 - 1))).spawn(len(pairs))]
        res = _map(
            lambda p: estimate_pair(cols[p[0][0]], cols[p[0][1]], method, params, p[1]),
            list(zip(pairs, seeds)),
            jobs if n < 2000 else 1,
        )
        for (i, j), r in zip(pairs, res):
            mi[i, j] = mi[j, i] = r.mi
            se[i, j] = se[j, i] = math.nan if r.stderr is None else r.stderr
            meth[i, j] = meth[j, i] = r.method
            if r.warnings:
                warns[(names[i], names[j])] = list(r.warnings)
    for i in live:
        for j in live:
            if i < j and not np.isfinite(mi[i, j]):
                warns.setdefault((names[i], names[j]), []).append(
                    flag("non-finite", f"the {meth[i, j] or method} estimate of this pair is not a finite number"))
    if serial is not None:  # rows serially dependent: every pair's error counts the rows they are worth
        from ..estimators._trust import serial_factor

        se = se * serial_factor(serial)
    ic = information_coefficient(np.nan_to_num(mi, nan=0.0))
    np.fill_diagonal(ic, 1.0)
    f = 1.0 if unit == "nats" else 1.0 / NATS_PER_BIT

    def frame(a: np.ndarray) -> Any:
        return pd.DataFrame(a, index=names, columns=names)

    for nm, notes in col_notes.items():
        warns.setdefault((nm, nm), []).extend(notes)
    table_flags = [f for f in (copied, serial) if f is not None]
    if warn:
        entries = [(f"column {a!r}" if a == b else f"pair ({a!r}, {b!r})", x) for (a, b), w in warns.items() for x in w
                   if not (a != b and code_of(x) == "identifier")]  # an identifier is named once, as a column
        emit_grouped([("table", f) for f in table_flags] + entries, stacklevel=3)
    return MIMatrix(
        mi=frame(mi * f),
        stderr=frame(se * f),
        ic=frame(ic),
        method=frame(meth),
        kinds={c.name: c.kind for c in cols},
        unit=unit,
        warnings={pair: [as_flag(w).to_unit(unit) for w in ws] for pair, ws in warns.items()},
        seconds=time.perf_counter() - t0,
        table_warnings=table_flags,
    )


def _row_checks(raw: list[tuple[str, Any]], method: str) -> tuple[list[tuple[str, Any]], Any, Any]:
    """The feature table's row checks on the whole table (every column; no target):
    ``(raw, serial, copied)``. Serial dependence in the order given (every pair's standard
    error is widened by its factor); copied records (:func:`~.features.drop_copies`), with
    ``method="auto"`` the table on its distinct rows, the first of each, as ``feature_mi``.
    A third of the rows copied had made two independent noise columns read 0.17 nats, silently."""
    from .features import drop_copies, table_codes

    none = np.zeros(len(raw[0][1]))  # (no target: a constant stands in for it, which neither check reads)
    cx, _ = table_codes(raw, none)
    serial = matrix_serial(cx, [nm for nm, _ in raw])
    raw, _, copied = drop_copies(raw, None, None, method, (cx, none), what="every pair was estimated")
    return raw, serial, copied


def _grouped_matrix(df: Any, groups: Any, kw: dict[str, Any], random_state: Any, warn: bool) -> MIMatrix:
    """mi_matrix on one row per group (:mod:`infolens.grouped`), the draws averaged pair by pair
    (standard errors: root mean square of the draws'); the pairs' warnings are the first
    draw's, with the table's ``grouped`` note on every column."""
    import pandas as pd

    from .. import grouped as gr
    from ..errors import emit

    df, groups = gr.split_groups(df, groups, "df")
    n = len(df)
    codes = gr.group_codes(groups, n)
    base = seed_from(random_state)
    rng = np.random.default_rng(base)
    draws = gr.draws_for(codes)
    mats = [mi_matrix(gr.take_rows(df, gr.one_per_group(codes, rng)), random_state=base + d, warn=False, **kw)
            for d in range(draws)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (NaN pairs: identifiers, the diagonal)
        mi = np.nanmean(np.stack([m.mi.to_numpy(dtype=float) for m in mats]), axis=0)
        se = np.sqrt(np.nanmean(np.stack([np.square(m.stderr.to_numpy(dtype=float)) for m in mats]), axis=0))
    first = mats[0]
    f = 1.0 if first.unit == "nats" else NATS_PER_BIT
    ic = information_coefficient(np.nan_to_num(mi * f, nan=0.0))
    np.fill_diagonal(ic, 1.0)
    names = list(first.mi.index)
    note = gr.grouped_flag(int(codes.max()) + 1, n, draws)
    if warn:
        emit([note], where="table", stacklevel=4)
    frame = lambda a: pd.DataFrame(a, index=names, columns=names)  # noqa: E731
    return MIMatrix(mi=frame(mi), stderr=frame(se), ic=frame(ic), method=first.method, kinds=first.kinds, unit=first.unit,
                    warnings={**first.warnings, ("(table)", "(table)"): [note]}, seconds=sum(m.seconds for m in mats))


def _halves(n: int, m: int, min_half: int, rng: np.random.Generator) -> list[np.ndarray]:
    """``m`` random halves of the rows (each drawn without replacement), for the
    half-sampling standard error: the spread of estimates on n/2 rows around the full
    estimate is the full estimate's standard error when the variance falls as 1/n."""
    h = n // 2
    if int(m) < 2 or h < min_half:
        return []
    return [np.sort(rng.permutation(n)[:h]) for _ in range(int(m))]


def _auto_values(
    prep: dict[int, np.ndarray], kinds: dict[int, str], live: list[int], k: int, rows: np.ndarray | None, jobs: int
) -> dict[tuple[int, int], tuple[float, str]]:
    """Every live pair (i < j) on the rows ``rows`` (None: all): KSG for continuous pairs
    (one batched call per column against the earlier ones), Ross for mixed pairs (one
    call per discrete column), plug-in for discrete pairs."""
    take = (lambda a: a) if rows is None else (lambda a: a[rows])
    cont = [i for i in live if kinds[i] == "continuous"]
    disc = [i for i in live if kinds[i] == "discrete"]
    out: dict[tuple[int, int], tuple[float, str]] = {}

    def ksg_task(jpos: int) -> list[tuple[tuple[int, int], tuple[float, str]]]:
        j = cont[jpos]
        earlier = cont[:jpos]
        if not earlier:
            return []
        U = np.stack([take(prep[i]) for i in earlier])
        v = ksg_batch(U, take(prep[j]), k=min(k, len(take(prep[j])) - 1), workers=1)
        return [((i, j), (float(m), "ksg")) for i, m in zip(earlier, v)]

    def ross_task(li: int) -> list[tuple[tuple[int, int], tuple[float, str]]]:
        lab = take(prep[li])
        if not cont or np.unique(lab).size < 2:
            return [((min(li, i), max(li, i)), (0.0 if np.unique(lab).size < 2 else math.nan, "ross")) for i in cont]
        U = np.stack([take(prep[i]) for i in cont])
        v = ross_1d(U, lab, k=k)
        return [((min(li, i), max(li, i)), (float(m), "ross")) for i, m in zip(cont, v)]

    def plug_task(apos: int) -> list[tuple[tuple[int, int], tuple[float, str]]]:
        a = disc[apos]
        return [((a, b), (chance_corrected_mi(take(prep[a]), take(prep[b])), "plugin-chance")) for b in disc[apos + 1 :]]

    tasks = (
        [(ksg_task, p) for p in range(len(cont))] + [(ross_task, li) for li in disc] + [(plug_task, p) for p in range(len(disc))]
    )
    with np.errstate(all="ignore"):  # a failed pair is NaN, named in the warnings
        for part in _map(lambda t: t[0](t[1]), tasks, jobs):
            out.update(part)
    return out


def _ill_posed_pairs(cols: list, pairs: list[tuple[int, int]], rng: np.random.Generator, mi: np.ndarray,
                     se: np.ndarray, meth: np.ndarray, warns: dict[tuple[str, str], list[Any]]) -> set[tuple[int, int]]:
    """The continuous pairs where one column is (nearly) a function of the other beyond what
    the rows resolve (:func:`~.pairs.ill_posed_pair`: a unit change, a leak) get auto's
    answer, the ceiling log n with code ``ill-posed``, as in :func:`~infolens.tables.feature_mi`;
    batched KSG had read a finite number with a tiny error (x against 2x + 1 at n = 300:
    4.00 +- 4e-16) and no warning. Returns the pairs answered."""
    done = set()
    for i, j in pairs:
        if not ill_posed_pair(cols[i].values, cols[j].values):
            continue
        r = estimate_pair(cols[i], cols[j], "auto", {}, int(rng.integers(2**31 - 1)))
        mi[i, j] = mi[j, i] = r.mi
        se[i, j] = se[j, i] = math.nan if r.stderr is None else r.stderr
        meth[i, j] = meth[j, i] = r.method
        warns.setdefault((cols[i].name, cols[j].name), []).extend(r.warnings)
        done.add((i, j))
    return done


def _pairwise_complete(cols: list, live: list[int], gappy: list[int], method: str, params: dict[str, Any],
                       rng: np.random.Generator, mi: np.ndarray, se: np.ndarray, meth: np.ndarray,
                       warns: dict[tuple[str, str], list[Any]]) -> None:
    """Every pair with a column in ``gappy``, on the rows both columns have."""
    done = set()
    for i in gappy:
        for j in live:
            if i == j or (min(i, j), max(i, j)) in done:
                continue
            a, b = (i, j) if i < j else (j, i)
            done.add((a, b))
            rows = np.ones(len(cols[a].values), dtype=bool)
            for c in (cols[a], cols[b]):
                if c.missing is not None:
                    rows &= ~c.missing
            ca, cb = cols[a].take(rows), cols[b].take(rows)
            note = flag("missing-values", f"estimated on the {int(rows.sum())} of {rows.size} rows where both columns "
                        "have a value (pairwise-complete)", rows=int(rows.sum()))
            warns.setdefault((ca.name, cb.name), []).append(note)
            if int(rows.sum()) < MIN_ROWS:  # as feature_mi: no estimate on fewer rows than any estimator takes
                warns[(ca.name, cb.name)].append(too_few_rows(int(rows.sum()), "have both values"))
                meth[a, b] = meth[b, a] = "not estimated"
                continue
            if "constant" in (ca.kind, cb.kind):
                mi[a, b] = mi[b, a] = se[a, b] = se[b, a] = 0.0
                meth[a, b] = meth[b, a] = "constant"
                continue
            for c in (ca, cb):
                if c.kind == "continuous":
                    c.values = dequantize(c.values, rng)
                    c.numbers = c.values
            seed = int(rng.integers(2**31 - 1))
            with np.errstate(all="ignore"):
                if method == "auto" and ca.kind == cb.kind == "discrete":
                    v, s_, _ = chance_corrected_estimate(ca.values, cb.values, int(params.get("n_subsamples", 10)), rng)
                    m_ = "plugin-chance"
                else:
                    kw = {key: val for key, val in params.items() if key != "n_subsamples"}
                    r = estimate_pair(ca, cb, method, kw, seed)
                    v, s_, m_ = r.mi, r.stderr, r.method
                    warns[(ca.name, cb.name)].extend(r.warnings)
            mi[a, b] = mi[b, a] = v
            se[a, b] = se[b, a] = math.nan if s_ is None else s_
            meth[a, b] = meth[b, a] = m_


def matrix_serial(cx: np.ndarray, names: list[str]) -> Any:
    """The ``serial-dependence`` flag of a whole table (coded columns ``cx`` in the order
    given, :func:`~infolens.tables.features.table_codes`; columns with missing values left out),
    or None; in memory and on the cluster (which reads the first rows in the order given)."""
    from .features import named_serial

    named = named_serial(cx, np.zeros(len(cx)), names)
    if named is None:
        return None
    f, text = named
    return flag("serial-dependence", text + "; every pair's standard error is widened by it", **f.data)

