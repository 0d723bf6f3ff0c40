"""Figures of the Deep InfoMax study (matplotlib ``Figure`` objects, no pyplot): feature-map grids, MI per map,
the histogram of per-image max MI across encoders, and the training curves."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..plotting import subplots

COLORS = {"A": "tab:blue", "B": "tab:orange", "C": "tab:green", "D": "tab:red"}


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


def plot_feature_grid(images: np.ndarray, maps: Mapping[str, np.ndarray], n_maps: int = 8) -> Any:
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
    fig, ax = subplots(figsize=(1.0 * n_col + 1.6, 1.0 * n_img * len(names) + 0.6))
    ax.imshow(np.ma.masked_invalid(mosaic), cmap="viridis", interpolation="nearest")
    ax.set_xticks([tile * 0.5 + tile * c for c in range(n_col)])
    ax.set_xticklabels(["input"] + [f"map {c}" for c in range(n_col - 1)], fontsize=9, rotation=45)
    ax.set_yticks([tile * (b * n_img + i + 0.5) for b in range(len(names)) for i in range(n_img)])
    ax.set_yticklabels([f"{name} ({maps[name].shape[-1]}x{maps[name].shape[-1]}) #{i}" for name in names
                        for i in range(n_img)], fontsize=9)
    ax.set_title("feature maps per encoder (all drawn at one size; true sides in the labels)", fontsize=10)
    for b in range(1, len(names)):
        ax.axhline(b * n_img * tile - 0.5, color="k", lw=1)
    fig.tight_layout()
    return fig


def plot_mi_per_map(table: pd.DataFrame) -> Any:
    """Mean MI (over images) of every map, maps sorted by it, one line per encoder (the mean of the
    seeds' sorted curves, the band their min-max over seeds); a panel per method."""
    methods = sorted(table["method"].unique())
    table = table if "seed" in table.columns else table.assign(seed=0)
    fig, axes = subplots(1, len(methods), figsize=(4.8 * len(methods), 3.6), squeeze=False)
    for ax, method in zip(axes[0], methods):
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
    fig.tight_layout()
    return fig


def plot_max_mi_hist(per_image: pd.DataFrame, bins: int = 20) -> Any:
    """Histogram of the per-image max (over maps) MI, one step outline per encoder (outlines do
    not blend where encoders overlap), images of all seeds pooled; a panel per method."""
    methods = sorted(per_image["method"].unique())
    fig, axes = subplots(1, len(methods), figsize=(4.8 * len(methods), 3.6), squeeze=False)
    styles = ["-", "--", "-.", ":"]
    for ax, method in zip(axes[0], methods):
        sub = per_image[per_image["method"] == method]
        edges = np.histogram_bin_edges(sub["max_mi"].to_numpy(), bins=bins)
        for j, (enc, g) in enumerate(sub.groupby("encoder")):
            ax.hist(g["max_mi"], bins=edges, histtype="step", lw=1.8, ls=styles[j % len(styles)],
                    label=f"encoder {enc}", color=COLORS.get(enc))
        ax.set_xlabel("max over maps of I(image; map) [nats]")
        ax.set_ylabel("images" + (" (all seeds)" if "seed" in sub.columns and sub["seed"].nunique() > 1 else ""))
        ax.set_title(f"per-image max MI ({method})", fontsize=10)
        ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def plot_training_curves(histories: Mapping[str, pd.DataFrame]) -> Any:
    """Per encoder and epoch (the mean over the epoch's steps): the DIM loss, the global and local
    bounds and the prior term; one line per seed when the histories have a ``seed`` column."""
    keys = [("loss", "DIM loss"), ("global", "global bound"), ("local", "local bound"), ("prior", "prior term")]
    fig, axes = subplots(2, 2, figsize=(9, 6), squeeze=False)
    by_epoch = all("epoch" in h.columns for h in histories.values())
    for ax, (key, title) in zip(axes.ravel(), keys):
        for enc, h in histories.items():
            h = h if "seed" in h.columns else h.assign(seed=0)
            for j, (_, hs) in enumerate(h.groupby("seed")):
                # epoch means; a history without epochs is drawn per step
                per = hs.groupby("epoch")[key].mean() if by_epoch else hs[key].reset_index(drop=True)
                ax.plot(per.index + 1, per.to_numpy(), "o-" if by_epoch else "-", ms=3, lw=1, color=COLORS.get(enc),
                        label=f"encoder {enc}" if j == 0 else None)
        ax.set_title(title + (" (epoch mean; a line per seed)" if by_epoch else ""), fontsize=10)
        ax.set_xlabel("epoch" if by_epoch else "step")
    axes[0][0].legend(fontsize=9)
    fig.tight_layout()
    return fig
