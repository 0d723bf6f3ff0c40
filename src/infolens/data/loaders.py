"""``load_dataset``: one entry point for every data set, plus binary labels and subsets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataNotFoundError, InputError, InputTypeError
from ..validation import check_random_state
from .base import Dataset

DATASETS = ("digits", "fashion-mnist", "mnist", "celeba", "stl10", "folder")

#: named class groups, used in label specs such as "top/bottom" or "even"
GROUPS: dict[str, dict[str, list[str]]] = {
    "fashion-mnist": {
        "top": ["T-shirt/top", "Pullover", "Coat", "Shirt"],
        "bottom": ["Trouser"],
        "footwear": ["Sandal", "Sneaker", "Ankle boot"],
    },
    "mnist": {"even": ["0", "2", "4", "6", "8"], "odd": ["1", "3", "5", "7", "9"]},
    "digits": {"even": ["0", "2", "4", "6", "8"], "odd": ["1", "3", "5", "7", "9"]},
}


def _resolve_group(ds: Dataset, part: str, spec: str) -> list[int]:
    part = part.strip()
    groups = GROUPS.get(ds.name, {})
    lower = {n.lower(): k for k, n in enumerate(ds.label_names)}
    if part.lower() in groups:
        return [lower[n.lower()] for n in groups[part.lower()]]
    codes: list[int] = []
    for tok in part.split(","):
        tok = tok.strip()
        if tok.lower() in lower:
            codes.append(lower[tok.lower()])
        elif tok.isdigit() and int(tok) < len(ds.label_names):
            codes.append(int(tok))
        else:
            known = ", ".join(list(groups) + ds.label_names)
            raise InputError(
                f"label {spec!r}: {tok!r} is neither a class nor a group of {ds.name}; use class names or "
                f"codes, comma-separated, 'A/B' for A vs B or 'A' for A vs rest (known: {known})"
            )
    return codes


def _side_name(ds: Dataset, token: str, codes: list[int]) -> str:
    token = token.strip()
    if token.lower() in GROUPS.get(ds.name, {}) or len(codes) > 1:
        return token
    return ds.label_names[codes[0]]


def relabel(ds: Dataset, spec: str | int | None) -> Dataset:
    """A binary data set from a label spec: ``"A/B"`` keeps classes A (label 1) and B (label 0)
    and drops the others, ``"A"`` is A vs rest (``"A/rest"``). A and B are class names, codes,
    comma lists of them, or group names (``GROUPS``, e.g. Fashion-MNIST "top/bottom")."""
    if spec is None:
        return ds
    spec_s = str(spec)
    pos_s, _, neg_s = spec_s.partition("/")
    pos = _resolve_group(ds, pos_s, spec_s)
    rest = not neg_s or neg_s.strip().lower() == "rest"
    neg = [k for k in range(len(ds.label_names)) if k not in pos] if rest else _resolve_group(ds, neg_s, spec_s)
    if set(pos) & set(neg):
        raise InputError(f"label {spec_s!r}: classes {sorted(set(pos) & set(neg))} are on both sides; make A and B disjoint")
    if not pos or not neg:
        raise InputError(f"label {spec_s!r} leaves one side empty; name classes on both sides")
    keep = np.isin(ds.labels, pos + neg)
    idx = np.flatnonzero(keep)
    sub = ds.subset(idx, tag=f"label={spec_s}")
    sub.labels = np.isin(sub.labels, pos).astype(np.int64)
    pos_name = _side_name(ds, pos_s, pos)
    neg_name = "rest" if rest else _side_name(ds, neg_s, neg)
    sub.label_names = [neg_name, pos_name]
    sub.name = f"{ds.name}:{pos_name}/{neg_name}"
    return sub


def _load_npz(path: Path) -> Dataset:
    with np.load(path, allow_pickle=False) as z:
        img_key = next((k for k in ("images", "x", "X") if k in z.files), None)
        lab_key = next((k for k in ("labels", "y") if k in z.files), None)
        if img_key is None or lab_key is None:
            raise InputError(f"{path}: an .npz data set needs arrays 'images' and 'labels'; it has {z.files}")
        images, labels = z[img_key], z[lab_key]
        names = [str(s) for s in z["label_names"]] if "label_names" in z.files else []
    if images.dtype != np.uint8:
        if images.dtype.kind == "f" and images.size and images.min() >= 0 and images.max() <= 1:
            images = np.round(images * 255).astype(np.uint8)
        else:
            raise InputTypeError(f"{path}: images must be uint8 0..255 or floats in [0, 1], got {images.dtype}")
    return Dataset(images=images, labels=labels, name=path.stem, label_names=names,
                   source=f"npz:{path.resolve()}:{path.stat().st_mtime_ns}")


#: other spellings of a data set name, mapped to the one name (so both run the same task)
ALIASES = {"fashionmnist": "fashion-mnist", "fmnist": "fashion-mnist"}


def canonical_name(name: str) -> str:
    """The one spelling of a built-in data set name ("Fashion_MNIST", "fashionmnist" ->
    "fashion-mnist"); paths and unknown names are returned unchanged."""
    if not isinstance(name, str):
        return name
    key = name.lower().replace("_", "-")
    key = ALIASES.get(key, key)
    return key if key in DATASETS else name


def load_dataset(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    split: str = "train",
    label: str | int | None = None,
    limit: int | None = None,
    random_state: Any = None,
    skip_bad: bool = False,
    labels_csv: str | os.PathLike[str] | None = None,
) -> Dataset:
    """Load a data set by name: "digits" (built in), "fashion-mnist" / "mnist" (IDX files,
    found via ``dpkg -L`` or ``data_dir``), "celeba" (``data_dir``; ``label`` = attribute),
    "stl10" (``data_dir``), "folder" (``data_dir`` + ``labels_csv`` or class subfolders), or a
    path to an ``.npz`` file with ``images`` and ``labels``.

    ``label``: for CelebA the attribute (default "Male"); for the others a spec for
    :func:`relabel` ("A/B", "A" vs rest) or ``None`` for the original classes.
    ``limit``: keep ``limit`` images - the first ones when ``random_state`` is None, else a
    random subset drawn with ``random_state`` (kept in file order).
    """
    if not isinstance(name, str):
        raise InputTypeError(f"name must be a data set name or a path, got {type(name).__name__}")
    key = canonical_name(name).lower()
    if key.endswith(".npz") or (Path(name).suffix == ".npz"):
        path = Path(name)
        if not path.is_file():
            raise DataNotFoundError(f"data file {name!r} does not exist")
        ds = relabel(_load_npz(path), label)
    elif key == "digits":
        from .builtin import load_digits_dataset

        ds = relabel(load_digits_dataset(split), label)
    elif key in ("fashion-mnist", "mnist"):
        from .idx import load_mnist_like

        ds = relabel(load_mnist_like(key, data_dir, split), label)
    elif key == "celeba":
        from .celeba import load_celeba

        ds = load_celeba(data_dir, split=split, label=None if label is None else str(label), skip_bad=skip_bad)
    elif key == "stl10":
        from .stl10 import load_stl10

        # the first `limit` images can be read directly (unlabeled_X.bin is 2.7 GB); a random
        # subset or a relabelled one needs them all first
        direct = limit if (random_state is None and label is None) else None
        ds = relabel(load_stl10(data_dir, split, direct), label)
    elif key == "folder":
        from .folder import load_image_folder

        ds = relabel(load_image_folder(data_dir, labels_csv, skip_bad=skip_bad), label)
    else:
        raise InputError(f"unknown data set {name!r}; use one of {', '.join(DATASETS)} or a path to an .npz file")
    return take(ds, limit, random_state)


def take(ds: Dataset, limit: int | None, random_state: Any = None) -> Dataset:
    """At most ``limit`` images: the first ones (``random_state`` None) or a seeded random
    subset, in their original order."""
    if limit is None:
        return ds
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise InputError(f"limit must be a positive integer or None, got {limit!r}")
    if limit >= len(ds):
        return ds
    if random_state is None:
        return ds.subset(np.arange(limit), tag=f"first{limit}")
    rng = check_random_state(random_state)
    idx = np.sort(rng.choice(len(ds), size=int(limit), replace=False))
    return ds.subset(idx)
