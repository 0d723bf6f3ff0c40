"""The audit's files: ``report.html`` (summary in words, tables, plots), ``audit.json``
(every figure) and the plots as PNG+SVG."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..io import save_figure, write_json
from ..report.html import HtmlReport
from .roc import plot_roc_loglog

if TYPE_CHECKING:  # pragma: no cover
    from .core import AuditResult

_STATUS_CLASS = {"passed": "ok", "warning": "warn", "at risk": "bad"}


def plot_dcr(result: "AuditResult"):
    """Histograms of distance to the closest training row: synthetic rows vs holdout rows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    a = result.arrays
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    hi = float(np.quantile(np.r_[a["dcr_train"], a["dcr_holdout_to_train"]], 0.99)) or 1.0
    bins = np.linspace(0, hi, 50)
    ax.hist(a["dcr_holdout_to_train"], bins=bins, alpha=0.55, density=True, label="holdout (real, unseen) rows")
    ax.hist(a["dcr_train"], bins=bins, alpha=0.55, density=True, label="synthetic rows")
    ax.axvline(result.metrics["near_copy_threshold"], color="k", ls="--", lw=1, label="near-copy threshold")
    ax.set_xlabel("distance to closest training row")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    return fig


def _summary_html(summary: Any) -> str:
    rows = ["<table><tr><th>area</th><th>check</th><th>value</th><th>status</th><th>what it means</th></tr>"]
    for r in summary.to_dict(orient="records"):
        cls = _STATUS_CLASS.get(r["status"], "")
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(r[k]))}</td>" for k in ("area", "check", "value"))
                    + f"<td class='{cls}'>{html.escape(r['status'])}</td><td style='text-align:left'>"
                    + html.escape(r["meaning"]) + "</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def save_audit(result: "AuditResult", out_dir: str | os.PathLike[str], title: str = "Synthetic data audit") -> dict[str, str]:
    import matplotlib.pyplot as plt
    import pandas as pd

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = result.summary()
    m = result.metrics
    rep = HtmlReport(title, subtitle=f"{m['n_real']} training, {m['n_holdout']} holdout, {m['n_synthetic']} synthetic rows")
    n_risk = int((summary["status"] == "at risk").sum())
    n_warn = int((summary["status"] == "warning").sum())
    rep.add_heading("Summary")
    rep.add_text(
        f"{n_risk} privacy check(s) at risk and {n_warn} fidelity warning(s)." if n_risk or n_warn
        else "Every check passed.", css_class="bad" if n_risk else ("warn" if n_warn else "ok"))
    rep.add_html(_summary_html(summary))
    rep.add_heading("Privacy")
    files: dict[str, str] = {}
    # each figure is rendered once to PNG+SVG; the report embeds the PNG file
    fig_roc = plot_roc_loglog(result.attacks)
    files["roc"] = str(save_figure(fig_roc, out / "roc_loglog")[0])
    plt.close(fig_roc)
    rep.add_figure(files["roc"], caption="Membership inference ROC on log-log axes (the low false-positive corner is where leaks show)")
    fig_dcr = plot_dcr(result)
    files["dcr"] = str(save_figure(fig_dcr, out / "dcr_hist")[0])
    plt.close(fig_dcr)
    rep.add_figure(files["dcr"], caption="Distance to the closest training row")
    att = pd.DataFrame([{"attack": k, "AUC": v["auc"], "AUC 95% CI": "{:.3f}-{:.3f}".format(*v.get("auc_ci", [np.nan] * 2)),
                         "TPR@0.1%FPR": v.get("tpr_at_0.1pct_fpr"), "TPR@1%FPR": v.get("tpr_at_1pct_fpr"),
                         "TPR@1% 95% CI": "{:.3f}-{:.3f}".format(*v.get("tpr_at_1pct_fpr_ci", [np.nan] * 2)),
                         "members": v["n_members"], "non-members": v["n_nonmembers"]}
                        for k, v in result.attacks.items()])
    rep.add_table(att, caption="Membership inference attacks (members: training rows; non-members: holdout rows)")
    if not all(v["resolvable"].get("0.001", True) for v in result.attacks.values()):
        rep.add_text("TPR at 0.1% FPR needs at least 1,000 holdout rows to be resolved; with fewer it is the TPR at 0 false positives.",
                     css_class="note")
    priv_keys = [k for k in m if k.startswith(("dcr_", "holdout_share", "nndr_", "exact_", "near_copy"))]
    rep.add_table(pd.DataFrame([{"figure": k, "value": m[k]} for k in priv_keys]), caption="Distance figures")
    rep.add_heading("Fidelity")
    fid_keys = [k for k in m if k.startswith(("mmd", "corr_", "ks_", "wasserstein", "tstr", "trtr"))]
    rep.add_table(pd.DataFrame([{"figure": k, "value": str(m[k]) if not isinstance(m[k], float) else m[k]} for k in fid_keys]),
                  caption="Fidelity figures")
    rep.add_table(result.columns, caption="Per column: KS statistic, Wasserstein distance in real standard deviations, TVD for categories")
    rep.add_heading("Set-up")
    rep.add_code("\n".join(f"{k}: {m[k]}" for k in ("n_real", "n_holdout", "n_synthetic", "encoding",
                                                     "numeric_columns", "categorical_columns", "rows_dropped_missing")))
    files["json"] = str(write_json(out / "audit.json", result.to_dict()))
    files["report"] = str(rep.save(out / "report.html"))
    return files
