"""Which transcription(s) of the paper each claim was read from, and the text in each.

Two transcriptions of Pezeshki et al. (2021) are kept under ``shared/paper``:

- ``arxiv``: ``gradient_starvation.md``, the arXiv text (main part, App. A-C), OCR'd LaTeX;
- ``pdf``: ``gradient_starvation_pdf_main.txt``, text extracted from the published PDF
  (main part only: §1-§6, Tables 1-3, Figs. 1-4; no appendices).

For every claim, :func:`excerpts` gives a short verbatim excerpt of each source that holds
it (after whitespace normalisation: runs of whitespace are one space). The arXiv excerpt is
the claim's ``latex`` unless :data:`ARXIV_EXCERPTS` gives another (the claim's ``latex``
was read across a line break or a table cell); :data:`PDF_EXCERPTS` gives the PDF's text
for every claim printed in the main part. ``verify/test_transcriptions.py`` checks that
every excerpt occurs in its file, so this record cannot drift from the sources.

Where the two sources differ on a claim, :data:`VARIANTS` records both readings and in
which source a discrepancy with the derivation lies. A discrepancy present in one source
only is a *transcription variant*, not an erratum of the paper.

Example:
    >>> from theory.claims.sources import status
    >>> status("def2")
    'transcription variant'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SOURCE_FILES = {"arxiv": "gradient_starvation.md", "pdf": "gradient_starvation_pdf_main.txt"}
SOURCE_NAMES = {"arxiv": "arXiv text (gradient_starvation.md)",
                "pdf": "published-PDF text (gradient_starvation_pdf_main.txt, main part only)"}

# Claims whose ``latex`` is not one contiguous run of the arXiv text: the excerpt used instead.
ARXIV_EXCERPTS: dict[str, str] = {
    "eq24_27": "g(\\alpha) = \\mathcal{L}(\\omega) - \\omega \\nabla_{\\omega} \\mathcal{L} \\tag{24}",
    "table5_ce": "\\log(1 + e^{-w})$ $\\max_{0<\\alpha<1} \\left[H(\\alpha) - \\alpha\\omega \\right]",
    "table5_hinge": "\\max(0, 1 - w)$ $\\max_{0 \\le \\alpha \\le 1} \\left[\\alpha 1^T",
    "table5_squared": "(1-\\omega)^2$ $\\max_{\\alpha} \\left[-\\frac{1}{2}\\alpha^2 + \\alpha",
    "eq5_lambda_range": "\\lambda \\in [0, \\infty)$ denotes the weight decay coefficient.",
    "b1_starvation": "It is evident that by increasing the value of s_1 , the value of z_1^* increases while z_2^* decreases (starves).",
    "b1_sd": "Spectral Decoupling (SD) indeed decouples the learning dynamics of z_1 and z_2 and hence increasing the corresponding singular value of one does not affect the other.",
    "s42_table1": "Cifar-2 w/o SD w/ SD (λ=0.01) $95.2\\% \\pm 0.12$ $95.3\\% \\pm 0.17$",
}

# Statements of ours that correct a printed claim (not printed in the paper): their sources are
# the printed claim's.
CORRECTS: dict[str, str] = {
    "thm2_corrected": "thm2",
}

# Claims absent from the arXiv text (the sentence is in the PDF only).
ARXIV_ABSENT: dict[str, str] = {
    "s42_sd_ood_gain": "Table 1's caption is missing from the arXiv text",
}

# The published PDF's text (whitespace-normalised) for every claim printed in the main part.
PDF_EXCERPTS: dict[str, str] = {
    "def2": "Feature i starves the gradient for feature j if dz∗j /d(s2i ) < 0.",
    "eq5_lambda_range": "λ ∈ [0,∞) denotes the weight decay coefficient.",
    "eq7": "min θ L (θ) = min θ max α ( 1 ·H(α)−αYŷ + λ 2 ‖θ‖2 ) , (7)",
    "eq7_theta_star": "with an critical value θ∗T = 1 λαYΦ0",
    "eq8": "min θ L (θ) = max α ( 1 ·H(α)− 1 2λ αYΦ0Φ T 0 YTαT ) . (8)",
    "eq9": "α̇ = η ( − logα+ log (1−α)− 1 λ αUS2UT ) , (9)",
    "eq9_pd": "The other term depends on the matrix US2UT , which is positive definite",
    "small_lambda": "When λ � s2k, where k is an index over the singular values, the linear term dominates Eq. 9, and the fixed point is drawn closer towards the origin.",
    "eq10": "α̇ ≈ η ( − logα− 1 λ αU ( S2 + λI ) UT ) , (10)",
    "thm1": "Theorem 1. Any fixed points of the system in Eq. 10 is attractive in the domain αi ∈ (0, 1).",
    "eq11": "z∗ = 1 λ S2UTα∗T . (11)",
    "eq12_alpha": "α∗ i = λW(λ−1s2 + 1) s2 + λ ,",
    "eq12_z": "z∗j = s2W(λ−1s2 + 1) s2 + λ ∑ i uij , (12)",
    "eq13_alpha": "α∗ i = λW(λ−1s2i + 1) s2i + λ ,",
    "eq13_z": "z∗j = s2iW(λ−1s2i + 1) s2i + λ . (13)",
    "lemma1": "α∗ = (1− log (α∗0)) [ A + diag ( α∗0 −1 )]−1 , (14) where A = λ−1U(S2 + λI)UT and α∗0 is the fixed point of the uncoupled system with δ = 0.",
    "eq15": "U = (√ 1− δ2 −δ δ √ 1− δ2 ) , (15)",
    "thm2": "assuming coupling between features 1 and 2 as in Eq. 15 and s21 > s22, we have, dz∗2 ds21 < 0, (16)",
    "gs_ndim": "While Thm. 2 outlines conditions for GS in two dimensional feature space, we note that the same rationale naturally extends to higher dimensions, where GS is defined pairwise over feature directions.",
    "sd_text_ususu": "the term UTS2U in Eq. 9 is not diagonal in the general case",
    "c11_theta_star": "the critical value for θ∗ becomes θ∗ = 1 λαY Φ0V S−2V T",
    "eq18": "α̇ = η ( log 1−α α − 1 λ αUS2S−2UT ) = η ( log 1−α α − 1 λ α ) , (18)",
    "sd_decoupled": "Note that in contrast to Eq. 9 the matrix multiplication involving U and S in Eq. 18 cancels out, leaving αi independent of other αj 6=i’s. We point out this is true for any initial coupling, without simplifying assumptions.",
    "b5_variant": "we use a variant of SD in which, λ2 ||ŷ − γ||22 is added to the original cross-entropy loss.",
    "eq4": "z := UTYŷ = SVTθ. (4)",
    "eq6_bound": "we note the following inequality, log [1 + exp (−Yŷ)] ≥ H(α)−α�Yŷ, (6)",
    "eq6_alpha_star": "the equality holds when the maximum of r.h.s. w.r.t α is achieved at α∗ = ∂L ∂(Yŷ)T ,",
    "eq17": "yielding L (θ) = 1 · log [1 + exp (−Yŷ)] + λ 2 ‖ŷ‖2. (17)",
    "s42_table1": "100.0% 0.0± 95.2% 0.12± 42.3% 3.0± 100.0% 0.0± 95.3% 0.17± 69.7% 2.9± 99.9% 0.01± 92.8% 0.15± 30.1% 2.1± 99.9% 0.01± 92.9% 0.16± 67.7% 1.5± 69.2% 0.29±99.7% 0.01± 14.3% 2.0± 70.5% 0.26±99.7% 0.02± 24.9% 1.9±",
    "s43_fig3": "Compare three values of 9.4 % , 9.4 % , and 49.6 %",
    "s43_fig3_vs_table2": "ERM still performs poorly ( 23.9 % ) but SD achieves significantly better results ( 67.2 % )",
    "s44_rarest_group": "The rarest group which is blond males represents only 0.85 % of the training data (1387 out of 162k examples).",
    "code_cmnist_labels": "The task is to predict binary labels y = −1 for digits 0 to 4 and y = +1 for digits 5 to 9.",
    "code_cmnist_table2_rounding": "IRM [9] 70.5 % (±0.6) 67.1 % (±1.4)",
    "code_celeba_pretrained": "We train a ResNet-50 model [38] on this task.",
}

# Main-part claims whose ``latex`` is plain prose found verbatim in the PDF text too.
PDF_SAME_AS_LATEX = frozenset({
    "s2_moons_setup", "s42_sd_ood_gain", "s42_iid_kept", "s43_envs", "s43_table2", "s43_text_numbers",
    "s43_optimum", "s44_twofold", "s44_table3", "b4_epochs", "code_moons_sd_wd", "code_moons_mean",
    "code_celeba_runs", "code_fig3_last_restart",
})


@dataclass(frozen=True)
class Variant:
    """Two readings of one claim that differ between the transcriptions.

    Attributes:
        claim_id: The claim.
        arxiv: Verbatim arXiv excerpt showing its reading ("" where the text is absent).
        pdf: Verbatim PDF excerpt showing its reading.
        arxiv_reading / pdf_reading: The two readings, in words.
        discrepancy_in: Sources whose reading disagrees with the derivation (() if neither).
        note: What follows for the verdict.
    """

    claim_id: str
    arxiv: str
    pdf: str
    arxiv_reading: str
    pdf_reading: str
    discrepancy_in: tuple[str, ...]
    note: str

    def __post_init__(self) -> None:
        if self.arxiv_reading == self.pdf_reading:
            raise ValueError(f"{self.claim_id}: a variant needs two different readings")
        bad = set(self.discrepancy_in) - set(SOURCE_FILES)
        if bad:
            raise ValueError(f"{self.claim_id}: discrepancy_in must name sources in {sorted(SOURCE_FILES)}; got {sorted(bad)}")


VARIANTS: dict[str, Variant] = {v.claim_id: v for v in (
    Variant("eq6_bound",
            arxiv=r"\right] > H(\alpha) - \alpha \odot \mathbf{Y}\hat{\mathbf{y}},\tag{6}",
            pdf=PDF_EXCERPTS["eq6_bound"],
            arxiv_reading="strict '>'", pdf_reading="'≥'",
            discrepancy_in=("arxiv",),
            note="The PDF prints ≥, the corrected form; the strict '>' is in the arXiv transcription only: "
                 "a transcription variant, not an erratum of the paper."),
    Variant("def2",
            arxiv=r"Feature i starves the gradient for feature j if $dz_i^*/d(s_i^2) < 0$.",
            pdf=PDF_EXCERPTS["def2"],
            arxiv_reading="dz_i*/d(s_i²) < 0", pdf_reading="dz_j*/d(s_i²) < 0",
            discrepancy_in=("arxiv",),
            note="The PDF prints dz_j*/d(s_i²), the corrected form; the index slip is in the arXiv "
                 "transcription only: a transcription variant."),
    Variant("eq6_alpha_star",
            arxiv=r"\alpha^* = \frac{\partial \mathcal{L}}{\partial (\mathbf{Y}\hat{\mathbf{Y}})^T}",
            pdf=PDF_EXCERPTS["eq6_alpha_star"],
            arxiv_reading="∂(YŶ)ᵀ (capital Ŷ)", pdf_reading="∂(Yŷ)ᵀ",
            discrepancy_in=("arxiv", "pdf"),
            note="Both print α* = +∂L/∂(Yŷ)ᵀ (the sign erratum is in both sources); the arXiv text's capital Ŷ "
                 "is OCR damage of ŷ."),
    Variant("s42_table1",
            arxiv=ARXIV_EXCERPTS["s42_table1"],
            pdf=PDF_EXCERPTS["s42_table1"],
            arxiv_reading="Cifar-2 row: IID cells only (95.2 ± 0.12, 95.3 ± 0.17)",
            pdf_reading="Cifar-2 row: train 100.0 ± 0.0, IID, OOD 42.3 ± 3.0 / 69.7 ± 2.9",
            discrepancy_in=(),
            note="The arXiv transcription lost four Cifar-2 cells; the PDF's full table is transcribed."),
    Variant("s42_sd_ood_gain",
            arxiv="",
            pdf="SD consistently achieves a better OOD performance.",
            arxiv_reading="(caption missing)", pdf_reading="caption present",
            discrepancy_in=(),
            note="Table 1's caption exists in the PDF text only."),
)}


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def paper_dir() -> Path | None:
    """The folder holding the two transcriptions: ``$GSV_PAPER_DIR``, else the first
    ``shared/paper`` found in the repository root or one of its parents; None if absent."""
    env = os.environ.get("GSV_PAPER_DIR")
    if env:
        return Path(env) if Path(env).is_dir() else None
    root = Path(__file__).resolve().parents[2]
    for base in (root, *root.parents):
        cand = base / "shared" / "paper"
        if (cand / SOURCE_FILES["arxiv"]).is_file():
            return cand
    return None


@lru_cache(maxsize=None)
def source_text(source: str) -> str:
    """Whitespace-normalised text of one source (``"arxiv"`` or ``"pdf"``).

    Raises:
        ValueError: unknown source name.
        FileNotFoundError: the transcription is not on this machine.
    """
    if source not in SOURCE_FILES:
        raise ValueError(f"source must be one of {sorted(SOURCE_FILES)}; got {source!r}")
    d = paper_dir()
    if d is None:
        raise FileNotFoundError("shared/paper not found (set GSV_PAPER_DIR)")
    return _normalise((d / SOURCE_FILES[source]).read_text(encoding="utf-8"))


def excerpts(claim_id: str) -> dict[str, str]:
    """source → verbatim excerpt for one claim (only the sources that print it)."""
    from theory.claims import CLAIMS

    if claim_id not in CLAIMS:
        raise KeyError(f"unknown claim {claim_id!r}")
    if claim_id in CORRECTS:  # ours: read from the printed claim it corrects
        return excerpts(CORRECTS[claim_id])
    out: dict[str, str] = {}
    if claim_id not in ARXIV_ABSENT:
        out["arxiv"] = _normalise(ARXIV_EXCERPTS.get(claim_id, CLAIMS[claim_id].latex))
    if claim_id in PDF_EXCERPTS:
        out["pdf"] = _normalise(PDF_EXCERPTS[claim_id])
    elif claim_id in PDF_SAME_AS_LATEX:
        out["pdf"] = _normalise(CLAIMS[claim_id].latex)
    return out


def in_main_part(claim_id: str) -> bool:
    """Whether the claim is printed in the main part (its section names a § or a main-part table/figure)."""
    from theory.claims import CLAIMS

    return "§" in CLAIMS[claim_id].section


def status(claim_id: str) -> str:
    """How the two sources compare on one claim.

    ``"transcription variant"`` (a discrepancy with the derivation in one source only),
    ``"same in both sources (wording differs)"`` (the discrepancy is in both; only OCR
    differs), ``"transcription variant (text missing in one source)"``, ``"same in both
    sources"``, ``"arXiv text only (appendix)"`` or ``"PDF text only"``.
    """
    if claim_id in CORRECTS:
        return f"ours, correcting {CORRECTS[claim_id]} ({status(CORRECTS[claim_id])})"
    if claim_id in VARIANTS:
        n = len(VARIANTS[claim_id].discrepancy_in)
        return {1: "transcription variant", 2: "same in both sources (wording differs)"}.get(
            n, "transcription variant (text missing in one source)")
    ex = excerpts(claim_id)
    if "pdf" in ex and "arxiv" in ex:
        return "same in both sources"
    return "arXiv text only (appendix)" if "arxiv" in ex else "PDF text only"


def main_part_decimals(source: str) -> dict[str, int]:
    """Decimal numbers (with a point, e.g. ``23.7``) printed in §1-§4 of one source, with counts.

    Citation markers ([57] or (2019)) have no decimal point and drop out; the PDF's embedded
    figure data (``<latexit …>`` blocks) is removed first. A number printed in one source's
    §1-§4 and not the other's is a candidate transcription variant.
    """
    from collections import Counter

    text = source_text(source)
    text = re.sub(r"<latexit.*?</latexit>", " ", text)
    start = text.find("1 Introduction")
    end = text.find("5 Related Work", start)
    if start < 0 or end < 0:
        raise LookupError(f"{source}: §1 or §5 heading not found")
    return dict(Counter(re.findall(r"(?<![\d.])\d+\.\d+(?![\d.])", text[start:end])))


def occurs(source: str, text: str) -> bool:
    """Whether ``text`` occurs verbatim (whitespace-normalised) in ``source``."""
    return _normalise(text) in source_text(source)
