"""GAN, WGAN and WGAN-GP trainers for tables (MLP) and small images (DCGAN-style conv).

Losses (``loss=``):

- ``"gan"``: Goodfellow et al. 2014 with the non-saturating generator loss,
  ``L_D = softplus(-D(x)) + softplus(D(G(z)))``, ``L_G = softplus(-D(G(z)))``.
- ``"wgan"``: Arjovsky et al. 2017, critic maximises ``E D(x) - E D(G(z))`` with its weights
  clipped to ``[-clip_value, clip_value]`` (1-Lipschitz by construction); RMSprop.
- ``"wgan-gp"``: Gulrajani et al. 2017, the same objective plus ``gp_weight * (||grad D(x_hat)|| - 1)^2``
  at random interpolates ``x_hat``; Adam(0.5, 0.9).

Optional DP-SGD on the discriminator (``dp_noise_multiplier``), see :mod:`.dp`.
One training loop for all; ``fit`` resumes from ``checkpoint_dir`` after a kill.
"""

from __future__ import annotations

import copy
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..io import atomic_path
from ..progress import progress
from ..validation import check_choice, check_positive_int, check_random_state, seed_from, to_numpy
from .convergence import training_verdict

LOSSES = ("gan", "wgan", "wgan-gp")
ARCHS = ("mlp", "conv")
#: GAN: Adam 1e-3, not DCGAN's 2e-4, which in 2,000 steps covers 0/8 ring modes and leaves the
#: Gaussian's MI 0.36 nats high (seed 0); 1e-3 covers 8/8 and 3/8 modes, MI errors 0.22 and 0.04
#: (seeds 0, 1). WGAN's RMSprop 5e-5 and clip 0.01 (paper) leave the toy Gaussian's MI
#: 0.08 nats high after 2,000 steps, RMSprop 2e-4 with clip 0.05 and the generator average
#: (ema_decay) give errors 0.024 / 0.05 (seeds 0 / 2). WGAN-GP's 1e-4 is meant for 1e5+ steps and
#: leaves a 2-D Gaussian over-dispersed after 500, so 5e-4 for the short budgets used here.
#: WGAN-GP's penalty weight is 1, not the paper's 10 (images): measured on the gan-toy targets
#: (2,000 points, 2,000 steps, standardised data), weight 10 covers 1 of 8 ring modes, weight 1
#: covers 8/8 (seeds 0, 1) and gives the Gaussian's MI within 0.03 nats; 0.1 also covers the
#: ring but misses the MI by 0.05 (the toy code of Gulrajani et al. uses 0.1).
_DEFAULT_LR = {"gan": 1e-3, "wgan": 2e-4, "wgan-gp": 5e-4}
#: the conv (image) networks keep the published rates: the measurements above are for the MLPs
_DEFAULT_LR_CONV = {"gan": 2e-4, "wgan": 5e-5, "wgan-gp": 5e-4}
_DEFAULT_N_CRITIC = {"gan": 1, "wgan": 5, "wgan-gp": 5}
CHECKPOINT_NAME = "gan_checkpoint.pt"


def _ema_update(avg: Any, model: Any, decay: float) -> None:
    """``avg <- decay avg + (1 - decay) model`` for parameters; buffers (BatchNorm statistics) copied."""
    import torch

    with torch.no_grad():
        for pa, pm in zip(avg.parameters(), model.parameters()):
            pa.mul_(decay).add_(pm, alpha=1 - decay)
        for ba, bm in zip(avg.buffers(), model.buffers()):
            ba.copy_(bm)


class GAN:
    """Train a generator on rows (``arch="mlp"``, shape ``(n, d)``) or grayscale images
    (``arch="conv"``, shape ``(n, s, s)`` uint8 or floats in [0, 1]), then :meth:`sample`.

    The constructor only stores parameters; ``fit(X)`` trains. ``history_`` holds the losses,
    ``convergence_`` a verdict on them (:func:`.convergence.training_verdict`: ``converged``
    and a ``line`` to print), ``epsilon_`` the DP guarantee (at ``dp_delta``) when
    ``dp_noise_multiplier`` is set.

    ``ema_decay``: samples come from an exponential moving average of the generator's weights
    (Yazici et al. 2019), decay ``min(ema_decay, (1 + t) / (10 + t))`` at step ``t``; it damps
    the oscillation of the last iterates (a post-processing of the generator, so DP is kept).
    ``None`` samples from the last iterate.
    """

    def __init__(
        self,
        loss: str = "gan",
        arch: str = "mlp",
        *,
        latent_dim: int = 16,
        hidden: int = 128,
        layers: int = 2,
        channels: int = 32,
        n_steps: int = 2000,
        batch_size: int = 128,
        lr: float | None = None,
        n_critic: int | None = None,
        clip_value: float = 0.05,
        gp_weight: float = 1.0,
        dp_noise_multiplier: float | None = None,
        dp_max_grad_norm: float = 1.0,
        dp_delta: float = 1e-5,
        device: Any = "auto",
        random_state: Any = None,
        verbose: bool | None = True,
        checkpoint_dir: str | os.PathLike[str] | None = None,
        checkpoint_every: int = 500,
        log_every: int = 50,
        n_threads: int | None = 1,
        ema_decay: float | None = 0.995,
    ) -> None:
        self.loss = loss
        self.arch = arch
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.layers = layers
        self.channels = channels
        self.n_steps = n_steps
        self.batch_size = batch_size
        self.lr = lr
        self.n_critic = n_critic
        self.clip_value = clip_value
        self.gp_weight = gp_weight
        self.dp_noise_multiplier = dp_noise_multiplier
        self.dp_max_grad_norm = dp_max_grad_norm
        self.dp_delta = dp_delta
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_every = checkpoint_every
        self.log_every = log_every
        self.n_threads = n_threads
        self.ema_decay = ema_decay

    # ------------------------------------------------------------------ set-up
    def _params(self) -> dict[str, Any]:
        keys = ("loss", "arch", "latent_dim", "hidden", "layers", "channels", "n_steps", "batch_size", "lr",
                "n_critic", "clip_value", "gp_weight", "dp_noise_multiplier", "dp_max_grad_norm", "dp_delta",
                "ema_decay")
        return {k: getattr(self, k) for k in keys}

    def _check(self) -> None:
        check_choice(self.loss, "loss", LOSSES)
        check_choice(self.arch, "arch", ARCHS)
        for name in ("latent_dim", "hidden", "layers", "channels", "n_steps", "batch_size", "checkpoint_every", "log_every"):
            check_positive_int(getattr(self, name), name)
        if self.n_critic is not None:
            check_positive_int(self.n_critic, "n_critic")
        if self.ema_decay is not None and not 0 <= self.ema_decay < 1:
            raise InputError(f"ema_decay must be in [0, 1) or None (no averaging), got {self.ema_decay!r}")
        if self.dp_noise_multiplier is not None:
            if self.loss == "wgan-gp":
                raise ValueError(
                    "dp_noise_multiplier cannot combine with loss='wgan-gp': the gradient penalty needs a double "
                    "backward through the discriminator, which DP-SGD's per-sample gradients (Opacus) do not "
                    "support; use loss='gan' or 'wgan' for differential privacy"
                )
            if not 0 < self.dp_delta < 1:
                raise ValueError(f"dp_delta must be in (0, 1), got {self.dp_delta}")

    def _prepare(self, X: Any) -> np.ndarray:
        arr = to_numpy(X, "X")
        if self.arch == "mlp":
            if arr.ndim != 2:
                raise ValueError(f"X must be (n, d) rows for arch='mlp', got shape {arr.shape}; use arch='conv' for images")
            arr = arr.astype(np.float64)
            if not np.isfinite(arr).all():
                raise ValueError("X contains NaN or inf; impute or drop those rows before training")
            self.mean_, self.scale_ = arr.mean(axis=0), arr.std(axis=0)
            self.scale_[self.scale_ == 0] = 1.0
            self.shape_ = (arr.shape[1],)
            return ((arr - self.mean_) / self.scale_).astype(np.float32)
        if arr.ndim == 4 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
            raise ValueError(f"X must be (n, s, s) grayscale images for arch='conv', got shape {arr.shape}")
        if arr.dtype == np.uint8:
            arr = arr.astype(np.float32) / 255.0
        else:
            arr = arr.astype(np.float32)
            if arr.min() < 0 or arr.max() > 1:
                raise ValueError(f"float images must lie in [0, 1] (got range {arr.min():.3g}..{arr.max():.3g}); "
                                 "divide by the maximum pixel value or pass uint8")
        self.shape_ = arr.shape[1:]
        return (arr * 2 - 1)[:, None]

    def _build(self, dim_or_side: int):
        import torch

        from .nets import ConvDiscriminator, ConvGenerator, MLPDiscriminator, MLPGenerator

        G: torch.nn.Module
        D: torch.nn.Module
        opt_g: torch.optim.Optimizer
        opt_d: torch.optim.Optimizer
        if self.arch == "mlp":
            G = MLPGenerator(self.latent_dim, dim_or_side, self.hidden, self.layers)
            D = MLPDiscriminator(dim_or_side, self.hidden, self.layers)
        else:
            G = ConvGenerator(self.latent_dim, dim_or_side, self.channels)
            D = ConvDiscriminator(dim_or_side, self.channels)
        lr = self.lr if self.lr is not None else (_DEFAULT_LR if self.arch == "mlp" else _DEFAULT_LR_CONV)[self.loss]
        if self.loss == "wgan":
            opt_g, opt_d = torch.optim.RMSprop(G.parameters(), lr=lr), torch.optim.RMSprop(D.parameters(), lr=lr)
        else:
            betas = (0.5, 0.999) if self.loss == "gan" else (0.5, 0.9)
            opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=betas)
            opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=betas)
        return G, D, opt_g, opt_d

    # ------------------------------------------------------------------ training
    def fit(self, X: Any) -> "GAN":
        """Train for ``n_steps`` generator updates (each after ``n_critic`` discriminator updates).

        ``n_threads`` caps torch's CPU threads while training (restored afterwards): these
        networks are small, and more threads only contend with other work; ``None`` leaves it."""
        from ..torch_utils import threads

        with threads(None if self.n_threads is None else check_positive_int(self.n_threads, "n_threads")):
            return self._fit(X)

    def _fit(self, X: Any) -> "GAN":
        import torch
        import torch.nn.functional as F

        from ..torch_utils import get_device, seed_everything
        from .dp import make_private, unwrap

        self._check()
        data = self._prepare(X)
        n = len(data)
        if n < 2:
            raise ValueError(f"X has {n} rows; a GAN needs at least 2")
        batch = min(self.batch_size, n)
        dev = get_device(self.device)
        seed = seed_from(self.random_state)
        g = seed_everything(seed)
        G, D, opt_g, opt_d = self._build(data.shape[1] if self.arch == "mlp" else data.shape[-1])
        G, D = G.to(dev), D.to(dev)
        real_all = torch.from_numpy(data)
        dp = self.dp_noise_multiplier is not None
        engine, dp_iter = None, None
        if self.dp_noise_multiplier is not None:
            D, opt_d, loader, engine = make_private(D, opt_d, real_all, batch_size=batch,
                                                    noise_multiplier=float(self.dp_noise_multiplier),
                                                    max_grad_norm=float(self.dp_max_grad_norm), generator=g)
        n_critic = self.n_critic or _DEFAULT_N_CRITIC[self.loss]
        G_ema = copy.deepcopy(G) if self.ema_decay is not None else None
        history: list[dict[str, float]] = []
        start = 0
        ckpt = Path(self.checkpoint_dir) / CHECKPOINT_NAME if self.checkpoint_dir is not None else None
        if ckpt is not None and ckpt.exists():
            state = torch.load(ckpt, map_location=dev, weights_only=False)
            same = {k: v for k, v in state["params"].items() if k != "n_steps"} == \
                {k: v for k, v in self._params().items() if k != "n_steps"}
            if not same or state["seed"] != seed or state["n"] != n:
                raise ValueError(f"{ckpt} was written by a different configuration or data; "
                                 "remove it or choose another checkpoint_dir")
            if state["step"] > self.n_steps:
                raise ValueError(f"{ckpt} holds {state['step']} steps, more than n_steps={self.n_steps}; "
                                 "raise n_steps or choose another checkpoint_dir")
            G.load_state_dict(state["G"])
            if G_ema is not None:
                G_ema.load_state_dict(state["G_ema"])
            unwrap(D).load_state_dict(state["D"])
            opt_g.load_state_dict(state["opt_g"])
            opt_d.load_state_dict(state["opt_d"])
            g.set_state(state["rng"])
            torch.set_rng_state(state["torch_rng"])
            history, start = state["history"], state["step"]
            if engine is not None:
                engine.accountant.history = list(state["accountant"])

        def real_batch() -> torch.Tensor:
            nonlocal dp_iter
            if not dp:
                return real_all[torch.randint(0, n, (batch,), generator=g)].to(dev)
            while True:   # Poisson-sampled batches of the private loader (epochs restart it)
                if dp_iter is None:
                    dp_iter = iter(loader)
                try:
                    return next(dp_iter)[0].to(dev)
                except StopIteration:
                    dp_iter = None

        def noise(m: int) -> torch.Tensor:
            return torch.randn(m, self.latent_dim, generator=g).to(dev)

        def d_loss_fn(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
            # one forward pass over real and fake rows together: DP-SGD needs per-sample
            # gradients from a single pass
            out = D(torch.cat([real, fake]))
            o_r, o_f = out[:len(real)], out[len(real):]
            if self.loss == "gan":
                lr_ = F.softplus(-o_r).sum() / max(len(real), 1) if len(real) else out.sum() * 0
                return lr_ + F.softplus(o_f).mean()
            return o_f.mean() - (o_r.sum() / len(real) if len(real) else 0 * out.sum())

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*Full backward hook.*")
            bar = progress(range(start, self.n_steps), total=self.n_steps - start, desc=f"{self.loss} {self.arch}",
                           verbose=self.verbose)
            G.train()
            D.train()
            for step in bar:
                for _ in range(n_critic):
                    real = real_batch()
                    with torch.no_grad():
                        fake = G(noise(batch))
                    opt_d.zero_grad(set_to_none=True)
                    d_loss = d_loss_fn(real, fake)
                    if self.loss == "wgan-gp":
                        eps = torch.rand((len(real),) + (1,) * (real.dim() - 1), generator=g).to(dev)
                        x_hat = (eps * real + (1 - eps) * fake[:len(real)]).requires_grad_(True)
                        grad = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)[0]
                        d_loss = d_loss + self.gp_weight * ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
                    d_loss.backward()
                    opt_d.step()
                    if self.loss == "wgan":
                        with torch.no_grad():
                            for p in unwrap(D).parameters():
                                p.clamp_(-self.clip_value, self.clip_value)
                if dp:
                    D.disable_hooks()   # the generator step needs no per-sample gradients of D
                opt_g.zero_grad(set_to_none=True)
                out_f = D(G(noise(batch)))
                g_loss = F.softplus(-out_f).mean() if self.loss == "gan" else -out_f.mean()
                g_loss.backward()
                opt_g.step()
                if G_ema is not None:
                    _ema_update(G_ema, G, min(self.ema_decay, (1 + step) / (10 + step)))
                if dp:
                    D.enable_hooks()
                if (step + 1) % self.log_every == 0 or step + 1 == self.n_steps:
                    history.append({"step": step + 1, "d_loss": float(d_loss.detach()), "g_loss": float(g_loss.detach())})
                if ckpt is not None and ((step + 1) % self.checkpoint_every == 0 or step + 1 == self.n_steps):
                    self._save_checkpoint(ckpt, seed, n, step + 1, G, unwrap(D), opt_g, opt_d, g, history, engine,
                                          G_ema)
            bar.close()
        G = G_ema if G_ema is not None else G
        G.eval()
        self.generator_ = G
        self.discriminator_ = unwrap(D)
        self.device_ = dev
        self.history_ = history
        self.n_critic_ = n_critic
        self.epsilon_ = float(engine.get_epsilon(self.dp_delta)) if engine is not None else None
        self.convergence_ = training_verdict(history)
        return self

    def _save_checkpoint(self, path: Path, seed: int, n: int, step: int, G, D, opt_g, opt_d, g, history, engine,
                         G_ema=None) -> None:
        import torch

        state = {"params": self._params(), "seed": seed, "n": n, "step": step, "G": G.state_dict(),
                 "G_ema": G_ema.state_dict() if G_ema is not None else None,
                 "D": D.state_dict(), "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(), "rng": g.get_state(),
                 "torch_rng": torch.get_rng_state(), "history": copy.deepcopy(history),
                 "accountant": list(engine.accountant.history) if engine is not None else None}
        with atomic_path(path) as tmp:
            torch.save(state, tmp)

    # ------------------------------------------------------------------ sampling
    def sample(self, n: int, random_state: Any = None) -> np.ndarray:
        """``n`` new rows ``(n, d)`` in the data's units, or images ``(n, s, s)`` in [0, 1]."""
        import torch

        if not hasattr(self, "generator_"):
            raise ValueError("this GAN is not fitted yet; call fit(X) first")
        n = check_positive_int(n, "n")
        g = torch.Generator().manual_seed(seed_from(check_random_state(random_state)))
        outs = []
        with torch.no_grad():
            for s in range(0, n, 4096):
                z = torch.randn(min(4096, n - s), self.latent_dim, generator=g).to(self.device_)
                outs.append(self.generator_(z).cpu().numpy().astype(np.float64))
        x = np.concatenate(outs)
        if self.arch == "mlp":
            return x * self.scale_ + self.mean_
        return (x[:, 0] + 1) / 2

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Save the fitted generator (weights, scaling, parameters) atomically; :meth:`load` reads it."""
        import torch

        if not hasattr(self, "generator_"):
            raise ValueError("this GAN is not fitted yet; call fit(X) first")
        state = {"params": self._params(), "G": self.generator_.state_dict(), "shape": self.shape_,
                 "mean": getattr(self, "mean_", None), "scale": getattr(self, "scale_", None),
                 "history": self.history_, "epsilon": self.epsilon_}
        with atomic_path(path) as tmp:
            torch.save(state, tmp)
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], device: Any = "auto") -> "GAN":
        import torch

        from ..torch_utils import get_device

        state = torch.load(path, map_location="cpu", weights_only=False)
        self = cls(**state["params"], device=device)
        self.shape_ = state["shape"]
        self.mean_, self.scale_ = state["mean"], state["scale"]
        side_or_dim = self.shape_[0] if self.arch == "mlp" else self.shape_[-1]
        G = self._build(side_or_dim)[0]
        G.load_state_dict(state["G"])
        self.device_ = get_device(device)
        self.generator_ = G.to(self.device_).eval()
        self.history_, self.epsilon_ = state["history"], state["epsilon"]
        self.convergence_ = training_verdict(self.history_)
        return self
