"""Study configurations: one dataclass per study, filled from a YAML file, a dict or the
command line the same way, and checked before the first job runs.

- YAML syntax errors are one line with the file, line and column (:func:`read_yaml`).
- Unknown keys are refused with a did-you-mean suggestion (:func:`check_keys`).
- Nested estimator parameters (``estimators: {mine: {epochs: 5}}``) are checked against the
  registry (:func:`check_estimator_params`), so a typo fails once, before any job, instead
  of once per job.
- ``thorough: true`` applies the study's full protocol (``Config.THOROUGH``) to the keys not
  given (:func:`load_config`).
- A run folder that holds a run with another configuration is refused unless the user asks
  to add to it (:func:`check_run_folder`, flag ``--resume-changed``); :func:`start_run` checks
  and records it, :func:`failed_rows` lists the failed jobs, :func:`slug` names folders.

Every problem is a :class:`~infolens.errors.ConfigError` (a ``ValueError``).
"""

from __future__ import annotations

import argparse
import difflib
import json
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any, Iterable, Mapping, TypeVar

from ..errors import ConfigError, InfolensError, RunFolderError
from ..io import read_yaml

C = TypeVar("C")

#: the flag that lets a changed configuration add its jobs to an existing run folder
RESUME_FLAG = "--resume-changed"


def suggest(name: Any, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices``, or ``""``."""
    key = str(name).replace("-", "_")
    hit = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {hit[0]!r}?)" if hit else ""


def check_keys(config: Mapping[str, Any], known: Iterable[str], where: str = "config") -> None:
    """Refuse keys of ``config`` that are not in ``known``, suggesting the closest known key."""
    known = list(known)
    unknown = [k for k in config if k not in known]
    if unknown:
        parts = ", ".join(f"{k!r}{suggest(k, known)}" for k in unknown)
        raise ConfigError(f"{where} has unknown key(s) {parts}; known keys: {', '.join(sorted(known))}")


def check_estimator_params(estimators: Any, where: str = "estimators") -> dict[str, dict[str, Any]]:
    """``{name: params}`` with every name registered and every parameter accepted by that
    estimator (and, where the estimator checks its parameters up front, valid); ``None``
    params mean the defaults. Returns the mapping with plain dicts."""
    from ..registry import check_params

    if not isinstance(estimators, Mapping):
        raise ConfigError(f"{where} must map estimator names to parameter dicts, e.g. {{'mine': {{'epochs': 30}}}}; "
                          f"got {type(estimators).__name__}")
    out: dict[str, dict[str, Any]] = {}
    for name, params in estimators.items():
        params = {} if params is None else params
        if not isinstance(params, Mapping):
            raise ConfigError(f"{where}.{name} must be a mapping of parameters (e.g. {{k: 5}}), got {params!r}")
        try:
            check_params(str(name), dict(params))
        except (ValueError, TypeError) as exc:
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"{where}.{name}: {text}") from exc
        out[str(name)] = dict(params)
    return out


def _estimator_fields(cls: type) -> list[str]:
    return [f.name for f in fields(cls) if f.name.endswith("estimators")]


def load_config(cls: type[C], config: Any) -> C:
    """``config`` (an instance of the dataclass ``cls``, a dict or a YAML path) as a
    validated instance: unknown keys refused (with a suggestion), ``thorough: true`` replaced by
    the values of ``cls.THOROUGH`` for the keys not given, ``cls.validate()`` run,
    and every field named ``*estimators`` holding ``{name: params}`` checked against the
    registry. Any problem is a :class:`ConfigError`."""
    if not isinstance(config, cls):
        if isinstance(config, (str, Path)):
            config = read_yaml(config)
        if not isinstance(config, dict):
            raise ConfigError(f"config must be a {cls.__name__}, a dict or a YAML path, got {type(config).__name__}")
        study = cls.__name__.removesuffix("Config").lower() or cls.__name__
        # every study Config is a dataclass; the TypeVar C cannot say so to the checker
        check_keys(config, [f.name for f in fields(cls)], where=f"the {study} config")  # type: ignore[arg-type]
        if config.get("thorough"):  # the full protocol under the keys the user did not set
            config = {**getattr(cls, "THOROUGH", {}), **config}
        config = cls(**config)
    elif getattr(config, "thorough", False):  # an instance: fields still at their defaults take the full protocol
        defaults = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
        for key, value in getattr(cls, "THOROUGH", {}).items():
            f = defaults[key]
            default = f.default_factory() if f.default_factory is not MISSING else f.default  # type: ignore[misc]
            if getattr(config, key) == default:
                setattr(config, key, value)
    for name in _estimator_fields(cls):  # before validate(), which reads the parameters
        value = getattr(config, name)
        if isinstance(value, Mapping):
            setattr(config, name, check_estimator_params(value, where=name))
    if getattr(config, "resume_changed", False) and not getattr(cls, "RESUMES_CHANGED", True):
        study = cls.__name__.removesuffix("Config").lower() or cls.__name__
        raise ConfigError(f"the {study} study cannot add a changed configuration's jobs to a run folder that holds "
                          "another run (resume_changed / --resume-changed): its folder holds state of one "
                          "configuration; choose a new folder with --out")
    try:
        config.validate()
    except InfolensError:
        raise
    except (ValueError, TypeError) as exc:
        raise ConfigError(str(exc).strip() or type(exc).__name__) from exc
    for name in _estimator_fields(cls):  # names given as a list become {name: {}} in validate()
        value = getattr(config, name)
        if isinstance(value, Mapping):
            setattr(config, name, check_estimator_params(value, where=name))
    return config


def cli_overrides(args: argparse.Namespace, keys: tuple[str, ...]) -> dict[str, Any]:
    """The ``--config`` YAML file (if given) with every flag in ``keys`` that was set on the
    command line written over it, ``verbose=False`` for ``--quiet`` and
    ``resume_changed=True`` for ``--resume-changed``. List-valued flags are parsed by the caller."""
    cfg = read_yaml(args.config) if getattr(args, "config", None) else {}
    for key in keys:
        if getattr(args, key, None) is not None:
            cfg[key] = getattr(args, key)
    if getattr(args, "quiet", False):
        cfg["verbose"] = False
    if getattr(args, "resume_changed", False):
        cfg["resume_changed"] = True
    return cfg


def _jsonable(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=str))


def check_run_folder(out_dir: str | Path, config: Mapping[str, Any], *, ignore: Iterable[str] = (),
                     resume_changed: bool = False, record: str = "config.json") -> list[str]:
    """Compare ``config`` with the one recorded in ``out_dir/record`` by an earlier run.

    Keys in ``ignore`` (output folder, verbosity, device, worker counts: what does not change
    the numbers) are left out. When other keys differ, the folder holds another run: that is
    refused with a :class:`RunFolderError` naming the changed keys and the two ways out
    (``--resume-changed`` to add this run's jobs to the folder, or a new folder with
    ``--out``), unless ``resume_changed``. Returns the changed keys (empty when the folder is
    new or the configuration is the same)."""
    path = Path(out_dir) / record
    if not path.is_file():
        return []
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []  # an unreadable record is rewritten by the run
    skip = set(ignore) | {"resume_changed", "thorough"}  # thorough: its values are recorded themselves
    new = _jsonable({k: v for k, v in config.items() if k not in skip})
    old = {k: v for k, v in old.items() if k not in skip}
    changed = sorted(k for k in set(new) | set(old) if new.get(k, "<absent>") != old.get(k, "<absent>"))
    if changed and not resume_changed:
        detail = "; ".join(f"{k}: {old.get(k, '<absent>')!r} -> {new.get(k, '<absent>')!r}" for k in changed[:4])
        more = f" and {len(changed) - 4} more" if len(changed) > 4 else ""
        raise RunFolderError(
            f"{out_dir} holds a run with a different configuration ({detail}{more}); pass {RESUME_FLAG} "
            f"(resume_changed=True) to add this run to that folder, or choose a new folder with --out"
        )
    return changed


def slug(text: Any) -> str:
    """``text`` as a lower-case folder-name piece: runs of other characters become one ``-``."""
    import re

    return re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-").lower()


def start_run(out_dir: Path, record: Mapping[str, Any], *, volatile: tuple[str, ...], resume_changed: bool) -> None:
    """Refuse a run folder that holds another configuration (unless ``resume_changed``), then
    record this one in ``out_dir/config.json``."""
    from ..io import write_json

    check_run_folder(out_dir, record, ignore=volatile, resume_changed=resume_changed)
    write_json(out_dir / "config.json", dict(record))


def failed_rows(rows: list[dict[str, Any]], describe: Any) -> list[str]:
    """One line per failed job of the runner's ``rows``: ``describe(job_config)``: error."""
    return [f"{describe(r['config'])}: {r['error']}" for r in rows if r["error"]]
