"""Privacy of a synthetic table, measured against the real rows it was trained on.

Memorisation leaves one trace that poor fidelity cannot fake: synthetic rows lie nearer to
*training* rows than to *holdout* rows drawn from the same population. Every memorisation test
here compares the two halves (see :mod:`.exchange` for why that null is right whatever the
generator's fidelity):

- Exact copies: synthetic rows identical to a training row, over *all* rows (row hashes,
  verified byte for byte), against the holdout rows that coincide with training rows (which
  says whether real records coincide at all, as in tables of few categories).
- Near copies: synthetic rows within ``tau_copy`` of a real row, ``tau_copy`` = the 1st
  percentile of holdout-to-train distances (rows closer than 99% of unseen rows come to a
  training row). Share nearer to training than to holdout, permutation test.
- Closer to training: the same share over the synthetic rows *near real data at all* (within
  the 95th percentile of holdout-to-train distances), permutation test. Rows far from every
  real row (a collapsed or shifted generator) say nothing about memorisation and are left out.
- Membership inference: a distance attack (score ``-DCR`` of a candidate to the synthetic
  set) and a density-ratio attack in the spirit of DOMIAS (van Breugel et al. 2023), score
  ``log p_syn(x) - log p_ref(x)`` with Gaussian KDEs; members are training rows, non-members
  holdout rows (equal numbers). The reference density uses the holdout half a candidate is not
  in (two folds). Each TPR at a low FPR gets an exact p-value (:func:`.roc.tpr_pvalue`).

Scale: distance statistics are estimated from at most ``max_query_rows`` synthetic (and
holdout) rows searched against the *full* reference tables, so each distance is a true
nearest-neighbour distance and the cost grows linearly with the table size; every figure
from a sample carries its interval. Exact copies are counted over all rows.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..errors import InputError
from ..validation import check_random_state
from .exchange import binomial_ci, median_ci, nearest_real_weights, share_test
from .neighbors import NeighborIndex, gaussian_kde_logpdf
from .roc import FPRS, attack_metrics

EXACT_TOL = 1e-9
#: quantiles of the holdout-to-train distances behind the near-copy and near-real thresholds
COPY_QUANTILE, NEAR_QUANTILE, OUTSIDE_QUANTILE = 0.01, 0.95, 0.99


def _sample(n: int, cap: int | None, rng: np.random.Generator) -> np.ndarray:
    return np.arange(n) if cap is None or n <= cap else np.sort(rng.choice(n, cap, replace=False))


def _balanced(a: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    return a if len(a) <= n else a[_sample(len(a), n, rng)]


def _index(indices: dict[str, NeighborIndex] | None, name: str, data: np.ndarray, **kw: Any) -> NeighborIndex:
    if indices is not None and name in indices and len(indices[name]) == len(data):
        return indices[name]
    idx = NeighborIndex(data, **kw)
    if indices is not None:
        indices[name] = idx
    return idx


def _row_hashes(a: np.ndarray, chunk: int = 65_536) -> np.ndarray:
    """A 64-bit hash per row: the row's bytes as uint64 words times fixed odd multipliers,
    summed with wrap-around (a random linear hash), in chunks so no table-sized temporary."""
    mult = np.random.default_rng(12345).integers(1, 2**63 - 1, size=a.shape[1], dtype=np.uint64) | np.uint64(1)
    out = np.empty(len(a), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for s in range(0, len(a), chunk):
            block = np.ascontiguousarray(a[s:s + chunk], dtype=np.float64) + 0.0   # + 0.0: -0.0 becomes 0.0
            out[s:s + chunk] = (block.view(np.uint64) * mult).sum(axis=1, dtype=np.uint64)
    return out


def count_exact_matches(a: np.ndarray, b: np.ndarray) -> int:
    """Rows of ``a`` identical to some row of ``b``: row hashes, then the candidate rows
    compared byte for byte (so a hash collision cannot count)."""
    ha, hb = _row_hashes(a), _row_hashes(b)
    cand = np.flatnonzero(np.isin(ha, hb))
    if len(cand) == 0:
        return 0
    void = np.dtype((np.void, 8 * a.shape[1]))
    rows_b = np.ascontiguousarray(b[np.isin(hb, ha[cand])], dtype=np.float64) + 0.0
    rows_a = np.ascontiguousarray(a[cand], dtype=np.float64) + 0.0
    return int(np.isin(rows_a.view(void).ravel(), rows_b.view(void).ravel()).sum())


def identifier_copies(train: Any, holdout: Any, synthetic: Any) -> dict[str, Any]:
    """Synthetic values of an identifier column (a customer or record ID, left out of the
    distances) that equal an ID of a training record, against those that equal an ID of a
    holdout record. IDs in both real tables count for neither. A generator that saw no ID
    hits a training ID no more often than a holdout one: among the ``k`` synthetic rows that
    hit exactly one side, the number on the training side is binomial with the training
    side's share of those IDs (``p_null``); ``pvalue`` is its upper tail. A generator that
    reproduces the IDs of its training records discloses who was in them, whatever the other
    columns hold."""
    from scipy.stats import binomtest

    tr = set(np.asarray(train, dtype=str).tolist())
    ho = set(np.asarray(holdout, dtype=str).tolist())
    tr_only, ho_only = tr - ho, ho - tr
    syn = np.asarray(synthetic, dtype=str)
    k_tr = int(np.isin(syn, list(tr_only)).sum()) if tr_only else 0
    k_ho = int(np.isin(syn, list(ho_only)).sum()) if ho_only else 0
    p0 = len(tr_only) / max(len(tr_only) + len(ho_only), 1)
    k = k_tr + k_ho
    p = float(binomtest(k_tr, k, p0, alternative="greater").pvalue) if k and 0 < p0 < 1 else \
        (0.0 if k_tr and p0 == 0 else 1.0)
    return {"synthetic_equal_train": k_tr, "synthetic_equal_holdout": k_ho, "n_synthetic": int(len(syn)),
            "levels_train": len(tr), "levels_holdout": len(ho), "p_null": p0, "pvalue": p}


def distance_metrics(
    train: np.ndarray,
    holdout: np.ndarray,
    synthetic: np.ndarray,
    *,
    metric: str = "euclidean",
    random_state: Any = None,
    n_jobs: int | None = None,
    max_query_rows: int | None = 10_000,
    n_permutations: int = 1000,
    n_bootstrap: int = 200,
    algorithm: str = "auto",
    indices: dict[str, NeighborIndex] | None = None,
) -> dict[str, Any]:
    """DCR figures, exact and near copies, the closer-to-training test, NNDR (encoded arrays).

    ``indices``: a dict to reuse (and fill) the neighbour indexes of the ``"train"``,
    ``"holdout"`` tables across calls. Keys starting with ``_`` hold arrays for plots.
    """
    rng = check_random_state(random_state)
    if len(train) < 2:
        raise InputError("the real training table needs at least 2 rows for NNDR")
    kw: dict[str, Any] = {"metric": metric, "algorithm": algorithm, "n_jobs": n_jobs, "random_state": int(rng.integers(2**31 - 1))}
    idx_t = _index(indices, "train", train, **kw)
    idx_h = _index(indices, "holdout", holdout, **kw)
    sq = synthetic[_sample(len(synthetic), max_query_rows, rng)]
    hq = holdout[_sample(len(holdout), max_query_rows, rng)]
    d_st, i_st = idx_t.query(sq, 2)
    d_ht, _ = idx_t.query(hq, 2)
    d_sh, i_sh = idx_h.query(sq, 1)
    dcr_train, dcr_holdout, dcr_ht = d_st[:, 0], d_sh[:, 0], d_ht[:, 0]

    # the two halves at equal size, so that "nearer to train" is a coin flip under the null
    n_eq = min(len(train), len(holdout))
    if len(train) > n_eq:
        sub = _sample(len(train), n_eq, rng)
        d_t, i_t = NeighborIndex(train[sub], **kw).query(sq, 1)
    else:
        d_t, i_t = d_st[:, :1], i_st[:, :1]
    if len(holdout) > n_eq:
        sub = _sample(len(holdout), n_eq, rng)
        d_h, i_h = NeighborIndex(holdout[sub], **kw).query(sq, 1)
    else:
        d_h, i_h = d_sh, i_sh
    d_t, i_t, d_h, i_h = d_t[:, 0], i_t[:, 0], d_h[:, 0], i_h[:, 0]
    d_real = np.minimum(d_t, d_h)
    tau_copy = float(np.quantile(dcr_ht, COPY_QUANTILE))
    tau_near = float(np.quantile(dcr_ht, NEAR_QUANTILE))
    tau_out = float(np.quantile(dcr_ht, OUTSIDE_QUANTILE))

    tests = {}
    for name, rows in (("all", np.ones(len(sq), bool)), ("near", d_real <= tau_near), ("copy", d_real <= tau_copy)):
        w, is_tr = nearest_real_weights(d_t, i_t, d_h, i_h, n_eq, rows)
        tests[name] = share_test(w, is_tr, n_eq, n_permutations=n_permutations, n_bootstrap=n_bootstrap, rng=rng)

    n_q = len(sq)
    n_near_t, n_near_h = int(np.sum(d_t <= tau_copy)), int(np.sum(d_h <= tau_copy))
    n_near = int(np.sum(dcr_train <= tau_copy))
    n_out = int(np.sum(dcr_train > tau_out))
    exact = count_exact_matches(synthetic, train)
    exact_h = count_exact_matches(synthetic, holdout)
    real_exact = count_exact_matches(holdout, train)

    with np.errstate(divide="ignore", invalid="ignore"):
        nndr_syn = np.where(d_st[:, 1] > 0, d_st[:, 0] / d_st[:, 1], 1.0)
        nndr_hold = np.where(d_ht[:, 1] > 0, d_ht[:, 0] / d_ht[:, 1], 1.0)
    nndr_low = float(np.quantile(nndr_hold, 0.05))
    n_low = int(np.sum(nndr_syn < nndr_low))
    return {
        "distance_query_rows": int(n_q),
        "neighbour_search": idx_t.algorithm,
        "dcr_train_median": float(np.median(dcr_train)), "dcr_train_median_ci": median_ci(dcr_train),
        "dcr_train_p05": float(np.quantile(dcr_train, 0.05)),
        "dcr_holdout_median": float(np.median(dcr_holdout)), "dcr_holdout_median_ci": median_ci(dcr_holdout),
        "dcr_holdout_to_train_median": float(np.median(dcr_ht)), "dcr_holdout_to_train_median_ci": median_ci(dcr_ht),
        "holdout_share": tests["all"]["share"], "holdout_share_ci": tests["all"]["ci"],
        "holdout_share_pvalue": tests["all"]["pvalue"], "holdout_share_n": int(n_q),
        "holdout_share_real_neighbours": tests["all"]["n_real_neighbours"],
        "near_real_threshold": tau_near, "near_real_rows": int(np.sum(d_real <= tau_near)),
        "holdout_share_near": tests["near"]["share"], "holdout_share_near_ci": tests["near"]["ci"],
        "holdout_share_near_pvalue": tests["near"]["pvalue"],
        "holdout_share_near_real_neighbours": tests["near"]["n_real_neighbours"],
        "nndr_synthetic_median": float(np.median(nndr_syn)),
        "nndr_holdout_median": float(np.median(nndr_hold)),
        "nndr_low_share": n_low / n_q, "nndr_low_share_ci": binomial_ci(n_low, n_q),
        "exact_copies": exact, "exact_copies_holdout": exact_h, "real_exact_matches": real_exact,
        "real_exact_match_share": real_exact / len(holdout),
        "near_copy_threshold": tau_copy,
        "near_copies": n_near, "near_copy_share": n_near / n_q, "near_copy_share_ci": binomial_ci(n_near, n_q),
        "near_copy_share_train_eq": n_near_t / n_q, "near_copy_share_train_eq_ci": binomial_ci(n_near_t, n_q),
        "near_copy_share_holdout_eq": n_near_h / n_q, "near_copy_share_holdout_eq_ci": binomial_ci(n_near_h, n_q),
        "near_copy_train_share": tests["copy"]["share"], "near_copy_train_share_ci": tests["copy"]["ci"],
        "near_copy_pvalue": tests["copy"]["pvalue"],
        "outside_threshold": tau_out, "outside_share": n_out / n_q, "outside_share_ci": binomial_ci(n_out, n_q),
        "_dcr_train": dcr_train,
        "_dcr_holdout": dcr_holdout,
        "_dcr_holdout_to_train": dcr_ht,
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
    max_attack_rows: int | None = 10_000,
    max_kde_rows: int | None = 5_000,
    algorithm: str = "auto",
    indices: dict[str, NeighborIndex] | None = None,
) -> dict[str, dict[str, Any]]:
    """Distance and density-ratio (DOMIAS-style, KDE) attacks; members: training rows,
    non-members: holdout rows, each at most ``max_attack_rows`` and equally many. The KDEs
    use at most ``max_kde_rows`` synthetic (and holdout) rows: Scott's bandwidth shrinks as
    ``n^(-1/(d+4))``, so in 30 columns 5,000 rows and 10^6 rows give nearly the same density
    estimate at 1/200 of the cost."""
    rng = check_random_state(random_state)
    if len(holdout) < 4:
        raise InputError(f"the holdout table needs at least 4 rows for the membership attacks, got {len(holdout)}")
    n_cand = min(len(holdout), len(train), max_attack_rows or len(holdout))
    members = _balanced(train, n_cand, rng)
    h_sel = _sample(len(holdout), n_cand, rng)
    nonmembers = holdout[h_sel]
    cand = np.vstack([members, nonmembers])
    idx_s = _index(indices, "synthetic", synthetic, metric=metric, algorithm=algorithm, n_jobs=n_jobs,
                   random_state=int(rng.integers(2**31 - 1)))
    dist = idx_s.query(cand, 1)[0][:, 0]
    res = {"distance": attack_metrics(-dist[:len(members)], -dist[len(members):], fprs=fprs,
                                      n_bootstrap=n_bootstrap, random_state=rng)}
    # density ratio: p_syn from the synthetic rows; p_ref from the holdout fold the candidate is not in
    syn_kde = _balanced(synthetic, max_kde_rows or len(synthetic), rng)
    h_syn = bandwidth or scott_bandwidth(syn_kde)
    log_syn = gaussian_kde_logpdf(cand, syn_kde, h_syn, n_jobs=n_jobs)
    # folds over the whole holdout table: a non-member candidate's own fold is never its reference
    fold_all = rng.permutation(len(holdout)) % 2
    fold = np.r_[rng.permutation(len(members)) % 2, fold_all[h_sel]]
    log_ref = np.empty(len(cand))
    for f in (0, 1):
        ref = _balanced(holdout[fold_all != f], max_kde_rows or len(holdout), rng)
        h_ref = bandwidth or scott_bandwidth(ref)
        log_ref[fold == f] = gaussian_kde_logpdf(cand[fold == f], ref, h_ref, n_jobs=n_jobs)
    score = log_syn - log_ref
    res["density_ratio"] = attack_metrics(score[:len(members)], score[len(members):], fprs=fprs,
                                          n_bootstrap=n_bootstrap, random_state=rng)
    res["density_ratio"]["bandwidth_synthetic"] = float(h_syn)
    return res
