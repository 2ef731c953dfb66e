"""Printed claims about the dynamics that only numerics can check (App. B.1, §3.2-3.3 prose).

These are statements in words, not formulas: ``printed`` holds the parameters the paper
names (as SymPy numbers) so that the check uses exactly the printed setting.
"""

from __future__ import annotations

import sympy as sp

from theory.claims import Claim, Kind

# App. B.1: "U = [[0.8, -0.6], [0.6, 0.8]]", "S = [s1, s2 = 2]", "s1 ∈ {2,3,4,5,6}".
B1_U = sp.Matrix([[sp.Rational(8, 10), -sp.Rational(6, 10)], [sp.Rational(6, 10), sp.Rational(8, 10)]])
B1_S1 = (2, 3, 4, 5, 6)
B1_S2 = 2
#: dz_j*/d(s_i²) for a pair (i, j) of features: a label of the pairwise criterion.
PAIR_DZ = sp.Symbol("dz_j^*/d(s_i^2)")

CLAIMS: list[Claim] = [
    Claim(
        id="b1_decouple_cite",
        equation="App. B.1",
        section="App. B.1",
        title="S = [2, 2] decouples the toy dynamics 'according to Eq. 13'",
        latex=r"According to Eq. 13, when $\mathbf{S} = [2,2]$, the dynamics decouple while in other cases starvation occurs.",
        printed={"U": B1_U, "S": sp.Matrix([2, 2]), "cites": "Eq. 13"},
        statement="With U = [[0.8,-0.6],[0.6,0.8]] and S = [2,2] the dual dynamics decouple, by Eq. 13.",
        assumptions=("U = [[0.8,-0.6],[0.6,0.8]]", "S = [2, 2]"),
        kind=Kind.QUALITATIVE,
    ),
    Claim(
        id="b1_starvation",
        equation="App. B.1 / Fig. 5",
        section="App. B.1",
        title="Toy: z1* increases and z2* decreases as s1 grows",
        latex=r"It is evident that by increasing the value of $s_1$, the value of $z_1^*$ increases while $z_2^*$ decreases (starves).",
        printed={"U": B1_U, "s1": B1_S1, "s2": B1_S2},
        statement="For the App. B.1 toy, z1* is increasing and z2* decreasing in s1 over s1 ∈ {2,...,6}, s2 = 2.",
        assumptions=("U = [[0.8,-0.6],[0.6,0.8]]", "s2 = 2", "s1 ∈ {2,3,4,5,6}", "λ not stated"),
        kind=Kind.QUALITATIVE,
        transcription_note="App. B.1 does not state λ; the check sweeps λ over four decades.",
    ),
    Claim(
        id="b1_primal_dual",
        equation="App. B.1 / Fig. 5",
        section="App. B.1",
        title="Primal and dual dynamics share their fixed points",
        latex=r"Note that although their dynamics are different, they both share the same fixed points.",
        printed={"U": B1_U, "s1": B1_S1, "s2": B1_S2},
        statement="Gradient descent on the primal loss (Eq. 5) and the dual dynamics reach the same z*.",
        assumptions=("linear model ŷ = Φ0 θ", "λ > 0"),
        kind=Kind.QUALITATIVE,
    ),
    Claim(
        id="b1_sd",
        equation="App. B.1 / Fig. 5",
        section="App. B.1",
        title="Under SD, increasing one singular value does not affect the other response",
        latex=r"Spectral Decoupling (SD) indeed decouples the learning dynamics of $z_1$ and $z_2$ and hence increasing the corresponding singular value of one does not affect the other.",
        printed={"U": B1_U, "s1": B1_S1, "s2": B1_S2},
        statement="With the SD loss (Eq. 17), z2* does not change when s1 changes (and vice versa).",
        assumptions=("linear model ŷ = Φ0 θ", "λ > 0"),
        kind=Kind.QUALITATIVE,
    ),
    Claim(
        id="small_lambda",
        equation="§3.2 (before Eq. 10)",
        section="§3.2",
        title="λ ≪ s² draws the fixed point towards the origin",
        latex=r"When $\lambda \ll s_k^2$, where k is an index over the singular values, the linear term dominates Eq. 9, and the fixed point is drawn closer towards the origin.",
        # Prose encoded as data: the limit of α* (Eq. 9, one feature) as λ/s² → 0⁺.
        printed={"limit_of_alpha_star": sp.Integer(0), "as": "lambda/s_k^2 -> 0+"},
        statement="The fixed point α* of Eq. 9 tends to 0 as λ/s_k² → 0, which is what licenses the Taylor step of Eq. 10.",
        assumptions=("λ > 0",),
        kind=Kind.QUALITATIVE,
    ),
    Claim(
        id="gs_ndim",
        equation="§3.3 (after Thm. 2)",
        section="§3.3",
        title="GS extends pairwise to higher dimensions",
        latex=r"While Thm. 2 outlines conditions for GS in two dimensional feature space, we note that the same rationale naturally extends to higher dimensions, where GS is defined pairwise over feature directions.",
        # Prose encoded as data: Definition 2's pairwise criterion (with Theorem 2's sign), the
        # pairs it is claimed for (stronger i, weaker j) and the dimensions (n > 2).
        printed={"criterion": sp.Lt(PAIR_DZ, 0), "pairs": sp.Gt(sp.Symbol("s_i"), sp.Symbol("s_j")),
                 "dimensions": sp.Interval(3, sp.oo)},
        statement="For n > 2 features with small coupling, a stronger feature i starves a weaker feature j (dz_j*/ds_i² < 0) pairwise.",
        assumptions=("near-identity orthogonal U", "s_i > s_j"),
        kind=Kind.QUALITATIVE,
    ),
]
