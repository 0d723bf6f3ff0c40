"""Tie handling and standardisation for the kNN estimators.

kNN estimators assume no two samples share a coordinate; integer-valued or rounded
data break that, and the usual fix (Kraskov et al. add noise of amplitude 1e-10) makes
the answer depend on the noise, so it drifts with N and with rescaling.

Default here, ``ties="dequantize"``: in every column that has repeated values, add
uniform noise ``U(-delta/2, delta/2)`` where ``delta`` is the smallest gap between two
distinct values of that column. The intervals around distinct values do not overlap, so
the original value is a function of the noisy one and
``I(X + U; Y + V) = I(X; Y)`` exactly (U, V independent of everything): the estimator
then sees a continuous variable with the same MI. The noise scales with the column, so
rescaling a column rescales the noise (with the same seed, the same draws).

``ties="jitter"``: Gaussian noise of standard deviation 1e-10 times the column's scale
(Kraskov et al. 2004; NPEET, scikit-learn). ``ties="none"``: data used as given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..validation import block_scale, flat_quartiles, knn_center_scale

TIES = ("dequantize", "jitter", "none")


def tied_columns(a: np.ndarray) -> list[int]:
    """Columns that contain at least one repeated value."""
    out = []
    for j in range(a.shape[1]):
        col = np.sort(a[:, j])
        if np.any(col[1:] == col[:-1]):
            out.append(j)
    return out


def break_ties(a: np.ndarray, ties: str, rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
    """Return ``a`` (a copy when changed) with ties broken as described in the module doc,
    and the list of columns that were changed."""
    if ties not in TIES:
        raise ValueError(f"ties must be one of {', '.join(map(repr, TIES))}; got {ties!r}")
    if ties == "none":
        return a, []
    cols = tied_columns(a)
    if not cols:
        return a, []
    a = np.array(a, dtype=np.float64, copy=True)
    for j in cols:
        u = np.unique(a[:, j])
        if ties == "dequantize":
            delta = float(np.min(np.diff(u))) if u.size > 1 else 1.0
            a[:, j] += rng.uniform(-0.5, 0.5, size=len(a)) * delta
        else:
            scale = float(np.std(a[:, j])) or 1.0
            a[:, j] += rng.normal(0.0, 1e-10 * scale, size=len(a))
    return a, cols


def prepare(
    a: np.ndarray, name: str, ties: str, standardize: bool, rng: np.random.Generator
) -> tuple[np.ndarray, dict[str, Any]]:
    """Break ties, then (optionally) centre and scale every column
    (:func:`~infolens.validation.knn_center_scale`: mean and standard deviation, or median
    and interquartile range where a few extreme values set the standard deviation, so that
    they do not squeeze the rest of a column out of a joint kNN search; never the range of
    the tie-breaking noise, where one value filled the quartiles). Returns the array and a
    diagnostics dict."""
    raw = np.asarray(a, dtype=np.float64)
    a, cols = break_ties(raw, ties, rng)
    if standardize:
        flat = None
        if cols:  # (quartiles that one block of equal values fills: the scale is not the noise's)
            flat, q1 = flat_quartiles(raw)
        centre, scale = knn_center_scale(a, axis=0, flat_quartiles=flat)  # constancy decided exactly
        if flat is not None:
            for j in np.flatnonzero(flat.reshape(-1)):
                # (the block's other values hold the spread: a few extreme ones among them)
                robust = block_scale(raw[:, j], float(q1.reshape(-1)[j]), float(scale.reshape(-1)[j]))
                if robust is not None:
                    scale[..., j] = robust
        a = (a - centre) / scale
    return np.ascontiguousarray(a), {f"{name}_tied_columns": cols}
