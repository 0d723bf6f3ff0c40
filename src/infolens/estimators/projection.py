"""``method="projection"``: a lower bound on I(X; Y) from KSG on a few learned directions.

For any fixed maps ``P``, ``Q``: I(X; Y) >= I(P X; Q Y) (data processing). In many
dimensions KSG cannot read I(X; Y) itself, but it reads I(P X; Q Y) well when ``P X`` and
``Q Y`` have a few columns. The estimator learns the directions on one half of the rows and
reads KSG on the other half, so the value stays a lower bound (up to KSG's own error, which
in a few dimensions is small and downward) whatever the data.

The directions, on each continuous column's normal scores:

* **linear**: the top canonical directions of the two sides (where a Gaussian copula's
  dependence lives);
* **quadratic**: for each column ``v`` of the other side's reduced form, the direction ``u``
  with the largest ``|E[v (u.x)^2 - v]|``, the top eigenvector (in absolute value) of the
  co-skewness matrix ``E[v x x^T]``. Under any Gaussian copula every third moment of normal
  scores vanishes, so this matrix is noise there; a dependence through an even function of a
  projection (``y = (w.x)^2 + e``: no correlation with any direction, invisible to the
  Gaussian copula, to KSG on a few columns and to a neural critic on 100 columns at
  n = 5000) puts its direction on top.

A side with at most :data:`KEEP_DIM` columns is kept whole. The value is KSG's on the held-out
half; its standard error is KSG's there. Bias tag: ``lower-bound``. ``method="auto"`` runs it
beyond 10 joint dimensions as a challenger of a copula model (a lower bound significantly
above the model rejects it) and as a low reader.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..errors import InputError
from ..registry import get_estimator, register
from ..result import Estimator
from ..validation import check_random_state, check_xy
from ._copula_check import noise_edge
from ._ill_posed import canonical_directions
from ._trust import normal_scores

#: a side with at most this many columns is kept whole (no directions learned for it)
KEEP_DIM = 3
#: canonical directions per reduced side
LINEAR_DIRECTIONS = 2
#: power iterations for the co-skewness eigenvector (converges in tens for a gap; the value
#: stays a lower bound for any direction, so an unconverged one only reads lower)
POWER_ITERATIONS = 60
#: permutations of the other side's column giving the null of a co-skewness eigenvalue
NULL_PERMUTATIONS = 4
#: alternations of :func:`coskew_pair` (the pair settles in a few on one dominant direction)
ALTERNATIONS = 4


def coskew_direction(a: np.ndarray, v: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """The eigenvector of largest absolute eigenvalue of ``E[v a a^T]`` (``a`` standardised,
    ``v`` one standardised column), by power iteration without forming the matrix, and that
    eigenvalue."""
    n, d = a.shape
    u: np.ndarray = np.asarray(rng.standard_normal(d), dtype=float)
    u = u / float(np.linalg.norm(u))
    for _ in range(POWER_ITERATIONS):
        nxt = a.T @ (v * (a @ u)) / n
        norm = float(np.linalg.norm(nxt))
        if not norm > 0:
            break
        u = nxt / norm
    au = a @ u
    return u, float(np.mean(v * au * au))


def _standardise(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a`` centred and scaled per column, and the scales (1 for a constant column)."""
    sd = a.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return (a - a.mean(axis=0)) / sd, sd


def coskew_pair(a: np.ndarray, b: np.ndarray, w: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    """``(u, w, lam)``: a direction ``u`` of ``a`` and ``w`` of ``b`` (both standardised) with a
    large ``|E[(w.b) (u.a)^2]|``, by alternating from ``w``: ``u`` the co-skewness eigenvector of
    ``E[(w.b) a a^T]`` (:func:`coskew_direction`), then ``w`` along ``E[b ((u.a)^2 - 1)]``
    (the best linear partner of ``(u.a)^2``). Starting from the other side's reduced form alone,
    a dependence on one column of a wide side (y_1 = x_1^2 + e among 20+20 columns) is seen
    only through that column's small share of the reduced form; the alternation finds the
    column itself."""
    n = len(a)
    w = w / max(float(np.linalg.norm(w)), 1e-300)
    u, lam = coskew_direction(a, b @ w, rng)
    for _ in range(ALTERNATIONS):
        au = a @ u
        nxt = b.T @ (au * au - 1.0) / n
        norm = float(np.linalg.norm(nxt))
        if not norm > 0:
            break
        w = nxt / norm
        u, lam = coskew_direction(a, b @ w, rng)
    return u, w, lam


def _quadratic(zq: np.ndarray, zl: np.ndarray, starts: np.ndarray,
               rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Directions of a dependence that is even in a projection of ``zq`` and linear in one of
    ``zl``: from each start (a column of ``starts``, a direction of ``zl``), the pair of
    :func:`coskew_pair`, kept when its co-skewness lies beyond every one of
    :data:`NULL_PERMUTATIONS` row permutations of ``zl`` run the same way (a noise direction
    kept costs the bound some power, never its validity). ``(directions of zq, of zl)``."""
    (a, sdq), (b, sdl) = _standardise(zq), _standardise(zl)
    if starts.shape[1] < b.shape[1]:
        # one more start: the direction of zl most linear in the squares of zq's columns, the
        # top left singular vector of E[b (a * a - 1)^T] (a start from the reduced form alone
        # missed y_1 = x_1^2 + e among 20+20 columns on one seed in five)
        m = b.T @ (a * a - 1.0) / len(a)
        starts = np.column_stack([starts, np.linalg.svd(m, full_matrices=False)[0][:, 0]])
    quad: list[np.ndarray] = []
    lin: list[np.ndarray] = []
    for j in range(starts.shape[1]):
        u, w, lam = coskew_pair(a, b, starts[:, j], rng)
        null = max(abs(coskew_pair(a, b[rng.permutation(len(b))], starts[:, j], rng)[2])
                   for _ in range(NULL_PERMUTATIONS))
        if abs(lam) > null:
            quad.append(u / sdq)
            lin.append(w / sdl)
    return quad, lin


#: a direction whose part outside the span of the ones before it is below this share of its
#: length repeats them (two starts of the co-skewness search that found the same pair) and is
#: left out: orthogonalised, its remainder would be a noise direction of full weight
SPAN_TOL = 0.3


def _basis(cols: list[np.ndarray]) -> np.ndarray:
    """An orthonormal basis of ``cols`` in order, without the columns that repeat earlier ones
    (:data:`SPAN_TOL`)."""
    basis: list[np.ndarray] = []
    for c in cols:
        v = c / max(float(np.linalg.norm(c)), 1e-300)
        for b in basis:
            v = v - float(b @ v) * b
        left = float(np.linalg.norm(v))
        if left >= SPAN_TOL or not basis:
            basis.append(v / max(left, 1e-300))
    return np.column_stack(basis)


def learn_directions(zx: np.ndarray, zy: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``(P, Q)``: the direction matrices of x and y (None: the side is kept whole). Canonical
    directions are kept beyond the noise edge of sample CCA, ``(sqrt(dx/n) + sqrt(dy/n))^2``,
    co-skewness directions beyond their permutation null; a side left with neither keeps its
    top canonical direction."""
    n, dx = zx.shape
    dy = zy.shape[1]
    keep_x, keep_y = dx <= KEEP_DIM, dy <= KEEP_DIM
    found = canonical_directions(zx, zy, LINEAR_DIRECTIONS)
    if found is None:
        raise ValueError("projection: a side has no varying column after the normal scores")
    cx, cy, s = found
    use = np.flatnonzero(s * s > noise_edge(n, dx, dy))
    # the other side's reduced form (its columns, or its canonical variates: the top one
    # when none stands out, the only linear handle there is)
    lin = use if use.size else np.array([0])
    starts_y = np.eye(dy) if keep_y else cy[:, lin]
    starts_x = np.eye(dx) if keep_x else cx[:, lin]

    def side(c: np.ndarray, extra: list[np.ndarray]) -> np.ndarray:
        # the canonical directions that stand out, the co-skewness ones (and their linear
        # partners from the other side's search), and the top canonical direction when none
        cols = [c[:, i] for i in use] + extra
        return _basis(cols if cols else [c[:, 0]])

    qx, ly = _quadratic(zx, zy, starts_y, rng) if not keep_x else ([], [])  # even in x, linear in y
    qy, lx = _quadratic(zy, zx, starts_x, rng) if not keep_y else ([], [])  # even in y, linear in x
    P = None if keep_x else side(cx, qx + lx)
    Q = None if keep_y else side(cy, qy + ly)
    return P, Q


@register()
class ProjectionMI(Estimator):
    """KSG on learned linear and quadratic directions, read on held-out rows: a lower bound
    (module docstring).

    Parameters
    ----------
    k : KSG's neighbours on the held-out half.
    random_state : seed of the split and the power iterations.
    """

    name: ClassVar[str] = "projection"
    #: data processing: the MI of fixed maps of X and Y, read on rows the maps never saw
    bias: ClassVar[str] = "lower-bound"
    _min_samples: ClassVar[int] = 40
    _test_params: ClassVar[dict[str, Any]] = {}

    def __init__(self, k: int = 3, random_state: Any = None) -> None:
        self.k = k
        self.random_state = random_state

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        x, y = check_xy(x, y, min_samples=self.min_samples())
        if not isinstance(self.k, (int, np.integer)) or isinstance(self.k, bool) or self.k < 1:
            raise InputError(f"k must be a positive integer (KSG's neighbours), got {self.k!r}")
        if len(x) // 2 <= 2 * (x.shape[1] + y.shape[1]):
            raise InputError(f"projection learns directions on half the rows: {len(x)} rows are too few for "
                             f"{x.shape[1]}+{y.shape[1]} columns (give more rows than 4 (dx + dy))")
        return x, y

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        rng = check_random_state(self.random_state)
        zx, zy = normal_scores(x), normal_scores(y)
        n = len(zx)
        perm = rng.permutation(n)
        fit, read = perm[: n // 2], perm[n // 2:]
        P, Q = learn_directions(zx[fit], zy[fit], rng)
        px = zx[read] if P is None else zx[read] @ P
        qy = zy[read] if Q is None else zy[read] @ Q
        seed = int(rng.integers(2**31 - 1))
        res = get_estimator("ksg", k=int(self.k), random_state=seed).estimate(px, qy)
        diag = {"directions_x": None if P is None else int(P.shape[1]),
                "directions_y": None if Q is None else int(Q.shape[1]),
                "rows_fit": int(fit.size), "rows_read": int(read.size),
                "inner_diagnostics": {k: v for k, v in res.diagnostics.items() if k in ("jackknife_rise", "backend")}}
        return float(res.mi), res.stderr, diag
