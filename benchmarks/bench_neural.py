"""Neural estimators: accuracy-in-time on the issue's case and training-step throughput.

Run: ``python benchmarks/bench_neural.py`` (``--seeds 3`` data sets, ``--threads 1``,
``--only rho|student|accuracy|throughput`` for one part).

0. 1+1 Gaussians at rho 0.9, 0.99, 0.999 (N = 10,000) for every score-based bound, and
   mine/infonce on the suite's Student-t tasks (heavy tails): honest or warned.

1. Sparse 5+5 Gaussian (two pairs with rho 0.8, I = 1.0217 nats), N = 5,000, CPU:
   ``estimate_mi(x, y, method="infonce" | "mine")`` with default parameters, estimate on
   the held-out test split. Target: |error| < 0.05 nats in under 10 s (2 cores), timed
   after a warm-up call that pays the one-off imports. One row
   per data seed: the test split has 1,000 rows, so each estimate has its own standard
   error of ~0.035 nats, and the 0.05 target is ~1.4 standard errors: expect a miss now
   and then even from a perfect critic (the "oracle" column is the InfoNCE bound of the
   true log density ratio on the same test rows, i.e. the best any critic can read).
2. Throughput (samples/s) of one training step (forward, backward, Adam) at batch 256 on
   the default separable critic, ours (``ScoreObjective.loss`` + the trainer's optimiser
   step) against a plain hand-written MINE step of the same size (same MLPs, DV with a
   moving average written inline). Ratio = ours / reference (1.0 = no overhead). On CUDA
   too when a GPU is present.

Timings on a shared machine vary; the ratios come from the same run.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

TRUTH = -2 * 0.5 * math.log(1 - 0.8**2)


def sparse_5_5(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    y = rng.normal(size=(n, 5))
    y[:, :2] = 0.8 * x[:, :2] + math.sqrt(1 - 0.8**2) * y[:, :2]
    return x, y


def oracle(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    """InfoNCE of the true log-ratio critic on the estimator's own test rows."""
    import torch

    from infolens.estimators.neural.data import split_indices
    from infolens.losses import infonce_bound

    _, _, te = split_indices(len(x), (0.6, 0.2, 0.2), np.random.default_rng(seed))
    a, b, r = x[te, None, :2], y[None, te, :2], 0.8
    s = (-0.5 * math.log(1 - r * r) - (a * a - 2 * r * a * b + b * b) / (2 * (1 - r * r)) + (a * a + b * b) / 2).sum(-1)
    return float(infonce_bound(torch.tensor(s)))


def accuracy_rows(seeds: int) -> tuple[list[tuple], bool]:
    from infolens import estimate_mi

    rows, ok = [], True
    # warm-up: the first call imports torch and every estimator module (seconds, once per process)
    estimate_mi(*sparse_5_5(100, 0), method="infonce", epochs=1, verbose=False)
    for seed in range(seeds):
        x, y = sparse_5_5(5000, seed)
        for method in ("infonce", "mine"):
            t0 = time.perf_counter()
            r = estimate_mi(x, y, method=method, random_state=0, verbose=False)
            sec = time.perf_counter() - t0
            err = abs(r.mi - TRUTH)
            passed = err < 0.05 and sec < 10
            ok &= passed
            rows.append((method, seed, sec, r.mi, r.stderr, oracle(x, y, r.diagnostics["seed"]), TRUTH, err,
                         "pass" if passed else "FAIL"))
    return rows, ok


RHO_METHODS = ("mine", "remine", "dv", "nwj", "smile", "infonce", "ccmi")


def rho_rows(rhos: tuple[float, ...], n: int = 10_000, seed: int = 0) -> list[tuple]:
    """1+1 Gaussians with correlation rho (I = -1/2 log(1 - rho^2)), N = 10,000, default
    parameters: estimate, stderr, truth, (estimate - truth) / stderr, seconds, how training
    stopped, and the warnings. Within 2 standard errors, or a warning, is the target."""
    from infolens import estimate_mi

    out = []
    for rho in rhos:
        rng = np.random.default_rng(seed)
        x = rng.normal(size=n)
        y = rho * x + math.sqrt(1 - rho**2) * rng.normal(size=n)
        truth = -0.5 * math.log(1 - rho**2)
        for method in RHO_METHODS:
            t0 = time.perf_counter()
            try:
                r = estimate_mi(x, y, method=method, random_state=seed, verbose=False)
            except Exception as exc:  # a refusal (TrainingDiverged) is an answer too: report it
                out.append((rho, method, float("nan"), float("nan"), truth, float("nan"), time.perf_counter() - t0,
                            type(exc).__name__, str(exc)[:60]))
                continue
            z = (r.mi - truth) / r.stderr if r.stderr else float("inf")
            ok = abs(z) <= 2 or bool(r.warnings)
            out.append((rho, method, r.mi, r.stderr, truth, z, time.perf_counter() - t0, r.diagnostics["stopped"][:10],
                        ("ok " if ok else "MISS ") + "; ".join(w[:50] for w in r.warnings)))
    return out


def student_rows(n: int = 5000, seeds: int = 1) -> list[tuple]:
    """The suite's Student-t tasks with mine and infonce: no estimate may lie below 0 beyond
    its error without a warning (they gave -148 nats before heavy tails were tamed)."""
    from infolens import estimate_mi
    from infolens.distributions import get_task

    out = []
    for tid in ("student-identity-1-1-1", "student-identity-2-2-1", "student-identity-2-2-2", "student-identity-3-3-2",
                "student-identity-3-3-3", "student-identity-5-5-2", "student-identity-5-5-3"):
        task = get_task(tid)
        for seed in range(seeds):
            x, y = task.sample(n, random_state=seed)
            for method in ("mine", "infonce"):
                t0 = time.perf_counter()
                r = estimate_mi(x, y, method=method, random_state=seed, verbose=False)
                bad = r.ci is not None and r.ci[1] < 0 and not r.warnings
                out.append((tid, seed, method, r.mi, r.stderr, task.mi, time.perf_counter() - t0, len(r.warnings),
                            "SILENT NEGATIVE" if bad else "ok"))
    return out


def _throughput(step, batch: int, device, seconds: float = 2.0) -> float:
    import torch

    for _ in range(5):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        n += 1
    if device.type == "cuda":
        torch.cuda.synchronize()
    return n * batch / (time.perf_counter() - t0)


def throughput_rows(device_name: str, batch: int = 256) -> list[tuple]:
    import torch
    from torch import nn

    from infolens.estimators.neural.objectives import ScoreObjective
    from infolens.losses import SeparableCritic

    device = torch.device(device_name)
    rng = np.random.default_rng(0)
    x, y = sparse_5_5(batch, 0)
    xb = torch.tensor(x, dtype=torch.float32, device=device)
    yb = torch.tensor(y, dtype=torch.float32, device=device)
    out = []
    for bound in ("infonce", "mine"):
        torch.manual_seed(0)
        critic = SeparableCritic(5, 5, embed_dim=32, hidden=64, layers=2, activation="elu").to(device)
        opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
        obj = ScoreObjective(bound, "infonce" if bound == "infonce" else "dv")

        def ours() -> None:
            loss, _ = obj.loss(critic, xb, yb, rng)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(critic.parameters(), 10.0)
            opt.step()

        out.append((f"{bound} step, ours", device_name, _throughput(ours, batch, device)))

    # reference: a plain MINE step written by hand, same two MLPs, no library code
    def branch() -> nn.Module:
        return nn.Sequential(nn.Linear(5, 64), nn.ELU(), nn.Linear(64, 64), nn.ELU(), nn.Linear(64, 32))

    torch.manual_seed(0)
    g, h = branch().to(device), branch().to(device)
    opt = torch.optim.Adam(list(g.parameters()) + list(h.parameters()), lr=1e-3)
    state = {"ma": None}
    off = ~torch.eye(batch, dtype=torch.bool, device=device)

    def reference() -> None:
        s = g(xb) @ h(yb).T
        joint = s.diagonal().mean()
        et = torch.exp(s[off]).mean()
        state["ma"] = et.detach() if state["ma"] is None else 0.99 * state["ma"] + 0.01 * et.detach()
        loss = -(joint - et / state["ma"])
        opt.zero_grad()
        loss.backward()
        opt.step()

    out.append(("mine step, hand-written reference", device_name, _throughput(reference, batch, device)))
    return out


def main(argv: list[str] | None = None) -> int:
    import torch

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3, help="data sets of the accuracy case (default 3)")
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (default 1: on a shared machine OpenMP's spinning threads make "
                        "multi-threaded timings vary tenfold; 0 keeps torch's default)")
    p.add_argument("--only", choices=("accuracy", "rho", "student", "throughput"), action="append",
                   help="run only these parts (repeatable; default: all)")
    args = p.parse_args(argv)
    parts = set(args.only or ("accuracy", "rho", "student", "throughput"))
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, CPU threads {torch.get_num_threads()}, CUDA: {torch.cuda.is_available()}")
    ok = True
    if "rho" in parts:
        print("\n1+1 Gaussians, N=10000, defaults: target |estimate - truth| <= 2 stderr, or a warning")
        print(f"{'rho':>6s} {'method':8s} {'estimate':>9s} {'stderr':>7s} {'truth':>7s} {'z':>7s} {'seconds':>8s} {'stopped':10s} result")
        for rho, m, est, se, tr, z, sec, stp, res in rho_rows((0.9, 0.99, 0.999)):
            print(f"{rho:6.3f} {m:8s} {est:9.4f} {se:7.4f} {tr:7.4f} {z:7.2f} {sec:8.2f} {stp:10s} {res}", flush=True)
            ok &= not res.startswith("MISS")
    if "student" in parts:
        print("\nStudent-t tasks of the suite, N=5000: no silent estimate below 0")
        print(f"{'task':24s} {'seed':>4s} {'method':8s} {'estimate':>9s} {'stderr':>7s} {'truth':>7s} {'seconds':>8s} {'warnings':>8s} result")
        for tid, seed, m, est, se, tr, sec, nw, res in student_rows():
            print(f"{tid:24s} {seed:4d} {m:8s} {est:9.4f} {se:7.4f} {tr:7.4f} {sec:8.2f} {nw:8d} {res}", flush=True)
            ok &= res == "ok"
    if "accuracy" not in parts and "throughput" not in parts:
        return 0 if ok else 1
    rows, acc_ok = accuracy_rows(args.seeds) if "accuracy" in parts else ([], True)
    ok &= acc_ok
    print("\nSparse 5+5 Gaussian, N=5000, CPU, target |error| < 0.05 nats in < 10 s")
    print(f"{'method':8s} {'seed':>4s} {'seconds':>8s} {'estimate':>9s} {'stderr':>7s} {'oracle':>7s} {'truth':>7s} {'|error|':>8s}  result")
    for m, s, sec, est, se, orc, tr, err, res in rows:
        print(f"{m:8s} {s:4d} {sec:8.2f} {est:9.4f} {se:7.4f} {orc:7.4f} {tr:7.4f} {err:8.4f}  {res}")

    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else []) if "throughput" in parts else []
    print("\nTraining-step throughput, batch 256, separable critic (2 x MLP 5-64-64-32)")
    print(f"{'step':36s} {'device':6s} {'samples/s':>11s} {'ratio vs reference':>19s}")
    for dev in devices:
        trows = throughput_rows(dev)
        ref = trows[-1][2]
        for name, d, sps in trows:
            print(f"{name:36s} {d:6s} {sps:11.0f} {sps / ref:19.2f}")
    print("\nall accuracy targets met" if ok else "\nsome accuracy targets missed (see rows marked FAIL)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
