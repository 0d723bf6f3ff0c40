"""Figures and report.html of the compression study (matplotlib ``Figure`` objects, no pyplot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ...plotting import colormap, subplots


def _errorbars(ax: Any, per: Any, quantity: str, plats: Any = None) -> None:
    sub = per[per.quantity == quantity]
    for k, (m, g) in enumerate(sub.groupby("method", sort=True)):
        g = g.sort_values("size")
        se = g["se"].fillna(0).to_numpy()
        line = ax.errorbar(g["size"], g["value"], yerr=1.96 * se, marker="o", ms=4, capsize=3, label=m)
        if plats is not None and len(plats):
            p = plats[(plats.quantity == quantity) & (plats.method == m)]
            rising = len(p) and str(p["plateau"].iloc[0]).startswith("none")  # no plateau to mark
            if len(p) and not rising and np.isfinite(p["plateau size"].iloc[0]):
                # the plateau size as a triangle under the curves, its 90% interval as a bar
                x0, lo, hi = (float(p[c].iloc[0]) for c in ("plateau size", "90% low", "90% high"))
                y0 = float(np.nanmin(sub["value"])) - (0.04 + 0.03 * k) * float(np.ptp(sub["value"]) or 1.0)
                ax.errorbar([x0], [y0], xerr=[[x0 - lo], [hi - x0]], fmt="v", color=line[0].get_color(), ms=6,
                            capsize=3, lw=1)
    ax.set_xlabel("image size s (s x s pixels)")
    ax.grid(alpha=0.3)


def make_figures(results: list[dict[str, Any]], summary: dict[str, Any], meta: dict[str, Any],
                 fig_dir: Path) -> dict[str, Any]:
    """MI vs size, accuracy/AUC vs size, ROC curves, the example strip; saved as PNG+SVG."""
    from ...io import save_figure

    per, plats = summary["per_size"], summary["plateaus"]
    figs: dict[str, Any] = {}

    fig, ax = subplots(figsize=(7, 4.5))
    _errorbars(ax, per, "mi", plats)
    ax.axhline(meta["h_y"], color="k", ls="--", lw=1, label=f"H(Y) = {meta['h_y']:.3f} (ceiling)")
    ax.set_ylabel("I(image; label) [nats], held-out")
    n_seeds = len(meta["config"]["seeds"])
    ax.set_title(f"{meta['name']}: MI vs image size, mean of {n_seeds} seed(s)\n(95% error bars; triangles: plateau "
                 "with 90% interval)", fontsize=10)
    ax.legend(fontsize=8)
    figs["mi_vs_size"] = fig

    fig, axes = subplots(1, 2, figsize=(11, 4))
    _errorbars(axes[0], per, "accuracy", plats)
    axes[0].set_ylabel("test accuracy")
    axes[0].legend(fontsize=8)
    _errorbars(axes[1], per, "auc")
    axes[1].set_ylabel("test ROC AUC")
    axes[1].legend(fontsize=8)
    fig.suptitle("classifiers trained per size, scored on the held-out test split (95% error bars)", fontsize=9)
    figs["accuracy_auc_vs_size"] = fig

    clfs = sorted({c for r in results for c, m in r["classifiers"].items() if "roc" in m})
    if clfs:
        sizes = sorted({r["size"] for r in results})
        cmap = colormap("viridis")
        fig, axes = subplots(1, len(clfs), figsize=(5.2 * len(clfs), 4.6), squeeze=False)
        for ax, clf in zip(axes[0], clfs):
            for r in sorted(results, key=lambda r: (r["size"], r["seed"])):
                if r["seed"] != results[0]["seed"] or clf not in r["classifiers"]:
                    continue
                m = r["classifiers"][clf]
                t = sizes.index(r["size"]) / max(len(sizes) - 1, 1)
                ax.plot(m["roc"]["fpr"], m["roc"]["tpr"], color=cmap(t), lw=1.3,
                        label=f"{r['size']}x{r['size']} (AUC {m['auc']:.3f})")
            floor = min(min((f for f in r["classifiers"][clf]["roc"]["fpr"] if f > 0), default=1e-3) for r in results
                        if clf in r["classifiers"])
            grid = np.geomspace(floor, 1, 50)
            ax.plot(grid, grid, color="grey", ls=":", lw=1, label="random guess")
            ax.set_xscale("log")
            ax.set_xlim(floor, 1)
            ax.set_ylim(0, 1.02)
            ax.set_xlabel("false positive rate (log scale)")
            ax.set_ylabel("true positive rate")
            ax.set_title(f"ROC curves, {clf}, test split (seed {results[0]['seed']})", fontsize=10)
            ax.legend(fontsize=8, loc="lower right")
        figs["roc_curves"] = fig

    ex = sorted({r["size"]: r for r in results}.values(), key=lambda r: r["size"])
    fig, axes = subplots(1, len(ex), figsize=(1.3 * len(ex), 1.8), squeeze=False)
    for ax, r in zip(axes[0], ex):
        ax.imshow(np.asarray(r["example"]), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"{r['size']}x{r['size']}", fontsize=8)
        ax.axis("off")
    fig.suptitle(f"one test image at every size (label: {ex[0]['example_label']})", fontsize=9)
    figs["example_strip"] = fig

    for name, f in figs.items():
        save_figure(f, Path(fig_dir) / name)
    return figs


def write_report(path: Path, summary: dict[str, Any], checks: list[dict[str, Any]], meta: dict[str, Any],
                 figs: Mapping[str, Any]) -> Path:
    import html

    import yaml

    from ...report.html import HtmlReport

    rep = HtmlReport(f"MI vs image size: {meta['name']}", subtitle="infolens run compression")
    rep.add_text(
        f"Data: {meta['name']} ({meta['n_available']} images of {meta['native']} pixels), label classes "
        f"{meta['label_names']}; {meta['n_train']} training and {meta['n_test']} held-out test images (stratified, "
        f"fixed split). Sizes: {meta['sizes']}. H(Y) = {meta['h_y']:.3f} nats is the ceiling of I(image; label)."
    )
    if meta.get("skipped"):
        rep.add_text(f"{meta['skipped']} unreadable image(s) were skipped with their labels (skip_bad).", css_class="warn")
    rep.add_text(
        "Every MI value is measured on held-out data: 'CE bound' rows are the Barber-Agakov bound "
        "I >= H(Y) - cross-entropy of the classifier on the test split; neural estimators train and score on "
        "their own held-out split; kNN estimators run on the test split after a PCA fitted on the training split. "
        "Error bars are 95% (1.96 standard errors); with several seeds they include the spread between seeds.",
        css_class="note")
    rep.add_heading("Plateau")
    n_seeds = len(meta["config"]["seeds"])
    rep.add_text(f"The smallest size reaching {100 * meta['config']['plateau_frac']:.0f}% of the maximum "
                 "(maximum of a weighted isotonic fit, not of the noisy points). Its 90% interval is a bootstrap that "
                 + (f"resamples the {n_seeds} seeds (training runs) and redraws each run's values within its standard "
                    "error" if n_seeds > 1 else "redraws each value within its standard error (one seed: the spread "
                    "between training runs is not in it; run with several seeds)")
                 + "; it also counts the size grid: a plateau at a tested size only says that the curve crosses the "
                 "threshold after the tested size below it, so the interval reads 'above low, at most high'. "
                 "'None within the tested sizes' when the curve still rises at the largest size; the size columns "
                 "of those rows only say where the curve reaches 95% of its largest value so far.")
    rep.add_table(summary["plateaus"], float_format="{:.3g}")
    rep.add_heading("Checks against known truths")
    items = "".join(f"<li><span class='{'ok' if c['ok'] else 'warn'}'>{'ok' if c['ok'] else 'warning'}</span> "
                    f"{html.escape(c['check'])} {html.escape(c['detail'])}</li>" for c in checks)
    rep.add_html(f"<ul>{items}</ul>")
    captions = {"mi_vs_size": "MI vs size", "accuracy_auc_vs_size": "Test accuracy and AUC vs size",
                "roc_curves": "All ROC curves (test split), one per size", "example_strip": "One image at every size"}
    rep.add_heading("Figures")
    for name, fig in figs.items():
        rep.add_figure(fig, caption=captions.get(name, name))
    rep.add_heading("Results per size")
    rep.add_table(summary["table"], caption=(f"mean over {n_seeds} seeds ± standard error (the larger of the "
                                             "between-seed standard deviation / √seeds and the runs' own errors); "
                                             if n_seeds > 1 else "value ± standard error; ") + "MI in nats")
    errs = meta["errors"] + meta["estimator_errors"]
    if errs:
        rep.add_heading("Errors")
        rep.add_html("<ul>" + "".join(f"<li class='bad'>{html.escape(e)}</li>" for e in errs) + "</ul>")
    rep.add_heading("Configuration")
    rep.add_code(yaml.safe_dump(meta["config"], sort_keys=False))
    return rep.save(path)
