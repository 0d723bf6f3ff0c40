"""scikit-learn drop-ins: :func:`mutual_info_classif` and :func:`mutual_info_regression`
with scikit-learn's signatures (usable as ``score_func`` of ``SelectKBest`` /
``SelectPercentile``), and :class:`MISelector`, a transformer that keeps the ``k`` first
features of a selection strategy (univariate, mRMR, JMI, CMIM: :func:`infolens.select_features`)
or the features whose permutation test of independence from the target rejects at level
``alpha``.

They run :func:`infolens.feature_mi`: Ross (2014) for continuous features against class
labels (the estimator scikit-learn uses), KSG (Kraskov et al. 2004) for continuous
features against a continuous target, and the plug-in estimate for discrete pairs.
Differences from scikit-learn, on purpose: ``discrete_features="auto"`` detects discrete
columns (labels, or integral values with few levels) column by column, where
scikit-learn treats every dense column as continuous; ties are broken by dequantisation
(exact: I unchanged) instead of Gaussian noise of 1e-10; ``copy`` is accepted and has
nothing to do (X is never modified); features are not rescaled in place; identifiers
(labels unique or nearly so per row) score 0 with a warning instead of H(y); the doubts of
each column are issued as :class:`~infolens.errors.InfolensWarning` s naming it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.feature_selection import SelectorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .errors import InputError
from .tables import feature_mi
from .tables.features import emit_table_warnings
from .tables.select import STRATEGIES, select_features

__all__ = ["MISelector", "mutual_info_classif", "mutual_info_regression"]


def _prepare_x(X: Any) -> Any:
    """DataFrames pass as they are (each column keeps its type); sparse matrices become dense."""
    if hasattr(X, "toarray") and not type(X).__module__.startswith("pandas"):
        return X.toarray()
    return X


def _scores(
    X: Any, y: Any, discrete_features: Any, n_neighbors: int, random_state: Any, n_jobs: Any, discrete_target: bool
) -> np.ndarray:
    X = _prepare_x(X)
    names = (
        None if type(X).__module__.startswith("pandas") else [f"x{j}" for j in range(np.asarray(X).reshape(len(X), -1).shape[1])]
    )
    table = feature_mi(
        X,
        y,
        discrete_features=discrete_features,
        discrete_target=discrete_target,
        k=n_neighbors,
        n_subsamples=0,
        random_state=random_state,
        n_jobs=n_jobs,
        feature_names=names,
        warn=False,
    )
    emit_table_warnings(table, stacklevel=5)  # at the caller of mutual_info_*
    order = [str(c) for c in X.columns] if names is None else names
    mi = table.set_index("feature").loc[order, "mi"].to_numpy(dtype=np.float64)
    # as scikit-learn: a negative estimate of a non-negative quantity reads 0; identifiers
    # and failed columns (NaN: not measurable) read 0 too, with their warning issued
    return np.maximum(np.nan_to_num(mi, nan=0.0), 0.0)


def mutual_info_classif(
    X: Any,
    y: Any,
    *,
    discrete_features: Any = "auto",
    n_neighbors: int = 3,
    copy: bool = True,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Mutual information (nats, >= 0) between each feature of ``X`` and the class labels
    ``y`` (any labels: integers, strings, categoricals), in the column order of ``X``.
    The signature of ``sklearn.feature_selection.mutual_info_classif``; see the module doc
    for the differences. ``n_neighbors`` is the k of the kNN estimators (3, as
    scikit-learn; infolens's own functions default to 5)."""
    return _scores(X, y, discrete_features, n_neighbors, random_state, n_jobs, discrete_target=True)


def mutual_info_regression(
    X: Any,
    y: Any,
    *,
    discrete_features: Any = "auto",
    n_neighbors: int = 3,
    copy: bool = True,
    random_state: Any = None,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Mutual information (nats, >= 0) between each feature of ``X`` and a continuous
    target ``y``, in the column order of ``X``. The signature of
    ``sklearn.feature_selection.mutual_info_regression``; see the module doc.
    ``n_neighbors``: k of the kNN estimators (3, as scikit-learn)."""
    return _scores(X, y, discrete_features, n_neighbors, random_state, n_jobs, discrete_target=False)


class MISelector(SelectorMixin, BaseEstimator):
    """Keep the features that carry information about the target: the first ``k`` of a
    selection ``strategy``, or (``k=None``) those whose permutation test of independence
    (:func:`infolens.feature_mi`) gives an adjusted p-value below ``alpha``.

    Parameters
    ----------
    alpha : level of the (corrected) tests, used when ``k`` is None. It must be attainable:
        a permutation p-value is never below ``1 / (n_permutations + 1)`` (with Bonferroni
        or Holm, ``m / (n_permutations + 1)`` for m features); an ``alpha`` below that floor
        is refused with the number of permutations it needs.
    k : number of features to keep (None: by the test; "auto": the strategy's steps until one
        adds nothing beyond noise, :func:`infolens.select_features`). ``strategy`` orders them.
    strategy : "univariate" (by I(X_j; y)), "mrmr" (relevance minus mean redundancy),
        "jmi" (mean conditional MI given the chosen features; finds features informative
        only together) or "cmim" (the smallest conditional MI given a chosen feature; passes
        over copies of a chosen one): :func:`infolens.select_features`. "mrmr", "jmi" and
        "cmim" need ``k`` (a number or "auto").
    n_permutations : permutations per feature for the test (k None).
    correction : "fdr_bh" (false discovery rate), "holm", "bonferroni" or None.
    method : "auto" (per column kinds; see :func:`infolens.feature_mi`) or an estimator name.
    discrete_features, discrete_target, keep_identifiers : as :func:`infolens.feature_mi`.
    n_neighbors : k of the kNN estimators (None: the estimators' default, 5; scikit-learn's
        ``mutual_info_*`` use 3).
    n_jobs, random_state : threads and seed.

    Attributes
    ----------
    scores_ : MI of each feature (nats), in column order (NaN: not estimated).
    pvalues_ : permutation p-values; ``pvalues_adjusted_`` after the correction (k None).
    pvalue_floor_ : the smallest p-value the test can give, ``1 / (n_permutations + 1)``.
    selection_ : the selection order (:func:`infolens.select_features`) when ``k`` is set.
    table_ : the :func:`feature_mi` DataFrame (estimators, intervals, warnings, excluded).
    support_ : boolean mask of the kept features. ``n_features_in_``, ``feature_names_in_``.
    """

    def __init__(
        self,
        alpha: float = 0.05,
        *,
        k: int | None = None,
        strategy: str = "univariate",
        n_permutations: int = 200,
        correction: str | None = "fdr_bh",
        method: str = "auto",
        discrete_features: Any = "auto",
        discrete_target: Any = "auto",
        keep_identifiers: bool = False,
        n_neighbors: int | None = None,
        n_jobs: int | None = None,
        random_state: Any = None,
    ) -> None:
        self.alpha = alpha
        self.k = k
        self.strategy = strategy
        self.n_permutations = n_permutations
        self.correction = correction
        self.method = method
        self.discrete_features = discrete_features
        self.discrete_target = discrete_target
        self.keep_identifiers = keep_identifiers
        self.n_neighbors = n_neighbors
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.string = True
        tags.input_tags.sparse = True  # densified: one column at a time is a 1-D problem
        tags.input_tags.allow_nan = True  # missing values: pairwise-complete rows per feature
        return tags

    def _check_params(self, m: int) -> None:
        if self.strategy not in STRATEGIES:
            raise InputError(f"strategy must be one of {', '.join(map(repr, STRATEGIES))}, got {self.strategy!r}")
        if self.k is not None:
            if isinstance(self.k, str) and self.k == "auto":
                return
            if isinstance(self.k, bool) or not isinstance(self.k, (int, np.integer)) or self.k < 1:
                raise InputError(f"k must be a positive integer (features to keep), 'auto' (until a step of the strategy "
                                 f"adds nothing beyond noise) or None (keep by the test), got {self.k!r}")
            return
        if self.strategy != "univariate":
            raise InputError(f"strategy={self.strategy!r} orders features; give k (how many to keep, or 'auto')")
        if not (isinstance(self.alpha, (int, float)) and not isinstance(self.alpha, bool) and 0 < self.alpha < 1):
            raise InputError(f"alpha must be a number in (0, 1), got {self.alpha!r}")
        if (
            isinstance(self.n_permutations, bool)
            or not isinstance(self.n_permutations, (int, np.integer))
            or self.n_permutations < 1
        ):
            raise InputError(f"n_permutations must be an integer >= 1 (the test needs permutations), got {self.n_permutations!r}")
        B = int(self.n_permutations)
        mult = m if self.correction in ("bonferroni", "holm") else 1
        floor = mult / (B + 1)
        if self.alpha <= floor:  # kept: p_adjusted < alpha, so alpha must exceed the floor
            need = int(np.floor(mult / self.alpha))
            how = f" with correction={self.correction!r} over {m} features" if mult > 1 else ""
            raise InputError(
                f"alpha={self.alpha:g} is not above the smallest p-value {B} permutations can give{how} "
                f"({mult}/{B + 1} = {floor:.3g}): no feature could ever be kept; use n_permutations >= {need}, "
                f"or an alpha above {floor:.3g}"
            )

    def fit(self, X: Any, y: Any) -> MISelector:
        """Score (and test or order) every feature of ``X`` against ``y``; returns self."""
        frame = type(X).__module__.startswith("pandas")
        Xv, yv = validate_data(self, X, y, dtype=None, ensure_min_samples=2, accept_sparse=("csr", "csc"),
                               ensure_all_finite=False)
        self._check_params(self.n_features_in_)
        data = X if frame else _prepare_x(Xv)
        names = None if frame else [f"x{j}" for j in range(self.n_features_in_)]
        order = [str(c) for c in X.columns] if frame else names
        params: dict[str, Any] = {} if self.n_neighbors is None else {"k": self.n_neighbors}
        tested = self.k is None
        B = int(self.n_permutations) if tested else 0
        table = feature_mi(
            data,
            yv,
            method=self.method,
            n_permutations=B,
            correction=self.correction,
            discrete_features=self.discrete_features,
            discrete_target=self.discrete_target,
            keep_identifiers=self.keep_identifiers,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
            feature_names=names,
            warn=False,
            **params,
        )
        emit_table_warnings(table, stacklevel=3)  # at the caller of fit
        by = table.set_index("feature").loc[order]
        self.table_ = table
        self.scores_ = by["mi"].to_numpy(dtype=np.float64)
        self.pvalues_ = by["p_value"].to_numpy(dtype=np.float64)
        self.pvalues_adjusted_ = by["p_adjusted"].to_numpy(dtype=np.float64)
        self.pvalue_floor_ = 1.0 / (B + 1) if tested else float("nan")
        if tested:
            self.support_ = np.nan_to_num(self.pvalues_adjusted_, nan=1.0) < self.alpha
            return self
        k = self.k if isinstance(self.k, str) else int(self.k)  # type: ignore[arg-type]  # set: not tested
        if self.strategy == "univariate" and not isinstance(k, str):
            ranked = table[table["excluded"] == ""]["feature"].tolist()[:k]
            self.selection_ = None
        else:
            import warnings

            with warnings.catch_warnings():  # the table's warnings were issued above
                warnings.simplefilter("ignore")
                sel = select_features(data, yv, k=k, strategy=self.strategy,
                                      discrete_target=self.discrete_target, n_neighbors=self.n_neighbors or 5,
                                      keep_identifiers=self.keep_identifiers, n_jobs=self.n_jobs,
                                      random_state=self.random_state, feature_names=names, warn=False)
            self.selection_ = sel
            ranked = sel["feature"].tolist()
        self.support_ = np.isin(np.array(order, dtype=object), np.array(ranked, dtype=object))
        return self

    def _get_support_mask(self) -> np.ndarray:
        check_is_fitted(self, "support_")
        return self.support_
