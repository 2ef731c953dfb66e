"""Unit tests of theory.derivation: the checks must be able to fail."""

import mpmath
import pytest
import sympy as sp

from theory.claims import CLAIMS
from theory.derivation import (
    Verdict,
    check_identity,
    check_sign,
    compare,
    find_counterexample,
    sample_points,
)
from theory.symbols import Domain, lam, s, x


def test_exact_identity_is_a_proof():
    chk = check_identity(sp.log(x**2), 2 * sp.log(x))
    assert chk.passed and chk.method == "exact"


def test_numeric_evidence_for_lambertw_fixed_point():
    # α = λW(1+s²/λ)/(s²+λ) solves -log α = α(s²+λ)/λ: SymPy cannot prove it, mpmath can.
    a = CLAIMS["eq12_alpha"].printed.rhs  # α = λW(1+s²/λ)/(s²+λ), as transcribed
    chk = check_identity(-sp.log(a), a * (s**2 + lam) / lam, try_exact=False, seed_key="t")
    assert chk.passed and chk.method == "numeric" and chk.points >= 20
    assert chk.max_rel_error < 1e-40


def test_factor_of_two_is_caught():
    a = CLAIMS["eq12_alpha"].printed.rhs  # α = λW(1+s²/λ)/(s²+λ), as transcribed
    chk = check_identity(a, 2 * a, try_exact=False, seed_key="t")
    assert not chk.passed
    assert chk.max_rel_error == pytest.approx(0.5, rel=1e-12)


def test_tiny_perturbation_is_caught():
    # A relative change of 1e-30 is far below any plotting accuracy but far above
    # 50-digit round-off: numeric evidence must still see it.
    chk = check_identity(x, x * (1 + sp.Rational(1, 10**30)), try_exact=False, seed_key="t")
    assert not chk.passed


def test_compare_verdicts():
    a = CLAIMS["eq12_alpha"].printed.rhs  # α = λW(1+s²/λ)/(s²+λ), as transcribed
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


# ----------------------------------------------------------- Comparison invariants

from theory.derivation import (  # noqa: E402
    RECHECK_DPS,
    Check,
    Comparison,
    guarded,
    judge_interval,
    judge_relation,
    relation_op,
)

_PASS = Check("exact", True, "proof")
_FAIL = Check("counterexample", False, "differs")
_CX = {"point": {"x": "1"}, "recheck_dps": RECHECK_DPS}


def test_verified_needs_a_passing_check():
    Comparison("c", Verdict.VERIFIED, check=_PASS)
    for chk in (None, _FAIL):
        with pytest.raises(ValueError, match="verified needs a passing check"):
            Comparison("c", Verdict.VERIFIED, check=chk)


def test_erratum_needs_rechecked_counterexample_and_checked_correction():
    Comparison("c", Verdict.ERRATUM, check=_FAIL, counterexample=_CX, corrected=x, corrected_check=_PASS)
    bad = [
        dict(check=_PASS, counterexample=_CX, corrected=x, corrected_check=_PASS),  # check passed
        dict(check=_FAIL, counterexample=None, corrected=x, corrected_check=_PASS),
        dict(check=_FAIL, counterexample={"point": {}}, corrected=x, corrected_check=_PASS),  # no recheck
        dict(check=_FAIL, counterexample={"point": {}, "recheck_dps": 50}, corrected=x, corrected_check=_PASS),
        dict(check=_FAIL, counterexample=_CX, corrected=None, corrected_check=_PASS),
        dict(check=_FAIL, counterexample=_CX, corrected=x, corrected_check=_FAIL),
    ]
    for kw in bad:
        with pytest.raises(ValueError):
            Comparison("c", Verdict.ERRATUM, **kw)


def test_regime_needs_a_passing_regime_check_and_a_failing_unconditional_check():
    Comparison("c", Verdict.REGIME, check=_FAIL, regime="δ small", regime_check=_PASS)
    with pytest.raises(ValueError, match="regime stated"):
        Comparison("c", Verdict.REGIME, check=_FAIL, regime=" ", regime_check=_PASS)
    with pytest.raises(ValueError, match="passing regime_check"):
        Comparison("c", Verdict.REGIME, check=_FAIL, regime="δ small", regime_check=_FAIL)
    with pytest.raises(ValueError, match="passing regime_check"):
        Comparison("c", Verdict.REGIME, check=_FAIL, regime="δ small")
    with pytest.raises(ValueError, match="verified, not holds-only-in-regime"):
        Comparison("c", Verdict.REGIME, check=_PASS, regime="δ small", regime_check=_PASS)


def test_refuted_needs_a_counterexample_and_error_needs_its_message():
    Comparison("c", Verdict.REFUTED, check=_FAIL, counterexample=_CX)
    with pytest.raises(ValueError):
        Comparison("c", Verdict.REFUTED, check=_FAIL)
    with pytest.raises(ValueError, match="needs the error"):
        Comparison("c", Verdict.ERROR)
    with pytest.raises(ValueError, match="only for derivation-error"):
        Comparison("c", Verdict.VERIFIED, check=_PASS, error="boom")


def test_guarded_turns_an_exception_into_this_claims_error():
    def boom():
        raise ValueError("symbols ['q'] have no sampling domain")

    c = guarded("c", boom)
    assert c.verdict is Verdict.ERROR and "no sampling domain" in c.error
    assert guarded("c", lambda: Comparison("c", Verdict.VERIFIED, check=_PASS)).verdict is Verdict.VERIFIED
    assert guarded("c", lambda: Comparison("d", Verdict.VERIFIED, check=_PASS)).verdict is Verdict.ERROR


def test_compare_counterexample_is_rechecked_at_100_digits():
    c = compare("c", lam, 2 * lam, corrected=2 * lam)
    assert c.verdict is Verdict.ERRATUM and c.counterexample["recheck_dps"] == RECHECK_DPS


# ------------------------------------------------------ relations and intervals

_y = sp.Symbol("y", real=True)
_FACT = Check("exact", True, "(x − 1)² ≥ 0")
_W = [{_y: sp.Integer(1)}, {_y: sp.Integer(3)}]  # gap (y−1)² = 0 at y = 1, > 0 at y = 3


@pytest.mark.parametrize("rel, verdict", [
    (sp.GreaterThan, Verdict.VERIFIED), (sp.StrictGreaterThan, Verdict.ERRATUM),
    (sp.LessThan, Verdict.REFUTED), (sp.StrictLessThan, Verdict.REFUTED), (sp.Eq, Verdict.REFUTED)])
def test_judge_relation_reads_direction_and_strictness(rel, verdict):
    c = judge_relation("c", rel(_y**2 + 1, 2 * _y), _y**2 + 1, 2 * _y, fact="nonnegative",
                       fact_check=_FACT, witnesses=_W, domains={_y: Domain(-5.0, 5.0)})
    assert c.verdict is verdict
    if verdict is Verdict.ERRATUM:
        assert relation_op(c.corrected) == ">="


def test_judge_relation_reads_swapped_sides():
    from theory.symbols import Domain

    c = judge_relation("c", sp.LessThan(2 * _y, _y**2 + 1), _y**2 + 1, 2 * _y, fact="nonnegative",
                       fact_check=_FACT, witnesses=_W, domains={_y: Domain(-5.0, 5.0)})
    assert c.verdict is Verdict.VERIFIED
    c = judge_relation("c", sp.StrictLessThan(2 * _y, _y**2 + 1), _y**2 + 1, 2 * _y, fact="nonnegative",
                       fact_check=_FACT, witnesses=_W, domains={_y: Domain(-5.0, 5.0)})
    assert c.verdict is Verdict.ERRATUM and c.counterexample["point"] == {"y": "1"}


def test_judge_relation_refuses_an_unproved_fact():
    with pytest.raises(ValueError, match="did not pass"):
        judge_relation("c", sp.GreaterThan(_y, 0), _y, 0, fact="positive", fact_check=_FAIL, witnesses=_W)


def test_judge_interval_reads_end_points_and_openness():
    d = sp.Interval.open(0, sp.oo)
    assert judge_interval("c", sp.Interval.open(0, sp.oo), d, why={}).verdict is Verdict.VERIFIED
    c = judge_interval("c", sp.Interval(0, sp.oo), d, why={"0": "divides by λ"})
    assert c.verdict is Verdict.ERRATUM and c.counterexample["point"] == {"value": "0"}
    c = judge_interval("c", sp.Interval(1, sp.oo), d, why={})  # differs on (0, 1): not a slip
    assert c.verdict is Verdict.REFUTED and c.counterexample["point"] == {"value": "1/2"}


# ------------------------------------------------------------ Claim and Domain

def test_claim_checks_its_fields():
    from theory.claims import Claim, Kind

    ok = dict(id="eq1", equation="Eq. 1", section="§1", title="t", latex="", printed=None, statement="s")
    Claim(**ok)
    for bad in (dict(id="Eq 1"), dict(id=""), dict(title=" "), dict(statement=""), dict(kind="identity"),
                dict(assumptions=["a"]), dict(kind=Kind.APPROXIMATION), dict(order=""), dict(extra=None)):
        with pytest.raises(ValueError):
            Claim(**{**ok, **bad})
    Claim(**ok, kind=Kind.APPROXIMATION, order="O(δ²)")


def test_domain_checks_its_range():
    from theory.symbols import Domain

    Domain(1e-2, 1e2, "log")
    for args in ((1.0, 1.0), (2.0, 1.0), (0.0, 1.0, "log"), (-1.0, 1.0, "log"), (0.0, float("inf")),
                 (0.0, 1.0, "normal")):
        with pytest.raises(ValueError):
            Domain(*args)


def test_verdict_table_is_lazy_per_module_and_declares_every_claim():
    from theory.claims import CLAIMS
    from theory.verdicts import module_of, uncovered, verdict_table

    assert not uncovered()
    t = verdict_table(("toy",))
    assert set(t) == {cid for cid in CLAIMS if module_of(cid) == "toy"}
    with pytest.raises(ValueError, match="modules must be among"):
        verdict_table(("nope",))


def test_a_failed_derivation_step_fails_the_claim():
    from theory.derivation import Derivation

    d = Derivation("t")
    d.add(x, "a false step", Check("exact", False, "does not reduce to 0"))
    with pytest.raises(ValueError, match="a step of the derivation failed"):
        Comparison("c", Verdict.VERIFIED, check=_PASS, derivation=d)
    d2 = Derivation("t")
    d2.add(x, "where the print fails", Check("counterexample", False, "differs"))
    Comparison("c", Verdict.VERIFIED, check=_PASS, derivation=d2)
    assert guarded("c", lambda: Comparison("c", Verdict.VERIFIED, check=_PASS, derivation=d)).verdict \
        is Verdict.ERROR
