"""Field traps for method="auto": questions users bring that no benchmark suite holds.

    OMP_NUM_THREADS=1 python benchmarks/bench_field.py [--quick]

Groups, each with its goal (exit status 1 when one misses):

* **deterministic maps** of continuous data (the MI is infinite): ``sin 3x``, ``x^2`` and
  ``(cos x, sin x)`` of one column, ``tanh(XW)`` 3->2 and random tanh / ReLU networks 3->3,
  10->5, 10->8, at n = 1000 and 5000. Goal: none graded "ok" (each either ``ill-posed`` or
  below "ok" with a range open to infinity).
* **dependence through one direction** of 100 or 300 Gaussian columns, ``y = g(w.x) + noise``
  with ``g`` linear, tanh, square and sine (truth: the MI of the 1-D channel,
  :class:`infolens.distributions.copulas.NoisyMap`), n = 5000. Goal: no "ok" estimate more than 10% off.
* **high MI on a thin sheet**: ``y = x + s e`` per coordinate, x uniform, in 1 and 2
  coordinates with s = 0.001-0.01 (3.2-6.4 nats; truth by quadrature,
  :mod:`infolens.distributions.channels`), n = 5000. Goal: no "ok" estimate more than 10% off.
* **a time series in time order**: an AR(1) pair at 0.98 (y = x + 0.5 e, both AR(1)),
  n = 3000 (truth 0.80). Goal: the result warns ``serial-dependence`` (its interval assumes
  independent rows).
* **labels that are functions of x**: ``1{x > 0.5}``, ``sign x`` and ``x`` cut in four at
  (-1, 0, 1), n = 2000 (truth H(label), exact from the normal CDF). Goal: graded "ok" and
  within 10% of the truth (what "ok" promises; ross reads 1-3% low here, the rows next to
  the class boundary having neighbours of both classes).

* **copied records**: 2+2 and 5+5 Gaussians (MI 1.02, 2.55) with half their rows copied once
  more, shuffled, n = 3000 + 1500; the same with the copies up to their last digits (2+2
  through float32, 5+5 jittered by 1e-6) and a 3+3 Gaussian (1.53) in triples jittered by
  1e-5. Goal: every result warns ``repeated-rows`` or ``near-copies``, none is graded "ok", and
  each is within 10% of the truth (auto keeps one row of each; KSG read the 2+2 copies 23%
  high, the weighted kNN the 5+5 ones at 62 nats, auto the near copies as a deterministic map).
* **labels in other clothes**: a 10-level category as 10 one-hot columns against
  ``y = mu_c + e`` (truth by quadrature), and 300 or 1000 classes as integer codes against
  2-dim points around random class centroids (truth by Monte Carlo over the exact posterior),
  n = 5000. Goal: no "ok" estimate more than 10% off, and the range of every other one
  covering the truth.
* **a low-rank embedding**: ``X = Z A + 0.01 e`` in 100 dims (rank 5), ``Y = Z_12 + 0.5 e``, all
  Gaussian (closed form), n = 2000 and 10,000. Goal: within 10% and graded "ok" (its joint
  kurtosis read +280% from the noise directions, and auto spent 110 s on candidates).

Prints one row per case: truth, estimate, error, trust, choice, the range (below "ok") and
the codes.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings

import numpy as np
from scipy.stats import norm


def _network(x: np.ndarray, d_out: int, act, rng: np.random.Generator, width: int = 32) -> np.ndarray:
    h = x
    for d in (width, d_out):
        h = act(h @ (rng.standard_normal((h.shape[1], d)) / math.sqrt(h.shape[1])) + 0.1 * rng.standard_normal(d))
    return h


def deterministic_cases(ns: tuple[int, ...]) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    out = []
    for n in ns:
        rng = np.random.default_rng(n)
        x1, x3, x10 = rng.standard_normal((n, 1)), rng.standard_normal((n, 3)), rng.standard_normal((n, 10))
        relu = lambda v: np.maximum(v, 0.0)  # noqa: E731
        out += [
            (f"sin 3x, n={n}", x1, np.sin(3 * x1), math.inf),
            (f"x^2, n={n}", x1, x1 ** 2, math.inf),
            (f"(cos x, sin x), n={n}", x1, np.column_stack([np.cos(x1), np.sin(x1)]), math.inf),
            (f"tanh(XW) 3->2, n={n}", x3, np.tanh(x3 @ rng.standard_normal((3, 2))), math.inf),
            (f"tanh net 3->3, n={n}", x3, _network(x3, 3, np.tanh, rng), math.inf),
            (f"tanh net 10->5, n={n}", x10, _network(x10, 5, np.tanh, rng), math.inf),
            (f"relu net 10->8, n={n}", x10, _network(x10, 8, relu, rng), math.inf),
        ]
    return out


def direction_cases(dims: tuple[int, ...], n: int = 5000) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    from infolens.distributions.copulas import NoisyMap

    out = []
    maps = (("linear", lambda t: t, 0.5), ("tanh 2s", lambda t: np.tanh(2 * t), 0.2),
            ("s^2", lambda t: t ** 2, 0.5), ("sin 2s", lambda t: np.sin(2 * t), 0.3))
    for d in dims:
        rng = np.random.default_rng(d)
        x = rng.standard_normal((n, d))
        w = rng.standard_normal(d)
        s = x @ (w / np.linalg.norm(w))
        for name, g, noise in maps:
            truth = NoisyMap(lambda v, g=g: g(v[:, 0]), noise).mi  # the 1-D channel's MI, by quadrature
            out.append((f"{d}+1, y = {name} + {noise:g}e", x, g(s) + noise * rng.standard_normal(n), truth))
    return out


def sheet_cases(n: int = 5000) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    from infolens.distributions.channels import uniform_gauss

    out = []
    for dim, s in ((1, 0.001), (1, 0.01), (2, 0.01), (2, 0.03)):
        ch = uniform_gauss(dim, s)
        x, y = ch.sample(n, random_state=dim)
        out.append((f"{dim} coord, y = x + {s:g}e", x, y, ch.mi))
    return out


def series_cases(n: int = 3000) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    from scipy.signal import lfilter

    rng = np.random.default_rng(11)
    phi = 0.98

    def ar() -> np.ndarray:
        return lfilter([1.0], [1.0, -phi], rng.standard_normal(n)) * math.sqrt(1 - phi ** 2)

    x = ar()
    return [("AR(1) 0.98, y = x + 0.5e", x, x + 0.5 * ar(), 0.5 * math.log(1 + 1 / 0.25))]


def label_cases(n: int = 2000) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    rng = np.random.default_rng(7)
    x = rng.standard_normal(n)

    def h(p: np.ndarray) -> float:
        p = p[p > 0]
        return float(-(p * np.log(p)).sum())

    p4 = np.diff(norm.cdf([-np.inf, -1.0, 0.0, 1.0, np.inf]))
    return [("1{x > 0.5}", x, x > 0.5, h(np.array([norm.cdf(0.5), norm.sf(0.5)]))),
            ("sign x (strings)", x, np.where(x > 0, "pos", "neg"), math.log(2)),
            ("x cut at -1, 0, 1", x, np.digitize(x, [-1.0, 0.0, 1.0]), h(p4))]


def copy_cases(n: int = 3000) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    out = []
    for d in (2, 5):
        rng = np.random.default_rng(20 + d)
        x = rng.standard_normal((n, d))
        y = 0.8 * x + 0.6 * rng.standard_normal((n, d))
        idx = np.r_[np.arange(n), rng.integers(0, n, n // 2)]
        rng.shuffle(idx)
        out.append((f"{d}+{d} Gaussian, half copied", x[idx], y[idx], -d / 2 * math.log(1 - 0.64)))
        # the same copies up to their last digits: through float32 (2+2), jittered by 1e-6 (5+5)
        extra = rng.choice(n, n // 2, replace=False)
        xy = np.c_[x, y][extra]
        xy = xy.astype(np.float32).astype(np.float64) if d == 2 else xy * (1 + 1e-6 * rng.standard_normal(xy.shape))
        xc, yc = np.r_[x, xy[:, :d]], np.r_[y, xy[:, d:]]
        order = rng.permutation(len(xc))
        how = "through float32" if d == 2 else "jittered 1e-6"
        out.append((f"{d}+{d} Gaussian, half {how}", xc[order], yc[order], -d / 2 * math.log(1 - 0.64)))
    rng = np.random.default_rng(29)  # records in triples, each jittered in the fifth decimal, 3+3
    x = rng.standard_normal((n // 2, 3))
    y = 0.8 * x + 0.6 * rng.standard_normal((n // 2, 3))
    xy = np.vstack([np.c_[x, y] + 1e-5 * rng.standard_normal((n // 2, 6)) for _ in range(3)])
    out.append(("3+3 Gaussian, triples jittered", xy[:, :3], xy[:, 3:], -1.5 * math.log(1 - 0.64)))
    return out


def encoding_cases(n: int = 5000) -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    from scipy.special import logsumexp

    rng = np.random.default_rng(31)
    k = 10
    mu = np.linspace(-3.0, 3.0, k)
    c = rng.integers(0, k, n)
    grid = np.linspace(-10.0, 10.0, 20001)
    p = np.mean([norm.pdf(grid - m) for m in mu], axis=0)
    truth = float(-np.sum(p * np.log(p)) * (grid[1] - grid[0]) - 0.5 * math.log(2 * math.pi * math.e))
    out = [("one-hot 10 vs mu_c + e", np.eye(k)[c], mu[c] + rng.standard_normal(n), truth)]
    for k in (300, 1000):
        cent = rng.standard_normal((k, 2)) * 3
        yy = rng.integers(0, k, 20000)
        xx = cent[yy] + 0.5 * rng.standard_normal((20000, 2))
        ll = -((xx[:, None, :] - cent[None, :, :]) ** 2).sum(-1) / 0.5
        truth = math.log(k) + float(np.mean(ll[np.arange(len(yy)), yy] - logsumexp(ll, axis=1)))
        y = rng.integers(0, k, n)
        out.append((f"{k} classes as codes", cent[y] + 0.5 * rng.standard_normal((n, 2)), y, truth))
    return out


def embedding_cases() -> list[tuple[str, np.ndarray, np.ndarray, float]]:
    out = []
    for n in (2000, 10_000):
        rng = np.random.default_rng(n + 1)
        a = rng.standard_normal((5, 100))
        z = rng.standard_normal((n, 5))
        c = np.zeros((102, 102))
        c[:100, :100] = a.T @ a + 1e-4 * np.eye(100)
        c[:100, 100:], c[100:, :100], c[100:, 100:] = a[:2].T, a[:2], 1.25 * np.eye(2)
        sl = np.linalg.slogdet
        truth = 0.5 * (sl(c[:100, :100])[1] + sl(c[100:, 100:])[1] - sl(c)[1])
        out.append((f"rank-5 in 100 dims, n={n}", z @ a + 0.01 * rng.standard_normal((n, 100)),
                    z[:, :2] + 0.5 * rng.standard_normal((n, 2)), float(truth)))
    return out


def run(group: str, cases: list[tuple[str, np.ndarray, np.ndarray, float]]) -> list[dict]:
    from infolens import estimate_mi

    rows = []
    for name, x, y, truth in cases:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = estimate_mi(x, y, random_state=0, warn=False, verbose=False)
        d = r.diagnostics
        rows.append({"group": group, "case": name, "truth": truth, "mi": r.mi, "trust": d.get("trust"),
                     "choice": (d.get("choice") or {}).get("method"), "range": d.get("range"), "codes": r.codes(),
                     "seconds": time.perf_counter() - t0})
        row = rows[-1]
        err = "" if not math.isfinite(truth) else f"{100 * (r.mi - truth) / truth:+5.0f}%"
        rng = "" if row["range"] is None else f"{row['range'][0]:.2f}..{row['range'][1]:.2f}"
        print(f"{group:13s} {name:30s} {truth:7.3f} {r.mi:8.3f} {err:>6s} {row['trust']:10s} {row['choice']:16s} "
              f"{rng:>12s} {','.join(row['codes'])[:40]:40s} {row['seconds']:5.1f}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="n = 1000 maps and 100 columns only")
    args = p.parse_args(argv)
    print(f"{'group':13s} {'case':30s} {'truth':>7s} {'estimate':>8s} {'err':>6s} {'trust':10s} {'choice':16s} "
          f"{'range':>12s} {'codes':40s} {'s':>5s}")
    det = run("deterministic", deterministic_cases((1000,) if args.quick else (1000, 5000)))
    dirs = run("direction", direction_cases((100,) if args.quick else (100, 300)))
    sheets = run("thin sheet", sheet_cases())
    series = run("time series", series_cases())
    labs = run("label", label_cases())
    copies = run("copied rows", copy_cases())
    encs = run("encodings", encoding_cases())
    embs = run("embedding", embedding_cases())
    det_ok = sum(r["trust"] == "ok" for r in det)
    det_ill = sum("ill-posed" in r["codes"] for r in det)
    ok = [r for r in dirs + sheets if r["trust"] == "ok"]
    ok_off = sum(abs(r["mi"] - r["truth"]) > 0.1 * r["truth"] for r in ok)
    lab_good = sum(abs(r["mi"] - r["truth"]) <= 0.10 * r["truth"] and r["trust"] == "ok" for r in labs)
    print(f"\ndeterministic maps: {det_ill}/{len(det)} answered ill-posed, {det_ok} graded ok (goal 0)")
    print(f"one direction and thin sheets: {len(ok)} graded ok, {ok_off} of them more than 10% off (goal 0)")
    flagged = sum("serial-dependence" in r["codes"] for r in series)
    print(f"time series in time order: {flagged}/{len(series)} warned serial-dependence (goal all)")
    print(f"labels that are functions of x: {lab_good}/{len(labs)} graded ok and within 10% (goal all)")
    copy_good = sum(("repeated-rows" in r["codes"] or "near-copies" in r["codes"]) and r["trust"] != "ok"
                    and abs(r["mi"] - r["truth"]) <= 0.1 * r["truth"] for r in copies)
    print(f"copied records: {copy_good}/{len(copies)} warned, below ok and within 10% (goal all)")
    enc_ok = [r for r in encs if r["trust"] == "ok"]
    enc_off = sum(abs(r["mi"] - r["truth"]) > 0.1 * r["truth"] for r in enc_ok)
    enc_miss = sum(not (r["range"] and r["range"][0] <= r["truth"] <= r["range"][1]) for r in encs if r["trust"] != "ok")
    print(f"labels in other clothes: {len(enc_ok)} graded ok, {enc_off} of them more than 10% off; "
          f"{enc_miss} ranges below ok missing the truth (goal 0, 0)")
    emb_good = sum(r["trust"] == "ok" and abs(r["mi"] - r["truth"]) <= 0.1 * r["truth"] for r in embs)
    print(f"low-rank embedding: {emb_good}/{len(embs)} graded ok and within 10% (goal all)")
    goals = (det_ok == 0 and ok_off == 0 and lab_good == len(labs) and flagged == len(series)
             and copy_good == len(copies) and enc_off == 0 and enc_miss == 0 and emb_good == len(embs))
    return 0 if goals else 1


if __name__ == "__main__":
    sys.exit(main())
