"""Unit tests of theory.derivation: the checks must be able to fail."""

import mpmath
import pytest
import sympy as sp

from theory.derivation import (
    Verdict,
    check_identity,
    check_sign,
    compare,
    find_counterexample,
    sample_points,
)
from theory.symbols import lam, s, x


def test_exact_identity_is_a_proof():
    chk = check_identity(sp.log(x**2), 2 * sp.log(x))
    assert chk.passed and chk.method == "exact"


def test_numeric_evidence_for_lambertw_fixed_point():
    # α = λW(1+s²/λ)/(s²+λ) solves -log α = α(s²+λ)/λ: SymPy cannot prove it, mpmath can.
    a = lam * sp.LambertW(s**2 / lam + 1) / (s**2 + lam)
    chk = check_identity(-sp.log(a), a * (s**2 + lam) / lam, try_exact=False, seed_key="t")
    assert chk.passed and chk.method == "numeric" and chk.points >= 20
    assert chk.max_rel_error < 1e-40


def test_factor_of_two_is_caught():
    a = lam * sp.LambertW(s**2 / lam + 1) / (s**2 + lam)
    chk = check_identity(a, 2 * a, try_exact=False, seed_key="t")
    assert not chk.passed
    assert chk.max_rel_error == pytest.approx(0.5, rel=1e-12)


def test_tiny_perturbation_is_caught():
    # A relative change of 1e-30 is far below any plotting accuracy but far above
    # 50-digit round-off: numeric evidence must still see it.
    chk = check_identity(x, x * (1 + sp.Rational(1, 10**30)), try_exact=False, seed_key="t")
    assert not chk.passed


def test_compare_verdicts():
    a = lam * sp.LambertW(s**2 / lam + 1) / (s**2 + lam)
    assert compare("c1", a, a).verdict is Verdict.VERIFIED
    c = compare("c2", 2 * a, a, corrected=a)
    assert c.verdict is Verdict.ERRATUM and c.counterexample is not None
    assert float(c.counterexample["rel_diff"]) == pytest.approx(0.5, rel=1e-9)
    assert compare("c3", 2 * a, a, corrected=3 * a).verdict is Verdict.REFUTED


def test_counterexample_none_when_equal():
    assert find_counterexample(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1)) is None


def test_sampling_is_deterministic_and_respects_domain_and_constraint():
    from theory.symbols import s1, s2

    p1 = sample_points([s1, s2], 30, seed_key="k", constraint=lambda p: p[s1] > p[s2])
    p2 = sample_points([s1, s2], 30, seed_key="k", constraint=lambda p: p[s1] > p[s2])
    assert p1 == p2
    assert all(p[s1] > p[s2] and mpmath.mpf("0.1") <= p[s2] <= 10 for p in p1)


def test_sign_check_detects_wrong_sign():
    assert check_sign(-x, -1).passed
    assert not check_sign(x - 1, 1, seed_key="t").passed  # x ranges over (1e-2, 1e3)


def test_n_points_below_20_rejected():
    with pytest.raises(ValueError, match="n_points"):
        check_identity(x, x, try_exact=False, n_points=5)
