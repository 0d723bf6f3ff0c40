"""Privacy study: train generators on real patient records (scikit-learn's breast cancer
data, 569 patients x 30 features + diagnosis), audit each, and draw the privacy-fidelity
trade-off (membership-attack TPR at 1% FPR vs train-on-synthetic/test-on-real accuracy)
across generators and DP-SGD noise levels; optionally the same audit for a conv GAN on
8x8 digit images, on pixels and on the features of a small encoder.

Reference generators bracket the trade-off: ``copy`` releases the training rows (everything
leaks), ``gaussian`` keeps only mean and covariance.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..io import save_figure, write_text

GENERATORS = ("copy", "gaussian", "gan", "wgan", "wgan-gp")

DEFAULTS: dict[str, Any] = {
    "out": "runs/privacy",
    "generators": list(GENERATORS),
    "dp_noise": [0.5, 1.0, 2.0],     # DP-SGD noise multipliers, each with loss "gan"
    "dp_delta": 1e-5,
    "n_steps": 1500,
    "holdout_fraction": 0.5,
    "n_bootstrap": 200,
    "n_permutations": 200,
    "images": True,
    "image_steps": 1500,
    "seed": 0,
    "n_jobs": 1,
    "verbose": True,
    "resume_changed": False,         # add a changed configuration's jobs to an out folder holding another run
}
#: settings that do not change the numbers: they may differ when a run folder is resumed
_VOLATILE = ("out", "n_jobs", "verbose", "resume_changed")


def load_patients(seed: int, holdout_fraction: float):
    """Breast cancer table (30 features + ``diagnosis``), split into train/holdout, stratified."""
    import pandas as pd
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    df = pd.DataFrame(data.data, columns=[c.replace(" ", "_") for c in data.feature_names])
    df["diagnosis"] = data.target
    tr, ho = train_test_split(df, test_size=holdout_fraction, random_state=seed, stratify=df["diagnosis"])
    return tr.reset_index(drop=True), ho.reset_index(drop=True)


def _make_generator(name: str, config: dict[str, Any]):
    from ..generative import GAN, CopyGenerator, GaussianGenerator

    if name == "copy":
        return CopyGenerator()
    if name == "gaussian":
        return GaussianGenerator()
    return GAN(name, n_steps=config["n_steps"], batch_size=64, random_state=config["seed"], verbose=False,
               dp_noise_multiplier=config.get("dp_noise"), dp_delta=config["dp_delta"],
               checkpoint_dir=str(Path(config["out"]) / "checkpoints" / config["label"]), checkpoint_every=250)


def tabular_job(config: dict[str, Any]) -> dict[str, Any]:
    """Train one generator on the training patients, sample as many rows, audit them."""
    import pandas as pd

    from ..audit import audit

    tr, ho = load_patients(config["seed"], config["holdout_fraction"])
    gen = _make_generator(config["generator"], config).fit(tr.to_numpy(dtype=np.float64))
    syn = pd.DataFrame(gen.sample(len(tr), random_state=config["seed"] + 1), columns=tr.columns)
    # the label is a class: round the generated column to the nearest valid class
    syn["diagnosis"] = np.clip(np.round(syn["diagnosis"]), 0, 1).astype(int)
    out = Path(config["out"])
    write_text(out / "synthetic" / f"{config['label']}.csv", syn.to_csv(index=False))
    res = audit(tr, syn, ho, target="diagnosis", n_bootstrap=config["n_bootstrap"],
                n_permutations=config["n_permutations"], random_state=config["seed"], n_jobs=1, verbose=False)
    res.save(out / "audits" / config["label"], title=f"Audit: {config['label']}")
    m = res.metrics
    return {"mia_tpr_at_1pct_fpr": m["mia_distance_tpr_at_1pct_fpr"], "mia_auc": m["mia_distance_auc"],
            "mia_density_tpr_at_1pct_fpr": m["mia_density_ratio_tpr_at_1pct_fpr"],
            "mia_density_auc": m["mia_density_ratio_auc"], "holdout_share": m["holdout_share"],
            "exact_copies": m["exact_copies"], "near_copy_share": m["near_copy_share"], "mmd2": m["mmd2"],
            "mmd_pvalue": m["mmd_pvalue"], "ks_max": m["ks_max"], "tstr_accuracy": m["tstr"],
            "trtr_accuracy": m["trtr"], "epsilon": getattr(gen, "epsilon_", None)}


def image_job(config: dict[str, Any]) -> dict[str, Any]:
    """Conv GAN on 8x8 digits; the audit on pixels and on a small encoder's features
    (the hidden layer of an MLP classifier trained on the real training digits)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    from ..audit import audit
    from ..generative import GAN

    d = load_digits()
    images = (d.images / 16.0).astype(np.float32)              # pixel values 0..16 -> [0, 1]
    xtr, xho, ytr, _ = train_test_split(images, d.target, test_size=0.5, random_state=config["seed"], stratify=d.target)
    gan = GAN("gan", arch="conv", n_steps=config["image_steps"], batch_size=64, random_state=config["seed"],
              verbose=False, checkpoint_dir=str(Path(config["out"]) / "checkpoints" / "digits"), checkpoint_every=250)
    gan.fit(xtr)
    syn = gan.sample(len(xtr), random_state=config["seed"] + 1)
    flat = [a.reshape(len(a), -1) for a in (xtr, syn, xho)]
    enc = MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=config["seed"]).fit(flat[0], ytr)
    feats = [np.maximum(a @ enc.coefs_[0] + enc.intercepts_[0], 0) for a in flat]   # ReLU hidden layer
    out: dict[str, Any] = {"epsilon": None}
    for space, (a, b, c) in {"pixels": flat, "encoder": feats}.items():
        # pixels at the image border are constant (0) in the real digits; keep the columns that vary
        keep = np.ptp(np.vstack([a, c]), axis=0) > 0
        res = audit(a[:, keep], b[:, keep], c[:, keep], n_bootstrap=config["n_bootstrap"],
                    n_permutations=config["n_permutations"], random_state=config["seed"], n_jobs=1, verbose=False)
        res.save(Path(config["out"]) / "audits" / f"digits_{space}", title=f"Audit: conv GAN digits ({space})")
        m = res.metrics
        out[space] = {"mia_tpr_at_1pct_fpr": m["mia_distance_tpr_at_1pct_fpr"], "mia_auc": m["mia_distance_auc"],
                      "holdout_share": m["holdout_share"], "mmd2": m["mmd2"], "mmd_pvalue": m["mmd_pvalue"]}
    from ..io import atomic_path

    with atomic_path(Path(config["out"]) / "synthetic" / "digits.npy") as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, syn[:64])
    return out


def jobs_for(cfg: dict[str, Any]) -> list[dict[str, Any]]:
    base = {k: cfg[k] for k in ("n_steps", "holdout_fraction", "n_bootstrap", "n_permutations", "seed", "dp_delta")}
    base["out"] = str(cfg["out"])
    jobs = [{**base, "kind": "tabular", "generator": g, "label": g} for g in cfg["generators"]]
    jobs += [{**base, "kind": "tabular", "generator": "gan", "dp_noise": float(s), "label": f"dp-gan-sigma{s:g}"}
             for s in cfg["dp_noise"]]
    if cfg["images"]:
        jobs.append({**base, "kind": "images", "image_steps": cfg["image_steps"], "label": "digits"})
    return jobs


def privacy_job(config: dict[str, Any]) -> dict[str, Any]:
    return image_job(config) if config["kind"] == "images" else tabular_job(config)


def plot_tradeoff(df: Any, ax: Any = None):
    """MIA TPR at 1% FPR (privacy risk) against TSTR accuracy (utility), one point per
    generator; into ``ax`` when given, else a new figure. Returns the figure."""
    from ..plotting import figure_and_axes

    fig, ax = figure_and_axes(ax, figsize=(6, 4.5))
    for _, r in df.iterrows():
        ax.scatter(r["tstr_accuracy"], max(r["mia_tpr_at_1pct_fpr"], 1e-3), s=40,
                   marker="s" if str(r["label"]).startswith("dp-") else "o")
        ax.annotate(str(r["label"]) + (f" (eps {r['epsilon']:.1f})" if r.get("epsilon") == r.get("epsilon") and r.get("epsilon") is not None else ""),
                    (r["tstr_accuracy"], max(r["mia_tpr_at_1pct_fpr"], 1e-3)), fontsize=7,
                    xytext=(4, 3), textcoords="offset points")
    ax.axhline(0.01, color="k", ls=":", lw=1, label="random guess (TPR = FPR = 1%)")
    if len(df):
        ax.axvline(float(df["trtr_accuracy"].iloc[0]), color="g", ls="--", lw=1, label="trained on real (TRTR)")
    ax.set_yscale("log")
    ax.set_xlabel("TSTR accuracy on real holdout patients (utility)")
    ax.set_ylabel("membership attack TPR at 1% FPR (risk)")
    ax.set_title("Privacy-fidelity trade-off")
    ax.legend(fontsize=7)
    return fig


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Run the study (resumable: finished generators are read back from ``out/results.jsonl``)."""
    import pandas as pd

    from ..plotting import subplots
    from ..report.html import HtmlReport
    from ..runner import run_jobs

    from ..io import write_json
    from ._config import check_keys, check_run_folder

    check_keys(config, DEFAULTS, where="the privacy config")
    cfg = {**DEFAULTS, **config}
    for g in cfg["generators"]:
        if g not in GENERATORS:
            raise ValueError(f"generators must be among {GENERATORS}, got {g!r}")
    if cfg["dp_noise"]:
        from ..generative import require_opacus

        require_opacus()
    out = Path(cfg["out"])
    check_run_folder(out, cfg, ignore=_VOLATILE, resume_changed=bool(cfg["resume_changed"]))
    write_json(out / "config.json", cfg)
    rows = run_jobs(privacy_job, jobs_for(cfg), out, n_jobs=cfg["n_jobs"], progress=cfg["verbose"], desc="privacy")
    failed = [r for r in rows if r["error"]]
    if failed:
        raise RuntimeError(f"{len(failed)} privacy job(s) failed, first: {failed[0]['config']['label']}: {failed[0]['error']}")
    tab = pd.DataFrame([{"label": r["config"]["label"], **r["result"]} for r in rows if r["config"]["kind"] == "tabular"])
    write_text(out / "results.csv", tab.to_csv(index=False))
    fig = plot_tradeoff(tab)
    save_figure(fig, out / "tradeoff")
    rep = HtmlReport("Privacy study: synthetic patients", subtitle="breast cancer data, 569 patients")
    rep.add_text(__doc__.split("\n\n", 1)[0].replace("\n", " "))
    rep.add_figure(fig, caption="Risk vs utility per generator (squares: DP-SGD; lower right is better; a TPR of 0 is drawn at 0.001)")
    rep.add_table(tab, caption="Audit figures per generator; per-generator reports in audits/<label>/report.html")
    images = [r for r in rows if r["config"]["kind"] == "images"]
    result: dict[str, Any] = {"table": tab.to_dict(orient="records"), "out": str(out)}
    if images:
        img = images[0]["result"]
        rep.add_heading("Images: conv GAN on 8x8 digits")
        rep.add_table(pd.DataFrame([{"space": k, **v} for k, v in img.items() if isinstance(v, dict)]),
                      caption="Audit on pixels and on encoder features")
        result["images"] = img
        samples = np.load(out / "synthetic" / "digits.npy")
        f2, axes = subplots(4, 8, figsize=(6, 3))
        for ax, im in zip(axes.ravel(), samples):
            ax.imshow(im, cmap="gray_r", vmin=0, vmax=1)
            ax.axis("off")
        rep.add_figure(f2, caption="Generated digits")
        save_figure(f2, out / "digits_samples")
    rep.save(out / "report.html")
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default=DEFAULTS["out"])
    parser.add_argument("--generators", default=",".join(GENERATORS))
    parser.add_argument("--dp-noise", default="0.5,1,2", help="DP-SGD noise multipliers for the GAN ('' for none)")
    parser.add_argument("--n-steps", type=int, default=DEFAULTS["n_steps"])
    parser.add_argument("--no-images", action="store_true", help="skip the conv GAN on digits")
    parser.add_argument("--image-steps", type=int, default=DEFAULTS["image_steps"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--resume-changed", action="store_true",
                        help="add this run's jobs to an --out folder that holds a run with another configuration")


def main(args: argparse.Namespace) -> int:
    res = run({"out": args.out, "generators": [g for g in args.generators.split(",") if g],
               "dp_noise": [float(s) for s in args.dp_noise.split(",") if s.strip()], "n_steps": args.n_steps,
               "images": not args.no_images, "image_steps": args.image_steps, "seed": args.seed,
               "n_jobs": args.n_jobs, "verbose": not args.quiet, "resume_changed": args.resume_changed})
    for r in res["table"]:
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}))
    print(f"report: {Path(res['out']) / 'report.html'}")
    return 0
