"""Data loading and preprocessing speed: infolens against plain NumPy / Pillow code doing the
same work, in the same run.

Run: ``python benchmarks/bench_data.py`` (``--n 20000`` for more images).

Cases and targets:
- IDX read (Fashion-MNIST train images, gzipped; synthetic ones of the same shape when the
  Debian package is not installed): ``read_idx`` vs ``gzip.open().read()`` + ``np.frombuffer``.
  Target: ratio <= 1.2 (the header checks cost nothing).
- Resize n 28x28 images to 14x14 (Lanczos), first call, writing the ``.npy`` cache:
  ``resize_images(..., cache_dir=...)`` vs a Pillow loop into RAM. Target: ratio <= 1.3.
- The same call again (cache hit, memory-mapped, then summed so every byte is read).
  Target: ratio <= 0.1 (a second run does not redo the work).
- A folder of n/5 JPEGs of 178x218 (CelebA's aligned size) to 32x32, decoded lazily
  (``ImageFiles``) vs a Pillow open/convert/resize loop. Target: ratio <= 1.2.
Both sides must give identical arrays (max |diff| = 0). Times are the best of 5; the ratio
and its target use CPU time (this process), which a machine shared with other work
disturbs far less than wall time (both are printed).
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from infolens.data import Dataset, ImageFiles, find_mnist_like, read_idx, resize_images, write_idx


def best_time(fn, repeat: int = 5, setup=None):
    """(best wall seconds, best CPU seconds, result) over ``repeat`` runs; the two minima are
    taken separately (the least disturbed run of each clock)."""
    best, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        if setup is not None:
            setup()
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    return best, cpu, out


def ref_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as fh:
        data = fh.read()
    ndim = data[3]
    shape = tuple(int(v) for v in np.frombuffer(data[4:4 + 4 * ndim], dtype=">u4"))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def ref_resize(images, size: int) -> np.ndarray:
    out = np.empty((len(images), size, size), dtype=np.float32)
    for i, a in enumerate(images):
        out[i] = np.asarray(Image.fromarray(a).resize((size, size), Image.Resampling.LANCZOS), dtype=np.float32) / 255
    return out


def ref_files(paths, size: int) -> np.ndarray:
    out = np.empty((len(paths), size, size), dtype=np.float32)
    for i, p in enumerate(paths):
        with Image.open(p) as im:
            out[i] = np.asarray(im.convert("L").resize((size, size), Image.Resampling.LANCZOS), dtype=np.float32) / 255
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000, help="images in the resize case (the folder case uses n/5)")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-data-"))
    rows = []

    try:
        idx_path = find_mnist_like("fashion-mnist") / "train-images-idx3-ubyte.gz"
        source = "Fashion-MNIST"
    except FileNotFoundError:
        rng = np.random.default_rng(0)
        idx_path = write_idx(tmp / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (60000, 28, 28), dtype=np.uint8))
        source = "synthetic"
    t_o, c_o, a = best_time(lambda: read_idx(idx_path))
    t_r, c_r, b = best_time(lambda: ref_idx(idx_path))
    rows.append((f"IDX read, {source} 60000x28x28 gz", t_o, c_o, t_r, c_r, float(np.abs(a.astype(int) - b).max()), 1.2))

    imgs = np.ascontiguousarray(a[: args.n])
    ds = Dataset(imgs, np.zeros(len(imgs), dtype=np.int64), "bench", source=f"bench-{args.n}")
    cache = tmp / "cache"

    def clear():
        for p in cache.glob("*.npy"):
            p.unlink()

    t_o, c_o, x = best_time(lambda: np.asarray(resize_images(ds, 14, cache_dir=cache, verbose=False)), setup=clear)
    t_r, c_r, y = best_time(lambda: ref_resize(imgs, 14))
    rows.append((f"resize {args.n} 28->14, first (writes cache)", t_o, c_o, t_r, c_r, float(np.abs(x - y).max()), 1.3))
    t_o, c_o, s = best_time(lambda: float(np.asarray(resize_images(ds, 14, cache_dir=cache, verbose=False)).sum()))
    rows.append((f"resize {args.n} 28->14, cache hit", t_o, c_o, t_r, c_r, abs(s - float(y.sum())) / max(abs(s), 1), 0.1))

    n_files = max(args.n // 5, 10)
    folder = tmp / "jpg"
    folder.mkdir()
    rng = np.random.default_rng(1)
    paths = []
    for i in range(n_files):
        p = folder / f"{i:06d}.jpg"
        Image.fromarray(rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)).save(p, quality=90)
        paths.append(str(p))
    fds = Dataset(ImageFiles(paths), np.zeros(n_files, dtype=np.int64), "bench-jpg", source="bench-jpg")
    t_o, c_o, x = best_time(lambda: np.asarray(resize_images(fds, 32, verbose=False)))
    t_r, c_r, y = best_time(lambda: ref_files(paths, 32))
    rows.append((f"{n_files} JPEG 178x218 -> 32, lazy files", t_o, c_o, t_r, c_r, float(np.abs(x - y).max()), 1.2))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"data benchmark (load average {load:.1f}; best of 5; ratio = ours / reference CPU time)")
    print(f"{'case':<46}{'ours s':>8}{'ours cpu':>9}{'ref s':>8}{'ref cpu':>8}{'ratio':>7}{'target':>8}{'max|diff|':>10}  ok")
    failed = 0
    for name, t_o, c_o, t_r, c_r, diff, target in rows:
        ratio = c_o / c_r
        ok = ratio <= target and diff == 0
        failed += not ok
        print(f"{name:<46}{t_o:>8.3f}{c_o:>9.3f}{t_r:>8.3f}{c_r:>8.3f}{ratio:>7.2f}{'<=' + format(target, 'g'):>8}"
              f"{diff:>10.2g}  {'yes' if ok else 'NO'}")
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
