"""Fidelity and privacy audit of synthetic tables (see docs/audit.md).

>>> from infolens.audit import audit
>>> res = audit("train.csv", "syn.csv", "holdout.csv", target="label")   # doctest: +SKIP
>>> res.summary(); res.save("runs/audit")                                 # doctest: +SKIP
"""

from .core import AuditResult, audit
from .fidelity import column_metrics, correlation_difference, coverage, tstr
from .mmd import MMDResult, median_bandwidth, mmd_test
from .neighbors import NeighborIndex, gaussian_kde_logpdf, kneighbors
from .privacy import distance_metrics, membership_attacks
from .roc import attack_metrics, plot_roc_loglog, tpr_at_fpr, tpr_pvalue
from .tables import TableEncoder

__all__ = [
    "audit",
    "AuditResult",
    "mmd_test",
    "MMDResult",
    "median_bandwidth",
    "kneighbors",
    "NeighborIndex",
    "gaussian_kde_logpdf",
    "distance_metrics",
    "membership_attacks",
    "attack_metrics",
    "tpr_at_fpr",
    "tpr_pvalue",
    "plot_roc_loglog",
    "column_metrics",
    "correlation_difference",
    "coverage",
    "tstr",
    "TableEncoder",
]
