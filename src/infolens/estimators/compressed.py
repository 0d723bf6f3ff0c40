"""Mutual information after lossy compression.

Butakov et al. 2023, "Information Bottleneck Analysis of Deep Neural Networks via Lossy
Compression": compress high-dimensional X (and/or Y) to a few dimensions with PCA or an
autoencoder, then estimate ``I(f(X); g(Y))`` with a kNN estimator. By the data-processing
inequality ``I(f(X); g(Y)) <= I(X; Y)``, with equality when the codes keep the shared
information (e.g. PCA onto the subspace that carries it).

The compressor is fitted on a random ``fit_fraction`` of the samples and the MI is
estimated on the others only, so the codes never saw the samples they are scored on.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from ..errors import InputError, InputTypeError, code_of, flag
from ..registry import get_estimator, register
from ..result import Estimator
from ..validation import (
    as_labels,
    check_choice,
    check_positive_int,
    check_random_state,
    check_xy,
    resolve_discrete,
    scale_of,
    seed_from,
)
from ._target import Target

COMPRESSORS = ("pca", "autoencoder")
#: PCA codes that keep less of a side's variance than this carry a warning: the discarded
#: directions may hold the shared information (sparse 5+5 Gaussian: 4 of 5 PCA dims keep
#: ~80% of the variance, and the estimate read 53% low on the standard suite)
MIN_VARIANCE_KEPT = 0.95


def fit_pca(a: np.ndarray, dim: int, random_state: Any = None) -> tuple[Any, dict[str, Any]]:
    """scikit-learn PCA with ``dim`` components fitted on ``a``; returns (transform, diagnostics)."""
    from sklearn.decomposition import PCA

    pca = PCA(n_components=dim, random_state=seed_from(random_state)).fit(a)
    return pca.transform, {"explained_variance_ratio": float(np.sum(pca.explained_variance_ratio_))}


def fit_autoencoder(
    a: np.ndarray,
    dim: int,
    hidden: int = 128,
    epochs: int = 100,
    batch_size: int = 128,
    lr: float = 1e-3,
    device: Any = "auto",
    random_state: Any = None,
    verbose: bool = False,
) -> tuple[Any, dict[str, Any]]:
    """An MLP autoencoder ``d -> hidden -> hidden -> dim -> hidden -> hidden -> d`` (ReLU,
    linear code), trained with Adam on the mean squared reconstruction error of the
    standardised columns of ``a``; 10% of ``a`` is held out to report the validation error.
    Returns (encode function on raw rows, diagnostics with the loss curves)."""
    from ..torch_utils import threads

    with threads():  # one thread: a small model (see infolens.torch_utils)
        return _train_autoencoder(a, dim, hidden, epochs, batch_size, lr, device, random_state, verbose)


def _train_autoencoder(a: np.ndarray, dim: int, hidden: int, epochs: int, batch_size: int, lr: float,
                       device: Any, random_state: Any, verbose: bool) -> tuple[Any, dict[str, Any]]:
    import torch
    from torch import nn

    from ..progress import progress
    from ..torch_utils import get_device, seed_everything

    seed = seed_from(random_state)
    gen = seed_everything(seed)
    dev = get_device(device)
    mean, sd = a.mean(0), scale_of(a, axis=0)[0]  # constancy decided exactly, not by std == 0
    z = torch.as_tensor((a - mean) / sd, dtype=torch.float32)
    n, d = z.shape
    perm = torch.randperm(n, generator=gen)
    n_val = max(1, n // 10)
    val, train = z[perm[:n_val]].to(dev), z[perm[n_val:]].to(dev)
    enc = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, dim))
    dec = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, d))
    model = nn.Sequential(enc, dec).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    train_curve, val_curve = [], []
    for _ in progress(range(epochs), desc="autoencoder", verbose=verbose):
        model.train()
        order = torch.randperm(len(train), generator=gen).to(dev)
        tot = 0.0
        for s in range(0, len(train), batch_size):
            xb = train[order[s: s + batch_size]]
            loss = ((model(xb) - xb) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(xb)
        train_curve.append(tot / len(train))
        model.eval()
        with torch.no_grad():
            val_curve.append(float(((model(val) - val) ** 2).mean()))

    def encode(b: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            t = torch.as_tensor((b - mean) / sd, dtype=torch.float32, device=dev)
            return enc(t).cpu().numpy().astype(np.float64)

    return encode, {"train_mse": train_curve, "val_mse": val_curve, "final_val_mse": val_curve[-1] if val_curve else None}


@register("lossy", "compressed-mi")
class CompressedMI(Estimator):
    """MI of lossy codes, ``I(f(X); g(Y))`` with ``f``, ``g`` PCA or autoencoder codes
    fitted on held-apart samples (Butakov et al. 2023); ``<= I(X;Y)`` by data processing.

    Parameters
    ----------
    compressor : "pca" (scikit-learn) or "autoencoder" (torch MLP).
    dim : code dimension of x (x is left as is when it has at most ``dim`` columns).
    dim_y : code dimension of a continuous y; None leaves y as is.
    inner : estimator of the codes' MI; "auto" = "ksg" (continuous y) or "ross" (labels).
    inner_params : parameters of the inner estimator.
    fit_fraction : fraction of samples used to fit the compressor, the rest to estimate;
        0 fits on the estimation samples themselves (PCA only).
    discrete_y : True, False or "auto" (detected; reported in diagnostics).
    hidden, epochs, batch_size, lr, device : autoencoder training.
    random_state : seed of the split, the autoencoder and the inner estimator.
    """

    name: ClassVar[str] = "compressed"
    _test_params: ClassVar[dict[str, Any]] = {"dim": 2, "inner_params": {"k": 3, "n_subsamples": 4}}

    def __init__(
        self,
        compressor: str = "pca",
        dim: int = 4,
        dim_y: int | None = None,
        inner: str = "auto",
        inner_params: dict[str, Any] | None = None,
        fit_fraction: float = 0.5,
        discrete_y: bool | str = "auto",
        hidden: int = 128,
        epochs: int = 100,
        batch_size: int = 128,
        lr: float = 1e-3,
        device: Any = "auto",
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.compressor = compressor
        self.dim = dim
        self.dim_y = dim_y
        self.inner = inner
        self.inner_params = inner_params
        self.fit_fraction = fit_fraction
        self.discrete_y = discrete_y
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def min_samples(self) -> int:
        k = int((self.inner_params or {}).get("k", 5))
        frac = self.fit_fraction if isinstance(self.fit_fraction, (int, float)) else 0.5
        return max(4, int(math.ceil((k + 2) / max(1e-9, 1.0 - frac))) + 2)

    def _check_params(self) -> None:
        check_choice(self.compressor, "compressor", COMPRESSORS)
        check_positive_int(self.dim, "dim")
        if self.dim_y is not None:
            check_positive_int(self.dim_y, "dim_y")
        for nm in ("hidden", "epochs", "batch_size"):
            check_positive_int(getattr(self, nm), nm)
        if not isinstance(self.fit_fraction, (int, float)) or isinstance(self.fit_fraction, bool) or not 0 <= self.fit_fraction < 0.95:
            raise InputError(f"fit_fraction must be a number in [0, 0.95) (share of samples that fit the compressor), got {self.fit_fraction!r}")
        if self.fit_fraction == 0 and self.compressor == "autoencoder":
            raise InputError("fit_fraction=0 would train the autoencoder on the samples it is scored on; "
                             "pass fit_fraction > 0 (e.g. 0.5)")
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise InputError(f"lr must be a positive number, got {self.lr!r}")
        if self.inner_params is not None and not isinstance(self.inner_params, dict):
            raise InputTypeError(f"inner_params must be a dict of the inner estimator's parameters, got {self.inner_params!r}")

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, Target]:  # type: ignore[override]
        self._check_params()
        xa, ya = check_xy(x, y, min_samples=self.min_samples())
        discrete, how = resolve_discrete(ya, self.discrete_y, "y")
        if discrete:
            ya = as_labels(ya, "y")[:, None].astype(np.float64)
        elif self.dim_y is None and self.inner in ("auto", "ksg") and ya.shape[1] > 32:
            raise InputError(f"y has {ya.shape[1]} dimensions; pass dim_y (e.g. dim_y=4) to compress it too")
        return xa, Target(ya, bool(discrete), how)

    def _fit(self, a: np.ndarray, dim: int, rng: np.random.Generator) -> tuple[Any, dict[str, Any]]:
        if self.compressor == "pca":
            return fit_pca(a, dim, rng)
        return fit_autoencoder(a, dim, hidden=int(self.hidden), epochs=int(self.epochs), batch_size=int(self.batch_size),
                               lr=float(self.lr), device=self.device, random_state=rng, verbose=bool(self.verbose))

    def _estimate(self, x: np.ndarray, target: Target) -> tuple[float, float | None, dict[str, Any]]:  # type: ignore[override]
        rng = check_random_state(self.random_state)
        y = target.values
        n = len(x)
        if self.fit_fraction > 0:
            perm = rng.permutation(n)
            n_fit = int(round(self.fit_fraction * n))
            fit_idx, est_idx = perm[:n_fit], perm[n_fit:]
        else:
            fit_idx = est_idx = np.arange(n)
        diag: dict[str, Any] = {"n_fit": int(len(fit_idx)), "n_estimate": int(len(est_idx)), "compressor": self.compressor}
        xe, ye = x[est_idx], y[est_idx]
        if x.shape[1] > int(self.dim):
            fx, dx = self._fit(x[fit_idx], int(self.dim), rng)
            xe = fx(xe)
            diag["x_compressor"] = dx
        if not target.discrete and self.dim_y is not None and y.shape[1] > int(self.dim_y):
            fy, dy = self._fit(y[fit_idx], int(self.dim_y), rng)
            ye = fy(ye)
            diag["y_compressor"] = dy
        inner = self.inner.lower() if isinstance(self.inner, str) else self.inner
        if inner == "auto":
            inner = "ross" if target.discrete else "ksg"
        params = dict(self.inner_params or {})
        if inner == "ross":
            params.setdefault("discrete_y", True)
        est = get_estimator(inner, **params)
        if "random_state" in est.get_params() and "random_state" not in params:
            est.random_state = int(rng.integers(0, 2**31 - 1))  # type: ignore[attr-defined]  # get_params() has it
        res = est.estimate(xe, ye)
        diag.update({"inner": inner, "code_dims": [int(xe.shape[1]), int(ye.shape[1])],
                     "discrete_y": target.how if target.discrete else False, "inner_diagnostics": res.diagnostics})
        warns = [flag(code_of(w), f"{inner} on the codes: {w}", **getattr(w, "data", {})) for w in res.warnings]
        for side, key, d_in, d_out in (("x", "x_compressor", x.shape[1], xe.shape[1]), ("y", "y_compressor", y.shape[1], ye.shape[1])):
            kept = (diag.get(key) or {}).get("explained_variance_ratio")
            if kept is not None and kept < MIN_VARIANCE_KEPT:
                warns.append(flag(
                    "lower-bound",
                    f"{side} was compressed from {d_in} to {d_out} dimensions keeping {kept:.0%} of its variance: the "
                    f"estimate is of I(f({side.upper()}); ...) <= I(X;Y) and reads low when the discarded directions "
                    "carry shared information; raise dim, or estimate on the data themselves",
                    side=side, variance_kept=float(kept),
                ))
            elif key in diag and kept is None:
                warns.append(flag(
                    "lower-bound",
                    f"{side} was compressed from {d_in} to {d_out} dimensions by an autoencoder: the estimate is a lower "
                    "bound (data-processing inequality) and reads low when the codes drop shared information", side=side,
                ))
        diag["warnings"] = warns
        return res.mi, res.stderr, diag
