"""Statistics of a Dask DataFrame computed partition by partition and combined: each
function here is either a *partition function* (a pandas DataFrame in, a small summary out)
or a *merge* of two summaries, so a pass over the data is one tree reduction whose only
traffic is summaries.

* :func:`profile_part` / :func:`merge_profiles`: per column, rows, missing values, min,
  max, whether every value is integral, its distinct values (up to :data:`LEVEL_CAP`), and
  the sums that fingerprint the data (for resuming).
* :func:`counts_part`: contingency tables of discrete columns against a discrete target
  (exact, from all rows; merged by adding).
* :func:`sample_part` / :func:`merge_samples`: a uniform random sample of exactly ``m`` rows
  without replacement: every row gets a random key (a stream per partition, from the seed
  and the partition's number), and the ``m`` smallest keys overall are kept. The kept rows
  are sorted by key, so any prefix of the sample is itself a uniform sample.
* :func:`sketch_part` / :func:`merge_sketches`: approximate quantiles (each partition's
  exact quantiles at ``q + 1`` levels); the combined CDF is the row-weighted mean of the
  partitions' interpolated CDFs and is within ``1/q + 1/min(n_p)`` of the exact empirical
  CDF everywhere (between two adjacent knots each partition's CDF rises by at most 1/q).
* :func:`moments_part`: sums, sums of squares and cross products with the target of the
  columns (or of their normal scores through sketches), for closed forms that need only them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: distinct values tracked per column; a column with more is never discrete on the cluster
#: (in memory, an integral column is discrete with up to max(32, 5% of n) levels: the two
#: rules agree for n <= 200,000 rows and for any column of at most 10,000 levels)
LEVEL_CAP = 10_000


def is_label_dtype(dtype: Any) -> bool:
    """Labels (strings, objects, categoricals) rather than numbers (booleans are numbers)."""
    import pandas as pd

    return not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))


def numbers(s: Any) -> np.ndarray:
    """A numeric pandas Series as float64 with missing values as NaN."""
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


@dataclass
class ColumnProfile:
    """What one pass learns about a column."""

    labels: bool
    n: int = 0
    missing: int = 0
    lo: float = np.inf
    hi: float = -np.inf
    integral: bool = True
    levels: set | None = field(default_factory=set)  # None: more than LEVEL_CAP
    total: float = 0.0
    total_sq: float = 0.0
    # the values in row order: the first and last, and the one step between neighbours when
    # every step is the same (NaN: fewer than two values); ``run`` False once a step differs,
    # a value is missing, or the column holds labels (:attr:`row_number`)
    first: float = np.nan
    last: float = np.nan
    step: float = np.nan
    run: bool = False

    def merge(self, other: "ColumnProfile") -> "ColumnProfile":
        """The profile of this column's rows followed by ``other``'s (the tree reductions
        merge partitions in their order, which the run of values needs)."""
        lv = None if self.levels is None or other.levels is None else self.levels | other.levels
        if lv is not None and len(lv) > LEVEL_CAP:
            lv = None
        if self.n == 0:
            first, last, step, run = other.first, other.last, other.step, other.run
        elif other.n == 0:
            first, last, step, run = self.first, self.last, self.step, self.run
        else:
            first, last, step, run = self.first, other.last, np.nan, False
            if self.run and other.run:
                steps = {v for v in (self.step, other.step, other.first - self.last) if not np.isnan(v)}
                run = len(steps) == 1
                step = steps.pop() if run else np.nan
        return ColumnProfile(
            self.labels,
            self.n + other.n,
            self.missing + other.missing,
            min(self.lo, other.lo),
            max(self.hi, other.hi),
            self.integral and other.integral,
            lv,
            self.total + other.total,
            self.total_sq + other.total_sq,
            first, last, step, run,
        )

    @property
    def row_number(self) -> bool:
        """The column numbers the rows (``tables.columns.row_number_flag``'s rule over the
        whole column in partition order): integers, each a fixed non-zero step after the one
        above, no value missing."""
        from ..tables.columns import ROW_NUMBER_MIN_ROWS

        return (self.run and not self.labels and self.missing == 0 and self.integral and self.n >= ROW_NUMBER_MIN_ROWS
                and bool(self.step != 0))

    def sorted_levels(self) -> list:
        """The distinct values in a fixed order (sorted where they sort)."""
        vals = list(self.levels or ())
        try:
            return sorted(vals)
        except TypeError:
            return sorted(vals, key=lambda v: (type(v).__name__, repr(v)))

    def fingerprint(self) -> list:
        return [self.n, self.missing, float(self.lo), float(self.hi), round(self.total, 6), round(self.total_sq, 4)]


def profile_part(part: Any, columns: list[str]) -> dict[str, ColumnProfile]:
    out = {}
    for c in columns:
        s = part[c]
        if is_label_dtype(s.dtype):
            miss = int(s.isna().sum())
            u = s.dropna().unique()
            lv: set | None = set(u.tolist()) if len(u) <= LEVEL_CAP else None
            out[c] = ColumnProfile(True, len(s), miss, levels=lv)
            continue
        v = numbers(s)
        ok = np.isfinite(v)
        miss = int((~ok).sum())
        w = v[ok]
        if w.size == 0:
            out[c] = ColumnProfile(False, len(v), miss)
            continue
        integral = bool(np.all(np.mod(w, 1) == 0))
        lv = None
        if integral:
            u = np.unique(w)
            lv = set(u.tolist()) if u.size <= LEVEL_CAP else None
        d = np.diff(w)
        run = miss == 0 and (d.size == 0 or bool(np.all(d == d[0])))
        step = float(d[0]) if run and d.size else np.nan
        out[c] = ColumnProfile(False, len(v), miss, float(w.min()), float(w.max()), integral, lv, float(w.sum()),
                               float((w * w).sum()), float(w[0]), float(w[-1]), step, run)
    return out


def merge_profiles(a: dict[str, ColumnProfile], b: dict[str, ColumnProfile]) -> dict[str, ColumnProfile]:
    return {c: a[c].merge(b[c]) for c in a}


def codes_of(s: Any, levels: list) -> np.ndarray:
    """Integer codes of a column against a fixed list of its distinct values (-1: missing)."""
    import pandas as pd

    if is_label_dtype(s.dtype):
        return np.asarray(pd.Categorical(s.astype(object), categories=levels).codes, dtype=np.int64)
    v = numbers(s)
    lv = np.asarray(levels, dtype=np.float64)
    idx = np.clip(np.searchsorted(lv, v), 0, len(lv) - 1)
    return np.where(lv[idx] == v, idx, -1).astype(np.int64)


def counts_part(part: Any, discrete: dict[str, list], target: str) -> dict[str, np.ndarray]:
    """Contingency table per discrete column: its levels, then a last row for the rows where
    it has no value, against the levels of the target (rows without a target value are left
    out). The last row is what the missingness test of
    :func:`infolens.tables.score.missingness_table` reads."""
    t = codes_of(part[target], discrete[target])
    kt = len(discrete[target])
    out = {}
    for c, lv in discrete.items():
        if c == target:
            continue
        a = codes_of(part[c], lv)
        a = np.where(a >= 0, a, len(lv))
        ok = t >= 0
        out[c] = np.bincount(a[ok] * kt + t[ok], minlength=(len(lv) + 1) * kt).reshape(len(lv) + 1, kt)
    return out


def pair_counts_part(part: Any, discrete: dict[str, list], pairs: list[tuple[str, str]]) -> dict[tuple[str, str], np.ndarray]:
    """Contingency tables of the given pairs of discrete columns (for the MI matrix)."""
    codes = {c: codes_of(part[c], lv) for c, lv in discrete.items()}
    out = {}
    for a, b in pairs:
        ka, kb = len(discrete[a]), len(discrete[b])
        ca, cb = codes[a], codes[b]
        ok = (ca >= 0) & (cb >= 0)
        out[(a, b)] = np.bincount(ca[ok] * kb + cb[ok], minlength=ka * kb).reshape(ka, kb)
    return out


def add_dicts(a: dict, b: dict) -> dict:
    return {k: a[k] + b[k] for k in a}


SAMPLE_KEY = "__infolens_key__"


def keep_share(m: int, n: int) -> float:
    """The key threshold below which a partition keeps its rows: ``p = (m + 10 sqrt(m) + 100) / n``.
    The rows under it number Binomial(n, p), mean ``m + 10 sqrt(m) + 100`` and sd below
    ``sqrt(m + 10 sqrt(m) + 100)``, so fewer than ``m`` of them (the sample would be short) is a
    10-sd event; the partitions send ~m rows in all instead of up to ``m`` each."""
    return min(1.0, (m + 10.0 * np.sqrt(m) + 100.0) / max(n, 1))


#: the sample's column holding each row's content hash (rows sampled by content, below)
SAMPLE_ROW = "__infolens_row__"
#: the row sample's keys are drawn from the rows' content (copied records come together) for
#: tables of up to this many columns; every block's pass then reads them all (wider tables:
#: keys from the stream, each pass reading its block; the copies rule then sees only the copies
#: that fall together in the sample)
CONTENT_MAX_COLS = 320


def content_keys(part: Any, columns: list[str], seed: int, index: int) -> tuple[np.ndarray, np.ndarray]:
    """``(keys, hashes)``: a 64-bit hash of each row's values in ``columns`` (numbers by the
    in-memory copies rule's row hash, :func:`infolens.estimators._trust._row_hashes`; other
    dtypes by pandas' ``hash_pandas_object``) and keys in [0, 1). A row with a non-integer
    number gets its key from its hash mixed with the seed: equal rows, equal keys, so a sample
    by key holds every copy of such a record it holds, and the copies are seen (and dropped)
    within the sample as over the whole table; distinct rows get independent uniform keys.
    Rows of integers and labels only repeat by nature (codes, counts: the in-memory copies rule
    leaves them alone too) and get random keys from the stream of ``(seed, index)``: a key per
    content would draw whole groups of equal rows and clump the sample."""
    import pandas as pd

    from ..estimators._trust import _row_hashes

    frame = part[columns]
    keys = np.random.default_rng([int(seed), int(index)]).random(len(part))
    num = frame.select_dtypes(include="number")
    rest = [c for c in frame.columns if c not in set(num.columns)]
    h = np.zeros(len(frame), dtype=np.uint64)
    frac = np.zeros(len(frame), dtype=bool)
    if num.shape[1]:
        a = num.to_numpy(dtype=np.float64, na_value=np.nan)
        h = _row_hashes(a)
        with np.errstate(invalid="ignore"):
            frac = (np.isfinite(a) & (a != np.round(a))).any(axis=1)
    if rest:
        with np.errstate(over="ignore"):
            h = h * np.uint64(0x9E3779B97F4A7C15) ^ pd.util.hash_pandas_object(frame[rest], index=False).to_numpy(
                dtype=np.uint64)
    if frac.any():
        with np.errstate(over="ignore"):
            z = h[frac] ^ np.uint64((int(seed) * 0x9E3779B97F4A7C15) % 2**64)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z ^= z >> np.uint64(31)
        keys[frac] = (z >> np.uint64(11)).astype(np.float64) / float(2**53)
    return keys, h


def sample_part(part: Any, index: int, seed: int, m: int, columns: list[str], keep: float = 1.0,
                by_content: list[str] | None = None) -> Any:
    """The rows of one partition whose key is below ``keep``, at most the ``m`` smallest. Keys
    are random per row, or with ``by_content`` (the columns that make a row) drawn from the
    row's content (:func:`content_keys`; the hash is kept in :data:`SAMPLE_ROW`)."""
    if by_content:
        keys, hashes = content_keys(part, by_content, seed, index)
    else:
        keys, hashes = np.random.default_rng([int(seed), int(index)]).random(len(part)), None
    sel = np.flatnonzero(keys < keep)
    if sel.size > m:
        sel = sel[np.argpartition(keys[sel], m - 1)[:m]]
    sub = part[columns].iloc[sel].reset_index(drop=True)
    if hashes is not None:
        sub[SAMPLE_ROW] = hashes[sel]
    sub[SAMPLE_KEY] = keys[sel]
    return sub


def merge_samples(a: Any, b: Any, m: int) -> Any:
    import pandas as pd

    both = pd.concat([a, b], ignore_index=True)
    if len(both) > m:
        both = both.iloc[np.argpartition(both[SAMPLE_KEY].to_numpy(), m - 1)[:m]]
    return both


def finish_sample(s: Any, need: int | None = None) -> Any:
    """Sort the kept rows by key (so every prefix is a uniform sample) and drop the key;
    ``need``: the rows there must be (a short sample is an error, never a smaller answer)."""
    if need is not None and len(s) < need:
        raise RuntimeError(f"the row sample came out short ({len(s)} < {need} rows); run again with another random_state")
    return s.sort_values(SAMPLE_KEY, kind="stable").drop(columns=[SAMPLE_KEY]).reset_index(drop=True)


@dataclass
class Sketch:
    """Per partition: its row count and its exact quantiles of one column at ``probs``."""

    probs: np.ndarray
    parts: list[tuple[int, np.ndarray]]

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """The combined CDF at ``x``: row-weighted mean of the partitions' interpolated CDFs."""
        tot = sum(n for n, _ in self.parts)
        out = np.zeros(np.shape(x), dtype=np.float64)
        for n, q in self.parts:
            out += n * np.interp(x, q, self.probs, left=0.0, right=1.0)
        return out / max(tot, 1)

    def rank_error(self) -> float:
        """Bound on ``|cdf - exact empirical CDF|``: 1/q from the interpolation, plus 1/n_p
        for the quantile convention of the smallest partition."""
        q = len(self.probs) - 1
        smallest = min((n for n, _ in self.parts if n > 0), default=1)
        return 1.0 / q + 1.0 / smallest


def sketch_part(part: Any, columns: list[str], q: int) -> dict[str, Sketch]:
    probs = np.linspace(0.0, 1.0, q + 1)
    out = {}
    for c in columns:
        v = numbers(part[c])
        v = v[np.isfinite(v)]
        out[c] = Sketch(probs, [(int(v.size), np.quantile(v, probs) if v.size else np.zeros(q + 1))])
    return out


def merge_sketches(a: dict[str, Sketch], b: dict[str, Sketch]) -> dict[str, Sketch]:
    return {c: Sketch(a[c].probs, a[c].parts + b[c].parts) for c in a}


def normal_scores(x: np.ndarray, sketch: Sketch, n: int) -> np.ndarray:
    """``Phi^-1(F(x) n / (n + 1))`` with F the sketch's CDF, kept inside the ranks 1..n as
    the exact normal scores ``Phi^-1(rank / (n + 1))`` are."""
    from scipy.special import ndtri

    u = sketch.cdf(x) * n / (n + 1.0)
    return ndtri(np.clip(u, 1.0 / (n + 1.0), n / (n + 1.0)))


def moments_part(
    part: Any, columns: list[str], target: str, sketch_sets: list[dict[str, Sketch]] | None, n: int
) -> dict[str, np.ndarray]:
    """Per column the sums ``[rows, sum x, sum t, sum x^2, sum t^2, sum x t]`` over the rows
    where both are finite: one row of sums on the values (``sketch_sets`` None), or one per
    sketch set on the approximate normal scores through that set's sketches."""

    def vals(c: str, sk: dict[str, Sketch] | None) -> np.ndarray:
        v = numbers(part[c])
        if sk is None:
            return v
        z = np.full(v.shape, np.nan)
        ok = np.isfinite(v)
        z[ok] = normal_scores(v[ok], sk[c], n)
        return z

    out: dict[str, list] = {c: [] for c in columns}
    for sk in sketch_sets if sketch_sets is not None else [None]:
        t = vals(target, sk)
        for c in columns:
            x = vals(c, sk)
            ok = np.isfinite(x) & np.isfinite(t)
            xo, to = x[ok], t[ok]
            out[c].append([ok.sum(), xo.sum(), to.sum(), (xo * xo).sum(), (to * to).sum(), (xo * to).sum()])
    return {c: np.array(v, dtype=np.float64) for c, v in out.items()}


def coarsen(sk: dict[str, Sketch]) -> dict[str, Sketch]:
    """The same sketches with every other knot (q/2 levels): the difference between the
    answers at q and q/2 measures the error of the one at q."""
    return {c: Sketch(s.probs[::2], [(n, q[::2]) for n, q in s.parts]) for c, s in sk.items()}


def correlation(m: np.ndarray) -> tuple[float, int]:
    """Pearson correlation and rows from :func:`moments_part`'s sums."""
    n, sx, st, sxx, stt, sxt = (float(v) for v in m)
    cxx = sxx / n - (sx / n) ** 2
    ctt = stt / n - (st / n) ** 2
    cxt = sxt / n - (sx / n) * (st / n)
    den = np.sqrt(max(cxx, 0.0) * max(ctt, 0.0))
    return (float(np.clip(cxt / den, -1.0, 1.0)) if den > 0 else 0.0), int(n)


def tree_reduce(items: list[Any], merge: Any, fan_in: int = 8, **kw: Any) -> Any:
    """A Dask delayed tree reduction of ``items`` (delayed summaries) by ``merge(a, b, **kw)``."""
    from dask import delayed

    def merge_many(*xs: Any) -> Any:
        acc = xs[0]
        for x in xs[1:]:
            acc = merge(acc, x, **kw)
        return acc

    level = list(items)
    while len(level) > 1:
        level = [delayed(merge_many, pure=True)(*level[i : i + fan_in]) for i in range(0, len(level), fan_in)]
    return level[0]


def gram_part(part: Any, columns: list[str], sketch_sets: list[dict[str, Sketch]] | None, n: int) -> np.ndarray:
    """``A^T A`` with ``A = [1, columns]`` over the rows where every column is finite: one
    ``(d + 1, d + 1)`` matrix on the values, or one per sketch set on the normal scores."""
    v = np.column_stack([numbers(part[c]) for c in columns])
    ok = np.all(np.isfinite(v), axis=1)
    v = v[ok]
    out = []
    for sk in sketch_sets if sketch_sets is not None else [None]:
        w = v if sk is None else np.column_stack([normal_scores(v[:, j], sk[c], n) for j, c in enumerate(columns)])
        a = np.column_stack([np.ones(len(w)), w])
        out.append(a.T @ a)
    return np.array(out)


def correlation_matrix(g: np.ndarray) -> tuple[np.ndarray, int]:
    """The correlation matrix and rows of a :func:`gram_part` sum."""
    n = float(g[0, 0])
    mean = g[0, 1:] / n
    cov = g[1:, 1:] / n - np.outer(mean, mean)
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = cov / np.outer(sd, sd)
    np.fill_diagonal(c, 1.0)
    return c, int(n)


def joint_counts_part(part: Any, xs: dict[str, list], ys: dict[str, list]) -> np.ndarray:
    """Counts of (joint level of the ``xs`` columns, joint level of the ``ys`` columns) over
    the rows where every column has a level."""
    cx = [codes_of(part[c], lv) for c, lv in xs.items()]
    cy = [codes_of(part[c], lv) for c, lv in ys.items()]
    ok = np.all(np.column_stack(cx + cy) >= 0, axis=1)
    kx = int(np.prod([len(v) for v in xs.values()]))
    ky = int(np.prod([len(v) for v in ys.values()]))
    fx = np.ravel_multi_index([c[ok] for c in cx], [len(v) for v in xs.values()])
    fy = np.ravel_multi_index([c[ok] for c in cy], [len(v) for v in ys.values()])
    return np.bincount(fx * ky + fy, minlength=kx * ky).reshape(kx, ky)
