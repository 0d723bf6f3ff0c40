"""Input checks in one place.

Every public entry point turns user data into NumPy arrays here, so the error
messages are the same everywhere: they name the argument, say what was given
and what is accepted.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

#: A column whose values are integral and take at most this many distinct
#: values (or at most 5% of n, whichever is larger) is *detected* as discrete.
#: Detection is always reported back (diagnostics), never applied silently.
MAX_DISCRETE_LEVELS = 32


def check_random_state(random_state: Any) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None``, an int seed, a SeedSequence or a Generator."""
    if random_state is None or isinstance(random_state, (numbers.Integral, np.random.SeedSequence)):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    raise TypeError(
        f"random_state must be None, an int or a numpy Generator, got {type(random_state).__name__}"
    )


def seed_from(random_state: Any) -> int:
    """An int seed (for torch and other libraries) derived from ``random_state``."""
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return int(check_random_state(random_state).integers(0, 2**31 - 1))


def to_numpy(a: Any, name: str) -> np.ndarray:
    """Lists, NumPy arrays, pandas Series/DataFrames and torch tensors to a NumPy array."""
    if a is None:
        raise TypeError(f"{name} is None; pass an array of samples, one row per sample")
    mod = type(a).__module__
    if mod.startswith("torch"):
        a = a.detach().cpu().numpy()
    elif mod.startswith("pandas"):
        a = a.to_numpy()
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:  # ragged lists
        raise TypeError(f"{name} could not be read as a numeric array ({exc}); pass equal-length rows") from exc
    if arr.dtype == bool:
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} has dtype {arr.dtype}, which is not numeric; pass integers or floats "
            "(encode categories as integer codes first)"
        )
    return arr


def check_array(
    a: Any,
    name: str,
    *,
    flatten: bool = True,
    dtype: Any = np.float64,
    allow_constant: bool = False,
    min_samples: int = 1,
) -> np.ndarray:
    """Validate one variable: numeric, finite, non-empty; ``(n,)`` becomes ``(n, 1)``,
    ``(n, ...)`` becomes ``(n, d)`` when ``flatten`` (images for vector estimators)."""
    arr = to_numpy(a, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} is a scalar; pass an array of samples with shape (n,) or (n, d)")
    if arr.shape[0] == 0 or arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least {max(min_samples, 1)} samples")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            nnan = int(np.isnan(arr).sum())
            ninf = int(bad.sum()) - nnan
            rows = np.unique(np.nonzero(bad.reshape(len(arr), -1))[0])
            raise ValueError(
                f"{name} contains {nnan} NaN and {ninf} inf values (first bad rows: {rows[:5].tolist()}); "
                "drop or impute those rows before estimating"
            )
    if arr.ndim == 1:
        arr = arr[:, None]
    elif arr.ndim > 2 and flatten:
        arr = arr.reshape(arr.shape[0], -1)
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} has {arr.shape[0]} samples; this estimator needs at least {min_samples}")
    if not allow_constant:
        flat = arr.reshape(arr.shape[0], -1)
        const = np.flatnonzero(np.ptp(flat, axis=0) == 0)
        if const.size == flat.shape[1]:
            raise ValueError(
                f"{name} is constant (every sample equal); a constant carries no information - "
                "remove it, MI with a constant is 0"
            )
        if const.size:
            raise ValueError(
                f"{name} has {const.size} zero-variance column(s) {const[:10].tolist()}; "
                "drop them (they carry no information) before estimating"
            )
    return arr


def check_xy(
    x: Any,
    y: Any,
    *,
    min_samples: int = 2,
    flatten: bool = True,
    x_name: str = "x",
    y_name: str = "y",
    x_dtype: Any = np.float64,
    y_dtype: Any = np.float64,
    allow_constant: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a pair of paired samples; same length, enough samples."""
    xa = check_array(x, x_name, flatten=flatten, dtype=x_dtype, allow_constant=allow_constant)
    ya = check_array(y, y_name, flatten=flatten, dtype=y_dtype, allow_constant=allow_constant)
    if len(xa) != len(ya):
        raise ValueError(
            f"{x_name} and {y_name} must have the same number of samples (rows), "
            f"got {len(xa)} and {len(ya)}; pass paired samples x[i], y[i]"
        )
    if len(xa) < min_samples:
        raise ValueError(
            f"{x_name} and {y_name} have {len(xa)} samples; this estimator needs at least {min_samples} "
            "(e.g. kNN estimators need n > k)"
        )
    return xa, ya


def is_discrete(a: np.ndarray) -> bool:
    """True when every value is integral and there are few distinct values
    (at most ``max(MAX_DISCRETE_LEVELS, 5% of n)`` per column)."""
    arr = np.asarray(a)
    if arr.dtype.kind in "iu":
        ints = True
    else:
        ints = bool(np.all(np.mod(arr, 1) == 0))
    if not ints:
        return False
    flat = arr.reshape(len(arr), -1)
    limit = max(MAX_DISCRETE_LEVELS, int(0.05 * len(arr)))
    return all(np.unique(flat[:, j]).size <= limit for j in range(flat.shape[1]))


def resolve_discrete(a: np.ndarray, declared: bool | str | None, name: str) -> tuple[bool, str]:
    """Apply a declared discreteness (True/False) or detect it ("auto"/None).

    Returns ``(discrete, how)`` where ``how`` is "declared" or "detected", to put in diagnostics.
    """
    if declared in (None, "auto"):
        return is_discrete(a), "detected"
    if isinstance(declared, (bool, np.bool_)):
        return bool(declared), "declared"
    raise ValueError(f"discrete_{name} must be True, False or 'auto', got {declared!r}")


def as_labels(a: np.ndarray, name: str) -> np.ndarray:
    """Integer codes 0..K-1 for the rows of a discrete variable (any number of columns)."""
    flat = np.asarray(a).reshape(len(a), -1)
    if flat.shape[1] == 1:
        _, codes = np.unique(flat[:, 0], return_inverse=True)
    else:
        _, codes = np.unique(flat, axis=0, return_inverse=True)
    codes = codes.reshape(-1).astype(np.int64)
    if codes.max() == 0:
        raise ValueError(f"{name} takes a single value; a constant carries no information - MI is 0")
    return codes


def standardize(a: np.ndarray) -> np.ndarray:
    """Columns to zero mean and unit standard deviation (constant columns left centred)."""
    a = np.asarray(a, dtype=np.float64)
    sd = a.std(axis=0)
    sd[sd == 0] = 1.0
    return (a - a.mean(axis=0)) / sd


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_choice(value: Any, name: str, choices: tuple[Any, ...]) -> Any:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value
