"""Input checks in one place.

Every public entry point turns user data into NumPy arrays here, so the error
messages are the same everywhere: they name the argument, say what was given
and what is accepted.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .errors import InputError, InputTypeError
from .result import (  # noqa: F401  (the collectors live with MIResult)
    column_label,
    column_labels_of,
    columns_dropped,
    columns_seen,
    validation_note,
    validation_notes,
)

#: A column whose values are integral and take at most this many distinct
#: values (or at most 5% of n, whichever is larger) is *detected* as discrete.
#: Detection is always reported back (diagnostics), never applied silently.
MAX_DISCRETE_LEVELS = 32
#: a label with at least this share of distinct values among its rows is an identifier:
#: with under two rows per level no estimator can tell its MI with anything (the feature
#: tables leave such a column out; auto answers "not measurable")
IDENTIFIER_SHARE = 0.5


def is_identifier(levels: int, rows: int) -> bool:
    """Whether a label with ``levels`` distinct values among ``rows`` rows is an identifier
    (:data:`IDENTIFIER_SHARE`): the one rule for feature tables, ``auto`` and the audit."""
    return rows > 0 and levels >= IDENTIFIER_SHARE * rows


def check_random_state(random_state: Any) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None``, an int seed, a SeedSequence or a Generator."""
    if random_state is None or isinstance(random_state, (numbers.Integral, np.random.SeedSequence)):
        return np.random.default_rng(random_state)  # type: ignore[arg-type]  # any Integral seeds it; the stub lists int only
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    raise InputTypeError(
        f"random_state must be None, an int or a numpy Generator, got {type(random_state).__name__}"
    )


def seed_from(random_state: Any) -> int:
    """An int seed (for torch and other libraries) derived from ``random_state``."""
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return int(check_random_state(random_state).integers(0, 2**31 - 1))


def run_seed(random_state: Any) -> int:
    """The seed of one run that reports it (neural, diffusion, probe): :func:`seed_from`
    ``random_state``, or for None a fresh seed from the operating system's entropy, which
    leaves NumPy's global generator untouched (``check_random_state(None)`` would draw from it)."""
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0] >> 1)
    return seed_from(random_state)


def _torch_to_numpy(t: Any, name: str) -> np.ndarray:
    """A torch tensor (any device, with or without grad) as a NumPy array. Floating dtypes
    NumPy lacks (bfloat16, the float8 types) become float32, which holds them exactly."""
    import torch

    t = t.detach()
    if t.is_sparse:
        t = t.to_dense()
    if t.is_complex():
        raise InputTypeError(f"{name} is a complex tensor ({t.dtype}); pass real numbers (e.g. x.real and x.imag as columns)")
    if t.is_floating_point() and t.dtype not in (torch.float16, torch.float32, torch.float64):
        t = t.to(torch.float32)
    try:
        return t.cpu().numpy()
    except (TypeError, RuntimeError) as exc:
        raise InputTypeError(f"{name} is a torch tensor of dtype {t.dtype} that NumPy cannot hold ({exc}); "
                             "convert it first, e.g. x.float()") from exc


def to_numpy(a: Any, name: str) -> np.ndarray:
    """Lists, NumPy arrays, pandas Series/DataFrames and torch tensors (any dtype torch
    has, bfloat16 included, on any device) to a NumPy array."""
    if a is None:
        raise InputTypeError(f"{name} is None; pass an array of samples, one row per sample")
    mod = type(a).__module__
    if mod.startswith("torch"):
        a = _torch_to_numpy(a, name)
    elif mod.startswith("pandas"):
        a = _pandas_to_numpy(a)
    elif mod.startswith("scipy.sparse"):
        a = _sparse_to_dense(a, name)
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:  # ragged lists
        raise InputTypeError(f"{name} could not be read as a numeric array ({exc}); pass equal-length rows") from exc
    if arr.dtype == bool:
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "c":
        raise InputTypeError(f"{name} has dtype {arr.dtype}, which is complex; pass real numbers "
                             "(e.g. the real and imaginary parts as two columns)")
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(
            f"{name} has dtype {arr.dtype}, which is not numeric; pass integers or floats "
            "(encode categories as integer codes first)"
        )
    return arr


def _pandas_to_numpy(a: Any) -> np.ndarray:
    """A pandas Series or DataFrame as a NumPy array. Numeric extension dtypes (nullable
    ``Int64``/``Float64``/``boolean``, pyarrow-backed ``double[pyarrow]``: what ``convert_dtypes``
    and Parquet readers give) become plain numbers - integers while every column is integral
    and complete (so that labels stay labels), else float64 with NaN where a value is missing
    (which the missing-value check then names by row); a frame of them had become an object
    array and was refused as "not numeric". Anything else as pandas gives it."""
    import pandas as pd
    from pandas.api.types import is_bool_dtype, is_integer_dtype, is_numeric_dtype

    dtypes = [a.dtype] if a.ndim == 1 else list(a.dtypes)
    ext = [d for d in dtypes if isinstance(d, pd.api.extensions.ExtensionDtype)]
    if not ext or not all(is_numeric_dtype(d) or is_bool_dtype(d) for d in dtypes) \
            or any(isinstance(d, pd.CategoricalDtype) for d in dtypes):
        return a.to_numpy()
    if all(is_integer_dtype(d) or is_bool_dtype(d) for d in dtypes) and not bool(np.asarray(a.isna()).any()):
        return a.to_numpy(dtype=np.int64)
    return a.to_numpy(dtype=np.float64, na_value=np.nan)


#: the most cells a SciPy sparse input is expanded to (8 bytes each): the estimators work on
#: dense rows, and a bag-of-words matrix of 10^5 x 10^5 would not fit
SPARSE_MAX_CELLS = 200_000_000


def _sparse_to_dense(a: Any, name: str) -> np.ndarray:
    """A SciPy sparse matrix or array as a dense float array, refused (with the fix) when
    it would exceed :data:`SPARSE_MAX_CELLS` cells."""
    rows, cols = a.shape
    if rows * cols > SPARSE_MAX_CELLS:
        raise InputTypeError(
            f"{name} is a SciPy sparse matrix of shape {a.shape}; the estimators need dense rows and "
            f"{rows * cols:.3g} cells exceed {SPARSE_MAX_CELLS:.0e}: reduce its columns first (e.g. "
            "sklearn.decomposition.TruncatedSVD, or the columns you ask about)")
    return np.asarray(a.toarray())


def _label_dtype(d: Any) -> bool:
    """A pandas/NumPy dtype of labels: categorical, or text, bytes and other objects."""
    return str(d) == "category" or getattr(d, "kind", "O") in "OSUV"


def _label_columns(a: Any) -> list[Any] | None:
    """The label columns of a pandas DataFrame that mixes them with numeric ones; else None."""
    if not (type(a).__module__.startswith("pandas") and getattr(a, "ndim", 1) == 2 and a.shape[1] > 1):
        return None
    text = [c for c, d in zip(a.columns, a.dtypes) if _label_dtype(d)]
    return text if 0 < len(text) < a.shape[1] else None


def _one_hot_text(a: Any, text: list[Any], name: str) -> Any:
    """A frame mixing numbers and labels, for an estimator that takes labels: read as one
    label, its rows would be nearly all distinct (each number its own level) and its MI not
    measurable. Its label columns become one-hot columns beside the numbers (MI is the same:
    the one-hot columns are a one-to-one code of the labels), when they have at most
    :data:`MAX_DISCRETE_LEVELS` levels together; more would make a kNN space of that many
    dimensions, and the error says what to do instead."""
    import pandas as pd

    levels = sum(int(a[c].nunique(dropna=False)) for c in text)
    if levels > MAX_DISCRETE_LEVELS:
        raise InputError(
            f"{name} mixes numeric columns with label columns {text[:5]} ({levels} levels together): read as one "
            "label every row would be its own level, and one-hot columns for that many levels are too many "
            f"dimensions; use the chain rule instead, I({name};y) = I(labels;y) + I(numbers;y | labels): "
            "estimate_mi on the label columns plus estimate_cmi(numbers, y, z=labels)")
    out = pd.get_dummies(a, columns=text, dtype=float)
    validation_note(f"{name}: label columns {text} one-hot encoded ({levels} columns) beside the numeric ones, "
                    "since the numbers and labels together are not one label (the MI is unchanged)", code="converted")
    return out


def check_array(
    a: Any,
    name: str,
    *,
    flatten: bool = True,
    dtype: Any = np.float64,
    allow_constant: bool = False,
    min_samples: int = 1,
    categorical: bool = False,
) -> np.ndarray:
    """Validate one variable: numeric, finite, non-empty; ``(n,)`` becomes ``(n, 1)``,
    ``(n, ...)`` becomes ``(n, d)`` when ``flatten`` (images for vector estimators).

    Labels (strings, pandas categoricals, objects; see :func:`is_categorical`) are refused
    with a message naming the estimators that take them, unless ``categorical``: then
    they come back as ``(n, 1)`` int64 codes (:func:`encode_labels`). Numeric data come
    back as ``dtype`` (float64 by default), so an int64 result marks a variable that was
    given as labels. Constant columns of a 2-D result are dropped, with a note
    (:func:`validation_notes`); a variable that is constant everywhere is refused."""
    text = _label_columns(a) if categorical else None
    if text is not None:
        a = _one_hot_text(a, text, name)
    if is_categorical(a):
        if not categorical:
            kind = getattr(a, "dtype", None)
            raise InputTypeError(
                f"{name} has dtype {kind}, which is not numeric: it holds labels, which this estimator cannot "
                "take; for a discrete side use method='ross' (labels vs a continuous variable), 'binning' "
                "(plug-in), 'mixed' or 'classifier', or infolens.feature_mi for a table"
            )
        codes = encode_labels(a, name)
        if len(codes) < min_samples:
            raise InputError(f"{name} has {len(codes)} samples; this estimator needs at least {min_samples}")
        if not allow_constant and codes.max() == 0:
            raise InputError(f"{name} takes a single value; a constant carries no information - MI with it is 0")
        columns_seen(name, a, 1)
        return codes[:, None]
    arr = to_numpy(a, name)
    if arr.ndim == 0:
        raise InputError(f"{name} is a scalar; pass an array of samples with shape (n,) or (n, d)")
    if arr.shape[0] == 0 or arr.size == 0:
        raise InputError(f"{name} is empty (shape {arr.shape}); pass at least {max(min_samples, 1)} "
                         f"sample{'s' if max(min_samples, 1) > 1 else ''}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            nnan = int(np.isnan(arr).sum())
            ninf = int(bad.sum()) - nnan
            rows = np.unique(np.nonzero(bad.reshape(len(arr), -1))[0])
            raise InputError(
                f"{name} contains {nnan} NaN and {ninf} inf values (first bad rows: {rows[:5].tolist()}); "
                "drop or impute those rows before estimating"
            )
    if arr.ndim == 1:
        arr = arr[:, None]
    elif arr.ndim > 2 and flatten:
        arr = arr.reshape(arr.shape[0], -1)
    if arr.shape[0] < min_samples:
        raise InputError(f"{name} has {arr.shape[0]} samples; this estimator needs at least {min_samples}")
    if arr.ndim == 2:
        columns_seen(name, a, arr.shape[1])
    if not allow_constant:
        flat = arr.reshape(arr.shape[0], -1)
        const = np.flatnonzero(np.ptp(flat, axis=0) == 0)
        if const.size == flat.shape[1]:
            raise InputError(
                f"{name} is constant (every sample equal); a constant carries no information - "
                "remove it, MI with a constant is 0"
            )
        if const.size and arr.ndim == 2:
            arr = np.delete(arr, const, axis=1)
            shown = ", ".join(column_labels_of(name, const[:10])) + (", ..." if const.size > 10 else "")
            columns_dropped(name, const)
            validation_note(
                f"{name}: dropped {const.size} constant column(s) [{shown}] (a constant carries no information); "
                f"the estimate uses the other {arr.shape[1]}",
                code="constant-dropped",
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
    x_categorical: bool = False,
    y_categorical: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a pair of paired samples; same length, enough samples. Two pandas objects
    must carry the same index in the same order (see :func:`check_paired_index`)."""
    check_paired_index(x, y, x_name, y_name)
    _check_rows(x, y, x_name, y_name)
    xa = check_array(x, x_name, flatten=flatten, dtype=x_dtype, allow_constant=allow_constant, categorical=x_categorical)
    ya = check_array(y, y_name, flatten=flatten, dtype=y_dtype, allow_constant=allow_constant, categorical=y_categorical)
    if len(xa) != len(ya):
        raise InputError(
            f"{x_name} and {y_name} must have the same number of samples (rows), "
            f"got {len(xa)} and {len(ya)}; pass paired samples x[i], y[i]"
        )
    if len(xa) < min_samples:
        raise InputError(
            f"{x_name} and {y_name} have {len(xa)} samples; this estimator needs at least {min_samples} "
            "(e.g. kNN estimators need n > k)"
        )
    return xa, ya


def _shape_of(a: Any) -> tuple[int, ...] | None:
    """The shape of an array-like without converting it (None when it has none: lists of rows)."""
    shape = getattr(a, "shape", None)
    if shape is None:
        return (len(a),) if hasattr(a, "__len__") else None
    return tuple(int(v) for v in shape)


def _check_rows(x: Any, y: Any, x_name: str, y_name: str) -> None:
    """Refuse a row-count mismatch before anything else looks at the values, naming a
    transposed variable (shape ``(1, n)`` or ``(d, n)`` against ``n`` rows) as such: checked
    later, a ``(1, n)`` array reads as one constant row."""
    sx, sy = _shape_of(x), _shape_of(y)
    if not sx or not sy or sx[0] == sy[0]:
        return
    for name, s, other in ((y_name, sy, sx), (x_name, sx, sy)):
        if len(s) == 2 and s[1] == other[0] and s[0] != other[0]:
            raise InputError(
                f"{x_name} and {y_name} must have the same number of samples (rows), got {sx[0]} and {sy[0]}: {name} has "
                f"shape {s}, which looks transposed (samples along axis 1); pass {name}.T (or {name}.ravel() for one "
                "variable)"
            )
    raise InputError(
        f"{x_name} and {y_name} must have the same number of samples (rows), got {sx[0]} and {sy[0]}; pass paired "
        "samples x[i], y[i]"
    )


def check_paired_index(x: Any, y: Any, x_name: str = "x", y_name: str = "y") -> None:
    """Refuse two pandas objects whose indices differ. Samples are paired by position
    (``x[i]`` with ``y[i]``); pandas would pair them by index label, so when the two
    indices differ - another order, or other labels - the pairing is ambiguous and an
    estimate could silently measure shuffled pairs. infolens does not re-align: it asks
    the caller to say which pairing is meant."""
    xi, yi = getattr(x, "index", None), getattr(y, "index", None)
    if not (type(x).__module__.startswith("pandas") and type(y).__module__.startswith("pandas")):
        return
    if xi is None or yi is None or xi.equals(yi):
        return
    try:
        same_labels = len(xi) == len(yi) and xi.sort_values().equals(yi.sort_values())
    except TypeError:  # labels of mixed types do not sort
        same_labels = False
    if same_labels:
        what = "hold the same labels in a different order"
    else:
        shared = len(xi.intersection(yi))
        what = f"differ ({shared} of {len(xi)} and {len(yi)} labels shared)"
    raise InputError(
        f"{x_name} and {y_name} are pandas objects whose indices {what}; samples are paired by position, "
        f"so align them first: {y_name} = {y_name}.reindex({x_name}.index) to pair by label, or "
        f"{y_name} = {y_name}.reset_index(drop=True) (and the same for {x_name}) to pair by position"
    )


def is_categorical(a: Any) -> bool:
    """True for a variable of labels rather than numbers: a pandas categorical (any
    categories), or strings, bytes or other Python objects (NumPy dtype kinds O, S, U, V).
    A DataFrame is categorical when any column is. Booleans and integers are numbers
    (``resolve_discrete`` decides whether they are discrete)."""
    mod = type(a).__module__
    if mod.startswith("torch") or a is None:
        return False
    if mod.startswith("pandas"):
        dtypes = list(a.dtypes) if hasattr(a, "dtypes") and not hasattr(a, "cat") and a.ndim == 2 else [a.dtype]
        return any(_label_dtype(d) for d in dtypes)
    dtype = getattr(a, "dtype", None)
    if dtype is None:
        try:
            dtype = np.asarray(a).dtype
        except (ValueError, TypeError):  # ragged lists: to_numpy gives the message
            return False
    return dtype.kind in "OSUV"


def spelling_variants(col: Any) -> tuple[str, int] | None:
    """The note (and the number of groups) for a column of labels (or its distinct levels) with levels that differ
    only in case, in spaces or in type (``"yes"``, ``"Yes "``; ``5`` and ``"5"`` in a column
    joined from a number column and a text one): typed by hand or joined from sources
    that spell one category differently, they count as separate levels, which splits the
    rows of one category and reads part of its information as noise. The levels are kept as
    given (they may truly differ: code ``label-variants`` names them and the fix); None
    when no two levels collide."""
    import pandas as pd

    try:
        levels = pd.unique(pd.Series(np.asarray(col, dtype=object).reshape(-1)).dropna())
    except (TypeError, ValueError):
        return None
    if not any(isinstance(v, str) for v in levels) or len(levels) > 1_000_000:  # (an identifier: not read)
        return None
    groups: dict[str, list[Any]] = {}
    for v in levels:
        groups.setdefault(" ".join(str(v).split()).casefold(), []).append(v)
    clash = [sorted(g, key=repr) for g in groups.values() if len(g) > 1]
    if not clash:
        return None
    shown = "; ".join(" = ".join(repr(v) for v in g[:3]) for g in clash[:3])
    more = f" (and {len(clash) - 3} more groups)" if len(clash) > 3 else ""
    return (f"{len(clash)} group(s) of levels differ only in case, spaces or type (a number and its text): "
            f"{shown}{more}; they are counted as different categories. If each group is one category, normalise "
            "the labels first (col.astype(str).str.strip().str.lower()) and estimate again", len(clash))


def encode_labels(a: Any, name: str, note_variants: bool = True) -> np.ndarray:
    """Integer codes ``0..K-1`` (int64, shape ``(n,)``) for labels of any hashable type:
    strings, pandas categoricals, mixed objects. Several columns (a DataFrame or an
    ``(n, d)`` array) make one joint label per row. Codes follow the sorted order of the
    labels where they sort (the order carries no meaning: discrete estimators compare
    labels only for equality). Missing values (None, NaN, pandas NA) are refused. Levels
    spelt two ways make a ``label-variants`` note (:func:`spelling_variants`) unless
    ``note_variants`` is False (a caller that reports them itself)."""
    import pandas as pd

    if type(a).__module__.startswith("pandas") and getattr(a, "ndim", 1) == 2:
        cols = [a.iloc[:, j] for j in range(a.shape[1])]
    else:
        arr = np.asarray(a.to_numpy() if type(a).__module__.startswith("pandas") else a, dtype=object)
        if arr.ndim == 0 or arr.size == 0:
            raise InputError(f"{name} is empty or a scalar (shape {arr.shape}); pass one label per sample")
        arr = arr.reshape(len(arr), -1)
        cols = [arr[:, j] for j in range(arr.shape[1])]
    codes = []
    for col in cols:
        try:
            c, levels = pd.factorize(col, sort=True)
        except TypeError:  # labels of types that do not sort
            try:
                c, levels = pd.factorize(col, sort=False)
            except TypeError as exc:
                raise InputTypeError(f"{name} holds unhashable values ({exc}); labels must be strings, numbers or other hashables") from exc
        missing = np.flatnonzero(c < 0)
        if missing.size:
            raise InputError(
                f"{name} has {missing.size} missing value(s) (None/NaN) in rows {missing[:5].tolist()}; "
                "drop those rows, or give 'missing' a label of its own"
            )
        variants = spelling_variants(levels) if note_variants else None  # (the distinct levels, read once)
        if variants is not None:
            validation_note(f"{name}: {variants[0]}", code="label-variants")
        codes.append(np.asarray(c, dtype=np.int64))
    if len(codes) == 1:
        return codes[0]
    _, joint = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
    return joint.reshape(-1).astype(np.int64)


def is_integral(a: np.ndarray) -> bool:
    """True when every value is an integer (integer and boolean dtypes, or whole floats)."""
    return a.dtype.kind in "iub" or bool(np.all(np.mod(a, 1) == 0))


def is_discrete(a: np.ndarray) -> bool:
    """True when every value is integral and there are few distinct values
    (at most ``max(MAX_DISCRETE_LEVELS, 5% of n)`` per column)."""
    arr = np.asarray(a)
    if not is_integral(arr):
        return False
    flat = arr.reshape(len(arr), -1)
    limit = max(MAX_DISCRETE_LEVELS, int(0.05 * len(arr)))
    return all(np.unique(flat[:, j]).size <= limit for j in range(flat.shape[1]))


def label_patterns(a: np.ndarray) -> int | None:
    """For a side of several numeric columns whose values are all integral and whose rows take
    at most :data:`MAX_DISCRETE_LEVELS` distinct patterns (a one-hot or dummy encoding, a few
    binary flags): the number of patterns, which is one label's levels (MI with a discrete
    variable does not depend on how its values are coded). Else None: pixels and counts take
    many patterns and are numbers with a metric."""
    arr = np.asarray(a)
    if arr.ndim != 2 or arr.shape[1] < 2 or arr.dtype.kind not in "iufb" or len(arr) == 0:
        return None
    head = arr[:10_000]  # (a cheap first look: most numeric sides fail here)
    if not is_integral(head) or len(np.unique(head, axis=0)) > MAX_DISCRETE_LEVELS or not is_integral(arr):
        return None
    k = len(np.unique(arr, axis=0))
    return k if k <= MAX_DISCRETE_LEVELS else None


def resolve_discrete(a: np.ndarray, declared: bool | str | None, name: str) -> tuple[bool, str]:
    """Apply a declared discreteness (True/False) or detect it ("auto"/None).

    Returns ``(discrete, how)`` where ``how`` is "declared" or "detected", to put in diagnostics.
    """
    if declared in (None, "auto"):
        return is_discrete(a), "detected"
    if isinstance(declared, (bool, np.bool_)):
        return bool(declared), "declared"
    raise InputError(f"discrete_{name} must be True, False or 'auto', got {declared!r}")


def as_labels(a: np.ndarray, name: str) -> np.ndarray:
    """Integer codes 0..K-1 for the rows of a discrete variable (any number of columns)."""
    flat = np.asarray(a).reshape(len(a), -1)
    if flat.shape[1] == 1:
        _, codes = np.unique(flat[:, 0], return_inverse=True)
    else:
        _, codes = np.unique(flat, axis=0, return_inverse=True)
    codes = codes.reshape(-1).astype(np.int64)
    if codes.max() == 0:
        raise InputError(f"{name} takes a single value; a constant carries no information - MI is 0")
    return codes


def scale_of(a: np.ndarray, axis: int = 0) -> np.ndarray:
    """Standard deviation along ``axis`` (kept as a length-1 axis), 1 where the values are
    all equal. Constancy is decided exactly (max == min), not by ``std == 0``: the std of
    identical values is 0 only when the rounded mean equals them, which depends on the
    machine's summation order (0.3 repeated 1,000 times has std 1.1e-16 here)."""
    a = np.asarray(a, dtype=np.float64)
    sd = a.std(axis=axis, keepdims=True)
    sd[np.ptp(a, axis=axis, keepdims=True) == 0] = 1.0
    return sd


#: the interquartile range of a standard normal: IQR / this is the standard deviation there
NORMAL_IQR = 1.3489795003921634
#: a column whose standard deviation exceeds this many times its robust scale (IQR / 1.349)
#: has its spread set by a few extreme values: the kNN estimators scale it by the robust
#: scale instead. The ratio is 1 for Gaussians, 1.2-1.5 for exponential, Laplace and
#: Student-t(3) data, 2.0 for a lognormal with sigma 1; gross outliers and infinite-variance
#: data run far above it (three values of 1e9 among 3000 Gaussians: 3e7)
EXTREME_SCALE_RATIO = 3.0


def extreme_spread(sd: np.ndarray, iqr: np.ndarray) -> np.ndarray:
    """Where a few extreme values set a column's spread: its standard deviation ``sd`` above
    :data:`EXTREME_SCALE_RATIO` times its interquartile range ``iqr`` over :data:`NORMAL_IQR`
    (the one rule of the kNN scale and of a critic's inputs)."""
    return (iqr > 0) & (sd > EXTREME_SCALE_RATIO * iqr / NORMAL_IQR)


def flat_quartiles(a: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(flat, q1)`` along ``axis`` (kept as a length-1 axis): whether the first and third
    quartiles are one value - a block of equal values filling the middle half of the rows (a
    ReLU unit, a spend or a count zero on most rows) - and the first quartile (that value where
    flat). Read before ties are broken: afterwards the quartiles differ by the noise's width.
    The one test of :func:`knn_center_scale`'s callers (``ties.prepare``, the sliced
    estimators, the tables' dequantising)."""
    q1, q3 = np.percentile(a, [25.0, 75.0], axis=axis, keepdims=True)
    return q1 == q3, q1


def block_scale(col: np.ndarray, block: float, sd: float) -> float | None:
    """For a column whose quartiles are one value ``block`` (a block of equal values filling
    the middle half): the robust scale of its other values, where a few extreme values set
    the standard deviation ``sd`` (the rule of :func:`extreme_spread`, read off the values
    outside the block, which hold the column's spread); None otherwise (keep ``sd``). A spend
    zero on 88% of the rows with three entries of 1e7: scaled by the standard deviation, the
    other spends were squeezed into 1e-4 of the column and KSG read 0.005 nats for 0.142."""
    rest = col[col != block]
    if rest.size < 4 or np.ptp(rest) == 0:
        return None
    q1, q3 = np.percentile(rest, [25.0, 75.0])
    robust = (q3 - q1) / NORMAL_IQR
    return float(robust) if bool(extreme_spread(np.asarray(sd), np.asarray(q3 - q1))) and robust > 0 else None


def knn_center_scale(a: np.ndarray, axis: int = 0,
                     flat_quartiles: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per column (kept as a length-1 axis) the centre and scale the kNN estimators use: the
    mean and the standard deviation, or, where the standard deviation exceeds
    :data:`EXTREME_SCALE_RATIO` times the interquartile range over :data:`NORMAL_IQR`, the
    median and that robust scale. A few extreme values then do not set the scale: three
    values of 1e9 among 3000 Gaussians made the standard deviation 3e7, squeezed the other
    rows into 1e-7 of the column, and a kNN search in the joint space ignored it (KSG read
    0.000 for 0.511, silently).

    ``flat_quartiles`` (a mask over the columns, shaped like the result): columns whose
    quartiles were one value before ties were broken, a block of equal values holding the
    middle half of the rows. Their interquartile range is then the tie-breaking noise's
    width, not a spread of the data, so they keep the standard deviation: scaled by that width, a
    ReLU unit zero on 93% of the rows had its zeros' noise blown up to the width of a
    neighbourhood, and KSG read 0.025 nats for 0.158 (``tests/test_ties.py``)."""
    a = np.asarray(a, dtype=np.float64)
    sd = scale_of(a, axis=axis)
    q1, q3 = np.percentile(a, [25.0, 75.0], axis=axis, keepdims=True)
    extreme = extreme_spread(sd, q3 - q1)
    if flat_quartiles is not None:
        extreme = extreme & ~flat_quartiles
    robust = (q3 - q1) / NORMAL_IQR
    centre = np.where(extreme, np.median(a, axis=axis, keepdims=True), a.mean(axis=axis, keepdims=True))
    return centre, np.where(extreme, robust, sd)


def standardize(a: np.ndarray) -> np.ndarray:
    """Columns to zero mean and unit standard deviation; a constant column becomes exactly 0."""
    a = np.asarray(a, dtype=np.float64)
    const = np.ptp(a, axis=0) == 0
    out = (a - a.mean(axis=0)) / scale_of(a, axis=0)
    out[..., const] = 0.0
    return out


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_choice(value: Any, name: str, choices: tuple[Any, ...]) -> Any:
    if value not in choices:
        raise InputError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def pop_column(X: Any, col: str, arg: str, per_row: str, name: str = "X") -> tuple[Any, Any]:
    """``(X without the column, the column)`` for an argument ``arg`` given as the name of a
    column of the DataFrame ``X`` (``y="churn"``, ``groups="patient"``); a name that is not a
    column is refused, naming ``per_row`` (what else the argument may be) and the columns."""
    if col not in X.columns:
        raise InputError(f"{arg} names column {col!r}, which is not a column of {name}; pass {per_row} "
                         f"or a column name ({', '.join(map(str, list(X.columns)[:10]))}, ...)")
    return X.drop(columns=[col]), X[col]


#: sides wider than this are not searched for monotone copies: image pixels are not copies of
#: one another, and ranking hundreds of columns would cost more than it could save
COPY_SEARCH_MAX_COLS = 64


def monotone_copies(a: np.ndarray) -> list[tuple[int, int, bool]]:
    """``(j, i, reversed)`` for every column ``j`` of the ``(n, d)`` array ``a`` that is a
    strictly monotone function of an earlier column ``i`` on the sample (its dense ranks equal
    ``i``'s, or their reverse): a unit change (Celsius and Fahrenheit), a log, both columns of
    a one-hot binary. Such a column adds nothing: ``I((a_i, f(a_i)); y) = I(a_i; y)``."""
    from hashlib import blake2b

    from scipy.stats import rankdata

    n, d = a.shape
    if d < 2 or d > COPY_SEARCH_MAX_COLS:
        return []
    r = rankdata(a, method="dense", axis=0).astype(np.int64)
    seen: dict[bytes, int] = {}
    out = []
    for j in range(d):
        col = np.ascontiguousarray(r[:, j])
        keys = [(blake2b(c.tobytes(), digest_size=16).digest(), c, flipped)
                for c, flipped in ((col, False), (col.max() + 1 - col, True))]
        hit = next(((j, seen[key], flipped) for key, c, flipped in keys
                    if key in seen and np.array_equal(r[:, seen[key]], c)), None)
        if hit is not None:
            out.append(hit)
        else:
            seen[keys[0][0]] = j
    return out


def drop_monotone_copies(a: np.ndarray, name: str) -> np.ndarray:
    """``a`` without the columns :func:`monotone_copies` finds, said in a ``data-changed``
    note. Two columns that are one quantity made the side singular: the Gaussian closed
    forms refused it, and auto read 0.549 for 0.511 (graded "caution") on ``x = [a, a]``."""
    found = monotone_copies(a)
    if not found:
        return a
    said = "; ".join(f"column {column_label(name, j)} is {'a decreasing' if flip else 'an increasing'} function of "
                     f"column {column_label(name, i)}" for j, i, flip in found[:5]) + ("; ..." if len(found) > 5 else "")
    columns_dropped(name, [j for j, _, _ in found])
    validation_note(f"{name}: dropped {len(found)} column(s) that repeat another in other units ({said}): "
                    f"they add no information; the estimate uses the other {a.shape[1] - len(found)}",
                    code="data-changed")
    return np.delete(a, [j for j, _, _ in found], axis=1)
