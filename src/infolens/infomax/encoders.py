"""The four encoder shapes of the Deep InfoMax map study, as torch modules for any input size.

Every encoder maps ``(n, c, H, W)`` images to a *local feature map* ``M`` of ``channels``
maps (the measured layer) and a *summary* vector ``y = head(M)`` (Hjelm et al. 2019,
"Learning deep representations by mutual information estimation and maximization").

- ``"A"``: ``depth`` valid 3x3 convolutions: each layer shrinks the map by 2 (96 -> 88 for depth 4).
- ``"B"``: ``depth`` transposed 3x3 convolutions (stride 1): each layer grows the map by 2 (96 -> 104).
- ``"C"``: ``depth`` same-padding 3x3 convolutions: the size is kept.
- ``"D"``: ``depth/2`` transposed then ``depth/2`` valid convolutions: grows, then shrinks back
  to the input size (96 -> 98 -> 100 -> 98 -> 96).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ..validation import check_choice, check_positive_int

KINDS = ("A", "B", "C", "D")


def check_kind(kind: Any) -> str:
    """``kind`` upper-cased if it is one of A, B, C, D, else a ValueError naming it."""
    k = kind.upper() if isinstance(kind, str) else kind
    return check_choice(k, "kind", KINDS)


def layer_plan(kind: str, depth: int) -> list[str]:
    """The layer types of an encoder: ``"valid"``, ``"transposed"`` or ``"same"`` per layer."""
    kind = check_kind(kind)
    depth = check_positive_int(depth, "depth")
    if kind == "A":
        return ["valid"] * depth
    if kind == "B":
        return ["transposed"] * depth
    if kind == "C":
        return ["same"] * depth
    if depth % 2:
        raise ValueError(f"depth must be even for encoder D (grow then shrink back by as many layers), got {depth}")
    return ["transposed"] * (depth // 2) + ["valid"] * (depth // 2)


def map_sizes(kind: str, size: int, depth: int = 4) -> list[int]:
    """The map side after the input and after every layer, e.g. ``map_sizes("A", 96)`` ->
    ``[96, 94, 92, 90, 88]``."""
    size = check_positive_int(size, "size")
    out = [size]
    for layer in layer_plan(kind, depth):
        out.append(out[-1] + {"valid": -2, "transposed": 2, "same": 0}[layer])
    if min(out) < 1:
        raise ValueError(
            f"images of side {size} are too small for encoder {kind} with depth {depth} "
            f"(the maps would shrink to {min(out)}); use images of side > {2 * depth} or a smaller depth"
        )
    return out


def _layer(kind: str, c_in: int, c_out: int) -> nn.Module:
    if kind == "valid":
        return nn.Conv2d(c_in, c_out, 3, padding=0)
    if kind == "same":
        return nn.Conv2d(c_in, c_out, 3, padding=1)
    return nn.ConvTranspose2d(c_in, c_out, 3, stride=1, padding=0)


class DIMEncoder(nn.Module):
    """Convolutional encoder of shape ``kind`` (A-D) with a summary head.

    Parameters
    ----------
    kind : "A" (valid convs, maps shrink), "B" (transposed convs, maps grow),
        "C" (same padding, size kept), "D" (grow, then shrink back).
    in_channels : channels of the input images (1 for grayscale).
    channels : number of feature maps at the measured (last convolutional) layer.
    depth : number of 3x3 layers.
    hidden : channels of the layers before the last (default ``channels``).
    summary_dim : length of the summary vector ``y``.
    pool : the measured map is average-pooled to ``pool x pool`` before the summary MLP, so
        the head works for any input size.
    """

    def __init__(self, kind: str = "C", in_channels: int = 1, channels: int = 32, depth: int = 4,
                 hidden: int | None = None, summary_dim: int = 64, pool: int = 4) -> None:
        super().__init__()
        self.kind = check_kind(kind)
        self.in_channels = check_positive_int(in_channels, "in_channels")
        self.channels = check_positive_int(channels, "channels")
        self.depth = check_positive_int(depth, "depth")
        self.hidden = check_positive_int(hidden if hidden is not None else channels, "hidden")
        self.summary_dim = check_positive_int(summary_dim, "summary_dim")
        self.pool = check_positive_int(pool, "pool")
        plan = layer_plan(self.kind, self.depth)
        layers: list[nn.Module] = []
        c = self.in_channels
        for i, layer in enumerate(plan):
            c_out = self.channels if i == len(plan) - 1 else self.hidden
            # BatchNorm as in DIM's encoders: without it the features of different images differ
            # by ~1e-3 at initialisation and the critics take thousands of steps to separate them
            layers += [_layer(layer, c, c_out), nn.BatchNorm2d(c_out), nn.ReLU()]
            c = c_out
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(self.pool),
            nn.Flatten(),
            nn.Linear(self.channels * self.pool * self.pool, 256),
            nn.BatchNorm1d(256),
            nn.ReLU(),
            nn.Linear(256, self.summary_dim),
        )

    def output_size(self, size: int) -> int:
        """Side of the measured feature map for square inputs of side ``size``."""
        return map_sizes(self.kind, size, self.depth)[-1]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(M, y)``: the feature map ``(n, channels, h, w)`` and the summary ``(n, summary_dim)``."""
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"x must have shape (n, {self.in_channels}, h, w), got {tuple(x.shape)}; "
                "add the channel axis with x[:, None] for grayscale images"
            )
        smallest = 2 * sum(1 for layer in layer_plan(self.kind, self.depth) if layer == "valid")
        if self.kind == "A" and min(x.shape[-2:]) <= smallest:
            raise ValueError(
                f"images of size {tuple(x.shape[-2:])} are too small for encoder A with depth {self.depth}; "
                f"use images of side > {smallest} or a smaller depth"
            )
        m = self.features(x)
        return m, self.head(m)

    def config(self) -> dict[str, Any]:
        """The constructor's parameters (to rebuild the encoder from a checkpoint)."""
        return {"kind": self.kind, "in_channels": self.in_channels, "channels": self.channels,
                "depth": self.depth, "hidden": self.hidden, "summary_dim": self.summary_dim, "pool": self.pool}


def build_encoder(kind: str, **params: Any) -> DIMEncoder:
    """Shorthand for :class:`DIMEncoder` ``(kind, **params)``."""
    return DIMEncoder(kind, **params)
