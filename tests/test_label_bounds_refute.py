"""auto with a label: a held-out cross-entropy bound significantly above ross refutes it."""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import ncx2

from infolens import estimate_mi

RADII, D, SIGMA = (1.0, 2.0, 3.0, 4.0), 8, 0.5


def _shells(n, rng):
    """The label is the radius of a shell in 8 dims; the direction carries nothing."""
    y = rng.integers(0, len(RADII), n)
    u = rng.normal(size=(n, D))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    return np.asarray(RADII)[y][:, None] * u + SIGMA * rng.normal(size=(n, D)), y


def _truth():
    """I(X;Y) = I(|X|;Y): |X|^2 / sigma^2 is noncentral chi-square, d dof, (r/sigma)^2 noncentral."""
    x, y = _shells(200_000, np.random.default_rng(99))
    s = (x**2).sum(1) / SIGMA**2
    lp = np.stack([ncx2.logpdf(s, D, (r / SIGMA) ** 2) for r in RADII], axis=1)
    return float(np.mean(lp[np.arange(len(y)), y] - logsumexp(lp, axis=1) + np.log(len(RADII))))


def test_a_classifier_bound_above_ross_is_the_answer():
    """n = 2000: ross read 0.21 for 0.78 (73% low, "unreliable"); the classifier bound 0.65-0.69.
    A broken rule keeps ross (the estimate then misses the 25% band and the interval the truth)."""
    truth = _truth()
    assert 0.74 < truth < 0.81
    x, y = _shells(2000, np.random.default_rng(0))
    r = estimate_mi(x, y, random_state=0, warn=False)
    d = r.diagnostics
    assert d["choice"]["method"] == "classifier" and "reads low here" in d["choice"]["why"]
    assert d["trust"] == "caution"
    assert abs(r.mi - truth) < 0.25 * truth
    assert d["candidates"]["ross"]["mi"] < 0.5 * truth
    lo, hi = d["range"]
    assert lo <= truth <= hi and lo > d["candidates"]["ross"]["mi"]
    assert hi <= np.log(len(RADII)) + 0.05  # a lower bound's range reaches up to H(label) (plug-in, 2000 rows)


def _one_of_many(n, d, rng):
    """A binary label set by the first of d standard normal columns: y = [x1 + 0.5 e > 0]."""
    x = rng.normal(size=(n, d))
    return x, (x[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)


def _probit_truth(noise=0.5):
    """log 2 - E H(Phi(x / noise)) by Gauss-Hermite quadrature (x standard normal)."""
    from scipy.special import roots_hermitenorm
    from scipy.stats import norm

    t, w = roots_hermitenorm(200)
    p = np.clip(norm.cdf(t / noise), 1e-300, 1 - 1e-16)
    h = -(p * np.log(p) + (1 - p) * np.log1p(-p))
    return float(np.log(2) - (w / w.sum()) @ h)


def test_the_linear_probe_runs_beside_ross_and_refutes_it_when_few_columns_matter():
    """10 columns, one relevant, n = 5000: ross read 0.31-0.32 for 0.373 (14-18% low) graded "ok"
    with intervals that missed; the probe's held-out bound reads 0.35-0.37. A rule that runs the
    probe only when ross is disputed keeps ross "ok" here (the class model's agreement with it
    is within its rules). Where the bound lies 2 combined errors above ross it refutes it and
    answers (seed 1: 0.364); where it lies above by more than 10% but fewer errors (seed 0,
    with the class-by-class split: 0.351 +- 0.018 against 0.317 +- 0.008) it withholds "ok" and
    auto's interval reaches the bound's."""
    truth = _probit_truth()
    assert abs(truth - 0.3733) < 0.001
    refuted = []
    for seed in (0, 1):
        x, y = _one_of_many(5000, 10, np.random.default_rng(100 + seed))
        r = estimate_mi(x, y, random_state=seed, warn=False)
        d = r.diagnostics
        assert "probe" in d["candidates"]
        assert d["candidates"]["ross"]["mi"] < 0.9 * truth  # the trap: ross reads low here
        assert d["trust"] == "caution" and r.ci[0] <= truth <= r.ci[1]
        refuted.append(d["choice"]["method"] != "ross")
        if refuted[-1]:
            assert abs(r.mi - truth) < 0.1 * truth
        lo, hi = d["range"]
        assert lo <= truth <= hi
    assert any(refuted)


def test_one_column_leaves_ross_alone():
    """In one column ross has no other columns to widen along: no probe, and "ok" within 10%."""
    truth = _probit_truth()
    x, y = _one_of_many(3000, 1, np.random.default_rng(7))
    r = estimate_mi(x, y, random_state=0, warn=False)
    d = r.diagnostics
    assert "probe" not in d["candidates"] and d["choice"]["method"] == "ross"
    assert d["trust"] == "ok" and abs(r.mi - truth) < 0.1 * truth


def test_a_class_model_above_ross_beyond_ten_percent_withholds_ok():
    """Ten Gaussian classes at the corners of a simplex in 10 dims (the class model's own family),
    n = 2000: ross read 0.70-0.76 for 0.869, graded "ok" while the class model read 0.85-0.88
    with an honest error of 0.027 (its old error, 0.071, hid the gap). Broken: "ok" that far off."""
    from infolens.distributions.mixture import GaussianMixtureLabel

    s = GaussianMixtureLabel.simplex(10, 10, 1.5)
    for seed in (0, 1):
        x, y = s.sample(2000, random_state=100 + seed)
        r = estimate_mi(x, y, random_state=seed, warn=False)
        d = r.diagnostics
        off = abs(r.mi - s.mi) > 0.1 * s.mi
        assert not (off and d["trust"] == "ok"), (r.mi, s.mi, d["trust"])
        if d["choice"]["method"] == "ross" and off:
            assert "disagreement" in r.codes()
            lo, hi = d["range"]
            assert lo <= s.mi <= hi
            # the interval holds the truth; ross's own reaches up by the bias its rise implies
            assert r.ci[0] <= s.mi <= r.ci[1]
            lo_r, hi_r = d["candidates"]["ross"]["ci"]
            assert hi_r - d["candidates"]["ross"]["mi"] > 1.5 * (d["candidates"]["ross"]["mi"] - lo_r)


def test_the_classifier_runs_beside_ross_for_a_shape_no_linear_bound_sees():
    """y = [x1 x2 + 0.5 e > 0] among 6 standard normal columns (MI 0.260 by quadrature), n = 3000:
    ross read 0.21-0.22, one run graded "ok" 16% low; the probe reads 0 (no linear boundary) and
    the class model lower still. The neural classifier, now run beside ross, read 0.25-0.27.
    Broken: an "ok" more than 10% off, or no classifier among the candidates."""
    from scipy import special
    from scipy.stats import norm

    t, w = special.roots_hermitenorm(120)
    w = w / w.sum()
    a, b = np.meshgrid(t, t, indexing="ij")
    p = np.clip(norm.cdf(a * b / 0.5), 1e-300, 1 - 1e-16)
    truth = float(np.log(2) + (np.outer(w, w) * (p * np.log(p) + (1 - p) * np.log1p(-p))).sum())
    assert abs(truth - 0.260) < 0.002
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        x = rng.standard_normal((3000, 6))
        y = (x[:, 0] * x[:, 1] + 0.5 * rng.standard_normal(3000) > 0).astype(int)
        r = estimate_mi(x, y, random_state=seed, warn=False)
        d = r.diagnostics
        assert "classifier" in d["candidates"]
        assert not (d["trust"] == "ok" and abs(r.mi - truth) > 0.1 * truth), (r.mi, d["trust"])
        lo, hi = d["range"] if d["range"] else r.ci
        assert lo <= truth <= hi


def _evidence(ross, others, d=8):
    """Evidence of a label run in d columns with ross chosen: values (mi, se) of each candidate."""
    from infolens.estimators._auto_evidence import Candidate, Evidence
    from infolens.result import MIResult

    def cand(name, mi, se, bias):
        res = MIResult(mi=mi, unit="nats", stderr=se, n_samples=3000, method=name,
                       ci=(mi - 1.96 * se, mi + 1.96 * se))
        return Candidate(label=name, method=name, bias=bias, seconds=0.0, result=res)

    ev = Evidence(n=3000, d=d + 1)
    ev.labels = True
    ev.candidates["ross"] = cand("ross", *ross, "low")
    for name, (mi, se, bias) in others.items():
        ev.candidates[name] = cand(name, mi, se, bias)
    ev.choice = "ross"
    return ev


def test_a_bound_or_class_model_above_ross_by_more_than_ten_percent_withholds_ok():
    """The rule on its own evidence: a held-out bound 11% above ross (not significantly: the
    refutation needs 2 combined errors) withholds "ok" and the interval reaches the bound's; 7%
    above does not; the class model needs both 10% and 2 combined errors; one column never."""
    from infolens.estimators._auto_evidence import grade
    from infolens.estimators._auto_interval import auto_interval

    ev = _evidence((0.323, 0.015), {"probe": (0.359, 0.020, "lower-bound")})
    level, reasons = grade(ev)
    assert level == "caution" and reasons[0].code == "disagreement"
    ci, parts = auto_interval(ev)
    assert ci[1] == pytest.approx(0.359 + 1.96 * 0.020) and parts["reaches"] == ["probe"]
    assert grade(_evidence((0.329, 0.015), {"probe": (0.351, 0.020, "lower-bound")}))[0] == "ok"
    assert grade(_evidence((0.323, 0.010), {"gaussian-copula": (0.36, 0.008, "unknown")}))[0] == "caution"
    assert grade(_evidence((0.323, 0.012), {"gaussian-copula": (0.36, 0.025, "unknown")}))[0] == "ok"
    assert grade(_evidence((0.323, 0.015), {"probe": (0.359, 0.020, "lower-bound")}, d=1))[0] == "ok"
