"""Mutual information on tables: which features carry information about a target
(:func:`feature_mi`), and which columns depend on each other (:func:`mi_matrix`).
See docs/tables.md."""

from .features import feature_mi
from .matrix import MIMatrix, information_coefficient, mi_matrix

__all__ = ["MIMatrix", "feature_mi", "information_coefficient", "mi_matrix"]
