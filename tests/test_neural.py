"""Neural estimators: held-out estimates, reproducibility, memmap inputs, divergence,
the InfoNCE ceiling, curves and plots, fit_critic, and input errors."""

import math

import numpy as np
import pytest
import torch

import infolens
from infolens import estimate_mi
from infolens.estimators.neural import TrainingDiverged, fit_critic, plot_curves
from infolens.estimators.neural.data import moments, split_indices
from infolens.losses import SeparableCritic, infonce_bound

FAST = dict(epochs=4, batch_size=128, hidden=32, embed_dim=8, verbose=False)


def _pair(n=800, rho=0.8, d=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = rho * x + math.sqrt(1 - rho**2) * rng.normal(size=(n, d))
    return x, y, -d * 0.5 * math.log(1 - rho**2)


def test_same_seed_same_number_and_different_seed_differs():
    x, y, _ = _pair()
    a = estimate_mi(x, y, method="infonce", random_state=7, **FAST)
    b = estimate_mi(x, y, method="infonce", random_state=7, **FAST)
    c = estimate_mi(x, y, method="infonce", random_state=8, **FAST)
    assert a.mi == b.mi and a.stderr == b.stderr
    assert a.mi != c.mi


def test_estimate_is_the_bound_on_the_test_split():
    # reference: rebuild the seeded split, standardise with train moments, score the test
    # rows with the returned critic and apply infonce_bound: it must equal r.mi (float tol)
    x, y, _ = _pair(n=1000)
    r = estimate_mi(x, y, method="infonce", random_state=3, **FAST)
    seed = r.diagnostics["seed"]
    tr, va, te = split_indices(1000, (0.6, 0.2, 0.2), np.random.default_rng(seed))
    assert (len(tr), len(va), len(te)) == (600, 200, 200) == (r.diagnostics["n_train"], r.diagnostics["n_val"], r.diagnostics["n_test"])
    xs, ys = x.astype(np.float32), y.astype(np.float32)
    mx, sx = moments(xs, tr, True)
    my, sy = moments(ys, tr, True)
    crit = r.diagnostics["critic"]
    with torch.no_grad():
        s = crit(torch.from_numpy((xs[te] - mx) / sx), torch.from_numpy((ys[te] - my) / sy)).double()
    assert r.mi == pytest.approx(infonce_bound(s).item(), abs=1e-5)
    assert r.stderr > 0 and r.ci[0] < r.mi < r.ci[1]


def test_curves_best_step_and_plot(tmp_path):
    x, y, truth = _pair()
    r = estimate_mi(x, y, method="nwj", random_state=0, **FAST)
    cur = r.diagnostics["curves"]
    assert list(cur.columns) == ["step", "epoch", "train", "val", "smoothed", "lr"]
    assert r.diagnostics["best_step"] in set(cur["step"])
    # the smoothed column is the trailing mean of 3 validation values (smooth=3)
    assert cur["smoothed"].iloc[-1] == pytest.approx(cur["val"].iloc[-3:].mean())
    fig = plot_curves(r, tmp_path / "curves.png", truth=truth)
    assert (tmp_path / "curves.png").stat().st_size > 1000 and (tmp_path / "curves.svg").exists()
    assert len(fig.axes[0].lines) >= 5


def test_memmap_and_npy_path_give_the_same_number(tmp_path):
    x, y, _ = _pair(n=600)
    np.save(tmp_path / "x.npy", x.astype(np.float32))
    np.save(tmp_path / "y.npy", y.astype(np.float32))
    ref = estimate_mi(x.astype(np.float32), y.astype(np.float32), method="infonce", random_state=1, **FAST)
    mm = estimate_mi(np.load(tmp_path / "x.npy", mmap_mode="r"), str(tmp_path / "y.npy"), method="infonce", random_state=1, **FAST)
    assert mm.mi == pytest.approx(ref.mi, abs=1e-6)


def test_absurd_learning_rate_raises_a_clear_diagnostic():
    x, y, _ = _pair()
    with pytest.raises(TrainingDiverged, match=r"diverged at step \d+.*lower lr \(got 1e\+06\)"):
        estimate_mi(x, y, method="dv", random_state=0, lr=1e6, grad_clip=None, **{k: v for k, v in FAST.items()})


def test_infonce_ceiling_is_reported():
    # y = x + 0.05 noise: MI = 3/2 log(1 + 400) = 9.0 nats, far above what InfoNCE on held-out
    # blocks of 16 rows can show (log 16 = 2.77); the estimate must stop at that ceiling
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1500, 3))
    y = x + 0.05 * rng.normal(size=(1500, 3))
    r = estimate_mi(x, y, method="infonce", random_state=0, eval_block=16, epochs=15, batch_size=128, verbose=False)
    assert r.diagnostics["ceiling"] == pytest.approx(math.log(16))
    assert r.mi <= math.log(16) + 1e-9
    assert r.diagnostics["at_ceiling"] and r.mi > math.log(16) - 0.1


def test_fit_critic_with_a_custom_critic():
    x, y, truth = _pair(n=2000, d=1)
    fit = fit_critic(SeparableCritic(1, 1, embed_dim=8, hidden=32, activation="elu"), x, y, bound="nwj",
                     random_state=0, epochs=12, batch_size=128, verbose=False)
    # 400 test rows: stderr ~0.05; small critic and budget: within 0.15 of 0.51 nats
    assert abs(fit.estimate - truth) < 0.15
    assert fit.psi.shape == (400,) and fit.estimate == pytest.approx(fit.psi.mean())


@pytest.mark.parametrize("method", ["mine", "remine", "smile", "jsd", "ccmi", "dv"])
def test_every_bound_runs_and_reports(method):
    x, y, _ = _pair(n=500)
    r = infolens.get_estimator(method, random_state=0, **FAST).estimate(x, y)
    assert math.isfinite(r.mi) and r.method == method and r.diagnostics["device"] == "cpu"
    assert r.diagnostics["readout"] in ("dv", "nwj", "smile")


def test_bits_unit():
    x, y, _ = _pair(n=500)
    a = estimate_mi(x, y, method="infonce", random_state=2, **FAST)
    b = estimate_mi(x, y, method="infonce", random_state=2, unit="bits", **FAST)
    assert b.mi == pytest.approx(a.mi / math.log(2))


@pytest.mark.parametrize(
    "kwargs,exc,match",
    [
        (dict(critic="mlp"), ValueError, "critic must be one of"),
        (dict(lr=-1.0), ValueError, "lr must be"),
        (dict(split=(0.5, 0.5)), ValueError, "split must be"),
        (dict(batch_size=0), ValueError, "batch_size must be"),
        (dict(encoder="conv"), ValueError, "encoder='conv' needs images"),
        (dict(on_divergence="ignore"), ValueError, "on_divergence"),
        (dict(device="cuda:0"), ValueError, None),
    ],
)
def test_bad_parameters(kwargs, exc, match):
    if "device" in kwargs and torch.cuda.is_available():
        pytest.skip("CUDA present: device='cuda:0' is valid")
    x, y, _ = _pair(n=200)
    with pytest.raises(exc, match=match):
        estimate_mi(x, y, method="infonce", random_state=0, **{**FAST, **kwargs})


def test_bad_inputs():
    x, y, _ = _pair(n=200)
    with pytest.raises(ValueError, match="same number of samples"):
        estimate_mi(x, y[:100], method="infonce", **FAST)
    with pytest.raises(ValueError, match="at least 30"):
        estimate_mi(x[:10], y[:10], method="nwj", **FAST)
    with pytest.raises(ValueError, match="non-integer"):
        estimate_mi(x, y[:, 0], method="classifier", epochs=2, verbose=False)
    with pytest.raises(ValueError, match="constant"):
        estimate_mi(x, np.ones(200), method="infonce", **FAST)
    with pytest.raises(TypeError, match="unknown parameter"):
        estimate_mi(x, y, method="infonce", k=5)


@pytest.mark.parametrize("encoder", ["conv", "mlp"])
def test_image_inputs_with_either_encoder(encoder):
    # label = which half of a 6x6 image is bright: Y is a function of X, I = H(Y) = log 2;
    # both the conv encoder and the flattened MLP must reach it (within 0.05 nats on 160 test rows)
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, size=800)
    imgs = rng.normal(0, 0.3, size=(800, 1, 6, 6)).astype(np.float32)
    imgs[labels == 1, :, :3, :] += 2.0
    imgs[labels == 0, :, 3:, :] += 2.0
    r = estimate_mi(imgs, labels, method="classifier", encoder=encoder, random_state=0, epochs=30, batch_size=64, hidden=16, verbose=False)
    assert r.diagnostics["inputs"]["x"]["kind"] == ("image" if encoder == "conv" else "vector")
    assert abs(r.mi - math.log(2)) < 0.05, r.mi
