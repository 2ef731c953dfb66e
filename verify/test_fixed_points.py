"""The uncoupled cases (§3.3, Eq. 12-13; App. C.7-C.8, Eq. 39-53).

Routes compared:
- printed vs derived (verdicts from theory.uncoupled);
- printed Eq. 12 / Eq. 13 (lambdified from theory.claims) vs the engine's exact fixed
  points of Eq. 10 (damped Newton to 1e-12) — property tests over n, s, λ, U;
- printed Eq. 12 vs the end point of the integrated Eq. 10 ODE from a random start.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given

from theory.claims import CLAIMS
from theory.engine.fixed_points import solve_fixed_points
from theory.engine.trajectories import dual_ode
from verify._strategies import B1_U, log_lam, log_s, orthogonal, problems
from verify._support import E, G, Tracker, V, assert_verdict

EXPECTED = {
    "eq12_alpha": (V, "−log α = α(s²+λ)/λ is solved by λW(1+s²/λ)/(s²+λ)"),
    "eq12_z": (V, "z* = λ⁻¹s²Uᵀα* = s²W/(s²+λ) Σ_i u_ij"),
    "eq13_alpha": (G, "true for U = I; for a genuine permutation α_i pairs with s_π(i)"),
    "eq13_z": (E, "index typo: z_j* must use s_j, not s_i"),
    "eq41": (V, "U(s²+λ)IUᵀ = (s²+λ)I"),
    "eq43": (V, "rearrangement of Eq. 42"),
    "eq44": (V, "LambertW solution"),
    "eq45": (V, "z = s²W/(s²+λ)Uᵀ1"),
    "eq46": (E, "z_i* printed with summation index i; corrected z_j*"),
    "eq50": (V, "componentwise Eq. 49"),
    "eq51": (V, "LambertW solution for U = I"),
    "eq52": (V, "Eq. 11 with U = I"),
    "eq53": (E, "same index typo as Eq. 13"),
}


@pytest.mark.parametrize("cid", sorted(EXPECTED))
def test_verdict(verdicts, cid):
    assert_verdict(verdicts, cid, *EXPECTED[cid])


def _sym(expr, name):
    return [x for x in expr.free_symbols if x.name == name][0]


def _printed_eq12():
    a = CLAIMS["eq12_alpha"].printed.rhs
    z = CLAIMS["eq12_z"].printed.rhs
    colsum = sp.Symbol("colsum")
    z = z.replace(lambda e: isinstance(e, sp.Sum), lambda e: colsum)
    lam, s = _sym(a, "lambda"), _sym(a, "s")
    fa = sp.lambdify((lam, s), a, modules=["scipy", "numpy"])
    fz = sp.lambdify((lam, s, colsum), z, modules=["scipy", "numpy"])
    return (lambda L, S: np.real(fa(L, S))), (lambda L, S, c: np.real(fz(L, S, c)))


# Engine residual ≤ 1e-12 in F = −log α − Aα: α is then accurate to ~1e-12 relative
# (|dF/dα| ≥ 1/α); lambertw (scipy) is accurate to ~1e-15. 1e-10 relative is safe.
RTOL = 1e-10
_t12a = Tracker("eq12_alpha", "engine Eq. 10 fixed point vs printed Eq. 12", "S² = s²I, Haar-random U, n = 1..5")
_t12z = Tracker("eq12_z", "engine z* vs printed Eq. 12", "S² = s²I, Haar-random U, n = 1..5")


@given(problems(1, 5))
@example((np.array([2.0, 2.0]), B1_U, 1.0))  # App. B.1 with S = [2, 2]
def test_eq12_printed_matches_engine(p):
    s_vec, U, lam = p
    s = float(s_vec[0])
    n = len(s_vec)
    fa, fz = _printed_eq12()
    fp = solve_fixed_points(np.full(n, s), U, lam, "eq10")
    pa = np.full(n, fa(lam, s))
    pz = fz(lam, s, U.sum(axis=0))  # Σ_i u_ij for each j
    _t12a.update(pa, fp.alpha)
    _t12z.update(pz, fp.z)
    np.testing.assert_allclose(fp.alpha, pa, rtol=RTOL)
    np.testing.assert_allclose(fp.z, pz, rtol=RTOL, atol=RTOL * np.max(np.abs(pz)))


def test_eq12_printed_matches_ode_end_point():
    fa, _ = _printed_eq12()
    s, lam, U = 3.0, 0.5, orthogonal(3, 5)
    traj = dual_ode(np.full(3, s), U, lam, "eq10", rng=0)
    # ODE rtol 1e-10 in log α, t_end = 60 with rates ≥ 2: end point within 1e-8.
    np.testing.assert_allclose(traj.alpha[-1], fa(lam, s), rtol=1e-8)


@given(log_lam, log_s, log_s, log_s)
def test_eq13_printed_matches_engine_for_identity_U(log_l, a, b, c):
    lam, s = 10.0**log_l, 10.0 ** np.array([a, b, c])
    pr = CLAIMS["eq13_alpha"].printed.rhs
    f = sp.lambdify((_sym(pr, "lambda"), _sym(pr, "s_i")), pr, modules=["scipy", "numpy"])
    fp = solve_fixed_points(s, np.eye(3), lam, "eq10")
    np.testing.assert_allclose(fp.alpha, np.real(f(lam, s)), rtol=RTOL)


def test_eq13_z_index_for_a_genuine_permutation():
    # 3-cycle P: engine z_j* equals the printed formula evaluated at s_j (the corrected
    # index), and not at s_i of the example i that carries feature j.
    P = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    s, lam = np.array([3.0, 1.0, 0.4]), 0.7
    pr = CLAIMS["eq13_z"].printed.rhs
    f = sp.lambdify((_sym(pr, "lambda"), _sym(pr, "s_i")), pr, modules=["scipy", "numpy"])
    z = solve_fixed_points(s, P, lam, "eq10").z
    np.testing.assert_allclose(z, np.real(f(lam, s)), rtol=RTOL)
    carrier = np.argmax(P, axis=0)  # example i with P_ij = 1
    assert not np.allclose(z, np.real(f(lam, s[carrier])), rtol=1e-3)
    # and α_i pairs with s_π(i) (eq13_alpha holds only for U = I)
    a = solve_fixed_points(s, P, lam, "eq10").alpha
    pa = CLAIMS["eq13_alpha"].printed.rhs
    fa = sp.lambdify((_sym(pa, "lambda"), _sym(pa, "s_i")), pa, modules=["scipy", "numpy"])
    np.testing.assert_allclose(a, np.real(fa(lam, s[np.argmax(P, axis=1)])), rtol=RTOL)
    assert not np.allclose(a, np.real(fa(lam, s)), rtol=1e-3)
