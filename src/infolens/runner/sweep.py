"""A sweep: the product tasks x estimators (with parameters) x sample sizes x seeds,
built in Python or read from a YAML file."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..errors import ConfigError, DataNotFoundError, InputError, InputTypeError
from ..registry import check_params


def _as_list(value: Any, name: str) -> list[Any]:
    if value is None:
        raise InputError(f"{name} is missing; give a value or a list of values")
    out = list(value) if isinstance(value, (list, tuple)) else [value]
    if not out:
        raise InputError(f"{name} is empty; give at least one value")
    return out


def _estimator_specs(estimators: Any) -> list[tuple[str, dict[str, Any]]]:
    """``"ksg"``, ``{"name": "ksg", "params": {...}, "grid": {"k": [3, 5]}}`` or ``{"ksg": {...params}}``
    to a list of (name, params); ``grid`` values are expanded as a product."""
    specs: list[tuple[str, dict[str, Any]]] = []
    for e in _as_list(estimators, "estimators"):
        if isinstance(e, str):
            specs.append((e, {}))
            continue
        if not isinstance(e, dict):
            raise InputTypeError(f"estimators entries must be a name or a dict, got {e!r}")
        if "name" not in e:
            if len(e) != 1:
                raise InputError(f"estimator entry {e!r} needs a 'name' key (or be a single {{name: params}} mapping)")
            (name, params), = e.items()
            e = {"name": name, "params": params or {}}
        unknown = set(e) - {"name", "params", "grid"}
        if unknown:
            raise InputError(f"estimator entry {e!r} has unknown key(s) {sorted(unknown)}; use name, params, grid")
        base = dict(e.get("params") or {})
        grid = e.get("grid") or {}
        keys = list(grid)
        for combo in itertools.product(*(_as_list(grid[k], f"grid[{k!r}]") for k in keys)):
            specs.append((str(e["name"]), {**base, **dict(zip(keys, combo))}))
    for name, params in specs:  # checked before the first job, not found once per job
        try:
            check_params(name, params)
        except (ValueError, TypeError) as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"estimators: {name} with {params}: {text}") from exc
    return specs


@dataclass
class Sweep:
    """Jobs = tasks x estimators (+ params) x n x seeds, each a config dict
    ``{"task", "estimator", "params", "n", "seed", **extra}``.

    ``seeds`` is a count (seeds 0..seeds-1) or a list; ``estimators`` entries are names,
    ``{"name": ..., "params": {...}, "grid": {param: [values]}}`` or ``{name: params}``.
    ``extra`` holds keys shared by every job (e.g. a data set name for a study).
    """

    tasks: list[Any]
    estimators: list[Any]
    n: list[int] | int = 5000
    seeds: list[int] | int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _estimator_specs(self.estimators)  # names and parameters checked now, before any job

    def seed_list(self) -> list[int]:
        if isinstance(self.seeds, int) and not isinstance(self.seeds, bool):
            if self.seeds < 1:
                raise InputError(f"seeds must be a count >= 1 or a list of ints, got {self.seeds!r}")
            return list(range(self.seeds))
        return [int(s) for s in _as_list(self.seeds, "seeds")]

    def configs(self) -> list[dict[str, Any]]:
        ns = [int(v) for v in _as_list(self.n, "n")]
        if any(v < 2 for v in ns):
            raise InputError(f"n must be sample sizes >= 2, got {ns}")
        specs = _estimator_specs(self.estimators)
        tasks = _as_list(self.tasks, "tasks")
        return [
            {"task": t, "estimator": name, "params": params, "n": n, "seed": s, **self.extra}
            for t, (name, params), n, s in itertools.product(tasks, specs, ns, self.seed_list())
        ]

    def __len__(self) -> int:
        return len(self.configs())

    def __iter__(self) -> Iterable[dict[str, Any]]:
        return iter(self.configs())

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Sweep":
        if not isinstance(d, dict):
            raise InputTypeError(f"a sweep config must be a mapping with tasks, estimators, n, seeds; got {type(d).__name__}")
        allowed = {"tasks", "estimators", "n", "seeds", "extra"}
        unknown = set(d) - allowed
        if unknown:
            import difflib

            hints = [f"{u!r}" + (f" (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(str(u), allowed, n=1)) else "")
                     for u in sorted(unknown, key=str)]
            raise ConfigError(f"sweep config has unknown key(s) {', '.join(hints)}; allowed: {sorted(allowed)}")
        missing = {"tasks", "estimators"} - set(d)
        if missing:
            raise InputError(f"sweep config is missing {sorted(missing)}")
        return cls(tasks=d["tasks"], estimators=d["estimators"], n=d.get("n", 5000), seeds=d.get("seeds", 1),
                   extra=dict(d.get("extra") or {}))

    @classmethod
    def from_yaml(cls, path: str | os.PathLike[str]) -> "Sweep":
        """Read a sweep from YAML, e.g.::

            tasks: [multinormal-dense-2-2-0.5, student-identity-5-5-2]
            estimators: [ksg, {name: ksg, grid: {k: [3, 10]}}, gaussian]
            n: [1000, 5000]
            seeds: 3
        """
        from ..io import read_yaml

        p = Path(path)
        if not p.is_file():
            raise DataNotFoundError(f"sweep file {str(p)!r} not found")
        return cls.from_dict(read_yaml(p))  # a YAML syntax error names the file, line and column
