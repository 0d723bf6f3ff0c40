"""Reports: tidy tables, figures, and a static ``report.html``."""

from .html import HtmlReport
from .tables import estimator_label, summary_table, task_table, tidy_results, write_table

__all__ = ["HtmlReport", "tidy_results", "task_table", "summary_table", "write_table", "estimator_label",
           "write_bench_report"]


def write_bench_report(*args, **kwargs):
    """See :func:`infolens.report.bench.write_bench_report` (imported lazily: it pulls in the runner)."""
    from .bench import write_bench_report as _w

    return _w(*args, **kwargs)
