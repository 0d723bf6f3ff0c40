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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ._auto_rules import ILL_POSED_MARGIN

#: eigenvalues of a side's correlation matrix below this fraction of the largest are
#: dropped when whitening (exact within-side redundancy: rounding gives ~1e-16)
_DROP_RTOL = 1e-10
#: the check is skipped above this many columns per side (its cost is n d^2)
MAX_COLS = 1024


@dataclass(frozen=True)
class Deterministic:
    """A canonical pair beyond the sample's resolution."""

    #: "data" or "normal scores" (a canonical pair), or "copula bound" (:func:`beyond_ceiling`)
    scale: str
    rho: float
    #: -1/2 log(1 - rho^2) of that pair (inf for rho = 1), or the copula bound, nats
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
            return f"x column {self.x_columns[0]} and y column {self.y_columns[0]}"
        return f"x columns {list(self.x_columns)} and y columns {list(self.y_columns)}"

    def how(self, fmt: Callable[[float], str] = lambda v: f"{v:.3g} nats") -> str:
        """How the dependence was found beyond the ceiling, in words (``fmt`` writes a value
        given in nats)."""
        if self.scale == "copula bound":
            return (f"the Gaussian copula, a lower bound for the data's rank correlations, already reads "
                    f"{fmt(self.pair_mi)}, above log n, while the dependence is not Gaussian (no model can be "
                    "checked there: a kNN check cannot read above log n)")
        what = "exactly" if self.rho >= 1.0 else f"with canonical correlation 1 - {1 - self.rho:.1e}"
        return f"they are related {what} (on the {self.scale})"


def beyond_ceiling(copula_mi: float, n: int) -> Deterministic | None:
    """A non-Gaussian dependence whose Gaussian-copula lower bound already exceeds ``log n``:
    no nonparametric estimate from n rows reaches it, and no copula model can be checked there
    (KSG, the checking estimator, saturates near ``log n``) - the signature of a deterministic
    nonlinear map (a network's layer against its input)."""
    ceiling = math.log(n)
    if math.isfinite(copula_mi) and copula_mi > ceiling:
        return Deterministic("copula bound", math.nan, float(copula_mi), ceiling, (), ())
    return None


def _whiten(a: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(a @ w, w)`` with ``a @ w`` of unit covariance (redundant directions dropped)."""
    a = a - a.mean(axis=0)
    sd = a.std(axis=0)
    keep = sd > 0
    if not keep.any():
        return None
    a = a[:, keep] / sd[keep]
    c = a.T @ a / len(a)
    ev, vec = np.linalg.eigh(c)
    use = ev > _DROP_RTOL * ev[-1]
    w_full = np.zeros((len(sd), int(use.sum())))
    w_full[keep] = vec[:, use] / np.sqrt(ev[use]) / sd[keep][:, None]
    return a @ (vec[:, use] / np.sqrt(ev[use])), w_full


def _top_pair(a: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray] | None:
    wa, wb = _whiten(a), _whiten(b)
    if wa is None or wb is None:
        return None
    (za, fa), (zb, fb) = wa, wb
    u, s, vt = np.linalg.svd(za.T @ zb / len(a), full_matrices=False)
    if s.size == 0:
        return None
    return float(min(s[0], 1.0)), fa @ u[:, 0], fb @ vt[0]


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
