"""The chance-corrected plug-in MI of two discrete columns: the plug-in estimate minus its
exact expectation under independence with the margins fixed (the permutation model).

Under that model the cell count ``n_ij`` of levels i, j is hypergeometric (``n`` rows,
``a_i`` of level i, ``b_j`` draws), so the expected plug-in MI is the exact sum

    E[I] = sum_ij sum_k (k / n) log(n k / (a_i b_j)) P(n_ij = k)

(Vinh, Epps & Bailey 2010, the "EMI" of the adjusted mutual information). ``I - E[I]`` is
0 on average for independent columns whatever their number of levels, where the plug-in
estimate of a 1,000-level column of pure noise against a binary target at n = 5,000 reads
0.19 nats (2,500 levels) or 0.034 (1,000 levels, with the Miller–Madow correction);
measured in docs/tables.md. It is also the permutation null's mean, exactly, so the
permutation test of ``I - E[I]`` is the test of ``I``.

Under dependence the plug-in's bias is smaller than its expectation under independence (the
joint distribution fills fewer cells than the product of its margins), so ``I - E[I]``
over-corrects and reads low where the chance term is large: a label copied with probability
0.3 over 30 levels (MI 0.493) reads 0.33 at n = 300 and 0.46 at n = 1000, where the
Miller-Madow plug-in reads 1.29 and 0.73. The two bracket the truth; ``method="auto"`` runs
both on two discrete sides and grades by their gap (docs/estimators.md).

:class:`ChanceCorrectedMI` (``method="plugin-chance"``) is the estimator; the functions are
shared with the feature table (``tables/score.py``), the matrix and their distributed runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from scipy.stats import hypergeom

from ..errors import flag
from ..registry import register
from ..validation import check_random_state
from .binning import Binning
from .resampling import halfsample_stderr

#: the chance term E[I] above this share of the value is said to make it read low (the
#: over-correction under dependence is at most the chance term itself)
CHANCE_SHARE_WARN = 0.10


def expected_plugin_mi(counts_a: np.ndarray, counts_b: np.ndarray) -> float:
    """E[plug-in I(A;B)] (nats, no Miller–Madow term) for independent columns with the level
    counts ``counts_a`` and ``counts_b`` fixed (the hypergeometric model)."""
    a_vals, a_mult = np.unique(np.asarray(counts_a, dtype=np.int64), return_counts=True)
    b_vals, b_mult = np.unique(np.asarray(counts_b, dtype=np.int64), return_counts=True)
    n = int(np.sum(counts_a))
    total = 0.0
    for a, ma in zip(a_vals, a_mult):
        for b, mb in zip(b_vals, b_mult):
            lo, hi = max(1, a + b - n), min(a, b)
            if hi < lo:
                continue
            k = np.arange(lo, hi + 1, dtype=np.float64)
            p = hypergeom.pmf(k, n, a, b)
            total += float(ma * mb * np.sum(k / n * np.log(n * k / (float(a) * float(b))) * p))
    return total


def plugin_mi_raw(a: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Plug-in I(A;B) (nats) of two integer-code columns, with their level counts."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    a, b = a.reshape(-1), b.reshape(-1)
    n = a.size
    kb = int(b.max()) + 1
    ca, cb = np.bincount(a), np.bincount(b)
    joint = np.bincount(a * kb + b)
    joint = joint[joint > 0].astype(np.float64)
    pa, pb = ca[ca > 0] / n, cb[cb > 0] / n
    h = lambda p: float(-(p * np.log(p)).sum())  # noqa: E731
    return h(pa) + h(pb) - h(joint / n), ca[ca > 0], cb[cb > 0]


def chance_corrected_mi(a: np.ndarray, b: np.ndarray) -> float:
    """Plug-in I(A;B) minus its expectation under independence (see the module doc)."""
    raw, ca, cb = plugin_mi_raw(a, b)
    return raw - expected_plugin_mi(ca, cb)


def chance_corrected_estimate(
    a: np.ndarray, b: np.ndarray, n_halves: int, rng: np.random.Generator
) -> tuple[float, float | None, float | None]:
    """``(I - E[I], half-sampling standard error, 95% half-width)`` (None without halves).
    The half-width is the Student-t quantile with ``n_halves - 1`` degrees of freedom times
    the standard error, as for the kNN estimators (the spread of 10 halves is itself uncertain)."""
    mi = chance_corrected_mi(a, b)
    hs = halfsample_stderr(chance_corrected_mi, (a, b), n_halves, rng)
    return mi, hs["stderr"], hs["ci_halfwidth"]


def chance_stat_factory(a: np.ndarray, b: np.ndarray) -> Callable[[np.ndarray | None], np.ndarray]:
    """``stat(perms)`` for the permutation test: the plug-in MI of ``a[perm]`` and ``b``
    minus E[I] (a constant: permutations keep the margins), so the observed value is the
    estimate itself."""
    _, a = np.unique(a, return_inverse=True)
    _, b = np.unique(b, return_inverse=True)
    a, b = a.reshape(-1), b.reshape(-1)
    kb = int(b.max()) + 1
    raw, ca, cb = plugin_mi_raw(a, b)
    n = a.size
    pa, pb = ca / n, cb / n
    h_margins = float(-(pa * np.log(pa)).sum() - (pb * np.log(pb)).sum())
    emi = expected_plugin_mi(ca, cb)

    def stat(perms: np.ndarray | None) -> np.ndarray:
        A = a[None, :] if perms is None else a[perms]
        out = np.empty(len(A))
        for r, ar in enumerate(A):
            joint = np.bincount(ar * kb + b)
            p = joint[joint > 0] / n
            out[r] = h_margins + float((p * np.log(p)).sum()) - emi
        return out

    return stat


@register("chance-corrected", "adjusted-plugin")
class ChanceCorrectedMI(Binning):
    """Plug-in MI of two discrete variables (continuous columns cut into bins as ``binning``
    does) minus its exact expectation under independence with the margins fixed (module
    docstring): unbiased for independent variables at any number of levels, low under
    dependence by up to that expectation (the "chance term", ``diagnostics["chance_term"]``).

    Parameters
    ----------
    bins, strategy, discrete_x, discrete_y, max_cells : as for ``binning``.
    n_subsamples : half-samples for the standard error (the Student-t interval of their spread).
    random_state : seed of the half-samples.
    """

    name: ClassVar[str] = "plugin-chance"
    #: exact at independence; under dependence the subtracted expectation exceeds the bias
    bias: ClassVar[str] = "low"
    _test_params: ClassVar[dict[str, Any]] = {"n_subsamples": 4}

    def __init__(
        self,
        bins: int | str = "auto",
        strategy: str = "quantile",
        discrete_x: bool | str = "auto",
        discrete_y: bool | str = "auto",
        max_cells: int = 10_000_000,
        n_subsamples: int = 10,
        random_state: Any = None,
    ) -> None:
        # (the grid's parameters, stored as binning stores them; no Miller-Madow term here)
        self.bins = bins
        self.strategy = strategy
        self.discrete_x = discrete_x
        self.discrete_y = discrete_y
        self.max_cells = max_cells
        self.n_subsamples = n_subsamples
        self.random_state = random_state

    def _validate(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        return self._validate_grid(x, y)

    def _estimate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None, dict[str, Any]]:
        kx, ky, _, _, grid = self._joint_codes(x, y)
        grid.pop("continuous_columns")
        raw, ca, cb = plugin_mi_raw(kx, ky)
        chance = expected_plugin_mi(ca, cb)
        mi = raw - chance
        hs = halfsample_stderr(chance_corrected_mi, (kx, ky), int(self.n_subsamples), check_random_state(self.random_state))
        diag: dict[str, Any] = {**grid, "plug_in": raw, "chance_term": chance, "stderr_method": hs["method"]}
        if hs["ci_halfwidth"] is not None:
            diag["ci"] = (mi - hs["ci_halfwidth"], mi + hs["ci_halfwidth"])
        warns = []
        if chance > CHANCE_SHARE_WARN * max(abs(mi), 0.01):
            warns.append(flag(
                "small-sample",
                f"the chance term subtracted (the plug-in's expectation under independence, {chance:.3g} nats) is "
                f"{chance / max(abs(mi), 1e-12):.0%} of the value: where the variables depend on each other the "
                "plug-in's own bias is smaller than that, so this value may read low by up to the chance term "
                "(the Miller-Madow plug-in, method='binning', errs the other way)",
                chance_term_nats=chance, reads_low=True))
        diag["warnings"] = warns
        se = hs["stderr"]
        return float(mi), (None if se is None or not math.isfinite(se) else float(se)), diag
