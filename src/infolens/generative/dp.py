"""DP-SGD on the discriminator through Opacus (Abadi et al. 2016): per-sample gradients
clipped to ``max_grad_norm``, Gaussian noise of std ``noise_multiplier * max_grad_norm``,
Poisson-sampled batches; epsilon at a given delta from the RDP accountant (Mironov 2017).

Only the discriminator sees real rows, so privatising its updates makes the generator
(post-processing) private too (Xie et al. 2018, DPGAN). It cannot combine with WGAN-GP: the
gradient penalty differentiates the discriminator's input gradient, a double backward that
Opacus's per-sample gradient hooks do not support.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

INSTALL_HINT = "DP-SGD needs the optional dependency opacus: pip install infolens[dp]"


def require_opacus() -> Any:
    try:
        import opacus
    except ImportError as exc:  # the extra is optional
        raise ImportError(INSTALL_HINT) from exc
    return opacus


def make_private(
    discriminator: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    data: torch.Tensor,
    *,
    batch_size: int,
    noise_multiplier: float,
    max_grad_norm: float,
    generator: torch.Generator,
) -> tuple[torch.nn.Module, torch.optim.Optimizer, Any, Any]:
    """Wrap the discriminator, its optimizer and a Poisson-sampled loader over ``data``.
    Returns ``(module, optimizer, loader, privacy_engine)``."""
    opacus = require_opacus()
    if noise_multiplier < 0 or max_grad_norm <= 0:
        raise ValueError(f"dp_noise_multiplier must be >= 0 and dp_max_grad_norm > 0, got "
                         f"{noise_multiplier} and {max_grad_norm}")
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data), batch_size=batch_size,
                                         shuffle=True, generator=generator)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Secure RNG turned off.*")
        engine = opacus.PrivacyEngine(accountant="rdp", secure_mode=False)
        module, opt, dl = engine.make_private(
            module=discriminator, optimizer=optimizer, data_loader=loader, noise_multiplier=noise_multiplier,
            max_grad_norm=max_grad_norm, poisson_sampling=True, noise_generator=generator,
        )
    return module, opt, dl, engine


def unwrap(module: torch.nn.Module) -> torch.nn.Module:
    """The plain module inside Opacus's ``GradSampleModule`` (for saving and sampling)."""
    return getattr(module, "_module", module)
