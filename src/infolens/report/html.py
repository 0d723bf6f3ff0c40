"""A single static ``report.html``: figures embedded as base64 PNG, tables as HTML.
Opens in a browser with no server. Every study writes its report with this."""

from __future__ import annotations

import base64
import html
import io
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..io import write_text

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{border-bottom:2px solid #444;padding-bottom:.2em} h2{margin-top:1.6em;border-bottom:1px solid #ccc}
.table-wrap{max-width:100%;overflow-x:auto;margin:1em 0}
table{border-collapse:collapse;font-size:.9em} th,td{overflow-wrap:break-word} th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th{background:#f3f3f3} td:first-child,th:first-child{text-align:left}
img{max-width:100%;margin:.5em 0;border:1px solid #eee} .note{color:#555;font-size:.9em}
.ok{color:#176f2c;font-weight:bold} .warn{color:#a15c00;font-weight:bold} .bad{color:#b00020;font-weight:bold}
pre{background:#f7f7f7;padding:.8em;overflow-x:auto}
"""


class HtmlReport:
    """Build a report section by section, then :meth:`save` it atomically.

    >>> rep = HtmlReport("MI vs image size")
    >>> rep.add_text("...")
    >>> rep.add_figure(fig, caption="MI vs size")     # a matplotlib Figure or a PNG path
    >>> rep.add_table(df)                              # a pandas DataFrame
    >>> rep.save("runs/x/report.html")
    """

    def __init__(self, title: str, subtitle: str | None = None) -> None:
        self.title = title
        self.parts: list[str] = []
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        self.parts.append(f"<h1>{html.escape(title)}</h1>")
        self.parts.append(f"<p class='note'>{html.escape(subtitle or '')} generated {stamp} by infolens</p>")

    def add_heading(self, text: str, level: int = 2) -> "HtmlReport":
        self.parts.append(f"<h{level}>{html.escape(text)}</h{level}>")
        return self

    def add_text(self, text: str, css_class: str | None = None) -> "HtmlReport":
        cls = f" class='{css_class}'" if css_class else ""
        self.parts.append(f"<p{cls}>{html.escape(text)}</p>")
        return self

    def add_html(self, raw: str) -> "HtmlReport":
        """Raw HTML (the caller escapes anything user-provided)."""
        self.parts.append(raw)
        return self

    def add_code(self, text: str) -> "HtmlReport":
        self.parts.append(f"<pre>{html.escape(text)}</pre>")
        return self

    def add_figure(self, fig: Any, caption: str | None = None, dpi: int = 110) -> "HtmlReport":
        """Embed a matplotlib Figure or an existing PNG file."""
        if isinstance(fig, (str, os.PathLike)):
            data = Path(fig).read_bytes()
        else:
            from ..plotting import png_metadata

            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata=png_metadata(fig, dpi))
            data = buf.getvalue()
        b64 = base64.b64encode(data).decode("ascii")
        cap = f"<figcaption class='note'>{html.escape(caption)}</figcaption>" if caption else ""
        self.parts.append(f"<figure><img src='data:image/png;base64,{b64}' alt='{html.escape(caption or '')}'/>{cap}</figure>")
        return self

    def add_table(self, df: Any, caption: str | None = None, float_format: str = "{:.4g}", max_rows: int = 500) -> "HtmlReport":
        """Embed a pandas DataFrame (or anything ``pandas.DataFrame`` accepts). Column names are
        shown with spaces for underscores (``mia_tpr_pvalue`` -> ``mia tpr pvalue``): a header
        without spaces cannot wrap, so it would force the table wide or break mid-word."""
        import pandas as pd

        frame = df if isinstance(df, pd.DataFrame) else pd.DataFrame(df)
        frame = frame.rename(columns=lambda c: c.replace("_", " ") if isinstance(c, str) else c)
        if len(frame) > max_rows:
            frame = frame.head(max_rows)
            caption = (caption or "") + f" (first {max_rows} rows)"
        if caption:
            self.parts.append(f"<p class='note'>{html.escape(caption)}</p>")
        table = frame.to_html(index=False, float_format=lambda v: float_format.format(v), border=0, na_rep="-")
        # a wide table scrolls inside its wrapper instead of running off the page
        self.parts.append(f"<div class='table-wrap'>{table}</div>")
        return self

    def render(self) -> str:
        body = "\n".join(self.parts)
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head>"
            f"<body>{body}</body></html>\n"
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        return write_text(path, self.render())
