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
import functools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..errors import RunFolderError
from ..io import save_array, save_figure, write_json, write_text
from ..validation import check_choice, check_positive_int
from ._config import check_run_folder, load_config
from ._protocol import StudyResult, config_from_args, failed_rows


@dataclass
class InfomaxConfig:
    """Settings of the Deep InfoMax study (``run`` takes this, a dict or a YAML file with these keys)."""

    dataset: str = "digits"
    """digits, fashion-mnist, stl10 (with data_dir) or an .npz path"""
    data_dir: str | None = None
    """folder of the data set files (STL-10: stl10_binary)"""
    size: int = 32
    """image side after resizing to grayscale (the published setup: 96, STL-10)"""
    n_train: int | str | None = None
    """training images (DIM and the probe): a number (refused if the split is smaller), 'all'; default up to 5000"""
    n_test: int | str | None = None
    """held-out images for the probe's test split: a number, 'all'; default up to 500"""
    n_mi_images: int = 32
    """held-out images whose per-map MI is measured"""
    n_grid_images: int = 3
    """images in the feature-map figure"""
    encoders: list[str] = field(default_factory=lambda: list("ABCD"))
    """encoders to train: any of A (shrink), B (grow), C (keep), D (grow then shrink), e.g. ABCD"""
    channels: int = 32
    """feature maps at the measured layer"""
    depth: int = 4
    """convolution layers of each encoder"""
    hidden: int | None = None
    """channels of the inner layers (None: channels)"""
    summary_dim: int = 64
    """size of the global summary vector"""
    epochs: int = 5
    """DIM training epochs"""
    batch_size: int = 64
    """images per DIM training step"""
    lr: float = 1e-3
    """learning rate of Adam"""
    alpha: float = 0.5
    """weight of the global MI term"""
    beta: float = 1.0
    """weight of the local MI term"""
    gamma: float = 0.1
    """weight of the prior-matching term"""
    bound: str = "jsd"
    """MI bound of the DIM objective: jsd, infonce or dv"""
    prior: str = "uniform"
    """prior the summary vector is matched to: uniform or gaussian"""
    max_locations: int = 1024
    """feature-map locations sampled per image for the local term"""
    mi_methods: list[str] = field(default_factory=lambda: ["binning", "ksg"])
    """per-map MI estimators: binning, ksg, mixed (Gao et al. 2017, exact tie counting)"""
    bins: int | str = "auto"
    """bins of the binning estimator ('auto' or an integer >= 2)"""
    k: int = 5
    """KSG neighbours"""
    seed: int = 0
    """seed of the encoders, their training, the MI estimates and the probes"""
    device: str = "auto"
    """torch device: auto, cpu or cuda"""
    out_dir: str = "runs/infomax"
    """run folder (re-run the same command to resume)"""
    verbose: bool = True
    """progress bars"""

    def validate(self) -> None:
        enc = self.encoders
        if isinstance(enc, str):
            enc = [enc]
        self.encoders = [check_choice(str(e).upper(), "encoders", ("A", "B", "C", "D"))
                         for e in "".join(map(str, enc)).replace(",", "").replace(" ", "")]
        if not self.encoders:
            raise ValueError("encoders is empty; pass some of A, B, C, D (e.g. 'ABCD')")
        for key in ("size", "n_mi_images", "n_grid_images", "channels", "depth", "summary_dim", "epochs", "k"):
            setattr(self, key, check_positive_int(getattr(self, key), key))
        self.batch_size = check_positive_int(self.batch_size, "batch_size", minimum=2)
        for key in ("n_train", "n_test"):
            if getattr(self, key) is not None and getattr(self, key) != "all":
                setattr(self, key, check_positive_int(getattr(self, key), key, minimum=2))
        methods = [self.mi_methods] if isinstance(self.mi_methods, str) else self.mi_methods
        self.mi_methods = [check_choice(m, "mi_methods", ("binning", "ksg", "mixed")) for m in methods]
        if isinstance(self.lr, bool) or not isinstance(self.lr, (int, float)) or not self.lr > 0:
            raise ValueError(f"lr must be a number > 0, got {self.lr!r}")
        if not (self.bins == "auto" or (isinstance(self.bins, int) and not isinstance(self.bins, bool) and self.bins >= 2)):
            raise ValueError(f"bins must be 'auto' or an integer >= 2, got {self.bins!r}")
        # build the modules once so that every bad parameter fails here, before anything is written
        from ..infomax import DIMEncoder, DIMObjective

        for kind in self.encoders:
            DIMEncoder(kind, channels=self.channels, depth=self.depth, hidden=self.hidden,
                       summary_dim=self.summary_dim).output_size(self.size)
        DIMObjective(self.channels, self.summary_dim, alpha=self.alpha, beta=self.beta, gamma=self.gamma,
                     bound=self.bound, prior=self.prior, max_locations=self.max_locations)


Config = InfomaxConfig


@dataclass
class InfomaxResult(StudyResult):
    summary: pd.DataFrame
    """one row per (encoder, MI method): mean / max over maps, map side, probe accuracy"""
    map_mi: pd.DataFrame
    """every (encoder, image, map, method) MI"""
    history: pd.DataFrame
    """DIM training curves per encoder and step"""
    probe: dict[str, float]
    """linear-probe test accuracy per encoder, and on raw pixels ("pixels")"""
    grid: dict[str, np.ndarray]
    """feature maps of the first held-out images, per encoder"""
    images: np.ndarray
    """those held-out images"""
    data: dict[str, Any]
    """data set name and the numbers of training, test and measured images"""
    config: InfomaxConfig
    """the configuration of the run"""


#: keys that do not change the numbers (may differ when a run is resumed)
_VOLATILE = ("out_dir", "verbose", "device")
_DATA_KEYS = ("dataset", "data_dir", "size", "n_train", "n_test")


#: sizes used when n_train / n_test are None (smaller splits are used whole)
_DEFAULT_SIZES = {"train": 5000, "test": 500}


def _load(cfg: Mapping[str, Any], split: str, limit: int | str | None) -> tuple[np.ndarray, np.ndarray, str]:
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


def _train_encoder(kind: str, cfg: Mapping[str, Any], x_train: np.ndarray, out: Path):
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


@functools.lru_cache(maxsize=1)
def _data(dataset: str, data_dir: str | None, size: int, n_train: Any, n_test: Any) -> tuple[Any, ...]:
    """``(x_train, y_train, x_test, y_test, name)``; loaded once per process for all encoders."""
    cfg = {"dataset": dataset, "data_dir": data_dir, "size": size}
    x_train, y_train, name = _load(cfg, "train", n_train)
    x_test, y_test, _ = _load(cfg, "test", n_test)
    return x_train, y_train, x_test, y_test, name


def jobs(cfg: InfomaxConfig) -> list[dict[str, Any]]:
    """One job per encoder."""
    return [{**asdict(cfg), "encoder": kind} for kind in cfg.encoders]


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Train one encoder (checkpointed per epoch), measure the MI of its maps (saved as
    ``map_mi_<encoder>.csv``), probe its summary vectors; resumes from what is on disk."""
    from ..infomax.analysis import encode, linear_probe, map_mi_table

    out, kind = Path(job["out_dir"]), job["encoder"]
    x_train, y_train, x_test, y_test, _ = _data(*(job[k] for k in _DATA_KEYS))
    n_mi, n_grid = min(job["n_mi_images"], len(x_test)), min(job["n_grid_images"], len(x_test))
    enc, trainer = _train_encoder(kind, job, x_train, out)
    mi_path = out / f"map_mi_{kind}.csv"
    if not mi_path.exists():
        maps, _ = encode(enc, x_test[:n_mi], device=job["device"])
        table = map_mi_table(kind, x_test[:n_mi], maps, job["mi_methods"], bins=job["bins"], k=job["k"],
                             random_state=job["seed"], verbose=job["verbose"])
        write_text(mi_path, table.to_csv(index=False))
    _, s_train = encode(enc, x_train, device=job["device"])
    _, s_test = encode(enc, x_test, device=job["device"])
    grid_path = save_array(out / "maps" / f"grid_{kind}.npy", encode(enc, x_test[:n_grid], device=job["device"])[0])
    return {"encoder": kind, "history": pd.DataFrame(trainer.history_).to_dict(orient="list"),
            "probe_accuracy": linear_probe(s_train, y_train, s_test, y_test, job["seed"]),
            "map_mi": str(mi_path), "grid": str(grid_path)}


def summarize(rows: list[dict[str, Any]], cfg: InfomaxConfig) -> InfomaxResult:
    """Per-map MI of every encoder, its summary (``results.csv``, ``map_mi.csv``,
    ``history.csv``, ``results.json``) and the raw-pixel probe for reference."""
    from ..infomax.analysis import linear_probe, summarize_map_mi

    failed = failed_rows(rows, lambda c: f"encoder {c['encoder']}")
    if failed:
        raise RuntimeError(f"{failed[0]} ({len(failed)} failed)")
    x_train, y_train, x_test, y_test, name = _data(*(getattr(cfg, k) for k in _DATA_KEYS))
    out = Path(cfg.out_dir)
    results = {r["config"]["encoder"]: r["result"] for r in rows}
    probe = {"pixels": linear_probe(x_train, y_train, x_test, y_test, cfg.seed)}
    probe.update({kind: res["probe_accuracy"] for kind, res in results.items()})
    grid = {kind: np.load(res["grid"]) for kind, res in results.items()}
    map_mi = pd.concat([pd.read_csv(res["map_mi"]) for res in results.values()],
                       ignore_index=True)
    histories = []
    for kind, res in results.items():
        hist = pd.DataFrame(res["history"])
        hist.insert(0, "encoder", kind)
        histories.append(hist)
    summary = summarize_map_mi(map_mi)
    summary["map_side"] = [grid[e].shape[-1] for e in summary["encoder"]]
    summary["probe_accuracy"] = [probe[e] for e in summary["encoder"]]
    history = pd.concat(histories, ignore_index=True)
    n_mi = min(cfg.n_mi_images, len(x_test))
    data = {"dataset": name, "n_train": len(x_train), "n_test": len(x_test), "n_mi": n_mi}
    write_text(out / "results.csv", summary.to_csv(index=False))
    write_text(out / "map_mi.csv", map_mi.to_csv(index=False))
    write_text(out / "history.csv", history.to_csv(index=False))
    write_json(out / "results.json", {"summary": summary.to_dict(orient="records"), "probe": probe,
                                       "dataset": name, "n_train": len(x_train), "n_test": len(x_test)})
    return InfomaxResult(out_dir=out, summary=summary, map_mi=map_mi, history=history, probe=probe, grid=grid,
                         images=x_test[:min(cfg.n_grid_images, len(x_test))], data=data, config=cfg)


#: figure name -> caption in the report
CAPTIONS = {
    "feature_maps": "Input images (left) and their first feature maps at the measured layer, per encoder.",
    "mi_per_map": "Mean MI (over images) between image and each map, maps sorted.",
    "max_mi_hist": "Per-image max over maps of I(image; map), per encoder.",
    "training": "DIM training curves per step.",
}


def figures(result: InfomaxResult) -> dict[str, Path]:
    """The four figures, saved under ``figures/`` (the mosaic as PNG, line plots also as SVG);
    returns the PNG paths (the report embeds them: no second rendering)."""
    from ..infomax import plots
    from ..infomax.analysis import per_image_max

    histories = {k: g.drop(columns="encoder").reset_index(drop=True) for k, g in result.history.groupby("encoder", sort=False)}
    figs = {"feature_maps": plots.plot_feature_grid(result.images, result.grid),
            "mi_per_map": plots.plot_mi_per_map(result.map_mi),
            "max_mi_hist": plots.plot_max_mi_hist(per_image_max(result.map_mi)),
            "training": plots.plot_training_curves(histories)}
    # the image mosaic gains nothing from SVG; the line plots are kept as vector graphics too
    return {key: save_figure(fig, result.out_dir / "figures" / key,
                             formats=("png",) if key == "feature_maps" else ("png", "svg"))[0]
            for key, fig in figs.items()}


def report(result: InfomaxResult, pngs: dict[str, Path]) -> Path:
    """``report.html``: the setup, which encoder keeps the most, the tables and the figures."""
    from ..report.html import HtmlReport

    cfg, d, summary, probe = result.config, result.data, result.summary, result.probe
    rep = HtmlReport("Deep InfoMax: what the feature maps keep",
                     f"{d['dataset']}, {cfg.size}x{cfg.size} grayscale, {d['n_train']} training / {d['n_test']} test images;")
    rep.add_text(
        f"Encoders {', '.join(cfg.encoders)} ({cfg.depth} layers, {cfg.channels} maps at the measured layer) "
        f"trained for {cfg.epochs} epochs with the DIM objective ({cfg.bound} bound, alpha={cfg.alpha}, "
        f"beta={cfg.beta}, gamma={cfg.gamma}, {cfg.prior} prior). Per-map MI: image (resized to the map's "
        f"side) vs each map, pixels as paired samples, on {d['n_mi']} held-out images, in nats. "
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
    for key, png in pngs.items():
        rep.add_heading(key.replace("_", " "), level=3)
        rep.add_figure(png, caption=CAPTIONS[key])
    rep.add_heading("Configuration")
    rep.add_code(json.dumps(asdict(cfg), indent=2, default=str))
    return rep.save(result.out_dir / "report.html")


def run(config: Any = None, **overrides: Any) -> InfomaxResult:
    """Run the study; writes ``config.json``, ``results.csv`` (one row per encoder and MI method),
    ``map_mi.csv`` (every image x map x method), ``history.csv``, ``figures/`` and ``report.html``
    under ``out_dir``. A killed run resumes from the encoders' checkpoints and MI tables."""
    from ..runner import run_jobs

    base = asdict(load_config(InfomaxConfig, config)) if config is not None else {}
    cfg = load_config(InfomaxConfig, {**base, **overrides})
    x_train, _, x_test, _, name = _data(*(getattr(cfg, k) for k in _DATA_KEYS))
    out = Path(cfg.out_dir)
    record = asdict(cfg)
    # --resume-changed is not offered: the encoders' checkpoints and per-map tables in the folder
    # belong to one configuration, so a changed one needs its own folder
    try:
        check_run_folder(out, record, ignore=(*_VOLATILE, "resolved"))
    except RunFolderError as exc:
        raise RunFolderError(f"{str(exc).split('; pass')[0]}; its checkpoints and per-map tables belong to that "
                             "configuration - choose a new folder with --out or delete that one") from None
    write_json(out / "config.json", {**record, "resolved": {"dataset": name, "n_train": len(x_train),
                                                            "n_test": len(x_test)}})
    rows = run_jobs(run_job, jobs(cfg), out, n_jobs=1, progress=False, desc="infomax")
    result = summarize(rows, cfg)
    report(result, figures(result))
    return result


def main(args: argparse.Namespace) -> int:
    res = run(config_from_args(args, InfomaxConfig))
    cols = ["encoder", "method", "map_side", "mean_mi", "max_mi", "probe_accuracy"]
    print(res.summary[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"pixel probe accuracy {res.probe['pixels']:.4f}; report: {res.out_dir / 'report.html'}")
    return 0
