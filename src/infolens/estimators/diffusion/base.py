"""What :class:`~.minde.MINDEEstimator` and :class:`~.mmg.MMGEstimator` share: parameters,
input checks, the seed rule, the direction of denoising, and the assembly of the result."""

from __future__ import annotations

import math
import os
from typing import Any, ClassVar

import numpy as np

from ...errors import InputError, as_flag, flag
from ...result import Estimator
from ...stats import Z95
from ...validation import check_choice, check_positive_int, check_xy, run_seed

DIRECTIONS = ("x", "y", "both")
#: a standard error above this share of the estimate (and above LARGE_SE_FLOOR nats) is
#: reported as a warning: the Monte-Carlo read-out does not pin the number down
LARGE_SE_SHARE = 0.1
LARGE_SE_FLOOR = 0.02


_Z95 = Z95


def readout_interval(mi: float, se: float, runs: list[dict[str, Any]]) -> tuple[float, float]:
    """The reported 95% interval: the union of the orthogonal read-out's interval
    (``mi +- 1.96 se``) and the error-gap read-out's (same denoisers, same draws). For exact
    denoisers both estimate the same integral; a network that is off pushes them apart in
    opposite directions (noise in the conditional predictor inflates the first and deflates
    the second), so their spread is a visible part of the model error that the Monte-Carlo
    ``stderr`` alone leaves out. Averaged over the runs of ``direction="both"``."""
    gap = float(np.mean([r["mse_gap_nats"] for r in runs]))
    se_g = float(math.sqrt(sum(r["mse_gap_stderr_nats"] ** 2 for r in runs)) / len(runs))
    return (min(mi - _Z95 * se, gap - _Z95 * se_g), max(mi + _Z95 * se, gap + _Z95 * se_g))


class DiffusionEstimator(Estimator):
    """Base of the diffusion (denoising-gap) estimators.

    Parameters shared by ``minde`` and ``mmg``:

    hidden, layers : width and number of residual blocks of the denoiser MLP.
    epochs : passes over the training split (at most; early stopping ends sooner).
    batch_size, lr : minibatch rows and Adam's learning rate.
    lr_schedule : ``"cosine"`` (the rate falls along a half cosine to 5% over the epoch
        budget) or ``"constant"``; either way it is halved after every 3 evaluations
        without a validation gain of ``min_delta``.
    ema_decay : decay per step of an exponential moving average of the weights, used for
        validation and read-out (0: off, the default; see docs/estimators.md for why).
    eval_every : training steps between validation evaluations.
    patience, min_delta : evaluations without a validation-loss drop of ``min_delta``
        (mean squared noise error per coordinate) before stopping.
    max_seconds : wall-clock limit of training (``None``: none). A time limit makes the
        number depend on the machine's speed, so the same seed may give another estimate.
    draws : stratified noise levels per held-out test row in the read-out.
    direction : ``"x"`` denoises x given y, ``"y"`` denoises y given x, ``"both"`` trains
        both and averages the two estimates (twice the time, lower variance).
    split : train, validation, test fractions (the estimate is read off the test rows).
    standardize : standardise with the training rows' moments; heavy-tailed columns first
        become normal scores fitted on the training rows (monotone: MI unchanged).
    device : ``"auto"`` (CUDA, MPS, CPU) or a torch device.
    random_state : seed; the same seed gives the same number on the same machine and device.
    verbose : progress bar (``None``: only on a terminal).
    """

    #: tells ``estimate_mi`` to train on one torch thread unless asked otherwise (small networks)
    small_torch_model: ClassVar[bool] = True
    trains_in_minibatches: ClassVar[bool] = True
    #: unbiased for exact denoisers (the read-out integrates the denoising gap)
    bias: ClassVar[str] = "none"
    _min_samples = 50
    _test_params: ClassVar[dict[str, Any]] = {"hidden": 32, "layers": 2, "epochs": 60, "batch_size": 64,
                                              "eval_every": 20, "draws": 8, "verbose": False}

    def __init__(self, *, hidden: int = 64, layers: int = 2, epochs: int = 800, batch_size: int = 1024,
                 lr: float = 2e-3, lr_schedule: str = "cosine", ema_decay: float = 0.0, eval_every: int = 50, patience: int = 20,
                 min_delta: float = 1e-4, max_seconds: float | None = None, draws: int = 32,
                 direction: str = "x", split: tuple[float, float, float] = (0.6, 0.2, 0.2),
                 standardize: bool = True, device: Any = "auto", random_state: Any = None,
                 verbose: bool | None = None) -> None:
        self.hidden = hidden
        self.layers = layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.ema_decay = ema_decay
        self.eval_every = eval_every
        self.patience = patience
        self.min_delta = min_delta
        self.max_seconds = max_seconds
        self.draws = draws
        self.direction = direction
        self.split = split
        self.standardize = standardize
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- what a subclass defines ------------------------------------------------------
    def _training_levels(self) -> Any:
        """The proposal of noise levels used in training: uniforms -> (lam, weight)."""
        raise NotImplementedError

    def _read(self, net: Any, data: Any, rng: np.random.Generator, device: Any) -> tuple[float, float, dict[str, Any]]:
        """The read-out on the test rows of ``data``: (mi, stderr, diagnostics)."""
        raise NotImplementedError

    # -- the shared protocol ----------------------------------------------------------
    def _check_params(self) -> None:
        for name in ("hidden", "layers", "epochs", "batch_size", "eval_every", "patience", "draws"):
            check_positive_int(getattr(self, name), name)
        for name in ("lr", "min_delta"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 or (name == "lr" and v == 0):
                raise ValueError(f"{name} must be a {'positive' if name == 'lr' else 'non-negative'} number, got {v!r}")
        if not isinstance(self.ema_decay, (int, float)) or not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1) (e.g. 0.995; 0 turns averaging off), got {self.ema_decay!r}")
        if self.max_seconds is not None and (not isinstance(self.max_seconds, (int, float)) or self.max_seconds <= 0):
            raise ValueError(f"max_seconds must be a positive number of seconds or None, got {self.max_seconds!r}")
        check_choice(self.direction, "direction", DIRECTIONS)
        check_choice(self.lr_schedule, "lr_schedule", ("cosine", "constant"))
        from ..neural.data import check_split

        check_split(self.split)

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """In-memory inputs through ``check_xy``; a ``np.memmap`` or ``.npy`` path (either side)
        is checked in chunks and never copied (training then reads it a minibatch at a time)."""
        from ..neural.data import is_lazy, load_input

        self._check_params()
        if is_lazy(x) or is_lazy(y) or isinstance(x, (str, os.PathLike)) or isinstance(y, (str, os.PathLike)):
            xa, ya = load_input(x, "x"), load_input(y, "y")
            if xa.ndim != 2 or ya.ndim != 2:
                raise InputError(f"x and y must be (n, d) arrays for {self.name}, got shapes {xa.shape} and {ya.shape}")
            if len(xa) != len(ya):
                raise InputError(f"x and y must have the same number of rows, got {len(xa)} and {len(ya)}; pass paired samples")
            if len(xa) < self.min_samples():
                raise InputError(f"{self.name} needs at least {self.min_samples()} rows, got {len(xa)}")
            return xa, ya
        return check_xy(x, y, min_samples=self.min_samples(), x_dtype=np.float64, y_dtype=np.float64)

    def _one(self, a: np.ndarray, c: np.ndarray, seed: int, device: Any) -> tuple[float, float, dict[str, Any], list[str]]:
        from .core import prepare, still_improving_warning, train

        rng = np.random.default_rng(seed)
        data = prepare(a, c, self.split, rng, self.standardize)
        fit = train(data, self._training_levels(), hidden=self.hidden, layers=self.layers, epochs=self.epochs,
                    batch_size=self.batch_size, lr=float(self.lr), ema_decay=float(self.ema_decay),
                    eval_every=self.eval_every, patience=self.patience, min_delta=float(self.min_delta),
                    max_seconds=self.max_seconds, device=device, cosine=self.lr_schedule == "cosine", seed=seed, verbose=self.verbose)
        mi, se, extra = self._read(fit.net, data, rng, device)
        lo, hi = extra["logsnr_range"]
        warns = still_improving_warning(fit, hi - lo, mi, self.epochs, self.max_seconds)
        warns += [as_flag(w, "disagreement") for w in extra.pop("readout_warnings", [])]
        diag = {**data.notes, **extra, "stopped": fit.stopped, "steps": fit.steps,
                "train_seconds": fit.seconds, "samples_per_s": fit.samples_per_s, "loss_curve": fit.curve,
                "denoiser": fit.net.to("cpu")}
        return mi, se, diag, warns

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        from ...torch_utils import get_device

        seed = run_seed(self.random_state)
        device = get_device(self.device)
        runs = {"x": [(x, y)], "y": [(y, x)], "both": [(x, y), (y, x)]}[self.direction]
        results = [self._one(a, c, seed + k, device) for k, (a, c) in enumerate(runs)]
        mi = float(np.mean([r[0] for r in results]))
        se = float(math.sqrt(sum(r[1] ** 2 for r in results)) / len(results))
        warns: list[str] = []
        for r in results:
            warns += [w for w in r[3] if w not in warns]
        if len(results) == 1:
            diag = results[0][2]
        else:
            diag = {"directions": {"x|y": results[0][2], "y|x": results[1][2]},
                    "direction_estimates_nats": [results[0][0], results[1][0]]}
            gap = abs(results[0][0] - results[1][0])
            if gap > 3 * math.hypot(results[0][1], results[1][1]) + 0.05 * max(abs(mi), 0.1):
                warns.append(flag("disagreement", f"denoising x given y and y given x disagree ({results[0][0]:.3g} vs "
                                  f"{results[1][0]:.3g} nats) beyond their Monte-Carlo errors: at least one denoiser "
                                  "is poor here", a=results[0][0], b=results[1][0]))
        diag.update({"seed": seed, "device": str(device), "direction": self.direction})
        diag["ci"] = readout_interval(mi, se, [r[2] for r in results])
        if se > max(LARGE_SE_SHARE * abs(mi), LARGE_SE_FLOOR):
            warns.append(flag("small-sample", f"the Monte-Carlo standard error ({se:.3g} nats) is large against the "
                              f"estimate ({mi:.3g}): use more samples (test rows) or more draws", stderr=se, mi=mi))
        if x.shape[1] + y.shape[1] <= 512:
            # the checks the critic estimators carry (neural/trust.py): on the standard suite
            # minde and mmg read 30-60% low, silently, on Student-t dependence, and a
            # denoiser that misses dependence the copula sees is caught by the cross-check
            # (on at most CHECK_ROWS evenly spaced rows: the same checks at any n)
            from ..neural.trust import check_rows, dependence_shape_warnings

            xs, ys = check_rows(x, y)
            warns += dependence_shape_warnings(mi, se, xs, ys, self.name, "(minde, mmg) were measured 30-60% low")
        diag["warnings"] = warns
        return mi, se, diag
