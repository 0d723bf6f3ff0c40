"""Advice to use another method travels beside a warning's sentence (``Flag.advice``), so that
``method="auto"`` drops it by structure: no warning tells a user of auto to run auto, and no
text matching decides what is dropped."""

import ast
import math
import pickle
import re
from pathlib import Path

import numpy as np

from infolens.errors import Flag, flag
from infolens.estimators.auto import AutoMI
from infolens.estimators.neural.trust import CROSS_CHECK_REL, CROSS_CHECK_Z, copula_cross_check
from infolens.estimators.resampling import convergence_warning
from infolens.estimators.gaussian import gaussian_mi
from infolens.stats import combined_se

SRC = Path(__file__).resolve().parents[1] / "src" / "infolens"
AUTO = re.compile(r"method=['\"]auto['\"]")


def test_flag_keeps_its_advice_apart_through_copies():
    f = flag("rising-with-n", "the estimate still rises; use more samples",
             advice=", or an estimator made for this dimension (method='auto')", mi=0.4)
    assert str(f) == "the estimate still rises; use more samples, or an estimator made for this dimension (method='auto')"
    assert f.message == "the estimate still rises; use more samples" and f.without_advice() == f.message
    g = pickle.loads(pickle.dumps(f))
    assert g == f and g.advice == f.advice and g.data == {"mi": 0.4}
    h = Flag.from_dict(f.to_dict())
    assert h == f and h.advice == f.advice and h.code == "rising-with-n"
    wrapped = flag("rising-with-n", f, mi=0.5)      # a helper's sentence given its code again
    assert wrapped.advice == f.advice and wrapped.data == {"mi": 0.5} and wrapped == f
    assert f.to_unit("bits").advice == f.advice
    plain = flag("other", "no advice here")
    assert plain.without_advice() is plain and "advice" not in plain.to_dict()


def test_a_helpers_rising_warning_shows_advice_directly_and_auto_drops_it():
    w = convergence_warning(1.0, [0.7, 0.72, 0.69, 0.71], 0.01, what="ksg")
    assert isinstance(w, Flag) and "method='auto'" in str(w)       # a KSG user reads the advice
    told = AutoMI._as_told(w)
    assert "auto" not in str(told) and told.code == w.code and told.data == w.data
    assert str(told) == w.message
    assert str(AutoMI._as_told("a plain sentence")) == "a plain sentence"   # no structure, nothing dropped


def _docstring_ids(tree):
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            ids.add(id(node.value))  # bare strings (attribute docs)
    return ids


def test_no_warning_sentence_in_the_source_advises_auto_outside_advice():
    """Every string of the package that names ``method='auto'`` is a docstring, an error message
    (``raise``: errors are not auto's warnings), a report heading, or the ``advice=`` of a flag."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.parent.name == "report":  # headings and figure titles naming the estimator
            continue
        tree = ast.parse(path.read_text())
        allowed = _docstring_ids(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) or (isinstance(node, ast.keyword) and node.arg == "advice"):
                allowed.update(id(n) for n in ast.walk(node))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in allowed:
                if AUTO.search(node.value):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == []


def _scores(n=2000, rho=0.6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 1))
    return x, rho * x + math.sqrt(1 - rho**2) * rng.normal(size=(n, 1))


def test_copula_cross_check_is_the_one_rule_with_named_tolerances():
    """The copula value g of rho = 0.6 at n = 2000 (0.223 nats, se ~0.015): a critic at half of
    it with se 0.01 is far below (gap ~0.11 > 3 se ~0.054 and > 10%); at 95% of it the gap is
    under 10%; with se 0.2 the gap is within 3 combined se. Exactly at the boundary the rule is
    compare()'s (strictly beyond max(z se, rel |g|))."""
    zx, zy = _scores()
    g, gse, _ = gaussian_mi(zx, zy)
    low = copula_cross_check(0.5 * g, 0.01, zx, zy)
    assert low is not None and low.code == "disagreement" and "method='auto'" in low.advice
    assert low.data["a"] == g and low.data["b"] == 0.5 * g
    assert low.data["tolerance"] == max(CROSS_CHECK_Z * combined_se(gse, 0.01), CROSS_CHECK_REL * g)
    assert copula_cross_check(0.95 * g, 0.001, zx, zy) is None
    assert copula_cross_check(0.5 * g, 0.2, zx, zy) is None
    assert copula_cross_check(1.5 * g, 0.001, zx, zy) is None        # above the copula: not this check's concern


def test_the_explanation_names_the_columns_the_model_check_ran_on():
    """10+10 Gaussian dependence: the model check runs KSG on a 5+5 sub-block (KSG reads too low in
    20 dimensions); the explanation of the choice quotes that check, so it names the sub-block's
    columns, the same ones the diagnostics record."""
    from infolens import estimate_mi

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 10))
    res = estimate_mi(x, 0.5 * x + rng.normal(size=(2000, 10)), random_state=0, warn=False)
    mc = res.diagnostics["model_check"]
    assert mc["columns"] == "5+5 columns" and len(mc["x_columns"]) == 5
    why = res.diagnostics["choice"]["why"]
    assert f"x columns {mc['x_columns']} and y columns {mc['y_columns']} (5+5 columns)" in why


def test_autos_trust_reasons_quote_a_candidate_without_its_advice():
    from infolens.estimators._auto_evidence import Evidence, _own

    ev = Evidence(n=500, d=4, unit="nats")
    ev.choice = "ksg"
    w = convergence_warning(1.0, [0.7, 0.72, 0.69, 0.71], 0.01, what="ksg")
    r = _own(ev, w)
    assert str(r) == f"ksg: {w.message}" and "auto" not in str(r)
    assert r.code == "rising-with-n" and r.data["from_candidate"] == "ksg"


def test_a_table_scored_with_auto_drops_the_advice_of_its_columns_estimators():
    """feature_mi with method="auto" scores a continuous column with KSG, whose rising-with-n
    warning (bmi of the diabetes table, 442 rows) pointed its reader to method='auto' - the
    method the table already ran. The table drops it by structure; scored with method="ksg"
    the advice stays."""
    import warnings

    from sklearn.datasets import load_diabetes

    from infolens.tables import feature_mi

    d = load_diabetes(as_frame=True)
    got = feature_mi(d.data, d.target, random_state=0, warn=False)
    said = [str(w) for ws in got["warnings"] for w in ws]
    assert any(w.startswith("the ksg estimate still rises") for w in said)  # (the case is real)
    assert not any(AUTO.search(w) for w in said)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ksg = feature_mi(d.data[["bmi"]], d.target, method="ksg", random_state=0, warn=False)
    assert any(AUTO.search(str(w)) for w in ksg["warnings"].iloc[0])
