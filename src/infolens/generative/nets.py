"""Generator and discriminator networks: MLPs for tables, DCGAN-style convolutions
(Radford et al. 2016: strided convolutions, no pooling, LeakyReLU in D, BatchNorm in G)
for small square grayscale images whose side is divisible by 4 (8x8 digits, 28x28 Fashion-MNIST).

The discriminators have no normalisation layers: BatchNorm mixes samples, which breaks both
DP-SGD's per-sample gradients and WGAN-GP's per-sample gradient penalty.
"""

from __future__ import annotations

import torch
from torch import nn


def _mlp(in_dim: int, out_dim: int, hidden: int, layers: int, act: type[nn.Module], **kw) -> nn.Sequential:
    mods: list[nn.Module] = []
    d = in_dim
    for _ in range(layers):
        mods += [nn.Linear(d, hidden), act(**kw)]
        d = hidden
    mods.append(nn.Linear(d, out_dim))
    return nn.Sequential(*mods)


class MLPGenerator(nn.Module):
    """``z -> x``: ReLU MLP with a linear output (data are standardised before training)."""

    def __init__(self, latent_dim: int, out_dim: int, hidden: int = 128, layers: int = 2) -> None:
        super().__init__()
        self.net = _mlp(latent_dim, out_dim, hidden, layers, nn.ReLU)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class MLPDiscriminator(nn.Module):
    """``x -> score`` (a logit for GAN, a critic value for WGAN): LeakyReLU(0.2) MLP."""

    def __init__(self, in_dim: int, hidden: int = 128, layers: int = 2) -> None:
        super().__init__()
        self.net = _mlp(in_dim, 1, hidden, layers, nn.LeakyReLU, negative_slope=0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


class ConvGenerator(nn.Module):
    """DCGAN generator ``z -> (1, s, s)`` in [-1, 1]: linear to ``(2c, s/4, s/4)``, two
    stride-2 transposed convolutions, tanh."""

    def __init__(self, latent_dim: int, side: int, channels: int = 32) -> None:
        super().__init__()
        if side % 4:
            raise ValueError(f"the conv GAN needs an image side divisible by 4 (e.g. 8 or 28), got {side}")
        self.side, self.c = side, channels
        self.fc = nn.Sequential(nn.Linear(latent_dim, 2 * channels * (side // 4) ** 2),
                                nn.BatchNorm1d(2 * channels * (side // 4) ** 2), nn.ReLU())
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(2 * channels, channels, 4, 2, 1), nn.BatchNorm2d(channels), nn.ReLU(),
            nn.ConvTranspose2d(channels, 1, 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z).view(len(z), 2 * self.c, self.side // 4, self.side // 4)
        return self.deconv(h)


class ConvDiscriminator(nn.Module):
    """DCGAN discriminator ``(1, s, s) -> score``: two stride-2 convolutions with LeakyReLU, linear."""

    def __init__(self, side: int, channels: int = 32) -> None:
        super().__init__()
        if side % 4:
            raise ValueError(f"the conv GAN needs an image side divisible by 4 (e.g. 8 or 28), got {side}")
        self.net = nn.Sequential(
            nn.Conv2d(1, channels, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(channels, 2 * channels, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(2 * channels * (side // 4) ** 2, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)
