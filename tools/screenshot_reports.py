"""Screenshot every ``report.html`` under the given folders as a reader sees it: headless
Chromium at 1,400 px page width, one PNG per report next to it (``report.png``).

Run through ``make screenshots`` (which installs Debian's ``chromium`` package when it is
missing and can be installed) or ``python tools/screenshot_reports.py runs/``. Without a
Chromium binary it says so and exits 0, so the target skips cleanly on machines without one.

Every report is also checked as a reader sees it (``infolens.report.readability.check_html``):
figure text at least 9 px on a 1,400 px page (from the font sizes and dpi each PNG records and
the shrink of images wider than the body), no raw backticks, headings in words rather than file
names, tables inside their scrolling wrapper. Findings are printed and make the exit status 1;
``--check-only`` runs the check without Chromium (``make check-reports``).

Chromium screenshots the window, not the page: the window is made ``--height`` tall (default
12,000 px) and the blank space below the page is cut off (Pillow), so long reports are whole.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BINARIES = ("chromium", "chromium-browser", "google-chrome", "chrome")
WIDTH = 1400


def find_chromium() -> str | None:
    for name in BINARIES:
        path = shutil.which(name)
        if path:
            return path
    return None


def trim_bottom(png: Path) -> tuple[int, int]:
    """Cut uniform background rows off the bottom of ``png`` in place; returns the new size."""
    from PIL import Image, ImageChops

    im = Image.open(png).convert("RGB")
    bg = Image.new("RGB", im.size, im.getpixel((im.width - 1, im.height - 1)))
    box = ImageChops.difference(im, bg).getbbox()
    if box:
        im = im.crop((0, 0, im.width, min(im.height, box[3] + 20)))
    im.save(png)
    return im.size


def screenshot(chromium: str, report: Path, height: int, timeout: float) -> Path:
    out = report.with_suffix(".png")
    with tempfile.TemporaryDirectory() as profile:
        tmp = Path(profile) / "shot.png"
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               f"--user-data-dir={profile}", f"--window-size={WIDTH},{height}", f"--screenshot={tmp}",
               report.resolve().as_uri()]
        subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
        trim_bottom(tmp)
        shutil.move(str(tmp), out)      # the finished file only, never a half-written one
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", default=["runs"], help="folders searched for report.html (default: runs)")
    ap.add_argument("--height", type=int, default=12_000, help="window height in px (longer pages are cut)")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per report")
    ap.add_argument("--check-only", action="store_true", help="only check the reports' legibility (no Chromium)")
    args = ap.parse_args(argv)
    from infolens.report.readability import check_reports, find_reports

    bad = check_reports(args.folders)
    if args.check_only:
        return 1 if bad else 0
    chromium = find_chromium()
    if chromium is None:
        print("screenshots skipped: no Chromium binary (" + ", ".join(BINARIES) + ") on PATH; "
              "on Debian: apt-get install chromium")
        return 1 if bad else 0
    reports = find_reports(args.folders)
    if not reports:
        print(f"no report.html under {', '.join(args.folders)}; run a study first (e.g. infolens run gan-toy)")
        return 0
    failed = 0
    for rep in reports:
        try:
            out = screenshot(chromium, rep, args.height, args.timeout)
            print(f"{out}")
        except (subprocess.SubprocessError, OSError) as exc:
            failed += 1
            print(f"{rep}: screenshot failed: {exc}", file=sys.stderr)
    return 1 if failed or bad else 0



if __name__ == "__main__":
    sys.exit(main())
