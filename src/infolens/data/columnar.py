"""Reading chosen columns of a Parquet file one row group at a time, for files larger than memory.

A Parquet file is stored in row groups, each column of a group compressed on its own, so the
columns an estimate needs can be read group by group without ever holding the file (or the
columns it does not need). :class:`ParquetColumns` does that three ways:

* :meth:`~ParquetColumns.read`: the columns as one float64 array in memory, all rows or a
  uniform random subset of them (sorted, so every group is read once);
* :meth:`~ParquetColumns.to_npy`: the columns written, group by group, to a ``.npy`` file
  opened memory-mapped: what the neural and diffusion estimators train from in minibatches
  (peak memory: one row group, whatever the number of rows);
* :meth:`~ParquetColumns.nbytes`: what :meth:`read` would hold, to decide before reading.

Column names and 0-based indices are accepted, as everywhere on the command line; a column
that is missing or not numeric is an error naming it. A progress bar (``verbose``) counts
rows.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileReadError, InputError


class ParquetColumns:
    """Row-group access to one Parquet file (``flag``: how messages name it, e.g. "--x-cols")."""

    def __init__(self, path: str | os.PathLike[str], flag: str = "file") -> None:
        import pyarrow.parquet as pq

        self.path = Path(path)
        self.flag = flag
        try:
            self.file = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises its own error types for foreign or truncated files
            raise FileReadError(f"{flag}: {str(self.path)!r} is not a readable Parquet file "
                                f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from exc
        self.schema = self.file.schema_arrow
        self.columns = list(self.schema.names)
        self.n_rows = int(self.file.metadata.num_rows)
        self.group_rows = [int(self.file.metadata.row_group(g).num_rows) for g in range(self.file.num_row_groups)]
        if self.n_rows == 0:
            raise FileReadError(f"{flag}: {str(self.path)!r} has zero rows; it needs one row per sample")

    def resolve(self, cols: list[str] | None, flag: str) -> list[str]:
        """Column names for ``cols`` (names or 0-based indices; all columns when None), each
        checked to be numeric (integers, floats or booleans)."""
        import pyarrow as pa

        picked = []
        for c in (cols if cols is not None else self.columns):
            if c in self.columns:
                name = c
            elif c.lstrip("-").isdigit() and -len(self.columns) <= int(c) < len(self.columns):
                name = self.columns[int(c)]
            else:
                raise InputError(f"{flag}: no column {c!r} in {str(self.path)!r} "
                                 f"(columns: {', '.join(self.columns[:20])})")
            t = self.schema.field(name).type
            if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)):
                raise InputError(f"{flag}: column {name!r} of {str(self.path)!r} is {t}, not numeric; "
                                 "encode categories as integer codes or choose numeric columns")
            picked.append(name)
        return picked

    def nbytes(self, names: list[str], rows: int | None = None, itemsize: int = 8) -> int:
        return (self.n_rows if rows is None else rows) * len(names) * itemsize

    def _groups(self, names: list[str], dtype: Any, verbose: bool | None, desc: str):
        from ..progress import progress

        bar = progress(total=self.n_rows, desc=desc, verbose=verbose, unit="row")
        start = 0
        try:
            for g, size in enumerate(self.group_rows):
                table = self.file.read_row_group(g, columns=names)
                block = np.empty((size, len(names)), dtype=dtype)
                for j, name in enumerate(names):
                    block[:, j] = table.column(name).to_numpy(zero_copy_only=False)
                del table
                yield start, block
                start += size
                bar.update(size)
        finally:
            bar.close()

    def read(self, names: list[str], rows: np.ndarray | None = None, dtype: Any = np.float64,
             verbose: bool | None = None) -> np.ndarray:
        """The columns ``names`` as an ``(n, len(names))`` array: every row, or the rows
        ``rows`` (sorted positions) only, read one row group at a time."""
        n = self.n_rows if rows is None else len(rows)
        out = np.empty((n, len(names)), dtype=dtype)
        at = 0
        for start, block in self._groups(names, dtype, verbose, f"reading {self.path.name}"):
            if rows is None:
                out[start:start + len(block)] = block
                continue
            lo, hi = np.searchsorted(rows, [start, start + len(block)])
            out[at:at + hi - lo] = block[rows[lo:hi] - start]
            at += hi - lo
        return out

    def to_npy(self, names: list[str], target: str | os.PathLike[str], dtype: Any = np.float32,
               verbose: bool | None = None) -> np.memmap:
        """Write the columns to a ``.npy`` file row group by row group and return it opened
        read-only memory-mapped (``np.load(target, mmap_mode="r")``)."""
        out = np.lib.format.open_memmap(target, mode="w+", dtype=dtype, shape=(self.n_rows, len(names)))
        for start, block in self._groups(names, dtype, verbose, f"spilling {self.path.name}"):
            out[start:start + len(block)] = block
        out.flush()
        del out
        return np.load(target, mmap_mode="r")


def subsample_rows(n: int, m: int, seed: Any) -> np.ndarray:
    """``m`` of ``n`` row positions, uniform without replacement, sorted (so a reader visits
    each row group once)."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=m, replace=False))


def memory_budget(share: float = 0.25) -> int:
    """``share`` of the machine's physical memory in bytes (4 GiB when it cannot be read)."""
    try:
        return int(share * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - platform dependent
        return int(share * 16 * 2**30)
