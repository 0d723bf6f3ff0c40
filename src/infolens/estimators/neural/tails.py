"""Heavy-tailed input columns, mapped to normal scores fitted on the training rows before a
critic (or a denoiser) sees them."""

from __future__ import annotations

import numpy as np

from ...validation import extreme_spread


#: a column whose training-split ratio (q99.5 - q0.5) / (q75 - q25) exceeds this is
#: heavy-tailed (Gaussian: 3.8; Student-t: 5.5 for 5 degrees of freedom, 7.6 for 3,
#: 12 for 2). A critic fed standardised heavy-tailed columns sees a few rows hundreds of
#: standard deviations out, and the DV/NWJ read-outs (means of exponentials of scores)
#: are ruled by those rows: the suite's Student-t tasks gave -148 nats.
HEAVY_TAIL_RATIO = 6.0


def tame_heavy_tails(a: np.ndarray, train_idx: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Replace each heavy-tailed column (:data:`HEAVY_TAIL_RATIO`) of ``a`` (n, d) by its
    normal scores under the training split's empirical distribution, ``Phi^-1(F_train(v))``
    with F_train interpolated linearly between the sorted training values (values beyond
    them are clamped to the outermost scores). The map is monotone and fitted on the
    training rows only, so the held-out estimate targets the same MI (MI is invariant to
    monotone per-column maps). Returns ``(a or a transformed copy, changed columns)``."""
    from scipy.special import ndtri

    flat = np.asarray(a).reshape(len(a), -1)
    if flat.dtype.kind not in "f" or flat.shape[1] > 4096:
        return a, []
    tr = np.asarray(flat[train_idx], dtype=np.float64)
    q = np.quantile(tr, [0.005, 0.25, 0.75, 0.995], axis=0)
    iqr = q[2] - q[1]
    ratio = np.where(iqr > 0, (q[3] - q[0]) / np.where(iqr > 0, iqr, 1.0), 0.0)
    # a few extreme values (fewer than the 0.5% tails see) set the standard deviation that
    # standardisation divides by: the kNN estimators' rule (validation.extreme_spread).
    # Three values of 1e9 among 3000 Gaussians left InfoNCE the other rows in 1e-7 of the
    # column: 0.001 for 0.511
    heavy = np.flatnonzero((ratio > HEAVY_TAIL_RATIO) | extreme_spread(tr.std(axis=0), iqr)).tolist()
    if not heavy:
        return a, []
    out = np.array(flat, dtype=np.float64, copy=True)
    m = len(tr)
    probs = (np.arange(m) + 0.5) / m
    for j in heavy:
        srt = np.sort(tr[:, j])
        out[:, j] = ndtri(np.interp(out[:, j], srt, probs))
    return out.reshape(a.shape), heavy
