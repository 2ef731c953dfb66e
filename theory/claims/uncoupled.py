"""Printed claims of §3.3 cases 1-2 and App. C.7-C.8 (Eq. 12-13, 39-53), verbatim.

Vector statements are instantiated as SymPy objects where the print is generic:
``Σ_i u_ij`` is a ``sympy.Sum`` over an ``IndexedBase`` (bounds ``1..n``), and the
vector equations Eq. 45 and Eq. 52 are written for ``n = 3`` (the smallest size with
a genuine 3-cycle permutation). Eq. 39 and Eq. 47 are verbatim reprints of Eq. 12 and
Eq. 13 and are recorded in the statements of ``eq12_*`` / ``eq13_*`` rather than as
separate claims; Eq. 44 and Eq. 51 are the conclusions of the appendix proofs and are
separate claims because each closes its own derivation.
"""

from __future__ import annotations

import sympy as sp

from theory.claims import Claim, Kind, printed_eq
from theory.symbols import alpha, eta, lam, s

alpha_i = sp.Symbol("alpha_i^*")
z_j = sp.Symbol("z_j^*")
z_i = sp.Symbol("z_i^*")
alpha_dot = sp.Symbol("dot{alpha}")
# The printed per-example strength s_i (Eq. 13, 50-53).
s_i = sp.Symbol("s_i", positive=True)
W = sp.LambertW

# Σ_i u_ij exactly as printed: a sum over the first index of U, free second index.
u = sp.IndexedBase("u")
i, j = sp.symbols("i j", integer=True, positive=True)
n = sp.Symbol("n", integer=True, positive=True)

# Size-3 instances for the vector equations Eq. 45 and Eq. 52.
N3 = 3
U3 = sp.Matrix(N3, N3, lambda a, b: sp.Symbol(f"u_{a + 1}{b + 1}", real=True))
z_vec3 = sp.Matrix([sp.Symbol(f"z_{k + 1}^*") for k in range(N3)])
alpha_vec3 = sp.Matrix([sp.Symbol(f"alpha_{k + 1}^*", positive=True) for k in range(N3)])
s_vec3 = [sp.Symbol(f"s_{k + 1}", positive=True) for k in range(N3)]

_ASSUME_CASE1 = ("S² = s² I", "λ > 0", "U orthogonal (from the SVD of Definition 1)",
                 "fixed point of Eq. 10 (the approximate dynamics)")
_ASSUME_CASE2 = ("U a permutation matrix", "λ > 0", "fixed point of Eq. 10 (the approximate dynamics)")

CLAIMS: list[Claim] = [
    Claim(
        id="eq12_alpha",
        equation="Eq. 12",
        section="§3.3",
        title="Fixed point α* when S² ∝ I",
        latex=r"\alpha_i^* = \frac{\lambda W(\lambda^{-1} s^2 + 1)}{s^2 + \lambda}",
        printed=printed_eq(alpha_i, lam * W(s**2 / lam + 1) / (s**2 + lam)),
        statement="With S² = s²I the fixed point of Eq. 10 has every α_i equal to λW(s²/λ+1)/(s²+λ). "
                  "Reprinted verbatim (with \\mathcal{W}) as Eq. 39 in App. C.7.",
        assumptions=_ASSUME_CASE1,
        kind=Kind.FIXED_POINT,
    ),
    Claim(
        id="eq12_z",
        equation="Eq. 12",
        section="§3.3",
        title="Feature response z* when S² ∝ I",
        latex=r"z_j^* = \frac{s^2 W(\lambda^{-1} s^2 + 1)}{s^2 + \lambda} \sum_i u_{ij},",
        printed=printed_eq(z_j, s**2 * W(s**2 / lam + 1) / (s**2 + lam) * sp.Sum(u[i, j], (i, 1, n))),
        statement="With S² = s²I the response to feature j at the fixed point (Eq. 11) is "
                  "s²W(s²/λ+1)/(s²+λ) times the j-th column sum of U. Reprinted as Eq. 39 in App. C.7.",
        assumptions=_ASSUME_CASE1,
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq13_alpha",
        equation="Eq. 13",
        section="§3.3",
        title="Fixed point α* when U is a permutation",
        latex=r"\alpha_i^* = \frac{\lambda W(\lambda^{-1} s_i^2 + 1)}{s_i^2 + \lambda}",
        printed=printed_eq(alpha_i, lam * W(s_i**2 / lam + 1) / (s_i**2 + lam)),
        statement="If U is a permutation matrix, the fixed point of Eq. 10 is α_i* = λW(s_i²/λ+1)/(s_i²+λ). "
                  "Reprinted verbatim (with \\mathcal{W}) as Eq. 47 in App. C.8, whose proof then sets "
                  "U = I 'without loss of generality' by reordering the examples.",
        assumptions=_ASSUME_CASE2,
        kind=Kind.FIXED_POINT,
        transcription_note="s_i is the i-th singular value; the print does not say which feature "
                           "example i carries when U ≠ I.",
    ),
    Claim(
        id="eq13_z",
        equation="Eq. 13",
        section="§3.3",
        title="Feature response z* when U is a permutation",
        latex=r"z_j^* = \frac{s_i^2 W(\lambda^{-1} s_i^2 + 1)}{s_i^2 + \lambda}.",
        printed=printed_eq(z_j, s_i**2 * W(s_i**2 / lam + 1) / (s_i**2 + lam)),
        statement="If U is a permutation matrix, the response to feature j is s_i²W(s_i²/λ+1)/(s_i²+λ). "
                  "Reprinted verbatim as Eq. 47 in App. C.8.",
        assumptions=_ASSUME_CASE2,
        kind=Kind.IDENTITY,
        transcription_note="Transcribed literally: the left side is indexed by j, the right side by i "
                           "(s_i), with no relation between i and j stated. Index mismatch suspected.",
    ),
    Claim(
        id="eq41",
        equation="Eq. 41",
        section="App. C.7",
        title="Eq. 40 → 41: U(s²+λ)IUᵀ = (s²+λ)I",
        latex=r"\dot{\alpha} \approx \eta \left(-\log \alpha - \frac{1}{\lambda} \alpha \left(s^2 + \lambda \right) \right).",
        printed=printed_eq(alpha_dot, eta * (-sp.log(alpha) - alpha * (s**2 + lam) / lam)),
        statement="With S² = s²I, the dynamics of Eq. 40 (Eq. 10 with S² = s²I) reduce to the "
                  "decoupled α̇ ≈ η(−log α − α(s²+λ)/λ), elementwise.",
        assumptions=_ASSUME_CASE1,
        kind=Kind.IDENTITY,
        transcription_note="Elementwise equation: α stands for any component α_i (the product with "
                           "the scalar (s²+λ)/λ is componentwise); '≈' is inherited from Eq. 10.",
    ),
    Claim(
        id="eq43",
        equation="Eq. 43",
        section="App. C.7",
        title="Fixed-point equation, case 1",
        latex=r"\log \alpha = -\frac{s^2 + \lambda}{\lambda} \alpha. \tag{43}",
        printed=printed_eq(sp.log(alpha), -(s**2 + lam) / lam * alpha),
        statement="At a fixed point of Eq. 41 (Eq. 42), log α = −(s²+λ)α/λ.",
        assumptions=_ASSUME_CASE1 + ("η > 0",),
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq44",
        equation="Eq. 44",
        section="App. C.7",
        title="Solution of Eq. 43",
        latex=r"\alpha_i^* = \frac{\lambda \mathcal{W}(\lambda^{-1} s^2 + 1)}{s^2 + \lambda} \tag{44}",
        printed=printed_eq(alpha_i, lam * W(s**2 / lam + 1) / (s**2 + lam)),
        statement="The solution of Eq. 43 is α_i* = λW(s²/λ+1)/(s²+λ).",
        assumptions=_ASSUME_CASE1,
        kind=Kind.FIXED_POINT,
    ),
    Claim(
        id="eq45",
        equation="Eq. 45",
        section="App. C.7",
        title="z* = s²W/(s²+λ) Uᵀ1",
        latex=r"\mathbf{z} = \frac{s^2 \mathcal{W}(\lambda^{-1} s^2 + 1)}{s^2 + \lambda} \mathbf{U}^T \mathbf{1},\tag{45}",
        printed=printed_eq(z_vec3, s**2 * W(s**2 / lam + 1) / (s**2 + lam) * U3.T * sp.ones(N3, 1)),
        statement="With S² = s²I, Eq. 11 gives z = s²W(s²/λ+1)/(s²+λ) Uᵀ1.",
        assumptions=_ASSUME_CASE1,
        kind=Kind.IDENTITY,
        transcription_note="Instantiated for n = 3 with a generic U = (u_ij); the print is for any n.",
    ),
    Claim(
        id="eq46",
        equation="Eq. 46",
        section="App. C.7",
        title="Componentwise z*, case 1",
        latex=r"z_i^* = \frac{s^2 \mathcal{W}(\lambda^{-1} s^2 + 1)}{s^2 + \lambda} \sum_i u_{ij}.",
        printed=printed_eq(z_i, s**2 * W(s**2 / lam + 1) / (s**2 + lam) * sp.Sum(u[i, j], (i, 1, n))),
        statement="Component form of Eq. 45.",
        assumptions=_ASSUME_CASE1,
        kind=Kind.IDENTITY,
        transcription_note="Transcribed literally: the left side is z_i while i is the summation "
                           "index on the right, whose free index is j (compare Eq. 12 / 39: z_j*).",
    ),
    Claim(
        id="eq50",
        equation="Eq. 50",
        section="App. C.8",
        title="Fixed-point equation, case 2",
        latex=r"\log \alpha_i = -\frac{1}{\lambda} \alpha_i \left(s_i^2 + \lambda \right) \tag{50}",
        printed=printed_eq(sp.log(alpha), -alpha * (s_i**2 + lam) / lam),
        statement="With U = I, a fixed point of Eq. 48 (Eq. 49) satisfies log α_i = −α_i(s_i²+λ)/λ.",
        assumptions=("U = I (App. C.8: a permutation reordered)", "λ > 0", "η > 0"),
        kind=Kind.IDENTITY,
        transcription_note="α stands for the component α_i.",
    ),
    Claim(
        id="eq51",
        equation="Eq. 51",
        section="App. C.8",
        title="Solution of Eq. 50",
        latex=r"\alpha_i^* = \frac{\lambda \mathcal{W}(\lambda^{-1} s_i^2 + 1)}{s_i^2 + \lambda}.",
        printed=printed_eq(alpha_i, lam * W(s_i**2 / lam + 1) / (s_i**2 + lam)),
        statement="With U = I, the solution of Eq. 50 is α_i* = λW(s_i²/λ+1)/(s_i²+λ).",
        assumptions=("U = I (App. C.8: a permutation reordered)", "λ > 0"),
        kind=Kind.FIXED_POINT,
    ),
    Claim(
        id="eq52",
        equation="Eq. 52",
        section="App. C.8",
        title="z* with U = I",
        latex=r"\mathbf{z}^* = \frac{1}{\lambda} \mathbf{S}^2 \mathbf{I} \boldsymbol{\alpha}^{*T}, \tag{52}",
        printed=printed_eq(z_vec3, sp.diag(*[sk**2 for sk in s_vec3]) * sp.eye(N3) * alpha_vec3 / lam),
        statement="With U = I, Eq. 11 reads z* = λ⁻¹ S² I α*ᵀ.",
        assumptions=("U = I", "λ > 0"),
        kind=Kind.IDENTITY,
        transcription_note="Instantiated for n = 3 with S = diag(s_1, s_2, s_3).",
    ),
    Claim(
        id="eq53",
        equation="Eq. 53",
        section="App. C.8",
        title="Componentwise z*, case 2",
        latex=r"z_j^* = \frac{s_i^2 \mathcal{W}(\lambda^{-1} s_i^2 + 1)}{s_i^2 + \lambda}.",
        printed=printed_eq(z_j, s_i**2 * W(s_i**2 / lam + 1) / (s_i**2 + lam)),
        statement="With U = I, the response to feature j is s_i²W(s_i²/λ+1)/(s_i²+λ).",
        assumptions=("U = I", "λ > 0"),
        kind=Kind.IDENTITY,
        transcription_note="Transcribed literally: left side indexed by j, right side by i (as in Eq. 13).",
    ),
]
