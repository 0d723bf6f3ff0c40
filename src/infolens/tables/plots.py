"""Figures for tables, with matplotlib's object API (``matplotlib.figure.Figure``; the
backend is never switched): a bar chart of per-feature MI and a heatmap of a matrix.
Each takes ``ax=`` to draw into an existing axes and returns the figure."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputError
from ..plotting import subplots


def _axes(ax: Any, size: tuple[float, float]) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    return subplots(figsize=size, layout="constrained")


def feature_mi_figure(table: Any, top: int = 30, alpha: float = 0.05, ax: Any = None) -> Any:
    """Horizontal bars of MI for the ``top`` rows of a :func:`~infolens.tables.feature_mi`
    table, with the 95% intervals as error bars; when the table has p-values, bars whose
    adjusted p-value is below ``alpha`` are dark and the others light. Rows left out of
    the ranking (``excluded``: identifiers, constant and failed columns) are not drawn."""
    ranked = table[table["excluded"] == ""] if "excluded" in table.columns else table
    rows = ranked.head(int(top))
    fig, ax = _axes(ax, (7.0, 0.9 + 0.28 * max(len(rows), 1)))
    y = np.arange(len(rows))[::-1]
    mi = rows["mi"].to_numpy(dtype=float)
    lo = rows["ci_low"].to_numpy(dtype=float)
    hi = rows["ci_high"].to_numpy(dtype=float)
    open_top = np.isinf(hi)  # an ill-posed pair (a leak): its interval runs to infinity
    err = np.vstack([np.nan_to_num(mi - lo), np.where(open_top, 0.0, np.nan_to_num(hi - mi))])
    p = rows["p_adjusted"].to_numpy(dtype=float)
    tested = np.isfinite(p)
    colors = np.where(tested & (p < alpha), "#1f5f8b", np.where(tested, "#9ecae1", "#4a90c0"))
    ax.barh(y, mi, xerr=err, color=colors, ecolor="#444444", capsize=2, height=0.7)
    for yi, m in zip(y[open_top], mi[open_top]):
        ax.annotate("interval to infinity (not measurable) ", (m, yi), ha="right", va="center", fontsize=7,
                    color="white")
    ax.set_yticks(y, [str(f) for f in rows["feature"]], fontsize=8)
    ax.axvline(0.0, color="black", linewidth=0.8)
    unit = table.attrs.get("unit", "nats")
    ax.set_xlabel(f"I(feature; target) [{unit}], 95% interval")
    title = "Mutual information with the target"
    if tested.any():
        title += f" (dark: adjusted p < {alpha:g})"
    ax.set_title(title, fontsize=10)
    return fig


def matrix_figure(matrix: Any, which: str = "ic", ax: Any = None) -> Any:
    """Heatmap of an :class:`~infolens.tables.MIMatrix`: ``which="ic"`` (information
    coefficient, 0..1) or ``"mi"`` (in the matrix's unit)."""
    if which not in ("ic", "mi"):
        raise InputError(f"which must be 'ic' or 'mi', got {which!r}")
    data = matrix.ic if which == "ic" else matrix.mi
    names = [str(c) for c in data.columns]
    d = len(names)
    fig, ax = _axes(ax, (2.5 + 0.22 * d, 1.6 + 0.22 * d))
    vals = data.to_numpy(dtype=float)
    im = ax.imshow(np.ma.masked_invalid(vals), cmap="viridis", vmin=0.0, vmax=1.0 if which == "ic" else None)
    ax.set_xticks(range(d), names, rotation=90, fontsize=7)
    ax.set_yticks(range(d), names, fontsize=7)
    label = "IC = sqrt(1 - exp(-2 I))" if which == "ic" else f"I [{matrix.unit}]"
    fig.colorbar(im, ax=ax, shrink=0.8, label=label)
    ax.set_title("Pairwise dependence", fontsize=10)
    return fig
