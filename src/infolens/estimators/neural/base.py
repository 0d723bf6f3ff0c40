"""Shared machinery of the neural estimators: input checks, splits, critic construction,
training via :func:`~infolens.estimators.neural.trainer.train`, and the MIResult diagnostics."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...result import Estimator
from ...validation import check_choice, check_positive_int, seed_from
from .data import Feeder, check_split, image_channels, input_kind, load_input, moments, split_indices
from .trainer import FitResult, train

CRITIC_NAMES = ("separable", "concat", "bilinear")
ENCODERS = ("auto", "mlp", "conv")

#: the parameters every neural estimator takes (in this order), with their defaults
COMMON_DEFAULTS: dict[str, Any] = dict(
    critic="separable", hidden=64, layers=2, embed_dim=32, activation="elu", encoder="auto",
    epochs=50, batch_size=256, lr=1e-3, weight_decay=0.0, eval_every=None, eval_block=1024,
    patience=6, min_delta=1e-3, smooth=3, lr_patience=3, grad_clip=10.0, split=(0.6, 0.2, 0.2),
    standardize=True, on_divergence="raise", device="auto", random_state=None, verbose=None,
)


def make_feeds(x: np.ndarray, y: np.ndarray, split: Any, rng: np.random.Generator, device: Any,
               standardize: bool, encoder: str, y_labels: bool = False) -> tuple[tuple, dict[str, Any]]:
    """Split indices and one :class:`Feeder` per (variable, split); returns the feeds and shape info."""
    tr, va, te = split_indices(len(x), check_split(split), rng)
    info: dict[str, Any] = {}
    feeders: dict[str, list[Feeder]] = {}
    for name, a in (("x", x), ("y", y)):
        if name == "y" and y_labels:
            feeders[name] = [Feeder(a, idx, device, labels=True) for idx in (tr, va, te)]
            info["y"] = {"kind": "labels", "classes": int(a.max()) + 1}
            continue
        kind = input_kind(a)
        conv = kind == "image" and encoder != "mlp"
        if encoder == "conv" and kind != "image":
            raise ValueError(f"encoder='conv' needs images (n, h, w) or (n, c, h, w) for {name}, got shape {a.shape}; use encoder='auto'")
        channels, last = image_channels(a) if kind == "image" else (0, False)
        per_feature = not conv
        mean, sd = moments(a, tr, per_feature=per_feature) if standardize else (None, None)
        if per_feature and kind == "image" and mean is not None:
            mean, sd = mean.reshape(-1), sd.reshape(-1)
        feeders[name] = [Feeder(a, idx, device, mean, sd, flatten=not conv, channels_last=last and conv) for idx in (tr, va, te)]
        dim = int(np.prod(a.shape[1:]))
        info[name] = {"kind": "image" if conv else "vector", "dim": dim, "channels": channels}
    feeds = tuple((feeders["x"][k], feeders["y"][k]) for k in range(3))
    return feeds, info


def build_branch_encoder(info: dict[str, Any], embed: int, activation: Any) -> Any:
    from ...losses import ConvEncoder

    if info["kind"] == "image":
        return ConvEncoder(in_channels=info["channels"], out_dim=embed, activation=activation)
    return None


class NeuralEstimator(Estimator):
    """Base of the critic-based estimators (the bound is fixed by the subclass).

    Common parameters: ``critic`` ("separable" g(x)^T h(y), "concat" MLP([x, y]),
    "bilinear"), ``hidden``/``layers``/``embed_dim``/``activation`` of the MLPs,
    ``encoder`` ("auto": a conv encoder for image inputs (n, h, w) / (n, c, h, w), "mlp":
    flatten), training (``epochs``, ``batch_size``, ``lr``, ``weight_decay`` (AdamW when
    > 0), ``eval_every``, ``eval_block`` (rows per held-out score block), ``patience``,
    ``min_delta``, ``smooth``, ``lr_patience``, ``grad_clip``), ``split`` (train,
    validation, test fractions), ``standardize`` (with training-split moments),
    ``on_divergence`` ("raise" or "best"), ``device`` ("auto": CUDA, MPS, CPU),
    ``random_state``, ``verbose`` (progress bar; None: only on a terminal).

    ``x``/``y`` may also be ``np.memmap`` arrays or paths to ``.npy`` files (read in minibatches).
    """

    _min_samples = 30
    _test_params: dict[str, Any] = {"epochs": 20, "batch_size": 64, "hidden": 32, "embed_dim": 16, "lr": 5e-3, "verbose": False}
    _bound = "dv"
    _readout = "dv"

    def _store(self, params: dict[str, Any]) -> None:
        for k, v in params.items():
            if k not in ("self", "__class__"):
                setattr(self, k, v)

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        xa = load_input(x, "x")
        ya = load_input(y, "y")
        return self._check_lengths(xa, ya)

    def _check_lengths(self, xa: np.ndarray, ya: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if len(xa) != len(ya):
            raise ValueError(f"x and y must have the same number of samples (rows), got {len(xa)} and {len(ya)}; pass paired samples")
        if len(xa) < self.min_samples():
            raise ValueError(
                f"x and y have {len(xa)} samples; neural estimators need at least {self.min_samples()} "
                "(they split the data into train, validation and test parts)")
        return xa, ya

    def _objective(self) -> Any:
        from .objectives import ScoreObjective

        return ScoreObjective(self._bound, self._readout)

    def _make_objective(self, feeds: tuple, info: dict[str, Any]) -> Any:
        return self._objective()

    def _build_critic(self, info: dict[str, Any]) -> Any:
        from ... import losses

        check_choice(self.critic, "critic", CRITIC_NAMES)
        hidden = check_positive_int(self.hidden, "hidden")
        layers = check_positive_int(self.layers, "layers", minimum=0 if self.critic == "bilinear" else 1)
        embed = check_positive_int(self.embed_dim, "embed_dim")
        enc_x = build_branch_encoder(info["x"], embed, self.activation)
        enc_y = build_branch_encoder(info["y"], embed, self.activation)
        kw = dict(x_dim=info["x"]["dim"], y_dim=info["y"]["dim"], hidden=hidden, layers=layers,
                  activation=self.activation, x_encoder=enc_x, y_encoder=enc_y)
        if self.critic == "concat":
            return losses.ConcatCritic(**kw)
        cls = losses.SeparableCritic if self.critic == "separable" else losses.BilinearCritic
        return cls(embed_dim=embed, **kw)

    def _y_labels(self) -> bool:
        return False

    def fit(self, x: np.ndarray, y: np.ndarray) -> tuple[FitResult, dict[str, Any]]:
        """Split, build the critic, train; returns the :class:`FitResult` and input info."""
        from ...torch_utils import get_device, seed_everything

        check_choice(self.encoder, "encoder", ENCODERS)
        seed = seed_from(self.random_state) if self.random_state is not None else int(np.random.SeedSequence().generate_state(1)[0] >> 1)
        rng = np.random.default_rng(seed)
        device = get_device(self.device)
        feeds, info = make_feeds(x, y, self.split, rng, device, bool(self.standardize), self.encoder, self._y_labels())
        seed_everything(seed)
        critic = self._build_critic(info).to(device)
        objective = self._make_objective(feeds, info)
        fit = train(
            critic, objective, feeds, epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
            weight_decay=self.weight_decay, eval_every=self.eval_every, eval_block=self.eval_block,
            patience=self.patience, min_delta=self.min_delta, smooth=self.smooth, lr_patience=self.lr_patience,
            grad_clip=self.grad_clip, on_divergence=self.on_divergence, random_state=rng, verbose=self.verbose,
            desc=self.name,
        )
        info.update(seed=seed, device=str(device), objective=objective)
        return fit, info

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        fit, info = self.fit(x, y)
        objective = info.pop("objective")
        nb = -(-fit.n_test // min(self.eval_block, fit.n_test))
        block = -(-fit.n_test // nb)  # the largest held-out score block: InfoNCE <= log(block)
        diag: dict[str, Any] = {
            "curves": fit.curves,
            "critic": fit.critic.cpu(),
            "best_step": fit.best_step,
            "best_val": fit.best_val,
            "stopped": fit.stopped,
            "steps": fit.steps,
            "n_train": fit.n_train,
            "n_val": fit.n_val,
            "n_test": fit.n_test,
            "bound": getattr(objective, "bound", self.name),
            "readout": objective.readout,
            "device": info["device"],
            "seed": info["seed"],
            "inputs": {k: info[k] for k in ("x", "y")},
        }
        ceiling = objective.ceiling(block)
        if ceiling is not None:
            diag["ceiling"] = ceiling
            diag["at_ceiling"] = bool(fit.estimate > ceiling - 0.1)
        return fit.estimate, fit.stderr, diag
