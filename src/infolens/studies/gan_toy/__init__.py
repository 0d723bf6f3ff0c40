"""GAN toy study: fit GAN / WGAN / WGAN-GP to a correlated 2-D Gaussian and to a ring of 8
Gaussians (2,000 training points), and measure the distance to the true distribution.

Figures per (distribution, generator): unbiased MMD^2 against fresh true samples with its
permutation p-value (the MMD^2 between two true samples is the noise floor); for the Gaussian,
the closed-form KL(N_fit || N_true) of a Gaussian fitted to the generated points, and the MI
I(X1;X2) of the generated points (KSG) against the true -1/2 log(1 - rho^2); for the ring,
the average true log-density of generated points (vs that of true points) and the modes
covered ("k/8"). MMD uses the multiscale kernel (a single median bandwidth cannot tell a diffuse
cloud from 8 tight modes). Each pair gets a verdict line: target reached (ring: >= 7/8 modes;
Gaussian: MI within 0.05 nats; MMD test not rejecting at 1%) or what was missed, with the
generator's own convergence line. Scatter plots of real vs generated, axes shared per distribution.
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
from ...validation import check_choice, check_positive_int, check_random_state
from ..config import failed_rows, load_config, start_run
from ..flags import config_from_args
from ..protocol import StudyConfig, StudyResult

DISTRIBUTIONS = ("gaussian", "ring")
RHO = 0.8
RING_MODES, RING_RADIUS, RING_SD = 8, 2.0, 0.05

@dataclass
class GanToyConfig(StudyConfig):
    """Settings of the GAN toy study (``run`` takes this, a dict or a YAML file with these keys)."""

    out_dir: str = "runs/gan-toy"
    """run folder (results.jsonl, samples/, results.csv, scatter.png, report.html)"""
    distributions: list[str] = field(default_factory=lambda: list(DISTRIBUTIONS))
    """toy targets: gaussian (correlation 0.8) and ring (8 Gaussians)"""
    losses: list[str] = field(default_factory=lambda: ["gan", "wgan", "wgan-gp"])
    """generator losses: gan, wgan, wgan-gp"""
    n_train: int = 2000
    """training points per distribution"""
    n_eval: int = 2000
    """generated and fresh true points that the distances are measured on"""
    n_steps: int = 2000
    """generator steps"""
    n_permutations: int = 200
    """permutations of the MMD test"""
    seed: int = 0
    """seed of the data, the generators and the tests"""
    n_jobs: int = 1
    """worker processes"""

    def validate(self) -> None:
        from ...generative.gan import LOSSES

        for d in self.distributions:
            check_choice(d, "distributions", DISTRIBUTIONS)
        for loss in self.losses:
            check_choice(loss, "losses", LOSSES)
        for key in ("n_train", "n_eval", "n_steps", "n_jobs"):
            check_positive_int(getattr(self, key), key)
        check_positive_int(self.n_permutations, "n_permutations", minimum=0)


Config = GanToyConfig


@dataclass
class GanToyResult(StudyResult):
    table: pd.DataFrame
    """one row per (distribution, loss): distances to the true distribution"""
    samples: dict[tuple[str, str], np.ndarray]
    """generated points per (distribution, loss)"""
    config: GanToyConfig
    """the configuration of the run"""


#: settings that do not change the numbers: they may differ when a run folder is resumed
_VOLATILE = ("out_dir", "n_jobs", "verbose", "resume_changed")


def sample_true(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw from the named toy distribution (unit-variance Gaussian with correlation RHO, or the ring)."""
    if name == "gaussian":
        return rng.multivariate_normal([0.0, 0.0], [[1.0, RHO], [RHO, 1.0]], size=n)
    if name == "ring":
        k = rng.integers(0, RING_MODES, n)
        ang = 2 * np.pi * k / RING_MODES
        return np.c_[RING_RADIUS * np.cos(ang), RING_RADIUS * np.sin(ang)] + RING_SD * rng.standard_normal((n, 2))
    raise ValueError(f"distribution must be one of {DISTRIBUTIONS}, got {name!r}")


def ring_logpdf(x: np.ndarray) -> np.ndarray:
    """Closed-form log density of the ring mixture (equal weights, isotropic components)."""
    from scipy.special import logsumexp

    ang = 2 * np.pi * np.arange(RING_MODES) / RING_MODES
    centers = RING_RADIUS * np.c_[np.cos(ang), np.sin(ang)]
    d2 = ((x[:, None, :] - centers[None]) ** 2).sum(-1)
    return logsumexp(-d2 / (2 * RING_SD**2), axis=1) - np.log(RING_MODES) - np.log(2 * np.pi * RING_SD**2)


def gaussian_kl(mu_q: np.ndarray, cov_q: np.ndarray, mu_p: np.ndarray, cov_p: np.ndarray) -> float:
    """KL(N(mu_q, cov_q) || N(mu_p, cov_p)) in nats, closed form."""
    d = len(mu_p)
    inv = np.linalg.inv(cov_p)
    diff = mu_p - mu_q
    return float(0.5 * (np.trace(inv @ cov_q) + diff @ inv @ diff - d
                        + np.log(np.linalg.det(cov_p) / np.linalg.det(cov_q))))


def run_job(config: dict[str, Any]) -> dict[str, Any]:
    """One (distribution, loss) pair: train, sample, measure; samples saved for the plots."""
    from ... import estimate_mi
    from ...audit import mmd_test
    from ...generative import GAN

    rng = np.random.default_rng([config["seed"], DISTRIBUTIONS.index(config["distribution"])])
    x_train = sample_true(config["distribution"], config["n_train"], rng)
    x_fresh = sample_true(config["distribution"], config["n_eval"], rng)
    x_fresh2 = sample_true(config["distribution"], config["n_eval"], rng)
    gan = GAN(config["loss"], n_steps=config["n_steps"], random_state=config["seed"], verbose=False).fit(x_train)
    x_gen = gan.sample(config["n_eval"], random_state=config["seed"] + 1)
    mmd = mmd_test(x_gen, x_fresh, n_permutations=config["n_permutations"], random_state=config["seed"], n_jobs=1)
    floor = mmd_test(x_fresh2, x_fresh, n_permutations=0, bandwidth=mmd.bandwidth, random_state=config["seed"], n_jobs=1)
    out: dict[str, Any] = {"mmd2": mmd.mmd2, "mmd_pvalue": mmd.p_value, "mmd2_true_vs_true": floor.mmd2,
                           "final_d_loss": gan.history_[-1]["d_loss"], "final_g_loss": gan.history_[-1]["g_loss"],
                           "losses_levelled": gan.convergence_["converged"]}
    if config["distribution"] == "gaussian":
        cov = np.array([[1.0, RHO], [RHO, 1.0]])
        out["kl_gaussian_fit"] = gaussian_kl(x_gen.mean(0), np.cov(x_gen, rowvar=False), np.zeros(2), cov)
        out["mi_true"] = float(-0.5 * np.log(1 - RHO**2))
        out["mi_generated_ksg"] = float(estimate_mi(x_gen[:, 0], x_gen[:, 1], method="ksg", warn=False, random_state=0).mi)
        out["mi_error"] = out["mi_generated_ksg"] - out["mi_true"]
    else:
        ang = 2 * np.pi * np.arange(RING_MODES) / RING_MODES
        centers = RING_RADIUS * np.c_[np.cos(ang), np.sin(ang)]
        d = np.sqrt(((x_gen[:, None, :] - centers[None]) ** 2).sum(-1))
        within = d.min(axis=1) < 3 * RING_SD           # inside 3 sd of its nearest mode
        counts = np.bincount(d.argmin(axis=1)[within], minlength=RING_MODES)
        # a mode counts as covered when it holds at least 20% of its share of the points
        out["modes_covered"] = int(np.sum(counts >= 0.2 * len(x_gen) / RING_MODES))
        out["loglik_generated"] = float(np.mean(ring_logpdf(x_gen)))
        out["loglik_true"] = float(np.mean(ring_logpdf(x_fresh)))
        out["modes"] = f"{out['modes_covered']}/{RING_MODES}"
    out.update(target_verdict(config["distribution"], out, gan.convergence_["line"]))
    path = Path(config["out"]) / "samples" / f"{config['distribution']}_{config['loss']}.npy"
    save_array(path, x_gen)
    out["samples"] = str(path)
    return out


#: targets a generator must reach on the toys: modes covered (ring), |MI error| in nats
#: (Gaussian; the KSG estimate from 2,000 points has sd ~0.02), and the MMD test not rejecting
MIN_MODES, MAX_MI_ERROR, MMD_ALPHA = 7, 0.05, 0.01


def target_verdict(distribution: str, out: dict[str, Any], training_line: str) -> dict[str, Any]:
    """``{"reached_target": bool, "verdict": str}``: what was missed (modes, MI, MMD) and the
    generator's own convergence line (:func:`infolens.generative.training_verdict`)."""
    missed = []
    if distribution == "ring" and out["modes_covered"] < MIN_MODES:
        missed.append(f"covers {out['modes']} modes (target >= {MIN_MODES}/{RING_MODES})")
    if distribution == "gaussian" and abs(out["mi_error"]) > MAX_MI_ERROR:
        missed.append(f"MI {out['mi_generated_ksg']:.3f} vs true {out['mi_true']:.3f} nats "
                      f"(error {out['mi_error']:+.3f}, target within {MAX_MI_ERROR})")
    if out["mmd_pvalue"] < MMD_ALPHA:
        missed.append(f"MMD test tells generated from true points (p = {out['mmd_pvalue']:.3g})")
    if missed:
        return {"reached_target": False, "verdict": "did not reach the target: " + "; ".join(missed)
                + f"; training: {training_line}"}
    what = (f"covers {out['modes']} modes" if distribution == "ring" else
            f"MI error {out['mi_error']:+.3f} nats")
    return {"reached_target": True, "verdict": f"reached the target: {what}, MMD p = {out['mmd_pvalue']:.3g}; "
                                               f"training: {training_line}"}


def jobs(cfg: GanToyConfig) -> list[dict[str, Any]]:
    """One job per (distribution, loss)."""
    return [{"distribution": d, "loss": loss, "n_train": cfg.n_train, "n_eval": cfg.n_eval, "n_steps": cfg.n_steps,
             "n_permutations": cfg.n_permutations, "seed": cfg.seed, "out": cfg.out_dir}
            for d in cfg.distributions for loss in cfg.losses]


def summarize(rows: list[dict[str, Any]], cfg: GanToyConfig) -> GanToyResult:
    """The table of distances (``results.csv``) and the generated points of every pair."""
    failed = failed_rows(rows, lambda c: f"gan-toy job {c['distribution']}/{c['loss']}")
    if failed:
        raise RuntimeError(f"{failed[0]} ({len(failed)} failed)")
    table = pd.DataFrame([{"distribution": r["config"]["distribution"], "loss": r["config"]["loss"], **r["result"]}
                          for r in rows])
    samples = {(r["config"]["distribution"], r["config"]["loss"]): np.load(r["result"]["samples"]) for r in rows}
    out_dir = Path(cfg.out_dir)
    write_text(out_dir / "results.csv", table.to_csv(index=False))
    return GanToyResult(out_dir=out_dir, table=table.drop(columns=["samples"]), samples=samples, config=cfg)


def figures(result: GanToyResult) -> dict[str, Any]:
    """True vs generated points, a panel per (distribution, loss), saved as ``scatter``."""
    from ...plotting import subplots

    cfg, df = result.config, result.table
    rng = check_random_state(cfg.seed)
    dists, losses = cfg.distributions, cfg.losses
    fig, axes = subplots(len(dists), len(losses), figsize=(3.4 * len(losses), 3.6 * len(dists)), squeeze=False,
                         layout="constrained")
    for i, d in enumerate(dists):
        real = sample_true(d, 1000, rng)
        # one square window per distribution, shared by its panels: the true points' range plus a margin
        half = 1.3 * float(np.quantile(np.abs(real), 0.995))
        for j, loss in enumerate(losses):
            ax = axes[i, j]
            gen = result.samples[(d, loss)][:1000]
            ax.scatter(real[:, 0], real[:, 1], s=3, alpha=0.4, label="true")
            ax.scatter(gen[:, 0], gen[:, 1], s=3, alpha=0.4, label="generated")
            row = df[(df.distribution == d) & (df.loss == loss)].iloc[0]
            extra = f"modes {row['modes']}" if d == "ring" else f"MI error {row['mi_error']:+.3f}"
            ax.set_title(f"{d} / {loss}\nMMD$^2$ {row['mmd2']:.2e}, {extra}", fontsize=9)
            ax.set_xlim(-half, half)
            ax.set_ylim(-half, half)
            ax.set_aspect("equal")
            ax.set_xlabel("$x_1$", fontsize=9)
            ax.set_ylabel("$x_2$", fontsize=9)
            ax.tick_params(labelsize=8)
            n_out = int(np.sum(np.any(np.abs(gen) > half, axis=1)))
            if n_out:
                ax.text(0.02, 0.02, f"{n_out} of {len(gen)} outside", transform=ax.transAxes, fontsize=8)
    axes[0, 0].legend(fontsize=7, markerscale=3)
    save_figure(fig, result.out_dir / "scatter")
    return {"scatter": fig}


def report(result: GanToyResult, figs: Mapping[str, Any]) -> Path:
    """``report.html``: what was measured, the scatter plots and the table."""
    from ...report.html import HtmlReport

    cfg = result.config
    rep = HtmlReport("GAN toy study", subtitle=f"{cfg.n_train} training points, {cfg.n_steps} generator steps")
    rep.add_text((__doc__ or "").split("\n\n", 1)[1].replace("\n", " "))
    for r in result.table.to_dict(orient="records"):
        rep.add_text(f"{r['distribution']} / {r['loss']}: {r['verdict']}", css_class="ok" if r["reached_target"] else "warn")
    rep.add_figure(figs["scatter"], caption="True (blue) vs generated (orange) points; axes shared per distribution")
    names = {"distribution": "distribution", "loss": "loss", "modes": "modes covered",
             "mi_generated_ksg": "MI of samples (KSG)", "mi_error": "MI error", "mmd2": "MMD^2",
             "mmd2_true_vs_true": "MMD^2 true vs true", "mmd_pvalue": "MMD p-value",
             "reached_target": "reached the target", "losses_levelled": "losses levelled off"}
    keep = [c for c in names if c in result.table]
    rep.add_table(result.table[keep].rename(columns=names), caption="Distance to the true distribution (the verdicts above; every "
                  "figure in results.csv)")
    return rep.save(result.out_dir / "report.html")


def run(config: Any = None, **overrides: Any) -> GanToyResult:
    """Run the study (resumable: finished pairs are read back from ``out_dir/results.jsonl``)."""
    from ...runner import run_jobs

    base = asdict(load_config(GanToyConfig, config)) if config is not None else {}
    cfg = load_config(GanToyConfig, {**base, **overrides})
    out_dir = Path(cfg.out_dir)
    start_run(out_dir, asdict(cfg), volatile=_VOLATILE, resume_changed=cfg.resume_changed)
    rows = run_jobs(run_job, jobs(cfg), out_dir, n_jobs=cfg.n_jobs, progress=cfg.verbose, desc="gan-toy")
    result = summarize(rows, cfg)
    report(result, figures(result))
    return result


def main(args: argparse.Namespace) -> int:
    res = run(config_from_args(args, GanToyConfig))
    for r in res.table.to_dict(orient="records"):
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items() if k != "verdict"}))
        print(f"  {r['distribution']} / {r['loss']}: {r['verdict']}")
    print(f"report: {res.out_dir / 'report.html'}")
    return 0
