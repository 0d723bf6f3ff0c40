"""Data sets that ship with scikit-learn (no download): the 8x8 handwritten digits."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .base import Dataset

#: digits has no official split: a fixed permutation (seed 0) puts 1/4 of the images in "test"
_DIGITS_TEST_FRACTION = 0.25


def load_digits_dataset(split: str = "all") -> Dataset:
    """scikit-learn's digits (UCI optdigits, 1,797 images of 8x8, values 0..16) as uint8
    0..255 (value * 255 / 16). ``split`` "train"/"test" is a fixed 75/25 permutation split."""
    from sklearn.datasets import load_digits

    if split not in ("train", "test", "all"):
        raise InputError(f"split must be 'train', 'test' or 'all' for digits, got {split!r}")
    d = load_digits()
    images = np.round(d.images * (255.0 / 16.0)).astype(np.uint8)
    labels = d.target.astype(np.int64)
    if split != "all":
        perm = np.random.default_rng(0).permutation(len(labels))
        n_test = int(round(_DIGITS_TEST_FRACTION * len(labels)))
        idx = np.sort(perm[:n_test] if split == "test" else perm[n_test:])
        images, labels = images[idx], labels[idx]
    return Dataset(images=images, labels=labels, name="digits", label_names=[str(k) for k in range(10)],
                   source=f"digits:{split}")
