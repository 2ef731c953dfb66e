"""Printed claims of Definition 2, Eq. 15, Thm. 2 and its proof (App. C.10), verbatim.

In App. C.10 the first-order z1*, z2* formulas carry no printed tag; they sit between
Eq. 62 and Eq. 65 and are called Eq. 63 and Eq. 64 here. The α1*, α2* block printed
right before Eq. 62 has no tag either ("C.10 α*", id ``c10_alpha``); it is
OCR-garbled and its reading is stated in the claim's ``transcription_note``.
Eq. 61 and Eq. 66 are verbatim reprints of Eq. 16 and are recorded in the statement
of ``thm2``.
"""

from __future__ import annotations

import sympy as sp

from theory.claims import Claim, Kind, printed_eq
from theory.symbols import delta, lam, s1, s2

W = sp.LambertW
E = sp.exp

# Definition 2, literal: the derivative of z_i* with respect to s_i².
_s_i_sq = sp.Symbol("s_i^2", positive=True)
_z_i_fn = sp.Function("z_i^*")
# The left side of Eq. 16 / 61 / 65 / 66, a label.
dz2_ds1sq = sp.Symbol("dz_2^*/d(s_1^2)")
z1_star, z2_star = sp.symbols("z_1^* z_2^*")
alpha1_star, alpha2_star = sp.symbols("alpha_1^* alpha_2^*", positive=True)

_c = sp.sqrt(1 - delta**2)
U_EQ15_PRINTED = sp.Matrix([[_c, -delta], [delta, _c]])

# ---- C.10 α*: the W arguments exactly as printed (they are A_22 and A_11 of Eq. 55).
_W22 = W((lam + delta**2 * (s1**2 - s2**2) + s2**2) / lam)
_W11 = W((lam + delta**2 * (-s1**2) + delta**2 * s2**2 + s1**2) / lam)
_off = delta * sp.sqrt(1 - delta**2) * (s2**2 - s1**2)
_den = (delta**2 * (delta**2 - 1) * (s1**2 - s2**2) ** 2
        + (lam + delta**2 * (s1**2 - s2**2) + lam * E(_W22) + s2**2)
        * (lam + delta**2 * s2**2 - (delta**2 - 1) * s1**2 + lam * E(_W11)))
# Adopted reading: the stray ")" after λe^{W(·)} is dropped, so (W(·)+1) multiplies λe^{W(·)}.
_c10_a1 = lam * (_W22 + 1) * (_off + lam * E(_W22) * (_W11 + 1)) / _den
_c10_a2 = lam * (_W11 + 1) * (_off + lam * E(_W11) * (_W22 + 1)) / _den
# Alternative reading (the stray ")" kept, so (W(·)+1) is a third factor).
_c10_a1_alt = lam * (_W22 + 1) * (_off + lam * E(_W22)) * (_W11 + 1) / _den
_c10_a2_alt = lam * (_W11 + 1) * (_off + lam * E(_W11)) * (_W22 + 1) / _den

# ---- Eq. 63-65: W and e^W at δ = 0 as printed.
_W1 = W((lam + s1**2) / lam)
_W2 = W((lam + s2**2) / lam)
_eq63_rhs = (
    delta * s1**2 * (_W2 + 1) * (lam + lam * E(_W1) + s2**2)
    / ((lam + lam * E(_W1) + s1**2) * (lam + lam * E(_W2) + s2**2))
    + lam * s1**2 * E(_W1) * (_W1 + 1) * (_W2 + 1)
    / ((lam + lam * E(_W1) + s1**2) * (lam + lam * E(_W1) + s2**2))
)
_eq64_rhs = (
    lam * s2**2 * E(_W1) * (_W1 + 1) * (_W2 + 1)
    / ((lam + lam * E(_W1) + s1**2) * (lam + lam * E(_W2) + s1**2))
    - delta * s2**2 * (_W1 + 1) * (lam + lam * E(_W2) + s1**2)
    / ((lam + lam * E(_W1) + s1**2) * (lam + lam * E(_W2) + s2**2))
)
_eq65_rhs = -(
    delta * lam * s2**2 * (E(_W1) - E(_W2)) * (_W1 + 1)
    / ((lam + lam * E(_W1) + s1**2) ** 2 * (lam + lam * E(_W2) + s2**2))
)

CLAIMS: list[Claim] = [
    Claim(
        id="def2",
        equation="Def. 2",
        section="§3.1",
        title="Definition of gradient starvation",
        latex=r"dz_i^*/d(s_i^2) < 0",
        printed=sp.Lt(sp.Derivative(_z_i_fn(_s_i_sq), _s_i_sq), 0),
        statement="'Feature i starves the gradient for feature j if dz_i*/d(s_i²) < 0.' The next "
                  "sentence reads: 'an increase in the strength of feature i has a detrimental effect "
                  "on the learning of feature j'.",
        assumptions=("z* = training optimum responses (Eq. 4, Eq. 11)",),
        kind=Kind.DEFINITION,
        transcription_note="Literal: the printed criterion involves only z_i and s_i (no j), although "
                           "the definition is about feature j.",
    ),
    Claim(
        id="eq15",
        equation="Eq. 15",
        section="§3.3",
        title="Perturbed-identity U (n = 2)",
        latex=r"\mathbf{U} = \begin{pmatrix} \sqrt{1 - \delta^2} & -\delta \\ \delta & \sqrt{1 - \delta^2} \end{pmatrix},\tag{15}",
        printed=U_EQ15_PRINTED,
        statement="U = [[√(1−δ²), −δ], [δ, √(1−δ²)]]: a perturbed identity with off-diagonal "
                  "entries ∝ δ, as Lemma 1 assumes; U is to be orthogonal (Definition 1's SVD).",
        assumptions=("0 < δ < 1",),
        kind=Kind.DEFINITION,
    ),
    Claim(
        id="c10_alpha",
        equation="C.10 α* (untagged, before Eq. 62)",
        section="App. C.10",
        title="Lemma 1's α* for U of Eq. 15",
        latex=r"\begin{split} &\alpha_{1}^{*} = \left[\lambda \left(W \left(\frac{\lambda + \delta^{2} \left(s_{1}^{2} - s_{2}^{2} \right) + s_{2}^{2}}{\lambda} \right) + 1 \right) \left(\delta \sqrt{1 - \delta^{2}} \left(s_{2}^{2} - s_{1}^{2} \right) + \lambda e^{W \left(\frac{\lambda + \delta^{2} \left(s_{1}^{2} - s_{2}^{2} \right) + s_{2}^{2}}{\lambda} \right)} \right) \\ & \left(W \left(\frac{\lambda + \delta^{2} \left(-s_{1}^{2} \right) + \delta^{2} s_{2}^{2} + s_{1}^{2}}{\lambda} \right) + 1 \right) \right) \right] \delta^{2} \left(\delta^{2} - 1 \right) \left(s_{1}^{2} - s_{2}^{2} \right)^{2} + \\ & \left(\lambda + \delta^{2} \left(s_{1}^{2} - s_{2}^{2} \right) + \lambda e^{W \left(\frac{\lambda + \delta^{2} \left(s_{1}^{2} - s_{2}^{2} \right) + s_{2}^{2}}{\lambda} \right)} \right) + s_{2}^{2} \right) \\ & \left(\lambda + \delta^{2} s_{2}^{2} - \left(\delta^{2} - 1 \right) s_{1}^{2} + \lambda e^{W \left(\frac{\lambda + \delta^{2} \left(-s_{1}^{2} \right) + \delta^{2} s_{2}^{2} + s_{1}^{2}}{\lambda} \right)} \right) \right) \right]^{-1} \\ & \alpha_{2}^{*} = \left[\lambda \left(W \left(\frac{\lambda + \delta^{2} \left(-s_{1}^{2} \right) + \delta^{2} s_{2}^{2} + s_{1}^{2}}{\lambda} \right) + 1 \right) \left(\delta \sqrt{1 - \delta^{2}} \left(s_{2}^{2} - s_{1}^{2} \right) + \lambda e^{W \left(\frac{\lambda + \delta^{2} \left(-s_{1}^{2} \right) + \delta^{2} s_{2}^{2} + s_{1}^{2}}{\lambda} \right)} \right) \right] \\ & \left(W \left(\frac{\lambda + \delta^{2} \left(s_{1}^{2} - s_{2}^{2} \right) + s_{2}^{2}}{\lambda} \right) + 1 \right) \right] \\ & \left[\delta^{2} \left(\delta^{2} - 1 \right) \left(s_{1}^{2} - s_{2}^{2} \right)^{2} + \left(\lambda + \delta^{2} \left(s_{1}^{2} - s_{2}^{2} \right) + \lambda e^{W \left(\frac{\lambda + \delta^{2} \left(s_{1}^{2} - s_{2}^{2} \right) + s_{2}^{2}}{\lambda}} \right) + s_{2}^{2} \right) \\ & \left(\lambda + \delta^{2} s_{2}^{2} - \left(\delta^{2} - 1 \right) s_{1}^{2} + \lambda e^{W \left(\frac{\lambda + \delta^{2} \left(-s_{1}^{2} \right) + \delta^{2} s_{2}^{2} + s_{1}^{2}}{\lambda}} \right) \right) \right)^{-1} \end{aligned}",
        printed=printed_eq(sp.Matrix([[alpha1_star, alpha2_star]]), sp.Matrix([[_c10_a1, _c10_a2]])),
        statement="'From lemma 1, and with U given by Eq. 15, ... the perturbatory solution for the "
                  "fixed point is' the printed α1*, α2*.",
        assumptions=("U of Eq. 15", "Lemma 1 (Eq. 14)"),
        kind=Kind.IDENTITY,
        transcription_note=(
            "OCR-garbled: unbalanced brackets ('\\end{aligned}' closes a '\\begin{split}'), the "
            "opening '[' of the denominator of α1* is missing, and each numerator reads "
            "'λ(W(a)+1)(δ√(1−δ²)(s2²−s1²) + λe^{W(a)}) (W(b)+1)))]' with surplus ')'. Reading adopted: "
            "α1* = λ(W(A22)+1)(δ√(1−δ²)(s2²−s1²) + λe^{W(A22)}(W(A11)+1)) / D, "
            "α2* = λ(W(A11)+1)(δ√(1−δ²)(s2²−s1²) + λe^{W(A11)}(W(A22)+1)) / D, "
            "D = δ²(δ²−1)(s1²−s2²)² + (λ+δ²(s1²−s2²)+λe^{W(A22)}+s2²)(λ+δ²s2²−(δ²−1)s1²+λe^{W(A11)}), "
            "with A22 = (λ+δ²(s1²−s2²)+s2²)/λ and A11 = (λ−δ²s1²+δ²s2²+s1²)/λ as printed inside W; "
            "i.e. the ')' right after λe^{W(·)} in each numerator is dropped and the stray ')' in "
            "D's first factor '(λ + δ²(s1²−s2²) + λe^{W}) + s2²)' is dropped. The alternative "
            "reading that keeps the ')' after λe^{W(·)} (making (W(·)+1) a third factor) is in "
            "extra['alternative_reading']."
        ),
        extra={"alternative_reading": sp.Matrix([[_c10_a1_alt, _c10_a2_alt]])},
    ),
    Claim(
        id="eq63",
        equation="Eq. 63 (untagged)",
        section="App. C.10",
        title="z1* to first order in δ",
        latex=r"z_{1}^{*} = \frac{\delta s_{1}^{2} \left(W\left(\frac{\lambda + s_{2}^{2}}{\lambda}\right) + 1\right) \left(\lambda + \lambda e^{W\left(\frac{\lambda + s_{1}^{2}}{\lambda}\right)} + s_{2}^{2}\right)}{\left(\lambda + \lambda e^{W\left(\frac{\lambda + s_{1}^{2}}{\lambda}\right)} + s_{1}^{2}\right) \left(\lambda + \lambda e^{W\left(\frac{\lambda + s_{2}^{2}}{\lambda}\right)} + s_{2}^{2}\right)} + \frac{\lambda s_{1}^{2} e^{W\left(\frac{\lambda + s_{1}^{2}}{\lambda}\right)} \left(W\left(\frac{\lambda + s_{1}^{2}}{\lambda}\right) + 1\right) \left(W\left(\frac{\lambda + s_{2}^{2}}{\lambda}\right) + 1\right)}{\left(\lambda + \lambda e^{W\left(\frac{\lambda + s_{1}^{2}}{\lambda}\right)} + s_{1}^{2}\right) \left(\lambda + \lambda e^{W\left(\frac{\lambda + s_{1}^{2}}{\lambda}\right)} + s_{2}^{2}\right)}",
        printed=printed_eq(z1_star, _eq63_rhs),
        statement="First-order Taylor expansion in δ of z1* (Eq. 62 with the C.10 α*).",
        assumptions=("U of Eq. 15", "δ small"),
        kind=Kind.APPROXIMATION,
        order="first order in δ (remainder O(δ²))",
        transcription_note="Untagged in the print; the term without δ is the zeroth order, the other "
                           "the first order.",
    ),
    Claim(
        id="eq64",
        equation="Eq. 64 (untagged)",
        section="App. C.10",
        title="z2* to first order in δ",
        latex=r"z_{2}^{*} = \frac{\lambda s_{2}^{2} e^{W\left(\frac{\lambda + s_{1}^{2}}{\lambda}\right)} \left(W\left(\frac{\lambda + s_{1}^{2}}{\lambda}\right) + 1\right) \left(W\left(\frac{\lambda + s_{2}^{2}}{\lambda}\right) + 1\right)}{\left(\lambda + \lambda e^{W\left(\frac{\lambda + s_{1}^{2}}{\lambda}\right)} + s_{1}^{2}\right) \left(\lambda + \lambda e^{W\left(\frac{\lambda + s_{2}^{2}}{\lambda}\right)} + s_{1}^{2}\right)} - \frac{\delta s_{2}^{2} \left(W\left(\frac{\lambda + s_{1}^{2}}{\lambda}\right) + 1\right) \left(\lambda + \lambda e^{W\left(\frac{\lambda + s_{2}^{2}}{\lambda}\right)} + s_{1}^{2}\right)}{\left(\lambda + \lambda e^{W\left(\frac{\lambda + s_{1}^{2}}{\lambda}\right)} + s_{1}^{2}\right) \left(\lambda + \lambda e^{W\left(\frac{\lambda + s_{2}^{2}}{\lambda}\right)} + s_{2}^{2}\right)}",
        printed=printed_eq(z2_star, _eq64_rhs),
        statement="First-order Taylor expansion in δ of z2* (Eq. 62 with the C.10 α*).",
        assumptions=("U of Eq. 15", "δ small"),
        kind=Kind.APPROXIMATION,
        order="first order in δ (remainder O(δ²))",
        transcription_note="Untagged in the print; the term without δ is the zeroth order, the other "
                           "the first order.",
    ),
    Claim(
        id="eq65",
        equation="Eq. 65",
        section="App. C.10",
        title="dz2*/ds1² to first order in δ",
        latex=r"\frac{\mathrm{d}z_{2}^{*}}{\mathrm{d}s_{1}^{2}} = -\frac{\delta\lambda s_{2}^{2} \left(e^{W\left(\frac{\lambda+s_{1}^{2}}{\lambda}\right)} - e^{W\left(\frac{\lambda+s_{2}^{2}}{\lambda}\right)}\right) \left(W\left(\frac{\lambda+s_{1}^{2}}{\lambda}\right) + 1\right)}{\left(\lambda + \lambda e^{W\left(\frac{\lambda+s_{1}^{2}}{\lambda}\right)} + s_{1}^{2}\right)^{2} \left(\lambda + \lambda e^{W\left(\frac{\lambda+s_{2}^{2}}{\lambda}\right)} + s_{2}^{2}\right)}",
        printed=printed_eq(dz2_ds1sq, _eq65_rhs),
        statement="'Taking the derivative of z2* with respect to s1' (of the first-order Eq. 64) gives "
                  "Eq. 65.",
        assumptions=("U of Eq. 15", "δ small"),
        kind=Kind.APPROXIMATION,
        order="first order in δ (remainder O(δ²))",
        transcription_note="The text says 'with respect to s_1' but the left side is d/d(s_1²).",
    ),
    Claim(
        id="thm2",
        equation="Thm. 2 (Eq. 16)",
        section="§3.3; App. C.10",
        title="Theorem 2: gradient starvation regime",
        latex=r"\frac{\mathrm{d}z_2^*}{\mathrm{d}s_1^2} < 0,\tag{16}",
        printed=sp.Lt(dz2_ds1sq, 0),
        statement="With coupling as in Eq. 15 and s1² > s2², dz2*/ds1² < 0 (feature 1 starves feature 2). "
                  "Reprinted verbatim as Eq. 61 and, as the conclusion of the proof, Eq. 66 (App. C.10).",
        assumptions=("linear (NTK) regime, cross-entropy, binary task", "U of Eq. 15",
                     "s1² > s2²", "δ > 0 small (Lemma 1)", "λ > 0"),
        kind=Kind.SIGN,
        order="proof is first order in δ (Lemma 1, Eq. 63-65); the theorem states no order",
    ),
]

# ---- Our corrected Theorem 2 (not printed in the paper): the exact sign region of
# dz2*/d(s1²) at the fixed point of Eq. 9 and Eq. 10, all orders in δ; judged by
# theory.theorem2_exact, which proves it. "printed" holds the statement as stated here.
_dlt = sp.Symbol("delta", real=True)
CLAIMS.append(
    Claim(
        id="thm2_corrected",
        equation="Thm. 2 (corrected, ours)",
        section="§3.3; App. C.10",
        title="Theorem 2, exact: the sign region of dz2*/ds1²",
        latex=r"\frac{\mathrm{d}z_2^*}{\mathrm{d}s_1^2} = \frac{c\,\delta\, s_2^2\,(c\alpha_1^* + \delta\alpha_2^*)(p_2 - p_1)}"
              r"{\lambda^2 \det(P + M)} < 0 \iff 0 < \delta < 1/\sqrt{2}",
        printed={
            "criterion": sp.Lt(dz2_ds1sq, 0),
            "negative": sp.Interval.open(0, 1 / sp.sqrt(2)),
            "zero": sp.FiniteSet(-1 / sp.sqrt(2), 0, 1 / sp.sqrt(2)),
            "positive": sp.Union(sp.Interval.open(-1, -1 / sp.sqrt(2)), sp.Interval.open(-1 / sp.sqrt(2), 0),
                                 sp.Interval.open(1 / sp.sqrt(2), 1)),
            "variable": _dlt,
        },
        statement="Ours, replacing Thm. 2: for U of Eq. 15 with −1 < δ < 1, s1 > s2 > 0 and λ > 0, at the exact "
                  "fixed point of Eq. 10 and of Eq. 9, dz2*/ds1² = cδ s2²(cα1* + δα2*)(p2 − p1)/(λ² det(P + M)) "
                  "(c = √(1−δ²), p_i = 1/α_i* for Eq. 10, 1/(α_i*(1−α_i*)) for Eq. 9, M = A resp. K/λ), and it is "
                  "< 0 exactly for 0 < δ < 1/√2, = 0 at δ ∈ {−1/√2, 0, 1/√2}, > 0 elsewhere.",
        assumptions=("U of Eq. 15, −1 < δ < 1", "s1 > s2 > 0", "λ > 0", "exact fixed point of Eq. 10 or Eq. 9"),
        kind=Kind.SIGN,
        transcription_note="Not a transcription: our corrected statement, shown beside the printed Thm. 2.",
    )
)
