"""CelebA and image-folder loaders on small data written here in the real formats, and the
Pillow resize with its memory-mapped cache."""

import os

import numpy as np
import pytest
from PIL import Image

from infolens.data import (Dataset, cache_path, load_dataset, preprocess, read_attributes, relabel,
                           resize_images, resize_one, take, to_grayscale)

ATTRS = ["5_o_Clock_Shadow", "Male", "Smiling", "Young"]


def _celeba(root, n=12, partition=True, drop_rows=0):
    """A CelebA folder: JPEGs 20x16 whose gray level is 40 + 160 * Male, the attribute file
    (count line, names line, rows of -1/1) and the partition file (0/1/2)."""
    img_dir = root / "img_align_celeba"
    img_dir.mkdir(parents=True)
    rng = np.random.default_rng(1)
    male = rng.integers(0, 2, size=n)
    rows = []
    for i in range(n):
        name = f"{i + 1:06d}.jpg"
        level = 40 + 160 * male[i]
        Image.fromarray(np.full((20, 16, 3), level, dtype=np.uint8)).save(img_dir / name, quality=95)
        vals = [rng.choice([-1, 1]), 1 if male[i] else -1, rng.choice([-1, 1]), 1]
        rows.append(name + " " + " ".join(f"{v:2d}" for v in vals))
    text = f"{n}\n" + " ".join(ATTRS) + " \n" + "\n".join(rows[: n - drop_rows]) + "\n"
    (root / "list_attr_celeba.txt").write_text(text)
    if partition:
        part = [f"{i + 1:06d}.jpg {0 if i < n // 2 else (1 if i < 3 * n // 4 else 2)}" for i in range(n)]
        (root / "list_eval_partition.txt").write_text("\n".join(part) + "\n")
    return male


def test_celeba_attribute_file_parses_and_labels_follow_file_names(tmp_path):
    male = _celeba(tmp_path)
    names, attrs, values = read_attributes(tmp_path / "list_attr_celeba.txt")
    assert attrs == ATTRS and len(names) == 12 and set(np.unique(values)) <= {-1, 1}
    ds = load_dataset("celeba", data_dir=tmp_path, split="all", label="Male")
    np.testing.assert_array_equal(ds.labels, male)
    assert ds.label_names == ["not Male", "Male"]
    small = resize_images(ds, 4, verbose=False)
    # grey level 40 (label 0) or 200 (label 1), kept within JPEG error (a few levels of 255)
    np.testing.assert_allclose(small.mean(axis=(1, 2)), (40 + 160 * male) / 255, atol=0.02)
    train = load_dataset("celeba", data_dir=tmp_path, split="train", label="Male")
    assert len(train) == 6
    np.testing.assert_array_equal(train.labels, male[:6])
    assert len(load_dataset("celeba", data_dir=tmp_path, split="test", label="Young")) == 3


def test_celeba_missing_image_is_named_or_skipped_with_its_label(tmp_path):
    male = _celeba(tmp_path)
    os.remove(tmp_path / "img_align_celeba" / "000003.jpg")
    with pytest.raises(ValueError, match="000003.jpg"):
        load_dataset("celeba", data_dir=tmp_path, split="all")
    ds = load_dataset("celeba", data_dir=tmp_path, split="all", skip_bad=True)
    assert len(ds) == 11 and len(ds.meta["skipped"]) == 1
    np.testing.assert_array_equal(ds.labels, np.delete(male, 2))


def test_celeba_corrupt_image_is_named_or_skipped_with_its_label(tmp_path):
    male = _celeba(tmp_path)
    (tmp_path / "img_align_celeba" / "000005.jpg").write_bytes(b"\xff\xd8 this is not a jpeg")
    ds = load_dataset("celeba", data_dir=tmp_path, split="all")
    with pytest.raises(ValueError, match="000005.jpg"):
        resize_images(ds, 3, cache_dir=tmp_path / "cache", verbose=False)
    assert not list((tmp_path / "cache").glob("*.npy"))  # nothing half-written
    out = preprocess(ds, 3, cache_dir=tmp_path / "cache", skip_bad=True, verbose=False)
    assert len(out) == 11 and out.images.shape == (11, 3, 3)
    assert out.meta["skipped"][0].endswith("000005.jpg")
    np.testing.assert_array_equal(out.labels, np.delete(male, 4))
    np.testing.assert_allclose(out.images.mean(axis=(1, 2)), (40 + 160 * np.delete(male, 4)) / 255, atol=0.02)
    again = preprocess(ds, 3, cache_dir=tmp_path / "cache", skip_bad=True, verbose=False)  # from the cache
    np.testing.assert_array_equal(again.labels, out.labels)
    np.testing.assert_array_equal(np.asarray(again.images), np.asarray(out.images))


def test_celeba_misaligned_files_are_errors(tmp_path):
    _celeba(tmp_path / "a", drop_rows=1)  # header says 12, 11 rows follow
    with pytest.raises(ValueError, match="header says 12 images but 11 rows"):
        load_dataset("celeba", data_dir=tmp_path / "a", split="all")
    _celeba(tmp_path / "b")
    part = tmp_path / "b" / "list_eval_partition.txt"
    part.write_text("\n".join(part.read_text().splitlines()[:-2]) + "\n")
    with pytest.raises(ValueError, match="no partition"):
        load_dataset("celeba", data_dir=tmp_path / "b", split="train")
    with pytest.raises(ValueError, match="not a CelebA attribute"):
        load_dataset("celeba", data_dir=tmp_path / "b", split="all", label="Hat")
    _celeba(tmp_path / "c", partition=False)
    with pytest.raises(FileNotFoundError, match="list_eval_partition"):
        load_dataset("celeba", data_dir=tmp_path / "c", split="train")


def test_image_folder_with_csv_and_with_subfolders(tmp_path):
    root = tmp_path / "imgs"
    root.mkdir()
    labels = ["cat", "dog", "cat", "dog", "dog"]
    for i, lab in enumerate(labels):
        Image.fromarray(np.full((6, 6), 50 if lab == "cat" else 150, np.uint8)).save(root / f"im{i}.png")
    (root / "labels.csv").write_text("filename,label\n" + "".join(f"im{i}.png,{lab}\n" for i, lab in enumerate(labels)))
    ds = load_dataset("folder", data_dir=root, split="all")
    assert ds.label_names == ["cat", "dog"]
    np.testing.assert_array_equal(ds.labels, [0, 1, 0, 1, 1])
    # PNG is lossless: the resized constant images keep their exact grey level
    np.testing.assert_allclose(resize_images(ds, 2, verbose=False)[:, 0, 0], np.where(ds.labels, 150, 50) / 255, atol=1e-6)
    os.remove(root / "im1.png")
    with pytest.raises(ValueError, match="im1.png"):
        load_dataset("folder", data_dir=root)
    ds2 = load_dataset("folder", data_dir=root, skip_bad=True)
    np.testing.assert_array_equal(ds2.labels, [0, 0, 1, 1])
    sub = tmp_path / "classes"
    for c, level in (("a", 10), ("b", 240)):
        (sub / c).mkdir(parents=True)
        for j in range(3):
            Image.fromarray(np.full((5, 5), level, np.uint8)).save(sub / c / f"{j}.png")
    ds3 = load_dataset("folder", data_dir=sub)
    assert ds3.label_names == ["a", "b"] and ds3.labels.tolist() == [0, 0, 0, 1, 1, 1]


def test_resize_box_filter_is_block_mean_and_constant_stays_constant():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(8, 8), dtype=np.uint8)
    out = resize_one(img, 4, filter="box")
    ref = img.reshape(4, 2, 4, 2).mean(axis=(1, 3)) / 255
    # Pillow averages in 8-bit fixed point and rounds to uint8: at most one grey level off
    np.testing.assert_allclose(out, ref, atol=1.0 / 255 + 1e-7)
    const = np.full((30, 20), 77, np.uint8)
    for f in ("antialias", "bilinear", "nearest", "bicubic"):
        np.testing.assert_allclose(resize_one(const, 7, filter=f), 77 / 255, atol=1e-6)
    with pytest.raises(ValueError, match="filter must be one of"):
        resize_one(img, 4, filter="sinc")


def test_grayscale_uses_itu_601_luma():
    rgb = np.zeros((1, 2, 2, 3), np.uint8)
    rgb[..., 0] = 200
    # L = 0.299 R (+ 0 + 0): Pillow's integer arithmetic gives round(59.8) = 60 (+-1)
    assert abs(int(to_grayscale(rgb)[0, 0, 0]) - 60) <= 1


def test_cache_is_reused_keyed_by_filter_and_memory_mapped(tmp_path):
    rng = np.random.default_rng(2)
    ds = Dataset(rng.integers(0, 256, size=(20, 12, 12), dtype=np.uint8), np.arange(20) % 2, "rand", source="rand-v1")
    a = resize_images(ds, 5, cache_dir=tmp_path, verbose=False)
    p = cache_path(ds, 5, "antialias", tmp_path)
    assert isinstance(a, np.memmap) and p.is_file()
    mtime = p.stat().st_mtime_ns
    b = resize_images(ds, 5, cache_dir=tmp_path, verbose=False)
    assert p.stat().st_mtime_ns == mtime  # read back, not recomputed
    np.testing.assert_array_equal(a, b)
    c = resize_images(ds, 5, filter="nearest", cache_dir=tmp_path, verbose=False)
    assert cache_path(ds, 5, "nearest", tmp_path) != p and not np.allclose(a, c)
    sub = take(ds, 10, random_state=0)
    assert cache_path(sub, 5, "antialias", tmp_path) != p  # subsets never share a cache entry
    with pytest.raises(ValueError, match="size must be a positive integer"):
        resize_images(ds, 0)


def test_digits_builtin_splits_and_limits():
    full = load_dataset("digits", split="all")
    assert full.images.shape == (1797, 8, 8) and full.images.dtype == np.uint8 and full.images.max() == 255
    tr, te = load_dataset("digits", split="train"), load_dataset("digits", split="test")
    assert len(tr) + len(te) == 1797 and len(te) == 449
    a = load_dataset("digits", split="all", limit=100, random_state=3)
    b = load_dataset("digits", split="all", limit=100, random_state=3)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert len(a) == 100
    even = relabel(full, "even")
    assert even.labels.sum() == np.isin(full.labels, [0, 2, 4, 6, 8]).sum()
    with pytest.raises(ValueError, match="unknown data set"):
        load_dataset("imagenet")
    with pytest.raises(ValueError, match="limit must be"):
        load_dataset("digits", limit=-1)


def test_npz_dataset(tmp_path):
    imgs = np.random.default_rng(0).random((6, 4, 4)).astype(np.float32)
    np.savez(tmp_path / "toy.npz", images=imgs, labels=np.array([0, 1, 0, 1, 1, 0]))
    ds = load_dataset(str(tmp_path / "toy.npz"))
    assert ds.images.dtype == np.uint8 and len(ds) == 6
    np.testing.assert_allclose(ds.images / 255, imgs, atol=0.5 / 255 + 1e-7)
