"""STL-10 in its binary format (Coates, Ng & Lee 2011), read from a folder the user
downloaded by hand (nothing is downloaded here).

The folder (``data_dir`` or ``data_dir/stl10_binary``) holds ``train_X.bin``,
``train_y.bin``, ``test_X.bin``, ``test_y.bin``, ``unlabeled_X.bin`` and
``class_names.txt``. Each ``*_X.bin`` is a flat run of uint8 images, each stored
as 3 x 96 x 96 in column-major order (channel, then column, then row), so one image
reads as ``raw.reshape(3, 96, 96).transpose(2, 1, 0)`` -> ``(96, 96, 3)`` RGB.
Each ``*_y.bin`` holds one uint8 label per image, 1..10.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DataNotFoundError, InputError, InputTypeError
from .base import Dataset, default_data_dir

SIDE = 96
CHANNELS = 3
IMAGE_BYTES = CHANNELS * SIDE * SIDE
CLASS_NAMES = ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"]
SPLITS = ("train", "test", "unlabeled", "all")


def find_stl10_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The folder that holds the ``*_X.bin`` files: ``data_dir`` itself or ``data_dir/stl10_binary``;
    with ``data_dir=None``, ``default_data_dir()/stl10`` (``$INFOLENS_DATA/stl10``)."""
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise InputTypeError(f"data_dir must be a folder path (str or Path), got {type(data_dir).__name__}")
    base = Path(data_dir).expanduser() if data_dir is not None else default_data_dir() / "stl10"
    for cand in (base, base / "stl10_binary"):
        if any((cand / f"{s}_X.bin").is_file() for s in ("train", "test", "unlabeled")):
            return cand
    raise DataNotFoundError(
        f"data_dir={str(base)!r} holds no STL-10 binary files (train_X.bin, test_X.bin, ...), "
        "neither directly nor under stl10_binary/; download stl10_binary.tar.gz from the STL-10 page, "
        "extract it and pass that folder as data_dir (or put it under $INFOLENS_DATA/stl10)"
    )


def _read_images(path: Path, limit: int | None) -> np.ndarray:
    if not path.is_file():
        raise DataNotFoundError(f"STL-10 image file {str(path)!r} is missing; extract the full stl10_binary archive")
    size = path.stat().st_size
    if size == 0 or size % IMAGE_BYTES:
        raise InputError(
            f"{str(path)!r} has {size} bytes, not a whole number of 3x96x96 uint8 images "
            f"({IMAGE_BYTES} bytes each); the file is truncated or not STL-10 binary"
        )
    n = size // IMAGE_BYTES
    count = n if limit is None else min(n, limit)
    # np.memmap reads only the first `count` images (unlabeled_X.bin is 2.7 GB).
    raw = np.memmap(path, dtype=np.uint8, mode="r", shape=(count, CHANNELS, SIDE, SIDE))
    # column-major storage: axes are (channel, column, row) -> (row, column, channel)
    return np.ascontiguousarray(raw.transpose(0, 3, 2, 1))


def _read_labels(path: Path, n_images: int, limit: int | None) -> np.ndarray:
    if not path.is_file():
        raise DataNotFoundError(f"STL-10 label file {str(path)!r} is missing; extract the full stl10_binary archive")
    labels = np.fromfile(path, dtype=np.uint8)
    total = path.parent.joinpath(path.name.replace("_y.bin", "_X.bin")).stat().st_size // IMAGE_BYTES
    if len(labels) != total:
        raise InputError(
            f"{str(path)!r} has {len(labels)} labels but the image file has {total} images; "
            "the files do not belong together"
        )
    labels = labels[:n_images] if limit is not None else labels
    if labels.size and (labels.min() < 1 or labels.max() > 10):
        raise InputError(
            f"{str(path)!r} has labels outside 1..10 (min {labels.min()}, max {labels.max()}); "
            "this is not an STL-10 label file"
        )
    return labels.astype(np.int64) - 1


def _class_names(folder: Path) -> list[str]:
    path = folder / "class_names.txt"
    if path.is_file():
        names = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
        if len(names) == 10:
            return names
    return list(CLASS_NAMES)


def load_stl10(data_dir: str | os.PathLike[str] | None, split: str = "train", limit: int | None = None) -> Dataset:
    """Load STL-10 from its binary files.

    Parameters
    ----------
    data_dir : the extracted ``stl10_binary`` folder (or its parent); None: ``$INFOLENS_DATA/stl10``.
    split : ``"train"`` (5,000 images), ``"test"`` (8,000), ``"all"`` (train then test) or
        ``"unlabeled"`` (100,000 images; their labels are ``-1``).
    limit : read at most this many images (per split file), from the start of the file.

    Returns
    -------
    Dataset with ``images`` ``(n, 96, 96, 3)`` uint8 RGB and ``labels`` 0..9 (file labels minus 1);
    :func:`infolens.data.resize_images` converts them to grayscale and resizes.
    """
    if split not in SPLITS:
        raise InputError(f"split must be one of {', '.join(map(repr, SPLITS))}; got {split!r}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1):
        raise InputError(f"limit must be None or an integer >= 1, got {limit!r}")
    folder = find_stl10_dir(data_dir)
    names = _class_names(folder)
    parts = ["train", "test"] if split == "all" else [split]
    images, labels = [], []
    for part in parts:
        x = _read_images(folder / f"{part}_X.bin", limit)
        if part == "unlabeled":
            y = np.full(len(x), -1, dtype=np.int64)
        else:
            y = _read_labels(folder / f"{part}_y.bin", len(x), limit)
        images.append(x)
        labels.append(y)
    imgs = images[0] if len(images) == 1 else np.concatenate(images)
    labs = labels[0] if len(labels) == 1 else np.concatenate(labels)
    return Dataset(
        images=imgs,
        labels=labs,
        name="stl10",
        label_names=names,
        source=f"stl10:{folder.resolve()}:{split}:{limit}",
        meta={"split": split, "unlabeled": split == "unlabeled"},
    )

