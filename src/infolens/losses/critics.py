"""Critics T(x, y) as ``nn.Module``: each returns the full score matrix
``scores[i, j] = T(x_i, y_j)`` (shape ``(n, m)``) from ``forward(x, y)`` and the joint
scores ``T(x_i, y_i)`` (shape ``(n,)``) from ``pairs(x, y)``.

Concat (Belghazi et al. 2018), separable g(x)^T h(y) and bilinear critics as compared by
Poole et al. (2019); a small conv encoder for ``(n, c, h, w)`` image inputs.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "softplus": nn.Softplus,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
}


def _activation(activation: str | type[nn.Module]) -> nn.Module:
    if isinstance(activation, type) and issubclass(activation, nn.Module):
        return activation()
    if isinstance(activation, str) and activation.lower() in _ACTIVATIONS:
        return _ACTIVATIONS[activation.lower()]()
    raise ValueError(f"activation must be one of {', '.join(map(repr, _ACTIVATIONS))} or an nn.Module class, got {activation!r}")


def _pos_int(value: object, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def mlp(in_dim: int, out_dim: int, hidden: int = 128, layers: int = 2, activation: str | type[nn.Module] = "relu") -> nn.Sequential:
    """A multilayer perceptron: ``layers`` hidden layers of width ``hidden`` with
    ``activation``, then a linear output (``layers=0`` is a single linear map)."""
    _pos_int(in_dim, "in_dim")
    _pos_int(out_dim, "out_dim")
    _pos_int(layers, "layers", minimum=0)
    if layers:
        _pos_int(hidden, "hidden")
    mods: list[nn.Module] = []
    d = in_dim
    for _ in range(layers):
        mods += [nn.Linear(d, hidden), _activation(activation)]
        d = hidden
    mods.append(nn.Linear(d, out_dim))
    return nn.Sequential(*mods)


class ConvEncoder(nn.Module):
    """Small conv net for images ``(n, c, h, w)`` (or ``(n, h, w)``, one channel):
    stride-2 3x3 conv blocks, global average pooling, a linear map to ``out_dim``."""

    def __init__(self, in_channels: int = 1, out_dim: int = 64, channels: tuple[int, ...] = (32, 64),
                 activation: str | type[nn.Module] = "relu") -> None:
        super().__init__()
        _pos_int(in_channels, "in_channels")
        _pos_int(out_dim, "out_dim")
        if not channels or any(not isinstance(c, int) or c < 1 for c in channels):
            raise ValueError(f"channels must be a non-empty tuple of positive ints, e.g. (32, 64), got {channels!r}")
        mods: list[nn.Module] = []
        c = in_channels
        for width in channels:
            mods += [nn.Conv2d(c, width, kernel_size=3, stride=2, padding=1), _activation(activation)]
            c = width
        self.features = nn.Sequential(*mods)
        self.head = nn.Linear(c, out_dim)
        self.in_channels = in_channels
        self.out_dim = out_dim

    def _images(self, x: Tensor) -> Tensor:
        """``x`` as (n, channels, h, w): one channel may come as (n, h, w)."""
        if x.ndim == 3:
            x = x.unsqueeze(1)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__} expects images (n, {self.in_channels}, h, w) or (n, h, w) for one channel, "
                f"got shape {tuple(x.shape)}"
            )
        return x

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(self._images(x)).mean(dim=(2, 3)))


def _branch(dim: int | None, encoder: nn.Module | None, out_dim: int, hidden: int, layers: int, activation) -> nn.Module:
    """An embedding: ``encoder`` (which exposes ``out_dim``) followed by an MLP, or an MLP on vectors."""
    if encoder is None:
        if dim is None:
            raise ValueError("give the input dimension (x_dim / y_dim) or an encoder module")
        return mlp(dim, out_dim, hidden, layers, activation)
    enc_dim = getattr(encoder, "out_dim", None)
    if not isinstance(enc_dim, int):
        raise ValueError("an encoder must expose its output size as an int attribute `out_dim`")
    return nn.Sequential(encoder, mlp(enc_dim, out_dim, hidden, layers, activation))


class SeparableCritic(nn.Module):
    """T(x, y) = g(x)^T h(y) / temperature: all n x m scores in one matrix product
    (Poole et al. 2019; the usual InfoNCE / CPC critic)."""

    def __init__(self, x_dim: int | None = None, y_dim: int | None = None, embed_dim: int = 32, hidden: int = 128,
                 layers: int = 2, activation: str | type[nn.Module] = "relu", x_encoder: nn.Module | None = None,
                 y_encoder: nn.Module | None = None, temperature: float = 1.0) -> None:
        super().__init__()
        _pos_int(embed_dim, "embed_dim")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature!r}")
        self.g = _branch(x_dim, x_encoder, embed_dim, hidden, layers, activation)
        self.h = _branch(y_dim, y_encoder, embed_dim, hidden, layers, activation)
        self.temperature = float(temperature)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return self.g(x) @ self.h(y).T / self.temperature

    def pairs(self, x: Tensor, y: Tensor) -> Tensor:
        return (self.g(x) * self.h(y)).sum(dim=1) / self.temperature


class BilinearCritic(nn.Module):
    """T(x, y) = g(x)^T W h(y): embeddings (``layers=0``: linear maps) joined by a learned
    matrix W (Poole et al. 2019); with linear maps it is exact for Gaussian cross terms."""

    def __init__(self, x_dim: int | None = None, y_dim: int | None = None, embed_dim: int = 32, hidden: int = 128,
                 layers: int = 1, activation: str | type[nn.Module] = "relu", x_encoder: nn.Module | None = None,
                 y_encoder: nn.Module | None = None) -> None:
        super().__init__()
        _pos_int(embed_dim, "embed_dim")
        self.g = _branch(x_dim, x_encoder, embed_dim, hidden, layers, activation)
        self.h = _branch(y_dim, y_encoder, embed_dim, hidden, layers, activation)
        self.weight = nn.Parameter(torch.eye(embed_dim) + 0.01 * torch.randn(embed_dim, embed_dim))

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return self.g(x) @ self.weight @ self.h(y).T

    def pairs(self, x: Tensor, y: Tensor) -> Tensor:
        return ((self.g(x) @ self.weight) * self.h(y)).sum(dim=1)


class ConcatCritic(nn.Module):
    """T(x, y) = MLP([x, y]) (MINE's joint critic, Belghazi et al. 2018).

    ``forward`` scores all n x m pairs without building the n*m concatenated inputs: the
    first linear layer splits as W_x x + W_y y, so it costs two (n, h) products and a
    broadcast sum; the later layers run on the n*m hidden vectors.
    """

    def __init__(self, x_dim: int | None = None, y_dim: int | None = None, hidden: int = 128, layers: int = 2,
                 activation: str | type[nn.Module] = "relu", x_encoder: nn.Module | None = None,
                 y_encoder: nn.Module | None = None) -> None:
        super().__init__()
        _pos_int(layers, "layers")
        self.x_encoder = x_encoder
        self.y_encoder = y_encoder
        dx = x_encoder.out_dim if x_encoder is not None else x_dim
        dy = y_encoder.out_dim if y_encoder is not None else y_dim
        if dx is None or dy is None:
            raise ValueError("ConcatCritic needs x_dim and y_dim (or encoders exposing out_dim)")
        self.net = mlp(_pos_int(dx, "x_dim") + _pos_int(dy, "y_dim"), 1, hidden, layers, activation)
        self.x_dim, self.y_dim = dx, dy

    def _features(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        fx = self.x_encoder(x) if self.x_encoder is not None else x.reshape(len(x), -1)
        fy = self.y_encoder(y) if self.y_encoder is not None else y.reshape(len(y), -1)
        return fx, fy

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        fx, fy = self._features(x, y)
        first: nn.Linear = self.net[0]  # type: ignore[assignment]
        wx, wy = first.weight[:, : self.x_dim], first.weight[:, self.x_dim:]
        hidden = (fx @ wx.T)[:, None, :] + (fy @ wy.T + first.bias)[None, :, :]
        return self.net[1:](hidden).squeeze(-1)

    def pairs(self, x: Tensor, y: Tensor) -> Tensor:
        fx, fy = self._features(x, y)
        return self.net(torch.cat([fx, fy], dim=1)).squeeze(-1)


#: critic name -> class (``critic="separable"`` in the neural estimators)
CRITICS = {"separable": SeparableCritic, "concat": ConcatCritic, "bilinear": BilinearCritic}
