"""Composed families: known-truth distributions drawn at random from a small grammar, to check
``method="auto"``'s grades on data nobody chose.

The off-suite and held-out sets (:mod:`.offsuite`) were each written by hand, and a rule tuned
while looking at them may hold on them alone. Here a seeded draw picks every part of a family:

* a **base** with a known I(X; Y): a Gaussian with 1-4 correlated pairs (0.05-3 nats), a
  multivariate Student-t (1.5-10 degrees of freedom), an exchangeable Clayton copula, a 1+1
  Archimedean copula (Clayton, Gumbel, Frank), an additive channel (uniform + Gaussian,
  Gaussian + Laplace), a joint Gaussian mixture, or a label against Gaussian classes;
* up to 8 **independent columns** appended to a continuous side (the MI is unchanged);
* per continuous side a chain of 0-2 **invertible maps** (the MI is unchanged): elementwise
  monotone maps (normal CDF, cube, asinh, exp), a change of units per column (scales 1e-3 to
  1e4), a random rotation, a flow's affine coupling layers, a contractive residual block, or a
  spiral turning at a random speed;
* the number of rows, 500 to 10,000.

:func:`composed_families` returns ``count`` of them as ``(id, n, make)`` entries, as the sets of
:mod:`.offsuite` are: the id says what was drawn (``c07:student2(3+2)|x:rot+cdf|y:pad4``).
Family ``i`` depends on ``(seed, i)`` alone, so a longer list keeps the families of a shorter one.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .base import Padded, Sampler, Transformed
from .channels import gauss_laplace, uniform_gauss
from .copulas import ArchimedeanCopula, ClaytonBlocks, JointGaussianMixture
from .gaussian import MultiNormal, rho_for_mi, sparse_correlation
from .mixture import GaussianMixtureLabel
from .student import StudentT
from .transforms import AffineCoupling, Asinh, Compose, HalfCube, NormalCDF, Rescale, ResidualMap, Rotation, Spiral, Transform

Entry = tuple[str, int, Callable[[], Sampler]]

#: the row counts a family is drawn with
ROWS = (500, 1000, 2000, 5000, 10000)


class _Exp(Transform):
    """``exp`` of every column (increasing: the MI is kept)."""

    name = "exp"

    def forward(self, x: np.ndarray) -> np.ndarray:
        return np.exp(x)

    def inverse(self, y: np.ndarray) -> np.ndarray:
        return np.log(y)


def _base(rng: np.random.Generator) -> tuple[str, Callable[[], Sampler], bool, int, int]:
    """``(description, make, continuous, dim_x, dim_y)`` of a base; ``continuous`` is False where
    Y is a label. Nothing is built here: a base's truth may take a Monte Carlo integration, run
    when ``make()`` is called (drawing the 80 families of the two sets takes milliseconds)."""
    kind = rng.choice(["gauss", "gauss", "student", "clayton", "archimedean", "channel", "clusters", "label"])
    dx, dy = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    if kind in ("gauss", "student"):
        pairs = int(rng.integers(1, min(dx, dy) + 1))
        mi = float(np.exp(rng.uniform(np.log(0.05), np.log(3.0))))
        rho = rho_for_mi(mi, pairs)
        cov = sparse_correlation(dx, dy, pairs, rho)
        if kind == "gauss":
            return f"gauss({dx}+{dy} {pairs}p rho{rho:.2f})", lambda: MultiNormal(dx, dy, cov), True, dx, dy
        df = float(rng.choice([1.5, 2.0, 3.0, 5.0, 10.0]))
        return f"student{df:g}({dx}+{dy} {pairs}p rho{rho:.2f})", lambda: StudentT(dx, dy, df, cov), True, dx, dy
    if kind == "clayton":
        theta = float(rng.uniform(0.5, 3.0))
        dx, dy = min(dx, 3), min(dy, 3)
        return f"clayton({dx}+{dy} {theta:.2f})", lambda: ClaytonBlocks(dx, dy, theta), True, dx, dy
    if kind == "archimedean":
        family = str(rng.choice(["clayton", "gumbel", "frank"]))
        theta = {"clayton": rng.uniform(0.5, 5.0), "gumbel": rng.uniform(1.3, 4.0), "frank": rng.uniform(2.0, 12.0)}[family]
        return f"{family}({theta:.2f})", lambda: ArchimedeanCopula(family, float(theta)), True, 1, 1
    if kind == "channel":
        if rng.random() < 0.5:
            d, s = int(rng.integers(1, 4)), float(rng.uniform(0.1, 0.6))
            return f"unif+gauss({d} {s:.2f})", lambda: uniform_gauss(d, s), True, d, d
        b = float(rng.uniform(0.2, 1.5))
        return f"gauss+laplace({b:.2f})", lambda: gauss_laplace(b), True, 1, 1
    if kind == "clusters":
        d, k, sep = int(rng.integers(1, 4)), int(rng.integers(2, 5)), float(rng.uniform(0.8, 2.0))
        r, mix_seed = float(rng.uniform(0.0, 0.6)), int(rng.integers(1 << 30))

        def clusters() -> Sampler:
            g = np.random.default_rng(mix_seed)
            cov = np.eye(2 * d)
            cov[:d, d:] = cov[d:, :d] = r * np.eye(d)
            return JointGaussianMixture(d, [1.0 / k] * k, sep * g.standard_normal((k, 2 * d)),
                                        np.repeat(cov[None], k, axis=0))

        return f"clusters({d}+{d} {k} {sep:.1f} r{r:.2f})", clusters, True, d, d
    k = int(rng.integers(2, 9))
    d = int(rng.integers(k, k + 4))
    sep = float(rng.uniform(1.0, 3.0))
    return f"label({k} classes {d}d {sep:.1f})", lambda: GaussianMixtureLabel.simplex(k, d, sep), False, d, 1


def _maps(rng: np.random.Generator, d: int, heavy: bool) -> tuple[str, Transform | None]:
    """A chain of 0-2 invertible maps of a ``d``-column side. ``exp`` and the normal CDF come
    first only, and not on heavy tails: a Student-t's 1e3 or a change of units' 1e4 overflows
    ``exp``, and the CDF is 1.0 in float64 above 8.3, which would tie distinct values."""
    parts: list[tuple[str, Transform]] = []
    for step in range(int(rng.choice([0, 1, 1, 2]))):
        options = (["cube", "asinh", "units"] + (["exp", "cdf"] if step == 0 and not heavy else [])
                   + (["rot", "coupling", "residual", "spiral"] if d >= 2 else []))
        what = str(rng.choice(options))
        seed = int(rng.integers(1 << 30))
        if what == "cdf":
            parts.append((what, NormalCDF()))
        elif what == "cube":
            parts.append((what, HalfCube()))
        elif what == "asinh":
            parts.append((what, Asinh()))
        elif what == "exp":
            parts.append((what, _Exp()))
        elif what == "units":
            parts.append((what, Rescale(10.0 ** rng.uniform(-3.0, 4.0, size=d), rng.uniform(-5.0, 5.0, size=d))))
        elif what == "rot":
            parts.append((what, Rotation(d, seed=seed)))
        elif what == "coupling":
            parts.append((what, AffineCoupling(d, scale=float(rng.uniform(0.3, 1.0)), shift=float(rng.uniform(0.3, 1.5)),
                                               seed=seed)))
        elif what == "residual":
            parts.append((what, ResidualMap(d, seed=seed)))
        else:
            speed = float(rng.uniform(0.05, 0.3))
            parts.append((f"spiral{speed:.2f}", Spiral(0, 1, speed)))
    if not parts:
        return "", None
    return "+".join(p for p, _ in parts), (parts[0][1] if len(parts) == 1 else Compose(*(t for _, t in parts)))


def composed_family(index: int, seed: int = 0) -> Entry:
    """Family ``index`` of the draw ``seed``: ``(id, n, make)`` (module docstring)."""
    rng = np.random.default_rng([int(seed), int(index)])
    desc, make_base, y_continuous, dx, dy = _base(rng)
    n = int(rng.choice(ROWS))
    pad_x = int(rng.integers(1, 9)) if rng.random() < 0.25 else 0
    pad_y = int(rng.integers(1, 9)) if y_continuous and rng.random() < 0.25 else 0
    heavy = desc.startswith("student")
    name_x, tx = _maps(rng, dx + pad_x, heavy)
    name_y, ty = _maps(rng, dy + pad_y, heavy) if y_continuous else ("", None)
    sides = [(side, "+".join(p for p in (f"pad{pad}" if pad else "", name) if p))
             for side, pad, name in (("x", pad_x, name_x), ("y", pad_y, name_y))]
    family_id = "|".join([f"c{index:02d}:{desc}"] + [f"{side}:{tag}" for side, tag in sides if tag])

    def make() -> Sampler:
        base = make_base()
        if pad_x or pad_y:
            base = Padded(base, pad_x, pad_y)
        return Transformed(base, tx, ty) if tx is not None or ty is not None else base

    return family_id, n, make


def composed_families(count: int = 40, seed: int = 0) -> tuple[Entry, ...]:
    """The first ``count`` families of the draw ``seed``."""
    return tuple(composed_family(i, seed) for i in range(int(count)))
