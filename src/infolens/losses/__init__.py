"""Differentiable MI bounds and critics, usable as training objectives by any code.

>>> import torch
>>> from infolens.losses import SeparableCritic, infonce_bound
>>> critic = SeparableCritic(x_dim=5, y_dim=5)
>>> loss = -infonce_bound(critic(torch.randn(64, 5), torch.randn(64, 5)))   # doctest: +SKIP

Convention: ``scores[i, j] = T(x_i, y_j)``, shape ``(n, n)``; the diagonal holds the
joint pairs. Each bound returns a scalar tensor in nats (maximise it).
"""

from .bounds import (
    BOUNDS,
    MineEMA,
    dv_bound,
    infonce_bound,
    jsd_bound,
    logmeanexp,
    nwj_bound,
    remine_bound,
    smile_bound,
    split_scores,
)
from .critics import CRITICS, BilinearCritic, ConcatCritic, ConvEncoder, SeparableCritic, mlp

__all__ = [
    "dv_bound",
    "nwj_bound",
    "infonce_bound",
    "jsd_bound",
    "smile_bound",
    "remine_bound",
    "MineEMA",
    "logmeanexp",
    "split_scores",
    "BOUNDS",
    "ConcatCritic",
    "SeparableCritic",
    "BilinearCritic",
    "ConvEncoder",
    "mlp",
    "CRITICS",
]
