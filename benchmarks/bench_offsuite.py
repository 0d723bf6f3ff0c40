"""Does "ok" hold off the suite? method="auto" on the off-suite set of known-truth distributions.

Run: ``nice -n 10 python benchmarks/bench_offsuite.py --out runs/offsuite`` (``--set heldout``:
the held-out set of :mod:`infolens.distributions.offsuite`; ``--set composed``,
``composed-heldout``, ``composed-draw2``, ``composed-draw3``: draws 0-3 of 40 families from
:mod:`infolens.distributions.composed`'s grammar, which of them held out in which round said in
``infolens.distributions.offsuite.SETS``; ``--set all`` every set; resumable: rows
are appended to ``--out/rows.jsonl`` and a re-run skips them; ``--seeds 2``, ``--ids a,b``,
``--skip-images`` leaves out the 784-pixel image tasks, ``--budget fast``).

The set (:mod:`infolens.distributions.offsuite`): other copula families, joint mixtures,
non-invertible maps, discrete-continuous mixes, images against their label at five noise
levels, high MI, small samples, n from 200 to 20,000. Per row: the estimate, the truth, the
grade, the 95% interval and (below "ok") the range auto gives. Per set:

* ``within10``: share of estimates within ``max(10% of the truth, 0.02 nats)`` of it;
* ``MAE``: mean absolute error (nats);
* ``CI covers``: share of 95% intervals that contain the truth (goal >= 90%), and their
  median width relative to the estimate;
* ``ok>10% off``: among the estimates graded "ok", the share more than 10% off (goal <= 5%);
* ``range covers``: among those graded below "ok", the share whose range contains the truth;
* what auto states: the CI of the "ok" estimates and the range of the others, together.

``--no-run`` summarises the rows already in ``--out`` (of the ids and seeds asked for).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any


def run_one(task_id: str, seed: int, budget: str) -> dict[str, Any]:
    from infolens import estimate_mi
    from infolens.bench import auto_evidence
    from infolens.distributions.offsuite import offsuite_task

    sampler, n = offsuite_task(task_id)
    x, y = sampler.sample(n, random_state=seed)
    t0 = time.perf_counter()
    r = estimate_mi(x, y, random_state=seed, budget=budget, verbose=False, warn=False)
    d = r.diagnostics
    return {"id": task_id, "n": n, "seed": seed, "truth": sampler.mi, "estimate": r.mi, "stderr": r.stderr,
            "ci": None if r.ci is None else [float(r.ci[0]), float(r.ci[1])], "trust": d.get("trust"),
            "choice": (d.get("choice") or {}).get("method"), "range": d.get("range"), "codes": r.codes(),
            "seconds": time.perf_counter() - t0, "evidence": auto_evidence(d)}


def summarize(rows: list[dict[str, Any]]) -> dict[str, float]:
    """The per-set numbers of the module docstring."""
    def off(r: dict[str, Any], share: float) -> float:
        return abs(r["estimate"] - r["truth"]) > max(share * r["truth"], 0.02)

    def inside(iv: Any, t: float) -> bool:
        return iv is not None and iv[0] <= t <= (math.inf if iv[1] is None else iv[1])

    ok = [r for r in rows if r["trust"] == "ok"]
    below = [r for r in rows if r["trust"] != "ok"]
    return {
        "runs": len(rows),
        "within10": sum(not off(r, 0.10) for r in rows) / max(len(rows), 1),
        "mae": sum(abs(r["estimate"] - r["truth"]) for r in rows) / max(len(rows), 1),
        "ci_covers": sum(inside(r["ci"], r["truth"]) for r in rows) / max(len(rows), 1),
        "ok": len(ok),
        "ok_off10": sum(off(r, 0.10) for r in ok) / max(len(ok), 1),
        "below_ok": len(below),
        "range_covers": sum(inside(r["range"], r["truth"]) for r in below) / max(len(below), 1),
        "ok_ci_covers": sum(inside(r["ci"], r["truth"]) for r in ok) / max(len(ok), 1),
        "stated_covers": (sum(inside(r["ci"], r["truth"]) for r in ok) + sum(inside(r["range"], r["truth"]) for r in below))
        / max(len(rows), 1),
        "off25_not_warned": sum(off(r, 0.25) and not r["codes"] for r in rows),
        "ci_width": _median([(r["ci"][1] - r["ci"][0]) / abs(r["estimate"]) for r in rows
                             if r["ci"] is not None and r["estimate"] and math.isfinite(r["ci"][1] - r["ci"][0])]),
    }


def _median(v: list[float]) -> float:
    v = sorted(v)
    return math.nan if not v else 0.5 * (v[(len(v) - 1) // 2] + v[len(v) // 2])


def main(argv: list[str] | None = None) -> int:
    from infolens.distributions.offsuite import SETS, offsuite_ids

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=None, help="folder for rows.jsonl (resumable); default: no file")
    p.add_argument("--seeds", type=int, default=2)
    p.add_argument("--set", default="offsuite", choices=[*SETS, "all"],
                   help="which set: the off-suite set, the held-out set written after the rules (run once to check "
                        "them), the composed families (infolens.distributions.composed: draw 0 and 2 to look at, "
                        "draw 1 held out in round eleven, draw 3 from round twelve), or every set")
    p.add_argument("--ids", default=None, help="comma-separated subset of the set's ids (a composed family: its "
                                                 "prefix, c07)")
    p.add_argument("--skip-images", action="store_true", help="leave out the 784-pixel image tasks (the slowest)")
    p.add_argument("--budget", default="default", choices=["fast", "default", "thorough"])
    p.add_argument("--no-run", action="store_true", help="only summarise the rows already in --out")
    args = p.parse_args(argv)
    ids = offsuite_ids(args.set)
    if args.ids:
        wanted = args.ids.split(",")
        ids = [i for i in ids if i in wanted or i.split(":")[0] in wanted] or [
            i for i in offsuite_ids("all") if i in wanted]
    if args.skip_images:
        ids = [i for i in ids if not i.startswith("images")]
    path = Path(args.out) / "rows.jsonl" if args.out else None
    rows: list[dict[str, Any]] = []
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    done = {(r["id"], r["seed"]) for r in rows}
    for task_id in ids:
        for seed in range(args.seeds):
            if (task_id, seed) in done or args.no_run:
                continue
            row = run_one(task_id, seed, args.budget)
            rows.append(row)
            if path is not None:
                with path.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
    rows = [r for r in rows if r["id"] in ids and r["seed"] < args.seeds]
    print(f"{args.set} set: {len(ids)} distributions x {args.seeds} seeds, budget {args.budget}")
    w = max([26] + [len(r["id"]) for r in rows])
    print(f"{'id':{w}s} {'n':>6s} {'seed':>4s} {'truth':>7s} {'estimate':>8s} {'err%':>6s} {'trust':10s} {'choice':16s} "
          f"{'CI':>5s} {'range':>17s} {'s':>6s}")
    for r in rows:
        ci_ok = r["ci"] is not None and r["ci"][0] <= r["truth"] <= r["ci"][1]
        rng = "" if r["range"] is None else f"{r['range'][0]:.2f}..{r['range'][1]:.2f}"
        err = 100 * (r["estimate"] - r["truth"]) / r["truth"] if r["truth"] else float("nan")
        print(f"{r['id']:{w}s} {r['n']:6d} {r['seed']:4d} {r['truth']:7.3f} {r['estimate']:8.3f} {err:+6.0f} "
              f"{r['trust']:10s} {r['choice']:16s} {'yes' if ci_ok else 'no':>5s} {rng:>17s} {r['seconds']:6.1f}")
    s = summarize(rows)
    print(f"\nwithin10 {s['within10']:.0%}  MAE {s['mae']:.3f}  CI covers {s['ci_covers']:.0%} (median width "
          f"{s['ci_width']:.3f} of the estimate)  "
          f"ok: {s['ok']} runs, {s['ok_off10']:.0%} of them >10% off (goal <= 5%)  below ok: {s['below_ok']} runs, "
          f"range covers {s['range_covers']:.0%}  >25% off without a warning: {s['off25_not_warned']}")
    print(f"what auto states covers the truth: the CI of 'ok' estimates {s['ok_ci_covers']:.0%}, with the range of the "
          f"others {s['stated_covers']:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
