"""``method="probe"``: the cross-entropy bound of a regularised linear classifier.

I(X; Y) >= H(Y) - CE(q) for any classifier q(y|x) (Barber & Agakov 2003), measured on
held-out rows. The probe is a family of linear classifiers, fitted on the training split
of the same seeded train / validation / test split as ``method="classifier"``:

* inputs standardised with the training split's moments, then projected on the leading
  principal components of the training split (``ranks``; all columns too, up to
  :data:`FULL_RANK_MAX` of them);
* on each projection, shrinkage LDA (a shared class covariance, Ledoit-Wolf shrinkage)
  and, on projections of at most ``max(ranks)`` components, multinomial logistic
  regression for each L2 strength ``1 / C`` (on unit-variance scores);
* each classifier calibrated by temperature scaling on the validation split.

The classifier with the highest calibrated bound on the validation split is kept, refitted
on the training and validation rows (``refit``, keeping its temperature: a few percent
tighter, measured), and its bound is read on the test split, which neither fitting nor
selection saw: a lower bound up to its standard error, whatever the data. A linear probe
has few parameters per kept component, so on many dimensions and few rows it may reach
closer to the MI than a neural network; where the classes are not linearly separable it
reads lower (the neural ``classifier`` is the other family ``method="auto"`` runs beside
it). All rows are held in memory as float64 (``method="auto"`` gives it at most
``check_rows`` rows).
"""

from __future__ import annotations

import math
import warnings
from typing import Any, ClassVar

import numpy as np

from ..errors import InputError
from ..registry import register
from ..result import Estimator
from ..validation import check_positive_int, encode_labels, is_categorical, run_seed, scale_of
from .neural.classifier import label_prior
from .neural.data import check_split, labels_input, load_input, split_indices
from .neural.feeds import check_paired

#: leading principal components the probe projects on (those below the training rows)
PROBE_RANKS: tuple[int, ...] = (8, 16, 32, 64, 128, 256)
#: inverse L2 strengths of the logistic regressions (on unit-variance component scores)
PROBE_C: tuple[float, ...] = (0.01, 0.1, 1.0)
#: the probe also runs on all (standardised) columns when there are at most this many
#: and fewer than the training rows; above, only the leading ``max(ranks)`` principal axes
#: are computed (randomised SVD)
FULL_RANK_MAX = 1024
#: the probability floor of a held-out label (as :func:`.neural.classifier.ce_bound`)
_P_FLOOR = 1e-12


def _log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=1, keepdims=True)
    s = z - m
    return np.asarray(s - np.log(np.exp(s).sum(axis=1, keepdims=True)))


def _terms(logits: np.ndarray, y: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Per-row terms log q(y|x) - log p(y) of the bound (probabilities floored at 1e-12)."""
    lq = np.maximum(_log_softmax(logits)[np.arange(len(y)), y], math.log(_P_FLOOR))
    return np.asarray(lq - np.log(prior[y]))


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature factor ``t`` minimising the cross-entropy of ``t * logits`` on the
    rows given (temperature scaling, one parameter; ``t`` in [e^-6, e^6])."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(y))

    def nll(log_t: float) -> float:
        return float(-_log_softmax(logits * math.exp(log_t))[rows, y].mean())

    res = minimize_scalar(nll, bounds=(-6.0, 6.0), method="bounded", options={"xatol": 1e-3})
    return float(math.exp(res.x)) if nll(float(res.x)) <= nll(0.0) else 1.0


def _full_logits(model: Any, z: np.ndarray, k: int, scale: np.ndarray | None = None) -> np.ndarray:
    """Logits over all ``k`` classes of the rows ``z`` (divided by ``scale`` first when the
    model was fitted on scaled scores); a class absent from the training split gets a logit
    far below the others (its probability is the floor)."""
    raw = model.decision_function(z if scale is None else z / scale)
    if raw.ndim == 1:  # two classes: sklearn gives the logit of the second
        raw = np.c_[np.zeros(len(raw)), raw]
    out = np.full((len(z), k), -1e6)
    out[:, np.asarray(model.classes_, dtype=np.int64)] = raw
    return out


@register("linear-probe")
class LinearProbe(Estimator):
    """Cross-entropy lower bound of a regularised linear classifier for a discrete label y
    (see the module docstring). ``x``: an (n, d) array or images (n, h, w) / (n, c, h, w),
    flattened; ``y``: class labels (integers, strings or a pandas categorical).

    Parameters
    ----------
    ranks : principal-component counts tried (those below the training rows are used).
    C : inverse L2 strengths of the logistic regressions tried (on projections of at most
        ``max(ranks)`` components); empty: shrinkage LDA alone, closed forms only.
    split : train, validation and test fractions (the neural ``classifier``'s default, so
        the same seed gives the same rows to both).
    refit : refit the kept classifier on the training and validation rows (with the
        temperature found on the validation rows) before reading the bound on the test rows.
    random_state : seed of the split.

    ``diagnostics``: ``chosen`` (model, rank, C, temperature), ``validation`` (every
    classifier's calibrated bound on the validation split), ``h_label`` (entropy of the
    training labels' prior), ``bound`` ("lower"), ``n_train``/``n_val``/``n_test``.
    """

    name: ClassVar[str] = "probe"
    bias: ClassVar[str] = "lower-bound"
    takes_labels: ClassVar[bool] = True
    _min_samples: ClassVar[int] = 30
    _test_y = "discrete"

    def __init__(self, ranks: tuple[int, ...] = PROBE_RANKS, C: tuple[float, ...] = PROBE_C,
                 split: tuple[float, float, float] = (0.6, 0.2, 0.2), refit: bool = True,
                 random_state: Any = None) -> None:
        self.ranks = ranks
        self.C = C
        self.split = split
        self.refit = refit
        self.random_state = random_state

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        try:
            ranks, cs = list(self.ranks), [float(c) for c in self.C]
        except (TypeError, ValueError):
            raise InputError(f"ranks and C must be sequences of numbers (e.g. ranks=(8, 32), C=(0.1, 1.0)), got "
                             f"{self.ranks!r} and {self.C!r}") from None
        ranks = [check_positive_int(r, "each of ranks") for r in ranks]
        if not ranks or not all(math.isfinite(c) and c > 0 for c in cs):
            raise InputError(f"ranks must list component counts and C positive inverse strengths, got "
                             f"{self.ranks!r} and {self.C!r}")
        check_split(self.split)
        if is_categorical(y):
            y = encode_labels(y, "y")
        xa, ya = check_paired(load_input(x, "x"), labels_input(y, "y"))
        if len(xa) < self.min_samples():
            raise InputError(f"x and y have {len(xa)} samples; the probe needs at least {self.min_samples()} "
                             "(it splits them into train, validation and test parts)")
        xa = np.asarray(xa, dtype=np.float64).reshape(len(xa), -1)
        if not np.isfinite(xa).all():
            raise InputError("x has NaN or infinite values; drop or impute those rows first")
        return xa, ya

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        n, d = x.shape
        k = int(y.max()) + 1
        seed = run_seed(self.random_state)
        tr, va, te = split_indices(n, check_split(self.split), np.random.default_rng(seed), strata=y)
        if min(len(tr), len(va), len(te)) < 2 or len(np.unique(y[tr])) < 2:
            raise InputError(f"the split {self.split} of {n} rows leaves too few rows (or one class) for training, "
                             "validation or test; use more rows")
        mu, sd = x[tr].mean(axis=0), scale_of(x[tr], axis=0)[0]
        z = (x - mu) / sd
        prior = label_prior(y[np.r_[tr, va]], k)
        # principal axes of the training rows (never the validation or test rows)
        limit = min(d, len(tr) - 1)
        if d <= FULL_RANK_MAX:
            _, s, vt = np.linalg.svd(z[tr], full_matrices=False)
        else:  # the leading max(ranks) axes only: O(n d r) instead of O(n d min(n, d))
            from sklearn.utils.extmath import randomized_svd

            _, s, vt = randomized_svd(z[tr], n_components=min(max(self.ranks), limit), n_iter=4, random_state=seed)
        ranks = sorted({r for r in self.ranks if r < limit and r <= len(s) and s[r - 1] > 1e-9 * s[0]})
        full = d <= FULL_RANK_MAX and d < len(tr)
        rows: list[dict[str, Any]] = []
        best: tuple[float, np.ndarray, dict[str, Any]] | None = None
        for r in ranks + ([d] if full else []):
            p = z if r == d and full else z @ vt[:r].T
            scale = np.maximum(p[tr].std(axis=0), 1e-12)
            for kind, c in [("lda", None)] + ([("logistic", float(v)) for v in sorted(self.C)] if r <= max(self.ranks) else []):
                model = _fit(kind, c, p[tr], y[tr], scale)
                lv = _full_logits(model, p[va], k, scale if kind == "logistic" else None)
                t = fit_temperature(lv, y[va])
                val = float(_terms(t * lv, y[va], prior).mean())
                row = {"model": kind, "rank": r, "C": c, "temperature": t, "validation": val}
                rows.append(row)
                if best is None or val > best[0]:
                    best = (val, p, row)
        assert best is not None  # ranks or the full projection always give a classifier
        _, p, row = best
        kind, c, t = row["model"], row["C"], row["temperature"]
        scale = np.maximum(p[tr].std(axis=0), 1e-12)
        fit_rows = np.r_[tr, va] if self.refit else tr
        # the kept classifier refitted on the training and validation rows (its temperature from
        # the validation step): a function of those rows alone, so the test bound stays valid
        model = _fit(kind, c, p[fit_rows], y[fit_rows], scale)
        terms = _terms(t * _full_logits(model, p[te], k, scale if kind == "logistic" else None), y[te], prior)
        mi, se = float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(len(terms)))
        h = float(-(prior * np.log(prior)).sum())
        diag: dict[str, Any] = {
            "chosen": dict(row), "validation": rows, "h_label": h, "bound": "lower", "refit": bool(self.refit),
            "n_train": len(fit_rows), "n_val": len(va), "n_test": len(te), "seed": seed,
        }
        return mi, se, diag


def _fit(kind: str, c: float | None, p: np.ndarray, y: np.ndarray, scale: np.ndarray) -> Any:
    """Shrinkage LDA on the component scores ``p`` (shrunk toward a multiple of the identity:
    the scores keep their scale), or a logistic regression of inverse L2 strength ``c`` on the
    scores divided by ``scale`` (unit variance on the training rows: the penalty alike on
    every component)."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    if kind == "lda":
        with warnings.catch_warnings():
            # (a class with one training row: its covariance term is empty, the pooled
            # estimate stands; scikit-learn's note about it is not the user's business)
            warnings.filterwarnings("ignore", message="Only one sample available", category=UserWarning)
            return LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(p, y)
    # a logistic regression stopped before convergence is still a classifier: its held-out
    # bound stays a valid lower bound (only less tight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(C=c, max_iter=200).fit(p / scale, y)


def validation_bound(result: Any) -> float:
    """The bound a held-out cross-entropy estimator (``probe`` or ``classifier``) reached on
    its validation rows (for choosing between them without reading their test rows); -inf
    when the result does not report one."""
    diag = result.diagnostics
    v = diag.get("chosen", {}).get("validation") if isinstance(diag.get("chosen"), dict) else diag.get("best_val")
    return float(v) if v is not None and math.isfinite(float(v)) else -math.inf
