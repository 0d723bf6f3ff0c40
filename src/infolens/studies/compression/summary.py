"""Tables of the compression study: the tidy long table, per-size values with error bars
(seeds pooled), the wide results table, plateaus and the checks against known truths."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..plateau import exceeds
from ..plateau import plateau as find_plateau


def tidy(results: list[dict[str, Any]]) -> Any:
    """One row per (size, seed, quantity, method): quantity "mi" (nats), "accuracy" or "auc"."""
    import pandas as pd

    recs = []
    for r in results:
        base = {"size": r["size"], "seed": r["seed"], "n_test": r["n_test"]}
        for clf, m in r["classifiers"].items():
            recs.append({**base, "quantity": "mi", "method": f"{clf} CE bound", "value": m["mi"], "se": m["mi_se"]})
            recs.append({**base, "quantity": "accuracy", "method": clf, "value": m["accuracy"], "se": m["accuracy_se"]})
            recs.append({**base, "quantity": "auc", "method": clf, "value": m["auc"], "se": m.get("auc_se", np.nan)})
        for name, e in r["estimators"].items():
            if e.get("mi") is not None:
                recs.append({**base, "quantity": "mi", "method": name, "value": e["mi"],
                             "se": np.nan if e["stderr"] is None else e["stderr"]})
    return pd.DataFrame.from_records(recs)


def _combine(group: Any) -> Any:
    """Seeds pooled: mean, and the larger of the between-seed standard error and the
    propagated per-seed errors (a single seed keeps its own standard error)."""
    import pandas as pd

    v, se = group["value"].to_numpy(float), group["se"].to_numpy(float)
    k = len(v)
    prop = math.sqrt(np.nanmean(se**2) / k) if np.isfinite(se).any() else np.nan
    between = float(np.std(v, ddof=1) / math.sqrt(k)) if k > 1 else np.nan
    return pd.Series({"value": float(v.mean()), "se": float(np.nanmax([prop, between])) if np.isfinite([prop, between]).any()
                      else np.nan, "n_seeds": k})


def summarize(long: Any, frac: float = 0.95) -> dict[str, Any]:
    """Per-size means with error bars, the wide results table and the plateau table."""
    import pandas as pd

    per = long.groupby(["quantity", "method", "size"], sort=True)[["value", "se"]].apply(_combine).reset_index()
    table = per.pivot_table(index="size", columns=["quantity", "method"], values="value").sort_index()
    wide = pd.DataFrame({"size": table.index, "pixels": table.index**2})
    for (q, m) in table.columns:
        sub = per[(per.quantity == q) & (per.method == m)].set_index("size").reindex(table.index)
        wide[f"{q} {m}"] = [f"{v:.3f} ± {s:.3f}" if np.isfinite(s) else f"{v:.3f}" for v, s in zip(sub.value, sub.se)]
    plats = []
    for (q, m), sub in per.groupby(["quantity", "method"]):
        if q == "auc":
            continue
        runs = long[(long.quantity == q) & (long.method == m)]
        vals = runs.pivot_table(index="size", columns="seed", values="value", dropna=False).reindex(sub["size"])
        ses = runs.pivot_table(index="size", columns="seed", values="se", dropna=False).reindex(sub["size"])
        p = find_plateau(sub["size"], sub["value"], sub["se"], frac=frac, seed_values=vals.to_numpy(float),
                      seed_stderrs=ses.reindex(columns=vals.columns).to_numpy(float))
        largest = int(sub["size"].max())
        seeds = f"{p['n_seeds']} seed{'s' if p['n_seeds'] > 1 else ''}"
        plats.append({"quantity": q, "method": m, "plateau size": p["size"], "90% low": p["grid_lo"],
                      "90% high": p["hi"], "seeds": p["n_seeds"], "max (monotone fit)": p["max_fitted"],
                      "plateau": (f"none within the tested sizes (still rising at {largest})" if p["still_rising"]
                                  else f"{p['size']:g} (90%: above {p['grid_lo']:g}, at most {p['hi']:g}; {seeds})")})
    return {"per_size": per, "table": wide.reset_index(drop=True), "plateaus": pd.DataFrame(plats)}


def consistency_checks(per: Any, h_y: float, z: float = 2.0, native: int | None = None) -> list[dict[str, Any]]:
    """Known truths the curves must respect: every MI estimate at most H(Y) (discrete label);
    the MI at the largest size at least every smaller one up to ``z`` standard errors (when
    the largest size is the native one, it determines the smaller images: data processing
    inequality; otherwise the expected trend); accuracy rising with the classifier bound
    (Spearman rank correlation across sizes)."""
    from scipy.stats import spearmanr

    out = []
    for (q, m), sub in per.groupby(["quantity", "method"]):
        sub = sub.sort_values("size")
        se = sub["se"].fillna(0).to_numpy()
        v = sub["value"].to_numpy()
        if q == "mi":
            over = [int(s) for s, a, e in zip(sub["size"], v, se) if exceeds(a, h_y, e, None, z=z)]
            out.append({"check": f"MI {m} <= H(Y) = {h_y:.3f}", "ok": not over, "detail": f"above at sizes {over}" if over else ""})
            drops = [int(s) for s, a, e in zip(sub["size"], v, se) if exceeds(a, v[-1], e, se[-1], z=z)]
            why = "data processing inequality" if native and sub["size"].max() >= native else "expected trend"
            out.append({"check": f"MI {m} at the largest size >= smaller sizes within {z:g} se ({why})", "ok": not drops,
                        "detail": f"larger at sizes {drops}" if drops else ""})
    for clf in per.loc[per.quantity == "accuracy", "method"].unique():
        acc = per[(per.quantity == "accuracy") & (per.method == clf)].sort_values("size")
        mi = per[(per.quantity == "mi") & (per.method == f"{clf} CE bound")].sort_values("size")
        if len(acc) >= 3 and len(mi) == len(acc):
            rho = float(spearmanr(acc["value"], mi["value"]).statistic)
            out.append({"check": f"accuracy of {clf} follows its MI bound (Spearman rho > 0.5)", "ok": rho > 0.5,
                        "detail": f"rho = {rho:.2f}"})
    return out
