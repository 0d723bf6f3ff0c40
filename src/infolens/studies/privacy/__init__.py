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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ...io import save_array, save_figure, write_text
from ...validation import check_choice, check_positive_int
from ..config import failed_rows, load_config, start_run
from ..flags import config_from_args
from ..protocol import StudyConfig, StudyResult

GENERATORS = ("copy", "gaussian", "gan", "wgan", "wgan-gp")

@dataclass
class PrivacyConfig(StudyConfig):
    """Settings of the privacy study (``run`` takes this, a dict or a YAML file with these keys)."""

    out_dir: str = "runs/privacy"
    """run folder (results.jsonl, synthetic/, audits/, results.csv, tradeoff.png, report.html)"""
    generators: list[str] = field(default_factory=lambda: list(GENERATORS))
    """generators: copy, gaussian, gan, wgan, wgan-gp"""
    dp_noise: list[float] = field(default_factory=lambda: [0.5, 1.0, 2.0])
    """DP-SGD noise multipliers, each a GAN of its own ('' for none; needs opacus)"""
    dp_delta: float = 1e-5
    """delta of the DP-SGD privacy accounting"""
    n_steps: int = 1500
    """generator steps of the tabular GANs"""
    holdout_fraction: float = 0.5
    """share of the patients held out (never shown to a generator)"""
    n_bootstrap: int = 200
    """bootstrap draws of the audit's intervals"""
    n_permutations: int = 200
    """permutations of the audit's tests"""
    images: bool = True
    """also audit a conv GAN on 8x8 digits (on pixels and encoder features)"""
    image_steps: int = 1500
    """generator steps of the digits GAN"""
    seed: int = 0
    """seed of the split, the generators and the audits"""
    n_jobs: int = 1
    """worker processes"""

    def validate(self) -> None:
        for g in self.generators:
            check_choice(g, "generators", GENERATORS)
        self.dp_noise = [float(s) for s in self.dp_noise]
        for key in ("n_steps", "image_steps", "n_jobs"):
            check_positive_int(getattr(self, key), key)
        if not 0 < self.holdout_fraction < 1:
            raise ValueError(f"holdout_fraction must be in (0, 1), got {self.holdout_fraction!r}")


Config = PrivacyConfig


@dataclass
class PrivacyResult(StudyResult):
    table: pd.DataFrame
    """one row per tabular generator: the audit's risk and fidelity figures"""
    images: dict[str, Any] | None
    """the digits GAN's audit on pixels and on encoder features (None: not run)"""
    config: PrivacyConfig
    """the configuration of the run"""


#: settings that do not change the numbers: they may differ when a run folder is resumed
_VOLATILE = ("out_dir", "n_jobs", "verbose", "resume_changed")


def load_patients(seed: int, holdout_fraction: float):
    """Breast cancer table (30 features + ``diagnosis``), split into train/holdout, stratified."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    df = pd.DataFrame(data.data, columns=[c.replace(" ", "_") for c in data.feature_names])
    df["diagnosis"] = data.target
    tr, ho = train_test_split(df, test_size=holdout_fraction, random_state=seed, stratify=df["diagnosis"])
    return tr.reset_index(drop=True), ho.reset_index(drop=True)


def _make_generator(name: str, config: dict[str, Any]):
    from ...generative import GAN, CopyGenerator, GaussianGenerator

    if name == "copy":
        return CopyGenerator()
    if name == "gaussian":
        return GaussianGenerator()
    return GAN(name, n_steps=config["n_steps"], batch_size=64, random_state=config["seed"], verbose=False,
               dp_noise_multiplier=config.get("dp_noise"), dp_delta=config["dp_delta"],
               checkpoint_dir=str(Path(config["out"]) / "checkpoints" / config["label"]), checkpoint_every=250)


def tabular_job(config: dict[str, Any]) -> dict[str, Any]:
    """Train one generator on the training patients, sample as many rows, audit them."""
    from ...audit import audit

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
            "trtr_accuracy": m["trtr"], "epsilon": getattr(gen, "epsilon_", None),
            "mia_tpr_at_1pct_fpr_ci": res.attacks["distance"].get("tpr_at_1pct_fpr_ci"),
            "mia_tpr_pvalue": res.attacks["distance"]["tpr_at_1pct_fpr_pvalue"],
            "mia_members": res.attacks["distance"]["n_members"], "tstr_n": m["n_holdout"],
            "memorisation": res.verdict()["memorisation"], "fidelity": res.verdict()["fidelity"]}


def image_job(config: dict[str, Any]) -> dict[str, Any]:
    """Conv GAN on 8x8 digits; the audit on pixels and on a small encoder's features
    (the hidden layer of an MLP classifier trained on the real training digits)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    from ...audit import audit
    from ...generative import GAN

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
    save_array(Path(config["out"]) / "synthetic" / "digits.npy", syn[:64])
    return out


def jobs(cfg: PrivacyConfig) -> list[dict[str, Any]]:
    """One job per tabular generator and DP noise level, and one for the digits GAN."""
    base: dict[str, Any] = {"n_steps": cfg.n_steps, "holdout_fraction": cfg.holdout_fraction, "n_bootstrap": cfg.n_bootstrap,
                            "n_permutations": cfg.n_permutations, "seed": cfg.seed, "dp_delta": cfg.dp_delta,
                            "out": str(cfg.out_dir)}
    out = [{**base, "kind": "tabular", "generator": g, "label": g} for g in cfg.generators]
    out += [{**base, "kind": "tabular", "generator": "gan", "dp_noise": float(s), "label": f"dp-gan-sigma{s:g}"}
            for s in cfg.dp_noise]
    if cfg.images:
        out.append({**base, "kind": "images", "image_steps": cfg.image_steps, "label": "digits"})
    return out


def run_job(config: dict[str, Any]) -> dict[str, Any]:
    return image_job(config) if config["kind"] == "images" else tabular_job(config)


def plot_tradeoff(df: Any, ax: Any = None):
    """MIA TPR at 1% FPR (privacy risk) against TSTR accuracy (utility), one point per
    generator with 95% intervals (bootstrap for the TPR, Clopper-Pearson for the accuracy on
    the holdout patients); into ``ax`` when given, else a new figure. Returns the figure.

    A TPR of 0 cannot sit on a log axis: it is drawn as a downward triangle at half a member
    (``0.5 / members``) and labelled "0/n". Labels give the true positives as "k/n members"."""
    from ...audit.exchange import binomial_ci
    from ...plotting import figure_and_axes

    fig, ax = figure_and_axes(ax, figsize=(9.5, 5))
    floor = 1e-3
    for _, r in df.iterrows():
        n_m = int(r["mia_members"]) if "mia_members" in r and r["mia_members"] == r["mia_members"] else None
        tpr = float(r["mia_tpr_at_1pct_fpr"])
        if n_m:
            floor = min(floor, 0.5 / n_m)
        y = max(tpr, 0.5 / n_m if n_m else floor)
        ci = r.get("mia_tpr_at_1pct_fpr_ci")
        yerr = None
        if isinstance(ci, (list, tuple)) and len(ci) == 2:
            lo, hi = max(ci[0], 0.5 / n_m if n_m else floor), max(ci[1], y)
            yerr = [[max(y - lo, 0)], [hi - y]]
        xerr = None
        if "tstr_n" in r and r["tstr_n"] == r["tstr_n"]:
            n_h = int(r["tstr_n"])
            lo, hi = binomial_ci(int(round(r["tstr_accuracy"] * n_h)), n_h)
            xerr = [[r["tstr_accuracy"] - lo], [hi - r["tstr_accuracy"]]]
        dp = str(r["label"]).startswith("dp-")
        marker = "v" if tpr == 0 else ("s" if dp else "o")
        hits = f"{int(round(tpr * n_m))}/{n_m}" if n_m else f"{tpr:.3f}"
        eps = r.get("epsilon")
        label = str(r["label"]) + (f", eps {eps:.0f}" if eps is not None and eps == eps else "") + f" ({hits})"
        # named in the legend, not next to the point: the generators crowd into one corner
        ax.errorbar(r["tstr_accuracy"], y, xerr=xerr, yerr=yerr, fmt=marker, ms=6, capsize=2, lw=1, label=label)
    ax.axhline(0.01, color="k", ls=":", lw=1, label="random guess (TPR = FPR = 1%)")
    if len(df):
        ax.axvline(float(df["trtr_accuracy"].iloc[0]), color="g", ls="--", lw=1, label="trained on real (TRTR)")
    ax.set_yscale("log")
    ax.set_ylim(floor / 1.5, 1.5)
    ax.margins(x=0.08)
    ax.set_xlabel("TSTR accuracy on real holdout patients (utility)")
    ax.set_ylabel("membership attack TPR at 1% FPR (risk)")
    ax.set_title("Privacy-fidelity trade-off (95% intervals)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
              title="generator (members found)", title_fontsize=8)
    if fig.get_layout_engine() is None:
        fig.set_layout_engine("constrained")  # keeps the legend beside the axes inside the figure
    return fig


def summarize(rows: list[dict[str, Any]], cfg: PrivacyConfig) -> PrivacyResult:
    """The tabular generators' audit figures (``results.csv``) and the digits audit."""
    failed = failed_rows(rows, lambda c: c["label"])
    if failed:
        raise RuntimeError(f"{len(failed)} privacy job(s) failed, first: {failed[0]}")
    table = pd.DataFrame([{"label": r["config"]["label"], **r["result"]} for r in rows if r["config"]["kind"] == "tabular"])
    out_dir = Path(cfg.out_dir)
    write_text(out_dir / "results.csv", table.to_csv(index=False))
    images = next((r["result"] for r in rows if r["config"]["kind"] == "images"), None)
    return PrivacyResult(out_dir=out_dir, table=table, images=images, config=cfg)


def figures(result: PrivacyResult) -> dict[str, Any]:
    """The trade-off plot and, with the digits GAN, a grid of its samples (PNG + SVG)."""
    from ...plotting import subplots

    figs = {"tradeoff": plot_tradeoff(result.table)}
    if result.images is not None:
        samples = np.load(result.out_dir / "synthetic" / "digits.npy")
        fig, axes = subplots(4, 8, figsize=(6, 3))
        for ax, im in zip(axes.ravel(), samples):
            ax.imshow(im, cmap="gray_r", vmin=0, vmax=1)
            ax.axis("off")
        figs["digits_samples"] = fig
    for name, fig in figs.items():
        save_figure(fig, result.out_dir / name)
    return figs


def report(result: PrivacyResult, figs: Mapping[str, Any]) -> Path:
    """``report.html``: the trade-off, the table, and the digits audit."""
    from ...report.html import HtmlReport

    rep = HtmlReport("Privacy study: synthetic patients", subtitle="breast cancer data, 569 patients")
    rep.add_text((__doc__ or "").split("\n\n", 1)[0].replace("\n", " "))
    rep.add_figure(figs["tradeoff"], caption="Risk vs utility per generator with 95% intervals (squares: DP-SGD; "
                   "triangles: no member identified, drawn at half a member; legend: identified members / members; "
                   "lower right is better)")
    if "epsilon" in result.table and result.table["epsilon"].notna().any():
        eps = result.table["epsilon"].dropna()
        rep.add_text(f"The DP-SGD runs have epsilon {eps.min():.0f}-{eps.max():.0f} (at delta "
                     f"{result.config.dp_delta:g}). Epsilon bounds how much one record can change the odds of any "
                     "conclusion, by a factor e^epsilon: above about 10 that factor exceeds 20,000, which is no "
                     "meaningful guarantee; the empirical attacks above are then the only evidence.", css_class="note")
    names = {"label": "generator", "memorisation": "memorisation", "fidelity": "fidelity",
             "mia_tpr_at_1pct_fpr": "attack TPR at 1% FPR", "mia_tpr_pvalue": "attack p-value",
             "mia_auc": "attack AUC", "tstr_accuracy": "TSTR accuracy", "exact_copies": "exact copies",
             "near_copy_share": "near-copy share", "mmd_pvalue": "MMD p-value", "epsilon": "DP epsilon"}
    keep = [c for c in names if c in result.table]
    rep.add_table(result.table[keep].rename(columns=names), caption="Audit figures per generator (every figure in results.csv; "
                  "per-generator reports in audits/<label>/report.html)")
    if result.images is not None:
        rep.add_heading("Images: conv GAN on 8x8 digits")
        rep.add_table(pd.DataFrame([{"space": k, **v} for k, v in result.images.items() if isinstance(v, dict)]),
                      caption="Audit on pixels and on encoder features")
        rep.add_figure(figs["digits_samples"], caption="Generated digits")
    return rep.save(result.out_dir / "report.html")


def run(config: Any = None, **overrides: Any) -> PrivacyResult:
    """Run the study (resumable: finished generators are read back from ``out_dir/results.jsonl``)."""
    from ...runner import run_jobs

    base = asdict(load_config(PrivacyConfig, config)) if config is not None else {}
    cfg = load_config(PrivacyConfig, {**base, **overrides})
    if cfg.dp_noise:
        from ...generative import require_opacus

        require_opacus()
    out_dir = Path(cfg.out_dir)
    start_run(out_dir, asdict(cfg), volatile=_VOLATILE, resume_changed=cfg.resume_changed)
    rows = run_jobs(run_job, jobs(cfg), out_dir, n_jobs=cfg.n_jobs, progress=cfg.verbose, desc="privacy")
    result = summarize(rows, cfg)
    report(result, figures(result))
    return result


def main(args: argparse.Namespace) -> int:
    res = run(config_from_args(args, PrivacyConfig))
    for r in res.table.to_dict(orient="records"):
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}))
    print(f"report: {res.out_dir / 'report.html'}")
    return 0
