"""Permutation test of independence: is I(X;Y) > 0?

The statistic is an MI estimate on the data; its null distribution comes from the same
estimator on ``(x, y[pi])`` for random permutations ``pi``, which keep both marginals and
destroy the dependence. The p-value ``(1 + #{null >= statistic}) / (1 + P)`` is exact at any
n (Phipson & Smyth 2010), whatever the estimator's bias, which is why it, not a 95%
interval, is the answer to "is there any dependence".

For ``method="ksg"`` (the default) x and y are validated, tie-broken and standardised
once, and the P permuted estimates run on the KSG core with no per-estimate validation,
scaling or error bar; when both sides are 1-D they are batched through the compiled 2-D
kernel of :mod:`infolens.estimators.batched_knn`. Other methods run the estimator once per permutation with its standard error
switched off where it has one.

Rows in time order. A permutation keeps both marginals but also destroys each side's
own autocorrelation, so when *both* sides are serially dependent (a time series against
another) the permuted null is too narrow and the test rejects independent series: two
independent AR(1) series at 0.9, n = 1000, were called dependent at level 0.05 in 51.5% of 200
KSG tests. ``null="auto"`` (the default) looks at the rows in the order given with the
rule of the estimators' ``serial-dependence`` warning, per side; when both sides are
serial the null shifts one side circularly against the other instead (by at least two
autocorrelation times, :func:`~infolens.estimators._trust.shift_lag`), which keeps each
series as it is and breaks only their alignment (measured in ``tests/test_independence_serial.py``
and docs/estimators.md). One serial side alone needs nothing: the other side's rows are then
exchangeable under independence, and permuting them is exact.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import Flag, InputError, emit, flag
from .registry import estimator_class, get_estimator
from .result import NATS_PER_BIT, Estimator, MIResult, _jsonable, check_unit
from .validation import check_choice, check_positive_int, check_random_state, check_xy

#: the nulls of :func:`independence_test`: ``"auto"`` shifts when both sides are serial
NULLS = ("auto", "permutation", "shift")
#: two serial sides with fewer effective rows n (1 - r) / (1 + r) than this (the fewer of the
#: two) are called wandering (a trend, a random walk: about 4 for a random walk at any n,
#: 110 for AR(1) at 0.9 and n = 1000), where the stationary shift null is approximate
SHIFT_MIN_EFFECTIVE_ROWS = 20


@dataclass
class IndependenceResult:
    """Result of :func:`independence_test`. ``statistic``: the MI estimate (in ``unit``) on
    the data; ``p_value``: permutation p-value; ``null_mean``/``null_sd``: the permutation
    null's mean and standard deviation; ``null``: the P null estimates (all in ``unit``);
    ``why``: why this statistic, when it was chosen for the caller (``method="auto"``);
    ``null_kind``: ``"permutation"`` or ``"shift"`` (circular shifts of at least
    ``shift_min`` rows); ``null_why``: why a shift; ``warnings``: doubts about the p-value."""

    statistic: float
    p_value: float
    null_mean: float
    null_sd: float
    n_permutations: int
    method: str
    n_samples: int
    seconds: float
    null: list[float] = field(default_factory=list, repr=False)
    params: dict[str, Any] = field(default_factory=dict)
    unit: str = "nats"
    why: str = ""
    null_kind: str = "permutation"
    shift_min: int = 0
    null_why: str = ""
    warnings: list[Flag] = field(default_factory=list)
    conditional: bool = False

    @property
    def p_value_floor(self) -> float:
        """The smallest p-value this test can give, ``1 / (n_permutations + 1)``: a p-value at
        the floor says "at least this significant"; a smaller level needs more permutations."""
        return 1.0 / (self.n_permutations + 1)

    @property
    def z(self) -> float:
        """How many null standard deviations the statistic lies above the null mean."""
        return (self.statistic - self.null_mean) / self.null_sd if self.null_sd > 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        return {
            "statistic": self.statistic, "unit": self.unit, "p_value": self.p_value, "null_mean": self.null_mean,
            "null_sd": self.null_sd, "z": self.z if math.isfinite(self.z) else str(self.z),
            "p_value_floor": self.p_value_floor,
            "n_permutations": self.n_permutations, "method": self.method, "n_samples": self.n_samples,
            "seconds": self.seconds, "params": _jsonable(self.params), **({"why": self.why} if self.why else {}),
            "null_kind": self.null_kind, **({"shift_min": self.shift_min} if self.null_kind == "shift" else {}),
            **({"null_why": self.null_why} if self.null_why else {}), "conditional": self.conditional,
            "warnings": [str(w) for w in self.warnings],
        }

    def __str__(self) -> str:
        draws = {"permutation": "permutations", "shift": f"circular shifts of >= {self.shift_min} rows"}.get(
            self.null_kind, f"draws, {self.null_kind}")
        what = "conditional independence test, given z" if self.conditional else "independence test"
        stat = "I(X;Y|Z)" if self.conditional else "I"
        return (
            f"{what} ({self.method}, {self.n_permutations} {draws}, n={self.n_samples}): "
            f"{stat} = {self.statistic:.4f} {self.unit}, null {self.null_mean:.4f} ± {self.null_sd:.4f}, "
            f"p = {self.p_value:.3g}{' (the floor: smallest possible with these draws)' if self.p_value <= self.p_value_floor else ''}"
            f"  [{self.seconds:.3g} s]" + (f"\n  statistic: {self.why}" if self.why else "")
            + (f"\n  null: {self.null_why}" if self.null_why else "")
            + "".join(f"\n  warning: {w}" for w in self.warnings)
        )


def independence_test(
    x: Any,
    y: Any,
    method: str = "ksg",
    n_permutations: int = 200,
    random_state: Any = None,
    unit: str = "nats",
    null: str = "auto",
    warn: bool = True,
    z: Any = None,
    k_perm: int | None = None,
    **params: Any,
) -> IndependenceResult:
    """Test H0: X and Y independent, with a permutation null of the MI estimate.

    Parameters
    ----------
    x, y : paired samples, as for :func:`infolens.estimate_mi`.
    method : the estimator of the statistic (any registered name; ``"ksg"`` is batched;
        ``"auto"`` picks a fixed cheap statistic from the data, see :func:`_test_statistic_for`).
    n_permutations : P; the smallest attainable p-value is ``1 / (P + 1)``.
    random_state : seed of the permutations (and of the estimator's own randomness).
    unit : "nats" or "bits": the unit of the statistic and of the null (the p-value is the same).
    null : "auto" (a circular-shift null when both sides are serially correlated in the order
        given, else permutations: module docstring), "permutation" (warned when both sides are
        serial) or "shift" (rows in time order, stationary series).
    warn : issue the result's warnings through Python's ``warnings`` (they are also in
        ``result.warnings``).
    z : condition on z: test X independent of Y given Z with the Frenzel-Pompe estimate of
        I(X;Y|Z), X permuted within Z's levels (a discrete z: exact) or among each row's
        ``k_perm`` nearest rows in Z (a continuous z: approximate), :mod:`infolens.conditional`.
    k_perm : neighbours in Z among which X moves under a continuous z (default 5).
    **params : the estimator's parameters (e.g. ``k=5``).

    Examples
    --------
    >>> import numpy as np, infolens
    >>> rng = np.random.default_rng(0); x = rng.normal(size=500)
    >>> infolens.independence_test(x, x + rng.normal(size=500), random_state=0).p_value < 0.01
    True
    """
    P = check_positive_int(n_permutations, "n_permutations")
    check_unit(unit)
    rng = check_random_state(random_state)
    t0 = time.perf_counter()
    why = ""
    if isinstance(method, str) and method.lower() in ("auto", "default", "automatic"):
        method = _test_statistic_for(x, y)
        why = (f"{method}, the fixed cheap statistic of auto (auto itself would choose per permutation); the "
               "p-value is exact whichever statistic is used")
    check_choice(null, "null", NULLS)
    if z is not None:
        res = _conditional(x, y, z, method, P, rng, t0, unit, null, k_perm, params)
    else:
        cls = estimator_class(method)
        kind, lag, null_why, notes = _null_for(x, y, null)
        if cls.name == "ksg" and params.get("algorithm", 1) == 1:
            stat, draws, n, used = _ksg_batched(x, y, P, rng, params, kind, lag)
        else:
            stat, draws, n, used = _generic(cls, x, y, P, rng, params, kind, lag)
        res = _result(stat, draws, unit, t0, method=cls.name, n_samples=int(n), params=used, why=why, null_kind=kind,
                      shift_min=lag if kind == "shift" else 0, null_why=null_why, warnings=notes)
    if warn and res.warnings:
        emit(tuple(res.warnings), where="conditional independence test" if res.conditional else "independence test",
             stacklevel=3)
    return res


def _result(stat: float, draws: Any, unit: str, t0: float, **fields: Any) -> IndependenceResult:
    """The result from the statistic and its null draws (nats): the p-value ``(1 + #{null >=
    statistic}) / (1 + P)``, then both in ``unit`` (after the p-value: a common positive factor
    changes no comparison)."""
    nulls = np.asarray(draws, dtype=np.float64)
    P = len(nulls)
    p = float((1 + np.sum(nulls >= stat)) / (1 + P))
    if unit == "bits":
        stat, nulls = stat / NATS_PER_BIT, nulls / NATS_PER_BIT
    return IndependenceResult(
        statistic=float(stat), p_value=p, null_mean=float(nulls.mean()), null_sd=float(nulls.std(ddof=1)) if P > 1 else 0.0,
        n_permutations=P, seconds=time.perf_counter() - t0, null=nulls.tolist(), unit=unit, **fields)


def _conditional(x: Any, y: Any, z: Any, method: Any, P: int, rng: np.random.Generator, t0: float, unit: str,
                 null: str, k_perm: int | None, params: dict[str, Any]) -> IndependenceResult:
    from .conditional import check_conditional_method, conditional_test

    name = check_conditional_method(method)
    if null != "auto":
        raise InputError(f"null={null!r} applies to the test without z; a conditional test draws x within z's levels "
                         "or among neighbours in z (leave null='auto')")
    unknown = set(params) - {"k", "discrete_z", "backend"}
    if unknown:
        raise InputError(f"a conditional test takes k, discrete_z and backend, got {sorted(unknown)}")
    out = conditional_test(x, y, z, P, rng, k_perm=k_perm, **params)
    used = {"k": int(params.get("k", 5)), **({"k_perm": out["k_perm"]} if out["k_perm"] else {})}
    return _result(float(out["statistic"]), out["null"], unit, t0, method=name, n_samples=int(out["n"]), params=used,
                   null_kind=out["null_kind"], null_why=out["why"], warnings=out["warnings"], conditional=True)


def _null_for(x: Any, y: Any, null: str) -> tuple[str, int, str, list[Flag]]:
    """``(kind, lag, why, warnings)`` of the null: the ``serial-dependence`` rule of the
    estimators (:func:`~infolens.estimators._trust.serial_flags`) on each side alone."""
    from .estimators._trust import serial_side, shift_lag

    try:
        n = len(x)
    except TypeError:
        raise InputError("x must be an array of samples, one row per sample") from None
    sides = [(side, serial_side(a, side)) for side, a in (("x", x), ("y", y))] if n >= 100 else []
    found = [(side, f) for side, f in sides if f is not None]
    both = len(found) == 2
    r1 = max((float(f.data["autocorrelation"]) for _, f in found), default=0.0)
    said = " and ".join(f"{side} (lag-1 rank autocorrelation {float(f.data['autocorrelation']):.2f})"
                        for side, f in found)
    if null == "permutation" or (null == "auto" and not both):
        if null == "permutation" and both:
            return "permutation", 0, "", [flag(
                "serial-dependence",
                f"both sides are serially correlated in the order given, {said}: a permutation destroys each "
                "series' own autocorrelation, so the null is too narrow and the p-value too small (two independent "
                "AR(1) series at 0.9, n = 1000: 51.5% of 200 tests at level 0.05 rejected); null='shift' (or the "
                "default 'auto') shifts one side against the other instead",
                autocorrelation=r1)]
        return "permutation", 0, "", []
    lag = shift_lag(r1, n)
    notes = []
    n_eff = min((int(f.data["effective_rows"]) for _, f in found), default=n)
    if both and n_eff < SHIFT_MIN_EFFECTIVE_ROWS:
        notes.append(flag(
            "serial-dependence",
            f"the series wander: {said} leave about {n_eff} independent stretches in {n} rows, as a trend or a "
            "random walk does; the circular shift assumes stationary series (two independent random walks of "
            "1000 steps: 16% of shift tests rejected at 0.05, every permutation test did), so the p-value is "
            "approximate; test the differences (numpy.diff of each side) or detrended values",
            effective_rows=n_eff))
    why = (f"both sides are serially correlated in the order given, {said}: one side is shifted circularly against "
           f"the other by at least {lag} rows, which keeps each series' autocorrelation (a permutation would destroy "
           "it and make the null too narrow); this assumes stationary series") if both else (
           f"circular shifts of at least {lag} rows (null='shift')")
    return "shift", lag, why, notes


def _orders(kind: str, n: int, rng: np.random.Generator, lag: int):
    """``orders(count) -> (count, n)`` row orders of the null draws."""
    from .estimators._trust import shift_orders

    if kind == "shift":
        return lambda count: shift_orders(n, count, rng, lag)
    return lambda count: np.stack([rng.permutation(n) for _ in range(count)])


def _test_statistic_for(x: Any, y: Any) -> str:
    """The statistic behind ``method="auto"``: ``auto`` itself would choose per permutation
    (and may train a network each time), so a fixed cheap one is used instead - ``mixed``
    when a side holds labels (strings, categories), ``ksg`` up to 10 joint dimensions,
    ``gaussian-copula`` above. The p-value is exact whichever statistic is used."""
    from .validation import is_categorical

    if is_categorical(x) or is_categorical(y):
        return "mixed"
    dims = [int(np.prod(np.shape(a)[1:])) if np.ndim(a) > 1 else 1 for a in (x, y)]
    return "ksg" if sum(dims) <= 10 else "gaussian-copula"


def statistic_of(result: MIResult, x: Any, y: Any) -> tuple[str, dict[str, Any], bool, str]:
    """The permutation-test statistic that matches an estimate made with ``method="auto"``:
    ``(method, params, swap, why)``. The estimator auto chose, when it is cheap enough to run
    once per permutation (anything that does not train), with the sides auto read as labels
    passed as such (``swap``: run the test on ``(y, x)``, for an estimator that takes its label
    as ``y``); otherwise, the fixed cheap statistic of :func:`_test_statistic_for` with auto's
    reading of the labels (``x``, ``y``: the data of the estimate). The p-value is exact whichever statistic is used; ``why`` says which
    one it is and why (the command line prints it)."""
    diag = result.diagnostics
    choice = str(diag.get("choice", {}).get("method", ""))
    disc_x, disc_y = bool(diag.get("discrete_x")), bool(diag.get("discrete_y"))
    try:
        cls: type[Estimator] | None = estimator_class(choice)
    except (KeyError, ValueError):
        cls = None
    if cls is not None and not (cls.trains_in_minibatches or cls.trains_critic):
        accepted = inspect.signature(cls).parameters
        params: dict[str, Any] = {}
        swap = False
        if disc_x and "discrete_x" in accepted:
            params["discrete_x"] = True
        elif disc_x and "discrete_y" in accepted and not disc_y:
            swap, params["discrete_y"] = True, True  # the label goes where the estimator takes it
        if disc_y and "discrete_y" in accepted:
            params["discrete_y"] = True
        return cls.name, params, swap, f"{cls.name}, the estimator auto chose"
    if disc_x or disc_y:
        method, params = "mixed", {"discrete_x": disc_x, "discrete_y": disc_y}
    else:
        method, params = _test_statistic_for(x, y), {}
    what = (f"auto chose {choice}, which trains a model per estimate" if cls is not None
            else "auto reported no estimator's value (see its warnings)")
    return method, params, False, f"{method}: {what}, too slow to repeat per permutation; the p-value is exact " \
                                  "whichever statistic is used"


def _ksg_batched(x: Any, y: Any, P: int, rng: np.random.Generator, params: dict[str, Any], kind: str, lag: int):
    from .estimators import knn_backend as kb
    from .estimators.batched_knn import ksg_batch, uses_kernel
    from .estimators.ties import prepare
    from .estimators.knn import KSG, ksg_mi

    est = KSG(**{**params, "n_subsamples": 0, "random_state": rng})  # checks the parameters
    est._check_params()
    xa, ya = check_xy(x, y, min_samples=est.min_samples())
    xa, _ = prepare(xa, "x", est.ties, est.standardize, rng)
    ya, _ = prepare(ya, "y", est.ties, est.standardize, rng)
    k = int(est.k)
    stat = ksg_mi(xa, ya, k=k, algorithm=1, backend=est.backend)[0]
    n = len(xa)
    orders = _orders(kind, n, rng, lag)
    null: list[float] = []
    if uses_kernel(xa.shape[1], ya.shape[1]):
        # permuting x against a fixed y is the same null as permuting y; batches of
        # permutations keep memory at O(batch * n)
        batch = max(1, min(P, int(2**24 // max(1, n))))
        done = 0
        while done < P:
            b = min(batch, P - done)
            perms = orders(b)
            null.extend(ksg_batch(xa[perms, 0], ya[:, 0], k=k, workers=kb.n_threads()).tolist())
            done += b
    else:
        # in more dimensions the batched path has no shared work left to save (one joint
        # search per permutation either way; measured slower than the plain KSG core), so
        # the core runs per permutation, still without validation, scaling or error bar
        null = [ksg_mi(xa[orders(1)[0]], ya, k=k, algorithm=1, backend=est.backend)[0] for _ in range(P)]
    used = {k_: v for k_, v in est.get_params().items() if k_ not in ("random_state", "n_subsamples")}
    return stat, null, n, used


def _generic(cls: type[Estimator], x: Any, y: Any, P: int, rng: np.random.Generator, params: dict[str, Any],
             kind: str, lag: int):
    accepted = inspect.signature(cls).parameters
    p = dict(params)
    if "n_subsamples" in accepted:
        p.setdefault("n_subsamples", 0)  # the null needs the estimates, not their error bars
    if "random_state" in accepted:
        p["random_state"] = int(rng.integers(2**31 - 1))
    if "verbose" in accepted:
        p.setdefault("verbose", False)
    est = get_estimator(cls.name, **p)
    first = est.estimate(x, y)
    # permute validated arrays (the estimator re-validates each, cheaply)
    xa = np.asarray(x.to_numpy() if hasattr(x, "to_numpy") else x)
    ya = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    n = len(ya)
    orders = _orders(kind, n, rng, lag)
    null = [est.estimate(xa, ya[orders(1)[0]]).mi for _ in range(P)]
    return first.mi, null, first.n_samples, {k: v for k, v in est.get_params().items() if k != "random_state"}
