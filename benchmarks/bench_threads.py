"""Neural estimate time on an idle machine and on one kept busy by another process.

Run: ``python benchmarks/bench_threads.py`` (``--n``, ``--epochs``, ``--repeat``).

One InfoNCE estimate (sparse 5+5 Gaussian, ``n`` samples, a fixed number of epochs: early
stopping is switched off so every run does the same work) is timed

- with infolens's default, ``estimate_mi(..., threads=None)``: one torch thread for a neural
  estimator (``infolens.torch_utils.SMALL_MODEL_THREADS``), and
- with torch's own default, one intra-op thread per core (``threads=os.cpu_count()``),

first with the machine as it is ("idle"), then while a second process keeps every core busy
(one spinning worker process per core, started by this script and stopped after). The
table gives the median wall time of ``--repeat`` runs and the ratio busy / idle per setting.
Target: the default's ratio is at most 2 (a busy machine must not make an estimate many
times slower). On a machine that other work already loads the "idle" column is not truly
idle; the ratios still come from the same run.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import statistics
import time

import numpy as np


def _spin(stop: "mp.synchronize.Event") -> None:  # pragma: no cover - runs in the load processes
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x += 1


class Load:
    """``n`` processes spinning on the CPU until the block ends."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __enter__(self) -> "Load":
        ctx = mp.get_context("spawn")
        self.stop = ctx.Event()
        self.procs = [ctx.Process(target=_spin, args=(self.stop,), daemon=True) for _ in range(self.n)]
        for p in self.procs:
            p.start()
        time.sleep(1.0)  # let the spinners reach the scheduler
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for p in self.procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()


def data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    y = rng.normal(size=(n, 5))
    y[:, :2] = 0.8 * x[:, :2] + math.sqrt(1 - 0.8**2) * y[:, :2]
    return x, y


def timed(x: np.ndarray, y: np.ndarray, threads: int | None, epochs: int, repeat: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (all threads of this process) per estimate."""
    import torch

    from infolens import estimate_mi

    before = torch.get_num_threads()
    times, cpu = [], []
    for r in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        estimate_mi(x, y, method="infonce", random_state=r, threads=threads, epochs=epochs, patience=10**6,
                    device="cpu", verbose=False)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    assert torch.get_num_threads() == before, "estimate_mi left torch's thread count changed"
    return statistics.median(times), statistics.median(cpu)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="samples (default 2000)")
    ap.add_argument("--epochs", type=int, default=4, help="training epochs per estimate (default 4)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per cell, median reported (default 3)")
    args = ap.parse_args()

    import torch

    from infolens.torch_utils import SMALL_MODEL_THREADS

    cores = os.cpu_count() or 1
    x, y = data(args.n)
    timed(x, y, None, 1, 1)  # warm-up: imports and first-call costs
    settings = [(f"infolens default ({SMALL_MODEL_THREADS} thread)", None),
                (f"torch default ({cores} threads)", cores)]
    idle = {name: timed(x, y, t, args.epochs, args.repeat) for name, t in settings}
    with Load(cores):
        busy = {name: timed(x, y, t, args.epochs, args.repeat) for name, t in settings}
    print(f"InfoNCE, n={args.n}, {args.epochs} epochs, median of {args.repeat}; torch {torch.__version__}, "
          f"{cores} cores; busy = {cores} spinning processes")
    print(f"{'setting':<32} {'idle s':>8} {'busy s':>8} {'busy/idle':>10} {'CPU s idle':>11} {'CPU s busy':>11}")
    for name, _ in settings:
        (wi, ci), (wb, cb) = idle[name], busy[name]
        print(f"{name:<32} {wi:>8.2f} {wb:>8.2f} {wb / wi:>10.2f} {ci:>11.2f} {cb:>11.2f}")
    default, torch_default = settings[0][0], settings[1][0]
    ratio = busy[default][0] / idle[default][0]
    print(f"target: default busy/idle <= 2 -> {ratio:.2f} ({'met' if ratio <= 2 else 'MISSED'}); on the busy machine "
          f"the default is {busy[torch_default][0] / busy[default][0]:.1f}x faster than torch's default")
    print(f"(one thread next to {cores} spinning ones gets at best {cores}/{cores + 1} of a core under fair "
          f"scheduling: a ratio of {(cores + 1) / cores:.2f} is the floor; other load raises it)")
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
