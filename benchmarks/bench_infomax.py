"""Deep InfoMax speed: the local bound (one batched call vs a loop over locations, the
reference), a DIM training step per encoder (relative to C), and the per-map MI of one
image (binning vs KSG). Run: ``python benchmarks/bench_infomax.py``.

Targets: the batched local bound at least 5x faster than the per-location loop (it is what
makes 96 x 96 maps affordable); it must give the same number (checked here too).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch


def _time(fn, repeat: int = 5) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    from infolens.infomax import DIMEncoder, DIMObjective
    from infolens.infomax.analysis import per_map_mi
    from infolens.infomax.objectives import get_bound, mean_bound_over_locations

    # one thread: the ratios are what matter, and on a shared machine OpenMP's spinning
    # threads make multi-threaded timings of small convolutions vary tenfold from run to run
    torch.set_num_threads(1)
    torch.manual_seed(0)
    rows = []
    ok = True
    scores = torch.randn(1024, 32, 32)
    for name in ("jsd", "infonce"):
        bound = get_bound(name)
        t_loop = _time(lambda: torch.stack([bound(s) for s in scores]).mean(), repeat=3)
        t_fast = _time(lambda: mean_bound_over_locations(name, scores))
        same = torch.allclose(mean_bound_over_locations(name, scores), torch.stack([bound(s) for s in scores]).mean(),
                              atol=1e-5)
        speedup = t_loop / t_fast
        ok &= same and speedup >= 5
        rows.append((f"local {name} bound, 1024 locations x 32^2", "loop over locations", t_loop, t_fast,
                     speedup, "ok" if same and speedup >= 5 else "MISS"))

    x = torch.rand(32, 1, 32, 32)
    step_times = {}
    for kind in "ABCD":
        torch.manual_seed(0)
        enc = DIMEncoder(kind, channels=16, depth=4, summary_dim=64)
        obj = DIMObjective(16, 64)
        opt = torch.optim.Adam(list(enc.parameters()) + obj.critic_parameters(), lr=1e-3)

        def step():
            m, y = enc(x)
            loss = obj(m, y)["loss"]
            opt.zero_grad()
            loss.backward()
            opt.step()

        step_times[kind] = _time(step, repeat=2)
    for kind in "ABCD":
        rows.append((f"DIM step, encoder {kind}, 32 x 32^2", "encoder C", step_times["C"], step_times[kind],
                     step_times["C"] / step_times[kind], ""))

    rng = np.random.default_rng(0)
    img = rng.random((32, 32))
    maps = rng.random((32, 32, 32))
    t_bin = _time(lambda: per_map_mi(img, maps, methods=("binning",)), repeat=2)
    t_ksg = _time(lambda: per_map_mi(img, maps, methods=("ksg",)), repeat=2)
    rows.append(("per-map MI, 32 maps of 32^2, binning", "KSG", t_ksg, t_bin, t_ksg / t_bin, ""))

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'case':44s} {'reference':20s} {'ref s':>9s} {'this s':>9s} {'speed-up':>9s}  target")
    for case, ref, tr, tt, sp, verdict in rows:
        print(f"{case:44s} {ref:20s} {tr:9.4f} {tt:9.4f} {sp:9.2f}  {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
