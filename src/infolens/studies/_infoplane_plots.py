"""Figures, bound checks and the HTML report of the information-plane study."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

#: standard errors by which an I(L;Y) estimate may exceed H(Y) before it is flagged
BOUND_Z = 3.0
#: absolute slack (nats) on top: kNN estimators carry a bias of this order at a few hundred samples
BOUND_SLACK = 0.05


def check_bounds(table: Any, h_y: float) -> dict[str, Any]:
    """I(L;Y) <= H(Y) for every estimate (within ``BOUND_Z`` standard errors plus
    ``BOUND_SLACK``), and every estimate finite."""
    ly = table[(table["quantity"] == "I(L;Y)") & table["error"].isna()]
    viol = []
    for _, r in ly.iterrows():
        se = r["stderr"] if r["stderr"] is not None and np.isfinite(r["stderr"]) else 0.0
        if r["mi"] > h_y + BOUND_Z * se + BOUND_SLACK:
            viol.append(f"{r['method']} {r['layer']} epoch {r['epoch']}: {r['mi']:.3f} > H(Y) = {h_y:.3f}")
    ok = table[table["error"].isna()]
    return {"h_y": h_y, "violations": viol, "all_finite": bool(np.all(np.isfinite(ok["mi"].astype(float)))),
            "n_estimates": int(len(ok)), "dpi_violations": dpi_violations(ok)}


def _dpi_flags(ix: float, iy: float, se_x: float, se_y: float) -> bool:
    """True when I(X;L) falls below I(L;Y) by more than ``BOUND_Z`` joint standard errors plus ``BOUND_SLACK``."""
    se = float(np.hypot(se_x if np.isfinite(se_x) else 0.0, se_y if np.isfinite(se_y) else 0.0))
    return ix + BOUND_Z * se + BOUND_SLACK < iy


def dpi_violations(ok: Any) -> list[str]:
    """Points of the information plane that break the data-processing inequality: Y -> X -> L
    is a Markov chain, so I(L;Y) <= I(X;L) for every layer L; an estimate pair below the
    diagonal by more than its joint uncertainty shows estimator bias, not compression."""
    out = []
    seeded = "seed" in ok.columns
    key = ["seed", "layer", "epoch"] if seeded else ["layer", "epoch"]
    xl = ok[ok["quantity"] == "I(X;L)"]
    ly = ok[ok["quantity"] == "I(L;Y)"]
    for keys, gx in xl.groupby(key):
        seed, layer, epoch = keys if seeded else (None, *keys)
        gy = ly[(ly["layer"] == layer) & (ly["epoch"] == epoch) & ((ly["seed"] == seed) if seeded else True)]
        for _, rx in gx.iterrows():
            for _, ry in gy.iterrows():
                if _dpi_flags(float(rx["mi"]), float(ry["mi"]), float(rx["stderr"] if rx["stderr"] is not None else np.nan),
                              float(ry["stderr"] if ry["stderr"] is not None else np.nan)):
                    out.append(f"{'' if seed is None else f'seed {seed} '}{layer} epoch {epoch}: I(X;L) {rx['method']} {rx['mi']:.3f} < "
                               f"I(L;Y) {ry['method']} {ry['mi']:.3f}")
    return out


#: what each estimator measures, for panel titles and legends
METHOD_LABELS = {
    "compressed": "compressed: PCA codes + kNN (Butakov et al. 2023)",
    "sliced": "sliced: mean over random 1-D projections",
    "classifier": "classifier: cross-entropy bound H(Y) - CE",
    "ksg": "KSG (kNN)",
}


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


def aggregate(ok: Any) -> Any:
    """Seeds pooled per (layer, epoch, quantity, method): ``mi`` the mean over seeds, ``sd`` their
    standard deviation (NaN for one seed), ``se`` the larger of sd / sqrt(seeds) and the estimates'
    own standard errors pooled, ``n_seeds``."""
    import pandas as pd

    ok = ok if "seed" in ok.columns else ok.assign(seed=0)
    rows = []
    for (layer, epoch, q, m), g in ok.groupby(["layer", "epoch", "quantity", "method"]):
        v = g["mi"].astype(float).to_numpy()
        own = pd.to_numeric(g["stderr"], errors="coerce").to_numpy(float)
        k = len(v)
        sd = float(np.std(v, ddof=1)) if k > 1 else float("nan")
        pooled = float(np.sqrt(np.nanmean(own**2) / k)) if np.isfinite(own).any() else float("nan")
        se = float(np.nanmax([sd / np.sqrt(k), pooled])) if np.isfinite([sd, pooled]).any() else float("nan")
        rows.append({"layer": layer, "epoch": int(epoch), "quantity": q, "method": m, "mi": float(v.mean()), "sd": sd,
                     "se": se, "n_seeds": k})
    return pd.DataFrame(rows)


def make_figures(table: Any, acc: Any, layers: list[str], h_y: float, out: Path,
                 formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Information plane per (I(X;L) method, I(L;Y) method) pair (mean over seeds, error bars the
    spread between seeds), MI vs epoch, accuracy."""
    from matplotlib import cm, colors

    from ..io import save_figure
    from ..plotting import colormap, subplots

    ok = table[table["error"].isna()]
    agg = aggregate(ok)
    k = int(agg["n_seeds"].max()) if len(agg) else 1
    spread = "sd over seeds" if k > 1 else "standard error"
    xs = sorted(agg[agg["quantity"] == "I(X;L)"]["method"].unique())
    ys = sorted(agg[agg["quantity"] == "I(L;Y)"]["method"].unique())
    epochs = sorted(agg["epoch"].unique())
    norm = colors.LogNorm(vmin=1, vmax=max(2, max(epochs) + 1))  # epoch + 1 on a log scale
    cmap = colormap("viridis")
    markers = "osD^v<>ph*"
    paths: list[Path] = []
    pairs = [(a, b) for a in xs for b in ys]

    def series(layer: str, q: str, m: str) -> Any:
        return agg[(agg["layer"] == layer) & (agg["quantity"] == q) & (agg["method"] == m)].set_index("epoch")

    if pairs:
        ncol = min(2, len(pairs))
        nrow = -(-len(pairs) // ncol)
        fig, axes = subplots(nrow, ncol, figsize=(10, 4.4 * nrow), squeeze=False, layout="constrained")
        for ax, (mx, my) in zip(axes.ravel(), pairs):
            for li, layer in enumerate(layers):
                a, b = series(layer, "I(X;L)", mx), series(layer, "I(L;Y)", my)
                common = sorted(set(a.index) & set(b.index))
                if not common:
                    continue
                px, py = a.loc[common, "mi"].to_numpy(float), b.loc[common, "mi"].to_numpy(float)
                ex = (a.loc[common, "sd"] if k > 1 else a.loc[common, "se"]).to_numpy(float)
                ey = (b.loc[common, "sd"] if k > 1 else b.loc[common, "se"]).to_numpy(float)
                ax.plot(px, py, "-", color="0.6", lw=0.8, zorder=1)
                ax.errorbar(px, py, xerr=np.nan_to_num(ex), yerr=np.nan_to_num(ey), fmt="none", ecolor="0.45",
                            elinewidth=0.8, capsize=2, zorder=1.5)
                ax.scatter(px, py, c=[cmap(norm(e + 1)) for e in common], marker=markers[li % len(markers)], s=36,
                           edgecolors="k", linewidths=0.3, zorder=2, label=layer)
                sa, sb = a.loc[common, "se"].to_numpy(float), b.loc[common, "se"].to_numpy(float)
                bad = [_dpi_flags(x, y, u, v) for x, y, u, v in zip(px, py, sa, sb)]
                if any(bad):
                    tag = "I(X;L) < I(L;Y): breaks the DPI"
                    ax.scatter(px[bad], py[bad], s=110, facecolors="none", edgecolors="red", linewidths=1.2, zorder=3,
                               label=None if tag in ax.get_legend_handles_labels()[1] else tag)
            lim = max(ax.get_xlim()[1], ax.get_ylim()[1])
            ax.plot([0, lim], [0, lim], ":", color="0.5", lw=0.8, zorder=0, label="I(L;Y) = I(X;L) (DPI limit)")
            ax.axhline(h_y, ls="--", color="0.4", lw=0.8)
            ax.text(ax.get_xlim()[0], h_y, " H(Y)", va="bottom", fontsize=9, color="0.3")
            ax.set_xlabel(f"I(X;L) [nats], {mx}")
            ax.set_ylabel(f"I(L;Y) [nats], {my}")
            ax.set_title(f"I(X;L) by {mx}, I(L;Y) by {my}", fontsize=10)
            ax.legend(fontsize=8, loc="best")
        for ax in axes.ravel()[len(pairs):]:
            ax.set_visible(False)
        cb = fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes.ravel().tolist(), label="epoch + 1")
        cb.ax.minorticks_off()
        cb.set_ticks([e + 1 for e in epochs])
        cb.set_ticklabels([str(e + 1) for e in epochs])  # plain numbers, not 6x10^0
        fig.suptitle(f"Information plane: one trajectory per layer, colour = epoch; mean of {k} seed(s), "
                     f"bars: {spread}", fontsize=11)
        paths += save_figure(fig, out / "information_plane", formats=formats)
    methods = [("I(X;L)", m) for m in xs] + [("I(L;Y)", m) for m in ys]
    ncol = min(2, len(methods))
    nrow = -(-len(methods) // ncol)
    fig, axes = subplots(nrow, ncol, figsize=(10, 3.8 * nrow), squeeze=False, layout="constrained")
    for ax, (q, m) in zip(axes.ravel(), methods):
        for layer in layers:
            d = series(layer, q, m).sort_index()
            err = (d["sd"] if k > 1 else d["se"]).astype(float).fillna(0.0).to_numpy()
            ax.errorbar(d.index + 1, d["mi"].astype(float), yerr=err, marker="o", ms=3, capsize=2, label=layer)
        if q == "I(L;Y)":
            ax.axhline(h_y, ls="--", color="0.4", lw=0.8, label="H(Y)")
        ax.set_xscale("log")
        ax.set_xlabel("epoch + 1")
        ax.set_ylabel(f"{q} [nats]")
        ax.set_title(f"{q}, {method_label(m)}", fontsize=10)
        ax.legend(fontsize=8)
    for ax in axes.ravel()[len(methods):]:
        ax.set_visible(False)
    fig.suptitle(f"MI vs epoch per layer: mean of {k} seed(s), bars: {spread}", fontsize=11)
    paths += save_figure(fig, out / "mi_vs_epoch", formats=formats)
    fig, ax = subplots(figsize=(6, 3.8))
    for key, label in (("train_acc", "train"), ("test_acc", "test")):
        line = ax.plot(acc["epoch"], acc[key], label=label)[0]
        if f"{key}_sd" in acc.columns and acc[f"{key}_sd"].notna().any():
            sd = acc[f"{key}_sd"].fillna(0.0).to_numpy()
            ax.fill_between(acc["epoch"], acc[key] - sd, acc[key] + sd, color=line.get_color(), alpha=0.2, lw=0)
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_title(f"accuracy, mean of {k} seed(s)" + (" (band: sd over seeds)" if k > 1 else ""), fontsize=10)
    ax.legend()
    fig.tight_layout()
    paths += save_figure(fig, out / "accuracy", formats=formats)
    return paths


def write_report(cfg: Any, data: dict[str, Any], table: Any, acc: Any, checks: dict[str, Any], figs: list[Path],
                 h_y: float, out: Path) -> Path:
    """``report.html``; ``data`` gives the data set's ``name`` and ``n_train``/``n_test``/``n_eval``."""
    from dataclasses import asdict

    import yaml

    from ..report.html import HtmlReport

    seeds = list(getattr(cfg, "seeds", [0]))
    rep = HtmlReport(f"Information plane: {cfg.model} on {data['name']}",
                     subtitle=f"{data['n_train']} training, {data['n_test']} test images; {len(seeds)} seed(s) "
                              f"({', '.join(map(str, seeds))}), each its own split and network;")
    rep.add_text(
        "Each hidden layer L (and the output logits) is recorded on a fixed held-out subset of "
        f"{data['n_eval']} test images at the epochs shown. I(X;L) and I(L;Y) are estimated per layer and epoch "
        "with the estimators listed (compressed: PCA codes of both sides, then KSG/Ross - Butakov et al. 2023; "
        "sliced: mean MI over random 1-D projections - Goldfeld & Greenewald 2021; classifier: the cross-entropy "
        "lower bound H(Y) - CE). A deterministic network has I(X;L) = H(L) in theory; the estimates measure what "
        "survives the compression, so compare trajectories, not absolute values across estimators.")
    status = "ok" if not checks["violations"] and checks["all_finite"] else "bad"
    rep.add_text(f"H(Y) = {h_y:.3f} nats on the evaluation subset; I(L;Y) <= H(Y) (+{BOUND_Z:g} se + {BOUND_SLACK} nats): "
                 + ("holds for every estimate" if not checks["violations"] else "; ".join(checks["violations"][:10]))
                 + ("" if checks["all_finite"] else "; some estimates are not finite"), css_class=status)
    dpi = checks.get("dpi_violations", [])
    rep.add_text("Data-processing inequality (I(L;Y) <= I(X;L) for every layer, since L depends on Y only through X; "
                 f"flagged beyond {BOUND_Z:g} joint se + {BOUND_SLACK} nats, red rings in the plane, dotted diagonal): "
                 + ("holds for every point" if not dpi else
                    f"{len(dpi)} point(s) break it, so the I(X;L) estimator is biased low there: " + "; ".join(dpi[:10])),
                 css_class="ok" if not dpi else "warn")
    names = {p.stem: p for p in figs if p.suffix == ".png"}
    spread = "error bars: standard deviation between seeds" if len(seeds) > 1 else "error bars: standard errors"
    for stem, head, cap in (("information_plane", "The information plane",
                             f"Each layer's trajectory over training, mean over seeds; {spread}; dotted: the DPI "
                             "limit I(L;Y) = I(X;L); dashed: H(Y)."),
                            ("mi_vs_epoch", "MI of every layer during training",
                             f"I(X;L) and I(L;Y) per layer against the epoch, per estimator; {spread}."),
                            ("accuracy", "Accuracy", "Training and test accuracy, mean over seeds (band: sd).")):
        if stem in names:
            rep.add_heading(head, level=3)
            rep.add_figure(names[stem], caption=cap)
    rep.add_heading("Results")
    ok = table[table["error"].isna()]
    agg = aggregate(ok)
    k = int(agg["n_seeds"].max()) if len(agg) else 1
    agg["shown"] = [f"{m:.3f}" if not np.isfinite(sd) else f"{m:.3f} ± {sd:.3f}" for m, sd in zip(agg["mi"], agg["sd"])]
    piv = agg.pivot_table(index=["epoch", "layer"], columns=["quantity", "method"], values="shown",
                          aggfunc="first").reset_index()
    piv.columns = [" ".join(str(c) for c in col if c).strip() if isinstance(col, tuple) else col for col in piv.columns]
    rep.add_table(piv, caption=(f"MI estimates in nats, mean over {k} seeds ± standard deviation between seeds"
                                if k > 1 else "MI estimates in nats") + " (every run with its standard error: results.csv)")
    shown_acc = acc[["epoch"]].copy()
    for key, label in (("train_acc", "train accuracy"), ("test_acc", "test accuracy")):
        sd = acc[f"{key}_sd"] if f"{key}_sd" in acc.columns else acc[key] * np.nan
        shown_acc[label] = [f"{m:.3f}" if not np.isfinite(v) else f"{m:.3f} ± {v:.3f}" for m, v in zip(acc[key], sd)]
    rep.add_table(shown_acc, caption="accuracy per epoch" + (f" (mean over {k} seeds ± sd)" if k > 1 else ""))
    failed = table[table["error"].notna()]
    if len(failed):
        rep.add_table(failed[["epoch", "layer", "quantity", "method", "error"]], caption="failed estimates")
    rep.add_heading("Configuration")
    rep.add_code(yaml.safe_dump(asdict(cfg), sort_keys=False))
    return rep.save(out / "report.html")
