"""CIFAR python-batch reader on small batch files written in the real format."""

import pickle

import numpy as np
import pytest

from empirical.data.cifar import CifarFormatError, load_cifar, write_batch


def _cifar10(tmp_path, n=4):
    d = tmp_path / "cifar-10-batches-py"
    d.mkdir()
    rng = np.random.default_rng(0)
    imgs = {}
    for f in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        x = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
        y = rng.integers(0, 10, n)
        write_batch(d / f, x, y)
        imgs[f] = (x, y)
    return d, imgs


def test_reads_cifar10_from_parent_and_folder(tmp_path):
    d, imgs = _cifar10(tmp_path)
    for root in (tmp_path, d):
        x, y = load_cifar(root, "cifar10", "train")
        assert x.shape == (20, 3, 32, 32) and x.dtype == np.uint8
        np.testing.assert_array_equal(x[:4], imgs["data_batch_1"][0])
        np.testing.assert_array_equal(y[4:8], imgs["data_batch_2"][1])
    xt, yt = load_cifar(tmp_path, "cifar10", "test")
    np.testing.assert_array_equal(xt, imgs["test_batch"][0])


def test_reads_cifar100(tmp_path):
    d = tmp_path / "cifar-100-python"
    d.mkdir()
    x = np.arange(2 * 3072, dtype=np.int64).reshape(2, 3, 32, 32) % 256
    write_batch(d / "train", x.astype(np.uint8), [3, 99], kind="cifar100")
    xx, yy = load_cifar(tmp_path, "cifar100", "train")
    assert yy.tolist() == [3, 99]
    # channel layout: the first 1024 bytes are the red plane, row-major
    assert xx[0, 0, 0, 1] == 1 and xx[0, 1, 0, 0] == 1024 % 256


@pytest.mark.parametrize("damage", ["missing", "truncated", "shape", "labels", "range", "notdir"])
def test_bad_input_names_the_option(tmp_path, damage):
    d, _ = _cifar10(tmp_path)
    f = d / "data_batch_3"
    root = tmp_path
    if damage == "missing":
        f.unlink()
    elif damage == "truncated":
        f.write_bytes(f.read_bytes()[:100])
    elif damage == "shape":
        with open(f, "wb") as fh:
            pickle.dump({b"data": np.zeros((4, 3000), np.uint8), b"labels": [0] * 4}, fh, protocol=2)
    elif damage == "labels":
        with open(f, "wb") as fh:
            pickle.dump({b"data": np.zeros((4, 3072), np.uint8), b"labels": [0] * 3}, fh, protocol=2)
    elif damage == "range":
        with open(f, "wb") as fh:
            pickle.dump({b"data": np.zeros((4, 3072), np.uint8), b"labels": [0, 1, 2, 10]}, fh, protocol=2)
    else:
        root = tmp_path / "nope"
    with pytest.raises(CifarFormatError, match="^--cifar-dir"):
        load_cifar(root, "cifar10", "train")


def test_cifar2_task_trains_and_attacks_end_to_end(tmp_path):
    """The CIFAR-2 path of ``gsv train margins --cifar-dir`` on a fixture: classes 0 and 7 kept
    and relabelled 0 / 1, pixels in [−1, 1], a (tiny) CNN trained and attacked."""
    pytest.importorskip("torch")
    from empirical import adversarial as adv

    d = tmp_path / "cifar-10-batches-py"
    d.mkdir()
    rng = np.random.default_rng(1)
    for f in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        write_batch(d / f, rng.integers(0, 256, (6, 3, 32, 32), dtype=np.uint8), [0, 7, 3, 0, 7, 9])
    task = adv.cifar_task(tmp_path, "cifar2")
    assert task["x_train"].shape == (20, 3, 32, 32) and task["y_train"].tolist() == [0, 1, 0, 1] * 5
    assert -1.0 <= float(task["x_train"].min()) and float(task["x_train"].max()) <= 1.0
    cfg, name = adv._config({"cifar_dir": str(tmp_path)})
    assert name == "cifar2" and cfg["in_shape"] == [3, 32, 32] and cfg["sd_coef"] == 0.1
    cfg = dict(cfg, seeds=[0, 1], epochs=1, batch=5, channels=[2, 2], hidden=4, n_test=4, n_bisect=2, pgd_steps=2)
    out = adv.run_cell({"method": "sd", "cfg": cfg, "task": "cifar2", "cifar_dir": str(tmp_path),
                        "mnist_dir": None}, "cpu")
    assert np.asarray(out["margin_linf"]).shape == (2, 4)
