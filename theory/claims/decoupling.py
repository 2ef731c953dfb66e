"""Printed claims of Spectral Decoupling: §3.4 (Eq. 17–18), App. C.11 and the
variant of App. B.5 / §4, verbatim: data under test.

Matrix conventions and symbols are those of ``theory.claims.dual``.
"""

from __future__ import annotations

import sympy as sp

from theory.claims import Claim, Kind, printed_eq
from theory.claims.dual import (
    Phi0,
    S,
    U,
    V,
    Y,
    alpha_dot,
    alpha_v,
    elementwise,
    n,
    ones_row,
    theta,
    yhat,
)
from theory.symbols import eta, lam

_d = sp.Dummy("d", dummy_index=7_000_000_001)   # the element-wise functions' bound variable (theory.claims.dual)
#: log(1 + e^{−x}) element-wise: the per-example cross-entropy of Eq. 5/17.
softplus_neg = sp.Lambda(_d, sp.log(1 + sp.exp(-_d)))
_log_ratio = sp.Lambda(_d, sp.log((1 - _d) / _d))
#: γ of App. B.5: the target of the shifted logit penalty (a scalar per class in B.5.1).
gamma = sp.Symbol("gamma", real=True)

_ce = ones_row * elementwise(softplus_neg, Y * yhat)
#: ∂α̇_i/∂α_j for j ≠ i: the coupling that "decouple" says vanishes (a label).
# ∂α̇_i/∂α_j for j ≠ i (the label's name is one the report typesets as a fraction).
SD_CROSS = sp.Symbol("d(dot{alpha}_i)/d(alpha_j)")
#: The one condition the derivation finds necessary (a condition a print may state).
FULL_RANK = "rank(YPhi0) = n"

CLAIMS: list[Claim] = [
    Claim(
        id="eq17",
        equation="Eq. 17",
        section="§3.4, App. C.11",
        title="Spectral Decoupling loss",
        latex=r"\mathcal{L}(\boldsymbol{\theta}) = \mathbf{1} \cdot \log \left[1 + \exp\left(-\mathbf{Y}\hat{\mathbf{y}} \right) \right] + \frac{\lambda}{2} \|\hat{\mathbf{y}}\|^{2}.",
        printed={
            "loss": _ce + lam / 2 * yhat.T * yhat,
            # App. C.11 rewrites the penalty twice: λ/2‖Φθ‖² = λ/2‖SVᵀθ‖².
            "c11_penalty_Phi": lam / 2 * (Phi0 * theta).T * (Phi0 * theta),
            "c11_penalty_SV": lam / 2 * (S * V.T * theta).T * (S * V.T * theta),
        },
        statement="SD replaces λ/2‖θ‖² by λ/2‖ŷ‖²; C.11 rewrites it as λ/2‖Φθ‖² = λ/2‖SVᵀθ‖².",
        assumptions=("ŷ = Φ₀θ", "YΦ₀ = USVᵀ"),
        kind=Kind.DEFINITION,
        transcription_note="C.11 writes Φ for Φ₀.",
    ),
    Claim(
        id="eq18",
        equation="Eq. 18",
        section="§3.4, App. C.11",
        title="SD dual dynamics",
        latex=r"\dot{\alpha} = \eta \left(\log \frac{1 - \alpha}{\alpha} - \frac{1}{\lambda} \alpha \mathbf{U} \mathbf{S}^2 \mathbf{S}^{-2} \mathbf{U}^T \right) = \eta \left(\log \frac{1 - \alpha}{\alpha} - \frac{1}{\lambda} \alpha \right),",
        printed={
            "lhs": alpha_dot,
            # Built unevaluated: SymPy would otherwise fold S²S⁻² before anyone reads it.
            "middle": sp.MatMul(eta, sp.MatAdd(
                elementwise(_log_ratio, alpha_v),
                sp.MatMul(-1 / lam, alpha_v, U, sp.MatPow(S, 2), sp.MatPow(S, -2), U.T, evaluate=False),
                evaluate=False), evaluate=False),
            "right": eta * (elementwise(_log_ratio, alpha_v) - alpha_v / lam),
        },
        statement="Gradient ascent on the SD dual: α̇ = η(log((1−α)/α) − λ⁻¹αUS²S⁻²Uᵀ) = η(log((1−α)/α) − λ⁻¹α).",
        assumptions=("S invertible (S⁻² printed)", "UUᵀ = I"),
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="c11_theta_star",
        equation="App. C.11 (text), §3.4",
        section="§3.4, App. C.11",
        title="SD critical value θ*ᵀ = λ⁻¹αYΦ₀VS⁻²Vᵀ",
        latex=r"\boldsymbol{\theta}^{*T} = \frac{1}{\lambda} \boldsymbol{\alpha} \mathbf{Y} \boldsymbol{\Phi}_0 \boldsymbol{V} \boldsymbol{S}^{-2} \boldsymbol{V}^T,",
        printed=printed_eq(theta.T, alpha_v * Y * Phi0 * V * S ** (-2) * V.T / lam),
        statement="The inner minimiser over θ of the SD min-max problem is θ*ᵀ = λ⁻¹αYΦ₀VS⁻²Vᵀ.",
        assumptions=("S invertible",),
        kind=Kind.IDENTITY,
        transcription_note="§3.4 prints θ* (no transpose) for the same row vector; C.11's θ*ᵀ is transcribed.",
    ),
    Claim(
        id="sd_decoupled",
        equation="§3.4 (text)",
        section="§3.4",
        title="SD decouples the α_i for any coupling U",
        latex=r"Note that in contrast to Eq. 9 the matrix multiplication involving U and S in Eq. 18 cancels out, leaving α_i independent of other $\alpha_{j\neq i}$'s. We point out this is true for any initial coupling, without simplifying assumptions.",
        # Prose encoded as data: what vanishes, and the conditions the text states for it
        # ("for any initial coupling, without simplifying assumptions": none).
        printed={"cross_derivative": printed_eq(SD_CROSS, 0), "conditions": ()},
        statement="Under SD, ∂α̇_i/∂α_j = 0 for j ≠ i, for every U and S, with no further assumption.",
        kind=Kind.QUALITATIVE,
    ),
    Claim(
        id="sd_text_ususu",
        equation="§3.4 (text)",
        section="§3.4",
        title="'the term UᵀS²U in Eq. 9'",
        latex=r"the term U^TS^2U in Eq. 9 is not diagonal in the general case",
        printed=U.T * S**2 * U,
        statement="The coupling matrix of Eq. 9 is UᵀS²U (not diagonal in general).",
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="b5_variant",
        equation="App. B.5, §4 (text)",
        section="App. B.5, §4",
        title="Shifted SD λ/2‖ŷ − γ‖² also decouples",
        latex=r"\min_{\theta} \ \mathbf{1} \cdot \left(\log \left[1 + \exp \left(-\mathbf{Y} \hat{\mathbf{y}} \right) \right] + \frac{\lambda}{2} \| \hat{\mathbf{y}} - \gamma \|^2 \right).",
        printed={
            "loss": _ce + lam / 2 * (yhat - gamma * sp.OneMatrix(n, 1)).T * (yhat - gamma * sp.OneMatrix(n, 1)),
            "property": "also provably decouples the learning dynamics",
            # The property as data: what vanishes, under the (no) conditions the text states.
            "cross_derivative": printed_eq(SD_CROSS, 0),
            "conditions": (),
        },
        statement="With λ/2‖ŷ − γ‖² in place of λ/2‖ŷ‖² the dual dynamics still decouple across α_i.",
        assumptions=("λ, γ per class (B.5.1)",),
        kind=Kind.QUALITATIVE,
        transcription_note="The printed '1·( … + λ/2‖ŷ−γ‖²)' puts the scalar penalty inside the sum over "
        "examples; read as the sum of the per-example losses plus the penalty (a factor n on the penalty "
        "would only rescale λ). γ is broadcast to every example.",
    ),
]
