"""Every study at its defaults: wall time, the seeds it ran, and whether its report reads well.

Run: ``python benchmarks/bench_studies.py [--out runs/bench-studies] [compression infomax ...]``
(set ``OMP_NUM_THREADS=1`` on a shared machine). Each study runs as ``infolens run NAME --out
OUT/NAME --quiet`` in a fresh folder (an existing one is removed first: a resumed run would time
nothing), one after the other; the table gives the wall time of the command, the seeds from the
run's ``config.json``, what the defaults ran (jobs, epochs, convergence where the study says),
and the findings of the legibility check of its ``report.html``
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


def main(argv: list[str] | None = None) -> int:
    from infolens.report.readability import check_html
    from infolens.studies import STUDIES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("studies", nargs="*", default=list(STUDIES), help=f"any of {', '.join(STUDIES)} (default: all)")
    ap.add_argument("--out", default="runs/bench-studies")
    args = ap.parse_args(argv)
    unknown = [s for s in args.studies if s not in STUDIES]
    if unknown:
        print(f"unknown study {', '.join(unknown)}; have {', '.join(STUDIES)}", file=sys.stderr)
        return 2
    exe = Path(sys.executable).with_name("infolens")
    cmd0 = [str(exe)] if exe.exists() else [sys.executable, "-m", "infolens"]
    rows, failed = [], 0
    print(f"cores: {os.cpu_count()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}", flush=True)
    for name in args.studies:
        out = Path(args.out) / name
        if out.exists():
            shutil.rmtree(out)
        t0 = time.perf_counter()
        proc = subprocess.run([*cmd0, "run", name, "--out", str(out), "--quiet"], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            failed += 1
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
            rows.append((name, "-", f"{wall:.0f}", f"FAILED (exit {proc.returncode}): {tail[0][:80]}", "-"))
            print(f"{name}: failed after {wall:.0f} s", flush=True)
            continue
        report = out / "report.html"
        findings = check_html(report.read_text(encoding="utf-8")) if report.exists() else ["no report.html"]
        failed += bool(findings)
        rows.append((name, ", ".join(map(str, _seeds(out))), f"{wall:.0f}", _what(name, out),
                     "legible" if not findings else f"{len(findings)} finding(s): {findings[0][:80]}"))
        print(f"{name}: {wall:.0f} s", flush=True)
    print("\n| study | seeds | wall s | what the defaults ran | report at 1,400 px |")
    print("|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
