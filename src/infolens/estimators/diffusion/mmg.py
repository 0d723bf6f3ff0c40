"""MMG (Yu, Shi, Kong, Jia and Ver Steeg, NeurIPS 2025): MI as half the gap between the
unconditional and conditional denoising MMSE integrated over log-SNR; by the orthogonality
principle the gap of the two errors equals the squared difference of the two predictors:

    I(X; Y) = 1/2 * integral E || eps_hat(z, lam) - eps_hat(z, lam, y) ||^2 dlam
            = E_{lam ~ q} [ w(lam) || eps_hat(z, lam) - eps_hat(z, lam, y) ||^2 ],  w = 1 / (2 q).

The denoiser is trained with log-SNR drawn from a truncated logistic; the read-out's
proposal ``q`` is adaptive: the mean gap is first measured per log-SNR bin on validation
rows and ``q`` follows it (with a uniform floor), then the test rows are read out with it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...errors import flag

from ...registry import register
from .base import DiffusionEstimator
from .schedule import LogisticProposal, adaptive_proposal, check_range

#: validation rows per bin when the adaptive proposal is fitted
PROFILE_ROWS = 1024
#: the gap density in the top bin above this share of its peak means the integral was cut
#: while still large (information at noise levels finer than the range)
TOP_SHARE = 0.2


@register()
class MMGEstimator(DiffusionEstimator):
    __doc__ = (__doc__ or "") + "\n" + (DiffusionEstimator.__doc__ or "").split("\n", 2)[2] + """
    logsnr_range : (low, high) log-SNR range of training and read-out.
    loc, scale : the truncated logistic over log-SNR that training draws from.
    bins : log-SNR bins of the adaptive read-out proposal (``0``: read out with the
        training proposal instead).
    """

    name = "mmg"

    def __init__(self, *, logsnr_range: tuple[float, float] = (-10.0, 12.0), loc: float = 2.0, scale: float = 3.0,
                 bins: int = 40, **shared: Any) -> None:
        super().__init__(**shared)
        self.logsnr_range = logsnr_range
        self.loc = loc
        self.scale = scale
        self.bins = bins

    def _check_params(self) -> None:
        super()._check_params()
        check_range(*self.logsnr_range)
        if not (isinstance(self.scale, (int, float)) and self.scale > 0 and math.isfinite(self.scale)):
            raise ValueError(f"scale must be a positive number (log-SNR units, e.g. 3), got {self.scale!r}")
        if not isinstance(self.bins, (int, np.integer)) or self.bins < 0 or self.bins == 1:
            raise ValueError(f"bins must be 0 (no adaptive proposal) or an integer >= 2, got {self.bins!r}")

    def _training_levels(self) -> Any:
        lo, hi = check_range(*self.logsnr_range)
        return LogisticProposal(float(self.loc), float(self.scale), lo, hi).sample

    def _read(self, net: Any, data: Any, rng: np.random.Generator, device: Any) -> tuple[float, float, dict[str, Any]]:
        from .core import gaps, readout, readout_diagnostics

        lo, hi = check_range(*self.logsnr_range)
        diag: dict[str, Any] = {"logsnr_range": (lo, hi)}
        proposal = self._training_levels()
        warns: list[str] = []
        if self.bins:
            edges = np.linspace(lo, hi, self.bins + 1)
            a_va, c_va = data.a[1], data.c[1]
            m = min(len(a_va), PROFILE_ROWS)
            rows = rng.choice(len(a_va), size=m, replace=False) if m < len(a_va) else np.arange(m)
            # every profile row at one level in every bin (stratified within the bin)
            lam = (edges[:-1][None, :] + np.diff(edges)[None, :] * rng.random((m, self.bins))).reshape(-1)
            g, _ = gaps(net, np.repeat(a_va[rows], self.bins, axis=0), np.repeat(c_va[rows], self.bins, axis=0), lam, rng, device)
            profile = g.reshape(m, self.bins).mean(axis=0)
            proposal = adaptive_proposal(edges, profile).sample
            density = 0.5 * profile  # nats per unit log-SNR
            diag["gap_profile_nats"] = density.tolist()
            diag["profile_logsnr"] = (0.5 * (edges[:-1] + edges[1:])).tolist()
            diag["validation_mi_nats"] = float((density * np.diff(edges)).sum())
            peak = float(density.max())
            if peak > 0 and density[-1] > TOP_SHARE * peak and density[-1] * 2.0 > 0.02:
                warns.append(flag("truncated", f"the denoising gap is still {density[-1] / peak:.0%} of its peak at the "
                                  f"top of the log-SNR range ({hi:g}): information at finer noise levels is cut off "
                                  "and the estimate may be low; raise logsnr_range's upper end",
                                  share_of_peak=float(density[-1] / peak)))
        r = readout(net, data.a[2], data.c[2], proposal, self.draws, rng, device)
        mi, se = r.mi, r.stderr
        cross, more = readout_diagnostics(r)
        diag.update(cross)
        warns += more
        if "validation_mi_nats" in diag:
            v = diag["validation_mi_nats"]
            if abs(v - mi) > 4 * se + 0.1 * max(abs(mi), 0.1):
                warns.append(flag("disagreement", f"the validation rows give {v:.3g} nats and the test rows {mi:.3g}: the "
                                  "denoisers generalise poorly to new rows (too few samples for these dimensions)",
                                  a=v, b=mi))
        diag["readout_warnings"] = warns
        return mi, se, diag


def _signature() -> None:
    import inspect

    own = [p for p in inspect.signature(MMGEstimator.__init__).parameters.values() if p.kind is not p.VAR_KEYWORD]
    shared = [p for n, p in inspect.signature(DiffusionEstimator.__init__).parameters.items() if n != "self"]
    MMGEstimator.__init__.__signature__ = inspect.Signature(own + shared)  # type: ignore[attr-defined]


_signature()
