"""The Deep InfoMax training loop: seeded, device chosen once, a checkpoint after every
epoch so that a killed run resumes where it stopped (and ends with the same weights).

Each step: the encoder and the MI critics take an Adam step on the DIM loss
``-(alpha I_global + beta I_local) + gamma prior``; then the prior discriminator takes
an Adam step on its own loss (adversarial prior matching, Hjelm et al. 2019).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..io import atomic_path
from ..progress import progress
from ..torch_utils import get_device
from ..validation import check_positive_int, seed_from
from .encoders import DIMEncoder
from .objectives import DIMObjective

CHECKPOINT_VERSION = 1


def _epoch_generator(seed: int, epoch: int) -> torch.Generator:
    """A generator for one epoch's shuffling, prior samples and location draws, derived from
    (seed, epoch) alone so a resumed run draws exactly what the uninterrupted run drew."""
    ss = np.random.SeedSequence([seed, epoch])
    g = torch.Generator()
    g.manual_seed(int(ss.generate_state(1, dtype=np.uint64)[0] % (2**63 - 1)))
    return g


def as_image_tensor(images: Any, name: str = "images") -> torch.Tensor:
    """``(n, h, w)`` or ``(n, c, h, w)`` images (uint8 0..255 or floats) -> float32 ``(n, c, h, w)``;
    uint8 is scaled to [0, 1]."""
    arr = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    if arr.dtype.kind not in "uif":
        raise TypeError(f"{name} must be numeric images, got dtype {arr.dtype}")
    if arr.ndim == 3:
        arr = arr[:, None]
    if arr.ndim != 4:
        raise ValueError(f"{name} must have shape (n, h, w) or (n, c, h, w), got {arr.shape}")
    if arr.shape[0] < 2:
        raise ValueError(f"{name} holds {arr.shape[0]} image(s); DIM needs at least 2 (negative pairs)")
    out = arr.astype(np.float32) / 255.0 if arr.dtype == np.uint8 else arr.astype(np.float32)
    if not np.isfinite(out).all():
        raise ValueError(f"{name} contains NaN or inf values; clean the images first")
    return torch.from_numpy(np.ascontiguousarray(out))


class DIMTrainer:
    """Train a :class:`DIMEncoder` with a :class:`DIMObjective`.

    Parameters
    ----------
    encoder, objective : the modules (already built, so their initial weights are seeded by the caller).
    epochs : passes over the images.
    batch_size : images per step (the last partial batch of an epoch is dropped).
    lr : Adam learning rate for encoder, critics and prior discriminator.
    random_state : seed of the shuffling, prior samples and location draws.
    device : "auto" (CUDA, MPS, CPU), "cpu", "cuda", ...
    checkpoint : file written atomically after every epoch; if it exists when :meth:`fit` starts,
        training resumes from it (it must come from the same set-up, else a ValueError).
    verbose : progress bar.
    """

    def __init__(self, encoder: DIMEncoder, objective: DIMObjective, *, epochs: int = 10, batch_size: int = 64,
                 lr: float = 1e-3, random_state: Any = 0, device: Any = "auto",
                 checkpoint: str | os.PathLike[str] | None = None, verbose: bool = True) -> None:
        self.encoder = encoder
        self.objective = objective
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.random_state = random_state
        self.device = device
        self.checkpoint = checkpoint
        self.verbose = verbose

    # -- checkpoints ---------------------------------------------------------------------------
    def _signature(self, n: int, shape: tuple[int, ...]) -> dict[str, Any]:
        return {"encoder": self.encoder.config(), "objective": self.objective.config(), "lr": float(self.lr),
                "batch_size": int(self.batch_size), "seed": self._seed, "n_images": int(n),
                "image_shape": list(shape), "version": CHECKPOINT_VERSION}

    def _save(self, path: Path, epoch: int, sig: dict[str, Any]) -> None:
        state = {"signature": sig, "epoch": epoch, "encoder": self.encoder.state_dict(),
                 "objective": self.objective.state_dict(), "opt": self._opt.state_dict(),
                 "opt_prior": self._opt_prior.state_dict() if self._opt_prior is not None else None,
                 "history": self.history_, "epoch_history": self.epoch_history_}
        with atomic_path(path) as tmp:
            torch.save(state, tmp)

    def _load(self, path: Path, sig: dict[str, Any], dev: torch.device) -> int:
        try:
            state = torch.load(path, map_location=dev, weights_only=True)
        except Exception as exc:  # a checkpoint that cannot be read must not be trained over silently
            raise ValueError(f"checkpoint {str(path)!r} cannot be read ({exc}); delete it to start over") from exc
        if state.get("signature") != sig:
            raise ValueError(
                f"checkpoint {str(path)!r} comes from a different set-up (encoder, objective, lr, batch_size, "
                f"seed or data); delete it or use another output folder. saved={state.get('signature')} now={sig}"
            )
        self.encoder.load_state_dict(state["encoder"])
        self.objective.load_state_dict(state["objective"])
        self._opt.load_state_dict(state["opt"])
        if self._opt_prior is not None and state["opt_prior"] is not None:
            self._opt_prior.load_state_dict(state["opt_prior"])
        self.history_ = list(state["history"])
        self.epoch_history_ = list(state["epoch_history"])
        return int(state["epoch"])

    # -- training ------------------------------------------------------------------------------
    def fit(self, images: Any) -> "DIMTrainer":
        """Train on ``images`` ``(n, h, w)`` / ``(n, c, h, w)``; fills ``history_`` (one dict per
        step: epoch, step, loss, global, local, prior, disc) and ``epoch_history_`` (epoch means)."""
        epochs = check_positive_int(self.epochs, "epochs")
        batch_size = check_positive_int(self.batch_size, "batch_size", minimum=2)
        if not isinstance(self.lr, (int, float)) or not self.lr > 0:
            raise ValueError(f"lr must be a number > 0, got {self.lr!r}")
        x = as_image_tensor(images)
        if x.shape[1] != self.encoder.in_channels:
            raise ValueError(f"images have {x.shape[1]} channel(s) but the encoder expects {self.encoder.in_channels}")
        n = len(x)
        self._seed = seed_from(self.random_state)
        dev = get_device(self.device)
        self.device_ = dev
        self.encoder.to(dev)
        self.objective.to(dev)
        params = list(self.encoder.parameters()) + self.objective.critic_parameters()
        self._opt = torch.optim.Adam(params, lr=self.lr)
        pd = self.objective.prior_disc
        self._opt_prior = torch.optim.Adam(pd.parameters(), lr=self.lr) if pd is not None else None
        self.history_ = []
        self.epoch_history_ = []
        sig = self._signature(n, tuple(x.shape[1:]))
        path = Path(self.checkpoint) if self.checkpoint is not None else None
        start = 0
        if path is not None and path.exists():
            start = self._load(path, sig, dev)
            if start > epochs:
                raise ValueError(
                    f"checkpoint {str(path)!r} has {start} epochs of training but epochs={epochs}; "
                    f"pass epochs >= {start} (more epochs continue the run) or use another checkpoint"
                )
        self.resumed_from_ = start
        bs = min(batch_size, n)
        steps = max(n // bs, 1)
        self.encoder.train()
        self.objective.train()
        bar = progress(total=(epochs - start) * steps, desc=f"DIM encoder {self.encoder.kind}", verbose=self.verbose)
        try:
            for epoch in range(start, epochs):
                t0 = time.perf_counter()
                g = _epoch_generator(self._seed, epoch)
                perm = torch.randperm(n, generator=g)
                rows = []
                for s in range(steps):
                    xb = x[perm[s * bs:(s + 1) * bs]].to(dev)
                    rows.append(self._step(xb, g, epoch, s))
                    bar.update(1)
                    bar.set_postfix(loss=f"{rows[-1]['loss']:.3f}")
                self.history_ += rows
                mean = {k: float(np.mean([r[k] for r in rows])) for k in ("loss", "global", "local", "prior", "disc")}
                self.epoch_history_.append({"epoch": epoch, **mean, "seconds": time.perf_counter() - t0})
                if path is not None:
                    self._save(path, epoch + 1, sig)
        finally:
            bar.close()
        self.encoder.eval()
        self.objective.eval()
        return self

    def _step(self, xb: torch.Tensor, g: torch.Generator, epoch: int, step: int) -> dict[str, float]:
        m, y = self.encoder(xb)
        terms = self.objective(m, y, generator=g)
        self._opt.zero_grad(set_to_none=True)
        terms["loss"].backward()
        self._opt.step()
        disc = 0.0
        if self._opt_prior is not None:
            # zero_grad first: the encoder's backward also reached the discriminator's weights
            self._opt_prior.zero_grad(set_to_none=True)
            d_loss = self.objective.discriminator_loss(y, generator=g)
            d_loss.backward()
            self._opt_prior.step()
            disc = float(d_loss.detach())
        out: dict[str, float] = {"epoch": epoch, "step": step}
        out.update({k: float(v.detach()) for k, v in terms.items()})
        out["disc"] = disc
        if not np.isfinite(out["loss"]):
            raise FloatingPointError(
                f"DIM loss became {out['loss']} at epoch {epoch}, step {step}; lower lr or use bound='jsd'"
            )
        return out


def convergence(history: Any, alpha: float, beta: float, rel_tol: float = 0.05, z: float = 2.0) -> dict[str, Any]:
    """Has DIM training stopped raising its objective? ``history``: the trainer's per-step rows
    (``epoch``, ``global``, ``local``). The objective is ``alpha * global + beta * local`` (the MI
    terms the encoder maximises); per epoch its mean over steps, and the last epoch is compared
    with the one before: ``rising`` when the gain exceeds both ``z`` standard errors of the
    difference of the two epoch means (step-to-step noise) and ``rel_tol`` of the rise since the
    first epoch (diminishing returns: at 5% the last epoch added a twentieth of what training
    has gained so far). Returns ``{"epochs", "objective" (per-epoch means), "gain", "gain_se",
    "total_rise", "rising"}``; a single epoch is ``rising`` (nothing to compare)."""
    import pandas as pd

    h = pd.DataFrame(history)
    h["objective"] = alpha * h["global"] + beta * h["local"]
    per = h.groupby("epoch")["objective"].agg(["mean", "var", "count"]).sort_index()
    out: dict[str, Any] = {"epochs": int(len(per)), "objective": per["mean"].round(6).tolist()}
    if len(per) < 2:
        return {**out, "gain": float("nan"), "gain_se": float("nan"), "total_rise": float("nan"), "rising": True}
    last, prev = per.iloc[-1], per.iloc[-2]
    gain = float(last["mean"] - prev["mean"])
    total = float(last["mean"] - per["mean"].iloc[0])
    se = float(np.sqrt(np.nan_to_num(last["var"]) / last["count"] + np.nan_to_num(prev["var"]) / prev["count"]))
    rising = bool(gain > z * se and gain > rel_tol * max(total, 0.0))
    return {**out, "gain": gain, "gain_se": se, "total_rise": total, "rising": rising}
