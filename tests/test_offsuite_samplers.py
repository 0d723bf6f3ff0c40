"""The off-suite samplers added for the radial symmetry and label-bound rules: their truths
against independent computations."""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import norm

from infolens.distributions.base import Padded
from infolens.distributions.copulas import ArchimedeanCopula, ClaytonBlocks, NoisyMap
from infolens.distributions.mixture import Shells


def test_clayton_blocks_of_one_column_each_is_the_bivariate_clayton():
    """Two Monte Carlo integrations of different densities (the d-dim formula at d = 2 and the
    bivariate one), each with its standard error: they agree within 4 combined errors."""
    for theta in (1.0, 3.0):
        a, b = ClaytonBlocks(1, 1, theta), ArchimedeanCopula("clayton", theta)
        assert a.mi == pytest.approx(b.mi, abs=4 * np.hypot(a.mi_error, b.mi_error))


def test_clayton_blocks_sample_has_uniform_margins_and_lower_tail_dependence():
    x, y = ClaytonBlocks(2, 3, 2.0).sample(20000, 0)
    assert x.shape == (20000, 2) and y.shape == (20000, 3)
    u = np.hstack([x, y])
    assert np.all((u > 0) & (u < 1)) and np.allclose(u.mean(0), 0.5, atol=0.02)
    low = np.mean((u[:, 0] < 0.05) & (u[:, 2] < 0.05)) / 0.05
    high = np.mean((u[:, 0] > 0.95) & (u[:, 2] > 0.95)) / 0.05
    assert low > 0.5 and high < 0.2  # Clayton: lower tail dependence 2^(-1/theta) = 0.71, none above


def test_shells_truth_matches_the_full_density_in_one_dimension():
    """In one dimension a shell of radius r is the pair +-r: X | Y is a two-component mixture,
    whose density is written out here; the class gives its MI directly."""
    radii, sigma = (0.5, 1.5, 3.0), 0.6
    s = Shells(radii, 1, sigma)
    x, y = s.sample(200000, 1)
    x = x[:, 0]
    comp = np.stack([np.logaddexp(norm.logpdf(x, r, sigma), norm.logpdf(x, -r, sigma)) - np.log(2) for r in radii], 1)
    direct = float(np.mean(comp[np.arange(len(y)), y] - logsumexp(comp, axis=1) + np.log(len(radii))))
    assert s.mi == pytest.approx(direct, abs=0.01)


def test_padding_keeps_the_truth_and_adds_independent_columns():
    base = NoisyMap(lambda v: v[:, 0] ** 2, 0.5)
    p = Padded(base, 4, 2)
    x, y = p.sample(5000, 3)
    assert p.mi == base.mi and x.shape == (5000, 5) and y.shape == (5000, 3)
    assert abs(np.corrcoef(x[:, 1], y[:, 0])[0, 1]) < 0.05
