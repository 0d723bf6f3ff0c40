"""Neural MI estimators: critics trained with variational bounds, estimates on held-out data.

Registered methods: ``mine``, ``remine``, ``dv``, ``nwj``, ``infonce``, ``smile``, ``jsd``
(critic + bound, :mod:`.estimators`), ``ccmi`` and ``classifier`` (:mod:`.classifier`).
Reusable pieces for other code: :func:`fit_critic` (train any critic with any bound of
:mod:`infolens.losses` and get the held-out estimate), :func:`classifier_bound`,
:func:`plot_curves`. torch is imported only when training starts.
"""

from .trainer import FitResult, TrainingDiverged, train

__all__ = ["FitResult", "TrainingDiverged", "train", "fit_critic", "classifier_bound", "plot_curves"]


def __getattr__(name: str):
    if name == "fit_critic":
        from .api import fit_critic

        return fit_critic
    if name == "classifier_bound":
        from .classifier import classifier_bound

        return classifier_bound
    if name == "plot_curves":
        from .plotting import plot_curves

        return plot_curves
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
