"""Dataset loaders and preprocessing: every loader returns a :class:`Dataset`."""

from .base import Dataset, ImageFiles, default_cache_dir, default_data_dir

__all__ = ["Dataset", "ImageFiles", "default_cache_dir", "default_data_dir"]
