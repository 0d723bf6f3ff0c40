"""The command line of a study, generated from its ``Config`` dataclass: one flag per field (help:
the field's docstring and default), read back over the ``--config`` YAML file.

``out_dir`` is ``--out``; lists and ``{name: params}`` maps are comma-separated; booleans get
``--x/--no-x`` (``--thorough`` among them); ``verbose`` is ``--quiet`` and ``resume_changed``
``--resume-changed`` (offered only by a study whose ``Config.RESUMES_CHANGED`` is true).
"""

from __future__ import annotations

import argparse
import ast
import functools
import inspect
import textwrap
import types
import typing
from dataclasses import MISSING, fields
from typing import Any, Mapping, TypeVar

from .config import cli_overrides, load_config

C = TypeVar("C")

#: fields with a flag of their own that is not ``--field-name``
_FLAG_NAMES = {"out_dir": ("--out", "--out-dir")}
#: fields served by the flags every study has (``--quiet``, ``--resume-changed``)
_COMMON = ("verbose", "resume_changed")


def field_docs(cls: type) -> dict[str, str]:
    """The one-line docstring under each dataclass field (its own class or a base's)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or "__dataclass_fields__" not in vars(klass):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):  # no source (e.g. made at runtime): no docs
            continue
        body = tree.body[0].body  # type: ignore[attr-defined]
        for node, nxt in zip(body, body[1:]):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)
            ):
                docs[node.target.id] = " ".join(nxt.value.value.split())
    return docs


def _parts(tp: Any) -> tuple[str, Any]:
    """How a field's type is given on the command line: ``("bool", None)``, ``("list", item
    type)``, ``("names", None)`` (a mapping of names to parameters) or ``("value", types)``."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        if len(members) == 1:
            return _parts(members[0])
        return "value", tuple(members)
    if tp is bool:
        return "bool", None
    if origin in (list, tuple):
        return "list", args[0] if args else str
    if origin in (dict, Mapping) or tp is dict:
        return "names", None
    return "value", (tp,) if isinstance(tp, type) else (str,)


def _convert(text: str, kinds: tuple[Any, ...]) -> Any:
    """The first of ``kinds`` (int, float, str, ...) that reads ``text``."""
    for kind in kinds:
        try:
            return kind(text)
        except (TypeError, ValueError):
            continue
    raise argparse.ArgumentTypeError(f"{text!r} is not a {' or '.join(k.__name__ for k in kinds)}")


def add_arguments(parser: argparse.ArgumentParser, cls: type) -> None:
    """One flag per field of the study's ``Config`` (help: the field's docstring and default),
    plus ``--config FILE.yaml``, ``--quiet`` and, for a study whose ``Config.RESUMES_CHANGED``
    is true, ``--resume-changed``."""
    docs = field_docs(cls)
    hints = typing.get_type_hints(cls)
    parser.add_argument("--config", help=f"YAML file with {cls.__name__} keys (flags override it)")
    for f in fields(cls):
        if f.name in _COMMON:
            continue
        kind, item = _parts(hints[f.name])
        default = f.default if f.default is not MISSING else (f.default_factory() if f.default_factory is not MISSING else None)  # type: ignore[misc]
        if kind == "names" and isinstance(default, Mapping):
            default = ",".join(default)
        elif kind == "list" and isinstance(default, (list, tuple)):
            default = ",".join(map(str, default))
        helptext = (docs.get(f.name, "") + f" (default: {default})").replace("%", "%%").strip()
        names = _FLAG_NAMES.get(f.name, ("--" + f.name.replace("_", "-"),))
        if kind == "bool":
            parser.add_argument(*names, dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=helptext)
        elif kind in ("list", "names"):
            what = "names" if kind == "names" else "values"
            parser.add_argument(*names, dest=f.name, metavar=f.name.upper(), help=f"comma-separated {what}: {helptext}")
        else:
            parser.add_argument(*names, dest=f.name, type=functools.partial(_convert, kinds=item), help=helptext)
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    if getattr(cls, "RESUMES_CHANGED", False):  # a study whose run folder cannot mix runs has no such flag
        parser.add_argument(
            "--resume-changed",
            action="store_true",
            help="add this run's jobs to an --out folder that holds a run with another configuration",
        )


def config_from_args(args: argparse.Namespace, cls: type[C]) -> C:
    """The ``--config`` file with the flags that were given written over it, as a checked
    ``cls``. Comma-separated lists are split and typed; ``--estimators a,b`` keeps the
    parameters the file (or the default) gives ``a`` and ``b``."""
    hints = typing.get_type_hints(cls)
    spec: Any = cls  # a dataclass
    plain = [f.name for f in fields(spec) if f.name not in _COMMON and _parts(hints[f.name])[0] in ("value", "bool")]
    cfg = cli_overrides(args, tuple(plain))
    for f in fields(spec):
        kind, item = _parts(hints[f.name])
        text = getattr(args, f.name, None)
        if f.name in _COMMON or kind not in ("list", "names") or text is None:
            continue
        names = [t.strip() for t in str(text).split(",") if t.strip()]
        if kind == "list":
            cfg[f.name] = [_convert(t, (item,) if isinstance(item, type) else (str,)) for t in names]
        else:
            prev = cfg.get(f.name)
            if prev is None and f.default_factory is not MISSING:  # type: ignore[misc]
                prev = f.default_factory()  # type: ignore[misc]
            prev = prev if isinstance(prev, Mapping) else {}
            cfg[f.name] = {n: dict(prev.get(n) or {}) for n in names}
    return load_config(cls, cfg)
