"""The constants of ``method="auto"`` (:mod:`infolens.estimators.auto`), each with the reason
for its value, the power rule that sizes the model check, and the reader of each
candidate's bias direction.

Every number here was set from a reason (dimension, n, standard errors, agreement) and
checked on the standard suite; none is tuned to a distribution's name or a seed.
"""

from __future__ import annotations

import math
from typing import Any

from ..stats import Z_DIFFER

# --- which candidates run ---------------------------------------------------------------

#: budgets of the search: "fast" (closed forms and kNN only), "default", "thorough"
BUDGETS = ("fast", "default", "thorough")
#: smallest n for which the neural candidate is trained (its test split is n / 5 rows: below
#: 100 held-out rows its bound has a standard error as large as the MI of most tasks)
NEURAL_MIN_N = 500
#: smallest n for the linear probe's bound (labels in many dimensions): the same reason
PROBE_MIN_N = NEURAL_MIN_N
#: from this many columns on the continuous side the held-out bounds (the linear probe, and the
#: neural classifier at the budgets that train) run beside the label kNN estimator (ross)
#: whenever it answers, and refute it when significantly above
#: (``_auto_branches._bound_above_knn``): ross's neighbourhoods widen along columns the label
#: does not depend on (one relevant column of 6, 8, 10: 5%, 15%, 22% low at n = 2000; an XOR
#: of two columns among 6: 16-18% low, which no linear bound sees); in one column there are
#: none, and the bounds' noise would only add false refutations
LABEL_BOUNDS_MIN_COLS = 2
#: a side mixing discrete and continuous columns is read by the chain rule over the discrete
#: columns' patterns (``_auto_branches.mixed``) when they hold at least this many rows each
#: on average (KSG runs within each pattern: below ~50 rows it reads a third low, and the
#: within-level term warns its expected shortfall)
MIXED_MIN_ROWS = 20
#: below PROBE_MIN_N the probe still runs when nothing else can answer (the class model needs
#: more rows per class than dimensions) from this many rows: its bound is noisy (a test split
#: of n / 5 rows) but valid, and its range is stated; below it auto refuses, naming the fix
PROBE_LAST_RESORT_N = 100
#: smallest n for the wkl candidate (its variance is several times KSG's)
WKL_MIN_N = 1000
#: smallest n for the projection bound: its directions are learned on n / 2 rows, which
#: must exceed 4 (dx + dy) (beyond 10 joint dims: 500 rows for up to 125 columns), and KSG
#: reads the other n / 2 (the suite's 25+25 at n = 200 could not run it)
PROJECTION_MIN_N = 1000
#: smallest n for the diffusion candidate (its read-out uses a fifth of the rows)
DIFFUSION_MIN_N = 2000
#: training epochs of the neural candidate at budget "thorough" (the trainers' default is
#: 50: four times longer lets a bound that was still rising at the default settle)
THOROUGH_EPOCHS = 200

#: a single integer column with more levels than labels are detected by (32, or 5% of n)
#: but at least this many rows per level on average is read as a label against a continuous
#: side: MI is the same whichever way it is read, and only the label reading holds when
#: neighbouring levels are unrelated (1000 classes with random centroids in 2 dims, 5 rows
#: each: KSG on the codes 0.33 for 3.57, ross 3.23; with a smooth numeric relation at 5-16
#: rows per level ross reads within +5%, KSG within 1%). Below 4 rows per level a level's
#: own kNN count has nothing to count (ross's k is 3)
LABEL_MIN_ROWS = 4
#: below this many rows per class on average, a label's kNN estimate (ross) is graded
#: "caution" as reading low: 1000-333 classes with random centroids in 2 dims read 10%, 8%
#: and 5% low at 4, 6 and 8 rows per class (3 seeds each, no interval covering), 0.1-0.6%
#: at 12; a smooth relation read within 3% throughout
LABEL_ROWS_OK = 10

# --- the copula model -------------------------------------------------------------------

#: likelihood ratio of the t-copula against the Gaussian copula (chi-square, 1 d.f.) above
#: which the data count as heavy-tailed dependence (p < 0.001: the t-copula is then run as
#: the model; a looser level let sampling noise pick the t model on Gaussian data)
T_COPULA_LR = 10.83
#: a neural lower bound must exceed a copula model by this many combined standard errors and
#: ABOVE_RTOL of the model to count as dependence the model misses. 2 (not 3): a false alarm
#: costs little (the bound is then close to the model's value, a lower bound just below it), a
#: miss keeps a model that reads 25% low (a spiral in 5+5 dims: InfoNCE 0.87 +- 0.03 above
#: the Gaussian copula's 0.76 +- 0.015, truth 1.02)
ABOVE_Z = Z_DIFFER
ABOVE_RTOL = 0.03

# --- agreement between candidates -------------------------------------------------------

#: two candidates disagree when they differ by more than DISAGREE_Z combined standard errors
#: and DISAGREE_RTOL of the larger (or DISAGREE_FLOOR nats): 3 errors because auto compares
#: up to five candidates (a family-wise level near 1%), and a share because two estimators
#: of different families carry different finite-sample biases that their errors omit
DISAGREE_Z = 3.0
DISAGREE_RTOL = 0.25
DISAGREE_FLOOR = DISAGREE_RTOL * 0.05
#: joint dimension up to which KSG on normal scores is close to unbiased even for
#: non-Gaussian dependence (suite, n = 5000: Student-t 1+1 and 2+2 within 15%, additive
#: noise and the swiss roll within 10%), so its agreement with a neural bound corroborates,
#: and above which every kNN value counts as a low reader
CORROBORATE_MAX_DIM = 4
#: two candidates of different families corroborate each other within CORROBORATE_Z
#: combined standard errors or CORROBORATE_RTOL of the larger value
CORROBORATE_Z = 3.0
CORROBORATE_RTOL = 0.10
#: smallest n for corroboration: at n = 1000 KSG on normal scores and InfoNCE read 30-40%
#: low *together* on Student-t 2+2 data (both biased the same way at small n); at n = 5000
#: both are within 15% (standard suite, 3 seeds)
CORROBORATE_MIN_N = 4000

# --- questions that have no finite answer -----------------------------------------------

#: a canonical correlation rho of the data (or of their normal scores) is called
#: deterministic when its MI -1/2 log(1 - rho^2) exceeds log(n) - ILL_POSED_MARGIN: a
#: dependence whose noise is below what n rows resolve (y = x + s e with s < 1/n). No margin
#: (0 nats): the line log n is already far above real high-MI Gaussian pairs (a 20-dim
#: y = x + 0.1 e has 2.3 nats per pair; log 200 = 5.3), and y = x + 0.01 e (4.6 nats) at
#: n = 2000 (log n = 7.6) must stay a measurement (tests/test_auto_evidence.py)
ILL_POSED_MARGIN = 0.0

# --- small samples ----------------------------------------------------------------------

#: below this n an answer is graded "ok" only when the copula looks Gaussian in at most
#: CORROBORATE_MAX_DIM joint dimensions, where KSG's model check has the power to see what
#: the Gaussian form misses. Elsewhere the checks lack power at small n and the candidates
#: share their small-sample bias: at n = 1000 the suite's 5+5 spirals read 0.79 for 1.02 with
#: the Gaussian copula graded "ok" (the non-Gaussian checks and the neural bound, on 200
#: held-out rows, saw nothing), and KSG and InfoNCE read Student-t 2+2 data 30-40% low together
SMALL_N = 2000
#: how far below the truth such agreeing candidates have been measured (the spirals 23%, the
#: Student-t 30-40%): the small-sample grade states it (``_auto_interval`` says why the
#: interval does not reach up by it)
SMALL_SAMPLE_SHORTFALL = 0.40
#: "ok" promises an estimate within 10% of the truth, which an estimate whose own 95% interval
#: is wider than that cannot keep (at n = 1000 the t-copula's half-sampling error on a 0.22-nat
#: Student-t task is 14% of the value: 10 of 96 "ok" estimates were 10-25% off): "ok" needs
#: Z95 * stderr <= max(PRECISION_RTOL * |mi|, PRECISION_FLOOR)
PRECISION_RTOL = 0.10
#: ... with an absolute resolution for MI near 0 (nats; 10% of 0.2 nats)
PRECISION_FLOOR = 0.02


def ok_promise(mi: float) -> float:
    """How far from the truth an "ok" estimate of value ``mi`` promises to be at most (nats):
    ``max(PRECISION_RTOL |mi|, PRECISION_FLOOR)``, the one place the rules read it from."""
    return max(PRECISION_RTOL * abs(mi), PRECISION_FLOOR)

#: imprecision alone grades "caution" without a warning (the interval says it) while the 95%
#: interval stays within +-WARN_RTOL of the value; beyond, the value may be more than 25% off
#: by its own interval, and every estimate that far off must carry a warning (at n = 200 one
#: such estimate, 28% off, had none)
WARN_RTOL = 0.25
#: a non-Gaussian copula model accepted by its check is graded "ok" only when the check could
#: see a 10% error: the combined standard error of its two KSG values at most CHECK_POWER_RTOL
#: of the value (off the suite, a mixture of +-0.8 correlations, MI 0.197: the t-copula read
#: 0.172 and passed a check whose combined error was 0.020, 12% of the value)
CHECK_POWER_RTOL = 0.10
#: the label kNN estimator's bias at the data's class sizes, measured on a Gaussian model of
#: the classes (:mod:`._label_check`), grades "caution" and moves the interval when it exceeds
#: this share of the value and two of its standard errors (half the 10% that "ok" promises:
#: the estimate's own noise takes the other half)
LABEL_BIAS_RTOL = 0.05


# --- rows: what each part of auto runs on at large n -------------------------------------

#: the closed forms (the Gaussian copula, the class-conditional copula, the plug-in of two
#: labels) cost O(n d^2) and always use every row. Every other part (the t-copula, whose nu
#: search and six half-sample refits cost ~20 closed forms; KSG; the model check's KSG on
#: simulated data; the neural, wkl and diffusion candidates) runs on the same random, seeded
#: subsample of CHECK_ROWS rows when n is larger. 20,000: at and below it auto is the same
#: computation as before sizing (the suite at n = 5000 and every n <= 20,000 are unchanged),
#: and it is the pilot size of the power rule below.
CHECK_ROWS = 20_000
#: the most rows the model check grows to (see :func:`check_rows_for_power`); beyond, the
#: check keeps the power it has and the "ok" grade's own power rule (CHECK_POWER_RTOL, in
#: :mod:`._auto_evidence`) says when that is too little
MAX_CHECK_ROWS = 100_000
#: joint dimension up to which KSG, when no copula model explains the data (it may be the
#: answer), is rerun on every row: in 1+1 its compiled grid search and one-search jackknife
#: take ~4 CPU s at 10^6 rows and ~40 at 10^7 (bench_scale.py), so the answer need not come
#: from a subsample; in more dimensions the KD-tree grows like N^1.7 and the subsample stays
KNN_ALL_ROWS_MAX_DIM = 2
#: one-sided normal quantile of 80% power: a check that must *detect* an error, not only be
#: able to, needs the error CHECK_Z + POWER_Z combined standard errors wide
POWER_Z = 0.8416212335729143


def check_rows_for_power(se_comb: float, m: int, value: float) -> int:
    """The rows ``m'`` a copula model check needs to detect a CHECK_POWER_RTOL (10%) error of
    ``value`` (nats) with 80% power, from a check on ``m`` rows whose two KSG values had the
    combined standard error ``se_comb``.

    The check rejects when the gap between KSG on the data and KSG on the simulated model
    exceeds CHECK_Z (2) combined standard errors (:mod:`._copula_check`). A model that is
    wrong by a share ``r`` of the MI moves the gap by about ``r * value``; the test sees it
    with probability 80% when ``r * value >= (CHECK_Z + POWER_Z) * se_comb``. KSG's standard
    error on ``m`` rows scales like ``1 / sqrt(m)`` (a mean of per-row digamma terms), so
    ``se_comb(m') = se_comb(m) * sqrt(m / m')`` and

        m' = m * (se_comb / target)^2,   target = max(r * |value|, CHECK_FLOOR) / (CHECK_Z + POWER_Z)

    with ``r = CHECK_POWER_RTOL``; gaps below CHECK_FLOOR nats never count, so the target
    never asks for more precision than that floor can use. Returns ``m`` when the pilot
    already has the power (on the suite at 20,000 rows: KSG errors of 0.003-0.01 nats on
    normal scores, targets of 0.007-0.035 nats)."""
    from ._copula_check import CHECK_FLOOR, CHECK_Z

    target = max(CHECK_POWER_RTOL * abs(value), CHECK_FLOOR) / (CHECK_Z + POWER_Z)
    if not math.isfinite(se_comb) or se_comb <= target:
        return m
    return int(math.ceil(m * (se_comb / target) ** 2))


# --- the candidates' bias direction ---------------------------------------------------

def bias_of(method: str) -> str:
    """The bias direction of a registered estimator: its class's
    :attr:`infolens.result.Estimator.bias` (every candidate auto runs declares it)."""
    from ..registry import estimator_class

    return str(getattr(estimator_class(method), "bias", "unknown"))


def finite(v: Any) -> float:
    """``v`` as a float, 0 when it is None or not finite (a missing standard error)."""
    return float(v) if v is not None and math.isfinite(float(v)) else 0.0
