"""Every claim is judged, and its verdict follows what is printed.

Routes: the claims module (what is printed) vs the verify modules' EXPECTED tables and
the derivation modules (theory.verdicts). A claim that nothing checks fails the suite.
Then the printed data is changed in memory (the corrected form, a flipped relation, a
fixed index or citation, an added condition) and the claim re-judged: the verdict must
move, so no verdict can be a constant of a derivation module. Claims whose re-judging needs
a long derivation are changed in the verify module that judges them, after its verdicts,
where the process has that derivation in memory: sd_decoupled (test_spectral_decoupling),
eq5_lambda_range, eq9_pd and thm1 (test_dual).
"""

import pytest
import sympy as sp

from theory.claims import CLAIMS, Kind
from theory.derivation import Verdict
from theory.verdicts import DERIVATION_MODULES, module_of, uncovered
from verify._support import expected_tables


def test_every_kind_of_statement_transcribed():
    # §3 and App. C hold identities, bounds, fixed points, sign claims, a stability theorem,
    # approximations, definitions and prose: a transcription missing a kind skipped a part.
    assert len(CLAIMS) >= 60
    kinds = {c.kind for c in CLAIMS.values()}
    assert kinds == set(Kind), f"kinds never used: {set(Kind) - kinds}"


def test_every_claim_is_derived_by_exactly_one_module():
    assert not uncovered(), f"claims with no derivation: {uncovered()}"
    for cid in CLAIMS:
        assert module_of(cid) in DERIVATION_MODULES


def test_every_claim_has_exactly_one_expected_verdict():
    tables = expected_tables()
    seen: dict[str, str] = {}
    for mod, table in tables.items():
        for cid, (verdict, reason) in table.items():
            assert cid in CLAIMS, f"{mod} expects a verdict for unknown claim {cid!r}"
            assert cid not in seen, f"{cid} expected in both {seen.get(cid)} and {mod}"
            # Any verdict on the paper (the four on statements, those on data and code); a
            # derivation-error is a bug of ours and never an expected verdict.
            assert isinstance(verdict, Verdict) and verdict is not Verdict.ERROR, (cid, verdict)
            assert reason.strip(), f"{mod}: {cid} has no reason for its expected verdict"
            seen[cid] = mod
    missing = sorted(set(CLAIMS) - set(seen))
    assert not missing, f"claims with no asserted verdict in verify/: {missing}"


# ------------------------------------------------- the verdict follows the print


def _legendre_sides():
    from theory.claims.legendre import _H, _L
    from theory.symbols import alpha, omega

    return _L, _H - alpha * omega


@pytest.mark.parametrize("rel, verdict", [(sp.GreaterThan, Verdict.VERIFIED),
                                          (sp.StrictGreaterThan, Verdict.ERRATUM),
                                          (sp.StrictLessThan, Verdict.REFUTED)])
def test_eq6_bound_follows_its_relation(swap, rel, verdict):
    from theory import legendre

    swap("eq6_bound", rel(*_legendre_sides()))
    assert legendre._cmp_eq6_bound().verdict is verdict


def test_eq19_follows_strictness_and_domain(swap):
    from theory import legendre

    p = dict(CLAIMS["eq19"].printed)
    swap("eq19", {**p, "bound": sp.StrictGreaterThan(*_legendre_sides())})
    assert legendre._cmp_eq19().verdict is Verdict.ERRATUM
    swap("eq19", {**p, "domain": sp.Interval(0, 2)})  # H(α) not real on (1, 2]: a range, not a slip
    assert legendre._cmp_eq19().verdict is Verdict.REFUTED
    swap("eq19", {**p, "domain": sp.Interval.open(0, 1)})  # openness only
    assert legendre._cmp_eq19().verdict is Verdict.ERRATUM


def test_def2_follows_its_index_and_direction(swap):
    from theory import starvation
    from theory.claims.starvation import _s_i_sq

    zj = sp.Function("z_j^*")
    swap("def2", sp.Lt(sp.Derivative(zj(_s_i_sq), _s_i_sq), 0))
    assert starvation._cmp_def2().verdict is Verdict.VERIFIED
    swap("def2", sp.Gt(sp.Derivative(zj(_s_i_sq), _s_i_sq), 0))
    assert starvation._cmp_def2().verdict is Verdict.ERRATUM
    zi = sp.Function("z_i^*")
    swap("def2", sp.Gt(sp.Derivative(zi(_s_i_sq), _s_i_sq), 0))  # wrong index and direction
    assert starvation._cmp_def2().verdict is Verdict.REFUTED


@pytest.mark.parametrize("rel, verdict", [(sp.Gt, Verdict.REFUTED), (sp.Eq, Verdict.REFUTED),
                                          (sp.Le, Verdict.REGIME)])
def test_thm2_follows_its_direction(swap, rel, verdict):
    from theory import starvation
    from theory.claims.starvation import dz2_ds1sq

    swap("thm2", rel(dz2_ds1sq, 0))
    assert starvation._cmp_thm2().verdict is verdict


def test_citation_and_prose_data_are_read(swap):
    from theory import toy
    from theory.claims.toy import PAIR_DZ

    swap("b1_decouple_cite", {**CLAIMS["b1_decouple_cite"].printed, "cites": "Eq. 12"})
    assert toy._b1_decouple_cite().verdict is Verdict.VERIFIED
    swap("small_lambda", {**CLAIMS["small_lambda"].printed, "limit_of_alpha_star": sp.Integer(1)})
    assert toy._small_lambda().verdict is Verdict.ERRATUM
    p = CLAIMS["gs_ndim"].printed
    swap("gs_ndim", {**p, "criterion": sp.Gt(PAIR_DZ, 0)})
    with pytest.raises(AssertionError, match="neither true for all pairs"):
        toy._gs_ndim()
