"""Variational lower bounds on I(X;Y) as pure functions of critic scores.

Convention: ``scores[i, j] = T(x_i, y_j)`` with shape ``(n, n)``. The diagonal holds
the n joint pairs (samples of p(x, y)); the n(n-1) off-diagonal entries are samples
of the product of marginals p(x)p(y). The DV / NWJ / JSD / SMILE bounds also accept
``(joint, marginal)``: ``bound(joint_scores, marginal_scores)`` with 1-D tensors, for
critics evaluated on shuffled pairs instead of a full matrix. Every function returns
a scalar tensor in nats; maximise it (``loss = -bound``).

References: Donsker & Varadhan (1983); Belghazi et al., "MINE" (ICML 2018);
Nguyen, Wainwright & Jordan (2010); van den Oord et al., "CPC" (2018);
Poole et al., "On variational bounds of mutual information" (ICML 2019);
Song & Ermon, "SMILE" (ICLR 2020); Hjelm et al., "Deep InfoMax" (ICLR 2019);
Choi & Lee, "ReMINE" (AAAI 2020).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torch.nn import functional as F


def _check_scores(scores: Tensor, name: str = "scores", square: bool = True) -> Tensor:
    if not isinstance(scores, Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of critic scores, got {type(scores).__name__}")
    if square and (scores.ndim != 2 or scores.shape[0] != scores.shape[1]):
        raise ValueError(
            f"{name} must be a square (n, n) matrix with scores[i, j] = T(x_i, y_j), got shape "
            f"{tuple(scores.shape)}; pass a full score matrix (or joint and marginal scores separately)"
        )
    if square and scores.shape[0] < 2:
        raise ValueError(f"{name} needs n >= 2 samples (off-diagonal entries are the marginal samples), got n={scores.shape[0]}")
    return scores


def split_scores(scores: Tensor, marginal: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """``(joint, marginal)`` scores: the diagonal and the off-diagonal of a square matrix,
    or the two tensors as given (flattened)."""
    if marginal is not None:
        _check_scores(scores, "joint scores", square=False)
        _check_scores(marginal, "marginal scores", square=False)
        if scores.numel() == 0 or marginal.numel() == 0:
            raise ValueError("joint and marginal scores must both be non-empty")
        return scores.reshape(-1), marginal.reshape(-1)
    _check_scores(scores)
    n = scores.shape[0]
    joint = torch.diagonal(scores)
    off = ~torch.eye(n, dtype=torch.bool, device=scores.device)
    return joint, scores[off]


def logmeanexp(values: Tensor) -> Tensor:
    """log(mean(exp(values))) over all entries, computed stably with logsumexp."""
    v = values.reshape(-1)
    return torch.logsumexp(v, dim=0) - math.log(v.numel())


def dv_bound(scores: Tensor, marginal: Tensor | None = None) -> Tensor:
    """Donsker-Varadhan bound E_p[T] - log E_q[e^T] (MINE's objective, Belghazi et al. 2018).
    Its minibatch gradient is biased; see :class:`MineEMA` for the corrected one."""
    joint, marg = split_scores(scores, marginal)
    return joint.mean() - logmeanexp(marg)


def nwj_bound(scores: Tensor, marginal: Tensor | None = None) -> Tensor:
    """NWJ / f-divergence bound E_p[T] - E_q[e^(T-1)] (Nguyen, Wainwright & Jordan 2010);
    unbiased in minibatches, tight at T = 1 + log p(x,y)/(p(x)p(y))."""
    joint, marg = split_scores(scores, marginal)
    return joint.mean() - torch.exp(marg - 1.0).mean()


def infonce_bound(scores: Tensor) -> Tensor:
    """InfoNCE / CPC bound (van den Oord et al. 2018):
    log n + mean_i [T_ii - log sum_j e^(T_ij)]; it can never exceed log n."""
    _check_scores(scores)
    n = scores.shape[0]
    return (torch.diagonal(scores) - torch.logsumexp(scores, dim=1)).mean() + math.log(n)


def jsd_bound(scores: Tensor, marginal: Tensor | None = None) -> Tensor:
    """Jensen-Shannon (f-GAN) bound -E_p[softplus(-T)] - E_q[softplus(T)] (Nowozin et al.
    2016, Deep InfoMax). It bounds 2 JSD - log 4, not I(X;Y): use it as a training objective
    and read MI off the critic with :func:`dv_bound` or :func:`nwj_bound` (T* = log-ratio)."""
    joint, marg = split_scores(scores, marginal)
    return -F.softplus(-joint).mean() - F.softplus(marg).mean()


def smile_bound(scores: Tensor, marginal: Tensor | None = None, clip: float | None = 5.0) -> Tensor:
    """SMILE (Song & Ermon 2020): the DV value with the marginal scores clipped to
    [-clip, clip] (lower variance), trained with the JSD gradient (as in the paper's code)."""
    if clip is not None and not (isinstance(clip, (int, float)) and clip > 0):
        raise ValueError(f"clip must be a positive number (the paper uses 1, 5 or 10) or None, got {clip!r}")
    joint, marg = split_scores(scores, marginal)
    m = marg if clip is None else torch.clamp(marg, -clip, clip)
    dv = joint.mean() - logmeanexp(m)
    js = -F.softplus(-joint).mean() - F.softplus(marg).mean()
    return dv.detach() + js - js.detach()


def remine_bound(scores: Tensor, marginal: Tensor | None = None, weight: float = 0.1, target: float = 0.0) -> Tensor:
    """ReMINE objective (Choi & Lee 2020): DV - weight * (log E_q[e^T] - target)^2.
    The penalty pins the free constant of the DV critic so it cannot drift; at the
    optimum it is zero and the value is the DV bound."""
    if weight < 0:
        raise ValueError(f"weight must be >= 0 (ReMINE's regulariser strength, e.g. 0.1), got {weight!r}")
    joint, marg = split_scores(scores, marginal)
    lme = logmeanexp(marg)
    return joint.mean() - lme - weight * (lme - target) ** 2


class MineEMA(nn.Module):
    """MINE with the moving-average corrected gradient (Belghazi et al. 2018, sec. 3.2).

    ``MineEMA(alpha)(scores)`` returns a scalar whose *value* is the DV bound on the batch
    and whose *gradient* replaces the biased grad log E_q[e^T] by grad E_q[e^T] / m, with
    m an exponential moving average of E_q[e^T] (rate ``alpha``) kept in log space.
    """

    log_ma: Tensor  # a registered buffer (the checker would type it through Module.__getattr__)

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        if not (isinstance(alpha, (int, float)) and 0.0 < alpha <= 1.0):
            raise ValueError(f"alpha must be in (0, 1] (the moving-average rate, e.g. 0.01), got {alpha!r}")
        self.alpha = float(alpha)
        self.register_buffer("log_ma", torch.tensor(float("nan")))

    def reset(self) -> None:
        self.log_ma.fill_(float("nan"))

    def forward(self, scores: Tensor, marginal: Tensor | None = None) -> Tensor:
        joint, marg = split_scores(scores, marginal)
        lme = logmeanexp(marg)
        with torch.no_grad():
            cur = lme.detach().to(self.log_ma.dtype)
            if torch.isnan(self.log_ma):
                self.log_ma.copy_(cur)
            else:  # log((1 - a) m + a e^lme) without leaving log space
                a = torch.tensor(self.alpha, dtype=cur.dtype, device=cur.device)
                self.log_ma.copy_(torch.logaddexp(torch.log1p(-a) + self.log_ma, torch.log(a) + cur))
        dv = joint.mean() - lme
        surrogate = joint.mean() - torch.exp(lme - self.log_ma.detach().to(lme.dtype))
        return dv.detach() + surrogate - surrogate.detach()

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


#: name -> bound function on a square score matrix (what the neural estimators train with)
BOUNDS = {
    "dv": dv_bound,
    "nwj": nwj_bound,
    "infonce": infonce_bound,
    "jsd": jsd_bound,
    "smile": smile_bound,
    "remine": remine_bound,
}
