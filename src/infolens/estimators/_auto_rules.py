"""The corroboration rules of ``method="auto"`` (:mod:`infolens.estimators.auto`): when two
candidates agree well enough to settle a caveat, which of the chosen candidate's warnings
still apply, and the combined standard error they are compared with."""

from __future__ import annotations

import math
from typing import Any

#: joint dimension up to which KSG on normal scores is close to unbiased even for
#: non-Gaussian dependence (suite, n = 5000: Student-t 1+1 and 2+2 within 15%, additive
#: noise and the swiss roll within 10%), so its agreement with a neural bound corroborates
CORROBORATE_MAX_DIM = 4
#: relative agreement that counts as corroboration (or 3 combined standard errors)
AGREE_RTOL = 0.10
#: smallest n for corroboration: at n = 1000 KSG on normal scores and InfoNCE read 30-40%
#: low *together* on Student-t 2+2 data (both biased the same way at small n); at n = 5000
#: both are within 15% (standard suite, 3 seeds)
CORROBORATE_MIN_N = 4000


def _corroborated(choice: str, results: dict[str, Any], d: int, n: int) -> bool:
    """True when the choice and a candidate of another family (KSG vs a neural bound) agree,
    in at most :data:`CORROBORATE_MAX_DIM` joint dimensions: two estimators with different
    failure modes giving the same number settle the shape-of-dependence caveats."""
    if d > CORROBORATE_MAX_DIM or n < CORROBORATE_MIN_N or choice == "gaussian-copula":
        return False
    chosen = results[choice]
    for k, r in results.items():
        if k in (choice, "gaussian-copula"):
            continue
        if abs(r.mi - chosen.mi) <= max(3 * _se(chosen, r), AGREE_RTOL * max(abs(chosen.mi), abs(r.mi))):
            return True
    return False


def _own_warnings(choice: str, chosen: Any, corroborated: bool) -> list[str]:
    """The chosen candidate's warnings that still apply: the copula's "not Gaussian" caveat
    concerns only the copula, and shape-of-dependence caveats (heavy joint tails) are settled
    when another family corroborates the number."""
    out = []
    for w in chosen.warnings:
        if choice != "gaussian-copula" and "not Gaussian" in w:
            continue
        if corroborated and "heavy joint tails" in w:
            continue
        out.append(w)
    return out


def _se(a: Any, b: Any) -> float:
    sa = a.stderr if a.stderr is not None and math.isfinite(a.stderr) else 0.0
    sb = b.stderr if b.stderr is not None and math.isfinite(b.stderr) else 0.0
    return float(math.hypot(sa, sb))

