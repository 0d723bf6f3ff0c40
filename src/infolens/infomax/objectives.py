"""Deep InfoMax objectives (Hjelm et al. 2019): global MI, local MI and prior matching.

The encoder gives a feature map ``M`` (n, C, h, w) and a summary ``y = E(x)`` (n, d).

- Global: a critic ``T(M_i, y_j)`` scores every pair of the batch (concatenation critic,
  as in DIM's global discriminator); the diagonal holds the joint pairs. Its bound
  (JSD, InfoNCE or DV from :mod:`infolens.losses`) lower-bounds I(M; y).
- Local: ``T_l(M_i, y_j) = phi(M_i)[:, l] . psi(y_j)`` (DIM's encode-and-dot critic), one score
  matrix per location ``l``; the bound is averaged over locations (the mean of the per-location
  bounds, so every location must keep information about the summary).
- Prior matching: a discriminator ``D`` tells samples of the prior ``V`` (uniform on [0, 1]^d,
  compared with ``sigmoid(y)``, or standard normal, compared with ``y``) from the summaries;
  ``D`` maximises ``E_V log D(v) + E_y log(1 - D(y))`` and the encoder minimises the
  non-saturating ``-E_y log D(y)`` (Goodfellow et al. 2014).

The encoder's loss is ``-(alpha * I_global + beta * I_local) + gamma * prior``.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..validation import check_choice, check_positive_int

BOUNDS = ("jsd", "infonce", "dv")
PRIORS = ("uniform", "gaussian")


def get_bound(name: str) -> Callable[..., torch.Tensor]:
    """The bound ``name`` ("jsd", "infonce", "dv") from :mod:`infolens.losses`: a function of an
    ``(n, n)`` score matrix (joint pairs on the diagonal) returning a scalar lower bound."""
    check_choice(name, "bound", BOUNDS)
    from .. import losses

    return {"jsd": losses.jsd_bound, "infonce": losses.infonce_bound, "dv": losses.dv_bound}[name]


def mean_bound_over_locations(bound_name: str, scores: torch.Tensor) -> torch.Tensor:
    """The local bound from per-location score matrices ``scores`` ``(L, n, n)``.

    JSD: the mean over locations of the per-location bound, computed in one call on the
    pooled joint (diagonal) and marginal (off-diagonal) scores - the same number, as every
    location has n joint and n(n-1) marginal scores. DV: the bound on the pooled scores
    (the DV bound of the mixture over locations). InfoNCE: the mean of the per-location
    bounds, batched with ``torch.func.vmap``.
    """
    bound = get_bound(bound_name)
    n = scores.shape[-1]
    if bound_name in ("jsd", "dv"):
        eye = torch.eye(n, dtype=torch.bool, device=scores.device)
        return bound(scores[:, eye].reshape(-1), scores[:, ~eye].reshape(-1))
    try:
        return torch.func.vmap(bound)(scores).mean()
    except (RuntimeError, ValueError, NotImplementedError):  # a bound vmap cannot batch: same number, slower
        return torch.stack([bound(s) for s in scores]).mean()


class _MapSummary(nn.Module):
    """A feature map reduced to a vector: 3x3 conv, average pooling to ``pool x pool``, linear."""

    def __init__(self, channels: int, out_dim: int, pool: int) -> None:
        super().__init__()
        self.out_dim = out_dim
        self.net = nn.Sequential(nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(pool),
                                 nn.Flatten(), nn.Linear(32 * pool * pool, out_dim))

    def forward(self, m: torch.Tensor) -> torch.Tensor:
        return self.net(m)


class GlobalCritic(nn.Module):
    """``T(M_i, y_j)`` for all pairs: ``M`` is reduced by a conv + pooling to a vector, which is
    joined with ``y`` by :class:`infolens.losses.ConcatCritic` (an MLP on the concatenation)
    -> ``(n, n)`` scores."""

    def __init__(self, channels: int, summary_dim: int, hidden: int = 128, pool: int = 4) -> None:
        super().__init__()
        from ..losses import ConcatCritic

        self.critic = ConcatCritic(y_dim=summary_dim, hidden=hidden, layers=1,
                                   x_encoder=_MapSummary(channels, hidden, pool))

    def forward(self, m: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.critic(m, y)                             # scores[i, j] = T(M_i, y_j)


class LocalCritic(nn.Module):
    """``phi`` (1x1 convs on ``M``) and ``psi`` (MLP on ``y``) into a shared space; the score of
    location ``l`` is their dot product -> ``(L, n, n)`` scores."""

    def __init__(self, channels: int, summary_dim: int, dim: int = 64) -> None:
        super().__init__()
        self.phi = nn.Sequential(nn.Conv2d(channels, dim, 1), nn.ReLU(), nn.Conv2d(dim, dim, 1))
        self.phi_skip = nn.Conv2d(channels, dim, 1)
        self.psi = nn.Sequential(nn.Linear(summary_dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        self.psi_skip = nn.Linear(summary_dim, dim)
        self.scale = dim ** -0.5

    def forward(self, m: torch.Tensor, y: torch.Tensor, locations: torch.Tensor | None = None) -> torch.Tensor:
        if locations is not None:
            # phi is made of 1x1 convolutions (the same map at every location), so picking the
            # locations first gives the same scores for a fraction of the work on large maps
            m = m.flatten(2)[:, :, locations].unsqueeze(-1)  # (n, C, L', 1)
        f = self.phi(m) + self.phi_skip(m)                   # (n, dim, h, w)
        f = f.flatten(2)                                      # (n, dim, L)
        g = self.psi(y) + self.psi_skip(y)                    # (n, dim)
        return torch.einsum("idl,jd->lij", f, g) * self.scale


class PriorDiscriminator(nn.Module):
    """``D(v)``: a logit that ``v`` was drawn from the prior rather than from the encoder."""

    def __init__(self, summary_dim: int, hidden: int = 128) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(summary_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden // 2),
                                 nn.ReLU(), nn.Linear(hidden // 2, 1))

    def forward(self, v: torch.Tensor) -> torch.Tensor:
        return self.net(v).squeeze(-1)


class DIMObjective(nn.Module):
    """Global + local + prior-matching Deep InfoMax objective.

    Parameters
    ----------
    channels, summary_dim : of the encoder's feature map and summary.
    alpha, beta, gamma : weights of the global MI, the local MI and the prior term
        (the paper's DIM(L) uses alpha=0, beta=1, gamma=0.1; DIM(G) alpha=1, beta=0, gamma=1).
    bound : "jsd", "infonce" or "dv" (from :mod:`infolens.losses`).
    prior : "uniform" (on [0, 1], matched by ``sigmoid(y)``) or "gaussian" (standard normal).
    max_locations : score at most this many randomly chosen locations per step for the local term
        (an unbiased estimate of the mean over all locations; bounds memory on large maps);
        ``None`` scores every location.
    """

    def __init__(self, channels: int = 32, summary_dim: int = 64, alpha: float = 0.5, beta: float = 1.0,
                 gamma: float = 0.1, bound: str = "jsd", prior: str = "uniform",
                 max_locations: int | None = 1024) -> None:
        super().__init__()
        for name, w in (("alpha", alpha), ("beta", beta), ("gamma", gamma)):
            if not isinstance(w, (int, float)) or isinstance(w, bool) or not w >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {w!r}")
        if alpha == 0 and beta == 0:
            raise ValueError("alpha and beta are both 0, so nothing is maximised; set alpha > 0 or beta > 0")
        self.channels = check_positive_int(channels, "channels")
        self.summary_dim = check_positive_int(summary_dim, "summary_dim")
        self.alpha, self.beta, self.gamma = float(alpha), float(beta), float(gamma)
        self.bound = check_choice(bound, "bound", BOUNDS)
        self.prior = check_choice(prior, "prior", PRIORS)
        self.max_locations = None if max_locations is None else check_positive_int(max_locations, "max_locations")
        self.global_critic = GlobalCritic(channels, summary_dim) if alpha > 0 else None
        self.local_critic = LocalCritic(channels, summary_dim) if beta > 0 else None
        self.prior_disc = PriorDiscriminator(summary_dim) if gamma > 0 else None

    def critic_parameters(self) -> list[nn.Parameter]:
        """Parameters trained with the encoder (the MI critics, not the prior discriminator)."""
        mods = [m for m in (self.global_critic, self.local_critic) if m is not None]
        return [p for m in mods for p in m.parameters()]

    def _prior_view(self, y: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(y) if self.prior == "uniform" else y

    def sample_prior(self, n: int, generator: torch.Generator | None = None, device: Any = None) -> torch.Tensor:
        shape = (n, self.summary_dim)
        if self.prior == "uniform":
            v = torch.rand(shape, generator=generator)
        else:
            v = torch.randn(shape, generator=generator)
        return v.to(device) if device is not None else v

    def forward(self, m: torch.Tensor, y: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """The encoder's loss and its terms: ``{"loss", "global", "local", "prior"}`` (scalars)."""
        if m.ndim != 4 or m.shape[1] != self.channels:
            raise ValueError(f"m must have shape (n, {self.channels}, h, w), got {tuple(m.shape)}")
        if y.ndim != 2 or y.shape != (m.shape[0], self.summary_dim):
            raise ValueError(f"y must have shape ({m.shape[0]}, {self.summary_dim}), got {tuple(y.shape)}")
        if m.shape[0] < 2:
            raise ValueError("the batch must hold at least 2 images: the bounds need negative pairs")
        bound = get_bound(self.bound)
        zero = m.new_zeros(())
        g_mi = bound(self.global_critic(m, y)) if self.global_critic is not None else zero
        l_mi = zero
        if self.local_critic is not None:
            n_loc = m.shape[2] * m.shape[3]
            locs = None
            if self.max_locations is not None and n_loc > self.max_locations:
                locs = torch.randperm(n_loc, generator=generator)[: self.max_locations].to(m.device)
            l_mi = mean_bound_over_locations(self.bound, self.local_critic(m, y, locs))
        prior = zero
        if self.prior_disc is not None:
            # non-saturating generator loss -log D(y) = softplus(-logit)
            prior = F.softplus(-self.prior_disc(self._prior_view(y))).mean()
        loss = -(self.alpha * g_mi + self.beta * l_mi) + self.gamma * prior
        return {"loss": loss, "global": g_mi, "local": l_mi, "prior": prior}

    def discriminator_loss(self, y: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The prior discriminator's loss ``-(E_V log D(v) + E_y log(1 - D(y)))`` on detached ``y``."""
        if self.prior_disc is None:
            return y.new_zeros(())
        v = self.sample_prior(len(y), generator, y.device)
        real = self.prior_disc(v)
        fake = self.prior_disc(self._prior_view(y.detach()))
        return F.softplus(-real).mean() + F.softplus(fake).mean()

    def config(self) -> dict[str, Any]:
        return {"channels": self.channels, "summary_dim": self.summary_dim, "alpha": self.alpha,
                "beta": self.beta, "gamma": self.gamma, "bound": self.bound, "prior": self.prior,
                "max_locations": self.max_locations}
