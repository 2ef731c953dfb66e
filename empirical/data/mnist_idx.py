"""Reader for the standard MNIST IDX files (numpy only; used by ``gsv train colored-digits --mnist-dir``).

The IDX format (LeCun, Cortes & Burges, "THE MNIST DATABASE", file-format section):

* bytes 0–1: zero; byte 2: element type code (0x08 unsigned byte, 0x09 signed byte,
  0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64); byte 3: number of dimensions k;
* k big-endian uint32 sizes;
* the data, big-endian, row-major (C order), exactly prod(sizes) elements.

MNIST's image files have magic 0x00000803 (ubyte, 3 dims: n, 28, 28) and its label files
0x00000801 (ubyte, 1 dim: n). The standard file names are ``train-images-idx3-ubyte``,
``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each
optionally gzipped (``.gz``), as distributed. Every structural problem (wrong magic, wrong
number of dimensions, truncated or over-long data, labels outside 0–9, image/label count
mismatch) raises :class:`IdxFormatError` (a ``ValueError``) naming the file.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

#: IDX element-type code → big-endian numpy dtype.
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IMAGES_MAGIC = 0x00000803   # ubyte, 3 dimensions
LABELS_MAGIC = 0x00000801   # ubyte, 1 dimension
SPLITS = ("train", "t10k")


class IdxFormatError(ValueError):
    """An IDX file whose header or length does not match the format (module docstring)."""


def _read_bytes(path: Path) -> bytes:
    if path.suffix == ".gz":
        try:
            return gzip.decompress(path.read_bytes())
        except (OSError, EOFError) as exc:   # BadGzipFile is an OSError
            raise IdxFormatError(f"{path}: not a readable gzip file ({exc})") from None
    return path.read_bytes()


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode one IDX blob (module docstring) into an array in native byte order.

    Args:
        data: The whole file content (already decompressed).
        name: Used in error messages.

    Returns:
        Array of the shape given in the header.

    Raises:
        IdxFormatError: Bad magic, unknown type code, or data length ≠ prod(sizes)·itemsize.
    """
    if len(data) < 4:
        raise IdxFormatError(f"{name}: {len(data)} bytes, shorter than the 4-byte IDX magic number")
    if data[0] != 0 or data[1] != 0:
        raise IdxFormatError(f"{name}: magic number must start with two zero bytes; got {data[:4].hex()}")
    code, ndim = data[2], data[3]
    if code not in IDX_DTYPES:
        raise IdxFormatError(f"{name}: unknown IDX type code 0x{code:02x}; valid: "
                             + ", ".join(f"0x{c:02x}" for c in IDX_DTYPES))
    if ndim < 1:
        raise IdxFormatError(f"{name}: number of dimensions must be >= 1; got {ndim}")
    head = 4 + 4 * ndim
    if len(data) < head:
        raise IdxFormatError(f"{name}: header truncated ({len(data)} bytes, need {head} for {ndim} dims)")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dt = np.dtype(IDX_DTYPES[code])
    need = int(np.prod(dims, dtype=np.int64)) * dt.itemsize
    if len(data) - head != need:
        raise IdxFormatError(f"{name}: header says dims {dims} ({need} data bytes) but the file has "
                             f"{len(data) - head} data bytes")
    arr = np.frombuffer(data, dt, offset=head).reshape(dims)
    return arr.astype(dt.newbyteorder("="))


def read_idx(path: str | Path, expect_magic: int | None = None) -> np.ndarray:
    """Read an IDX file (plain or ``.gz``).

    Args:
        path: File path.
        expect_magic: If given, the 32-bit magic number the file must have (e.g.
            :data:`IMAGES_MAGIC`).

    Raises:
        ValueError: The file does not exist.
        IdxFormatError: Malformed file, or a magic number other than ``expect_magic``.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: no such file {path}")
    data = _read_bytes(path)
    if expect_magic is not None and len(data) >= 4:
        magic = int.from_bytes(data[:4], "big")
        if magic != expect_magic:
            raise IdxFormatError(f"{path}: magic number 0x{magic:08x}, expected 0x{expect_magic:08x}")
    return parse_idx(data, str(path))


def _find(directory: Path, stem: str) -> Path:
    for cand in (directory / stem, directory / (stem + ".gz")):
        if cand.is_file():
            return cand
    raise ValueError(f"mnist_dir: neither {stem} nor {stem}.gz found in {directory}")


def load_mnist(directory: str | Path, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Load one MNIST split from the standard IDX files in ``directory``.

    Args:
        directory: Folder holding ``{split}-images-idx3-ubyte[.gz]`` and
            ``{split}-labels-idx1-ubyte[.gz]``.
        split: ``"train"`` or ``"t10k"``.

    Returns:
        (images uint8 [n, rows, cols], labels uint8 [n] with values 0–9).

    Raises:
        ValueError: Bad ``split``, missing folder or file, or any format problem
            (:class:`IdxFormatError`: magic, dims, length, label range, count mismatch).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}; got {split!r}")
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"mnist_dir: {directory} is not a folder")
    ip, lp = _find(directory, f"{split}-images-idx3-ubyte"), _find(directory, f"{split}-labels-idx1-ubyte")
    images = read_idx(ip, IMAGES_MAGIC)
    labels = read_idx(lp, LABELS_MAGIC)
    if images.ndim != 3:   # the magic already fixes ndim; kept for clarity of the contract
        raise IdxFormatError(f"{ip}: images must have 3 dimensions (n, rows, cols); got {images.shape}")
    if labels.shape[0] != images.shape[0]:
        raise IdxFormatError(f"{lp}: {labels.shape[0]} labels for {images.shape[0]} images in {ip}")
    if labels.size and labels.max() > 9:
        raise IdxFormatError(f"{lp}: labels must be digits 0-9; found {int(labels.max())}")
    return images, labels


def write_idx(path: str | Path, arr: np.ndarray) -> None:
    """Write ``arr`` as an IDX file (``.gz`` if the name ends so); the inverse of :func:`read_idx`.

    Used by tests to make small MNIST-format files. The dtype must be one of
    :data:`IDX_DTYPES`' (uint8 for MNIST).
    """
    arr = np.asarray(arr)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in IDX_DTYPES.items()}
    dt = arr.dtype.newbyteorder("=")
    if dt not in codes:
        raise ValueError(f"arr: dtype {arr.dtype} has no IDX type code")
    if arr.ndim < 1 or arr.ndim > 255:
        raise ValueError(f"arr: number of dimensions must be in 1..255; got {arr.ndim}")
    code = codes[dt]
    blob = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, ">u4").tobytes() \
        + np.ascontiguousarray(arr).astype(IDX_DTYPES[code]).tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(blob) if path.suffix == ".gz" else blob)
