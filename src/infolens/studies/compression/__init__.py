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
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ...validation import check_choice, check_positive_int
from .. import classifiers as C
from .data import DEFAULT_LABELS, _pool, prepare, resolve_sizes
from .summary import consistency_checks, tidy
from .summary import summarize as summarize_sizes
from ..config import load_config, slug, start_run
from ..flags import config_from_args
from ..protocol import StudyConfig, StudyResult

__all__ = ["CompressionConfig", "Config", "CompressionResult", "jobs", "run_job", "summarize", "figures", "report",
           "run", "main", "consistency_checks", "tidy", "resolve_sizes", "DEFAULT_LABELS"]

CLASSIFIERS = ("logreg", "cnn")


@dataclass
class CompressionConfig(StudyConfig):
    """Everything the study needs; ``run`` accepts this or a dict / YAML file with these keys.

    ``estimators`` maps registered estimator names to their parameters (neural ones get the
    images - flattened pixels with an MLP critic for ``neural_input="flat"``, fast on a CPU, or
    (n, s, s) arrays with the estimator's conv encoder for ``"image"`` - others a PCA of
    ``pca_dim`` components fitted on the train split); ``sizes=None`` picks
    :func:`~infolens.studies.plateau.default_sizes` from the native image size.
    ``n_train`` / ``n_test``: sizes given are honoured, or refused when the data set is too
    small; ``None`` (the default) means 10,000 / 2,000, or the whole set split 5:1 when it is
    smaller, or what is left next to the size that was given. ``resume_changed`` lets a changed
    configuration add its jobs to a run folder that holds another run (otherwise refused).
    """

    dataset: str = "digits"
    """digits, fashion-mnist, mnist, celeba, stl10, folder or an .npz path"""
    data_dir: str | None = None
    """folder of the data set (CelebA, image folders, IDX files)"""
    label: str | None = None
    """CelebA attribute (e.g. Male) or a class spec such as 'top/bottom' (default per data set)"""
    sizes: list[int] | None = None
    """image sizes in pixels, e.g. 5,10,20 (default: from the native image size)"""
    n_train: int | None = None
    """training images (default 10000, or 5/6 of a smaller set; a size the set cannot hold is refused)"""
    n_test: int | None = None
    """held-out test images (default 2000, or 1/6 of a smaller set)"""
    estimators: dict[str, dict[str, Any]] = field(default_factory=lambda: {"mine": {"epochs": 30}, "ksg": {"k": 5}})
    """registered estimators and their parameters (neural ones on the images, others on a PCA)"""
    classifiers: list[str] = field(default_factory=lambda: list(CLASSIFIERS))
    """classifiers whose cross-entropy bound, accuracy and ROC are measured: logreg, cnn"""
    cnn_epochs: int = 10
    """epochs of the small CNN (the best validation epoch is kept)"""
    neural_input: str = "flat"
    """neural estimators on flattened pixels with an MLP critic (flat) or with a conv encoder (image)"""
    pca_dim: int = 8
    """PCA components that the non-neural estimators see"""
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    """seeds of the classifiers and estimators (one job per size and seed; the error bars and the
    plateau interval include the spread between seeds)"""
    data_seed: int = 0
    """seed of the image sample and of the train/test split"""
    filter: str = "antialias"
    """resize filter: antialias, bicubic, bilinear, box, nearest, ..."""
    crop: str | None = None
    """'center': cut the central square before resizing (keeps the aspect ratio)"""
    skip_bad: bool = False
    """drop unreadable images (counted) instead of failing"""
    plateau_frac: float = 0.95
    """the plateau is the smallest size reaching this share of the maximum"""
    out_dir: str | None = None
    """run folder (default runs/compression-DATASET-LABEL)"""
    cache_dir: str | None = None
    """where resized images are cached (default ~/.cache/infolens)"""
    scheduler: str | None = None
    """Dask scheduler address tcp://host:8786"""
    device: str = "cpu"
    """torch device: cpu, auto or cuda"""
    threads: int | None = None
    """torch CPU threads for the neural estimators (None: 1, their critics are small; see infolens.torch_utils)"""

    @classmethod
    def from_any(cls, config: Any) -> "CompressionConfig":
        return load_config(cls, config)

    def validate(self) -> None:
        from ...data.loaders import canonical_name

        self.dataset = canonical_name(self.dataset)  # "fashionmnist" runs the same task as "fashion-mnist"
        for key in ("n_train", "n_test"):
            if getattr(self, key) is not None:
                check_positive_int(getattr(self, key), key, minimum=10)
        check_positive_int(self.cnn_epochs, "cnn_epochs")
        check_positive_int(self.pca_dim, "pca_dim")
        check_positive_int(self.n_jobs, "n_jobs")
        from ...data.preprocess import FILTERS

        check_choice(self.filter, "filter", FILTERS)
        check_choice(self.neural_input, "neural_input", ("flat", "image"))
        if isinstance(self.estimators, (list, tuple)):
            self.estimators = {str(e): {} for e in self.estimators}
        if not isinstance(self.estimators, dict):
            raise TypeError("estimators must map estimator names to parameter dicts, e.g. {'mine': {'epochs': 30}}")
        for name in self.estimators:
            from ...registry import estimator_class

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


Config = CompressionConfig


# --------------------------------------------------------------------------- one job


#: estimators that compress or learn from the pixels themselves and score on their own held-out split
RAW_INPUT = ("compressed",)


def _takes_pixels(name: str) -> bool:
    """Neural estimators and ``compressed`` get the images (train + test pool; they hold out
    their own test part); the others get the study's PCA, fitted on train, scored on test."""
    from ...registry import estimator_class

    cls = estimator_class(name)
    if cls.name in RAW_INPUT:
        return True
    return cls.trains_critic


def run_job(config: dict[str, Any]) -> dict[str, Any]:
    """One (size, seed): resize, fit the classifiers, run the estimators; JSON-ready results."""
    import time

    from sklearn.decomposition import PCA

    from ... import estimate_mi
    from ...data import preprocess
    from ...torch_utils import SMALL_MODEL_THREADS, threads

    size, seed = int(config["size"]), int(config["seed"])
    ds, tr, te = _pool(config["dataset"], config["data_dir"], config["label"], config["n_train"], config["n_test"],
                       config["data_seed"], config["skip_bad"])
    pre = preprocess(ds, size, config["filter"], config["cache_dir"], crop=config["crop"], skip_bad=config["skip_bad"],
                     verbose=False)
    kept = pre.meta["kept_index"]
    p_tr, p_te = np.flatnonzero(np.isin(kept, tr)), np.flatnonzero(np.isin(kept, te))
    x, y = np.asarray(pre.images, dtype=np.float32), pre.labels
    n_classes = len(ds.label_names)
    prior = C.label_prior(y[p_tr], n_classes)  # the prior of method="classifier" (add-one, training labels)
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
                    r = estimate_mi(xin, y[idx], method=name, warn=False, random_state=seed, **kw)
                n_held = r.diagnostics.get("n_test")
                where = "its own held-out split" + (f" of {n_held}" if n_held else "")
            else:
                k = min(config["pca_dim"], out["dim"], len(p_tr))
                pca = PCA(n_components=k, random_state=seed).fit(x[p_tr].reshape(len(p_tr), -1))
                z = pca.transform(x[p_te].reshape(len(p_te), -1))
                r = estimate_mi(z, y[p_te], method=name, warn=False, random_state=seed, **params)
                where = f"test split, PCA {k} fitted on train"
            out["estimators"][name] = {"mi": r.mi, "stderr": r.stderr, "ci": r.ci, "seconds": r.seconds,
                                       "where": where, "error": None}
        except (ValueError, RuntimeError, FloatingPointError) as exc:  # recorded and shown in the report
            out["estimators"][name] = {"mi": None, "stderr": None, "error": f"{type(exc).__name__}: {exc}",
                                       "seconds": time.perf_counter() - t0}
    return out


# --------------------------------------------------------------------------- the study


#: keys that do not change the numbers: they may differ when a run folder is resumed
_VOLATILE = ("out_dir", "verbose", "n_jobs", "scheduler", "cache_dir", "resume_changed")


@dataclass
class CompressionResult(StudyResult):
    table: pd.DataFrame
    """value ± standard error per size, quantity and method (``table.csv``)"""
    per_size: pd.DataFrame
    """mean value and standard error per size, quantity and method"""
    plateaus: pd.DataFrame
    """plateau size and its 90% interval per quantity and method"""
    long: pd.DataFrame
    """one row per job, quantity and method (``results.csv``)"""
    checks: list[dict[str, Any]]
    """checks against known truths (H(Y) ceiling, monotone trends, ...)"""
    h_y: float
    """H(Y) of the test labels, the ceiling of I(image; label), nats"""
    errors: list[str]
    """failed jobs"""
    estimator_errors: list[str]
    """failed estimates inside finished jobs"""
    resolved: dict[str, Any]
    """what the data decided: label, sizes, n_train, n_test, native size, class names"""
    results: list[dict[str, Any]]
    """the jobs' results (for the figures)"""
    config: CompressionConfig
    """the configuration of the run"""
    report: Path | None = None
    """report.html, once written"""


def _resolved(cfg: CompressionConfig) -> dict[str, Any]:
    """:func:`~.data.prepare`'s data-dependent settings, computed once per configuration."""
    key = json.dumps(asdict(cfg), sort_keys=True, default=str)
    if key not in _RESOLVED:
        _RESOLVED[key] = prepare(cfg)[0]
    return _RESOLVED[key]


_RESOLVED: dict[str, dict[str, Any]] = {}


def _out_dir(cfg: CompressionConfig) -> Path:
    info = _resolved(cfg)
    return Path(cfg.out_dir or f"runs/compression-{slug(cfg.dataset)}-{slug(info['label'] or 'classes')}")


def jobs(cfg: CompressionConfig) -> list[dict[str, Any]]:
    """One job per (size, seed)."""
    from ...data import default_cache_dir

    info = _resolved(cfg)
    cache_dir = str(Path(cfg.cache_dir) if cfg.cache_dir else default_cache_dir())
    job_base = {"study": "compression", "dataset": cfg.dataset, "data_dir": cfg.data_dir, "label": info["label"],
                "n_train": info["n_train"], "n_test": info["n_test"], "data_seed": cfg.data_seed, "filter": cfg.filter,
                "crop": cfg.crop, "skip_bad": cfg.skip_bad, "cache_dir": cache_dir, "classifiers": list(cfg.classifiers),
                "cnn_epochs": cfg.cnn_epochs, "neural_input": cfg.neural_input, "estimators": cfg.estimators,
                "pca_dim": cfg.pca_dim, "device": cfg.device, "threads": cfg.threads}
    return [{**job_base, "size": s, "seed": seed} for s in info["sizes"] for seed in cfg.seeds]


def summarize(rows: list[dict[str, Any]], cfg: CompressionConfig) -> CompressionResult:
    """Tidy table (``results.csv``), per-size table (``table.csv``), plateaus, checks and
    ``summary.json``; raises when every job failed."""
    from ...io import write_json, write_text

    info, out_dir = _resolved(cfg), _out_dir(cfg)
    errors = [f"size {r['config']['size']} seed {r['config']['seed']}: {r['error']}" for r in rows if r["error"]]
    results = [r["result"] for r in rows if r["result"] is not None]
    if not results:
        raise RuntimeError("every job failed: " + "; ".join(errors[:3]))
    long = tidy(results)
    summary = summarize_sizes(long, cfg.plateau_frac)
    write_text(out_dir / "results.csv", long.to_csv(index=False))
    write_text(out_dir / "table.csv", summary["table"].to_csv(index=False))
    h_y = float(np.mean([r["h_y"] for r in results]))
    checks = consistency_checks(summary["per_size"], h_y, native=min(info["native"][:2]))
    write_json(out_dir / "summary.json", {"plateaus": summary["plateaus"].to_dict(orient="records"), "checks": checks,
                                          "h_y": h_y, "errors": errors, "resolved": info})
    return CompressionResult(out_dir=out_dir, table=summary["table"], per_size=summary["per_size"],
                             plateaus=summary["plateaus"], long=long, checks=checks, h_y=h_y, errors=errors,
                             estimator_errors=_estimator_errors(results), resolved=info, results=results, config=cfg)


def _meta(result: CompressionResult) -> dict[str, Any]:
    return {**result.resolved, "h_y": result.h_y, "out_dir": str(result.out_dir), "errors": result.errors,
            "skipped": max(int(r.get("skipped", 0)) for r in result.results),
            "estimator_errors": result.estimator_errors, "config": asdict(result.config)}


def figures(result: CompressionResult) -> dict[str, Any]:
    """MI vs size, accuracy/AUC vs size, ROC curves and the example strip (``figures/``)."""
    from . import plots as F

    summary = {"per_size": result.per_size, "plateaus": result.plateaus}
    return F.make_figures(result.results, summary, _meta(result), result.out_dir / "figures")


def report(result: CompressionResult, figs: Mapping[str, Any]) -> Path:
    """``report.html``: data, plateaus, checks, figures, the table and the configuration."""
    from . import plots as F

    summary = {"table": result.table, "plateaus": result.plateaus}
    return F.write_report(result.out_dir / "report.html", summary, result.checks, _meta(result), figs)


def run(config: Any = None, **overrides: Any) -> CompressionResult:
    """Run the study (resuming finished jobs in ``out_dir``); write ``results.csv``,
    ``summary.json``, figures and ``report.html``."""
    from ...runner import run_jobs

    base = asdict(CompressionConfig.from_any(config)) if config is not None else {}
    cfg = CompressionConfig.from_any({**base, **overrides})
    info, out_dir = _resolved(cfg), _out_dir(cfg)
    start_run(out_dir, {**asdict(cfg), "resolved": info}, volatile=_VOLATILE, resume_changed=cfg.resume_changed)
    rows = run_jobs(run_job, jobs(cfg), out_dir, n_jobs=cfg.n_jobs, scheduler=cfg.scheduler,
                    progress=cfg.verbose, desc=f"compression {info['name']}")
    result = summarize(rows, cfg)
    result.report = report(result, figures(result))
    return result


def _estimator_errors(results: list[dict[str, Any]]) -> list[str]:
    return [f"size {r['size']} seed {r['seed']} {name}: {e['error']}" for r in results
            for name, e in r["estimators"].items() if e.get("error")]


# --------------------------------------------------------------------------- CLI


def print_summary(res: CompressionResult) -> None:
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print(res.table.to_string(index=False))
        print()
        print(res.plateaus.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"\nH(Y) = {res.h_y:.3f} nats (the ceiling of I(image; label))")
    for c in res.checks:
        print(f"[{'ok' if c['ok'] else 'WARN'}] {c['check']} {c['detail']}")
    for e in res.errors + res.estimator_errors:
        print(f"[error] {e}")


def main(args: argparse.Namespace) -> int:
    import sys

    try:
        res = run(config_from_args(args, CompressionConfig))
    except RuntimeError as exc:  # every job failed: the store holds each job's error
        print(f"infolens run compression: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    print_summary(res)
    print(f"\nreport: {Path(res.report or res.out_dir / 'report.html').resolve()}")
    return 0
