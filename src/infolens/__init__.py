"""infolens: measure information in data and in models.

>>> from infolens import estimate_mi
>>> r = estimate_mi(x, y, method="ksg", k=5)     # doctest: +SKIP
"""

from .api import estimate_mi
from .estimators.cmi import estimate_cmi
from .independence import IndependenceResult, independence_test
from .registry import estimator_class, get_estimator, list_estimators, register
from .result import Estimator, MIResult
from .tables import feature_mi, mi_matrix, select_features

__version__ = "0.1.0"

__all__ = [
    "estimate_mi",
    "estimate_cmi",
    "independence_test",
    "IndependenceResult",
    "feature_mi",
    "mi_matrix",
    "select_features",
    "list_estimators",
    "get_estimator",
    "estimator_class",
    "register",
    "Estimator",
    "MIResult",
    "__version__",
]


def __getattr__(name: str):
    """Estimator classes by their class name, e.g. ``infolens.KSG`` (imported on first use)."""
    from .registry import _REGISTRY, _load_all

    _load_all()
    for cls in _REGISTRY.values():
        if cls.__name__ == name:
            return cls
    raise AttributeError(f"module 'infolens' has no attribute {name!r}")
