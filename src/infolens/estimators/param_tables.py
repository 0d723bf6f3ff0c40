"""Estimators whose parameters are declared in a table (name -> :class:`~.neural.params.Param`)
rather than written out in an ``__init__``: the kNN family (:mod:`.knn_params`) and the sliced
estimators (:data:`.sliced.SLICED_PARAMS`).

:func:`install_init` gives such a class an ``__init__`` whose signature is built from its
table (so ``inspect.signature``, ``help()``, ``get_params()`` and ``repr()`` show the full
list), and :func:`set_params` binds a call to that signature and stores each parameter as an
attribute (positional use keeps working; a wrong name is an ``InputTypeError`` listing the
accepted ones).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from ..errors import InputTypeError
from .neural.params import Param

__all__ = ["table_signature", "install_init", "set_params"]


def table_signature(table: dict[str, Param]) -> inspect.Signature:
    """``(self, *table)``, all positional-or-keyword, with the table's defaults and annotations."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature(
        [inspect.Parameter("self", kind)]
        + [inspect.Parameter(n, kind, default=p.default, annotation=p.annotation) for n, p in table.items()],
        return_annotation="None")


def set_params(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Bind ``args``/``kwargs`` to the signature of ``type(obj).__init__`` (defaults applied)
    and set each parameter as an attribute of ``obj``."""
    sig = inspect.signature(type(obj).__init__)
    try:
        bound = sig.bind(obj, *args, **kwargs)
    except TypeError as exc:
        raise InputTypeError(f"{type(obj).__name__}: {exc}; it takes "
                             f"{', '.join(p for p in sig.parameters if p != 'self')}") from exc
    bound.apply_defaults()
    for name, value in list(bound.arguments.items())[1:]:
        setattr(obj, name, value)


def install_init(cls: type, base_init: Callable[..., None], signature: inspect.Signature) -> None:
    """Give ``cls`` an ``__init__`` that calls ``base_init`` and shows ``signature``."""

    def __init__(self: Any, *args: Any, **kw: Any) -> None:
        base_init(self, *args, **kw)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = __init__  # type: ignore[misc]
