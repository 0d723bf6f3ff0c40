"""The audit's verdicts in words: one row per check, and one headline a privacy officer can act on.

Two questions are kept apart:

- **Memorisation** (privacy): does the synthetic table carry traces of *specific training
  records*? Every check compares training rows with holdout rows of the same population
  (exact and near copies, closer-to-training share among rows near real data, membership
  attacks' TPR at 1% FPR), each with a test whose null is "training and holdout rows were
  treated alike"; a check is "at risk" when its p-value is below ``ALPHA``. Five tests at
  ``ALPHA = 0.01`` give a family-wise false-alarm rate of at most 5% for a generator that
  memorised nothing (one more per identifier column, which is left out of the distances and
  checked on its own: do synthetic IDs repeat training IDs more often than holdout IDs?).
- **Fidelity**: does the synthetic table resemble the real one? Coverage (collapse onto a few
  modes), rows outside the real data (shift or noise), the MMD two-sample test, the worst
  column, correlations and train-on-synthetic accuracy. A failure here is a "warning": it
  makes the table less useful, it is not evidence of a leak.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest

ALPHA = 0.01          # level of each memorisation test
MMD_ALPHA = 0.01      # MMD permutation test level (with ~5 fidelity checks: few false alarms for a faithful generator)
TSTR_MIN_RATIO = 0.9  # TSTR at least 90% of TRTR
#: coverage below this fraction of the ideal generator's expected coverage is "collapse"
COVERAGE_MIN_RATIO = 0.8
#: rows outside the real data: a warning when the share is significantly above 1% and above this
OUTSIDE_MAX_SHARE = 0.05


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if np.isfinite(x) else "n/a"


def _ci(ci: Any) -> str:
    if ci is None or not np.all(np.isfinite(ci)):
        return ""
    return f" (95% CI {_pct(ci[0])}-{_pct(ci[1])})"


def _p(p: float) -> str:
    return f"p = {p:.2g}" if p >= 1e-4 else "p < 0.0001"


def checks(metrics: dict[str, Any], attacks: dict[str, dict[str, Any]], columns: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows ``{area, check, value, status, meaning}``; ``area`` is ``"memorisation"`` or ``"fidelity"``."""
    m = metrics
    rows: list[dict[str, Any]] = []

    def add(area: str, check: str, value: str, status: str, meaning: str, **extra: Any) -> None:
        rows.append({"area": area, "check": check, "value": value, "status": status, "meaning": meaning, **extra})

    # --- memorisation -------------------------------------------------------------------
    n_syn = m["n_synthetic"]
    if "split_random" in m:
        w = m.get("split_worst")
        where = (f"largest difference: column {w['column']!r} ({w['test']} {w['statistic']:.3f}); "
                 if w is not None else "")
        add("memorisation", "holdout drawn like the training rows",
            f"{where}{_p(m['split_pvalue'])} over {len(m.get('split_columns', []))} columns (Bonferroni)",
            "passed" if m["split_random"] else "warning",
            "training and holdout rows look like two random halves of one table, as every check below assumes"
            if m["split_random"] else
            "the holdout is not a random half of the training table (a cut by time, ID range or site?): the checks "
            "below but exact copies compare the two halves and read that difference as memorisation", key="split")
    if m["real_exact_matches"] == 0:
        bad = m["exact_copies"] > 0
        why = "real records never coincide here, so an identical synthetic row is a copy"
    else:   # rows of few categories coincide by chance: compare with how often real rows do
        base = max(m["real_exact_match_share"], 1 / max(m["n_holdout"], 1))
        bad = binomtest(m["exact_copies"], n_syn, base, alternative="greater").pvalue < ALPHA
        why = f"{_pct(m['real_exact_match_share'])} of unseen real rows also equal a training row"
    add("memorisation", "exact copies of training rows",
        f"{m['exact_copies']:,} of {n_syn:,} synthetic rows (equal to a holdout row: {m['exact_copies_holdout']:,})",
        "at risk" if bad else "passed",
        (f"synthetic rows reproduce training records exactly ({why})" if bad else
         f"no more exact copies than chance ({why})" if m["real_exact_matches"] else "no synthetic row equals a training record"),
        key="exact")
    p = m["near_copy_pvalue"]
    bad = p < ALPHA
    add("memorisation", "near copies: training vs holdout",
        f"within {m['near_copy_threshold']:.3g} of a training row: {_pct(m['near_copy_share_train_eq'])}"
        f"{_ci(m['near_copy_share_train_eq_ci'])}; of a holdout row: {_pct(m['near_copy_share_holdout_eq'])}"
        f"{_ci(m['near_copy_share_holdout_eq_ci'])}; {_p(p)}",
        "at risk" if bad else "passed",
        "synthetic rows sit unusually close to training records far more often than to unseen records" if bad else
        "synthetic rows come as close to unseen records as to training records", key="near")
    p, k = m["holdout_share_near_pvalue"], m["near_real_rows"]
    bad = p < ALPHA
    if k == 0:
        value = "no synthetic row lies as close to real data as real rows lie to each other"
    else:
        value = (f"{_pct(m['holdout_share_near'])}{_ci(m['holdout_share_near_ci'])} of {k:,} synthetic rows near real data "
                 f"({m['holdout_share_near_real_neighbours']:,} distinct real neighbours); 50% expected; {_p(p)}")
    add("memorisation", "closer to training than to holdout", value, "at risk" if bad else "passed",
        "among synthetic rows near real data, more sit nearest a training record than chance allows" if bad else
        "synthetic rows near real data are as often nearest an unseen record as a training record", key="closer")
    for col, ic in m.get("identifiers", {}).items():
        bad = ic["pvalue"] < ALPHA
        add("memorisation", f"identifiers repeated ({col})",
            f"{ic['synthetic_equal_train']:,} of {ic['n_synthetic']:,} synthetic values equal a training ID, "
            f"{ic['synthetic_equal_holdout']:,} a holdout ID ({_pct(ic['p_null'])} of the matches expected on the "
            f"training side); {_p(ic['pvalue'])}",
            "at risk" if bad else "passed",
            "synthetic rows carry the identifiers of training records: who was in the training table is disclosed"
            if bad else "synthetic identifiers repeat training IDs no more often than unseen ones (the column is left "
            "out of every other figure)", key=f"ids_{col}")
    for name, res in attacks.items():
        p = res.get("tpr_at_1pct_fpr_pvalue", 1.0)
        bad = p < ALPHA
        add("memorisation", f"membership attack ({name.replace('_', ' ')})",
            f"TPR at 1% FPR {_pct(res['tpr_at_1pct_fpr'])}{_ci(res.get('tpr_at_1pct_fpr_ci'))} (1% by chance; {_p(p)}), "
            f"AUC {res['auc']:.3f}" + (" ({:.3f}-{:.3f})".format(*res["auc_ci"]) if "auc_ci" in res else ""),
            "at risk" if bad else "passed",
            "an attacker who wrongly accuses 1 in 100 outsiders identifies training records better than chance" if bad
            else "an attacker cannot tell training records from outsiders better than chance at a 1% false-alarm rate",
            key=f"attack_{name}")

    # --- fidelity ------------------------------------------------------------------------
    if "coverage" in m:
        ratio = m["coverage_ci"][1] / m["coverage_expected"]
        ok = ratio >= COVERAGE_MIN_RATIO
        add("fidelity", "coverage of the real data",
            f"{_pct(m['coverage'])}{_ci(m['coverage_ci'])} of real rows have a synthetic row among their "
            f"{m['coverage_k']} nearest neighbours' reach (ideal generator {_pct(m['coverage_expected'])})",
            "passed" if ok else "warning",
            "the synthetic rows spread over the real data" if ok else
            "the synthetic rows leave much of the real data uncovered: collapse onto a few modes or regions",
            key="coverage")
    out_share, out_ci = m["outside_share"], m["outside_share_ci"]
    ok = not (out_ci[0] > 0.01 and out_share > OUTSIDE_MAX_SHARE)
    add("fidelity", "synthetic rows outside the real data",
        f"{_pct(out_share)}{_ci(out_ci)} farther from any training row than 99% of holdout rows (1% expected)",
        "passed" if ok else "warning",
        "synthetic rows lie where real rows lie" if ok else
        "many synthetic rows lie where no real record is: a shifted, blurred or collapsed generator", key="outside")
    # with few permutations the smallest attainable p-value, 1 / (1 + P), can exceed MMD_ALPHA:
    # then a statistic beyond every permutation still counts as a rejection
    n_perm = m.get("mmd_n_permutations", 0)
    floor = 1.0 / (1 + n_perm) if n_perm else 0.0
    mmd_ok = not (m["mmd_pvalue"] < MMD_ALPHA or (n_perm and m["mmd_pvalue"] <= floor))
    add("fidelity", "overall distribution (MMD test)", f"MMD^2 {m['mmd2']:.2e}, {_p(m['mmd_pvalue'])}",
        "passed" if mmd_ok else "warning",
        "a two-sample test cannot tell synthetic from real rows" if mmd_ok else
        "the synthetic rows are distinguishable from real rows as a whole", key="mmd")
    worst = columns.sort_values("ks", ascending=False).head(1) if "ks" in columns else columns.head(0)
    if len(worst) and not np.isnan(worst["ks"].iloc[0]):
        ks = float(worst["ks"].iloc[0])
        add("fidelity", "worst column (KS)", f"{worst['column'].iloc[0]}: KS {ks:.3f}",
            "passed" if ks < 0.1 else "warning",
            "every column's distribution is close to the real one" if ks < 0.1 else
            "at least one column's distribution differs visibly from the real one", key="ks")
    if not np.isnan(m.get("corr_max_abs_diff", np.nan)):
        c = m["corr_max_abs_diff"]
        add("fidelity", "correlations", f"largest difference {c:.3f}", "passed" if c < 0.2 else "warning",
            "relations between columns are kept" if c < 0.2 else "some relations between columns are lost", key="corr")
    if "tstr" in m:
        ok = m["tstr_ratio"] >= TSTR_MIN_RATIO
        add("fidelity", f"downstream task ({m['tstr_metric']} on {m['tstr_target']})",
            f"TSTR {m['tstr']:.3f} vs TRTR {m['trtr']:.3f}", "passed" if ok else "warning",
            "a model trained on synthetic rows works about as well on real records" if ok else
            "a model trained on synthetic rows works worse on real records than one trained on real rows", key="tstr")
    return rows


def verdict(metrics: dict[str, Any], attacks: dict[str, dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """``{"memorisation": bool | None, "fidelity": "good" | "poor", "fidelity_problems": [...], "headline": str}``;
    ``memorisation`` is None ("cannot tell") when only checks that compare training with holdout
    rows are at risk and the holdout is not a random half of the training table."""
    m = metrics
    status = {r["key"]: r["status"] for r in rows}
    at_risk = [r["key"] for r in rows if r["area"] == "memorisation" and r["status"] == "at risk"]
    # a holdout that is not a random half of the training table makes a faithful generator look
    # nearer to the training rows: only exact copies (where real records never coincide) still count
    memorised: bool | None = bool(at_risk)
    if status.get("split") == "warning" and at_risk and "exact" not in at_risk:
        memorised = None
    fid_problems = [r["check"] for r in rows if r["area"] == "fidelity" and r["status"] == "warning"]
    evidence = []
    if status.get("exact") == "at risk":
        evidence.append(f"{m['exact_copies']:,} synthetic rows are exact copies of training records")
    if status.get("near") == "at risk":
        evidence.append(f"{_pct(m['near_copy_share_train_eq'])} of synthetic rows are near copies of training records "
                        f"against {_pct(m['near_copy_share_holdout_eq'])} for unseen records")
    if status.get("closer") == "at risk":
        evidence.append(f"{_pct(m['holdout_share_near'])} of synthetic rows near real data are nearest a training "
                        "record (50% expected)")
    for col, ic in m.get("identifiers", {}).items():
        if status.get(f"ids_{col}") == "at risk":
            evidence.append(f"{ic['synthetic_equal_train']:,} synthetic rows carry a training record's identifier "
                            f"({col}) against {ic['synthetic_equal_holdout']:,} an unseen record's")
    for name, res in attacks.items():
        if status.get(f"attack_{name}") == "at risk":
            evidence.append(f"a {name.replace('_', '-')} membership attack identifies {_pct(res['tpr_at_1pct_fpr'])} "
                            "of training records at a 1% false-alarm rate")
    best = max((res["tpr_at_1pct_fpr"] for res in attacks.values()), default=float("nan"))
    if memorised is None:
        w = m.get("split_worst") or {}
        headline = ("Cannot tell: memorisation checks are at risk (" + "; ".join(evidence) + "), but the holdout rows "
                    f"differ from the training rows (column {w.get('column')!r}), so they are not two random halves of "
                    "one table, and a faithful generator looks nearer to the training rows for that reason alone. Draw "
                    "the holdout at random from the same table as the training rows and audit again.")
    elif memorised:
        headline = ("Do not release: the synthetic table reproduces records of the table it was trained on ("
                    + "; ".join(evidence) + ").")
    elif fid_problems:
        what = []
        if status.get("coverage") == "warning":
            what.append(f"it covers {_pct(m['coverage'])} of the real data where a faithful generator covers "
                        f"{_pct(m['coverage_expected'])} (mode collapse)")
        if status.get("outside") == "warning":
            what.append(f"{_pct(m['outside_share'])} of its rows lie outside the real data")
        rest = [c for c, k in ((r["check"], r["key"]) for r in rows if r["area"] == "fidelity" and r["status"] == "warning")
                if k not in ("coverage", "outside")]
        if rest:
            what.append("it fails: " + ", ".join(rest))
        headline = ("No sign that training records were memorised (near copies, closeness to training records and "
                    f"membership attacks all at chance; best attack TPR at 1% FPR {_pct(best)}), but the synthetic table "
                    "is a poor stand-in for the real one: " + "; ".join(what) + ". It is not a privacy risk on these "
                    "checks, but it is of limited use, and a more faithful generator must be audited again.")
    else:
        headline = ("Passed: no sign that training records were memorised (near copies, closeness to training records "
                    f"and membership attacks all at chance; best attack TPR at 1% FPR {_pct(best)}), and the synthetic "
                    "rows match the real data on every fidelity check. These are empirical checks, not a formal "
                    "privacy guarantee such as differential privacy.")
    return {"memorisation": memorised, "fidelity": "poor" if fid_problems else "good",
            "fidelity_problems": fid_problems, "memorisation_evidence": evidence, "headline": headline}
