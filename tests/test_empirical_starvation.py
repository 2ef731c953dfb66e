"""Unit tests of the controlled-starvation machinery: SD Gauss–Newton, feature identification, slope fits.

Expected values come from independent routes: SciPy's bracketing root finder (vs the SD
margin's Newton), an autograd Jacobian and a dense least-norm solve (vs the Gauss–Newton
step that uses the chunked eNTK and a backward pass), hand-built orthogonal matrices whose
answer is known by construction (vs the feature identification), and exact power laws
(vs the decay fit).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from empirical.data.synthetic import two_feature_data  # noqa: E402
from empirical.features import (EntkEnsemble, feature_directions, gauss_newton_sd, objective, sd_margin,  # noqa: E402
                                train)
from empirical.width_sweep import decay_fit  # noqa: E402

torch.set_num_threads(1)


@pytest.mark.parametrize("lam", [1e-3, 0.1, 1.0, 30.0])
def test_sd_margin_is_the_root(lam):
    from scipy.optimize import brentq

    # independent: bracketing root of σ(−m) − λm on [0, 1/λ] (at m = 1/λ it is σ(−1/λ) − 1 < 0)
    ref = brentq(lambda m: math.exp(-m) / (1.0 + math.exp(-m)) - lam * m, 0.0, 1.0 / lam, xtol=1e-15, rtol=1e-15)
    assert abs(sd_margin(lam) - ref) < 1e-12   # both at float64 root precision
    with pytest.raises(ValueError, match="lam"):
        sd_margin(0.0)


def _setup(width, param="ntk", act="gelu", B=2, n=10, d=4):
    data = [two_feature_data(n, d, 2.0, 1.0, seed=40 + b) for b in range(B)]
    X = torch.tensor(np.stack([D[0] for D in data]))
    y = torch.tensor(np.stack([D[1] for D in data]))
    return EntkEnsemble.init(B, width, d, param, seed=[3 + b for b in range(B)], act=act), X, y


# ReLU is left out: Gauss–Newton does not reliably converge across its kinks (documented in
# gauss_newton_sd and measured in the starvation results)
@pytest.mark.parametrize("param,act", [("ntk", "gelu"), ("sp", "gelu")])
def test_gauss_newton_reaches_sd_optimum(param, act):
    m, X, y = _setup(24, param, act)
    info = gauss_newton_sd(m, X, y, 0.1)
    mstar = sd_margin(0.1)
    with torch.no_grad():
        margins = y * m(X)
    # the optimum of Eq. 17 with m ≥ n: every training margin equals m* (float64 round-off)
    assert torch.allclose(margins, torch.full_like(margins, mstar), atol=1e-11)
    assert info["residual"].max() < 1e-11
    # and it is stationary for the θ-objective itself (autograd gradient, not GN's residual)
    grads = torch.autograd.grad(objective(m, X, y, "sd", 0.1).sum(), m.parameters())
    g = max(gr.abs().max().item() for gr in grads)
    assert g < 1e-10   # |∇| ≤ ‖J‖·|g(ŷ)|, ‖J‖ = O(10): round-off level


def test_first_gauss_newton_step_is_linearized_min_norm_interpolant():
    """From θ₀ the first step is Δθ = Φ₀ᵀ(Φ₀Φ₀ᵀ)⁻¹ ŷ* (Eq. 3's minimum-norm SD optimum)."""
    m, X, y = _setup(512, B=1, n=6, d=3)   # wide: the full step is accepted (no halving)
    Jd = torch.func.jacrev(lambda p: m.raw(X, p)[0])(m.ens.params0)        # the module's forward
    Phi = torch.cat([Jd[k].reshape(X.shape[1], -1) for k in ("layers.0.weight", "layers.1.weight")], 1)  # [n, m]
    target = (y[0] * sd_margin(0.1)).numpy()
    # independent: least-norm solution of Φ Δθ = ŷ* by numpy's SVD-based lstsq
    dth = np.linalg.lstsq(Phi.numpy(), target, rcond=None)[0]
    gauss_newton_sd(m, X, y, 0.1, max_iter=1)
    got = (m.flat() - m.flat(m.ens.params0))[0].numpy()
    # Θ₀ has condition number ~1e3 here; the two solves agree to ~1e-12 relative
    assert np.allclose(got, dth, rtol=1e-9, atol=1e-10 * np.abs(dth).max())


def test_train_methods_and_bad_input():
    m, X, y = _setup(16)
    info = train(m, X, y, "sd", 0.1, method="lbfgs+gn", max_iter=20)
    assert info["grad_max_lbfgs"].max() > 1e-6 > info["grad_max"].max()   # 20 L-BFGS its do not converge; GN does
    with pytest.raises(ValueError, match="method"):
        train(m, X, y, "sd", 0.1, method="newton")
    with pytest.raises(ValueError, match="method"):
        train(m, X, y, "ce_wd", 0.1, method="gn")


def _orth(n, seed):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, n)))
    return Q


def test_feature_directions_recovers_permuted_flipped_columns():
    Q = _orth(6, 0)
    perm = np.array([3, 0, 5, 1, 4, 2])
    flip = np.array([1, -1, 1, -1, -1, 1.0])
    U = Q[:, perm] * flip                     # column j of U = flip_j · Q[:, perm_j]
    rng = np.random.default_rng(1)
    r1 = Q[:, 0] + 0.05 * rng.standard_normal(6)
    r2 = Q[:, 1] + 0.05 * rng.standard_normal(6)
    r1, r2 = r1 / np.linalg.norm(r1), r2 / np.linalg.norm(r2)
    fd = feature_directions(U, r1, r2)
    # by construction Q[:, 0] is U's column 1 (flipped), Q[:, 1] is column 3 (flipped)
    assert (fd["j1"], fd["j2"], fd["sign1"], fd["sign2"]) == (1, 3, -1.0, -1.0)
    assert fd["ov1"] > 0.99 and fd["ov2"] > 0.99
    # batched: the same answer in each batch entry
    fdb = feature_directions(np.stack([U, U]), np.stack([r1, r1]), np.stack([r2, r2]))
    assert fdb["j1"].tolist() == [1, 1] and fdb["j2"].tolist() == [3, 3]
    with pytest.raises(ValueError, match="U must be"):
        feature_directions(U, r1[:5], r2)


def test_feature_directions_is_joint_not_greedy():
    U = np.eye(3)
    r1 = np.array([0.8, 0.6, 0.0])
    r2 = np.array([0.99, 0.0, math.sqrt(1 - 0.99 ** 2)])
    # hand: pairs (j1, j2): (0, 2) → 0.8 + 0.141 = 0.941; (1, 0) → 0.6 + 0.99 = 1.59 (best);
    # (0, 1) → 0.8; (1, 2) → 0.741; (2, 0) → 0.99; (2, 1) → 0. A greedy rule would give (0, 2).
    fd = feature_directions(U, r1, r2)
    assert (fd["j1"], fd["j2"]) == (1, 0)
    assert abs(fd["ov1"] - 0.6) < 1e-15 and abs(fd["ov2"] - 0.99) < 1e-15


def test_decay_fit_exact_power_laws():
    w = [16, 64, 256, 1024]
    # seed 0: 3·w^-0.5, seed 1: 0.2·w^-1 (exact power laws, different prefactors)
    vals = [[3 * x ** -0.5, 0.2 / x] for x in w]
    fit = decay_fit(w, vals)
    # hand: per-seed slopes −0.5 and −1.0 → mean −0.75, sd 0.353553, t_{0.975,1} = 12.7062
    # → half-width 12.7062 · 0.353553 / √2 = 3.17655
    assert abs(fit["all"][0] + 0.75) < 1e-12 and abs(fit["all"][2] + 0.75 - 3.17655) < 1e-4
    assert fit["tail"][0] == pytest.approx(-0.75, abs=1e-12)
    for a, b, mu, lo, hi in fit["local"]:
        assert mu == pytest.approx(-0.75, abs=1e-12)
    with pytest.raises(ValueError, match="values"):
        decay_fit(w, [[1.0, -1.0]] * 4)


def test_run_starvation_tiny_config(tmp_path):
    from empirical.starvation import run_starvation

    cfg = {"a": [0.5, 1.5, 2.5], "seeds": 3, "sd_method": "gn",
           "cells": [{"param": "ntk", "act": "gelu", "loss": "sd", "width": 16}]}
    res = run_starvation(True, tmp_path, config=cfg)
    c = res["cells"]["ntk/gelu/sd/w16"]
    assert c["grad_max_max"] < 1e-10
    # converged SD: trained z = engine z (Eq. 18) exactly, per seed and a
    assert np.allclose(c["per_seed"]["z2"], c["per_seed"]["z2_lin"], atol=1e-9)
    assert (tmp_path / "starvation_quick" / "starvation.png").exists()
    with pytest.raises(ValueError, match="above b"):
        run_starvation(True, tmp_path, config={**cfg, "a": [0.5, 0.8, 2.0]})


# ---------------------------------------------------------------------------------------------
# Block design (sharp eNTK test of Thm. 2): data, identification, δ read-off, Eq. 15 reduction
# ---------------------------------------------------------------------------------------------
from empirical.data.synthetic import block_feature_data, block_references  # noqa: E402
from empirical.features import features_of, rotation_coupling  # noqa: E402


def _rot(theta):
    return np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])


@pytest.mark.parametrize("theta", [-0.5, 0.0, 0.3, 0.7])
def test_rotation_coupling_reads_a_constructed_rotation(theta):
    n = 8
    Q = _orth(n, 5)
    r1, r2 = Q[:, 0], Q[:, 1]
    # U's columns: (r1, r2) rotated by R(θ), the rest of Q; then permuted and sign-flipped
    core = np.eye(n)
    core[:2, :2] = _rot(theta)
    U0 = Q @ core
    perm = np.array([4, 1, 6, 0, 2, 7, 3, 5])            # U[:, k] = U0[:, perm[k]]
    flip = np.array([1, -1, 1, 1, -1, 1, -1, 1.0])
    U = U0[:, perm] * flip
    j1, j2 = int(np.where(perm == 0)[0][0]), int(np.where(perm == 1)[0][0])   # 3 and 1
    rc = rotation_coupling(U, np.array(j1), np.array(j2), r1, r2)
    # by construction: feature 1's direction is c·r1 + sin θ·r2, Eq. 15's δ = sin θ
    assert abs(rc["delta"] - math.sin(theta)) < 1e-12      # float64 round-off of an 8×8 product
    assert abs(rc["plane1"] - 1) < 1e-12 and abs(rc["plane2"] - 1) < 1e-12 and rc["asym"] < 1e-12
    np.testing.assert_allclose(rc["M"], _rot(theta), atol=1e-12)


def test_rotation_coupling_hand_example_and_bad_input():
    # hand: u1 = 0.8 r1 − 0.6 r2 (δ = −0.6), u2 = 0.6 r1 + 0.8 r2, stored with u2's sign flipped
    r1, r2 = np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
    U = np.array([[0.8, -0.6, 0], [-0.6, -0.8, 0], [0, 0, 1.0]])
    rc = rotation_coupling(U, np.array(0), np.array(1), r1, r2)
    assert abs(rc["delta"] + 0.6) < 1e-15 and abs(rc["theta"] - math.atan2(-1.2, 1.6)) < 1e-15
    with pytest.raises(ValueError, match="j1, j2"):
        rotation_coupling(U, np.array(1), np.array(1), r1, r2)
    with pytest.raises(ValueError, match="U must be"):
        rotation_coupling(U, np.array(0), np.array(1), r1[:2], r2)


def test_block_feature_data_layout_and_bad_input():
    X, y, blk = block_feature_data(16, 4, 2.0, 0.5, 0.3, sigma=0.1, seed=3)
    X1, y1, _ = block_feature_data(16, 4, 2.0, 0.5, 0.3, sigma=0.1, seed=3, remove_feature1=True)
    assert blk.tolist() == [0] * 8 + [1] * 8
    for k in (0, 1):                                        # labels balanced inside each block
        assert y[blk == k].sum() == 0 and set(y[blk == k]) == {-1.0, 1.0}
    c = math.sqrt(1 - 0.09)
    # same draws without feature 1: the difference is exactly y·a·c1·e1, c1 = c on A, δ on B
    np.testing.assert_allclose(X - X1, np.outer(y * 2.0 * np.where(blk == 0, c, 0.3), [1, 0, 0, 0]), atol=1e-15)
    assert np.array_equal(y, y1)
    with pytest.raises(ValueError, match="multiple of 4"):
        block_feature_data(18, 4, 1.0, 0.5, 0.1)
    with pytest.raises(ValueError, match="delta"):
        block_feature_data(16, 4, 1.0, 0.5, 1.0)
    with pytest.raises(ValueError, match="block"):
        block_references(np.zeros(4, int))


def _block_kernel(X, kind, eps=1e-3):
    G = X @ X.T
    K = G if kind == "linear" else G + 0.5 * G ** 2 + 0.2 * G ** 3   # 0.5 G²: even part; 0.2 G³: odd
    return K + eps * np.eye(len(X))                                   # εI: full rank, eigenvectors unchanged


@pytest.mark.parametrize("kind", ["linear", "poly"])
@pytest.mark.parametrize("delta", [-0.3, 0.2])
def test_block_design_has_one_direction_per_feature(kind, delta):
    """Noise-free block data, a known kernel: feature 2's direction lies exactly in span{1_A, 1_B}."""
    from empirical.features import feature_directions

    n, a, b = 16, 2.0, 0.7
    X, y, blk = block_feature_data(n, 3, a, b, delta, sigma=0.0, seed=1)
    s, U = features_of(_block_kernel(X, kind), y)
    r1, r2 = block_references(blk)
    fd = feature_directions(U, r1, r2)
    rc = rotation_coupling(U, fd["j1"], fd["j2"], r1, r2)
    # exact invariance of span{r1, r2} (docstring): round-off of a 16×16 eigh
    assert abs(rc["plane1"] - 1) < 1e-10 and abs(rc["plane2"] - 1) < 1e-10
    # independent route to δ: the 2×2 odd part P (per block pair) from v_A, v_B by hand,
    # v_A = (a c, −b δ), v_B = (a δ, b c); P = G + 0.2 G³ with G_kl = v_k·v_l (linear: P = G)
    c = math.sqrt(1 - delta ** 2)
    V = np.array([[a * c, -b * delta], [a * delta, b * c]])
    G = V @ V.T
    P = G if kind == "linear" else G + 0.2 * G ** 3
    w, E = np.linalg.eigh(P)                                   # ascending: column 1 = feature 1
    e1 = E[:, 1] * np.sign(E[0, 1])                            # positive weight on its own block
    ref = e1[1]                                                # δ = feature 1's weight on block B
    assert abs(rc["delta"] - ref) < 1e-10
    if kind == "linear":      # linear kernel: the rotation is the designed one, s² = (n/2) a², (n/2) b²
        assert abs(rc["delta"] - delta) < 1e-10
        assert abs(s[fd["j1"]] ** 2 - (n / 2 * a * a + 1e-3)) < 1e-9
        assert abs(s[fd["j2"]] ** 2 - (n / 2 * b * b + 1e-3)) < 1e-9
    else:                     # nonlinear odd part: same sign as designed, size changed
        assert np.sign(rc["delta"]) == np.sign(delta) and abs(rc["delta"] - delta) > 1e-3


def test_block_design_needs_balanced_labels():
    """The cancellation is due to balance: unbalance block A's labels and feature 2 leaves the plane."""
    from empirical.features import feature_directions

    n = 16
    X, y, blk = block_feature_data(n, 3, 2.0, 0.7, 0.2, sigma=0.0, seed=1)
    flip = np.where((blk == 0) & (y < 0))[0][:2]              # two negatives of block A → positive
    X[flip] *= -1
    y[flip] *= -1
    s, U = features_of(_block_kernel(X, "poly"), y)
    r1, r2 = block_references(blk)
    fd = feature_directions(U, r1, r2)
    rc = rotation_coupling(U, fd["j1"], fd["j2"], r1, r2)
    assert min(rc["plane1"], rc["plane2"]) < 0.999            # the even part now leaks into the plane


@pytest.mark.parametrize("delta", [-0.3, 0.25])
def test_eq15_prediction_equals_n_dim_engine_on_exact_block_kernel(delta):
    """Block reduction: the n-example Eq. 9 z2* equals Eq. 15's 2-example z2* · √(n/2)."""
    from empirical.features import feature_directions
    from empirical.starvation import eq15_z2
    from theory.engine.fixed_points import solve_fixed_points

    n, lam = 16, 0.1
    X, y, blk = block_feature_data(n, 3, 2.0, 0.7, delta, sigma=0.0, seed=2)
    s, U = features_of(_block_kernel(X, "poly"), y)
    r1, r2 = block_references(blk)
    fd = feature_directions(U, r1, r2)
    rc = rotation_coupling(U, fd["j1"], fd["j2"], r1, r2)
    z_n = solve_fixed_points(s, U, lam, "eq9").z[fd["j2"]] * fd["sign2"]
    got = eq15_z2(s[fd["j1"]], s[fd["j2"]], rc["delta"], lam, n)
    # both at the engine's 1e-12 residual; the 16-dim eigh adds ~1e-12 relative
    assert abs(got - z_n) < 1e-8 * abs(z_n), (got, z_n)


def test_run_starvation_block_tiny_config(tmp_path):
    from empirical.starvation import run_starvation_block

    cfg = {"a": [1.5, 2.5], "seeds": 2, "deltas": [0.3],
           "cells": [{"param": "ntk", "act": "gelu", "width": 16}]}
    res = run_starvation_block(True, tmp_path, config=cfg)
    c = res["cells"]["ntk/gelu/ce_wd/w16/d+0.30"]
    assert np.array(c["per_seed"]["z2"]).shape == (2, 2) and c["grad_max_max"] < 1e-6
    assert all(0 < v <= 1 + 1e-12 for v in c["plane_min"])
    for f in ("metrics.json", "summary.md", "starvation_block.png"):
        assert (tmp_path / "starvation_block_quick" / f).exists()
    with pytest.raises(ValueError, match="> b"):
        run_starvation_block(True, tmp_path, config={**cfg, "a": [0.4, 2.0]})
    with pytest.raises(ValueError, match="deltas"):
        run_starvation_block(True, tmp_path, config={**cfg, "deltas": [0.8]})
