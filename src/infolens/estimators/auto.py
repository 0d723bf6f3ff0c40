"""``method="auto"``: choose an estimator from the data, cross-check it, say how far to trust it.

The rule looks only at the data: which sides are discrete, the dimensions, the sample
size, the shape of the dependence in copula space (:mod:`._trust`) and the agreement of
the candidates it runs. It never looks at a task name or a known truth. It decides on a
typed record (:class:`~._auto_evidence.Evidence`: the candidates with their warning codes and
bias directions, the model check, what was explained), never on a warning's sentence; its
constants, each with its reason, are in :mod:`._auto_rules`.

* Ill-posed questions first (:mod:`._ill_posed`): a canonical pair of the data (or of their
  normal scores) tighter than n rows resolve (identical columns, a deterministic map) has no
  finite MI to measure: the answer is the ceiling ``log n`` with trust "unreliable" and code
  ``"ill-posed"``, before any candidate runs.
* Both sides discrete: the plug-in estimate (``binning``, Miller-Madow corrected).
* One side discrete (labels; a single column of few integer values counts as one): ``ross``
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
a neural bound and nothing corroborates the choice, or the dependence is non-Gaussian with
fewer than ``SMALL_N`` rows; else "ok". Below "ok", ``diagnostics["range"]`` gives a range
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

from ..errors import Flag, InputError, as_flag, flag
from ..registry import get_estimator, register
from ..result import Estimator, check_unit
from ..stats import Z95, compare
from ..validation import as_labels, check_choice, check_random_state, check_xy
from ._auto_evidence import Candidate, Evidence, grade, truth_range
from ._auto_interval import auto_interval
from ._auto_rules import (
    ABOVE_RTOL,
    ABOVE_Z,
    BUDGETS,
    CHECK_ROWS,
    CORROBORATE_MAX_DIM,
    DIFFUSION_MIN_N,
    KNN_ALL_ROWS_MAX_DIM,
    MAX_CHECK_ROWS,
    NEURAL_MIN_N,
    PRECISION_RTOL,
    PROBE_MIN_N,
    T_COPULA_LR,
    THOROUGH_EPOCHS,
    WKL_MIN_N,
    bias_of,
)
from ._auto_size import model_check_of, sized_check, subsample
from ._copula_check import ModelCheck
from ._ill_posed import Deterministic, beyond_ceiling, deterministic_dependence
from ._trust import normal_scores
from .knn import KNN_MAX_JOINT_DIM
from .mixed import resolve_side
from .probe import validation_bound

__all__ = ["AutoMI", "BUDGETS", "NEURAL_MIN_N"]


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
    candidate and of the model check), ``check_sizing`` (the power rule's numbers), ``choice`` (``{"method", "why"}``), ``trust``
    (``"ok"``, ``"caution"`` or ``"unreliable"``), ``trust_reasons``, ``model_check``, ``interval``
    (what the 95% interval holds beyond the chosen candidate's: ``sampling``, ``model_gap``,
    ``reaches``; module docstring, "Interval") and, below "ok", ``range`` (a range the truth
    may lie in).
    """

    name: ClassVar[str] = "auto"
    takes_labels: ClassVar[bool] = True
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
        (the class-conditional Gaussian copula is a model, not the continuous copula's bound)."""
        t0 = time.perf_counter()
        tag = bias or bias_of(method)
        ev.rows[label] = len(xa)
        try:
            res = get_estimator(method, **params).estimate(xa, ya)
        except (ValueError, TypeError, ArithmeticError, np.linalg.LinAlgError) as exc:  # recorded, not hidden
            ev.candidates[label] = Candidate(label, method, tag, time.perf_counter() - t0,
                                             error=f"{type(exc).__name__}: {exc}")
            return
        ev.candidates[label] = Candidate(label, method, tag, time.perf_counter() - t0, result=res)

    def _neural_params(self, seed: int) -> dict[str, Any]:
        p: dict[str, Any] = {"random_state": seed, "verbose": self.verbose}
        if self.budget == "thorough":
            p["epochs"] = THOROUGH_EPOCHS
        return p

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        rng = check_random_state(self.random_state)
        seed = int(rng.integers(2**31 - 1))
        disc_x, how_x = resolve_side(x, self.discrete_x, "x")
        disc_y, how_y = resolve_side(y, self.discrete_y, "y")
        n = len(x)
        ev = Evidence(n=n, d=0 if (disc_x and disc_y) else x.shape[1] + y.shape[1], unit=self.unit)
        h_label = None
        if disc_x and disc_y:
            self._run(ev, "binning", "binning", x, y, discrete_x=True, discrete_y=True)
            ev.choice, why = "binning", "both variables are discrete: the plug-in estimate with the Miller-Madow correction"
        elif disc_x or disc_y:
            xc, lab = (y, x) if disc_x else (x, y)
            p = np.bincount(as_labels(lab, "y" if disc_y else "x")) / n
            h_label = float(-np.sum(p[p > 0] * np.log(p[p > 0])))
            why = self._labels(ev, xc, lab, seed)
        else:
            zx, zy = normal_scores(x), normal_scores(y)
            det = deterministic_dependence(x, y, zx, zy)
            if det is not None:
                return self._ill_posed(det, n, how_x, how_y)
            why = self._continuous(ev, x, y, zx, zy, seed)
            if ev.ill_posed is not None:
                return self._ill_posed(ev.ill_posed, n, how_x, how_y)
        if ev.choice not in ev.ran:
            raise InputError(
                "method='auto' found no estimator that works on these data: "
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
        rng_truth = truth_range(ev, level, h_label)
        rows_used = {k: ev.rows.get(k, n) for k in ev.candidates}
        if ev.model_check is not None:
            rows_used["model_check"] = ev.model_check.rows
        diag: dict[str, Any] = {
            "candidates": {k: {**c.summary(), "rows": ev.rows.get(k, n)} for k, c in ev.candidates.items()},
            "n": n,
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
        if h_label is not None:
            diag["h_label"] = h_label
        if ev.model_check is not None:
            diag["model_check"] = ev.model_check.to_dict()
        if ev.sizing:
            diag["check_sizing"] = dict(ev.sizing)
        if rng_truth is not None:
            diag["range"] = list(rng_truth)
        ci, parts = auto_interval(ev, h_label)
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

    def _ill_posed(self, det: Deterministic, n: int, how_x: str, how_y: str) -> tuple[float, float | None, dict[str, Any]]:
        ceiling = det.ceiling
        shown = ceiling / math.log(2.0) if self.unit == "bits" else ceiling
        msg = (f"not a finite measurable MI at this n: for {det.where()} {det.how(self._fmt)}, a dependence "
               f"tighter than {n} rows resolve - the MI of a deterministic map of continuous data, or of identical "
               f"columns, is infinite. Reported: the finite-sample ceiling log n = {shown:.3g} {self.unit}, which no "
               "estimate from these rows can exceed; measure a noise-regularised MI (add noise of a stated scale), "
               "a compressed or sliced MI, or the MI with a label instead (docs/estimators.md)")
        w = flag("ill-posed", msg, ceiling=ceiling, rho=det.rho, scale=det.scale,
                 x_columns=list(det.x_columns), y_columns=list(det.y_columns))
        diag: dict[str, Any] = {
            "candidates": {}, "choice": {"method": "none", "why": "ill-posed: " + msg}, "trust": "unreliable",
            "trust_reasons": [str(w)], "trust_codes": ["ill-posed"], "discrete_x": False, "discrete_y": False,
            "ceiling": ceiling, "range": [ceiling, math.inf], "warnings": [w], "ci": (ceiling, math.inf),
        }
        return ceiling, None, diag

    # --- the branches ---------------------------------------------------------------------
    def _labels(self, ev: Evidence, xc: np.ndarray, lab: np.ndarray, seed: int) -> str:
        d = xc.shape[1]
        ev.labels = True
        # the class-conditional copula models each class as a Gaussian: no fixed bias direction
        # (784 pixels at n = 20,000 it read 2.59 for a truth of 1.88)
        self._run(ev, "gaussian-copula", "gaussian-copula", xc, lab, bias="unknown", discrete_y=True)
        idx = subsample(ev.n, self.check_rows, seed)
        xs, ls = (xc, lab) if idx is None else (xc[idx], lab[idx])
        if d <= KNN_MAX_JOINT_DIM:
            self._run(ev, "ross", "ross", normal_scores(xs), ls, discrete_y=True, random_state=seed)
            if "ross" in ev.ran:
                ev.choice = "ross"
                return (f"a discrete label and a {d}-dimensional continuous variable: the kNN estimator made "
                        "for labels (Ross 2014), cross-checked with the class-conditional Gaussian copula")
            ev.choice = "gaussian-copula"
            return "ross failed on these data; the class-conditional Gaussian copula"
        # two families of held-out cross-entropy bounds on the same seeded split: the linear
        # probe (every budget; shrinkage LDA alone, closed forms, at "fast") and the neural classifier
        if ev.n >= PROBE_MIN_N:
            probe: dict[str, Any] = {"C": ()} if self.budget == "fast" else {}
            self._run(ev, "probe", "probe", xs, ls, random_state=seed, **probe)
        if self.budget != "fast" and ev.n >= NEURAL_MIN_N:
            self._run(ev, "classifier", "classifier", xs, ls, **self._neural_params(seed))
        p = np.bincount(as_labels(lab, "y")) / ev.n
        h_label = float(-np.sum(p[p > 0] * np.log(p[p > 0])))
        bounds = [k for k in ("probe", "classifier") if k in ev.ran]
        if not bounds:
            ev.lower_bound = True
            ev.choice = "gaussian-copula"
            return (f"a discrete label and a {d}-dimensional continuous variable (too many dimensions for kNN): the "
                    "class-conditional Gaussian copula (no classifier bound ran at this n), a model-based value")
        # each bound is valid on its own test rows; the one kept is chosen on the validation
        # rows only, so the value stays a lower bound up to its standard error
        val = {k: validation_bound(ev.ran[k].result) for k in bounds}
        ev.choice = max(bounds, key=lambda k: val[k])
        ev.lower_bound = True
        c = ev.chosen
        g = ev.ran.get("gaussian-copula")
        if g is not None and g.mi > c.mi:
            # the model above a lower bound contradicts nothing the answer does not already say:
            # the truth lies between the bound and H(label) (the range given below "ok"); above
            # H(label) it is impossible (784 pixels, n = 20,000: 2.59 for a truth of 1.88)
            ev.explained.add("gaussian-copula")
        other = [k for k in bounds if k != ev.choice]
        why = (f"a discrete label and a {d}-dimensional continuous variable (too many dimensions for kNN): the "
               f"held-out cross-entropy bound of the {'linear probe' if ev.choice == 'probe' else 'neural classifier'}"
               f", a lower bound on the MI" + (f", kept over {other[0]} by its bound on the validation rows "
                                              f"({ev.fmt(val[ev.choice])} vs {ev.fmt(val[other[0]])})" if other else ""))
        # the truth lies between the bound and H(label): a bound within PRECISION_RTOL of
        # H(label) (its 95% interval's low end) is within that share of the truth
        lo = c.mi - Z95 * c.se
        if lo >= (1.0 - PRECISION_RTOL) * h_label:
            ev.tight_bound = True
            why += (f"; its 95% interval starts at {ev.fmt(lo)}, within {PRECISION_RTOL:.0%} of H(label) = "
                     f"{ev.fmt(h_label)}, the most any MI with this label can be: the truth lies between them")
        else:
            why += f"; the truth lies between it and H(label) = {ev.fmt(h_label)}"
            if other:
                why += (" (two bound families agreeing is not taken as evidence of tightness: on too few rows both "
                        "can read far below the truth)")
        return why

    def _continuous(self, ev: Evidence, x: np.ndarray, y: np.ndarray, zx: np.ndarray, zy: np.ndarray,
                    seed: int) -> str:
        d, n = ev.d, ev.n
        neural_ok = self.budget != "fast" and n >= NEURAL_MIN_N
        self._run(ev, "gaussian-copula", "gaussian-copula", x, y, discrete_y=False)
        g = ev.ran.get("gaussian-copula")
        ev.gaussian = g is not None and not g.has("not-gaussian")
        if g is not None and not ev.gaussian:
            ev.ill_posed = beyond_ceiling(g.mi, n)
            if ev.ill_posed is not None:
                return "ill-posed"
        # every part but the Gaussian copula runs on check_rows rows at most (module docstring, "Size")
        idx = subsample(n, self.check_rows, seed)
        xs, ys = (x, y) if idx is None else (x[idx], y[idx])
        full = (zx, zy)
        zx, zy = (zx, zy) if idx is None else (normal_scores(xs), normal_scores(ys))
        if not ev.gaussian:
            # its model check is run below, with the KSG candidate already computed
            self._run(ev, "t-copula", "t-copula", xs, ys, random_state=seed, model_check=False)
        if d <= KNN_MAX_JOINT_DIM:
            self._run(ev, "ksg", "ksg", zx, zy, random_state=seed)
        t = ev.ran.get("t-copula")
        heavy = t is not None and math.isfinite(t.result.diagnostics.get("nu", math.inf)) and \
            t.result.diagnostics.get("likelihood_ratio", 0.0) > T_COPULA_LR
        model = "t-copula" if heavy else "gaussian-copula"
        ksg = ev.ran.get("ksg")
        check = model_check_of(ev.ran[model], zx, zy, ksg.result if ksg else None, seed) if model in ev.ran else None
        if check is not None:
            check = sized_check(ev, model, check, x, y, seed, self.max_check_rows,
                                lambda za, zb: self._run(ev, "ksg", "ksg", za, zb, random_state=seed))
        ev.model_check = check
        if check is not None and check.passed and check.all_columns:
            ev.explained, ev.checked = {"ksg"}, True
        if ev.gaussian or (check is not None and check.passed):
            why = self._model_why(ev, model, check)
            # from 2+2 dims on KSG loses power to see what a copula model misses: a held-out
            # neural lower bound significantly above the model is dependence the model misses
            contradicted = False
            if neural_ok and d > CORROBORATE_MAX_DIM:
                self._run(ev, self.neural, self.neural, zx, zy, **self._neural_params(seed))
                nb, mb = ev.ran.get(self.neural), ev.ran[model]
                contradicted = nb is not None and compare(nb.mi, mb.mi, nb.se, mb.se, z=ABOVE_Z, rel=ABOVE_RTOL).differ \
                    and nb.mi > mb.mi
            # (a Gaussian-looking copula whose check failed) KSG sees more than the model explains
            beyond = check is not None and not check.passed and check.ksg_data > check.ksg_model
            if not contradicted and not beyond:
                ev.choice = model
                return why
            ev.explained, ev.checked = set(), False
            if contradicted:
                ev.above_model = (self.neural, model)
                intro = (f"{self.neural}, a lower bound on held-out rows, lies significantly above the {model} "
                         f"estimate ({ev.fmt(ev.ran[self.neural].mi)} vs {ev.fmt(ev.ran[model].mi)}): the dependence "
                         "is not of the copula model's form")
            else:
                intro = ("the copula looks Gaussian, but KSG on the normal scores lies above what it reads on data "
                         "simulated from the Gaussian copula: dependence the Gaussian form misses")
        else:
            intro = "the dependence is not Gaussian in copula space and no copula model reproduces the data's KSG value"
        return self._highest_low_reader(ev, zx, zy, seed, neural_ok, intro, full)

    def _model_why(self, ev: Evidence, model: str, check: ModelCheck | None) -> str:
        t = ev.ran.get("t-copula")
        if model == "t-copula" and t is not None and check is not None:
            return (f"the dependence has heavy joint tails (a Student-t copula with nu = {t.result.diagnostics['nu']:.3g} "
                    f"fits far better than a Gaussian one, likelihood ratio {t.result.diagnostics['likelihood_ratio']:.0f})"
                    f" and the fitted copula reproduces the data's KSG value ({ev.fmt(check.ksg_data)} on the data, "
                    f"{ev.fmt(check.ksg_model)} on data simulated from it, {check.where()}): the t-copula closed form")
        why = (f"the dependence looks Gaussian in copula space ({ev.d} dimensions): the Gaussian-copula closed form "
               "is exact there and has the smallest error")
        if check is not None and check.passed:
            why += (f"; KSG agrees with data simulated from it ({ev.fmt(check.ksg_data)} vs {ev.fmt(check.ksg_model)}, "
                    f"{check.where()})")
        return why

    def _highest_low_reader(self, ev: Evidence, zx: np.ndarray, zy: np.ndarray, seed: int, neural_ok: bool,
                            intro: str, full: tuple[np.ndarray, np.ndarray]) -> str:
        """No copula model explains the data: every remaining candidate known to read low
        (bias "lower-bound" or "low") is a floor, so the highest is kept, unless a candidate
        without a downward bias (wkl, the diffusion estimator) lies above it."""
        d, n = ev.d, ev.n
        if neural_ok and self.neural not in ev.candidates:
            self._run(ev, self.neural, self.neural, zx, zy, **self._neural_params(seed))
        if CORROBORATE_MAX_DIM < d <= KNN_MAX_JOINT_DIM and n >= WKL_MIN_N:
            self._run(ev, "wkl", "wkl", zx, zy, random_state=seed)
        if d > KNN_MAX_JOINT_DIM and neural_ok and n >= DIFFUSION_MIN_N:
            self._run(ev, self.diffusion, self.diffusion, zx, zy, random_state=seed, verbose=self.verbose)
        if "ksg" in ev.ran and ev.rows["ksg"] < n and d <= KNN_ALL_ROWS_MAX_DIM:
            # KSG may be the answer: in 1+1 it is fast enough to run on every row
            self._run(ev, "ksg", "ksg", *full, random_state=seed)
        ev.explained = {"t-copula"}
        ev.highest_low_reader = True
        low = [k for k, c in ev.ran.items() if c.bias in ("lower-bound", "low")]
        best = max(low, key=lambda k: ev.ran[k].mi)
        ev.choice = best
        for k in ("wkl", self.diffusion):
            c = ev.ran.get(k)
            if c is not None and c.bias not in ("lower-bound", "low") and math.isfinite(c.mi) and c.mi > ev.ran[best].mi:
                ev.choice = k
                what = ("in {d} joint dimensions KSG and the lower bounds read low, and the bias-corrected weighted kNN "
                        "estimator (wkl)" if k == "wkl" else
                        f"in {{d}} joint dimensions kNN cannot run and the lower bounds read low, and the diffusion "
                        f"estimator ({k})").format(d=d)
                return (f"{intro}; {what} lies above them ({ev.fmt(c.mi)} vs {ev.fmt(ev.ran[best].mi)} from {best}): "
                        "it is kept")
        return (f"{intro}; every candidate left reads low (the Gaussian copula is a lower bound, kNN is biased down, "
                f"neural bounds are lower bounds): the highest, {best}")

