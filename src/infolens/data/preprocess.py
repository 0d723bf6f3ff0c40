"""Grayscale + resize with Pillow, cached as one ``.npy`` per (source, size, filter),
read back by memory map so that a large set is never held in RAM twice and a second
run does not redo the work."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, InputTypeError
from ..io import atomic_path, save_array
from ..progress import progress
from .base import Dataset, ImageFiles

#: named resampling filters; "antialias" is Pillow's former ANTIALIAS, i.e. Lanczos
FILTERS = ("antialias", "lanczos", "bicubic", "bilinear", "box", "hamming", "nearest")
_CACHE_VERSION = 1


_RESAMPLE: dict[str, int] = {}


def _resample(filter: str) -> int:
    """Pillow's resampling constant for a filter name (the table is built once)."""
    if not _RESAMPLE:
        from PIL import Image

        R = Image.Resampling
        _RESAMPLE.update(antialias=R.LANCZOS, lanczos=R.LANCZOS, bicubic=R.BICUBIC, bilinear=R.BILINEAR,
                         box=R.BOX, hamming=R.HAMMING, nearest=R.NEAREST)
    if filter not in _RESAMPLE:
        raise InputError(f"filter must be one of {', '.join(FILTERS)}, got {filter!r}")
    return _RESAMPLE[filter]


def resize_one(image: np.ndarray, size: int, filter: str = "antialias", grayscale: bool = True,
               crop: str | None = None) -> np.ndarray:
    """One uint8 image ``(h, w)`` or ``(h, w, 3)`` -> ``(size, size[, 3])`` float32 in [0, 1].
    Grayscale is Pillow's "L" (ITU-R 601-2 luma); ``crop="center"`` cuts the central square first."""
    from PIL import Image

    im = Image.fromarray(image if image.flags.c_contiguous else np.ascontiguousarray(image))
    if grayscale and im.mode != "L":
        im = im.convert("L")
    elif not grayscale and im.mode != "RGB":
        im = im.convert("RGB")
    if crop == "center":
        w, h = im.size
        m = min(w, h)
        left, top = (w - m) // 2, (h - m) // 2
        im = im.crop((left, top, left + m, top + m))
    elif crop is not None:
        raise InputError(f"crop must be None or 'center', got {crop!r}")
    im = im.resize((size, size), resample=_resample(filter))
    out = np.asarray(im, dtype=np.float32)
    out /= np.float32(255.0)
    return out


def cache_path(ds: Dataset, size: int, filter: str, cache_dir: str | os.PathLike[str], grayscale: bool = True,
               crop: str | None = None) -> Path:
    """The cache file of ``ds`` at ``size``: keyed by the data's ``source``, n, image shape,
    size, filter, colour and crop (a hash), with a readable prefix."""
    key = json.dumps([_CACHE_VERSION, ds.source, len(ds), list(ds.image_shape) if len(ds) else [], size, filter,
                      grayscale, crop])
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ds.name).strip("-")[:40] or "data"
    return Path(cache_dir) / f"{slug}-s{size}-{filter}{'' if grayscale else '-rgb'}-{digest}.npy"


def _check(ds: Dataset, size: Any) -> int:
    if not isinstance(ds, Dataset):
        raise InputTypeError(f"ds must be an infolens.data.Dataset (from load_dataset), got {type(ds).__name__}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise InputError(f"size must be a positive integer (pixels per side), got {size!r}")
    if isinstance(ds.images, np.ndarray) and ds.images.dtype != np.uint8:
        raise InputTypeError(f"ds.images must be uint8 0..255 to be resized, got {ds.images.dtype}")
    return int(size)


def preprocess(ds: Dataset, size: int, filter: str = "antialias", cache_dir: str | os.PathLike[str] | None = None,
               grayscale: bool = True, crop: str | None = None, skip_bad: bool = False,
               verbose: bool | None = True) -> Dataset:
    """``ds`` with every image resized to ``size x size`` (float32 in [0, 1]), labels kept aligned.

    With ``cache_dir`` the result is stored as ``.npy`` (written atomically) and returned as a
    read-only memory map; a later call with the same data, size and filter reads it back.
    An image that cannot be read raises a ``ValueError`` naming its file; with
    ``skip_bad=True`` it is dropped with its label and counted in ``meta["skipped"]``.
    """
    size = _check(ds, size)
    _resample(filter)
    n = len(ds)
    shape = (size, size) if grayscale else (size, size, 3)
    path = kept_path = None
    if cache_dir is not None:
        path = cache_path(ds, size, filter, cache_dir, grayscale, crop)
        kept_path = path.with_suffix(".kept.npy")
        if path.is_file():
            arr = np.load(path, mmap_mode="r")
            kept = np.load(kept_path) if kept_path.is_file() else np.arange(n)
            if arr.shape == (n, *shape) and len(kept) <= n:
                if len(kept) < n and not skip_bad:
                    # an earlier run with skip_bad dropped unreadable files: still an error here
                    bad = sorted(set(range(n)) - set(kept.tolist()))
                    names = [ds.images.paths[i] for i in bad[:3]] if isinstance(ds.images, ImageFiles) else bad[:3]
                    raise InputError(
                        f"{len(bad)} image(s) of {ds.name} cannot be read (first: {names}); replace them or "
                        "pass skip_bad=True to drop them with their labels"
                    )
                return _result(ds, arr[: len(kept)], kept, size, path)
    if path is None:
        out = np.empty((n, *shape), dtype=np.float32)
        kept = _fill(ds, out, size, filter, grayscale, crop, skip_bad, verbose)
        return _result(ds, out[: len(kept)], kept, size, None)
    kept_path = path.with_suffix(".kept.npy")
    # the rows go straight into a memory-mapped temp file, renamed into place when complete
    with atomic_path(path) as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(n, *shape))
        kept = _fill(ds, out, size, filter, grayscale, crop, skip_bad, verbose)
        out.flush()
        del out
        if len(kept) < n:
            save_array(kept_path, kept)
        elif kept_path.exists():
            kept_path.unlink()
    arr = np.load(path, mmap_mode="r")
    return _result(ds, arr[: len(kept)], kept, size, path)


def _fill(ds: Dataset, out: np.ndarray, size: int, filter: str, grayscale: bool, crop: str | None,
          skip_bad: bool, verbose: bool | None) -> np.ndarray:
    """Resize every image of ``ds`` into ``out``; unreadable ones are an error, or with
    ``skip_bad`` dropped: the kept rows are packed at the front in order. Returns their indices."""
    n = len(ds)
    kept: list[int] = []
    # a plain ndarray view of the same memory: row writes skip np.memmap's per-item subclass hooks
    dst = out.view(np.ndarray)
    src = ds.images.view(np.ndarray) if isinstance(ds.images, np.memmap) else ds.images
    lazy = isinstance(src, ImageFiles)
    for i in progress(range(n), total=n, desc=f"resize {ds.name} to {size}x{size}", verbose=verbose, unit="img"):
        try:
            img = src.read(i) if lazy else src[i]  # type: ignore[union-attr]  # lazy: src is ImageFiles
        except ValueError:
            if not skip_bad:
                raise
            continue
        dst[len(kept)] = resize_one(img, size, filter, grayscale, crop)
        kept.append(i)
    return np.asarray(kept, dtype=np.int64)


def _result(ds: Dataset, arr: np.ndarray, kept: np.ndarray, size: int, path: Path | None) -> Dataset:
    from dataclasses import replace

    skipped = list(ds.meta.get("skipped", []))
    if len(kept) != len(ds) and isinstance(ds.images, ImageFiles):
        kept_set = set(kept.tolist())
        skipped += [p for i, p in enumerate(ds.images.paths) if i not in kept_set]
    meta = {**ds.meta, "skipped": skipped, "size": size, "cache": None if path is None else str(path),
            "kept_index": kept}
    if len(kept) == 0:
        raise InputError(f"{ds.name}: no image could be read ({len(skipped)} skipped); check the files")
    return replace(ds, images=arr, labels=ds.labels[kept], source=f"{ds.source}|s{size}", meta=meta)


def resize_images(ds: Dataset, size: int, filter: str = "antialias", cache_dir: str | os.PathLike[str] | None = None,
                  grayscale: bool = True, crop: str | None = None, verbose: bool | None = True) -> np.ndarray:
    """``(n, size, size)`` float32 in [0, 1] (``(n, size, size, 3)`` with ``grayscale=False``);
    a memory map of the cache file when ``cache_dir`` is given. Any unreadable image is an
    error naming its file (use :func:`preprocess` with ``skip_bad=True`` to drop them)."""
    return preprocess(ds, size, filter, cache_dir, grayscale, crop, skip_bad=False, verbose=verbose).images


def to_grayscale(images: np.ndarray) -> np.ndarray:
    """``(n, h, w, 3)`` uint8 -> ``(n, h, w)`` uint8 with Pillow's "L" luma (ITU-R 601-2:
    L = R*299/1000 + G*587/1000 + B*114/1000); grayscale input is returned as is."""
    from PIL import Image

    arr = np.asarray(images)
    if arr.ndim == 3:
        return arr
    if arr.ndim != 4 or arr.shape[-1] != 3 or arr.dtype != np.uint8:
        raise InputError(f"images must be (n, h, w, 3) uint8 colour or (n, h, w) grayscale, got {arr.shape} {arr.dtype}")
    return np.stack([np.asarray(Image.fromarray(a).convert("L")) for a in arr])


__all__ = ["FILTERS", "cache_path", "preprocess", "resize_images", "resize_one", "to_grayscale"]
