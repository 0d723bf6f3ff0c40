"""The image encoder of the neural estimators: convolutions that keep *where* a feature lies.

An image branch (``encoder="auto"`` on (n, h, w) / (n, c, h, w) inputs) is a stack of
stride-2 3x3 convolutions whose feature maps are average-pooled onto a coarse grid (at most
:data:`GRID` x :data:`GRID` cells) and read out by a linear map of the whole grid. The grid
is the point: pooling the maps to a single vector (global average pooling) keeps which local
patterns occur but not where, so a label carried by the layout of an image (a bar's
orientation through the centre, a digit's strokes) is invisible to it. On ``LabelImages``
(σ = 2, n = 5000, truth 1.88 nats) a globally pooled encoder's held-out bound stayed at 0 for
40 epochs while the same convolutions pooled onto a 7 x 7 grid reached 1.6 nats in 6 epochs.
The convolutions share their weights across positions, the spatial prior that a flattened
MLP lacks.
"""

from __future__ import annotations

import math

from torch import Tensor, nn

from ...losses import ConvEncoder

#: cells per side of the pooled grid (28 x 28 images: two stride-2 convolutions give 7 x 7)
GRID = 7
#: channels of the convolution blocks (the last one times the grid's cells is the read-out's width)
CHANNELS = (32, 16)


def pooled_grid(height: int, width: int, blocks: int = len(CHANNELS), grid: int = GRID) -> tuple[int, int]:
    """Cells (rows, columns) of the pooled grid for ``height`` x ``width`` images: the feature
    map after ``blocks`` stride-2 convolutions, capped at ``grid`` per side."""
    h, w = height, width
    for _ in range(blocks):
        h, w = math.ceil(h / 2), math.ceil(w / 2)
    return min(grid, h), min(grid, w)


class GridConvEncoder(ConvEncoder):
    """Stride-2 3x3 convolution blocks, average pooling onto a ``grid`` of cells, and a linear
    map of the flattened grid to ``out_dim`` (exposed as ``.out_dim`` for the critics)."""

    def __init__(self, in_channels: int, out_dim: int, image_size: tuple[int, int],
                 activation: str | type[nn.Module] = "elu", channels: tuple[int, ...] = CHANNELS,
                 grid: int = GRID) -> None:
        # the convolution blocks and input checks of losses.ConvEncoder; the global pooling
        # and its head are replaced by the pooled grid and a read-out of every cell
        # (out_dim=1 there: the discarded head draws from the seed exactly as before)
        super().__init__(in_channels=in_channels, out_dim=1, channels=tuple(channels), activation=activation)
        self.out_dim = out_dim
        self.cells = pooled_grid(int(image_size[0]), int(image_size[1]), len(channels), grid)
        self.features = nn.Sequential(*self.features, nn.AdaptiveAvgPool2d(self.cells), nn.Flatten())
        self.head = nn.Linear(channels[-1] * self.cells[0] * self.cells[1], out_dim)

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.head(self.features(self._images(x)))
        return out


__all__ = ["CHANNELS", "GRID", "GridConvEncoder", "pooled_grid"]
