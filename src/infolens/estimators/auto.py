"""``method="auto"``: choose an estimator from the data, cross-check it, say how far to trust it.

The rule looks only at the data: which sides are discrete, the dimensions, the sample
size, the shape of the dependence in copula space (:mod:`._trust`) and the agreement of
the candidates it runs. It never looks at a task name or a known truth.

* Both sides discrete: the plug-in estimate (``binning``, Miller-Madow corrected).
* One side discrete (labels): ``ross`` (kNN for a label) when the continuous side has at
  most :data:`~infolens.estimators.knn.KNN_MAX_JOINT_DIM` dimensions, cross-checked with the
  class-conditional Gaussian copula; above that, the copula and the neural classifier
  bound (``classifier``), the higher of the two (both are lower bounds).
* Both continuous: every candidate works on normal scores (each column replaced by
  ``Phi^-1(rank / (n + 1))``; MI is invariant to monotone per-column maps, and the
  scores have no heavy marginal tails or skew for the estimators to trip on).

  1. ``gaussian-copula`` always (exact for Gaussian dependence in copula space, the
     smallest variance); ``t-copula`` when the copula checks find the dependence
     non-Gaussian; ``ksg`` on the scores when ``dx + dy <= KNN_MAX_JOINT_DIM``.
  2. Model check (:mod:`._copula_check`): the copula model (the t-copula when it beats the
     Gaussian one by a likelihood ratio above :data:`T_COPULA_LR`) is simulated and KSG
     must read the same on the simulation as on the data. A model that passes, or a
     Gaussian-looking copula, is the answer, unless (above 2+2 dims, n >= 500) a neural
     lower bound on held-out rows lies significantly above it.
  3. Otherwise the model is rejected and every candidate left reads low (a Gaussian copula
     has the least MI for given normal-score correlations; KSG's bias is downward; InfoNCE
     is a lower bound), so the highest is the answer, unless the bias-corrected ``wkl``
     (5-10 joint dims) or the diffusion estimator (``diffusion=``, above 10 dims) lies
     above it.

Trust: ``"ok"`` when the chosen estimate carries no warning and the candidates agree with
it within their errors (or sit below it where they are known to read low);
``"caution"`` when the chosen estimate carries warnings of its own, when a copula model
failed its check (or was beaten by the neural bound) and the choice is not corroborated, or
when a non-Gaussian model was checked on a sub-block only; ``"unreliable"`` when
candidates disagree by more than 3 combined standard errors and 25% with no known reason,
or every candidate failed but one that warns. The interval is the chosen candidate's.
"""

from __future__ import annotations

import math
import time
from typing import Any, ClassVar

import numpy as np

from ..errors import InputError
from ..registry import get_estimator, register
from ..result import Estimator
from ..validation import check_choice, check_random_state, check_xy
from ._auto_rules import CORROBORATE_MAX_DIM, _corroborated, _own_warnings, _se
from ._copula_check import copula_model_check
from ._trust import normal_scores
from .knn import KNN_MAX_JOINT_DIM
from .mixed import resolve_side

BUDGETS = ("fast", "default", "thorough")
#: smallest n for which the neural candidate is trained (its test split is n / 5 rows)
NEURAL_MIN_N = 500
#: relative gap (with 3 combined standard errors) that counts as disagreement
DISAGREE_RTOL = 0.25


def _summary(res: Any, seconds: float) -> dict[str, Any]:
    return {"mi": res.mi, "stderr": res.stderr, "ci": None if res.ci is None else list(res.ci),
            "seconds": seconds, "warnings": list(res.warnings), "error": None}


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
        candidate trains up to 4x longer).
    discrete_x, discrete_y : True, False or "auto" (labels given as strings/categories are
        always discrete).
    random_state : seed of every candidate.
    verbose : progress bars of the neural candidate.

    ``diagnostics``: ``candidates`` (each estimate with stderr, interval, seconds,
    warnings or error), ``choice`` (``{"method", "why"}``), ``trust`` (``"ok"``,
    ``"caution"`` or ``"unreliable"``) and ``trust_reasons``.
    """

    name: ClassVar[str] = "auto"
    #: estimate_mi runs it with one torch thread unless asked otherwise (its neural candidate
    #: is a small model, which more threads slow down on a busy machine)
    small_torch_model: ClassVar[bool] = True
    _min_samples: ClassVar[int] = 10
    _test_params: ClassVar[dict[str, Any]] = {"budget": "fast"}

    def __init__(self, neural: str = "infonce", diffusion: str = "mmg", budget: str = "default",
                 discrete_x: bool | str = "auto", discrete_y: bool | str = "auto", random_state: Any = None,
                 verbose: bool | None = None) -> None:
        self.neural = neural
        self.diffusion = diffusion
        self.budget = budget
        self.discrete_x = discrete_x
        self.discrete_y = discrete_y
        self.random_state = random_state
        self.verbose = verbose

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        check_choice(self.budget, "budget", BUDGETS)
        if not isinstance(self.neural, str):
            raise InputError(f"neural must be an estimator name such as 'infonce', got {self.neural!r}")
        if not isinstance(self.diffusion, str):
            raise InputError(f"diffusion must be an estimator name such as 'mmg', got {self.diffusion!r}")
        return check_xy(x, y, min_samples=self.min_samples(), x_categorical=True, y_categorical=True)

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        rng = check_random_state(self.random_state)
        seed = int(rng.integers(2**31 - 1))
        disc_x, how_x = resolve_side(x, self.discrete_x, "x")
        disc_y, how_y = resolve_side(y, self.discrete_y, "y")
        cands: dict[str, dict[str, Any]] = {}
        results: dict[str, Any] = {}
        notes: dict[str, Any] = {}

        def run(label: str, method: str, xa: np.ndarray, ya: np.ndarray, **params: Any) -> None:
            t0 = time.perf_counter()
            try:
                res = get_estimator(method, **params).estimate(xa, ya)
            except (ValueError, TypeError, ArithmeticError) as exc:  # a refusal is recorded, not hidden
                cands[label] = {"mi": None, "stderr": None, "ci": None, "seconds": time.perf_counter() - t0,
                                "warnings": [], "error": f"{type(exc).__name__}: {exc}"}
                return
            cands[label] = _summary(res, time.perf_counter() - t0)
            results[label] = res

        n = len(x)
        if disc_x and disc_y:
            run("binning", "binning", x, y, discrete_x=True, discrete_y=True)
            choice, why = "binning", "both variables are discrete: the plug-in estimate with the Miller-Madow correction"
        elif disc_x or disc_y:
            xc, lab = (y, x) if disc_x else (x, y)
            choice, why = self._labels(run, results, xc, lab, n, seed)
        else:
            choice, why = self._continuous(run, results, x, y, n, seed, notes)
        if choice not in results:
            raise InputError(
                "method='auto' found no estimator that works on these data: "
                + "; ".join(f"{k}: {v['error']}" for k, v in cands.items())
            )
        chosen = results[choice]
        d = 0 if (disc_x and disc_y) else x.shape[1] + y.shape[1]
        level, reasons = self._trust(choice, results, cands, d, notes)
        corroborated = bool(notes.get("checked")) or _corroborated(choice, results, d, n)
        warns = _own_warnings(choice, chosen, corroborated)
        # every verdict other than "ok" is said in the warnings too (the chosen estimate's own
        # warnings are already there; the trust reasons add what the cross-check found)
        if level != "ok":
            warns += [f"auto ({level}): {r}" for r in reasons if not any(r.endswith(w) for w in warns)]
        diag: dict[str, Any] = {
            "candidates": cands,
            "choice": {"method": choice, "why": why},
            "trust": level,
            "trust_reasons": reasons,
            "discrete_x": how_x if disc_x else False,
            "discrete_y": how_y if disc_y else False,
            "chosen_diagnostics": {k: v for k, v in chosen.diagnostics.items()
                                   if k not in ("critic", "curves", "dispersion")},
            "warnings": warns,
        }
        if notes.get("model_check") is not None:
            diag["model_check"] = notes["model_check"]
        if chosen.ci is not None:
            diag["ci"] = chosen.ci
        return chosen.mi, chosen.stderr, diag

    def _neural_params(self, seed: int) -> dict[str, Any]:
        p: dict[str, Any] = {"random_state": seed, "verbose": self.verbose}
        if self.budget == "thorough":
            p["epochs"] = 200
        return p

    def _labels(self, run: Any, results: dict[str, Any], xc: np.ndarray, lab: np.ndarray, n: int, seed: int) -> tuple[str, str]:
        d = xc.shape[1]
        run("gaussian-copula", "gaussian-copula", xc, lab, discrete_y=True)
        if d <= KNN_MAX_JOINT_DIM:
            run("ross", "ross", xc, lab, discrete_y=True, random_state=seed)
            if "ross" in results:
                return "ross", (f"a discrete label and a {d}-dimensional continuous variable: the kNN estimator made "
                                "for labels (Ross 2014), cross-checked with the class-conditional Gaussian copula")
            return "gaussian-copula", "ross failed on these data; the class-conditional Gaussian copula"
        if self.budget != "fast" and n >= NEURAL_MIN_N:
            run("classifier", "classifier", xc, lab, **self._neural_params(seed))
        ok = [k for k in ("gaussian-copula", "classifier") if k in results]
        best = max(ok, key=lambda k: results[k].mi) if ok else "gaussian-copula"
        return best, (f"a discrete label and a {d}-dimensional continuous variable (too many dimensions for kNN): "
                      "the higher of two lower bounds, the class-conditional Gaussian copula and a classifier's "
                      "cross-entropy bound")

    def _continuous(self, run: Any, results: dict[str, Any], x: np.ndarray, y: np.ndarray, n: int, seed: int,
                    notes: dict[str, Any]) -> tuple[str, str]:
        d = x.shape[1] + y.shape[1]
        zx, zy = normal_scores(x), normal_scores(y)
        neural_ok = self.budget != "fast" and n >= NEURAL_MIN_N
        run("gaussian-copula", "gaussian-copula", x, y, discrete_y=False)
        g = results.get("gaussian-copula")
        gaussian = g is not None and not any("not Gaussian" in w for w in g.warnings)
        if not gaussian:
            # its model check is run below, with the KSG candidate already computed
            run("t-copula", "t-copula", x, y, random_state=seed, model_check=False)
        if d <= KNN_MAX_JOINT_DIM:
            run("ksg", "ksg", zx, zy, random_state=seed)
        t = results.get("t-copula")
        heavy = t is not None and math.isfinite(t.diagnostics.get("nu", math.inf)) and \
            t.diagnostics.get("likelihood_ratio", 0.0) > T_COPULA_LR
        model = "t-copula" if heavy else "gaussian-copula"
        check = _model_check(results.get(model), model, zx, zy, results.get("ksg"), seed) if model in results else None
        notes["model_check"] = check
        if check is not None and check["passed"]:
            notes["explained"] = {"ksg"} if check["columns"] == "all" else set()
            notes["checked"] = check["columns"] == "all"
        if gaussian or (check is not None and check["passed"]):
            if model == "t-copula" and t is not None and check is not None:
                why = (f"the dependence has heavy joint tails (a Student-t copula with nu = {t.diagnostics['nu']:.3g} fits "
                       f"far better than a Gaussian one, likelihood ratio {t.diagnostics['likelihood_ratio']:.0f}) and "
                       f"the fitted copula reproduces the data's KSG value ({check['ksg_data']:.3g} nats on the data, "
                       f"{check['ksg_model']:.3g} on data simulated from it): the t-copula closed form")
            else:
                why = (f"the dependence looks Gaussian in copula space ({d} dimensions): the Gaussian-copula closed form "
                       "is exact there and has the smallest error")
                if check is not None and check["passed"]:
                    why += (f"; KSG agrees with data simulated from it ({check['ksg_data']:.3g} vs "
                            f"{check['ksg_model']:.3g} nats)")
            # from 2+2 dims on KSG loses power to see what a copula model misses: a held-out
            # neural lower bound significantly above the model is dependence the model misses
            contradicted = False
            if neural_ok and d > CORROBORATE_MAX_DIM:
                run(self.neural, self.neural, zx, zy, **self._neural_params(seed))
                nb, mb = results.get(self.neural), results[model]
                contradicted = nb is not None and nb.mi > mb.mi + ABOVE_SE * _se(nb, mb) and \
                    nb.mi > (1 + ABOVE_RTOL) * mb.mi
            # (a Gaussian-looking copula whose check failed) KSG sees more than the model explains
            beyond = check is not None and not check["passed"] and check["ksg_data"] > check["ksg_model"]
            if not contradicted and not beyond:
                return model, why
            notes["checked"] = False
            if contradicted:
                notes["above_model"] = (self.neural, model)
                intro = (f"{self.neural}, a lower bound on held-out rows, lies significantly above the {model} "
                         f"estimate ({results[self.neural].mi:.3g} vs {results[model].mi:.3g} nats): the dependence is "
                         "not of the copula model's form")
            else:
                intro = ("the copula looks Gaussian, but KSG on the normal scores lies above what it reads on data "
                         "simulated from the Gaussian copula: dependence the Gaussian form misses")
        else:
            intro = "the dependence is not Gaussian in copula space and no copula model reproduces the data's KSG value"
        # no copula model explains the data: every remaining candidate is a known low reader
        # except the bias-corrected wkl, which is kept where KSG's downward bias is large
        if neural_ok and self.neural not in results:
            run(self.neural, self.neural, zx, zy, **self._neural_params(seed))
        if CORROBORATE_MAX_DIM < d <= KNN_MAX_JOINT_DIM and n >= WKL_MIN_N:
            run("wkl", "wkl", zx, zy, random_state=seed)
        if d > KNN_MAX_JOINT_DIM and neural_ok and n >= DIFFUSION_MIN_N:
            run(self.diffusion, self.diffusion, zx, zy, random_state=seed, verbose=self.verbose)
        notes["explained"] = {"t-copula"}
        low = [k for k in results if k not in ("t-copula", "wkl", self.diffusion)]
        best = max(low, key=lambda k: results[k].mi)
        notes["explained"] = {"t-copula"}
        why = (f"{intro}; every candidate left reads low (the Gaussian copula is a lower bound, kNN is biased down, "
               f"neural bounds are lower bounds): the highest, {best}")
        w = results.get("wkl")
        if w is not None and math.isfinite(w.mi) and w.mi > results[best].mi:
            return "wkl", (f"{intro}; in {d} joint dimensions KSG and the lower bounds read low, and the bias-corrected "
                           f"weighted kNN estimator (wkl) lies above them ({w.mi:.3g} vs {results[best].mi:.3g} nats "
                           f"from {best}): wkl is kept")
        f = results.get(self.diffusion)
        if f is not None and math.isfinite(f.mi) and f.mi > results[best].mi:
            return self.diffusion, (f"{intro}; in {d} joint dimensions kNN cannot run and the lower bounds read low, "
                                    f"and the diffusion estimator ({self.diffusion}) lies above them ({f.mi:.3g} vs "
                                    f"{results[best].mi:.3g} nats from {best}): it is kept")
        return best, why

    def _trust(self, choice: str, results: dict[str, Any], cands: dict[str, Any], d: int,
               notes: dict[str, Any] | None = None) -> tuple[str, list[str]]:
        notes = notes or {}
        explained = notes.get("explained", set())
        chosen = results[choice]
        reasons: list[str] = []
        unreliable = False
        for k, r in results.items():
            if k == choice or k in explained:
                # a candidate whose value the model check explained (KSG on data simulated from
                # the chosen copula reads the same), or a model that failed that check
                continue
            gap = r.mi - chosen.mi
            big = abs(gap) > 3 * _se(chosen, r) and abs(gap) > DISAGREE_RTOL * max(abs(chosen.mi), abs(r.mi), 0.05)
            if not big:
                continue
            # below the choice, candidates that are known to read low are no contradiction:
            # lower bounds (copula, neural, classifier) and KSG beyond 2+2 dims or when it warns
            low_reader = k not in ("ksg", "ross", "t-copula", "wkl", self.diffusion) or d > CORROBORATE_MAX_DIM \
                or bool(r.warnings)
            if gap < 0 and low_reader:
                continue
            unreliable = True
            reasons.append(f"{k} gives {r.mi:.3g} nats against {chosen.mi:.3g} from {choice}, beyond both errors")
        failed = [k for k, c in cands.items() if c["error"]]
        corroborated = bool(notes.get("checked")) or _corroborated(choice, results, d, chosen.n_samples)
        own = _own_warnings(choice, chosen, corroborated)
        if unreliable:
            return "unreliable", reasons + [f"{choice}: {w}" for w in own]
        if own:
            return "caution", [f"{choice}: {w}" for w in own] + [f"{k} failed" for k in failed]
        check = notes.get("model_check")
        if check is not None and check["passed"] and check["columns"] != "all" and choice == check["model"] \
                and any("not Gaussian" in w for w in results["gaussian-copula"].warnings):
            return "caution", [f"the {check['model']} model was checked with KSG on {check['columns']} only (KSG reads "
                               "too low in all the dimensions); dependence outside those columns is not cross-checked"]
        if notes.get("above_model") and not corroborated:
            bound, model = notes["above_model"]
            return "caution", [f"{bound}, a lower bound, lies above the {model} model: the dependence is not of the "
                               f"model's form, and {choice}, the nonparametric answer, may still be off"]
        if check is not None and not check["passed"] and choice == check["model"]:
            return "caution", [f"KSG reads {check['ksg_data']:.3g} nats on the data and {check['ksg_model']:.3g} on data "
                               f"simulated from the {choice} model ({'all' if check['columns'] == 'all' else check['columns']}"
                               f"{' columns' if check['columns'] == 'all' else ''}): the model does not "
                               "describe the data as a nonparametric estimator sees them"]
        if check is not None and not check["passed"] and choice != check["model"] and not corroborated:
            return "caution", [f"the {check['model']} model does not reproduce the data's KSG value "
                               f"({check['ksg_data']:.3g} nats on the data, {check['ksg_model']:.3g} on data simulated "
                               f"from it): the dependence is not of that form, the estimators left read low, and "
                               f"{choice}, the highest, may still be below the truth"]
        if choice != "gaussian-copula" and "gaussian-copula" in results and len(results) > 1 and d > 0 and not corroborated:
            if any("not Gaussian" in w for w in results["gaussian-copula"].warnings):
                return "caution", ["the dependence is not Gaussian in copula space, where every estimator reads low; "
                                   "the highest candidate is kept and may still be below the truth"]
        return "ok", reasons


#: likelihood ratio of the t-copula against the Gaussian copula (chi-square, 1 d.f.) above
#: which the data count as heavy-tailed dependence (p < 0.001)
T_COPULA_LR = 10.83
#: a neural lower bound must exceed a copula model by this many combined standard errors and
#: this fraction to count as dependence the model misses. 2 (not 3): a false alarm costs
#: little (the bound is then close to the model's value, a lower bound just below it), a
#: miss keeps a model that reads 25% low (a spiral in 5+5 dims: InfoNCE 0.87 +- 0.03 above
#: the Gaussian copula's 0.76 +- 0.015, truth 1.02)
ABOVE_SE = 2.0
ABOVE_RTOL = 0.03
#: smallest n for the wkl candidate (its variance is several times KSG's)
WKL_MIN_N = 1000
#: smallest n for the diffusion candidate (its read-out uses a fifth of the rows)
DIFFUSION_MIN_N = 2000
def _model_check(res: Any, model: str, zx: np.ndarray, zy: np.ndarray, ksg: Any, seed: int) -> dict[str, Any] | None:
    """:func:`~._copula_check.copula_model_check` of a fitted copula candidate."""
    if res is None:
        return None
    if model == "t-copula":
        r = np.asarray(res.diagnostics["dispersion"])
        nu = float(res.diagnostics["nu"])
    else:
        r = np.corrcoef(np.hstack([zx, zy]), rowvar=False)
        nu = math.inf
    return copula_model_check(r, nu, zx, zy, model, seed, ksg)
