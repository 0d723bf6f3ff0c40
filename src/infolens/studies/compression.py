"""MI vs image size: how much information about a label survives shrinking the images.

For every size s the images are converted to grayscale and resized to s x s (Pillow), then
on a fixed stratified train/test split: I(image; label) is estimated on held-out data by
(a) the Barber-Agakov cross-entropy bound I >= H(Y) - CE of a logistic regression and of a
small CNN trained on the train split and scored on the test split, (b) registered neural
estimators (MINE by default; they train and score on their own internal held-out split)
and (c) kNN estimators (KSG) on a PCA compression fitted on the train split and applied
to the test split. The classifiers' test accuracy, ROC curve and AUC validate the MI trend;
the plateau is the smallest size reaching 95% of the (monotone-fitted) maximum, with a
bootstrap interval. Each (size, seed) is one job of :func:`infolens.runner.run_jobs`, so a
killed run resumes and runs on Dask.
"""

from __future__ import annotations

import argparse
import functools
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..validation import check_choice, check_positive_int
from . import _common as C
from ._compression_summary import consistency_checks, summarize, tidy
from ._config import check_run_folder, cli_overrides, load_config

__all__ = ["CompressionConfig", "compression_job", "consistency_checks", "run", "summarize", "tidy",
           "add_arguments", "main"]

#: default binary label per data set (ROC curves need two classes)
DEFAULT_LABELS = {"fashion-mnist": "top", "mnist": "even", "digits": "even", "celeba": "Male"}
CLASSIFIERS = ("logreg", "cnn")


@dataclass
class CompressionConfig:
    """Everything the study needs; ``run`` accepts this or a dict / YAML file with these keys.

    ``estimators`` maps registered estimator names to their parameters (neural ones get the
    images - flattened pixels with an MLP critic for ``neural_input="flat"``, fast on a CPU, or
    (n, s, s) arrays with the estimator's conv encoder for ``"image"`` - others a PCA of
    ``pca_dim`` components fitted on the train split); ``sizes=None`` picks
    :func:`~infolens.studies._common.default_sizes` from the native image size.
    ``n_train`` / ``n_test``: sizes given are honoured, or refused when the data set is too
    small; ``None`` (the default) means 10,000 / 2,000, or the whole set split 5:1 when it is
    smaller, or what is left next to the size that was given. ``resume_changed`` lets a changed
    configuration add its jobs to a run folder that holds another run (otherwise refused).
    """

    dataset: str = "digits"
    data_dir: str | None = None
    label: str | None = None
    sizes: list[int] | None = None
    n_train: int | None = None
    n_test: int | None = None
    estimators: dict[str, dict[str, Any]] = field(default_factory=lambda: {"mine": {"epochs": 30}, "ksg": {"k": 5}})
    classifiers: list[str] = field(default_factory=lambda: list(CLASSIFIERS))
    cnn_epochs: int = 10
    neural_input: str = "flat"
    pca_dim: int = 8
    seeds: list[int] = field(default_factory=lambda: [0])
    data_seed: int = 0
    filter: str = "antialias"
    crop: str | None = None
    skip_bad: bool = False
    plateau_frac: float = 0.95
    out_dir: str | None = None
    cache_dir: str | None = None
    n_jobs: int = 2
    scheduler: str | None = None
    device: str = "cpu"
    threads: int | None = None
    verbose: bool = True
    resume_changed: bool = False

    @classmethod
    def from_any(cls, config: Any) -> "CompressionConfig":
        return load_config(cls, config)

    def validate(self) -> None:
        from ..data.loaders import canonical_name

        self.dataset = canonical_name(self.dataset)  # "fashionmnist" runs the same task as "fashion-mnist"
        for key in ("n_train", "n_test"):
            if getattr(self, key) is not None:
                check_positive_int(getattr(self, key), key, minimum=10)
        check_positive_int(self.cnn_epochs, "cnn_epochs")
        check_positive_int(self.pca_dim, "pca_dim")
        check_positive_int(self.n_jobs, "n_jobs")
        from ..data.preprocess import FILTERS

        check_choice(self.filter, "filter", FILTERS)
        check_choice(self.neural_input, "neural_input", ("flat", "image"))
        if isinstance(self.estimators, (list, tuple)):
            self.estimators = {str(e): {} for e in self.estimators}
        if not isinstance(self.estimators, dict):
            raise TypeError("estimators must map estimator names to parameter dicts, e.g. {'mine': {'epochs': 30}}")
        for name in self.estimators:
            from ..registry import estimator_class

            estimator_class(name)  # a clear error listing the available names
            self.estimators[name] = dict(self.estimators[name] or {})
        for c in self.classifiers:
            check_choice(c, "classifiers", CLASSIFIERS)
        if not self.estimators and not self.classifiers:
            raise ValueError("estimators and classifiers are both empty; name at least one of them")
        if self.sizes is not None:
            self.sizes = sorted({check_positive_int(int(s) if isinstance(s, (int, np.integer)) else s, "sizes") for s in self.sizes})
        self.seeds = [int(s) for s in (self.seeds if isinstance(self.seeds, (list, tuple)) else [self.seeds])]
        if not self.seeds:
            raise ValueError("seeds must name at least one seed, e.g. [0]")
        if not 0 < self.plateau_frac <= 1:
            raise ValueError(f"plateau_frac must be in (0, 1], got {self.plateau_frac}")


# --------------------------------------------------------------------------- one job


@functools.lru_cache(maxsize=2)
def _pool(dataset: str, data_dir: str | None, label: str | None, n_train: int, n_test: int, data_seed: int,
          skip_bad: bool) -> tuple[Any, np.ndarray, np.ndarray]:
    """The study's images (n_train + n_test drawn with ``data_seed``) and a stratified split;
    memoised so that a worker process loads the data once for all its jobs."""
    from sklearn.model_selection import train_test_split

    from ..data import load_dataset

    ds = load_dataset(dataset, data_dir=data_dir, split="all", label=label, limit=n_train + n_test,
                      random_state=data_seed, skip_bad=skip_bad)
    idx = np.arange(len(ds))
    tr, te = train_test_split(idx, test_size=n_test, stratify=ds.labels, random_state=data_seed)
    return ds, np.sort(tr), np.sort(te)


#: estimators that compress or learn from the pixels themselves and score on their own held-out split
RAW_INPUT = ("compressed",)


def _takes_pixels(name: str) -> bool:
    """Neural estimators and ``compressed`` get the images (train + test pool; they hold out
    their own test part); the others get the study's PCA, fitted on train, scored on test."""
    from ..registry import estimator_class

    cls = estimator_class(name)
    if cls.name in RAW_INPUT:
        return True
    try:
        from ..estimators.neural.base import NeuralEstimator
    except ImportError:  # pragma: no cover - the neural package is part of infolens
        return False
    return issubclass(cls, NeuralEstimator)


def compression_job(config: dict[str, Any]) -> dict[str, Any]:
    """One (size, seed): resize, fit the classifiers, run the estimators; JSON-ready results."""
    import time

    from sklearn.decomposition import PCA

    from .. import estimate_mi
    from ..data import preprocess
    from ..torch_utils import SMALL_MODEL_THREADS, threads

    size, seed = int(config["size"]), int(config["seed"])
    ds, tr, te = _pool(config["dataset"], config["data_dir"], config["label"], config["n_train"], config["n_test"],
                       config["data_seed"], config["skip_bad"])
    pre = preprocess(ds, size, config["filter"], config["cache_dir"], crop=config["crop"], skip_bad=config["skip_bad"],
                     verbose=False)
    kept = pre.meta["kept_index"]
    p_tr, p_te = np.flatnonzero(np.isin(kept, tr)), np.flatnonzero(np.isin(kept, te))
    x, y = np.asarray(pre.images, dtype=np.float32), pre.labels
    n_classes = len(ds.label_names)
    prior = np.bincount(y[p_tr], minlength=n_classes) / len(p_tr)
    out: dict[str, Any] = {"size": size, "seed": seed, "dim": int(np.prod(x.shape[1:])), "n_train": int(len(p_tr)),
                           "n_test": int(len(p_te)), "h_y": C.entropy_nats(y[p_te]), "skipped": len(pre.meta["skipped"]),
                           "example": np.round(x[p_te[0]], 4).tolist(), "example_label": ds.label_names[y[p_te[0]]],
                           "classifiers": {}, "estimators": {}}
    for clf in config["classifiers"]:
        t0 = time.perf_counter()
        if clf == "logreg":
            proba, info = C.fit_logreg(x[p_tr], y[p_tr], x[p_te], random_state=seed)
        else:
            proba, info = C.fit_cnn(x[p_tr], y[p_tr], x[p_te], random_state=seed, epochs=config["cnn_epochs"],
                                    device=config["device"])
        m = C.classifier_metrics(proba, y[p_te], prior)
        m.update(seconds=time.perf_counter() - t0, info=info)
        out["classifiers"][clf] = m
    for name, params in config["estimators"].items():
        t0 = time.perf_counter()
        try:
            if _takes_pixels(name):
                idx = np.concatenate([p_tr, p_te])
                if config["neural_input"] == "flat":
                    xin = x[idx].reshape(len(idx), -1)
                    xin = xin[:, np.ptp(xin, axis=0) > 0]  # constant pixels carry no information
                else:
                    xin = x[idx]
                kw = {"verbose": False, "device": config["device"], **params}
                with threads(config.get("threads") or SMALL_MODEL_THREADS):
                    r = estimate_mi(xin, y[idx], method=name, random_state=seed, **kw)
                n_held = r.diagnostics.get("n_test")
                where = "its own held-out split" + (f" of {n_held}" if n_held else "")
            else:
                k = min(config["pca_dim"], out["dim"], len(p_tr))
                pca = PCA(n_components=k, random_state=seed).fit(x[p_tr].reshape(len(p_tr), -1))
                z = pca.transform(x[p_te].reshape(len(p_te), -1))
                r = estimate_mi(z, y[p_te], method=name, random_state=seed, **params)
                where = f"test split, PCA {k} fitted on train"
            out["estimators"][name] = {"mi": r.mi, "stderr": r.stderr, "ci": r.ci, "seconds": r.seconds,
                                       "where": where, "error": None}
        except (ValueError, RuntimeError, FloatingPointError) as exc:  # recorded and shown in the report
            out["estimators"][name] = {"mi": None, "stderr": None, "error": f"{type(exc).__name__}: {exc}",
                                       "seconds": time.perf_counter() - t0}
    return out


# --------------------------------------------------------------------------- the study


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-").lower()


def _prepare(cfg: CompressionConfig) -> tuple[dict[str, Any], Any]:
    """Resolve defaults that depend on the data: label, sizes, n_train / n_test."""
    from ..data import load_dataset

    key = cfg.dataset.lower()
    label = cfg.label if cfg.label is not None else DEFAULT_LABELS.get(key)
    ds = load_dataset(cfg.dataset, data_dir=cfg.data_dir, split="all", label=label, skip_bad=cfg.skip_bad)
    n_train, n_test = resolve_sizes(len(ds), cfg.n_train, cfg.n_test, ds.name)
    n = len(ds)
    native = int(min(ds.image_shape[:2]))
    sizes = cfg.sizes or C.default_sizes(native)
    info = {"label": label, "n_train": n_train, "n_test": n_test, "sizes": sizes, "native": list(ds.image_shape),
            "label_names": ds.label_names, "name": ds.name, "n_available": n}
    return info, ds


#: sizes used when n_train / n_test are not given (a smaller set is split in this ratio)
DEFAULT_N_TRAIN, DEFAULT_N_TEST = 10000, 2000


def resolve_sizes(n: int, n_train: int | None, n_test: int | None, name: str) -> tuple[int, int]:
    """The train and test sizes: given sizes are honoured or refused (never shrunk); sizes
    not given take the defaults, or what the set leaves (the defaults' 5:1 ratio when
    neither is given)."""
    from ..errors import ConfigError

    if n_train is not None and n_test is not None:
        if n_train + n_test > n:
            raise ConfigError(f"n_train + n_test = {n_train} + {n_test} = {n_train + n_test} but {name} has {n} images; "
                              f"lower them (--n-train/--n-test), e.g. n_train={n - n // 4}, n_test={n // 4}")
        return n_train, n_test
    if n_train is not None:
        if n - n_train < 10:
            raise ConfigError(f"n_train={n_train} leaves {n - n_train} of {name}'s {n} images for the test split (at "
                              f"least 10 needed); lower --n-train to at most {n - 10}")
        return n_train, min(DEFAULT_N_TEST, n - n_train)
    if n_test is not None:
        if n - n_test < 10:
            raise ConfigError(f"n_test={n_test} leaves {n - n_test} of {name}'s {n} images for training (at least 10 "
                              f"needed); lower --n-test to at most {n - 10}")
        return min(DEFAULT_N_TRAIN, n - n_test), n_test
    if DEFAULT_N_TRAIN + DEFAULT_N_TEST <= n:
        return DEFAULT_N_TRAIN, DEFAULT_N_TEST
    n_test = max(10, int(round(n * DEFAULT_N_TEST / (DEFAULT_N_TRAIN + DEFAULT_N_TEST))))
    return n - n_test, n_test


#: keys that do not change the numbers: they may differ when a run folder is resumed
_VOLATILE = ("out_dir", "verbose", "n_jobs", "scheduler", "cache_dir", "resume_changed")


def run(config: Any = None, **overrides: Any) -> dict[str, Any]:
    """Run the study (resuming finished jobs in ``out_dir``); write ``results.csv``,
    ``summary.json``, figures and ``report.html``. Returns the tables and paths."""
    from ..data import default_cache_dir
    from ..io import write_json, write_text
    from ..runner import run_jobs
    from . import _compression_figures as F

    base = asdict(CompressionConfig.from_any(config)) if config is not None else {}
    cfg = CompressionConfig.from_any({**base, **overrides})
    info, _ = _prepare(cfg)
    out_dir = Path(cfg.out_dir or f"runs/compression-{_slug(cfg.dataset)}-{_slug(info['label'] or 'classes')}")
    cache_dir = str(Path(cfg.cache_dir) if cfg.cache_dir else default_cache_dir())
    job_base = {"study": "compression", "dataset": cfg.dataset, "data_dir": cfg.data_dir, "label": info["label"],
                "n_train": info["n_train"], "n_test": info["n_test"], "data_seed": cfg.data_seed, "filter": cfg.filter,
                "crop": cfg.crop, "skip_bad": cfg.skip_bad, "cache_dir": cache_dir, "classifiers": list(cfg.classifiers),
                "cnn_epochs": cfg.cnn_epochs, "neural_input": cfg.neural_input, "estimators": cfg.estimators, "pca_dim": cfg.pca_dim, "device": cfg.device,
                "threads": cfg.threads}
    configs = [{**job_base, "size": s, "seed": seed} for s in info["sizes"] for seed in cfg.seeds]
    record = {**asdict(cfg), "resolved": info}
    check_run_folder(out_dir, record, ignore=_VOLATILE, resume_changed=cfg.resume_changed)
    write_json(out_dir / "config.json", record)
    rows = run_jobs(compression_job, configs, out_dir, n_jobs=cfg.n_jobs, scheduler=cfg.scheduler,
                    progress=cfg.verbose, desc=f"compression {info['name']}")
    errors = [f"size {r['config']['size']} seed {r['config']['seed']}: {r['error']}" for r in rows if r["error"]]
    results = [r["result"] for r in rows if r["result"] is not None]
    if not results:
        raise RuntimeError("every job failed: " + "; ".join(errors[:3]))
    long = tidy(results)
    summary = summarize(long, cfg.plateau_frac)
    write_text(out_dir / "results.csv", long.to_csv(index=False))
    write_text(out_dir / "table.csv", summary["table"].to_csv(index=False))
    h_y = float(np.mean([r["h_y"] for r in results]))
    checks = consistency_checks(summary["per_size"], h_y, native=min(info["native"][:2]))
    meta = {**info, "h_y": h_y, "skipped": max(int(r.get("skipped", 0)) for r in results), "out_dir": str(out_dir), "errors": errors, "estimator_errors": _estimator_errors(results),
            "config": asdict(cfg)}
    figs = F.make_figures(results, summary, meta, out_dir / "figures")
    report = F.write_report(out_dir / "report.html", summary, checks, meta, figs)
    write_json(out_dir / "summary.json", {"plateaus": summary["plateaus"].to_dict(orient="records"), "checks": checks,
                                          "h_y": h_y, "errors": errors, "resolved": info})
    return {"table": summary["table"], "per_size": summary["per_size"], "plateaus": summary["plateaus"], "long": long,
            "checks": checks, "report": report, "out_dir": out_dir, "errors": errors, "h_y": h_y, "resolved": info,
            "estimator_errors": meta["estimator_errors"]}


def _estimator_errors(results: list[dict[str, Any]]) -> list[str]:
    return [f"size {r['size']} seed {r['seed']} {name}: {e['error']}" for r in results
            for name, e in r["estimators"].items() if e.get("error")]


# --------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="YAML file with CompressionConfig keys (flags override it)")
    parser.add_argument("--dataset", help="digits, fashion-mnist, mnist, celeba, stl10, folder or an .npz path")
    parser.add_argument("--data-dir", help="folder of the data set (CelebA, image folders, IDX files)")
    parser.add_argument("--label", help="CelebA attribute (e.g. Male) or a class spec such as 'top/bottom'")
    parser.add_argument("--sizes", help="comma-separated sizes in pixels, e.g. 5,10,20 (default: from the image size)")
    parser.add_argument("--n-train", type=int, help="training images (default 10000, or 5/6 of a smaller set; "
                        "a size the set cannot hold is refused)")
    parser.add_argument("--n-test", type=int, help="held-out test images (default 2000, or 1/6 of a smaller set)")
    parser.add_argument("--estimators", help="comma-separated registered names (neural ones on images, others on PCA)")
    parser.add_argument("--classifiers", help="comma-separated: logreg,cnn")
    parser.add_argument("--cnn-epochs", type=int, help="epochs of the small CNN (default 10; best validation epoch kept)")
    parser.add_argument("--neural-input", choices=["flat", "image"],
                        help="neural estimators on flattened pixels with an MLP critic (flat, default) or a conv encoder (image)")
    parser.add_argument("--seeds", help="comma-separated seeds, e.g. 0,1,2")
    parser.add_argument("--filter", help="resize filter: antialias (default), bicubic, bilinear, box, nearest, ...")
    parser.add_argument("--crop", choices=["center"], help="cut the central square before resizing (keeps the aspect ratio)")
    parser.add_argument("--skip-bad", action="store_true", default=None, help="drop unreadable images (counted) instead of failing")
    parser.add_argument("--out", dest="out_dir", help="run folder (default runs/compression-DATASET-LABEL)")
    parser.add_argument("--cache-dir", help="where resized images are cached (default ~/.cache/infolens)")
    parser.add_argument("--n-jobs", type=int)
    parser.add_argument("--scheduler", help="Dask scheduler address tcp://host:8786")
    parser.add_argument("--device", help="cpu (default), auto or cuda")
    parser.add_argument("--threads", type=int, help="torch CPU threads for the neural estimators (default 1: "
                        "their critics are small, see infolens.torch_utils)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--resume-changed", action="store_true",
                        help="add this run's jobs to an --out folder that holds a run with another configuration")


def config_from_args(args: argparse.Namespace) -> CompressionConfig:
    cfg = cli_overrides(args, ("dataset", "data_dir", "label", "n_train", "n_test", "cnn_epochs", "neural_input",
                               "filter", "crop", "skip_bad", "out_dir", "cache_dir", "n_jobs", "scheduler", "device",
                               "threads"))
    split = lambda s: [t.strip() for t in s.split(",") if t.strip()]  # noqa: E731
    if getattr(args, "sizes", None):
        cfg["sizes"] = [int(s) for s in split(args.sizes)]
    if getattr(args, "seeds", None):
        cfg["seeds"] = [int(s) for s in split(args.seeds)]
    if getattr(args, "estimators", None) is not None:
        prev = cfg.get("estimators") or CompressionConfig().estimators
        cfg["estimators"] = {e: dict(prev.get(e, {})) if isinstance(prev, dict) else {} for e in split(args.estimators)}
    if getattr(args, "classifiers", None) is not None:
        cfg["classifiers"] = split(args.classifiers)
    return CompressionConfig.from_any(cfg)


def print_summary(res: dict[str, Any]) -> None:
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print(res["table"].to_string(index=False))
        print()
        print(res["plateaus"].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"\nH(Y) = {res['h_y']:.3f} nats (the ceiling of I(image; label))")
    for c in res["checks"]:
        print(f"[{'ok' if c['ok'] else 'WARN'}] {c['check']} {c['detail']}")
    for e in res["errors"] + res.get("estimator_errors", []):
        print(f"[error] {e}")


def main(args: argparse.Namespace) -> int:
    import sys

    try:
        res = run(config_from_args(args))
    except RuntimeError as exc:  # every job failed: the store holds each job's error
        print(f"infolens run compression: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print_summary(res)
    print(f"\nreport: {Path(res['report']).resolve()}")
    return 0
