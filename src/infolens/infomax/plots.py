"""Figures of the Deep InfoMax study (matplotlib ``Figure`` objects, no pyplot): feature-map grids, MI per map,
the histogram of per-image max MI across encoders, and the training curves.

Like :mod:`infolens.plotting`'s one-panel plots, every function takes ``ax=``: ``None`` makes a new
figure; otherwise it draws into the caller's axes (one Axes, or one per panel: per method for
the MI plots, per quantity for the training curves; ``method=`` / ``quantities=`` pick fewer
panels) and returns the caller's figure, leaving its layout alone."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..plotting import figure_and_axes, subplots

COLORS = {"A": "tab:blue", "B": "tab:orange", "C": "tab:green", "D": "tab:red"}


def _panels(ax: Any, names: list[str], what: str, figsize: tuple[float, float],
            grid: tuple[int, int] | None = None) -> tuple[Any, list[Any], bool]:
    """``(figure, one axes per name, whether the figure is new)``: a new figure of ``grid`` (default
    one row) panels, or the caller's ``ax`` (an Axes, or a sequence/array of them, one per name)."""
    if ax is None:
        fig, axes = subplots(*(grid or (1, len(names))), figsize=figsize, squeeze=False)
        return fig, list(np.ravel(axes))[: len(names)], True
    axes = list(np.ravel(ax)) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
    if len(axes) != len(names):
        raise ValueError(f"ax must hold one axes per {what} ({', '.join(names)}): got {len(axes)}; "
                         f"pass {len(names)} axes, or pick fewer with the {what} argument")
    return axes[0].figure, axes, False


def _unit(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    lo, hi = float(a.min()), float(a.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def _upsample(a: np.ndarray, side: int) -> np.ndarray:
    """``a`` (h, w) blown up to ``side x side`` by nearest-neighbour indexing (every map pixel stays a
    visible block; nothing is interpolated)."""
    h, w = a.shape
    rows = np.minimum((np.arange(side) * h) // side, h - 1)
    cols = np.minimum((np.arange(side) * w) // side, w - 1)
    return np.asarray(a)[np.ix_(rows, cols)]


def plot_feature_grid(images: np.ndarray, maps: Mapping[str, np.ndarray], n_maps: int = 8, ax: Any = None) -> Any:
    """One block of rows per encoder: a row per image, the input first, then its first ``n_maps``
    feature maps (each scaled to its own range). ``maps[encoder]`` is ``(n_images, C, h, w)``.

    The tiles are laid into one mosaic array shown with a single ``imshow`` (one axes instead of
    hundreds keeps drawing and saving fast). Every tile is drawn at the same size (maps blown up
    by nearest-neighbour to the largest side, so A's small maps are as legible as B's); the row
    labels give each map's true side in pixels."""
    names = list(maps)
    n_img = len(images)
    n_col = 1 + min(n_maps, min(m.shape[1] for m in maps.values()))
    side = max([np.shape(images)[-1]] + [m.shape[-1] for m in maps.values()])
    tile = side + 2
    mosaic = np.full((tile * n_img * len(names), tile * n_col), np.nan)
    for b, name in enumerate(names):
        for i in range(n_img):
            tiles = [images[i]] + [maps[name][i, c] for c in range(n_col - 1)]
            r0 = (b * n_img + i) * tile + 1
            for c, t in enumerate(tiles):
                mosaic[r0:r0 + side, c * tile + 1:c * tile + 1 + side] = _unit(_upsample(np.asarray(t), side))
    own = ax is None
    fig, ax = figure_and_axes(ax, figsize=(1.0 * n_col + 1.6, 1.0 * n_img * len(names) + 0.6))
    ax.imshow(np.ma.masked_invalid(mosaic), cmap="viridis", interpolation="nearest")
    ax.set_xticks([tile * 0.5 + tile * c for c in range(n_col)])
    ax.set_xticklabels(["input"] + [f"map {c}" for c in range(n_col - 1)], fontsize=9, rotation=45)
    ax.set_yticks([tile * (b * n_img + i + 0.5) for b in range(len(names)) for i in range(n_img)])
    ax.set_yticklabels([f"{name} ({maps[name].shape[-1]}x{maps[name].shape[-1]}) #{i}" for name in names
                        for i in range(n_img)], fontsize=9)
    ax.set_title("feature maps per encoder (all drawn at one size; true sides in the labels)", fontsize=10)
    for b in range(1, len(names)):
        ax.axhline(b * n_img * tile - 0.5, color="k", lw=1)
    if own:
        fig.tight_layout()
    return fig


def plot_mi_per_map(table: pd.DataFrame, method: str | None = None, ax: Any = None) -> Any:
    """Mean MI (over images) of every map, maps sorted by it, one line per encoder (the mean of the
    seeds' sorted curves, the band their min-max over seeds); a panel per method (``method``: one)."""
    methods = [method] if method is not None else sorted(table["method"].unique())
    table = table if "seed" in table.columns else table.assign(seed=0)
    fig, axes, own = _panels(ax, methods, "method", (4.8 * len(methods), 3.6))
    for ax, method in zip(axes, methods):
        sub = table[table["method"] == method]
        for enc, g in sub.groupby("encoder"):
            curves = np.array([np.sort(gs.groupby("map")["mi"].mean().to_numpy())[::-1]
                               for _, gs in g.groupby("seed")])
            x = np.arange(curves.shape[1])
            k = len(curves)
            ax.plot(x, curves.mean(axis=0), "o-", ms=3, color=COLORS.get(enc),
                    label=f"encoder {enc}" + (f" ({k} seeds)" if k > 1 else ""))
            if k > 1:
                ax.fill_between(x, curves.min(axis=0), curves.max(axis=0), color=COLORS.get(enc), alpha=0.2, lw=0)
        ax.set_xlabel("feature map (sorted by MI)")
        ax.set_ylabel("I(image; map) [nats]")
        ax.set_title(f"MI per map ({method}); band: range over seeds", fontsize=10)
        ax.legend(fontsize=9)
    if own:
        fig.tight_layout()
    return fig


def plot_max_mi_hist(per_image: pd.DataFrame, bins: int = 20, method: str | None = None, ax: Any = None) -> Any:
    """Histogram of the per-image max (over maps) MI, one step outline per encoder (outlines do
    not blend where encoders overlap), images of all seeds pooled; a panel per method (``method``: one)."""
    methods = [method] if method is not None else sorted(per_image["method"].unique())
    fig, axes, own = _panels(ax, methods, "method", (4.8 * len(methods), 3.6))
    styles = ["-", "--", "-.", ":"]
    for ax, method in zip(axes, methods):
        sub = per_image[per_image["method"] == method]
        edges = np.histogram_bin_edges(sub["max_mi"].to_numpy(), bins=bins)
        for j, (enc, g) in enumerate(sub.groupby("encoder")):
            ax.hist(g["max_mi"], bins=edges, histtype="step", lw=1.8, ls=styles[j % len(styles)],
                    label=f"encoder {enc}", color=COLORS.get(enc))
        ax.set_xlabel("max over maps of I(image; map) [nats]")
        ax.set_ylabel("images" + (" (all seeds)" if "seed" in sub.columns and sub["seed"].nunique() > 1 else ""))
        ax.set_title(f"per-image max MI ({method})", fontsize=10)
        ax.legend(fontsize=9)
    if own:
        fig.tight_layout()
    return fig


#: the quantities of the training curves and their panel titles
TRAINING_CURVES = {"loss": "DIM loss", "global": "global bound", "local": "local bound", "prior": "prior term"}


def plot_training_curves(histories: Mapping[str, pd.DataFrame], quantities: Any = tuple(TRAINING_CURVES),
                         ax: Any = None) -> Any:
    """Per encoder and epoch (the mean over the epoch's steps): the DIM loss, the global and local
    bounds and the prior term (``quantities``: fewer; a 2 x 2 grid for all four); one line per seed
    when the histories have a ``seed`` column."""
    names = [quantities] if isinstance(quantities, str) else list(quantities)
    unknown = [q for q in names if q not in TRAINING_CURVES]
    if unknown:
        raise ValueError(f"quantities must be among {', '.join(TRAINING_CURVES)}, got {unknown}")
    keys = [(q, TRAINING_CURVES[q]) for q in names]
    grid = (2, 2) if len(names) == 4 else (1, len(names))
    fig, axes, own = _panels(ax, names, "quantities", (9, 6) if grid == (2, 2) else (4.5 * len(names), 3.4), grid)
    by_epoch = all("epoch" in h.columns for h in histories.values())
    for ax, (key, title) in zip(axes, keys):
        for enc, h in histories.items():
            h = h if "seed" in h.columns else h.assign(seed=0)
            for j, (_, hs) in enumerate(h.groupby("seed")):
                # epoch means; a history without epochs is drawn per step
                per = hs.groupby("epoch")[key].mean() if by_epoch else hs[key].reset_index(drop=True)
                ax.plot(per.index + 1, per.to_numpy(), "o-" if by_epoch else "-", ms=3, lw=1, color=COLORS.get(enc),
                        label=f"encoder {enc}" if j == 0 else None)
        ax.set_title(title + (" (epoch mean; a line per seed)" if by_epoch else ""), fontsize=10)
        ax.set_xlabel("epoch" if by_epoch else "step")
    axes[0].legend(fontsize=9)
    if own:
        fig.tight_layout()
    return fig
