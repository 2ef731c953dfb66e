"""App. B.1: primal and dual dynamics share their fixed points; the toy's starvation; SD.

Routes compared:
- printed statement (theory.claims.toy) vs numeric engine (verdicts, theory.toy);
- primal Newton optimum in θ-space (Eq. 5 / Eq. 17) vs dual fixed point (Eq. 9 / Eq. 18)
  — two numeric routes sharing no code (property tests below);
- primal gradient flow end point vs dual fixed point.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given

from theory.engine.fixed_points import solve_fixed_points
from theory.engine.primal import primal_optimum
from theory.engine.trajectories import primal_gradient_flow
from verify._strategies import B1_U, problems
from verify._support import E, G, V, assert_verdict

EXPECTED = {
    "b1_decouple_cite": (E, "S = [2,2] makes U S² Uᵀ = 4I (case 1, Eq. 12); the toy's U is no permutation, so "
                            "the cited Eq. 13 does not apply"),
    "b1_starvation": (V, "engine: z1* increasing and z2* decreasing in s1 ∈ {2..6} for λ ∈ [1e-2, 1e2], "
                         "Eq. 9 and Eq. 10; δ = 0.6 < 1/√2"),
    "b1_primal_dual": (V, "the primal optimum equals the Eq. 9 fixed point (strong duality)"),
    "b1_sd": (V, "under SD z* does not depend on S"),
    "small_lambda": (V, "α* of Eq. 9 → 0 as λ/s² → 0"),
    "gs_ndim": (G, "only pairs with U_ji > 0 starve; about half of random couplings"),
}


@pytest.mark.parametrize("cid", sorted(EXPECTED))
def test_verdict(verdicts, cid):
    assert_verdict(verdicts, cid, *EXPECTED[cid])


# Both routes solve to a residual of 1e-12 (dual: max|F|, primal: max|∇L|); z* inherits
# that times the conditioning of the solves (≤ ~1e2 here for λ ≥ 1e-2), so 1e-9 relative.
RTOL_Z = 1e-9


@given(problems(1, 5))
@example((np.array([2.0, 2.0]), B1_U, 1.0))
@example((np.array([6.0, 2.0]), B1_U, 0.1))
def test_primal_optimum_equals_eq9_fixed_point(p):
    s, U, lam = p
    zp = primal_optimum(s, U, lam, "eq5", m=len(s) + 3, rng=1).z
    zd = solve_fixed_points(s, U, lam, "eq9").z
    np.testing.assert_allclose(zp, zd, rtol=RTOL_Z, atol=RTOL_Z * np.max(np.abs(zd)))


@given(problems(1, 5))
@example((np.array([4.0, 2.0]), B1_U, 0.5))
def test_primal_sd_optimum_equals_eq18_fixed_point(p):
    s, U, lam = p
    zp = primal_optimum(s, U, lam, "eq17", m=len(s) + 3, rng=1).z
    zd = solve_fixed_points(s, U, lam, "sd").z
    np.testing.assert_allclose(zp, zd, rtol=RTOL_Z, atol=RTOL_Z * np.max(np.abs(zd)))


@pytest.mark.parametrize("s1", [2.0, 3.0, 4.0, 5.0, 6.0])
def test_b1_gradient_flow_reaches_dual_fixed_point(s1):
    # App. B.1 toy at λ = 1: integrate the primal gradient flow (BDF, rtol 1e-10) to
    # t = 200 ≫ 1/λ (the Hessian is ⪰ λI, so the error decays at least like e^{-λt}).
    s = np.array([s1, 2.0])
    traj = primal_gradient_flow(s, B1_U, 1.0, "eq5", m=4, rng=0, t_end=200.0)
    zd = solve_fixed_points(s, B1_U, 1.0, "eq9").z
    # e^{-200} is negligible; the integrator's rtol 1e-10 bounds the end-point error.
    np.testing.assert_allclose(traj.z[-1], zd, rtol=1e-7)


def test_eq10_fixed_point_is_not_the_primal_optimum():
    # App. B.1's "same fixed points" is a property of the exact dual (Eq. 9) only:
    # the Taylor step of Eq. 10 moves the fixed point by O(α*²).
    s = np.array([3.0, 2.0])
    zp = primal_optimum(s, B1_U, 1.0, "eq5", m=4, rng=0).z
    z10 = solve_fixed_points(s, B1_U, 1.0, "eq10").z
    assert np.max(np.abs(z10 - zp) / np.abs(zp)) > 1e-3
