"""Column kinds on the cluster, decided from a whole-column profile (never from a sample,
where a rare level or a long tail may be missing), and the columns of a row sample built
with those kinds, in the form the in-memory per-column function takes
(:class:`infolens.tables.columns.Column`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from ..validation import MAX_DISCRETE_LEVELS
from ._stats import LEVEL_CAP, ColumnProfile, codes_of, numbers


@dataclass(frozen=True)
class ColumnSpec:
    """A column's name, kind ("continuous", "discrete", "constant"), how the kind was
    decided ("labels", "declared", "detected") and, for a discrete column, its levels."""

    name: str
    kind: str
    how: str
    levels: tuple | None = None


def type_profile(name: str, prof: ColumnProfile, declared: bool | None, what: str) -> ColumnSpec:
    """The in-memory typing rule (``tables.columns.type_column``) from a profile of the
    present values (missing ones are the per-column function's business): labels are
    discrete; a constant column is constant; otherwise a
    declaration wins, else integral values with at most ``max(32, 5% of n)`` levels are
    discrete (at most :data:`~._stats.LEVEL_CAP` on the cluster)."""
    if prof.labels:
        if declared is False:
            raise InputError(
                f"{what} holds labels (strings or categories), which cannot be continuous; leave it to 'auto' or declare it discrete"
            )
        if prof.levels is None:  # more labels than the profile tracks: scored on the sample, where
            return ColumnSpec(name, "discrete", "labels")  # the identifier rule sees them
        kind = "constant" if len(prof.levels) <= 1 else "discrete"
        return ColumnSpec(name, kind, "labels", tuple(prof.sorted_levels()))
    if prof.lo >= prof.hi:  # one value, or none at all
        return ColumnSpec(name, "constant", "detected")
    if declared is None:
        limit = max(MAX_DISCRETE_LEVELS, int(0.05 * prof.n))
        disc = prof.integral and prof.levels is not None and len(prof.levels) <= limit
        how = "detected"
    else:
        disc, how = declared, "declared"
        if disc and prof.levels is None:
            raise InputError(
                f"{what} is declared discrete but has more than {LEVEL_CAP:,} distinct values (or non-integral ones with "
                "that many); declare it continuous"
            )
    if disc:
        return ColumnSpec(name, "discrete", how, tuple(prof.sorted_levels()))
    return ColumnSpec(name, "continuous", how)


def sample_column(sample: Any, spec: ColumnSpec, rows: int | None = None) -> Any:
    """The first ``rows`` rows of the sample's column as a ``tables.columns.Column``: integer
    codes over the column's global levels for a discrete column, float64 for a continuous one."""
    from ..tables.columns import Column

    s = sample[spec.name] if rows is None else sample[spec.name].iloc[:rows]
    if spec.kind == "discrete":
        codes = codes_of(s, list(spec.levels or ()))
        if spec.how == "labels":
            return Column(spec.name, codes, "discrete", "labels")
        return Column(spec.name, codes, "discrete", spec.how, numbers(s))
    v = numbers(s)
    return Column(spec.name, v, spec.kind, spec.how, v)


def head(col: Any, rows: int) -> Any:
    """The first ``rows`` rows of a Column."""
    from ..tables.columns import Column

    return Column(col.name, col.values[:rows], col.kind, col.how, None if col.numbers is None else col.numbers[:rows])


def sample_is_constant(col: Any) -> bool:
    return bool(np.ptp(col.values) == 0) if len(col.values) else True
