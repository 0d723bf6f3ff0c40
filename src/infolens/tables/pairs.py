"""One column pair: which estimator ``method="auto"`` runs, the estimate with its
validation notes, and the statistic of its permutation test. Shared by
:func:`~infolens.tables.feature_mi` and :func:`~infolens.tables.mi_matrix`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import Flag, flag
from ..estimators._ill_posed import deterministic_dependence, smooth_map
from ..estimators._trust import normal_scores
from ..estimators.ties import prepare
from ..registry import estimator_class, get_estimator
from ..result import MIResult
from ..validation import validation_notes
from . import kernels as K
from .columns import Column

#: what ``method="auto"`` runs for (feature kind, target kind)
AUTO = {
    ("continuous", "discrete"): "ross",  # Ross (2014): kNN, label vs continuous
    ("discrete", "continuous"): "ross",  # the same, sides swapped
    ("continuous", "continuous"): "ksg",  # Kraskov et al. (2004), algorithm 1
    ("discrete", "discrete"): "binning",  # plug-in with Miller-Madow
}


def auto_method(a: Column, b: Column) -> str:
    return AUTO[(a.kind, b.kind)]


def _accepts(name: str, param: str) -> bool:
    return param in inspect.signature(estimator_class(name).__init__).parameters


#: rows of a first look for the ill-posed test of a pair (every step-th row): the test sorts,
#: which on 10^6 rows cost half of what KSG costs there
SCREEN_ROWS = 20_000


def ill_posed_pair(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether one continuous column is (nearly) a function of the other beyond what the rows
    resolve: auto's first tests (:mod:`infolens.estimators._ill_posed`, O(n log n))."""
    x2, y2 = np.asarray(x, dtype=float).reshape(len(x), -1), np.asarray(y, dtype=float).reshape(len(y), -1)

    def found(a: np.ndarray, b: np.ndarray) -> bool:
        return (deterministic_dependence(a, b, normal_scores(a), normal_scores(b)) or smooth_map(a, b)) is not None

    step = len(x2) // SCREEN_ROWS
    if step > 1 and not found(x2[::step], y2[::step]):
        # what is beyond log n on all rows is beyond log m on m of them: a pass here is a pass
        return False
    return found(x2, y2)


#: a pair batched KSG reads below this (nats) is not given :func:`ill_posed_pair` (``mi_matrix``
#: in memory and on a cluster): the identity, exp, x^2 and sin 3x pairs the tests answer read
#: 0.8-6.3 by KSG at n = 20-3000 (and most pairs of a table read far less, so the tests cost
#: nothing there)
ILL_POSED_SCREEN = 0.5


def estimate_pair(a: Column, b: Column, method: str, params: dict[str, Any], seed: int) -> MIResult:
    """I(a; b) by ``method`` ("auto": :data:`AUTO`), seeded; validation notes join the
    result's warnings. ``params`` go to the estimator; with "auto", only those the chosen
    estimator takes (``k`` reaches ross and ksg, not binning)."""
    if method == "auto":
        name = auto_method(a, b)
        kw = {p: v for p, v in params.items() if _accepts(name, p)}
        if name == "ross":
            cont, lab = (a, b) if a.kind == "continuous" else (b, a)
            x, y = cont.values, lab.values
            kw["discrete_y"] = True
        elif name == "binning":
            x, y = a.values, b.values
            kw.update(discrete_x=True, discrete_y=True)
        else:
            x, y = a.values, b.values
            if ill_posed_pair(x, y):
                # a leak or an identity (one column a function of the other): auto's answer, the
                # finite-sample ceiling log n graded "unreliable" with code ill-posed, where KSG
                # read 6.3 nats for y = 2 x + 1 at n = 3000 with only a "rising" warning
                name, kw = "auto", {}
    else:
        name = method
        kw = dict(params)
        x, y = a.as_given(), b.as_given()  # labels stay labels: no estimator reads them as numbers
    if _accepts(name, "random_state"):
        kw["random_state"] = seed
    est = get_estimator(name, **kw)
    with validation_notes() as notes:
        res = est.estimate(x, y)
    for n in reversed(notes):
        if n not in res.warnings:
            res.warnings.insert(0, n)
    if name == "auto" and method == "auto":  # (a pair auto answered as ill-posed: two 1-D columns)
        res.warnings = [flag(w.code, str(w).replace("x column 0 and y column 0", "the two columns"), **w.data)
                        if isinstance(w, Flag) and w.code == "ill-posed" else w for w in res.warnings]
    return res


def stat_factory(
    a: Column, b: Column, method: str, params: dict[str, Any], rng: np.random.Generator
) -> tuple[Callable[[np.ndarray | None], np.ndarray], str]:
    """``(stat, how)``: ``stat(perms)`` is the test statistic with one side permuted by each
    row of ``perms`` (None: as given; permuting either side is the same test). "auto" pairs use the 1-D kernels of :mod:`.kernels` on
    columns prepared once (ties dequantised); any other method re-runs its estimator
    (without its standard error) on each permutation."""
    k = int(params.get("k", 5))
    if method == "auto":
        name = auto_method(a, b)
        if name == "binning":
            return K.plugin_stat_factory(a.values, b.values), "plug-in (Miller-Madow), permuted"
        if name == "ksg":
            xa = prepare(a.values[:, None], "x", "dequantize", True, rng)[0][:, 0]
            yb = prepare(b.values[:, None], "y", "dequantize", True, rng)[0][:, 0]
            return K.ksg_stat_factory(xa, yb, k), "ksg kernel, permuted"
        if a.kind == "continuous":
            xa = prepare(a.values[:, None], "x", "dequantize", True, rng)[0][:, 0]
            return K.ross_stat_factory(xa, b.values, k), "ross kernel, permuted"
        # a discrete column against a continuous target: permuting the labels (a) over the
        # fixed target is the same test as permuting the target
        yb = prepare(b.values[:, None], "y", "dequantize", True, rng)[0][:, 0]
        return K.ross_stat_factory(yb, a.values, k), "ross kernel, permuted"
    seed = int(rng.integers(0, 2**31 - 1))
    kw = dict(params)
    if _accepts(method, "n_subsamples"):
        kw["n_subsamples"] = 0
    if _accepts(method, "random_state"):
        kw["random_state"] = seed
    est = get_estimator(method, **kw)
    xa, yb = a.as_given(), b.as_given()

    def stat(perms: np.ndarray | None) -> np.ndarray:
        rows = [None] if perms is None else list(perms)
        out = []
        for p in rows:
            with validation_notes():
                out.append(est.estimate(xa if p is None else xa[p], yb).mi)
        return np.array(out)

    return stat, f"{method} re-estimated, permuted"
