"""Grayscale digit images for the Colored-MNIST protocol of §4.3 / App. B.4.

* ``"digits"``: scikit-learn's bundled 8×8 digits (a stand-in that needs no download;
  conclusions drawn on it say so).
* ``"mnist"``: the MNIST training IDX files in a user-given folder (:mod:`empirical.data.mnist_idx`).
"""

from __future__ import annotations

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
        from sklearn.datasets import load_digits

        d = load_digits()
        return Source(d.images.reshape(len(d.images), -1) / 16.0, d.target.astype(int), "digits", (8, 8))
    if mnist_dir is None:
        raise ValueError("mnist_dir is required for dataset 'mnist' (a folder with the MNIST IDX files)")
    from empirical.data.mnist_idx import load_mnist

    imgs, labels = load_mnist(mnist_dir, "train")
    n, h, w = imgs.shape
    if h % 2 or w % 2:
        raise ValueError(f"mnist_dir: images must have even sides for 2x2 pooling; got {h}x{w}")
    pooled = (imgs.astype(np.float64) / 255.0).reshape(n, h // 2, 2, w // 2, 2).mean((2, 4))
    return Source(pooled.reshape(n, -1), labels.astype(int), "mnist", (h // 2, w // 2))
