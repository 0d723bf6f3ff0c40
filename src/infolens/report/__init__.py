"""Reports: tidy tables, figures, and a static ``report.html``."""

from .html import HtmlReport

__all__ = ["HtmlReport"]
