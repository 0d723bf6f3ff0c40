"""The one type every loader returns: :class:`Dataset` (images aligned with labels).

``images`` is either an in-memory ``np.ndarray`` of shape ``(n, h, w)`` (grayscale) or
``(n, h, w, 3)`` (colour), dtype uint8, or an :class:`ImageFiles` list of files on disk
that is read one image at a time (CelebA's 200,000 JPEGs do not fit in RAM; the
preprocessing in :mod:`infolens.data.preprocess` streams them into a memory-mapped cache).
Both support ``len()``, ``.shape`` and ``images[i]`` / ``images[index_array]``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

from ..errors import InputError, InputTypeError

import numpy as np


class ImageFiles:
    """A lazy, ordered list of image files: ``len()``, ``[i]`` -> ``(h, w)`` or ``(h, w, 3)``
    uint8 array read with Pillow, ``[index_array]`` -> a new :class:`ImageFiles`.

    Reading a file that is missing or cannot be decoded raises a ``ValueError`` that
    names the file (never a silently shifted image/label alignment).
    """

    def __init__(self, paths: Sequence[str | os.PathLike[str]], mode: str = "L") -> None:
        if mode not in ("L", "RGB"):
            raise InputError(f"mode must be 'L' (grayscale) or 'RGB', got {mode!r}")
        self.paths = [str(p) for p in paths]
        self.mode = mode
        self._shape: tuple[int, ...] | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def read(self, i: int) -> np.ndarray:
        """Decode image ``i`` (as ``mode``); a clear error naming the file if it cannot."""
        from PIL import Image, UnidentifiedImageError

        path = self.paths[i]
        try:
            with Image.open(path) as im:
                im.load()
                return np.asarray(im.convert(self.mode), dtype=np.uint8)
        except FileNotFoundError as exc:
            raise InputError(f"image file {path!r} (index {i}) is missing; restore it or load with skip_bad=True") from exc
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise InputError(
                f"image file {path!r} (index {i}) is corrupt or not an image ({exc}); "
                "replace it or load with skip_bad=True"
            ) from exc

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, (int, np.integer)):
            return self.read(int(idx))
        if isinstance(idx, slice):
            return ImageFiles(self.paths[idx], self.mode)
        arr = np.asarray(idx)
        if arr.dtype == bool:
            arr = np.flatnonzero(arr)
        return ImageFiles([self.paths[int(j)] for j in arr], self.mode)

    @property
    def shape(self) -> tuple[int, ...]:
        """``(n, h, w)`` or ``(n, h, w, 3)``, from the first image (the others are assumed alike;
        the preprocessing resizes each file on its own, so differing sizes are fine there)."""
        if self._shape is None:
            self._shape = (len(self),) + (self.read(0).shape if len(self) else ())
        return self._shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.stack([self.read(i) for i in range(len(self))])
        return out if dtype is None else out.astype(dtype)

    def __repr__(self) -> str:
        return f"ImageFiles({len(self)} files, mode={self.mode!r})"


@dataclass
class Dataset:
    """Images aligned with integer labels.

    Attributes
    ----------
    images : ``(n, h, w)`` or ``(n, h, w, 3)`` uint8 array, or :class:`ImageFiles`.
    labels : ``(n,)`` int64, codes ``0..K-1``.
    name : a short name ("digits", "fashion-mnist", "celeba:Male", ...).
    label_names : ``label_names[k]`` names code ``k``.
    source : a string that identifies the exact data (files, split, label, subset) - the
        preprocessing cache is keyed by it; loaders fill it, ``subset`` extends it.
    meta : anything else a loader wants to record (e.g. ``{"skipped": [...]}``).
    """

    images: Any
    labels: np.ndarray
    name: str
    label_names: list[str] = field(default_factory=list)
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        labels = np.asarray(self.labels)
        if labels.ndim != 1:
            raise InputError(f"labels must be 1-D (one label per image), got shape {labels.shape}")
        if labels.dtype.kind not in "iub":
            raise InputTypeError(f"labels must be integer codes, got dtype {labels.dtype}; encode them as 0..K-1")
        self.labels = labels.astype(np.int64, copy=False)
        if len(self.images) != len(self.labels):
            raise InputError(
                f"{self.name or 'dataset'}: {len(self.images)} images but {len(self.labels)} labels; "
                "images and labels must be aligned one to one"
            )
        if isinstance(self.images, np.ndarray):
            if self.images.ndim not in (3, 4) or (self.images.ndim == 4 and self.images.shape[-1] != 3):
                raise InputError(
                    f"images must have shape (n, h, w) or (n, h, w, 3), got {self.images.shape}"
                )
        if not self.label_names and len(self.labels):
            self.label_names = [str(k) for k in range(int(self.labels.max()) + 1)]
        if not self.source:
            self.source = self.name

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def image_shape(self) -> tuple[int, ...]:
        """``(h, w)`` or ``(h, w, 3)`` of one image."""
        return tuple(self.images.shape[1:])

    def subset(self, index: Any, tag: str | None = None) -> "Dataset":
        """The images and labels at ``index`` (kept aligned); ``tag`` extends ``source``
        (default: a hash of the index, so caches of different subsets never mix)."""
        idx = np.asarray(index)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64)
        if tag is None:
            tag = "idx-" + hashlib.sha1(idx.tobytes()).hexdigest()[:12]
        return replace(self, images=self.images[idx], labels=self.labels[idx], source=f"{self.source}|{tag}",
                       meta=dict(self.meta))

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(self.labels, minlength=len(self.label_names))
        return {self.label_names[k]: int(c) for k, c in enumerate(counts)}

    def __repr__(self) -> str:
        return (f"Dataset(name={self.name!r}, n={len(self)}, image_shape={self.image_shape}, "
                f"label_names={self.label_names!r})")


def default_data_dir() -> Path:
    """Where downloaded-by-hand data sets are looked for: ``$INFOLENS_DATA`` or ``~/.infolens/data``."""
    return Path(os.environ.get("INFOLENS_DATA", Path.home() / ".infolens" / "data"))


def default_cache_dir() -> Path:
    """Where resized images are cached: ``$INFOLENS_CACHE`` or ``~/.cache/infolens``."""
    return Path(os.environ.get("INFOLENS_CACHE", Path.home() / ".cache" / "infolens"))
