"""The information-plane study's data and network: the stratified split, the MLP / small CNN
whose layers are recorded, and its training (the supervised loop of
``studies/supervised.py``; checkpointed per epoch, activations of the evaluation
images saved at the recorded epochs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def load_split(cfg: Any) -> dict[str, np.ndarray]:
    """Images scaled to [0, 1] and a stratified train/test split drawn with ``seed``; the
    evaluation subset is the first ``n_eval`` test images (fixed for every epoch)."""
    from sklearn.model_selection import train_test_split

    from ...data import load_dataset

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
    return {
        "x_train": x[tr],
        "y_train": y[tr],
        "x_test": x[te],
        "y_test": y[te],
        "x_eval": x[te[: cfg.n_eval]],
        "y_eval": y[te[: cfg.n_eval]],
        "n_classes": int(y.max()) + 1,
        "label_names": list(ds.label_names),
        "name": ds.name,
    }


def build_model(cfg: Any, image_shape: tuple[int, int], n_classes: int):
    """A ``torch.nn.ModuleList`` of blocks; the output of every block is one recorded layer.
    MLP: ``Linear + activation`` per width of ``hidden``, then the output logits. CNN: two
    3x3 conv blocks (8, 16 channels, 2x2 max-pool each), a dense ``hidden[-1]`` block, logits."""
    from torch import nn

    act = nn.Tanh if cfg.activation == "tanh" else nn.ReLU
    h, w = image_shape
    blocks: list[nn.Module] = []
    if cfg.model == "mlp":
        prev = h * w
        for i, width in enumerate(cfg.hidden):
            blocks.append(
                nn.Sequential(nn.Flatten(), nn.Linear(prev, width), act())
                if i == 0
                else nn.Sequential(nn.Linear(prev, width), act())
            )
            prev = width
    else:
        blocks.append(nn.Sequential(nn.Unflatten(1, (1, h, w)), nn.Conv2d(1, 8, 3, padding=1), act(), nn.MaxPool2d(2)))
        blocks.append(nn.Sequential(nn.Conv2d(8, 16, 3, padding=1), act(), nn.MaxPool2d(2)))
        prev = 16 * (h // 4) * (w // 4)
        blocks.append(nn.Sequential(nn.Flatten(), nn.Linear(prev, cfg.hidden[-1]), act()))
        prev = cfg.hidden[-1]
    blocks.append(nn.Linear(prev, n_classes))
    return nn.ModuleList(blocks)


def layer_names(cfg: Any) -> list[str]:
    inner = [f"h{i + 1}" for i in range(len(cfg.hidden))] if cfg.model == "mlp" else ["conv1", "conv2", "dense"]
    return inner + ["output"]


def _forward(blocks, x):
    outs = []
    for b in blocks:
        x = b(x)
        outs.append(x)
    return outs


def train(cfg: Any, data: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Train with Adam on cross-entropy (:func:`~infolens.studies.supervised.fit_classifier`),
    saving every recorded epoch's activations on the evaluation subset (``activations/epoch_NNNN.npz``)
    and a checkpoint; a killed run continues from its last checkpoint with the same per-epoch
    shuffling seeds."""
    import torch

    from ..supervised import fit_classifier
    from ...io import atomic_path, save_array, write_json
    from ...torch_utils import get_device, seed_everything

    dev = get_device(cfg.device)
    seed_everything(cfg.seed)
    model = build_model(cfg, data["x_train"].shape[1:3], data["n_classes"]).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    ckpt_path = out_dir / "checkpoint.pt"
    history: dict[str, list] = {"epoch": [], "train_acc": [], "test_acc": [], "train_loss": []}
    start = 0
    key = {
        k: getattr(cfg, k)
        for k in (
            "dataset",
            "data_dir",
            "model",
            "hidden",
            "activation",
            "n_train",
            "n_test",
            "n_eval",
            "batch_size",
            "lr",
            "seed",
        )
    }
    record = set(cfg.epochs_to_record())
    if ckpt_path.exists():
        state = torch.load(ckpt_path, map_location=dev, weights_only=False)
        if state.get("key") != key:
            from ...errors import RunFolderError

            changed = sorted(k for k in key if (state.get("key") or {}).get(k) != key[k])
            raise RunFolderError(
                f"{out_dir} holds a network trained with a different configuration (changed: {', '.join(changed)}); "
                "its checkpoint cannot continue this run - choose a new folder with --out "
                "(out_dir= in Python) or delete that one"
            )
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        history, start = state["history"], int(state["epoch"])
        # more epochs than before is fine (training continues); a recorded epoch already passed is not
        missing = sorted(e for e in record if e < start and not (out_dir / "activations" / f"epoch_{e:04d}.npz").exists())
        if missing:
            raise ValueError(
                f"epochs {missing} are to be recorded but the run in {out_dir} is past them without "
                "their activations; pass a new out_dir (--out)"
            )
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
            torch.save(
                {"model": model.state_dict(), "opt": opt.state_dict(), "history": history, "epoch": epoch + 1, "key": key}, tmp
            )

    if start == 0:
        history["train_loss"].append(None)
        save(0)
        start = 1

    def on_epoch(epoch: int, train_loss: float) -> None:
        history["train_loss"].append(train_loss)
        save(epoch)

    # per-epoch shuffling seeded by (seed, epoch): a resumed run continues with the same order
    fit_classifier(model, xtr, ytr, epochs=cfg.epochs, batch_size=cfg.batch_size, optimizer=opt, lr=cfg.lr,
                   shuffle=cfg.seed, first_epoch=start, logits=lambda x: _forward(model, x)[-1], on_epoch=on_epoch,
                   verbose=cfg.verbose)
    write_json(out_dir / "training.json", history)
    return history
