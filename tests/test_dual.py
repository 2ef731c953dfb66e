"""Tests of theory.dual: θ*, Eq. 8–11 and their verdicts."""

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize

from theory import dual
from theory.derivation import Verdict
from theory.symbols import alpha1, alpha2, eta, lam, s1, s2

PT = {dual.t_U: 0.4, dual.k1: 0.3, dual.k2: -0.7, dual.k3: 1.1, s1: 2.0, s2: 0.5, lam: 0.3,
      alpha1: 0.2, alpha2: 0.65}


def _num(M):
    return np.array(sp.Matrix(M).subs(PT).evalf(30), dtype=float)


def test_theta_star_matches_numeric_minimisation():
    # Independent route: minimise −αYΦ₀θ + λ/2‖θ‖² numerically.
    I = dual.instance()
    YPhi = _num(I["Y"] * I["Phi0"])
    a = np.array([PT[alpha1], PT[alpha2]])
    res = minimize(lambda th: -a @ YPhi @ th + PT[lam] / 2 * th @ th, np.zeros(3), tol=1e-14)
    np.testing.assert_allclose(_num(dual.derived_theta_star()).ravel(), res.x, atol=1e-6)


def test_eq9_rhs_is_gradient_of_numeric_dual():
    # Independent: finite differences of D(α) = ΣH − ‖αYΦ₀‖²/(2λ) built from numbers.
    I = dual.instance()
    YPhi = _num(I["Y"] * I["Phi0"])
    lam_ = PT[lam]

    def D(a):
        return float(np.sum(-(a * np.log(a) + (1 - a) * np.log(1 - a))) - np.sum((a @ YPhi) ** 2) / (2 * lam_))

    a = np.array([PT[alpha1], PT[alpha2]])
    h = 1e-6  # central differences: error ~h² ≈ 1e-12 ≪ 1e-6 tolerance
    fd = np.array([(D(a + h * e) - D(a - h * e)) / (2 * h) for e in np.eye(2)])
    sym = np.array(dual.derived_eq9_rhs().subs({**PT, eta: 1}).evalf(30), dtype=float).ravel()
    np.testing.assert_allclose(sym, fd, atol=1e-6)
    U = _num(I["U"])
    np.testing.assert_allclose(dual.eq9_rhs(a, U, np.array([PT[s1], PT[s2]]), lam_), fd, atol=1e-6)


def test_taylor_error_is_second_order():
    U = np.array([[0.6, -0.8], [0.8, 0.6]])
    s = np.array([2.0, 0.5])
    for a0 in (1e-2, 1e-3, 1e-4):
        a = np.array([a0, a0])
        diff = dual.eq9_rhs(a, U, s, 0.1) - dual.eq10_rhs(a, U, s, 0.1)
        # log(1−α) + α = −α²/2 − α³/3 …: ratio to α² → −1/2 (hand expansion).
        np.testing.assert_allclose(diff / a0**2, -0.5, rtol=2 * a0)


def test_strong_duality_evidence():
    chk = dual.strong_duality_check()
    assert chk.passed and chk.points >= 20


def test_bad_input():
    U = np.eye(2)
    with pytest.raises(ValueError, match="lam"):
        dual.eq10_rhs(np.array([0.5, 0.5]), U, np.ones(2), 0.0)
    with pytest.raises(ValueError, match="alpha"):
        dual.eq9_rhs(np.array([0.5, 1.5]), U, np.ones(2), 1.0)
    with pytest.raises(ValueError, match="U"):
        dual.eq9_rhs(np.array([0.5, 0.5]), np.eye(3), np.ones(2), 1.0)


def test_verdicts():
    comps = {c.claim_id: c for c in dual.comparisons()}
    for cid in ("eq4", "eq7", "eq7_theta_star", "eq8", "eq9", "eq31", "eq32", "eq34", "eq11", "eq62"):
        assert comps[cid].verdict is Verdict.VERIFIED, cid
    for cid in ("eq10", "eq33", "eq35"):
        assert comps[cid].verdict is Verdict.REGIME, cid
    assert comps["eq5_lambda_range"].verdict is Verdict.ERRATUM
    assert dual._derivation().all_checks_pass
