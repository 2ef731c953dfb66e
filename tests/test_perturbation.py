"""Tests of theory.perturbation: Lemma 1 as a Newton step and its order in δ.

The reference values are computed here by mpmath from scratch: the exact fixed point of
Eq. 10 for U of Eq. 15 by findroot, and one Newton step with a finite-difference
Jacobian. Nothing is copied from the module's output.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from theory.derivation import Verdict
from theory.perturbation import (
    alpha0_eq15,
    comparisons,
    exact_series_eq15,
    lemma1_alpha,
    lemma1_alpha_eq15,
    lemma1_series_eq15,
    rotation_u,
    we_to_s,
)
from theory.symbols import delta, lam, s1, s2

MPMATH_DPS = 50  # working precision of this module's tests (set per test by conftest)
PT = {"lam": mpmath.mpf("0.6"), "s1": mpmath.mpf("1.7"), "s2": mpmath.mpf("0.8")}
SUB = {lam: sp.Float("0.6", 50), s1: sp.Float("1.7", 50), s2: sp.Float("0.8", 50)}


def _A(dv):
    # Eq. 10's matrix λ⁻¹U(S²+λI)Uᵀ with U of Eq. 15, written out here.
    c = mpmath.sqrt(1 - dv**2)
    U = mpmath.matrix([[c, -dv], [dv, c]])
    S2 = mpmath.diag([PT["s1"] ** 2, PT["s2"] ** 2])
    return U * (S2 + PT["lam"] * mpmath.eye(2)) * U.T / PT["lam"]


def _F(A):
    return lambda x, y: [-mpmath.log(x) - (x * A[0, 0] + y * A[1, 0]),
                         -mpmath.log(y) - (x * A[0, 1] + y * A[1, 1])]


def _exact_root(dv):
    return list(mpmath.findroot(_F(_A(dv)), [mpmath.mpf("0.3"), mpmath.mpf("0.3")]))


def _num(expr, dv):
    return mpmath.mpf(sp.N(expr.xreplace({**SUB, delta: sp.Float(str(dv), 50)}), 50))


def test_newton_step_matches_finite_difference_newton():
    A = mpmath.matrix([[mpmath.mpf("2.5"), mpmath.mpf("0.4")], [mpmath.mpf("0.4"), mpmath.mpf("6")]])
    a0 = [mpmath.mpf("0.35"), mpmath.mpf("0.2")]
    F = _F(A)
    J = mpmath.matrix(2, 2)
    h = mpmath.mpf(10) ** -20  # central differences: error O(h²) = 1e-40 at 50 digits
    for k in range(2):
        e = [mpmath.mpf(0), mpmath.mpf(0)]
        e[k] = h
        fp, fm = F(a0[0] + e[0], a0[1] + e[1]), F(a0[0] - e[0], a0[1] - e[1])
        for j in range(2):
            J[j, k] = (fp[j] - fm[j]) / (2 * h)
    step = mpmath.matrix(a0) - mpmath.lu_solve(J, mpmath.matrix(F(*a0)))
    As = sp.Matrix([[sp.Float("2.5", 50), sp.Float("0.4", 50)], [sp.Float("0.4", 50), 6]])
    got = lemma1_alpha(As, sp.Matrix([[sp.Float("0.35", 50), sp.Float("0.2", 50)]]))
    for k in range(2):
        assert abs(sp.N(got[k], 50) - step[k]) < mpmath.mpf(10) ** -30


def test_exact_series_matches_root_to_third_order():
    a0, a1, a2 = (we_to_s(c) for c in exact_series_eq15(2))
    for dv in (mpmath.mpf("1e-2"), mpmath.mpf("1e-3")):
        root = _exact_root(dv)
        for k in range(2):
            series = _num(a0[k], dv) + dv * _num(a1[k], dv) + dv**2 * _num(a2[k], dv)
            # Remainder O(δ³): at δ ≤ 1e-2 this is ≤ 1e-6 times a coefficient of order ≤ 10.
            assert abs(series - root[k]) < 10 * dv**3


@pytest.mark.parametrize("choice", ["delta0", "eq56"])
def test_lemma1_error_is_second_order(choice):
    a = lemma1_alpha_eq15(choice)
    errs = []
    for dv in (mpmath.mpf("1e-2"), mpmath.mpf("1e-3")):
        root = _exact_root(dv)
        errs.append(max(abs(_num(a[k], dv) - root[k]) for k in range(2)))
    # O(δ²) with a nonzero coefficient: shrinking δ tenfold shrinks the error ~100×
    # (a first-order error would give ~10×, a third-order one ~1000×).
    ratio = errs[0] / errs[1]
    assert 70 < ratio < 130


def test_lemma1_closed_form_equals_generic_newton_step():
    for choice in ("delta0", "eq56"):
        compact = lemma1_alpha_eq15(choice)
        A = rotation_u(delta)
        A = sp.eye(2) + A * sp.diag(s1**2, s2**2) * A.T / lam
        raw = lemma1_alpha(A, alpha0_eq15(choice))
        for k in range(2):
            assert abs(_num(compact[k], "0.3") - _num(raw[k], "0.3")) < mpmath.mpf(10) ** -35


def test_first_order_series_agree_and_second_differ():
    ex = exact_series_eq15(2)
    for choice in ("delta0", "eq56"):
        ns = lemma1_series_eq15(choice, 2)
        for k in (0, 1):
            assert (ns[k] - ex[k]).applyfunc(sp.cancel).is_zero_matrix
        assert not (ns[2] - ex[2]).applyfunc(sp.cancel).is_zero_matrix


def test_input_validation():
    with pytest.raises(ValueError, match="A must be a square"):
        lemma1_alpha(sp.ones(2, 3), sp.Matrix([[1, 1]]))
    with pytest.raises(ValueError, match="alpha0 must be a 1×2"):
        lemma1_alpha(sp.eye(2), sp.Matrix([[1, 1, 1]]))
    with pytest.raises(ValueError, match="choice must be one of"):
        alpha0_eq15("bogus")
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        exact_series_eq15(3)


def test_comparisons_verdicts():
    got = {c.claim_id: c for c in comparisons()}
    # Regime: holds under its condition (first order in δ), fails unconditionally (O(δ²) error).
    assert got["lemma1"].verdict is Verdict.REGIME and got["lemma1"].regime_check.passed
    assert not got["lemma1"].check.passed and got["lemma1"].counterexample is not None
    for cid in ("eq55", "eq56", "eq57"):
        assert got[cid].verdict is Verdict.VERIFIED, cid
    for cid in ("eq54", "eq58", "eq59"):
        assert got[cid].verdict is Verdict.ERRATUM and got[cid].corrected_check.passed, cid
