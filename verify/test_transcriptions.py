"""Two transcriptions of the paper (theory.claims.sources): every claim's excerpts occur in
their source files, every main-part claim is read from both, and the variants are real.

The sources are the arXiv text and the published-PDF text under ``shared/paper``; tests
that need them skip (with the reason) where that folder is absent.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

from theory.claims import CLAIMS
from theory.claims import sources as S

pytestmark = pytest.mark.skipif(S.paper_dir() is None, reason="shared/paper (the two transcriptions) not found")


@pytest.mark.parametrize("cid", sorted(CLAIMS))
def test_excerpts_occur_in_their_sources(cid):
    ex = S.excerpts(cid)
    assert ex, f"{cid}: read from no source"
    for src, text in ex.items():
        assert len(text) >= 10, f"{cid}: {src} excerpt too short to identify the passage"
        assert S.occurs(src, text), f"{cid}: the {src} excerpt does not occur in {S.SOURCE_FILES[src]}: {text[:80]!r}"


@pytest.mark.parametrize("cid", sorted(c for c in CLAIMS if "§" in CLAIMS[c].section))
def test_main_part_claims_are_read_from_both(cid):
    ex = S.excerpts(cid)
    assert "pdf" in ex, f"{cid} is printed in the main part: give the PDF's text"
    assert "arxiv" in ex or cid in S.ARXIV_ABSENT


def test_appendix_only_claims_have_no_pdf_excerpt():
    # The PDF text holds the main part only; an appendix claim with a PDF excerpt is misfiled.
    for cid, c in CLAIMS.items():
        if "§" not in c.section:
            assert "pdf" not in S.excerpts(cid), cid


@pytest.mark.parametrize("cid", sorted(S.VARIANTS))
def test_variant_texts_occur_and_differ(cid):
    v = S.VARIANTS[cid]
    if v.arxiv:
        assert S.occurs("arxiv", v.arxiv)
        assert not S.occurs("pdf", v.arxiv)
    assert S.occurs("pdf", v.pdf)
    assert not S.occurs("arxiv", v.pdf)


def test_eq6_pdf_reading_is_the_corrected_form(verdicts):
    # The PDF prints '≥'; the derivation's corrected form is '≥' with the same two sides.
    assert "≥" in S.PDF_EXCERPTS["eq6_bound"] and r"\right] > H" in S.VARIANTS["eq6_bound"].arxiv
    p = CLAIMS["eq6_bound"].printed
    pdf_reading = sp.GreaterThan(p.lhs, p.rhs)
    corr = verdicts["eq6_bound"].corrected
    assert isinstance(corr, sp.GreaterThan)
    assert sp.simplify(pdf_reading.lhs - corr.lhs) == 0 and sp.simplify(pdf_reading.rhs - corr.rhs) == 0


def test_def2_pdf_reading_has_the_corrected_indices():
    # arXiv: dz_i*/d(s_i²) (one index); PDF: dz∗j /d(s2i ) — response j, strength i, as the
    # sentence after Def. 2 and Thm. 2 (dz2*/ds1²) require.
    m = re.search(r"dz∗(\w) /d\(s2(\w) \)", S.PDF_EXCERPTS["def2"])
    assert m and m.group(1) == "j" and m.group(2) == "i"
    a = re.search(r"dz_(\w)\^\*/d\(s_(\w)\^2\)", S.VARIANTS["def2"].arxiv)
    assert a and a.group(1) == a.group(2) == "i"


def test_table1_cifar2_cells_only_in_pdf():
    for cell in ("42.3", "69.7"):
        assert cell in S.PDF_EXCERPTS["s42_table1"]
        assert cell not in S.source_text("arxiv")
    from theory.claims.experiments import TABLE1

    assert TABLE1["cifar2"]["wo_sd"]["ood"] == (42.3, 3.0) and TABLE1["cifar2"]["sd"]["ood"] == (69.7, 2.9)


ERRATA_SAME_IN_BOTH = ("eq5_lambda_range", "eq6_alpha_star", "eq13_z", "sd_text_ususu")


@pytest.mark.parametrize("cid", ERRATA_SAME_IN_BOTH)
def test_main_part_errata_present_in_both_sources(verdicts, cid):
    # These errata are printed identically in both transcriptions: errata of the paper.
    assert verdicts[cid].verdict.value == "erratum"
    assert S.status(cid).startswith("same in both sources")


def test_status_values():
    allowed = {"transcription variant", "same in both sources", "same in both sources (wording differs)",
               "transcription variant (text missing in one source)", "arXiv text only (appendix)", "PDF text only"}
    ours = {f"ours, correcting {S.CORRECTS[c]} ({S.status(S.CORRECTS[c])})" for c in S.CORRECTS}
    assert {S.status(c) for c in CLAIMS} <= allowed | ours
    assert S.status("def2") == S.status("eq6_bound") == "transcription variant"


def test_variant_needs_two_readings():
    with pytest.raises(ValueError, match="two different readings"):
        S.Variant("x", "a", "b", "same", "same", (), "")
    with pytest.raises(ValueError, match="discrepancy_in"):
        S.Variant("x", "a", "b", "r1", "r2", ("scan",), "")


# Fig. 2's axis tick labels: the PDF extraction keeps the figure's text, the arXiv text has none.
FIG2_TICKS = ("0.2", "0.4", "0.6", "0.8", "1.0")


def test_main_part_numbers_agree_but_for_recorded_variants():
    # Every decimal number of §1-§4 is printed equally often in both sources, except the
    # Cifar-2 cells that the arXiv text lost (recorded as a variant) and Fig. 2's ticks.
    from collections import Counter

    from theory.claims.experiments import TABLE1

    a, b = Counter(S.main_part_decimals("arxiv")), Counter(S.main_part_decimals("pdf"))
    assert not (a - b), f"decimals printed only in the arXiv text: {dict(a - b)}"
    lost = Counter(f"{x:.1f}" for row in ("wo_sd", "sd") for col in ("train", "ood")
                   for x in TABLE1["cifar2"][row][col])
    assert b - a == lost + Counter(FIG2_TICKS)


@pytest.mark.parametrize("cid", sorted(c for c, v in S.VARIANTS.items() if len(v.discrepancy_in) == 1))
def test_one_source_discrepancies_are_not_called_paper_errata_without_the_variant(verdicts, cid):
    # A discrepancy in one transcription only is either judged 'transcription variant', or kept
    # as 'erratum' of the transcribed (arXiv) form while the variant record says which source has it.
    from theory.derivation import Verdict

    assert verdicts[cid].verdict in (Verdict.ERRATUM, Verdict.VARIANT)
    assert S.VARIANTS[cid].discrepancy_in == ("arxiv",) and S.status(cid) == "transcription variant"
