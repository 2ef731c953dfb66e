"""Tests of theory.stability: Jacobians of Eq. 9/10, Thm. 1 and Eq. 36–38."""

import numpy as np

from theory import dual, stability
from theory.derivation import Verdict
from theory.symbols import alpha1, alpha2, eta, lam, s1, s2

PT = {dual.t_U: -0.8, s1: 3.0, s2: 0.4, lam: 0.2, alpha1: 0.3, alpha2: 0.05, eta: 1.0}


def test_numeric_jacobian_matches_finite_differences_and_is_negative_definite():
    rng = np.random.default_rng(1)
    U, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    s = np.array([3.0, 1.0, 0.5, 0.1])
    a = np.array([0.1, 0.5, 0.9, 0.3])
    J = stability.jacobian_eq10_numeric(a, U, s, 0.7)
    h = 1e-6  # central differences: error ~h²/α³ ≈ 1e-9
    fd = np.column_stack([(dual.eq10_rhs(a + h * e, U, s, 0.7) - dual.eq10_rhs(a - h * e, U, s, 0.7)) / (2 * h)
                          for e in np.eye(4)])
    np.testing.assert_allclose(J, fd, atol=1e-6)
    assert np.linalg.eigvalsh(J).max() < -2


def test_printed_eq38_is_jacobian_of_eq9_not_eq10():
    # Independent: finite differences of the numeric Eq. 9 and Eq. 10 right sides.
    U = np.array(dual.instance()["U"].subs(PT).evalf(30), dtype=float)
    s = np.array([PT[s1], PT[s2]])
    a = np.array([PT[alpha1], PT[alpha2]])
    h = 1e-7
    fd9 = np.column_stack([(dual.eq9_rhs(a + h * e, U, s, PT[lam]) - dual.eq9_rhs(a - h * e, U, s, PT[lam])) / (2 * h)
                           for e in np.eye(2)])
    p38 = np.array(stability.printed_eq38_instance().subs(PT).evalf(30), dtype=float)
    np.testing.assert_allclose(p38, fd9.T, atol=1e-5)  # J_ik = ∂f_i/∂α_k; fd9 columns are ∂/∂α_k
    J10 = stability.jacobian_eq10_numeric(a, U, s, PT[lam])
    # Hand: J9 − J10 = diag(−1/(α(1−α)) + 1/α + 1) = diag(−α/(1−α)) (the −λ⁻¹US²Uᵀ parts cancel
    # against A minus the identity), so the printed Jacobian differs from Eq. 10's on the diagonal.
    np.testing.assert_allclose(p38 - J10, -np.diag(a / (1 - a)), atol=1e-12)


def test_verdicts():
    comps = {c.claim_id: c for c in stability.comparisons()}
    assert comps["thm1"].verdict is Verdict.VERIFIED
    assert comps["eq36"].verdict is Verdict.ERRATUM
    assert comps["eq38"].verdict is Verdict.ERRATUM
    assert comps["eq36"].corrected_check.passed and comps["eq38"].corrected_check.passed
    assert comps["eq9_pd"].verdict is Verdict.REGIME
    assert stability._derivation().all_checks_pass


def test_symbolic_jacobian_at_point_negative_definite():
    J = np.array(stability.jacobian_eq10().subs(PT).evalf(30), dtype=float)
    assert np.allclose(J, J.T)
    # Derived bound: eigenvalues of J/η ≤ −1 − min_i 1/α_i = −1 − 1/max(α).
    assert np.linalg.eigvalsh(J).max() <= -1 - 1 / max(PT[alpha1], PT[alpha2]) + 1e-9
