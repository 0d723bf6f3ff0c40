"""Are the warnings where they should be? The standard suite, read for honesty.

Run: ``python benchmarks/bench_trust.py --out runs/trust`` (resumable; ``--seeds 3``,
``--n 5000``, ``--estimators ...``; default: every non-neural estimator of I(X;Y) plus
infonce and mine).

For every estimator, over all (task, seed) estimates of the 40 Beyond-Normal tasks:
``off25``: estimates more than 25% from the truth, and the share of them that carry at
least one warning (goal 100%); ``within10``: estimates within 10% of the truth, and the
share of them that carry a warning (goal < 20%: warnings must not be noise). Estimates
the estimator refused (an error) count as honest answers and are listed separately. For
``auto``: "off25 trust ok" (estimates more than 25% off graded "ok"; goal 0) and
"ok >10% off" (of the estimates graded "ok", how many are more than 10% off; goal <= 5%).
"CI covers": the share of 95% intervals that contain the truth (goal >= 90%); "CI width":
their median width relative to the estimate. "tasks within10": tasks whose mean estimate over
the seeds is within 10% of the truth.

``--samples DIR`` runs the estimators on saved samples instead of infolens' own sampling of
the tasks: every ``DIR/<task_id>__n<N>__s<seed>.npz`` holding ``x``, ``y`` and the true ``mi``
(nats), such as the Beyond-Normal package's own samples written by
``benchmarks/dump_bmi_samples.py`` (``--n`` and ``--seeds`` then select among the files).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

_SAMPLE_NAME = re.compile(r"^(?P<task>.+)__n(?P<n>[0-9]+)__s(?P<seed>[0-9]+)\.npz$")


def read_samples(path: str | Path) -> dict:
    """One saved sample: ``{"task", "n", "seed", "x", "y", "mi"}`` from
    ``<task_id>__n<N>__s<seed>.npz`` (arrays ``x``, ``y`` with n rows; ``mi`` the truth in nats)."""
    path = Path(path)
    m = _SAMPLE_NAME.match(path.name)
    if m is None:
        raise ValueError(f"samples file {path.name!r}: name it <task_id>__n<N>__s<seed>.npz")
    with np.load(path, allow_pickle=False) as d:
        missing = {"x", "y", "mi"} - set(d.files)
        if missing:
            raise ValueError(f"samples file {path.name!r} lacks {sorted(missing)}; write x, y and mi (nats)")
        x, y, mi = np.asarray(d["x"], dtype=float), np.asarray(d["y"], dtype=float), float(d["mi"])
    x, y = (x.reshape(len(x), -1), y.reshape(len(y), -1))
    n = int(m["n"])
    if len(x) != n or len(y) != n:
        raise ValueError(f"samples file {path.name!r}: x has {len(x)} rows, y {len(y)}, the name says n={n}")
    return {"task": m["task"], "n": n, "seed": int(m["seed"]), "x": x, "y": y, "mi": mi}


def sample_configs(folder: str | Path, estimators: list[str], n: int | None, seeds: int) -> list[dict]:
    """Job configs for every sample file in ``folder`` with that ``n`` (None: any) and seed < ``seeds``."""
    configs = []
    for f in sorted(Path(folder).glob("*.npz")):
        m = _SAMPLE_NAME.match(f.name)
        if m is None or (n is not None and int(m["n"]) != n) or int(m["seed"]) >= seeds:
            continue
        configs += [{"task": m["task"], "estimator": e, "n": int(m["n"]), "seed": int(m["seed"]),
                     "file": str(f.resolve())} for e in estimators]
    if not configs:
        raise ValueError(f"samples: no <task_id>__n<N>__s<seed>.npz in {folder} with n={n}, seed < {seeds}; "
                         "write them with benchmarks/dump_bmi_samples.py or pass the right --n")
    return configs


def samples_job(config: dict) -> dict:
    """One job on a saved sample: the record of ``infolens.bench.bench_job``."""
    import time

    from infolens.bench import estimate_record

    t0 = time.perf_counter()
    s = read_samples(config["file"])
    return estimate_record(config, s["x"], s["y"], s["mi"], (s["x"].shape[1], s["y"].shape[1]), time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> int:
    from infolens.bench import nonparametric_estimators, run_bench
    from infolens.report import tidy_results
    from infolens.runner import read_rows, run_jobs

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=None, help="run folder (kept and resumable); default: a temporary one")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--n", type=int, default=None, help="sample size (default 5000; with --samples: every n)")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--estimators", default=None, help="comma-separated (default: non-neural + infonce,mine)")
    p.add_argument("--samples", default=None, help="folder of <task_id>__n<N>__s<seed>.npz samples to run on")
    args = p.parse_args(argv)
    ests = args.estimators.split(",") if args.estimators else nonparametric_estimators() + ["infonce", "mine"]
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="trust-"))
    if args.samples:
        run_jobs(samples_job, sample_configs(args.samples, ests, args.n, args.seeds), out, n_jobs=args.jobs, progress=False)
    else:
        args.n = args.n or 5000
        run_bench(out, suite="standard", estimators=ests, n=[args.n], seeds=args.seeds, n_jobs=args.jobs,
                  progress=False, report=False)
    rows = read_rows(out)
    tidy = tidy_results(rows)
    width = _widths(rows)
    source = f"samples {args.samples}" if args.samples else "standard suite"
    print(f"{source}, n = {args.n or 'all'}, {args.seeds} seeds; run folder {out}")
    print(f"{'estimator':16s} {'done':>5s} {'refused':>7s} {'off25':>6s} {'warned':>7s} {'within10':>8s} {'warned':>7s} "
          f"{'MAE':>7s} {'CI covers':>9s} {'CI width':>8s} {'off25 trust ok':>14s} {'ok >10% off':>11s} {'tasks within10':>14s}")
    tot = np.zeros(4)
    for est, g in tidy.groupby("estimator", sort=True):
        ok = g[g["error"].isna() & g["estimate"].notna()]
        rel = (ok["estimate"] - ok["truth"]).abs() / ok["truth"]
        off, within = ok[rel > 0.25], ok[rel <= 0.10]
        w_off = int((off["n_warnings"] > 0).sum())
        w_in = int((within["n_warnings"] > 0).sum())
        tot += [len(off), w_off, len(within), w_in]
        cov = ok["covers"].dropna()
        trust_ok = str(int((off["trust"] == "ok").sum())) if ok["trust"].notna().any() else "-"
        graded_ok = ok[ok["trust"] == "ok"]
        ok_off10 = f"{int((rel[graded_ok.index] > 0.10).sum())}/{len(graded_ok)}" if len(graded_ok) else "-"
        means = ok.groupby(["task", "n"])[["estimate", "truth"]].mean()
        tasks10 = f"{int(((means['estimate'] - means['truth']).abs() <= 0.10 * means['truth']).sum())}/{len(means)}"
        print(f"{est:16s} {len(ok):5d} {len(g) - len(ok):7d} {len(off):6d} {w_off / max(len(off), 1):7.0%} "
              f"{len(within):8d} {w_in / max(len(within), 1):7.0%} {ok['abs_error'].mean():7.3f} "
              f"{(cov == True).mean() if len(cov) else float('nan'):9.0%} {width.get(est, float('nan')):8.3f} "  # noqa: E712
              f"{trust_ok:>14s} {ok_off10:>11s} {tasks10:>14s}")
    print(f"{'all':16s} {'':5s} {'':7s} {int(tot[0]):6d} {tot[1] / max(tot[0], 1):7.0%} {int(tot[2]):8d} {tot[3] / max(tot[2], 1):7.0%}")
    print("goal: warned share 100% of off25, < 20% of within10")
    missed = tidy[tidy["error"].isna() & ((tidy["estimate"] - tidy["truth"]).abs() > 0.25 * tidy["truth"]) & (tidy["n_warnings"] == 0)]
    if len(missed):
        print("\nmore than 25% off without a warning:")
        for _, r in missed.iterrows():
            print(f"  {r['estimator']:14s} {r['task']:44s} seed {r['seed']}: {r['estimate']:.3f} (truth {r['truth']:.3f})")
    return 0


def _widths(rows: list[dict]) -> dict[str, float]:
    """Per estimator, the median width of the finite 95% intervals relative to the estimate
    (intervals that cover because they are wide are no use: the "CI width" column)."""
    out: dict[str, list[float]] = {}
    for r in {r["hash"]: r for r in rows}.values():
        res, est = r.get("result") or {}, (r.get("config") or {}).get("estimator")
        ci, mi = res.get("ci"), res.get("estimate")
        if est is None or ci is None or mi is None or not np.all(np.isfinite(ci)) or mi == 0:
            continue
        out.setdefault(est, []).append((ci[1] - ci[0]) / abs(mi))
    return {k: float(np.median(v)) for k, v in out.items()}


if __name__ == "__main__":
    sys.exit(main())
