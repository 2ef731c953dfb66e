"""Two-moons construction (empirical.moons): hand-computed points and the margin Δ."""

import numpy as np
import pytest

from empirical.moons import data_frame, make_moons, rotation_matrix, two_moons


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
