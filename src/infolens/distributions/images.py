"""Image-like inputs with known MI: a label rendered into a 28x28 template plus
pixel noise. X | Y=k ~ N(template_k, sigma^2 I_784) is a Gaussian mixture, so I(X;Y)
follows from :mod:`infolens.distributions.mixture` (integration over the K-1 dimensional
span of the templates; the other 784-K+1 directions are noise independent of the label)."""

from __future__ import annotations

import numpy as np

from ..validation import check_positive_int
from .base import Sampler
from .mixture import mixture_label_mi


def bar_templates(n_classes: int = 10, size: int = 28, width: float = 1.5) -> np.ndarray:
    """Class k is a bar through the centre at angle k pi / K, intensities in [0, 1]
    (a Gaussian profile of ``width`` pixels across the bar), shape (K, size, size)."""
    n_classes, size = check_positive_int(n_classes, "n_classes", 2), check_positive_int(size, "size", 4)
    c = (size - 1) / 2.0
    yy, xx = np.mgrid[0:size, 0:size] - c
    out = np.empty((n_classes, size, size))
    for k in range(n_classes):
        a = np.pi * k / n_classes
        dist = np.abs(-np.sin(a) * xx + np.cos(a) * yy)  # distance to the line
        along = np.abs(np.cos(a) * xx + np.sin(a) * yy)
        out[k] = np.exp(-0.5 * (dist / width) ** 2) * (along <= 0.4 * size)
    return out


class LabelImages(Sampler):
    """Y uniform on K classes, X = template_Y + sigma * noise, images of shape (n, size, size)."""

    dim_y = 1

    def __init__(self, n_classes: int = 10, sigma: float = 1.0, size: int = 28) -> None:
        if not sigma > 0:
            raise ValueError(f"sigma (pixel noise) must be > 0, got {sigma}")
        self.templates = bar_templates(n_classes, size)
        self.n_classes, self.sigma, self.size = n_classes, float(sigma), size
        self.dim_x = size * size
        self._mi, self.mi_error = mixture_label_mi(self.templates.reshape(n_classes, -1), self.sigma)

    @property
    def mi(self) -> float:
        return self._mi

    def _sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, self.n_classes, size=n)
        x = self.templates[y] + self.sigma * rng.standard_normal((n, self.size, self.size))
        return x.astype(np.float32), y.astype(np.int64)
