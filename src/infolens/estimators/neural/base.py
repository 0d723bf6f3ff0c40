"""The base class of the critic-based estimators: parameters (:mod:`.params`), input checks,
critic construction, training via :func:`~infolens.estimators.neural.trainer.train`, and the
MIResult diagnostics. Its parts live by job: input feeds (:mod:`.feeds`), heavy-tail handling
(:mod:`.tails`), trust warnings and the copula cross-check (:mod:`.trust`)."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np

from ...errors import InputError, InputTypeError
from ...result import Estimator
from ...validation import check_choice, check_positive_int
from .data import load_input
from .feeds import Setup, build_branch_encoder, check_paired, make_feeds, prepare
from .params import DEFAULT_OVERRIDES, build_signature, params_doc, training_defaults
from .tails import HEAVY_TAIL_RATIO, tame_heavy_tails
from .trainer import FitResult, train
from .trust import CHECK_ROWS, check_rows, copula_cross_check, dependence_shape_warnings, training_warnings

__all__ = ["ENCODERS", "TRAIN_ARGS", "NeuralEstimator", "Setup", "build_branch_encoder", "check_paired", "make_feeds",
           "prepare", "HEAVY_TAIL_RATIO", "tame_heavy_tails", "CHECK_ROWS", "check_rows", "copula_cross_check",
           "dependence_shape_warnings", "training_warnings"]

ENCODERS = ("auto", "mlp", "conv")
#: the shared parameters that :func:`~.trainer.train` takes, passed through unchanged
TRAIN_ARGS = ("epochs", "batch_size", "lr", "weight_decay", "eval_every", "eval_block", "patience", "min_delta",
              "smooth", "lr_patience", "grad_clip", "on_divergence", "verbose")


class NeuralEstimator(Estimator):
    """Base of the critic-based estimators (the bound is fixed by the subclass).

    The shared parameters and their defaults are defined once, in
    :mod:`~infolens.estimators.neural.params`; a subclass's ``__init__`` names only its
    bound's own parameters and passes ``**training`` on. ``x``/``y`` may also be
    ``np.memmap`` arrays or paths to ``.npy`` files (read in minibatches).
    """

    # capability tags (declared on Estimator; no annotation here: this class's annotations are
    # the shared-parameter table, neural/params.py)
    small_torch_model = True
    trains_in_minibatches = True
    trains_critic = True

    _min_samples = 30
    #: every critic read-out is a variational lower bound (classifier and CCMI included)
    bias = "lower-bound"
    _test_params: ClassVar[dict[str, Any]] = {"epochs": 20, "batch_size": 64, "hidden": 32, "embed_dim": 16, "lr": 5e-3, "verbose": False}
    _bound = "dv"
    _readout = "dv"
    #: shared parameters this estimator does not take
    _exclude: ClassVar[tuple[str, ...]] = ()

    # The shared parameters as the type checker sees them (values and docs: params.TRAINING_PARAMS;
    # tests/test_neural_params.py keeps the two lists equal).
    critic: str
    hidden: int
    layers: int
    embed_dim: int
    activation: str
    encoder: str
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    eval_every: int | None
    eval_block: int
    patience: int
    min_delta: float
    smooth: int
    lr_patience: int
    grad_clip: float | None
    split: tuple[float, float, float]
    standardize: bool
    on_divergence: str
    device: Any
    random_state: Any
    verbose: bool | None

    @classmethod
    def _training_defaults(cls) -> dict[str, Any]:
        """The shared defaults, with the departures listed for this class or its nearest
        registered ancestor (a subclass of MINE keeps the DV read-out's patience)."""
        name = next((c.name for c in cls.__mro__ if getattr(c, "name", "") in DEFAULT_OVERRIDES), cls.name)  # type: ignore[attr-defined]
        return training_defaults(name, cls._exclude)

    def __init__(self, **training: Any) -> None:
        defaults = self._training_defaults()
        unknown = sorted(set(training) - set(defaults))
        if unknown:
            takes = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
            raise InputTypeError(f"{type(self).__name__} got unexpected parameter(s) {', '.join(map(repr, unknown))}; "
                            f"it takes {', '.join(takes)}")
        for k, v in defaults.items():
            setattr(self, k, training.get(k, v))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give each subclass the full signature: its bound's own parameters, then the shared ones."""
        super().__init_subclass__(**kwargs)
        if "__init__" not in cls.__dict__:  # a constructor of its own, to carry this class's defaults
            parent = cls.__mro__[1].__init__  # type: ignore[misc]

            def __init__(self: Any, *args: Any, **kw: Any) -> None:
                parent(self, *args, **kw)

            __init__.__signature__ = inspect.signature(parent)  # type: ignore[attr-defined]
            __init__.__qualname__ = f"{cls.__qualname__}.__init__"
            cls.__init__ = __init__  # type: ignore[method-assign]
        defaults = cls._training_defaults()
        cls.__init__.__signature__ = build_signature(cls.__init__, defaults)  # type: ignore[attr-defined]
        cls.__doc__ = (cls.__doc__ or "") + params_doc(defaults)

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        xa = load_input(x, "x")
        ya = load_input(y, "y")
        return self._check_lengths(xa, ya)

    def _check_lengths(self, xa: np.ndarray, ya: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        check_paired(xa, ya)
        if len(xa) < self.min_samples():
            raise InputError(
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

        check_choice(self.critic, "critic", tuple(losses.CRITICS))
        hidden = check_positive_int(self.hidden, "hidden")
        layers = check_positive_int(self.layers, "layers", minimum=0 if self.critic == "bilinear" else 1)
        embed = check_positive_int(self.embed_dim, "embed_dim")
        enc_x = build_branch_encoder(info["x"], embed, self.activation)
        enc_y = build_branch_encoder(info["y"], embed, self.activation)
        kw = dict(x_dim=info["x"]["dim"], y_dim=info["y"]["dim"], hidden=hidden, layers=layers,
                  activation=self.activation, x_encoder=enc_x, y_encoder=enc_y)
        if self.critic != "concat":
            kw["embed_dim"] = embed
        return losses.CRITICS[self.critic](**kw)

    def _y_labels(self) -> bool:
        return False

    def fit(self, x: np.ndarray, y: np.ndarray) -> tuple[FitResult, dict[str, Any]]:
        """Split, build the critic, train; returns the :class:`FitResult` and input info."""
        check_choice(self.encoder, "encoder", ENCODERS)
        setup = prepare(x, y, split=self.split, standardize=bool(self.standardize), device=self.device,
                        random_state=self.random_state, encoder=self.encoder, y_labels=self._y_labels())
        critic = self._build_critic(setup.info).to(setup.device)
        objective = self._make_objective(setup.feeds, setup.info)
        fit = train(critic, objective, setup.feeds, random_state=setup.rng, desc=self.name,
                    **{k: getattr(self, k) for k in TRAIN_ARGS})
        info = dict(setup.info, seed=setup.seed, device=str(setup.device), objective=objective)
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
        diag["warnings"] = training_warnings(fit, ceiling, int(self.epochs), float(self.min_delta))
        for name in ("x", "y"):
            cols = info[name].get("normal_scores_columns") if isinstance(info.get(name), dict) else None
            if cols:
                diag.setdefault("heavy_tailed_columns", {})[name] = cols
        vectors = all(isinstance(info.get(k), dict) and info[k].get("kind") == "vector" for k in ("x", "y"))
        if vectors and isinstance(x, np.ndarray) and isinstance(y, np.ndarray) \
                and x.ndim == 2 and y.ndim == 2 and x.shape[1] + y.shape[1] <= 512:
            xs, ys = check_rows(x, y)  # memory-mapped inputs are read in these rows only
            diag["warnings"] += dependence_shape_warnings(fit.estimate, fit.stderr, xs, ys, self.name,
                                                          "(mine, infonce) were measured 20-80% low")
        return fit.estimate, fit.stderr, diag
