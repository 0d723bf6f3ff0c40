"""Figures made without touching the host's matplotlib state.

Library code never calls ``matplotlib.use`` or ``pyplot``: a figure is a
:class:`matplotlib.figure.Figure` built directly (it renders to PNG/SVG with the Agg canvas
on ``savefig``, and a notebook still shows it), so a user who plots inline after calling
infolens keeps their backend, and no figure lingers in pyplot's registry. Functions that
draw one panel a user may want inside their own figure take ``ax=`` (scikit-learn's rule).
"""

from __future__ import annotations

from typing import Any


def subplots(
    nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None, layout: Any = None, **kwargs: Any
) -> tuple[Any, Any]:
    """Like ``pyplot.subplots`` (same ``squeeze``/``sharex``/... keywords), but a
    ``Figure`` object that pyplot does not know about."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def figure_and_axes(ax: Any = None, *, figsize: tuple[float, float] | None = None) -> tuple[Any, Any]:
    """``(ax.figure, ax)`` to draw into the caller's axes, or a new one-panel figure."""
    if ax is not None:
        return ax.figure, ax
    return subplots(figsize=figsize)


def colormap(name: str) -> Any:
    """A registered colormap by name (``pyplot.get_cmap`` without pyplot)."""
    import matplotlib

    return matplotlib.colormaps[name]


#: PNG text-chunk keys of a figure's smallest font (points) and the resolution it was saved at;
#: ``infolens.report.readability`` reads them back to judge a report's figures from its HTML alone
FONT_KEY = "infolens-min-font-pt"
DPI_KEY = "infolens-dpi"


def smallest_font_pt(fig: Any) -> float:
    """The smallest font size (points) of any visible, non-empty text of a matplotlib figure
    (titles, labels, tick labels, legends, annotations, colorbar ticks); inf when there is none."""
    from matplotlib.text import Text

    fig.canvas.draw()  # tick labels exist only once the figure is drawn
    sizes = [
        t.get_fontsize()
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and (t.axes is None or t.axes.get_visible())
    ]
    return float(min(sizes)) if sizes else float("inf")


def png_metadata(fig: Any, dpi: float) -> dict[str, str]:
    """PNG text chunks (``savefig(metadata=...)``) recording the smallest font and the dpi."""
    return {FONT_KEY: f"{smallest_font_pt(fig):.3f}", DPI_KEY: f"{float(dpi):.3f}"}
