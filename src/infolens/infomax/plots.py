"""Figures of the Deep InfoMax study (matplotlib, Agg backend): feature-map grids, MI per map,
the histogram of per-image max MI across encoders, and the training curves."""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

COLORS = {"A": "tab:blue", "B": "tab:orange", "C": "tab:green", "D": "tab:red"}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_feature_grid(images: np.ndarray, maps: Mapping[str, np.ndarray], n_maps: int = 8) -> Any:
    """One block per encoder: a row per image, the input first, then its first ``n_maps`` feature
    maps (each scaled to its own range). ``maps[encoder]`` is ``(n_images, C, h, w)``."""
    plt = _plt()
    names = list(maps)
    n_img = len(images)
    n_col = 1 + min(n_maps, min(m.shape[1] for m in maps.values()))
    fig, axes = plt.subplots(n_img * len(names), n_col, figsize=(1.1 * n_col, 1.1 * n_img * len(names)),
                             squeeze=False)
    for b, name in enumerate(names):
        for i in range(n_img):
            row = axes[b * n_img + i]
            row[0].imshow(images[i], cmap="gray")
            row[0].set_ylabel(f"{name} #{i}", fontsize=7)
            for c in range(1, n_col):
                row[c].imshow(maps[name][i, c - 1], cmap="viridis")
            for ax in row:
                ax.set_xticks([])
                ax.set_yticks([])
            if i == 0:
                sz = maps[name].shape[-2:]
                row[0].set_title(f"input / {name}: {sz[0]}x{sz[1]}", fontsize=7, loc="left")
    fig.tight_layout(pad=0.2)
    return fig


def plot_mi_per_map(table: pd.DataFrame) -> Any:
    """Mean MI (over images) of every map, maps sorted by it, one line per encoder; a panel per method."""
    plt = _plt()
    methods = sorted(table["method"].unique())
    fig, axes = plt.subplots(1, len(methods), figsize=(5 * len(methods), 3.6), squeeze=False)
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
    plt = _plt()
    methods = sorted(per_image["method"].unique())
    fig, axes = plt.subplots(1, len(methods), figsize=(5 * len(methods), 3.6), squeeze=False)
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
    plt = _plt()
    keys = [("loss", "DIM loss"), ("global", "global bound"), ("local", "local bound"), ("prior", "prior term")]
    fig, axes = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3.2), squeeze=False)
    for ax, (key, title) in zip(axes[0], keys):
        for enc, h in histories.items():
            y = h[key].to_numpy()
            ax.plot(np.arange(len(y)), y, lw=0.8, label=f"encoder {enc}", color=COLORS.get(enc))
        ax.set_title(title)
        ax.set_xlabel("step")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig
