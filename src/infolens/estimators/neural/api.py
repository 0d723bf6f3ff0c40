"""Train any critic with any bound and get the held-out estimate: the training loop of the
neural estimators, reusable by other code (Deep InfoMax, the information plane)."""

from __future__ import annotations

from typing import Any

from ...validation import check_choice
from .base import TRAIN_ARGS
from .feeds import check_paired, prepare
from .data import load_input
from .params import TRAINING_PARAMS
from .trainer import FitResult, train

#: the read-out used on held-out data for each training bound
DEFAULT_READOUT = {"dv": "dv", "mine": "dv", "remine": "dv", "nwj": "nwj", "infonce": "infonce", "smile": "smile", "jsd": "dv"}


def fit_critic(critic: Any, x: Any, y: Any, bound: str = "infonce", *, readout: str | None = None,
               clip: float | None = 5.0, alpha: float = 0.01, split: tuple[float, float, float] = (0.6, 0.2, 0.2),
               standardize: bool = True, device: Any = "auto", random_state: Any = None, **train_params: Any) -> FitResult:
    """Train ``critic`` (an ``nn.Module`` with ``forward(x, y) -> (n, n)`` scores, e.g. from
    :mod:`infolens.losses`) by maximising ``bound`` on the train split, early-stopped on the
    validation split; the returned :class:`FitResult` holds the ``readout`` bound on the test
    split (``estimate``, ``stderr``), the curves and the trained critic. ``train_params`` go to
    :func:`~infolens.estimators.neural.trainer.train` (epochs, batch_size, lr, verbose, ...); the ones
    not given take the estimators' shared defaults (:data:`~.params.TRAINING_PARAMS`).
    Image inputs are fed as (n, c, h, w) when the critic has encoders; vectors as (n, d)."""
    from .objectives import READOUTS, ScoreObjective

    check_choice(bound, "bound", tuple(DEFAULT_READOUT))
    readout = DEFAULT_READOUT[bound] if readout is None else check_choice(readout, "readout", READOUTS)
    xa, ya = check_paired(load_input(x, "x"), load_input(y, "y"))
    setup = prepare(xa, ya, split=split, standardize=standardize, device=device, random_state=random_state)
    critic = critic.to(setup.device)
    objective = ScoreObjective(bound, readout, clip=clip, alpha=alpha, shift=1.0 if (bound == "jsd" and readout == "nwj") else 0.0)
    kw = {k: TRAINING_PARAMS[k].default for k in TRAIN_ARGS}  # the estimators' shared defaults
    return train(critic, objective, setup.feeds, random_state=setup.rng, **{**kw, **train_params})
