"""The one verb: :func:`estimate_mi`."""

from __future__ import annotations

import inspect
from typing import Any

from .registry import estimator_class, get_estimator
from .result import MIResult, check_unit
from .validation import check_paired_index


def estimate_mi(
    x: Any,
    y: Any,
    method: str = "ksg",
    unit: str = "nats",
    random_state: Any = None,
    **params: Any,
) -> MIResult:
    """Estimate the mutual information I(X;Y) from paired samples.

    Parameters
    ----------
    x, y : array-like, ``(n,)``, ``(n, d)`` or ``(n, ...)``; lists, NumPy, pandas or torch.
        Samples are paired by position; two pandas objects with different indices are
        refused (align them first, e.g. ``y.reindex(x.index)``).
    method : a registered estimator name (``infolens.list_estimators()``).
    unit : ``"nats"`` or ``"bits"``.
    random_state : seed for the estimator's randomness (jitter, splits, projections, training).
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
    return est.estimate(x, y).to_unit(unit)
