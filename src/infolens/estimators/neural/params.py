"""The one source of the neural estimators' shared parameters and their defaults.

Every neural estimator takes the parameters of :data:`TRAINING_PARAMS` as keyword-only
arguments, after the few of its own bound (MINE's ``alpha``, ReMINE's ``weight``/``target``,
SMILE's ``clip``, JSD's ``readout``, CCMI's ``tau``), which its ``__init__`` names
explicitly. :data:`DEFAULT_OVERRIDES` lists, in one table, every place where a registered
estimator departs from the shared defaults, and why. ``NeuralEstimator`` builds each class's
signature from these two tables, so ``inspect.signature``, ``help()``, ``get_params()`` and
``repr()`` all show the full list, and an unknown keyword is a ``TypeError``.
"""

from __future__ import annotations

import inspect
from typing import Any, NamedTuple


class Param(NamedTuple):
    default: Any
    annotation: str
    doc: str


#: shared parameters of every neural estimator, in signature order
TRAINING_PARAMS: dict[str, Param] = {
    "critic": Param("separable", "str", '"separable" g(x)^T h(y), "concat" MLP([x, y]) or "bilinear" (losses.CRITICS)'),
    "hidden": Param(64, "int", "width of the hidden layers of the MLPs"),
    "layers": Param(2, "int", "number of hidden layers of the MLPs"),
    "embed_dim": Param(32, "int", "embedding size of the separable and bilinear critics"),
    "activation": Param("elu", "str", "activation of the MLPs"),
    "encoder": Param("auto", "str", '"auto": a conv encoder for images (n, h, w) / (n, c, h, w); "mlp": flatten; "conv"'),
    "epochs": Param(50, "int", "passes over the training split (at most; early stopping ends sooner)"),
    "batch_size": Param(256, "int", "rows per training minibatch (the score matrix is batch x batch)"),
    "lr": Param(1e-3, "float", "learning rate of Adam (AdamW when weight_decay > 0)"),
    "weight_decay": Param(0.0, "float", "decoupled weight decay"),
    "eval_every": Param(None, "int | None", "training steps between validation evaluations (None: once per epoch)"),
    "eval_block": Param(1024, "int", "rows per held-out score block (InfoNCE is capped at log(block))"),
    "patience": Param(6, "int", "validation evaluations without improvement before stopping"),
    "min_delta": Param(1e-3, "float", "smallest validation gain (nats) that counts as improvement"),
    "smooth": Param(3, "int", "validation values averaged (moving window) before comparing"),
    "lr_patience": Param(3, "int", "evaluations without improvement before the learning rate is halved"),
    "grad_clip": Param(10.0, "float | None", "gradient-norm clip (None: off)"),
    "split": Param((0.6, 0.2, 0.2), "tuple[float, float, float]", "train, validation, test fractions"),
    "standardize": Param(
        True,
        "bool",
        "standardise inputs with the training split's moments; heavy-tailed columns are first mapped to normal scores by the training split's quantiles (monotone, so the MI is unchanged)",
    ),
    "on_divergence": Param("raise", "str", '"raise" or "best" (keep the best critic so far) when training diverges'),
    "device": Param("auto", "Any", '"auto" (CUDA, MPS, CPU), or a torch device'),
    "random_state": Param(None, "Any", "seed or Generator; None: a fresh seed, reported in diagnostics"),
    "verbose": Param(None, "bool | None", "progress bar; None: only on a terminal"),
}

# The Donsker-Varadhan read-out (a log of a mean of exponentials) is noisier than InfoNCE's,
# so the estimators read out with DV average more validation points and wait longer.
_DV_READOUT = {"patience": 10, "smooth": 5, "lr_patience": 4}

#: every deliberate departure from TRAINING_PARAMS, by registered name
DEFAULT_OVERRIDES: dict[str, dict[str, Any]] = {
    "dv": _DV_READOUT,
    "mine": _DV_READOUT,
    "remine": _DV_READOUT,
    # CCMI: the paper's classifier on [x, y]; a concat critic runs its MLP on all
    # block x block pairs, so held-out blocks are kept small to bound that cost
    "ccmi": {"critic": "concat", "eval_block": 256},
    # the label classifier's read-out is per row (no score matrix), so large blocks cost little
    "classifier": {"eval_block": 4096},
}


def training_defaults(name: str, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The shared parameters of the estimator registered as ``name``, with their defaults."""
    over = DEFAULT_OVERRIDES.get(name, {})
    return {k: over.get(k, p.default) for k, p in TRAINING_PARAMS.items() if k not in exclude}


def build_signature(own_init: Any, defaults: dict[str, Any]) -> inspect.Signature:
    """``own_init``'s explicit parameters (``self`` and the bound's own) followed by the shared
    ones as keyword-only parameters with ``defaults``; its ``**training`` is dropped."""
    own = [
        p
        for p in inspect.signature(own_init).parameters.values()
        if p.kind is not inspect.Parameter.VAR_KEYWORD and p.name not in TRAINING_PARAMS
    ]
    shared = [
        inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=v, annotation=TRAINING_PARAMS[k].annotation)
        for k, v in defaults.items()
    ]
    return inspect.Signature(own + shared, return_annotation="None")


def params_doc(defaults: dict[str, Any]) -> str:
    """A "Shared parameters" section for a class docstring (name, default, one line)."""
    lines = ["", "", "Shared parameters (``infolens.estimators.neural.params``):", ""]
    lines += [f"- ``{k}={v!r}``: {TRAINING_PARAMS[k].doc}" for k, v in defaults.items()]
    return "\n".join(lines)
