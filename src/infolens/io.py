"""Atomic file writes (nothing half-written on disk after a crash or a kill), and the one
YAML reader (:func:`read_yaml`: errors name the file, line and column)."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .errors import ConfigError, DataNotFoundError


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
    """Save a matplotlib figure atomically as ``path`` with each suffix in ``formats``. PNGs carry
    their smallest font size and dpi in text chunks (:mod:`infolens.report.readability` checks
    that a report's figures stay legible from them)."""
    base = Path(path)
    base = base.with_suffix("") if base.suffix in {".png", ".svg", ".pdf"} else base
    out = []
    for fmt in formats:
        target = base.with_suffix(f".{fmt}")
        extra: dict[str, Any] = {}
        if fmt == "png":
            from .plotting import png_metadata

            extra["metadata"] = png_metadata(fig, dpi)
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight", **extra)
        out.append(target)
    return out


def read_yaml(path: str | Path) -> dict[str, Any]:
    """The mapping in a YAML file (``{}`` for an empty file). A missing file, a syntax error
    (reported as ``file:line:column``) or a top level that is not a mapping is a one-line error."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise DataNotFoundError(f"config file {str(p)!r} not found; check the path (--config on the command line)")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {str(p)!r} is not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{p}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(p)
        what = ", ".join(str(s) for s in (exc.context, exc.problem) if s)
        raise ConfigError(f"{where}: YAML syntax error: {what}; fix that line (indentation, a missing ':' "
                          "or an unclosed quote or bracket)") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {str(p)!r} is not valid YAML ({str(exc).splitlines()[0]})") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {str(p)!r} must hold a mapping of keys to values (key: value lines), "
                          f"got a {type(data).__name__}")
    return data
