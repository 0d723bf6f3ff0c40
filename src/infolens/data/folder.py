"""A generic image folder: images plus a labels CSV, or one subfolder per class.

CSV form: ``data_dir/labels.csv`` (or ``labels=`` a CSV path) with a file column
(``file``, ``filename``, ``path`` or ``image``; relative to the CSV's folder) and a ``label``
column (integers or names; names are coded in sorted order). Subfolder form (as
torchvision's ImageFolder): ``data_dir/<class>/<image>``, classes in sorted order.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DataNotFoundError, InputError
from .base import Dataset, ImageFiles

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
_FILE_COLUMNS = ("file", "filename", "path", "image")


def _read_csv(csv_path: Path) -> tuple[list[str], np.ndarray, list[str]]:
    import pandas as pd

    try:
        df = pd.read_csv(csv_path)
    except Exception as exc:  # pandas raises several parser errors; name the file in one message
        raise InputError(f"labels CSV {str(csv_path)!r} could not be read ({exc})") from exc
    cols = {c.lower().strip(): c for c in df.columns}
    file_col = next((cols[c] for c in _FILE_COLUMNS if c in cols), None)
    if file_col is None or "label" not in cols:
        raise InputError(
            f"labels CSV {str(csv_path)!r} needs a file column ({', '.join(_FILE_COLUMNS)}) and a 'label' "
            f"column; it has {list(df.columns)}"
        )
    lab = df[cols["label"]]
    if lab.isna().any():
        rows = np.flatnonzero(lab.isna().to_numpy())[:5].tolist()
        raise InputError(f"labels CSV {str(csv_path)!r}: empty label in data rows {rows}; every image needs a label")
    files = [str(f) for f in df[file_col]]
    if len(set(files)) != len(files):
        dup = sorted({f for f in files if files.count(f) > 1})[:3]
        raise InputError(f"labels CSV {str(csv_path)!r}: files listed twice {dup}; one row per image")
    if pd.api.types.is_integer_dtype(lab.dtype):
        values = lab.to_numpy().astype(np.int64)
        classes = np.unique(values)
        codes = np.searchsorted(classes, values)
        names = [str(c) for c in classes]
    else:
        names_arr, codes = np.unique(lab.astype(str).to_numpy(), return_inverse=True)
        names = [str(n) for n in names_arr]
    return files, codes.astype(np.int64), names


def load_image_folder(data_dir: str | os.PathLike[str] | None, labels: str | os.PathLike[str] | None = None,
                      skip_bad: bool = False, mode: str = "L") -> Dataset:
    """Images in ``data_dir`` with labels from a CSV, or from class subfolders (see module doc).

    Missing files raise a ``ValueError`` naming them, or with ``skip_bad=True`` are dropped
    together with their labels (listed in ``meta["skipped"]``).
    """
    if data_dir is None:
        raise InputError("data_dir is required for the 'folder' data set; pass the folder holding the images")
    root = Path(data_dir)
    if not root.is_dir():
        raise DataNotFoundError(f"image folder {str(root)!r} does not exist")
    csv_path = Path(labels) if labels is not None else root / "labels.csv"
    if labels is not None and not csv_path.is_file():
        raise DataNotFoundError(f"labels CSV {str(csv_path)!r} does not exist")
    if csv_path.is_file():
        files, codes, names = _read_csv(csv_path)
        paths = [str((csv_path.parent / f)) for f in files]
        origin = str(csv_path.resolve())
    else:
        classes = sorted(d.name for d in root.iterdir() if d.is_dir())
        if not classes:
            raise InputError(f"{root} has no labels.csv and no class subfolders; add one of them (see the docs)")
        paths, code_list = [], []
        for k, c in enumerate(classes):
            for f in sorted((root / c).iterdir()):
                if f.suffix.lower() in IMAGE_SUFFIXES:
                    paths.append(str(f))
                    code_list.append(k)
        if not paths:
            raise InputError(f"no image files ({', '.join(IMAGE_SUFFIXES)}) in the class subfolders of {root}")
        codes, names, origin = np.asarray(code_list, dtype=np.int64), classes, str(root.resolve())
    exists = np.array([os.path.isfile(p) for p in paths])
    skipped: list[str] = []
    if not exists.all():
        bad = [paths[i] for i in np.flatnonzero(~exists)]
        if not skip_bad:
            raise InputError(
                f"{len(bad)} image file(s) listed are missing (first: {bad[:3]}); restore them or pass "
                "skip_bad=True to drop them with their labels"
            )
        skipped = bad
    idx = np.flatnonzero(exists)
    return Dataset(
        images=ImageFiles([paths[i] for i in idx], mode=mode),
        labels=codes[idx],
        name=f"folder:{root.name}",
        label_names=names,
        source=f"folder:{origin}:{len(idx)}",
        meta={"skipped": skipped},
    )
