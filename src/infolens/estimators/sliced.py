"""Sliced mutual information, and the pieces the max-sliced search (:mod:`.max_sliced`) shares.

k-sliced MI (Goldfeld & Greenewald 2021, "Sliced mutual information"; Goldfeld et al.
2022, "k-sliced mutual information"):

    SI_k(X; Y) = E_{A, B} [ I(A^T X; B^T Y) ],

``A`` (``d_x x k``) and ``B`` (``d_y x k``) independent and uniform on the Stiefel
manifolds (orthonormal columns; for k = 1 uniform unit vectors), estimated by the
Monte-Carlo mean over ``n_projections`` draws of any inner estimator applied to the
projected samples. The standard error is the Monte-Carlo one over projections,
``std(I_p) / sqrt(P)``. KSG (and Ross for a discrete label) run batched over all
projections (:mod:`._batched_knn`); any other registered estimator runs per projection.

The estimators keep no per-call state: what validation decides about ``y`` (discrete or
not, and why) travels as a :class:`~._target.Target` to the later steps.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..errors import InputError, InputTypeError
from ..progress import progress
from ..registry import get_estimator, register
from ..result import Estimator
from ..validation import (
    as_labels,
    check_choice,
    check_positive_int,
    check_random_state,
    check_xy,
    is_discrete,
    resolve_discrete,
    flat_quartiles,
    knn_center_scale,
)
from . import batched_knn as bk
from ._target import Target
from .neural.params import Param
from .param_tables import install_init, set_params, table_signature
from .ties import TIES, break_ties

SLICE = ("auto", "x", "y", "both")
_BATCHED = ("ksg", "ross")


def random_stiefel(d: int, k: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` matrices ``(d, k)`` with orthonormal columns, uniform (Haar) on the Stiefel
    manifold: QR of a Gaussian block with the signs of ``diag(R)`` folded into ``Q``
    (Mezzadri 2007); for ``k = 1`` this is a normalised Gaussian vector."""
    g = rng.standard_normal((size, d, k))
    if k == 1:
        return g / np.linalg.norm(g, axis=1, keepdims=True)
    q, r = np.linalg.qr(g)
    return q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, None, :]


def _project(a: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``a`` ``(n, d)`` times every ``M[p]`` ``(d, k)`` -> ``(P, n, k)`` as one BLAS matrix
    product (``einsum`` does not reach BLAS for this contraction and is ~5x slower)."""
    P, d, k = M.shape
    out = a @ M.transpose(1, 0, 2).reshape(d, P * k)
    return out.reshape(len(a), P, k).transpose(1, 0, 2)


def _standardize_rows(a: np.ndarray, flat: np.ndarray | None = None) -> np.ndarray:
    """``(P, n, k)``: each projected coordinate centred and scaled as the kNN estimators do;
    ``flat`` (``(k,)``): coordinates that are unprojected columns whose quartiles were one
    value before ties were broken (their scale is not the tie-breaking noise's, ties.prepare)."""
    mask = None if flat is None else np.asarray(flat, dtype=bool).reshape(1, 1, -1)
    centre, scale = knn_center_scale(a, axis=1, flat_quartiles=mask)  # the kNN estimators' rule (ties.prepare)
    return (a - centre) / scale


#: the parameters both sliced estimators take, declared once (as the kNN family's in
#: :mod:`.knn_params`), in signature order after each estimator's own (``_own_params``)
SLICED_PARAMS: dict[str, Param] = {
    "proj_dim": Param(1, "int", "k, the dimension of each projection"),
    "slice": Param("auto", "str", '"auto" (project every continuous side with more than proj_dim dims), "x", "y" '
                   'or "both"; a discrete label is never projected'),
    "inner": Param("auto", "str", 'estimator applied to each projection; "auto" = "ksg" (continuous y) or "ross" '
                   "(discrete y), both batched; any registered name works (run per projection)"),
    "k": Param(5, "int", "neighbours of the batched kNN estimators"),
    "inner_params": Param(None, "dict[str, Any] | None", 'parameters of a non-batched inner estimator (given to '
                          '"ksg"/"ross", they switch to the per-projection path with those parameters)'),
    "discrete_y": Param("auto", "bool | str", 'True, False or "auto" (detected; reported in diagnostics)'),
    "ties": Param("dequantize", "str", "tie handling of the inputs before projection (infolens.estimators.ties)"),
    "standardize": Param(True, "bool", "scale each projected coordinate to unit variance (as KSG does)"),
    "n_jobs": Param(1, "int", "threads of the KD-tree queries"),
    "random_state": Param(None, "Any", "seed of the projections and of the tie-breaking noise"),
    "verbose": Param(False, "bool", "progress bar over projection batches"),
}


class _SlicedBase(Estimator):
    """Validation and the batched scoring of many projections, shared by both estimators.
    Parameters: each estimator's own (``_own_params``), then :data:`SLICED_PARAMS`; the
    signature of each subclass is built from them (``inspect.signature``, ``get_params`` and
    ``repr`` show the full list; positional use keeps working)."""

    #: the estimator's own parameters, first in its signature
    _own_params: ClassVar[dict[str, Param]] = {}
    proj_dim: int
    slice: str
    inner: str
    k: int
    inner_params: dict[str, Any] | None
    discrete_y: bool | str
    ties: str
    standardize: bool
    n_jobs: int
    random_state: Any
    verbose: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        set_params(self, args, kwargs)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give each subclass its full signature (its own parameters, then the shared ones)."""
        super().__init_subclass__(**kwargs)
        install_init(cls, _SlicedBase.__init__, table_signature({**cls._own_params, **SLICED_PARAMS}))

    def min_samples(self) -> int:
        return int(self.k) + 2

    def _check_params(self) -> None:
        """The parameter checks (each estimator adds its own to the shared ones)."""
        self._check_common()

    def _check_common(self) -> None:
        check_positive_int(self.proj_dim, "proj_dim")
        check_positive_int(self.k, "k")
        check_positive_int(self.n_jobs, "n_jobs")
        check_choice(self.slice, "slice", SLICE)
        check_choice(self.ties, "ties", TIES)
        if not isinstance(self.inner, str):
            raise InputTypeError(f"inner must be an estimator name such as 'ksg', got {type(self.inner).__name__}")
        if self.inner_params is not None and not isinstance(self.inner_params, dict):
            raise InputTypeError(f"inner_params must be a dict of the inner estimator's parameters, got {self.inner_params!r}")

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, Target]:  # type: ignore[override]
        self._check_params()
        xa, ya = check_xy(x, y, min_samples=self.min_samples())
        dy, how = resolve_discrete(ya, self.discrete_y, "y")
        if not dy and self.discrete_y in (None, "auto") and ya.shape[1] > 1 and is_discrete(xa):
            xa, ya, dy, how = ya, xa, True, "detected (x was the discrete side; swapped, MI is symmetric)"
        if dy:
            ya = as_labels(ya, "y")[:, None].astype(np.float64)
        return xa, Target(ya, bool(dy), how)

    def _plan(self, dx: int, dy: int, discrete: bool, how: str = "") -> tuple[bool, bool]:
        """Which sides are projected; explicit requests that cannot be met are errors."""
        k = int(self.proj_dim)
        px = self.slice in ("auto", "x", "both") and dx > k
        py = self.slice in ("auto", "y", "both") and dy > k and not discrete
        if self.slice in ("x", "both") and dx < k:
            raise InputError(f"slice={self.slice!r} projects x to proj_dim={k} dimensions but x has only {dx}; lower proj_dim")
        if self.slice in ("y", "both"):
            if discrete:
                raise InputError(f"slice={self.slice!r} asks to project y, but y is a discrete label ({how}); "
                                 "use slice='x' (or 'auto'), or pass discrete_y=False")
            if dy < k:
                raise InputError(f"slice={self.slice!r} projects y to proj_dim={k} dimensions but y has only {dy}; lower proj_dim")
        return px, py

    def _inner_name(self, discrete: bool) -> str:
        name = self.inner.lower()
        if name == "auto":
            return "ross" if discrete else "ksg"
        if name == "ksg" and discrete:
            raise InputError("inner='ksg' needs a continuous y but y is a discrete label; use inner='ross' (or 'auto'), "
                             "or pass discrete_y=False")
        return name

    def _prepare(self, x: np.ndarray, y: Target, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray, list[int], tuple[np.ndarray, np.ndarray | None]]:
        """Ties broken; also which columns of x and of a continuous y had one value filling
        their quartiles before (:func:`~infolens.validation.flat_quartiles`; for the scale of
        unprojected sides)."""
        flat = (flat_quartiles(x)[0].reshape(-1), None if y.discrete else flat_quartiles(y.values)[0].reshape(-1))
        x, tied = break_ties(x, self.ties, rng)
        yv = y.values if y.discrete else break_ties(y.values, self.ties, rng)[0]
        return x, yv, tied, flat

    @staticmethod
    def _knn_search(inner: str, backend: str, A: np.ndarray | None, B: np.ndarray | None, y: np.ndarray) -> str | None:
        """Which neighbour search the batched KSG ran on these projections (None: not batched KSG)."""
        if backend != "batched" or inner != "ksg":
            return None
        du = A.shape[2] if A is not None else 1
        dv = B.shape[2] if B is not None else y.shape[1]
        return "compiled 2-D grid" if bk.uses_kernel(du, dv) else "scipy cKDTree"

    def _score(self, x: np.ndarray, y: np.ndarray, discrete: bool, A: np.ndarray | None, B: np.ndarray | None,
               inner: str, seed: int, desc: str = "projections", batch: int = 256,
               flat: tuple[np.ndarray | None, np.ndarray | None] = (None, None)) -> tuple[np.ndarray, str]:
        """MI of ``(x A_p, y B_p)`` for every projection ``p`` (``A``: ``(P, dx, k)`` or None
        for x unprojected). Returns the ``(P,)`` estimates and the backend used. ``seed`` seeds
        a per-projection inner estimator that takes a ``random_state``. ``flat``: the flat-quartile
        masks of the columns of x (only when ``A`` is the identity) and of an unprojected y."""
        proj = A if A is not None else B
        assert proj is not None, "x or y is projected"
        P = len(proj)
        params = dict(self.inner_params or {})
        batched = inner in _BATCHED and not params
        out = np.empty(P)
        labels = y[:, 0].astype(np.int64) if discrete else None
        yv = None
        if B is None and not discrete:
            yv = _standardize_rows(y[None], flat[1])[0] if self.standardize else y
        est = None if batched else get_estimator(inner, **params)
        if est is not None and "random_state" in est.get_params() and "random_state" not in params:
            est.random_state = seed  # type: ignore[attr-defined]  # get_params() has it
        # projections per batch: at most ~20M projected values held at once (160 MB)
        batch = max(1, min(batch, 20_000_000 // max(1, len(x) * (A.shape[2] if A is not None else x.shape[1]))))
        starts = range(0, P, batch)
        for s in progress(starts, total=len(starts), desc=desc, verbose=getattr(self, "verbose", False)):
            sl = slice(s, min(P, s + batch))
            u = _project(x, A[sl]) if A is not None else np.broadcast_to(x, (sl.stop - s, *x.shape))
            if self.standardize:
                u = _standardize_rows(u, flat[0])
            if B is not None:
                v = _project(y, B[sl])
                v = _standardize_rows(v) if self.standardize else v
            else:
                v = None
            if batched and inner == "ross":
                assert labels is not None  # ross is batched for a discrete y only
                out[sl] = bk.ross_batch(u, labels, int(self.k), workers=int(self.n_jobs))
            elif batched:
                vv = yv if v is None else v  # yv: shared
                assert vv is not None  # ksg is batched for a continuous y only
                out[sl] = bk.ksg_batch(u, vv, int(self.k), workers=int(self.n_jobs))
            else:
                assert est is not None  # built whenever the projections are not batched
                for j in range(sl.stop - s):
                    yy = y if discrete else (yv if v is None else v[j])
                    out[s + j] = est.estimate(u[j], yy).mi
        return out, "batched" if batched else "loop"


@register("smi", "k-sliced")
class SlicedMI(_SlicedBase):
    """k-sliced MI: the mean of I(A^T X; B^T Y) over uniform random projections
    (Goldfeld & Greenewald 2021; Goldfeld et al. 2022), Monte-Carlo standard error.

    Parameters
    ----------
    n_projections : Monte-Carlo draws (published experiments: 2,000 with 3,000 samples).
    proj_dim : k, the dimension of each projection.
    slice : "auto" (project every continuous side with more than ``proj_dim`` dims),
        "x", "y" or "both". A discrete label is never projected.
    inner : estimator applied to each projection; "auto" = "ksg" (continuous y) or
        "ross" (discrete y), both batched. Any registered name works (run per projection).
    k : neighbours of the batched kNN estimators.
    inner_params : parameters of a non-batched inner estimator (given to "ksg"/"ross",
        they switch to the per-projection path with those parameters).
    discrete_y : True, False or "auto" (detected; reported in diagnostics).
    ties : tie handling of the inputs before projection (see ``_ties``).
    standardize : scale each projected coordinate to unit variance (as KSG does).
    n_jobs : threads of the KD-tree queries.
    random_state : seed of the projections and of the tie-breaking noise.
    verbose : progress bar over projection batches.
    """

    name: ClassVar[str] = "sliced"
    _test_params: ClassVar[dict[str, Any]] = {"n_projections": 50, "k": 3}
    _own_params: ClassVar[dict[str, Param]] = {
        "n_projections": Param(1000, "int", "Monte-Carlo draws (published experiments: 2,000 with 3,000 samples)"),
    }
    n_projections: int

    def _check_params(self) -> None:
        self._check_common()
        check_positive_int(self.n_projections, "n_projections", minimum=2)

    def projections(self, dx: int, dy: int, rng: np.random.Generator, y_discrete: bool = False,
                    how: str = "y_discrete=True") -> tuple[np.ndarray | None, np.ndarray | None]:
        """The random projection matrices ``(P, d, k)`` for x and y (None: side not projected;
        a discrete ``y`` is never projected; ``how`` says why it is discrete, for errors)."""
        px, py = self._plan(dx, dy, y_discrete, how)
        P, k = int(self.n_projections), int(self.proj_dim)
        A = random_stiefel(dx, k, P, rng) if px else None
        B = random_stiefel(dy, k, P, rng) if py else None
        return A, B

    def _estimate(self, x: np.ndarray, target: Target) -> tuple[float, float | None, dict[str, Any]]:  # type: ignore[override]
        rng = check_random_state(self.random_state)
        inner = self._inner_name(target.discrete)
        x, y, tied, flat = self._prepare(x, target, rng)
        A, B = self.projections(x.shape[1], y.shape[1], rng, target.discrete, target.how)
        flat_x = None
        if A is None and B is None:
            A = np.broadcast_to(np.eye(x.shape[1])[None], (int(self.n_projections), x.shape[1], x.shape[1]))
            A = A[:1]  # nothing to slice: the inner estimate of (x, y) itself
            flat_x = flat[0]
        vals, backend = self._score(x, y, target.discrete, A, B, inner, seed=int(rng.integers(0, 2**31 - 1)),
                                    flat=(flat_x, flat[1] if B is None else None))
        P = len(vals)
        mi = float(np.mean(vals))
        stderr = float(np.std(vals, ddof=1) / np.sqrt(P)) if P > 1 else None
        q = np.quantile(vals, [0.0, 0.25, 0.5, 0.75, 1.0])
        diag = {
            "inner": inner,
            "backend": backend,
            "knn_search": self._knn_search(inner, backend, A, B, y),
            "projected": {"x": A is not None and A.shape[2] < x.shape[1], "y": B is not None},
            "n_projections": P,
            "per_projection_quantiles": dict(zip(["min", "q25", "median", "q75", "max"], q.tolist())),
            "discrete_y": target.how if target.discrete else False,
            "x_tied_columns": tied,
            "stderr_method": "Monte-Carlo over projections" if stderr is not None else "none",
        }
        return mi, stderr, diag
