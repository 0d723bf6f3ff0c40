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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ...errors import RunFolderError
from ...io import save_array, write_json, write_text
from ...validation import check_choice, check_positive_int
from ..config import check_run_folder, failed_rows, load_config
from .plots import figures, report
from ..flags import config_from_args
from ..protocol import StudyConfig, StudyResult


@dataclass
class InfomaxConfig(StudyConfig):
    """Settings of the Deep InfoMax study (``run`` takes this, a dict or a YAML file with these keys).

    The defaults (16 px images, 16 maps) finish in about two minutes on two CPU cores; ``--thorough``
    trains on 32 px images with 32 maps (about 12 minutes there), the protocol docs/infomax.md reports."""

    THOROUGH = {"size": 32, "channels": 32}
    #: the run folder holds the encoders' checkpoints of one configuration: no --resume-changed
    RESUMES_CHANGED = False

    dataset: str = "digits"
    """digits, fashion-mnist, stl10 (with data_dir) or an .npz path"""
    data_dir: str | None = None
    """folder of the data set files (STL-10: stl10_binary)"""
    size: int = 16
    """image side after resizing to grayscale (--thorough: 32; the published setup: 96, STL-10)"""
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
    channels: int = 16
    """feature maps at the measured layer (--thorough: 32)"""
    depth: int = 4
    """convolution layers of each encoder"""
    hidden: int | None = None
    """channels of the inner layers (None: channels)"""
    summary_dim: int = 64
    """size of the global summary vector"""
    epochs: int = 5
    """DIM training epochs at least; training continues while the objective still rises (see max_epochs)"""
    max_epochs: int = 10
    """most DIM training epochs: past epochs, one more epoch at a time while the objective still rises
    (the last epoch's gain > 2 se and > 5% of the rise so far); a run stopped here is reported as not converged"""
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
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    """seeds of the encoders, their training, the MI estimates and the probes: one training run per
    encoder and seed; tables show the mean over seeds ± their spread"""
    equal_pairs: bool = True
    """measure every encoder's maps from the same number of pixel pairs (the smallest map's, drawn at
    random from the larger maps) so that the estimators' sample-size bias is the same for all"""
    device: str = "auto"
    """torch device: auto, cpu or cuda"""
    out_dir: str = "runs/infomax"
    """run folder (re-run the same command to resume)"""

    def validate(self) -> None:
        enc = self.encoders
        if isinstance(enc, str):
            enc = [enc]
        self.encoders = [check_choice(str(e).upper(), "encoders", ("A", "B", "C", "D"))
                         for e in "".join(map(str, enc)).replace(",", "").replace(" ", "")]
        if not self.encoders:
            raise ValueError("encoders is empty; pass some of A, B, C, D (e.g. 'ABCD')")
        for key in ("size", "n_mi_images", "n_grid_images", "channels", "depth", "summary_dim", "epochs", "k",
                    "max_epochs", "n_jobs"):
            setattr(self, key, check_positive_int(getattr(self, key), key))
        if self.max_epochs < self.epochs:
            raise ValueError(f"max_epochs={self.max_epochs} must be >= epochs={self.epochs}")
        seeds = self.seeds if isinstance(self.seeds, (list, tuple)) else [self.seeds]
        self.seeds = [int(check_positive_int(sd, "seeds", minimum=0)) for sd in seeds]
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds must list distinct seeds, e.g. [0, 1, 2], got {self.seeds!r}")
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
        from ...infomax import DIMEncoder, DIMObjective

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
_VOLATILE = ("out_dir", "verbose", "device", "n_jobs")
_DATA_KEYS = ("dataset", "data_dir", "size", "n_train", "n_test")


#: sizes used when n_train / n_test are None (smaller splits are used whole)
_DEFAULT_SIZES = {"train": 5000, "test": 500}


def _load(cfg: Mapping[str, Any], split: str, limit: int | str | None) -> tuple[np.ndarray, np.ndarray, str]:
    """``(images (n, size, size) float32 in [0, 1], labels, name)`` of one split, grayscale.
    ``limit``: an int is honoured or refused (never shrunk), None is up to the default size,
    "all" the whole split."""
    from ...data import load_dataset, resize_images, take
    from ...errors import ConfigError

    asked = limit if isinstance(limit, int) else None
    cap = None if limit == "all" else (asked or _DEFAULT_SIZES[split])
    if str(cfg["dataset"]).lower() == "stl10":
        from ...data.stl10 import load_stl10

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


def _checkpoint_epochs(path: Path) -> int:
    """Epochs already trained in a checkpoint (0 when there is none)."""
    import torch

    if not path.exists():
        return 0
    return int(torch.load(path, map_location="cpu", weights_only=True)["epoch"])


def _train_encoder(kind: str, cfg: Mapping[str, Any], seed: int, x_train: np.ndarray, out: Path):
    """Train for ``epochs``, then one epoch at a time while the objective still rises, up to
    ``max_epochs`` (:func:`~infolens.infomax.trainer.convergence`); resumes from the checkpoint."""
    from ...infomax import DIMEncoder, DIMObjective, DIMTrainer
    from ...infomax.trainer import convergence
    from ...torch_utils import seed_everything

    seed_everything(seed)
    enc = DIMEncoder(kind, in_channels=1, channels=cfg["channels"], depth=cfg["depth"], hidden=cfg["hidden"],
                     summary_dim=cfg["summary_dim"])
    obj = DIMObjective(cfg["channels"], cfg["summary_dim"], alpha=cfg["alpha"], beta=cfg["beta"], gamma=cfg["gamma"],
                       bound=cfg["bound"], prior=cfg["prior"], max_locations=cfg["max_locations"])
    ckpt = out / "checkpoints" / f"encoder_{kind}_seed{seed}.pt"
    epochs = min(max(cfg["epochs"], _checkpoint_epochs(ckpt)), cfg["max_epochs"])
    while True:
        trainer = DIMTrainer(enc, obj, epochs=epochs, batch_size=cfg["batch_size"], lr=cfg["lr"], random_state=seed,
                             device=cfg["device"], checkpoint=ckpt, verbose=cfg["verbose"])
        trainer.fit(x_train)
        conv = convergence(trainer.history_, cfg["alpha"], cfg["beta"])
        if not conv["rising"] or epochs >= cfg["max_epochs"]:
            break
        epochs += 1
    conv["converged"] = not conv["rising"]
    return enc, trainer, conv


@functools.lru_cache(maxsize=1)
def _data(dataset: str, data_dir: str | None, size: int, n_train: Any, n_test: Any) -> tuple[Any, ...]:
    """``(x_train, y_train, x_test, y_test, name)``; loaded once per process for all encoders."""
    cfg = {"dataset": dataset, "data_dir": data_dir, "size": size}
    x_train, y_train, name = _load(cfg, "train", n_train)
    x_test, y_test, _ = _load(cfg, "test", n_test)
    return x_train, y_train, x_test, y_test, name


def pairs_per_map(cfg: Mapping[str, Any]) -> int | None:
    """The pixel pairs every encoder's maps are measured from: the smallest map's pixel count over
    the encoders of the run (``equal_pairs``), or None (each map whole)."""
    from ...infomax import map_sizes

    if not cfg["equal_pairs"]:
        return None
    return min(map_sizes(kind, cfg["size"], cfg["depth"])[-1] ** 2 for kind in cfg["encoders"])


def jobs(cfg: InfomaxConfig) -> list[dict[str, Any]]:
    """One job per encoder and seed."""
    # thorough is left out: its values are in the other keys; resume_changed is always False here
    # (the job hashes stay those of earlier runs)
    base = {k: v for k, v in asdict(cfg).items() if k not in ("seeds", "thorough", "resume_changed")}
    return [{**base, "encoder": kind, "seed": seed} for seed in cfg.seeds for kind in cfg.encoders]


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Train one encoder with one seed (checkpointed per epoch, until the objective stops rising),
    measure the MI of its maps (saved as ``map_mi_<encoder>_seed<seed>.csv``), probe its summary
    vectors; resumes from what is on disk. With ``n_jobs`` > 1 each worker uses one torch thread."""
    from ...torch_utils import threads

    with threads(1 if job.get("n_jobs", 1) > 1 else None):
        return _run_job(job)


def _run_job(job: dict[str, Any]) -> dict[str, Any]:
    from ...infomax.analysis import encode, linear_probe, map_mi_table

    out, kind, seed = Path(job["out_dir"]), job["encoder"], int(job["seed"])
    x_train, y_train, x_test, y_test, _ = _data(*(job[k] for k in _DATA_KEYS))
    n_mi, n_grid = min(job["n_mi_images"], len(x_test)), min(job["n_grid_images"], len(x_test))
    enc, trainer, conv = _train_encoder(kind, job, seed, x_train, out)
    mi_path = out / f"map_mi_{kind}_seed{seed}.csv"
    if not mi_path.exists():
        maps, _ = encode(enc, x_test[:n_mi], device=job["device"])
        table = map_mi_table(kind, x_test[:n_mi], maps, job["mi_methods"], bins=job["bins"], k=job["k"],
                             random_state=seed, verbose=job["verbose"], n_pairs=pairs_per_map(job))
        table.insert(1, "seed", seed)
        write_text(mi_path, table.to_csv(index=False))
    _, s_train = encode(enc, x_train, device=job["device"])
    _, s_test = encode(enc, x_test, device=job["device"])
    grid_path = save_array(out / "maps" / f"grid_{kind}_seed{seed}.npy",
                           encode(enc, x_test[:n_grid], device=job["device"])[0])
    return {"encoder": kind, "seed": seed, "history": pd.DataFrame(trainer.history_).to_dict(orient="list"),
            "probe_accuracy": linear_probe(s_train, y_train, s_test, y_test, seed), "convergence": conv,
            "map_mi": str(mi_path), "grid": str(grid_path)}


def summarize(rows: list[dict[str, Any]], cfg: InfomaxConfig) -> InfomaxResult:
    """Per-map MI of every encoder and seed, its summary over seeds (``results.csv``,
    ``map_mi.csv``, ``history.csv``, ``convergence.csv``, ``results.json``) and the raw-pixel
    probe for reference."""
    from ...infomax.analysis import linear_probe, summarize_map_mi

    failed = failed_rows(rows, lambda c: f"encoder {c['encoder']} seed {c['seed']}")
    if failed:
        raise RuntimeError(f"{failed[0]} ({len(failed)} failed)")
    x_train, y_train, x_test, y_test, name = _data(*(getattr(cfg, k) for k in _DATA_KEYS))
    out = Path(cfg.out_dir)
    results = [r["result"] for r in rows]
    probe_runs = pd.DataFrame([{"encoder": r["encoder"], "seed": r["seed"], "accuracy": r["probe_accuracy"]}
                               for r in results])
    probe = {"pixels": linear_probe(x_train, y_train, x_test, y_test, cfg.seeds[0])}
    probe.update(probe_runs.groupby("encoder", sort=False)["accuracy"].mean().to_dict())
    first = cfg.seeds[0]
    grid = {r["encoder"]: np.load(r["grid"]) for r in results if r["seed"] == first}
    map_mi = pd.concat([pd.read_csv(r["map_mi"]) for r in results], ignore_index=True)
    histories = []
    for r in results:
        hist = pd.DataFrame(r["history"])
        hist.insert(0, "encoder", r["encoder"])
        hist.insert(1, "seed", r["seed"])
        histories.append(hist)
    conv = pd.DataFrame([{"encoder": r["encoder"], "seed": r["seed"], "epochs": r["convergence"]["epochs"],
                          "last_gain": r["convergence"]["gain"], "gain_se": r["convergence"]["gain_se"],
                          "converged": r["convergence"]["converged"]} for r in results])
    summary = summarize_map_mi(map_mi)
    summary["map_side"] = [grid[e].shape[-1] for e in summary["encoder"]]
    summary["pairs_per_map"] = [int(map_mi.loc[map_mi["encoder"] == e, "pairs"].iloc[0]) for e in summary["encoder"]]
    pr = probe_runs.groupby("encoder")["accuracy"]
    summary["probe_accuracy"] = [probe[e] for e in summary["encoder"]]
    summary["probe_accuracy_seed_sd"] = [pr.std(ddof=1).get(e, np.nan) for e in summary["encoder"]]
    summary["epochs_trained"] = [", ".join(str(v) for v in conv.loc[conv["encoder"] == e, "epochs"])
                                 for e in summary["encoder"]]
    summary["converged_runs"] = [f"{int(conv.loc[conv['encoder'] == e, 'converged'].sum())}/{len(cfg.seeds)}"
                                 for e in summary["encoder"]]
    history = pd.concat(histories, ignore_index=True)
    n_mi = min(cfg.n_mi_images, len(x_test))
    data = {"dataset": name, "n_train": len(x_train), "n_test": len(x_test), "n_mi": n_mi,
            "pairs_per_map": pairs_per_map(asdict(cfg)), "convergence": conv}
    write_text(out / "results.csv", summary.to_csv(index=False))
    write_text(out / "map_mi.csv", map_mi.to_csv(index=False))
    write_text(out / "history.csv", history.to_csv(index=False))
    write_text(out / "convergence.csv", conv.to_csv(index=False))
    write_json(out / "results.json", {"summary": summary.to_dict(orient="records"), "probe": probe,
                                       "probe_runs": probe_runs.to_dict(orient="records"),
                                       "convergence": conv.to_dict(orient="records"), "seeds": list(cfg.seeds),
                                       "dataset": name, "n_train": len(x_train), "n_test": len(x_test)})
    return InfomaxResult(out_dir=out, summary=summary, map_mi=map_mi, history=history, probe=probe, grid=grid,
                         images=x_test[:min(cfg.n_grid_images, len(x_test))], data=data, config=cfg)


def run(config: Any = None, **overrides: Any) -> InfomaxResult:
    """Run the study; writes ``config.json``, ``results.csv`` (one row per encoder and MI method),
    ``map_mi.csv`` (every image x map x method), ``history.csv``, ``figures/`` and ``report.html``
    under ``out_dir``. A killed run resumes from the encoders' checkpoints and MI tables."""
    from ...runner import run_jobs

    base = asdict(load_config(InfomaxConfig, config)) if config is not None else {}
    cfg = load_config(InfomaxConfig, {**base, **overrides})
    x_train, _, x_test, _, name = _data(*(getattr(cfg, k) for k in _DATA_KEYS))
    out = Path(cfg.out_dir)
    record = asdict(cfg)
    # no --resume-changed (InfomaxConfig.RESUMES_CHANGED is False): the encoders' checkpoints and
    # per-map tables in the folder belong to one configuration, so a changed one needs its own folder
    try:
        check_run_folder(out, record, ignore=(*_VOLATILE, "resolved"))
    except RunFolderError as exc:
        raise RunFolderError(f"{str(exc).split('; pass')[0]}; its checkpoints and per-map tables belong to that "
                             "configuration - choose a new folder with --out or delete that one") from None
    write_json(out / "config.json", {**record, "resolved": {"dataset": name, "n_train": len(x_train),
                                                            "n_test": len(x_test)}})
    rows = run_jobs(run_job, jobs(cfg), out, n_jobs=cfg.n_jobs, progress=cfg.verbose and cfg.n_jobs > 1,
                    desc="infomax runs")
    result = summarize(rows, cfg)
    report(result, figures(result))
    return result


def main(args: argparse.Namespace) -> int:
    res = run(config_from_args(args, InfomaxConfig))
    cols = ["encoder", "method", "map_side", "pairs_per_map", "mean_mi", "mean_mi_seed_sd", "max_mi", "max_mi_seed_sd",
            "probe_accuracy", "epochs_trained", "converged_runs"]
    print(res.summary[[c for c in cols if c in res.summary.columns]].to_string(
        index=False, float_format=lambda v: f"{v:.4f}"))
    conv = res.data["convergence"]
    bad = conv[~conv["converged"]]
    print(f"pixel probe accuracy {res.probe['pixels']:.4f}; seeds {', '.join(map(str, res.config.seeds))}; "
          + (f"{len(bad)} of {len(conv)} training runs did not converge within max_epochs={res.config.max_epochs}"
             if len(bad) else f"all {len(conv)} training runs converged"))
    print(f"report: {res.out_dir / 'report.html'}")
    return 0
