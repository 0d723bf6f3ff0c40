"""Write the Beyond-Normal benchmark package's own samples of its 40 standard tasks to .npz files.

This script runs ONLY under a separate environment that has the benchmark's Python package
(PyPI ``benchmark-mi``, import name ``bmi``; it needs jax, so it is not a dependency of
infolens, and the script imports nothing from infolens). benchmark-mi 0.1.3 pins equinox 0.10,
which fails to import under jax 0.4.34 and later (``jax.core.pp_eqn_rules was removed``): pin jax
as below::

    python3 -m venv /work/bmi-venv && /work/bmi-venv/bin/pip install benchmark-mi "jax==0.4.30" "jaxlib==0.4.30"
    /work/bmi-venv/bin/python benchmarks/dump_bmi_samples.py --out DIR --n 5000 1000 --seeds 3

For every task of ``bmi.benchmark.BENCHMARK_TASKS`` (the 40-task list), every ``n`` and
seeds ``0 .. seeds-1`` it writes ``DIR/<task_id>__n<N>__s<seed>.npz`` holding ``x`` (n, dim_x),
``y`` (n, dim_y), ``mi`` (the task's true mutual information, nats) and ``task`` (its id),
sampled with the package's ``task.sample(n, seed=seed)``. Existing files are kept (resumable).
Read them back with ``python benchmarks/bench_trust.py --samples DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    from bmi.benchmark import BENCHMARK_TASKS

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="folder for the .npz files (created if missing)")
    p.add_argument("--n", type=int, nargs="+", default=[5000], help="sample sizes (default 5000)")
    p.add_argument("--seeds", type=int, default=3, help="seeds 0 .. seeds-1 (default 3)")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if len(BENCHMARK_TASKS) != 40:
        raise SystemExit(f"expected the 40-task benchmark list, the package has {len(BENCHMARK_TASKS)} tasks")
    written = 0
    for task_id, task in BENCHMARK_TASKS.items():
        truth = float(task.mutual_information)
        for n in args.n:
            for seed in range(args.seeds):
                path = out / f"{task_id}__n{n}__s{seed}.npz"
                if path.exists():
                    continue
                x, y = task.sample(n, seed=seed)
                x = np.asarray(x, dtype=np.float64).reshape(n, -1)
                y = np.asarray(y, dtype=np.float64).reshape(n, -1)
                np.savez(path, x=x, y=y, mi=np.float64(truth), task=np.str_(task_id))
                written += 1
    sys.stderr.write(f"{written} files written to {out} ({len(BENCHMARK_TASKS)} tasks)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
