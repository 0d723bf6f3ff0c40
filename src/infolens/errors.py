"""The errors infolens raises for a user's own input (arguments, data, files, configs).

Each class subclasses the built-in exception a caller would expect (``ValueError``,
``TypeError``, ``FileNotFoundError``), so ``except ValueError`` keeps working, and also
:class:`InfolensError`, which marks the error as *the user's input*, not a bug: the
command line prints such an error as one line (exit status 2) and shows a traceback for
anything else. Messages name the argument (or file), say what was given and what is
accepted.

It also holds the warning family (:class:`InfolensWarning` and its stable codes,
:class:`Flag`): the reasons to doubt a number that are not errors.

This module imports nothing, so every layer (``result.py`` included) may import it.
"""

from __future__ import annotations

__all__ = ["InfolensError", "InputError", "InputTypeError", "FileReadError", "ConfigError",
           "DataNotFoundError", "RunFolderError", "InfolensWarning", "DataWarning", "ReliabilityWarning",
           "ConvergenceWarning", "WARNING_CODES", "INFO_DATA", "Flag", "flag", "code_of", "has_code", "as_flag", "emit",
           "scale_info", "convert_info"]


class InfolensError(Exception):
    """Base class: a problem with what the user gave; its message says how to fix it."""


class InputError(InfolensError, ValueError):
    """An argument or a data array has a value that is not accepted."""


class InputTypeError(InfolensError, TypeError):
    """An argument has a type that is not accepted."""


class FileReadError(InfolensError, ValueError):
    """A file exists but cannot be read as the data it should hold (empty, truncated,
    zero rows, wrong format for its extension)."""


class ConfigError(InfolensError, ValueError):
    """A study or sweep configuration is invalid (YAML syntax, unknown keys, bad values)."""


class DataNotFoundError(InfolensError, FileNotFoundError):
    """A file or data set the user named is not where it was looked for."""


class RunFolderError(InfolensError, ValueError):
    """A run folder holds a run whose configuration differs from the one asked for."""


# --------------------------------------------------------------------------------------
# The warning family: every reason to doubt a number, with a stable code.
#
# An estimate's doubts travel two ways: as entries of ``MIResult.warnings`` (each a
# :class:`Flag`, a ``str`` that also carries its code and the numbers behind it) and, at the
# public entry points (``estimate_mi``, ``feature_mi``, ``mi_matrix``, the scikit-learn
# drop-ins), through Python's :mod:`warnings` as an :class:`InfolensWarning` subclass with
# the same text and code. Code (``auto``, the tables) decides on ``flag.code``, never on the
# sentence; the sentence is for people and may change, the code may not.
# --------------------------------------------------------------------------------------


class InfolensWarning(UserWarning):
    """Base class of every warning infolens issues; ``.code`` is a key of :data:`WARNING_CODES`
    (filter one cause with ``warnings.filterwarnings("ignore", category=InfolensWarning)``
    and test ``w.code`` in a ``catch_warnings`` block)."""

    def __init__(self, message: str, code: str = "other") -> None:
        super().__init__(message)
        self.code = code


class DataWarning(InfolensWarning):
    """The input data were changed or cannot support the question as asked (a constant column
    dropped, an identifier column, missing values, labels given as numbers)."""


class ReliabilityWarning(InfolensWarning):
    """An estimate may be off: a known reason to doubt the number (a bias, an interval that
    may not cover, a model that does not fit, a question with no finite answer)."""


class ConvergenceWarning(ReliabilityWarning):
    """Training (a neural bound, a denoiser, a fit) stopped before it settled."""


#: The stable warning codes: code -> (category, what it means). A new cause adds a row here;
#: existing codes never change meaning. ``flag()`` refuses a code that is not in the table.
WARNING_CODES: dict[str, tuple[type[InfolensWarning], str]] = {
    # --- the data ---
    "constant-dropped": (DataWarning, "a constant column was dropped from a multi-column variable"),
    "data-changed": (DataWarning, "validation changed the data (other than dropping constant columns)"),
    "identifier": (DataWarning, "a column is (nearly) unique per row: its MI with anything is not measurable from the sample"),
    "high-cardinality": (DataWarning, "a categorical column has so many levels that its plug-in MI is mostly bias"),
    "missing-values": (DataWarning, "rows with missing values were left out (pairwise-complete rows)"),
    "column-failed": (DataWarning, "a column could not be scored; its row says why"),
    "converted": (DataWarning, "a column was converted (dates to numbers, decimal-comma text to numbers)"),
    "labels-as-numbers": (DataWarning, "a side with few distinct integer values was given to a continuous estimator"),
    "serial-dependence": (DataWarning, "the rows are serially correlated in the order given: if they are dependent, the interval is too narrow"),
    "discrete-values": (DataWarning, "a continuous estimator got tie-heavy (discrete-valued) columns"),
    "repeated-rows": (DataWarning, "rows repeat exactly although a column is continuous: copied records, read as dependence by kNN estimators"),
    "near-copies": (DataWarning, "rows equal to others up to their last digits (jittered or float32-rounded copies): read as dependence by kNN estimators"),
    "determined": (DataWarning, "x or y is a strictly monotone function of z's columns: the conditional MI is 0 exactly"),
    "numbers-as-labels": (DataWarning, "a column of numbers written as text or held as Python objects was read as labels (the cluster path)"),
    "label-variants": (DataWarning, "label levels that differ only in case, spaces or type (5 and '5') are counted as different categories"),
    "missing-informative": (DataWarning, "whether a value is missing tells the target: the pairwise-complete "
                                         "estimate leaves that information out"),
    "missing-code": (DataWarning, "a value far beyond the others repeats in many rows: a missing-value code (-999) read as a number"),
    "target-leak": (DataWarning, "a column tells the target (almost) completely: a copy, encoding or consequence of "
                                 "the target?"),
    "grouped": (DataWarning, "rows come in groups (groups=): the estimate used one row per group, drawn and averaged"),
    "subsampled": (DataWarning, "part of the estimate used a subsample of the rows"),
    "approximate-ranks": (DataWarning, "ranks / normal scores came from approximate quantiles; their error is stated and in the interval"),
    "split-not-random": (DataWarning, "training and holdout rows differ where two random halves of one table would "
                                      "not: checks that compare them read the split as memorisation"),
    "p-value-floor": (DataWarning, "permutation p-values cannot go below 1/(permutations+1)"),
    "multiple-comparisons": (ReliabilityWarning, "many columns were ranked without a test: some columns independent "
                                                 "of the target show an interval above 0 by chance"),
    # --- the estimate ---
    "non-finite": (ReliabilityWarning, "the estimate is not a finite number"),
    "interval-below-zero": (ReliabilityWarning, "the whole 95% interval lies below 0"),
    "stderr-exceeds-estimate": (ReliabilityWarning, "the standard error is larger than the estimate"),
    "high-dimension": (ReliabilityWarning, "too many dimensions for this estimator at this n"),
    "rising-with-n": (ReliabilityWarning, "the estimate still changes with the number of rows"),
    "not-gaussian": (ReliabilityWarning, "a Gaussian (copula) formula on data whose dependence is not Gaussian"),
    "heavy-tails": (ReliabilityWarning, "heavy joint tails that the estimator reads low"),
    "model-rejected": (ReliabilityWarning, "a parametric model failed its nonparametric check"),
    "disagreement": (ReliabilityWarning, "two estimates of the same quantity differ beyond their errors"),
    "lower-bound": (ReliabilityWarning, "the value is a lower bound, not an estimate of the MI itself"),
    "ceiling": (ReliabilityWarning, "the estimate sits at a ceiling the estimator cannot exceed (e.g. log batch size)"),
    "gaussian-marginals": (ReliabilityWarning, "a Gaussian formula on data whose marginals are not Gaussian (the copula version differs)"),
    "exceeds-entropy": (ReliabilityWarning, "the estimate exceeds H(Y), which bounds I(X;Y) for a discrete Y"),
    "fit-at-bound": (ReliabilityWarning, "a fitted model parameter sits at the end of its search range"),
    "truncated": (ReliabilityWarning, "part of the quantity lies outside the range the estimator covers (e.g. a cut-off noise range)"),
    "ill-posed": (ReliabilityWarning, "no finite MI is measurable here (a deterministic map, identical columns, a unique key)"),
    "low-trust": (ReliabilityWarning, "auto grades its own estimate below 'ok'"),
    "small-sample": (ReliabilityWarning, "too few rows for the precision the estimator usually has"),
    "interval": (ReliabilityWarning, "the interval is known to under-cover here"),
    "bound-broken": (ReliabilityWarning, "estimates break an inequality their true values obey (data processing, "
                                         "a chain of layers) beyond their errors"),
    "not-converged": (ConvergenceWarning, "training stopped while the objective was still moving"),
    "not-learned": (ConvergenceWarning, "training ended where it started (a held-out bound at ~0 while the training "
                                        "loss barely left its baseline): the bound says nothing about the MI"),
    "unstable": (ConvergenceWarning, "training diverged or its weights exploded"),
    "other": (ReliabilityWarning, "a reason to doubt the number without a code of its own yet"),
}


#: keys of :attr:`Flag.data` whose values are information quantities (in nats as estimators
#: write them, whatever the flag's code): :meth:`Flag.to_unit` converts exactly these (numbers,
#: lists of numbers) and keys ending in ``_nats`` (renamed ``_bits``). A new flag either reuses
#: one of these names for an information quantity or ends its key with ``_nats``; every other
#: number in ``data`` (counts, dimensions, shares, correlations, settings) is unitless.
INFO_DATA = frozenset({
    "mi", "stderr", "low", "high", "a", "b", "gap", "tolerance", "ceiling", "h_y", "copula_mi", "chosen_mi",
    "ksg_data", "ksg_model", "check_se", "halfwidth", "allowed", "rise", "possible_move", "precision",
    "value", "high_mi", "x_value", "y_value", "deep_value", "shallow_value", "test", "validation",
    "estimate", "train_fit", "label_entropy",
})


class Flag(str):
    """One reason to doubt a number: the sentence (this ``str``), a stable ``code`` (a key of
    :data:`WARNING_CODES`) and the numbers behind it (``data``: plain floats, ints, strings).

    Being a ``str``, a flag is everything a warning sentence was (printable, JSON-serialisable,
    comparable to text); code that decides reads ``flag.code`` and ``flag.data``.

    ``advice`` is the closing clause that points to another way of estimating (e.g. ``", or an
    estimator made for this dimension (method='auto')"``, its leading punctuation included): it
    is part of the sentence a user of that estimator reads (``str(flag) == flag.message +
    flag.advice``) and kept apart so that a caller for whom it is moot (``method="auto"``, which
    its user already runs) drops it by structure (:meth:`without_advice`), never by matching text.
    ``unit`` is the unit of the information quantities in ``data`` (:data:`INFO_DATA`).
    """

    code: str
    data: dict
    message: str
    advice: str
    unit: str

    def __new__(cls, message: str, code: str = "other", data: dict | None = None, advice: str = "",
                unit: str = "nats") -> "Flag":
        if code not in WARNING_CODES:
            raise KeyError(f"unknown warning code {code!r}; add it to infolens.errors.WARNING_CODES")
        obj = super().__new__(cls, f"{message}{advice}")
        obj.code = code
        obj.data = dict(data or {})
        obj.message = str(message)
        obj.advice = str(advice)
        obj.unit = unit
        return obj

    def __reduce__(self):  # keep code, data and advice across pickling (process pools, Dask workers)
        return (Flag, (self.message, self.code, self.data, self.advice, self.unit))

    @property
    def category(self) -> type[InfolensWarning]:
        return WARNING_CODES[self.code][0]

    def without_advice(self) -> "Flag":
        """The same flag (code, numbers) whose sentence ends before its :attr:`advice`."""
        return Flag(self.message, self.code, self.data, unit=self.unit) if self.advice else self

    def to_unit(self, unit: str) -> "Flag":
        """The same flag with the information quantities of its ``data`` (:data:`INFO_DATA`,
        ``*_nats`` keys, renamed ``*_bits``) in ``unit`` ("nats" or "bits"); the sentence is
        kept as written (it names the unit of the numbers it quotes)."""
        if unit == self.unit or unit not in ("nats", "bits"):
            return self
        f = 1.0 / NATS_PER_BIT if unit == "bits" else NATS_PER_BIT
        return Flag(self.message, self.code, convert_info(self.data, f, unit, INFO_DATA), self.advice, unit)

    def to_dict(self) -> dict:
        out = {"code": self.code, "message": str(self), "data": dict(self.data)}
        if self.advice:
            out["advice"] = self.advice
        if self.unit != "nats":
            out["unit"] = self.unit
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Flag":
        """The flag :meth:`to_dict` wrote (its advice kept apart again)."""
        advice = str(d.get("advice") or "")
        text = str(d["message"])
        message = text[: len(text) - len(advice)] if advice and text.endswith(advice) else text
        return cls(message, str(d.get("code", "other")), d.get("data"), advice if message != text else "",
                   str(d.get("unit", "nats")))


#: nats in one bit: ln 2 (== math.log(2.0); this module imports nothing), the one value
#: :mod:`infolens.result` and every conversion use
NATS_PER_BIT = 0.6931471805599453


def scale_info(value, f: float):
    """``value`` times ``f``: a number (a Python float back), an array (``value * f``), or
    a list, tuple or dict of such, converted element by element; anything else (flags,
    strings, None) as it is. The one conversion of information quantities between units
    (:meth:`Flag.to_unit`, :func:`infolens.result.convert_diagnostics`)."""
    if isinstance(value, (bool, str, bytes)) or value is None:
        return value
    if isinstance(value, dict):
        return {k: scale_info(v, f) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scale_info(v, f) for v in value)
    if getattr(value, "ndim", 0):  # an array (this module imports nothing, numpy included)
        return value * f
    if hasattr(value, "__float__"):
        return float(value) * f
    return value


def convert_info(data: dict, f: float, unit: str, keys: frozenset, other=None) -> dict:
    """A copy of ``data`` with the values of ``keys`` and of keys ending in ``_nats`` (renamed
    ``_bits``; or back, for ``unit="nats"``) multiplied by ``f``; every other value as it is,
    or ``other(key, value)`` when given (nested records)."""
    old, new = ("_nats", "_bits") if unit == "bits" else ("_bits", "_nats")
    out: dict = {}
    for key, value in data.items():
        if key in keys:
            out[key] = scale_info(value, f)
        elif key.endswith(old):
            out[key[: -len(old)] + new] = scale_info(value, f)
        else:
            out[key] = value if other is None else other(key, value)
    return out


def flag(code: str, message: str, *, advice: str = "", **data) -> Flag:
    """A :class:`Flag`: ``flag("high-dimension", "KSG in 20 dims ...", dims=20, n=1000)``;
    ``advice``: the closing clause that points to another method (:attr:`Flag.advice`).
    ``message`` may itself be a :class:`Flag` (a helper's sentence given a code here): its advice
    and numbers are kept (the numbers given here win)."""
    if isinstance(message, Flag):
        return Flag(message.message, code, {**message.data, **data}, advice or message.advice, message.unit)
    return Flag(message, code, data, advice)


def code_of(warning: str) -> str:
    """The code of one warning entry (``"other"`` for a plain sentence)."""
    return getattr(warning, "code", "other")


def has_code(warnings_: "list[str] | tuple[str, ...]", *codes: str) -> bool:
    """Whether any entry of ``warnings_`` carries one of ``codes``."""
    return any(getattr(w, "code", "other") in codes for w in warnings_)


def as_flag(warning: str, code: str = "other") -> Flag:
    """``warning`` as a :class:`Flag` (kept as it is when it already is one)."""
    return warning if isinstance(warning, Flag) else Flag(str(warning), code)


def emit(warnings_: "list[str] | tuple[str, ...]", *, where: str | None = None, stacklevel: int = 3) -> None:
    """Issue each entry through Python's :mod:`warnings` as its code's :class:`InfolensWarning`
    subclass, once per distinct text; ``where`` (e.g. ``"column 'age'"``) is prefixed so that
    one cause in two columns gives two warnings."""
    import warnings as _w  # the standard library module; this file imports nothing at load

    seen: set[str] = set()
    for entry in warnings_:
        text = f"{where}: {entry}" if where else str(entry)
        if text in seen:
            continue
        seen.add(text)
        code = code_of(entry)
        _w.warn(WARNING_CODES.get(code, WARNING_CODES["other"])[0](text, code), stacklevel=stacklevel)
