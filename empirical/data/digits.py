"""Grayscale digit images for the Colored-MNIST protocol of §4.3 / App. B.4.

* ``"digits"``: scikit-learn's bundled 8×8 digits (a stand-in that needs no download;
  conclusions drawn on it say so).
* ``"mnist"``: the MNIST training IDX files in a user-given folder (:mod:`empirical.data.mnist_idx`).
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATASETS = ("digits", "mnist")


@dataclass(frozen=True)
class Source:
    """Grayscale images in [0, 1] and their digit classes, before the protocol is applied.

    Attributes:
        images: [N, P] float64, pixel values in [0, 1], P = h·w.
        digits: [N] int, digit classes 0–9.
        name: ``"digits"`` or ``"mnist"``.
        hw: (h, w) image shape (8×8 for digits, 14×14 for downsampled MNIST).
    """

    images: np.ndarray
    digits: np.ndarray
    name: str
    hw: tuple[int, int]


def bundled_digits_file() -> Path | None:
    """scikit-learn's bundled ``datasets/data/digits.csv.gz`` (64 pixel columns and the class,
    1,797 rows), found without importing scikit-learn; None where this install has no such file."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
    return path if path.is_file() else None


def _bundled_digits() -> tuple[np.ndarray, np.ndarray]:
    """(pixels [1797, 64] float64 in 0–16, classes [1797]) as ``sklearn.datasets.load_digits``
    returns them (``data``, ``target``), bitwise (tests/test_colored_digits.py).

    The file is read as ``load_digits`` reads it (gzip text, ``np.loadtxt`` with commas), because
    importing ``sklearn.datasets`` costs about 1.2 CPU-seconds per process (it imports
    ``scipy.stats`` and more) for a 60 kB table. ``load_digits`` itself is the fallback where
    the file is not where this scikit-learn keeps it.
    """
    path = bundled_digits_file()
    if path is None:
        from sklearn.datasets import load_digits

        d = load_digits()
        return d.data, d.target
    with gzip.open(path, mode="rt", encoding="utf-8") as f:
        raw = np.loadtxt(f, delimiter=",")
    return raw[:, :-1], raw[:, -1].astype(int, copy=False)


def load_source(dataset: str = "digits", mnist_dir: str | Path | None = None) -> Source:
    """The raw images of the protocol.

    * ``"digits"``: scikit-learn's bundled 8×8 digits (1,797 images, values 0–16 → /16).
    * ``"mnist"``: the MNIST *training* IDX file in ``mnist_dir`` (60,000 images), /255, then
      2×2 average pooling to 14×14 as the paper ("14×14 downsampled MNIST"). The authors'
      released code (inherited from the IRM code) subsamples by taking every second pixel
      instead; averaging keeps every pixel's ink and is what this project specifies.

    Raises:
        ValueError: unknown ``dataset``, ``mnist_dir`` missing for MNIST, odd image sides, or an
            IDX format error.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {DATASETS}; got {dataset!r}")
    if dataset == "digits":
        flat, target = _bundled_digits()
        return Source(flat / 16.0, target.astype(int), "digits", (8, 8))
    if mnist_dir is None:
        raise ValueError("mnist_dir is required for dataset 'mnist' (a folder with the MNIST IDX files)")
    from empirical.data.mnist_idx import load_mnist

    imgs, labels = load_mnist(mnist_dir, "train")
    n, h, w = imgs.shape
    if h % 2 or w % 2:
        raise ValueError(f"mnist_dir: images must have even sides for 2x2 pooling; got {h}x{w}")
    pooled = (imgs.astype(np.float64) / 255.0).reshape(n, h // 2, 2, w // 2, 2).mean((2, 4))
    return Source(pooled.reshape(n, -1), labels.astype(int), "mnist", (h // 2, w // 2))
