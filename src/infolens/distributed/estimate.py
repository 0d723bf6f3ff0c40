""":func:`estimate_mi` for Dask inputs: I(X;Y) of two Dask arrays/DataFrames/Series (rows
paired by position, partitioned alike) on a ``dask.distributed`` cluster.

* ``gaussian`` on continuous columns: the joint correlation matrix of all rows from
  per-partition ``A^T A`` sums, then the closed form with its Wishart correction and
  delta-method error (:func:`infolens.estimators.gaussian.correlation_mi`).
* ``gaussian-copula`` on continuous columns: the same on normal scores from approximate
  quantiles; the sketch's effect is measured (q against q/2 knots), stated and added to the interval.
* ``binning`` with every column discrete: the joint contingency table of all rows.
* Anything else (``auto``, kNN, neural, ...): the estimator on a uniform random sample of
  rows whose size a pilot estimate chooses for ``precision`` (warning code ``subsampled``).

The closed forms take their checks (the non-Gaussian dependence warning, ties) from the
in-memory estimator run on a uniform sample of :data:`CHECK_ROWS` rows: a check needs the
rows that give it power, the value uses all rows.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from ..errors import InputError, flag
from ..result import MIResult, check_unit, generic_warnings
from ..stats import Z95
from ..validation import seed_from
from . import _passes as P
from ._closed import plugin_from_counts, rows_for_precision
from .frames import as_frame, cluster_client
from ._score import PILOT_ROWS, REFINE_ROUNDS, resize
from ._stats import coarsen, correlation_matrix
from ._typing import type_profile

#: rows of the uniform sample the closed forms' checks run on
CHECK_ROWS = 20_000
SKETCH_KNOTS = 1000
#: the checks' own codes kept from the sampled run (the generic ones are recomputed on the final numbers)
_GENERIC = {"non-finite", "interval-below-zero", "stderr-exceeds-estimate"}


def _joined(x: Any, y: Any) -> tuple[Any, list[str], list[str]]:
    xf = as_frame(x, "x", "x")
    yf = as_frame(y, "y", "y")
    xc = [f"x:{c}" for c in xf.columns]
    yc = [f"y:{c}" for c in yf.columns]
    xf = xf.rename(columns=dict(zip(xf.columns, xc)))
    yf = yf.rename(columns=dict(zip(yf.columns, yc)))
    try:
        if yf.npartitions != xf.npartitions and yf.npartitions == 1:
            yf = yf.repartition(npartitions=xf.npartitions)
        joined = xf.assign(**{c: yf[c] for c in yc})
    except (ValueError, NotImplementedError) as exc:
        raise InputError(f"x and y are not partitioned alike ({exc}); build them from one Dask DataFrame") from exc
    return joined, xc, yc


def _sample_estimate(sample: Any, xc: list[str], yc: list[str], method: str, seed: Any, precision: float | None,
                     n_rows: int, params: dict[str, Any]) -> MIResult:
    """On a worker: a pilot on the first :data:`PILOT_ROWS` sampled rows sizes the sample for
    ``precision``; the estimate runs on that many rows (all sampled rows without a precision)."""
    from ..api import estimate_mi

    xs, ys = sample[xc].to_numpy(), sample[yc].to_numpy()
    xs = xs[:, 0] if xs.shape[1] == 1 else xs
    ys = ys[:, 0] if ys.shape[1] == 1 else ys
    avail = len(sample)
    m = avail
    if precision is not None and PILOT_ROWS < avail:
        pilot = estimate_mi(xs[:PILOT_ROWS], ys[:PILOT_ROWS], method, random_state=seed, warn=False, **params)
        m = rows_for_precision(pilot.stderr, PILOT_ROWS, precision, avail)
    res = estimate_mi(xs[:m], ys[:m], method, random_state=seed, warn=False, **params)
    for _ in range(REFINE_ROUNDS):  # re-size from the estimate's own error when the pilot was optimistic
        m2 = resize(res.stderr, m, precision, avail)
        if m2 is None:
            break
        m = m2
        res = estimate_mi(xs[:m], ys[:m], method, random_state=seed, warn=False, **params)
    if m < n_rows:
        res.warnings.append(flag(
            "subsampled",
            f"estimated on a uniform random sample of {m:,} of {n_rows:,} rows"
            + (f" (sized for a standard error of {precision:g} nats)" if precision is not None else "")
            + f"; the interval is that of an estimate on {m:,} rows drawn at random, so it includes the sampling",
            n_used=m, n_rows=n_rows, precision=math.nan if precision is None else precision,
        ))
    res.diagnostics.update({"n_rows": n_rows, "n_used": m, "route": "sample"})
    return res


def _serial(client: Any, ddf: Any, xc: list[str], yc: list[str], n: int, res: MIResult) -> MIResult:
    """The in-memory rule on serially correlated rows (:func:`~infolens.estimators._trust.serial_flags`
    on the first rows in the order given, as in memory) and its widened interval
    (:func:`~infolens.estimators._trust.widen_for_rows`): a row sample is in random order, so the
    estimate itself cannot see the order."""
    from ..estimators._trust import CHECK_ROWS, serial_flags, widen_for_rows

    if any(getattr(w, "code", "") == "serial-dependence" for w in res.warnings):
        return res
    head = P.head(client, ddf, xc + yc, min(CHECK_ROWS, n), n)
    found = serial_flags(head[xc].to_numpy(), head[yc].to_numpy())
    if not found:
        return res
    res.warnings = [*res.warnings, *found]
    return widen_for_rows(res)


def _check_warnings(sample: Any, xc: list[str], yc: list[str], method: str, seed: Any) -> list:
    """The in-memory estimator's own warnings on the sampled rows (its checks)."""
    from ..api import estimate_mi

    xs, ys = sample[xc].to_numpy(), sample[yc].to_numpy()
    res = estimate_mi(xs, ys, method, random_state=seed, warn=False)
    return [w for w in res.flags if w.code not in _GENERIC]


def estimate_mi(x: Any, y: Any, method: str = "auto", unit: str = "nats", random_state: Any = None, *,
                warn: bool = True, scheduler: Any = None, precision: float | None = 0.005,
                max_sample_rows: int = 200_000, **params: Any) -> MIResult:
    """I(X;Y) of Dask inputs on a cluster (see the module docstring for what runs on which rows).
    ``diagnostics["route"]`` ("moments", "copula", "counts", "sample"), ``["n_rows"]`` (rows of
    the data) and ``["n_used"]`` (rows the value used) say how it was made."""
    from ..registry import estimator_class

    check_unit(unit)
    method = estimator_class(method).name
    if precision is not None and not (isinstance(precision, (int, float)) and precision > 0):
        raise InputError(f"precision must be a positive standard error in nats (or None: every sampled row), got {precision!r}")
    t0 = time.perf_counter()
    ddf, xc, yc = _joined(x, y)
    seed = seed_from(random_state)
    with cluster_client(scheduler) as client:
        prof = P.profile(client, ddf, xc + yc)
        n = prof[xc[0]].n
        specs = {c: type_profile(c, prof[c], None, c) for c in xc + yc}
        live = [c for c in xc + yc if specs[c].kind != "constant"]
        cont = all(specs[c].kind == "continuous" for c in live)
        disc = all(specs[c].kind == "discrete" for c in live)
        lx, ly = [c for c in xc if c in live], [c for c in yc if c in live]
        if not lx or not ly:
            raise InputError("x or y is constant (every row equal); a constant variable carries no information")
        if method in ("gaussian", "gaussian-copula") and cont and not params:
            res = _closed_form(client, ddf, lx, ly, method, n, seed)
        elif method == "binning" and disc and not params:
            table = P.joint_counts(client, ddf, {c: list(specs[c].levels or ()) for c in lx},
                                   {c: list(specs[c].levels or ()) for c in ly})
            mi, se, diag, warns = plugin_from_counts(table)
            diag.update({"route": "counts", "n_rows": n, "n_used": diag["rows"]})
            res = MIResult(mi, "nats", se, n_samples=diag["rows"], method="binning", diagnostics=diag, warnings=list(warns))
        else:
            # (drawn by row content: every copy of a record it holds comes with it, so the
            # in-memory copies check sees the table's share and auto scores the distinct rows)
            fut = P.row_sample(client, ddf, xc + yc, min(max_sample_rows, n), seed, n, xc + yc)
            res = client.submit(_sample_estimate, fut, xc, yc, method, seed, precision, n, params, pure=False).result()
        res = _serial(client, ddf, xc, yc, n, res)
    res.seconds = time.perf_counter() - t0
    res = res.to_unit(unit)
    if warn:
        res.emit_warnings()
    return res


def _closed_form(client: Any, ddf: Any, lx: list[str], ly: list[str], method: str, n: int, seed: int) -> MIResult:
    from ..estimators.gaussian import correlation_mi

    cols = lx + ly
    check = client.submit(_check_warnings, P.row_sample(client, ddf, cols, min(CHECK_ROWS, n), seed + 1, n, cols), lx, ly,
                          method, seed, pure=False)
    warns: list = []
    diag: dict[str, Any] = {"route": "moments" if method == "gaussian" else "copula", "n_rows": n, "check_rows": min(CHECK_ROWS, n)}
    if method == "gaussian":
        g = P.gram(client, ddf, cols, None, n)[0]
        c, m = correlation_matrix(g)
        err = 0.0
    else:
        sk = P.sketches(client, ddf, cols, SKETCH_KNOTS)
        gs = P.gram(client, ddf, cols, [sk, coarsen(sk)], n)
        c, m = correlation_matrix(gs[0])
        c_half, _ = correlation_matrix(gs[1])
        err = abs(correlation_mi(c, len(lx), m)[0] - correlation_mi(c_half, len(lx), m)[0])
        eps = max(s.rank_error() for s in sk.values())
        warns.append(flag("approximate-ranks",
                          f"normal scores from approximate quantiles ({SKETCH_KNOTS} knots per partition, rank error <= {eps:.2g}); "
                          f"their effect on the estimate, measured against half the knots, is {err:.2g} nats and is added to the "
                          "interval", rank_error=eps, quantile_error_nats=err))
        diag.update({"rank_error": eps, "quantile_error": err})
    if not np.all(np.isfinite(c)) or np.linalg.eigvalsh(c).min() <= 1e-10 * len(cols):
        raise InputError("x and y have linearly dependent columns (a singular correlation matrix); drop the duplicates")
    mi, var, rho, plug = correlation_mi(c, len(lx), m)
    se = math.sqrt(var)
    diag.update({"canonical_correlations": rho.tolist(), "plug_in": plug, "n_used": m})
    warns = check.result() + warns
    ci = (mi - Z95 * se - err, mi + Z95 * se + err)
    warns += generic_warnings(mi, se, ci)
    return MIResult(mi, "nats", se, ci, n_samples=m, method=method, diagnostics=diag, warnings=warns)
