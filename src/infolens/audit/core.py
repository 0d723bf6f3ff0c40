"""``audit(real, synthetic, holdout)``: fidelity and privacy of a synthetic table in one call."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError, emit, flag
from ..validation import check_choice, check_positive_int, check_random_state
from .fidelity import TASKS, column_metrics, correlation_difference, coverage, tstr
from .mmd import mmd_test
from .neighbors import NeighborIndex
from .exchange import split_check
from .privacy import distance_metrics, identifier_copies, membership_attacks
from .report import save_audit
from .roc import FPRS
from .tables import TableEncoder, as_frame, check_tables, identifier_columns
from .verdicts import _p, checks, verdict


@dataclass
class AuditResult:
    """Every figure of an audit: ``metrics`` (flat JSON-ready dict), ``columns`` (per-column
    fidelity), ``attacks`` (ROC figures per attack); ``summary()`` (one row per check, in
    words) and ``verdict()`` (memorisation yes/no, fidelity good/poor, a headline sentence)."""

    metrics: dict[str, Any]
    columns: pd.DataFrame
    attacks: dict[str, dict[str, Any]]
    arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def summary(self) -> pd.DataFrame:
        """One row per check: area (memorisation / fidelity), what was measured, the value with
        its interval, ``passed``/``at risk``/``warning``, and what it means (see verdicts.py)."""
        rows = checks(self.metrics, self.attacks, self.columns)
        return pd.DataFrame(rows).drop(columns=["key"])

    def verdict(self) -> dict[str, Any]:
        """``memorisation`` (bool), ``fidelity`` (``"good"``/``"poor"``), the evidence and problems,
        and ``headline``: one sentence that says whether the table may be released and why."""
        return verdict(self.metrics, self.attacks, checks(self.metrics, self.attacks, self.columns))

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": self.metrics, "columns": self.columns.to_dict(orient="records"),
                "attacks": self.attacks, "summary": self.summary().to_dict(orient="records"),
                "verdict": self.verdict()}

    def save(self, out_dir: Any, title: str = "Synthetic data audit") -> dict[str, str]:
        """Write ``report.html``, ``audit.json`` and the figures (PNG+SVG) into ``out_dir``."""
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
    max_query_rows: int | None = 10_000,
    neighbour_search: str = "auto",
    keep_identifiers: bool = False,
    verbose: bool = True,
) -> AuditResult:
    """Audit ``synthetic`` against the ``real`` rows it was generated from and ``holdout``
    real rows the generator never saw (same columns; CSV paths, DataFrames or arrays).

    ``target``: a column for TSTR vs TRTR (skipped when None). ``encoding``: ``"euclidean"``
    (standardised numeric + one-hot) or ``"gower"`` (range-scaled L1, category mismatch 1).
    ``missing``: ``"error"`` refuses missing values, ``"drop"`` drops their rows.
    ``max_query_rows``: distance statistics and attacks use at most this many rows of each
    table as queries, searched against the full tables (``None``: all rows); exact copies are
    counted over all rows. ``neighbour_search``: ``"auto"`` (exact up to 200,000 reference rows,
    faiss IVF above), ``"exact"`` or ``"ivf"`` (see neighbors.py). ``keep_identifiers``:
    categorical columns with a value of their own in at least half the real rows (a customer or
    record ID) are left out of every distance and fidelity figure, with a warning; their own
    check asks whether synthetic IDs equal training IDs more often than holdout IDs
    (``metrics["identifiers"]``). True keeps them as ordinary categorical columns.
    """
    from ..progress import progress

    check_choice(task, "task", TASKS)
    n_permutations = check_positive_int(n_permutations, "n_permutations", minimum=0)
    n_bootstrap = check_positive_int(n_bootstrap, "n_bootstrap", minimum=0)
    rng = check_random_state(random_state)
    seeds = rng.integers(0, 2**31 - 1, size=6)
    t0 = time.perf_counter()
    frames = {"real": as_frame(real, "real"), "synthetic": as_frame(synthetic, "synthetic"),
              "holdout": as_frame(holdout, "holdout")}
    frames, dropped, converted = check_tables(frames, missing=missing)
    emit(tuple(converted), stacklevel=2)
    tr, sy, ho = frames["real"], frames["synthetic"], frames["holdout"]
    if target is not None and target not in tr.columns:
        raise InputError(f"target={target!r} is not a column; columns are {list(map(str, tr.columns))[:20]}")
    ids = {} if keep_identifiers else identifier_columns(tr, categorical)
    id_checks = {}
    if ids:
        if target is not None and str(target) in ids:
            raise InputError(f"target={target!r} is an identifier ({ids[str(target)]:,} distinct values in {len(tr):,} "
                             "rows): a model cannot learn it; name a column that real rows share, or target=None")
        if len(ids) == tr.shape[1]:
            raise InputError(f"every column is an identifier ({', '.join(map(repr, ids))}): nothing is left to compare; "
                             "pass keep_identifiers=True (CLI: --keep-identifiers) to compare them as categories")
        cols = [c for c in tr.columns if str(c) in ids]
        id_checks = {str(c): identifier_copies(tr[c], ho[c], sy[c]) for c in cols}
        tr, sy, ho = (df.drop(columns=cols) for df in (tr, sy, ho))
        categorical = [c for c in (categorical or []) if str(c) not in ids]
        emit([flag("identifier", "identifier column" + ("s " if len(ids) > 1 else " ")
                   + ", ".join(f"{c!r} ({v:,} distinct values in {len(frames['real']):,} rows)" for c, v in ids.items())
                   + " left out of every distance and fidelity figure (a value of its own per row would add the same "
                   "distance to every pair of rows and hide copies of the other columns); the audit checks separately "
                   "whether synthetic IDs repeat training IDs. keep_identifiers=True (CLI: --keep-identifiers) keeps "
                   "them as categories", columns=list(ids))], stacklevel=2)
    enc = TableEncoder(encoding, categorical).fit(tr, sy, ho)
    split = split_check(tr, ho, enc.categorical_)
    if not split["random"]:
        w = split["worst"]
        emit((flag("split-not-random",
                   f"the holdout rows differ from the training rows in column {w['column']!r} ({w['test']} "
                   f"{w['statistic']:.3f}, {_p(split['pvalue'])} over {len(split['columns'])} columns): not two random "
                   "halves of one table (a cut by time, ID range or site?). Every memorisation check but exact copies "
                   "compares the two halves, and a faithful generator then looks nearer to the training rows; draw the "
                   "holdout at random from the same table as the training rows", column=w["column"], pvalue=split["pvalue"]),),
             stacklevel=2)
    ztr, zsy, zho = enc.transform(tr), enc.transform(sy), enc.transform(ho)
    metrics: dict[str, Any] = {
        "n_real": len(tr), "n_synthetic": len(sy), "n_holdout": len(ho), "n_columns": enc.n_columns,
        "numeric_columns": list(map(str, enc.numeric_)), "categorical_columns": list(map(str, enc.categorical_)),
        "encoding": encoding, "rows_dropped_missing": dropped,
        "identifier_columns": list(ids), "identifiers": id_checks,
        "converted_columns": [f.data["column"] for f in converted],
        "split_random": split["random"], "split_pvalue": split["pvalue"], "split_worst": split["worst"],
        "split_columns": split["columns"],
    }
    bar = progress(total=6, desc="audit", verbose=verbose)
    # one neighbour index per table, shared by every search below
    kw: dict[str, Any] = {"metric": enc.metric, "algorithm": neighbour_search, "n_jobs": n_jobs, "random_state": int(seeds[4])}
    indices = {"train": NeighborIndex(ztr, **kw), "holdout": NeighborIndex(zho, **kw),
               "synthetic": NeighborIndex(zsy, **kw)}
    bar.update()
    dist = distance_metrics(ztr, zho, zsy, metric=enc.metric, random_state=int(seeds[0]), n_jobs=n_jobs,
                            max_query_rows=max_query_rows, n_bootstrap=n_bootstrap, algorithm=neighbour_search,
                            indices=indices)
    arrays = {k[1:]: dist.pop(k) for k in list(dist) if k.startswith("_")}
    metrics.update(dist)
    bar.update()
    attacks = membership_attacks(ztr, zho, zsy, metric=enc.metric, fprs=fprs, n_bootstrap=n_bootstrap,
                                 random_state=int(seeds[1]), n_jobs=n_jobs, max_attack_rows=max_query_rows,
                                 algorithm=neighbour_search, indices=indices)
    for name, res in attacks.items():
        for key in ("auc", *(k for k in res if k.startswith("tpr_at_") and not k.endswith("_ci"))):
            metrics[f"mia_{name}_{key}"] = res[key]
    metrics.update(coverage(indices["train"], indices["synthetic"], random_state=int(seeds[5]),
                            max_query_rows=None if max_query_rows is None else min(max_query_rows, 5000)))
    del indices
    bar.update()
    mmd = mmd_test(ztr, zsy, n_permutations=n_permutations, max_samples=mmd_max_samples,
                   random_state=int(seeds[2]), n_jobs=n_jobs)
    metrics.update({"mmd2": mmd.mmd2, "mmd_pvalue": mmd.p_value, "mmd_bandwidth": mmd.bandwidth,
                    "mmd_kernel": mmd.kernel, "mmd_n": [mmd.n_x, mmd.n_y], "mmd_n_permutations": mmd.n_permutations})
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
