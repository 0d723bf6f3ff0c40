"""Deep InfoMax (Hjelm et al. 2019): encoders A-D, the DIM objectives, the trainer, and the
per-map MI analysis of what the features keep."""

from .encoders import KINDS, DIMEncoder, build_encoder, map_sizes
from .objectives import DIMObjective
from .trainer import DIMTrainer

__all__ = ["KINDS", "DIMEncoder", "build_encoder", "map_sizes", "DIMObjective", "DIMTrainer"]
