"""Printed claims of Lemma 1 and its proof, App. C.9 (Eq. 14, 54-60), verbatim.

Vectors are row vectors, as in the paper (α̇ = η(−log α − αA)); the vector
equations are instantiated for n = 2 with a generic matrix A = (A_ij) (Eq. 15, the
case the paper uses, is n = 2). Eq. 60 is a verbatim reprint of Eq. 14 and is
recorded in the statement of ``lemma1``.
"""

from __future__ import annotations

import sympy as sp

from theory.claims import Claim, Kind, printed_eq
from theory.symbols import alpha1, alpha2, eta, lam, s1, s2

W = sp.LambertW
N2 = 2

# A generic 2×2 matrix A (Eq. 55 makes it symmetric positive definite; the printed
# algebra of Eq. 54-60 does not use that, so the transcription keeps A generic).
A11, A12, A21, A22 = sp.symbols("A_11 A_12 A_21 A_22", real=True)
A = sp.Matrix([[A11, A12], [A21, A22]])
A_ii = sp.Symbol("A_ii", positive=True)

alpha_row = sp.Matrix([[alpha1, alpha2]])
# sp.symbols would split these names at the comma.
alpha0_1 = sp.Symbol("alpha_{0,1}^*", positive=True)
alpha0_2 = sp.Symbol("alpha_{0,2}^*", positive=True)
alpha0_row = sp.Matrix([[alpha0_1, alpha0_2]])
alpha0_i = sp.Symbol("alpha_{0,i}^*", positive=True)
alpha_star_1, alpha_star_2 = sp.symbols("alpha_1^* alpha_2^*", positive=True)
alpha_star_row = sp.Matrix([[alpha_star_1, alpha_star_2]])
alpha_dot_row = sp.Matrix([sp.symbols("dot{alpha}_1 dot{alpha}_2", real=True)]).reshape(1, 2)

# Generic U = (u_ij) and S = diag(s_1, s_2) for Eq. 55.
U2 = sp.Matrix(N2, N2, lambda a, b: sp.Symbol(f"u_{a + 1}{b + 1}", real=True))
S2_diag = sp.diag(s1**2, s2**2)


def _ones_row() -> sp.Matrix:
    return sp.ones(1, N2)


def _log_row(v: sp.Matrix) -> sp.Matrix:
    return v.applyfunc(sp.log)


def _diag_of(M: sp.Matrix) -> sp.Matrix:
    return sp.Matrix([[M[k, k] for k in range(M.rows)]])


def _hadamard(a: sp.Matrix, b: sp.Matrix) -> sp.Matrix:
    return a.multiply_elementwise(b)


# Eq. 57 as printed: the bracket [−log α − α ⊙ diag(A)] is differentiated with
# respect to α and evaluated at α0*, then applied to (α − α0*). SymPy evaluates the
# printed derivative (a diagonal Jacobian); the printed order "J (α − α0)" is kept.
_eq57_bracket = -_log_row(alpha_row) - _hadamard(alpha_row, _diag_of(A))
_eq57_jac = _eq57_bracket.jacobian(list(alpha_row)).subs({alpha1: alpha0_1, alpha2: alpha0_2})
_eq57_rhs = eta * (
    -_log_row(alpha0_row) - _hadamard(alpha0_row, _diag_of(A))
    + (_eq57_jac * (alpha_row - alpha0_row).T).T
)

_inv_alpha0_row = alpha0_row.applyfunc(lambda v: 1 / v)

CLAIMS: list[Claim] = [
    Claim(
        id="lemma1",
        equation="Eq. 14",
        section="§3.3 (Lemma 1); App. C.9",
        title="Lemma 1: perturbative fixed point",
        latex=r"\boldsymbol{\alpha}^* = (1 - \log(\boldsymbol{\alpha}_0^*)) \left[\mathbf{A} + diag\left(\boldsymbol{\alpha}_0^{*-1}\right) \right]^{-1}, \tag{14}",
        printed=printed_eq(alpha_star_row,
                      (_ones_row() - _log_row(alpha0_row)) * (A + sp.diag(*_inv_alpha0_row)).inv()),
        statement="If U is the identity perturbed by off-diagonal entries ∝ δ > 0 (small), the fixed "
                  "point of Eq. 10 'can be approximated by' α* = (1 − log α0*)[A + diag(α0*⁻¹)]⁻¹, "
                  "A = λ⁻¹U(S²+λI)Uᵀ, α0* the fixed point of the uncoupled system with δ = 0. "
                  "Reprinted verbatim (with \\operatorname{diag}) as Eq. 60 in App. C.9.",
        assumptions=("U = I + O(δ) off-diagonal, δ > 0 small", "A = λ⁻¹U(S²+λI)Uᵀ (Eq. 55)",
                     "α0* = fixed point at δ = 0 (main text) or Eq. 56 (App. C.9)"),
        kind=Kind.APPROXIMATION,
        order="not stated ('can be approximated by'); a perturbation in δ",
        transcription_note="Row-vector convention of the paper; instantiated for n = 2 with a generic A. "
                           "log and the inverse in diag(α0*⁻¹) act elementwise. The main text defines α0* "
                           "as the δ = 0 fixed point, while Eq. 56 (App. C.9) uses W(A_ii)/A_ii with the "
                           "diagonal of the perturbed A: two different α0* (they differ at O(δ²)).",
    ),
    Claim(
        id="eq54",
        equation="Eq. 54",
        section="App. C.9",
        title="Dynamics in terms of A",
        latex=r"\alpha = \eta \left(-\log \alpha - \alpha \mathbf{A} \right) \tag{54}",
        printed=printed_eq(alpha_row, eta * (-_log_row(alpha_row) - alpha_row * A)),
        statement="Eq. 10 written with A of Eq. 55.",
        assumptions=("A = λ⁻¹U(S²+λI)Uᵀ",),
        kind=Kind.IDENTITY,
        transcription_note="Transcribed literally: the left side is α, not α̇ (no dot in the print).",
    ),
    Claim(
        id="eq55",
        equation="Eq. 55",
        section="App. C.9",
        title="Definition of A",
        latex=r"\mathbf{A} = \lambda^{-1} \mathbf{U} (\mathbf{S}^2 + \lambda \mathbf{I}) \mathbf{U}^T \tag{55}",
        printed=printed_eq(sp.Matrix([[A11, A12], [A21, A22]]),
                      U2 * (S2_diag + lam * sp.eye(N2)) * U2.T / lam),
        statement="A = λ⁻¹U(S²+λI)Uᵀ is the matrix of the linear term of Eq. 10.",
        assumptions=("U orthogonal", "λ > 0"),
        kind=Kind.DEFINITION,
        transcription_note="Instantiated for n = 2 with a generic U = (u_ij), S = diag(s_1, s_2).",
    ),
    Claim(
        id="eq56",
        equation="Eq. 56",
        section="App. C.9",
        title="Unperturbed solution α0*",
        latex=r"\alpha_{0,i}^* = \frac{\mathcal{W}(A_{ii})}{A_{ii}}.\tag{56}",
        printed=printed_eq(alpha0_i, W(A_ii) / A_ii),
        statement="The unperturbed system (off-diagonal terms of A dropped) has the solution "
                  "α0,i* = W(A_ii)/A_ii 'given by case 2'.",
        assumptions=("off-diagonal entries of A treated as a perturbation",),
        kind=Kind.FIXED_POINT,
        transcription_note="Ambiguous: A_ii is the diagonal of the perturbed A (which depends on δ at "
                           "O(δ²)), while Lemma 1 in the main text calls α0* the fixed point of the "
                           "system with δ = 0 (A_ii = 1 + s_i²/λ). Both readings are carried through.",
    ),
    Claim(
        id="eq57",
        equation="Eq. 57",
        section="App. C.9",
        title="Linearisation around α0*",
        latex=r"\dot{\boldsymbol{\alpha}} \simeq \eta \left(-\log\left(\boldsymbol{\alpha}_{0}^{*}\right) - \boldsymbol{\alpha}_{0}^{*} \odot \operatorname{diag}\left(\boldsymbol{A}\right) + \frac{\mathrm{d}}{\mathrm{d}\boldsymbol{\alpha}} \left[-\log\left(\boldsymbol{\alpha}\right) - \boldsymbol{\alpha} \odot \operatorname{diag}\left(\boldsymbol{A}\right) \right] \Big|_{\boldsymbol{\alpha}_{0}^{*}} (\boldsymbol{\alpha} - \boldsymbol{\alpha}_{0}^{*}) \right), \quad (57)",
        printed=printed_eq(alpha_dot_row, _eq57_rhs),
        statement="Linearising 'the autonomous system Eq. 10' around the unperturbed solution gives "
                  "Eq. 57 (only diag(A) appears).",
        assumptions=("α close to α0*",),
        kind=Kind.APPROXIMATION,
        order="first order in α − α0*",
        transcription_note="n = 2; the printed d/dα of the bracket is evaluated by SymPy (a diagonal "
                           "Jacobian) and applied to (α − α0*) as printed.",
    ),
    Claim(
        id="eq58",
        equation="Eq. 58",
        section="App. C.9",
        title="Linearisation, collected",
        latex=r"\dot{\boldsymbol{\alpha}} \simeq \eta \left(1 - \log \left(\boldsymbol{\alpha}^* \right) - \left(\operatorname{diag} \left(\boldsymbol{A} \right) + \boldsymbol{\alpha}_0^{*-1} \right) \odot \boldsymbol{\alpha} \right). \tag{58}",
        printed=printed_eq(alpha_dot_row,
                      eta * (_ones_row() - _log_row(alpha_star_row)
                             - _hadamard(_diag_of(A) + _inv_alpha0_row, alpha_row))),
        statement="Eq. 57 with its terms collected.",
        assumptions=("α close to α0*",),
        kind=Kind.IDENTITY,
        transcription_note="Transcribed literally: the print has log(α*) (the sought fixed point), "
                           "not log(α0*).",
    ),
    Claim(
        id="eq59",
        equation="Eq. 59",
        section="App. C.9",
        title="Linearisation with the off-diagonal perturbation",
        latex=r"\dot{\alpha} \simeq \eta \left(1 - \log \left(\alpha^* \right) - \alpha \left[\mathbf{A} + \operatorname{diag} \left(\alpha_0^{*-1} \right) \right] \right), \tag{59}",
        printed=printed_eq(alpha_dot_row,
                      eta * (_ones_row() - _log_row(alpha_star_row)
                             - alpha_row * (A + sp.diag(*_inv_alpha0_row)))),
        statement="Restoring the off-diagonal terms of A in Eq. 58 gives Eq. 59, whose zero is Eq. 60.",
        assumptions=("α close to α0*",),
        kind=Kind.APPROXIMATION,
        order="first order in α − α0*",
        transcription_note="Transcribed literally: log(α*) as printed (cf. Eq. 58).",
    ),
]
