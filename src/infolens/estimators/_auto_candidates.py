"""The candidates of ``method="auto"`` (:mod:`infolens.estimators.auto`): one row each.

A row says which registered estimator runs, in which **role**, when (joint dimensions,
smallest n, budgets), on what (the raw data or their normal scores; every row or the
``check_rows`` subsample) and with which parameters. auto's branches (:mod:`._auto_branches`)
iterate the rows of a role; they never name an estimator. A new candidate is its estimator
class, registered with its ``bias`` tag (:attr:`infolens.result.Estimator.bias`), plus one
row in :data:`CANDIDATES`; the role says where auto takes it.

Roles (the branch of auto that reads them, in the order the rows are listed):

* ``PLUG_IN``: both sides discrete; the one row is the answer.
* ``MIXED``: one side mixes discrete and continuous columns, the other is continuous: the
  chain rule over the discrete columns' patterns is the answer (:mod:`.mixed_chain`).
* ``PLUG_IN_CHECK``: both sides discrete; the other side of the plug-in's bias correction
  (the chance-corrected plug-in, low under dependence where the Miller-Madow one is high):
  their gap grades the answer and both bound the range.
* ``LABEL_MODEL``: one side a label; always run on every row, the answer when nothing else ran
  (a model: ``bias`` is set to "unknown" by the row).
* ``LABEL_KNN``: one side a label, the continuous side within the row's dimensions; the first
  that runs is the answer, cross-checked with the label model.
* ``LABEL_BOUND``: one side a label above the kNN rows' dimensions: held-out lower bounds,
  the one highest on its validation rows (:func:`~.probe.validation_bound`) kept.
* ``COPULA`` / ``HEAVY_COPULA``: both continuous; the copula models (the second runs when the
  first finds the dependence non-Gaussian) checked by the ``KNN`` row's reader.
* ``KNN``: the reader of the copula model check (KSG on normal scores), rerun on every row in
  few dimensions when no model explains the data (it may be the answer).
* ``LOW_READER``: no copula model explains the data: run, and the highest of every candidate
  that reads low (bias "lower-bound" or "low") is kept. A row with ``checks_model`` also runs
  before a copula model is kept (above ``CORROBORATE_MAX_DIM`` joint dims): lying
  significantly above the model, it rejects the model.
* ``UNBIASED``: run beside the low readers; the first (in table order) that lies above the
  highest low reader, with no downward bias of its own, is kept instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._auto_rules import (
    BUDGETS,
    CORROBORATE_MAX_DIM,
    DIFFUSION_MIN_N,
    NEURAL_MIN_N,
    PROJECTION_MIN_N,
    PROBE_MIN_N,
    THOROUGH_EPOCHS,
    WKL_MIN_N,
)
from ._trust import normal_scores
from .knn import KNN_MAX_JOINT_DIM

if TYPE_CHECKING:
    from .auto import AutoMI

PLUG_IN = "plug-in"
PLUG_IN_CHECK = "plug-in-check"
MIXED = "mixed"
LABEL_MODEL = "label-model"
LABEL_KNN = "label-knn"
LABEL_BOUND = "label-bound"
COPULA = "copula"
HEAVY_COPULA = "heavy-copula"
KNN = "knn"
LOW_READER = "low-reader"
UNBIASED = "unbiased"
ROLES = (PLUG_IN, PLUG_IN_CHECK, MIXED, LABEL_MODEL, LABEL_KNN, LABEL_BOUND, COPULA, HEAVY_COPULA, KNN, LOW_READER, UNBIASED)
#: the bias tags of a candidate that reads low (:attr:`infolens.result.Estimator.bias`)
LOW_BIASES = ("lower-bound", "low")
#: budgets at which auto trains networks ("fast" runs closed forms and kNN only)
TRAINED = ("default", "thorough")

Params = Callable[["AutoMI", int], dict[str, Any]]


def seeded(a: AutoMI, seed: int) -> dict[str, Any]:
    """``random_state`` only."""
    return {"random_state": seed}


def neural_params(a: AutoMI, seed: int) -> dict[str, Any]:
    """A trained candidate: seeded, auto's ``verbose``; ``THOROUGH_EPOCHS`` at budget "thorough"."""
    p: dict[str, Any] = {"random_state": seed, "verbose": a.verbose}
    if a.budget == "thorough":
        p["epochs"] = THOROUGH_EPOCHS
    return p


def trained_params(a: AutoMI, seed: int) -> dict[str, Any]:
    """A trained candidate at its own default length: seeded, auto's ``verbose``."""
    return {"random_state": seed, "verbose": a.verbose}


@dataclass(frozen=True)
class Row:
    """One candidate of auto (see the module docstring for the roles)."""

    #: the registered estimator's name (also the candidate's key in ``diagnostics["candidates"]``)
    method: str
    role: str
    #: runs when ``min_dim < d <= max_dim`` (d: the joint dimension of the continuous sides)
    min_dim: int = 0
    max_dim: float = math.inf
    min_n: int = 0
    budgets: tuple[str, ...] = BUDGETS
    #: "raw" (the data) or "scores" (each continuous column's normal scores)
    inputs: str = "scores"
    #: "check" (the seeded subsample of ``check_rows`` rows when n is larger) or "all"
    rows: str = "check"
    #: the estimator's parameters, from auto and the seed of the run
    params: Params = seeded
    #: the name of auto's parameter that names the estimator instead of ``method``
    #: (``neural=``, ``diffusion=``)
    method_param: str | None = None
    #: overrides the class's ``bias`` tag where the use differs
    bias: str | None = None
    #: LOW_READER: also run to challenge a copula model before it is kept
    checks_model: bool = False
    #: what the choice's explanation calls it (``{d}``: joint dims, ``{method}``: its name)
    says: str = ""

    def name(self, auto: AutoMI) -> str:
        """The estimator this row runs for ``auto``."""
        return str(getattr(auto, self.method_param)) if self.method_param else self.method

    def applies(self, d: int, n: int, budget: str) -> bool:
        """Whether the row runs at joint dimension ``d``, ``n`` rows and ``budget``."""
        return self.min_dim < d <= self.max_dim and n >= self.min_n and budget in self.budgets


def _probe(a: AutoMI, seed: int) -> dict[str, Any]:
    # shrinkage LDA alone (closed forms) at "fast"
    return {"random_state": seed, **({"C": ()} if a.budget == "fast" else {})}


#: every candidate of auto, in the order they run within a role
CANDIDATES: tuple[Row, ...] = (
    Row("binning", PLUG_IN, inputs="raw", rows="all",
        params=lambda a, s: {"discrete_x": True, "discrete_y": True}),
    Row("mixed-chain", MIXED, inputs="raw", rows="all", params=lambda a, s: {"random_state": s},
        says="the chain rule over the discrete columns' patterns, I(Xd;Y) + I(Xc;Y|Xd)"),
    Row("plugin-chance", PLUG_IN_CHECK, inputs="raw", rows="all",
        params=lambda a, s: {"discrete_x": True, "discrete_y": True, "random_state": s},
        says="the chance-corrected plug-in"),
    # the class-conditional copula models each class as a Gaussian: no fixed bias direction
    # (784 pixels at n = 20,000 it read 2.59 for a truth of 1.88)
    Row("gaussian-copula", LABEL_MODEL, inputs="raw", rows="all", bias="unknown",
        params=lambda a, s: {"discrete_y": True}, says="the class-conditional Gaussian copula"),
    Row("ross", LABEL_KNN, max_dim=KNN_MAX_JOINT_DIM,
        params=lambda a, s: {"discrete_y": True, "random_state": s},
        says="the kNN estimator made for labels (Ross 2014)"),
    # two families of held-out cross-entropy bounds on the same seeded split
    Row("probe", LABEL_BOUND, min_dim=KNN_MAX_JOINT_DIM, min_n=PROBE_MIN_N, inputs="raw", params=_probe,
        says="linear probe"),
    Row("classifier", LABEL_BOUND, min_dim=KNN_MAX_JOINT_DIM, min_n=NEURAL_MIN_N, budgets=TRAINED, inputs="raw",
        params=neural_params, says="neural classifier"),
    Row("gaussian-copula", COPULA, inputs="raw", rows="all", params=lambda a, s: {"discrete_y": False}),
    # its model check is run by auto, with the KSG candidate already computed
    Row("t-copula", HEAVY_COPULA, inputs="raw", params=lambda a, s: {"random_state": s, "model_check": False}),
    Row("ksg", KNN, max_dim=KNN_MAX_JOINT_DIM),
    # KSG on learned canonical and co-skewness directions, read on held-out rows (cheap: it
    # challenges the model first; y = (w.x)^2 + e in 100 dims was invisible to every other check)
    Row("projection", LOW_READER, min_dim=KNN_MAX_JOINT_DIM, min_n=PROJECTION_MIN_N, checks_model=True),
    Row("infonce", LOW_READER, min_n=NEURAL_MIN_N, budgets=TRAINED, params=neural_params, method_param="neural",
        checks_model=True),
    Row("wkl", UNBIASED, min_dim=CORROBORATE_MAX_DIM, max_dim=KNN_MAX_JOINT_DIM, min_n=WKL_MIN_N,
        says="in {d} joint dimensions KSG and the lower bounds read low, and the bias-corrected weighted kNN "
             "estimator ({method})"),
    Row("mmg", UNBIASED, min_dim=KNN_MAX_JOINT_DIM, min_n=DIFFUSION_MIN_N, budgets=TRAINED,
        params=trained_params, method_param="diffusion",
        says="in {d} joint dimensions kNN cannot run and the lower bounds read low, and the diffusion "
             "estimator ({method})"),
)


def rows(*roles: str) -> list[Row]:
    """The rows of the given roles, in table order (the table is read at call time: a row
    added to :data:`CANDIDATES` takes part in the next run)."""
    return [r for r in CANDIDATES if r.role in roles]


def row(role: str) -> Row:
    """The one row of a role that has exactly one (the copula models, the kNN reader)."""
    found = rows(role)
    if len(found) != 1:
        raise LookupError(f"auto's candidate table needs exactly one row of role {role!r}, has {len(found)}")
    return found[0]


class Feeds:
    """The inputs of the candidates of one run: the data on every row and on the ``check``
    rows (``idx``: the subsample's indices, or None for all rows), raw or as normal scores
    (computed once, when a row first needs them; a label side stays as it is)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, idx: np.ndarray | None, y_label: bool = False) -> None:
        self.raw = {"all": (x, y), "check": (x, y) if idx is None else (x[idx], y[idx])}
        self.scores: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.y_label = y_label

    def of(self, row: Row) -> tuple[np.ndarray, np.ndarray]:
        """The ``(x, y)`` that ``row`` runs on."""
        x, y = self.raw[row.rows]
        if row.inputs == "raw":
            return x, y
        if row.rows not in self.scores:
            self.scores[row.rows] = (normal_scores(x), y if self.y_label else normal_scores(y))
        return self.scores[row.rows]
