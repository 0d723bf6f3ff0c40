"""Inputs of the neural estimators: validation without copying memory-mapped data,
seeded train/validation/test splits, and minibatches fed to the device.

Arrays in memory are standardised and moved to the device once ("resident"); a
``np.memmap`` or a ``.npy`` path is read one sorted minibatch at a time, so data larger
than RAM works. torch is imported inside functions so that loading the estimator
registry does not pay for it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ...errors import InputError, InputTypeError
from ...validation import check_array, to_numpy

#: a resident split larger than this (bytes, float32) is streamed instead
RESIDENT_LIMIT = 2 * 1024**3
_CHUNK = 4096


def is_lazy(a: Any) -> bool:
    return isinstance(a, np.memmap) or isinstance(getattr(a, "base", None), np.memmap)


def load_input(a: Any, name: str) -> np.ndarray:
    """A validated array for ``name``: paths to ``.npy`` files open memory-mapped;
    memory-mapped arrays are checked in chunks (never copied); anything else goes
    through :func:`infolens.validation.check_array` (float32, shape kept)."""
    if isinstance(a, (str, os.PathLike)):
        p = Path(a)
        if p.suffix != ".npy":
            raise InputError(f"{name}: a path must name a .npy file (opened memory-mapped), got {str(p)!r}")
        if not p.exists():
            raise FileNotFoundError(f"{name}: no such file {str(p)!r}")
        a = np.load(p, mmap_mode="r")
    if is_lazy(a):
        if a.dtype.kind not in "iuf":
            raise InputTypeError(f"{name} has dtype {a.dtype}, which is not numeric; store numbers in the .npy file")
        if a.ndim == 0 or len(a) == 0:
            raise InputError(f"{name} is empty or a scalar (shape {a.shape}); pass one row per sample")
        if a.dtype.kind == "f":
            for s in range(0, len(a), _CHUNK):
                if not np.isfinite(a[s:s + _CHUNK]).all():
                    raise InputError(f"{name} contains NaN or inf values in rows {s}..{s + _CHUNK}; clean the file first")
        return a.reshape(len(a), 1) if a.ndim == 1 else a
    arr = check_array(a, name, flatten=False, dtype=np.float32, allow_constant=True)
    if np.ptp(arr) == 0:
        raise InputError(f"{name} is constant (every sample equal); a constant carries no information - MI is 0")
    return arr


def labels_input(a: Any, name: str) -> np.ndarray:
    """Integer class codes 0..K-1 for a discrete label (one value per sample)."""
    arr = to_numpy(a, name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise InputError(f"{name} must be one label per sample, shape (n,), got {arr.shape}")
    if arr.dtype.kind == "f" and not np.all(np.mod(arr, 1) == 0):
        raise InputError(f"{name} has non-integer values; the classifier bound needs discrete labels (integer codes)")
    _, codes = np.unique(arr, return_inverse=True)
    if codes.max() == 0:
        raise InputError(f"{name} takes a single value; a constant carries no information - MI is 0")
    return codes.reshape(-1).astype(np.int64)


def input_kind(a: np.ndarray) -> str:
    """``"vector"`` for (n, d), ``"image"`` for (n, h, w) or (n, c, h, w) / (n, h, w, c)."""
    return "vector" if a.ndim <= 2 else "image"


def image_channels(a: np.ndarray) -> tuple[int, bool]:
    """(channels, channels_last) of an image array."""
    if a.ndim == 3:
        return 1, False
    if a.ndim == 4:
        if a.shape[1] not in (1, 2, 3, 4) and a.shape[3] in (1, 2, 3, 4):
            return int(a.shape[3]), True
        return int(a.shape[1]), False
    raise InputError(f"images must have shape (n, h, w) or (n, c, h, w), got {a.shape}")


def check_split(split: Any) -> tuple[float, float, float]:
    try:
        fr = tuple(float(f) for f in split)
    except TypeError as exc:
        raise InputError(f"split must be three fractions (train, validation, test), got {split!r}") from exc
    if len(fr) != 3 or min(fr) <= 0 or abs(sum(fr) - 1.0) > 1e-6:
        raise InputError(f"split must be three positive fractions summing to 1, e.g. (0.6, 0.2, 0.2); got {split!r}")
    return fr  # type: ignore[return-value]


def split_indices(n: int, split: tuple[float, float, float], rng: np.random.Generator,
                  strata: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Seeded random train / validation / test indices (each sorted, for sequential reads).

    ``strata`` (one label code per row): each class is split by the same fractions on its own,
    so every part holds the classes in the sample's proportions. A held-out bound on the MI
    with a label averages ``log q(y|x) - log p(y)`` over the test rows, where a rare class's
    rows carry large terms: with a plain random split the number of them in the test part
    varied, and so did the bound (a 2% class, 52 of 2,000 rows, in 5 dims: the linear probe
    read 0.100 for a truth of 0.036, its interval above it)."""
    if strata is None:
        perm = rng.permutation(n)
        n_tr = int(round(split[0] * n))
        n_va = int(round(split[1] * n))
        parts = (perm[:n_tr], perm[n_tr:n_tr + n_va], perm[n_tr + n_va:])
        return tuple(np.sort(p) for p in parts)
    codes = np.asarray(strata).reshape(-1)
    if len(codes) != n:
        raise ValueError(f"strata must hold one label per row ({n}), got {len(codes)}")
    _, inverse, sizes = np.unique(codes, return_inverse=True, return_counts=True)
    # each class's rows in row order, from one sort (not one pass over the rows per class)
    members = np.split(np.argsort(inverse.reshape(-1), kind="stable"), np.cumsum(sizes)[:-1])
    # each part's size per class by largest remainders, so the parts hold exactly the rows an
    # unstratified split gives them
    tr = _allot(sizes * split[0], int(round(split[0] * n)), sizes)
    va = _allot(sizes * split[1], int(round(split[1] * n)), sizes - tr)
    out: list[list[np.ndarray]] = [[], [], []]
    for idx, a, b in zip(members, tr, va):
        rows = rng.permutation(idx)
        for k, part in enumerate((rows[:a], rows[a:a + b], rows[a + b:])):
            out[k].append(part)
    return tuple(np.sort(np.concatenate(p)) for p in out)


def _allot(ideal: np.ndarray, total: int, cap: np.ndarray) -> np.ndarray:
    """Integer counts near ``ideal`` (per class) summing to ``total``, each at most ``cap``:
    the floors, then one more to the largest remainders."""
    got = np.minimum(np.floor(ideal).astype(np.int64), cap)
    order = np.argsort(-(ideal - np.floor(ideal)), kind="stable")
    need = total - int(got.sum())
    while need > 0:
        moved = False
        for i in order:
            if need > 0 and got[i] < cap[i]:
                got[i] += 1
                need -= 1
                moved = True
        if not moved:
            break
    return got


def moments(a: np.ndarray, idx: np.ndarray, per_feature: bool) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over the rows ``idx`` (per column, or one scalar for
    images), accumulated in float64 chunks so a memory-mapped array is never loaded whole."""
    s = s2 = 0.0
    for k in range(0, len(idx), _CHUNK):
        blk = np.asarray(a[idx[k:k + _CHUNK]], dtype=np.float64).reshape(len(idx[k:k + _CHUNK]), -1)
        if per_feature:
            s = s + blk.sum(axis=0)
            s2 = s2 + (blk**2).sum(axis=0)
        else:
            s = s + blk.sum()
            s2 = s2 + (blk**2).sum()
    cnt = len(idx) * (1 if per_feature else int(np.prod(a.shape[1:])))
    mean = np.asarray(s / cnt)
    sd = np.sqrt(np.maximum(np.asarray(s2 / cnt) - mean**2, 0.0))
    sd = np.where(sd > 1e-12, sd, 1.0)
    return mean.astype(np.float32), sd.astype(np.float32)


class Feeder:
    """Rows ``idx`` of one variable, standardised with ``(mean, sd)``, as float32 tensors on
    ``device``. ``labels=True`` yields int64 class codes unchanged."""

    def __init__(self, a: np.ndarray, idx: np.ndarray, device: Any, mean: Any = None, sd: Any = None,
                 flatten: bool = False, channels_last: bool = False, labels: bool = False) -> None:
        import torch

        self.a, self.idx, self.device = a, idx, device
        self.flatten, self.channels_last, self.labels = flatten, channels_last, labels
        self.mean = None if mean is None else torch.as_tensor(mean, device=device)
        self.sd = None if sd is None else torch.as_tensor(sd, device=device)
        nbytes = len(idx) * int(np.prod(a.shape[1:])) * 4
        self.resident = None
        if not is_lazy(a) and nbytes <= RESIDENT_LIMIT:
            self.resident = self._prepare(np.asarray(a[idx]))

    def __len__(self) -> int:
        return len(self.idx)

    def _prepare(self, block: np.ndarray):
        import torch

        if self.labels:
            return torch.as_tensor(block, dtype=torch.long).to(self.device)
        t = torch.from_numpy(np.ascontiguousarray(block, dtype=np.float32))
        if self.device.type == "cuda":  # pinned host memory makes the copy asynchronous
            t = t.pin_memory().to(self.device, non_blocking=True)
        else:
            t = t.to(self.device)
        if self.flatten:
            t = t.reshape(len(t), -1)
        if self.mean is not None and self.sd is not None:  # scalar (images for a conv encoder) or per column of (n, d)
            t = (t - self.mean) / self.sd
        if self.channels_last and not self.flatten:
            t = t.permute(0, 3, 1, 2)
        return t

    def take(self, pos: np.ndarray):
        """Rows at positions ``pos`` (into ``idx``); a sorted ``pos`` reads a memmap sequentially."""
        if self.resident is not None:
            import torch

            return self.resident[torch.as_tensor(pos, device=self.device)]
        return self._prepare(np.asarray(self.a[self.idx[pos]]))

    def blocks(self, size: int) -> Iterator[Any]:
        for s in range(0, len(self.idx), size):
            yield self.take(np.arange(s, min(s + size, len(self.idx))))
