""":func:`mi_matrix` over a Dask DataFrame on a ``dask.distributed`` cluster: the pairs are the
unit of work.

* Two discrete columns (``auto``, ``binning``): the contingency table of all rows, counted per
  partition and added; the in-memory rule (the plug-in less its chance expectation, half-sampling
  error) on the rows rebuilt from the counts.
* Every other pair: on a uniform random sample of rows (one pass draws it; it stays on the
  workers). One task per column ``j`` scores the pairs ``(i, j)``, ``i < j``: with ``auto``,
  KSG (two continuous columns) and Ross (a discrete and a continuous one) through the batched
  1-D kernels, as the in-memory matrix, with half-sampling standard errors; the task sizes its
  rows for ``precision`` from a pilot on 5,000 rows (the worst pair of the task decides). Any
  other method runs the per-pair function on every pair. The rows used are stated per pair
  (``mi.attrs["n_used"]``) and in a ``subsampled`` warning.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import InputError, InputTypeError, as_flag, flag
from ..result import NATS_PER_BIT, check_unit
from ..validation import seed_from
from . import _passes as P
from ._closed import rows_for_precision
from .frames import as_frame, cluster_client
from ._run import load_checkpoint, row_key, run_tasks
from ._score import PILOT_ROWS, REFINE_ROUNDS, copies_check, copies_flag, default_pair_fn, resize
from ._stats import CONTENT_MAX_COLS
from ._typing import ColumnSpec, head, sample_column, type_profile
from ..tables.pairs import ILL_POSED_SCREEN, ill_posed_pair


def _prepared(sample: Any, spec: ColumnSpec, index: int, seed: int) -> np.ndarray:
    """A continuous column ties-broken and standardised (the same in every task: its own
    stream from ``(seed, index)``), or a discrete column's codes."""
    from ..estimators.ties import prepare

    col = sample_column(sample, spec)
    if spec.kind != "continuous":
        return col.values
    rng = np.random.default_rng([seed, index])
    return prepare(col.values[:, None], spec.name, "dequantize", True, rng)[0][:, 0]


def _auto_values(prep: dict[str, np.ndarray], kinds: dict[str, str], pairs: list[tuple[str, str]], k: int,
                 rows: np.ndarray | slice) -> dict[tuple[str, str], float]:
    """KSG (continuous pairs, batched per second column) and Ross (mixed pairs, batched per
    discrete column) on the rows ``rows`` of the prepared columns."""
    from ..estimators.batched_knn import ksg_batch, ross_1d

    out: dict[tuple[str, str], float] = {}
    by_b: dict[str, list[str]] = {}
    by_lab: dict[str, list[tuple[str, tuple[str, str]]]] = {}
    for a, b in pairs:
        if kinds[a] == kinds[b] == "continuous":
            by_b.setdefault(b, []).append(a)
        else:
            cont, lab = (a, b) if kinds[a] == "continuous" else (b, a)
            by_lab.setdefault(lab, []).append((cont, (a, b)))
    for b, As in by_b.items():
        v = prep[b][rows]
        vals = ksg_batch(np.stack([prep[a][rows] for a in As]), v, k=min(k, len(v) - 1), workers=1)
        out.update({(a, b): float(m) for a, m in zip(As, vals)})
    for lab, items in by_lab.items():
        labels = prep[lab][rows]
        if np.unique(labels).size < 2:
            out.update({p: 0.0 for _, p in items})
            continue
        vals = ross_1d(np.stack([prep[c][rows] for c, _ in items]), labels, k=k)
        out.update({p: float(m) for (_, p), m in zip(items, vals)})
    return out


def _halfsample(prep: dict, kinds: dict, pairs: list, k: int, m: int, n_halves: int, rng: np.random.Generator
                ) -> tuple[dict, dict]:
    """Values on the first ``m`` rows and their half-sampling standard errors (the spread of
    the values on ``n_halves`` random halves of those rows; :mod:`infolens.estimators.resampling`)."""
    full = _auto_values(prep, kinds, pairs, k, slice(0, m))
    se = {p: math.nan for p in pairs}
    if n_halves >= 2 and m // 2 > k + 1:
        halves = [_auto_values(prep, kinds, pairs, k, np.sort(rng.permutation(m)[: m // 2])) for _ in range(n_halves)]
        for p in pairs:
            v = np.array([h[p] for h in halves])
            if np.all(np.isfinite(v)):
                se[p] = float(np.std(v, ddof=1))
    return full, se


def score_pairs(sample: Any, specs: dict[str, ColumnSpec], index: dict[str, int], pairs: list[tuple[str, str]],
                method: str, params: dict[str, Any], seed: int, n_subsamples: int, precision: float | None,
                n_rows: int, pair_fn: Callable[..., Any] | None = None, distinct: bool = False) -> dict:
    """One task: the pairs ``pairs`` on the sample (see the module docstring); ``distinct``:
    copied records once each (the sample, drawn by content, holds every copy of its records)."""
    if distinct:
        from ._stats import SAMPLE_ROW

        sample = sample[~sample[SAMPLE_ROW].duplicated()].reset_index(drop=True)
    avail = len(sample)
    rng = np.random.default_rng([seed, 7])
    out: dict[str, Any] = {"pairs": []}
    if method == "auto":
        k = int(params.get("k", 5))
        names = sorted({c for p in pairs for c in p}, key=lambda c: index[c])
        prep = {c: _prepared(sample, specs[c], index[c], seed) for c in names}
        kinds = {c: specs[c].kind for c in names}
        m = avail
        if precision is not None and PILOT_ROWS < avail:
            _, se0 = _halfsample(prep, kinds, pairs, k, PILOT_ROWS, max(n_subsamples, 5), rng)
            finite = [s for s in se0.values() if math.isfinite(s)]
            m = rows_for_precision(max(finite) if finite else math.nan, PILOT_ROWS, precision, avail)
        vals, se = _halfsample(prep, kinds, pairs, k, m, n_subsamples, rng)
        for _ in range(REFINE_ROUNDS):  # re-size from the estimate's own errors when the pilot was optimistic
            finite = [s for s in se.values() if math.isfinite(s)]
            m2 = resize(max(finite) if finite else None, m, precision, avail)
            if m2 is None:
                break
            m = m2
            vals, se = _halfsample(prep, kinds, pairs, k, m, n_subsamples, rng)
        for a, b in pairs:
            meth = "ksg" if kinds[a] == kinds[b] == "continuous" else "ross"
            row = [a, b, vals[(a, b)], se[(a, b)], meth, m, []]
            if meth == "ksg" and vals[(a, b)] >= ILL_POSED_SCREEN:  # as in memory: a function of the other column
                ca, cb = head(sample_column(sample, specs[a]), m), head(sample_column(sample, specs[b]), m)
                if ill_posed_pair(ca.values, cb.values):
                    r = (pair_fn or default_pair_fn())(ca, cb, "auto", {}, seed)
                    row = [a, b, float(r.mi), math.nan if r.stderr is None else float(r.stderr), r.method, m,
                           list(r.warnings)]
            out["pairs"].append(row)
        return out
    fn = pair_fn or default_pair_fn()
    cols = {c: sample_column(sample, specs[c]) for p in pairs for c in p}
    for a, b in pairs:
        m = avail
        if precision is not None and PILOT_ROWS < avail:
            pilot = fn(head(cols[a], PILOT_ROWS), head(cols[b], PILOT_ROWS), method, params, seed)
            m = rows_for_precision(pilot.stderr, PILOT_ROWS, precision, avail)
        r = fn(head(cols[a], m), head(cols[b], m), method, params, seed)
        out["pairs"].append([a, b, float(r.mi), math.nan if r.stderr is None else float(r.stderr), r.method, m, list(r.warnings)])
    return out


def mi_matrix(df: Any, method: str = "auto", *, discrete: Any = "auto", n_subsamples: int = 10, unit: str = "nats",
              random_state: Any = None, scheduler: Any = None, precision: float | None = 0.005,
              max_sample_rows: int = 200_000, checkpoint: str | None = None, progress: bool | None = False,
              pair_fn: Callable[..., Any] | None = None, columns: list[str] | None = None, **params: Any) -> Any:
    """Pairwise MI of the columns of a Dask DataFrame (or array) on a cluster: an
    :class:`infolens.tables.MIMatrix`, as in memory; ``mi.attrs`` holds ``n_rows``, ``n_used``
    (a DataFrame: rows each pair's value used) and ``resumed`` (tasks read from ``checkpoint``).
    ``precision``, ``max_sample_rows``, ``checkpoint``, ``progress``, ``pair_fn``, ``scheduler``:
    as for :func:`infolens.distributed.feature_mi`; ``columns`` limits the pairs to those whose
    second column is listed (the benchmark times a subset this way)."""
    import pandas as pd

    from ..tables.columns import declared_set
    from ..tables.matrix import MIMatrix, information_coefficient

    t0 = time.perf_counter()
    check_unit(unit)
    if isinstance(n_subsamples, bool) or not isinstance(n_subsamples, (int, np.integer)) or n_subsamples < 0:
        raise InputError(f"n_subsamples must be an integer >= 0 (0: no standard errors), got {n_subsamples!r}")
    if method != "auto":
        from ..registry import estimator_class

        method = estimator_class(method).name
    elif set(params) - {"k"}:
        raise InputTypeError(f"mi_matrix(method='auto') takes k= only, got {', '.join(params)}; name an estimator to pass others")
    ddf = as_frame(df, "df")
    names = [str(c) for c in ddf.columns]
    if len(names) < 2:
        raise InputError(f"df has {len(names)} column; mi_matrix needs at least 2")
    decl = declared_set(discrete, names, "discrete")
    seed = seed_from(random_state)
    d = len(names)
    index = {c: i for i, c in enumerate(names)}
    mi, se = np.full((d, d), np.nan), np.full((d, d), np.nan)
    used = np.full((d, d), np.nan)
    meth = np.full((d, d), "", dtype=object)
    warns: dict[tuple[str, str], list] = {}
    with cluster_client(scheduler) as client:
        prof = P.profile(client, ddf, names)
        n = prof[names[0]].n
        specs = {c: type_profile(c, prof[c], None if decl is None else decl[c], f"df column {c!r}") for c in names}
        live = [c for c in names if specs[c].kind != "constant"]
        for c in names:
            if specs[c].kind == "constant":
                i = index[c]
                for j in range(d):
                    if j != i:
                        mi[i, j] = mi[j, i] = se[i, j] = se[j, i] = 0.0
                        meth[i, j] = meth[j, i] = "constant"
                        a, b = sorted((c, names[j]), key=lambda z: index[z])
                        warns[(a, b)] = [flag("constant-dropped", f"{c} is constant: it carries no information (not estimated)")]
        seconds = set(columns) if columns is not None else None
        all_pairs = [(a, b) for jb, b in enumerate(live) for a in live[:jb] if seconds is None or b in seconds]
        counted = [p for p in all_pairs if method in ("auto", "binning") and specs[p[0]].kind == specs[p[1]].kind == "discrete"]
        if counted:
            disc = {c: list(specs[c].levels or ()) for p in counted for c in p}
            tables = P.pair_counts(client, ddf, disc, counted)
            from ..estimators.chance import chance_corrected_estimate

            crng = np.random.default_rng([seed, 11])
            for a, b in counted:  # the in-memory rule for two discrete columns, on all rows rebuilt from their counts
                t = np.asarray(tables[(a, b)])
                idx = np.repeat(np.arange(t.size), t.ravel())
                v, s, _ = chance_corrected_estimate(idx // t.shape[1], idx % t.shape[1], n_subsamples, crng)
                _put(mi, se, used, meth, warns, index, (a, b, v, math.nan if s is None else s, "plugin-chance", int(t.sum()), []))
        rest = [p for p in all_pairs if p not in set(counted)]
        by_b: dict[str, list] = {}
        for a, b in rest:
            by_b.setdefault(b, []).append((a, b))
        # rows sampled by content (copied records come together) for up to CONTENT_MAX_COLS
        # columns; the sample then depends on every column, and so does the checkpoint key
        content = names if len(names) <= CONTENT_MAX_COLS else None
        settings = [method, sorted(params.items()), n_subsamples, precision, max_sample_rows, seed, content]
        keys = {b: row_key([b, [a for a, _ in ps], [prof[c].fingerprint() for p in ps for c in p], settings]) for b, ps in by_b.items()}
        done = {k: r for k, r in load_checkpoint(checkpoint).items() if k in keys.values()}
        tasks = {}
        copied = None
        if by_b:
            need = sorted({c for ps in by_b.values() for p in ps for c in p}, key=lambda c: index[c])
            fut = P.row_sample(client, ddf, need, min(max_sample_rows, n), seed, n, content)
            if content is not None:
                found = client.submit(copies_check, fut, need[:-1], need[-1], pure=False).result()
                copied = None if found is None else copies_flag(found, method, "pairs", "were estimated")
            distinct = copied is not None and method == "auto"
            for b, ps in by_b.items():
                sp = {c: specs[c] for p in ps for c in p}
                tasks[keys[b]] = (score_pairs, (fut, sp, index, ps, method, params, seed, n_subsamples, precision, n, pair_fn,
                                                distinct))
        from ..estimators._trust import CHECK_ROWS, SERIAL_COLS
        from ..tables.features import table_codes
        from ..tables.matrix import matrix_serial

        heads = live[:SERIAL_COLS]
        serial = None
        if heads:
            first = P.head(client, ddf, heads, min(CHECK_ROWS, n), n)
            serial = matrix_serial(table_codes([(c, first[c].to_numpy()) for c in heads], np.zeros(len(first)))[0], heads)
        got = run_tasks(client, tasks, checkpoint=checkpoint, progress=progress, done=done, desc="pairs")
        for res in got.values():
            for a, b, v, s, m_, rows, w in res["pairs"]:
                if rows < n:
                    w = list(w) + [flag("subsampled", f"estimated on a uniform random sample of {rows:,} of {n:,} rows; the "
                                        "interval is that of an estimate on those rows, so it includes the sampling",
                                        n_used=rows, n_rows=n)]
                _put(mi, se, used, meth, warns, index, (a, b, v, s, m_, rows, w))
    if serial is not None:  # rows serially dependent: every pair's error counts the rows they are worth
        from ..estimators._trust import serial_factor

        se = se * serial_factor(serial)
    table_flags: list[str] = [f for f in (copied, serial) if f is not None]
    ic = information_coefficient(np.nan_to_num(mi, nan=0.0))
    np.fill_diagonal(ic, 1.0)
    f = 1.0 if unit == "nats" else 1.0 / NATS_PER_BIT

    def frame(a: np.ndarray) -> Any:
        return pd.DataFrame(a, index=names, columns=names)

    out = MIMatrix(table_warnings=table_flags, mi=frame(mi * f), stderr=frame(se * f), ic=frame(ic), method=frame(meth),
                   kinds={c: specs[c].kind for c in names}, unit=unit,
                   warnings={pair: [as_flag(w).to_unit(unit) for w in ws] for pair, ws in warns.items()},
                   seconds=time.perf_counter() - t0)
    out.mi.attrs.update({"n_rows": int(n), "n_used": frame(used), "resumed": len(done), "precision": precision})
    return out


def _put(mi: np.ndarray, se: np.ndarray, used: np.ndarray, meth: np.ndarray, warns: dict, index: dict, item: tuple) -> None:
    a, b, v, s, m_, rows, w = item
    i, j = index[a], index[b]
    mi[i, j] = mi[j, i] = v
    se[i, j] = se[j, i] = s
    used[i, j] = used[j, i] = rows
    meth[i, j] = meth[j, i] = m_
    if w:
        warns[(a, b)] = list(w)
