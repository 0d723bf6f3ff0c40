"""Conditional independence test: is I(X;Y|Z) > 0?

The statistic is the Frenzel-Pompe estimate of I(X;Y|Z) (:mod:`infolens.estimators.cmi`;
for a discrete Z, the sum over Z's levels of KSG within each). Its null needs draws of X that
keep X's relation to Z and break only what X says about Y beyond Z:

* a discrete Z: X permuted within each level of Z. Under X independent of Y given Z the
  rows of one level are exchangeable, so the p-value is exact, as for the unconditional test.
* a continuous Z: a *local* permutation. Each row takes the X of one of its ``k_perm``
  nearest rows in Z (itself included), drawn so that as few rows as possible are used twice
  (rows visited in random order, each taking a not yet used neighbour where it can). X then
  moves only among rows with nearly the same Z, which keeps X's dependence on Z. The test is
  approximate: it is exact in the limit where neighbours in Z share one conditional law of
  X. A global permutation would break X's dependence on Z too and call any X and Y that share
  a common cause dependent (a Gaussian chain X <- Z -> Y, n = 500: every permutation test
  rejected; measured in ``tests/test_conditional_test.py`` and docs/estimators.md).

``k_perm`` trades size for power: more neighbours give the null room (a dependence of y on x
given z found in 26/30 tests with 10 neighbours, 22/30 with 5) but move X across Z, which
inflates the size where X changes fast with Z (x = sin 5z + 0.2 e against y = cos 4z + 0.2 e,
n = 500: 30% rejected at level 0.05 with 10 neighbours, 8% with 5; n = 200: 85% with 10). The
default is 5 (:data:`K_PERM`): smooth relations (a Gaussian chain, x = sin 2z + 0.3 e, 3-dim
Z) gave 0-3% at 0.05 with it. How far X moves is measured on the data, as the *smear*: the
mean squared difference of X between a row and its neighbours in Z, over that between a row
and its nearest one, less 1 (X's own noise cancels; what is left is X's change across the
neighbourhood). Its noise is about sqrt(2/n) (0.06 at n = 500), too large to choose
``k_perm`` by, but a smear beyond :data:`SMEAR_MAX` by more than its standard error is
warned (one-sided at level 0.05: the p-value is then too small).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError, InputTypeError, flag
from .validation import (
    as_labels,
    check_array,
    check_positive_int,
    check_xy,
    resolve_discrete,
)

#: neighbours in Z among which a row's X may move (itself included) under a continuous Z
K_PERM = 5
#: the largest smear without a warning: measured, smooth relations (a Gaussian chain,
#: x = sin 2z + 0.3 e, 3-dim Z at n >= 500) gave smears of 0.00-0.04 with 5 neighbours and
#: sizes of 0-3% at level 0.05; x = sin 5z + 0.2 e at n = 500 gave 0.061 (size 8%) and 0.136
#: with 10 neighbours (size 30%)
SMEAR_MAX = 0.05
#: names of the statistic a conditional test accepts (the Frenzel-Pompe estimator)
CONDITIONAL_METHODS = ("ksg", "auto", "frenzel-pompe", "cmi")


def local_permutation(nbrs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw of the local permutation: ``out[i]`` is one of ``nbrs[i]`` (row ``i``'s
    neighbours in Z, itself included), rows visited in random order, each taking a random
    neighbour not taken before where one is left (else a random neighbour)."""
    n, m = nbrs.shape
    used = np.zeros(n, dtype=bool)
    out = np.empty(n, dtype=np.int64)
    order = rng.permutation(n)
    shuffled = np.take_along_axis(nbrs, np.argsort(rng.random((n, m)), axis=1), axis=1)
    for i in order:
        cand = shuffled[i]
        free = cand[~used[cand]]
        j = int(free[0]) if free.size else int(cand[0])
        out[i] = j
        used[j] = True
    return out


def smear(xp: np.ndarray, idx: np.ndarray, m: int) -> tuple[float, float]:
    """How far x moves among a row's ``m`` nearest rows in z (itself included): the mean squared
    difference to those ``m - 1`` neighbours (``idx``, nearest first) over that to the nearest,
    less 1 (module docstring); and its standard error (rows taken as independent: the ratio's
    noise is about sqrt(2 / n), 0.06 at n = 500, as large as the line itself)."""
    d1 = np.sum((xp - xp[idx[:, 0]]) ** 2, axis=1)
    dm = np.mean(np.sum((xp[:, None, :] - xp[idx[:, : m - 1]]) ** 2, axis=2), axis=1)
    base = float(d1.mean())
    if base <= 0:
        return 0.0, 0.0
    return float(dm.mean()) / base - 1.0, float(np.std(dm - d1, ddof=1) / np.sqrt(len(d1)) / base)


def conditional_test(x: Any, y: Any, z: Any, n_permutations: int, rng: np.random.Generator, *, k: int = 5,
                     k_perm: int | None = None, discrete_z: bool | str = "auto",
                     backend: str = "auto") -> dict[str, Any]:
    """The statistic, the null draws and how they were drawn (module docstring), in nats."""
    from .estimators import knn_backend as kb
    from .estimators.cmi import frenzel_pompe
    from .estimators.knn import ksg_mi
    from .estimators.ties import prepare

    P = check_positive_int(n_permutations, "n_permutations")
    k = check_positive_int(k, "k")
    kp = None if k_perm is None else check_positive_int(k_perm, "k_perm", minimum=2)
    try:
        xa, ya = check_xy(x, y, min_samples=k + 2)
    except InputTypeError as exc:
        raise InputTypeError(f"{exc}. In a conditional test x and y are read as numbers by the Frenzel-Pompe "
                             "statistic: pass a label as integer codes (its ties are broken by dequantisation)") from None
    za = check_array(z, "z", min_samples=k + 2, categorical=True)
    if len(za) != len(xa):
        raise InputError(f"z must have as many samples as x and y, got {len(za)} and {len(xa)}; pass paired samples")
    n = len(xa)
    disc = za.dtype.kind in "iu" or resolve_discrete(za, discrete_z, "z")[0]
    if disc:
        codes = as_labels(za, "z")
        levels, counts = np.unique(codes, return_counts=True)
        kept = levels[counts > k]
        if kept.size == 0:
            raise InputError(f"z is discrete and each of its {levels.size} levels has at most k={k} rows; the test "
                             "conditions within levels: merge levels, lower k, or pass discrete_z=False")
        strata = []
        rx, ry = np.zeros_like(xa, dtype=float), np.zeros_like(ya, dtype=float)  # (less each level's mean)
        for lev, count in zip(levels, counts):
            rows = np.flatnonzero(codes == lev)
            rx[rows], ry[rows] = xa[rows] - xa[rows].mean(axis=0), ya[rows] - ya[rows].mean(axis=0)
            if count > k:
                xs, _ = prepare(xa[rows], "x", "dequantize", True, rng)
                ys, _ = prepare(ya[rows], "y", "dequantize", True, rng)
                strata.append((xs, ys))
        weights = np.array([len(s[0]) for s in strata], dtype=np.float64)
        weights /= weights.sum()

        def stat_of(perms: list[np.ndarray] | None) -> float:
            return float(sum(w * ksg_mi(xs if perms is None else xs[perms[i]], ys, k=k, backend=backend)[0]
                             for i, (w, (xs, ys)) in enumerate(zip(weights, strata))))

        observed = stat_of(None)
        null = [stat_of([rng.permutation(len(s[0])) for s in strata]) for _ in range(P)]
        left_out = int(counts[counts <= k].sum())
        how = (f"x permuted within each of z's {kept.size} levels (exact under conditional independence)"
               + (f"; {left_out} rows in levels of at most k={k} rows left out" if left_out else ""))
        return {"statistic": observed, "null": null, "n": int(n - left_out), "null_kind": "within z's levels",
                "why": how, "k_perm": 0, "warnings": serial_residuals(rx, ry)}
    xp, _ = prepare(xa, "x", "dequantize", True, rng)
    yp, _ = prepare(ya, "y", "dequantize", True, rng)
    zp, _ = prepare(za, "z", "dequantize", True, rng)
    kp = K_PERM if kp is None else kp
    if kp >= n:
        raise InputError(f"k_perm={kp} must be below the number of rows ({n})")
    _d, idx, _w = kb.knn([zp], kp - 1, backend)
    moved, se = smear(xp, idx, kp)
    nbrs = np.hstack([np.arange(n)[:, None], idx])
    observed = frenzel_pompe(xp, yp, zp, k, backend)[0]
    null = [frenzel_pompe(xp[local_permutation(nbrs, rng)], yp, zp, k, backend)[0] for _ in range(P)]
    how = (f"local permutation: each row takes the x of one of its {kp} nearest rows in z (itself included), so x "
           f"keeps its relation to z (smear {moved:.3f}, at most {SMEAR_MAX} allowed); approximate (exact when "
           "neighbours in z share the law of x given z)")
    # the parts of x and y that z does not explain: each less the mean of its neighbours in z
    notes = serial_residuals(xp - xp[idx].mean(axis=1), yp - yp[idx].mean(axis=1))
    if moved - 1.645 * se > SMEAR_MAX:  # beyond the line, one-sided at level 0.05
        notes.append(flag(
            "small-sample",
            f"x changes across neighbours in z: with {kp} neighbours its mean squared difference to them is "
            f"{1 + moved:.2f}x that to the nearest (smear {moved:.3f} +- {se:.3f}, above {SMEAR_MAX}), so the local "
            "permutation moves x away from its own z and the p-value is too small (x = sin 5z + 0.2 e, n = 200: "
            "85% of tests of a true independence rejected at 0.05 with 10 neighbours); use more rows, or a smaller "
            "k_perm", smear=moved, k_perm=kp))
    return {"statistic": observed, "null": null, "n": n, "null_kind": "local permutation", "why": how, "k_perm": kp,
            "warnings": notes, "smear": moved}


def serial_residuals(rx: np.ndarray, ry: np.ndarray) -> list[Any]:
    """A ``serial-dependence`` warning when the parts of x and of y that z does not explain
    (``rx``, ``ry``, in the order given) are both serially correlated (the estimators' rule,
    :func:`~infolens.estimators._trust.serial_flags`, per side): every null here moves x
    between rows, which breaks that autocorrelation and makes the null too narrow. Residuals
    matter, not the series: x and y that follow a serial z with independent noise are fine."""
    from .estimators._trust import serial_side

    if len(rx) < 100:
        return []
    fx, fy = serial_side(rx, "x"), serial_side(ry, "y")
    if fx is None or fy is None:
        return []
    ax, ay = float(fx.data["autocorrelation"]), float(fy.data["autocorrelation"])
    return [flag(
        "serial-dependence",
        f"the parts of x and y that z does not explain are serially correlated in the order given (lag-1 rank "
        f"autocorrelation {ax:.2f} and {ay:.2f}): "
        "moving x between rows breaks that, so the null is too narrow and the p-value too small (x <- z -> y with "
        "AR(1) noise at 0.9, n = 500: 28/40 tests of a true conditional independence rejected at 0.05); no null "
        "here holds for such rows: test differenced series, or rows further apart than their autocorrelation",
        autocorrelation=max(ax, ay))]


def check_conditional_method(method: Any) -> str:
    if not isinstance(method, str) or method.lower() not in CONDITIONAL_METHODS:
        raise InputError(f"a conditional test (z given) uses the Frenzel-Pompe estimate of I(X;Y|Z); method must be one "
                         f"of {', '.join(CONDITIONAL_METHODS)}, got {method!r}")
    return "frenzel-pompe"


__all__ = ["K_PERM", "SMEAR_MAX", "conditional_test", "local_permutation", "smear"]
