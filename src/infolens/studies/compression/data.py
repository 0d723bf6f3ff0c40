"""The compression study's data: the sizes and label a data set resolves to, and the image
pool with its stratified train/test split (memoised per worker process)."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..plateau import default_sizes

#: default binary label per data set (ROC curves need two classes)
DEFAULT_LABELS = {"fashion-mnist": "top", "mnist": "even", "digits": "even", "celeba": "Male"}


@functools.lru_cache(maxsize=2)
def _pool(
    dataset: str, data_dir: str | None, label: str | None, n_train: int, n_test: int, data_seed: int, skip_bad: bool
) -> tuple[Any, np.ndarray, np.ndarray]:
    """The study's images (n_train + n_test drawn with ``data_seed``) and a stratified split;
    memoised so that a worker process loads the data once for all its jobs."""
    from sklearn.model_selection import train_test_split

    from ...data import load_dataset

    ds = load_dataset(
        dataset, data_dir=data_dir, split="all", label=label, limit=n_train + n_test, random_state=data_seed, skip_bad=skip_bad
    )
    idx = np.arange(len(ds))
    tr, te = train_test_split(idx, test_size=n_test, stratify=ds.labels, random_state=data_seed)
    return ds, np.sort(tr), np.sort(te)


def prepare(cfg: Any) -> tuple[dict[str, Any], Any]:
    """Resolve defaults that depend on the data: label, sizes, n_train / n_test."""
    from ...data import load_dataset

    key = cfg.dataset.lower()
    label = cfg.label if cfg.label is not None else DEFAULT_LABELS.get(key)
    ds = load_dataset(cfg.dataset, data_dir=cfg.data_dir, split="all", label=label, skip_bad=cfg.skip_bad)
    n_train, n_test = resolve_sizes(len(ds), cfg.n_train, cfg.n_test, ds.name)
    n = len(ds)
    native = int(min(ds.image_shape[:2]))
    sizes = cfg.sizes or default_sizes(native)
    info = {
        "label": label,
        "n_train": n_train,
        "n_test": n_test,
        "sizes": sizes,
        "native": list(ds.image_shape),
        "label_names": ds.label_names,
        "name": ds.name,
        "n_available": n,
    }
    return info, ds


#: sizes used when n_train / n_test are not given (a smaller set is split in this ratio)
DEFAULT_N_TRAIN, DEFAULT_N_TEST = 10000, 2000


def resolve_sizes(n: int, n_train: int | None, n_test: int | None, name: str) -> tuple[int, int]:
    """The train and test sizes: given sizes are honoured or refused (never shrunk); sizes
    not given take the defaults, or what the set leaves (the defaults' 5:1 ratio when
    neither is given)."""
    from ...errors import ConfigError

    if n_train is not None and n_test is not None:
        if n_train + n_test > n:
            raise ConfigError(
                f"n_train + n_test = {n_train} + {n_test} = {n_train + n_test} but {name} has {n} images; "
                f"lower them (--n-train/--n-test), e.g. n_train={n - n // 4}, n_test={n // 4}"
            )
        return n_train, n_test
    if n_train is not None:
        if n - n_train < 10:
            raise ConfigError(
                f"n_train={n_train} leaves {n - n_train} of {name}'s {n} images for the test split (at "
                f"least 10 needed); lower --n-train to at most {n - 10}"
            )
        return n_train, min(DEFAULT_N_TEST, n - n_train)
    if n_test is not None:
        if n - n_test < 10:
            raise ConfigError(
                f"n_test={n_test} leaves {n - n_test} of {name}'s {n} images for training (at least 10 "
                f"needed); lower --n-test to at most {n - 10}"
            )
        return min(DEFAULT_N_TRAIN, n - n_test), n_test
    if DEFAULT_N_TRAIN + DEFAULT_N_TEST <= n:
        return DEFAULT_N_TRAIN, DEFAULT_N_TEST
    n_test = max(10, int(round(n * DEFAULT_N_TEST / (DEFAULT_N_TRAIN + DEFAULT_N_TEST))))
    return n - n_test, n_test
