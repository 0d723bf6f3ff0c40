"""Diffusion (denoising-gap) MI estimators: ``minde`` (MINDE-C, Franzese et al. 2024) and
``mmg`` (Yu et al. 2025). Both train one masked denoiser that is conditional or
unconditional at will, and integrate the squared difference of its two noise predictions
over noise levels on held-out rows (docs/estimators.md, "Diffusion estimators")."""

from .minde import MINDEEstimator
from .mmg import MMGEstimator

__all__ = ["MINDEEstimator", "MMGEstimator"]
