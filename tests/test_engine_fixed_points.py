"""Fixed points of Eq. 9, Eq. 10, Eq. 18 (SD) and App. B.5 (theory.engine.fixed_points).

Every expected value comes from an independent route: a per-point evaluation of F
written here from the paper's equations (explicit sums over k of s_k² u_k u_kᵀ), the
Lambert-W closed form of Eq. 13 for U = I (scipy.special.lambertw), or an mpmath
root at 30 digits.
"""

import math

import mpmath
import numpy as np
import pytest
from scipy.special import lambertw

from theory.engine import NonConvergenceError, solve_fixed_points, toy_b1, u_eq15
from theory.engine.constructors import random_near_identity_u
from theory.engine.fixed_points import FixedPointResult

TOL = 1e-12  # the engine's documented stopping rule: max_i |F_i| / S_i ≤ 1e-12 (S_i: size of F_i's terms)


def random_batch(n, N, rng, delta=0.5):
    s = 10 ** rng.uniform(-1, 1, (N, n))  # theory.symbols.DOMAINS: s ∈ [0.1, 10], log
    lam = 10 ** rng.uniform(-2, 2, N)  # λ ∈ [1e-2, 1e2], log
    if n == 2:
        U = u_eq15(rng.uniform(-0.95, 0.95, N))
    else:
        U = random_near_identity_u(n, delta, (N,), rng)
    return s, U, lam


def F_independent(alpha, s, U, lam, dynamics, y=None, gamma=0.0, relative=False):
    """max_i |F_i| of one point, written from Eq. 9 / 10 / 18 / B.5 directly; with
    ``relative``, each |F_i| is divided by the sum of the magnitudes of its terms plus 1."""
    n = len(s)
    K = sum(s[k] ** 2 * np.outer(U[:, k], U[:, k]) for k in range(n))  # K = U S² Uᵀ
    out = []
    for i in range(n):
        a = alpha[i]
        Ka = sum(K[i, j] * alpha[j] for j in range(n))
        size = 1 + sum(abs(K[i, j]) * alpha[j] for j in range(n)) / lam
        if dynamics == "eq9":
            f = math.log((1 - a) / a) - Ka / lam
            size += abs(math.log(a)) + abs(math.log(1 - a))
        elif dynamics == "eq10":
            f = -math.log(a) - Ka / lam - a  # A = λ⁻¹U(S²+λI)Uᵀ = K/λ + I
            size += abs(math.log(a)) + a
        elif dynamics == "sd":
            f = math.log((1 - a) / a) - a / lam
            size = 1 + abs(math.log(a)) + abs(math.log(1 - a)) + a / lam
        else:
            f = math.log((1 - a) / a) - gamma * y[i] - a / lam
            size = 1 + abs(math.log(a)) + abs(math.log(1 - a)) + abs(gamma) + a / lam
        out.append(abs(f) / size if relative else abs(f))
    return max(out)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("dynamics", ["eq9", "eq10", "sd"])
def test_fixed_points_satisfy_their_equation(n, dynamics):
    rng = np.random.default_rng(100 * n + len(dynamics))
    s, U, lam = random_batch(n, 300, rng)
    r = solve_fixed_points(s, U, lam, dynamics)
    assert r.alpha.shape == (300, n) and r.residual.shape == (300,)
    assert np.all(r.relative_residual <= TOL)
    # Independent evaluation in plain Python, relative to the terms' size; 2e-12: the
    # engine stops at 1e-12 and the naive sums here add a few ulp of the terms.
    worst = max(F_independent(r.alpha[i], s[i], U[i], lam[i], dynamics, relative=True) for i in range(300))
    assert worst <= 2e-12
    # The reported residual is the absolute max |F_i| recomputed from α: it agrees with
    # the plain-Python one to rounding (terms ≤ ~1e4 here: 1e-11 covers their ulps).
    indep = np.array([F_independent(r.alpha[i], s[i], U[i], lam[i], dynamics) for i in range(300)])
    assert np.all(np.abs(r.residual - indep) <= 1e-11)
    if dynamics != "eq10":
        assert np.all((r.alpha > 0) & (r.alpha < 1))


def test_b5_variant_and_its_z():
    rng = np.random.default_rng(7)
    s, U, lam = random_batch(3, 200, rng)
    y = rng.choice([-1.0, 1.0], (200, 3))
    gamma = rng.uniform(-1, 3, 200)
    r = solve_fixed_points(s, U, lam, "b5", y=y, gamma=gamma)
    worst = max(F_independent(r.alpha[i], s[i], U[i], lam[i], "b5", y[i], gamma[i], relative=True)
                for i in range(200))
    assert worst <= 2e-12
    # z* = Uᵀ(γy + α/λ), from ŷ: ω = Yŷ = γy + α/λ and z = UᵀYŷ (Eq. 4)
    for i in range(0, 200, 37):
        omega = gamma[i] * y[i] + r.alpha[i] / lam[i]
        assert np.allclose(r.z[i], U[i].T @ omega, rtol=1e-13, atol=1e-13)


def test_z_of_eq11_and_sd():
    rng = np.random.default_rng(8)
    s, U, lam = random_batch(3, 50, rng)
    for dyn in ("eq9", "eq10"):
        r = solve_fixed_points(s, U, lam, dyn)
        for i in range(50):
            z = (s[i] ** 2 / lam[i]) * (U[i].T @ r.alpha[i])  # Eq. 11
            assert np.allclose(r.z[i], z, rtol=1e-13, atol=1e-14)
    r = solve_fixed_points(s, U, lam, "sd")
    assert np.allclose(r.z, np.einsum("bji,bj->bi", U, r.alpha) / lam[:, None], rtol=1e-13)
    # SD: every α_i solves the same scalar equation, so all are equal (Eq. 18).
    assert np.all(np.ptp(r.alpha, axis=-1) <= 1e-15)


def test_uncoupled_case_matches_lambert_w_closed_form():
    # U = I: Eq. 10 decouples, α_i = W(1 + s_i²/λ)/(1 + s_i²/λ) (Eq. 13, with
    # λW(·)/(s²+λ) = W(a)/a, a = 1 + s²/λ). scipy's lambertw is an independent route.
    rng = np.random.default_rng(9)
    s = 10 ** rng.uniform(-1, 1, (500, 2))
    lam = 10 ** rng.uniform(-2, 2, 500)
    r = solve_fixed_points(s, np.eye(2), lam, "eq10")
    a = 1 + s**2 / lam[:, None]
    expected = np.real(lambertw(a)) / a
    # Stopping rule |F_i| ≤ 1e-12·S_i with |dF/dlog α| = 1 + a α ≥ 1 ⇒ |Δ log α| ≤ 1e-12·S_i
    # (S_i = 1 + |log α| + aα, computed here independently); plus 1e-14 for lambertw's and
    # the division's rounding.
    S = 1 + np.abs(np.log(expected)) + a * expected
    assert np.all(np.abs(r.alpha / expected - 1) < 1e-12 * S + 1e-14)


def test_two_by_two_path_agrees_with_mpmath_and_general_path():
    rng = np.random.default_rng(10)
    s, U, lam = random_batch(2, 6, rng)
    mpmath.mp.dps = 30
    for dyn in ("eq9", "eq10"):
        r = solve_fixed_points(s, U, lam, dyn)
        for i in range(6):
            K = [[sum(mpmath.mpf(s[i, k]) ** 2 * U[i, a, k] * U[i, b, k] for k in range(2)) for b in range(2)]
                 for a in range(2)]
            L = mpmath.mpf(lam[i])

            def F(a1, a2, K=K, L=L, dyn=dyn):
                al = [a1, a2]
                res = []
                for p in range(2):
                    ka = sum(K[p][q] * al[q] for q in range(2)) / L
                    res.append(mpmath.log((1 - al[p]) / al[p]) - ka if dyn == "eq9" else -mpmath.log(al[p]) - ka - al[p])
                return res

            root = mpmath.findroot(F, [mpmath.mpf(x) for x in r.alpha[i]])
            # relative 1e-11: residual 1e-12 times the condition of the Jacobian (~10 here)
            assert np.allclose(r.alpha[i], [float(x) for x in root], rtol=1e-11, atol=0)
    # n = 2 path vs the general-n path on an equivalent 3×3 block problem: adding a
    # decoupled third feature must leave the first two α unchanged.
    r2 = solve_fixed_points(s, U, lam, "eq10")
    U3 = np.zeros((6, 3, 3))
    U3[:, :2, :2] = U
    U3[:, 2, 2] = 1.0
    s3 = np.concatenate([s, np.ones((6, 1))], axis=1)
    r3 = solve_fixed_points(s3, U3, lam, "eq10")
    assert np.allclose(r3.alpha[:, :2], r2.alpha, rtol=1e-11)


def test_batch_broadcasting():
    rng = np.random.default_rng(11)
    s = 10 ** rng.uniform(-1, 1, (3, 1, 2))
    U = u_eq15(rng.uniform(0, 0.9, 4))  # [4, 2, 2]
    lam = 10 ** rng.uniform(-1, 1, (3, 4))
    r = solve_fixed_points(s, U, lam, "eq9")
    assert r.alpha.shape == (3, 4, 2) and r.z.shape == (3, 4, 2) and r.iterations.shape == (3, 4)
    one = solve_fixed_points(s[2, 0], U[1], lam[2, 1], "eq9")
    assert np.allclose(one.alpha, r.alpha[2, 1], rtol=1e-11)


def test_toy_b1_starvation_and_sd_decoupling():
    # App. B.1: U = [[0.8, -0.6], [0.6, 0.8]], S = [s1, 2], s1 ∈ {2,...,6}. The paper says
    # z1* increases and z2* decreases with s1 (starvation), and SD leaves z2* unchanged.
    toy = toy_b1()
    assert np.allclose(toy.U, [[0.8, -0.6], [0.6, 0.8]]) and np.allclose(toy.s[:, 1], 2.0)
    for dyn in ("eq9", "eq10"):
        z = solve_fixed_points(toy.s, toy.U, 0.1, dyn).z
        assert np.all(np.diff(z[:, 0]) > 0) and np.all(np.diff(z[:, 1]) < 0)
    zsd = solve_fixed_points(toy.s, toy.U, 0.1, "sd").z
    assert np.ptp(zsd[:, 1]) == 0.0 and np.ptp(zsd[:, 0]) == 0.0


def test_nonconvergence_raises_with_parameters():
    s, U, lam = np.array([[9.0, 0.2], [1.0, 1.0]]), u_eq15(np.array([0.9, 0.1])), np.array([0.01, 1.0])
    with pytest.raises(NonConvergenceError) as exc:
        # 1e-18 relative is below float64's resolution (ε/2 ≈ 1.1e-16): even the mpmath
        # polish, rounded back to float64, cannot meet it.
        solve_fixed_points(s, U, lam, "eq10", max_iter=1, tol=1e-18)
    msg = str(exc.value)
    assert "of 2 points did not converge" in msg and "s=[" in msg and "lam=" in msg
    assert isinstance(exc.value, RuntimeError) and exc.value.count >= 1
    # The error carries the point's true residual (recomputed from α), not inf.
    assert 0.0 < exc.value.residual < 1e-10 and "relative_residual=" in msg


def test_alpha_ge_one_mask():
    r = FixedPointResult(alpha=np.array([[0.5, 1.2], [0.1, 0.2]]), z=np.zeros((2, 2)),
                         residual=np.zeros(2), iterations=np.zeros(2, int), dynamics="eq10")
    assert r.alpha_ge_one.tolist() == [True, False]
