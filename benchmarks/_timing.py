"""Timing helper shared by the benchmark scripts (each runs as ``python benchmarks/X.py``,
so this folder is on ``sys.path``)."""

from __future__ import annotations

import time


def best_time(fn, repeat: int) -> tuple[float, float, object]:
    """(best wall seconds, CPU seconds of that run (all threads of this process), result).
    On a machine shared with other work wall time overstates what idle cores need; CPU
    time does not depend on the load."""
    out, best, cpu = None, float("inf"), float("nan")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall = time.perf_counter() - t0
        if wall < best:
            best, cpu = wall, time.process_time() - c0
    return best, cpu, out
