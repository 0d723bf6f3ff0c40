"""The one source of the kNN estimators' shared parameters and their defaults.

Every kNN estimator (``ksg``, ``ksg2``, ``kl``, ``wkl``, ``ross``, ``mixed``) takes the
parameters of :data:`KNN_PARAMS`; an estimator's own parameters (KSG's ``algorithm``, the
``discrete_x``/``discrete_y`` of ross and mixed) come right after ``k`` and are declared on
the class (``_own_params``). :data:`DEFAULT_OVERRIDES` lists, in one table, every place where
a registered estimator departs from the shared defaults, and why.
:class:`~infolens.estimators.knn.KNNEstimator` builds each class's signature from these
tables (positional use keeps working: ``KSG(3)`` is ``k=3``), so ``inspect.signature``,
``help()``, ``get_params()`` and ``repr()`` show the full list.
"""

from __future__ import annotations

import inspect
from typing import Any

from .neural.params import Param
from .param_tables import table_signature

#: shared parameters of every kNN estimator, in signature order (``k`` first, then the
#: estimator's own, then the rest)
KNN_PARAMS: dict[str, Param] = {
    "k": Param(5, "int", "neighbours (3-10 is usual; larger k: lower variance, more bias)"),
    "ties": Param("dequantize", "str", '"dequantize", "jitter" or "none" (infolens.estimators.ties)'),
    "standardize": Param(True, "bool", "scale each column to unit variance first (the estimate is then invariant "
                         "to per-column rescaling)"),
    "n_subsamples": Param(10, "int", "random halves of the data for a half-sampling standard error; 0 turns the "
                          "standard error off (with the jackknife, any value > 0 turns it on)"),
    "interval": Param("auto", "str", '"auto" (the delete-one jackknife where the estimator has one, KSG algorithm 1, '
                      "its interval's upper end adding the bias its rise with n implies; else half-sampling), "
                      '"jackknife" or "half-sampling"'),
    "backend": Param("auto", "str", '"auto", "tree" (KD-trees), "brute" (chunked exact, torch); a 1+1 KSG uses '
                     "a compiled grid search under auto"),
    "random_state": Param(None, "Any", "seed of the tie-breaking noise and of any subsampling"),
}

#: every deliberate departure from KNN_PARAMS, by registered name
DEFAULT_OVERRIDES: dict[str, dict[str, Any]] = {
    # the weights that cancel the bias terms are supported on {floor(k/d), ..., k}: they need a larger k
    "wkl": {"k": 10},
}

INTERVALS = ("auto", "jackknife", "half-sampling")


def knn_defaults(name: str) -> dict[str, Any]:
    """The shared parameters of the estimator registered as ``name``, with their defaults."""
    over = DEFAULT_OVERRIDES.get(name, {})
    return {k: over.get(k, p.default) for k, p in KNN_PARAMS.items()}


def build_signature(own: dict[str, Param], defaults: dict[str, Any]) -> inspect.Signature:
    """``(self, k, *own, *rest)``, all positional-or-keyword, with ``defaults``."""
    names = ["k", *own, *(n for n in defaults if n != "k")]
    table = {}
    for n in names:
        p = own.get(n) or KNN_PARAMS[n]
        table[n] = p._replace(default=defaults.get(n, p.default))
    return table_signature(table)


def params_doc(own: dict[str, Param], defaults: dict[str, Any]) -> str:
    """A "Parameters" section for a class docstring (name, default, one line)."""
    lines = ["", "", "Parameters (``infolens.estimators.knn_params``):", ""]
    lines += [f"- ``{k}={p.default!r}``: {p.doc}" for k, p in own.items()]
    lines += [f"- ``{k}={v!r}``: {KNN_PARAMS[k].doc}" for k, v in defaults.items()]
    return "\n".join(lines)
