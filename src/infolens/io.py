"""Atomic file writes: nothing half-written on disk after a crash or a kill."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path in the same folder; on success it replaces ``path``
    with ``os.replace`` (atomic on POSIX), on error it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; results and reports are meant to be shared
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    return write_text(path, json.dumps(obj, indent=2, default=str))


def save_array(path: str | os.PathLike[str], *arrays: Any, **named: Any) -> Path:
    """``np.save`` one array to a ``.npy`` path, or ``np.savez`` the arrays (named by
    keyword) to a ``.npz`` path, atomically."""
    import numpy as np

    npz = Path(path).suffix == ".npz"
    if not npz and (len(arrays) != 1 or named):
        raise TypeError(f"a .npy file holds one array; got {len(arrays)} positional and {len(named)} named ones for {path}")
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        if npz:
            np.savez(fh, *arrays, **named)
        else:
            np.save(fh, arrays[0])
    return Path(path)


def append_line(path: str | os.PathLike[str], line: str) -> None:
    """Append one line (a JSON record) so that a reader never sees half of it:
    the whole line goes out in a single ``write`` on an ``O_APPEND`` descriptor,
    followed by ``fsync``. Readers skip a last line without its newline."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (line.rstrip("\n") + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def save_figure(fig: Any, path: str | os.PathLike[str], formats: tuple[str, ...] = ("png", "svg"), dpi: int = 120) -> list[Path]:
    """Save a matplotlib figure atomically as ``path`` with each suffix in ``formats``."""
    base = Path(path)
    base = base.with_suffix("") if base.suffix in {".png", ".svg", ".pdf"} else base
    out = []
    for fmt in formats:
        target = base.with_suffix(f".{fmt}")
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
        out.append(target)
    return out
