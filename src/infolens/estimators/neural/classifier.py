"""Classifier-based estimators: CCMI (joint vs product of marginals) and the
cross-entropy bound for a discrete label."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ...errors import Flag, InputError, flag
from ...registry import register
from ...result import MIResult
from ...stats import compare, label_entropy
from ...validation import check_positive_int, encode_labels, is_categorical
from .base import NeuralEstimator
from .feeds import build_branch_encoder
from .data import labels_input, load_input

@register()
class CCMIEstimator(NeuralEstimator):
    """CCMI (Mukherjee, Asnani & Kannan, UAI 2020): a binary classifier on [x, y] separates
    joint pairs from product-of-marginals pairs; its logit is the log density ratio, read
    out with the DV bound on the test split (probabilities clipped to [tau, 1 - tau]).
    Default critic: "concat" (the classifier of the paper); held-out blocks of 256 rows."""

    name = "ccmi"

    def __init__(self, tau: float = 1e-4, **training: Any) -> None:
        super().__init__(**training)
        self.tau = tau

    def _objective(self) -> Any:
        from .objectives import CCMIObjective

        if not (isinstance(self.tau, (int, float)) and 0 < self.tau < 0.5):
            raise InputError(f"tau must be in (0, 0.5) (probability clipping of the classifier), got {self.tau!r}")
        return CCMIObjective(self.tau)


@register("ce", "barber-agakov")
class ClassifierEstimator(NeuralEstimator):
    """Cross-entropy bound for a discrete label y (Barber & Agakov 2003):
    I(X;Y) >= H(Y) - CE(q(y|x)), with a classifier q (MLP, or conv net for images)
    trained on the train split, early-stopped on the validation split and the bound
    measured on the test split. ``y`` holds class labels: integers, strings or a
    pandas categorical."""

    name = "classifier"
    _test_y = "discrete"
    _test_params: ClassVar[dict[str, Any]] = {"epochs": 20, "batch_size": 64, "hidden": 32, "lr": 5e-3, "verbose": False}
    _exclude = ("critic", "embed_dim")  # the classifier is one network on x, not a critic

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        if is_categorical(y):  # string / categorical class names: integer codes
            y = encode_labels(y, "y")
        return self._check_lengths(load_input(x, "x"), labels_input(y, "y"))

    def _y_labels(self) -> bool:
        return True

    def _make_objective(self, feeds: tuple, info: dict[str, Any]) -> Any:
        import torch

        from .objectives import LabelObjective

        k = info["y"]["classes"]
        # the labels the classifier is fitted with: train (fit) and validation (early stopping)
        seen = torch.cat([feeds[0][1].take(np.arange(len(feeds[0][1]))), feeds[1][1].take(np.arange(len(feeds[1][1])))])
        return LabelObjective(torch.log(torch.from_numpy(label_prior(seen.cpu().numpy(), k))))

    def _build_critic(self, info: dict[str, Any]) -> Any:
        from torch import nn

        from ...losses import mlp

        hidden = check_positive_int(self.hidden, "hidden")
        layers = check_positive_int(self.layers, "layers", minimum=0)
        k = info["y"]["classes"]
        enc = build_branch_encoder(info["x"], hidden, self.activation)
        head = mlp(hidden if enc is not None else info["x"]["dim"], k, hidden, layers, self.activation)
        return head if enc is None else nn.Sequential(enc, head)

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        est, se, diag = super()._estimate(x, y)
        w = not_learned_warning(est, float(se or 0.0), diag["curves"], diag["best_step"], diag["stopped"],
                                label_entropy(y))
        if w is not None:
            diag["warnings"].append(w)
        return est, se, diag


#: the kept classifier "has not learned" when its training read-out H(Y) - CE on the training
#: batches (the objective it minimised, mean over the evaluation window of the kept step) is
#: below this share of H(Y): a classifier that learned anything usable reads well above it (the
#: 28 x 28 LabelImages at sigma = 2: 0.18 H(Y) by the second epoch, 0.86 H(Y) at the kept step),
#: a stalled one sat at 0.001-0.013 H(Y) (the globally pooled conv encoder on the same images,
#: 7-40 epochs; shuffled labels, MLP: at most 0.007 H(Y))
LEARNED_SHARE = 0.05


def not_learned_warning(estimate: float, stderr: float, curves: Any, best_step: int, stopped: str,
                        h_label: float) -> Flag | None:
    """The flag (code ``not-learned``) of a classifier that ended where it started: its held-out
    bound is within its standard error of 0 (:func:`infolens.stats.compare`) and its training
    read-out at the kept checkpoint stayed below ``LEARNED_SHARE * h_label``. Such a bound says
    nothing about the MI: the label may be independent of x, or the classifier never found the
    dependence (a plateau at the start, a learning rate too small, an encoder blind to what
    carries the label). None otherwise."""
    if compare(estimate, 0.0, stderr, 0.0).differ and estimate > 0:
        return None
    rows = curves[curves["step"] <= best_step] if len(curves) else curves
    if not len(rows) or not np.isfinite(h_label) or h_label <= 0:
        return None
    fit = float(rows["train"].iloc[-1])
    if fit >= LEARNED_SHARE * h_label:
        return None
    return flag(
        "not-learned",
        f"the classifier did not learn: its held-out bound ({estimate:.3g} nats, standard error {stderr:.2g}) is "
        f"within its error of 0 and its training fit H(Y) - CE was {fit:.3g} nats at the kept step "
        f"(H(Y) = {h_label:.3g}; training {stopped}), so the bound says nothing about the MI: the label may be "
        "independent of x, or the classifier never found the dependence; check with another estimator "
        "(method='probe', or a permutation test) or train longer / with a larger lr (patience, epochs, lr)",
        estimate=estimate, stderr=stderr, train_fit=fit, label_entropy=h_label)


def classifier_bound(x: Any, labels: Any, random_state: Any = None, **params: Any) -> MIResult:
    """I(X; label) >= H(label) - CE on held-out data (:class:`ClassifierEstimator`), for
    arrays ``x`` of shape (n, d), (n, h, w) or (n, c, h, w) and integer ``labels`` (n,)."""
    return ClassifierEstimator(random_state=random_state, **params).estimate(x, labels)


def label_prior(labels: Any, n_classes: int) -> np.ndarray:
    """p(y) of the cross-entropy bound: add-one (Laplace) smoothed frequencies of the labels
    the classifier was fitted with (never the held-out labels), so that no class gets
    log 0. The one prior used by ``method="classifier"`` and by the studies' CE bound."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes).astype(np.float64) + 1.0
    return counts / counts.sum()


def ce_bound(proba: np.ndarray, y: np.ndarray, prior: np.ndarray) -> tuple[float, float]:
    """Barber & Agakov (2003) lower bound I(X;Y) >= H(Y) - CE = mean_i [log q(y_i|x_i) - log p(y_i)]
    from a classifier's held-out class probabilities ``proba`` (n, K) and labels ``y``, with
    ``prior`` from :func:`label_prior` (what ``method="classifier"`` computes from its logits).
    Returns (nats, CLT standard error)."""
    p = np.clip(proba[np.arange(len(y)), y], 1e-12, 1.0)
    terms = np.log(p) - np.log(np.clip(prior[y], 1e-12, 1.0))
    return float(terms.mean()), float(terms.std(ddof=1) / np.sqrt(len(terms)))
