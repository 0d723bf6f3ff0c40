"""Classifiers the studies train and the metrics they are read by: held-out accuracy, ROC/AUC and
the cross-entropy lower bound on MI; logistic regression and a small CNN (trained with the one
supervised loop, :mod:`infolens.studies.supervised`)."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..estimators.neural.classifier import ce_bound, label_prior  # noqa: F401 (the one CE bound and its prior)
from ..stats import label_entropy


# --------------------------------------------------------------------------- metrics


def entropy_nats(labels: np.ndarray) -> float:
    """Plug-in entropy H(Y) of integer labels, in nats (the ceiling of I(X;Y) for discrete Y):
    :func:`infolens.stats.label_entropy`."""
    return label_entropy(labels)


def classifier_metrics(proba: np.ndarray, y: np.ndarray, prior: np.ndarray, roc_points: int = 101) -> dict[str, Any]:
    """Held-out metrics of predicted class probabilities ``proba`` (n, K) for labels ``y``:
    accuracy (with its binomial standard error), AUC (one-vs-rest macro for K > 2), the ROC
    curve resampled on ``roc_points`` linear and 40 log-spaced false-positive rates (binary only), and the
    cross-entropy bound on MI (:func:`ce_bound`, ``prior`` from :func:`label_prior`)."""
    from sklearn.metrics import roc_auc_score, roc_curve

    pred = proba.argmax(axis=1)
    acc = float((pred == y).mean())
    out: dict[str, Any] = {"accuracy": acc, "accuracy_se": math.sqrt(max(acc * (1 - acc), 1e-12) / len(y))}
    if proba.shape[1] == 2:
        out["auc"] = float(roc_auc_score(y, proba[:, 1]))
        fpr, tpr, _ = roc_curve(y, proba[:, 1])
        # a linear grid plus log-spaced false-positive rates down to 1/negatives, so the ROC can be
        # drawn on a log false-positive axis, where the low-FPR corner gets the space
        n_neg = max(int((y == 0).sum()), 1)
        grid = np.unique(np.concatenate([np.linspace(0.0, 1.0, roc_points),
                                         np.geomspace(min(1.0 / n_neg, 0.01), 1.0, 40)]))
        out["roc"] = {"fpr": grid.round(4).tolist(), "tpr": np.interp(grid, fpr, tpr).round(5).tolist()}
    else:
        out["auc"] = float(roc_auc_score(y, proba, multi_class="ovr", labels=np.arange(proba.shape[1])))
    # AUC standard error: Hanley & McNeil (1982)
    if proba.shape[1] == 2:
        a = out["auc"]
        n1, n0 = int((y == 1).sum()), int((y == 0).sum())
        q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
        var = (a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / max(n1 * n0, 1)
        out["auc_se"] = math.sqrt(max(var, 0.0))
    out["mi"], out["mi_se"] = ce_bound(proba, y, prior)
    return out


# --------------------------------------------------------------------------- classifiers


def fit_logreg(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, random_state: int = 0,
               Cs: Sequence[float] = (0.003, 0.03, 0.3), val_fraction: float = 0.15) -> tuple[np.ndarray, dict[str, Any]]:
    """L2 logistic regression (scikit-learn, lbfgs) on standardised flattened pixels. The
    penalty ``C`` is chosen from ``Cs`` by log-loss on a validation part of the training split
    (an unregularised fit on many pixels is overconfident, which ruins the cross-entropy
    bound); returns the test-set class probabilities and the chosen ``C``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    xtr = np.asarray(x_train, dtype=np.float32).reshape(len(x_train), -1)
    xte = np.asarray(x_test, dtype=np.float32).reshape(len(x_test), -1)
    fit_i, val_i = train_test_split(np.arange(len(xtr)), test_size=val_fraction, random_state=random_state,
                                    stratify=y_train)
    scaler = StandardScaler().fit(xtr[fit_i])
    xf, xv = scaler.transform(xtr[fit_i]), scaler.transform(xtr[val_i])
    labels = np.unique(y_train)
    best, best_model, losses = np.inf, None, {}
    # ascending C with warm starts: each fit starts from the more regularised solution
    model = LogisticRegression(max_iter=2000, random_state=random_state, warm_start=True)
    for C in sorted(Cs):
        model.set_params(C=C)
        model.fit(xf, y_train[fit_i])
        loss = float(log_loss(y_train[val_i], model.predict_proba(xv), labels=labels))
        losses[str(C)] = loss
        if loss < best:
            import copy

            best, best_model = loss, copy.deepcopy(model)
    if best_model is None:
        raise ValueError(f"no penalty in Cs={list(Cs)!r} gave a finite validation log-loss; pass at least one positive C")
    proba = best_model.predict_proba(scaler.transform(xte))
    return proba, {"C": float(best_model.C), "val_log_loss": losses}


def small_cnn(size: int, n_classes: int, width: int = 8):
    """Two 3x3 conv layers (``width``, ``2 width`` channels; a 2x2 max-pool between them when
    the image is at least 8 pixels), adaptive average pooling to at most 4x4, a 32-unit hidden layer."""
    import torch.nn as nn

    pool = [nn.MaxPool2d(2)] if size >= 8 else []
    side = min(4, size // 2 if size >= 8 else size)
    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), *pool,
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(side), nn.Flatten(),
        nn.Linear(2 * width * side * side, 32), nn.ReLU(), nn.Linear(32, n_classes),
    )


def fit_cnn(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, random_state: int = 0,
            epochs: int = 10, batch_size: int = 128, lr: float = 2e-3, val_fraction: float = 0.1,
            device: Any = "cpu", num_threads: int | None = 1) -> tuple[np.ndarray, dict[str, Any]]:
    """Train :func:`small_cnn` with Adam on cross-entropy (the one supervised loop,
    :func:`infolens.studies.supervised.fit_classifier`); the epoch kept is the one with the
    lowest loss on a validation part of the *training* split (the test split is only predicted).
    Returns the test-set class probabilities and the training curves.

    ``num_threads``: torch CPU threads while training (restored after); the default 1 is the
    fastest for a network this small (per-operation overhead dominates, and extra threads
    only contend with parallel jobs); ``None`` leaves torch's setting."""
    from ..torch_utils import threads

    with threads(num_threads):
        return _fit_cnn(x_train, y_train, x_test, random_state, epochs, batch_size, lr, val_fraction, device)


def _fit_cnn(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, random_state: int, epochs: int,
             batch_size: int, lr: float, val_fraction: float, device: Any) -> tuple[np.ndarray, dict[str, Any]]:
    import torch

    from .supervised import fit_classifier, predict_proba
    from ..torch_utils import get_device, seed_everything

    dev = get_device(device)
    gen = seed_everything(int(random_state))
    xtr = torch.as_tensor(np.asarray(x_train, dtype=np.float32)).unsqueeze(1)
    ytr = torch.as_tensor(np.asarray(y_train, dtype=np.int64))
    mean, std = float(xtr.mean()), float(xtr.std()) + 1e-6
    n = len(xtr)
    perm = torch.randperm(n, generator=gen)
    n_val = max(1, int(round(val_fraction * n)))
    val_idx, fit_idx = perm[:n_val], perm[n_val:]
    xv, yv = ((xtr[val_idx] - mean) / std).to(dev), ytr[val_idx].to(dev)
    xf, yf = ((xtr[fit_idx] - mean) / std).to(dev), ytr[fit_idx].to(dev)
    n_classes = int(max(int(ytr.max()) + 1, 2))
    model = small_cnn(xtr.shape[-1], n_classes).to(dev)
    fit = fit_classifier(model, xf, yf, epochs=epochs, batch_size=batch_size, lr=lr, shuffle=gen,
                         validation=(xv, yv), keep="best")
    xte = (torch.as_tensor(np.asarray(x_test, dtype=np.float32)).unsqueeze(1) - mean) / std
    curves: dict[str, Any] = {"train_loss": fit.train_loss, "val_loss": fit.val_loss, "best_epoch": fit.kept_epoch}
    return predict_proba(model, xte), curves
