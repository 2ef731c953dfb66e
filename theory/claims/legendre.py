"""Printed claims of the Legendre transform: Eq. 6 (§3.2), App. C.1 (Eq. 19–28),
Table 5 and App. C.1.1 (Eq. 29–30), verbatim: data under test.

Scalar forms use ω = y ŷ, the logit margin of one example (Eq. 19); Eq. 6 is the
same statement applied element-wise to the vector Yŷ, so it is transcribed for one
component ω_i = (Yŷ)_i. Typos (Eq. 6's ">" and the sign of α*, Table 5's squared
loss, Eq. 29) are kept: they are what the tests examine.
"""

from __future__ import annotations

import sympy as sp

from theory.claims import Claim, Kind, printed_eq
from theory.symbols import alpha, lam, omega

# ω₀: tangent point of Eq. 20. α*: the critical dual variable of Eq. 6 and 19.
omega0 = sp.Symbol("omega_0", real=True)
alpha_star = sp.Symbol("alpha^*")
#: The loss of Eq. 5/22 as an undefined function, for the generic steps Eq. 20–21.
Lfun = sp.Function("L")
#: Tangent line t(ω, ω₀) of Eq. 20.
tfun = sp.Function("t")


def binary_entropy(a: sp.Expr) -> sp.Expr:
    """H(a) = −[a log a + (1−a) log(1−a)], as printed after Eq. 6."""
    return -(a * sp.log(a) + (1 - a) * sp.log(1 - a))


def _softplus_neg(w: sp.Expr) -> sp.Expr:
    # log(1 + e^{−ω}): the cross-entropy of one example, Eq. 5 and Eq. 22.
    return sp.log(1 + sp.exp(-w))


_L = _softplus_neg(omega)
_H = binary_entropy(alpha)
def _sig(w: sp.Expr) -> sp.Expr:
    # σ(x) = 1/(1+e^{−x}), the standard logistic; the paper uses σ without defining it.
    return 1 / (1 + sp.exp(-w))


# Multi-class symbols of Eq. 29–30 (C classes, n examples).
c_idx = sp.Idx("c")
i_idx, j_idx, k_idx = sp.Idx("i"), sp.Idx("j"), sp.Idx("k")
C = sp.Symbol("C", integer=True, positive=True)
n_ex = sp.Symbol("n", integer=True, positive=True)
m_par = sp.Symbol("m", integer=True, positive=True)
y_c = sp.IndexedBase("y")
yhat_c = sp.IndexedBase(r"\hat{y}")
alpha_c = sp.IndexedBase(r"\alpha")
# Eq. 30 prints δ_y with no class index; transcribed with the example index only.
delta_y = sp.IndexedBase(r"\delta_y")
Phi_ik = sp.IndexedBase(r"\Phi")
alpha_new = sp.IndexedBase(r"\alpha'")

CLAIMS: list[Claim] = [
    Claim(
        id="eq6_bound",
        equation="Eq. 6",
        section="§3.2",
        title="Variational lower bound of the cross-entropy (strict)",
        latex=r"\log\left[1 + \exp\left(-\mathbf{Y}\hat{\mathbf{y}}\right)\right] > H(\alpha) - \alpha \odot \mathbf{Y}\hat{\mathbf{y}}",
        printed=sp.StrictGreaterThan(_L, _H - alpha * omega),
        statement="For every α ∈ (0,1) and every margin ω = (Yŷ)_i, log(1+e^{−ω}) > H(α) − αω "
        "(strictly). The same paragraph says equality holds at the maximizing α*.",
        assumptions=("α ∈ (0,1)^n", "element-wise in the examples"),
        kind=Kind.INEQUALITY,
        transcription_note="Vector inequality transcribed for one component ω = (Yŷ)_i; ⊙ is element-wise.",
    ),
    Claim(
        id="eq6_alpha_star",
        equation="Eq. 6 (text)",
        section="§3.2",
        title="Maximizer α* of the Eq. 6 bound",
        latex=r"\alpha^* = \frac{\partial \mathcal{L}}{\partial (\mathbf{Y}\hat{\mathbf{Y}})^T}",
        printed=printed_eq(alpha_star, sp.Derivative(_L, omega)),
        statement="The maximum over α of the r.h.s. of Eq. 6 is attained at α* = ∂L/∂(Yŷ) "
        "(no minus sign).",
        assumptions=("L = log(1+e^{−ω}) per example",),
        kind=Kind.IDENTITY,
        transcription_note="Printed with a capital Ŷ and a transpose; read as the derivative of the "
        "per-example loss with respect to its margin ω = (Yŷ)_i.",
    ),
    Claim(
        id="eq19",
        equation="Eq. 19",
        section="App. C.1 (Lemma 2)",
        title="Lemma 2: CE ≥ H(α) − αω, equality at α* = −∇_ω L",
        latex=r"\mathcal{L}(\omega) := \log(1 + e^{-\omega}) \ge H(\alpha) - \alpha\omega",
        printed={
            "bound": sp.GreaterThan(_L, _H - alpha * omega),
            "alpha_star": printed_eq(alpha_star, -sp.Derivative(_L, omega)),
            "domain": sp.Interval(0, 1),
        },
        statement="For α ∈ [0,1], log(1+e^{−ω}) ≥ H(α) − αω with equality at α* = −∇_ω L, the "
        "maximizer of the r.h.s.",
        assumptions=("α ∈ [0,1]", "ω = yŷ real"),
        kind=Kind.INEQUALITY,
    ),
    Claim(
        id="eq20",
        equation="Eq. 20",
        section="App. C.1",
        title="Tangent line of L at ω₀",
        latex=r"t(\omega, \omega_0) = \mathcal{L}(\omega_0) + (\omega - \omega_0) \nabla_{\omega} \mathcal{L}|_{\omega = \omega_0}",
        printed=printed_eq(
            tfun(omega, omega0),
            Lfun(omega0) + (omega - omega0) * sp.Subs(sp.Derivative(Lfun(omega), omega), omega, omega0),
        ),
        statement="The tangent line of L at ω₀ is its first-order Taylor polynomial.",
        kind=Kind.DEFINITION,
    ),
    Claim(
        id="eq21",
        equation="Eq. 21",
        section="App. C.1",
        title="Intercept of the tangent line",
        latex=r"t(\omega = 0, \omega_0 = \omega) = \mathcal{L}(\omega) - \omega \nabla_{\omega} \mathcal{L}",
        printed=printed_eq(tfun(0, omega), Lfun(omega) - omega * sp.Derivative(Lfun(omega), omega)),
        statement="The tangent line at ω₀ = ω meets the axis ω = 0 at L(ω) − ωL'(ω).",
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq22",
        equation="Eq. 22",
        section="App. C.1",
        title="CE as a soft-plus",
        latex=r"\mathcal{L}(\omega) = -\log \sigma(\omega) = \log(1 + e^{-\omega})",
        printed=printed_eq(-sp.log(_sig(omega)), _L),
        statement="−log σ(ω) = log(1+e^{−ω}).",
        kind=Kind.IDENTITY,
        transcription_note="σ written out as the logistic 1/(1+e^{−ω}).",
    ),
    Claim(
        id="eq23",
        equation="Eq. 23",
        section="App. C.1",
        title="Margin as a function of the dual variable",
        latex=r"\omega = \log\left(\frac{1-\alpha}{\alpha}\right)",
        printed={
            "alpha_def": (-sp.Derivative(_L, omega), _sig(-omega)),
            "omega_of_alpha": printed_eq(omega, sp.log((1 - alpha) / alpha)),
        },
        statement="With α := −∇_ω L = σ(−ω), the margin is ω = log((1−α)/α).",
        kind=Kind.IDENTITY,
        transcription_note="The text before Eq. 23 ('Letting α := −∇_ω L = σ(−ω)') is part of the claim.",
    ),
    Claim(
        id="eq24_27",
        equation="Eq. 24–27",
        section="App. C.1",
        title="Intercepts as a function of α: g(α) = H(α)",
        latex=r"g(\alpha) = \mathcal{L}(\omega) - \omega \nabla_{\omega} \mathcal{L} = \mathcal{L}(\omega) + \alpha \omega = -\alpha \log \alpha - (1 - \alpha) \log(1 - \alpha) =H(\alpha)",
        printed={
            "chain": (
                _L - omega * sp.Derivative(_L, omega),
                _L + alpha * omega,
                -alpha * sp.log(alpha) - (1 - alpha) * sp.log(1 - alpha),
                _H,
            ),
            "omega_of_alpha": sp.log((1 - alpha) / alpha),
        },
        statement="Under ω = log((1−α)/α), each member of the chain Eq. 24–27 equals the next.",
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq28",
        equation="Eq. 28",
        section="App. C.1",
        title="L recovered as a maximum over α ∈ [0,1]",
        latex=r"\mathcal{L}(\omega) = \max_{0 \le \alpha \le 1} H(\alpha) - \alpha\omega",
        printed={"lhs": _L, "objective": _H - alpha * omega, "domain": sp.Interval(0, 1)},
        statement="max over α ∈ [0,1] of H(α) − αω equals log(1+e^{−ω}).",
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="table5_ce",
        equation="Table 5 (CE)",
        section="App. C.1",
        title="Dual form of the cross-entropy",
        latex=r"\log(1 + e^{-w}) \quad \max_{0<\alpha<1} \left[ H(\alpha) - \alpha\omega \right]",
        printed={"primal": _L, "dual_objective": _H - alpha * omega, "domain": sp.Interval.open(0, 1)},
        statement="log(1+e^{−ω}) = max_{0<α<1}[H(α) − αω].",
        kind=Kind.IDENTITY,
        transcription_note="The primal column prints w for ω.",
    ),
    Claim(
        id="table5_hinge",
        equation="Table 5 (hinge)",
        section="App. C.1",
        title="Dual form of the hinge loss",
        latex=r"\max(0, 1 - w) \quad \max_{0 \le \alpha \le 1} \left[ \alpha 1^T - \alpha \omega \right]",
        printed={"primal": sp.Max(0, 1 - omega), "dual_objective": alpha * 1 - alpha * omega,
                 "domain": sp.Interval(0, 1)},
        statement="max(0, 1−ω) = max_{0≤α≤1}[α − αω].",
        kind=Kind.IDENTITY,
        transcription_note="'α1^T' read as α·1 (scalar ω and α, as the caption says).",
    ),
    Claim(
        id="table5_squared",
        equation="Table 5 (squared)",
        section="App. C.1",
        title="Dual form of the squared error",
        latex=r"(1-\omega)^2 \quad \max_{\alpha} \left[ -\frac{1}{2}\alpha^2 + \alpha - \alpha\omega \right]",
        printed={"primal": (1 - omega) ** 2, "dual_objective": -alpha**2 / 2 + alpha - alpha * omega,
                 "domain": sp.Reals},
        statement="(1−ω)² = max_α[−α²/2 + α − αω].",
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq29",
        equation="Eq. 29",
        section="App. C.1.1",
        title="Multi-class bound",
        latex=r"-\sum_{c=1}^{C} y_c \log(\hat{y}_c) \ge H(\alpha) - \sum_{c=1}^{C} \alpha^c \hat{y}_c",
        printed=sp.GreaterThan(
            -sp.Sum(y_c[c_idx] * sp.log(yhat_c[c_idx]), (c_idx, 1, C)),
            -sp.Sum(alpha_c[c_idx] * sp.log(alpha_c[c_idx]), (c_idx, 1, C))
            - sp.Sum(alpha_c[c_idx] * yhat_c[c_idx], (c_idx, 1, C)),
        ),
        statement="For one example with one-hot label y and α in the simplex, "
        "−Σ_c y_c log ŷ_c ≥ H(α) − Σ_c α^c ŷ_c.",
        assumptions=("α ∈ simplex Δ_C", "y one-hot"),
        kind=Kind.INEQUALITY,
        transcription_note="H(α) ('the entropy function') written out as −Σ_c α^c log α^c. ŷ_c is not "
        "defined: read as probabilities (softmax outputs) or as logits.",
    ),
    Claim(
        id="eq30",
        equation="Eq. 30",
        section="App. C.1.1",
        title="Multi-class dual objective",
        latex=r"\left(H(\alpha) - \frac{1}{2\lambda} \sum_{c=1}^{C} (\delta_y - \alpha^c) \Phi \Phi^T (\delta_y - \alpha^c)^T\right)",
        printed=(
            -sp.Sum(alpha_c[c_idx, i_idx] * sp.log(alpha_c[c_idx, i_idx]), (c_idx, 1, C), (i_idx, 1, n_ex))
            - 1 / (2 * lam) * sp.Sum(
                (delta_y[i_idx] - alpha_c[c_idx, i_idx]) * Phi_ik[i_idx, k_idx] * Phi_ik[j_idx, k_idx]
                * (delta_y[j_idx] - alpha_c[c_idx, j_idx]),
                (k_idx, 1, m_par), (j_idx, 1, n_ex), (i_idx, 1, n_ex), (c_idx, 1, C),
            )
        ),
        statement="The dual of ridge-regularised multi-class CE with logits ŷ^c = Φθ_c is "
        "max_α H(α) − (1/2λ) Σ_c (δ_y − α^c) ΦΦ^T (δ_y − α^c)^T.",
        assumptions=("ŷ^c = Φ θ_c", "ridge λ/2 Σ_c ‖θ_c‖²", "α_i ∈ Δ_C per example"),
        kind=Kind.IDENTITY,
        transcription_note="Printed without max_α; the matrix products written in components, "
        "α^c = (α^c_i)_i a row over examples. δ_y carries no class index in print (transcribed as "
        "δ_y[i]); read as the class-c one-hot row (δ_{y_i,c})_i. H(α) read as Σ_i Σ_c −α^c_i log α^c_i.",
    ),
    Claim(
        id="c11_multiclass_sd",
        equation="App. C.1.1 (text)",
        section="App. C.1.1",
        title="Multi-class SD unchanged after α^c := δ_y − α^c",
        latex=r"With a change of variable $\alpha^c := \delta_y - \alpha^c$, the theory of SD should remain unchanged.",
        printed={"change_of_variable": printed_eq(alpha_new[c_idx, i_idx], delta_y[i_idx] - alpha_c[c_idx, i_idx])},
        statement="With SD (λ/2 Σ_c ‖ŷ^c‖²) in the multi-class dual, after the change of variable the "
        "dual decouples across examples as in Eq. 18.",
        kind=Kind.QUALITATIVE,
    ),
]
