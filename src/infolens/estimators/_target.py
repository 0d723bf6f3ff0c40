"""What an estimator's ``_validate`` decided about ``y``, handed on to ``_estimate``.

Estimators keep no per-call state (one instance may serve several threads at once), so an
estimator that resolves at validation time whether ``y`` is a discrete label returns that
decision with the arrays instead of storing it on ``self``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Target(NamedTuple):
    """``y`` as validated: its values (a ``(n, 1)`` float column of labels when discrete),
    whether it is a discrete label, and how that was decided (for diagnostics and errors)."""

    values: np.ndarray
    discrete: bool
    how: str
