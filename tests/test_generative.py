"""Generators: seeds, resumable checkpoints, image shapes, save/load, DP-SGD accounting and
the documented incompatibilities. Training runs are tiny (a few steps)."""

import sys

import numpy as np
import pytest

from infolens.generative import GAN, CopyGenerator, GaussianGenerator, IndependentSampler

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 3)) * [1.0, 2.0, 0.5] + [1.0, -1.0, 0.0]


def small(**kw):
    return GAN(**{"n_steps": 6, "hidden": 16, "batch_size": 32, "verbose": False, "random_state": 0, **kw})


@pytest.mark.parametrize("loss", ["gan", "wgan", "wgan-gp"])
def test_same_seed_same_samples(loss):
    a = small(loss=loss).fit(X).sample(50, random_state=1)
    b = small(loss=loss).fit(X).sample(50, random_state=1)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (50, 3) and np.isfinite(a).all()
    c = small(loss=loss, random_state=1).fit(X).sample(50, random_state=1)
    assert not np.allclose(a, c)


def test_resume_after_interruption_equals_uninterrupted(tmp_path):
    full = small(loss="wgan-gp", n_steps=8).fit(X).sample(40, random_state=3)
    # a run stopped after 4 steps (its checkpoint on disk), then resumed to 8
    small(loss="wgan-gp", n_steps=4, checkpoint_dir=tmp_path, checkpoint_every=2).fit(X)
    resumed = small(loss="wgan-gp", n_steps=8, checkpoint_dir=tmp_path, checkpoint_every=2).fit(X)
    np.testing.assert_allclose(resumed.sample(40, random_state=3), full, rtol=1e-6, atol=1e-6)
    assert [h["step"] for h in resumed.history_][-1] == 8
    with pytest.raises(ValueError, match="different configuration"):
        small(loss="wgan-gp", n_steps=8, hidden=8, checkpoint_dir=tmp_path).fit(X)


def test_standardisation_round_trip():
    # with zero steps of learning the scale is still restored: the data's mean/sd are stored
    g = small().fit(X)
    np.testing.assert_allclose(g.mean_, X.mean(axis=0))
    np.testing.assert_allclose(g.scale_, X.std(axis=0))


def test_conv_gan_on_digits_and_save_load(tmp_path):
    from sklearn.datasets import load_digits

    imgs = (load_digits().images[:128] / 16.0).astype(np.float32)
    g = GAN("gan", arch="conv", n_steps=3, batch_size=32, channels=8, verbose=False, random_state=0).fit(imgs)
    s = g.sample(10, random_state=0)
    assert s.shape == (10, 8, 8) and s.min() >= 0 and s.max() <= 1
    path = g.save(tmp_path / "g.pt")
    np.testing.assert_array_equal(GAN.load(path).sample(10, random_state=0), s)
    with pytest.raises(ValueError, match="divisible by 4"):
        GAN(arch="conv", n_steps=1, verbose=False).fit(np.zeros((10, 6, 6), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        GAN(arch="conv", n_steps=1, verbose=False).fit(imgs * 16)


def test_input_errors():
    with pytest.raises(ValueError, match="NaN"):
        small().fit(np.r_[X, [[np.nan, 0, 0]]])
    with pytest.raises(ValueError, match="loss must be one of"):
        small(loss="vae").fit(X)
    with pytest.raises(ValueError, match="not fitted"):
        small().sample(3)
    with pytest.raises(ValueError, match="wgan-gp"):
        small(loss="wgan-gp", dp_noise_multiplier=1.0).fit(X)


def test_missing_opacus_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "opacus", None)      # import opacus now raises ImportError
    with pytest.raises(ImportError, match=r"pip install infolens\[dp\]"):
        small(dp_noise_multiplier=1.0).fit(X)


def test_dp_epsilon_matches_rdp_accountant():
    pytest.importorskip("opacus")
    from opacus.accountants import RDPAccountant

    g = small(n_steps=5, dp_noise_multiplier=1.1, dp_delta=1e-5).fit(X)
    acc = RDPAccountant()
    # 5 discriminator steps (n_critic=1 for "gan"); Opacus's Poisson rate is 1 / (number of
    # batches per epoch) = 1 / ceil(200 / 32) = 1/7
    acc.history = [(1.1, 1 / 7, 5)]
    assert g.epsilon_ == pytest.approx(acc.get_epsilon(1e-5), rel=1e-9)
    louder = small(n_steps=5, dp_noise_multiplier=3.0, dp_delta=1e-5).fit(X)
    assert louder.epsilon_ < g.epsilon_         # more noise, stronger guarantee
    np.testing.assert_array_equal(g.sample(20, random_state=0),
                                  small(n_steps=5, dp_noise_multiplier=1.1).fit(X).sample(20, random_state=0))


def test_reference_generators():
    rng = np.random.default_rng(5)
    cp = CopyGenerator().fit(X).sample(450, random_state=0)
    # every training row appears, 450 = 2 full passes + 50
    assert {tuple(r) for r in cp} == {tuple(r) for r in X}
    gg = GaussianGenerator().fit(X).sample(20000, random_state=0)
    # sample mean of 20,000 draws: standard error sd/141, so 5e-2 is > 3 se for sd <= 2
    np.testing.assert_allclose(gg.mean(axis=0), X.mean(axis=0), atol=5e-2)
    ind = IndependentSampler(lambda n, r: r.normal(size=(n, 3))).fit(X)
    assert ind.sample(4, random_state=rng).shape == (4, 3)
    with pytest.raises(ValueError, match="columns"):
        IndependentSampler(lambda n, r: r.normal(size=(n, 2))).fit(X).sample(4)
