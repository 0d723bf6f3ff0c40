"""Input feeds of the neural estimators: the set-up every critic training shares (seed rule,
device, splits) and one :class:`~.data.Feeder` per (variable, split), heavy-tailed columns
first mapped to normal scores (:mod:`.tails`)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ...errors import InputError
from ...validation import run_seed
from .data import Feeder, check_split, image_channels, input_kind, moments, split_indices
from .tails import tame_heavy_tails


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

    seed = run_seed(random_state)
    rng = np.random.default_rng(seed)
    dev = get_device(device)
    feeds, info = make_feeds(x, y, split, rng, dev, standardize, encoder, y_labels)
    seed_everything(seed)
    return Setup(feeds, info, rng, seed, dev)


def make_feeds(x: np.ndarray, y: np.ndarray, split: Any, rng: np.random.Generator, device: Any,
               standardize: bool, encoder: str, y_labels: bool = False) -> tuple[tuple, dict[str, Any]]:
    """Split indices and one :class:`Feeder` per (variable, split); returns the feeds and shape info."""
    # (a label is split class by class: every part holds the classes in the sample's proportions)
    tr, va, te = split_indices(len(x), check_split(split), rng, strata=np.asarray(y).reshape(-1) if y_labels else None)
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
        if conv:
            info[name]["size"] = tuple(int(s) for s in (a.shape[1:3] if last else a.shape[-2:]))
        if heavy:
            info[name]["normal_scores_columns"] = heavy
    feeds = tuple((feeders["x"][k], feeders["y"][k]) for k in range(3))
    return feeds, info


def build_branch_encoder(info: dict[str, Any], embed: int, activation: Any) -> Any:
    """The encoder of an image branch (None for vectors): convolutions pooled onto a coarse
    grid, so that where a feature lies reaches the read-out (:mod:`.encoders`)."""
    if info["kind"] == "image":
        from .encoders import GridConvEncoder

        return GridConvEncoder(in_channels=info["channels"], out_dim=embed, image_size=info["size"], activation=activation)
    return None
