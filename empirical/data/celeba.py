"""Reader for CelebA (Liu et al. 2015) as §4.4 uses it: aligned images, attributes, partitions
(a user's local copy; ``--celeba-dir``).

Layout of the official release (the folder ``--celeba-dir`` points at):

* ``img_align_celeba/000001.jpg`` … — the aligned and cropped 178×218 images;
* ``list_attr_celeba.txt`` — line 1: the number of images N; line 2: the 40 attribute names;
  then N lines ``<file> v1 … v40`` with v ∈ {−1, 1};
* ``list_eval_partition.txt`` — N lines ``<file> p``, p = 0 (train), 1 (validation), 2 (test).

The task of §4.4 (Sagawa et al. 2019): y = ``Blond_Hair`` (1 = blond), spurious attribute
``Male``; groups g = 2y + male: (dark, female), (dark, male), (blond, female), (blond, male).
:func:`load_celeba_meta` reads and checks the two text files (N matches, 40 names, values ±1,
partition ids 0–2, every file listed in both, the image files present); :func:`load_images`
reads the images of a split with Pillow, resized to ``size`` (the released code (Sagawa et al.)
centre-crops 178×178 and resizes to 224 for ResNet-50). Problems raise :class:`CelebaFormatError`
(``ValueError``) whose message starts with ``--celeba-dir``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

TARGET, SPURIOUS = "Blond_Hair", "Male"
N_ATTR = 40
IMG_DIR, ATTR_FILE, PART_FILE = "img_align_celeba", "list_attr_celeba.txt", "list_eval_partition.txt"
SPLITS = {"train": 0, "val": 1, "test": 2}


class CelebaFormatError(ValueError):
    """A CelebA folder or file that does not match the official layout (module docstring)."""


def _err(msg: str) -> CelebaFormatError:
    return CelebaFormatError(f"--celeba-dir: {msg}")


def load_celeba_meta(root: str | Path) -> dict:
    """Attributes and partitions, checked. Returns {"files": [N] str, "attr_names": [40],
    "attrs": [N, 40] int8 (±1), "partition": [N] int, "y": [N] (blond), "a": [N] (male),
    "group": [N] = 2y + a}."""
    root = Path(root)
    if not root.is_dir():
        raise _err(f"{str(root)!r} is not a folder")
    for f in (ATTR_FILE, PART_FILE):
        if not (root / f).is_file():
            raise _err(f"missing {root / f}")
    if not (root / IMG_DIR).is_dir():
        raise _err(f"missing image folder {root / IMG_DIR}")
    lines = (root / ATTR_FILE).read_text().splitlines()
    if len(lines) < 2:
        raise _err(f"{ATTR_FILE}: truncated (needs the count and the attribute names)")
    try:
        n = int(lines[0].strip())
    except ValueError:
        raise _err(f"{ATTR_FILE}: line 1 must be the number of images; got {lines[0][:40]!r}") from None
    names = lines[1].split()
    if len(names) != N_ATTR or TARGET not in names or SPURIOUS not in names:
        raise _err(f"{ATTR_FILE}: line 2 must list the {N_ATTR} attribute names incl. {TARGET} and {SPURIOUS}")
    rows = [ln.split() for ln in lines[2:] if ln.strip()]
    if len(rows) != n:
        raise _err(f"{ATTR_FILE}: header says {n} images, {len(rows)} lines follow (truncated?)")
    if any(len(r) != N_ATTR + 1 for r in rows):
        bad = next(i for i, r in enumerate(rows) if len(r) != N_ATTR + 1)
        raise _err(f"{ATTR_FILE}: line {bad + 3} must hold a file name and {N_ATTR} values")
    files = [r[0] for r in rows]
    try:
        attrs = np.array([[int(v) for v in r[1:]] for r in rows], dtype=np.int8)
    except ValueError:
        raise _err(f"{ATTR_FILE}: attribute values must be integers -1 or 1") from None
    if not np.isin(attrs, (-1, 1)).all():
        raise _err(f"{ATTR_FILE}: attribute values must be -1 or 1")
    part = {}
    for i, ln in enumerate((root / PART_FILE).read_text().splitlines()):
        if not ln.strip():
            continue
        p = ln.split()
        if len(p) != 2 or p[1] not in ("0", "1", "2"):
            raise _err(f"{PART_FILE}: line {i + 1} must be '<file> 0|1|2'; got {ln[:60]!r}")
        part[p[0]] = int(p[1])
    missing = [f for f in files if f not in part]
    if missing:
        raise _err(f"{PART_FILE}: no partition for {len(missing)} image(s), e.g. {missing[0]}")
    absent = [f for f in files if not (root / IMG_DIR / f).is_file()]
    if absent:
        raise _err(f"{len(absent)} image file(s) listed but absent, e.g. {root / IMG_DIR / absent[0]}")
    y = (attrs[:, names.index(TARGET)] == 1).astype(np.int64)
    a = (attrs[:, names.index(SPURIOUS)] == 1).astype(np.int64)
    return {"files": files, "attr_names": names, "attrs": attrs, "partition": np.array([part[f] for f in files]),
            "y": y, "a": a, "group": 2 * y + a, "root": root}


def load_images(meta: dict, split: str, size: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images of one split as float32 [n, 3, size, size] in [0, 1] (centre 178×178 crop, resized),
    with y and group. Raises CelebaFormatError for an unreadable image."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {tuple(SPLITS)}; got {split!r}")
    from PIL import Image, UnidentifiedImageError

    idx = np.flatnonzero(meta["partition"] == SPLITS[split])
    out = np.empty((len(idx), 3, size, size), np.float32)
    for j, i in enumerate(idx):   # file I/O per image; decoding is the cost, not Python
        p = meta["root"] / IMG_DIR / meta["files"][i]
        try:
            with Image.open(p) as im:
                im = im.convert("RGB")
                w, h = im.size
                s = min(w, h)
                im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)).resize((size, size))
                out[j] = np.asarray(im, np.float32).transpose(2, 0, 1) / 255.0
        except (OSError, UnidentifiedImageError) as exc:
            raise _err(f"{p}: not a readable image ({type(exc).__name__})") from None
    return out, meta["y"][idx], meta["group"][idx]


def group_metrics(pred: np.ndarray, y: np.ndarray, group: np.ndarray) -> dict:
    """Average accuracy and worst-group accuracy as Table 3 reports them (Sagawa et al.: average
    over the test split, worst over the four groups present)."""
    ok = (np.asarray(pred) == np.asarray(y)).astype(float)
    per = {int(g): float(ok[group == g].mean()) for g in np.unique(group)}
    return {"avg": float(ok.mean()), "worst": min(per.values()), "groups": per}


def write_fixture(root: str | Path, n: int = 8, seed: int = 0) -> Path:
    """A tiny CelebA folder in the official layout (for tests): n JPEGs, both text files."""
    from PIL import Image

    root = Path(root)
    (root / IMG_DIR).mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    names = [f"Attr_{i}" for i in range(N_ATTR)]
    names[9], names[20] = TARGET, SPURIOUS          # their positions in the official file
    lines, parts = [str(n), " ".join(names)], []
    for i in range(n):
        f = f"{i + 1:06d}.jpg"
        Image.fromarray(rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)).save(root / IMG_DIR / f)
        vals = rng.choice([-1, 1], N_ATTR)
        lines.append(f + " " + " ".join(f"{v:2d}" for v in vals))
        parts.append(f"{f} {i % 3}")
    (root / ATTR_FILE).write_text("\n".join(lines) + "\n")
    (root / PART_FILE).write_text("\n".join(parts) + "\n")
    return root
