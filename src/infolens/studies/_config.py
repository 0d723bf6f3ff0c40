"""Study configurations: one dataclass per study, filled from a YAML file, a dict or the
command line the same way (shared by the compression and information-plane studies)."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

C = TypeVar("C")


def _read_yaml(path: str | Path) -> dict[str, Any]:
    import yaml

    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def load_config(cls: type[C], config: Any) -> C:
    """``config`` (an instance of the dataclass ``cls``, a dict or a YAML path) as a
    validated instance; keys that are not fields of ``cls`` are an error that lists them."""
    if not isinstance(config, cls):
        if isinstance(config, (str, Path)):
            config = _read_yaml(config)
        if not isinstance(config, dict):
            raise TypeError(f"config must be a {cls.__name__}, a dict or a YAML path, got {type(config).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ValueError(f"config has unknown key(s) {unknown}; known keys: {', '.join(sorted(known))}")
        config = cls(**config)
    config.validate()
    return config


def cli_overrides(args: argparse.Namespace, keys: tuple[str, ...]) -> dict[str, Any]:
    """The ``--config`` YAML file (if given) with every flag in ``keys`` that was set on the
    command line written over it, and ``verbose=False`` for ``--quiet``. List-valued flags
    are parsed by the caller."""
    cfg = _read_yaml(args.config) if getattr(args, "config", None) else {}
    for key in keys:
        if getattr(args, key, None) is not None:
            cfg[key] = getattr(args, key)
    if getattr(args, "quiet", False):
        cfg["verbose"] = False
    return cfg
