"""Torch helpers shared by the neural parts: the device chosen once, seeding."""

from __future__ import annotations

from typing import Any


def get_device(device: Any = "auto"):
    """``"auto"``: CUDA, then Apple MPS, then CPU. Anything else goes to ``torch.device``."""
    import torch

    if isinstance(device, torch.device):
        return device
    if device in (None, "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} asked for CUDA but torch sees no CUDA GPU; use device='auto' or 'cpu'")
    return dev


def seed_everything(seed: int) -> Any:
    """Seed torch (CPU and CUDA) and return a ``torch.Generator`` seeded with ``seed``."""
    import torch

    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    g = torch.Generator()
    g.manual_seed(seed)
    return g
