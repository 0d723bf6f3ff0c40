"""Torch helpers shared by the neural parts: the device chosen once, seeding, and the one
place that sets torch's CPU thread count (:func:`threads`).

Thread policy: the networks infolens trains (critics, small CNNs, autoencoders, GANs on
tables) have matrices too small to split across threads; with several intra-op threads they
gain little on an idle machine and slow down many times on a busy one, where every
operation waits for a thread that is not scheduled. So library code trains them on
:data:`SMALL_MODEL_THREADS` (one) thread unless the caller asks for more, always through
:func:`threads`, which restores the previous count.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from .errors import InputError

#: torch intra-op threads used for small models when the caller does not choose
SMALL_MODEL_THREADS = 1


@contextlib.contextmanager
def threads(n: int | None = SMALL_MODEL_THREADS, *, blas: bool = False) -> Iterator[int | None]:
    """Run the body with torch's intra-op CPU threads set to ``n`` (``None``: leave them as
    they are) and restore the previous count afterwards, also after an error. ``blas=True``
    also limits the BLAS/OpenMP pools NumPy uses (threadpoolctl) for the body. Yields the
    count in force inside."""
    from .validation import check_positive_int

    if n is None and not blas:
        yield None
        return
    with contextlib.ExitStack() as stack:
        if n is not None:
            n = check_positive_int(n, "threads")
            import torch

            saved = torch.get_num_threads()
            if saved != n:
                torch.set_num_threads(n)
                stack.callback(torch.set_num_threads, saved)
        if blas and n is not None:
            try:
                from threadpoolctl import threadpool_limits
            except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
                pass
            else:
                stack.enter_context(threadpool_limits(n))
        yield n


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
        raise InputError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device={device!r} asked for CUDA but torch sees no CUDA GPU; use device='auto' or 'cpu'")
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
