""":func:`feature_mi` over a Dask DataFrame (or Series/arrays, or a Parquet dataset) on a
``dask.distributed`` cluster: the same table as :func:`infolens.tables.feature_mi`.

How each column is scored (``method="auto"`` as in memory: binning, ross or ksg by kinds):

==========================  ==================================================================
route                       what runs, and on which rows
==========================  ==================================================================
``counts``                  two discrete columns (auto, binning): the contingency table of all
                            rows, counted per partition and added; the rows rebuilt from it as
                            codes and scored by the in-memory per-column function (auto: the
                            chance-corrected plug-in, its half-sampling error), so the number is
                            the in-memory one; test: permutations of all rows' codes
``moments``                 ``gaussian``, two continuous columns: the correlation of all rows
                            from per-partition sums; Wishart-corrected closed form
``copula``                  ``gaussian-copula``: normal scores from approximate quantiles (a
                            quantile sketch per partition), then as ``moments``; the sketch's
                            error is measured (the answer at q and q/2 knots) and stated
(checks)                    ``moments`` and ``copula`` columns also run the in-memory estimator
                            on the first 20,000 sampled rows for its checks (non-Gaussian
                            dependence, ties): a check needs power, the value uses all rows
``sample``                  every other case (kNN, neural, any estimator by name): a uniform
                            random sample of rows, sized for ``precision`` by a pilot estimate,
                            one task per column on the cluster; warning code ``subsampled``
==========================  ==================================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import InputError, InputTypeError, flag
from ..result import check_unit
from ..validation import check_choice, seed_from
from . import _passes as P
from ._closed import correlation_pvalue, gaussian_from_correlation
from .frames import as_frame, cluster_client
from ._run import load_checkpoint, row_key, run_tasks
from ._score import check_closed, score_counts, score_sampled
from ._stats import CONTENT_MAX_COLS, coarsen, correlation
from ._typing import ColumnSpec, type_profile

#: canonical estimator names with a closed form from all rows
COPULA = "gaussian-copula"
GAUSSIAN = "gaussian"
#: knots of the quantile sketch per partition (rank error <= 1/q + 1/rows of the smallest partition)
SKETCH_KNOTS = 1000
TARGET = "__infolens_target__"
#: contingency cells above which two discrete columns go the sample route instead (memory of
#: the table, and of the rows rebuilt from it: see ``_score.score_counts``)
COUNT_CELLS = 1_000_000
#: rows above which the counted route is not taken: the in-memory rule's half-samples are drawn
#: from the rows rebuilt from the table (16 bytes a row on the worker); beyond this the column is
#: scored on the sample (stated), until the half-samples are drawn from the table itself
COUNT_ROWS = 50_000_000
#: bytes of row sample per block of columns (a worker holds one block per task it runs: with
#: 200,000 rows, 320 float64 columns a block; 10^4 columns make 32 blocks drawn on the same rows)
SAMPLE_BYTES = 512 * 2**20


def route_of(spec: ColumnSpec, target: ColumnSpec, method: str, missing_as_value: bool = False, n_rows: int = 0) -> str:
    """Which way a column is scored (see the module docstring); ``missing_as_value``: the
    column or target has missing values that ``missing="category"`` makes a value (not
    counted: the sample route applies the rule)."""
    if spec.kind == "constant":
        return "constant"
    if (method in ("auto", "binning") and spec.kind == target.kind == "discrete" and spec.levels is not None
            and target.levels is not None and not missing_as_value and n_rows <= COUNT_ROWS
            and len(spec.levels) * len(target.levels) <= COUNT_CELLS):
        return "counts"
    if spec.kind == target.kind == "continuous" and method in (GAUSSIAN, COPULA):
        return "moments" if method == GAUSSIAN else "copula"
    return "sample"


def join_target(X: Any, y: Any) -> tuple[Any, list[str]]:
    """One Dask DataFrame of the features and the target (column :data:`TARGET`); ``y`` may
    name a column of ``X``."""
    ddf = as_frame(X, "X")
    if isinstance(y, str):
        if y not in ddf.columns:
            raise InputError(f"y names column {y!r}, which is not a column of X (columns: {', '.join(map(str, ddf.columns[:10]))})")
        feats = [c for c in ddf.columns if c != y]
        return ddf.rename(columns={y: TARGET}), feats
    yf = as_frame(y, "y", prefix="y")
    if len(yf.columns) != 1:
        raise InputError(f"y must be one value per row, got {len(yf.columns)} columns")
    feats = list(ddf.columns)
    try:
        ys = yf[yf.columns[0]]
        if ddf.npartitions != ys.npartitions:
            ys = ys.repartition(npartitions=ddf.npartitions) if ys.npartitions > 1 else ys
        joined = ddf.assign(**{TARGET: ys})
    except (ValueError, NotImplementedError) as exc:
        raise InputError(
            f"X and y are not partitioned alike ({exc}); pass the target as a column of X and y as its name"
        ) from exc
    return joined, feats


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
    random_state: Any = None,
    feature_names: Any = None,
    warn: bool = True,
    scheduler: Any = None,
    precision: float | None = 0.005,
    max_sample_rows: int = 200_000,
    checkpoint: str | None = None,
    progress: bool | None = False,
    score_fn: Callable[..., Any] | None = None,
    on_column: Callable[[str, dict], None] | None = None,
    **params: Any,
) -> Any:
    """I(X_j; y) for every column of a Dask DataFrame on a cluster; the in-memory
    :func:`infolens.tables.feature_mi`'s table (same columns, sorted by MI, same ``attrs``,
    plus ``attrs["n_rows"]``, ``["routes"]``, ``["resumed"]``).

    Parameters beyond the in-memory ones
    ------------------------------------
    y : a Dask Series/array partitioned as ``X``, or the name of a column of ``X``.
    scheduler : a ``distributed.Client``, an address ``"tcp://host:8786"``, ``"local"`` (a
        LocalCluster of worker processes for this call) or None (the current client, else local).
    precision : the standard error (nats) the sampled estimates are sized for: a pilot on
        5,000 rows sets the rows ``m`` (:func:`~._closed.rows_for_precision`); None: every
        sampled row. Estimates from all rows (counts, moments) ignore it.
    max_sample_rows : rows drawn for the sample (uniform, without replacement); ``m`` never exceeds it.
    checkpoint : a JSON-lines file; finished columns are appended as they arrive and a rerun
        with the same data and settings takes them from there (resume).
    progress : a progress bar over the columns (None: only on a terminal).
    score_fn : the per-column function the sampled and counted columns are scored with
        (default: the in-memory one, :func:`infolens.tables.score.score_column`, so a column
        gets the same rules on the cluster as in memory), module-level so it pickles.
    on_column : called in the caller's process as each column's row arrives, ``(name, row)``.
    """

    from ..tables import kernels as K
    from ..tables.score import MISSING

    check_unit(unit)
    check_choice(correction, "correction", K.CORRECTIONS)
    check_choice(missing, "missing", MISSING)
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, (int, np.integer)) or n_permutations < 0:
        raise InputError(f"n_permutations must be an integer >= 0 (0: no test), got {n_permutations!r}")
    if not isinstance(method, str):
        raise InputTypeError(f"method must be 'auto' or an estimator name, got {type(method).__name__}")
    if precision is not None and not (isinstance(precision, (int, float)) and precision > 0):
        raise InputError(f"precision must be a positive standard error in nats (or None: every sampled row), got {precision!r}")
    if isinstance(max_sample_rows, bool) or not isinstance(max_sample_rows, (int, np.integer)) or max_sample_rows < 10:
        raise InputError(f"max_sample_rows must be an integer >= 10, got {max_sample_rows!r}")
    if method != "auto":
        from ..registry import estimator_class

        method = estimator_class(method).name
    ddf, feats = join_target(X, y)
    if feature_names is not None:
        names = [str(f) for f in feature_names]
        if len(names) != len(feats):
            raise InputError(f"feature_names has {len(names)} names for {len(feats)} columns of X")
        ddf = ddf.rename(columns=dict(zip(feats, names)))
        feats = names
    if not feats:
        raise InputError("X has no feature columns; pass at least one")
    from ..tables.columns import declared_set

    decl = declared_set(discrete_features, feats, "discrete_features")
    if discrete_target not in ("auto", None, True, False):
        raise InputError(f"discrete_target must be True, False or 'auto', got {discrete_target!r}")
    seed0 = seed_from(random_state)
    import time

    clock = {"start": time.perf_counter()}
    with cluster_client(scheduler) as client:
        prof = P.profile(client, ddf, feats + [TARGET])
        clock["profile"] = time.perf_counter()
        n = prof[TARGET].n
        target = type_profile(TARGET, prof[TARGET], None if discrete_target in ("auto", None) else bool(discrete_target), "y")
        if target.kind == "constant":
            raise InputError("y is constant (every row equal); a constant target carries no information - MI is 0 for every feature")
        from ..validation import is_identifier

        present = n - prof[TARGET].missing
        if target.how == "labels" and target.levels is not None and is_identifier(len(target.levels), present):
            from ..tables.score import identifier_target

            raise identifier_target(len(target.levels), present)  # (from the whole column, before any task)
        specs = {c: type_profile(c, prof[c], None if decl is None else decl[c], f"X column {c!r}") for c in feats}
        routes = {c: route_of(specs[c], target, method, prof[c].missing + prof[TARGET].missing > 0 and missing != "drop", n)
                  for c in feats}
        from ..tables.score import column_seed

        est_seeds = {c: int(column_seed(seed0, c).generate_state(1)[0]) for c in feats}
        options = {c: {"declared": None if specs[c].how == "labels" else specs[c].kind == "discrete",
                       "keep_identifiers": bool(keep_identifiers), "missing": missing} for c in feats}
        # (rows sampled by content: the sample depends on every column of the row, so a
        # checkpoint resumes a run on the same columns only)
        content = feats + [TARGET] if len(feats) + 1 <= CONTENT_MAX_COLS else None
        settings = [method, sorted(params.items()), n_permutations, precision, max_sample_rows, seed0, prof[TARGET].fingerprint(),
                    target.kind, keep_identifiers, missing, content]
        keys = {c: row_key([c, routes[c], specs[c].kind, prof[c].fingerprint(), settings]) for c in feats}
        done = {k: r for k, r in load_checkpoint(checkpoint).items() if k in keys.values()}
        rows: dict[str, dict] = {}
        for c in feats:
            if routes[c] == "constant":
                rows[c] = _constant_row(c, n, prof[c].missing >= n)
        numbered = {c: _row_number_note(prof[c]) for c in feats if routes[c] != "constant" and prof[c].row_number}
        if not keep_identifiers:  # (the sample is in random order: only the profile sees the run)
            rows.update({c: _identifier_row(c, specs[c].kind, n, note) for c, note in numbered.items()})
        todo = [c for c in feats if keys[c] not in done and c not in rows]
        tasks: dict[str, tuple] = {}
        counted = [c for c in todo if routes[c] == "counts"]
        if counted:
            disc = {c: list(specs[c].levels or ()) for c in counted}
            disc[TARGET] = list(target.levels or ())
            tables = P.counts(client, ddf, disc, TARGET)
            for c in counted:
                tasks[keys[c]] = (score_counts, (tables[c], specs[c], method, params, seed0, n, int(n_permutations), options[c],
                                                 score_fn))
        closed = _all_rows(client, ddf, todo, routes, specs, target, n, n_permutations)
        clock["all_rows"] = time.perf_counter()
        sampled = [c for c in todo if routes[c] == "sample"]
        fut = sample_blocks(client, ddf, sampled + list(closed), min(max_sample_rows, n), seed0, n, content)
        copied = _copies(client, fut, sampled + list(closed), method)
        serial = _serial(client, ddf, feats, specs, n)
        distinct = copied is not None and method == "auto"
        for c in sampled:
            tasks[keys[c]] = (
                score_sampled,
                (fut[c], specs[c], target, method, params, seed0, precision, n, int(n_permutations), options[c], score_fn,
                 distinct),
            )
        for c, row in closed.items():
            tasks[keys[c]] = (check_closed, (fut[c], row, specs[c], target, method, est_seeds[c]))
        by_key = {keys[c]: c for c in feats}
        got = run_tasks(
            client, tasks, checkpoint=checkpoint, progress=progress, done=done, desc="columns",
            on_result=None if on_column is None else (lambda k, r: on_column(by_key[k], r)),
        )
        for k, r in got.items():
            rows.setdefault(by_key[k], r)
        for c, said in _unread_numbers(client, ddf, feats, specs, n).items():
            rows[c] = {**rows[c], "warnings": [*rows[c]["warnings"], said]}
        if keep_identifiers:
            for c, note in numbered.items():
                rows[c] = {**rows[c], "warnings": [note, *rows[c]["warnings"]]}
        clock["columns"] = time.perf_counter()
    from ..tables.score import ColumnScore
    from ..tables.features import emit_table_warnings, scores_frame

    scores = [ColumnScore(**{"excluded": "", **rows[c]}) for c in feats]
    from ..tables.features import widen_for_serial

    widen_for_serial(scores, serial)
    df = scores_frame(scores, unit, correction if n_permutations else None, bool(n_permutations))
    from ..tables.pairs import AUTO

    df.attrs.update({
        "target_kind": target.kind, "target_discrete": target.how, "unit": unit, "method": method,
        "n_permutations": int(n_permutations), "correction": correction if n_permutations else None,
        "auto_methods": {**{f"{a} feature, {b} target": m for (a, b), m in AUTO.items()},
                         "discrete feature, discrete target": "plugin-chance"},
        "target_missing": prof[TARGET].missing, "missing": missing, "keep_identifiers": bool(keep_identifiers),
        "p_value_floor": 1.0 / (int(n_permutations) + 1) if n_permutations else math.nan,
        "n_rows": int(n), "routes": routes, "precision": precision, "max_sample_rows": int(max_sample_rows),
        "resumed": sorted(by_key[k] for k in done),
        "repeated_rows": None if copied is None else {**copied.data, "message": str(copied)},
        "serial_dependence": None if serial is None else {**serial.data, "message": str(serial)},
        "seconds": {"profile pass": clock["profile"] - clock["start"], "all-row passes": clock["all_rows"] - clock["profile"],
                    "sample pass and column tasks": clock["columns"] - clock["all_rows"]},
        "tests": {"counts": "permutations of all rows' codes", "moments": "t-test of the correlation on all rows",
                  "copula": "t-test of the normal-score correlation on all rows", "sample": "permutations on the sampled rows"},
    })
    from ..tables.features import multiplicity_flag

    many = multiplicity_flag(df, bool(n_permutations))
    df.attrs["multiple_comparisons"] = None if many is None else {**many.data, "message": str(many)}
    if warn:
        from ..errors import emit

        for said in (copied, serial, many):
            if said is not None:
                emit([said], where="table", stacklevel=3)
        emit_table_warnings(df)
    return df


def sample_blocks(client: Any, ddf: Any, cols: list[str], m: int, seed: int, n: int,
                  by_content: list[str] | None = None) -> dict[str, Any]:
    """column -> future of the row sample holding it (and the target). Columns go in blocks of
    at most :data:`SAMPLE_BYTES` of sample each, every block drawn with the same keys (so the
    same rows); one pass reads each block's columns and, with ``by_content``, the columns whose
    content draws the keys (:func:`~._stats.content_keys`), up to :data:`CONTENT_MAX_COLS` of
    them; a wider table's keys come from the stream, so that each pass still reads only its block."""
    block = max(1, SAMPLE_BYTES // (8 * max(m, 1)))
    out: dict[str, Any] = {}
    for i in range(0, len(cols), block):
        part = cols[i : i + block]
        fut = P.row_sample(client, ddf, part + [TARGET], m, seed, n, by_content)
        out.update({c: fut for c in part})
    return out


def _copies(client: Any, fut: dict[str, Any], cols: list[str], method: str) -> Any:
    """The table's ``repeated-rows`` flag from the row sample (drawn by content, so it holds
    every copy of its records: :func:`~._score.copies_check` on the first block's columns), or
    None. With ``method="auto"`` the sampled columns are scored on the distinct rows, as in memory."""
    from ._score import copies_check, copies_flag

    if not cols:
        return None
    first = fut[cols[0]]
    block = [c for c in cols if fut[c] is first]
    found = client.submit(copies_check, first, block, TARGET, pure=False).result()
    return None if found is None else copies_flag(found, method, "columns", "were scored")


def _serial(client: Any, ddf: Any, feats: list[str], specs: dict[str, ColumnSpec], n: int) -> Any:
    """The table's ``serial-dependence`` flag from the first rows in the order given (the
    in-memory rule reads the first ``CHECK_ROWS`` rows too: :func:`infolens.tables.features.serial_rows`),
    or None; only the partitions that hold those rows are read."""
    from ..estimators._trust import CHECK_ROWS, SERIAL_COLS
    from ..tables.features import serial_rows, table_codes

    cols = [c for c in feats if specs[c].kind != "constant"][:SERIAL_COLS]
    if not cols:
        return None
    head = P.head(client, ddf, cols + [TARGET], min(CHECK_ROWS, n), n)
    cx, cy = table_codes([(c, head[c].to_numpy()) for c in cols], head[TARGET].to_numpy())
    return serial_rows(cx, cy, cols)


#: rows of a label column read to see whether it holds numbers the in-memory reader converts
UNREAD_ROWS = 2000


def _unread_numbers(client: Any, ddf: Any, feats: list[str], specs: dict[str, ColumnSpec], n: int) -> dict[str, Any]:
    """column -> a ``numbers-as-labels`` flag for each column typed as labels whose first rows
    the in-memory reader (:func:`infolens.convert.to_numeric_column`) reads as numbers: text
    holding numbers or dates, ``Decimal`` objects. The cluster path types columns from their
    profile and takes them as labels (a column of prices in ``1 234,56`` form or of Decimals
    is then an identifier, left out); the flag says so and the fix, without converting each
    partition by rules that read one partition's content."""
    from ..convert import to_numeric_column

    cols = [c for c in feats if specs[c].how == "labels"]
    if not cols:
        return {}
    head = P.head(client, ddf, cols, min(UNREAD_ROWS, n), n)
    out = {}
    for c in cols:
        try:
            _, notes = to_numeric_column(head[c])
        except (TypeError, ValueError):
            continue
        if notes:
            out[c] = flag("numbers-as-labels", f"its first rows read as numbers in memory ({notes[0]}), but the cluster "
                          f"path reads text and Python objects as labels; convert the column first (e.g. "
                          f"ddf[{c!r}] = ddf[{c!r}].map_partitions(pd.to_numeric) for plain numbers), or score it in memory",
                          column=c)
    return out


def _row_number_note(prof: Any) -> Any:
    from ..tables.columns import row_number_note

    return row_number_note(prof.first, prof.last, prof.step, prof.n)


def _identifier_row(name: str, kind: str, n: int, note: Any) -> dict:
    """The row of a column left out as an identifier (as ``tables.score.score_column`` gives it)."""
    return {"feature": name, "mi": math.nan, "stderr": math.nan, "ci_low": math.nan, "ci_high": math.nan,
            "p_value": math.nan, "kind": kind, "method": "not estimated", "n": n, "excluded": "identifier",
            "warnings": [note]}


def _constant_row(name: str, n: int, empty: bool) -> dict:
    from ..tables.score import constant_flag

    return {"feature": name, "mi": 0.0, "stderr": 0.0, "ci_low": 0.0, "ci_high": 0.0, "p_value": math.nan,
            "kind": "constant", "method": "constant", "n": n, "excluded": "constant",
            "warnings": [constant_flag(empty)]}


def _all_rows(client: Any, ddf: Any, cols: list[str], routes: dict[str, str], specs: dict[str, ColumnSpec],
              target: ColumnSpec, n: int, n_permutations: int) -> dict[str, dict]:
    """Rows of the columns scored by a closed form from statistics of all rows (moments, copula)."""
    out: dict[str, dict] = {}
    gauss = [c for c in cols if routes[c] == "moments"]
    if gauss:
        mom = P.moments(client, ddf, gauss, TARGET, None, n)
        for c in gauss:
            rho, m = correlation(mom[c][0])
            mi, se = gaussian_from_correlation(rho, m)
            out[c] = _row(c, "continuous", GAUSSIAN, mi, se, correlation_pvalue(rho, m) if n_permutations else math.nan, m, [])
    cop = [c for c in cols if routes[c] == "copula"]
    if cop:
        from . import _passes

        sk = _passes.sketches(client, ddf, cop + [TARGET], SKETCH_KNOTS)
        mom = P.moments(client, ddf, cop, TARGET, [sk, coarsen(sk)], n)
        eps = max(s.rank_error() for s in sk.values())
        for c in cop:
            rho, m = correlation(mom[c][0])
            rho_half, _ = correlation(mom[c][1])
            mi, se = gaussian_from_correlation(rho, m)
            err = abs(mi - gaussian_from_correlation(rho_half, m)[0])
            w = [flag("approximate-ranks", f"normal scores from approximate quantiles ({SKETCH_KNOTS} knots per partition, rank error "
                      f"<= {eps:.2g}); their effect on the estimate, measured against half the knots, is {err:.2g} nats and is "
                      "added to the interval", rank_error=eps, quantile_error_nats=err)]
            row = _row(c, "continuous", COPULA, mi, se, correlation_pvalue(rho, m) if n_permutations else math.nan, m, w)
            from ..stats import Z95

            half = Z95 * se + err
            row["ci_low"], row["ci_high"] = mi - half, mi + half
            out[c] = row
    return out


def _row(name: str, kind: str, method: str, mi: float, se: float, p: float, n: int, warns: list) -> dict:
    from ..stats import Z95

    return {"feature": name, "mi": mi, "stderr": se, "ci_low": mi - Z95 * se, "ci_high": mi + Z95 * se,
            "p_value": p, "kind": kind, "method": method, "n": int(n), "warnings": list(warns)}
