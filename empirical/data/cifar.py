"""Reader for the CIFAR-10 / CIFAR-100 "python version" batches (a user's local copy; ``--cifar-dir``).

Format (Krizhevsky 2009, "Learning multiple layers of features from tiny images", and the data
set's web page): each batch file is a Python pickle (protocol 2, written by Python 2, so keys are
bytes) of a dict with

* ``b"data"``: uint8 array [n, 3072] — 1024 red, then 1024 green, then 1024 blue values of a
  32×32 image, row-major;
* CIFAR-10: ``b"labels"``: n ints in 0–9; files ``data_batch_1`` … ``data_batch_5`` (10,000
  each) and ``test_batch`` (10,000), in folder ``cifar-10-batches-py``;
* CIFAR-100: ``b"fine_labels"`` (0–99) and ``b"coarse_labels"`` (0–19); files ``train``
  (50,000) and ``test`` (10,000), in folder ``cifar-100-python``.

:func:`load_cifar` accepts either the data-set folder itself or its parent. Every problem — a
missing folder or file, a file that is not a readable pickle (truncated), a missing key, a data
array that is not [n, 3072] uint8, a label count or range that does not match — raises
:class:`CifarFormatError` (a ``ValueError``) whose message starts with ``--cifar-dir`` and names the
file.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

KINDS = {"cifar10": ("cifar-10-batches-py", b"labels", 10,
                     {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}),
         "cifar100": ("cifar-100-python", b"fine_labels", 100, {"train": ["train"], "test": ["test"]})}
PIXELS = 3 * 32 * 32


class CifarFormatError(ValueError):
    """A CIFAR folder or batch file that does not match the format (module docstring)."""


def _folder(root: Path, kind: str) -> Path:
    sub = KINDS[kind][0]
    if not root.is_dir():
        raise CifarFormatError(f"--cifar-dir: {str(root)!r} is not a folder")
    if (root / sub).is_dir():
        return root / sub
    return root


def read_batch(path: Path, label_key: bytes, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """One batch file → images [n, 3, 32, 32] uint8, labels [n] int64 (checked)."""
    if not path.is_file():
        raise CifarFormatError(f"--cifar-dir: missing file {path}")
    try:
        with open(path, "rb") as fh:
            d = pickle.load(fh, encoding="bytes")
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError,
            IndexError, KeyError) as exc:
        raise CifarFormatError(f"--cifar-dir: {path} is not a readable CIFAR batch (truncated or not a "
                               f"pickle: {type(exc).__name__})") from None
    if not isinstance(d, dict) or b"data" not in d or label_key not in d:
        raise CifarFormatError(f"--cifar-dir: {path} lacks the keys b'data' and {label_key!r}")
    x = np.asarray(d[b"data"])
    if x.dtype != np.uint8 or x.ndim != 2 or x.shape[1] != PIXELS:
        raise CifarFormatError(f"--cifar-dir: {path}: data must be uint8 [n, {PIXELS}] (3x32x32 images); "
                               f"got {x.dtype} {list(x.shape)}")
    y = np.asarray(d[label_key], dtype=np.int64)
    if y.shape != (x.shape[0],):
        raise CifarFormatError(f"--cifar-dir: {path}: {y.size} labels for {x.shape[0]} images")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise CifarFormatError(f"--cifar-dir: {path}: labels must lie in 0..{n_classes - 1}")
    return x.reshape(-1, 3, 32, 32), y


def load_cifar(root: str | Path, kind: str = "cifar10", split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """All batches of one split: images [n, 3, 32, 32] uint8 and labels [n] (module docstring)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {tuple(KINDS)}; got {kind!r}")
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    folder = _folder(Path(root), kind)
    _, key, n_classes, files = KINDS[kind]
    parts = [read_batch(folder / f, key, n_classes) for f in files[split]]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def write_batch(path: str | Path, images: np.ndarray, labels: np.ndarray, kind: str = "cifar10") -> None:
    """Write one batch file in the real format (for test fixtures): images [n, 3, 32, 32] uint8."""
    key = KINDS[kind][1]
    d = {b"data": np.asarray(images, np.uint8).reshape(len(images), -1), key: [int(v) for v in labels],
         b"batch_label": b"fixture"}
    if kind == "cifar100":
        d[b"coarse_labels"] = [int(v) // 5 for v in labels]
    with open(path, "wb") as fh:
        pickle.dump(d, fh, protocol=2)


#: The paper's CIFAR configurations as the authors' released code sets them (gradientstarvation/GS):
#: CIFAR-2 (Fig. 2, ``Figure_2/main.py``): classes 0 (plane) and 7 (horse), pixels normalised to
#: [−1, 1], SGD lr 1e-3, momentum 0.9, batch 50, 40 epochs, seed 1, loss mean CE + sd_coef·Σ ŷ²
#: (sd_coef 0 and 0.1), L∞ PGD margins in the box [−1, 1]. CIFAR-10 / CIFAR-100 (Table 1,
#: ``table_1/run_*.sh``): VGG (CIFAR-10) / pre-activation ResNet (CIFAR-100), SD 0.01 / 0.05 per
#: Table 1, PGD ε = 0.05; the training script itself (``table_1/main.py``) is not in the public
#: repository, so epochs and learning rate of those rows are not known from the code.
CONFIGS = {
    "cifar2": {"kind": "cifar10", "classes": [0, 7], "epochs": 40, "batch": 50, "lr": 1e-3, "momentum": 0.9,
               "sd_coef": 0.1, "seed": 1},
    "cifar10": {"kind": "cifar10", "classes": None, "arch": "vgg (released); App. B.3 CNN here", "sd_coef": 0.01,
                "eps_pgd": 0.05},
    "cifar100": {"kind": "cifar100", "classes": None, "arch": "resnet_preact (released); App. B.3 CNN here",
                 "sd_coef": 0.05, "eps_pgd": 0.05},
}
