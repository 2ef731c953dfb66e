"""Printed claims of the dual problem: Eq. 4–11 (§3.1–3.2), Thm. 1 and App. C.2–C.6,
C.10 (Eq. 31–38, 62), verbatim: data under test.

Vectors follow the paper's conventions: α (and α̇, α*) is a 1×n row, θ an m×1
column, ŷ = Φ₀θ (Eq. 3) and z are n×1 columns; Y = diag(y); YΦ₀ = USVᵀ (Definition
1) with U n×n orthogonal, S n×n diagonal, V m×n with orthonormal columns. Matrix
forms are SymPy matrix expressions in the symbolic sizes n, m (the derivation
modules instantiate them at small sizes); element-wise functions of α are
``applyfunc`` expressions; the component formulas of the proof of Thm. 1 use
indexed symbols.
"""

from __future__ import annotations

import sympy as sp

from theory.claims import Claim, Kind, printed_eq
from theory.symbols import alpha, eta, lam

n = sp.Symbol("n", integer=True, positive=True)
m = sp.Symbol("m", integer=True, positive=True)

# The matrix symbols of §3 (sizes as in Definition 1, compact SVD).
Y = sp.MatrixSymbol("Y", n, n)
Phi0 = sp.MatrixSymbol("Phi_0", n, m)
U = sp.MatrixSymbol("U", n, n)
S = sp.MatrixSymbol("S", n, n)
V = sp.MatrixSymbol("V", m, n)
theta = sp.MatrixSymbol("theta", m, 1)
alpha_v = sp.MatrixSymbol("alpha", 1, n)
alpha_dot = sp.MatrixSymbol(r"\dot{\alpha}", 1, n)
alpha_star_v = sp.MatrixSymbol(r"\alpha^*", 1, n)
yhat = sp.MatrixSymbol(r"\hat{y}", n, 1)
z = sp.MatrixSymbol("z", n, 1)
z_star = sp.MatrixSymbol("z^*", n, 1)
I_n = sp.Identity(n)
ones_row = sp.OneMatrix(1, n)
ones_col = sp.OneMatrix(n, 1)

# The bound variable of the element-wise functions defined as Lambdas (H here, softplus and the
# log-ratio in theory.claims.decoupling). A fixed dummy_index makes it the same symbol in every
# process, so a printed form rendered where its module was derived (an xdist worker) is found
# again by the report written elsewhere (theory.report.mathrender's memo is keyed by the
# expression); a Dummy numbered at import differs between processes.
_d = sp.Dummy("d", dummy_index=7_000_000_001)


def elementwise(f: sp.Lambda | sp.FunctionClass, X: sp.MatrixExpr) -> sp.MatrixExpr:
    """Apply a scalar function element-wise to a matrix expression (as the paper's log, H)."""
    return X.applyfunc(f)


#: Shannon's binary entropy, element-wise (text after Eq. 6).
H_elem = sp.Lambda(_d, -(_d * sp.log(_d) + (1 - _d) * sp.log(1 - _d)))
#: 1 · H(α): the sum of the per-example entropies.
one_H = ones_row * elementwise(H_elem, alpha_v).T
_log = sp.log
_log_alpha = elementwise(_log, alpha_v)
_log_1m_alpha = elementwise(_log, ones_row - alpha_v)

# Component symbols of the proof of Thm. 1 (Eq. 36, 38).
i, j, k, l_ = sp.symbols("i j k l", integer=True, positive=True)
u = sp.IndexedBase("u")
uT = sp.IndexedBase("u^T")
s_i = sp.IndexedBase("s")
a_i = sp.IndexedBase(r"\alpha")
a_star_i = sp.IndexedBase(r"\alpha^*")
f_i = sp.IndexedBase("f")
J_ik = sp.IndexedBase("J")

CLAIMS: list[Claim] = [
    Claim(
        id="eq4",
        equation="Eq. 4",
        section="§3.1 (Definition 1)",
        title="Feature response z = UᵀYŷ = SVᵀθ",
        latex=r"\mathbf{z} := \mathbf{U}^T \mathbf{Y} \hat{\mathbf{y}} = \mathbf{S} \mathbf{V}^T \boldsymbol{\theta}.",
        printed={"definition": printed_eq(z, U.T * Y * yhat), "equals": printed_eq(U.T * Y * yhat, S * V.T * theta)},
        statement="With ŷ = Φ₀θ and YΦ₀ = USVᵀ, UᵀYŷ = SVᵀθ.",
        assumptions=("ŷ = Φ₀θ (Eq. 3)", "YΦ₀ = USVᵀ (Definition 1)", "UᵀU = I"),
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq5_lambda_range",
        equation="Eq. 5 (text)",
        section="§3.2",
        title="Range of the weight decay λ",
        latex=r"\lambda \in [0, \infty) denotes the weight decay coefficient.",
        printed=sp.Interval(0, sp.oo),
        statement="The analysis (Eq. 5–11) holds for weight decay λ ∈ [0, ∞).",
        kind=Kind.DEFINITION,
    ),
    Claim(
        id="eq7",
        equation="Eq. 7",
        section="§3.2, App. C.2",
        title="Min-max form of the regularised loss; min and max swap",
        latex=r"\min_{\boldsymbol{\theta}} \mathcal{L}(\boldsymbol{\theta}) = \min_{\boldsymbol{\theta}} \max_{\boldsymbol{\alpha}} \left(\mathbf{1} \cdot H(\boldsymbol{\alpha}) - \boldsymbol{\alpha} \mathbf{Y} \hat{\mathbf{y}} + \frac{\lambda}{2} \|\boldsymbol{\theta}\|^2 \right)",
        printed={
            "objective": one_H - alpha_v * Y * yhat + lam / 2 * theta.T * theta,
            "order": "min_θ max_α, = max_α min_θ (Lemma 3 of Jaakkola and Haussler 1999)",
        },
        statement="min_θ L(θ) = min_θ max_α F(θ, α) = max_α min_θ F(θ, α) for the printed F.",
        assumptions=("α ∈ (0,1)^n", "λ > 0"),
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq7_theta_star",
        equation="Eq. 7 (text), App. C.2",
        section="§3.2, App. C.2",
        title="Critical value θ*ᵀ = λ⁻¹αYΦ₀",
        latex=r"\boldsymbol{\theta}^{*T} = \frac{1}{\lambda} \boldsymbol{\alpha} \mathbf{Y} \boldsymbol{\Phi}_0",
        printed=printed_eq(theta.T, alpha_v * Y * Phi0 / lam),
        statement="The inner minimiser of Eq. 7 over θ is θ*ᵀ = λ⁻¹αYΦ₀.",
        assumptions=("λ > 0", "ŷ = Φ₀θ"),
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq8",
        equation="Eq. 8",
        section="§3.2, App. C.2",
        title="Dual objective",
        latex=r"\min_{\boldsymbol{\theta}} \mathcal{L}(\boldsymbol{\theta}) = \max_{\boldsymbol{\alpha}} \left(\mathbf{1} \cdot H(\boldsymbol{\alpha}) - \frac{1}{2\lambda} \boldsymbol{\alpha} \mathbf{Y} \boldsymbol{\Phi}_0 \boldsymbol{\Phi}_0^T \mathbf{Y}^T \boldsymbol{\alpha}^T \right).",
        printed={"objective": one_H - alpha_v * Y * Phi0 * Phi0.T * Y.T * alpha_v.T / (2 * lam)},
        statement="Substituting θ* into Eq. 7 gives 1·H(α) − (1/2λ) αYΦ₀Φ₀ᵀYᵀαᵀ.",
        assumptions=("λ > 0",),
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq9",
        equation="Eq. 9",
        section="§3.2, App. C.3",
        title="Dual gradient-ascent dynamics",
        latex=r"\dot{\alpha} = \eta \left(-\log \alpha + \log \left(1 - \alpha \right) - \frac{1}{\lambda} \alpha \mathbf{U} \mathbf{S}^2 \mathbf{U}^T \right),",
        printed=printed_eq(alpha_dot, eta * (-_log_alpha + _log_1m_alpha - alpha_v * U * S**2 * U.T / lam)),
        statement="Continuous gradient ascent on Eq. 8, written with YΦ₀ = USVᵀ.",
        assumptions=("YΦ₀ = USVᵀ", "VᵀV = I"),
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq9_pd",
        equation="Eq. 9 (text)",
        section="§3.2",
        title="US²Uᵀ is positive definite",
        latex=r"The other term depends on the matrix $\mathbf{U}\mathbf{S}^2\mathbf{U}^T$, which is positive definite",
        printed={"matrix": U * S**2 * U.T, "property": "positive definite"},
        statement="The matrix US²Uᵀ of Eq. 9 is positive definite.",
        kind=Kind.SIGN,
    ),
    Claim(
        id="eq10",
        equation="Eq. 10",
        section="§3.2, App. C.4",
        title="First-order Taylor (approximate) dual dynamics",
        latex=r"\dot{\alpha} \approx \eta \left(-\log \alpha - \frac{1}{\lambda} \alpha \mathbf{U} \left(\mathbf{S}^2 + \lambda \mathbf{I} \right) \mathbf{U}^T \right),",
        printed=printed_eq(alpha_dot, eta * (-_log_alpha - alpha_v * U * (S**2 + lam * I_n) * U.T / lam)),
        statement="Replacing log(1−α) in Eq. 9 by its first-order Taylor term at α = 0 gives Eq. 10; "
        "the text says this is accurate when λ ≪ s_k² (fixed point near the origin).",
        assumptions=("α near 0 (λ ≪ s_k²)", "UUᵀ = I"),
        kind=Kind.APPROXIMATION,
        order="O(α²)",
        transcription_note="Printed with ≈; transcribed as Eq with the same right-hand side.",
    ),
    Claim(
        id="eq31",
        equation="Eq. 31",
        section="App. C.4",
        title="Exact dynamics restated",
        latex=r"\dot{\alpha} = \eta \left(-\log \alpha + \log \left(1 - \alpha \right) - \frac{1}{\lambda} \alpha \mathbf{U} \mathbf{S}^2 \mathbf{U}^T \right),",
        printed=printed_eq(alpha_dot, eta * (-_log_alpha + _log_1m_alpha - alpha_v * U * S**2 * U.T / lam)),
        statement="Restates Eq. 9.",
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq32",
        equation="Eq. 32",
        section="App. C.4",
        title="Taylor expansion of log(1−α)",
        latex=r"\log\left(1-\alpha\right) = -\alpha + \mathcal{O}\left(\alpha^2\right).",
        printed=printed_eq(sp.log(1 - alpha), -alpha + sp.O(alpha**2)),
        statement="log(1−α) = −α + O(α²) at α = 0.",
        kind=Kind.APPROXIMATION,
        order="O(α²)",
    ),
    Claim(
        id="eq33",
        equation="Eq. 33",
        section="App. C.4",
        title="Eq. 31 with log(1−α) ≈ −α",
        latex=r"\dot{\alpha} \approx \eta \left(-\log \alpha - \alpha - \frac{1}{\lambda} \alpha \mathbf{U} \mathbf{S}^2 \mathbf{U}^T \right),",
        printed=printed_eq(alpha_dot, eta * (-_log_alpha - alpha_v - alpha_v * U * S**2 * U.T / lam)),
        statement="Substituting Eq. 32 (truncated) into Eq. 31.",
        kind=Kind.APPROXIMATION,
        order="O(α²)",
    ),
    Claim(
        id="eq34",
        equation="Eq. 34",
        section="App. C.4",
        title="α written as αUIUᵀ",
        latex=r"\dot{\alpha} \approx \eta \left(-\log \alpha - \alpha \mathbf{U} \mathbf{I} \mathbf{U}^T - \frac{1}{\lambda} \alpha \mathbf{U} \mathbf{S}^2 \mathbf{U}^T \right),",
        # Built unevaluated so that the printed U I Uᵀ survives (SymPy would fold it to UUᵀ).
        printed=printed_eq(alpha_dot, sp.MatMul(eta, sp.MatAdd(
            -_log_alpha, sp.MatMul(-1, alpha_v, U, I_n, U.T, evaluate=False),
            -alpha_v * U * S**2 * U.T / lam, evaluate=False), evaluate=False)),
        statement="Rewrites Eq. 33 using UUᵀ = I.",
        kind=Kind.APPROXIMATION,
        order="O(α²)",
    ),
    Claim(
        id="eq35",
        equation="Eq. 35",
        section="App. C.4",
        title="Eq. 10 obtained",
        latex=r"\dot{\alpha} \approx \eta \left(-\log \alpha - \frac{1}{\lambda} \alpha \mathbf{U} \left(\mathbf{S}^2 + \lambda \mathbf{I} \right) \mathbf{U}^T \right).",
        printed=printed_eq(alpha_dot, eta * (-_log_alpha - alpha_v * U * (S**2 + lam * I_n) * U.T / lam)),
        statement="Collects Eq. 34 into Eq. 10.",
        kind=Kind.APPROXIMATION,
        order="O(α²)",
    ),
    Claim(
        id="eq11",
        equation="Eq. 11",
        section="§3.2, App. C.6",
        title="Feature response at the fixed point",
        latex=r"\mathbf{z}^* = \frac{1}{\lambda} \mathbf{S}^2 \mathbf{U}^T \boldsymbol{\alpha}^{*T}.",
        printed=printed_eq(z_star, S**2 * U.T * alpha_star_v.T / lam),
        statement="At the optimum θ* = λ⁻¹Φ₀ᵀYα*ᵀ, z* = SVᵀθ* = λ⁻¹S²Uᵀα*ᵀ.",
        assumptions=("Eq. 4", "θ* of Eq. 7"),
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="eq62",
        equation="Eq. 62",
        section="App. C.10",
        title="Feature response (restated in the proof of Thm. 2)",
        latex=r"\mathbf{z}^* = \frac{1}{\lambda} \mathbf{S}^2 \mathbf{U}^T \boldsymbol{\alpha}^{*T}",
        printed=printed_eq(z_star, S**2 * U.T * alpha_star_v.T / lam),
        statement="Restates Eq. 11.",
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="thm1",
        equation="Thm. 1",
        section="§3.2, App. C.5",
        title="Fixed points of Eq. 10 are attractive",
        latex=r"Any fixed points of the system in Eq. 10 is attractive in the domain $\alpha_i \in (0,1)$.",
        printed={
            "system": eta * (-_log_alpha - alpha_v * U * (S**2 + lam * I_n) * U.T / lam),
            "property": "every fixed point is attractive (Jacobian negative definite)",
            "domain": sp.Interval.open(0, 1),
        },
        statement="Every fixed point of Eq. 10 with α_i ∈ (0,1) is (linearly) attractive.",
        assumptions=("λ > 0", "U orthogonal"),
        kind=Kind.STABILITY,
    ),
    Claim(
        id="eq36",
        equation="Eq. 36",
        section="App. C.5",
        title="Gradient function used in the proof of Thm. 1",
        latex=r"f_i(\alpha_j) = \eta \left(\log \frac{(1 - \alpha_i)}{\alpha_i} - \frac{1}{\lambda} \sum_{jk} u_{ik} s_k^2 (u^T)_{kj} \alpha_j \right)",
        printed=printed_eq(
            f_i[i],
            eta * (sp.log((1 - a_i[i]) / a_i[i])
                   - sp.Sum(u[i, k] * s_i[k] ** 2 * uT[k, j] * a_i[j], (j, 1, n), (k, 1, n)) / lam),
        ),
        statement="The proof of Thm. 1 (about Eq. 10) studies this f_i, introduced as 'the gradient "
        "function of the autonomous system Eq. 9'.",
        kind=Kind.IDENTITY,
        transcription_note="Σ_{jk} read as Σ_{j=1}^n Σ_{k=1}^n.",
    ),
    Claim(
        id="eq38",
        equation="Eq. 38",
        section="App. C.5",
        title="Jacobian used in the proof of Thm. 1",
        latex=r"J_{ik} = \eta \left(-\delta_{ik} \left[\alpha_i^* (1 - \alpha_i^*) \right]^{-1} - \lambda^{-1} \sum_{l} u_{il} s_l^2 (u^T)_{lk} \right)",
        printed=printed_eq(
            J_ik[i, k],
            eta * (-sp.KroneckerDelta(i, k) / (a_star_i[i] * (1 - a_star_i[i]))
                   - sp.Sum(u[i, l_] * s_i[l_] ** 2 * uT[l_, k], (l_, 1, n)) / lam),
        ),
        statement="The Jacobian at a fixed point of the system whose stability Thm. 1 asserts.",
        kind=Kind.IDENTITY,
    ),
]
