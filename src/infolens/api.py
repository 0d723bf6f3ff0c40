"""The one verb: :func:`estimate_mi`."""

from __future__ import annotations

import inspect
from typing import Any


from .convert import numeric_side
from .errors import InputError
from .estimators._trust import label_flags, missing_code_flags, near_copy_flags, repeated_rows, serial_flags, widen_for_rows
from .registry import estimator_class, get_estimator
from .result import MIResult, check_unit
from .torch_utils import SMALL_MODEL_THREADS
from .torch_utils import threads as torch_threads
from .validation import check_paired_index, seed_from


def estimate_mi(
    x: Any,
    y: Any,
    method: str = "auto",
    unit: str = "nats",
    random_state: Any = None,
    threads: int | None = None,
    warn: bool = True,
    groups: Any = None,
    **params: Any,
) -> MIResult:
    """Estimate the mutual information I(X;Y) from paired samples.

    Parameters
    ----------
    x, y : array-like, ``(n,)``, ``(n, d)`` or ``(n, ...)``; lists, NumPy, pandas or torch.
        Samples are paired by position; two pandas objects with different indices are
        refused (align them first, e.g. ``y.reindex(x.index)``).
    method : a registered estimator name (``infolens.list_estimators()``); the default
        ``"auto"`` chooses from the data, cross-checks and grades its own trust
        (``r.diagnostics["choice"]``, ``["trust"]``, ``["candidates"]``; docs/estimators.md).
    unit : ``"nats"`` or ``"bits"``.
    random_state : seed for the estimator's randomness (jitter, splits, projections, training).
    threads : torch CPU threads while the estimate runs, restored afterwards. ``None``: one
        thread for neural estimators (their critics are small: more threads gain little on an
        idle machine and cost many times over on a busy one; see :mod:`infolens.torch_utils`),
        torch's own setting for the others.
    warn : issue the result's warnings through Python's :mod:`warnings` as
        :class:`~infolens.errors.InfolensWarning` subclasses with their codes (default). The
        result keeps them in ``r.warnings`` either way; library code that reports them itself
        (the studies, the CLI) passes ``False``.
    groups : one key per row (array or Series) for rows that belong together - repeated
        measurements of one subject, several images of one person. Such rows are not
        independent draws: kNN estimators read a row's own group as dependence, and every
        interval counts rows instead of groups. With ``groups`` the estimate is made on one
        row per group, drawn at random and averaged over a few draws, with an interval that
        counts groups (:mod:`infolens.grouped`; ``r.diagnostics["groups"]``).
    **params : the estimator's parameters (e.g. ``k=5`` for KSG).

    Returns
    -------
    MIResult with ``mi``, ``stderr``, ``ci``, ``seconds`` and ``diagnostics``.

    Examples
    --------
    >>> import numpy as np, infolens
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=2000); y = x + rng.normal(size=2000)
    >>> r = infolens.estimate_mi(x, y, method="ksg", k=5)   # truth 0.5 ln 2 = 0.347 nats
    """
    from .distributed.frames import any_dask

    if any_dask(x, y):  # Dask inputs: the cluster path (docs/scale.md); scheduler=, precision= in params
        from .distributed.estimate import estimate_mi as cluster_estimate_mi

        if groups is not None:
            raise InputError("groups= runs on one machine: compute the Dask arrays (or a sample of their groups) first")

        return cluster_estimate_mi(x, y, method, unit, random_state, warn=warn, **params)
    check_unit(unit)
    check_paired_index(x, y)
    if groups is not None:  # rows that belong together: one row per group, drawn and averaged
        from . import grouped as gr

        codes = gr.group_codes(groups, gr.n_rows(x))
        base = seed_from(random_state)
        res = gr.grouped_estimate(
            lambda rows, d: estimate_mi(gr.take_rows(x, rows), gr.take_rows(y, rows), method, unit, base + d, threads,
                                        False, **params), codes, base, unit)
        if warn:
            res.emit_warnings()
        return res
    x, x_read = numeric_side(x, "x")  # dates, durations, numbers written as text (infolens.convert)
    y, y_read = numeric_side(y, "y")
    cls = estimator_class(method)
    sig = inspect.signature(cls.__init__).parameters
    if "random_state" in sig:
        params = {**params, "random_state": random_state}
    if "unit" in sig and "unit" not in params:  # the estimator's sentences quote numbers in it (auto)
        params = {**params, "unit": unit}
    est = get_estimator(method, **params)
    if threads is None and cls.small_torch_model:
        threads = SMALL_MODEL_THREADS
    with torch_threads(threads):
        res = est.estimate(x, y)
    if not takes_labels(cls):
        res.warnings = res.warnings + [w for w in label_flags(x, y, cls.name) if w not in res.warnings]
    if not getattr(cls, "checks_rows", False):  # (auto grades on them and says them itself)
        res.warnings = [*res.warnings, *serial_flags(x, y), *repeated_rows(x, y), *near_copy_flags(x, y)]
    res.warnings = [*x_read, *y_read, *res.warnings, *missing_code_flags(x=x, y=y)]
    res = widen_for_rows(res)  # rows serially dependent: the interval counts the rows they are worth
    res = res.to_unit(unit)
    if warn:
        res.emit_warnings()
    return res


def takes_labels(cls: type) -> bool:
    """Whether an estimator class is made for a discrete side: it says so (``takes_labels``),
    has a ``discrete_x``/``discrete_y`` parameter, or is tested with labels (``_test_y``)."""
    if getattr(cls, "takes_labels", False) or getattr(cls, "_test_y", None) == "discrete":
        return True
    params = inspect.signature(cls).parameters
    return "discrete_x" in params or "discrete_y" in params
