"""The information plane's numbers with their full uncertainty, and the inequalities they must obey.

Every plotted point is the mean over seeds of one (layer, epoch, quantity, estimator). Its
standard error combines the two sources of doubt: the spread between seeds (each seed its own
split, network and estimator noise) and the estimators' own standard errors,

    se = sqrt((sd**2 + mean(stderr**2)) / n_seeds),

so one seed gives its estimator's standard error and many seeds with a deceptively small spread
(three values that agree by chance) still carry the estimators' own noise. Error bars, table
entries and checks all use the 95% half-width ``Z95 * se``.

Three inequalities hold for the true values, and each is checked on these points with the one
comparison rule of :func:`infolens.stats.compare` at ``z = Z95`` (no extra slack): a point is
flagged when it breaks the inequality *beyond* the combined error of the two sides, and only then.

- ``I(L;Y) <= H(Y)`` for every estimate (Y is discrete);
- data processing, ``I(L;Y) <= I(X;L)``: Y -> X -> L is a Markov chain;
- the layer chain, ``I(L_j;X) <= I(L_i;X)`` and ``I(L_j;Y) <= I(L_i;Y)`` for a deeper layer
  j > i: L_j is a function of L_i.

The flags are :class:`~infolens.errors.Flag` strings with code ``"exceeds-entropy"`` (above H(Y))
or ``"bound-broken"`` (data processing, layer chain) and the numbers behind them in ``.data``; the figures ring exactly the points the report lists.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ...errors import Flag, flag
from ...stats import Z95, compare

X_Q, Y_Q = "I(X;L)", "I(L;Y)"


def _finite(v: Any) -> float | None:
    """``v`` as a float, or ``None`` when missing or not finite (a standard error not reported)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def aggregate(ok: Any) -> Any:
    """Seeds pooled per (layer, epoch, quantity, method): ``mi`` the mean over seeds; ``sd`` their
    standard deviation (NaN for one seed); ``own_se`` the root-mean-square of the estimators' own
    standard errors; ``se`` the combined standard error of the mean (module docstring); ``err95``
    = ``Z95 * se``, the half-width of the error bars; ``n_seeds``."""
    import pandas as pd

    ok = ok if "seed" in ok.columns else ok.assign(seed=0)
    rows = []
    for (layer, epoch, q, m), g in ok.groupby(["layer", "epoch", "quantity", "method"], sort=False):
        v = g["mi"].astype(float).to_numpy()
        own = pd.to_numeric(g["stderr"], errors="coerce").to_numpy(float)
        k = len(v)
        sd = float(np.std(v, ddof=1)) if k > 1 else float("nan")
        own_se = float(np.sqrt(np.nanmean(own**2))) if np.isfinite(own).any() else float("nan")
        var = (sd**2 if np.isfinite(sd) else 0.0) + (own_se**2 if np.isfinite(own_se) else 0.0)
        se = math.sqrt(var / k) if np.isfinite([sd, own_se]).any() else float("nan")
        rows.append({"layer": layer, "epoch": int(epoch), "quantity": q, "method": m, "mi": float(v.mean()), "sd": sd,
                     "own_se": own_se, "se": se, "err95": Z95 * se, "n_seeds": k})
    cols = ["layer", "epoch", "quantity", "method", "mi", "sd", "own_se", "se", "err95", "n_seeds"]
    return pd.DataFrame(rows, columns=cols)


def _above(value: float, limit: float, se_value: float | None, se_limit: float | None) -> tuple[bool, Any]:
    """``value > limit`` beyond the combined error (:func:`~infolens.stats.compare`, ``z = Z95``)."""
    c = compare(value, limit, se_value, se_limit, z=Z95)
    return bool(c.differ and c.gap > 0), c


def h_y_flags(table: Any, h_y: float) -> list[Flag]:
    """Every I(L;Y) estimate (each seed's own) above H(Y) beyond its standard error."""
    out = []
    ly = table[(table["quantity"] == Y_Q) & table["error"].isna()]
    for _, r in ly.iterrows():
        bad, c = _above(float(r["mi"]), h_y, _finite(r["stderr"]), None)
        if bad:
            seed = f" seed {r['seed']}" if "seed" in ly.columns else ""
            out.append(flag("exceeds-entropy", f"{r['method']} {r['layer']} epoch {r['epoch']}{seed}: {r['mi']:.3f} > "
                            f"H(Y) = {h_y:.3f} (by {c.gap:.3f}, 95% tolerance {c.tolerance:.3f})",
                            check="h_y", method=str(r["method"]), layer=str(r["layer"]), epoch=int(r["epoch"]),
                            value=float(r["mi"]), h_y=h_y, gap=c.gap, tolerance=c.tolerance))
    return out


def dpi_flags(agg: Any) -> list[Flag]:
    """Points of the plane above the diagonal beyond their combined error: I(L;Y) > I(X;L) for one
    layer and epoch, for every pair of an I(X;L) and an I(L;Y) estimator."""
    out = []
    xl = agg[agg["quantity"] == X_Q]
    ly = agg[agg["quantity"] == Y_Q]
    for _, rx in xl.iterrows():
        for _, ry in ly[(ly["layer"] == rx["layer"]) & (ly["epoch"] == rx["epoch"])].iterrows():
            bad, c = _above(float(ry["mi"]), float(rx["mi"]), _finite(ry["se"]), _finite(rx["se"]))
            if bad:
                out.append(flag("bound-broken", f"{rx['layer']} epoch {rx['epoch']}: I(X;L) {rx['method']} {rx['mi']:.3f} < "
                                f"I(L;Y) {ry['method']} {ry['mi']:.3f} (by {c.gap:.3f}, 95% tolerance {c.tolerance:.3f})",
                                check="dpi", layer=str(rx["layer"]), epoch=int(rx["epoch"]), x_method=str(rx["method"]),
                                y_method=str(ry["method"]), x_value=float(rx["mi"]), y_value=float(ry["mi"]), gap=c.gap,
                                tolerance=c.tolerance))
    return out


def chain_flags(agg: Any, layers: Sequence[str]) -> list[Flag]:
    """Pairs of layers where the deeper one knows more (about X, or about Y) than a shallower one
    beyond their combined error, per quantity, estimator and epoch; every pair i < j is checked."""
    out = []
    order = {name: i for i, name in enumerate(layers)}
    for (q, m, epoch), g in agg.groupby(["quantity", "method", "epoch"], sort=False):
        g = g[g["layer"].isin(order)].sort_values("layer", key=lambda s: s.map(order))
        recs = g.to_dict("records")
        for i, shallow in enumerate(recs):
            for deep in recs[i + 1:]:
                bad, c = _above(float(deep["mi"]), float(shallow["mi"]), _finite(deep["se"]), _finite(shallow["se"]))
                if bad:
                    out.append(flag("bound-broken", f"{q} {m} epoch {epoch}: {deep['layer']} {deep['mi']:.3f} > "
                                    f"{shallow['layer']} {shallow['mi']:.3f} (by {c.gap:.3f}, 95% tolerance {c.tolerance:.3f})",
                                    check="chain", quantity=str(q), method=str(m), epoch=int(epoch),
                                    deep=str(deep["layer"]), shallow=str(shallow["layer"]), deep_value=float(deep["mi"]),
                                    shallow_value=float(shallow["mi"]), gap=c.gap, tolerance=c.tolerance))
    return out


def check_bounds(table: Any, h_y: float, layers: Sequence[str] | None = None) -> dict[str, Any]:
    """All checks of the module docstring on the study's table (one row per seed and estimate).
    ``layers`` orders the layers from input to output (default: their order in ``table``, which is
    the order the jobs are made in). Returns ``h_y``, ``violations`` (above H(Y)),
    ``dpi_violations``, ``chain_violations`` (lists of flags), ``all_finite`` and ``n_estimates``."""
    ok = table[table["error"].isna()]
    agg = aggregate(ok)
    order = list(layers) if layers is not None else list(dict.fromkeys(table["layer"]))
    return {"h_y": h_y, "violations": h_y_flags(table, h_y), "all_finite": bool(np.all(np.isfinite(ok["mi"].astype(float)))),
            "n_estimates": int(len(ok)), "dpi_violations": dpi_flags(agg), "chain_violations": chain_flags(agg, order)}
