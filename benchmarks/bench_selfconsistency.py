"""Self-consistency on real data (no truth known): identities MI must satisfy, checked within the
stated errors.

Run: ``nice -n 10 python benchmarks/bench_selfconsistency.py`` (``--method auto``,
``--budget fast``, ``--blocks 6``).

Data: scikit-learn's bundled digits (1,797 images, 64 pixels) and breast-cancer (569 rows,
30 features). For several column blocks of each (X, Y: 2-3 columns each, chosen by a seeded
shuffle), five identities:

* **monotone maps**: ``I(X;Y) = I(f(X); g(Y))`` for per-column monotone ``f``, ``g`` (exp,
  cube);
* **symmetry**: ``I(X;Y) = I(Y;X)``;
* **additivity over independent blocks**: ``I((X1,X2);(Y1,Y2)) = I(X1;Y1) + I(X2;Y2)`` when the
  pair (X2, Y2) is two other columns with their rows shuffled together (independent of X1, Y1);
* **data processing**: ``I(X;Y) >= I(X[:, :1]; Y)`` (a column dropped cannot add information);
* **chain rule**: ``I(X; (Y, Z)) = I(X; Z) + I(X; Y | Z)`` with ``estimate_cmi`` (KSG for the
  MI terms, so that all three share the kNN estimator's family).

An identity holds when its two sides do not differ beyond ``Z95`` combined standard errors
(:func:`infolens.stats.compare`; the inequality fails only when the right side exceeds the
left beyond them). Prints each check and the share that hold (goal >= 95%).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np


def _data() -> dict[str, np.ndarray]:
    from sklearn.datasets import load_breast_cancer, load_digits

    digits = load_digits().data.astype(float)
    digits = digits[:, np.ptp(digits, axis=0) > 0]
    return {"digits": digits, "breast-cancer": load_breast_cancer().data.astype(float)}


def main(argv: list[str] | None = None) -> int:
    from infolens import estimate_cmi, estimate_mi
    from infolens.stats import Z95, compare

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--method", default="auto")
    p.add_argument("--budget", default="fast", help="auto's budget (fast: no neural candidate)")
    p.add_argument("--blocks", type=int, default=4, help="column blocks per data set")
    args = p.parse_args(argv)
    # every column is a number here (digit pixels take 17 integer values, which auto would
    # otherwise read as a label when a block has one column)
    params: dict[str, Any] = {"budget": args.budget, "discrete_x": False, "discrete_y": False} \
        if args.method == "auto" else {}

    def mi(a: np.ndarray, b: np.ndarray, method: str | None = None) -> Any:
        m = method or args.method
        return estimate_mi(a, b, method=m, random_state=0, warn=False, **(params if m == "auto" else {}))

    data = _data()
    checks: list[tuple[str, str, bool, float, float, float]] = []

    def record(name: str, where: str, a: float, b: float, se_a: float | None, se_b: float | None, one_sided: bool = False) -> None:
        cmp = compare(a, b, se_a, se_b, z=Z95)
        ok = not cmp.differ or (one_sided and a >= b)
        checks.append((name, where, ok, a, b, cmp.tolerance))

    rng = np.random.default_rng(0)
    for name, d in data.items():
        for block in range(args.blocks):
            cols = rng.permutation(d.shape[1])
            x, y, z = d[:, cols[:2]], d[:, cols[2:4]], d[:, cols[4:6]]
            where = f"{name} x{cols[:2].tolist()} y{cols[2:4].tolist()}"
            base = mi(x, y)
            if "ill-posed" in base.codes():
                continue
            mono = mi(np.exp(x / x.std(0)), y**3)
            record("monotone maps", where, base.mi, mono.mi, base.stderr, mono.stderr)
            sym = mi(y, x)
            record("symmetry", where, base.mi, sym.mi, base.stderr, sym.stderr)
            # the same data set's other columns with their rows shuffled together: (X2, Y2)
            # keep their dependence and are independent of (X1, Y1), with no repeated rows
            shuffled = d[rng.permutation(len(d))]
            x2, y2 = shuffled[:, cols[6:7]], shuffled[:, cols[7:8]]
            joint, second = mi(np.hstack([x, x2]), np.hstack([y, y2])), mi(x2, y2)
            record("additivity", where, joint.mi, base.mi + second.mi, joint.stderr,
                   float(np.hypot(base.stderr or 0.0, second.stderr or 0.0)))
            part = mi(x[:, :1], y)
            record("data processing", where, base.mi, part.mi, base.stderr, part.stderr, one_sided=True)
            whole, xz = mi(x, np.hstack([y, z]), "ksg"), mi(x, z, "ksg")
            cond = estimate_cmi(x, y, z, random_state=0)
            record("chain rule", where, whole.mi, xz.mi + cond.mi, whole.stderr,
                   float(np.hypot(xz.stderr or 0.0, cond.stderr or 0.0)))
    print(f"self-consistency on real data, method={args.method}" + (f" (budget {args.budget})" if params else ""))
    print(f"{'identity':16s} {'where':44s} {'left':>8s} {'right':>8s} {'allowed':>8s}  holds")
    for name, where, ok, a, b, tol in checks:
        print(f"{name:16s} {where:44s} {a:8.3f} {b:8.3f} {tol:8.3f}  {'yes' if ok else 'NO'}")
    by: dict[str, list[bool]] = {}
    for name, _w, ok, *_ in checks:
        by.setdefault(name, []).append(ok)
    print("\n" + "  ".join(f"{k}: {sum(v)}/{len(v)}" for k, v in by.items()))
    held = sum(c[2] for c in checks)
    print(f"all: {held}/{len(checks)} hold ({held / max(len(checks), 1):.0%}; goal >= 95%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
