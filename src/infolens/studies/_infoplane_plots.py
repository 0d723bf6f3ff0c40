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
    key = ["layer", "epoch"]
    xl = ok[ok["quantity"] == "I(X;L)"]
    ly = ok[ok["quantity"] == "I(L;Y)"]
    for (layer, epoch), gx in xl.groupby(key):
        gy = ly[(ly["layer"] == layer) & (ly["epoch"] == epoch)]
        for _, rx in gx.iterrows():
            for _, ry in gy.iterrows():
                if _dpi_flags(float(rx["mi"]), float(ry["mi"]), float(rx["stderr"] if rx["stderr"] is not None else np.nan),
                              float(ry["stderr"] if ry["stderr"] is not None else np.nan)):
                    out.append(f"{layer} epoch {epoch}: I(X;L) {rx['method']} {rx['mi']:.3f} < "
                               f"I(L;Y) {ry['method']} {ry['mi']:.3f}")
    return out


def make_figures(table: Any, acc: Any, layers: list[str], h_y: float, out: Path,
                 formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Information plane per (I(X;L) method, I(L;Y) method) pair, MI vs epoch, accuracy."""
    from matplotlib import cm, colors

    from ..io import save_figure
    from ..plotting import colormap, subplots

    ok = table[table["error"].isna()]
    xs = sorted(ok[ok["quantity"] == "I(X;L)"]["method"].unique())
    ys = sorted(ok[ok["quantity"] == "I(L;Y)"]["method"].unique())
    epochs = sorted(ok["epoch"].unique())
    norm = colors.LogNorm(vmin=1, vmax=max(2, max(epochs) + 1))  # epoch + 1 on a log scale
    cmap = colormap("viridis")
    markers = "osD^v<>ph*"
    paths: list[Path] = []
    pairs = [(a, b) for a in xs for b in ys]
    if pairs:
        fig, axes = subplots(1, len(pairs), figsize=(5 * len(pairs), 4.2), squeeze=False, layout="constrained")
        for ax, (mx, my) in zip(axes[0], pairs):
            for li, layer in enumerate(layers):
                a = ok[(ok["layer"] == layer) & (ok["quantity"] == "I(X;L)") & (ok["method"] == mx)].set_index("epoch")["mi"]
                b = ok[(ok["layer"] == layer) & (ok["quantity"] == "I(L;Y)") & (ok["method"] == my)].set_index("epoch")["mi"]
                common = sorted(set(a.index) & set(b.index))
                if not common:
                    continue
                px, py = a.loc[common].to_numpy(float), b.loc[common].to_numpy(float)
                ax.plot(px, py, "-", color="0.6", lw=0.8, zorder=1)
                ax.scatter(px, py, c=[cmap(norm(e + 1)) for e in common], marker=markers[li % len(markers)], s=36,
                           edgecolors="k", linewidths=0.3, zorder=2, label=layer)
                sa = ok[(ok["layer"] == layer) & (ok["quantity"] == "I(X;L)") & (ok["method"] == mx)].set_index("epoch")["stderr"]
                sb = ok[(ok["layer"] == layer) & (ok["quantity"] == "I(L;Y)") & (ok["method"] == my)].set_index("epoch")["stderr"]
                bad = [_dpi_flags(x, y, float(sa.loc[e] if sa.loc[e] is not None else np.nan),
                                  float(sb.loc[e] if sb.loc[e] is not None else np.nan))
                       for x, y, e in zip(px, py, common)]
                if any(bad):
                    tag = "I(X;L) < I(L;Y): breaks the DPI"
                    ax.scatter(px[bad], py[bad], s=110, facecolors="none", edgecolors="red", linewidths=1.2, zorder=3,
                               label=None if tag in ax.get_legend_handles_labels()[1] else tag)
            lim = max(ax.get_xlim()[1], ax.get_ylim()[1])
            ax.plot([0, lim], [0, lim], ":", color="0.5", lw=0.8, zorder=0, label="I(L;Y) = I(X;L) (DPI limit)")
            ax.axhline(h_y, ls="--", color="0.4", lw=0.8)
            ax.text(ax.get_xlim()[0], h_y, " H(Y)", va="bottom", fontsize=8, color="0.3")
            ax.set_xlabel(f"I(X;L) [nats], {mx}")
            ax.set_ylabel(f"I(L;Y) [nats], {my}")
            ax.legend(fontsize=7, loc="best")
        fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=axes[0].tolist(), label="epoch + 1")
        fig.suptitle("Information plane: one trajectory per layer, colour = epoch")
        paths += save_figure(fig, out / "information_plane", formats=formats)
    methods = [("I(X;L)", m) for m in xs] + [("I(L;Y)", m) for m in ys]
    fig, axes = subplots(1, len(methods), figsize=(4.2 * len(methods), 3.6), squeeze=False, layout="constrained")
    for ax, (q, m) in zip(axes[0], methods):
        for layer in layers:
            d = ok[(ok["layer"] == layer) & (ok["quantity"] == q) & (ok["method"] == m)].sort_values("epoch")
            se = d["stderr"].astype(float).fillna(0.0).to_numpy()
            ax.errorbar(d["epoch"] + 1, d["mi"].astype(float), yerr=se, marker="o", ms=3, capsize=2, label=layer)
        if q == "I(L;Y)":
            ax.axhline(h_y, ls="--", color="0.4", lw=0.8, label="H(Y)")
        ax.set_xscale("log")
        ax.set_xlabel("epoch + 1")
        ax.set_ylabel(f"{q} [nats]")
        ax.set_title(m, fontsize=9)
        ax.legend(fontsize=7)
    paths += save_figure(fig, out / "mi_vs_epoch", formats=formats)
    fig, ax = subplots(figsize=(5, 3.5))
    ax.plot(acc["epoch"], acc["train_acc"], label="train")
    ax.plot(acc["epoch"], acc["test_acc"], label="test")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
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

    rep = HtmlReport(f"Information plane: {cfg.model} on {data['name']}",
                     subtitle=f"{data['n_train']} training, {data['n_test']} test images;")
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
    for stem, cap in (("information_plane", "Information plane"), ("mi_vs_epoch", "MI vs epoch per layer"),
                      ("accuracy", "Training and test accuracy")):
        if stem in names:
            rep.add_figure(names[stem], caption=cap)
    rep.add_heading("Results")
    ok = table[table["error"].isna()]
    piv = ok.pivot_table(index=["epoch", "layer"], columns=["quantity", "method"], values="mi").reset_index()
    piv.columns = [" ".join(str(c) for c in col if c).strip() if isinstance(col, tuple) else col for col in piv.columns]
    rep.add_table(piv, caption="MI estimates in nats (full table with standard errors: results.csv)")
    rep.add_table(acc, caption="accuracy per epoch")
    failed = table[table["error"].notna()]
    if len(failed):
        rep.add_table(failed[["epoch", "layer", "quantity", "method", "error"]], caption="failed estimates")
    rep.add_heading("Configuration")
    rep.add_code(yaml.safe_dump(asdict(cfg), sort_keys=False))
    return rep.save(out / "report.html")
