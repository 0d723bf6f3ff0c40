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


def plot_feature_grid(images: np.ndarray, maps: Mapping[str, np.ndarray], n_maps: int = 8) -> Any:
    """One block of rows per encoder: a row per image, the input first, then its first ``n_maps``
    feature maps (each scaled to its own range). ``maps[encoder]`` is ``(n_images, C, h, w)``.

    The tiles are laid into one mosaic array shown with a single ``imshow`` (one axes instead of
    hundreds keeps drawing and saving fast); tiles keep their true size, so A's maps look
    smaller than the input and B's larger."""
    names = list(maps)
    n_img = len(images)
    n_col = 1 + min(n_maps, min(m.shape[1] for m in maps.values()))
    tile = max([np.shape(images)[-1]] + [m.shape[-1] for m in maps.values()]) + 2
    mosaic = np.full((tile * n_img * len(names), tile * n_col), np.nan)
    for b, name in enumerate(names):
        for i in range(n_img):
            tiles = [images[i]] + [maps[name][i, c] for c in range(n_col - 1)]
            r0 = (b * n_img + i) * tile + 1
            for c, t in enumerate(tiles):
                h, w = t.shape
                mosaic[r0:r0 + h, c * tile + 1:c * tile + 1 + w] = _unit(t)
    fig, ax = subplots(figsize=(0.9 * n_col + 0.8, 0.9 * n_img * len(names) + 0.3))
    ax.imshow(np.ma.masked_invalid(mosaic), cmap="viridis", interpolation="nearest")
    ax.set_xticks([tile * 0.5 + tile * c for c in range(n_col)])
    ax.set_xticklabels(["input"] + [f"map {c}" for c in range(n_col - 1)], fontsize=7, rotation=45)
    ax.set_yticks([tile * (b * n_img + i + 0.5) for b in range(len(names)) for i in range(n_img)])
    ax.set_yticklabels([f"{name} ({maps[name].shape[-1]}px) #{i}" for name in names for i in range(n_img)], fontsize=7)
    ax.set_title("feature maps per encoder", fontsize=9)
    for b in range(1, len(names)):
        ax.axhline(b * n_img * tile - 0.5, color="k", lw=1)
    fig.tight_layout()
    return fig


def plot_mi_per_map(table: pd.DataFrame) -> Any:
    """Mean MI (over images) of every map, maps sorted by it, one line per encoder; a panel per method."""
    methods = sorted(table["method"].unique())
    fig, axes = subplots(1, len(methods), figsize=(5 * len(methods), 3.6), squeeze=False)
    for ax, method in zip(axes[0], methods):
        sub = table[table["method"] == method]
        for enc, g in sub.groupby("encoder"):
            per_map = np.sort(g.groupby("map")["mi"].mean().to_numpy())[::-1]
            ax.plot(np.arange(len(per_map)), per_map, "o-", ms=3, label=f"encoder {enc}", color=COLORS.get(enc))
        ax.set_xlabel("feature map (sorted by MI)")
        ax.set_ylabel("I(image; map) [nats]")
        ax.set_title(f"MI per map ({method})")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_max_mi_hist(per_image: pd.DataFrame, bins: int = 20) -> Any:
    """Histogram of the per-image max (over maps) MI, one per encoder; a panel per method."""
    methods = sorted(per_image["method"].unique())
    fig, axes = subplots(1, len(methods), figsize=(5 * len(methods), 3.6), squeeze=False)
    for ax, method in zip(axes[0], methods):
        sub = per_image[per_image["method"] == method]
        edges = np.histogram_bin_edges(sub["max_mi"].to_numpy(), bins=bins)
        for enc, g in sub.groupby("encoder"):
            ax.hist(g["max_mi"], bins=edges, alpha=0.45, label=f"encoder {enc}", color=COLORS.get(enc))
        ax.set_xlabel("max over maps of I(image; map) [nats]")
        ax.set_ylabel("images")
        ax.set_title(f"per-image max MI ({method})")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_training_curves(histories: Mapping[str, pd.DataFrame]) -> Any:
    """Per encoder, per step: the DIM loss, the global and local bounds, and the prior term."""
    keys = [("loss", "DIM loss"), ("global", "global bound"), ("local", "local bound"), ("prior", "prior term")]
    fig, axes = subplots(1, len(keys), figsize=(4 * len(keys), 3.2), squeeze=False)
    for ax, (key, title) in zip(axes[0], keys):
        for enc, h in histories.items():
            y = h[key].to_numpy()
            ax.plot(np.arange(len(y)), y, lw=0.8, label=f"encoder {enc}", color=COLORS.get(enc))
        ax.set_title(title)
        ax.set_xlabel("step")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig
