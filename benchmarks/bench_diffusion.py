"""Diffusion estimators (``minde``, ``mmg``) on the standard suite: accuracy, time, and
training throughput.

Run: ``python benchmarks/bench_diffusion.py`` (a subset of 8 of the 40 standard tasks,
N = 5,000, one seed, both estimators with default parameters: a few minutes on 2 cores),
``--all`` for all 40 tasks, ``--methods minde``, ``--seeds 3``, ``--n 1000``,
``--device cuda``, ``--only throughput``.

1. Accuracy: for each task, the estimate, the truth, the absolute error, whether the 95%
   interval covers the truth, the seconds of the estimate and the training throughput
   it reached; the mean absolute error (MAE) and median seconds per estimator at the end.
   Estimates run through ``estimate_mi`` (one torch thread: the library's default for
   small networks).
2. Throughput: samples per second of the training loop (forward, backward, Adam, the
   noise-level draws; validation excluded) at the default network and batch, for 5+5 and
   25+25 dimensions, on one CPU thread and, when torch sees a GPU, on CUDA.

Timings on a shared machine vary; the numbers here are wall times of this run.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

#: the default subset: one task per kind of difficulty, two at 25+25 (the budget case)
SUBSET = (
    "1v1-normal-0.75",
    "1v1-bimodal-0.75",
    "student-identity-2-2-2",
    "multinormal-sparse-5-5-2-2.0",
    "half_cube-multinormal-sparse-5-5-2-2.0",
    "spiral-multinormal-sparse-5-5-2-2.0",
    "multinormal-dense-25-25-0.5",
    "multinormal-sparse-25-25-2-2.0",
)


def accuracy(tasks: list[str], methods: list[str], n: int, seeds: int, device: str) -> None:
    import infolens
    from infolens.distributions import get_task

    print(f"\n1. accuracy, N = {n}, {seeds} seed(s), device={device}")
    head = f"{'task':48s} {'method':6s} {'estimate':>9s} {'stderr':>7s} {'truth':>7s} {'|err|':>7s} {'in CI':>5s} {'sec':>6s} {'samples/s':>10s} {'stop':>9s}"
    print(head)
    print("-" * len(head))
    rows: dict[str, list[tuple[float, float, bool, bool]]] = {m: [] for m in methods}
    for task_id in tasks:
        task = get_task(task_id)
        for seed in range(seeds):
            x, y = task.sample(n, seed)
            for m in methods:
                r = infolens.estimate_mi(x, y, method=m, random_state=seed, device=device)
                err = abs(r.mi - task.mi)
                cover = r.ci is not None and r.ci[0] <= task.mi <= r.ci[1]
                rows[m].append((err, r.seconds, cover, err <= 0.1 * task.mi))
                d = r.diagnostics
                stop = d.get("stopped", "")
                print(f"{task_id:48s} {m:6s} {r.mi:9.3f} {r.stderr:7.3f} {task.mi:7.3f} {err:7.3f} {'yes' if cover else 'no':>5s} "
                      f"{r.seconds:6.1f} {d.get('samples_per_s', float('nan')):10.0f} {stop:>9s}"
                      + (f"  {len(r.warnings)} warning(s): " + " | ".join(w[:60] for w in r.warnings) if r.warnings else ""),
                      flush=True)
    print()
    for m, v in rows.items():
        e = np.array([r[0] for r in v])
        s = np.array([r[1] for r in v])
        c = np.array([r[2] for r in v])
        w10 = np.array([r[3] for r in v])
        print(f"{m:6s} MAE {e.mean():.3f} nats over {len(v)} estimates; within 10% of truth {w10.sum()}/{len(v)}; "
              f"CI coverage {c.mean():.0%}; seconds per estimate median {np.median(s):.1f}, max {s.max():.1f}")


def throughput(device_names: list[str], steps: int = 60) -> None:
    import torch

    from infolens.estimators.diffusion.base import DiffusionEstimator
    from infolens.estimators.diffusion.nets import Denoiser
    from infolens.estimators.diffusion.schedule import LogisticProposal
    from infolens.torch_utils import threads

    p = DiffusionEstimator().get_params()
    hidden, layers, bs = p["hidden"], p["layers"], p["batch_size"]
    levels = LogisticProposal().sample
    print(f"\n2. training throughput (hidden={hidden}, layers={layers}, batch={bs}; CPU on 1 thread)")
    print(f"{'device':8s} {'dims':>7s} {'samples/s':>10s} {'ms/step':>8s}")
    for dev_name in device_names:
        dev = torch.device(dev_name)
        for d in (5, 25):
            with threads(1):
                rng = np.random.default_rng(0)
                net = Denoiser(d, d, hidden, layers).to(dev)
                opt = torch.optim.Adam(net.parameters(), lr=1e-3)
                a = torch.randn(4096, d, device=dev)
                c = torch.randn(4096, d, device=dev)

                def step() -> None:
                    idx = torch.as_tensor(rng.integers(0, 4096, bs), device=dev)
                    lam = torch.as_tensor(levels(rng.random(bs))[0], dtype=torch.float32, device=dev)
                    eps = torch.randn(bs, d, device=dev)
                    z = torch.sigmoid(lam).sqrt()[:, None] * a[idx] + torch.sigmoid(-lam).sqrt()[:, None] * eps
                    m = (torch.rand(bs, device=dev) < 0.5).float()
                    loss = ((net(z, lam, c[idx], m) - eps) ** 2).mean()
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()

                for _ in range(5):
                    step()
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
                for _ in range(steps):
                    step()
                if dev.type == "cuda":
                    torch.cuda.synchronize()
                dt = (time.perf_counter() - t0) / steps
            print(f"{dev_name:8s} {f'{d}+{d}':>7s} {bs / dt:10.0f} {dt * 1e3:8.2f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    from infolens.distributions import suite_task_ids

    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--all", action="store_true", help="all 40 standard tasks (default: a subset of 8)")
    p.add_argument("--tasks", default=None, help="comma-separated task ids instead of the subset")
    p.add_argument("--methods", default="minde,mmg", help="comma-separated (default minde,mmg)")
    p.add_argument("--n", type=int, default=5000, help="samples per task (default 5000)")
    p.add_argument("--seeds", type=int, default=1, help="data sets per task (default 1)")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")
    p.add_argument("--only", choices=("accuracy", "throughput"), default=None)
    a = p.parse_args(argv)
    tasks = list(suite_task_ids("standard")) if a.all else (a.tasks.split(",") if a.tasks else list(SUBSET))
    if a.only in (None, "accuracy"):
        accuracy(tasks, a.methods.split(","), a.n, a.seeds, a.device)
    if a.only in (None, "throughput"):
        import torch

        devs = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
        throughput(devs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
