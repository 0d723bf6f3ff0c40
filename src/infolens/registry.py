"""One registry of estimators, found by name.

Estimator modules live under ``infolens.estimators``; each class registers
itself with :func:`register`. The registry imports every module of that
package the first time a name is looked up, so adding an estimator is adding
a file (no central list to edit).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, Callable, TypeVar

from .errors import InputError, InputTypeError
from .result import Estimator

_REGISTRY: dict[str, type[Estimator]] = {}
_ALIASES: dict[str, str] = {}
_LOADED = False

T = TypeVar("T", bound=type)


def register(*aliases: str) -> Callable[[T], T]:
    """Class decorator: register an :class:`Estimator` under its ``name`` (and aliases)."""

    def deco(cls: T) -> T:
        name = getattr(cls, "name", "")
        if not name:
            raise TypeError(f"{cls.__name__} needs a class attribute `name` to be registered")
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise ValueError(f"estimator name {name!r} registered twice ({_REGISTRY[name].__name__}, {cls.__name__})")
        _REGISTRY[name] = cls
        for a in aliases:
            _ALIASES[a] = name
        return cls

    return deco


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    pkg = importlib.import_module("infolens.estimators")
    for mod in pkgutil.walk_packages(pkg.__path__, prefix="infolens.estimators."):
        importlib.import_module(mod.name)
    _LOADED = True


def list_estimators() -> list[str]:
    """Names of all registered estimators, sorted."""
    _load_all()
    return sorted(_REGISTRY)


def aliases() -> dict[str, str]:
    """The other names estimators answer to, ``{alias: registered name}`` (a copy)."""
    _load_all()
    return dict(_ALIASES)


def estimator_class(name: str) -> type[Estimator]:
    """The estimator class registered under ``name`` (or an alias)."""
    if not isinstance(name, str):
        raise InputTypeError(f"method must be an estimator name (a string such as 'ksg'), got {type(name).__name__}; "
                             "see infolens.list_estimators()")
    key = name.lower().replace("_", "-")
    if key not in _REGISTRY and key not in _ALIASES:
        _load_all()
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        import difflib

        close = difflib.get_close_matches(str(name).lower(), list(_REGISTRY) + list(_ALIASES), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise InputError(f"unknown method {name!r}; {hint}available: {', '.join(list_estimators())}")
    return _REGISTRY[key]


def check_params(name: str, params: dict[str, Any]) -> Estimator:
    """The estimator ``name`` built with ``params``, which are checked now: unknown names
    (with a did-you-mean) and, for estimators that check their parameters up front
    (``_check_params``), bad values. Configs call this before their first job, so a typo
    fails once instead of once per job."""
    est = get_estimator(name, **params)
    check = getattr(est, "_check_params", None)
    if callable(check):
        check()
    return est


def get_estimator(name: str, **params: Any) -> Estimator:
    """An instance of the estimator ``name`` with ``params``; unknown params are a clear error."""
    import inspect

    cls = estimator_class(name)
    sig = inspect.signature(cls.__init__)
    accepted = [p for p in sig.parameters if p != "self"]
    has_var_kw = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values())
    unknown = [p for p in params if p not in accepted]
    if unknown and not has_var_kw:
        import difflib

        hints = [f"{u!r} (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(u, accepted, n=1)) else repr(u)
                 for u in unknown]
        raise InputTypeError(
            f"method {cls.name!r} got unknown parameter(s) {', '.join(hints)}; it accepts: {', '.join(accepted)}"
        )
    return cls(**params)
