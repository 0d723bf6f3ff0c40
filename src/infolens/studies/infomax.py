"""Deep InfoMax: how the shape of an encoder (A shrink, B grow, C keep, D grow-then-shrink)
changes what its feature maps keep about the image.

For each encoder: train it with the DIM objective (Hjelm et al. 2019), then measure, for
every feature map of a set of held-out images, the MI between the image (resized to the
map's side) and the map, pixels as paired samples, with the binning estimator and KSG;
report the mean and max over maps, the histogram of the per-image max, and a linear probe
on the summary vectors. Training checkpoints after every epoch and every finished encoder
is saved, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import RunFolderError
from ..io import save_figure, write_json, write_text
from ..validation import check_choice, check_positive_int
from ._config import check_run_folder

DEFAULTS: dict[str, Any] = {
    "dataset": "digits",        # "digits", "fashion-mnist", "stl10" (with data_dir) or an .npz path
    "data_dir": None,
    "size": 32,                 # images resized to size x size grayscale (the published setup: 96, STL-10)
    "n_train": None,            # training images (DIM and the probe's training split); None: up to 5000, "all": all
    "n_test": None,             # held-out images for the probe's test split; None: up to 500, "all": all
    "n_mi_images": 32,          # held-out images whose per-map MI is measured
    "n_grid_images": 3,         # images in the feature-map figure
    "encoders": "ABCD",
    "channels": 32,             # feature maps at the measured layer
    "depth": 4,
    "hidden": None,
    "summary_dim": 64,
    "epochs": 5,
    "batch_size": 64,
    "lr": 1e-3,
    "alpha": 0.5,
    "beta": 1.0,
    "gamma": 0.1,
    "bound": "jsd",
    "prior": "uniform",
    "max_locations": 1024,
    "mi_methods": ["binning", "ksg"],
    "bins": "auto",
    "k": 5,
    "seed": 0,
    "device": "auto",
    "out": "runs/infomax",
    "verbose": True,
}
#: keys that do not change the numbers (may differ when a run is resumed)
_VOLATILE = ("out", "verbose", "device")


def _check_config(config: dict[str, Any]) -> dict[str, Any]:
    from ._config import check_keys

    check_keys(config, DEFAULTS, where="the infomax config")
    cfg = {**DEFAULTS, **config}
    enc = cfg["encoders"]
    if isinstance(enc, str):
        enc = list(enc.replace(",", "").replace(" ", ""))
    cfg["encoders"] = [check_choice(str(e).upper(), "encoders", ("A", "B", "C", "D")) for e in enc]
    if not cfg["encoders"]:
        raise ValueError("encoders is empty; pass some of A, B, C, D (e.g. 'ABCD')")
    for key in ("size", "n_mi_images", "n_grid_images", "channels", "depth", "summary_dim", "epochs", "k"):
        cfg[key] = check_positive_int(cfg[key], key)
    cfg["batch_size"] = check_positive_int(cfg["batch_size"], "batch_size", minimum=2)
    for key in ("n_train", "n_test"):
        if cfg[key] is not None and cfg[key] != "all":
            cfg[key] = check_positive_int(cfg[key], key, minimum=2)
    methods = cfg["mi_methods"]
    cfg["mi_methods"] = [check_choice(m, "mi_methods", ("binning", "ksg", "mixed")) for m in
                         ([methods] if isinstance(methods, str) else methods)]
    if isinstance(cfg["lr"], bool) or not isinstance(cfg["lr"], (int, float)) or not cfg["lr"] > 0:
        raise ValueError(f"lr must be a number > 0, got {cfg['lr']!r}")
    if not (cfg["bins"] == "auto" or (isinstance(cfg["bins"], int) and not isinstance(cfg["bins"], bool)
                                      and cfg["bins"] >= 2)):
        raise ValueError(f"bins must be 'auto' or an integer >= 2, got {cfg['bins']!r}")
    # build the modules once so that every bad parameter fails here, before anything is written
    from ..infomax import DIMEncoder, DIMObjective

    for kind in cfg["encoders"]:
        DIMEncoder(kind, channels=cfg["channels"], depth=cfg["depth"], hidden=cfg["hidden"],
                   summary_dim=cfg["summary_dim"]).output_size(cfg["size"])
    DIMObjective(cfg["channels"], cfg["summary_dim"], alpha=cfg["alpha"], beta=cfg["beta"], gamma=cfg["gamma"],
                 bound=cfg["bound"], prior=cfg["prior"], max_locations=cfg["max_locations"])
    return cfg


#: sizes used when n_train / n_test are None (smaller splits are used whole)
_DEFAULT_SIZES = {"train": 5000, "test": 500}


def _load(cfg: dict[str, Any], split: str, limit: int | str | None) -> tuple[np.ndarray, np.ndarray, str]:
    """``(images (n, size, size) float32 in [0, 1], labels, name)`` of one split, grayscale.
    ``limit``: an int is honoured or refused (never shrunk), None is up to the default size,
    "all" the whole split."""
    from ..data import load_dataset, resize_images, take
    from ..errors import ConfigError

    asked = limit if isinstance(limit, int) else None
    cap = None if limit == "all" else (asked or _DEFAULT_SIZES[split])
    if str(cfg["dataset"]).lower() == "stl10":
        from ..data.stl10 import load_stl10

        ds = load_stl10(cfg["data_dir"], split, cap)
    else:
        ds = load_dataset(cfg["dataset"], data_dir=cfg["data_dir"], split=split)
        ds = take(ds, cap)
    if asked is not None and len(ds) < asked:
        key = "n_train" if split == "train" else "n_test"
        raise ConfigError(f"{key}={asked} but the {split} split of {ds.name} has {len(ds)} images; lower "
                          f"--{key.replace('_', '-')} to at most {len(ds)} (or pass 'all')")
    imgs = np.asarray(resize_images(ds, cfg["size"], verbose=False), dtype=np.float32)
    return imgs, ds.labels, ds.name


def _train_encoder(kind: str, cfg: dict[str, Any], x_train: np.ndarray, out: Path):
    from ..infomax import DIMEncoder, DIMObjective, DIMTrainer
    from ..torch_utils import seed_everything

    seed_everything(cfg["seed"])
    enc = DIMEncoder(kind, in_channels=1, channels=cfg["channels"], depth=cfg["depth"], hidden=cfg["hidden"],
                     summary_dim=cfg["summary_dim"])
    obj = DIMObjective(cfg["channels"], cfg["summary_dim"], alpha=cfg["alpha"], beta=cfg["beta"], gamma=cfg["gamma"],
                       bound=cfg["bound"], prior=cfg["prior"], max_locations=cfg["max_locations"])
    trainer = DIMTrainer(enc, obj, epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                         random_state=cfg["seed"], device=cfg["device"],
                         checkpoint=out / "checkpoints" / f"encoder_{kind}.pt", verbose=cfg["verbose"])
    trainer.fit(x_train)
    return enc, trainer


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Run the study; writes ``config.json``, ``results.csv`` (one row per encoder and MI method),
    ``map_mi.csv`` (every image x map x method), ``history.csv``, ``figures/`` and ``report.html``
    under ``config["out"]``. Returns ``{"summary": DataFrame, "map_mi": DataFrame,
    "history": DataFrame, "probe": dict, "out": Path}``."""
    from ..infomax import plots
    from ..infomax.analysis import encode, linear_probe, map_mi_table, per_image_max, summarize_map_mi

    cfg = _check_config(config)
    t0 = time.perf_counter()
    x_train, y_train, name = _load(cfg, "train", cfg["n_train"])
    x_test, y_test, _ = _load(cfg, "test", cfg["n_test"])
    out = Path(cfg["out"])
    out.mkdir(parents=True, exist_ok=True)
    # --resume-changed is not offered: the encoders' checkpoints and per-map tables in the folder
    # belong to one configuration, so a changed one needs its own folder
    try:
        check_run_folder(out, cfg, ignore=(*_VOLATILE, "resolved"))
    except RunFolderError as exc:
        raise RunFolderError(f"{str(exc).split('; pass')[0]}; its checkpoints and per-map tables belong to that "
                             "configuration - choose a new folder with --out or delete that one") from None
    write_json(out / "config.json", {**cfg, "resolved": {"dataset": name, "n_train": len(x_train),
                                                         "n_test": len(x_test)}})
    n_mi = min(cfg["n_mi_images"], len(x_test))
    n_grid = min(cfg["n_grid_images"], len(x_test))
    probe = {"pixels": linear_probe(x_train, y_train, x_test, y_test, cfg["seed"])}
    tables, histories, grid = [], {}, {}
    for kind in cfg["encoders"]:
        enc, trainer = _train_encoder(kind, cfg, x_train, out)
        hist = pd.DataFrame(trainer.history_)
        hist.insert(0, "encoder", kind)
        histories[kind] = hist
        mi_path = out / f"map_mi_{kind}.csv"
        if mi_path.exists():
            table = pd.read_csv(mi_path)
        else:
            maps, _ = encode(enc, x_test[:n_mi], device=cfg["device"])
            table = map_mi_table(kind, x_test[:n_mi], maps, cfg["mi_methods"], bins=cfg["bins"], k=cfg["k"],
                                 random_state=cfg["seed"], verbose=cfg["verbose"])
            write_text(mi_path, table.to_csv(index=False))
        tables.append(table)
        _, s_train = encode(enc, x_train, device=cfg["device"])
        _, s_test = encode(enc, x_test, device=cfg["device"])
        probe[kind] = linear_probe(s_train, y_train, s_test, y_test, cfg["seed"])
        grid[kind] = encode(enc, x_test[:n_grid], device=cfg["device"])[0]

    map_mi = pd.concat(tables, ignore_index=True)
    summary = summarize_map_mi(map_mi)
    summary["map_side"] = [grid[e].shape[-1] for e in summary["encoder"]]
    summary["probe_accuracy"] = [probe[e] for e in summary["encoder"]]
    history = pd.concat(histories.values(), ignore_index=True)
    write_text(out / "results.csv", summary.to_csv(index=False))
    write_text(out / "map_mi.csv", map_mi.to_csv(index=False))
    write_text(out / "history.csv", history.to_csv(index=False))
    write_json(out / "results.json", {"summary": summary.to_dict(orient="records"), "probe": probe,
                                       "dataset": name, "n_train": len(x_train), "n_test": len(x_test),
                                       "seconds": time.perf_counter() - t0})

    pim = per_image_max(map_mi)
    figs = {
        "feature_maps": (plots.plot_feature_grid(x_test[:n_grid], grid),
                         "Input images (left) and their first feature maps at the measured layer, per encoder."),
        "mi_per_map": (plots.plot_mi_per_map(map_mi), "Mean MI (over images) between image and each map, maps sorted."),
        "max_mi_hist": (plots.plot_max_mi_hist(pim), "Per-image max over maps of I(image; map), per encoder."),
        "training": (plots.plot_training_curves(histories), "DIM training curves per step."),
    }
    _report(out, cfg, name, summary, probe, figs, len(x_train), len(x_test), n_mi)
    return {"summary": summary, "map_mi": map_mi, "history": history, "probe": probe, "out": out}


def _report(out: Path, cfg: dict[str, Any], name: str, summary: pd.DataFrame, probe: dict[str, float],
            figs: dict[str, Any], n_train: int, n_test: int, n_mi: int) -> None:
    from ..report.html import HtmlReport

    pngs = {}
    for key, (fig, _) in figs.items():
        # the image mosaic gains nothing from SVG; the line plots are kept as vector graphics too
        formats = ("png",) if key == "feature_maps" else ("png", "svg")
        pngs[key] = save_figure(fig, out / "figures" / key, formats=formats)[0]
    rep = HtmlReport("Deep InfoMax: what the feature maps keep",
                     f"{name}, {cfg['size']}x{cfg['size']} grayscale, {n_train} training / {n_test} test images;")
    rep.add_text(
        f"Encoders {', '.join(cfg['encoders'])} ({cfg['depth']} layers, {cfg['channels']} maps at the measured layer) "
        f"trained for {cfg['epochs']} epochs with the DIM objective ({cfg['bound']} bound, alpha={cfg['alpha']}, "
        f"beta={cfg['beta']}, gamma={cfg['gamma']}, {cfg['prior']} prior). Per-map MI: image (resized to the map's "
        f"side) vs each map, pixels as paired samples, on {n_mi} held-out images, in nats. "
        "A: valid convs (maps shrink), B: transposed convs (grow), C: same padding (kept), D: grow then shrink back.")
    rep.add_heading("MI between image and feature maps")
    lines = []
    for method, g in summary.groupby("method"):
        best = g.sort_values("mean_mi", ascending=False).iloc[0]
        lines.append(f"{method}: encoder {best['encoder']} keeps the most per map on average "
                     f"({best['mean_mi']:.3f} ± {best['mean_mi_se']:.3f} nats, se over images)")
    rep.add_text("; ".join(lines) + ".")
    rep.add_table(summary, caption="mean / max over maps, averaged over images (se: standard error over images); "
                                   "probe: linear-probe test accuracy on the summary vector")
    rep.add_table(pd.DataFrame([{"features": k, "probe_accuracy": v} for k, v in probe.items()]),
                  caption="linear probe (logistic regression) test accuracy; 'pixels' is the raw-pixel reference")
    for key, (_, caption) in figs.items():
        rep.add_heading(key.replace("_", " "), level=3)
        rep.add_figure(pngs[key], caption=caption)      # the saved PNG, not a second rendering
    rep.add_heading("Configuration")
    rep.add_code(json.dumps(cfg, indent=2, default=str))
    rep.save(out / "report.html")


def _size(text: str) -> int | str:
    if text == "all":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of images or 'all', got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    d = DEFAULTS
    parser.add_argument("--dataset", default=d["dataset"], help="digits, fashion-mnist, stl10 or an .npz path")
    parser.add_argument("--data-dir", default=None, help="folder of the data set files (STL-10: stl10_binary)")
    parser.add_argument("--size", type=int, default=d["size"], help="image side after resizing (paper: 96)")
    parser.add_argument("--n-train", type=_size, default=d["n_train"],
                        help="training images: a number (refused if the split is smaller), 'all' (default: up to 5000)")
    parser.add_argument("--n-test", type=_size, default=d["n_test"],
                        help="held-out images: a number (refused if the split is smaller), 'all' (default: up to 500)")
    parser.add_argument("--n-mi-images", type=int, default=d["n_mi_images"])
    parser.add_argument("--encoders", default=d["encoders"], help="subset of ABCD")
    parser.add_argument("--channels", type=int, default=d["channels"])
    parser.add_argument("--depth", type=int, default=d["depth"])
    parser.add_argument("--summary-dim", type=int, default=d["summary_dim"])
    parser.add_argument("--epochs", type=int, default=d["epochs"])
    parser.add_argument("--batch-size", type=int, default=d["batch_size"])
    parser.add_argument("--lr", type=float, default=d["lr"])
    parser.add_argument("--alpha", type=float, default=d["alpha"], help="weight of the global MI term")
    parser.add_argument("--beta", type=float, default=d["beta"], help="weight of the local MI term")
    parser.add_argument("--gamma", type=float, default=d["gamma"], help="weight of the prior-matching term")
    parser.add_argument("--bound", default=d["bound"], choices=["jsd", "infonce", "dv"])
    parser.add_argument("--prior", default=d["prior"], choices=["uniform", "gaussian"])
    parser.add_argument("--max-locations", type=int, default=d["max_locations"])
    parser.add_argument("--k", type=int, default=d["k"], help="KSG neighbours")
    parser.add_argument("--mi-methods", nargs="+", default=d["mi_methods"], choices=["binning", "ksg", "mixed"],
                        help="per-map MI estimators (mixed: Gao et al. 2017, exact tie counting)")
    parser.add_argument("--seed", type=int, default=d["seed"])
    parser.add_argument("--device", default=d["device"])
    parser.add_argument("--out", default=d["out"], help="run folder (re-run the same command to resume)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def main(args: argparse.Namespace) -> int:
    keys = ("dataset", "data_dir", "size", "n_train", "n_test", "n_mi_images", "encoders", "channels", "depth",
            "summary_dim", "epochs", "batch_size", "lr", "alpha", "beta", "gamma", "bound", "prior",
            "max_locations", "mi_methods", "k", "seed", "device", "out")
    cfg = {k: getattr(args, k) for k in keys}
    cfg["verbose"] = not args.quiet
    res = run(cfg)
    cols = ["encoder", "method", "map_side", "mean_mi", "max_mi", "probe_accuracy"]
    print(res["summary"][cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"pixel probe accuracy {res['probe']['pixels']:.4f}; report: {res['out'] / 'report.html'}")
    return 0
