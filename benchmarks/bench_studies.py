"""Every study at its defaults and with ``--thorough``: wall time, the seeds it ran, and whether its
report reads well.

Run: ``python benchmarks/bench_studies.py [--out runs/bench-studies] [--thorough infomax,...]
[compression infomax ...]`` (set ``OMP_NUM_THREADS=1`` on a shared machine). Each study runs as
``infolens run NAME --out OUT/NAME --quiet`` in a fresh folder (an existing one is removed first:
a resumed run would time nothing), one after the other, then, for the studies named by
``--thorough`` (default: all), again with ``--thorough`` in ``OUT/NAME-thorough`` (a study whose
``Config.THOROUGH`` is empty runs its full protocol by default and is not run twice; ``none``
skips them all). The defaults are meant to finish within 3 minutes on 2 cores: the table marks
each default run against that mark and gives the thorough/default ratio of the same machine's
run, with the load average before and after. A shared machine's load stretches the wall time but
hardly the CPU time (user + system of the command and its workers), so the CPU seconds are given
too: on 2 idle cores a compute-bound run with w parallel workers (``n_jobs`` of its config, at
most 2) takes about its CPU time / w, so a default run whose wall time a loaded machine stretched
past the mark is marked "yes (cpu / w workers = ... s)" when that estimate is within it.
For each run: the wall time of the command, the seeds from the run's ``config.json``, what it
ran (jobs, epochs, convergence where the study says), and the findings of the legibility check
of its ``report.html``
(:func:`infolens.report.readability.check_html`: text >= 9 px at 1,400 px page width, no raw
backticks, headings in words, tables in their wrapper). Exit 1 when a study fails or its report
has findings.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def _seeds(out: Path) -> list[int]:
    cfg = json.loads((out / "config.json").read_text())
    if "seeds" in cfg:
        return [int(s) for s in cfg["seeds"]]
    return [int(cfg.get("seed", 0))]


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes (and theirs) so far."""
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _what(name: str, out: Path) -> str:
    """A line on what the defaults ran, read from the run folder."""
    try:
        if name == "infomax":
            res = json.loads((out / "results.json").read_text())
            conv = res["convergence"]
            epochs = sorted({int(c["epochs"]) for c in conv})
            ok = sum(bool(c["converged"]) for c in conv)
            return (f"{len({c['encoder'] for c in conv})} encoders x {len(res['seeds'])} seeds, epochs trained "
                    f"{epochs[0]}-{epochs[-1]}, {ok}/{len(conv)} runs converged")
        lines = [line for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]
        return f"{len(lines)} jobs"
    except (OSError, KeyError, ValueError) as exc:
        return f"(could not read the run folder: {exc})"


#: the wall time the defaults of every study are meant to stay within on 2 cores (issue 26)
DEFAULT_BUDGET_S = 180.0


def _run_one(cmd0: list[str], name: str, out: Path, thorough: bool) -> tuple[tuple[str, ...], float | None, bool]:
    """Run one study in a fresh ``out``; the table row, the wall time (None when it failed), failed?"""
    from infolens.report.readability import check_html

    if out.exists():
        shutil.rmtree(out)
    label = f"{name} --thorough" if thorough else name
    t0, cpu0 = time.perf_counter(), _children_cpu()
    proc = subprocess.run([*cmd0, "run", name, "--out", str(out), "--quiet", *(["--thorough"] if thorough else [])],
                          capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
        print(f"{label}: failed after {wall:.0f} s", flush=True)
        return (label, "-", f"{wall:.0f}", f"{cpu:.0f}", "-", f"FAILED (exit {proc.returncode}): {tail[0][:80]}", "-"), None, True
    report = out / "report.html"
    findings = check_html(report.read_text(encoding="utf-8")) if report.exists() else ["no report.html"]
    # on 2 idle cores a compute-bound run of w parallel workers takes about cpu / w (w <= 2)
    workers = max(1, min(2, int(json.loads((out / "config.json").read_text()).get("n_jobs", 1))))
    mark = "-" if thorough else ("yes" if wall <= DEFAULT_BUDGET_S else
                                 f"yes (cpu / {workers} workers = {cpu / workers:.0f} s)" if cpu / workers <= DEFAULT_BUDGET_S
                                 else "NO")
    print(f"{label}: {wall:.0f} s wall, {cpu:.0f} s cpu", flush=True)
    return ((label, ", ".join(map(str, _seeds(out))), f"{wall:.0f}", f"{cpu:.0f}", mark, _what(name, out),
             "legible" if not findings else f"{len(findings)} finding(s): {findings[0][:80]}"), wall, bool(findings))


def main(argv: list[str] | None = None) -> int:
    import importlib

    from infolens.studies import STUDIES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("studies", nargs="*", default=list(STUDIES), help=f"any of {', '.join(STUDIES)} (default: all)")
    ap.add_argument("--out", default="runs/bench-studies")
    ap.add_argument("--thorough", default="all",
                    help="comma-separated studies to run again with --thorough; 'all' (default) or 'none'")
    args = ap.parse_args(argv)
    thorough = (list(args.studies) if args.thorough == "all" else [] if args.thorough == "none"
                else [t.strip() for t in args.thorough.split(",") if t.strip()])
    unknown = [s for s in [*args.studies, *thorough] if s not in STUDIES]
    if unknown:
        print(f"unknown study {', '.join(unknown)}; have {', '.join(STUDIES)}", file=sys.stderr)
        return 2
    exe = Path(sys.executable).with_name("infolens")
    cmd0 = [str(exe)] if exe.exists() else [sys.executable, "-m", "infolens"]
    rows, failed, walls = [], 0, {}
    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cores: {os.cpu_count()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}, "
          f"load average (1 min) {load0:.1f}", flush=True)
    for name in args.studies:
        row, wall, bad = _run_one(cmd0, name, Path(args.out) / name, thorough=False)
        rows.append(row)
        failed += bad
        walls[name] = wall
    for name in thorough:
        full = importlib.import_module(f"infolens.studies.{STUDIES[name]}").Config.THOROUGH
        if not full:
            rows.append((f"{name} --thorough", "-", "-", "-", "-", "= the defaults (the full protocol already)", "-"))
            continue
        row, wall, bad = _run_one(cmd0, name, Path(args.out) / f"{name}-thorough", thorough=True)
        settings = ", ".join(f"{k}={v}" for k, v in full.items())
        ratio = f"; {wall / walls[name]:.1f}x the defaults' wall time" if wall and walls.get(name) else ""
        rows.append((*row[:5], f"{row[5]} ({settings}{ratio})", row[6]))
        failed += bad
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average (1 min) before {load0:.1f}, after {load1:.1f}")
    print(f"\n| study | seeds | wall s | cpu s | defaults within {DEFAULT_BUDGET_S:.0f} s | what it ran | report at 1,400 px |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
