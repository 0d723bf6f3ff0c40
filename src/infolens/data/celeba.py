"""CelebA (Liu et al., ICCV 2015): aligned face images with 40 binary attributes.

Expected layout under ``data_dir`` (as distributed; ``Anno/``, ``Eval/`` and ``Img/``
subfolders are also searched)::

    img_align_celeba/000001.jpg ...
    list_attr_celeba.txt        line 1: the number of images; line 2: the 40 attribute
                                names; then "000001.jpg -1 1 ..." (one row per image)
    list_eval_partition.txt     optional: "000001.jpg 0" (0 train, 1 valid, 2 test)

Labels are one attribute mapped -1 -> 0, 1 -> 1. Images are read lazily
(:class:`~infolens.data.base.ImageFiles`); alignment is by file name, never by position.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DataNotFoundError, InputError
from .base import Dataset, ImageFiles

SPLITS = {"train": 0, "valid": 1, "test": 2}


def _find(data_dir: Path, name: str, subdirs: tuple[str, ...]) -> Path | None:
    for sub in ("",) + subdirs:
        p = data_dir / sub / name if sub else data_dir / name
        if p.exists():
            return p
    return None


def read_attributes(path: str | os.PathLike[str]) -> tuple[list[str], list[str], np.ndarray]:
    """Parse ``list_attr_celeba.txt``: ``(file_names, attribute_names, values)`` with
    ``values`` an ``(n, 40)`` int8 array of -1/1. Every row is checked (count, width, values)."""
    path = Path(path)
    with open(path, encoding="utf-8") as fh:
        lines = [ln for ln in fh.read().splitlines() if ln.strip()]
    if len(lines) < 2:
        raise InputError(f"{path}: expected a count line and an attribute-name line, file has {len(lines)} lines")
    try:
        count = int(lines[0].split()[0])
    except ValueError as exc:
        raise InputError(f"{path}: the first line must be the number of images, got {lines[0]!r}") from exc
    attrs = lines[1].split()
    rows = lines[2:]
    if len(rows) != count:
        raise InputError(
            f"{path}: the header says {count} images but {len(rows)} rows follow; the file is truncated "
            "or edited - labels would not line up with images"
        )
    names: list[str] = []
    values = np.empty((len(rows), len(attrs)), dtype=np.int8)
    for i, row in enumerate(rows):
        parts = row.split()
        if len(parts) != len(attrs) + 1:
            raise InputError(
                f"{path}: line {i + 3} ({parts[0] if parts else ''}) has {len(parts) - 1} values, "
                f"expected {len(attrs)} (one per attribute)"
            )
        try:
            vals = [int(v) for v in parts[1:]]
        except ValueError as exc:
            raise InputError(f"{path}: line {i + 3} ({parts[0]}) has a non-integer value ({exc})") from exc
        if any(v not in (-1, 1) for v in vals):
            raise InputError(f"{path}: line {i + 3} ({parts[0]}) has values other than -1/1: {vals}")
        names.append(parts[0])
        values[i] = vals
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})[:5]
        raise InputError(f"{path}: image names listed twice: {dup}; each image must have one row")
    return names, attrs, values


def read_partition(path: str | os.PathLike[str]) -> dict[str, int]:
    """Parse ``list_eval_partition.txt`` into ``{file_name: 0|1|2}``."""
    path = Path(path)
    out: dict[str, int] = {}
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2 or parts[1] not in ("0", "1", "2"):
                raise InputError(f"{path}: line {i} must be 'NAME 0|1|2', got {line.strip()!r}")
            out[parts[0]] = int(parts[1])
    return out


def load_celeba(data_dir: str | os.PathLike[str] | None, split: str = "train", label: str | None = "Male",
                skip_bad: bool = False, mode: str = "L") -> Dataset:
    """CelebA with the binary label ``label`` (any of the 40 attributes, default "Male").

    ``split``: "train", "valid", "test" (needs ``list_eval_partition.txt``) or "all".
    ``skip_bad``: drop images whose file is missing (count in ``meta["skipped"]``) instead
    of raising; corrupt files are found when the images are decoded (see ``resize_images``).
    """
    if data_dir is None:
        from .base import default_data_dir

        data_dir = default_data_dir() / "celeba"
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataNotFoundError(f"CelebA folder {str(data_dir)!r} does not exist; pass data_dir= the folder "
                                "holding img_align_celeba/ and list_attr_celeba.txt")
    if split not in (*SPLITS, "all"):
        raise InputError(f"split must be 'train', 'valid', 'test' or 'all' for CelebA, got {split!r}")
    attr_path = _find(data_dir, "list_attr_celeba.txt", ("Anno",))
    img_dir = _find(data_dir, "img_align_celeba", ("Img",))
    if attr_path is None:
        raise DataNotFoundError(f"list_attr_celeba.txt not found in {data_dir} (or its Anno/ subfolder)")
    if img_dir is None or not img_dir.is_dir():
        raise DataNotFoundError(f"img_align_celeba/ not found in {data_dir} (or its Img/ subfolder)")
    names, attrs, values = read_attributes(attr_path)
    attr = label or "Male"
    if attr not in attrs:
        raise InputError(f"label {attr!r} is not a CelebA attribute; choose one of: {', '.join(attrs)}")
    keep = np.ones(len(names), dtype=bool)
    if split != "all":
        part_path = _find(data_dir, "list_eval_partition.txt", ("Eval",))
        if part_path is None:
            raise DataNotFoundError(
                f"split={split!r} needs list_eval_partition.txt in {data_dir} (or Eval/); "
                "add it, or load split='all' and split the data yourself"
            )
        part = read_partition(part_path)
        missing = [n for n in names if n not in part]
        if missing:
            raise InputError(
                f"{part_path}: {len(missing)} images of list_attr_celeba.txt have no partition "
                f"(first: {missing[:3]}); the two files do not describe the same images"
            )
        keep &= np.array([part[n] == SPLITS[split] for n in names])
    paths = [str(img_dir / n) for n in names]
    exists = np.array([os.path.isfile(p) for p in paths])
    skipped: list[str] = []
    if not exists[keep].all():
        bad = [names[i] for i in np.flatnonzero(keep & ~exists)]
        if not skip_bad:
            raise InputError(
                f"{len(bad)} image file(s) listed in {attr_path.name} are missing from {img_dir} "
                f"(first: {bad[:3]}); restore them or pass skip_bad=True to drop them with their labels"
            )
        skipped = bad
        keep &= exists
    idx = np.flatnonzero(keep)
    labels = (values[idx, attrs.index(attr)] > 0).astype(np.int64)
    return Dataset(
        images=ImageFiles([paths[i] for i in idx], mode=mode),
        labels=labels,
        name=f"celeba:{attr}",
        label_names=[f"not {attr}", attr],
        source=f"celeba:{data_dir.resolve()}:{split}:{attr}:{len(idx)}",
        meta={"skipped": skipped, "attributes": attrs},
    )
