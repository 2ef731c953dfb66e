"""Tests of theory.uncoupled: Eq. 12-13 and 41-53 against independent numeric routes.

Expected values come from mpmath root finding of the coupled fixed-point equation
−log α − αA = 0 built here from scratch (not from the module), never from the module's
own output.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from theory.claims import CLAIMS
from theory.derivation import Verdict
from theory.symbols import lam, s, s1, s2
from theory.uncoupled import (
    case1,
    case2,
    cayley_orthogonal,
    comparisons,
    k1,
    k2,
    k3,
    linear_term_matrix,
    permutation_matrix,
    s3,
    scalar_fixed_point,
)

MPMATH_DPS = 40  # working precision of this module's tests (set per test by conftest)


def _numeric_root(A: mpmath.matrix) -> list:
    """Root of −log α_j − Σ_i α_i A_ij = 0 by mpmath.findroot (row-vector convention)."""
    n = A.rows

    def F(*a):
        return [-mpmath.log(a[j]) - sum(a[i] * A[i, j] for i in range(n)) for j in range(n)]

    return list(mpmath.findroot(F, [mpmath.mpf("0.3")] * n))


def _A_numeric(U: mpmath.matrix, s_sq: list, lam_v) -> mpmath.matrix:
    # Eq. 10 written directly: λ⁻¹ U (S² + λI) Uᵀ (U orthogonal here).
    return U * (mpmath.diag(s_sq) + lam_v * mpmath.eye(U.rows)) * U.T / lam_v


def test_scalar_root_solves_the_fixed_point_equation():
    c = sp.Symbol("c", positive=True)
    root = scalar_fixed_point(c)
    for cv in ("0.3", "1", "7.5", "400"):
        want = mpmath.findroot(lambda a: -mpmath.log(a) - mpmath.mpf(cv) * a, mpmath.mpf("0.5"))
        got = sp.N(root.subs(c, sp.Float(cv, 40)), 40)
        assert abs(got - want) < mpmath.mpf(10) ** -30


def test_scalar_root_rejects_nonpositive_c():
    with pytest.raises(ValueError, match="c must be > 0"):
        scalar_fixed_point(sp.Integer(-1))


def test_case1_matches_numeric_root_with_orthogonal_U():
    r = case1()
    pt = {k1: sp.Rational(3, 10), k2: sp.Rational(-7, 10), k3: sp.Rational(11, 10), s: 2, lam: sp.Rational(1, 3)}
    U = cayley_orthogonal().subs(pt)
    Um = mpmath.matrix([[mpmath.mpf(sp.N(U[a, b], 40)) for b in range(3)] for a in range(3)])
    lam_v, s_v = mpmath.mpf(1) / 3, mpmath.mpf(2)
    root = _numeric_root(_A_numeric(Um, [s_v**2] * 3, lam_v))
    z_num = mpmath.diag([s_v**2] * 3) * Um.T * mpmath.matrix(root) / lam_v
    for j in range(3):
        assert abs(root[j] - sp.N(r["alpha"].subs(pt), 40)) < 1e-25
        assert abs(z_num[j] - sp.N(r["z"][j].subs(pt), 40)) < 1e-25


def test_case2_genuine_permutation_index():
    # U[i, π(i)] = 1 with π = (2, 3, 1): α_i involves s_π(i), z_j involves s_j.
    r = case2()["P3"]
    vals = {s1: sp.Rational(1, 2), s2: 3, s3: sp.Rational(7, 4), lam: sp.Rational(2, 5)}
    P = mpmath.matrix([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    s_sq = [mpmath.mpf(sp.N(v**2, 40)) for v in (vals[s1], vals[s2], vals[s3])]
    lam_v = mpmath.mpf(2) / 5
    root = _numeric_root(_A_numeric(P, s_sq, lam_v))
    z_num = mpmath.diag(s_sq) * P.T * mpmath.matrix(root) / lam_v
    for k in range(3):
        assert abs(root[k] - sp.N(r["alpha"][k].subs(vals), 40)) < 1e-25
        assert abs(z_num[k] - sp.N(r["z"][k].subs(vals), 40)) < 1e-25
    # The printed α_i (with s_i) is wrong for this U: α_1 uses s_2.
    from theory.claims.uncoupled import s_i

    printed_a1 = CLAIMS["eq13_alpha"].printed.rhs.xreplace({s_i: s1}).subs(vals)  # Eq. 13 as transcribed
    assert abs(root[0] - sp.N(printed_a1, 40)) > 1e-3


def test_linear_term_matrix_matches_eq9_taylor_term():
    # A must reproduce Eq. 9's non-log terms to first order in α: log(1−α) − λ⁻¹αUS²Uᵀ ≈ −αA.
    U = sp.Matrix([[sp.Rational(4, 5), sp.Rational(-3, 5)], [sp.Rational(3, 5), sp.Rational(4, 5)]])
    A = linear_term_matrix(U, [s1**2, s2**2]).subs({s1: 2, s2: 1, lam: sp.Rational(1, 2)})
    eps = sp.Rational(1, 10**8)
    a = sp.Matrix([[3 * eps, 5 * eps]])
    eq9 = a.applyfunc(lambda v: sp.log(1 - v)) - a * U * sp.diag(4, 1) * U.T * 2
    lin = -a * A
    for k in range(2):
        # The remainder of log(1−α) is O(α²) ~ 1e-15, far below the O(α) ~ 1e-8 terms.
        assert abs(sp.N(eq9[k] - lin[k], 30)) < 1e-14


def test_permutation_and_sizes_validated():
    with pytest.raises(ValueError, match="perm must be a permutation"):
        permutation_matrix([0, 0, 1])
    with pytest.raises(ValueError, match="s_sq must have 2 entries"):
        linear_term_matrix(sp.eye(2), [s1**2])
    with pytest.raises(ValueError, match="U must be square"):
        linear_term_matrix(sp.ones(2, 3), [s1**2, s2**2])


def test_comparisons_verdicts():
    got = {c.claim_id: c for c in comparisons()}
    ids = [c.id for c in CLAIMS.values() if c.id in got]
    assert set(got) == {"eq12_alpha", "eq12_z", "eq13_alpha", "eq13_z", "eq41", "eq43", "eq44", "eq45",
                        "eq46", "eq50", "eq51", "eq52", "eq53"}
    assert len(ids) == len(got)
    for cid in ("eq12_alpha", "eq12_z", "eq41", "eq43", "eq44", "eq45", "eq50", "eq51", "eq52"):
        assert got[cid].verdict is Verdict.VERIFIED, cid
    for cid in ("eq13_z", "eq46", "eq53"):
        c = got[cid]
        assert c.verdict is Verdict.ERRATUM, cid
        assert c.counterexample is not None and c.corrected_check.passed
    assert got["eq13_alpha"].verdict is Verdict.REGIME
    assert got["eq13_alpha"].counterexample is not None
