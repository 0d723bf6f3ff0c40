"""What the trainer optimises and how MI is read off a trained critic on held-out data.

An objective has ``loss(critic, xb, yb, rng) -> (loss, value)`` for one training minibatch
(``value`` is the MI read-out on that batch, for the training curve) and
``evaluate(critic, xfeed, yfeed, block) -> (estimate, psi)`` on a whole split, where the
per-sample influence values ``psi`` average to the estimate, so its standard error is
``psi.std() / sqrt(n)`` (delta method for the log terms of DV).

Held-out read-outs work on blocks of ``block`` rows (full ``block x block`` score matrices):
InfoNCE is then capped at log(block), reported as its ceiling.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

READOUTS = ("dv", "nwj", "infonce", "smile")


def _blocks(n: int, block: int) -> list[np.ndarray]:
    """Near-equal contiguous blocks of at most ``block`` rows (never a block of one row)."""
    nb = max(1, math.ceil(n / block))
    return np.array_split(np.arange(n), nb)


def readout_rows(scores: Any, readout: str, clip: float | None = None, shift: float = 0.0) -> dict[str, Any]:
    """Per-row pieces of a read-out on one square block of scores. The block reductions run
    in float32 (the costly part; relative error ~1e-7), the per-row results are float64."""
    import torch

    s = scores.float() + shift
    k = s.shape[0]
    diag = torch.diagonal(s)
    if readout == "infonce":
        return {"psi": (diag - torch.logsumexp(s, dim=1)).double() + math.log(k)}
    off = s if clip is None or readout != "smile" else torch.clamp(s, -clip, clip)
    eye = torch.eye(k, dtype=torch.bool, device=s.device)
    if readout == "nwj":
        return {"psi": diag.double() - torch.exp(off - 1.0).masked_fill(eye, 0.0).sum(dim=1).double() / (k - 1)}
    # dv / smile: log of the row means of e^T over j != i
    lm = torch.logsumexp(off.masked_fill(eye, float("-inf")), dim=1) - math.log(k - 1)
    return {"joint": diag.double(), "lm": lm.double()}


class _Rows:
    """The per-row read-out pieces of all blocks, written into arrays allocated once. Keeping
    one small tensor per block instead (thousands of them, between the freed score matrices
    of the blocks) fragmented the heap: 2.6 GB held after reading out 2,000,000 rows in
    blocks of 1,024, measured, where these arrays take 16 MB per piece."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.parts: dict[str, np.ndarray] = {}

    def put(self, pos: np.ndarray, pieces: dict[str, Any]) -> None:
        for key, t in pieces.items():
            if key not in self.parts:
                self.parts[key] = np.empty(self.n)
            self.parts[key][pos] = t.detach().cpu().numpy()

    def tensors(self) -> list[dict[str, Any]]:
        import torch

        return [{key: torch.from_numpy(a) for key, a in self.parts.items()}]


def combine(rows: list[dict[str, Any]], readout: str) -> tuple[float, np.ndarray]:
    """Estimate and influence values from the per-row pieces of all blocks."""
    import torch

    if readout in ("infonce", "nwj"):
        psi = torch.cat([r["psi"] for r in rows])
    else:
        joint = torch.cat([r["joint"] for r in rows])
        lm = torch.cat([r["lm"] for r in rows])
        log_m = torch.logsumexp(lm, dim=0) - math.log(len(lm))
        # DV = mean(T_joint) - log M; influence of log M is (m_i - M) / M
        psi = joint - log_m - (torch.exp(lm - log_m) - 1.0)
    psi_np = psi.detach().cpu().numpy()
    return float(psi_np.mean()), psi_np


class ScoreObjective:
    """Train a critic on minibatch score matrices with one bound of :mod:`infolens.losses`
    (``bound`` in dv, nwj, infonce, jsd, smile, remine, mine) and read MI out with ``readout``."""

    def __init__(self, bound: str, readout: str, clip: float | None = None, alpha: float = 0.01,
                 weight: float = 0.1, target: float = 0.0, shift: float = 0.0) -> None:
        self.bound, self.readout, self.clip = bound, readout, clip
        self.alpha, self.weight, self.target, self.shift = alpha, weight, target, shift
        self._ema: Any = None  # a MineEMA module, made on the first batch (on its device)

    def ceiling(self, block: int) -> float | None:
        return math.log(block) if self.readout == "infonce" else None

    def loss(self, critic: Any, xb: Any, yb: Any, rng: np.random.Generator) -> tuple[Any, float]:
        from ... import losses

        s = critic(xb, yb)
        if self.bound == "mine":
            if self._ema is None:
                self._ema = losses.MineEMA(self.alpha).to(s.device)
            obj = self._ema(s)
        elif self.bound == "smile":
            obj = losses.smile_bound(s, clip=self.clip)
        elif self.bound == "remine":
            obj = losses.remine_bound(s, weight=self.weight, target=self.target)
        else:
            obj = losses.BOUNDS[self.bound](s)
        if self.readout == self.bound or (self.bound == "mine" and self.readout == "dv"):
            return -obj, float(obj.detach())  # the bound's value is the read-out on this batch
        with _no_grad():
            value, _ = combine([readout_rows(s.detach(), self.readout, self.clip, self.shift)], self.readout)
        return -obj, value

    def evaluate(self, critic: Any, xfeed: Any, yfeed: Any, block: int) -> tuple[float, np.ndarray]:
        rows = _Rows(len(xfeed))
        with _no_grad():
            for pos in _blocks(len(xfeed), block):
                s = critic(xfeed.take(pos), yfeed.take(pos))
                rows.put(pos, readout_rows(s, self.readout, self.clip, self.shift))
        return combine(rows.tensors(), self.readout)


class CCMIObjective:
    """CCMI (Mukherjee, Asnani & Kannan, UAI 2020): a classifier T(x, y) trained with binary
    cross-entropy to tell joint pairs from pairs with y shifted within the batch (product of
    marginals); its logit estimates log p(x,y)/(p(x)p(y)), read out with the DV bound on
    held-out data, the probabilities clipped to [tau, 1 - tau]."""

    readout = "dv"

    def __init__(self, tau: float = 1e-4) -> None:
        self.max_logit = math.log((1 - tau) / tau)

    def ceiling(self, block: int) -> float | None:
        return None

    def loss(self, critic: Any, xb: Any, yb: Any, rng: np.random.Generator) -> tuple[Any, float]:
        import torch
        from torch.nn import functional as F

        from ...losses import dv_bound

        shift = int(rng.integers(1, len(yb)))  # a cyclic shift has no fixed point: every pair is a product pair
        joint = critic.pairs(xb, yb)
        marg = critic.pairs(xb, torch.roll(yb, shift, dims=0))
        loss = F.softplus(-joint).mean() + F.softplus(marg).mean()
        with torch.no_grad():
            value = dv_bound(joint.clamp(-self.max_logit, self.max_logit), marg.clamp(-self.max_logit, self.max_logit))
        return loss, float(value)

    def evaluate(self, critic: Any, xfeed: Any, yfeed: Any, block: int) -> tuple[float, np.ndarray]:
        rows = _Rows(len(xfeed))
        with _no_grad():
            for pos in _blocks(len(xfeed), block):
                s = critic(xfeed.take(pos), yfeed.take(pos)).clamp(-self.max_logit, self.max_logit)
                rows.put(pos, readout_rows(s, "dv"))
        return combine(rows.tensors(), "dv")


class LabelObjective:
    """Cross-entropy (Barber-Agakov) bound for a discrete label: I(X;Y) >= H(Y) - CE, i.e.
    E[log q(y|x) - log p(y)] with q a classifier and p(y) the label frequencies of the
    training and validation splits (add-one smoothed)."""

    readout = "ce"

    def __init__(self, log_prior: Any) -> None:
        self.log_prior = log_prior

    def ceiling(self, block: int) -> float | None:
        return None

    def _psi(self, logits: Any, yb: Any) -> Any:
        import torch

        logp = torch.log_softmax(logits, dim=1).gather(1, yb[:, None]).squeeze(1)
        return logp - self.log_prior.to(logits.device)[yb]

    def loss(self, critic: Any, xb: Any, yb: Any, rng: np.random.Generator) -> tuple[Any, float]:
        from torch.nn import functional as F

        logits = critic(xb)
        loss = F.cross_entropy(logits, yb)
        return loss, float(self._psi(logits.detach(), yb).mean())

    def evaluate(self, critic: Any, xfeed: Any, yfeed: Any, block: int) -> tuple[float, np.ndarray]:
        import torch

        out = []
        with _no_grad():
            for pos in _blocks(len(xfeed), block):
                out.append(self._psi(critic(xfeed.take(pos)), yfeed.take(pos)).double())
        psi = torch.cat(out).cpu().numpy()
        return float(psi.mean()), psi


def _no_grad():
    import torch

    return torch.no_grad()
