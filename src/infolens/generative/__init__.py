"""Generators: GAN / WGAN / WGAN-GP for tables and small images, optional DP-SGD, and
reference generators with known privacy behaviour (see docs/audit.md).

>>> from infolens.generative import GAN
>>> gan = GAN("wgan-gp", n_steps=2000, random_state=0).fit(x)   # doctest: +SKIP
>>> x_syn = gan.sample(1000, random_state=1)                     # doctest: +SKIP
"""

from .baselines import CopyGenerator, GaussianGenerator, IndependentSampler
from .convergence import training_verdict
from .gan import GAN
from .dp import INSTALL_HINT, require_opacus

__all__ = ["GAN", "CopyGenerator", "IndependentSampler", "GaussianGenerator", "require_opacus", "INSTALL_HINT",
           "training_verdict"]
