"""The audit's files: ``report.html`` (headline verdict, checks in words, tables, plots),
``audit.json`` (every figure) and the plots as PNG+SVG.

This module takes the audit result by its attributes (``metrics``, ``attacks``, ``columns``,
``arrays``, ``summary()``, ``verdict()``) and imports nothing from :mod:`.core`, so the two
modules do not import each other. Figures use matplotlib's object API (no global backend).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..io import save_figure, write_json
from ..report.html import HtmlReport
from .roc import plot_roc_loglog

_STATUS_CLASS = {"passed": "ok", "warning": "warn", "at risk": "bad"}


def plot_dcr(result: Any, ax: Any = None):
    """Distance to the closest training row: synthetic rows against holdout (real, unseen)
    rows, on one axis with the near-copy and near-real thresholds marked."""
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(6, 4), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    a, m = result.arrays, result.metrics
    both = np.r_[a["dcr_train"], a["dcr_holdout_to_train"]]
    hi = float(np.quantile(both, 0.995)) or 1.0
    bins = np.linspace(0, hi, 60)
    ax.hist(a["dcr_holdout_to_train"], bins=bins, density=True, histtype="step", lw=1.8,
            label="holdout (real, unseen) rows")
    ax.hist(a["dcr_train"], bins=bins, density=True, histtype="step", lw=1.8, label="synthetic rows")
    ax.axvline(m["near_copy_threshold"], color="k", ls="--", lw=1, label="near-copy threshold (1% of holdout)")
    ax.axvline(m["near_real_threshold"], color="0.5", ls=":", lw=1, label="near real data (95% of holdout)")
    ax.set_xlabel("distance to the closest training row")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    return fig


def _summary_html(summary: Any) -> str:
    rows = ["<div class='table-wrap'><table><tr><th>area</th><th>check</th><th>value</th><th>status</th><th>what it means</th></tr>"]
    for r in summary.to_dict(orient="records"):
        cls = _STATUS_CLASS.get(r["status"], "")
        rows.append("<tr>" + "".join(f"<td style='text-align:left'>{html.escape(str(r[k]))}</td>"
                                     for k in ("area", "check", "value"))
                    + f"<td class='{cls}'>{html.escape(r['status'])}</td><td style='text-align:left'>"
                    + html.escape(r["meaning"]) + "</td></tr>")
    rows.append("</table></div>")
    return "".join(rows)


def _fmt(v: Any) -> str:
    if isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v):
        return f"{v[0]:.4g} - {v[1]:.4g}"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _figure_table(m: dict[str, Any], prefixes: tuple[str, ...]) -> Any:
    """Rows ``figure | value | 95% CI`` for the metrics whose names start with ``prefixes``."""
    import pandas as pd

    rows = []
    for k, v in m.items():
        if k.startswith(prefixes) and not k.endswith("_ci"):
            rows.append({"figure": k.replace("_", " "), "value": _fmt(v), "95% CI": _fmt(m.get(k + "_ci", ""))})
    return pd.DataFrame(rows)


def save_audit(result: Any, out_dir: str | os.PathLike[str], title: str = "Synthetic data audit") -> dict[str, str]:
    """Write ``report.html``, ``audit.json``, ``roc_loglog`` and ``dcr_hist`` (PNG+SVG) into ``out_dir``."""
    import pandas as pd

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = result.summary()
    ver = result.verdict()
    m = result.metrics
    rep = HtmlReport(title, subtitle=f"{m['n_real']:,} training, {m['n_holdout']:,} holdout, "
                                     f"{m['n_synthetic']:,} synthetic rows")
    rep.add_heading("Verdict")
    rep.add_text(ver["headline"], css_class="bad" if ver["memorisation"] else
                 ("warn" if ver["memorisation"] is None or ver["fidelity"] == "poor" else "ok"))
    rep.add_text("Memorisation checks compare training rows with holdout rows from the same population; each is a test "
                 "whose null is 'the generator treated both alike' (p < 0.01 is 'at risk'). Fidelity checks say how "
                 "much the synthetic rows resemble the real ones; failing them lowers usefulness, not privacy.",
                 css_class="note")
    rep.add_html(_summary_html(summary))
    rep.add_heading("Memorisation")
    files: dict[str, str] = {}
    # each figure is rendered once to PNG+SVG; the report embeds the PNG file
    fig_roc = plot_roc_loglog(result.attacks)
    files["roc"] = str(save_figure(fig_roc, out / "roc_loglog")[0])
    rep.add_figure(files["roc"], caption="Membership inference ROC on log-log axes (the low false-positive corner "
                                         "is where leaks show)")
    fig_dcr = plot_dcr(result)
    files["dcr"] = str(save_figure(fig_dcr, out / "dcr_hist")[0])
    rep.add_figure(files["dcr"], caption="Distance to the closest training row: synthetic rows far to the right of "
                                         "the holdout rows are a fidelity problem, a pile-up left of the near-copy "
                                         "threshold a privacy one")
    att = pd.DataFrame([{"attack": k.replace("_", " "), "AUC": f"{v['auc']:.3f}",
                         "AUC 95% CI": "{:.3f}-{:.3f}".format(*v.get("auc_ci", [np.nan] * 2)),
                         "TPR at 0.1% FPR": f"{v.get('tpr_at_0.1pct_fpr', np.nan):.4f}",
                         "TPR at 1% FPR": f"{v.get('tpr_at_1pct_fpr', np.nan):.4f}",
                         "TPR at 1% 95% CI": "{:.4f}-{:.4f}".format(*v.get("tpr_at_1pct_fpr_ci", [np.nan] * 2)),
                         "p (TPR at 1%)": f"{v.get('tpr_at_1pct_fpr_pvalue', np.nan):.2g}",
                         "members": v["n_members"], "non-members": v["n_nonmembers"]}
                        for k, v in result.attacks.items()])
    rep.add_table(att, caption="Membership inference attacks (members: training rows; non-members: holdout rows). "
                               "p: exact probability of at least this TPR if members and non-members were alike")
    if not all(v["resolvable"].get("0.001", True) for v in result.attacks.values()):
        rep.add_text("TPR at 0.1% FPR needs at least 1,000 holdout rows to be resolved; with fewer it is the TPR at "
                     "0 false positives.", css_class="note")
    rep.add_table(_figure_table(m, ("dcr_", "holdout_share", "near_", "nndr_", "exact_", "real_exact")),
                  caption=f"Distance figures (from {m['distance_query_rows']:,} synthetic rows searched against the "
                          f"full tables; exact copies over all rows; neighbour search: {m['neighbour_search']})")
    rep.add_heading("Fidelity")
    rep.add_table(_figure_table(m, ("coverage", "outside", "mmd", "corr_", "ks_", "wasserstein", "tstr", "trtr")),
                  caption="Fidelity figures")
    rep.add_table(result.columns, caption="Per column: KS statistic, Wasserstein distance in real standard "
                                          "deviations, TVD for categories")
    rep.add_heading("Set-up")
    rep.add_code("\n".join(f"{k}: {m[k]}" for k in ("n_real", "n_holdout", "n_synthetic", "encoding",
                                                     "numeric_columns", "categorical_columns", "rows_dropped_missing")
                           if k in m))
    files["json"] = str(write_json(out / "audit.json", result.to_dict()))
    files["report"] = str(rep.save(out / "report.html"))
    return files
