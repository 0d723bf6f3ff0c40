"""The bias of the label kNN estimator (ross) at the data's own class sizes, measured on a
Gaussian model of the classes.

Ross counts neighbours within each class at the distance of the k-th same-class neighbour;
with few rows per class that distance is wide, and the estimate is off by an amount whose
sign depends on how the classes overlap. Measured (k = 3, 3 seeds each, closed-form truths):
200 classes of one-dimensional Gaussians with N(0, 1) means read +12% at 10-40 rows per class
and +6.5% at 80; 50 such classes +6 to +8% at 10-40; 50-200 separated two-dimensional blobs
-10% at 5 rows per class, -3% at 10 and +1.5 to +2.3% at 20-80. A flat rule on rows per class
cannot say which, and the model check of the continuous branch has no counterpart here.

So it is measured where it happens: each class is modelled as a Gaussian with its own mean and
covariance (fitted on the rows the estimate used), rows are drawn from that mixture with the
data's class counts, ross runs on them exactly as on the data, and its error against the
mixture's own MI (Monte Carlo over fresh draws of the model, ``log p(x|c) - log p(x)``) is the
bias at these class sizes, this dimension and this overlap. Where the Gaussian model of the
classes is wrong the number is an approximation, and it is stated as one. Run only below
:data:`ROSS_CHECK_ROWS` rows per class on average (above, the measured bias is within a few
percent) and for up to :data:`ROSS_CHECK_MAX_DIM` dimensions (the per-class covariances need
rows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

#: below this many rows per class on average the check runs (80 rows per class still read
#: +6.5% in the measurements above; 160 read +3%)
ROSS_CHECK_ROWS = 200
#: dimensions of the continuous side up to which the class covariances are fitted
ROSS_CHECK_MAX_DIM = 10
#: Monte Carlo draws of the model for its own MI (its error is stated and taken into account)
MC_DRAWS = 20_000
#: independent draws of the model's rows that ross reads (their mean halves the noise of one
#: at 4 of them: one draw's bias read +0.02 to +0.05 for the same +0.02, se 0.01-0.02)
REPLICATES = 4
#: cells (rows x classes) of the model's log-densities held at a time
BLOCK_CELLS = 2_000_000


@dataclass
class LabelCheck:
    """``bias``: ross on the model's rows minus the model's MI (nats); ``se``: its standard
    error (ross's on the model's rows and the Monte Carlo error, combined); ``model_mi``: the
    model's MI; ``ross_model``: ross on the model's rows."""

    bias: float
    se: float
    model_mi: float
    ross_model: float
    rows_per_class: float

    def to_dict(self) -> dict[str, Any]:
        return {"bias": self.bias, "se": self.se, "model_mi": self.model_mi, "ross_model": self.ross_model,
                "rows_per_class": self.rows_per_class}


def _fit(x: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per class: share, mean, Cholesky factor of the covariance (shrunk towards its diagonal
    when the class has few rows, so that every factor exists), log-determinant."""
    classes, counts = np.unique(codes, return_counts=True)
    n, d = x.shape
    # the pooled within-class covariance (the covariance of x about its class means): what a
    # class of few rows leans on
    centred = x - np.stack([x[codes == c].mean(axis=0) for c in classes])[np.searchsorted(classes, codes)]
    pooled = (centred.T @ centred / max(n - len(classes), 1)).reshape(d, d)
    means = np.empty((len(classes), d))
    chol = np.empty((len(classes), d, d))
    logdet = np.empty(len(classes))
    for i, c in enumerate(classes):
        xc = x[codes == c]
        means[i] = xc.mean(axis=0)
        m = len(xc)
        cov = np.cov(xc, rowvar=False).reshape(d, d) if m > 1 else np.zeros((d, d))
        # shrinkage towards the pooled covariance: weight d / (m + d) (a class of 3 rows in 2
        # dims leans on the pool; of 100 rows on itself)
        w = d / (m + d)
        cov = (1 - w) * cov + w * pooled + 1e-9 * np.trace(pooled) / d * np.eye(d)
        chol[i] = np.linalg.cholesky(cov)
        logdet[i] = 2.0 * float(np.log(np.diag(chol[i])).sum())
    return counts / n, means, chol, logdet


def _draw(p_counts: np.ndarray, means: np.ndarray, chol: np.ndarray, rng: np.random.Generator,
          counts: np.ndarray | None = None, m: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the mixture: ``counts`` per class when given (the data's), else ``m`` rows with
    classes drawn by their shares."""
    k, d = means.shape
    if counts is None:
        counts = rng.multinomial(m, p_counts)
    codes = np.repeat(np.arange(k), counts)
    z = rng.standard_normal((len(codes), d))
    x = means[codes] + np.einsum("nij,nj->ni", chol[codes], z)
    return x, codes


def _log_densities(x: np.ndarray, means: np.ndarray, chol: np.ndarray, logdet: np.ndarray) -> np.ndarray:
    """``log N(x; mean_c, cov_c)`` for every row and class, shape (n, classes), in blocks."""
    n, d = x.shape
    out = np.empty((n, len(means)))
    inv = np.linalg.inv(chol)
    const = -0.5 * d * math.log(2 * math.pi)
    for c in range(len(means)):
        u = (x - means[c]) @ inv[c].T
        out[:, c] = const - 0.5 * logdet[c] - 0.5 * np.einsum("ij,ij->i", u, u)
    return out


def model_mi(p: np.ndarray, means: np.ndarray, chol: np.ndarray, logdet: np.ndarray,
             rng: np.random.Generator, m: int = MC_DRAWS) -> tuple[float, float]:
    """The mixture's I(X; class) by Monte Carlo over ``m`` fresh draws: the mean of
    ``log p(x|c) - log sum_c' p(c') p(x|c')``, and its standard error."""
    x, codes = _draw(p, means, chol, rng, m=m)
    terms = np.empty(len(codes))
    step = max(1, BLOCK_CELLS // len(means))  # (rows x classes per block: 2,000 classes stay in 16 MB)
    for s in range(0, len(codes), step):
        ld = _log_densities(x[s:s + step], means, chol, logdet)
        top = ld.max(axis=1, keepdims=True)
        log_px = top[:, 0] + np.log(np.exp(ld - top) @ p)
        terms[s:s + step] = ld[np.arange(len(ld)), codes[s:s + step]] - log_px
    return float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(len(terms)))


def ross_bias(x: np.ndarray, codes: np.ndarray, estimate: Any, seed: int) -> LabelCheck | None:
    """The check of the module docstring for the rows ``x`` (n, d), class codes ``codes`` and
    the function ``estimate(x, codes) -> MIResult`` that ran ross on the data (the same
    estimator, parameters and preparation); None where it does not apply."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    codes = np.asarray(codes).reshape(-1)
    classes, counts = np.unique(codes, return_counts=True)
    n, d = x.shape
    if d > ROSS_CHECK_MAX_DIM or len(classes) < 2 or n >= ROSS_CHECK_ROWS * len(classes):
        return None
    rng = np.random.default_rng(seed + 7919)
    p, means, chol, logdet = _fit(x, codes)
    reads, errs = [], []
    for _ in range(REPLICATES):
        xs, cs = _draw(p, means, chol, rng, counts=counts)
        res = estimate(xs, cs)
        reads.append(float(res.mi))
        errs.append(res.stderr if res.stderr is not None and math.isfinite(res.stderr) else 0.0)
    truth, mc_se = model_mi(p, means, chol, logdet, rng)
    # the replicates are independent draws: the mean's error is the single error over sqrt(R)
    se_r = float(np.sqrt(np.mean(np.square(errs)) / REPLICATES))
    ross_model = float(np.mean(reads))
    return LabelCheck(bias=ross_model - truth, se=math.hypot(se_r, mc_se), model_mi=truth,
                      ross_model=ross_model, rows_per_class=n / len(classes))
