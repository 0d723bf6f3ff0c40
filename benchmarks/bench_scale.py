"""Estimates at every size: time, peak memory and error from N = 10^3 to 10^7, against
scikit-learn's ``mutual_info_regression`` timed on the same data in the same run.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_scale.py`` (``--quick``: N <= 10^5,
``--max-n 1e6``: stop there; larger N are extrapolated from the fitted growth, and say so).

Sections (``--only``):

* ``size``: for each estimator and N, wall and CPU seconds, peak resident memory (each
  point runs in its own process), error against the closed form, and the ratio to
  scikit-learn's ``mutual_info_regression`` (k = 3, on the same x and the first column of y:
  one scalar MI per x column, its own work; its time is the reference, so the ratios hold
  on a busy machine). Tasks: Gaussians 1+1 (rho 0.6, MI 0.223) and 5+5 (rho 0.58 per pair,
  MI 1.02). Then, per estimator, the growth exponent ``b`` of ``time ~ N^b`` fitted over
  N >= 10^4 (N log N reads as b ~ 1.05-1.1).
* ``interval``: KSG with its jackknife interval against the point estimate alone (the
  goal: <= 1.5x), 1+1 and 5+5.
* ``coverage``: the KSG jackknife interval over many seeds of Gaussians with closed-form MI
  (``--seeds``): coverage of the truth, against that of the symmetric interval
  ``mi +- Z95 se`` (the interval without the rise allowance) from the same estimates, the
  median widths of both, and the reported standard error over the spread of the estimates.
* ``stream``: a Parquet file of N rows x 10 columns written in row groups, then
  ``infolens estimate FILE --x-cols 0..4 --y-cols 5..9 -m infonce --epochs 1`` (and mmg) in a
  child process: the command's CPU seconds, the estimate's own seconds (one epoch plus the
  held-out read-outs), its steps and the child's peak memory (the goal: <= 2 GB at 10^7),
  with the growth exponent of the estimate's time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TASKS = {"1+1": (1, 0.6), "5+5": (5, 0.5794)}
#: (method, task, largest N by default, parameters)
PLAN = [
    ("ksg", "1+1", 10**7, {}),
    ("ksg", "5+5", 10**6, {}),
    ("gaussian-copula", "5+5", 10**7, {}),
    ("auto", "1+1", 10**7, {}),  # auto's checks run on at most 20,000-100,000 rows (issue 24 goal: <= 120 s)
    ("auto", "5+5", 10**6, {}),  # (goal: <= 60 s at 10^6)
    ("infonce", "5+5", 10**6, {"epochs": 1}),
    ("mmg", "5+5", 10**6, {"epochs": 1}),
]


def sample(task: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    d, rho = TASKS[task]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
    return x, y, -0.5 * d * math.log(1 - rho**2)


def one(method: str, task: str, n: int, params: dict) -> dict:
    """One measurement (run in a child process, so its peak memory is its own)."""
    import infolens

    from sklearn.feature_selection import mutual_info_regression

    kw = {"n_subsamples": 0} if params.pop("point", False) else {}
    if method in ("infonce", "mmg"):
        kw["verbose"] = False

    def run(x: np.ndarray, y: np.ndarray) -> tuple[float, float | None]:
        if method == "sklearn":
            return float(np.sum(mutual_info_regression(x, y[:, 0], n_neighbors=3, random_state=0))), None
        r = infolens.estimate_mi(x, y, method=method, random_state=0, warn=False, **params, **kw)
        return r.mi, r.stderr

    run(*sample(task, 300, seed=1)[:2])  # imports and first-call costs stay out of the timing
    x, y, truth = sample(task, n, seed=0)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0, c0 = time.perf_counter(), time.process_time()
    mi, se = run(x, y)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"wall": wall, "cpu": cpu, "mi": mi, "se": se, "truth": truth,
            "peak_gb": peak / 2**20, "input_gb": (x.nbytes + y.nbytes) / 2**30, "base_gb": base / 2**20}


def child(method: str, task: str, n: int, params: dict, timeout: float) -> dict | None:
    cmd = [sys.executable, __file__, "--one", json.dumps([method, task, n, params])]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        print(f"  {method} {task} N={n}: failed: {exc.stderr.strip().splitlines()[-1:]}", flush=True)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def growth(ns: list[int], ts: list[float]) -> float:
    """Slope of log(time) on log(N) over N >= 10^4 (all points when fewer than two are)."""
    pts = [(n, t) for n, t in zip(ns, ts) if n >= 10**4] or list(zip(ns, ts))
    if len(pts) < 2:
        return float("nan")
    a = np.log([p[0] for p in pts])
    b = np.log([p[1] for p in pts])
    return float(np.polyfit(a, b, 1)[0])


def sizes(lo: int, hi: int) -> list[int]:
    out, n = [], lo
    while n <= hi:
        out.append(n)
        n *= 10
    return out


def section_size(args: argparse.Namespace) -> None:
    print("\n== size: seconds (wall, CPU), peak GB, error, ratio to scikit-learn's mutual_info_regression "
          "on the same data ==")
    print(f"{'method':16s} {'task':4s} {'N':>9s} {'wall s':>8s} {'cpu s':>8s} {'peak GB':>7s} {'MI':>7s} "
          f"{'truth':>6s} {'err':>7s} {'sklearn s':>9s} {'ratio':>6s}")
    ref: dict[tuple[str, int], float] = {}
    for method, task, top, params in PLAN:
        if args.methods and method not in args.methods:
            continue
        top = min(top, args.max_n, 10**5 if args.quick else top)
        ns, ts = [], []
        for n in sizes(1000, top):
            if (task, n) not in ref and n <= args.sklearn_max_n:
                r = child("sklearn", task, n, {}, args.timeout)
                ref[(task, n)] = r["cpu"] if r else float("nan")
            r = child(method, task, n, dict(params), args.timeout)
            if r is None:
                print(f"{method:16s} {task:4s} {n:9d}  stopped after {args.timeout:.0f} s", flush=True)
                break
            sk, mark = ref.get((task, n), float("nan")), " "
            if not math.isfinite(sk):  # beyond --sklearn-max-n: its own fitted growth, marked ~
                known = sorted((m, t) for (tk, m), t in ref.items() if tk == task and math.isfinite(t))
                b = growth([m for m, _ in known], [t for _, t in known])
                if known and math.isfinite(b):
                    sk, mark = known[-1][1] * (n / known[-1][0]) ** b, "~"
            print(f"{method:16s} {task:4s} {n:9d} {r['wall']:8.2f} {r['cpu']:8.2f} {r['peak_gb']:7.2f} {r['mi']:7.3f} "
                  f"{r['truth']:6.3f} {r['mi'] - r['truth']:+7.3f} {mark}{sk:8.2f} {r['cpu'] / sk:6.2f}", flush=True)
            ns.append(n)
            ts.append(r["cpu"])
        b = growth(ns, ts)
        line = f"{method:16s} {task:4s} growth: CPU time ~ N^{b:.2f}"
        if ns and ns[-1] < 10**7 and math.isfinite(b):
            line += f"; extrapolated (not run) to N=10^7: {ts[-1] * (1e7 / ns[-1]) ** b:.0f} s CPU"
        print(line, flush=True)


def section_interval(args: argparse.Namespace) -> None:
    print("\n== interval: KSG with its jackknife interval over the point estimate alone (goal <= 1.5x) ==")
    print(f"{'task':4s} {'N':>9s} {'point cpu s':>11s} {'with interval':>13s} {'ratio':>6s} {'se':>8s}")
    top = min(args.max_n, 10**5 if args.quick else 10**7)
    for task, hi in (("1+1", top), ("5+5", min(top, 10**5))):
        for n in sizes(10**4, hi):
            p = child("ksg", task, n, {"point": True}, args.timeout)
            r = child("ksg", task, n, {}, args.timeout)
            if p is None or r is None:
                print(f"{task:4s} {n:9d}  stopped after {args.timeout:.0f} s", flush=True)
                break
            print(f"{task:4s} {n:9d} {p['cpu']:11.2f} {r['cpu']:13.2f} {r['cpu'] / p['cpu']:6.2f} {r['se']:8.5f}"
                  f"   peak {r['peak_gb']:.2f} GB", flush=True)


def section_coverage(args: argparse.Namespace) -> None:
    import infolens
    from infolens.stats import Z95

    print(f"\n== coverage: KSG jackknife 95% interval over {args.seeds} seeds (goal >= 0.94 where unbiased) ==")
    print("(sym: the symmetric interval mi +- Z95 se, the interval before the rise allowance, from the same "
          "estimates; width: median over seeds)")
    print(f"{'case':14s} {'n':>6s} {'truth':>6s} {'coverage':>8s} {'sym':>6s} {'width':>7s} {'sym':>7s} {'ratio':>6s} "
          f"{'se/sd':>6s} {'bias/sd':>7s}")
    cases = [(1, 0.0), (1, 0.6), (1, 0.9), (2, 0.6), (2, 0.9), (3, 0.5), (4, 0.5), (5, 0.3)]
    for n in (500, 2000, 10000) if not args.quick else (500, 2000):
        for d, rho in cases:
            if d >= 3 and n > 2000 and args.quick:
                continue
            mis, ses, hits, sym, width = [], [], 0, 0, []
            truth = -0.5 * d * math.log(1 - rho**2)
            for seed in range(args.seeds):
                rng = np.random.default_rng(seed)
                x = rng.standard_normal((n, d))
                y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((n, d))
                r = infolens.estimate_mi(x, y, method="ksg", random_state=seed, warn=False)
                mis.append(r.mi)
                ses.append(r.stderr)
                hits += r.ci[0] <= truth <= r.ci[1]
                sym += abs(r.mi - truth) <= Z95 * r.stderr
                width.append(r.ci[1] - r.ci[0])
            sd = float(np.std(mis, ddof=1))
            w, w0 = float(np.median(width)), float(np.median(2 * Z95 * np.array(ses)))
            print(f"{f'{d}+{d} rho={rho}':14s} {n:6d} {truth:6.3f} {hits / args.seeds:8.3f} {sym / args.seeds:6.3f} "
                  f"{w:7.4f} {w0:7.4f} {w / w0:6.2f} {np.mean(ses) / sd:6.2f} {(np.mean(mis) - truth) / sd:7.2f}",
                  flush=True)


def write_parquet(path: str, n: int, seed: int = 0, group: int = 10**6) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    d, rho = TASKS["5+5"]
    rng = np.random.default_rng(seed)
    writer = None
    for s in range(0, n, group):
        m = min(group, n - s)
        x = rng.standard_normal((m, d))
        y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal((m, d))
        table = pa.table({f"c{j}": np.r_["1", x, y][:, j] for j in range(2 * d)})
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def cli_child(argv: list[str]) -> dict:
    """``infolens estimate ARGV --json`` in this process: the result, and this process's CPU
    seconds and peak memory (the whole command: reading, spilling, training)."""
    import contextlib
    import io

    from infolens.cli import main as cli_main

    out = io.StringIO()
    c0 = time.process_time()
    with contextlib.redirect_stdout(out):
        rc = cli_main(["estimate", *argv, "--json"])
    return {"rc": rc, "result": json.loads(out.getvalue()), "cpu": time.process_time() - c0,
            "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}


def section_stream(args: argparse.Namespace) -> None:
    print("\n== stream: Parquet N x 10 through the CLI (infolens estimate FILE --x-cols 0..4 --y-cols 5..9), one "
          "epoch, each in its own process ==")
    print(f"{'method':8s} {'N':>9s} {'command cpu s':>13s} {'estimate s':>10s} {'steps':>6s} {'peak GB':>7s} {'MI':>7s}")
    top = min(args.max_n, 10**5 if args.quick else 10**7)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        for method in ("infonce", "mmg"):
            ns, ts = [], []
            for n in sizes(10**4, min(top, args.stream_max_n.get(method, top))):
                path = os.path.join(tmp, f"d{n}.parquet")
                if not os.path.exists(path):
                    write_parquet(path, n)
                argv = [path, "--x-cols", "0,1,2,3,4", "--y-cols", "5,6,7,8,9", "-m", method, "--epochs", "1",
                        "--no-progress"]
                if method == "mmg":
                    argv += ["-p", "eval_every=1000000"]
                cmd = [sys.executable, __file__, "--cli", json.dumps(argv)]
                try:
                    out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env, check=True)
                except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as exc:
                    print(f"{method:8s} {n:9d}  stopped: {type(exc).__name__}", flush=True)
                    break
                r = json.loads(out.stdout.strip().splitlines()[-1])
                res = r["result"]
                steps = res["diagnostics"].get("steps", "")
                print(f"{method:8s} {n:9d} {r['cpu']:13.1f} {res['seconds']:10.1f} {steps:>6} {r['peak_gb']:7.2f} "
                      f"{res['mi']:7.3f}", flush=True)
                ns.append(n)
                ts.append(res["seconds"])
            print(f"{method:8s} estimate time of one epoch ~ N^{growth(ns, ts):.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--one", help=argparse.SUPPRESS)
    p.add_argument("--cli", help=argparse.SUPPRESS)
    p.add_argument("--stream-max-n", default="mmg=1e6", help="per-method caps of the stream section, e.g. mmg=1e6")
    p.add_argument("--quick", action="store_true", help="N <= 10^5 (about 10 minutes on a busy 2-core machine)")
    p.add_argument("--max-n", type=float, default=1e7, help="largest N to run (larger ones are extrapolated)")
    p.add_argument("--sklearn-max-n", type=float, default=1e7, help="largest N to time scikit-learn on")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per measurement before it is stopped")
    p.add_argument("--methods", default="", help="comma-separated subset of the size section's methods")
    p.add_argument("--only", default="size,interval,coverage,stream", help="sections to run")
    p.add_argument("--seeds", type=int, default=100, help="seeds of the coverage section")
    args = p.parse_args(argv)
    if args.cli:
        print(json.dumps(cli_child(json.loads(args.cli))))
        return 0
    if args.one:
        method, task, n, params = json.loads(args.one)
        print(json.dumps(one(method, task, int(n), params)))
        return 0
    args.max_n = int(args.max_n)
    args.stream_max_n = {k: int(float(v)) for k, v in (kv.split("=") for kv in args.stream_max_n.split(",") if kv)}
    args.sklearn_max_n = int(args.sklearn_max_n)
    args.methods = [m for m in args.methods.split(",") if m]
    print(f"bench_scale: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    sections = {"size": section_size, "interval": section_interval, "coverage": section_coverage,
                "stream": section_stream}
    for name in args.only.split(","):
        sections[name](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
