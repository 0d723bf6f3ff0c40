"""Named suites of task ids.

- ``standard``: the 40 tasks of the Beyond Normal benchmark (Czyż et al., NeurIPS 2023),
  named as there, so results compare with the published table.
- ``hard``: our harder tasks: high MI (5 and 10 nats), 50+50 and 100+100 dimensions,
  rescaled columns, a discrete label with Gaussian-mixture features, labels rendered into
  28x28 noisy images, and independence (MI = 0).
- ``quick``: 6 small tasks of the standard suite (what ``infolens bench --suite quick`` runs).
"""

from __future__ import annotations

from .tasks import Task, get_task

_ONE_DIM = [
    "1v1-normal-0.75",
    "normal_cdf-1v1-normal-0.75",
    "1v1-additive-0.1",
    "1v1-additive-0.75",
    "1v1-bimodal-0.75",
    "wiggly-1v1-normal-0.75",
    "half_cube-1v1-normal-0.75",
    "student-identity-1-1-1",
    "asinh-student-identity-1-1-1",
]
_EMBEDDINGS = ["swissroll_x-normal_cdf-1v1-normal-0.75"]
_MULTINORMAL = [f"multinormal-dense-{d}-{d}-0.5" for d in (2, 3, 5, 25, 50)] + [
    f"multinormal-sparse-{d}-{d}-2-2.0" for d in (2, 3, 5, 25)
]
_STUDENT = [f"student-identity-{d}-{d}-{df}" for d, df in ((2, 1), (2, 2), (3, 2), (3, 3), (5, 2), (5, 3))]
_TRANSFORMED = (
    [f"{t}-multinormal-sparse-{d}-{d}-2-2.0" for t in ("normal_cdf", "half_cube", "spiral") for d in (3, 5, 25)]
    + [f"spiral-normal_cdf-multinormal-sparse-{d}-{d}-2-2.0" for d in (3, 5, 25)]
    + [f"asinh-student-identity-{d}-{d}-{df}" for d, df in ((2, 1), (3, 2), (5, 2))]
)

SUITES: dict[str, list[str]] = {
    "standard": _ONE_DIM + _EMBEDDINGS + _MULTINORMAL + _STUDENT + _TRANSFORMED,
    "hard": [
        "multinormal-target-5-5-5-5.0",
        "multinormal-target-10-10-10-10.0",
        "multinormal-sparse-50-50-2-2.0",
        "multinormal-dense-50-50-0.5",
        "multinormal-sparse-100-100-2-2.0",
        "multinormal-dense-100-100-0.5",
        "rescale-multinormal-sparse-5-5-2-2.0",
        "student-identity-50-50-5",
        "gmm-label-4-10-3.0",
        "gmm-label-10-20-2.0",
        "image-bars-10-2.0",
        "image-bars-10-4.0",
        "independent-5-5",
        "independent-50-50",
    ],
    "quick": [
        "1v1-normal-0.75",
        "1v1-additive-0.75",
        "multinormal-dense-2-2-0.5",
        "multinormal-sparse-3-3-2-2.0",
        "student-identity-2-2-2",
        "spiral-normal_cdf-multinormal-sparse-3-3-2-2.0",
    ],
}


def list_suites() -> list[str]:
    return sorted(SUITES)


def suite_task_ids(suite: str) -> list[str]:
    """The task ids of a named suite ("quick", "standard", "hard")."""
    if suite not in SUITES:
        raise ValueError(f"suite must be one of {', '.join(map(repr, sorted(SUITES)))}; got {suite!r}")
    return list(SUITES[suite])


def suite_tasks(suite: str) -> list[Task]:
    return [get_task(t) for t in suite_task_ids(suite)]


def list_tasks() -> list[str]:
    """Every task id of every suite."""
    return sorted({t for ids in SUITES.values() for t in ids})
