"""GAN toy study: fit GAN / WGAN / WGAN-GP to a correlated 2-D Gaussian and to a ring of 8
Gaussians (2,000 training points), and measure the distance to the true distribution.

Figures per (distribution, generator): unbiased MMD^2 against fresh true samples with its
permutation p-value (the MMD^2 between two true samples is the noise floor); for the Gaussian,
the closed-form KL(N_fit || N_true) of a Gaussian fitted to the generated points, and the MI
I(X1;X2) of the generated points (KSG) against the true ``-1/2 log(1 - rho^2)``; for the ring,
the average true log-density of generated points (vs that of true points) and the number of
the 8 modes covered. Scatter plots of real vs generated.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..io import save_figure, write_text
from ..validation import check_random_state

DISTRIBUTIONS = ("gaussian", "ring")
RHO = 0.8
RING_MODES, RING_RADIUS, RING_SD = 8, 2.0, 0.05

DEFAULTS: dict[str, Any] = {
    "out": "runs/gan-toy",
    "distributions": list(DISTRIBUTIONS),
    "losses": ["gan", "wgan", "wgan-gp"],
    "n_train": 2000,
    "n_eval": 2000,
    "n_steps": 2000,
    "n_permutations": 200,
    "seed": 0,
    "n_jobs": 1,
    "verbose": True,
    "resume_changed": False,   # add a changed configuration's jobs to an out folder holding another run
}
#: settings that do not change the numbers: they may differ when a run folder is resumed
_VOLATILE = ("out", "n_jobs", "verbose", "resume_changed")


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


def toy_job(config: dict[str, Any]) -> dict[str, Any]:
    """One (distribution, loss) pair: train, sample, measure; samples saved for the plots."""
    from .. import estimate_mi
    from ..audit import mmd_test
    from ..generative import GAN

    rng = np.random.default_rng([config["seed"], DISTRIBUTIONS.index(config["distribution"])])
    x_train = sample_true(config["distribution"], config["n_train"], rng)
    x_fresh = sample_true(config["distribution"], config["n_eval"], rng)
    x_fresh2 = sample_true(config["distribution"], config["n_eval"], rng)
    gan = GAN(config["loss"], n_steps=config["n_steps"], random_state=config["seed"], verbose=False).fit(x_train)
    x_gen = gan.sample(config["n_eval"], random_state=config["seed"] + 1)
    mmd = mmd_test(x_gen, x_fresh, n_permutations=config["n_permutations"], random_state=config["seed"], n_jobs=1)
    floor = mmd_test(x_fresh2, x_fresh, n_permutations=0, bandwidth=mmd.bandwidth, random_state=config["seed"], n_jobs=1)
    out: dict[str, Any] = {"mmd2": mmd.mmd2, "mmd_pvalue": mmd.p_value, "mmd2_true_vs_true": floor.mmd2,
                           "final_d_loss": gan.history_[-1]["d_loss"], "final_g_loss": gan.history_[-1]["g_loss"]}
    if config["distribution"] == "gaussian":
        cov = np.array([[1.0, RHO], [RHO, 1.0]])
        out["kl_gaussian_fit"] = gaussian_kl(x_gen.mean(0), np.cov(x_gen, rowvar=False), np.zeros(2), cov)
        out["mi_true"] = float(-0.5 * np.log(1 - RHO**2))
        out["mi_generated_ksg"] = float(estimate_mi(x_gen[:, 0], x_gen[:, 1], method="ksg", random_state=0).mi)
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
    path = Path(config["out"]) / "samples" / f"{config['distribution']}_{config['loss']}.npy"
    from ..io import atomic_path

    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, x_gen)
    out["samples"] = str(path)
    return out


def run(config: dict[str, Any]) -> dict[str, Any]:
    """Run the study (resumable: finished pairs are read back from ``out/results.jsonl``)."""
    import pandas as pd

    from ..plotting import subplots
    from ..report.html import HtmlReport
    from ..runner import run_jobs

    from ..io import write_json
    from ._config import check_keys, check_run_folder

    check_keys(config, DEFAULTS, where="the gan-toy config")
    cfg = {**DEFAULTS, **config}
    for d in cfg["distributions"]:
        if d not in DISTRIBUTIONS:
            raise ValueError(f"distributions must be among {DISTRIBUTIONS}, got {d!r}")
    out = Path(cfg["out"])
    check_run_folder(out, cfg, ignore=_VOLATILE, resume_changed=bool(cfg["resume_changed"]))
    write_json(out / "config.json", cfg)
    jobs = [{"distribution": d, "loss": l, "n_train": cfg["n_train"], "n_eval": cfg["n_eval"],
             "n_steps": cfg["n_steps"], "n_permutations": cfg["n_permutations"], "seed": cfg["seed"], "out": str(out)}
            for d in cfg["distributions"] for l in cfg["losses"]]
    rows = run_jobs(toy_job, jobs, out, n_jobs=cfg["n_jobs"], progress=cfg["verbose"], desc="gan-toy")
    table = []
    for r in rows:
        if r["error"]:
            raise RuntimeError(f"gan-toy job {r['config']['distribution']}/{r['config']['loss']} failed: {r['error']}")
        table.append({"distribution": r["config"]["distribution"], "loss": r["config"]["loss"], **r["result"]})
    df = pd.DataFrame(table)
    write_text(out / "results.csv", df.to_csv(index=False))

    rng = check_random_state(cfg["seed"])
    dists, losses = cfg["distributions"], cfg["losses"]
    fig, axes = subplots(len(dists), len(losses), figsize=(3.2 * len(losses), 3.2 * len(dists)), squeeze=False)
    for i, d in enumerate(dists):
        real = sample_true(d, 1000, rng)
        for j, l in enumerate(losses):
            ax = axes[i, j]
            gen = np.load(df[(df.distribution == d) & (df.loss == l)]["samples"].iloc[0])[:1000]
            ax.scatter(real[:, 0], real[:, 1], s=3, alpha=0.4, label="true")
            ax.scatter(gen[:, 0], gen[:, 1], s=3, alpha=0.4, label="generated")
            mmd2 = float(df[(df.distribution == d) & (df.loss == l)]["mmd2"].iloc[0])
            ax.set_title(f"{d} / {l}\nMMD$^2$ {mmd2:.2e}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].legend(fontsize=7, markerscale=3)
    save_figure(fig, out / "scatter")
    rep = HtmlReport("GAN toy study", subtitle=f"{cfg['n_train']} training points, {cfg['n_steps']} generator steps")
    rep.add_text(__doc__.split("\n\n", 1)[1].replace("\n", " "))
    rep.add_figure(fig, caption="True (blue) vs generated (orange) points")
    rep.add_table(df.drop(columns=["samples"]), caption="Distance to the true distribution")
    rep.save(out / "report.html")
    return {"table": df.drop(columns=["samples"]).to_dict(orient="records"), "out": str(out)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default=DEFAULTS["out"])
    parser.add_argument("--distributions", default=",".join(DISTRIBUTIONS))
    parser.add_argument("--losses", default="gan,wgan,wgan-gp")
    parser.add_argument("--n-train", type=int, default=DEFAULTS["n_train"])
    parser.add_argument("--n-steps", type=int, default=DEFAULTS["n_steps"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--resume-changed", action="store_true",
                        help="add this run's jobs to an --out folder that holds a run with another configuration")


def main(args: argparse.Namespace) -> int:
    res = run({"out": args.out, "distributions": args.distributions.split(","), "losses": args.losses.split(","),
               "n_train": args.n_train, "n_steps": args.n_steps, "seed": args.seed, "n_jobs": args.n_jobs,
               "verbose": not args.quiet, "resume_changed": args.resume_changed})
    for r in res["table"]:
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}))
    print(f"report: {Path(res['out']) / 'report.html'}")
    return 0
