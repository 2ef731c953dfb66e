"""Tests of theory.legendre: Legendre transform of the CE (Eq. 6, 19–28, Table 5)."""

import math

import mpmath
import pytest
import sympy as sp
from scipy.optimize import minimize_scalar

from theory import legendre
from theory.derivation import Verdict
from theory.symbols import alpha, omega


def _numeric_argmax(f, lo=1e-12, hi=1 - 1e-12):
    # Independent route: bounded scalar maximisation by SciPy (xatol 1e-12).
    res = minimize_scalar(lambda a: -f(a), bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
    return res.x, -res.fun


@pytest.mark.parametrize("w", [-3.0, -0.5, 0.0, 0.7, 2.0, 6.0])
def test_alpha_star_and_value_match_numeric_maximisation(w):
    g = lambda a: -(a * math.log(a) + (1 - a) * math.log(1 - a)) - a * w  # noqa: E731
    a_num, v_num = _numeric_argmax(g)
    a_sym = float(legendre.alpha_star().subs(omega, w))
    v_sym = float(legendre.ce_dual_value().subs(omega, w))
    # Bounded Brent converges to ~1e-8 in the argument (flat maximum); the value to ~1e-14.
    assert a_sym == pytest.approx(a_num, abs=1e-6)
    assert v_sym == pytest.approx(math.log1p(math.exp(-w)), rel=1e-12)
    assert v_num == pytest.approx(v_sym, rel=1e-10)


def test_alpha_star_is_minus_gradient_not_gradient():
    # Hand: at ω = 2, α* = σ(−2) = 1/(1+e²) ≈ 0.1192 > 0; ∂L/∂ω = −0.1192.
    a = float(legendre.alpha_star().subs(omega, 2))
    assert a == pytest.approx(1 / (1 + math.e**2), rel=1e-14)
    assert a > 0


def test_kl_identity_numeric():
    # The gap L − g equals the binary KL divergence, computed independently with mpmath.
    mpmath.mp.dps = 30
    for w, a in [(0.3, 0.2), (-2.0, 0.9), (5.0, 0.5)]:
        p = 1 / (1 + mpmath.e**w)
        kl = a * mpmath.log(a / p) + (1 - a) * mpmath.log((1 - a) / (1 - p))
        gap = mpmath.log1p(mpmath.e**-w) + a * mpmath.log(a) + (1 - a) * mpmath.log(1 - a) + a * w
        assert float(gap) == pytest.approx(float(kl), rel=1e-20)
        assert float(legendre.kl_gap().subs({omega: w, alpha: a})) == pytest.approx(float(kl), rel=1e-12)


def test_squared_error_dual_value_is_half():
    # Independent: maximise −α²/2 + α − αω numerically (unbounded, concave) at ω = −1: value (1−ω)²/2 = 2.
    res = minimize_scalar(lambda a: -(-a * a / 2 + a + a))
    assert -res.fun == pytest.approx(2.0, rel=1e-9)


def test_verdicts():
    comps = {c.claim_id: c for c in legendre.comparisons()}
    assert comps["eq6_bound"].verdict is Verdict.ERRATUM
    assert comps["eq6_alpha_star"].verdict is Verdict.ERRATUM
    # printed α* = −σ(−ω) vs σ(−ω): relative difference exactly 2.
    assert comps["eq6_alpha_star"].counterexample["rel_diff"] == pytest.approx(2.0, rel=1e-9)
    assert comps["table5_squared"].verdict is Verdict.ERRATUM
    assert comps["table5_squared"].counterexample["rel_diff"] == pytest.approx(0.5, rel=1e-9)
    for cid in ("eq19", "eq20", "eq21", "eq22", "eq23", "eq24_27", "eq28", "table5_ce", "table5_hinge"):
        assert comps[cid].verdict is Verdict.VERIFIED, cid
        assert comps[cid].check.method == "exact", cid


def test_derivation_steps_pass():
    legendre.comparisons()
    assert legendre._derivation().all_checks_pass


def test_binary_entropy_symbolic_form():
    assert sp.simplify(legendre.binary_entropy(sp.Rational(1, 2)) - sp.log(2)) == 0
