"""Training and read-out shared by :mod:`.minde` and :mod:`.mmg`.

One :class:`~.nets.Denoiser` learns ``eps`` of ``z = alpha x + sigma eps`` with ``y`` shown
to it on a random half of the rows (the mask) and hidden on the other half, so one network
is both the conditional and the unconditional denoiser. Training minimises the plain noise
prediction error at noise levels drawn by the estimator's proposal, optionally keeps an EMA
copy of the weights, and stops early on the validation denoising loss (fixed noise draws,
both masks), keeping the weights of the lowest validation loss.
The read-out averages ``weight * ||eps_hat(z, y) - eps_hat(z)||^2`` over stratified noise
levels for every held-out test row; the standard error is that of the mean over rows.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ...errors import flag
from ..neural.tails import tame_heavy_tails
from ..neural.data import check_split, split_indices

#: a proposal maps uniforms (numpy) to ``(lam, weight)``
Proposal = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

#: rows of validation data used for the early-stopping loss (fixed noise draws)
VAL_ROWS = 2048
#: the cosine learning-rate schedule ends at this share of ``lr``
LR_FLOOR = 0.05
#: evaluations without a validation gain after which the learning rate is halved (so that
#: early stopping, which waits ``patience`` evaluations, stops a network trained at a low rate)
LR_PATIENCE = 3
#: fewer optimisation steps than this earn a warning (the defaults allow 1,600 at N = 5,000)
MIN_STEPS = 200
#: evaluations looked back over when judging whether validation loss was still falling
FALL_WINDOW = 4


class Rows:
    """Rows ``idx`` of a memory-mapped array, standardised with ``(mean, sd)`` to float32 when
    read: a split that is never held whole (``len``, ``shape`` and ``[positions or slice]``,
    like the arrays it stands for). Sorted positions read the file sequentially."""

    def __init__(self, a: np.ndarray, idx: np.ndarray, mean: np.ndarray | None, sd: np.ndarray | None) -> None:
        self.a, self.idx, self.mean, self.sd = a, idx, mean, sd
        self.shape = (len(idx), int(np.prod(a.shape[1:])))

    def __len__(self) -> int:
        return len(self.idx)

    def __getitem__(self, pos: Any) -> np.ndarray:
        block = np.asarray(self.a[self.idx[pos]], dtype=np.float32).reshape(-1, self.shape[1])
        if self.mean is not None and self.sd is not None:
            block = (block - self.mean) / self.sd
        return block


@dataclass
class Data:
    """Standardised float32 train / validation / test arrays of the denoised variable
    (``a``) and the condition (``c``), and what was done to them; for memory-mapped inputs
    each split is a :class:`Rows` view, read a minibatch at a time."""

    a: tuple[Any, Any, Any]
    c: tuple[Any, Any, Any]
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def streamed(self) -> bool:
        return isinstance(self.a[0], Rows)


def _standardise(v: np.ndarray, tr: np.ndarray, tame: bool) -> tuple[np.ndarray, list[int]]:
    heavy: list[int] = []
    if tame:
        v, heavy = tame_heavy_tails(v, tr)
    v = np.asarray(v, dtype=np.float64)
    mean = v[tr].mean(axis=0)
    sd = v[tr].std(axis=0)
    sd = np.where(sd > 1e-12, sd, 1.0)
    return ((v - mean) / sd).astype(np.float32), heavy


def prepare(a: np.ndarray, c: np.ndarray, split: Any, rng: np.random.Generator, standardize: bool) -> Data:
    """Split rows (``split_indices``) and standardise both variables with the training rows'
    moments; heavy-tailed columns first become normal scores fitted on the training rows
    (monotone per column, so the MI is unchanged; see ``neural.tails.tame_heavy_tails``).
    Memory-mapped inputs are not copied: each split becomes a :class:`Rows` view (moments
    accumulated in chunks; the heavy-tail map, which needs a transformed copy, is skipped
    and the notes say so)."""
    from ..neural.data import is_lazy, moments

    tr, va, te = split_indices(len(a), check_split(split), rng)
    notes: dict[str, Any] = {"n_train": len(tr), "n_validation": len(va), "n_test": len(te)}
    if is_lazy(a) or is_lazy(c):
        views: list[tuple[Rows, Rows, Rows]] = []
        for v in (a, c):
            mean, sd = moments(v, tr, per_feature=True) if standardize else (None, None)
            views.append((Rows(v, tr, mean, sd), Rows(v, va, mean, sd), Rows(v, te, mean, sd)))
        notes["streamed"] = True
        if standardize:
            notes["normal_scores_columns"] = "not applied (memory-mapped input)"
        return Data(views[0], views[1], notes)
    if standardize:
        a, ha = _standardise(a, tr, True)
        c, hc = _standardise(c, tr, True)
        if ha or hc:
            notes["normal_scores_columns"] = {"denoised": ha, "condition": hc}
    else:
        a, c = np.asarray(a, np.float32), np.asarray(c, np.float32)
    return Data(tuple(a[i] for i in (tr, va, te)), tuple(c[i] for i in (tr, va, te)), notes)


@dataclass
class Fit:
    """A trained denoiser (the EMA weights at the best validation loss) and its record."""

    net: Any
    curve: list[dict[str, float]]
    stopped: str
    steps: int
    seconds: float
    samples_per_s: float
    #: fall of the validation loss over the last FALL_WINDOW evaluations when the limit ended training
    late_drop: float
    dx: int


def train(data: Data, levels: Proposal, *, hidden: int, layers: int, epochs: int, batch_size: int, lr: float,
          ema_decay: float, eval_every: int, patience: int, min_delta: float, max_seconds: float | None,
          device: Any, cosine: bool = False, seed: int, verbose: Any = False) -> Fit:
    """Fit the masked denoiser on ``data`` with noise levels from ``levels``."""
    import torch

    from ...progress import progress
    from .nets import EMA, Denoiser

    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    n, dx = data.a[0].shape
    nv = min(len(data.a[1]), VAL_ROWS)
    a_tr: Any
    c_tr: Any
    if data.streamed:  # minibatches read from the memory-mapped rows; validation rows held
        a_tr, c_tr = data.a[0], data.c[0]
        a_va, c_va = (torch.as_tensor(v[:nv], device=device) for v in (data.a[1], data.c[1]))
    else:
        a_tr, a_va, _ = (torch.as_tensor(v, device=device) for v in data.a)
        c_tr, c_va, _ = (torch.as_tensor(v, device=device) for v in data.c)
    net = Denoiser(dx, data.c[0].shape[1], hidden=hidden, layers=layers).to(device)
    ema = EMA(net, ema_decay)
    opt = torch.optim.Adam(net.parameters(), lr=lr)

    # fixed validation draws: the same noise at every evaluation, both masks on every row
    lam_np, _ = levels((np.arange(nv) + rng.random(nv)) / nv)
    lam_v = torch.as_tensor(rng.permutation(lam_np), dtype=torch.float32, device=device)
    eps_v = torch.as_tensor(rng.standard_normal((nv, dx)), dtype=torch.float32, device=device)
    al, sg = torch.sigmoid(lam_v).sqrt()[:, None], torch.sigmoid(-lam_v).sqrt()[:, None]
    z_v = al * a_va[:nv] + sg * eps_v
    zz, ll, cc = torch.cat([z_v, z_v]), torch.cat([lam_v, lam_v]), torch.cat([c_va[:nv], c_va[:nv]])
    mm = torch.cat([torch.ones(nv, device=device), torch.zeros(nv, device=device)])
    ee = torch.cat([eps_v, eps_v])

    @torch.no_grad()
    def val_loss() -> tuple[float, float]:
        out = ema.module(zz, ll, cc, mm)
        err = ((out - ee) ** 2).mean(dim=1)
        return float(err[:nv].mean()), float(err[nv:].mean())

    bs = min(batch_size, n)
    steps_per_epoch = max(n // bs, 1)
    total = epochs * steps_per_epoch
    plateau = 1.0  # halved after every LR_PATIENCE evaluations without a gain of min_delta

    def rate(k: int) -> float:
        c = LR_FLOOR + (1 - LR_FLOOR) * 0.5 * (1 + math.cos(math.pi * min(k / total, 1.0))) if cosine else 1.0
        return lr * c * plateau

    curve: list[dict[str, float]] = []
    best, best_saved, best_state, since = math.inf, math.inf, None, 0
    stopped, step = "max epochs", 0
    t0 = time.perf_counter()
    bar = progress(range(total), total=total, desc="diffusion", verbose=verbose)
    for step in bar:
        if step % steps_per_epoch == 0:
            perm_np = rng.permutation(n)
            perm: Any = perm_np if data.streamed else torch.as_tensor(perm_np, device=device)
        idx = perm[(step % steps_per_epoch) * bs:(step % steps_per_epoch + 1) * bs]
        lam, _ = levels(rng.random(bs))
        lam_t = torch.as_tensor(lam, dtype=torch.float32, device=device)
        eps = torch.randn(bs, dx, device=device)
        if data.streamed:
            pos = np.sort(idx)  # sequential reads; the pairing of a and c is kept
            x0, cb = torch.as_tensor(a_tr[pos], device=device), torch.as_tensor(c_tr[pos], device=device)
        else:
            x0, cb = a_tr[idx], c_tr[idx]
        z = torch.sigmoid(lam_t).sqrt()[:, None] * x0 + torch.sigmoid(-lam_t).sqrt()[:, None] * eps
        mask = (torch.rand(bs, device=device) < 0.5).float()
        loss = ((net(z, lam_t, cb, mask) - eps) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        for group in opt.param_groups:
            group["lr"] = rate(step + 1)
        ema.update(net, step)
        if (step + 1) % eval_every == 0 or step + 1 == total:
            vc, vu = val_loss()
            v = 0.5 * (vc + vu)
            curve.append({"step": step + 1, "lr": rate(step + 1), "train_loss": float(loss.detach()), "val_loss": v,
                          "val_cond": vc, "val_uncond": vu})
            if v < best_saved:  # keep the best weights seen; only gains above min_delta reset patience
                best_saved = v
                best_state = {k: t.detach().clone() for k, t in ema.module.state_dict().items()}
            if v < best - min_delta:
                best, since = v, 0
            else:
                since += 1
                if since % LR_PATIENCE == 0:
                    plateau *= 0.5
            if since >= patience:
                stopped = "converged"
                break
            if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
                stopped = "time limit"
                break
    seconds = time.perf_counter() - t0
    if best_state is not None:
        ema.module.load_state_dict(best_state)
    ema.module.eval()
    late_drop = 0.0
    if stopped != "converged" and len(curve) > FALL_WINDOW:
        vals = [r["val_loss"] for r in curve]
        late_drop = max(vals[-1 - FALL_WINDOW] - min(vals[-FALL_WINDOW:]), 0.0)
    return Fit(ema.module, curve, stopped, step + 1, seconds, (step + 1) * bs / max(seconds, 1e-9), late_drop, dx)


def still_improving_warning(fit: Fit, span: float, mi: float, epochs: int, max_seconds: float | None) -> list[str]:
    """A warning when training ended at its limit while the validation loss still fell by
    enough to matter. A drop ``d`` of the mean (over both masks) per-coordinate loss, if it
    all came from the conditional branch, moves the gap read-out by up to ``d * dx * span``
    nats (orthogonality: the gap is the difference of the two losses; ``span`` = the
    log-SNR range over which it is integrated); the warning fires when that possible move
    over the last FALL_WINDOW evaluations exceeds max(0.02 nats, 5% of the estimate)."""
    out: list[str] = []
    if fit.steps < MIN_STEPS:
        out.append(flag("not-converged", f"training ran only {fit.steps} optimisation steps (epochs={epochs}); "
                        "denoisers need several hundred to learn the conditional part, so the estimate is likely "
                        "far too low: raise epochs", steps=fit.steps))
    if fit.stopped == "converged" or fit.late_drop <= 0:
        return out
    move = fit.late_drop * fit.dx * span
    if move <= max(0.02, 0.05 * abs(mi)):
        return out
    limit = f"the epoch limit ({epochs} epochs)" if fit.stopped == "max epochs" else f"the time limit ({max_seconds} s)"
    return out + [flag("not-converged", f"training stopped at {limit} while the validation denoising loss was "
                       f"still falling (by {fit.late_drop:.2g} over the last {FALL_WINDOW} evaluations, worth up to "
                       f"~{move:.2g} nats of the estimate): the denoisers are not converged and the estimate may be "
                       "off (usually low); raise epochs or max_seconds", possible_move=move)]


def gaps(net: Any, a: np.ndarray, c: np.ndarray, lam: np.ndarray, rng: np.random.Generator, device: Any,
         block: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """For rows ``a, c`` at levels ``lam`` (all of length m), fresh noise ``eps`` per row:
    the orthogonal gap ``||eps_hat(z, c) - eps_hat(z)||^2`` and the error gap
    ``||eps - eps_hat(z)||^2 - ||eps - eps_hat(z, c)||^2`` (equal in expectation for exact
    denoisers; the first has less variance, the second is not inflated by noise in the
    conditional predictor)."""
    import torch

    out = np.empty(len(a), dtype=np.float64)
    err = np.empty(len(a), dtype=np.float64)
    with torch.no_grad():
        for s in range(0, len(a), block):
            sl = slice(s, s + block)
            lam_t = torch.as_tensor(lam[sl], dtype=torch.float32, device=device)
            x0 = torch.as_tensor(a[sl], device=device)
            eps = torch.as_tensor(rng.standard_normal(x0.shape), dtype=torch.float32, device=device)
            z = torch.sigmoid(lam_t).sqrt()[:, None] * x0 + torch.sigmoid(-lam_t).sqrt()[:, None] * eps
            cond, unc = net.predict_pair(z, lam_t, torch.as_tensor(c[sl], device=device))
            out[sl] = ((cond - unc) ** 2).sum(dim=1).double().cpu().numpy()
            err[sl] = (((eps - unc) ** 2).sum(dim=1) - ((eps - cond) ** 2).sum(dim=1)).double().cpu().numpy()
    return out, err


@dataclass
class Readout:
    """The orthogonal read-out (``mi``, ``stderr``, ``per_row``) and, on the same draws, the
    error-gap read-out (``mse_gap``, ``mse_gap_stderr``)."""

    mi: float
    stderr: float
    per_row: np.ndarray
    mse_gap: float
    mse_gap_stderr: float


#: test rows read out at once (the draws multiply them: bounded memory at any n; up to this
#: many test rows the draws are exactly those of a read-out in one piece)
READ_ROWS = 16384


def readout(net: Any, a: Any, c: Any, proposal: Proposal, draws: int, rng: np.random.Generator,
            device: Any) -> Readout:
    """The importance-sampled integral per row, ``mean_k weight_k * gap_k`` over ``draws``
    stratified noise levels (``u_k = (k + U) / draws``), and its mean and standard error over
    rows (rows are independent given the trained network). Rows are read out
    :data:`READ_ROWS` at a time (``a``, ``c``: arrays or :class:`Rows`)."""
    m = len(a)
    per_row = np.empty(m)
    per_row_e = np.empty(m)
    for s in range(0, m, READ_ROWS):
        e = min(m, s + READ_ROWS)
        u = (np.arange(draws)[None, :] + rng.random((e - s, draws))) / draws
        lam, w = proposal(u.reshape(-1))
        g, err = gaps(net, np.repeat(a[s:e], draws, axis=0), np.repeat(c[s:e], draws, axis=0), lam, rng, device)
        per_row[s:e] = (w * g).reshape(e - s, draws).mean(axis=1)
        per_row_e[s:e] = (w * err).reshape(e - s, draws).mean(axis=1)
    return Readout(float(per_row.mean()), float(per_row.std(ddof=1) / math.sqrt(m)), per_row,
                   float(per_row_e.mean()), float(per_row_e.std(ddof=1) / math.sqrt(m)))


#: the two read-outs disagree when they differ by more than this many joint standard
#: errors plus MSE_GAP_SHARE of the estimate
MSE_GAP_SES = 4.0
MSE_GAP_SHARE = 0.1


def readout_diagnostics(r: Readout) -> tuple[dict[str, Any], list[str]]:
    """The error-gap cross-check as diagnostics and, when it disagrees, a warning."""
    diag = {"mse_gap_nats": r.mse_gap, "mse_gap_stderr_nats": r.mse_gap_stderr}
    # the two read-outs share rows and draws, so the error of their difference is below the
    # sum of the two errors; the sum is used (conservative: fewer false alarms)
    tol = MSE_GAP_SES * (r.stderr + r.mse_gap_stderr) + MSE_GAP_SHARE * max(abs(r.mi), 0.1)
    if abs(r.mi - r.mse_gap) <= tol:
        return diag, []
    side = ("noise in the conditional denoiser inflates the squared difference (overfitting: too few rows "
            "for these dimensions); the truth is likely nearer the lower value" if r.mi > r.mse_gap else
            "the conditional denoiser does worse than the unconditional one on new rows")
    return diag, [flag("disagreement", f"the two read-outs of the same denoisers disagree: {r.mi:.3g} nats from the "
                       f"squared difference of the predictions, {r.mse_gap:.3g} from the difference of their errors: "
                       f"{side}", a=r.mi, b=r.mse_gap)]
