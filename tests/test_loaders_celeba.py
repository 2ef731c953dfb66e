"""CelebA reader on a tiny fixture in the official layout."""

import numpy as np
import pytest

pytest.importorskip("PIL")

from empirical.data.celeba import (ATTR_FILE, IMG_DIR, PART_FILE, CelebaFormatError, group_metrics,  # noqa: E402
                                   load_celeba_meta, load_images, write_fixture)


def test_fixture_round_trip(tmp_path):
    root = write_fixture(tmp_path / "celeba", n=9)
    meta = load_celeba_meta(root)
    assert len(meta["files"]) == 9 and meta["attrs"].shape == (9, 40)
    assert np.array_equal(meta["group"], 2 * meta["y"] + meta["a"])
    # the target is read from the Blond_Hair column, whatever its position
    col = meta["attr_names"].index("Blond_Hair")
    assert np.array_equal(meta["y"], (meta["attrs"][:, col] == 1).astype(int))
    x, y, g = load_images(meta, "train", size=16)
    assert x.shape == (3, 3, 16, 16) and 0 <= x.min() and x.max() <= 1


def test_group_metrics_worst_group():
    y = np.array([0, 0, 1, 1, 1, 0])
    g = np.array([0, 1, 2, 3, 3, 0])
    pred = np.array([0, 0, 1, 0, 1, 1])
    m = group_metrics(pred, y, g)
    assert m["avg"] == pytest.approx(4 / 6) and m["worst"] == pytest.approx(0.5)


@pytest.mark.parametrize("damage", ["no_attr", "truncated", "bad_value", "no_part", "no_image", "bad_image"])
def test_bad_input_names_the_option(tmp_path, damage):
    root = write_fixture(tmp_path / "c", n=6)
    if damage == "no_attr":
        (root / ATTR_FILE).unlink()
    elif damage == "truncated":
        lines = (root / ATTR_FILE).read_text().splitlines()
        (root / ATTR_FILE).write_text("\n".join(lines[:-2]) + "\n")
    elif damage == "bad_value":
        t = (root / ATTR_FILE).read_text().replace(" 1", " 2", 1)
        (root / ATTR_FILE).write_text(t)
    elif damage == "no_part":
        lines = (root / PART_FILE).read_text().splitlines()
        (root / PART_FILE).write_text("\n".join(lines[1:]) + "\n")
    elif damage == "no_image":
        (root / IMG_DIR / "000002.jpg").unlink()
    else:
        (root / IMG_DIR / "000001.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(CelebaFormatError, match="^--celeba-dir"):
        meta = load_celeba_meta(root)
        load_images(meta, "train", size=8)
