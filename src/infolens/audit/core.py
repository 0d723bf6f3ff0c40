"""``audit(real, synthetic, holdout)``: fidelity and privacy of a synthetic table in one call."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..validation import check_positive_int, check_random_state
from .fidelity import column_metrics, correlation_difference, tstr
from .mmd import mmd_test
from .privacy import distance_metrics, membership_attacks
from .roc import FPRS
from .tables import TableEncoder, as_frame, check_tables

#: thresholds behind the words in the summary (documented in docs/audit.md)
ALPHA = 0.01          # significance of the holdout-share and near-copy binomial tests
MMD_ALPHA = 0.05      # MMD permutation test level
TSTR_MIN_RATIO = 0.9  # TSTR at least 90% of TRTR


@dataclass
class AuditResult:
    """Every figure of an audit: ``metrics`` (flat JSON-ready dict), ``columns`` (per-column
    fidelity), ``attacks`` (ROC figures per attack), ``summary()`` (verdicts in words)."""

    metrics: dict[str, Any]
    columns: pd.DataFrame
    attacks: dict[str, dict[str, Any]]
    arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def summary(self) -> pd.DataFrame:
        """One row per check: what was measured, the value, and ``passed``/``at risk``/``warning``."""
        m = self.metrics
        rows = []

        def add(area: str, check: str, value: str, status: str, meaning: str) -> None:
            rows.append({"area": area, "check": check, "value": value, "status": status, "meaning": meaning})

        for name, res in self.attacks.items():
            lo = res.get("tpr_at_1pct_fpr_ci", [res["tpr_at_1pct_fpr"]])[0]
            at_risk = lo > 0.01
            add("privacy", f"membership attack ({name.replace('_', ' ')})",
                f"TPR@1%FPR {res['tpr_at_1pct_fpr']:.3f} (95% CI from {lo:.3f}), AUC {res['auc']:.3f}",
                "at risk" if at_risk else "passed",
                ("an attacker who may wrongly accuse 1 in 100 outsiders identifies more training patients "
                 "than chance would" if at_risk else
                 "an attacker cannot tell training patients from outsiders better than chance at a 1% false-alarm rate"))
        share, p = m["holdout_share"], m["holdout_share_pvalue"]
        bad = p < ALPHA
        add("privacy", "closer to training than to holdout", f"{100 * share:.1f}% of synthetic rows (50% expected)",
            "at risk" if bad else "passed",
            "synthetic rows sit closer to the training patients than to unseen ones: records were memorised"
            if bad else "synthetic rows are no closer to training patients than to unseen patients")
        bad = m["exact_copies"] > 0 or m["near_copy_pvalue"] < ALPHA
        add("privacy", "near copies of training rows",
            f"{m['exact_copies']} exact, {m['near_copies']} near ({100 * m['near_copy_share']:.2f}%, ~1% expected)",
            "at risk" if bad else "passed",
            "some synthetic rows are (near) copies of real training records" if bad else
            "no more near-copies than unseen real patients would give")
        mmd_ok = m["mmd_pvalue"] >= MMD_ALPHA
        add("fidelity", "overall distribution (MMD test)", f"MMD^2 {m['mmd2']:.2e}, p = {m['mmd_pvalue']:.3f}",
            "passed" if mmd_ok else "warning",
            "a two-sample test cannot tell synthetic from real rows" if mmd_ok else
            "the synthetic rows are distinguishable from real rows as a whole")
        worst = self.columns.sort_values("ks", ascending=False).head(1)
        if len(worst) and not np.isnan(worst["ks"].iloc[0]):
            ks = float(worst["ks"].iloc[0])
            add("fidelity", "worst column (KS)", f"{worst['column'].iloc[0]}: KS {ks:.3f}",
                "passed" if ks < 0.1 else "warning",
                "every column's distribution is close to the real one" if ks < 0.1 else
                "at least one column's distribution differs visibly from the real one")
        if not np.isnan(m.get("corr_max_abs_diff", np.nan)):
            c = m["corr_max_abs_diff"]
            add("fidelity", "correlations", f"largest difference {c:.3f}", "passed" if c < 0.2 else "warning",
                "relations between columns are kept" if c < 0.2 else "some relations between columns are lost")
        if "tstr" in m:
            ok = m["tstr_ratio"] >= TSTR_MIN_RATIO
            add("fidelity", f"downstream task ({m['tstr_metric']} on {m['tstr_target']})",
                f"TSTR {m['tstr']:.3f} vs TRTR {m['trtr']:.3f}", "passed" if ok else "warning",
                "a model trained on synthetic data works about as well on real patients" if ok else
                "a model trained on synthetic data works worse on real patients than one trained on real data")
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": self.metrics, "columns": self.columns.to_dict(orient="records"),
                "attacks": self.attacks, "summary": self.summary().to_dict(orient="records")}

    def save(self, out_dir: Any, title: str = "Synthetic data audit") -> dict[str, str]:
        """Write ``report.html``, ``audit.json`` and the figures (PNG+SVG) into ``out_dir``."""
        from .report import save_audit

        return save_audit(self, out_dir, title=title)


def audit(
    real: Any,
    synthetic: Any,
    holdout: Any,
    *,
    target: str | None = None,
    task: str = "auto",
    categorical: Sequence[str] | None = None,
    encoding: str = "euclidean",
    missing: str = "error",
    n_permutations: int = 200,
    n_bootstrap: int = 200,
    mmd_max_samples: int | None = 5000,
    fprs: Sequence[float] = FPRS,
    random_state: Any = 0,
    n_jobs: int | None = None,
    verbose: bool = True,
) -> AuditResult:
    """Audit ``synthetic`` against the ``real`` rows it was generated from and ``holdout``
    real rows the generator never saw (same columns; CSV paths, DataFrames or arrays).

    ``target``: a column for TSTR vs TRTR (skipped when None). ``encoding``: ``"euclidean"``
    (standardised numeric + one-hot) or ``"gower"`` (range-scaled L1, category mismatch 1).
    ``missing``: ``"error"`` refuses missing values, ``"drop"`` drops their rows.
    """
    from ..progress import progress

    n_permutations = check_positive_int(n_permutations, "n_permutations", minimum=0)
    n_bootstrap = check_positive_int(n_bootstrap, "n_bootstrap", minimum=0)
    rng = check_random_state(random_state)
    seeds = rng.integers(0, 2**31 - 1, size=4)
    t0 = time.perf_counter()
    frames = {"real": as_frame(real, "real"), "synthetic": as_frame(synthetic, "synthetic"),
              "holdout": as_frame(holdout, "holdout")}
    frames, dropped = check_tables(frames, missing=missing)
    tr, sy, ho = frames["real"], frames["synthetic"], frames["holdout"]
    if target is not None and target not in tr.columns:
        raise InputError(f"target={target!r} is not a column; columns are {list(map(str, tr.columns))[:20]}")
    enc = TableEncoder(encoding, categorical).fit(tr, sy, ho)
    ztr, zsy, zho = enc.transform(tr), enc.transform(sy), enc.transform(ho)
    metrics: dict[str, Any] = {
        "n_real": len(tr), "n_synthetic": len(sy), "n_holdout": len(ho), "n_columns": enc.n_columns,
        "numeric_columns": list(map(str, enc.numeric_)), "categorical_columns": list(map(str, enc.categorical_)),
        "encoding": encoding, "rows_dropped_missing": dropped,
    }
    bar = progress(total=5, desc="audit", verbose=verbose)
    dist = distance_metrics(ztr, zho, zsy, metric=enc.metric, random_state=int(seeds[0]), n_jobs=n_jobs)
    arrays = {k[1:]: dist.pop(k) for k in list(dist) if k.startswith("_")}
    metrics.update(dist)
    bar.update()
    attacks = membership_attacks(ztr, zho, zsy, metric=enc.metric, fprs=fprs, n_bootstrap=n_bootstrap,
                                 random_state=int(seeds[1]), n_jobs=n_jobs)
    for name, res in attacks.items():
        for key in ("auc", *(k for k in res if k.startswith("tpr_at_") and not k.endswith("_ci"))):
            metrics[f"mia_{name}_{key}"] = res[key]
    bar.update()
    mmd = mmd_test(ztr, zsy, n_permutations=n_permutations, max_samples=mmd_max_samples,
                   random_state=int(seeds[2]), n_jobs=n_jobs)
    metrics.update({"mmd2": mmd.mmd2, "mmd_pvalue": mmd.p_value, "mmd_bandwidth": mmd.bandwidth,
                    "mmd_n": [mmd.n_x, mmd.n_y]})
    bar.update()
    cols = column_metrics(tr, sy, enc)
    metrics.update(correlation_difference(tr, sy, enc.numeric_))
    metrics["ks_max"] = float(np.nanmax(cols["ks"])) if cols["ks"].notna().any() else float("nan")
    metrics["wasserstein_sd_mean"] = float(np.nanmean(cols["wasserstein_sd"])) if cols["wasserstein_sd"].notna().any() else float("nan")
    bar.update()
    if target is not None:
        t = tstr(tr, sy, ho, target, task=task, random_state=int(seeds[3]))
        metrics.update({"tstr": t["tstr"], "trtr": t["trtr"], "tstr_ratio": t["ratio"], "tstr_metric": t["metric"],
                        "tstr_task": f"{t['task']} ({t['task_how']})", "tstr_target": t["target"]})
    bar.update()
    bar.close()
    metrics["seconds"] = time.perf_counter() - t0
    return AuditResult(metrics=metrics, columns=cols, attacks=attacks, arrays=arrays)
