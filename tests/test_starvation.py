"""Tests of theory.starvation: z* and dz2*/ds1² to first order in δ, and Thm. 2's sign.

References are computed here by mpmath from scratch: the exact fixed point of Eq. 10
for U of Eq. 15 by findroot, z* by Eq. 11, derivatives by central differences.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from theory.claims import CLAIMS
from theory.derivation import Verdict
from theory.starvation import comparisons, first_order_dz2_ds1sq, first_order_z, first_order_z_parts
from theory.symbols import delta, lam, s1, s2

MPMATH_DPS = 50  # working precision of this module's tests (set per test by conftest)


def _z_exact(s1v, s2v, lamv, dv):
    c = mpmath.sqrt(1 - dv**2)
    U = mpmath.matrix([[c, -dv], [dv, c]])
    S2 = mpmath.diag([s1v**2, s2v**2])
    A = U * (S2 + lamv * mpmath.eye(2)) * U.T / lamv

    def F(x, y):
        return [-mpmath.log(x) - (x * A[0, 0] + y * A[1, 0]), -mpmath.log(y) - (x * A[0, 1] + y * A[1, 1])]

    a = mpmath.findroot(F, [mpmath.mpf("0.3"), mpmath.mpf("0.3")])
    return S2 * U.T * mpmath.matrix([a[0], a[1]]) / lamv


def _num(expr, s1v, s2v, lamv, dv=0):
    sub = {s1: sp.Float(str(s1v), 50), s2: sp.Float(str(s2v), 50), lam: sp.Float(str(lamv), 50),
           delta: sp.Float(str(dv), 50)}
    return mpmath.mpf(sp.N(expr.xreplace(sub), 50))


P = (mpmath.mpf("2.2"), mpmath.mpf("0.9"), mpmath.mpf("0.5"))


def test_zeroth_order_is_eq13():
    (z10, _), (z20, _) = first_order_z_parts()
    for k, (expr, sv) in enumerate(((z10, P[0]), (z20, P[1]))):
        # Eq. 13 computed independently: s²W(1+s²/λ)/(s²+λ).
        want = sv**2 * mpmath.lambertw(1 + sv**2 / P[2]).real / (sv**2 + P[2])
        assert abs(_num(expr, *P) - want) < mpmath.mpf(10) ** -40, k


def test_first_order_coefficients_match_numeric_root():
    (z10, z11), (z20, z21) = first_order_z_parts()
    dv = mpmath.mpf("1e-6")
    z = _z_exact(*P, dv)
    for expr0, expr1, zk in ((z10, z11, z[0]), (z20, z21, z[1])):
        slope = (zk - _num(expr0, *P)) / dv
        # (z(δ) − z⁽⁰⁾)/δ = z⁽¹⁾ + O(δ): at δ = 1e-6 the gap is ~1e-6 times an O(1) coefficient.
        assert abs(slope - _num(expr1, *P)) < 1e-4


def test_first_order_z_remainder_is_second_order():
    z1, z2 = first_order_z()
    gaps = []
    for dv in (mpmath.mpf("1e-2"), mpmath.mpf("1e-3")):
        z = _z_exact(*P, dv)
        gaps.append(abs(z[1] - _num(z2, *P, dv)))
    # O(δ²): tenfold smaller δ gives ~100× smaller remainder (first order would give 10×).
    assert 50 < gaps[0] / gaps[1] < 200


def test_dz2_ds1sq_matches_finite_difference_of_numeric_root():
    dv, h = mpmath.mpf("1e-5"), mpmath.mpf("1e-12")
    s1v, s2v, lamv = P
    zp = _z_exact(mpmath.sqrt(s1v**2 + h), s2v, lamv, dv)[1]
    zm = _z_exact(mpmath.sqrt(s1v**2 - h), s2v, lamv, dv)[1]
    fd = (zp - zm) / (2 * h)  # central difference in s1²: error O(h²) ~ 1e-24
    got = _num(first_order_dz2_ds1sq(), s1v, s2v, lamv, dv)
    # The first-order derivative is O(δ); the neglected term is O(δ²), i.e. relative O(δ) = 1e-5.
    assert abs(fd - got) / abs(got) < 1e-3
    assert got < 0  # s1 > s2, δ > 0


def test_sign_flips_with_delta_and_with_strength_order():
    expr = first_order_dz2_ds1sq()
    assert _num(expr, 2.2, 0.9, 0.5, "0.1") < 0
    assert _num(expr, 2.2, 0.9, 0.5, "-0.1") > 0
    assert _num(expr, 0.9, 2.2, 0.5, "0.1") > 0
    assert abs(_num(expr, 1.3, 1.3, 0.5, "0.1")) < mpmath.mpf(10) ** -40


def test_c10_reading_equals_numeric_newton_step():
    # Eq. 14 with α0 of Eq. 56, computed numerically: (A + diag(1/α0))α = 1 − log α0.
    s1v, s2v, lamv = P
    dv = mpmath.mpf("0.2")
    c = mpmath.sqrt(1 - dv**2)
    U = mpmath.matrix([[c, -dv], [dv, c]])
    A = U * (mpmath.diag([s1v**2, s2v**2]) + lamv * mpmath.eye(2)) * U.T / lamv
    a0 = [mpmath.lambertw(A[k, k]).real / A[k, k] for k in range(2)]
    M = A + mpmath.diag([1 / a0[0], 1 / a0[1]])
    want = mpmath.lu_solve(M.T, mpmath.matrix([1 - mpmath.log(a0[0]), 1 - mpmath.log(a0[1])]))
    printed = CLAIMS["c10_alpha"].printed.rhs
    for k in range(2):
        assert abs(_num(printed[k], s1v, s2v, lamv, dv) - want[k]) < mpmath.mpf(10) ** -40


def test_comparisons_verdicts():
    got = {c.claim_id: c for c in comparisons()}
    # Regime: proved to first order for δ > 0, s1 > s2; the exact sign flips beyond δ = 1/√2.
    assert got["thm2"].verdict is Verdict.REGIME and got["thm2"].regime_check.passed
    assert not got["thm2"].check.passed and float(got["thm2"].counterexample["printed_100"][0]) > 0
    for cid in ("eq15", "c10_alpha", "eq65"):
        assert got[cid].verdict is Verdict.VERIFIED, cid
    for cid in ("def2", "eq63", "eq64"):
        assert got[cid].verdict is Verdict.ERRATUM and got[cid].corrected_check.passed, cid
