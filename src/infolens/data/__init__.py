"""Dataset loaders and preprocessing: every loader returns a :class:`Dataset`.

>>> from infolens.data import load_dataset, resize_images
>>> ds = load_dataset("digits", label="even")            # doctest: +SKIP
>>> small = resize_images(ds, size=4)                     # (n, 4, 4) float32 in [0, 1]
"""

from .base import Dataset, ImageFiles, default_cache_dir, default_data_dir
from .celeba import load_celeba, read_attributes, read_partition
from .folder import load_image_folder
from .idx import find_mnist_like, load_mnist_like, read_idx, write_idx
from .loaders import DATASETS, GROUPS, load_dataset, relabel, take
from .preprocess import FILTERS, cache_path, preprocess, resize_images, resize_one, to_grayscale

__all__ = [
    "DATASETS", "FILTERS", "GROUPS", "Dataset", "ImageFiles", "cache_path", "default_cache_dir",
    "default_data_dir", "find_mnist_like", "load_celeba", "load_dataset", "load_image_folder",
    "load_mnist_like", "preprocess", "read_attributes", "read_idx", "read_partition", "relabel",
    "resize_images", "resize_one", "take", "to_grayscale", "write_idx",
]
