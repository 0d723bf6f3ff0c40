"""STL-10 binary loader on small files written here in the real format: uint8 images stored
column-major as 3 x 96 x 96, labels 1..10 in a separate file."""

import numpy as np
import pytest

from infolens.data import load_dataset, resize_images
from infolens.data.stl10 import CLASS_NAMES, load_stl10


def _write_split(folder, split, images, labels=None):
    """Write ``images`` (n, 96, 96, 3) the way STL-10 stores them: for each image the red plane,
    then green, then blue, each plane column by column (Fortran order)."""
    with open(folder / f"{split}_X.bin", "wb") as fh:
        for im in images:
            for c in range(3):
                fh.write(np.asfortranarray(im[:, :, c]).tobytes(order="F"))
    if labels is not None:
        np.asarray(labels, dtype=np.uint8).tofile(folder / f"{split}_y.bin")


@pytest.fixture
def stl_dir(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "stl10_binary"
    folder.mkdir()
    train = rng.integers(0, 256, size=(5, 96, 96, 3), dtype=np.uint8)
    # one image with a pattern that is not symmetric: row index in red, column index in green
    rr, cc = np.meshgrid(np.arange(96), np.arange(96), indexing="ij")
    train[0, :, :, 0] = rr
    train[0, :, :, 1] = cc
    train[0, :, :, 2] = 7
    test = rng.integers(0, 256, size=(3, 96, 96, 3), dtype=np.uint8)
    _write_split(folder, "train", train, [1, 2, 3, 10, 5])
    _write_split(folder, "test", test, [4, 4, 9])
    _write_split(folder, "unlabeled", test[:2])
    (folder / "class_names.txt").write_text("\n".join(CLASS_NAMES) + "\n")
    return tmp_path, train, test


def test_reads_images_in_row_column_channel_order(stl_dir):
    root, train, _ = stl_dir
    ds = load_stl10(root / "stl10_binary", "train")
    assert ds.images.shape == (5, 96, 96, 3) and ds.images.dtype == np.uint8
    np.testing.assert_array_equal(ds.images, train)
    assert ds.images[0, 10, 3, 0] == 10 and ds.images[0, 10, 3, 1] == 3   # row 10, column 3
    assert ds.labels.tolist() == [0, 1, 2, 9, 4]                          # file labels 1..10 -> 0..9
    assert ds.label_names == CLASS_NAMES


def test_parent_folder_limit_and_splits(stl_dir):
    root, train, test = stl_dir
    ds = load_stl10(root, "train", limit=2)                               # finds stl10_binary/ inside
    np.testing.assert_array_equal(ds.images, train[:2])
    assert ds.labels.tolist() == [0, 1]
    both = load_stl10(root, "all")
    np.testing.assert_array_equal(both.images, np.concatenate([train, test]))
    assert both.labels.tolist() == [0, 1, 2, 9, 4, 3, 3, 8]
    unl = load_stl10(root, "unlabeled")
    assert len(unl) == 2 and (unl.labels == -1).all()


def test_default_folder_from_environment(stl_dir, monkeypatch):
    root, train, _ = stl_dir
    (root / "stl10_binary").rename(root / "stl10")
    monkeypatch.setenv("INFOLENS_DATA", str(root))
    np.testing.assert_array_equal(load_stl10(None, "train", limit=1).images, train[:1])


def test_through_load_dataset_and_grayscale_resize(stl_dir):
    root, train, _ = stl_dir
    ds = load_dataset("stl10", data_dir=root, split="test")
    assert len(ds) == 3 and ds.labels.tolist() == [3, 3, 8]
    g = resize_images(load_stl10(root, "train", limit=1), 96, verbose=False)
    # ITU-R 601 luma of the pattern image: 0.299 row + 0.587 column + 0.114 * 7 (Pillow rounds to uint8)
    expect = 0.299 * np.arange(96)[:, None] + 0.587 * np.arange(96)[None, :] + 0.114 * 7
    assert g.shape == (1, 96, 96)
    np.testing.assert_allclose(g[0] * 255, expect, atol=1.0)


def test_bad_files_give_clear_errors(stl_dir, tmp_path):
    root, _, _ = stl_dir
    folder = root / "stl10_binary"
    with pytest.raises(ValueError, match="split"):
        load_stl10(folder, "validation")
    with pytest.raises(ValueError, match="limit"):
        load_stl10(folder, "train", limit=0)
    with pytest.raises(FileNotFoundError, match="stl10_binary"):
        load_stl10(tmp_path / "nowhere")
    with pytest.raises(TypeError, match="data_dir"):
        load_stl10(3)
    # truncated image file
    with open(folder / "test_X.bin", "ab") as fh:
        fh.write(b"\x00" * 100)
    with pytest.raises(ValueError, match="not a whole number"):
        load_stl10(folder, "test")
    # labels that do not belong to the images
    np.array([1, 2], dtype=np.uint8).tofile(folder / "train_y.bin")
    with pytest.raises(ValueError, match="do not belong together"):
        load_stl10(folder, "train")
    np.array([0, 1, 2, 3, 11], dtype=np.uint8).tofile(folder / "train_y.bin")
    with pytest.raises(ValueError, match="outside 1..10"):
        load_stl10(folder, "train")
