"""Training curves of a neural estimate (``diagnostics["curves"]``) as a figure."""

from __future__ import annotations

import os
from typing import Any

from ...errors import InputError


def plot_curves(curves: Any, path: str | os.PathLike[str] | None = None, *, truth: float | None = None,
                estimate: float | None = None, best_step: int | None = None, title: str = "", ax: Any = None) -> Any:
    """Plot train / validation / smoothed-validation MI against the step; mark the best
    step, the test estimate and the truth when given. Draws into ``ax`` when given (else a new
    ``matplotlib.figure.Figure``; pyplot and the backend are left alone); saves PNG+SVG
    atomically when ``path`` is given (:func:`infolens.io.save_figure`); returns the figure.
    ``curves`` may also be an :class:`~infolens.result.MIResult` of a neural estimator."""
    from ...plotting import figure_and_axes

    diag = getattr(curves, "diagnostics", None)
    if diag is not None:
        if "curves" not in diag:
            raise InputError("this result has no training curves; pass the result of a neural estimator (e.g. method='infonce')")
        estimate = curves.to_unit("nats").mi if estimate is None else estimate  # curves are in nats
        best_step = diag.get("best_step") if best_step is None else best_step
        title = title or curves.method
        curves = diag["curves"]
    missing = {"step", "train", "val", "smoothed"} - set(getattr(curves, "columns", ()))
    if missing:
        raise InputError(f"curves must be a DataFrame with columns step, train, val, smoothed; missing {sorted(missing)}")
    own = ax is None
    fig, ax = figure_and_axes(ax, figsize=(6, 3.6))
    ax.plot(curves["step"], curves["train"], lw=1, alpha=0.6, label="train (minibatch)")
    ax.plot(curves["step"], curves["val"], lw=1, alpha=0.8, label="validation")
    ax.plot(curves["step"], curves["smoothed"], lw=2, label="validation, smoothed")
    if best_step is not None:
        ax.axvline(best_step, color="grey", ls=":", label=f"best step {best_step}")
    if estimate is not None:
        ax.axhline(estimate, color="C3", ls="--", lw=1, label=f"test estimate {estimate:.3f}")
    if truth is not None:
        ax.axhline(truth, color="k", lw=1, label=f"truth {truth:.3f}")
    ax.set_xlabel("training step")
    ax.set_ylabel("MI bound (nats)")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7, loc="lower right")
    if own:
        fig.tight_layout()
    if path is not None:
        from ...io import save_figure

        save_figure(fig, path)
    return fig
