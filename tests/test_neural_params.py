"""The neural estimators' parameters come from one source (estimators/neural/params.py):
every registered neural estimator's defaults equal the shared table plus its listed
departures, its own bound parameters stay explicit, and unknown keywords are refused."""

import inspect

import pytest

from infolens.estimators.neural import fit_critic
from infolens.estimators.neural.base import TRAIN_ARGS, NeuralEstimator
from infolens.estimators.neural.params import DEFAULT_OVERRIDES, TRAINING_PARAMS
from infolens.estimators.neural.trainer import train
from infolens.registry import estimator_class, list_estimators

NEURAL = sorted(n for n in list_estimators() if issubclass(estimator_class(n), NeuralEstimator))
OWN = {"mine": {"alpha": 0.01}, "remine": {"weight": 0.1, "target": 0.0}, "smile": {"clip": 5.0},
       "jsd": {"readout": "dv"}, "ccmi": {"tau": 1e-4}}


def test_the_nine_neural_estimators_are_registered():
    assert NEURAL == sorted(["ccmi", "classifier", "dv", "infonce", "jsd", "mine", "nwj", "remine", "smile"])


@pytest.mark.parametrize("name", NEURAL)
def test_defaults_are_the_shared_table_plus_the_listed_departures(name):
    cls = estimator_class(name)
    params = cls().get_params()
    over = DEFAULT_OVERRIDES.get(name, {})
    shared = {k: v for k, v in params.items() if k in TRAINING_PARAMS}
    expected = {k: over.get(k, p.default) for k, p in TRAINING_PARAMS.items() if k not in cls._exclude}
    assert shared == expected
    assert list(shared) == list(expected)  # same order as the table
    own = {k: v for k, v in params.items() if k not in TRAINING_PARAMS}
    assert own == OWN.get(name, {})
    assert list(params)[: len(own)] == list(own)  # the bound's own parameters come first


def test_the_type_checkers_view_is_the_table():
    """NeuralEstimator's attribute annotations (for mypy) name the table's parameters, in order, with its types."""
    ann = {k: v for k, v in NeuralEstimator.__annotations__.items() if not k.startswith("_")}
    assert ann == {k: p.annotation for k, p in TRAINING_PARAMS.items()}
    assert list(ann) == list(TRAINING_PARAMS)


def test_the_deliberate_departures():
    """The documented differences: DV read-outs smooth longer and wait longer, CCMI keeps
    small held-out blocks with a concat critic, the label classifier takes no critic."""
    for name in ("dv", "mine", "remine"):
        p = estimator_class(name)().get_params()
        assert (p["patience"], p["smooth"], p["lr_patience"]) == (10, 5, 4)
    for name in ("nwj", "infonce", "smile", "jsd"):
        p = estimator_class(name)().get_params()
        assert (p["patience"], p["smooth"], p["lr_patience"], p["eval_block"]) == (6, 3, 3, 1024)
    ccmi = estimator_class("ccmi")().get_params()
    assert (ccmi["critic"], ccmi["eval_block"]) == ("concat", 256)
    clf = estimator_class("classifier")().get_params()
    assert "critic" not in clf and "embed_dim" not in clf and clf["eval_block"] == 4096
    assert set(DEFAULT_OVERRIDES) <= set(NEURAL)
    assert all(set(v) <= set(TRAINING_PARAMS) for v in DEFAULT_OVERRIDES.values())


@pytest.mark.parametrize("name", NEURAL)
def test_signature_lists_every_parameter_and_refuses_unknown_ones(name):
    cls = estimator_class(name)
    sig = inspect.signature(cls.__init__)
    kinds = {p.name: p.kind for p in sig.parameters.values()}
    assert inspect.Parameter.VAR_KEYWORD not in kinds.values()
    assert all(kinds[k] is inspect.Parameter.KEYWORD_ONLY for k in kinds if k in TRAINING_PARAMS)
    assert {k: p.default for k, p in sig.parameters.items() if k != "self"} == cls().get_params()
    est = cls(epochs=7, random_state=3)
    assert est.get_params()["epochs"] == 7 and est.get_params()["random_state"] == 3
    assert "patience" in (cls.__doc__ or "")
    with pytest.raises(TypeError, match="'epoch'"):
        cls(epoch=7)


def test_own_parameters_stay_positional_and_explicit():
    mine = estimator_class("mine")(0.05, epochs=3)
    assert mine.alpha == 0.05 and mine.epochs == 3
    assert repr(mine).startswith("MINEEstimator(alpha=0.05, critic='separable'")
    remine = estimator_class("remine")(0.2, 1.0)
    assert (remine.weight, remine.target) == (0.2, 1.0)


def test_a_subclass_without_its_own_init_keeps_its_parents_parameters():
    class Slower(estimator_class("mine")):
        name = "slower-mine-test"

    s = Slower(0.5, epochs=2)
    assert s.alpha == 0.5 and s.get_params()["epochs"] == 2
    assert s.get_params()["patience"] == 10  # the DV read-out's departure is inherited


def test_fit_critic_and_train_use_the_same_defaults():
    """fit_critic fills the trainer's arguments from the table; its split/standardize/device
    defaults are those of the table as well."""
    sig = inspect.signature(fit_critic)
    for k in ("split", "standardize", "device", "random_state"):
        assert sig.parameters[k].default == TRAINING_PARAMS[k].default
    assert set(TRAIN_ARGS) <= set(inspect.signature(train).parameters)
    assert set(TRAIN_ARGS) <= set(TRAINING_PARAMS)


def test_classifier_estimate_is_the_studies_ce_bound_with_the_one_label_prior():
    """method="classifier" and the studies' ce_bound are one bound: the estimator's held-out
    number equals ce_bound on its critic's test-split probabilities with label_prior of the
    labels it was fitted with (train + validation); only float32 logits separate them."""
    import numpy as np
    import torch

    from infolens.estimators.neural.base import prepare
    from infolens.estimators.neural.classifier import ClassifierEstimator, ce_bound, label_prior

    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 3))
    y = (x[:, 0] + 0.5 * rng.normal(size=600) > 0).astype(int) + (x[:, 1] > 1).astype(int)
    est = ClassifierEstimator(epochs=3, batch_size=64, hidden=16, random_state=5, verbose=False, device="cpu")
    r = est.estimate(x, y)
    feeds = prepare(x, y, split=est.split, standardize=True, device="cpu", random_state=5, y_labels=True).feeds
    labels = [f[1].take(np.arange(len(f[1]))).numpy() for f in feeds]
    with torch.no_grad():
        proba = torch.softmax(r.diagnostics["critic"](feeds[2][0].take(np.arange(len(feeds[2][0])))).double(), 1).numpy()
    mi, _ = ce_bound(proba, labels[2], label_prior(np.concatenate(labels[:2]), 3))
    assert abs(mi - r.mi) < 1e-5
    assert abs(mi - ce_bound(proba, labels[2], np.bincount(labels[2]) / len(labels[2]))[0]) > 1e-6  # the prior matters


def test_a_few_extreme_values_send_a_column_to_normal_scores_before_a_critic_sees_it():
    """Three values of 1e9 among 3000 Gaussians are fewer than the 0.5% tails the heavy-tail
    ratio reads, yet they set the standard deviation (3e7) that standardisation divides by:
    InfoNCE then saw the other rows in 1e-7 of the column and read 0.001 for 0.511. The
    kNN estimators' rule (std above 3 x IQR / 1.349) sends such a column to its normal
    scores; a Gaussian column and a Student-t(5) one (below both rules) stay as given."""
    import numpy as np

    from infolens.estimators.neural.tails import tame_heavy_tails

    rng = np.random.default_rng(0)
    n = 3000
    a = np.c_[rng.normal(size=n), rng.normal(size=n), rng.standard_t(5, size=n)]
    a[:3, 0] = [1e9, -1e9, 5e8]
    out, changed = tame_heavy_tails(a, np.arange(n))
    assert changed == [0]
    assert np.abs(out[:, 0]).max() < 5 and np.array_equal(out[:, 1:], a[:, 1:])
    assert np.all(np.diff(out[np.argsort(a[:, 0]), 0]) >= 0)  # monotone: the MI is unchanged
