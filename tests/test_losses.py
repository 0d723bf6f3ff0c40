"""Differentiable bounds of infolens.losses against closed-form truths."""

import math

import numpy as np
import pytest
import torch

from infolens.losses import (
    BilinearCritic,
    ConcatCritic,
    ConvEncoder,
    MineEMA,
    SeparableCritic,
    dv_bound,
    infonce_bound,
    jsd_bound,
    mlp,
    nwj_bound,
    remine_bound,
    smile_bound,
)

RHO = 0.8
TRUE_MI = -0.5 * math.log(1 - RHO**2)  # 0.5108 nats for a bivariate Gaussian


def _optimal_scores(n: int, seed: int) -> torch.Tensor:
    """scores[i, j] = log p(x_i, y_j) / (p(x_i) p(y_j)) for a correlated Gaussian pair:
    the optimal DV / InfoNCE critic, known in closed form."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = RHO * x + math.sqrt(1 - RHO**2) * rng.normal(size=n)
    X, Y = x[:, None], y[None, :]
    q = (X**2 - 2 * RHO * X * Y + Y**2) / (2 * (1 - RHO**2))
    log_ratio = -0.5 * math.log(1 - RHO**2) - q + (X**2 + Y**2) / 2
    return torch.tensor(log_ratio, dtype=torch.float64)


def test_bounds_at_optimal_critic_recover_gaussian_mi():
    # n=2000: the joint mean of the log-ratio has sd ~ sqrt(Var)/sqrt(n) ~ 0.9/45 ~ 0.02 and
    # the off-diagonal mean of e^T (4e6 dependent terms) adds ~0.02; 0.08 is > 3 sd.
    s = _optimal_scores(2000, seed=0)
    assert abs(dv_bound(s).item() - TRUE_MI) < 0.08
    assert abs(nwj_bound(s + 1.0).item() - TRUE_MI) < 0.08  # NWJ's optimum is 1 + log-ratio
    assert abs(smile_bound(s, clip=None).item() - TRUE_MI) < 0.08
    # InfoNCE with n = 2000 negatives: bias ~ chi2/(2n) = 1.78/4000 < 0.001 on top of the same noise
    assert abs(infonce_bound(s).item() - TRUE_MI) < 0.08


def test_constant_critic_gives_exact_values():
    s = torch.full((7, 7), 0.3)
    assert dv_bound(s).item() == pytest.approx(0.0, abs=1e-6)
    assert infonce_bound(s).item() == pytest.approx(0.0, abs=1e-6)
    assert nwj_bound(s).item() == pytest.approx(0.3 - math.exp(0.3 - 1), abs=1e-6)
    assert nwj_bound(torch.ones(7, 7)).item() == pytest.approx(0.0, abs=1e-6)
    # JSD f-GAN value for T = 0: -2 log 2 (= 2 JSD - log 4 with JSD = 0)
    assert jsd_bound(torch.zeros(4, 4)).item() == pytest.approx(-2 * math.log(2), abs=1e-6)


def test_infonce_matches_numpy_reference_and_ceiling():
    rng = np.random.default_rng(1)
    a = rng.normal(scale=3.0, size=(6, 6))
    ref = np.mean(np.diag(a) - np.log(np.exp(a).sum(axis=1))) + math.log(6)
    assert infonce_bound(torch.tensor(a)).item() == pytest.approx(ref, rel=1e-10)
    huge = torch.eye(6) * 1e4  # a perfect critic still cannot exceed log n
    assert infonce_bound(huge).item() == pytest.approx(math.log(6), abs=1e-6)


def test_dv_nwj_accept_joint_and_marginal_vectors():
    rng = np.random.default_rng(2)
    j, m = rng.normal(size=50), rng.normal(size=80)
    tj, tm = torch.tensor(j), torch.tensor(m)
    assert dv_bound(tj, tm).item() == pytest.approx(j.mean() - math.log(np.exp(m).mean()), rel=1e-10)
    assert nwj_bound(tj, tm).item() == pytest.approx(j.mean() - np.exp(m - 1).mean(), rel=1e-10)
    assert jsd_bound(tj, tm).item() == pytest.approx(
        -np.log1p(np.exp(-j)).mean() - np.log1p(np.exp(m)).mean(), rel=1e-10)


def test_smile_value_is_clipped_dv_and_gradient_is_jsd():
    s = torch.tensor(np.random.default_rng(3).normal(scale=4.0, size=(5, 5)), requires_grad=True)
    v = smile_bound(s, clip=1.0)
    off = ~torch.eye(5, dtype=torch.bool)
    ref = torch.diagonal(s).mean() - torch.log(torch.exp(torch.clamp(s[off], -1, 1)).mean())
    assert v.item() == pytest.approx(ref.item(), rel=1e-10)
    (g,) = torch.autograd.grad(v, s)
    (gj,) = torch.autograd.grad(jsd_bound(s), s)
    assert torch.allclose(g, gj)


def test_remine_penalty():
    s = torch.tensor(np.random.default_rng(4).normal(size=(5, 5)))
    off = ~torch.eye(5, dtype=torch.bool)
    lme = torch.log(torch.exp(s[off]).mean())
    assert remine_bound(s, weight=0.5, target=0.2).item() == pytest.approx(
        (dv_bound(s) - 0.5 * (lme - 0.2) ** 2).item(), rel=1e-10)
    assert remine_bound(s, weight=0.0).item() == pytest.approx(dv_bound(s).item(), rel=1e-12)


def test_mine_ema_value_and_corrected_gradient():
    rng = np.random.default_rng(5)
    ema = MineEMA(alpha=0.25).double()
    off = ~torch.eye(4, dtype=torch.bool)
    ma = None
    for _ in range(3):
        s = torch.tensor(rng.normal(size=(4, 4)), requires_grad=True)
        v = ema(s)
        et = torch.exp(s[off]).mean().item()
        ma = et if ma is None else 0.75 * ma + 0.25 * et
        assert v.item() == pytest.approx(dv_bound(s).item(), rel=1e-10)
        (g,) = torch.autograd.grad(v, s)
        # corrected gradient: d mean(T_joint) - d mean(e^T_marg) / ma
        ref = torch.eye(4, dtype=torch.float64) / 4
        ref[off] = -torch.exp(s[off]).detach() / off.sum() / ma
        assert torch.allclose(g, ref, rtol=1e-8, atol=1e-12)
    assert math.exp(ema.log_ma.item()) == pytest.approx(ma, rel=1e-10)


@pytest.mark.parametrize("cls", [SeparableCritic, ConcatCritic, BilinearCritic])
def test_critic_matrix_agrees_with_pairs(cls):
    torch.manual_seed(0)
    c = cls(x_dim=3, y_dim=2, hidden=16, layers=2)
    x, y = torch.randn(6, 3), torch.randn(6, 2)
    s = c(x, y)
    assert s.shape == (6, 6)
    assert torch.allclose(torch.diagonal(s), c.pairs(x, y), atol=1e-5)
    # entry (i, j) is T(x_i, y_j): compare one off-diagonal column with pairs()
    assert torch.allclose(s[:, 2], c.pairs(x, y[2].expand(6, 2)), atol=1e-5)


def test_conv_encoder_and_mlp_shapes():
    enc = ConvEncoder(in_channels=1, out_dim=8)
    c = SeparableCritic(y_dim=1, x_encoder=enc, embed_dim=4, hidden=8, layers=1)
    assert c(torch.randn(5, 12, 12), torch.randn(5, 1)).shape == (5, 5)
    assert enc(torch.randn(3, 1, 9, 9)).shape == (3, 8)
    net = mlp(4, 2, hidden=8, layers=3)
    assert sum(isinstance(m, torch.nn.Linear) for m in net) == 4


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="square"):
        infonce_bound(torch.zeros(3, 4))
    with pytest.raises(TypeError, match="torch.Tensor"):
        dv_bound(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="alpha"):
        MineEMA(alpha=0.0)
    with pytest.raises(ValueError, match="activation"):
        mlp(2, 1, activation="nope")
    with pytest.raises(ValueError, match="ConvEncoder expects"):
        ConvEncoder(in_channels=3)(torch.randn(2, 1, 8, 8))
