"""Tables and estimates beyond one machine: :func:`feature_mi`, :func:`mi_matrix` and
:func:`estimate_mi` over Dask DataFrames, Series and arrays (or Parquet datasets, local or
any fsspec URL) on a ``dask.distributed`` cluster. The public entry points
(``infolens.feature_mi`` etc.) hand Dask inputs here; see docs/scale.md for the design.
"""

from .frames import any_dask, cluster_client, is_dask, read_parquet
from .estimate import estimate_mi
from .features import feature_mi
from .matrix import mi_matrix

__all__ = ["any_dask", "cluster_client", "estimate_mi", "feature_mi", "is_dask", "mi_matrix", "read_parquet"]
