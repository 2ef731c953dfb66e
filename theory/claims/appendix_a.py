"""Printed statements of App. A (further discussions), verbatim.

App. A motivates Spectral Decoupling by replacing the weight-decay regulariser ‖θ‖² by
‖SVᵀθ‖² and identifying it with the logits' norm. These are identities about the SVD of
Definition 1; ``theory.setups`` checks them on exact random instances.
"""

from __future__ import annotations

from theory.claims import Claim, Kind

CLAIMS: list[Claim] = [
    Claim(
        id="a_ce_convex",
        equation="App. A",
        section="App. A",
        title="The cross-entropy loss is convex",
        latex="Although the cross-entropy loss is convex, it does not admit an analytical solution",
        printed={"loss": "log(1 + exp(-omega))", "property": "convex"},
        statement="ω ↦ log(1 + e^{−ω}) is convex, hence so is θ ↦ 1·log[1 + exp(−YΦ₀θ)] (a convex function of a linear map).",
        kind=Kind.INEQUALITY,
    ),
    Claim(
        id="a_no_finite_minimiser",
        equation="App. A",
        section="App. A",
        title="No finite minimiser on linearly separable data",
        latex="Importantly, it also does not have a finite solution when the data is linearly separable",
        printed={"loss": "log(1 + exp(-omega))", "infimum": 0},
        statement="If some θ has yᵢφᵢθ > 0 for every i, the unregularised loss tends to its infimum 0 along tθ, t → ∞, "
                  "and no finite θ attains it (each term is > 0).",
        assumptions=("λ = 0 (no weight decay)",),
        kind=Kind.QUALITATIVE,
    ),
    Claim(
        id="a_drop_s2",
        equation="App. A",
        section="App. A",
        title="Without S² in Eq. 9 the α's decouple",
        latex=r"We notice that in Eq. 9, if we get rid of S^2 , then the alphas are decoupled.",
        printed={"matrix": "U U^T"},
        statement="Replacing US²Uᵀ by UUᵀ in Eq. 9 leaves the identity: the α's evolve independently.",
        assumptions=("U orthogonal (Definition 1)",),
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="a_sd_norm",
        equation="App. A",
        section="App. A",
        title="‖SVᵀθ‖² equals the logits' squared norm, 'since ŷ = Φθ = UVᵀθ'",
        latex=r"Luckily, this is exactly equal to $||\hat{y}^2||$, since $\hat{y} = \Phi\theta = UV^T\theta$.",
        printed={"yhat": "U V^T theta", "norm": "||SV^T theta||^2 = ||yhat||^2"},
        statement="ŷ = Φθ = UVᵀθ and ‖SVᵀθ‖² = ‖ŷ‖².",
        assumptions=("Φ = USVᵀ (Definition 1, Y = I)",),
        kind=Kind.IDENTITY,
        transcription_note="'||ŷ²||' is read as ‖ŷ‖² (the only reading with the dimensions of ‖SVᵀθ‖²).",
    ),
    Claim(
        id="a_sd_regulariser",
        equation="App. A",
        section="App. A",
        title="The regulariser ‖SVᵀθ‖² removes S² from the dual dynamics",
        latex=r"To get rid of S^2 , one can see that instead of $||\theta||^2$ as the regularizer, we should have $||SV^T\theta||^2$.",
        printed={"regulariser": "||S V^T theta||^2", "dual_coupling": "I"},
        statement="With λ/2‖SVᵀθ‖² for λ/2‖θ‖², the quadratic term of the dual (Eq. 8) becomes ααᵀ/(2λ): decoupled.",
        assumptions=("S invertible (rank(YΦ₀) = n)",),
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="a_penalize_strength",
        equation="App. A",
        section="App. A",
        title="‖SVᵀθ‖² penalises each direction by its strength",
        latex=r"We would like to highlight that $||SV^T\theta||^2$ as the regularizer means that different directions are penalized according to their strength.",
        printed={"weights": "s_k^2"},
        statement="‖SVᵀθ‖² = Σ_k s_k² (v_kᵀθ)²: direction v_k is weighted by s_k².",
        kind=Kind.IDENTITY,
    ),
    Claim(
        id="a_experiment_ref",
        equation="App. A",
        section="App. A",
        title="'A simple experiment in app C' (the primal vs dual toy)",
        latex=r"For further intuition, we provide a simple experiment in app C, directly visualizing the primal vs. the dual dynamics as well as the effect of the proposed spectral decoupling method.",
        printed={"appendix": "C"},
        statement="The primal-vs-dual toy experiment is in App. C.",
        kind=Kind.DEFINITION,
    ),
]
