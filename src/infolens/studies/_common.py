"""Helpers shared by the studies: held-out classifier metrics (accuracy, ROC/AUC and the
cross-entropy lower bound on MI), a small image classifier, and plateau detection."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..estimators.neural.classifier import ce_bound, label_prior  # noqa: F401 (the one CE bound and its prior)

_Z95 = 1.959963984540054


# --------------------------------------------------------------------------- metrics


def entropy_nats(labels: np.ndarray) -> float:
    """Plug-in entropy H(Y) of integer labels, in nats (the ceiling of I(X;Y) for discrete Y)."""
    p = np.bincount(labels) / len(labels)
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


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
    :func:`infolens.estimators.neural.supervised.fit_classifier`); the epoch kept is the one with the
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

    from ..estimators.neural.supervised import fit_classifier, predict_proba
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


# --------------------------------------------------------------------------- plateau


def _monotone_fit(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted isotonic (non-decreasing) least squares of values ordered by size (SciPy's PAVA)."""
    from scipy.optimize import isotonic_regression

    return isotonic_regression(values, weights=weights, increasing=True).x


def plateau(sizes: Sequence[float], values: Sequence[float], stderrs: Sequence[float] | None = None,
            frac: float = 0.95, n_boot: int = 2000, random_state: int = 0,
            seed_values: Any = None, seed_stderrs: Any = None) -> dict[str, Any]:
    """The smallest size whose value reaches ``frac`` of the maximum, with its uncertainty.

    The curve is first fitted by weighted isotonic (non-decreasing) regression (weights
    1/se^2), so the "maximum" is a pooled average of the top sizes rather than the largest
    noisy point. The uncertainty is a bootstrap: each per-size value is redrawn from
    N(value, se^2), the fit and the threshold recomputed; with ``seed_values`` (sizes x seeds,
    NaN where a seed is missing; ``seed_stderrs`` their own errors) each draw also resamples
    the seeds with replacement and averages them, so seed-to-seed variation (training runs,
    estimator noise) enters the interval, not only one run's test-set noise. The 5%/95%
    quantiles of the resulting sizes form a 90% interval (``lo``, ``hi``). Grid: a plateau found
    at a tested size only says that the curve crosses the threshold after the tested size
    below it, so ``grid_lo`` is the tested size below ``lo`` (0 below the smallest) and the
    interval that accounts for the grid is (``grid_lo``, ``hi``]. ``still_rising``: the value at
    the largest size exceeds the one before by more than 2 combined standard errors, so there
    is no plateau within the tested sizes.
    """
    s = np.asarray(sizes, dtype=float)
    v = np.asarray(values, dtype=float)
    if s.ndim != 1 or len(s) != len(v) or len(s) == 0:
        raise ValueError(f"sizes and values must be 1-D of the same length, got {s.shape} and {v.shape}")
    order = np.argsort(s)
    s, v = s[order], v[order]
    se = np.zeros_like(v) if stderrs is None else np.asarray(stderrs, dtype=float)[order]
    se = np.where(np.isfinite(se) & (se > 0), se, np.nan)
    fill = np.nanmedian(se) if np.isfinite(se).any() else max(1e-3 * np.abs(v).max(), 1e-9)
    se = np.where(np.isnan(se), fill, se)
    w = 1.0 / se**2
    sv = sse = None
    if seed_values is not None:
        sv = np.asarray(seed_values, dtype=float)
        if sv.ndim != 2 or sv.shape[0] != len(s):
            raise ValueError(f"seed_values must be (sizes, seeds) = ({len(s)}, k), got shape {sv.shape}")
        sv = sv[order]
        sse = np.zeros_like(sv) if seed_stderrs is None else np.asarray(seed_stderrs, dtype=float)[order]
        sse = np.where(np.isfinite(sse), sse, 0.0)
        if sv.shape[1] < 2:
            sv = sse = None  # one seed: its own errors are all there is (the parametric draw above)

    def first_reaching(vals: np.ndarray) -> float:
        fit = _monotone_fit(vals, w)
        top = fit.max()
        if not np.isfinite(top) or top <= 0:
            return float("nan")
        return float(s[np.argmax(fit >= frac * top)])

    point = first_reaching(v)
    rng = np.random.default_rng(random_state)
    if sv is None or sse is None:
        boots = np.array([first_reaching(v + rng.normal(size=len(v)) * se) for _ in range(n_boot)])
    else:
        k = sv.shape[1]
        draws = []
        for _ in range(n_boot):
            pick = rng.integers(0, k, size=k)
            noisy = sv[:, pick] + rng.normal(size=(len(s), k)) * sse[:, pick]
            with np.errstate(invalid="ignore"):
                curve = np.nanmean(noisy, axis=1)
            draws.append(first_reaching(np.where(np.isfinite(curve), curve, v)))
        boots = np.array(draws)
    boots = boots[np.isfinite(boots)]
    fit = _monotone_fit(v, w)
    # still rising: the last step of the curve is an increase that its error bars do not explain
    # (2 combined se), so the maximum is not in sight and the "plateau" is only the largest size tried
    rising = bool(len(v) > 1 and v[-1] - v[-2] > 2 * math.hypot(se[-1], se[-2]))
    out: dict[str, Any] = {"size": point, "frac": frac, "max_fitted": float(fit.max()), "n_boot": int(len(boots)),
                           "still_rising": rising, "n_seeds": 1 if sv is None else int(sv.shape[1])}
    if len(boots):
        # quantiles that are sizes actually drawn (no interpolation between grid points)
        out["lo"] = float(np.quantile(boots, 0.05, method="inverted_cdf"))
        out["hi"] = float(np.quantile(boots, 0.95, method="inverted_cdf"))
        out["boot_mean"] = float(boots.mean())
        vals, counts = np.unique(boots, return_counts=True)
        out["distribution"] = {str(int(a) if a == int(a) else a): float(c / len(boots)) for a, c in zip(vals, counts)}
        below = s[s < out["lo"]]
        out["grid_lo"] = float(below.max()) if len(below) else 0.0
    else:
        out["lo"] = out["hi"] = out["grid_lo"] = float("nan")
    return out


def default_sizes(native: int) -> list[int]:
    """5, 10, ..., 50 pixels for images of at least 50 pixels (CelebA, STL-10); otherwise up to
    ten sizes spaced geometrically from 1 to the native size, where the small sizes (at which
    the information changes fastest) are resolved (28 -> 1, 2, 3, 4, 6, 9, 13, 19, 28; 8 -> 1..6, 8)."""
    if native >= 50:
        return list(range(5, 51, 5))
    return sorted({max(1, int(round(v))) for v in np.geomspace(1, native, 10)})


def monotone_violations(values: Sequence[float], stderrs: Sequence[float], z: float = 2.0) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, where ``values[j]`` falls below ``values[i]`` by more than ``z``
    combined standard errors (a decrease that the error bars do not explain)."""
    v, se = np.asarray(values, float), np.asarray(stderrs, float)
    return [(i, j) for i in range(len(v)) for j in range(i + 1, len(v)) if v[j] < v[i] - z * math.hypot(se[i], se[j])]
