"""The result of every estimate, and the protocol every estimator follows.

This module imports nothing from the package but :mod:`infolens.errors` and
:mod:`infolens.stats` (which import nothing themselves), so every layer can import it without cycles.
"""

from __future__ import annotations

import json
import math
import time
import warnings as _warnings
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Iterator

import numpy as np

from .errors import NATS_PER_BIT, Flag, InputError, convert_info, emit, flag  # errors.py imports nothing either, so no cycle can form
from .stats import Z95 as _Z95  # stats.py imports nothing either

UNITS = ("nats", "bits")


#: Diagnostics that carry an information quantity (in nats as estimators return them), by
#: key, whatever the estimator: :meth:`MIResult.to_unit` converts exactly these (numbers,
#: lists and dicts of numbers; nested diagnostics dicts follow the same rule) and records the
#: unit in ``diagnostics["unit"]``. A new estimator either reuses one of these names or ends a
#: new key with ``_nats``, which ``to_unit`` renames to ``_bits`` with the value converted.
#: A neural estimator's training-curves table (``diagnostics["curves"]``) stays in nats and
#: is labelled so (``diagnostics["curves_unit"]``). Every other diagnostic is unitless
#: (counts, correlations, settings).
INFO_DIAGNOSTICS = frozenset({
    "plug_in", "copula_mi", "half_sample_mean", "jackknife_rise", "h_x", "h_y", "h_xy", "best_val", "ceiling",
    "search_mi_best", "search_history", "per_projection_quantiles", "h_label", "range", "rank_bias", "chance_term",
    "label_term", "within_term",
    # auto's interval record (diagnostics["interval"]: sampling, model_gap)
    "sampling", "model_gap",
    # inside nested records (auto's candidates and model check)
    "mi", "stderr", "ci", "ksg_data", "ksg_model", "se_data", "se_model", "se_fit", "tolerance",
    # auto's sizing of its model check
    "pilot_se",
})
#: diagnostics that hold another estimator's diagnostics or a record of information
#: quantities (converted by the same rules)
NESTED_DIAGNOSTICS = frozenset({"inner_diagnostics", "chosen_diagnostics", "model_check", "check_sizing", "interval",
                                "canonical", "fano"})
#: diagnostics that map names to such records (auto's candidates, cmi's levels of z)
RECORD_MAPS = frozenset({"candidates", "z_levels"})


def convert_diagnostics(diag: dict[str, Any], f: float, unit: str, nested: bool = False) -> dict[str, Any]:
    """A copy of ``diag`` with every information quantity multiplied by ``f`` (see
    :data:`INFO_DIAGNOSTICS`; records under :data:`NESTED_DIAGNOSTICS` and
    :data:`RECORD_MAPS` follow the same rule), ``*_nats`` keys renamed to ``*_bits`` (or
    back), ``"unit"`` set to ``unit`` and a curves table labelled ``"curves_unit": "nats"``."""

    def records(key: str, value: Any) -> Any:
        if key in NESTED_DIAGNOSTICS and isinstance(value, dict):
            return convert_diagnostics(value, f, unit, nested=True)
        if key in RECORD_MAPS and isinstance(value, dict):
            return {k: convert_diagnostics(v, f, unit, nested=True) if isinstance(v, dict) else v
                    for k, v in value.items()}
        return value

    out = convert_info(diag, f, unit, INFO_DIAGNOSTICS, records)
    if nested:
        return out
    out["unit"] = unit
    if "curves" in diag:
        out["curves_unit"] = "nats"
    return out


#: notes of the validations running in this context (None: nobody collects them)
_NOTES: ContextVar[list[str] | None] = ContextVar("infolens_validation_notes", default=None)


@contextmanager
def validation_notes() -> Iterator[list[str]]:
    """Collect the notes validation makes inside the block about data it changed (constant
    columns dropped). :meth:`Estimator.estimate` collects them into ``MIResult.warnings``.
    A context variable holds the list, so concurrent estimates in other threads keep their
    own notes; nothing is stored on the estimator. Outside such a block a note is issued as
    a ``UserWarning``."""
    notes: list[str] = []
    token = _NOTES.set(notes)
    try:
        yield notes
    finally:
        _NOTES.reset(token)


#: the column labels of each side (``"x"``, ``"y"``, ``"z"``) of the estimate running in this
#: context, kept in step with the columns validation drops (None: nobody keeps them)
_COLUMNS: ContextVar[dict[str, list[str]] | None] = ContextVar("infolens_column_labels", default=None)


@contextmanager
def column_labels() -> Iterator[None]:
    """Keep the labels of each side's columns inside the block, so that a message about a
    column names the column the user gave: a DataFrame's column name (``'age'``), else its
    index in the array the user passed, whatever validation dropped before the message was
    written (a constant column dropped first shifted every index after it). Each
    :meth:`Estimator.estimate` opens its own block: an estimator called on a transformed
    array (normal scores, a sub-block) names that array's columns by index."""
    token = _COLUMNS.set({})
    try:
        yield
    finally:
        _COLUMNS.reset(token)


def _label_of(name: Any) -> str:
    return repr(name) if isinstance(name, str) else str(name)


def _names_of(a: Any) -> list[str] | None:
    """The labels of a pandas input's columns (a DataFrame's names, a named Series' name), or None."""
    if type(a).__module__.startswith("pandas"):
        if getattr(a, "ndim", 1) == 2:
            return [_label_of(c) for c in a.columns]
        if getattr(a, "name", None) is not None:
            return [_label_of(a.name)]
    return None


def columns_seen(side: str, a: Any, width: int) -> None:
    """Register the ``width`` columns of ``side`` as validation reads them from ``a``: a
    DataFrame's column names (a named Series' name), else the labels already kept when the
    width is unchanged, else indices 0..width-1."""
    cols = _COLUMNS.get()
    if cols is None:
        return
    names = _names_of(a)
    if names is not None and len(names) == width:
        cols[side] = names
    elif side not in cols or len(cols[side]) != width:
        cols[side] = [str(j) for j in range(width)]


def columns_dropped(side: str, dropped: Any) -> None:
    """Validation dropped the columns ``dropped`` (indices into the current columns) of ``side``."""
    cols = _COLUMNS.get()
    if cols is None or side not in cols:
        return
    gone = {int(j) for j in dropped}
    cols[side] = [lab for j, lab in enumerate(cols[side]) if j not in gone]


def column_label(side: str, j: int) -> str:
    """The label of column ``j`` (of the current columns) of ``side``: ``'age'`` for a
    DataFrame's column, the index in the array the user passed otherwise."""
    cols = _COLUMNS.get()
    labels = None if cols is None else cols.get(side)
    return labels[j] if labels is not None and 0 <= j < len(labels) else str(j)


def input_label(a: Any, side: str, j: int) -> str:
    """The label of column ``j`` of ``side`` given as ``a``: a DataFrame's column name or a
    named Series' name (checks that read the raw input, outside validation), else
    :func:`column_label` (an array validated inside an estimate)."""
    names = _names_of(a)
    return names[j] if names is not None and 0 <= j < len(names) else column_label(side, j)


def column_labels_of(side: str, js: Any) -> list[str]:
    """:func:`column_label` of each index in ``js``."""
    return [column_label(side, int(j)) for j in js]


def columns_phrase(x_columns: Any, y_columns: Any) -> str:
    """``x columns [..] and y columns [..]``, each named by :func:`column_label`."""
    return (f"x columns [{', '.join(column_labels_of('x', x_columns))}] and "
            f"y columns [{', '.join(column_labels_of('y', y_columns))}]")


def validation_note(message: str, code: str = "data-changed") -> None:
    notes = _NOTES.get()
    entry = flag(code, message)
    if notes is None:
        _warnings.warn(entry.category(message, code), stacklevel=4)
    elif message not in notes:
        notes.append(entry)


def check_unit(unit: str) -> str:
    """Return ``unit`` if it is ``"nats"`` or ``"bits"``, else raise a ValueError naming it."""
    if unit not in UNITS:
        raise InputError(f"unit must be 'nats' or 'bits', got {unit!r}")
    return unit


@dataclass
class MIResult:
    """A mutual-information estimate with its error bar.

    Attributes
    ----------
    mi : the point estimate, in ``unit``.
    unit : ``"nats"`` (natural log) or ``"bits"`` (log base 2).
    stderr : standard error of ``mi`` (``None`` when the estimator cannot give one).
    ci : 95% confidence interval ``(low, high)``; defaults to ``mi +- 1.96 stderr``.
    n_samples : number of paired samples the estimate used.
    method : registry name of the estimator.
    params : the estimator's parameters.
    seconds : wall time of the estimate.
    diagnostics : estimator-specific extras (training curves, the kNN backend, ...).
    warnings : plain-language reasons to doubt this number (empty when none is known), each a
        :class:`~infolens.errors.Flag`: a ``str`` with a stable ``code`` and the numbers behind
        it (``data``). Estimators add their own (kNN in high dimensions, a bound stopped while
        still rising, ...); :func:`generic_warnings` adds those any estimate can show.
        ``estimate_mi`` also issues them through Python's :mod:`warnings`
        (:class:`~infolens.errors.InfolensWarning`).
    """

    mi: float
    unit: str = "nats"
    stderr: float | None = None
    ci: tuple[float, float] | None = None
    n_samples: int = 0
    method: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    diagnostics: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_unit(self.unit)
        self.mi = float(self.mi)
        if self.stderr is not None:
            self.stderr = float(self.stderr)
        if self.ci is None and self.stderr is not None and math.isfinite(self.stderr):
            self.ci = (self.mi - _Z95 * self.stderr, self.mi + _Z95 * self.stderr)
        elif self.ci is not None:
            self.ci = (float(self.ci[0]), float(self.ci[1]))

    def to_unit(self, unit: str) -> "MIResult":
        """The same result expressed in ``unit`` ("nats" or "bits"): ``mi``, ``stderr``,
        ``ci``, the information quantities among the diagnostics (:data:`INFO_DIAGNOSTICS`,
        ``*_nats`` keys), whose unit ``diagnostics["unit"]`` then names, and those among the
        numbers of the warnings (:meth:`infolens.errors.Flag.to_unit`)."""
        check_unit(unit)
        if unit == self.unit:
            return self
        f = 1.0 / NATS_PER_BIT if unit == "bits" else NATS_PER_BIT
        return replace(
            self,
            mi=self.mi * f,
            unit=unit,
            stderr=None if self.stderr is None else self.stderr * f,
            ci=None if self.ci is None else (self.ci[0] * f, self.ci[1] * f),
            diagnostics=convert_diagnostics(self.diagnostics, f, unit),
            warnings=[(w if isinstance(w, Flag) else Flag(str(w))).to_unit(unit) for w in self.warnings],
        )

    @property
    def flags(self) -> list[Flag]:
        """The warnings as :class:`~infolens.errors.Flag` objects (a plain sentence gets code
        ``"other"``)."""
        return [w if isinstance(w, Flag) else Flag(str(w)) for w in self.warnings]

    def codes(self) -> list[str]:
        """The warning codes, in order (one per warning)."""
        return [f.code for f in self.flags]

    def has_warning(self, *codes: str) -> bool:
        """Whether any warning carries one of ``codes``."""
        return any(f.code in codes for f in self.flags)

    def emit_warnings(self, where: str | None = None, stacklevel: int = 3) -> None:
        """Issue the warnings through Python's :mod:`warnings` (once per text)."""
        emit(self.warnings, where=where, stacklevel=stacklevel + 1)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (tables become lists of records, arrays lists,
        objects that JSON cannot hold, such as a trained critic, their ``repr``)."""
        return {
            "mi": self.mi,
            "unit": self.unit,
            "stderr": self.stderr,
            "ci": None if self.ci is None else list(self.ci),
            "n_samples": int(self.n_samples),
            "method": self.method,
            "params": _jsonable(self.params),
            "seconds": float(self.seconds),
            "diagnostics": _jsonable(self.diagnostics),
            "warnings": [str(w) for w in self.warnings],
            "flags": [{**f.to_dict(), "data": _jsonable(f.data)} for f in self.flags],
        }

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def __str__(self) -> str:
        s = f"I = {self.mi:.4f} {self.unit}"
        if self.stderr is not None:
            s += f" ± {self.stderr:.4f}"
        if self.ci is not None:
            s += f"  (95% CI {self.ci[0]:.4f} .. {self.ci[1]:.4f})"
        params = ", ".join(f"{k}={v!r}" for k, v in self.params.items() if v is not None)
        s += f"  [{self.method}({params}), n={self.n_samples}, {self.seconds:.3g} s]"
        trust, choice = self.diagnostics.get("trust"), self.diagnostics.get("choice")
        if isinstance(trust, str):
            # (auto's grade and answer: the first thing its reader needs after the number)
            s += f"\n  trust: {trust}"
            if isinstance(choice, dict) and choice.get("method"):
                s += f" (answer from {choice['method']})"
            rng = self.diagnostics.get("range")
            if rng is not None and len(rng) == 2:
                s += f"; the truth may lie in {rng[0]:.4f} .. {rng[1]:.4f} {self.unit}"
        for w in self.warnings:
            s += f"\n  warning: {w}"
        return s

    def __float__(self) -> float:
        return self.mi


def generic_warnings(mi: float, stderr: float | None, ci: tuple[float, float] | None, unit: str = "nats") -> list[str]:
    """Warnings every estimate can earn from its own numbers, whatever the estimator:
    a non-finite value, a 95% interval entirely below 0 (MI is never negative, so the
    estimator is biased here), and a standard error larger than the estimate itself."""
    out: list[str] = []
    if not math.isfinite(mi):
        return [flag("non-finite", f"the estimate is {mi}: the estimator failed on these data")]
    if ci is not None and math.isfinite(ci[1]) and ci[1] < 0:
        out.append(flag(
            "interval-below-zero",
            f"the whole 95% interval ({ci[0]:.3g} .. {ci[1]:.3g} {unit}) lies below 0, where MI cannot be: "
            "the estimator is biased on these data; do not read this value as an MI",
            low=float(ci[0]), high=float(ci[1]),
        ))
    if stderr is not None and math.isfinite(stderr) and stderr > abs(mi) and abs(mi) > 0 and (ci is None or ci[1] >= 0):
        if stderr > 0.01:  # near-zero estimates of independent data are expected to have stderr > |mi|
            out.append(flag(
                "stderr-exceeds-estimate",
                f"the standard error ({stderr:.3g} {unit}) is larger than the estimate ({mi:.3g}): "
                "the data do not determine this value; use more samples or test independence first",
                stderr=float(stderr), mi=float(mi),
            ))
    return out


def _jsonable(obj: Any) -> Any:
    """Best-effort conversion of diagnostics to plain JSON types."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    to_dict = getattr(obj, "to_dict", None)
    if callable(to_dict) and type(obj).__name__ == "DataFrame":
        return _jsonable(to_dict(orient="records"))
    if callable(to_dict) and type(obj).__name__ == "Series":
        return _jsonable(to_dict())
    return repr(obj)


class Estimator:
    """Protocol of every MI estimator (scikit-learn's rule: ``__init__`` only
    stores parameters; the work happens in :meth:`estimate`).

    Subclasses set ``name`` (registry key) and implement ``_estimate(x, y)``
    on validated arrays, returning ``(mi_nats, stderr_or_None, diagnostics)``; two
    diagnostics keys are taken out by :meth:`estimate`: ``"warnings"`` (a list of
    sentences, moved to :attr:`MIResult.warnings`) and ``"ci"`` (an interval other than
    ``mi +- 1.96 stderr``).
    They may override ``_validate`` for inputs other than two continuous
    ``(n, d)`` float arrays (discrete labels, images).
    """

    name: ClassVar[str] = ""
    #: the smallest n this estimator accepts (may depend on params: override min_samples())
    _min_samples: ClassVar[int] = 3
    #: the known direction of the estimator's error (a tag, as scikit-learn keeps estimator
    #: tags; ``method="auto"`` reads it): ``"lower-bound"`` (a bound: at or below the MI up to
    #: its noise, whatever the data), ``"low"`` (biased down, a bias that shrinks with n and
    #: grows with dimension and MI), ``"none"`` (unbiased where its model holds) or ``"unknown"``
    bias: ClassVar[str] = "unknown"
    #: True for an estimator made for a discrete side (labels); the others get a
    #: ``labels-as-numbers`` warning from ``estimate_mi`` when a side looks like labels
    takes_labels: ClassVar[bool] = False
    #: True for an estimator that runs small torch models (critics, denoisers, or candidates
    #: that do): ``estimate_mi`` gives it one torch thread unless ``threads=`` says otherwise
    small_torch_model: ClassVar[bool] = False
    #: True for an estimator that trains in minibatches, so it can read its rows from a
    #: memory-mapped file instead of memory (the CLI's Parquet path)
    trains_in_minibatches: ClassVar[bool] = False
    #: True for a critic-based estimator: it exposes the trained critic and its training
    #: curves, and takes ``(n, c, h, w)`` images as they are (a convolutional critic)
    trains_critic: ClassVar[bool] = False

    def min_samples(self) -> int:
        return self._min_samples

    def get_params(self) -> dict[str, Any]:
        import inspect

        sig = inspect.signature(type(self).__init__)
        return {
            p: getattr(self, p)
            for p in sig.parameters
            if p != "self" and sig.parameters[p].kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
            and hasattr(self, p)
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError(f"{type(self).__name__} must implement _validate")

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        raise NotImplementedError(f"{type(self).__name__} must implement _estimate")

    def estimate(self, x: Any, y: Any) -> MIResult:
        """Estimate I(X;Y) in nats from paired samples ``x[i], y[i]``."""
        t0 = time.perf_counter()
        with validation_notes() as notes, column_labels():
            xa, ya = self._validate(x, y)
            mi, stderr, diag = self._estimate(xa, ya)
        warns = list(notes) + [w if isinstance(w, Flag) else Flag(str(w)) for w in diag.pop("warnings", [])
                               if str(w) not in notes]
        ci = diag.pop("ci", None)  # an estimator may give its own interval (e.g. a t interval)
        res = MIResult(
            mi=mi,
            unit="nats",
            stderr=stderr,
            ci=None if ci is None else (float(ci[0]), float(ci[1])),
            n_samples=int(len(xa)),
            method=self.name,
            params=self.get_params(),
            seconds=time.perf_counter() - t0,
            diagnostics=diag,
        )
        for w in generic_warnings(res.mi, res.stderr, res.ci):
            if w not in warns:
                warns.append(w)
        res.warnings = warns
        return res
