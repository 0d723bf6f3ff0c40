"""Deep InfoMax: encoder shapes, the DIM objectives against direct computations, training
lowers the DIM loss for all four encoders, and the per-map MI against known truth."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from infolens.infomax import DIMEncoder, DIMObjective, DIMTrainer, map_sizes
from infolens.infomax.analysis import encode, linear_probe, map_mi_table, per_map_mi, resize_image, summarize_map_mi
from infolens.infomax.objectives import mean_bound_over_locations
from infolens.losses import dv_bound, infonce_bound, jsd_bound
from infolens.torch_utils import threads


@pytest.fixture(autouse=True)
def one_thread():
    # tiny convolutions: one thread avoids OpenMP contention on the shared 2-core machine
    with threads(1):  # restores the previous count
        yield


def digits(n=16):
    from sklearn.datasets import load_digits

    return (load_digits().images[:n] / 16.0).astype(np.float32)   # (n, 8, 8) in [0, 1]


@pytest.mark.parametrize("kind,expected", [("A", [96, 94, 92, 90, 88]), ("B", [96, 98, 100, 102, 104]),
                                           ("C", [96] * 5), ("D", [96, 98, 100, 98, 96])])
def test_map_sizes_match_the_published_encoders(kind, expected):
    assert map_sizes(kind, 96, depth=4) == expected


@pytest.mark.parametrize("kind", ["A", "B", "C", "D"])
@pytest.mark.parametrize("side", [8, 13])
def test_encoder_shapes_any_input_size(kind, side):
    torch.manual_seed(0)
    enc = DIMEncoder(kind, channels=5, depth=2, summary_dim=7).eval()
    m, y = enc(torch.rand(3, 1, side, side))
    expect = {"A": side - 4, "B": side + 4, "C": side, "D": side}[kind]
    assert m.shape == (3, 5, expect, expect) and enc.output_size(side) == expect
    assert y.shape == (3, 7)


def test_encoder_errors_name_the_argument():
    with pytest.raises(ValueError, match="kind"):
        DIMEncoder("E")
    with pytest.raises(ValueError, match="depth must be even"):
        DIMEncoder("D", depth=3)
    with pytest.raises(ValueError, match="too small"):
        DIMEncoder("A", depth=4)(torch.rand(2, 1, 8, 8))
    with pytest.raises(ValueError, match=r"x\[:, None\]"):
        DIMEncoder("C")(torch.rand(2, 8, 8))
    with pytest.raises(ValueError, match="alpha and beta"):
        DIMObjective(alpha=0, beta=0)
    with pytest.raises(ValueError, match="bound"):
        DIMObjective(bound="mine")


def test_local_bound_equals_mean_of_per_location_bounds():
    # JSD pooled over locations is exactly the mean of the per-location bounds (equal counts per
    # location); InfoNCE is batched by vmap; both must match a plain loop to float precision.
    g = torch.Generator().manual_seed(0)
    s = torch.randn(7, 5, 5, generator=g)
    for name, fn in (("jsd", jsd_bound), ("infonce", infonce_bound)):
        ref = torch.stack([fn(x) for x in s]).mean()
        assert torch.allclose(mean_bound_over_locations(name, s), ref, atol=1e-6)
    # DV: the bound on the pooled joint / marginal scores
    eye = torch.eye(5, dtype=torch.bool)
    ref = s[:, eye].mean() - (torch.logsumexp(s[:, ~eye].reshape(-1), 0) - math.log(7 * 20))
    assert torch.allclose(mean_bound_over_locations("dv", s), ref, atol=1e-6)
    assert torch.allclose(dv_bound(s[0]), s[0].diagonal().mean() - torch.log(torch.exp(s[0][~eye]).mean()), atol=1e-6)


def test_objective_at_zero_scores_is_the_known_constant():
    # With critics whose last layers are zeroed every score is 0: JSD bound = -2 log 2 for both
    # terms, and the prior term softplus(0) = log 2, so loss = (alpha + beta) 2 log 2 + gamma log 2.
    torch.manual_seed(0)
    obj = DIMObjective(channels=4, summary_dim=6, alpha=0.5, beta=1.0, gamma=0.1)
    with torch.no_grad():
        for p in list(obj.global_critic.critic.net[-1].parameters()) + list(obj.prior_disc.net[-1].parameters()):
            p.zero_()
        for p in obj.local_critic.psi[-1].parameters():
            p.zero_()
        for p in obj.local_critic.psi_skip.parameters():
            p.zero_()
    t = obj(torch.rand(4, 4, 5, 5), torch.randn(4, 6))
    two_log2 = 2 * math.log(2)
    assert t["global"].item() == pytest.approx(-two_log2, abs=1e-6)
    assert t["local"].item() == pytest.approx(-two_log2, abs=1e-6)
    assert t["loss"].item() == pytest.approx(1.5 * two_log2 + 0.1 * math.log(2), abs=1e-6)


@pytest.mark.parametrize("kind", ["A", "B", "C", "D"])
def test_dim_loss_decreases_for_every_encoder(kind):
    # 16 digit images, one full batch, 40 Adam steps (lr 1e-3), seed 0. At initialisation all
    # scores are ~0, so the loss starts at (alpha+beta) 2 log 2 + gamma log 2 = 2.15; the critics
    # can memorise 16 images, so the bounds climb steadily. Observed drops (mean of the first 5
    # steps minus mean of the last 5): 0.41 (B, the slowest), 0.65 (D), 0.67 (C), 1.0 (A), with the
    # loss falling at every step; requiring 0.1 leaves a 4x margin and fails if training is broken.
    x = digits(16)
    torch.manual_seed(0)
    enc = DIMEncoder(kind, channels=8, depth=2, summary_dim=16)
    obj = DIMObjective(8, 16, alpha=0.5, beta=1.0, gamma=0.1, bound="jsd")
    tr = DIMTrainer(enc, obj, epochs=40, batch_size=16, lr=1e-3, random_state=0, device="cpu", verbose=False).fit(x)
    loss = np.array([h["loss"] for h in tr.history_])
    assert len(loss) == 40 and np.isfinite(loss).all()
    assert loss[0] == pytest.approx(1.5 * 2 * math.log(2) + 0.1 * math.log(2), abs=0.03)
    assert loss[-5:].mean() < loss[:5].mean() - 0.1
    # the MI figures of the trained maps are finite, the maps have the encoder's size
    maps, summ = encode(enc, x[:2], device="cpu")
    assert maps.shape[-1] == {"A": 4, "B": 12, "C": 8, "D": 8}[kind] and np.isfinite(summ).all()
    res = per_map_mi(x[0], maps[0], random_state=0)
    assert np.isfinite(res["binning"]).all() and np.isfinite(res["ksg"]).all()
    assert (res["binning"][res["constant"]] == 0).all()


@pytest.mark.parametrize("bound", ["infonce", "dv"])
def test_other_bounds_train_and_are_seeded(bound):
    # same seed, same numbers (CPU): two runs of 3 steps give identical histories
    x = digits(8)
    runs = []
    for _ in range(2):
        torch.manual_seed(1)
        enc = DIMEncoder("C", channels=4, depth=2, summary_dim=8)
        obj = DIMObjective(4, 8, bound=bound, prior="gaussian", max_locations=16)
        tr = DIMTrainer(enc, obj, epochs=3, batch_size=8, random_state=3, device="cpu", verbose=False).fit(x)
        runs.append([h["loss"] for h in tr.history_])
    assert runs[0] == runs[1] and np.isfinite(runs[0]).all()


def test_per_map_mi_recovers_gaussian_truth():
    # image pixels iid N(0,1), map = image + sigma * noise: I = 0.5 log(1 + 1/sigma^2) per pixel
    # pair. With 64x64 = 4096 pixels KSG's sd is ~0.02-0.03 nats; the quantile-binning estimate
    # (bins=28, Miller-Madow) loses ~0.05 at high MI to discretisation: tolerance 0.08 for KSG,
    # 0.12 for binning. An independent map must give ~0 (|I| < 0.04), a constant map exactly 0.
    rng = np.random.default_rng(0)
    img = rng.normal(size=(64, 64))
    sig = np.array([0.5, 1.0, 2.0])
    maps = img[None] + sig[:, None, None] * rng.normal(size=(3, 64, 64))
    maps = np.concatenate([maps, rng.normal(size=(1, 64, 64)), np.zeros((1, 64, 64))])
    truth = 0.5 * np.log(1 + 1 / sig**2)
    r = per_map_mi(img, maps, random_state=0)
    np.testing.assert_allclose(r["ksg"][:3], truth, atol=0.08)
    np.testing.assert_allclose(r["binning"][:3], truth, atol=0.12)
    assert abs(r["ksg"][3]) < 0.04 and abs(r["binning"][3]) < 0.04
    assert r["ksg"][4] == 0 and r["binning"][4] == 0 and r["constant"].tolist() == [False] * 4 + [True]
    # the optional Gao et al. estimator (exact tie counting) agrees on tie-free data (same kNN sd)
    mixed = per_map_mi(img, maps[:3], methods=("mixed",), random_state=0)["mixed"]
    np.testing.assert_allclose(mixed, truth, atol=0.08)
    with pytest.raises(ValueError, match="methods"):
        per_map_mi(img, maps[:1], methods=("mine",))


def test_image_is_resized_to_the_map_size():
    # a map that *is* the image resized to the map's side (as encoder A's or B's maps have other
    # sides) must carry far more information than one that is an unrelated image of that side
    rng = np.random.default_rng(1)
    from scipy.ndimage import gaussian_filter

    img = gaussian_filter(rng.normal(size=(40, 40)), 2)
    for side in (32, 48):
        same = resize_image(img, (side, side))
        other = resize_image(gaussian_filter(rng.normal(size=(40, 40)), 2), (side, side))
        r = per_map_mi(img, np.stack([same, other]), random_state=0)
        assert r["ksg"][0] > 1.5 and r["ksg"][0] > r["ksg"][1] + 1.0
    with pytest.raises(ValueError, match="constant"):
        per_map_mi(np.ones((8, 8)), rng.normal(size=(1, 8, 8)))


def test_map_table_summary_and_probe():
    rng = np.random.default_rng(2)
    imgs = rng.normal(size=(3, 16, 16))
    maps = np.stack([np.stack([im, im + rng.normal(size=im.shape), rng.normal(size=im.shape)]) for im in imgs])
    t = map_mi_table("C", imgs, maps, random_state=0, verbose=False)
    assert len(t) == 3 * 3 * 2 and set(t["method"]) == {"binning", "ksg"}
    s = summarize_map_mi(t).set_index("method")
    for m in ("binning", "ksg"):
        per = t[t["method"] == m].groupby("image")["mi"]
        assert s.loc[m, "max_mi"] == pytest.approx(per.max().mean())
        assert s.loc[m, "mean_mi"] == pytest.approx(per.mean().mean())
    # probe: features that contain the label are read perfectly; pure noise gives chance (1/2 +- 0.1)
    y = np.repeat([0, 1], 100)
    f = np.c_[y + 0.05 * rng.normal(size=200), rng.normal(size=(200, 3))]
    assert linear_probe(f[::2], y[::2], f[1::2], y[1::2]) == 1.0
    acc = linear_probe(rng.normal(size=(400, 4)), np.tile([0, 1], 200), rng.normal(size=(400, 4)), np.tile([0, 1], 200))
    assert abs(acc - 0.5) < 0.1   # binomial sd at n=400 is 0.025: 4 sd


def test_local_critic_on_sampled_locations_matches_full_scores():
    # the critic picks the locations before its 1x1 convolutions; the scores must equal the
    # full (L, n, n) score tensor indexed at those locations
    from infolens.infomax.objectives import LocalCritic

    torch.manual_seed(0)
    crit = LocalCritic(channels=3, summary_dim=4, dim=8)
    m, y = torch.randn(5, 3, 6, 7), torch.randn(5, 4)
    locs = torch.tensor([0, 5, 17, 41])
    full = crit(m, y)
    assert full.shape == (42, 5, 5)
    assert torch.allclose(crit(m, y, locs), full[locs], atol=1e-6)


def test_maps_of_different_sides_are_measured_from_the_same_number_of_pairs():
    # encoders' maps differ in side (A shrinks, B grows): per_map_mi(n_pairs=) measures a larger map
    # from a random subset of its positions, so both estimates rest on the same sample size.
    # Truth as above (I = 0.5 log 2 = 0.347 for sigma = 1); 1,024 pairs: KSG's sd ~0.04, tolerance 0.12
    rng = np.random.default_rng(3)
    img = rng.normal(size=(64, 64))
    maps = img[None] + rng.normal(size=(1, 64, 64))
    r = per_map_mi(img, maps, methods=("ksg",), random_state=0, n_pairs=1024)
    assert abs(r["ksg"][0] - 0.5 * np.log(2)) < 0.12
    # the subset is a function of random_state; n_pairs above the pixel count keeps every pixel
    again = per_map_mi(img, maps, methods=("ksg",), random_state=0, n_pairs=1024)
    assert again["ksg"][0] == r["ksg"][0]
    whole = per_map_mi(img, maps, methods=("ksg",), random_state=0)
    assert per_map_mi(img, maps, methods=("ksg",), random_state=0, n_pairs=10_000)["ksg"][0] == whole["ksg"][0]
    small = np.stack([img[:16, :16] + rng.normal(size=(16, 16)) for _ in range(2)])
    t = map_mi_table("A", np.stack([img, img]), np.stack([maps, maps]), methods=("ksg",), verbose=False, n_pairs=256)
    t_small = map_mi_table("B", np.stack([img[:16, :16]] * 2), small[:, None], methods=("ksg",), verbose=False,
                           n_pairs=256)
    assert set(t["pairs"]) == set(t_small["pairs"]) == {256}


def test_summary_over_seeds_reports_the_spread_between_training_runs():
    # two seeds whose maps keep 0.2 and 0.4 nats on every image: mean 0.3, sd between seeds 0.141;
    # the images agree within a seed, so only the between-seed spread can make the standard error
    rows = [{"encoder": "C", "seed": s, "image": i, "map": c, "method": "ksg", "mi": v, "constant": False}
            for s, v in ((0, 0.2), (1, 0.4)) for i in range(4) for c in range(3)]
    s = summarize_map_mi(pd.DataFrame(rows)).iloc[0]
    assert s["mean_mi"] == pytest.approx(0.3) and s["n_seeds"] == 2
    assert s["mean_mi_seed_sd"] == pytest.approx(0.2 / np.sqrt(2))
    assert s["mean_mi_se"] == pytest.approx(0.1)  # sd / sqrt(2 seeds)
