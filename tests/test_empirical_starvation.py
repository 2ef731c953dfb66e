"""Unit tests of the issue-6 §2 machinery: SD Gauss–Newton, feature identification, slope fits.

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

from empirical.features import (MLP, feature_directions, gauss_newton_sd, objective, sd_margin,  # noqa: E402
                                train, two_feature_data)
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
    return MLP.init(B, width, d, param, seed=[3 + b for b in range(B)], act=act), X, y


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
    objective(m, X, y, "sd", 0.1).sum().backward()
    g = max(m.W.grad.abs().max().item(), m.v.grad.abs().max().item())
    assert g < 1e-10   # |∇| ≤ ‖J‖·|g(ŷ)|, ‖J‖ = O(10): round-off level


def test_first_gauss_newton_step_is_linearized_min_norm_interpolant():
    """From θ₀ the first step is Δθ = Φ₀ᵀ(Φ₀Φ₀ᵀ)⁻¹ ŷ* (Eq. 3's minimum-norm SD optimum)."""
    m, X, y = _setup(512, B=1, n=6, d=3)   # wide: the full step is accepted (no halving)
    W0, v0 = m.W0[0], m.v0[0]

    def f(flat):
        return m.raw(X, flat[: W0.numel()].reshape(1, *W0.shape), flat[W0.numel():].reshape(1, -1))[0]

    Phi = torch.autograd.functional.jacobian(f, torch.cat([W0.reshape(-1), v0]))   # [n, m]
    target = (y[0] * sd_margin(0.1)).numpy()
    # independent: least-norm solution of Φ Δθ = ŷ* by numpy's SVD-based lstsq
    dth = np.linalg.lstsq(Phi.numpy(), target, rcond=None)[0]
    gauss_newton_sd(m, X, y, 0.1, max_iter=1)
    got = torch.cat([(m.W - m.W0)[0].reshape(-1), (m.v - m.v0)[0]]).detach().numpy()
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
