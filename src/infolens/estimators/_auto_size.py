"""The rows each part of ``method="auto"`` runs on (:mod:`infolens.estimators.auto`, module
docstring, "Size"): the seeded subsample, and the model check grown to the rows its power
needs (:func:`~._auto_rules.check_rows_for_power`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._auto_evidence import Candidate, Evidence
from ._auto_rules import check_rows_for_power
from ._copula_check import ModelCheck, copula_model_check
from ._trust import normal_scores


def subsample(n: int, m: int, seed: int) -> np.ndarray | None:
    """Sorted indices of ``m`` random rows of ``n`` (seeded by ``seed`` and ``m``), or None
    when ``m >= n`` (all rows: the caller then uses its arrays unchanged)."""
    if m >= n:
        return None
    return np.sort(np.random.default_rng([seed, m]).choice(n, size=m, replace=False))


def sized_check(ev: Evidence, model: str, check: ModelCheck, x: np.ndarray, y: np.ndarray, seed: int,
                max_rows: int, run_ksg: Callable[[np.ndarray, np.ndarray], None]) -> ModelCheck:
    """The model check on as many rows as its power needs: ``check`` (on all rows, or on
    ``check_rows`` of them) is the pilot; when its two KSG values are too noisy to detect a
    10% error of the model (:func:`~._auto_rules.check_rows_for_power`), the KSG candidate
    (``run_ksg``, when it ran) and the check are rerun on a larger subsample of ``x``, ``y``,
    up to ``max_rows`` and n. Records the rule's numbers in ``ev.sizing``."""
    n, m = ev.n, check.rows
    se = check.gap_se
    need = check_rows_for_power(se, m, ev.ran[model].mi)
    grow = min(need, n, max(max_rows, m))
    ev.sizing = {"pilot_rows": m, "pilot_se": se, "rows_needed": need, "max_check_rows": max_rows, "rows": m}
    if grow <= m:
        return check
    idx = subsample(n, grow, seed)
    xs, ys = (x, y) if idx is None else (x[idx], y[idx])
    zx, zy = normal_scores(xs), normal_scores(ys)
    if "ksg" in ev.candidates:
        ev.sizing["pilot_ksg_seconds"] = ev.candidates["ksg"].seconds  # the rerun replaces the candidate
        run_ksg(zx, zy)
    ksg = ev.ran.get("ksg")
    grown = model_check_of(ev.ran[model], zx, zy, ksg.result if ksg else None, seed)
    if grown is None:
        return check
    ev.sizing["rows"] = grown.rows
    ev.sizing["se"] = grown.gap_se
    return grown


def model_check_of(cand: Candidate, zx: np.ndarray, zy: np.ndarray, ksg: Any, seed: int) -> ModelCheck | None:
    """:func:`~._copula_check.copula_model_check` of a fitted copula candidate."""
    res = cand.result
    if cand.method == "t-copula":
        r = np.asarray(res.diagnostics["dispersion"])
        nu = float(res.diagnostics["nu"])
    else:
        r = np.corrcoef(np.hstack([zx, zy]), rowvar=False)
        nu = math.inf
    return copula_model_check(r, nu, zx, zy, cand.method, seed, ksg, se_fit=res.stderr)
