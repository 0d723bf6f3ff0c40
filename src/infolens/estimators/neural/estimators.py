"""The critic-based neural MI estimators, one registered class per bound.

All train with :func:`~infolens.estimators.neural.trainer.train` and report the bound on
the held-out test split. Each ``__init__`` names only its bound's own parameters; the shared
training parameters and their defaults are defined once in :mod:`.params`.
"""
from __future__ import annotations

from typing import Any

from ...registry import register
from ...validation import check_choice
from .base import NeuralEstimator


@register()
class DVEstimator(NeuralEstimator):
    """Donsker-Varadhan bound trained directly (MINE without the gradient correction,
    Belghazi et al. 2018 "MINE-f/biased"), read out with DV on the test split.
    The DV read-out is noisier than InfoNCE's: longer smoothing and patience (params.py)."""

    name = "dv"
    _bound = "dv"
    _readout = "dv"


@register()
class MINEEstimator(NeuralEstimator):
    """MINE (Belghazi et al. 2018): DV bound with the moving-average corrected gradient
    (rate ``alpha``), read out with DV on the test split.
    The DV read-out is noisier than InfoNCE's: longer smoothing and patience (params.py)."""

    name = "mine"
    _bound = "mine"
    _readout = "dv"

    def __init__(self, alpha: float = 0.01, **training: Any) -> None:
        super().__init__(**training)
        self.alpha = alpha

    def _objective(self) -> Any:
        from .objectives import ScoreObjective

        return ScoreObjective("mine", "dv", alpha=self.alpha)


@register()
class ReMINEEstimator(NeuralEstimator):
    """ReMINE (Choi & Lee 2020): DV - weight (log E_q e^T - target)^2, which stops the
    critic's free constant from drifting; DV read-out on the test split
    (smoothing and patience of the DV read-outs, params.py)."""

    name = "remine"
    _bound = "remine"
    _readout = "dv"

    def __init__(self, weight: float = 0.1, target: float = 0.0, **training: Any) -> None:
        super().__init__(**training)
        self.weight = weight
        self.target = target

    def _objective(self) -> Any:
        from .objectives import ScoreObjective

        return ScoreObjective("remine", "dv", weight=self.weight, target=self.target)


@register('f-div')
class NWJEstimator(NeuralEstimator):
    """NWJ / f-divergence bound E_p[T] - E_q[e^(T-1)] (Nguyen, Wainwright & Jordan 2010),
    unbiased in minibatches; NWJ read-out on the test split."""

    name = "nwj"
    _bound = "nwj"
    _readout = "nwj"


@register('cpc', 'nce')
class InfoNCEEstimator(NeuralEstimator):
    """InfoNCE / CPC (van den Oord et al. 2018): a softmax over the batch; a low-variance
    bound capped at log(n) for n rows per score block (``diagnostics["ceiling"]``)."""

    name = "infonce"
    _bound = "infonce"
    _readout = "infonce"


@register()
class SMILEEstimator(NeuralEstimator):
    """SMILE (Song & Ermon 2020): JSD-trained critic, DV read-out with the marginal
    scores clipped to [-clip, clip] (bias-variance trade-off)."""

    name = "smile"
    _bound = "smile"
    _readout = "smile"

    def __init__(self, clip: float | None = 5.0, **training: Any) -> None:
        super().__init__(**training)
        self.clip = clip

    def _objective(self) -> Any:
        from .objectives import ScoreObjective

        return ScoreObjective("smile", "smile", clip=self.clip)


@register()
class JSDEstimator(NeuralEstimator):
    """Critic trained with the Jensen-Shannon (f-GAN) bound as in Deep InfoMax (Hjelm et al.
    2019); its optimum is the log density ratio, read out with DV or NWJ (``readout``)."""

    name = "jsd"
    _bound = "jsd"
    _readout = "dv"

    def __init__(self, readout: str = "dv", **training: Any) -> None:
        super().__init__(**training)
        self.readout = readout

    def _objective(self) -> Any:
        from .objectives import ScoreObjective

        check_choice(self.readout, "readout", ("dv", "nwj"))
        # the JSD optimum is T* = log-ratio; NWJ's is 1 + log-ratio, hence the shift
        return ScoreObjective("jsd", self.readout, shift=1.0 if self.readout == "nwj" else 0.0)
