"""Mutual information on tables: which features carry information about a target
(:func:`feature_mi`), and which columns depend on each other (:func:`mi_matrix`).
See docs/tables.md."""

from .score import ColumnScore, prepare_target, score_column
from .features import feature_mi
from .matrix import MIMatrix, information_coefficient, mi_matrix
from .select import select_features

__all__ = ["ColumnScore", "MIMatrix", "feature_mi", "information_coefficient", "mi_matrix", "prepare_target",
           "score_column", "select_features"]
