"""Data as a task: paired arrays from a ``.npz`` file, resampled without replacement, with
the true MI when the file states it (key ``mi``, nats) and NaN otherwise. This lets a sweep
mix known-truth tasks with the user's own data (task id ``file:PATH.npz``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .base import Sampler


class ArraySampler(Sampler):
    """Draws ``n`` of the given rows (without replacement, so no pair is duplicated: kNN
    estimators break on duplicates)."""

    def __init__(self, x: Any, y: Any, mi: float = float("nan")) -> None:
        self.x, self.y = np.asarray(x), np.asarray(y)
        if len(self.x) != len(self.y):
            raise ValueError(f"x and y must have the same number of rows, got {len(self.x)} and {len(self.y)}")
        self.dim_x = int(np.prod(self.x.shape[1:])) if self.x.ndim > 1 else 1
        self.dim_y = int(np.prod(self.y.shape[1:])) if self.y.ndim > 1 else 1
        self._mi = float(mi)

    @classmethod
    def from_npz(cls, path: str | os.PathLike[str]) -> "ArraySampler":
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"data file {str(p)!r} not found (task ids 'file:PATH.npz' name a NumPy .npz file)")
        with np.load(p, allow_pickle=False) as f:
            if "x" not in f or "y" not in f:
                raise ValueError(f"{str(p)!r} must hold arrays named 'x' and 'y' (and optionally 'mi'), has {sorted(f.files)}")
            return cls(f["x"], f["y"], float(f["mi"]) if "mi" in f else float("nan"))

    @property
    def mi(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        if n > len(self.x):
            raise ValueError(f"n={n} is more than the {len(self.x)} rows of the data; pass n <= {len(self.x)}")
        idx = rng.choice(len(self.x), size=n, replace=False)
        return self.x[idx], self.y[idx]
