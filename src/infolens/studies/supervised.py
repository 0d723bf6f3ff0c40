"""The one training loop of supervised classifiers (cross-entropy on labelled images or vectors).

Critics, whose objective is an MI bound read out on held-out data, train in
:mod:`~infolens.estimators.neural.trainer`; networks that simply learn ``p(y | x)`` train
here: the compression study's CNN (the epoch with the lowest validation cross-entropy is
kept, then the test split is predicted) and the information-plane network (every epoch is
kept, recorded and checkpointed by the caller's ``on_epoch``, and a killed run resumes from
its last epoch with the same minibatch order).

Adam on minibatches of the training rows, one shuffle per epoch. The order of an epoch
comes either from one ``torch.Generator`` drawn from epoch after epoch, or, for a run that
must resume, from a generator seeded by ``(seed, epoch)`` alone (:func:`epoch_order`). A
non-finite training loss stops training with
:class:`~infolens.estimators.neural.trainer.TrainingDiverged`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..progress import progress
from ..validation import check_choice, check_positive_int
from ..estimators.neural.trainer import TrainingDiverged

#: the multiplier of the seed in the per-epoch shuffling seed ``seed * EPOCH_STRIDE + epoch``
EPOCH_STRIDE = 100_003


@dataclass
class SupervisedFit:
    """What :func:`fit_classifier` returns: the loss curves (mean training cross-entropy of
    each epoch run, validation cross-entropy when a validation split was given) and the
    epoch whose weights the model holds now."""

    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    kept_epoch: int | None = None


def epoch_order(n: int, shuffle: Any, epoch: int) -> Any:
    """The permutation of ``n`` training rows used in ``epoch``: drawn from ``shuffle`` when it
    is a ``torch.Generator`` (a stream over the epochs), or from a generator seeded with
    ``shuffle * EPOCH_STRIDE + epoch`` when it is an integer seed (the same order for an
    epoch whatever ran before, so a run resumed at that epoch continues identically)."""
    import torch

    if isinstance(shuffle, torch.Generator):
        return torch.randperm(n, generator=shuffle)
    if isinstance(shuffle, (int, np.integer)) and not isinstance(shuffle, bool):
        return torch.randperm(n, generator=torch.Generator().manual_seed(int(shuffle) * EPOCH_STRIDE + epoch))
    raise TypeError(f"shuffle must be a torch.Generator or an integer seed, got {type(shuffle).__name__}")


def fit_classifier(
    model: Any,
    x: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int,
    shuffle: Any,
    lr: float = 1e-3,
    optimizer: Any = None,
    validation: tuple[Any, Any] | None = None,
    keep: str = "last",
    first_epoch: int = 1,
    logits: Callable[[Any], Any] | None = None,
    on_epoch: Callable[[int, float], None] | None = None,
    verbose: bool | None = False,
    desc: str = "training",
) -> SupervisedFit:
    """Train ``model`` on cross-entropy of ``(x, y)`` (tensors on the model's device; ``y``
    int64 class indices) for epochs ``first_epoch .. epochs``.

    ``logits(x)`` gives the class scores (default: ``model(x)``); ``optimizer`` defaults to
    Adam with ``lr`` (pass one to resume its state). ``validation=(x_val, y_val)`` records
    the validation cross-entropy after each epoch; ``keep="best"`` then leaves the model
    with the weights of the epoch where it was lowest (the first such epoch), ``keep="last"``
    with the last epoch's. ``on_epoch(epoch, mean_train_loss)`` runs after each epoch with
    the model in eval mode (recording, checkpointing). ``shuffle``: see :func:`epoch_order`.
    """
    import torch
    import torch.nn.functional as F

    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    first_epoch = check_positive_int(first_epoch, "first_epoch")
    check_choice(keep, "keep", ("last", "best"))
    if keep == "best" and validation is None:
        raise ValueError("keep='best' chooses the epoch by validation loss; pass validation=(x_val, y_val) or keep='last'")
    forward = logits if logits is not None else model
    opt = optimizer if optimizer is not None else torch.optim.Adam(model.parameters(), lr=lr)
    n = len(x)
    fit = SupervisedFit()
    best, best_state = math.inf, None
    for epoch in progress(range(first_epoch, epochs + 1), total=max(0, epochs + 1 - first_epoch), desc=desc, verbose=verbose):
        model.train()
        order = epoch_order(n, shuffle, epoch).to(x.device)
        total = 0.0
        for s in range(0, n, batch_size):
            b = order[s : s + batch_size]
            loss = F.cross_entropy(forward(x[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            value = float(loss.detach())
            if not math.isfinite(value):
                raise TrainingDiverged(f"the training cross-entropy became {value} in epoch {epoch}; lower lr (got {lr:g})")
            total += value * len(b)
        fit.train_loss.append(total / max(n, 1))
        model.eval()
        if validation is not None:
            with torch.no_grad():
                vl = float(F.cross_entropy(forward(validation[0]), validation[1]))
            fit.val_loss.append(vl)
            if keep == "best" and vl < best:
                best, best_state, fit.kept_epoch = vl, {k: v.detach().clone() for k, v in model.state_dict().items()}, epoch
        if keep == "last":
            fit.kept_epoch = epoch
        if on_epoch is not None:
            on_epoch(epoch, fit.train_loss[-1])
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return fit


def predict_proba(model: Any, x: Any, *, block: int = 1024, logits: Callable[[Any], Any] | None = None) -> np.ndarray:
    """Class probabilities (softmax of the scores) of ``x`` in blocks of ``block`` rows, moved to
    the model's device block by block; float64 array (n, K)."""
    import torch
    import torch.nn.functional as F

    forward = logits if logits is not None else model
    device = next(model.parameters()).device
    model.eval()
    with torch.no_grad():
        parts = [F.softmax(forward(x[s : s + block].to(device)), dim=1).cpu() for s in range(0, len(x), block)]
    return torch.cat(parts).numpy().astype(np.float64)
