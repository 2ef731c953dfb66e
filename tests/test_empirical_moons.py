"""Two-moons construction (empirical.data.moons): hand-computed points and the margin Δ."""

import numpy as np
import pytest

from empirical.data.moons import data_frame, make_moons, rotation_matrix, two_moons


def test_make_moons_counts_and_noise_free_geometry():
    X, lab = make_moons(300, 0.0, 0)
    assert X.shape == (300, 2) and (lab == 0).sum() == 150 and (lab == 1).sum() == 150
    # noise-free: outer points on the unit circle, inner on the circle of centre (1, 0.5)
    assert np.allclose(np.hypot(*X[lab == 0].T), 1.0)
    assert np.allclose(np.hypot(X[lab == 1, 0] - 1, X[lab == 1, 1] - 0.5), 1.0)


def test_two_moons_hand_computed_point():
    # Noise 0, Δ = 0.1. The outer point t = 0 is (1, 0) with y = −1. Step a: (1 − 0.5, 0 + 0.3)
    # = (0.5, 0.3). Step b: the mean of x₂ after a is 0.25 (the sin t terms of the two moons
    # cancel on the same t grid, the ±0.3 cancel for balanced classes, the inner moon's +0.5
    # averages to 0.25), so x₂ = 0.05. Step c: −|0.05|·(−1) = 0.05; d: 0.05 + 0.1 = 0.15;
    # e: swap → (0.15, 0.5).
    X, y = two_moons(0, margin=0.1, noise=0.0)
    d = np.hypot(X[:, 0] - 0.15, X[:, 1] - 0.5)
    i = np.argmin(d)
    assert d[i] < 1e-12 and y[i] == -1.0


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_margin_separates_along_first_axis(seed):
    X, y = two_moons(seed, margin=0.1)
    assert X[y > 0, 0].max() <= -0.1 + 1e-12 and X[y < 0, 0].min() >= 0.1 - 1e-12
    Xn, yn = two_moons(seed, margin=-0.1)
    # Δ < 0: the classes overlap along the first axis (band |x₁| ≤ 0.1)
    assert Xn[yn > 0, 0].max() > Xn[yn < 0, 0].min()


def test_rotation_is_a_rigid_turn_and_frame_follows():
    X, y = two_moons(3, 0.1)
    Xr, yr = two_moons(3, 0.1, rotation=45.0)
    R = rotation_matrix(45.0)
    assert np.allclose(R @ R.T, np.eye(2)) and np.allclose(Xr, X @ R) and np.array_equal(y, yr)
    e1, e2 = data_frame(45.0)
    assert np.allclose(Xr @ e1, X[:, 0]) and np.allclose(Xr @ e2, X[:, 1])


def test_bad_input_names_parameter():
    with pytest.raises(ValueError, match="margin"):
        two_moons(0, margin=1.5)
    with pytest.raises(ValueError, match="n_samples"):
        make_moons(1)


def test_batched_configurations_write_the_same_run_folders(tmp_path):
    # `gsv train moons` trains the configurations sharing an architecture as one program
    # (one sweep cell); each folder must hold what a run of that configuration alone
    # gives. Independent route: run_moons with batch_configs=False (one cell each).
    torch = pytest.importorskip("torch")
    import json

    from empirical.experiment import run_moons

    saved = torch.get_num_threads()
    torch.set_num_threads(1)   # tiny runs: a second thread only adds OpenMP stalls on a busy machine
    try:
        kw = dict(quick=True, configs=["sd", "adam_lr3e-3"], seeds=2, iterations=25, progress=False)
        grp = run_moons(tmp_path / "g", batch_configs=True, **kw)
        alone = run_moons(tmp_path / "a", batch_configs=False, **kw)
        again = run_moons(tmp_path / "g", batch_configs=True, **kw)   # every cell done: nothing retrained
    finally:
        torch.set_num_threads(saved)
    for name in kw["configs"]:
        files = sorted(f.name for f in (tmp_path / "g" / "moons" / name).iterdir())
        assert files == sorted(f.name for f in (tmp_path / "a" / "moons" / name).iterdir()), name
        assert grp[name]["train_group"] == kw["configs"] and "train_group" not in alone[name]
        for key, vals in alone[name]["per_seed"].items():
            # float32 training of identical math; margins come from a bisection on the trained
            # function, so they agree to the search's resolution (r_max/T·2⁻¹² ≈ 1e-5) at worst
            assert np.allclose(grp[name]["per_seed"][key], vals, atol=2e-5, rtol=1e-4), (name, key)
            assert again[name]["per_seed"][key] == grp[name]["per_seed"][key], (name, key)   # same state
        m = json.loads((tmp_path / "g" / "moons" / name / "metrics.json").read_text())
        assert m["iterations"] == 25 and len(m["per_seed"]["margin_p10"]) == 2
    assert not any((tmp_path / "g" / "moons" / "ckpt").glob("*"))   # checkpoints removed when a cell is done
    assert (tmp_path / "g" / "moons" / "COMPLETE").exists()


def test_fig1d_checks_verdicts_follow_the_interval():
    # hand-made per-seed responses: the verdict is decided by the Welch interval's side of 0
    pytest.importorskip("scipy")
    from empirical.experiment import FIG1D_CAPTION, fig1d_checks
    from empirical.intervals import welch_interval

    cases = ("a", "b", "c")
    ps = {"a": {"z1": [10.0, 11.0, 12.0], "z2": [5.0, 6.0, 7.0]},
          "b": {"z1": [20.0, 21.0, 22.0], "z2": [1.0, 2.0, 3.0]},
          "c": {"z1": [5.0, 6.0, 7.0], "z2": [1.0, 3.0, 2.0]}}
    rows = fig1d_checks(ps, cases)
    assert [r["verdict"] for r in rows] == ["holds", "holds", "holds", "inconclusive"]
    assert len(rows) == len(FIG1D_CAPTION)
    ps["b"]["z1"] = [1.0, 2.0, 3.0]      # separability now lowers z1: the first statement is refuted
    assert fig1d_checks(ps, cases)[0]["verdict"] == "refuted"
    # Welch interval by hand: means 11 and 21, variances 1, se = sqrt(2/3), df = 4, t = 2.7764451
    d, lo, hi = welch_interval([10.0, 11.0, 12.0], [20.0, 21.0, 22.0])
    assert d == 10.0 and abs(hi - d - 2.7764451052 * (2 / 3) ** 0.5) < 1e-8
    with pytest.raises(ValueError, match="cases"):
        fig1d_checks(ps, ("a", "b", "x"))
