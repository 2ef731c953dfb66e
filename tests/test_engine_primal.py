"""Primal optimum and primal trajectories vs the dual fixed points (App. B.1)."""

import numpy as np
import pytest

from theory.engine import (
    primal_gradient_descent,
    primal_gradient_flow,
    primal_optimum,
    random_V,
    solve_fixed_points,
    toy_b1,
)
from theory.engine.constructors import random_near_identity_u


def batch(n, N, seed):
    rng = np.random.default_rng(seed)
    s = 10 ** rng.uniform(-1, 1, (N, n))
    lam = 10 ** rng.uniform(-2, 2, N)
    U = random_near_identity_u(n, 0.5, (N,), rng) if n > 1 else np.ones((N, 1, 1))
    y = rng.choice([-1.0, 1.0], (N, n))
    return s, U, lam, y


@pytest.mark.parametrize("n", [1, 2, 3])
def test_primal_optimum_equals_dual_fixed_point(n):
    s, U, lam, y = batch(n, 100, n)
    # Agreement to 1e-9 relative to max(1, |z|): both sides stop at 1e-12 residuals, the
    # primal Newton on ∇θ, the dual on F; condition numbers up to ~1e3 on these domains.
    def close(a, b):
        return np.max(np.abs(a - b) / np.maximum(1, np.abs(b))) < 1e-9

    p5 = primal_optimum(s, U, lam, "eq5", y=y, m=n + 3, rng=0)
    assert close(p5.z, solve_fixed_points(s, U, lam, "eq9").z)  # Eq. 5 ↔ Eq. 9
    p17 = primal_optimum(s, U, lam, "eq17", y=y, m=n + 3, rng=0)
    assert close(p17.z, solve_fixed_points(s, U, lam, "sd").z)  # Eq. 17 ↔ Eq. 18, z* = Uᵀα*/λ
    pb = primal_optimum(s, U, lam, "b5", y=y, gamma=0.6, m=n + 3, rng=0)
    assert close(pb.z, solve_fixed_points(s, U, lam, "b5", y=y, gamma=0.6).z)
    # Eq. 10 is a Taylor approximation: its z* differs from the primal optimum.
    gap = np.max(np.abs(p5.z - solve_fixed_points(s, U, lam, "eq10").z))
    assert gap > 1e-3


def test_random_V_orthonormal():
    V = random_V(7, 3, (5,), 0)
    assert np.allclose(np.swapaxes(V, -1, -2) @ V, np.eye(3), atol=1e-14)
    with pytest.raises(ValueError, match="m must be"):
        random_V(2, 3)


def test_gradient_flow_reaches_dual_fixed_points_on_the_toy():
    toy = toy_b1([2.0, 4.0, 6.0])
    lam = 0.1
    # t_end: slowest rate ≥ λ = 0.1 for Eq. 5 → e^{-0.1·400} ~ 4e-18 of the initial gap.
    gf = primal_gradient_flow(toy.s, toy.U, lam, "eq5", m=4, rng=1, t_end=400.0)
    assert gf.success
    z9 = solve_fixed_points(toy.s, toy.U, lam, "eq9").z
    assert np.max(np.abs(gf.z[-1] - z9)) < 1e-8  # integrator rtol 1e-10 on O(10) values
    # Eq. 17: slowest rate ≥ λ s_min²(σ' + λ) ≥ 0.1·4·0.1 on this toy.
    gf17 = primal_gradient_flow(toy.s, toy.U, lam, "eq17", m=4, rng=1, t_end=400.0)
    zsd = solve_fixed_points(toy.s, toy.U, lam, "sd").z
    assert np.max(np.abs(gf17.z[-1] - zsd)) < 1e-8


def test_gradient_descent_approaches_optimum():
    toy = toy_b1(3.0)
    gd = primal_gradient_descent(toy.s, toy.U, 0.5, "eq5", m=3, rng=2, steps=3000, record_every=1000)
    z9 = solve_fixed_points(toy.s, toy.U, 0.5, "eq9").z
    # lr = 1/L: contraction factor ≤ 1 − λ/L = 1 − 0.5/2.75 per step → 3000 steps ≪ 1e-12.
    assert np.max(np.abs(gd.z[-1] - z9)) < 1e-9
    assert gd.z.shape == (4, 2) and gd.t.tolist() == [0, 1000, 2000, 3000]
