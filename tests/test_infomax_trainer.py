"""DIM trainer: a run killed after an epoch resumes from its checkpoint and ends with exactly
the weights of the uninterrupted run (CPU); checkpoints from another set-up are refused."""

import numpy as np
import pytest
import torch

from infolens.infomax import DIMEncoder, DIMObjective, DIMTrainer
from infolens.torch_utils import threads


@pytest.fixture(autouse=True)
def one_thread():
    with threads(1):  # restores the previous count
        yield


def _images(n=24, side=8):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(n, side, side), dtype=np.uint8)


def _trainer(epochs, ckpt, seed=0, lr=1e-3):
    torch.manual_seed(0)
    enc = DIMEncoder("C", channels=4, depth=2, summary_dim=8)
    obj = DIMObjective(4, 8, max_locations=32)
    return DIMTrainer(enc, obj, epochs=epochs, batch_size=8, lr=lr, random_state=seed, device="cpu",
                      checkpoint=ckpt, verbose=False)


class Killed(Exception):
    pass


def test_killed_run_resumes_to_the_same_weights(tmp_path, monkeypatch):
    x = _images()
    full = _trainer(3, tmp_path / "full.pt").fit(x)

    # kill the second run during epoch 2 (after the checkpoint of epoch 1 was written)
    ckpt = tmp_path / "killed.pt"
    t = _trainer(3, ckpt)
    calls = {"n": 0}
    step = DIMTrainer._step

    def dying_step(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 5:          # 3 steps per epoch: step 5 is in epoch 2
            raise Killed
        return step(self, *a, **k)

    monkeypatch.setattr(DIMTrainer, "_step", dying_step)
    with pytest.raises(Killed):
        t.fit(x)
    monkeypatch.setattr(DIMTrainer, "_step", step)
    assert ckpt.exists() and not list(tmp_path.glob(".*.tmp"))   # atomic: no temp file left

    resumed = _trainer(3, ckpt).fit(x)
    assert resumed.resumed_from_ == 1
    assert [h["loss"] for h in resumed.history_] == [h["loss"] for h in full.history_]
    for a, b in zip(full.encoder.state_dict().values(), resumed.encoder.state_dict().values()):
        assert torch.equal(a, b)
    # a finished run loads and trains no further
    again = _trainer(3, ckpt).fit(x)
    assert again.resumed_from_ == 3 and len(again.history_) == 9
    with pytest.raises(ValueError, match="epochs >= 3"):
        _trainer(2, ckpt).fit(x)
    # more epochs continue the run: epoch 4 appended to the 3 finished ones
    longer = _trainer(4, ckpt).fit(x)
    assert longer.resumed_from_ == 3 and len(longer.epoch_history_) == 4


def test_checkpoint_of_another_setup_is_refused(tmp_path):
    x = _images()
    ckpt = tmp_path / "c.pt"
    _trainer(1, ckpt).fit(x)
    with pytest.raises(ValueError, match="different set-up"):
        _trainer(2, ckpt, lr=5e-4).fit(x)
    ckpt.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="cannot be read"):
        _trainer(2, ckpt).fit(x)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="epochs"):
        _trainer(0, None).fit(_images())
    with pytest.raises(ValueError, match="at least 2"):
        _trainer(1, None).fit(_images(n=1))
    with pytest.raises(ValueError, match="channel"):
        _trainer(1, None).fit(np.zeros((4, 3, 8, 8), dtype=np.float32))
    with pytest.raises(ValueError, match="NaN"):
        _trainer(1, None).fit(np.full((4, 8, 8), np.nan, dtype=np.float32))


def test_convergence_verdict_reads_the_last_epoch_gain():
    from infolens.infomax.trainer import convergence

    rng = np.random.default_rng(0)

    def history(means):
        return [{"epoch": e, "global": m + 0.01 * rng.normal(), "local": m + 0.01 * rng.normal()}
                for e, m in enumerate(means) for _ in range(20)]

    # objective alpha * global + beta * local = 1.5 m: a last step of +0.15 (33% of the rise) over noise ~0.005
    rising = convergence(history([0.2, 0.4, 0.5]), alpha=0.5, beta=1.0)
    assert rising["rising"] and rising["gain"] == pytest.approx(0.15, abs=0.02) and rising["epochs"] == 3
    flat = convergence(history([0.2, 0.5, 0.5]), alpha=0.5, beta=1.0)
    assert not flat["rising"] and abs(flat["gain"]) < 0.02
    # a gain that is significant but under 5% of the rise since the first epoch (0.02 of 1.02) is not
    # "still rising": training has got most of what it will
    tiny = convergence([{"epoch": e, "global": 0.0, "local": v} for e, v in ((0, 9.0), (0, 9.0), (1, 10.0), (1, 10.0),
                                                                             (2, 10.02), (2, 10.02))], alpha=0.5, beta=1.0)
    assert not tiny["rising"] and tiny["total_rise"] == pytest.approx(1.02)
    assert convergence(history([0.3]), alpha=0.5, beta=1.0)["rising"]  # one epoch: nothing to compare
