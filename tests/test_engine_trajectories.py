"""Dual ODE trajectories (Eq. 9, 10, 18, B.5): end points vs the exact fixed points."""

import numpy as np
import pytest

from theory.engine import dual_ode, solve_fixed_points
from theory.engine.constructors import random_admissible_eq15, random_near_identity_u


@pytest.mark.parametrize("dynamics", ["eq9", "eq10", "sd"])
def test_ode_end_points_are_fixed_points(dynamics):
    s, U, lam, _ = random_admissible_eq15(60, 5)
    tr = dual_ode(s, U, lam, dynamics, rng=1, steady_tol=1e-10)
    fp = solve_fixed_points(s, U, lam, dynamics)
    assert tr.success and tr.alpha.shape[1:] == (60, 2)
    # Stopped at max|F| ≤ 1e-10; α error ≤ |J⁻¹|·1e-10 with |J⁻¹| ≤ max α ≤ 1 here.
    assert np.max(np.abs(tr.alpha[-1] - fp.alpha)) < 1e-9
    assert np.max(np.abs(tr.z[-1] - fp.z) / np.maximum(1, np.abs(fp.z))) < 1e-8


def test_ode_general_n_b5_and_given_start():
    rng = np.random.default_rng(6)
    s = 10 ** rng.uniform(-0.5, 0.5, (5, 4))
    U = random_near_identity_u(4, 0.2, (5,), rng)
    lam = np.full(5, 1.0)
    y = rng.choice([-1.0, 1.0], (5, 4))
    tr = dual_ode(s, U, lam, "b5", y=y, gamma=0.3, alpha0=0.5, t_eval=np.linspace(0, 60, 7))
    fp = solve_fixed_points(s, U, lam, "b5", y=y, gamma=0.3)
    assert tr.t.tolist() == np.linspace(0, 60, 7).tolist()
    assert np.allclose(tr.alpha[0], 0.5)
    assert np.max(np.abs(tr.alpha[-1] - fp.alpha)) < 1e-9  # rate ≥ 4 ⇒ e^{-240} decay
    tr = dual_ode(s, U, lam, "eq9", alpha0=0.3, t_end=60.0)
    assert np.max(np.abs(tr.alpha[-1] - solve_fixed_points(s, U, lam, "eq9").alpha)) < 1e-9


def test_ode_rejects_bad_start():
    with pytest.raises(ValueError, match="alpha0 must lie in"):
        dual_ode([1.0, 2.0], np.eye(2), 1.0, "eq9", alpha0=[0.5, 1.5])
    with pytest.raises(ValueError, match="eta must be > 0"):
        dual_ode([1.0, 2.0], np.eye(2), 1.0, "eq9", eta=0.0)


@pytest.mark.parametrize("dynamics", ["eq9", "eq10", "sd", "b5"])
def test_analytic_block_jacobian_matches_finite_differences(dynamics):
    # The Jacobian only steers BDF's Newton (a wrong one still converges, slowly), so it
    # is checked directly: central differences, step 1e-6 in x (log/logit α, O(1)),
    # truncation ~1e-12·|f'''|, rounding ~1e-16·|ẋ|/1e-6; tolerance 1e-5 of the
    # largest entry per block.
    from theory.engine.trajectories import dual_field

    s, U, lam, _ = random_admissible_eq15(8, 9)
    lam = np.clip(lam, 0.3, None)  # keep ẋ moderate so the FD rounding stays small
    y = np.array([1.0, -1.0])
    f = dual_field(s, U, lam, dynamics, y=y, gamma=0.4, eta=1.7)
    rng = np.random.default_rng(0)
    a = rng.uniform(0.05, 0.6, (8, 2))
    x = (np.log(a) if f.logc else np.log(a) - np.log1p(-a)).ravel()
    J = f.jac(0.0, x).toarray()
    h = 1e-6
    fd = np.empty_like(J)
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = h
        fd[:, k] = (f.rhs(0.0, x + e) - f.rhs(0.0, x - e)) / (2 * h)
    for b in range(8):
        blk = slice(2 * b, 2 * b + 2)
        scale = np.max(np.abs(J[blk, blk]))
        assert np.max(np.abs(J[blk, blk] - fd[blk, blk])) <= 1e-5 * scale
    assert np.max(np.abs(J - fd)) <= 1e-5 * np.max(np.abs(J))  # off-block entries are zero
