"""The one verb: :func:`estimate_mi`."""

from __future__ import annotations

import inspect
from typing import Any

from .registry import estimator_class, get_estimator
from .result import MIResult, check_unit
from .torch_utils import SMALL_MODEL_THREADS
from .torch_utils import threads as torch_threads
from .validation import check_paired_index


def estimate_mi(
    x: Any,
    y: Any,
    method: str = "auto",
    unit: str = "nats",
    random_state: Any = None,
    threads: int | None = None,
    warn: bool = True,
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
    check_unit(unit)
    check_paired_index(x, y)
    cls = estimator_class(method)
    if "random_state" in inspect.signature(cls.__init__).parameters:
        params = {**params, "random_state": random_state}
    est = get_estimator(method, **params)
    if threads is None and _is_neural(cls):
        threads = SMALL_MODEL_THREADS
    with torch_threads(threads):
        res = est.estimate(x, y)
    res = res.to_unit(unit)
    if warn:
        res.emit_warnings()
    return res


def _is_neural(cls: type) -> bool:
    if getattr(cls, "small_torch_model", False):  # e.g. the diffusion estimators
        return True
    try:
        from .estimators.neural.base import NeuralEstimator
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return issubclass(cls, NeuralEstimator)
