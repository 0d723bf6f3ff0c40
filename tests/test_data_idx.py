"""IDX reader/writer and the MNIST-like loader, on small files written here in the real format."""

import gzip
import struct

import numpy as np
import pytest

from infolens.data import find_mnist_like, load_dataset, read_idx, write_idx


def _write_raw_idx(path, arr, compress):
    """An IDX file written independently of write_idx (struct, big-endian), as LeCun's spec says."""
    header = struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    data = header + arr.astype(np.uint8).tobytes()
    if compress:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_matches_the_written_bytes(tmp_path, compress):
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    p = tmp_path / ("a.idx.gz" if compress else "a.idx")
    _write_raw_idx(p, arr, compress)
    out = read_idx(p)
    assert out.shape == (7, 5, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32, np.float32, np.float64])
def test_write_then_read_roundtrip_every_type(tmp_path, dtype):
    arr = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype) if dtype != np.uint8 else np.arange(24, dtype=np.uint8)
    p = write_idx(tmp_path / "x.gz", arr)
    with open(p, "rb") as fh:
        assert fh.read(2) == b"\x1f\x8b"  # gzip magic: .gz names are compressed
    np.testing.assert_array_equal(read_idx(p), arr)


def test_bad_header_truncated_body_and_missing_file(tmp_path):
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x03abc")
    with pytest.raises(ValueError, match="bad header"):
        read_idx(bad)
    trunc = tmp_path / "trunc.idx"
    trunc.write_bytes(struct.pack(">BBBBI", 0, 0, 8, 1, 10) + b"abc")
    with pytest.raises(ValueError, match="truncated"):
        read_idx(trunc)
    with pytest.raises(FileNotFoundError, match="nope.idx"):
        read_idx(tmp_path / "nope.idx")


def _fake_mnist(folder, n_train=12, n_test=6, compress=True, label_shift=0):
    """Images whose mean intensity encodes the label (20 * label), so alignment is checkable."""
    folder.mkdir(parents=True, exist_ok=True)
    sfx = ".gz" if compress else ""
    for split, n in (("train", n_train), ("t10k", n_test)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        images = np.repeat((labels * 20)[:, None, None], 28 * 28, axis=1).reshape(n, 28, 28).astype(np.uint8)
        _write_raw_idx(folder / f"{split}-images-idx3-ubyte{sfx}", images, compress)
        _write_raw_idx(folder / f"{split}-labels-idx1-ubyte{sfx}", labels[: n - label_shift], compress)
    return folder


@pytest.mark.parametrize("compress", [True, False])
def test_load_mnist_like_from_data_dir_keeps_alignment(tmp_path, compress):
    folder = _fake_mnist(tmp_path / "fm", compress=compress)
    assert find_mnist_like("fashion-mnist", folder) == folder
    ds = load_dataset("fashion-mnist", data_dir=folder, split="all")
    assert len(ds) == 18 and ds.images.shape == (18, 28, 28)
    np.testing.assert_array_equal(ds.images[:, 0, 0], ds.labels * 20)
    assert ds.label_names[0] == "T-shirt/top"
    test = load_dataset("fashion-mnist", data_dir=folder, split="test")
    assert len(test) == 6


def test_label_file_shorter_than_image_file_is_an_error(tmp_path):
    folder = _fake_mnist(tmp_path / "fm", label_shift=1)
    with pytest.raises(ValueError, match="11 labels"):
        load_dataset("mnist", data_dir=folder, split="train")


def test_missing_folder_says_how_to_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_dir"):
        load_dataset("fashion-mnist", data_dir=tmp_path / "empty")


def test_binary_label_specs_count_the_right_classes(tmp_path):
    folder = _fake_mnist(tmp_path / "fm", n_train=40, n_test=10)
    ds = load_dataset("fashion-mnist", data_dir=folder, split="train")
    counts = np.bincount(ds.labels, minlength=10)
    top = load_dataset("fashion-mnist", data_dir=folder, label="top/bottom")
    # top = {0, 2, 4, 6} -> 1, bottom = {1} -> 0; the other classes are dropped
    assert top.label_names == ["bottom", "top"]
    assert int(top.labels.sum()) == counts[[0, 2, 4, 6]].sum()
    assert len(top) == counts[[0, 2, 4, 6, 1]].sum()
    # alignment survives the relabel: intensity 20*original class
    orig = top.images[:, 0, 0] // 20
    np.testing.assert_array_equal(top.labels, np.isin(orig, [0, 2, 4, 6]).astype(int))
    rest = load_dataset("fashion-mnist", data_dir=folder, label="Trouser")
    assert len(rest) == 40 and rest.labels.sum() == counts[1]
    with pytest.raises(ValueError, match="neither a class nor a group"):
        load_dataset("fashion-mnist", data_dir=folder, label="hats/top")
    with pytest.raises(ValueError, match="both sides"):
        load_dataset("fashion-mnist", data_dir=folder, label="top/Shirt")


def test_installed_fashion_mnist_if_present():
    try:
        folder = find_mnist_like("fashion-mnist")
    except FileNotFoundError:
        pytest.skip("dataset-fashion-mnist is not installed")
    ds = load_dataset("fashion-mnist", split="test")
    # the published test split: 10,000 images of 28x28, 1,000 per class
    assert ds.images.shape == (10000, 28, 28)
    assert np.bincount(ds.labels).tolist() == [1000] * 10
    assert folder.is_dir()


def test_finder_uses_the_folder_dpkg_lists(tmp_path, monkeypatch):
    """``dpkg -L dataset-fashion-mnist`` output (faked here) names the files; the finder
    returns their folder and the loader reads them from there."""
    import subprocess

    import infolens.data.idx as idx_mod

    folder = _fake_mnist(tmp_path / "usr" / "share" / "datasets" / "fashion-mnist")
    listing = "/.\n/usr\n" + "".join(f"{p}\n" for p in sorted(folder.iterdir()))

    def fake_run(cmd, **kw):
        assert cmd == ["dpkg", "-L", "dataset-fashion-mnist"]
        return subprocess.CompletedProcess(cmd, 0, stdout=listing, stderr="")

    monkeypatch.setattr(idx_mod.shutil, "which", lambda name: "/usr/bin/dpkg")
    monkeypatch.setattr(idx_mod.subprocess, "run", fake_run)
    assert find_mnist_like("fashion-mnist") == folder
    ds = load_dataset("fashion-mnist", split="test")
    assert len(ds) == 6 and ds.images.shape[1:] == (28, 28)
    np.testing.assert_array_equal(ds.images[:, 0, 0], ds.labels * 20)
