"""Sensitivities dz*/ds² (implicit differentiation) and first-order predictions."""

import numpy as np
import pytest

from theory.engine import dz_ds2, solve_fixed_points, u_eq15
from theory.engine import first_order as fo
from theory.engine.constructors import random_near_identity_u, toy_b1


def central_fd(s, U, lam, dynamics, rel_step):
    n = s.shape[-1]
    out = np.empty(s.shape[:-1] + (n, n))
    for j in range(n):
        h = rel_step * s[:, j] ** 2
        sp, sm = s.copy(), s.copy()
        sp[:, j] = np.sqrt(s[:, j] ** 2 + h)
        sm[:, j] = np.sqrt(s[:, j] ** 2 - h)
        # tol 1e-14 (relative to the terms' size S ≲ 1e2 here): the difference quotient
        # divides the solves' residual by h ~ 1e-4, so they must be near rounding level.
        zp = solve_fixed_points(sp, U, lam, dynamics, tol=1e-14).z
        zm = solve_fixed_points(sm, U, lam, dynamics, tol=1e-14).z
        out[:, :, j] = (zp - zm) / (2 * h[:, None])
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("dynamics", ["eq9", "eq10"])
def test_implicit_differentiation_matches_central_differences(n, dynamics):
    rng = np.random.default_rng(20 + n)
    N = 40
    s = 10 ** rng.uniform(-1, 1, (N, n))
    lam = 10 ** rng.uniform(-2, 2, N)
    U = u_eq15(rng.uniform(-0.9, 0.9, N)) if n == 2 else random_near_identity_u(n, 0.4, (N,), rng)
    J = dz_ds2(s, U, lam, dynamics)
    # Step h = 1e-4·s_j² (relative): truncation O(h²) ~ 1e-8 relative, rounding of the
    # solves (run at tol 1e-14 relative, see central_fd) ~1e-12/1e-4 = 1e-8; tolerance 1e-6 of the matrix's
    # largest entry leaves a factor 100 of margin and still catches any sign, factor or
    # index error (those are O(1) relative).
    fd = central_fd(s, U, lam, dynamics, 1e-4)
    scale = np.max(np.abs(J), axis=(1, 2), keepdims=True)
    assert np.max(np.abs(J - fd) / scale) < 1e-6


def test_sd_sensitivities_are_zero_and_fd_agrees():
    rng = np.random.default_rng(3)
    s = 10 ** rng.uniform(-1, 1, (10, 3))
    U = random_near_identity_u(3, 0.5, (10,), rng)
    lam = 10 ** rng.uniform(-1, 1, 10)
    assert np.all(dz_ds2(s, U, lam, "sd") == 0)
    assert np.max(np.abs(central_fd(s, U, lam, "sd", 1e-4))) == 0.0  # F and z do not depend on s


def test_definition2_on_the_toy():
    # App. B.1 toy: feature 1 starves feature 2, i.e. dz2*/ds1² < 0 (entry [1, 0]).
    toy = toy_b1([3.0, 4.0, 5.0])
    for dyn in ("eq9", "eq10"):
        assert np.all(dz_ds2(toy.s, toy.U, 0.1, dyn)[:, 1, 0] < 0)


ARGS = (np.array([3.0, 2.0, 5.0, 0.5]), np.array([2.0, 1.0, 0.5, 4.0]), np.array([0.5, 1.0, 0.1, 2.0]))


def test_first_order_derived_equals_printed_eq65():
    # The hand expansion (unsimplified) and Eq. 65 as transcribed in theory.claims (read by
    # fo.dz2_ds1sq_first_order_printed, never re-typed) are algebraically equal (shown in
    # first_order's docstring). Tolerance: both carry the difference e^{W1} − e^{W2}
    # (the derived one as a cancellation of three terms), so rounding is magnified by
    # κ = (e^{W1} + e^{W2})/|e^{W1} − e^{W2}|; we allow 1e-13·(1 + κ) relative
    # (~500 ulp: a few dozen float64 operations on each side).
    from scipy.special import lambertw

    rng = np.random.default_rng(4)
    s1, s2 = 10 ** rng.uniform(-1, 1, (2, 200))
    lam = 10 ** rng.uniform(-2, 2, 200)
    d = rng.uniform(1e-3, 0.9, 200)
    a = fo.dz2_ds1sq_first_order_derived(s1, s2, lam, d)
    b = fo.dz2_ds1sq_first_order_printed(s1, s2, lam, d)
    e1, e2 = np.exp(np.real(lambertw(1 + s1**2 / lam))), np.exp(np.real(lambertw(1 + s2**2 / lam)))
    kappa = (e1 + e2) / np.abs(e1 - e2)
    assert np.all(np.abs(a - b) / np.abs(a) < 1e-13 * (1 + kappa))
    assert np.all(np.sign(a) == np.sign(s2 - s1))  # Theorem 2: dz2/ds1² < 0 iff s1 > s2 (δ > 0)


def test_first_order_is_first_order_in_delta():
    # The error of a first-order formula must shrink like δ² (absolute): halving δ
    # divides it by ~4. For dz2/ds1² (itself O(δ)) the relative error is O(δ).
    s1, s2, lam = ARGS
    errs_dz, errs_z, errs_l1 = [], [], []
    for d in (1e-2, 5e-3):
        exact = fo.dz2_ds1sq_exact(s1, s2, lam, d)
        errs_dz.append(np.abs(fo.dz2_ds1sq_first_order_derived(s1, s2, lam, d) - exact))
        zx = solve_fixed_points(np.stack([s1, s2], -1), u_eq15(np.full(4, d)), lam, "eq10")
        errs_z.append(np.max(np.abs(fo.z_first_order_delta(s1, s2, lam, d) - zx.z), -1))
        errs_l1.append(np.max(np.abs(fo.lemma1_alpha_eq15(s1, s2, lam, d) - zx.alpha), -1))
    for e in (errs_dz, errs_z, errs_l1):
        ratio = e[0] / e[1]
        assert np.all((ratio > 3.0) & (ratio < 5.0)), ratio  # 4 ± O(δ) corrections


def test_lemma1_general_n_and_uncoupled_limit():
    rng = np.random.default_rng(5)
    s = 10 ** rng.uniform(-1, 1, (20, 4))
    lam = 10 ** rng.uniform(-1, 1, 20)
    # δ = 0 (U = I): α0 is the exact fixed point, so Lemma 1 returns it exactly.
    a = fo.lemma1_alpha(s, np.eye(4), lam)
    exact = solve_fixed_points(s, np.eye(4), lam, "eq10").alpha
    assert np.allclose(a, exact, rtol=1e-13)
    # n = 4, U = expm(δΩ) with one fixed Ω: Lemma 1's error is O(δ²) (halving δ → /4).
    errs = []
    for d in (2e-3, 1e-3):
        U = random_near_identity_u(4, d, (20,), 77)
        exact = solve_fixed_points(s, U, lam, "eq10").alpha
        errs.append(np.max(np.abs(fo.lemma1_alpha(s, U, lam) - exact), -1))
    ratio = errs[0] / errs[1]
    assert np.all((ratio > 3.0) & (ratio < 5.0)), ratio
