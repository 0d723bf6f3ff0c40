"""Questions with no finite answer at this n: a (near-)deterministic map between continuous
variables.

The MI of ``Y = f(X)`` with continuous ``Y`` is infinite, and so is that of identical or
linearly dependent columns; an estimator still returns a finite number (the kNN ones at most
about ``log n``, the Gaussian formulas anything up to rounding), which looks like a
measurement and is not one. The check here is fast (one covariance per side): the canonical
correlations of the data and of their normal scores, each side whitened on its own (so
redundant columns *within* a side are harmless). A canonical pair with
``-1/2 log(1 - rho^2) > log n`` carries more information than n rows can resolve: its noise
is below the sample's resolution (``y = x + s e`` with ``s < 1/n``), so the data cannot tell
it from an exact map. It catches identical columns, monotone maps of a column (through the
normal scores) and linear maps of several (through the data), and representations whose
units are linear in the input where they are active.

A nonlinear map of a one-column side (``y = sin 3x``, ``y = (cos x, sin x)``, or ``x = g(y)``
with one y column) has no canonical pair near 1; :func:`smooth_map` reads it with the same
line. Sorted by that column, each row's value on the other side is predicted by linear
interpolation between its two neighbours: a smooth map leaves a residual of order f''
spacing^2 (~1/n^2 of the scale), noise of sd ``s`` a residual of sd ``s``. The median residual
gives the noise the data show; ``s / scale < 1/n`` is the pair rule's line (``-1/2 log(1 -
rho^2) > log n`` for ``y = x + s e`` is ``s < 1/n``). Columns with many tied values (a
discrete or zero-inflated part) are left out: a tie leaves no residual without being a map.

Beyond one column on both sides a smooth map is not told from a map plus noise by a fixed
line (the residual of a local fit shrinks only like n^(-2/d)). There :func:`beyond_ceiling`
reads the estimate itself: a non-Gaussian dependence read above log n, by the Gaussian copula
before any candidate runs or by the answer auto would give after them, is beyond what n rows
resolve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..result import column_label, columns_phrase
from ._auto_rules import ILL_POSED_MARGIN
from .cca import canonical

#: the check is skipped above this many columns per side (its cost is n d^2)
MAX_COLS = 1024


@dataclass(frozen=True)
class Deterministic:
    """A canonical pair beyond the sample's resolution."""

    #: "data" or "normal scores" (a canonical pair), "smooth map" (:func:`smooth_map`), or
    #: "copula bound" / an estimator's name (:func:`beyond_ceiling`)
    scale: str
    rho: float
    #: -1/2 log(1 - rho^2) of that pair (inf for rho = 1), -log(noise / scale) of a smooth
    #: map, or the value read beyond the ceiling, nats
    pair_mi: float
    #: log n, the most information n rows can show about one continuous pair, nats
    ceiling: float
    #: the x and y columns that carry the pair (largest loadings)
    x_columns: tuple[int, ...]
    y_columns: tuple[int, ...]

    def where(self) -> str:
        if not self.x_columns and not self.y_columns:
            return "x and y"
        if len(self.x_columns) == 1 and len(self.y_columns) == 1:
            return f"x column {column_label('x', self.x_columns[0])} and y column {column_label('y', self.y_columns[0])}"
        return columns_phrase(self.x_columns, self.y_columns)

    def how(self, fmt: Callable[[float], str] = lambda v: f"{v:.3g} nats") -> str:
        """How the dependence was found beyond the ceiling, in words (``fmt`` writes a value
        given in nats)."""
        if self.scale == "copula bound":
            return (f"the Gaussian copula, a lower bound for the data's rank correlations, already reads "
                    f"{fmt(self.pair_mi)}, above log n, while the dependence is not Gaussian (no model can be "
                    "checked there: a kNN check cannot read above log n)")
        if self.scale == "smooth map":
            return (f"one is a smooth function of the other: interpolating between neighbours along the one-column "
                    f"side leaves a residual of {math.exp(-self.pair_mi):.1e} of the other side's scale, below "
                    "the 1/n that n rows resolve")
        if self.scale not in ("data", "normal scores"):
            return (f"the dependence is not Gaussian and {self.scale}, the estimate auto would return, reads "
                    f"{fmt(self.pair_mi)}, above log n: no estimate from these rows can be checked there "
                    "(a kNN check cannot read above log n), the signature of a deterministic nonlinear map")
        what = "exactly" if self.rho >= 1.0 else f"with canonical correlation 1 - {1 - self.rho:.1e}"
        return f"they are related {what} (on the {self.scale})"


def beyond_ceiling(value: float, n: int, source: str = "copula bound") -> Deterministic | None:
    """A non-Gaussian dependence read above ``log n`` (by the Gaussian copula's lower bound,
    ``source="copula bound"``, or by the estimator ``source`` that auto would return): no
    nonparametric estimate from n rows reaches it, and no model can be checked there (KSG, the
    checking estimator, saturates near ``log n``) - the signature of a deterministic nonlinear
    map (a network's layer against its input)."""
    ceiling = math.log(n)
    if math.isfinite(value) and value > ceiling - ILL_POSED_MARGIN:
        return Deterministic(source, math.nan, float(value), ceiling, (), ())
    return None


def canonical_directions(a: np.ndarray, b: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The top ``k`` canonical directions of ``a`` and of ``b`` (columns, in the columns' own
    coordinates) and their canonical correlations (:func:`.cca.canonical`); None when a side
    is constant."""
    found = canonical(a, b, k)
    return None if found is None else found[:3]


def _top_pair(a: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray] | None:
    found = canonical_directions(a, b, 1)
    if found is None or found[2].size == 0:
        return None
    la, lb, s = found
    return float(min(s[0], 1.0)), la[:, 0], lb[:, 0]


def _columns(loading: np.ndarray) -> tuple[int, ...]:
    v = np.abs(loading)
    return tuple(int(i) for i in np.flatnonzero(v >= 0.3 * v.max())[:8])


def deterministic_dependence(x: np.ndarray, y: np.ndarray, zx: np.ndarray, zy: np.ndarray) -> Deterministic | None:
    """The first canonical pair (of the data, then of the normal scores ``zx``, ``zy``) whose MI
    exceeds ``log n - ILL_POSED_MARGIN``; None when there is none (or the sides are too wide
    to check)."""
    n = len(x)
    if x.shape[1] > MAX_COLS or y.shape[1] > MAX_COLS or n < 10:
        return None
    ceiling = math.log(n)
    for scale, a, b in (("data", x, y), ("normal scores", zx, zy)):
        with np.errstate(all="ignore"):
            top = _top_pair(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
        if top is None:
            continue
        rho, la, lb = top
        pair = math.inf if rho >= 1.0 else -0.5 * math.log1p(-rho * rho)
        if pair > ceiling - ILL_POSED_MARGIN:
            return Deterministic(scale, rho, pair, ceiling, _columns(la), _columns(lb))
    return None


#: a column whose values are tied in more than this share of rows is left out of
#: :func:`smooth_map` (ties leave no residual without a map), and the test needs this share
#: of the neighbour triples to have three distinct positions along the one-column side
TIED_SHARE = 0.5
#: rows below which :func:`smooth_map` does not run (the median residual of fewer triples is
#: too coarse to put on a 1/n line)
SMOOTH_MAP_MIN_N = 50


def _map_residual(t: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Per column of ``b``: the noise sd the data show along the single column ``t``, over the
    column's robust scale (inf for a column left out); None when ``t`` has too many ties."""
    order = np.argsort(t, kind="stable")
    ts, bs = t[order], b[order]
    lo, mid, hi = ts[:-2], ts[1:-1], ts[2:]
    ok = (mid > lo) & (hi > mid)
    if ok.mean() < TIED_SHARE:
        return None
    w = ((mid - lo) / np.where(ok, hi - lo, 1.0))[ok]
    # the interpolation's residual of independent noise of sd s has sd s sqrt(1 + w^2 + (1-w)^2)
    norm = np.sqrt(1.0 + w * w + (1.0 - w) ** 2)
    out = np.full(b.shape[1], math.inf)
    for j in range(b.shape[1]):
        col = bs[:, j]
        _, inverse, counts = np.unique(col, return_inverse=True, return_counts=True)
        if (counts[inverse] > 1).mean() > TIED_SHARE:
            continue
        q1, q3 = np.percentile(col, [25, 75])
        scale = (q3 - q1) / 1.349
        if not scale > 0:
            continue
        pred = col[:-2][ok] + (col[2:] - col[:-2])[ok] * w
        e = np.abs(col[1:-1][ok] - pred) / norm
        # three equal values are a flat (discrete) stretch, not a residual of the map
        flat = ((col[:-2] == col[1:-1]) & (col[1:-1] == col[2:]))[ok]
        if (~flat).sum() < SMOOTH_MAP_MIN_N:
            continue
        out[j] = float(np.median(e[~flat])) / 0.6745 / scale
    return out


def smooth_map(x: np.ndarray, y: np.ndarray) -> Deterministic | None:
    """One side a smooth function of a one-column other side, with noise below ``1/n`` of its
    scale (module docstring); None when neither side has one column, or none is found."""
    n = len(x)
    if n < SMOOTH_MAP_MIN_N:
        return None
    ceiling = math.log(n)
    for t, b, t_is_x in ((x, y, True), (y, x, False)):
        if t.shape[1] != 1 or b.shape[1] > MAX_COLS:
            continue
        with np.errstate(all="ignore"):
            r = _map_residual(np.asarray(t[:, 0], dtype=float), np.asarray(b, dtype=float))
        if r is None:
            continue
        j = int(np.argmin(r))
        if r[j] > 0 and math.isfinite(r[j]):
            value = -math.log(r[j])
        elif r[j] == 0:
            value = math.inf
        else:
            continue
        if value > ceiling - ILL_POSED_MARGIN:
            cols = ((0,), (j,)) if t_is_x else ((j,), (0,))
            return Deterministic("smooth map", math.nan, value, ceiling, *cols)
    return None
