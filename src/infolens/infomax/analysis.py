"""What the features keep: per-map MI between an image and each of its feature maps, and
a linear probe on the summary vectors.

Per-map MI (the measurement of the DIM encoder-shape experiment): for one image ``x``
(resized to the map's side when the encoder changed the size) and one feature map
``f_c``, the pixel pairs ``(x[p], f_c[p])`` over positions ``p`` are treated as paired
samples of two 1-D variables and ``I(x; f_c)`` is estimated from them with the binning
estimator (2-D histogram, Miller-Madow) and with KSG (Kraskov et al. 2004). Uint8 images
and ReLU maps have many tied values: binning uses quantile bins (tied values share a bin)
and KSG breaks ties by dequantization (see :mod:`infolens.estimators.ties`); a constant
map (a dead ReLU channel) carries no information and gets MI 0, flagged in the table.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ..api import estimate_mi
from ..progress import progress
from ..torch_utils import get_device
from ..validation import check_choice, check_positive_int, seed_from
from .encoders import DIMEncoder
from .trainer import as_image_tensor

MI_METHODS = ("binning", "ksg")
#: also accepted: "mixed" (Gao et al. 2017), which counts tied values exactly instead of
#: breaking them - a check on KSG where maps have a large mass at 0 (dead ReLU regions)
ALL_METHODS = MI_METHODS + ("mixed",)


@torch.no_grad()
def encode(encoder: DIMEncoder, images: Any, batch_size: int = 128, device: Any = "auto") -> tuple[np.ndarray, np.ndarray]:
    """``(maps, summaries)`` of ``images`` in eval mode: ``(n, C, h, w)`` and ``(n, d)`` float32 arrays."""
    x = as_image_tensor(images)
    batch_size = check_positive_int(batch_size, "batch_size")
    dev = get_device(device)
    was_training = encoder.training
    encoder.eval().to(dev)
    maps, summ = [], []
    for i in range(0, len(x), batch_size):
        m, y = encoder(x[i:i + batch_size].to(dev))
        maps.append(m.cpu().numpy())
        summ.append(y.cpu().numpy())
    encoder.train(was_training)
    return np.concatenate(maps), np.concatenate(summ)


def resize_image(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A 2-D float image resized to ``shape`` with antialiased bilinear interpolation
    (``torch.nn.functional.interpolate``; a no-op when the shape already matches)."""
    img = np.asarray(image, dtype=np.float32)
    if img.ndim != 2:
        raise ValueError(f"image must be 2-D (h, w), got shape {img.shape}")
    if img.shape == tuple(shape):
        return img
    t = torch.from_numpy(np.ascontiguousarray(img))[None, None]
    return F.interpolate(t, size=tuple(shape), mode="bilinear", antialias=True, align_corners=False)[0, 0].numpy()


def per_map_mi(image: np.ndarray, maps: np.ndarray, methods: Sequence[str] = MI_METHODS, bins: int | str = "auto",
               k: int = 5, random_state: Any = 0, n_pairs: int | None = None) -> dict[str, np.ndarray]:
    """MI (nats) between ``image`` ``(H, W)`` and each map of ``maps`` ``(C, h, w)``, pixels as
    paired samples; the image is resized to ``(h, w)`` first. Returns ``{method: (C,) array}``
    and ``{"constant": (C,) bool}`` for maps with a single value (MI 0).

    ``n_pairs``: use this many pixel positions (drawn without replacement, the same positions for
    every map of the image, seeded by ``random_state``) when the map has more. Estimates from
    different numbers of samples carry different biases (binning's bin count and KSG's
    neighbourhoods grow with n), so maps of different sides are compared at one ``n_pairs``."""
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3:
        raise ValueError(f"maps must have shape (C, h, w), got {maps.shape}")
    for m in methods:
        check_choice(m, "methods", ALL_METHODS)
    x = resize_image(image, maps.shape[1:]).astype(np.float64).reshape(-1)
    seed = seed_from(random_state)
    keep = np.arange(len(x))
    if n_pairs is not None:
        n_pairs = check_positive_int(n_pairs, "n_pairs", minimum=2)
        if n_pairs < len(x):
            keep = np.sort(np.random.default_rng(seed).choice(len(x), size=n_pairs, replace=False))
    x = x[keep]
    if np.ptp(x) == 0:
        raise ValueError("image is constant; a constant image carries no information, MI with it is 0")
    flat = maps.reshape(len(maps), -1)[:, keep]
    out = {m: np.zeros(len(maps)) for m in methods}
    constant = np.array([np.ptp(f) == 0 for f in flat])
    for c, y in enumerate(flat):
        if constant[c]:
            continue
        for m in methods:
            if m == "binning":
                r = estimate_mi(x, y, method="binning", bins=bins, discrete_x=False, discrete_y=False, warn=False)
            elif m == "ksg":
                r = estimate_mi(x, y, method="ksg", k=k, n_subsamples=0, warn=False, random_state=seed + c)
            else:
                r = estimate_mi(x, y, method="mixed", k=k, n_subsamples=0, warn=False, random_state=seed + c)
            out[m][c] = r.mi
    out["constant"] = constant
    return out


def map_mi_table(encoder_name: str, images: np.ndarray, maps: np.ndarray, methods: Sequence[str] = MI_METHODS,
                 bins: int | str = "auto", k: int = 5, random_state: Any = 0, verbose: bool = True,
                 n_pairs: int | None = None) -> pd.DataFrame:
    """Long table of per-map MI for a set of images: one row per (image, map, method) with
    columns ``encoder, image, map, method, mi, constant, pairs`` (``pairs``: the pixel pairs
    used, at most ``n_pairs``, see :func:`per_map_mi`)."""
    images = np.asarray(images)
    if images.ndim != 3 or np.asarray(maps).ndim != 4 or len(images) != len(maps):
        raise ValueError(
            f"images (n, H, W) and maps (n, C, h, w) must hold the same images, got {images.shape} and {np.shape(maps)}"
        )
    seed = seed_from(random_state)
    rows = []
    for i in progress(range(len(images)), desc=f"per-map MI, encoder {encoder_name}", verbose=verbose):
        res = per_map_mi(images[i], maps[i], methods, bins=bins, k=k, random_state=seed + 1000 * i, n_pairs=n_pairs)
        pairs = int(np.prod(np.shape(maps)[-2:])) if n_pairs is None else min(n_pairs, int(np.prod(np.shape(maps)[-2:])))
        for m in methods:
            for c, v in enumerate(res[m]):
                rows.append({"encoder": encoder_name, "image": i, "map": c, "method": m, "mi": float(v),
                             "constant": bool(res["constant"][c]), "pairs": pairs})
    return pd.DataFrame(rows)


def summarize_map_mi(table: pd.DataFrame) -> pd.DataFrame:
    """Per encoder and method: the mean over maps and the max over maps, each averaged over the
    images (with the standard error over images), and the share of constant maps.

    With a ``seed`` column (several training runs) the per-seed values are averaged over the
    seeds; ``*_seed_sd`` is their standard deviation between seeds and ``*_se`` the larger of the
    between-seed standard error (sd / sqrt(seeds)) and the images' standard error pooled over
    the seeds (so one lucky initialisation cannot pass for a tight estimate)."""
    seeds = ["seed"] if "seed" in table.columns else []
    per_image = table.groupby(["encoder", "method", *seeds, "image"])["mi"].agg(["mean", "max"]).reset_index()
    g = per_image.groupby(["encoder", "method", *seeds])
    n = g.size()
    per_seed = pd.DataFrame({
        "mean_mi": g["mean"].mean(),
        "mean_mi_se": g["mean"].std(ddof=1) / np.sqrt(n),
        "max_mi": g["max"].mean(),
        "max_mi_se": g["max"].std(ddof=1) / np.sqrt(n),
        "n_images": n,
    }).reset_index()
    h = per_seed.groupby(["encoder", "method"])
    k = h.size()
    out = pd.DataFrame({"n_images": h["n_images"].max()})
    for key in ("mean_mi", "max_mi"):
        out[key] = h[key].mean()
        sd = h[key].std(ddof=1)
        pooled = np.sqrt(h[f"{key}_se"].apply(lambda v: float(np.nanmean(np.square(v)))) / k)
        out[f"{key}_se"] = np.fmax(sd / np.sqrt(k), pooled) if seeds else pooled
        if seeds:
            out[f"{key}_seed_sd"] = sd
    if seeds:
        out["n_seeds"] = k
    out["constant_maps"] = table.groupby(["encoder", "method"])["constant"].mean()
    return out.reset_index()[["encoder", "method", "mean_mi", "mean_mi_se", "max_mi", "max_mi_se", "n_images",
                              *(["mean_mi_seed_sd", "max_mi_seed_sd", "n_seeds"] if seeds else []), "constant_maps"]]


def per_image_max(table: pd.DataFrame) -> pd.DataFrame:
    """The max over maps of each image's MI: columns ``encoder, method, [seed,] image, max_mi``."""
    seeds = ["seed"] if "seed" in table.columns else []
    return table.groupby(["encoder", "method", *seeds, "image"])["mi"].max().rename("max_mi").reset_index()


def linear_probe(train_features: np.ndarray, train_labels: np.ndarray, test_features: np.ndarray,
                 test_labels: np.ndarray, random_state: Any = 0) -> float:
    """Test accuracy of a multinomial logistic regression (scikit-learn, standardized features)
    trained on ``train_features`` - the usual linear evaluation of a representation."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    xtr = np.asarray(train_features, dtype=np.float64).reshape(len(train_features), -1)
    xte = np.asarray(test_features, dtype=np.float64).reshape(len(test_features), -1)
    ytr, yte = np.asarray(train_labels), np.asarray(test_labels)
    if len(xtr) != len(ytr) or len(xte) != len(yte):
        raise ValueError("features and labels must have the same number of rows (train and test)")
    if np.unique(ytr).size < 2:
        raise ValueError("train_labels hold a single class; a probe needs at least 2 classes")
    if xtr.shape[1] != xte.shape[1]:
        raise ValueError(f"train and test features differ in width: {xtr.shape[1]} vs {xte.shape[1]}")
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed_from(random_state)))
    clf.fit(xtr, ytr)
    return float(clf.score(xte, yte))
