"""Redundancy-aware feature selection: the order in which features add information about
the target, one step at a time, with each step's (conditional) MI and its error.

* ``"univariate"``: by I(X_j; y) alone (what ``SelectKBest(mutual_info_classif)`` does).
* ``"mrmr"`` (Peng, Long & Ding 2005): step score ``I(X_j; y) - mean_{s in S} I(X_j; X_s)``,
  relevance minus the mean redundancy with the features already chosen (a mean that reads
  below 0, estimation noise, counts as 0).
* ``"jmi"`` (Yang & Moody 1999; Brown et al. 2012): step score ``mean_{s in S} I(X_j; y | X_s)``,
  the information X_j adds to each chosen feature (``I(X_j, X_s; y) - I(X_s; y)``). It starts
  from the pair with the largest joint MI ``I(X_i, X_j; y)`` (all pairs when there are at
  most :data:`PAIR_START_MAX` candidates), so features that are informative only together
  (an XOR) are found, where every univariate rule is blind to them.
* ``"cmim"`` (Fleuret 2004): step score ``min_{s in S} I(X_j; y | X_s)``, what X_j adds to the
  chosen feature it repeats most; same start as jmi. A feature that repeats a chosen one (in
  other units, or with a little noise) scores near 0 however much it adds to the others,
  where jmi's mean keeps it high.

Relevance comes from :func:`~infolens.tables.feature_mi` (identifiers and constant columns
are left out, missing values as there); for the joint and redundancy terms every column
is one numeric variable: labels as integer codes, missing values spread over a range below
the column's, each column dequantised by its smallest gap (a bijection: the MI terms are those of
the columns themselves). kNN estimators: Ross (2014) for a discrete target, KSG for a
continuous one and for redundancy. Errors: the relevance's own standard error; redundancy
and conditional terms by half-sampling (10 random halves) for the chosen feature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from ..errors import InputError
from ..estimators.batched_knn import ksg_batch
from ..estimators.ties import prepare
from ..registry import get_estimator
from ..stats import combined_se
from ..validation import check_choice, check_paired_index, seed_from
from .columns import Column, split_columns, split_target, type_column
from .score import dequantize, prepare_target

STRATEGIES = ("univariate", "mrmr", "jmi", "cmim")
#: family-wise one-sided level of a step's "beyond noise" test over the candidates it chose among
NOISE_ALPHA = 0.05
#: permutations of a chosen feature giving the null of its conditional term (jmi, cmim)
NULL_PERMUTATIONS = 20
#: chosen features a jmi null averages over at most (drawn at random): the null's mean is the
#: terms' bias, alike for every chosen feature, and its sd over fewer terms is if anything
#: larger (a stricter test), while the cost no longer grows with the square of the steps
NULL_TERMS = 5
#: jmi searches every pair for its first two features up to this many candidates
PAIR_START_MAX = 60
#: halves for the error of a step's redundancy / conditional term
N_HALVES = 10


def noise_edge(candidates: int) -> float:
    """The z a step's score must exceed, in its standard errors, to be beyond noise: the
    one-sided :data:`NOISE_ALPHA` quantile, Bonferroni-corrected for the ``candidates`` it
    was the best of (the best of 20 independent columns reads 1.9 errors above 0 on average,
    beyond the uncorrected 1.64 about half the time)."""
    from scipy.stats import norm

    return float(norm.isf(NOISE_ALPHA / max(int(candidates), 1)))


@dataclass(frozen=True)
class Step:
    """One step of a selection: the columns of ``select_features``' table (``null_mean``,
    ``null_sd``: the permutation null of a jmi / cmim conditional term, NaN elsewhere)."""

    step: int
    feature: str
    score: float
    stderr: float
    relevance: float
    relevance_stderr: float
    redundancy: float = math.nan
    conditional: float = math.nan
    candidates: int = 1
    null_mean: float = math.nan
    null_sd: float = math.nan

    @classmethod
    def first(cls, step: int, feature: str, rel: dict[str, float], rel_se: dict[str, float], candidates: int) -> "Step":
        """A step scored by its relevance alone (univariate; the first of mrmr, jmi, cmim)."""
        return cls(step, feature, rel[feature], rel_se[feature], rel[feature], rel_se[feature], candidates=candidates)

    @property
    def beyond_noise(self) -> bool:
        """Whether the step is beyond noise (``select_features``' doc): a conditional term (jmi,
        cmim) above its permutation null's mean by :func:`noise_edge` null sds; else the
        relevance above that many of its standard errors. The halves' error of a conditional
        term holds no bias, and its kNN estimate has one: two dims against one, an independent
        column's term read 0.02-0.05 nats with an error of 0.005 (breast cancer with ten noise
        columns: jmi kept 31 of 40 columns)."""
        edge = noise_edge(self.candidates)
        if math.isfinite(self.null_sd):
            return bool(self.score - self.null_mean > edge * self.null_sd)
        se = self.relevance_stderr if math.isfinite(self.relevance_stderr) else 0.0
        return bool(math.isfinite(self.relevance) and self.relevance > edge * se)


#: the table's columns, in order (a Step's fields up to ``candidates``, then ``beyond_noise``)
COLUMNS = [f.name for f in fields(Step)][:9]


def select_features(
    X: Any,
    y: Any,
    k: int | str | None = None,
    strategy: str = "mrmr",
    *,
    discrete_target: bool | str = "auto",
    n_neighbors: int = 5,
    keep_identifiers: bool = False,
    n_jobs: int | None = None,
    random_state: Any = None,
    feature_names: Any = None,
    warn: bool = True,
    groups: Any = None,
):
    """The selection order of up to ``k`` features (None: all candidates; "auto": until a
    step adds nothing beyond noise, below) by ``strategy``
    (module doc), as a DataFrame with one row per step: ``step, feature, score, stderr``
    (the step's criterion in nats and its standard error: the relevance for univariate,
    relevance minus redundancy for mrmr, the mean conditional MI for jmi, the smallest for
    cmim), ``relevance``,
    ``relevance_stderr`` (I(X_j; y)), ``redundancy`` (mrmr: mean I(X_j; X_s)) and
    ``conditional`` (jmi: mean I(X_j; y | X_s); cmim: the smallest), ``candidates`` (how many
    features the step chose among) and ``beyond_noise``: the step adds information that the
    best of that many columns would not show by chance, at :func:`noise_edge` (``candidates``)
    (:attr:`Step.beyond_noise`: univariate and mrmr test the chosen column's relevance against its
    standard error, jmi and cmim the conditional term against its permutation null, which
    holds the kNN bias of a joint term). ``k="auto"`` stops before the first
    step that is not beyond noise (with jmi and cmim, whose first two features come as a
    pair, the first is kept when it or the second is). ``n_neighbors``: k of the kNN estimators
    (default 5; scikit-learn's is 3). ``df.attrs["table"]`` is the feature_mi table of the
    relevances; ``df.attrs["left_out"]`` the columns not considered and why. ``groups``: rows
    that belong together (keys, or the name of a column of ``X``): the whole selection runs on
    one row per group, drawn at random (:mod:`infolens.grouped`; ``df.attrs["groups"]``), so that
    its relevances, redundancies and conditional terms all count groups, not rows. ``y`` may
    be the name of a column of the DataFrame ``X`` (taken out of it), like ``groups``."""
    import pandas as pd

    from .features import feature_mi

    X, y = split_target(X, y)
    if groups is not None:
        from .. import grouped as gr
        from ..errors import emit

        check_paired_index(X, y, "X", "y")
        X, groups = gr.split_groups(X, groups)
        codes = gr.group_codes(groups, len(X))
        base = seed_from(random_state)
        keep = gr.one_per_group(codes, np.random.default_rng(base))
        out = select_features(gr.take_rows(X, keep), gr.take_rows(y, keep), k, strategy, discrete_target=discrete_target,
                              n_neighbors=n_neighbors, keep_identifiers=keep_identifiers, n_jobs=n_jobs, random_state=base,
                              feature_names=feature_names, warn=warn)
        note = gr.grouped_flag(int(codes.max()) + 1, len(codes), 1)
        out.attrs["groups"] = {**note.data, "message": str(note)}
        if warn:
            emit([note], where="selection", stacklevel=3)
        return out

    check_choice(strategy, "strategy", STRATEGIES)
    until_noise = isinstance(k, str) and k == "auto"
    if k is not None and not until_noise and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1):
        raise InputError(f"k must be a positive integer (the number of features to select), 'auto' (until a step adds "
                         f"nothing beyond noise) or None (every feature), got {k!r}")
    table = feature_mi(X, y, discrete_target=discrete_target, keep_identifiers=keep_identifiers, k=n_neighbors,
                       n_jobs=n_jobs, random_state=random_state, feature_names=feature_names, warn=warn)
    ok = table[(table["excluded"] == "") & np.isfinite(table["mi"].to_numpy(dtype=float))]
    left_out = {str(r.feature): (r.excluded or "no finite estimate") for r in table.itertuples() if r.feature not in set(ok["feature"])}
    names = [str(f) for f in ok["feature"]]
    rel = dict(zip(names, ok["mi"].to_numpy(dtype=float)))
    rel_se = dict(zip(names, np.nan_to_num(ok["stderr"].to_numpy(dtype=float), nan=0.0)))
    kk = len(names) if (k is None or until_noise) else min(int(k), len(names))
    if strategy == "univariate" or kk == 0:
        rows = [Step.first(i + 1, f, rel, rel_se, len(names) - i) for i, f in enumerate(names[:kk])]
        if until_noise:
            rows = rows[:next((i for i, r in enumerate(rows) if not r.beyond_noise), len(rows))]
    else:
        rng = np.random.default_rng(seed_from(random_state) + 104729)
        Z, target = _numeric_columns(X, y, names, discrete_target, feature_names, rng)
        sel = _Selector(Z, target, rel, rel_se, int(n_neighbors), rng, until_noise)
        rows = getattr(sel, strategy)(kk)
    out = pd.DataFrame([[getattr(r, c) for c in COLUMNS] for r in rows], columns=COLUMNS)
    out["beyond_noise"] = [r.beyond_noise for r in rows]
    out.attrs.update({"strategy": strategy, "table": table, "left_out": left_out, "unit": "nats",
                      "k": "auto" if until_noise else k, "noise_alpha": NOISE_ALPHA})
    return out


def _numeric_columns(X: Any, y: Any, names: list[str], discrete_target: Any, feature_names: Any,
                     rng: np.random.Generator) -> tuple[dict[str, np.ndarray], Column]:
    raw = dict(split_columns(X, "X", feature_names))
    target = prepare_target(y, discrete_target, int(rng.integers(2**31 - 1)))
    Z = {}
    for nm in names:
        c = type_column(nm, raw[nm], None, f"X column {nm!r}", missing="category", rng=rng)
        Z[nm] = dequantize(c.values.astype(np.float64), rng)
    if target.missing is not None:
        keep = ~target.missing
        Z = {nm: v[keep] for nm, v in Z.items()}
        target = target.take(keep)
    Z = {nm: prepare(v[:, None], nm, "dequantize", True, rng)[0][:, 0] for nm, v in Z.items()}
    return Z, target


class _Selector:
    def __init__(self, Z: dict[str, np.ndarray], target: Column, rel: dict[str, float], rel_se: dict[str, float],
                 k: int, rng: np.random.Generator, until_noise: bool = False) -> None:
        self.Z, self.target, self.rel, self.rel_se, self.k, self.rng = Z, target, rel, rel_se, k, rng
        self.n = len(next(iter(Z.values())))
        self.until_noise = until_noise  # (k="auto": stop before a step that is not beyond noise)

    # --- the MI terms -------------------------------------------------------------
    def _joint(self, a: np.ndarray, b: np.ndarray, rows: np.ndarray | None = None) -> float:
        """I((a, b); y) on ``rows`` (values only)."""
        x = np.column_stack([a, b]) if rows is None else np.column_stack([a[rows], b[rows]])
        t = self.target.values if rows is None else self.target.values[rows]
        if self.target.kind == "discrete":
            est = get_estimator("ross", k=self.k, discrete_y=True, n_subsamples=0, random_state=0)
        else:
            est = get_estimator("ksg", k=self.k, n_subsamples=0, random_state=0)
        return float(est.estimate(x, t).mi)

    def _single(self, a: np.ndarray, rows: np.ndarray) -> float:
        t = self.target.values[rows]
        if self.target.kind == "discrete":
            est = get_estimator("ross", k=self.k, discrete_y=True, n_subsamples=0, random_state=0)
        else:
            est = get_estimator("ksg", k=self.k, n_subsamples=0, random_state=0)
        return float(est.estimate(a[rows], t).mi)

    def _redundancy(self, cands: list[str], s: str) -> dict[str, float]:
        """I(Z_j; Z_s) for every candidate j (one batched KSG call)."""
        U = np.stack([self.Z[c] for c in cands])
        return dict(zip(cands, (float(v) for v in ksg_batch(U, self.Z[s], k=self.k, workers=1))))

    def _halves(self) -> list[np.ndarray]:
        h = self.n // 2
        return [np.sort(self.rng.permutation(self.n)[:h]) for _ in range(N_HALVES)]

    def _redundancy_se(self, j: str, s: str) -> float:
        vals = [float(ksg_batch(self.Z[j][r][None], self.Z[s][r], k=self.k, workers=1)[0]) for r in self._halves()]
        return float(np.std(vals, ddof=1))

    def _conditional_se(self, j: str, s: str) -> float:
        vals = [self._joint(self.Z[j], self.Z[s], r) - self._single(self.Z[s], r) for r in self._halves()]
        return float(np.std(vals, ddof=1))

    def _null(self, j: str, S: list[str], marg: dict[str, float]) -> tuple[float, float]:
        """Mean and sd of the conditional term of ``j`` (the mean over ``S``, at most
        :data:`NULL_TERMS` of them, of I(X_j; y | X_s)) with ``X_j``'s rows permuted
        (:data:`NULL_PERMUTATIONS`): what a column that adds nothing reads, the kNN bias of a
        joint term included."""
        if len(S) > NULL_TERMS:
            S = [S[i] for i in np.sort(self.rng.choice(len(S), NULL_TERMS, replace=False))]
        vals = []
        for _ in range(NULL_PERMUTATIONS):
            zj = self.Z[j][self.rng.permutation(self.n)]
            vals.append(float(np.mean([self._joint(zj, self.Z[s]) - marg[s] for s in S])))
        return float(np.mean(vals)), float(np.std(vals, ddof=1))

    # --- the strategies -----------------------------------------------------------
    def mrmr(self, kk: int) -> list[Step]:
        names = list(self.Z)
        first = max(names, key=lambda f: self.rel[f])
        S = [first]
        rows = [Step.first(1, first, self.rel, self.rel_se, len(names))]
        if self.until_noise and not rows[0].beyond_noise:
            return []
        red_sum = {c: 0.0 for c in names}
        while len(S) < kk:
            cands = [c for c in names if c not in S]
            for c, v in self._redundancy(cands, S[-1]).items():
                red_sum[c] += v
            # a negative mean redundancy is estimation noise (MI >= 0): read as 0, so that noise
            # columns are not preferred for a redundancy that happens to read below zero
            j = max(cands, key=lambda c: self.rel[c] - max(red_sum[c] / len(S), 0.0))
            red = max(red_sum[j] / len(S), 0.0)
            red_se = math.sqrt(sum(self._redundancy_se(j, s) ** 2 for s in S)) / len(S)
            se = combined_se(self.rel_se[j], red_se)
            row = Step(len(S) + 1, j, self.rel[j] - red, se, self.rel[j], self.rel_se[j], redundancy=red,
                       candidates=len(cands))
            if self.until_noise and not row.beyond_noise:
                break
            rows.append(row)
            S.append(j)
        return rows

    def jmi(self, kk: int) -> list[Step]:
        return self._conditional(kk, "mean")

    def cmim(self, kk: int) -> list[Step]:
        return self._conditional(kk, "min")

    def _conditional(self, kk: int, combine: str) -> list[Step]:
        """jmi (``combine="mean"``: the mean of I(X_j; y | X_s) over the chosen s) or cmim
        (``"min"``: its smallest, what X_j adds to the chosen feature it repeats most)."""
        names = list(self.Z)
        if len(names) == 1:
            row = Step.first(1, names[0], self.rel, self.rel_se, 1)
            return [] if self.until_noise and not row.beyond_noise else [row]
        if len(names) <= PAIR_START_MAX:
            pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
            joint = {p: self._joint(self.Z[p[0]], self.Z[p[1]]) for p in pairs}
            a, b = max(pairs, key=lambda p: joint[p])
            first, second = (a, b) if self.rel[a] >= self.rel[b] else (b, a)
        else:
            first = max(names, key=lambda f: self.rel[f])
            second = None
        S = [first]
        rows = [Step.first(1, first, self.rel, self.rel_se, len(names))]
        cond_sum = {c: 0.0 for c in names}
        cond_min: dict[str, tuple[float, str]] = {c: (math.inf, "") for c in names}
        all_rows = np.arange(self.n)
        marg: dict[str, float] = {}
        while len(S) < kk:
            cands = [c for c in names if c not in S]
            s = S[-1]
            marg[s] = self._single(self.Z[s], all_rows)
            for c in cands:
                v = self._joint(self.Z[c], self.Z[s]) - marg[s]
                cond_sum[c] += v
                cond_min[c] = min(cond_min[c], (v, s))

            def score(c: str) -> float:
                return cond_sum[c] / len(S) if combine == "mean" else cond_min[c][0]

            j = second if (second is not None and len(S) == 1) else max(cands, key=score)
            cond = score(j)
            if combine == "mean":
                se = math.sqrt(sum(self._conditional_se(j, t) ** 2 for t in S)) / len(S)
            else:
                se = self._conditional_se(j, cond_min[j][1])
            null_mean, null_sd = self._null(j, S if combine == "mean" else [cond_min[j][1]], marg)
            row = Step(len(S) + 1, j, cond, se, self.rel[j], self.rel_se[j], conditional=cond, candidates=len(cands),
                       null_mean=null_mean, null_sd=null_sd)
            if self.until_noise and not row.beyond_noise:
                # (the pair start: the first stays when it is beyond noise on its own)
                return rows if len(S) > 1 or rows[0].beyond_noise else []
            rows.append(row)
            S.append(j)
        if self.until_noise and len(rows) == 1 and not rows[0].beyond_noise:
            return []
        return rows
