"""``method="auto"``: choose an estimator from the data, cross-check it, say how far to trust it.

The rule looks only at the data: which sides are discrete, the dimensions, the sample
size, the shape of the dependence in copula space (:mod:`._trust`) and the agreement of
the candidates it runs. It never looks at a task name or a known truth. It decides on a
typed record (:class:`~._auto_evidence.Evidence`: the candidates with their warning codes and
bias directions, the model check, what was explained), never on a warning's sentence; its
constants, each with its reason, are in :mod:`._auto_rules`. Which candidates run, when, on
what and in which role is one table (:data:`~._auto_candidates.CANDIDATES`, a row per
candidate); the branches below (:mod:`._auto_branches`) iterate it by role and name no
estimator, so a new candidate is its class (with its ``bias`` tag) and one row.

* Rows first (:mod:`._trust`): rows serially correlated in the order given are said and
  graded "caution" (every interval assumes independent rows); whole rows that repeat an
  earlier row exactly while some column takes non-integer values are copied records
  (:func:`~._trust.repeated_rows`), which kNN estimators read as dependence at distance zero: auto
  keeps the first of each (``diagnostics["distinct_rows"]``), says so (code
  ``"repeated-rows"``) and grades at most "caution" (repeats that are real draws would
  change the answer, which only the user can tell). Copies up to their last digits (a float32
  round trip, jitter: each row within 1e-3 of the distance to its next other row from up to 7
  others, :func:`~._trust.near_copies`) are treated alike (code ``"near-copies"``).
* Ill-posed questions next (:mod:`._ill_posed`): a canonical pair of the data (or of their
  normal scores) tighter than n rows resolve (identical columns, a deterministic map) has no
  finite MI to measure: the answer is the ceiling ``log n`` with trust "unreliable" and code
  ``"ill-posed"``, before any candidate runs.
* Both sides discrete: the plug-in estimate (``binning``, Miller-Madow corrected).
* One side discrete (labels; a single column of few integer values counts as one, and so,
  against a continuous side, does one whose integer levels repeat at least
  ``LABEL_MIN_ROWS`` times on average; several integer columns whose rows take few patterns,
  a one-hot encoding, are one label): ``ross``
  (kNN for a label) when the continuous side has at most
  :data:`~infolens.estimators.knn.KNN_MAX_JOINT_DIM` dimensions, cross-checked with the
  class-conditional Gaussian copula; above that, two held-out cross-entropy lower bounds on
  the same split, the linear ``probe`` and the neural ``classifier``, the one higher on its
  validation rows kept (below n = 500 the copula): graded "ok" only when the bound's
  interval starts within 10% of ``H(label)`` (the truth lies between them), else "caution"
  with code ``"lower-bound"`` and a range up to ``H(label)``.
* Both continuous: every candidate works on normal scores (each column replaced by
  ``Phi^-1(rank / (n + 1))``; MI is invariant to monotone per-column maps).

  1. ``gaussian-copula`` always; ``t-copula`` when the Gaussian copula's checks find the
     dependence non-Gaussian (code ``"not-gaussian"``); ``ksg`` on the scores when
     ``dx + dy <= KNN_MAX_JOINT_DIM``.
  2. Model check (:mod:`._copula_check`): the copula model (the t-copula when it beats the
     Gaussian one by a likelihood ratio above ``T_COPULA_LR``) is simulated and KSG must
     read the same on the simulation as on the data, within the combined standard errors of
     both KSG values and of the model (:func:`infolens.stats.compare`). A model that passes,
     or a Gaussian-looking copula, is the answer, unless (above 2+2 dims, n >= 500) a neural
     lower bound on held-out rows lies significantly above it.
  3. Otherwise every candidate left reads low (tagged ``bias = "lower-bound"`` or
     ``"low"``), so the highest is the answer, unless the bias-corrected ``wkl`` (5-10 joint
     dims) or the diffusion estimator (``diffusion=``, above 10 dims) lies above it.

Size (the rows each part uses): the closed forms (the Gaussian copula, the class-conditional
copula, binning, the ill-posed test) cost O(n d^2) and use every row; every other part (the
t-copula, KSG, the model check, the neural, wkl, ross, probe, classifier and diffusion candidates)
runs on one random, seeded subsample of ``check_rows`` (20,000) rows when n is larger, so at
n <= 20,000 nothing changes. The model check grows from there to the rows its power needs
(:func:`~._auto_rules.check_rows_for_power`: a 10% model error detected with 80% power),
up to ``max_check_rows``; in 1+1, KSG is rerun on every row when no copula model explains
the data (it may be the answer). ``diagnostics["rows_used"]`` and ``["check_sizing"]`` say what ran
on how many rows; a value that comes from the subsample carries the code ``"subsampled"``,
and its interval, that of an estimate from those rows, includes the subsampling.

Trust (:func:`~._auto_evidence.grade`, a table of rules read in order; every verdict below
"ok" is also a warning, except imprecision alone, which the interval states): "unreliable" when a
candidate contradicts the choice beyond 3 combined standard errors and 25% with no known
downward bias; "caution" when the chosen estimate carries warnings of its own, is a lower
bound, was checked on a sub-block only, or a copula model failed its check or was beaten by
a neural bound and nothing corroborates the choice, the dependence is non-Gaussian with
fewer than ``SMALL_N`` rows, a label has fewer than ``LABEL_ROWS_OK`` rows per class, the rows are
serially correlated or carry copied records; else "ok". Below "ok", ``diagnostics["range"]`` gives a range
the truth may lie in.

Interval (:mod:`._auto_interval`): the chosen candidate's 95% interval, widened by the
uncertainty of the choice: moved by the model check's gap when a copula model is the answer,
reaching the value of any candidate that corroborates the choice, down to the highest
low reader when an estimator was chosen above them, and up to ``H(label)`` above a lower
bound on the MI with a label. ``diagnostics["interval"]`` says what
each part added; the standard error stays the chosen candidate's sampling error.
"""

from __future__ import annotations

import math
import time
from typing import Any, ClassVar

import numpy as np

from ..errors import Flag, InputError, as_flag, code_of, flag
from ..registry import get_estimator, register
from ..result import Estimator, check_unit
from ..stats import label_entropy, label_entropy_high
from ..validation import (as_labels, check_choice, check_random_state, check_xy, drop_monotone_copies,
                          is_identifier, is_integral)
from ._auto_branches import continuous, labels, mixed, mixed_side, plug_in_bracket, run_row
from ._auto_candidates import PLUG_IN, Feeds, row
from ._auto_evidence import Candidate, Evidence, grade, truth_range
from ._auto_interval import auto_interval
from ._auto_rules import BUDGETS, CHECK_ROWS, LABEL_MIN_ROWS, MAX_CHECK_ROWS, NEURAL_MIN_N, bias_of
from ._ill_posed import Deterministic, deterministic_dependence, smooth_map
from ._trust import first_rows, near_copies, normal_scores, repeated_rows, serial_flags
from .mixed import resolve_side

__all__ = ["AutoMI", "BUDGETS", "NEURAL_MIN_N"]


def _many_levels(a: np.ndarray) -> bool:
    """One integral column whose levels repeat at least :data:`~._auto_rules.LABEL_MIN_ROWS`
    times on average (the detection's own limit, 32 levels or 5% of n, already passed)."""
    if a.shape[1] != 1 or len(a) < 2 * LABEL_MIN_ROWS:
        return False
    col = a[:, 0]
    return is_integral(col) and len(np.unique(col)) * LABEL_MIN_ROWS <= len(col)


def _few_patterns(a: np.ndarray) -> int:
    """The number of distinct rows of a side of several columns when each repeats at least
    :data:`~._auto_rules.LABEL_MIN_ROWS` times on average (0 otherwise): vectors that take a
    few values, each on many rows, are a discrete variable written as vectors (a token's or a
    class's embedding looked up per row, codes stored as floats, a smoothed one-hot label). Its
    MI is that of the row patterns exactly; read as continuous, the repeats are ties and copies
    to a kNN estimator (200 tokens' 16-dim embeddings against a 5-class label, n = 10,000:
    0.610 for 0.718; 1000 tokens in 32 dims, 10 classes, n = 20,000: 0.319 for 0.625)."""
    n = len(a)
    if a.ndim != 2 or a.shape[1] < 2 or n < 2 * LABEL_MIN_ROWS:
        return 0
    first = len(np.unique(a[:, 0]))
    if first * LABEL_MIN_ROWS > n:  # (a cheap first look: one column's values)
        return 0
    k = len(np.unique(a, axis=0))
    if k * LABEL_MIN_ROWS > n:
        return 0
    # one code, not a grid: some column alone tells the rows apart (an embedding's every
    # coordinate does), or the patterns are far fewer than the columns' levels could form,
    # k <= sqrt(prod levels) (a smoothed one-hot label, 0.9 / 0.01 in each of 10 columns: 10
    # patterns of 1024; read as 10 continuous columns, +5% with an interval that missed).
    # Columns that each take a few levels of one quantity combine into many patterns (3
    # columns of 8 levels: 300-400 of 512), each column ordered and read well as numbers (the
    # quantised 3+3 Gaussian: 1.36-1.41 for 1.40), as patterns by ross at 10 rows each 13-16% low
    levels = [first, *(len(np.unique(a[:, j])) for j in range(1, a.shape[1]))]
    return k if max(levels) == k or 2.0 * math.log(k) <= float(np.sum(np.log(levels))) else 0


@register("default", "automatic")
class AutoMI(Estimator):
    """Chooses, cross-checks and grades its own estimate (see the module docstring).

    Parameters
    ----------
    neural : the neural candidate for non-Gaussian continuous dependence ("infonce" by
        default; any registered estimator name).
    diffusion : the candidate for non-Gaussian dependence in more than 10 joint dimensions
        that no copula model explains ("mmg" by default, or "minde").
    budget : "fast" (closed forms and kNN only), "default", or "thorough" (the neural
        candidate trains 200 epochs instead of its default 50).
    discrete_x, discrete_y : True, False or "auto" (labels given as strings/categories are
        always discrete; a single column of few integer values is detected as labels).
    random_state : seed of every candidate.
    verbose : progress bars of the neural candidate.
    unit : the unit the explanations quote numbers in (``estimate_mi(..., unit=)`` sets it;
        the numbers of the result are converted by ``MIResult.to_unit``).
    check_rows : above this many rows, every part other than the closed forms (t-copula, KSG,
        the model check, the neural, wkl and diffusion candidates) runs on a random, seeded
        subsample of this many rows (module docstring, "Size").
    max_check_rows : the most rows the model check grows to when ``check_rows`` rows lack the
        power to detect a 10% error of the model.

    ``diagnostics``: ``candidates`` (each estimate with stderr, interval, seconds, rows,
    warnings and their codes, bias direction, or error), ``rows_used`` (rows of each
    candidate and of the model check), ``n`` (rows given), ``distinct_rows`` (when copied
    records were found: the rows it kept, one of each; see "Rows" in the module docstring),
    ``check_sizing`` (the power rule's numbers), ``choice`` (``{"method", "why"}``), ``trust``
    (``"ok"``, ``"caution"`` or ``"unreliable"``), ``trust_reasons``, ``model_check``, ``interval``
    (what the 95% interval holds beyond the chosen candidate's: ``sampling``, ``model_gap``,
    ``reaches``; module docstring, "Interval") and, below "ok", ``range`` (a range the truth
    may lie in).
    """

    name: ClassVar[str] = "auto"
    takes_labels: ClassVar[bool] = True
    #: checks the rows itself - serial dependence and copied records, on which it grades and
    #: acts - and says what it found (``estimate_mi`` then does not check them again)
    checks_rows: ClassVar[bool] = True
    #: estimate_mi runs it with one torch thread unless asked otherwise (its neural candidate
    #: is a small model, which more threads slow down on a busy machine)
    small_torch_model: ClassVar[bool] = True
    _min_samples: ClassVar[int] = 10
    _test_params: ClassVar[dict[str, Any]] = {"budget": "fast"}

    def __init__(self, neural: str = "infonce", diffusion: str = "mmg", budget: str = "default",
                 discrete_x: bool | str = "auto", discrete_y: bool | str = "auto", random_state: Any = None,
                 verbose: bool | None = None, unit: str = "nats", check_rows: int = CHECK_ROWS,
                 max_check_rows: int = MAX_CHECK_ROWS) -> None:
        self.neural = neural
        self.diffusion = diffusion
        self.budget = budget
        self.discrete_x = discrete_x
        self.discrete_y = discrete_y
        self.random_state = random_state
        self.verbose = verbose
        self.unit = unit
        self.check_rows = check_rows
        self.max_check_rows = max_check_rows

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        check_choice(self.budget, "budget", BUDGETS)
        check_unit(self.unit)
        if not isinstance(self.neural, str):
            raise InputError(f"neural must be an estimator name such as 'infonce', got {self.neural!r}")
        if not isinstance(self.diffusion, str):
            raise InputError(f"diffusion must be an estimator name such as 'mmg', got {self.diffusion!r}")
        for name in ("check_rows", "max_check_rows"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 100:
                raise InputError(f"{name} must be an integer of at least 100 rows (default {CHECK_ROWS if name == 'check_rows' else MAX_CHECK_ROWS}), got {v!r}")
        return check_xy(x, y, min_samples=self.min_samples(), x_categorical=True, y_categorical=True)

    # --- running candidates ---------------------------------------------------------------
    def _run(self, ev: Evidence, label: str, method: str, xa: np.ndarray, ya: np.ndarray, bias: str | None = None,
             **params: Any) -> None:
        """Run one candidate into ``ev``; ``bias`` overrides the class's tag where the use differs
        (the class-conditional Gaussian copula is a model, not the continuous copula's bound);
        else an estimator that reads its own bias on the data (``diagnostics["bias"]``: the
        Gaussian copula on discrete-valued columns, no longer a lower bound) overrides it."""
        t0 = time.perf_counter()
        tag = bias or bias_of(method)
        ev.rows[label] = len(xa)
        try:
            res = get_estimator(method, **params).estimate(xa, ya)
        except (ValueError, TypeError, ArithmeticError, np.linalg.LinAlgError) as exc:  # recorded, not hidden
            ev.candidates[label] = Candidate(label, method, tag, time.perf_counter() - t0,
                                             error=f"{type(exc).__name__}: {exc}")
            return
        if bias is None and isinstance(res.diagnostics.get("bias"), str):
            tag = res.diagnostics["bias"]  # (the estimator's own reading of its bias on these data)
        ev.candidates[label] = Candidate(label, method, tag, time.perf_counter() - t0, result=res)

    def _sides(self, x: np.ndarray, y: np.ndarray) -> tuple[tuple[np.ndarray, bool, str], tuple[np.ndarray, bool, str]]:
        """``(side, discrete, how)`` of x and y: declared, detected (:func:`.mixed.resolve_side`),
        or, against a continuous side, one integer column of many repeated levels read as a
        label; a side of several columns whose rows take few values (:func:`_few_patterns`) is
        read as the label of its row patterns; a discrete side of several columns (a one-hot
        encoding) becomes the codes of its row patterns; a continuous side loses the columns that repeat another in other units
        (:func:`~infolens.validation.drop_monotone_copies`)."""
        disc_x, how_x = resolve_side(x, self.discrete_x, "x")
        disc_y, how_y = resolve_side(y, self.discrete_y, "y")
        undeclared = self.discrete_x in (None, "auto") and self.discrete_y in (None, "auto")
        if not disc_x and not disc_y and undeclared:
            many_x, many_y = _many_levels(x), _many_levels(y)
            if many_x != many_y:  # (one side: both would make a table of levels by levels)
                disc_x, disc_y = many_x, many_y
                k = len(np.unique(x if many_x else y))
                how = (f"detected ({k} integer levels, {len(x) / k:.1f} rows each on average: read as a label, "
                       "which does not assume that neighbouring levels behave alike)")
                how_x, how_y = (how, how_y) if many_x else (how_x, how)
        for side, a, declared in (("x", x, self.discrete_x), ("y", y, self.discrete_y)):
            k = 0 if declared not in (None, "auto") or (disc_x if side == "x" else disc_y) else _few_patterns(a)
            if k:
                how = (f"detected ({k} distinct rows of {a.shape[1]} columns, {len(a) / k:.1f} rows each on average: "
                       "vectors that take few values, read as the label of their row patterns)")
                if side == "x":
                    disc_x, how_x = True, how
                else:
                    disc_y, how_y = True, how
        x = as_labels(x, "x")[:, None] if disc_x and x.shape[1] > 1 else x if disc_x else drop_monotone_copies(x, "x")
        y = as_labels(y, "y")[:, None] if disc_y and y.shape[1] > 1 else y if disc_y else drop_monotone_copies(y, "y")
        return (x, disc_x, how_x), (y, disc_y, how_y)

    @staticmethod
    def _rows(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, Flag | None, Flag | None, Flag | None]:
        """The row checks (module docstring, "Rows first"): ``(x, y, serial, repeated, near)``,
        with copied records, exact or up to their last digits, reduced to the first of each."""
        serial = next(iter(serial_flags(x, y)), None)
        repeated = next(iter(repeated_rows(x, y)), None)
        if repeated is not None:
            keep = first_rows(x, y)
            x, y = x[keep], y[keep]
            repeated = flag("repeated-rows", f"{repeated}; auto estimated on the {len(keep)} distinct rows (the first "
                            "of each), which is right for copies but not for repeats that are real draws",
                            **repeated.data, rows_used=len(keep))
        near_keep, near = near_copies(x, y)
        if near_keep is not None and near is not None:
            x, y = x[near_keep], y[near_keep]
            near = flag("near-copies", f"{near}; auto estimated on the {len(x)} rows left (the first of each group), "
                        "which is right for copies but not for real draws that close", **near.data, rows_used=len(x))
        return x, y, serial, repeated, near

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        rng = check_random_state(self.random_state)
        seed = int(rng.integers(2**31 - 1))
        (x, disc_x, how_x), (y, disc_y, how_y) = self._sides(x, y)
        n_given = len(x)  # (rows before the copies left)
        x, y, serial, repeated, near = self._rows(x, y)
        n = len(x)
        ev = Evidence(n=n, d=0 if (disc_x and disc_y) else x.shape[1] + y.shape[1], unit=self.unit)
        ev.serial, ev.repeated, ev.near = serial, repeated, near
        if disc_x and disc_y:
            for side, a in (("x", x), ("y", y)):
                codes = as_labels(a, side)
                if is_identifier(int(codes.max()) + 1, n):
                    ev.h_label, ev.classes = label_entropy(codes), int(codes.max()) + 1
                    return self._identifier(ev, side)
            feeds = Feeds(x, y, None)
            ev.choice = run_row(self, ev, row(PLUG_IN), feeds, seed)
            why = "both variables are discrete: the plug-in estimate with the Miller-Madow correction"
            why += plug_in_bracket(self, ev, feeds, seed)
        elif disc_x or disc_y:
            xc, lab = (y, x) if disc_x else (x, y)
            codes = as_labels(lab, "y" if disc_y else "x")
            ev.h_label, ev.classes = label_entropy(codes), int(codes.max()) + 1
            ev.h_label_high = label_entropy_high(codes)
            if is_identifier(ev.classes, n):
                return self._identifier(ev, "y" if disc_y else "x")
            why = labels(self, ev, xc, lab, seed)
        else:
            mix = mixed_side(x, y)
            why = mixed(self, ev, x, y, mix[0], mix[1], seed) if mix is not None else ""
            if ev.choice not in ev.ran:  # (not mixed, or the chain failed: the continuous branch)
                zx, zy = normal_scores(x), normal_scores(y)
                det = deterministic_dependence(x, y, zx, zy) or smooth_map(x, y)
                if det is not None:
                    return self._ill_posed(det, ev)
                why = continuous(self, ev, x, y, zx, zy, seed)
                if ev.ill_posed is not None:
                    return self._ill_posed(ev.ill_posed, ev)
        if ev.choice not in ev.ran:
            wide = (f"x and y have {x.shape[1] + y.shape[1]} columns together for {n} rows, more than the rows can "
                    "resolve: reduce the columns (principal components, a feature selection such as "
                    "infolens.select_features) or use more rows; " if x.shape[1] + y.shape[1] >= n else "")
            raise InputError(
                f"method='auto' found no estimator that works on these data: {wide}"
                + "; ".join(f"{k}: {c.error}" for k, c in ev.candidates.items())
            )
        chosen = ev.chosen.result
        level, reasons = grade(ev)
        own = ev.own_warnings()
        warns: list[str] = [self._as_told(w) for w in own]
        used = ev.rows.get(ev.choice, n)
        if used < n:
            warns.append(flag("subsampled", f"auto: the value comes from {ev.choice} on a random subsample of {used} of "
                              f"{n} rows (a closed form on all rows was not the answer); its standard error and interval "
                              f"are those of an estimate from {used} rows, which include the subsampling",
                              rows=used, n=n))
        # every verdict other than "ok" is said in the warnings too (the chosen estimate's own
        # warnings are already there; the trust reasons add what the cross-check found)
        if level != "ok":
            for r in reasons:
                if r.data.get("from_candidate") == ev.choice:  # one of `own`, already there
                    continue
                if r.data.get("interval_says_it"):  # imprecision alone: the interval states it
                    continue
                warns.append(flag(r.code, f"auto ({level}): {self._as_told(r)}", **r.data))
        for said in ev.row_flags:  # (said whether or not they set the grade)
            if not any(code_of(w) == said.code for w in warns):
                warns.append(said)
        rng_truth = truth_range(ev, level, ev.h_label_high)
        rows_used = {k: ev.rows.get(k, n) for k in ev.candidates}
        if ev.model_check is not None:
            rows_used["model_check"] = ev.model_check.rows
        diag: dict[str, Any] = {
            "candidates": self._candidates(ev),
            "n": n_given,
            "rows_used": rows_used,
            "choice": {"method": ev.choice, "why": why},
            "trust": level,
            "trust_reasons": [str(r) for r in reasons],
            "trust_codes": [r.code for r in reasons],
            "discrete_x": how_x if disc_x else False,
            "discrete_y": how_y if disc_y else False,
            "chosen_diagnostics": {k: v for k, v in chosen.diagnostics.items()
                                   if k not in ("critic", "curves", "dispersion")},
            "warnings": warns,
        }
        if ev.repeated is not None or ev.near is not None:
            diag["distinct_rows"] = n
        if ev.h_label is not None:
            diag["h_label"] = ev.h_label
        if ev.fano is not None:
            diag["fano"] = ev.fano.to_dict()
        if ev.label_check is not None:
            diag["label_check"] = ev.label_check.to_dict()
        if ev.model_check is not None:
            diag["model_check"] = ev.model_check.to_dict()
        if ev.sizing:
            diag["check_sizing"] = dict(ev.sizing)
        if rng_truth is not None:
            diag["range"] = list(rng_truth)
        ci, parts = auto_interval(ev, ev.h_label_high)
        if ci is not None:
            diag["ci"] = ci
            diag["interval"] = parts
            if "range" in diag:  # the range holds at least what the interval states
                diag["range"] = [min(diag["range"][0], max(ci[0], 0.0)), max(diag["range"][1], ci[1])]
        return chosen.mi, chosen.stderr, diag

    def _fmt(self, v: float) -> str:
        """A value given in nats, written in the unit of the result."""
        return f"{v / math.log(2.0) if self.unit == 'bits' else v:.3g} {self.unit}"

    @staticmethod
    def _as_told(w: str) -> Flag:
        """A candidate's warning as auto reports it: the same code and numbers, without the
        flag's advice (:attr:`infolens.errors.Flag.advice`: the clause that points to another
        method, e.g. ``method='auto'``, which its user already runs)."""
        return as_flag(w).without_advice()

    @staticmethod
    def _candidates(ev: Evidence) -> dict[str, dict[str, Any]]:
        """Every candidate that ran (or failed), with the rows it used."""
        return {k: {**c.summary(), "rows": ev.rows.get(k, ev.n)} for k, c in ev.candidates.items()}

    def _identifier(self, ev: Evidence, side: str) -> tuple[float, float | None, dict[str, Any]]:
        """A label with under two rows per level: no estimate, a reason and the range."""
        msg = (f"not measurable: {side} is an identifier, {ev.classes} distinct labels in {ev.n} rows "
               f"({ev.classes / ev.n:.0%} unique); with under two rows per label no estimator can tell its MI with "
               "anything from these rows (each label names its own row: a unique key reads the most possible "
               f"whatever the other side is), so the value is NaN with the range [0, H({side})]; leave it out, or "
               "group its labels into fewer, larger classes")
        w = flag("identifier", msg, levels=ev.classes, rows=ev.n)
        h = ev.h_label if ev.h_label is not None else math.inf
        diag: dict[str, Any] = {
            "candidates": {}, "choice": {"method": "none", "why": "identifier: " + msg}, "trust": "unreliable",
            "trust_reasons": [str(w)], "trust_codes": ["identifier"], "discrete_x": side == "x",
            "discrete_y": side == "y", "range": [0.0, h], "h_label": h,
            "warnings": [w, *ev.row_flags],
        }
        return math.nan, None, diag

    def _ill_posed(self, det: Deterministic, ev: Evidence) -> tuple[float, float | None, dict[str, Any]]:
        n, ceiling = ev.n, det.ceiling
        shown = ceiling / math.log(2.0) if self.unit == "bits" else ceiling
        msg = (f"not a finite measurable MI at this n: for {det.where()} {det.how(self._fmt)}, a dependence "
               f"tighter than {n} rows resolve - the MI of a deterministic map of continuous data, or of identical "
               f"columns, is infinite. Reported: the finite-sample ceiling log n = {shown:.3g} {self.unit}, which no "
               "estimate from these rows can exceed; measure a noise-regularised MI (add noise of a stated scale), "
               "a compressed or sliced MI, or the MI with a label instead (docs/estimators.md)")
        w = flag("ill-posed", msg, ceiling=ceiling, rho=det.rho, scale=det.scale,
                 x_columns=list(det.x_columns), y_columns=list(det.y_columns))
        # (the candidates that ran before the answer was found beyond the ceiling stay on record)
        diag: dict[str, Any] = {
            "candidates": self._candidates(ev), "choice": {"method": "none", "why": "ill-posed: " + msg},
            "trust": "unreliable", "trust_reasons": [str(w)], "trust_codes": ["ill-posed"], "discrete_x": False,
            "discrete_y": False, "ceiling": ceiling, "range": [ceiling, math.inf], "ci": (ceiling, math.inf),
            "warnings": [w, *ev.row_flags],
        }
        return ceiling, None, diag
