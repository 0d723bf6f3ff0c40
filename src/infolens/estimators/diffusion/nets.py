"""The denoiser: one MLP predicting the noise of ``z = alpha x + sigma eps`` from ``z``, the
noise level and, when the mask says so, the condition ``y``.

``eps_hat(z, lam, y, m) = sigma(lam) * z + f([z, m * y, m], emb(lam))``: the first term is
the best linear noise predictor for standardised data with independent columns (the
Gaussian part, free), the network ``f`` learns the rest. With ``m = 0`` the condition is
hidden and the same weights give the unconditional predictor, so ``eps_hat(m=1) -
eps_hat(m=0)`` (what the MI read-outs integrate) does not depend on the skip term.
"""

from __future__ import annotations

import functools
from typing import Any


@functools.lru_cache(maxsize=None)
def _classes() -> dict[str, Any]:
    """The torch modules, defined on first use (the estimator registry imports this file
    without paying for torch)."""
    import math

    import torch
    from torch import nn

    class FourierEmbedding(nn.Module):
        """Sines and cosines of the log-SNR at fixed geometric frequencies, then a linear layer."""

        def __init__(self, dim: int, lam_scale: float = 10.0) -> None:
            super().__init__()
            half = max(dim // 2, 1)
            freqs = torch.exp(torch.linspace(math.log(1.0 / lam_scale), math.log(16.0 / lam_scale), half)) * math.pi
            self.register_buffer("freqs", freqs)
            self.proj = nn.Linear(2 * half + 1, dim)

        def forward(self, lam: torch.Tensor) -> torch.Tensor:
            freqs: torch.Tensor = self.freqs  # type: ignore[assignment]  # a registered buffer
            a = lam[:, None] * freqs[None, :]
            return self.proj(torch.cat([a.sin(), a.cos(), lam[:, None] / 10.0], dim=1))


    class _Block(nn.Module):
        def __init__(self, width: int, emb: int) -> None:
            super().__init__()
            self.norm = nn.LayerNorm(width)
            self.lin1 = nn.Linear(width, width)
            self.film = nn.Linear(emb, width)
            self.lin2 = nn.Linear(width, width)
            nn.init.zeros_(self.lin2.weight)
            nn.init.zeros_(self.lin2.bias)

        def forward(self, h: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
            u = nn.functional.silu(self.lin1(self.norm(h)) + self.film(e))
            return h + self.lin2(u)


    class Denoiser(nn.Module):
        """Residual MLP noise predictor for ``dx`` noisy columns conditioned (optionally) on
        ``dy`` columns; ``hidden`` width, ``layers`` residual blocks, ``emb`` the noise-level
        embedding size."""

        def __init__(self, dx: int, dy: int, hidden: int = 128, layers: int = 3, emb: int = 32) -> None:
            super().__init__()
            self.dx, self.dy = dx, dy
            self.embed = FourierEmbedding(emb)
            self.inp = nn.Linear(dx + dy + 1, hidden)
            self.blocks = nn.ModuleList(_Block(hidden, emb) for _ in range(layers))
            self.out_norm = nn.LayerNorm(hidden)
            self.out = nn.Linear(hidden, dx)
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)

        def forward(self, z: torch.Tensor, lam: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            """``mask`` (n,) of 0/1: 1 shows ``y`` to the network, 0 hides it."""
            m = mask[:, None].to(z.dtype)
            e = self.embed(lam)
            h = self.inp(torch.cat([z, y * m, m], dim=1))
            for b in self.blocks:
                h = b(h, e)
            sigma = torch.sigmoid(-lam).sqrt()[:, None]
            return sigma * z + self.out(nn.functional.silu(self.out_norm(h)))

        def predict_pair(self, z: torch.Tensor, lam: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            """``(eps_hat(z, lam, y), eps_hat(z, lam))`` in one batched forward pass."""
            n = len(z)
            ones = torch.ones(n, device=z.device)
            both = self(torch.cat([z, z]), torch.cat([lam, lam]), torch.cat([y, y]), torch.cat([ones, 0 * ones]))
            return both[:n], both[n:]


    class EMA:
        """Exponential moving average of a module's parameters (``decay`` per step), kept in a
        copy of the module that the read-outs use."""

        def __init__(self, module: nn.Module, decay: float) -> None:
            import copy

            self.decay = decay
            self.module = copy.deepcopy(module)
            for p in self.module.parameters():
                p.requires_grad_(False)

        @torch.no_grad()
        def update(self, module: nn.Module, step: int) -> None:
            d = min(self.decay, (1.0 + step) / (10.0 + step))  # warm-up: early averages forget faster
            for pe, p in zip(self.module.parameters(), module.parameters()):
                pe.mul_(d).add_(p.detach(), alpha=1.0 - d)

    return {"FourierEmbedding": FourierEmbedding, "Denoiser": Denoiser, "EMA": EMA}


def Denoiser(dx: int, dy: int, hidden: int = 128, layers: int = 3, emb: int = 32) -> Any:
    """A new denoiser module (see the module docstring)."""
    return _classes()["Denoiser"](dx, dy, hidden=hidden, layers=layers, emb=emb)


def EMA(module: Any, decay: float) -> Any:
    """A weight average of ``module`` (``.module`` holds it, ``.update(module, step)``)."""
    return _classes()["EMA"](module, decay)
