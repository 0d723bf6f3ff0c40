"""The one training loop of the neural estimators.

Adam(W) on minibatches of the training split; every ``eval_every`` steps the MI read-out
on the validation split, smoothed by a trailing mean over ``smooth`` evaluations; the
learning rate halves when that smoothed value plateaus (``ReduceLROnPlateau``, mode
"max": we maximise MI); early stopping when it has not risen by ``min_delta`` for
``patience`` evaluations. The critic kept is the one at the best *smoothed* validation
step and the estimate is computed once, on the test split, with that critic: never on
training data, never the max of a noisy curve. Non-finite losses, gradients or
read-outs stop training with :class:`TrainingDiverged`.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...errors import InputError
from ...progress import progress
from ...validation import check_positive_int


class TrainingDiverged(InputError):
    """Training produced non-finite or runaway values; no estimate is returned."""


#: a read-out beyond this many nats is a runaway critic, not an estimate
RUNAWAY_NATS = 1e3


@dataclass
class FitResult:
    """What :func:`train` returns: the test-split estimate and everything needed to judge it."""

    estimate: float
    stderr: float
    psi: np.ndarray
    critic: Any
    curves: Any  # pandas DataFrame: step, epoch, train, val, smoothed, lr
    best_step: int
    best_val: float
    stopped: str
    steps: int
    n_train: int
    n_val: int
    n_test: int
    extras: dict[str, Any] = field(default_factory=dict)


def _check_float(value: Any, name: str, low: float = 0.0, inclusive: bool = False) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value < low or (value == low and not inclusive):
        op = ">=" if inclusive else ">"
        raise InputError(f"{name} must be a finite number {op} {low}, got {value!r}")
    return float(value)


def train(
    critic: Any,
    objective: Any,
    feeds: tuple[tuple[Any, Any], tuple[Any, Any], tuple[Any, Any]],
    *,
    epochs: int = 50,
    batch_size: int = 256,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    eval_every: int | None = None,
    eval_block: int = 1024,
    patience: int = 6,
    min_delta: float = 1e-3,
    smooth: int = 3,
    lr_patience: int = 3,
    lr_factor: float = 0.5,
    grad_clip: float | None = 10.0,
    on_divergence: str = "raise",
    random_state: Any = None,
    verbose: bool | None = None,
    desc: str = "training",
) -> FitResult:
    """Train ``critic`` on ``feeds = ((x_train, y_train), (x_val, y_val), (x_test, y_test))``
    (:class:`~infolens.estimators.neural.data.Feeder` pairs) and estimate on the test pair."""
    import pandas as pd
    import torch

    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    eval_block = check_positive_int(eval_block, "eval_block", minimum=2)
    patience = check_positive_int(patience, "patience")
    smooth = check_positive_int(smooth, "smooth")
    lr_patience = check_positive_int(lr_patience, "lr_patience", minimum=0)
    lr = _check_float(lr, "lr")
    weight_decay = _check_float(weight_decay, "weight_decay", inclusive=True)
    min_delta = _check_float(min_delta, "min_delta", inclusive=True)
    if not (isinstance(lr_factor, (int, float)) and 0 < lr_factor < 1):
        raise InputError(f"lr_factor must be in (0, 1) (the factor applied to lr on a plateau), got {lr_factor!r}")
    if grad_clip is not None:
        grad_clip = _check_float(grad_clip, "grad_clip")
    if on_divergence not in ("raise", "best"):
        raise InputError(f"on_divergence must be 'raise' or 'best' (keep the best checkpoint), got {on_divergence!r}")
    (xtr, ytr), (xva, yva), (xte, yte) = feeds
    n_tr = len(xtr)
    if n_tr < 2 or len(xva) < 2 or len(xte) < 2:
        raise InputError(f"each split needs at least 2 samples, got train/val/test = {n_tr}/{len(xva)}/{len(xte)}; pass more samples")
    batch_size = min(batch_size, n_tr)
    steps_per_epoch = max(1, n_tr // batch_size)
    if eval_every is None:
        eval_every = steps_per_epoch
    eval_every = check_positive_int(eval_every, "eval_every")
    total = epochs * steps_per_epoch
    rng = np.random.default_rng(random_state)

    params = [p for p in critic.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay) if weight_decay else torch.optim.Adam(params, lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="max", factor=lr_factor, patience=lr_patience, threshold=min_delta, threshold_mode="abs")

    rows: list[dict[str, float]] = []
    vals: list[float] = []
    train_vals: list[float] = []
    best = (-math.inf, 0, None)  # (smoothed val, step, state)
    since_best = 0
    stopped = "max epochs"
    step = 0
    bar = progress(total=total, desc=desc, verbose=verbose, unit="step")

    def diverged(reason: str) -> str:
        msg = (f"training diverged at step {step} ({reason}); lower lr (got {lr:g}), keep grad_clip on "
               f"(got {grad_clip}), or use a bounded objective such as 'infonce' or 'smile'")
        if on_divergence == "raise" or best[2] is None:
            bar.close()
            raise TrainingDiverged(msg)
        return "diverged: " + msg

    try:
        critic.train()
        for epoch in range(epochs):
            perm = rng.permutation(n_tr)
            for b in range(steps_per_epoch):
                pos = np.sort(perm[b * batch_size:(b + 1) * batch_size])
                loss, value = objective.loss(critic, xtr.take(pos), ytr.take(pos), rng)
                if not torch.isfinite(loss) or not math.isfinite(value) or abs(value) > RUNAWAY_NATS:
                    stopped = diverged(f"training objective is {float(loss.detach()):.4g}, read-out {value:.4g}")
                    break
                opt.zero_grad(set_to_none=True)
                loss.backward()
                norm = torch.nn.utils.clip_grad_norm_(params, grad_clip if grad_clip is not None else float("inf"))
                if not torch.isfinite(norm):
                    stopped = diverged("gradient norm is not finite")
                    break
                opt.step()
                step += 1
                train_vals.append(value)
                bar.update(1)
                if step % eval_every and step != total:
                    continue
                critic.eval()
                val, _ = objective.evaluate(critic, xva, yva, eval_block)
                critic.train()
                if not math.isfinite(val) or abs(val) > RUNAWAY_NATS:
                    stopped = diverged(f"validation read-out is {val:.4g}")
                    break
                vals.append(val)
                sm = float(np.mean(vals[-smooth:]))
                rows.append({"step": step, "epoch": step / steps_per_epoch, "train": float(np.mean(train_vals[-eval_every:])),
                             "val": val, "smoothed": sm, "lr": opt.param_groups[0]["lr"]})
                bar.set_postfix(val=f"{sm:.4f}")
                sched.step(sm)
                if sm > best[0] + min_delta or best[2] is None:
                    best = (sm, step, copy.deepcopy(critic.state_dict()))
                    since_best = 0
                else:
                    since_best += 1
                    if since_best >= patience:
                        stopped = f"early stop: smoothed validation MI did not rise by {min_delta:g} for {patience} evaluations"
                        break
            else:
                continue
            break
    finally:
        bar.close()

    critic.load_state_dict(best[2])
    critic.eval()
    est, psi = objective.evaluate(critic, xte, yte, eval_block)
    if not math.isfinite(est):
        raise TrainingDiverged(f"the best checkpoint (step {best[1]}) gives a non-finite test read-out; lower lr (got {lr:g})")
    stderr = float(psi.std(ddof=1) / math.sqrt(len(psi)))
    curves = pd.DataFrame(rows, columns=["step", "epoch", "train", "val", "smoothed", "lr"])
    return FitResult(estimate=est, stderr=stderr, psi=psi, critic=critic, curves=curves, best_step=best[1],
                     best_val=best[0], stopped=stopped, steps=step, n_train=n_tr, n_val=len(xva), n_test=len(xte))
