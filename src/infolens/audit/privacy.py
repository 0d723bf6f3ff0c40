"""Privacy of a synthetic table, measured against the real rows it was trained on.

- DCR (distance to closest record) and the holdout test: if the generator learned the
  distribution rather than the rows, a synthetic row is as likely to lie nearer to a training
  row as to a holdout row of the same size, so the share closer to train is ~50%
  (binomial test against 0.5).
- NNDR (nearest-neighbour distance ratio) ``d1 / d2`` to the two closest training rows; a
  ratio near 0 means one specific record is matched, compared with holdout rows' ratios.
- Near copies: synthetic rows closer to a training row than 99% of holdout rows are
  (threshold = 1st percentile of holdout-to-train DCR); ~1% is expected by chance.
- Membership inference: a distance attack (score ``-DCR`` of a candidate to the synthetic
  set) and a density-ratio attack in the spirit of DOMIAS (van Breugel et al. 2023), score
  ``log p_syn(x) - log p_ref(x)`` with Gaussian KDEs; members are training rows, non-members
  holdout rows. The reference density uses the holdout half a candidate is not in (two folds).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from scipy.stats import binomtest

from ..errors import InputError
from ..validation import check_random_state
from .neighbors import gaussian_kde_logpdf, kneighbors
from .roc import FPRS, attack_metrics

EXACT_TOL = 1e-9


def _balanced(a: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return a if len(a) <= n else a[np.sort(rng.choice(len(a), n, replace=False))]


def distance_metrics(
    train: np.ndarray,
    holdout: np.ndarray,
    synthetic: np.ndarray,
    *,
    metric: str = "euclidean",
    random_state: Any = None,
    n_jobs: int | None = None,
) -> dict[str, Any]:
    """DCR, holdout share with a binomial test, NNDR and near-copy counts (encoded arrays)."""
    rng = check_random_state(random_state)
    if len(train) < 2:
        raise InputError("the real training table needs at least 2 rows for NNDR")
    d_st, _ = kneighbors(synthetic, train, k=2, metric=metric, n_jobs=n_jobs)
    d_sh, _ = kneighbors(synthetic, holdout, k=1, metric=metric, n_jobs=n_jobs)
    d_ht, _ = kneighbors(holdout, train, k=2, metric=metric, n_jobs=n_jobs)
    dcr_train, dcr_holdout = d_st[:, 0], d_sh[:, 0]
    # the holdout test needs train and holdout of equal size: subsample the larger one
    n_eq = min(len(train), len(holdout))
    if len(train) > n_eq:
        d_train_eq = kneighbors(synthetic, _balanced(train, n_eq, rng), k=1, metric=metric, n_jobs=n_jobs)[0][:, 0]
    else:
        d_train_eq = dcr_train
    if len(holdout) > n_eq:
        d_hold_eq = kneighbors(synthetic, _balanced(holdout, n_eq, rng), k=1, metric=metric, n_jobs=n_jobs)[0][:, 0]
    else:
        d_hold_eq = dcr_holdout
    closer = (d_train_eq < d_hold_eq).astype(np.float64) + 0.5 * (d_train_eq == d_hold_eq)
    share = float(closer.mean())
    n_closer = int(round(closer.sum()))
    test = binomtest(n_closer, len(closer), 0.5, alternative="greater")

    with np.errstate(divide="ignore", invalid="ignore"):
        nndr_syn = np.where(d_st[:, 1] > 0, d_st[:, 0] / d_st[:, 1], 1.0)
        nndr_hold = np.where(d_ht[:, 1] > 0, d_ht[:, 0] / d_ht[:, 1], 1.0)
    threshold = float(np.quantile(d_ht[:, 0], 0.01))
    n_exact = int(np.sum(dcr_train <= EXACT_TOL))
    n_near = int(np.sum(dcr_train <= threshold))
    near_test = binomtest(n_near, len(dcr_train), 0.01, alternative="greater")
    nndr_low = float(np.quantile(nndr_hold, 0.05))
    return {
        "dcr_train_median": float(np.median(dcr_train)),
        "dcr_train_p05": float(np.quantile(dcr_train, 0.05)),
        "dcr_holdout_median": float(np.median(dcr_holdout)),
        "dcr_holdout_to_train_median": float(np.median(d_ht[:, 0])),
        "holdout_share": share,
        "holdout_share_pvalue": float(test.pvalue),
        "holdout_share_n": int(len(closer)),
        "nndr_synthetic_median": float(np.median(nndr_syn)),
        "nndr_holdout_median": float(np.median(nndr_hold)),
        "nndr_low_share": float(np.mean(nndr_syn < nndr_low)),
        "exact_copies": n_exact,
        "near_copy_threshold": threshold,
        "near_copies": n_near,
        "near_copy_share": float(n_near / len(dcr_train)),
        "near_copy_pvalue": float(near_test.pvalue),
        "_dcr_train": dcr_train,
        "_dcr_holdout": dcr_holdout,
        "_dcr_holdout_to_train": d_ht[:, 0],
    }


def scott_bandwidth(z: np.ndarray) -> float:
    """Scott's rule ``n^(-1/(d+4))`` times the mean column standard deviation."""
    n, d = z.shape
    sd = float(np.mean(z.std(axis=0)))
    return max(sd, 1e-12) * n ** (-1.0 / (d + 4))


def membership_attacks(
    train: np.ndarray,
    holdout: np.ndarray,
    synthetic: np.ndarray,
    *,
    metric: str = "euclidean",
    fprs: Sequence[float] = FPRS,
    n_bootstrap: int = 200,
    bandwidth: float | None = None,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Distance and density-ratio (DOMIAS-style, KDE) attacks; members: training rows
    (subsampled to the holdout size), non-members: holdout rows."""
    rng = check_random_state(random_state)
    if len(holdout) < 4:
        raise InputError(f"the holdout table needs at least 4 rows for the membership attacks, got {len(holdout)}")
    members = _balanced(train, len(holdout), rng)
    nonmembers = holdout
    cand = np.vstack([members, nonmembers])
    dist = kneighbors(cand, synthetic, k=1, metric=metric, n_jobs=n_jobs)[0][:, 0]
    res = {"distance": attack_metrics(-dist[:len(members)], -dist[len(members):], fprs=fprs,
                                      n_bootstrap=n_bootstrap, random_state=rng)}
    # density ratio: p_syn from the synthetic rows; p_ref from the holdout fold the candidate is not in
    h_syn = bandwidth or scott_bandwidth(synthetic)
    log_syn = gaussian_kde_logpdf(cand, synthetic, h_syn, n_jobs=n_jobs)
    fold_h = rng.permutation(len(holdout)) % 2
    fold_m = rng.permutation(len(members)) % 2
    fold = np.r_[fold_m, fold_h]
    log_ref = np.empty(len(cand))
    for f in (0, 1):
        ref = holdout[fold_h != f]
        h_ref = bandwidth or scott_bandwidth(ref)
        log_ref[fold == f] = gaussian_kde_logpdf(cand[fold == f], ref, h_ref, n_jobs=n_jobs)
    score = log_syn - log_ref
    res["density_ratio"] = attack_metrics(score[:len(members)], score[len(members):], fprs=fprs,
                                          n_bootstrap=n_bootstrap, random_state=rng)
    res["density_ratio"]["bandwidth_synthetic"] = float(h_syn)
    return res
