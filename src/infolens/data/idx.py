"""IDX files (the MNIST / Fashion-MNIST format), plain or gzipped, and where to find them.

IDX layout (LeCun et al., http://yann.lecun.com/exdb/mnist/): two zero bytes, a type byte
(0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), a byte with
the number of dimensions, then each dimension as a big-endian uint32, then the data
(big-endian, C order). Written by hand because it is 20 lines and NumPy reads the body.
"""

from __future__ import annotations

import gzip
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ..errors import DataNotFoundError, InputError, InputTypeError
from .base import Dataset

_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
MNIST_CLASSES = [str(d) for d in range(10)]

#: file stems of the four files of an MNIST-like set, by split
_STEMS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

#: folders the Debian packages install to (``dpkg -L`` is asked first)
_DEBIAN_PACKAGES = {"fashion-mnist": "dataset-fashion-mnist", "mnist": None}  # Debian packages no MNIST
_DEBIAN_DIRS = {"fashion-mnist": "/usr/share/datasets/fashion-mnist", "mnist": "/usr/share/datasets/mnist"}


def _open(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one IDX file (gzipped or not, detected from its first bytes) into a NumPy array
    with the file's shape and a native-endian dtype."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"IDX file {str(path)!r} does not exist")
    with _open(path) as fh:
        try:
            head = fh.read(4)
        except (OSError, EOFError) as exc:
            raise InputError(f"IDX file {str(path)!r} is not a valid gzip file ({exc})") from exc
        if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_TYPES:
            raise InputError(
                f"IDX file {str(path)!r} has a bad header {head!r}; expected 0x00 0x00 TYPE NDIM "
                "(is it an MNIST-format file?)"
            )
        dtype = np.dtype(_IDX_TYPES[head[2]])
        ndim = head[3]
        dims_raw = fh.read(4 * ndim)
        if len(dims_raw) != 4 * ndim:
            raise InputError(f"IDX file {str(path)!r} is truncated in its header")
        shape = tuple(int(d) for d in np.frombuffer(dims_raw, dtype=">u4"))
        # a corrupt header must not ask for terabytes: the body cannot be larger than the file
        # (or, gzipped, than deflate's 1032:1 best ratio allows)
        size = path.stat().st_size
        gz = isinstance(fh, gzip.GzipFile)
        room = size * 1032 if gz else size - 4 - 4 * ndim
        if math.prod(shape) * dtype.itemsize > room:
            raise InputError(
                f"IDX file {str(path)!r}: its header says shape {shape} ({math.prod(shape) * dtype.itemsize} bytes) but "
                f"the file {'can hold at most' if gz else 'holds'} {room} data bytes; the file is truncated or corrupt "
                "- download it again"
            )
        # read straight into the output array (writable, no second copy of the body)
        out = np.empty(shape, dtype=dtype)
        view = memoryview(out.reshape(-1).view(np.uint8))  # type: ignore[arg-type]  # ndarray is a buffer; numpy's stub omits it
        try:
            got = 0
            while got < len(view):  # readinto may return short counts; loop to EOF or full
                k = fh.readinto(view[got:])
                if not k:
                    break
                got += k
            extra = fh.read(1)
        except (OSError, EOFError) as exc:
            raise InputError(f"IDX file {str(path)!r} is truncated or corrupt ({exc})") from exc
    expected = out.nbytes
    if got != expected or extra:
        raise InputError(
            f"IDX file {str(path)!r} holds {got + len(extra)}{'+' if extra else ''} data bytes but its header "
            f"{shape} says {expected}; the file is truncated or corrupt - download it again"
        )
    return out if dtype.itemsize == 1 else out.astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike[str], array: np.ndarray, compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file (gzipped when ``compress`` or the name ends in ``.gz``);
    atomic. Used by tests and to export subsets in the standard format."""
    from ..io import atomic_path

    path = Path(path)
    arr = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in _IDX_TYPES.items()}
    code = codes.get(arr.dtype.newbyteorder("="))
    if code is None:
        raise InputTypeError(f"array dtype {arr.dtype} has no IDX type; use uint8, int8, int16, int32, float32 or float64")
    data = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, dtype=">u4").tobytes()
    data += arr.astype(np.dtype(_IDX_TYPES[code])).tobytes()
    if compress is None:
        compress = path.suffix == ".gz"
    with atomic_path(path) as tmp:
        if compress:
            with gzip.open(tmp, "wb") as fh:
                fh.write(data)
        else:
            tmp.write_bytes(data)
    return path


def _dpkg_dir(package: str) -> Path | None:
    """The folder holding ``*-idx3-ubyte*`` files of a Debian package, from ``dpkg -L``."""
    if shutil.which("dpkg") is None:
        return None
    try:
        out = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    for line in out.stdout.splitlines():
        if "idx3-ubyte" in line and Path(line).is_file():
            return Path(line).parent
    return None


def _find_stem(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def find_mnist_like(name: str = "fashion-mnist", data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The folder with the four IDX files of ``name`` ("fashion-mnist" or "mnist"): ``data_dir``
    if given (or its ``name`` subfolder), else (Fashion-MNIST only) where ``dpkg -L`` says the
    Debian package ``dataset-fashion-mnist`` put them, else ``$INFOLENS_DATA/name``. Debian has
    no MNIST package: MNIST's files are downloaded by the user."""
    from .base import default_data_dir

    if name not in _DEBIAN_DIRS:
        raise InputError(f"name must be 'fashion-mnist' or 'mnist', got {name!r}")
    candidates: list[Path] = []
    if data_dir is not None:
        candidates += [Path(data_dir), Path(data_dir) / name]
    else:
        package = _DEBIAN_PACKAGES[name]
        found = _dpkg_dir(package) if package else None
        if found is not None:
            candidates.append(found)
        candidates += [Path(_DEBIAN_DIRS[name]), default_data_dir() / name]
    for folder in candidates:
        if folder.is_dir() and _find_stem(folder, _STEMS["train"][0]) is not None:
            return folder
    where = ", ".join(str(c) for c in candidates)
    package = _DEBIAN_PACKAGES[name]
    fix = (f"install the Debian package {package} (apt install {package}), or put the four IDX files in "
           if package else "download the four IDX files (train/t10k images and labels, .gz is fine) into ")
    raise DataNotFoundError(
        f"{name} IDX files (train-images-idx3-ubyte[.gz] ...) not found in {where}; {fix}"
        f"{default_data_dir() / name} or pass their folder (--data-dir on the command line, data_dir= in Python)"
    )


def load_mnist_like(name: str = "fashion-mnist", data_dir: str | os.PathLike[str] | None = None,
                    split: str = "train") -> Dataset:
    """MNIST or Fashion-MNIST from IDX files: ``split`` "train" (60,000), "test" (10,000) or "all"."""
    if split not in ("train", "test", "all"):
        raise InputError(f"split must be 'train', 'test' or 'all' for {name}, got {split!r}")
    folder = find_mnist_like(name, data_dir)
    parts = ["train", "test"] if split == "all" else [split]
    images, labels = [], []
    for part in parts:
        img_stem, lab_stem = _STEMS[part]
        img_path, lab_path = _find_stem(folder, img_stem), _find_stem(folder, lab_stem)
        if img_path is None or lab_path is None:
            missing = img_stem if img_path is None else lab_stem
            raise DataNotFoundError(f"{name}: {missing}[.gz] is missing from {folder}")
        x, y = read_idx(img_path), read_idx(lab_path)
        if x.ndim != 3 or y.ndim != 1:
            raise InputError(f"{name}: {img_path.name} must be (n, h, w) and {lab_path.name} (n,), got {x.shape}, {y.shape}")
        if len(x) != len(y):
            raise InputError(
                f"{name}: {img_path.name} holds {len(x)} images but {lab_path.name} holds {len(y)} labels; "
                "the files do not belong together"
            )
        images.append(x.astype(np.uint8, copy=False))
        labels.append(y.astype(np.int64))
    classes = FASHION_MNIST_CLASSES if name == "fashion-mnist" else MNIST_CLASSES
    y = np.concatenate(labels)
    if y.min() < 0 or y.max() >= len(classes):
        raise InputError(f"{name}: labels outside 0..{len(classes) - 1} in {folder}")
    return Dataset(images=np.concatenate(images), labels=y, name=name, label_names=list(classes),
                   source=f"{name}:{folder.resolve()}:{split}")
