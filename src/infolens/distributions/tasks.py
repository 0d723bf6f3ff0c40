"""Named tasks: a task id says what the task is, following the Beyond Normal benchmark
(Czyż et al. 2023) naming, e.g. ``multinormal-sparse-5-5-2-2.0`` or
``spiral-normal_cdf-multinormal-sparse-3-3-2-2.0`` (transforms prefix the base id).

:func:`get_task` parses any id of this grammar (not only those in a suite)::

    id        := transform "-" id | base
    transform := normal_cdf | half_cube | asinh | wiggly | spiral | swissroll_x | bimodal | rescale
    base      := 1v1-normal-RHO | 1v1-additive-EPS | 1v1-bimodal-RHO
               | multinormal-dense-DX-DY-OFFDIAG | multinormal-sparse-DX-DY-K-STRENGTH
               | multinormal-target-DX-DY-K-MI | student-identity-DX-DY-DF | independent-DX-DY
               | gmm-label-K-D-SEPARATION | image-bars-K-SIGMA

and ``file:PATH.npz`` names data (arrays ``x``, ``y``, optional ``mi``) resampled per seed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..errors import InputError, InputTypeError
from .additive import AdditiveUniform
from .arrays import ArraySampler
from .base import Independent, Sampler, Transformed
from .gaussian import MultiNormal, lvm_sparse_rho
from .images import LabelImages
from .mixture import GaussianMixtureLabel
from .student import StudentT
from .transforms import (
    BIMODAL_X,
    BIMODAL_Y,
    Asinh,
    HalfCube,
    MixtureMarginal,
    NormalCDF,
    Rescale,
    Spiral,
    SwissRoll,
    Transform,
    Wiggly,
)


@dataclass(frozen=True)
class Task:
    """A sampler with its id; ``task.mi`` is the true I(X;Y) in nats."""

    task_id: str
    sampler: Sampler

    @property
    def mi(self) -> float:
        return self.sampler.mi

    @property
    def dim_x(self) -> int:
        return self.sampler.dim_x

    @property
    def dim_y(self) -> int:
        return self.sampler.dim_y

    @property
    def discrete_y(self) -> bool:
        if isinstance(self.sampler, ArraySampler):
            return self.sampler.y.dtype.kind in "iub"
        return isinstance(self.sampler, (GaussianMixtureLabel, LabelImages))

    def sample(self, n: int, random_state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        return self.sampler.sample(n, random_state)

    def __repr__(self) -> str:
        return f"Task({self.task_id!r}, dim_x={self.dim_x}, dim_y={self.dim_y}, mi={self.mi:.4f} nats)"


def _num(s: str, what: str, task_id: str) -> float:
    try:
        return float(s)
    except ValueError:
        raise InputError(f"task id {task_id!r}: {what} must be a number, got {s!r}") from None


def _int(s: str, what: str, task_id: str) -> int:
    if not s.isdigit():
        raise InputError(f"task id {task_id!r}: {what} must be a positive integer, got {s!r}")
    return int(s)


def _spiral_pair(sampler: Sampler) -> tuple[Transform | None, Transform | None]:
    """Beyond Normal's spiral: plane (0, 1) for X and (1, 2) for Y, each turning at speed
    1 / (its dimension), as the benchmark normalises it (3+3: 1/3; 5+5: 1/5; 25+25: 1/25).
    Checked against samples written by the benchmark's own package
    (``benchmarks/dump_bmi_samples.py``): with one speed of 1/3 in every dimension the 5+5 and
    25+25 spirals wound far more than the benchmark's (their marginals differed, KS p < 1e-80)."""
    if sampler.dim_x < 2 or sampler.dim_y < 3:
        raise InputError(f"spiral needs dim_x >= 2 and dim_y >= 3, got {sampler.dim_x}, {sampler.dim_y}")
    return Spiral(0, 1, 1.0 / sampler.dim_x), Spiral(1, 2, 1.0 / sampler.dim_y)


def _rescale_pair(sampler: Sampler) -> tuple[Transform, Transform]:
    """Columns scaled by 10^linspace(-2, 2): estimators that do not standardise see very unequal scales."""
    return (Rescale(np.logspace(-2, 2, sampler.dim_x)), Rescale(np.logspace(2, -2, sampler.dim_y)))


_TRANSFORMS: dict[str, Callable[[Sampler], tuple[Transform | None, Transform | None]]] = {
    "normal_cdf": lambda s: (NormalCDF(), NormalCDF()),
    "half_cube": lambda s: (HalfCube(), HalfCube()),
    "asinh": lambda s: (Asinh(), Asinh()),
    "wiggly": lambda s: (Wiggly("x"), Wiggly("y")),
    "spiral": _spiral_pair,
    "swissroll_x": lambda s: (SwissRoll(), None),
    "bimodal": lambda s: (MixtureMarginal(**BIMODAL_X), MixtureMarginal(**BIMODAL_Y)),
    "rescale": _rescale_pair,
}


def _base(task_id: str) -> Sampler:
    p = task_id.split("-")
    head = "-".join(p[:2])
    args = p[2:]
    if head == "1v1-normal" and len(args) == 1:
        rho = _num(args[0], "the correlation", task_id)
        return MultiNormal.sparse(1, 1, 1, rho)
    if head == "1v1-additive" and len(args) == 1:
        return AdditiveUniform(_num(args[0], "the noise half-width", task_id))
    if head == "1v1-bimodal" and len(args) == 1:
        rho = _num(args[0], "the correlation", task_id)
        base = MultiNormal.sparse(1, 1, 1, rho)
        return Transformed(base, MixtureMarginal(**BIMODAL_X), MixtureMarginal(**BIMODAL_Y))
    if head == "multinormal-dense" and len(args) == 3:
        dx, dy = _int(args[0], "dim_x", task_id), _int(args[1], "dim_y", task_id)
        return MultiNormal.dense(dx, dy, _num(args[2], "the off-diagonal correlation", task_id))
    if head == "multinormal-sparse" and len(args) == 4:
        dx, dy, k = (_int(a, w, task_id) for a, w in zip(args[:3], ("dim_x", "dim_y", "the number of pairs")))
        return MultiNormal.sparse(dx, dy, k, lvm_sparse_rho(_num(args[3], "the strength", task_id)))
    if head == "multinormal-target" and len(args) == 4:
        dx, dy, k = (_int(a, w, task_id) for a, w in zip(args[:3], ("dim_x", "dim_y", "the number of pairs")))
        return MultiNormal.from_mi(dx, dy, _num(args[3], "the target MI", task_id), n_pairs=k)
    if head == "student-identity" and len(args) == 3:
        dx, dy = _int(args[0], "dim_x", task_id), _int(args[1], "dim_y", task_id)
        return StudentT(dx, dy, _num(args[2], "the degrees of freedom", task_id))
    if p[0] == "independent" and len(p) == 3:
        return Independent(_int(p[1], "dim_x", task_id), _int(p[2], "dim_y", task_id))
    if head == "gmm-label" and len(args) == 3:
        k, d = _int(args[0], "the number of classes", task_id), _int(args[1], "the dimension", task_id)
        return GaussianMixtureLabel.simplex(k, d, _num(args[2], "the separation", task_id))
    if head == "image-bars" and len(args) == 2:
        return LabelImages(_int(args[0], "the number of classes", task_id), _num(args[1], "the pixel noise", task_id))
    raise InputError(
        f"unknown task id {task_id!r}; task ids look like 'multinormal-sparse-5-5-2-2.0' or "
        "'spiral-normal_cdf-multinormal-sparse-3-3-2-2.0' (see infolens.distributions.list_tasks())"
    )


@functools.lru_cache(maxsize=512)
def get_task(task_id: str) -> Task:
    """The task named ``task_id`` (see the module docstring for the grammar)."""
    if not isinstance(task_id, str) or not task_id:
        raise InputTypeError(f"task_id must be a non-empty string such as 'multinormal-dense-2-2-0.5', got {task_id!r}")
    if task_id.startswith("file:"):
        return Task(task_id, ArraySampler.from_npz(task_id[len("file:"):]))
    prefix, _, rest = task_id.partition("-")
    if prefix in _TRANSFORMS and rest:
        inner = get_task(rest).sampler
        tx, ty = _TRANSFORMS[prefix](inner)
        return Task(task_id, Transformed(inner, tx, ty))
    return Task(task_id, _base(task_id))
