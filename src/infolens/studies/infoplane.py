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
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..validation import check_choice, check_positive_int
from ._config import check_run_folder, cli_overrides, load_config

MODELS = ("mlp", "cnn")
ACTIVATIONS = ("relu", "tanh")


@dataclass
class InfoplaneConfig:
    """Everything the study needs; ``run`` accepts this, a dict or a YAML path with these keys.

    ``x_estimators`` / ``y_estimators`` map registered estimator names to parameters, used
    for I(X;L) and I(L;Y). ``record_epochs=None``: epoch 0 (initialisation) and powers of
    two up to ``epochs``.
    """

    dataset: str = "digits"
    data_dir: str | None = None
    model: str = "mlp"
    hidden: list[int] = field(default_factory=lambda: [64, 32, 16])
    activation: str = "tanh"
    epochs: int = 64
    record_epochs: list[int] | None = None
    n_train: int = 1300
    n_test: int = 497
    n_eval: int = 497
    batch_size: int = 64
    lr: float = 1e-3
    x_estimators: dict[str, dict[str, Any]] = field(default_factory=lambda: {"compressed": {"dim": 4, "dim_y": 4}})
    y_estimators: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {"compressed": {"dim": 4}, "sliced": {"n_projections": 500},
                                 "classifier": {"epochs": 30, "hidden": 64}})
    seed: int = 0
    figure_formats: list[str] = field(default_factory=lambda: ["png", "svg"])
    out_dir: str | None = None
    n_jobs: int = 2
    scheduler: str | None = None
    device: str = "cpu"
    verbose: bool = True
    resume_changed: bool = False

    @classmethod
    def from_any(cls, config: Any) -> "InfoplaneConfig":
        return load_config(cls, config)

    def validate(self) -> None:
        from ..registry import estimator_class

        check_choice(self.model, "model", MODELS)
        check_choice(self.activation, "activation", ACTIVATIONS)
        for nm in ("epochs", "n_train", "n_test", "n_eval", "batch_size", "n_jobs"):
            check_positive_int(getattr(self, nm), nm)
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

    def epochs_to_record(self) -> list[int]:
        if self.record_epochs is not None:
            return sorted({int(e) for e in self.record_epochs})
        pts = {0, self.epochs} | {2**j for j in range(int(math.log2(self.epochs)) + 1)}
        return sorted(e for e in pts if e <= self.epochs)


# --------------------------------------------------------------------------- data and model


def load_split(cfg: InfoplaneConfig) -> dict[str, np.ndarray]:
    """Images scaled to [0, 1] and a stratified train/test split drawn with ``seed``; the
    evaluation subset is the first ``n_eval`` test images (fixed for every epoch)."""
    from sklearn.model_selection import train_test_split

    from ..data import load_dataset

    ds = load_dataset(cfg.dataset, data_dir=cfg.data_dir, split="all")
    images = np.asarray(ds.images)
    if images.ndim == 4:  # colour: luminance (ITU-R 601), the networks take one channel
        images = images @ np.array([0.299, 0.587, 0.114])
    x = (images / 255.0 if images.max() > 1.0 else images).astype(np.float32)
    y = ds.labels
    n_train, n_test = cfg.n_train, cfg.n_test
    if n_train + n_test > len(y):
        raise ValueError(f"{ds.name} has {len(y)} images; n_train + n_test = {n_train + n_test} is too many - lower them")
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, train_size=n_train, test_size=n_test, stratify=y, random_state=cfg.seed)
    return {"x_train": x[tr], "y_train": y[tr], "x_test": x[te], "y_test": y[te],
            "x_eval": x[te[: cfg.n_eval]], "y_eval": y[te[: cfg.n_eval]], "n_classes": int(y.max()) + 1,
            "label_names": list(ds.label_names), "name": ds.name}


def build_model(cfg: InfoplaneConfig, image_shape: tuple[int, int], n_classes: int):
    """A ``torch.nn.ModuleList`` of blocks; the output of every block is one recorded layer.
    MLP: ``Linear + activation`` per width of ``hidden``, then the output logits. CNN: two
    3x3 conv blocks (8, 16 channels, 2x2 max-pool each), a dense ``hidden[-1]`` block, logits."""
    from torch import nn

    act = nn.Tanh if cfg.activation == "tanh" else nn.ReLU
    h, w = image_shape
    blocks = []
    if cfg.model == "mlp":
        prev = h * w
        for i, width in enumerate(cfg.hidden):
            blocks.append(nn.Sequential(nn.Flatten(), nn.Linear(prev, width), act()) if i == 0
                          else nn.Sequential(nn.Linear(prev, width), act()))
            prev = width
    else:
        blocks.append(nn.Sequential(nn.Unflatten(1, (1, h, w)), nn.Conv2d(1, 8, 3, padding=1), act(), nn.MaxPool2d(2)))
        blocks.append(nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), act(), nn.MaxPool2d(2)))
        prev = 16 * (h // 4) * (w // 4)
        blocks.append(nn.Sequential(nn.Flatten(), nn.Linear(prev, cfg.hidden[-1]), act()))
        prev = cfg.hidden[-1]
    blocks.append(nn.Linear(prev, n_classes))
    return nn.ModuleList(blocks)


def layer_names(cfg: InfoplaneConfig) -> list[str]:
    inner = [f"h{i + 1}" for i in range(len(cfg.hidden))] if cfg.model == "mlp" else ["conv1", "conv2", "dense"]
    return inner + ["output"]


def _forward(blocks, x):
    outs = []
    for b in blocks:
        x = b(x)
        outs.append(x)
    return outs


def train(cfg: InfoplaneConfig, data: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Train with Adam on cross-entropy, saving every recorded epoch's activations on the
    evaluation subset (``activations/epoch_NNNN.npz``) and a checkpoint; a killed run
    continues from its last checkpoint with the same per-epoch shuffling seeds."""
    import torch
    import torch.nn.functional as F

    from ..io import atomic_path, save_array, write_json
    from ..progress import progress
    from ..torch_utils import get_device, seed_everything

    dev = get_device(cfg.device)
    seed_everything(cfg.seed)
    model = build_model(cfg, data["x_train"].shape[1:3], data["n_classes"]).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    ckpt_path = out_dir / "checkpoint.pt"
    history: dict[str, list] = {"epoch": [], "train_acc": [], "test_acc": [], "train_loss": []}
    start = 0
    key = {k: getattr(cfg, k) for k in ("dataset", "data_dir", "model", "hidden", "activation", "n_train", "n_test",
                                        "n_eval", "batch_size", "lr", "seed")}
    record = set(cfg.epochs_to_record())
    if ckpt_path.exists():
        state = torch.load(ckpt_path, map_location=dev, weights_only=False)
        if state.get("key") != key:
            from ..errors import RunFolderError

            changed = sorted(k for k in key if (state.get("key") or {}).get(k) != key[k])
            raise RunFolderError(f"{out_dir} holds a network trained with a different configuration (changed: {', '.join(changed)}); "
                                 "its checkpoint cannot continue this run - choose a new folder with --out "
                                 "(out_dir= in Python) or delete that one")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        history, start = state["history"], int(state["epoch"])
        # more epochs than before is fine (training continues); a recorded epoch already passed is not
        missing = sorted(e for e in record if e < start and not (out_dir / "activations" / f"epoch_{e:04d}.npz").exists())
        if missing:
            raise ValueError(f"epochs {missing} are to be recorded but the run in {out_dir} is past them without "
                             "their activations; pass a new out_dir (--out)")
    xtr = torch.as_tensor(data["x_train"]).flatten(1).to(dev)
    ytr = torch.as_tensor(data["y_train"]).to(dev)
    xte = torch.as_tensor(data["x_test"]).flatten(1).to(dev)
    yte = torch.as_tensor(data["y_test"]).to(dev)
    xev = torch.as_tensor(data["x_eval"]).flatten(1).to(dev)
    names = layer_names(cfg)

    def accuracy(x, y) -> float:
        with torch.no_grad():
            return float((_forward(model, x)[-1].argmax(1) == y).float().mean())

    def save(epoch: int) -> None:
        model.eval()
        if epoch in record:
            with torch.no_grad():
                acts = {n: a.flatten(1).cpu().numpy().astype(np.float64) for n, a in zip(names, _forward(model, xev))}
            save_array(out_dir / "activations" / f"epoch_{epoch:04d}.npz", **acts)
        history["epoch"].append(epoch)
        history["train_acc"].append(accuracy(xtr, ytr))
        history["test_acc"].append(accuracy(xte, yte))
        with atomic_path(ckpt_path) as tmp:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "history": history, "epoch": epoch + 1,
                        "key": key}, tmp)

    if start == 0:
        history["train_loss"].append(None)
        save(0)
        start = 1
    for epoch in progress(range(start, cfg.epochs + 1), total=cfg.epochs + 1 - start, desc="training", verbose=cfg.verbose):
        model.train()
        gen = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)  # per-epoch order: resumable
        order = torch.randperm(len(xtr), generator=gen).to(dev)
        tot = 0.0
        for s in range(0, len(xtr), cfg.batch_size):
            b = order[s: s + cfg.batch_size]
            loss = F.cross_entropy(_forward(model, xtr[b])[-1], ytr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(b)
        history["train_loss"].append(tot / len(xtr))
        save(epoch)
    write_json(out_dir / "training.json", history)
    return history


# --------------------------------------------------------------------------- estimation jobs


def _usable(a: np.ndarray) -> np.ndarray:
    """Columns that vary (dead units and constant pixels carry no information)."""
    return a[:, np.ptp(a, axis=0) > 0]


def infoplane_job(config: dict[str, Any]) -> dict[str, Any]:
    """One estimate: I(X;L) or I(L;Y) of one layer at one epoch with one estimator."""
    from ..torch_utils import threads

    with threads():  # one torch thread: the networks and matrices here are small
        return _job(config)


def _job(config: dict[str, Any]) -> dict[str, Any]:
    import inspect

    from .. import estimate_mi
    from ..registry import estimator_class

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
        r = estimate_mi(x, layer, method=config["method"], random_state=config["seed"], **params)
    else:
        if "discrete_y" in accepted:
            params.setdefault("discrete_y", True)
        r = estimate_mi(layer, y, method=config["method"], random_state=config["seed"], **params)
    return {"mi": r.mi, "stderr": r.stderr, "seconds": r.seconds, "dims": int(layer.shape[1])}


# --------------------------------------------------------------------------- the study


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-").lower()


#: keys that may differ when a run folder is resumed: those that do not change the numbers, and
#: epochs / record_epochs, which extend the training (checked against the checkpoint by train())
_VOLATILE = ("out_dir", "verbose", "n_jobs", "scheduler", "figure_formats", "resume_changed", "epochs", "record_epochs")


def run(config: Any = None, **overrides: Any) -> dict[str, Any]:
    """Run the study in ``out_dir`` (resuming what is there): train, record activations,
    estimate, and write ``results.csv``, ``training.json``, figures and ``report.html``."""
    import pandas as pd

    from ..io import write_json, write_text
    from ..runner import run_jobs
    from . import _infoplane_plots as P
    from ._common import entropy_nats

    base = asdict(InfoplaneConfig.from_any(config)) if config is not None else {}
    cfg = InfoplaneConfig.from_any({**base, **overrides})
    out = Path(cfg.out_dir or f"runs/infoplane-{_slug(cfg.dataset)}-{cfg.model}")
    check_run_folder(out, asdict(cfg), ignore=_VOLATILE, resume_changed=cfg.resume_changed)
    out.mkdir(parents=True, exist_ok=True)
    data = load_split(cfg)
    eval_path = out / "eval_data.npz"
    if not eval_path.exists():
        from ..io import save_array

        save_array(eval_path, x=data["x_eval"].astype(np.float64), y=data["y_eval"])
    from ..torch_utils import threads

    with threads():
        history = train(cfg, data, out)
    write_json(out / "config.json", asdict(cfg))
    h_y = entropy_nats(data["y_eval"])
    configs = []
    for e in cfg.epochs_to_record():
        for layer in layer_names(cfg):
            for quantity, ests in (("I(X;L)", cfg.x_estimators), ("I(L;Y)", cfg.y_estimators)):
                for method, params in ests.items():
                    configs.append({"study": "infoplane", "activations": str(out / "activations" / f"epoch_{e:04d}.npz"),
                                    "eval_data": str(eval_path), "epoch": e, "layer": layer, "quantity": quantity,
                                    "method": method, "params": params, "seed": cfg.seed})
    rows = run_jobs(infoplane_job, configs, out, n_jobs=cfg.n_jobs, scheduler=cfg.scheduler, progress=cfg.verbose,
                    desc="infoplane estimates")
    recs = []
    for r in rows:
        c = r["config"]
        res = r["result"] or {}
        recs.append({"epoch": c["epoch"], "layer": c["layer"], "quantity": c["quantity"], "method": c["method"],
                     "mi": res.get("mi", float("nan")), "stderr": res.get("stderr"), "dims": res.get("dims"),
                     "error": r["error"]})
    table = pd.DataFrame(recs)
    acc = pd.DataFrame({k: history[k] for k in ("epoch", "train_acc", "test_acc")})
    table = table.merge(acc, on="epoch", how="left")
    write_text(out / "results.csv", table.to_csv(index=False))
    checks = P.check_bounds(table, h_y)
    figs = P.make_figures(table, acc, layer_names(cfg), h_y, out, formats=tuple(cfg.figure_formats))
    report = P.write_report(cfg, data, table, acc, checks, figs, h_y, out)
    summary = {"h_y": h_y, "n_jobs": len(rows), "n_failed": int(table["error"].notna().sum()), "checks": checks,
               "final_test_acc": float(acc["test_acc"].iloc[-1]), "report": str(report)}
    write_json(out / "summary.json", summary)
    return {"table": table, "accuracy": acc, "summary": summary, "out_dir": str(out), "report": str(report),
            "figures": [str(f) for f in figs]}


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="YAML file with InfoplaneConfig keys (flags override it)")
    parser.add_argument("--dataset", help="digits (default), fashion-mnist, mnist or a path to an .npz file")
    parser.add_argument("--data-dir", help="folder holding the IDX files (default: found via dpkg)")
    parser.add_argument("--model", choices=MODELS)
    parser.add_argument("--hidden", help="comma-separated layer widths, e.g. 64,32,16")
    parser.add_argument("--activation", choices=ACTIVATIONS)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--record-epochs", help="comma-separated epochs to record (default 0, 1, 2, 4, ..., epochs)")
    parser.add_argument("--n-train", type=int)
    parser.add_argument("--n-test", type=int)
    parser.add_argument("--n-eval", type=int, help="held-out images whose activations are recorded")
    parser.add_argument("--x-estimators", help="comma-separated estimators of I(X;L) (parameters via --config)")
    parser.add_argument("--y-estimators", help="comma-separated estimators of I(L;Y), e.g. compressed,sliced,classifier")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--out", dest="out_dir", help="run folder (default runs/infoplane-DATASET-MODEL)")
    parser.add_argument("--n-jobs", type=int)
    parser.add_argument("--scheduler", help="Dask scheduler address tcp://host:8786")
    parser.add_argument("--device", help="cpu (default), auto or cuda")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--resume-changed", action="store_true",
                        help="add this run's estimates to an --out folder whose estimators or epochs differ "
                             "(the network's training settings must match)")


def config_from_args(args: argparse.Namespace) -> InfoplaneConfig:
    cfg = cli_overrides(args, ("dataset", "data_dir", "model", "activation", "epochs", "n_train", "n_test", "n_eval",
                               "seed", "out_dir", "n_jobs", "scheduler", "device"))
    ints = lambda s: [int(t) for t in s.split(",") if t.strip()]  # noqa: E731
    if getattr(args, "hidden", None):
        cfg["hidden"] = ints(args.hidden)
    if getattr(args, "record_epochs", None):
        cfg["record_epochs"] = ints(args.record_epochs)
    for key in ("x_estimators", "y_estimators"):
        if getattr(args, key, None):
            old = cfg.get(key) or {}
            cfg[key] = {n.strip(): dict(old.get(n.strip(), {})) for n in getattr(args, key).split(",") if n.strip()}
    return InfoplaneConfig.from_any(cfg)


def main(args: argparse.Namespace) -> int:
    res = run(config_from_args(args))
    t = res["table"]
    piv = t[t["error"].isna()].pivot_table(index=["epoch", "layer"], columns=["quantity", "method"], values="mi")
    print(piv.round(3).to_string())
    s = res["summary"]
    print(f"\nH(Y) = {s['h_y']:.3f} nats; final test accuracy {s['final_test_acc']:.3f}; "
          f"{s['n_failed']} failed estimates; bound checks: {'ok' if not s['checks']['violations'] else s['checks']['violations']}")
    print(f"report: {Path(res['report']).resolve()}")
    return 0
