"""How often does the canonical part of the copula model check reject a true Gaussian copula,
and how often does it see dependence the Gaussian copula misses?

Run: ``OMP_NUM_THREADS=1 nice -n 10 python benchmarks/bench_canonical.py`` (``--seeds 10``,
``--n 1000,5000``; about 10 minutes on a busy 2-core machine).

The check (:func:`infolens.estimators._copula_check.canonical_check`) is run exactly as
``method="auto"`` runs it on a Gaussian-looking copula: the model is the normal scores'
correlation matrix, the test one-sided at 2 combined errors. Two sets:

* **null**: Gaussian copulas (the check should pass): sparse (2 pairs at rho = 0.8), dense
  (the suite's dense form, every correlation 0.5), decaying (pair i at rho = 0.9 * 0.7^i) and independent, in
  3+3, 5+5, 10+10 and 25+25 dimensions, and high MI (y = x + s e: 5+5 at s = 0.1, 11.5 nats;
  10+10 at s = 0.3, 12.5 nats). Printed: the share rejected (goal: near the one-sided
  level, 2.3%; at most 5%), with a binomial 95% upper bound.
* **alternatives**: non-Gaussian dependence a Gaussian copula reads low, in more than 2+2
  dims: the suite's spiraled Gaussians (3+3, 5+5, 25+25, plain and of normal CDFs) and joint
  Gaussian clusters (5+5, 4 clusters; 2+2+... clusters of the off-suite set). Printed: the
  share rejected, and how far the Gaussian copula's closed form is from the truth there.

A rejection sends ``auto`` to its non-parametric readers and grades the answer below "ok";
a false rejection costs a "caution" on a Gaussian, a miss an "ok" that may be off.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings

import numpy as np


def gaussian_cases() -> list[tuple[str, object]]:
    from infolens.distributions.gaussian import MultiNormal

    out: list[tuple[str, object]] = []
    for d in (3, 5, 10, 25):
        for kind in ("sparse", "dense", "decaying", "independent"):
            cov = np.eye(2 * d)
            if kind == "sparse":
                for i in range(2):
                    cov[i, d + i] = cov[d + i, i] = 0.8
            elif kind == "dense":
                out.append((f"gauss-dense-{d}+{d}", MultiNormal.dense(d, d, 0.5)))
                continue
            elif kind == "decaying":
                for i in range(d):
                    cov[i, d + i] = cov[d + i, i] = 0.9 * 0.7**i
            out.append((f"gauss-{kind}-{d}+{d}", MultiNormal(d, d, cov)))
    for d, noise in ((5, 0.1), (10, 0.3)):
        # high MI: y = x + noise * e (11.5 and 12.5 nats), where KSG's bias is steep in rho
        cov = np.block([[np.eye(d), np.eye(d)], [np.eye(d), (1 + noise**2) * np.eye(d)]])
        out.append((f"gauss-high-mi-{d}+{d}-noise{noise}", MultiNormal(d, d, cov)))
    return out


def alternative_cases() -> list[tuple[str, object]]:
    from infolens.distributions import get_task
    from infolens.distributions.offsuite import offsuite_task

    out: list[tuple[str, object]] = []
    for t in ("spiral", "spiral-normal_cdf"):
        for d in (3, 5, 25):
            tid = f"{t}-multinormal-sparse-{d}-{d}-2-2.0"
            out.append((tid, get_task(tid)))
    out.append(("clusters-5d-4", offsuite_task("clusters-5d-4")[0]))
    return out


def run_case(sampler, n: int, seed: int) -> dict[str, float]:
    from infolens.estimators._copula_check import canonical_check
    from infolens.estimators._trust import normal_scores
    from infolens.estimators.gaussian import gaussian_mi

    x, y = sampler.sample(n, random_state=seed)
    zx, zy = normal_scores(np.asarray(x, float)), normal_scores(np.asarray(y, float))
    r = np.corrcoef(np.hstack([zx, zy]), rowvar=False)
    t0 = time.perf_counter()
    mc = canonical_check(r, math.inf, zx, zy, "gaussian-copula", seed)
    sec = time.perf_counter() - t0
    copula = float(gaussian_mi(zx, zy)[0])
    if mc is None:
        return {"ran": 0.0, "rejected": 0.0, "copula": copula, "seconds": sec}
    return {"ran": 1.0, "rejected": float(not mc.passed), "copula": copula, "seconds": sec,
            "z": (mc.ksg_data - mc.ksg_model) / max(math.hypot(mc.se_data, mc.se_model), 1e-12)}


def upper95(k: int, m: int) -> float:
    """Clopper-Pearson upper 95% bound of a share k / m."""
    from scipy.stats import beta

    return 1.0 if k >= m else float(beta.ppf(0.975, k + 1, m - k))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--n", default="1000,5000", help="comma-separated sample sizes")
    a = p.parse_args(argv)
    warnings.simplefilter("ignore")
    ns = [int(float(v)) for v in a.n.split(",")]
    print(f"canonical check, {a.seeds} seeds per row, n = {ns}")
    print(f"{'set':6s} {'case':44s} {'n':>6s} {'ran':>4s} {'rejected':>9s} {'median z':>9s} {'copula err':>11s} {'s/check':>8s}")
    totals: dict[str, list[int]] = {"null": [0, 0], "alternative": [0, 0]}
    for kind, cases in (("null", gaussian_cases()), ("alternative", alternative_cases())):
        for name, sampler in cases:
            truth = float(sampler.mi)
            for n in ns:
                rows = [run_case(sampler, n, s) for s in range(a.seeds)]
                ran = [r for r in rows if r["ran"]]
                rej = int(sum(r["rejected"] for r in ran))
                totals[kind][0] += rej
                totals[kind][1] += len(ran)
                z = float(np.median([r["z"] for r in ran])) if ran else math.nan
                err = float(np.mean([r["copula"] for r in rows])) - truth
                sec = float(np.median([r["seconds"] for r in rows]))
                print(f"{kind[:6]:6s} {name[:44]:44s} {n:6d} {len(ran):4d} {rej:4d}/{len(ran):<4d} {z:9.1f} "
                      f"{err:+11.3f} {sec:8.2f}", flush=True)
    k, m = totals["null"]
    print(f"null: rejected {k}/{m} = {k / max(m, 1):.1%} (95% upper bound {upper95(k, m):.1%}; goal <= 5%)")
    k, m = totals["alternative"]
    print(f"alternatives: rejected {k}/{m} = {k / max(m, 1):.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
