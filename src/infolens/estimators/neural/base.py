"""Shared machinery of the neural estimators: input checks, splits, critic construction,
training via :func:`~infolens.estimators.neural.trainer.train`, and the MIResult diagnostics."""

from __future__ import annotations

import inspect
import math
from typing import Any, ClassVar, NamedTuple

import numpy as np

from ...errors import InputError, InputTypeError, flag
from ...result import Estimator
from ...validation import check_choice, check_positive_int, seed_from
from .data import Feeder, check_split, image_channels, input_kind, load_input, moments, split_indices
from .params import DEFAULT_OVERRIDES, build_signature, params_doc, training_defaults
from .trainer import FitResult, train

ENCODERS = ("auto", "mlp", "conv")
#: the shared parameters that :func:`~.trainer.train` takes, passed through unchanged
TRAIN_ARGS = ("epochs", "batch_size", "lr", "weight_decay", "eval_every", "eval_block", "patience", "min_delta",
              "smooth", "lr_patience", "grad_clip", "on_divergence", "verbose")


class Setup(NamedTuple):
    """What training needs besides the critic and the objective."""

    feeds: tuple
    info: dict[str, Any]
    rng: np.random.Generator
    seed: int
    device: Any


def check_paired(xa: np.ndarray, ya: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(xa) != len(ya):
        raise InputError(f"x and y must have the same number of samples (rows), got {len(xa)} and {len(ya)}; pass paired samples")
    return xa, ya


def prepare(x: np.ndarray, y: np.ndarray, *, split: Any, standardize: bool, device: Any, random_state: Any,
            encoder: str = "auto", y_labels: bool = False) -> Setup:
    """The set-up shared by every critic training: the seed rule (``random_state`` or a fresh
    seed, reported), the device, the split feeds, then torch seeded for the critic's weights."""
    from ...torch_utils import get_device, seed_everything

    seed = seed_from(random_state) if random_state is not None else int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    rng = np.random.default_rng(seed)
    dev = get_device(device)
    feeds, info = make_feeds(x, y, split, rng, dev, standardize, encoder, y_labels)
    seed_everything(seed)
    return Setup(feeds, info, rng, seed, dev)


#: a column whose training-split ratio (q99.5 - q0.5) / (q75 - q25) exceeds this is
#: heavy-tailed (Gaussian: 3.8; Student-t: 5.5 for 5 degrees of freedom, 7.6 for 3,
#: 12 for 2). A critic fed standardised heavy-tailed columns sees a few rows hundreds of
#: standard deviations out, and the DV/NWJ read-outs (means of exponentials of scores)
#: are ruled by those rows: the suite's Student-t tasks gave -148 nats.
HEAVY_TAIL_RATIO = 6.0


def tame_heavy_tails(a: np.ndarray, train_idx: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Replace each heavy-tailed column (:data:`HEAVY_TAIL_RATIO`) of ``a`` (n, d) by its
    normal scores under the training split's empirical distribution, ``Phi^-1(F_train(v))``
    with F_train interpolated linearly between the sorted training values (values beyond
    them are clamped to the outermost scores). The map is monotone and fitted on the
    training rows only, so the held-out estimate targets the same MI (MI is invariant to
    monotone per-column maps). Returns ``(a or a transformed copy, changed columns)``."""
    from scipy.special import ndtri

    flat = np.asarray(a).reshape(len(a), -1)
    if flat.dtype.kind not in "f" or flat.shape[1] > 4096:
        return a, []
    tr = np.asarray(flat[train_idx], dtype=np.float64)
    q = np.quantile(tr, [0.005, 0.25, 0.75, 0.995], axis=0)
    iqr = q[2] - q[1]
    ratio = np.where(iqr > 0, (q[3] - q[0]) / np.where(iqr > 0, iqr, 1.0), 0.0)
    heavy = np.flatnonzero(ratio > HEAVY_TAIL_RATIO).tolist()
    if not heavy:
        return a, []
    out = np.array(flat, dtype=np.float64, copy=True)
    m = len(tr)
    probs = (np.arange(m) + 0.5) / m
    for j in heavy:
        srt = np.sort(tr[:, j])
        out[:, j] = ndtri(np.interp(out[:, j], srt, probs))
    return out.reshape(a.shape), heavy


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
            raise InputError(f"encoder='conv' needs images (n, h, w) or (n, c, h, w) for {name}, got shape {a.shape}; use encoder='auto'")
        channels, last = image_channels(a) if kind == "image" else (0, False)
        per_feature = not conv
        heavy: list[int] = []
        if standardize and kind == "vector" and not isinstance(a, np.memmap):
            a, heavy = tame_heavy_tails(a, tr)
        mean, sd = moments(a, tr, per_feature=per_feature) if standardize else (None, None)
        if per_feature and kind == "image" and mean is not None and sd is not None:
            mean, sd = mean.reshape(-1), sd.reshape(-1)
        feeders[name] = [Feeder(a, idx, device, mean, sd, flatten=not conv, channels_last=last and conv) for idx in (tr, va, te)]
        dim = int(np.prod(a.shape[1:]))
        info[name] = {"kind": "image" if conv else "vector", "dim": dim, "channels": channels}
        if heavy:
            info[name]["normal_scores_columns"] = heavy
    feeds = tuple((feeders["x"][k], feeders["y"][k]) for k in range(3))
    return feeds, info


def build_branch_encoder(info: dict[str, Any], embed: int, activation: Any) -> Any:
    from ...losses import ConvEncoder

    if info["kind"] == "image":
        return ConvEncoder(in_channels=info["channels"], out_dim=embed, activation=activation)
    return None


#: estimates above this many nats carry a warning: measured with benchmarks/bench_neural.py
#: (``--only rho``), every bound read 3-35% low (more than 2 standard errors) from 1.96 nats on,
#: and all were within 2 standard errors at 0.83 nats
HIGH_MI_NATS = 1.5
#: evaluations looked back over to decide whether validation MI was still rising
RISE_WINDOW = 5


def training_warnings(fit: FitResult, ceiling: float | None, epochs: int, min_delta: float) -> list[str]:
    """Reasons to doubt a trained estimate, read off its own training record: stopped by the
    epoch limit while the smoothed validation MI still rose (the estimate is low), a
    diverged run kept at its best checkpoint, an InfoNCE read-out at its log(block)
    ceiling, and a test read-out far from the validation read-out of the same critic
    (unstable read-out, e.g. a DV mean of exponentials ruled by a few rows)."""
    out: list[str] = []
    sm = fit.curves["smoothed"].to_numpy() if len(fit.curves) else np.array([])
    if fit.stopped == "max epochs" and len(sm) >= 2:
        w = min(RISE_WINDOW, len(sm) - 1)
        rise = float(sm[-1] - sm[-1 - w])
        if rise > max(2 * min_delta, 0.01 * abs(float(sm[-1]))):
            out.append(flag(
                "not-converged",
                f"training stopped at the epoch limit ({epochs} epochs) while the smoothed validation MI was still "
                f"rising (+{rise:.3g} nats over the last {w} evaluations): the estimate is likely low; "
                "raise epochs (or lr)", rise=rise, epochs=epochs))
    if fit.stopped.startswith("diverged"):
        out.append(flag("unstable", "training diverged; the estimate comes from the last good checkpoint and may be "
                        "far off (lower lr, or use a bounded objective such as 'infonce' or 'smile')"))
    if ceiling is not None and fit.estimate > ceiling - 0.1:
        out.append(flag(
            "ceiling",
            f"the estimate is at InfoNCE's ceiling log({round(math.exp(ceiling))}) = {ceiling:.3g} nats: the true MI "
            "may be much higher; use a larger eval_block/test split or another bound (smile, nwj)", ceiling=ceiling))
    if fit.estimate > HIGH_MI_NATS:
        out.append(flag(
            "lower-bound",
            f"critic-based bounds read low at high MI (here {fit.estimate:.3g} nats): on 1+1 Gaussians at N=10,000 "
            "the defaults read 3-7% low at 1.96 nats and up to 35% low at 3.1 nats, several standard errors "
            "below the truth; cross-check with method='auto' or a closed form where the data allow",
            mi=fit.estimate, limit=HIGH_MI_NATS))
    gap = abs(fit.estimate - fit.best_val)
    if math.isfinite(fit.best_val) and gap > 4 * fit.stderr + 0.1 * max(abs(fit.best_val), 0.1):
        out.append(flag(
            "unstable",
            f"the held-out test read-out ({fit.estimate:.3g}) is far from the validation read-out of the same "
            f"critic ({fit.best_val:.3g}): the read-out is unstable on these data (heavy tails or too few rows); "
            "use a bounded read-out (infonce, smile) or more samples", test=fit.estimate, validation=fit.best_val))
    return out


def dependence_shape_warnings(mi: float, stderr: float, x: np.ndarray, y: np.ndarray, name: str,
                              measured: str) -> list[str]:
    """The trust checks shared by the trained estimators (critics here, diffusion denoisers):
    heavy joint tails (``measured``: how far ``name`` was off on them) and the cross-check
    against the Gaussian copula. Normal scores are computed once for both."""
    from .._trust import heavy_tail_warning, normal_scores

    zx, zy = normal_scores(x), normal_scores(y)
    out: list[str] = []
    w = heavy_tail_warning(x, y, name, measured=measured, scores=(zx, zy))
    if w:
        out.append(flag("heavy-tails", w))
    if len(x) > x.shape[1] + y.shape[1] + 2:
        w = copula_cross_check(mi, stderr, zx, zy)
        if w:
            out.append(flag("disagreement", w))
    return out


#: rows (evenly spaced) that the data checks behind the trust warnings read at most: their
#: statistics have sds of ~0.005 at this size, far below the thresholds they are held to
CHECK_ROWS = 200_000


def check_rows(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most :data:`CHECK_ROWS` evenly spaced rows of ``x`` and ``y`` as float64 arrays in
    memory (a memory-mapped input is read only in those rows)."""
    step = max(1, -(-len(x) // CHECK_ROWS))
    return (np.asarray(x[::step], dtype=np.float64).reshape(-(-len(x) // step), -1),
            np.asarray(y[::step], dtype=np.float64).reshape(-(-len(y) // step), -1))


def copula_cross_check(mi: float, stderr: float, zx: np.ndarray, zy: np.ndarray) -> str | None:
    """A warning when a critic's estimate lies far below the Gaussian-copula estimate of the
    same data (3 combined standard errors and 10%): the copula estimate is exact for Gaussian
    dependence and otherwise sees only the rank correlations, so a trained critic below it
    has not learned the dependence (the suite's 25+25 sparse tasks: InfoNCE and MINE read
    0.56-0.64 nats where the copula gives 1.005, truth 1.022). ``zx``, ``zy``: the normal
    scores of x and y."""
    from ..gaussian import gaussian_mi

    try:
        g, gse, _ = gaussian_mi(zx, zy)
    except ValueError:  # a singular correlation matrix: no cross-check possible
        return None
    gap = g - mi
    if gap > 3 * math.hypot(stderr, gse) and gap > 0.1 * abs(g):
        return (
            f"the estimate is far below the Gaussian-copula estimate of the same data ({g:.3g} nats), which the "
            "rank correlations alone already support: the critic has not learned the dependence (too little "
            "training or capacity for these dimensions); use method='gaussian-copula' or method='auto'"
        )
    return None


class NeuralEstimator(Estimator):
    """Base of the critic-based estimators (the bound is fixed by the subclass).

    The shared parameters and their defaults are defined once, in
    :mod:`~infolens.estimators.neural.params`; a subclass's ``__init__`` names only its
    bound's own parameters and passes ``**training`` on. ``x``/``y`` may also be
    ``np.memmap`` arrays or paths to ``.npy`` files (read in minibatches).
    """

    _min_samples = 30
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
