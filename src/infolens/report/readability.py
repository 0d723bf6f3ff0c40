"""Reports as a reader sees them: the checks that ``report.html`` reads well in a browser.

A figure's text is legible when it is at least :data:`MIN_TEXT_PX` CSS pixels tall on the page.
The page is :data:`PAGE_PX` wide; the report's body is at most :data:`CONTENT_PX` wide (the
``max-width`` of :mod:`infolens.report.html`'s style) and an image wider than that is shrunk to
fit (``img{max-width:100%}``). So a font of ``pt`` points in a PNG saved at ``dpi`` and
``width`` pixels shows at ``pt * dpi / 72 * min(1, CONTENT_PX / width)`` pixels: a wide
figure shrinks all of its text. Every PNG that :func:`infolens.io.save_figure` or
:meth:`HtmlReport.add_figure <infolens.report.html.HtmlReport.add_figure>` writes records its
smallest font size and dpi in a PNG text chunk (:func:`png_metadata`), so the check reads the
HTML alone (:func:`check_html`), as ``make check-reports`` and ``tools/screenshot_reports.py`` do.

The other checks: no raw backticks in the text (Markdown that was never rendered), headings in
words rather than file names (``max_mi_hist``), every table inside the scrolling wrapper that
keeps a wide table from running off the page.
"""

from __future__ import annotations

import base64
import html as _html
import io
import re
from pathlib import Path

from ..plotting import DPI_KEY, FONT_KEY, png_metadata, smallest_font_pt  # noqa: F401 (re-exported)

#: page width the reports are checked at (CSS pixels)
PAGE_PX = 1400
#: widest the report body gets (``body{max-width:1100px}`` in report/html.py); images shrink to it
CONTENT_PX = 1100
#: smallest legible text on the page, CSS pixels
MIN_TEXT_PX = 9.0
#: class of the element every table sits in (``overflow-x:auto``: a wide table scrolls, the page does not)
TABLE_WRAP = "table-wrap"


def displayed_text_px(font_pt: float, dpi: float, width_px: int, content_px: int = CONTENT_PX) -> float:
    """Height in CSS pixels of a ``font_pt`` font in a ``width_px``-wide PNG saved at ``dpi``, as
    shown in a body ``content_px`` wide (images wider than the body are shrunk to it)."""
    return font_pt * dpi / 72.0 * min(1.0, content_px / max(int(width_px), 1))


def check_figure_png(data: bytes, name: str = "figure") -> list[str]:
    """Findings for one embedded PNG: text under :data:`MIN_TEXT_PX` on the page, or no record of
    its font sizes (a PNG not written by infolens' figure savers)."""
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    info = getattr(im, "text", None) or im.info
    if FONT_KEY not in info:
        return [f"{name}: no font-size record in the PNG (save figures with infolens.io.save_figure or "
                "HtmlReport.add_figure)"]
    pt = float(info[FONT_KEY])
    if pt == float("inf"):
        return []
    dpi = float(info.get(DPI_KEY, (im.info.get("dpi") or (72.0,))[0]))
    px = displayed_text_px(pt, dpi, im.width)
    if px < MIN_TEXT_PX:
        shrink = min(1.0, CONTENT_PX / im.width)
        return [f"{name}: smallest text {px:.1f} px on a {PAGE_PX} px page (< {MIN_TEXT_PX:g}): a {pt:g} pt font at "
                f"{dpi:g} dpi in a {im.width} px wide image shown at {100 * shrink:.0f}%; use larger fonts or a "
                "narrower figure"]
    return []


_IMG = re.compile(r"<img\b[^>]*\bsrc=['\"]data:image/png;base64,([A-Za-z0-9+/=]+)['\"][^>]*>", re.S)
_ALT = re.compile(r"\balt=['\"]([^'\"]*)['\"]")
_HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.S)
_PRE = re.compile(r"<(pre|code|style|script)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
#: a heading that is a file or variable name: one token with an underscore, or ending in a file suffix
_TH = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
#: a column header that is a code identifier: words joined by underscores, no spaces
_RAW_COLUMN = re.compile(r"^[A-Za-z][\w.]*_[\w.]*$")
_RAW_NAME = re.compile(r"^\s*([\w.-]*_[\w.-]*|[\w-]+\.(png|svg|csv|json|html|npz|npy|pt))\s*$")


def check_html(text: str) -> list[str]:
    """Everything in a ``report.html`` that would read badly at :data:`PAGE_PX` px: figures whose
    text falls under :data:`MIN_TEXT_PX`, raw backticks, headings that are file names, table
    columns named by code identifiers (``mia_tpr_at_1pct_fpr``: no space to wrap at, so the
    column either forces the table wide or breaks mid-word), tables outside the scrolling
    wrapper. An empty list means the report passes."""
    findings = []
    for i, m in enumerate(_IMG.finditer(text), 1):
        alt = _ALT.search(m.group(0))
        name = f"figure {i}" + (f" ({_html.unescape(alt.group(1))[:50]})" if alt and alt.group(1) else "")
        try:
            findings += check_figure_png(base64.b64decode(m.group(1)), name)
        except (ValueError, OSError) as exc:
            findings.append(f"{name}: not a readable PNG ({exc})")
    prose = _PRE.sub(" ", _IMG.sub(" ", text))
    words = _html.unescape(_TAG.sub(" ", prose))
    for m in re.finditer(r"`", words):
        ctx = words[max(0, m.start() - 30):m.end() + 30].replace("\n", " ")
        findings.append(f"raw backtick in the text: ...{ctx.strip()}...")
        break  # one is enough to say it
    for m in _HEADING.finditer(prose):
        head = _html.unescape(_TAG.sub("", m.group(2))).strip()
        if _RAW_NAME.match(head):
            findings.append(f"heading {head!r} is a raw file name; say what the section shows")
    raw_cols = sorted({c for c in (_html.unescape(_TAG.sub("", h)).strip() for h in _TH.findall(prose))
                       if _RAW_COLUMN.match(c)})
    if raw_cols:
        findings.append(f"table column(s) named by raw identifiers ({', '.join(raw_cols[:6])}"
                        + (", ..." if len(raw_cols) > 6 else "") + "): name them in words")
    n_tables = len(re.findall(r"<table\b", prose))
    n_wrapped = len(re.findall(rf"<div class=['\"]{TABLE_WRAP}['\"]>\s*<table\b", prose))
    if n_tables > n_wrapped:
        findings.append(f"{n_tables - n_wrapped} of {n_tables} table(s) outside <div class='{TABLE_WRAP}'>: a wide "
                        "table would run off the page")
    return findings


def find_reports(folders: list[str]) -> list[Path]:
    """Every ``report.html`` under ``folders`` (missing folders skipped), sorted."""
    return sorted({p for f in folders if Path(f).exists() for p in Path(f).rglob("report.html")})


def check_reports(folders: list[str]) -> int:
    """Print the findings of :func:`check_html` for every report under ``folders``; returns
    how many reports have findings."""
    reports = find_reports(folders)
    bad = 0
    for rep in reports:
        found = check_html(rep.read_text(encoding="utf-8"))
        print(f"{'readable' if not found else 'NOT READABLE'}: {rep}")
        for f in found:
            print(f"    - {f}")
        bad += bool(found)
    if reports:
        print(f"{len(reports) - bad} of {len(reports)} report(s) pass the legibility check")
    return bad


def main(argv: list[str] | None = None) -> int:
    """``python -m infolens.report.readability FOLDER...``: check every report.html under the
    folders; exit 1 when any has findings."""
    import argparse

    ap = argparse.ArgumentParser(description="check report.html files for legibility at 1,400 px")
    ap.add_argument("folders", nargs="*", default=["runs"])
    args = ap.parse_args(argv)
    if not find_reports(args.folders):
        print("no report.html found")
        return 0
    return 1 if check_reports(args.folders) else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
