"""Figures, bound checks and the HTML report of the information-plane study."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ...stats import Z95
from .checks import X_Q, Y_Q, aggregate, chain_flags, check_bounds, dpi_flags

__all__ = ["aggregate", "check_bounds", "make_figures", "write_report", "method_label", "BARS"]

#: what every error bar, band and "±" of this study is (figures, captions, tables)
BARS = (f"95% intervals, ± {Z95:.2f} combined standard errors (the spread between seeds and the estimators' own "
        "standard errors together)")


#: what each estimator measures, for panel titles and legends
METHOD_LABELS = {
    "compressed": "compressed: PCA codes + kNN (Butakov et al. 2023)",
    "sliced": "sliced: mean over random 1-D projections",
    "classifier": "classifier: cross-entropy bound H(Y) - CE",
    "ksg": "KSG (kNN)",
}


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


def make_figures(table: Any, acc: Any, layers: list[str], h_y: float, out: Path,
                 formats: tuple[str, ...] = ("png", "svg")) -> list[Path]:
    """Information plane per (I(X;L) method, I(L;Y) method) pair, MI vs epoch, accuracy. Points are
    means over seeds with :data:`BARS`; red rings mark exactly the points the checks flag
    (:mod:`.checks`: above the diagonal in the plane, deeper-knows-more in MI vs epoch)."""
    from matplotlib import cm, colors

    from ...io import save_figure
    from ...plotting import colormap, subplots

    ok = table[table["error"].isna()]
    agg = aggregate(ok)
    k = int(agg["n_seeds"].max()) if len(agg) else 1
    dpi = {(f.data["layer"], f.data["epoch"], f.data["x_method"], f.data["y_method"]) for f in dpi_flags(agg)}
    chain = {(f.data["quantity"], f.data["method"], f.data["epoch"], f.data["deep"]) for f in chain_flags(agg, layers)}
    xs = sorted(agg[agg["quantity"] == X_Q]["method"].unique())
    ys = sorted(agg[agg["quantity"] == Y_Q]["method"].unique())
    epochs = sorted(agg["epoch"].unique())
    norm = colors.LogNorm(vmin=1, vmax=max(2, max(epochs) + 1))  # epoch + 1 on a log scale
    cmap = colormap("viridis")
    markers = "osD^v<>ph*"
    paths: list[Path] = []
    pairs = [(a, b) for a in xs for b in ys]

    def series(layer: str, q: str, m: str) -> Any:
        return agg[(agg["layer"] == layer) & (agg["quantity"] == q) & (agg["method"] == m)].set_index("epoch")

    def ring(ax: Any, px: Any, py: Any, bad: list[bool], tag: str) -> None:
        if any(bad):
            sel = np.asarray(bad)
            ax.scatter(np.asarray(px)[sel], np.asarray(py)[sel], s=110, facecolors="none", edgecolors="red",
                       linewidths=1.2, zorder=3, label=None if tag in ax.get_legend_handles_labels()[1] else tag)

    if pairs:
        ncol = min(2, len(pairs))
        nrow = -(-len(pairs) // ncol)
        fig, axes = subplots(nrow, ncol, figsize=(10, 4.4 * nrow), squeeze=False, layout="constrained")
        for ax, (mx, my) in zip(axes.ravel(), pairs):
            for li, layer in enumerate(layers):
                a, b = series(layer, X_Q, mx), series(layer, Y_Q, my)
                common = sorted(set(a.index) & set(b.index))
                if not common:
                    continue
                px, py = a.loc[common, "mi"].to_numpy(float), b.loc[common, "mi"].to_numpy(float)
                ex, ey = a.loc[common, "err95"].to_numpy(float), b.loc[common, "err95"].to_numpy(float)
                ax.plot(px, py, "-", color="0.6", lw=0.8, zorder=1)
                ax.errorbar(px, py, xerr=np.nan_to_num(ex), yerr=np.nan_to_num(ey), fmt="none", ecolor="0.45",
                            elinewidth=0.8, capsize=2, zorder=1.5)
                ax.scatter(px, py, c=[cmap(norm(e + 1)) for e in common], marker=markers[li % len(markers)], s=36,
                           edgecolors="k", linewidths=0.3, zorder=2, label=layer)
                ring(ax, px, py, [(layer, int(e), mx, my) in dpi for e in common], "I(L;Y) > I(X;L) beyond errors")
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
                     "bars: 95% intervals (seeds and estimator errors)", fontsize=11)
        paths += save_figure(fig, out / "information_plane", formats=formats)
    methods = [(X_Q, m) for m in xs] + [(Y_Q, m) for m in ys]
    ncol = min(2, len(methods))
    nrow = -(-len(methods) // ncol)
    fig, axes = subplots(nrow, ncol, figsize=(10, 3.8 * nrow), squeeze=False, layout="constrained")
    for ax, (q, m) in zip(axes.ravel(), methods):
        for layer in layers:
            d = series(layer, q, m).sort_index()
            err = d["err95"].astype(float).fillna(0.0).to_numpy()
            ax.errorbar(d.index + 1, d["mi"].astype(float), yerr=err, marker="o", ms=3, capsize=2, label=layer)
            ring(ax, d.index + 1, d["mi"].astype(float), [(q, m, int(e), layer) in chain for e in d.index],
                 "deeper layer above a shallower one")
        if q == Y_Q:
            ax.axhline(h_y, ls="--", color="0.4", lw=0.8, label="H(Y)")
        ax.set_xscale("log")
        ax.set_xticks([e + 1 for e in epochs], [str(e + 1) for e in epochs])  # plain numbers, not 2x10^0
        ax.minorticks_off()
        ax.set_xlabel("epoch + 1")
        ax.set_ylabel(f"{q} [nats]")
        ax.set_title(f"{q}, {method_label(m)}", fontsize=10)
        ax.legend(fontsize=8)
    for ax in axes.ravel()[len(methods):]:
        ax.set_visible(False)
    fig.suptitle(f"MI vs epoch per layer: mean of {k} seed(s), bars: 95% intervals (seeds and estimator errors)",
                 fontsize=11)
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


#: the inequality checks of the report: (key in checks, the inequality, the sentence when it holds,
#: the words after the count when it is broken)
_INEQUALITIES = (
    ("dpi_violations",
     "Data-processing inequality, I(L;Y) <= I(X;L) for every layer (L depends on Y only through X; dotted "
     "diagonal of the plane)",
     "no point lies above the diagonal beyond its errors",
     "point(s) lie above it beyond their errors (red rings in the plane), so an I(X;L) estimator reads low or "
     "an I(L;Y) estimator high there"),
    ("chain_violations",
     "Layer chain: a deeper layer cannot know more about X, or about Y, than a shallower one (each layer is a "
     "function of the one before)",
     "holds within the errors for every estimator and epoch",
     "pair(s) of layers break it beyond their errors (red rings in MI vs epoch), an estimator artefact, not "
     "something the network does"),
)


def _listed(flags: list[str], limit: int = 12) -> str:
    """The first ``limit`` flags joined, with a count of the rest."""
    more = f"; and {len(flags) - limit} more (summary.json lists them all)" if len(flags) > limit else ""
    return "; ".join(flags[:limit]) + more


def write_report(cfg: Any, data: dict[str, Any], table: Any, acc: Any, checks: dict[str, Any], figs: list[Path],
                 h_y: float, out: Path) -> Path:
    """``report.html``; ``data`` gives the data set's ``name`` and ``n_train``/``n_test``/``n_eval``."""
    from dataclasses import asdict

    import yaml

    from ...report.html import HtmlReport

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
    rep.add_text(
        f"Uncertainty: every point is the mean over {len(seeds)} seed(s); its standard error combines the spread "
        "between seeds with the estimators' own standard errors, sqrt((sd² + mean se²) / seeds). Error bars and "
        f"every ± below are {Z95:.2f} of these standard errors (95% intervals). A check below flags a pair of "
        f"values only when it breaks its inequality by more than {Z95:.2f} combined standard errors of the two.")
    viol = checks["violations"]
    status = "ok" if not viol and checks["all_finite"] else "bad"
    rep.add_text(f"H(Y) = {h_y:.3f} nats on the evaluation subset; I(L;Y) <= H(Y) for every estimate: "
                 + ("holds within the errors" if not viol else f"{len(viol)} estimate(s) above it: {_listed(viol)}")
                 + ("" if checks["all_finite"] else "; some estimates are not finite"), css_class=status)
    for key, what, holds, broken in _INEQUALITIES:
        found = checks.get(key, [])
        rep.add_text(f"{what}: " + (holds if not found else f"{len(found)} {broken}: {_listed(found)}"),
                     css_class="ok" if not found else "warn")
    names = {p.stem: p for p in figs if p.suffix == ".png"}
    for stem, head, cap in (("information_plane", "The information plane",
                             f"Each layer's trajectory over training, mean over seeds; bars: {BARS}; red rings: "
                             "points above the diagonal beyond their errors; dotted: the DPI limit I(L;Y) = I(X;L); "
                             "dashed: H(Y)."),
                            ("mi_vs_epoch", "MI of every layer during training",
                             f"I(X;L) and I(L;Y) per layer against the epoch, per estimator; bars: {BARS}; red rings: "
                             "a deeper layer above a shallower one beyond their errors."),
                            ("accuracy", "Accuracy", "Training and test accuracy, mean over seeds (band: sd between "
                             "seeds).")):
        if stem in names:
            rep.add_heading(head, level=3)
            rep.add_figure(names[stem], caption=cap)
    rep.add_heading("Results")
    ok = table[table["error"].isna()]
    agg = aggregate(ok)
    k = int(agg["n_seeds"].max()) if len(agg) else 1
    agg["shown"] = [f"{m:.3f}" if not np.isfinite(e) else f"{m:.3f} ± {e:.3f}" for m, e in zip(agg["mi"], agg["err95"])]
    piv = agg.pivot_table(index=["epoch", "layer"], columns=["quantity", "method"], values="shown",
                          aggfunc="first").reset_index()
    piv.columns = [" ".join(str(c) for c in col if c).strip() if isinstance(col, tuple) else col for col in piv.columns]
    rep.add_table(piv, caption=f"MI estimates in nats: mean over {k} seed(s) ± the half-width of its 95% interval "
                               f"({Z95:.2f} combined standard errors: the spread between seeds and the estimators' own "
                               "standard errors together); every run with its own standard error: results.csv")
    shown_acc = acc[["epoch"]].copy()
    for key, label in (("train_acc", "train accuracy"), ("test_acc", "test accuracy")):
        sd = acc[f"{key}_sd"] if f"{key}_sd" in acc.columns else acc[key] * np.nan
        shown_acc[label] = [f"{m:.3f}" if not np.isfinite(v) else f"{m:.3f} ± {v:.3f}" for m, v in zip(acc[key], sd)]
    rep.add_table(shown_acc, caption="accuracy per epoch" + (f" (mean over {k} seeds ± sd between seeds)" if k > 1 else ""))
    failed = table[table["error"].notna()]
    if len(failed):
        rep.add_table(failed[["epoch", "layer", "quantity", "method", "error"]], caption="failed estimates")
    rep.add_heading("Configuration")
    rep.add_code(yaml.safe_dump(asdict(cfg), sort_keys=False))
    return rep.save(out / "report.html")
