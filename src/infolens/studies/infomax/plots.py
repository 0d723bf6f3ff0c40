"""The Deep InfoMax study's figures and report (:mod:`infolens.studies.infomax` runs and
summarises; this module only draws and writes)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd

from ...io import save_figure

if TYPE_CHECKING:
    from . import InfomaxResult


#: figure name -> (heading, caption) in the report
FIGURES = {
    "feature_maps": ("What the encoders' maps look like",
                     "Input images (left) and their first feature maps at the measured layer, per encoder (first seed); "
                     "every map is drawn at one size, its true side is in the row label."),
    "mi_per_map": ("How much each map keeps about the image",
                   "Mean MI (over images) between image and each map, maps sorted; line: mean over seeds, band: range "
                   "over seeds."),
    "max_mi_hist": ("The best map of each image",
                    "Per-image max over maps of I(image; map), per encoder (step outlines; images of all seeds)."),
    "training": ("Did training converge?", "DIM training curves, the mean of each epoch's steps, a line per seed."),
}


def figures(result: InfomaxResult) -> dict[str, Path]:
    """The four figures, saved under ``figures/`` (the mosaic as PNG, line plots also as SVG);
    returns the PNG paths (the report embeds them: no second rendering)."""
    from ...infomax import plots
    from ...infomax.analysis import per_image_max

    histories = {k: g.drop(columns="encoder").reset_index(drop=True) for k, g in result.history.groupby("encoder", sort=False)}
    figs = {"feature_maps": plots.plot_feature_grid(result.images, result.grid),
            "mi_per_map": plots.plot_mi_per_map(result.map_mi),
            "max_mi_hist": plots.plot_max_mi_hist(per_image_max(result.map_mi)),
            "training": plots.plot_training_curves(histories)}
    # the image mosaic gains nothing from SVG; the line plots are kept as vector graphics too
    return {key: save_figure(fig, result.out_dir / "figures" / key,
                             formats=("png",) if key == "feature_maps" else ("png", "svg"))[0]
            for key, fig in figs.items()}


def _pm(mean: float, spread: float) -> str:
    return f"{mean:.3f}" if not np.isfinite(spread) else f"{mean:.3f} ± {spread:.3f}"


def report(result: InfomaxResult, figs: Mapping[str, Any]) -> Path:
    """``report.html``: the setup, which encoder keeps the most, convergence, the tables and the figures."""
    from ...report.html import HtmlReport

    cfg, d, summary, probe = result.config, result.data, result.summary, result.probe
    k = len(cfg.seeds)
    rep = HtmlReport("Deep InfoMax: what the feature maps keep",
                     f"{d['dataset']}, {cfg.size}x{cfg.size} grayscale, {d['n_train']} training / {d['n_test']} test images;")
    pairs = (f"every map measured from the same {d['pairs_per_map']} pixel pairs (the smallest map's count; larger "
             "maps subsampled at random), so the estimators' sample-size bias is the same for all encoders"
             if d.get("pairs_per_map") else "every map measured from all its pixels (maps of different sides: "
             "different numbers of pairs, so different estimator bias)")
    rep.add_text(
        f"Encoders {', '.join(cfg.encoders)} ({cfg.depth} layers, {cfg.channels} maps at the measured layer) "
        f"trained with the DIM objective ({cfg.bound} bound, alpha={cfg.alpha}, beta={cfg.beta}, gamma={cfg.gamma}, "
        f"{cfg.prior} prior) for at least {cfg.epochs} epochs and then while the objective still rose, up to "
        f"{cfg.max_epochs}; {k} seed(s) ({', '.join(map(str, cfg.seeds))}), each a separate training run. Per-map MI: "
        f"image (resized to the map's side) vs each map, pixels as paired samples, on {d['n_mi']} held-out images, "
        f"in nats; {pairs}. A: valid convs (maps shrink), B: transposed convs (grow), C: same padding (kept), "
        "D: grow then shrink back.")
    conv = d["convergence"]
    bad = conv[~conv["converged"]]
    rep.add_heading("Training: converged?")
    if len(bad):
        rep.add_text(f"{len(bad)} of {len(conv)} training runs did not converge: the objective still rose in the last "
                     f"of {cfg.max_epochs} epochs (" + "; ".join(
                         f"encoder {r.encoder} seed {r.seed}: +{r.last_gain:.3f} ± {r.gain_se:.3f}"
                         for r in bad.itertuples()) + "). Their maps may keep more after longer training; raise "
                     "max_epochs.", css_class="warn")
    else:
        rep.add_text(f"All {len(conv)} training runs converged: in each run's last epoch the objective (alpha * global + "
                     "beta * local) rose by less than 2 standard errors or less than 5% of its rise since the first "
                     "epoch (epochs trained per run in the table; per-run gains in convergence.csv).", css_class="ok")
    rep.add_heading("MI between image and feature maps")
    lines = []
    for method, g in summary.groupby("method"):
        best = g.sort_values("mean_mi", ascending=False).iloc[0]
        lines.append(f"{method}: encoder {best['encoder']} keeps the most per map on average "
                     f"({best['mean_mi']:.3f} ± {best['mean_mi_se']:.3f} nats, standard error"
                     + (f" over {k} seeds" if k > 1 else " over images") + ")")
    rep.add_text("; ".join(lines) + ".")
    sd = "mean_mi_seed_sd" in summary.columns
    shown = pd.DataFrame({
        "encoder": summary["encoder"], "MI method": summary["method"],
        "map side": summary["map_side"], "pixel pairs per map": summary["pairs_per_map"],
        "mean MI over maps": [_pm(m, s) for m, s in zip(summary["mean_mi"], summary["mean_mi_seed_sd"] if sd
                                                       else summary["mean_mi_se"])],
        "max MI over maps": [_pm(m, s) for m, s in zip(summary["max_mi"], summary["max_mi_seed_sd"] if sd
                                                      else summary["max_mi_se"])],
        "probe accuracy": [_pm(m, s) for m, s in zip(summary["probe_accuracy"], summary["probe_accuracy_seed_sd"])],
        "epochs trained": summary["epochs_trained"], "converged": summary["converged_runs"],
    })
    rep.add_table(shown, caption=(f"mean over {k} seeds ± standard deviation between seeds" if k > 1 else
                                  "value ± standard error over images") + "; mean / max over maps, averaged over "
                  "images, nats; probe: linear-probe test accuracy on the summary vector; epochs trained per seed "
                  "(results.csv has the standard errors over images)")
    rep.add_table(pd.DataFrame([{"features": "raw pixels" if key == "pixels" else f"encoder {key}",
                                 "probe accuracy": v} for key, v in probe.items()]),
                  caption="linear probe (logistic regression) test accuracy" + (f", mean over {k} seeds" if k > 1 else "")
                  + "; the raw-pixel probe is the reference")
    for key, png in figs.items():
        heading, caption = FIGURES[key]
        rep.add_heading(heading, level=3)
        rep.add_figure(png, caption=caption)
    rep.add_heading("Configuration")
    rep.add_code(json.dumps(asdict(cfg), indent=2, default=str))
    return rep.save(result.out_dir / "report.html")
