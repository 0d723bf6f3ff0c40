"""Information plane: I(X;L) and I(L;Y) of every layer L while a classifier trains.

Shwartz-Ziv & Tishby 2017 plot each layer as a point (I(X;L), I(L;Y)) per epoch; the
estimates here follow Butakov et al. 2023 (MI after lossy compression: PCA codes of X
and L, then a kNN estimator) and also offer sliced MI (Goldfeld & Greenewald 2021) and
the cross-entropy (Barber-Agakov) bound for I(L;Y). A torch MLP or small CNN trains on
the train split; at chosen epochs every layer's activations on a fixed held-out subset
are saved, and each (epoch, layer, quantity, estimator) is one job of
:func:`infolens.runner.run_jobs`, so a killed run resumes (training resumes from its
last checkpoint). I(L;Y) <= H(Y) is checked.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ...validation import check_choice, check_positive_int
from ..config import check_run_folder, load_config, slug
from .network import _forward, build_model, layer_names, load_split, train  # noqa: F401 (_forward: tests)
from ..flags import config_from_args
from ..protocol import StudyConfig, StudyResult

MODELS = ("mlp", "cnn")
ACTIVATIONS = ("relu", "tanh")


@dataclass
class InfoplaneConfig(StudyConfig):
    """Everything the study needs; ``run`` accepts this, a dict or a YAML path with these keys.

    ``x_estimators`` / ``y_estimators`` map registered estimator names to parameters, used
    for I(X;L) and I(L;Y). ``record_epochs=None``: epoch 0 (initialisation) and powers of
    two up to ``epochs``. ``resume_changed`` (:class:`StudyConfig`) adds this run's estimates
    to a run folder whose estimators or epochs differ; the network's training settings must match.
    """

    dataset: str = "digits"
    """digits, fashion-mnist, mnist or a path to an .npz file"""
    data_dir: str | None = None
    """folder holding the IDX files (default: found via dpkg)"""
    model: str = "mlp"
    """the network: mlp or cnn"""
    hidden: list[int] = field(default_factory=lambda: [64, 32, 16])
    """hidden layer widths, e.g. 64,32,16"""
    activation: str = "tanh"
    """activation of the hidden layers: relu or tanh"""
    epochs: int = 64
    """training epochs"""
    record_epochs: list[int] | None = None
    """epochs whose activations are recorded (default 0, 1, 2, 4, ..., epochs)"""
    n_train: int = 1300
    """training images"""
    n_test: int = 497
    """test images (accuracy)"""
    n_eval: int = 497
    """held-out images whose activations are recorded (the first n_eval test images)"""
    batch_size: int = 64
    """training minibatch"""
    lr: float = 1e-3
    """learning rate of Adam"""
    x_estimators: dict[str, dict[str, Any]] = field(default_factory=lambda: {"compressed": {"dim": 4, "dim_y": 4}})
    """estimators of I(X;L) and their parameters"""
    y_estimators: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"compressed": {"dim": 4}, "sliced": {"n_projections": 500},
                                 "classifier": {"epochs": 30, "hidden": 64}})
    """estimators of I(L;Y) and their parameters, e.g. compressed,sliced,classifier"""
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    """seeds of the split, the network and the estimators: one trained network per seed (its files in
    seed_S/); the plane and the tables show the mean over seeds with their spread"""
    figure_formats: list[str] = field(default_factory=lambda: ["png", "svg"])
    """figure files to write: png (required: the report embeds it), svg, pdf"""
    out_dir: str | None = None
    """run folder (default runs/infoplane-DATASET-MODEL)"""
    scheduler: str | None = None
    """Dask scheduler address tcp://host:8786"""
    device: str = "cpu"
    """torch device of the network: cpu, auto or cuda"""

    @classmethod
    def from_any(cls, config: Any) -> "InfoplaneConfig":
        return load_config(cls, config)

    def validate(self) -> None:
        from ...registry import estimator_class

        check_choice(self.model, "model", MODELS)
        check_choice(self.activation, "activation", ACTIVATIONS)
        for nm in ("epochs", "n_train", "n_test", "n_eval", "batch_size", "n_jobs"):
            check_positive_int(getattr(self, nm), nm)
        seeds = self.seeds if isinstance(self.seeds, (list, tuple)) else [self.seeds]
        self.seeds = [check_positive_int(sd, "seeds", minimum=0) for sd in seeds]
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds must list distinct seeds, e.g. [0, 1, 2], got {self.seeds!r}")
        if not self.hidden or not all(isinstance(h, (int, np.integer)) and h > 0 for h in self.hidden):
            raise ValueError(f"hidden must list positive layer widths, e.g. [64, 32, 16], got {self.hidden!r}")
        if self.n_eval > self.n_test:
            raise ValueError(f"n_eval={self.n_eval} must be <= n_test={self.n_test} (activations come from the test split)")
        if self.record_epochs is not None:
            bad = [e for e in self.record_epochs if not isinstance(e, (int, np.integer)) or not 0 <= e <= self.epochs]
            if bad or not self.record_epochs:
                raise ValueError(f"record_epochs must be integers in 0..epochs={self.epochs}, got {self.record_epochs!r}")
        for f in self.figure_formats:
            check_choice(f, "figure_formats", ("png", "svg", "pdf"))
        if "png" not in self.figure_formats:
            raise ValueError("figure_formats must include 'png' (the report embeds the PNG figures)")
        if not (isinstance(self.lr, (int, float)) and self.lr > 0):
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        for key in ("x_estimators", "y_estimators"):
            ests = getattr(self, key)
            if isinstance(ests, (list, tuple)):
                ests = {str(e): {} for e in ests}
            if not isinstance(ests, dict) or not ests:
                raise ValueError(f"{key} must map at least one estimator name to its parameters, e.g. {{'compressed': {{'dim': 4}}}}")
            for name in ests:
                estimator_class(name)  # a clear error listing the available names
            setattr(self, key, {k: dict(v or {}) for k, v in ests.items()})

    @property
    def seed(self) -> int:
        """The first seed (a per-seed view, :func:`_for_seed`, has only its own)."""
        return self.seeds[0]

    def epochs_to_record(self) -> list[int]:
        """The recorded epochs: ``record_epochs``, or 0, powers of two and ``epochs``."""
        if self.record_epochs is not None:
            return sorted({int(e) for e in self.record_epochs})
        pts = {0, self.epochs} | {2**j for j in range(int(math.log2(self.epochs)) + 1)}
        return sorted(e for e in pts if e <= self.epochs)


Config = InfoplaneConfig


# --------------------------------------------------------------------------- estimation jobs


def _usable(a: np.ndarray) -> np.ndarray:
    """Columns that vary (dead units and constant pixels carry no information)."""
    return a[:, np.ptp(a, axis=0) > 0]


def run_job(config: dict[str, Any]) -> dict[str, Any]:
    """One estimate: I(X;L) or I(L;Y) of one layer at one epoch with one estimator."""
    from ...torch_utils import threads

    with threads():  # one torch thread: the networks and matrices here are small
        return _job(config)


def _job(config: dict[str, Any]) -> dict[str, Any]:
    import inspect

    from ... import estimate_mi
    from ...registry import estimator_class

    with np.load(config["activations"]) as f:
        layer = _usable(f[config["layer"]])
    with np.load(config["eval_data"]) as f:
        x, y = _usable(f["x"].reshape(len(f["x"]), -1)), f["y"]
    if layer.shape[1] == 0:  # a constant layer: I = 0 exactly
        return {"mi": 0.0, "stderr": 0.0, "seconds": 0.0, "note": "constant layer"}
    params = dict(config["params"])
    accepted = inspect.signature(estimator_class(config["method"]).__init__).parameters
    for key, value in (("verbose", False), ("device", "cpu")):  # neural estimators: quiet, on the CPU
        if key in accepted:
            params.setdefault(key, value)
    if config["quantity"] == "I(X;L)":
        r = estimate_mi(x, layer, method=config["method"], warn=False, random_state=config["seed"], **params)
    else:
        if "discrete_y" in accepted:
            params.setdefault("discrete_y", True)
        r = estimate_mi(layer, y, method=config["method"], warn=False, random_state=config["seed"], **params)
    return {"mi": r.mi, "stderr": r.stderr, "seconds": r.seconds, "dims": int(layer.shape[1])}


# --------------------------------------------------------------------------- the study


#: keys that may differ when a run folder is resumed: those that do not change the numbers, and
#: epochs / record_epochs, which extend the training (checked against the checkpoint by train())
_VOLATILE = ("out_dir", "verbose", "n_jobs", "scheduler", "figure_formats", "resume_changed", "epochs", "record_epochs")


@dataclass
class InfoplaneResult(StudyResult):
    table: pd.DataFrame
    """one row per (epoch, layer, quantity, estimator): mi, stderr, dims, error, accuracies"""
    accuracy: pd.DataFrame
    """train and test accuracy per epoch"""
    summary: dict[str, Any]
    """H(Y), job counts, bound checks, final test accuracy (``summary.json``)"""
    data: dict[str, Any]
    """the data set's name and the numbers of training, test and recorded images"""
    config: InfoplaneConfig
    """the configuration of the run"""
    figures: list[Path] = field(default_factory=list)
    """the figure files, once written"""
    report: Path | None = None
    """report.html, once written"""


def _out_dir(cfg: InfoplaneConfig) -> Path:
    return Path(cfg.out_dir or f"runs/infoplane-{slug(cfg.dataset)}-{cfg.model}")


def _seed_dir(cfg: InfoplaneConfig, seed: int) -> Path:
    """The folder of one seed's network: its checkpoint, training.json, eval_data.npz, activations/."""
    return _out_dir(cfg) / f"seed_{seed}"


def _for_seed(cfg: InfoplaneConfig, seed: int) -> InfoplaneConfig:
    """A view of ``cfg`` with the one seed (the training code reads ``cfg.seed``)."""
    from dataclasses import replace

    return replace(cfg, seeds=[int(seed)])


def prepare(cfg: InfoplaneConfig) -> dict[str, Any]:
    """For every seed: split the data, save the evaluation subset, train the network (resuming
    from its checkpoint) recording the activations; returns the data set's name and sizes."""
    from ...io import save_array
    from ...torch_utils import threads

    data: dict[str, Any] = {}
    for seed in cfg.seeds:
        out = _seed_dir(cfg, seed)
        out.mkdir(parents=True, exist_ok=True)
        sub = _for_seed(cfg, seed)
        data = load_split(sub)
        eval_path = out / "eval_data.npz"
        if not eval_path.exists():
            save_array(eval_path, x=data["x_eval"].astype(np.float64), y=data["y_eval"])
        with threads():
            train(sub, data, out)
    return {"name": data["name"], "n_train": len(data["y_train"]), "n_test": len(data["y_test"]),
            "n_eval": len(data["y_eval"])}


def jobs(cfg: InfoplaneConfig) -> list[dict[str, Any]]:
    """One job per (seed, recorded epoch, layer, quantity, estimator), on the saved activations."""
    configs = []
    for seed in cfg.seeds:
        out = _seed_dir(cfg, seed)
        for e in cfg.epochs_to_record():
            for layer in layer_names(cfg):
                for quantity, ests in (("I(X;L)", cfg.x_estimators), ("I(L;Y)", cfg.y_estimators)):
                    for method, params in ests.items():
                        configs.append({"study": "infoplane",
                                        "activations": str(out / "activations" / f"epoch_{e:04d}.npz"),
                                        "eval_data": str(out / "eval_data.npz"), "epoch": e, "layer": layer,
                                        "quantity": quantity, "method": method, "params": params, "seed": seed})
    return configs


def summarize(rows: list[dict[str, Any]], cfg: InfoplaneConfig, data: dict[str, Any] | None = None) -> InfoplaneResult:
    """The estimates with the accuracies (``results.csv``), the H(Y) bound checks and
    ``summary.json``; ``data`` (from :func:`prepare`) names the data set."""
    import json

    from ...io import write_text
    from . import plots as P
    from ..classifiers import entropy_nats

    out = _out_dir(cfg)
    h_ys, accs = [], []
    for seed in cfg.seeds:
        history = json.loads((_seed_dir(cfg, seed) / "training.json").read_text())
        with np.load(_seed_dir(cfg, seed) / "eval_data.npz") as f:
            h_ys.append(entropy_nats(f["y"]))
        accs.append(pd.DataFrame({"seed": seed, **{k: history[k] for k in ("epoch", "train_acc", "test_acc")}}))
    h_y = float(np.mean(h_ys))  # each seed draws its own split: H(Y) of their evaluation labels, averaged
    recs = []
    for r in rows:
        c = r["config"]
        res = r["result"] or {}
        recs.append({"seed": c["seed"], "epoch": c["epoch"], "layer": c["layer"], "quantity": c["quantity"],
                     "method": c["method"], "mi": res.get("mi", float("nan")), "stderr": res.get("stderr"),
                     "dims": res.get("dims"), "error": r["error"]})
    table = pd.DataFrame(recs)
    acc_runs = pd.concat(accs, ignore_index=True)
    table = table.merge(acc_runs, on=["seed", "epoch"], how="left")
    g = acc_runs.groupby("epoch")
    acc = pd.DataFrame({"epoch": g["train_acc"].mean().index, "train_acc": g["train_acc"].mean().to_numpy(),
                        "train_acc_sd": g["train_acc"].std(ddof=1).to_numpy(), "test_acc": g["test_acc"].mean().to_numpy(),
                        "test_acc_sd": g["test_acc"].std(ddof=1).to_numpy()})
    write_text(out / "results.csv", table.to_csv(index=False))
    checks = P.check_bounds(table, h_y, layer_names(cfg))
    summary = {"h_y": h_y, "seeds": list(cfg.seeds), "n_jobs": len(rows), "n_failed": int(table["error"].notna().sum()),
               "checks": checks, "final_test_acc": float(acc["test_acc"].iloc[-1])}
    data = data or {"name": cfg.dataset, "n_train": cfg.n_train, "n_test": cfg.n_test, "n_eval": cfg.n_eval}
    return InfoplaneResult(out_dir=out, table=table, accuracy=acc, summary=summary, data=data, config=cfg)


def figures(result: InfoplaneResult) -> dict[str, Path]:
    """The information plane, MI vs epoch per layer and the accuracy curves (``figure_formats``)."""
    from . import plots as P

    cfg = result.config
    paths = P.make_figures(result.table, result.accuracy, layer_names(cfg), result.summary["h_y"], result.out_dir,
                           formats=tuple(cfg.figure_formats))
    return {p.name: p for p in paths}


def report(result: InfoplaneResult, figs: Mapping[str, Path]) -> Path:
    """``report.html`` (and the report's path recorded in ``summary.json``)."""
    from ...io import write_json
    from . import plots as P

    path = P.write_report(result.config, result.data, result.table, result.accuracy, result.summary["checks"],
                          list(figs.values()), result.summary["h_y"], result.out_dir)
    result.summary["report"] = str(path)
    write_json(result.out_dir / "summary.json", result.summary)
    return path


def run(config: Any = None, **overrides: Any) -> InfoplaneResult:
    """Run the study in ``out_dir`` (resuming what is there): train, record activations,
    estimate, and write ``results.csv``, ``training.json``, figures and ``report.html``."""
    from ...io import write_json
    from ...runner import run_jobs

    base = asdict(InfoplaneConfig.from_any(config)) if config is not None else {}
    cfg = InfoplaneConfig.from_any({**base, **overrides})
    out = _out_dir(cfg)
    check_run_folder(out, asdict(cfg), ignore=_VOLATILE, resume_changed=cfg.resume_changed)
    data = prepare(cfg)
    write_json(out / "config.json", asdict(cfg))
    rows = run_jobs(run_job, jobs(cfg), out, n_jobs=cfg.n_jobs, scheduler=cfg.scheduler, progress=cfg.verbose,
                    desc="infoplane estimates")
    result = summarize(rows, cfg, data)
    figs = figures(result)
    result.figures = list(figs.values())
    result.report = report(result, figs)
    return result


# --------------------------------------------------------------------------- command line


def main(args: argparse.Namespace) -> int:
    res = run(config_from_args(args, InfoplaneConfig))
    t = res.table
    piv = t[t["error"].isna()].pivot_table(index=["epoch", "layer"], columns=["quantity", "method"], values="mi")
    print(piv.round(3).to_string())
    s = res.summary
    print(f"\nH(Y) = {s['h_y']:.3f} nats; final test accuracy {s['final_test_acc']:.3f}; "
          f"{s['n_failed']} failed estimates")
    c = s["checks"]
    for key, what in (("violations", "above H(Y)"), ("dpi_violations", "above the diagonal (I(L;Y) > I(X;L))"),
                      ("chain_violations", "deeper layer above a shallower one")):
        print(f"{what}: {len(c[key])} beyond the 95% combined error" + "".join(f"\n  {v}" for v in c[key]))
    print(f"report: {Path(res.report or res.out_dir / 'report.html').resolve()}")
    return 0
