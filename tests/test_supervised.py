"""The one supervised training loop (studies/supervised.py): the epoch kept, resuming
with the same minibatch order, divergence and argument errors."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from infolens.studies.supervised import epoch_order, fit_classifier, predict_proba
from infolens.estimators.neural.trainer import TrainingDiverged
from infolens.torch_utils import threads


@pytest.fixture(autouse=True)
def one_thread():
    with threads(1):  # restores the previous count
        yield


def _data(n=240, seed=0):
    """Three Gaussian blobs in 2-D (classes separable but overlapping)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    x = centers[y] + rng.standard_normal((n, 2))
    return torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(y)


def _model(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))


def test_best_epoch_is_the_one_kept():
    x, y = _data()
    model = _model()
    # a large learning rate makes the validation loss go up and down: the kept epoch matters
    fit = fit_classifier(
        model,
        x[:160],
        y[:160],
        epochs=12,
        batch_size=16,
        lr=0.3,
        shuffle=torch.Generator().manual_seed(0),
        validation=(x[160:], y[160:]),
        keep="best",
    )
    assert len(fit.train_loss) == len(fit.val_loss) == 12
    assert fit.kept_epoch == int(np.argmin(fit.val_loss)) + 1 < 12  # not the last epoch: the weights were restored
    with torch.no_grad():
        now = float(F.cross_entropy(model(x[160:]), y[160:]))
    assert now == pytest.approx(min(fit.val_loss), rel=1e-6)
    proba = predict_proba(model, x[160:], block=7)
    assert proba.shape == (80, 3) and proba.dtype == np.float64 and np.allclose(proba.sum(1), 1.0)
    assert float(-np.log(proba[np.arange(80), y[160:].numpy()]).mean()) == pytest.approx(now, rel=1e-5)


def test_integer_seed_resumes_with_the_same_order():
    x, y = _data()
    whole = _model()
    opt = torch.optim.Adam(whole.parameters(), lr=0.01)
    fit = fit_classifier(whole, x, y, epochs=4, batch_size=32, shuffle=7, optimizer=opt)
    assert fit.kept_epoch == 4 and fit.val_loss == []

    part = _model()
    opt = torch.optim.Adam(part.parameters(), lr=0.01)
    seen = []
    first = fit_classifier(
        part,
        x,
        y,
        epochs=2,
        batch_size=32,
        shuffle=7,
        optimizer=opt,
        on_epoch=lambda e, loss: seen.append((e, loss, part.training)),
    )
    state = ({k: v.clone() for k, v in part.state_dict().items()}, opt.state_dict())
    resumed = _model(seed=1)  # other initial weights: everything comes from the saved state
    opt = torch.optim.Adam(resumed.parameters(), lr=0.01)
    resumed.load_state_dict(state[0])
    opt.load_state_dict(state[1])
    second = fit_classifier(resumed, x, y, epochs=4, batch_size=32, shuffle=7, optimizer=opt, first_epoch=3)
    assert [e for e, _, _ in seen] == [1, 2] and not any(training for _, _, training in seen)  # eval mode in on_epoch
    assert first.train_loss + second.train_loss == fit.train_loss
    for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)
    # the order of an epoch depends on (seed, epoch) only
    assert torch.equal(epoch_order(50, 7, 3), epoch_order(50, 7, 3))
    assert not torch.equal(epoch_order(50, 7, 3), epoch_order(50, 7, 4))


def test_generator_shuffle_is_one_stream():
    gen = torch.Generator().manual_seed(5)
    a, b = epoch_order(20, gen, 1), epoch_order(20, gen, 1)
    ref = torch.Generator().manual_seed(5)
    assert torch.equal(a, torch.randperm(20, generator=ref)) and torch.equal(b, torch.randperm(20, generator=ref))


def test_non_finite_loss_stops_training():
    x, y = _data()
    x[5, 0] = math.nan
    with pytest.raises(TrainingDiverged, match="cross-entropy.*lr"):
        fit_classifier(_model(), x, y, epochs=2, batch_size=len(x), shuffle=0)


def test_argument_errors():
    x, y = _data(n=20)
    with pytest.raises(ValueError, match="keep='best'.*validation"):
        fit_classifier(_model(), x, y, epochs=1, batch_size=4, shuffle=0, keep="best")
    with pytest.raises(ValueError, match="keep"):
        fit_classifier(_model(), x, y, epochs=1, batch_size=4, shuffle=0, keep="first")
    with pytest.raises(ValueError, match="epochs"):
        fit_classifier(_model(), x, y, epochs=0, batch_size=4, shuffle=0)
    with pytest.raises(TypeError, match="shuffle"):
        fit_classifier(_model(), x, y, epochs=1, batch_size=4, shuffle=0.5)
