"""Attack evaluation: ROC AUC and the true-positive rate at a low false-positive rate
(Carlini et al. 2022, "Membership inference attacks from first principles": an attack that
identifies a few members with certainty matters even when its AUC is near 0.5), with
bootstrap intervals, and the log-log ROC plot."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from sklearn.metrics import roc_curve

from ..errors import InputError
from ..validation import check_random_state

FPRS = (0.001, 0.01)


def tpr_at_fpr(y_true: np.ndarray, scores: np.ndarray, fprs: Sequence[float] = FPRS) -> list[float]:
    """Largest TPR among thresholds whose FPR is <= each target (no interpolation, so the
    figure is attainable by an actual threshold; sklearn's ``roc_curve`` convention)."""
    y = np.asarray(y_true).astype(bool)
    s = np.asarray(scores, dtype=np.float64)
    return _fast_metrics(np.sort(s[y]), np.sort(s[~y]), fprs)[1]


def _fast_metrics(m_sorted: np.ndarray, u_sorted: np.ndarray, fprs: Sequence[float]) -> tuple[float, list[float]]:
    """AUC as the Mann-Whitney probability ``P(m > u) + P(m = u) / 2`` and, for each FPR ``f``,
    TPR = share of members scoring above the ``(k+1)``-th largest non-member, ``k = floor(f n_u)``.
    Written out (two sorted arrays, binary search) because the bootstrap calls it hundreds of
    times and sklearn's per-call input checks dominate at that size; equal to sklearn's
    ``roc_auc_score`` and ``roc_curve`` (checked in the tests)."""
    n_m, n_u = len(m_sorted), len(u_sorted)
    below = np.searchsorted(u_sorted, m_sorted, side="left")
    ties = np.searchsorted(u_sorted, m_sorted, side="right") - below
    auc = float((below.sum() + 0.5 * ties.sum()) / (n_m * n_u))
    tprs = []
    for f in fprs:
        k = int(np.floor(f * n_u + 1e-9))
        if k >= n_u:
            tprs.append(1.0)
            continue
        thr = u_sorted[n_u - 1 - k]
        tprs.append(float((n_m - np.searchsorted(m_sorted, thr, side="right")) / n_m))
    return auc, tprs


def tpr_pvalue(tpr: float, n_members: int, n_nonmembers: int, fpr: float) -> float:
    """Exact p-value of a TPR at FPR ``fpr`` under "members and non-members are exchangeable"
    (a generator that learned nothing specific to its training rows).

    The TPR counts members scoring above the ``(k+1)``-th highest non-member, ``k = floor(fpr n_u)``
    (as :func:`tpr_at_fpr`). Under exchangeability the pooled ranking is a random ordering, so
    that count is negative-hypergeometric: the number of members drawn before the
    ``(k+1)``-th non-member. Ties can only lower the count, so the p-value stays valid.
    """
    from scipy.special import logsumexp
    from scipy.stats import hypergeom

    k = int(np.floor(fpr * n_nonmembers + 1e-9))
    if k >= n_nonmembers:
        return 1.0
    x = int(round(tpr * n_members))
    if x <= 0:
        return 1.0
    # X >= x  <=>  at most k non-members among the first x + k in the ranking (hypergeometric);
    # summed in log space because scipy's survival functions stop near 1e-12
    logp = hypergeom.logpmf(np.arange(k + 1), n_members + n_nonmembers, n_nonmembers, x + k)
    return float(min(1.0, np.exp(logsumexp(logp))))


def _key(f: float) -> str:
    return f"tpr_at_{f * 100:g}pct_fpr"


def attack_metrics(
    member_scores: np.ndarray,
    nonmember_scores: np.ndarray,
    *,
    fprs: Sequence[float] = FPRS,
    n_bootstrap: int = 200,
    random_state: Any = None,
    max_curve_points: int = 400,
) -> dict[str, Any]:
    """AUC and TPR at each FPR in ``fprs`` for scores where larger means "member", with
    percentile bootstrap 95% intervals (members and non-members resampled separately), and for
    each TPR the exact p-value of :func:`tpr_pvalue` (``..._pvalue``).

    TPR at an FPR below ``1 / n_nonmembers`` cannot be resolved: it is then the TPR at FPR 0,
    and ``resolvable`` says so per FPR.
    """
    m = np.asarray(member_scores, dtype=np.float64)
    u = np.asarray(nonmember_scores, dtype=np.float64)
    if len(m) < 2 or len(u) < 2:
        raise InputError(f"need at least 2 member and 2 non-member scores, got {len(m)} and {len(u)}")
    auc, tprs = _fast_metrics(np.sort(m), np.sort(u), fprs)
    out: dict[str, Any] = {"auc": auc}
    for f, t in zip(fprs, tprs):
        out[_key(f)] = t
    rng = check_random_state(random_state)
    boots = np.empty((n_bootstrap, 1 + len(fprs)))
    for b in range(n_bootstrap):
        mb = np.sort(m[rng.integers(0, len(m), len(m))])
        ub = np.sort(u[rng.integers(0, len(u), len(u))])
        auc_b, tpr_b = _fast_metrics(mb, ub, fprs)
        boots[b, 0] = auc_b
        boots[b, 1:] = tpr_b
    if n_bootstrap:
        lo, hi = np.percentile(boots, [2.5, 97.5], axis=0)
        out["auc_ci"] = [float(lo[0]), float(hi[0])]
        for j, f in enumerate(fprs):
            out[_key(f) + "_ci"] = [float(lo[j + 1]), float(hi[j + 1])]
    for f in fprs:
        out[_key(f) + "_pvalue"] = tpr_pvalue(out[_key(f)], len(m), len(u), f)
    out["resolvable"] = {f"{f:g}": bool(f * len(u) >= 1) for f in fprs}
    out["n_members"], out["n_nonmembers"] = int(len(m)), int(len(u))
    fpr, tpr, _ = roc_curve(np.r_[np.ones(len(m)), np.zeros(len(u))], np.r_[m, u])
    if len(fpr) > max_curve_points:   # keep the low-FPR end in full detail on a log grid
        keep = np.unique(np.r_[np.searchsorted(fpr, np.geomspace(1e-4, 1, max_curve_points)).clip(0, len(fpr) - 1),
                               np.arange(min(50, len(fpr)))])
        fpr, tpr = fpr[keep], tpr[keep]
    out["roc"] = {"fpr": fpr.tolist(), "tpr": tpr.tolist()}
    return out


def plot_roc_loglog(curves: dict[str, dict[str, Any]], ax: Any = None, title: str = "Membership inference ROC"):
    """Log-log ROC (Carlini et al. 2022, fig. 1): the low-FPR corner, where leaks show, gets
    the space. ``curves`` maps a name to an :func:`attack_metrics` dict."""
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(5.5, 4.5), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure
    floor = 1e-4
    for name, res in curves.items():
        fpr = np.maximum(np.asarray(res["roc"]["fpr"]), floor)
        tpr = np.maximum(np.asarray(res["roc"]["tpr"]), floor)
        ax.step(fpr, tpr, where="post", label=f"{name} (AUC {res['auc']:.3f}, TPR@1% {res.get(_key(0.01), float('nan')):.3f})")
    grid = np.geomspace(floor, 1, 50)
    ax.plot(grid, grid, "k:", lw=1, label="random guess")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor, 1)
    ax.set_ylim(floor, 1.05)
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    return fig
