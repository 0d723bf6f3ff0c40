"""Where a curve stops rising: the plateau of an information-vs-size curve with its uncertainty,
the sizes a study tries by default, and decreases the error bars do not explain."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..stats import compare


def _monotone_fit(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted isotonic (non-decreasing) least squares of values ordered by size (SciPy's PAVA)."""
    from scipy.optimize import isotonic_regression

    return isotonic_regression(values, weights=weights, increasing=True).x


def plateau(sizes: Sequence[float], values: Sequence[float], stderrs: Sequence[float] | None = None,
            frac: float = 0.95, n_boot: int = 2000, random_state: int = 0,
            seed_values: Any = None, seed_stderrs: Any = None) -> dict[str, Any]:
    """The smallest size whose value reaches ``frac`` of the maximum, with its uncertainty.

    The curve is first fitted by weighted isotonic (non-decreasing) regression (weights
    1/se^2), so the "maximum" is a pooled average of the top sizes rather than the largest
    noisy point. The uncertainty is a bootstrap: each per-size value is redrawn from
    N(value, se^2), the fit and the threshold recomputed; with ``seed_values`` (sizes x seeds,
    NaN where a seed is missing; ``seed_stderrs`` their own errors) each draw also resamples
    the seeds with replacement and averages them, so seed-to-seed variation (training runs,
    estimator noise) enters the interval, not only one run's test-set noise. The 5%/95%
    quantiles of the resulting sizes form a 90% interval (``lo``, ``hi``). Grid: a plateau found
    at a tested size only says that the curve crosses the threshold after the tested size
    below it, so ``grid_lo`` is the tested size below ``lo`` (0 below the smallest) and the
    interval that accounts for the grid is (``grid_lo``, ``hi``]. ``still_rising``: the value at
    the largest size exceeds the one before by more than 2 combined standard errors, so there
    is no plateau within the tested sizes.
    """
    s = np.asarray(sizes, dtype=float)
    v = np.asarray(values, dtype=float)
    if s.ndim != 1 or len(s) != len(v) or len(s) == 0:
        raise ValueError(f"sizes and values must be 1-D of the same length, got {s.shape} and {v.shape}")
    order = np.argsort(s)
    s, v = s[order], v[order]
    se = np.zeros_like(v) if stderrs is None else np.asarray(stderrs, dtype=float)[order]
    se = np.where(np.isfinite(se) & (se > 0), se, np.nan)
    fill = np.nanmedian(se) if np.isfinite(se).any() else max(1e-3 * np.abs(v).max(), 1e-9)
    se = np.where(np.isnan(se), fill, se)
    w = 1.0 / se**2
    sv = sse = None
    if seed_values is not None:
        sv = np.asarray(seed_values, dtype=float)
        if sv.ndim != 2 or sv.shape[0] != len(s):
            raise ValueError(f"seed_values must be (sizes, seeds) = ({len(s)}, k), got shape {sv.shape}")
        sv = sv[order]
        sse = np.zeros_like(sv) if seed_stderrs is None else np.asarray(seed_stderrs, dtype=float)[order]
        sse = np.where(np.isfinite(sse), sse, 0.0)
        if sv.shape[1] < 2:
            sv = sse = None  # one seed: its own errors are all there is (the parametric draw above)

    def first_reaching(vals: np.ndarray) -> float:
        fit = _monotone_fit(vals, w)
        top = fit.max()
        if not np.isfinite(top) or top <= 0:
            return float("nan")
        return float(s[np.argmax(fit >= frac * top)])

    point = first_reaching(v)
    rng = np.random.default_rng(random_state)
    if sv is None or sse is None:
        boots = np.array([first_reaching(v + rng.normal(size=len(v)) * se) for _ in range(n_boot)])
    else:
        k = sv.shape[1]
        draws = []
        for _ in range(n_boot):
            pick = rng.integers(0, k, size=k)
            noisy = sv[:, pick] + rng.normal(size=(len(s), k)) * sse[:, pick]
            with np.errstate(invalid="ignore"):
                curve = np.nanmean(noisy, axis=1)
            draws.append(first_reaching(np.where(np.isfinite(curve), curve, v)))
        boots = np.array(draws)
    boots = boots[np.isfinite(boots)]
    fit = _monotone_fit(v, w)
    # still rising: the last step of the curve is an increase that its error bars do not explain
    # (2 combined se), so the maximum is not in sight and the "plateau" is only the largest size tried
    rising = bool(len(v) > 1 and exceeds(v[-1], v[-2], se[-1], se[-2], z=2.0))
    out: dict[str, Any] = {"size": point, "frac": frac, "max_fitted": float(fit.max()), "n_boot": int(len(boots)),
                           "still_rising": rising, "n_seeds": 1 if sv is None else int(sv.shape[1])}
    if len(boots):
        # quantiles that are sizes actually drawn (no interpolation between grid points)
        out["lo"] = float(np.quantile(boots, 0.05, method="inverted_cdf"))
        out["hi"] = float(np.quantile(boots, 0.95, method="inverted_cdf"))
        out["boot_mean"] = float(boots.mean())
        vals, counts = np.unique(boots, return_counts=True)
        out["distribution"] = {str(int(a) if a == int(a) else a): float(c / len(boots)) for a, c in zip(vals, counts)}
        below = s[s < out["lo"]]
        out["grid_lo"] = float(below.max()) if len(below) else 0.0
    else:
        out["lo"] = out["hi"] = out["grid_lo"] = float("nan")
    return out


def default_sizes(native: int) -> list[int]:
    """5, 10, ..., 50 pixels for images of at least 50 pixels (CelebA, STL-10); otherwise up to
    ten sizes spaced geometrically from 1 to the native size, where the small sizes (at which
    the information changes fastest) are resolved (28 -> 1, 2, 3, 4, 6, 9, 13, 19, 28; 8 -> 1..6, 8)."""
    if native >= 50:
        return list(range(5, 51, 5))
    return sorted({max(1, int(round(v))) for v in np.geomspace(1, native, 10)})


def monotone_violations(values: Sequence[float], stderrs: Sequence[float], z: float = 2.0) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, where ``values[j]`` falls below ``values[i]`` by more than ``z``
    combined standard errors (a decrease that the error bars do not explain)."""
    v, se = np.asarray(values, float), np.asarray(stderrs, float)
    ok = np.isfinite(se)  # a pair with an unknown error is not judged
    return [(i, j) for i in range(len(v)) for j in range(i + 1, len(v))
            if ok[i] and ok[j] and exceeds(v[i], v[j], se[i], se[j], z=z)]


def exceeds(a: float, b: float, se_a: float | None, se_b: float | None, z: float = 2.0) -> bool:
    """``a`` above ``b`` beyond ``z`` of their combined standard errors (:func:`infolens.stats.compare`,
    the one rule; a non-finite value exceeds nothing)."""
    c = compare(float(a), float(b), se_a, se_b, z=z)
    return bool(c.differ and c.gap > 0)
