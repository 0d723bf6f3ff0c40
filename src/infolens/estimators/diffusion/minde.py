"""MINDE-C (Franzese, Bounoua and Michiardi, ICLR 2024): MI as the expected KL between the
conditional and marginal laws of x, written by Girsanov's theorem as a score difference
along a variance-preserving diffusion:

    I(X; Y) = E_{t ~ q} [ 1/2 g(t)^2 || s(x_t | y) - s(x_t) ||^2 / q(t) ],   s = -eps_hat / sigma_t,

with the VP-SDE's linear beta schedule, ``g(t)^2 = beta(t)`` and ``t`` importance-sampled
with ``q(t) ∝ beta(t) / sigma_t^2`` (:class:`~.schedule.VPSchedule`). Both scores come from
one masked denoiser; the mean is taken over held-out test rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...registry import register
from .base import DiffusionEstimator
from .schedule import VPSchedule


@register("minde-c")
class MINDEEstimator(DiffusionEstimator):
    __doc__ = (__doc__ or "") + "\n" + (DiffusionEstimator.__doc__ or "").split("\n", 2)[2] + """
    beta_min, beta_max, t_min : the VP-SDE schedule (0.1, 20, 1e-3 span log-SNR -10.1 .. 9.2).
    """

    name = "minde"

    def __init__(self, *, beta_min: float = 0.1, beta_max: float = 20.0, t_min: float = 1e-3, **shared: Any) -> None:
        super().__init__(**shared)
        self.beta_min = beta_min
        self.beta_max = beta_max
        self.t_min = t_min

    def _schedule(self) -> VPSchedule:
        if not (0 < self.beta_min < self.beta_max):
            raise ValueError(f"beta_min and beta_max must satisfy 0 < beta_min < beta_max, got {self.beta_min!r}, {self.beta_max!r}")
        if not (0 < self.t_min < 1):
            raise ValueError(f"t_min must be in (0, 1) (e.g. 1e-3), got {self.t_min!r}")
        return VPSchedule(float(self.beta_min), float(self.beta_max), float(self.t_min))

    def _check_params(self) -> None:
        super()._check_params()
        self._schedule()

    def _training_levels(self) -> Any:
        sched = self._schedule()

        def levels(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            _, lam, w = sched.sample(u)
            return lam, w

        return levels

    def _read(self, net: Any, data: Any, rng: np.random.Generator, device: Any) -> tuple[float, float, dict[str, Any]]:
        from .core import readout, readout_diagnostics

        r = readout(net, data.a[2], data.c[2], self._training_levels(), self.draws, rng, device)
        diag, warns = readout_diagnostics(r)
        lo, hi = self._schedule().lam_range
        return r.mi, r.stderr, {**diag, "logsnr_range": (lo, hi), "readout_warnings": warns}


# the signature help() shows: the schedule, then the shared parameters
def _signature() -> None:
    import inspect

    own = [p for p in inspect.signature(MINDEEstimator.__init__).parameters.values() if p.kind is not p.VAR_KEYWORD]
    shared = [p for n, p in inspect.signature(DiffusionEstimator.__init__).parameters.items() if n != "self"]
    MINDEEstimator.__init__.__signature__ = inspect.Signature(own + shared)  # type: ignore[attr-defined]


_signature()
