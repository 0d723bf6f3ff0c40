"""``infolens demo``: the compression study on a built-in real data set, in a few minutes
on 2 CPU cores (what ``make demo`` runs).

Fashion-MNIST (Debian package ``dataset-fashion-mnist``) when installed, with the binary
label "top": upper-body garments (T-shirt/top, Pullover, Coat, Shirt) vs the rest;
otherwise scikit-learn's 8x8 digits with even vs odd. Prints the table and where the
report is; re-running resumes (finished sizes are read back, not recomputed).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

#: the demo's configuration per data set: sized for a few minutes on 2 cores
DEMO_CONFIGS: dict[str, dict[str, Any]] = {
    "fashion-mnist": {"dataset": "fashion-mnist", "label": "top", "n_train": 4000, "n_test": 2000,
                      "estimators": {"mine": {"epochs": 20}, "ksg": {"k": 5}}, "cnn_epochs": 8},
    "digits": {"dataset": "digits", "label": "even", "n_train": 1347, "n_test": 450,
               "estimators": {"mine": {"epochs": 30}, "ksg": {"k": 5}}, "cnn_epochs": 10},
}


def fashion_mnist_available() -> bool:
    from ..data import find_mnist_like

    try:
        find_mnist_like("fashion-mnist")
    except FileNotFoundError:
        return False
    return True


def demo_config(dataset: str = "auto", out_dir: str | None = None, n_jobs: int = 2, verbose: bool = True) -> dict[str, Any]:
    """The demo's study config: ``dataset`` "auto" (Fashion-MNIST if installed, else digits),
    "fashion-mnist" or "digits"."""
    if dataset == "auto":
        dataset = "fashion-mnist" if fashion_mnist_available() else "digits"
    if dataset not in DEMO_CONFIGS:
        raise ValueError(f"dataset must be 'auto', 'fashion-mnist' or 'digits', got {dataset!r}")
    cfg = dict(DEMO_CONFIGS[dataset])
    cfg.update(out_dir=out_dir or f"runs/demo-{dataset}", n_jobs=n_jobs, verbose=verbose, seeds=[0], device="cpu")
    return cfg


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="auto", choices=["auto", "fashion-mnist", "digits"],
                        help="auto: Fashion-MNIST when installed, else scikit-learn digits")
    parser.add_argument("--out", dest="out_dir", help="run folder (default runs/demo-DATASET)")
    parser.add_argument("--n-jobs", type=int, default=2, help="parallel jobs (default 2)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def main(args: argparse.Namespace) -> int:
    from ..studies.compression import print_summary, run

    cfg = demo_config(args.dataset, args.out_dir, args.n_jobs, verbose=not args.quiet)
    print(f"infolens demo: MI vs image size on {cfg['dataset']} (label {cfg['label']!r}), "
          f"{cfg['n_train']} train / {cfg['n_test']} test images -> {cfg['out_dir']}", flush=True)
    res = run(cfg)
    print_summary(res)
    print(f"\nreport: {Path(res['report']).resolve()}")
    return 0
