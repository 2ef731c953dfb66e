"""First-order predictions: Lemma 1 (Eq. 14) and Theorem 2 (Eq. 63-65), in numpy.

Independent numpy formulas, derived by hand from Eq. 10 (not from the symbolic
layer). Functions specific to n = 2 and U of Eq. 15 share the signature
``f(s1, s2, lam, delta)`` (broadcasting arrays) so they compare one-to-one with a
lambdified symbolic version.

Hand expansion of the Eq. 10 fixed point in δ (U of Eq. 15, c = √(1−δ²)):
K = U S² Uᵀ has K₁₁ = c²s₁² + δ²s₂², K₂₂ = δ²s₁² + c²s₂², K₁₂ = cδ(s₁² − s₂²), so
A = I + K/λ = diag(a) + δ A₁ + O(δ²) with a_i = 1 + s_i²/λ, A₁ = (s₁²−s₂²)/λ [[0,1],[1,0]].
Write α = α⁰ + δ α¹ + O(δ²). Order 0 of −log α − Aα = 0: α⁰_i = W_i/a_i = e^{−W_i},
W_i = W(1 + s_i²/λ) (a_i = W_i e^{W_i}). Order 1: −α¹_i/α⁰_i − a_i α¹_i − (A₁α⁰)_i = 0,
and 1/α⁰_i + a_i = e^{W_i}(1 + W_i), so

    α¹₁ = −(s₁²−s₂²)/λ · e^{−W₁−W₂}/(1+W₁),   α¹₂ = −(s₁²−s₂²)/λ · e^{−W₁−W₂}/(1+W₂).

With Uᵀ = I + δ[[0,1],[−1,0]] + O(δ²) and Eq. 11 (z = λ⁻¹S²Uᵀα):

    z₁ = (s₁²/λ)[e^{−W₁} + δ(α¹₁ + e^{−W₂})] + O(δ²)
    z₂ = (s₂²/λ)[e^{−W₂} + δ(α¹₂ − e^{−W₁})] + O(δ²).

Differentiating z₂ in s₁² with dW₁/ds₁² = 1/(λ e^{W₁}(1+W₁)), i.e.
de^{−W₁}/ds₁² = −e^{−2W₁}/(λ(1+W₁)):

    dz₂/ds₁² = −(δ s₂²/λ)[ e^{−W₁−W₂}/(λ(1+W₂)) − e^{−2W₁}/(λ(1+W₁))
                           − (s₁²−s₂²) e^{−2W₁−W₂}/(λ²(1+W₁)(1+W₂)) ] + O(δ²),

which is what ``dz2_ds1sq_first_order_derived`` evaluates (deliberately left in
this unsimplified form, so that its agreement with Eq. 65 is a check, not a copy).
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.special import lambertw

from theory.engine.constructors import u_eq15
from theory.engine.fixed_points import _prepare
from theory.engine.validation import check_delta, check_lam, check_s


def _W(x: np.ndarray) -> np.ndarray:
    """Principal Lambert W of a real argument ≥ 0 (scipy, real part)."""
    return np.real(lambertw(x))


def _args(s1, s2, lam, delta):
    s1 = check_s(np.asarray(s1, float)[..., None])[..., 0]
    s2 = check_s(np.asarray(s2, float)[..., None])[..., 0]
    lam = check_lam(lam)
    delta = check_delta(delta)
    return np.broadcast_arrays(s1, s2, lam, delta)


ALPHA0_READINGS = ("eq56", "delta0")


def alpha0_readings(s: object, U: object, lam: object) -> dict[str, np.ndarray]:
    """Lemma 1's α₀* in its two readings, [..., n] each.

    - ``"delta0"``: the lemma's words, α₀* is the fixed point at δ = 0 (U = I):
      α₀,i = W(a_i)/a_i with a_i = 1 + s_i²/λ (Eq. 13's form).
    - ``"eq56"``: App. C.9, Eq. 56: α₀,i = W(A_ii)/A_ii with A_ii the diagonal of the
      coupled A = λ⁻¹U(S² + λI)Uᵀ (Eq. 55), i.e. A's off-diagonal dropped.

    They differ at O(δ²): A_ii − a_i = λ⁻¹Σ_k U_ik²(s_k² − s_i²), and for U = I + O(δ)
    the off-diagonal U_ik² are O(δ²) (Eq. 15: A_11 − a_1 = δ²(s_2² − s_1²)/λ).
    """
    s, U, lam, _, _, n, batch = _prepare(s, U, lam)
    a = np.broadcast_to(1.0 + s * s / lam[..., None], batch + (n,))
    return {"eq56": _alpha0(_A(s, U, lam, n, batch)), "delta0": _W(a) / a}


def _A(s, U, lam, n, batch):
    """A = λ⁻¹ U (S² + λI) Uᵀ (Eq. 55) from prepared inputs, shape [..., n, n]."""
    A = (U * (s * s + lam[..., None])[..., None, :]) @ np.swapaxes(U, -1, -2) / lam[..., None, None]
    return np.broadcast_to(A, batch + (n, n))


def _alpha0(A):
    """α₀,i = W(A_ii)/A_ii (Eq. 56)."""
    Aii = np.diagonal(A, axis1=-2, axis2=-1)
    return _W(Aii) / Aii


def _lemma1(s, U, lam, alpha0="eq56"):
    """Lemma 1's α with the inputs validated once; returns (α, s, U, λ) prepared."""
    if alpha0 not in ALPHA0_READINGS:
        raise ValueError(f"alpha0 must be one of {', '.join(ALPHA0_READINGS)}; got {alpha0!r}")
    s, U, lam, _, _, n, batch = _prepare(s, U, lam)
    A = _A(s, U, lam, n, batch)
    if alpha0 == "eq56":
        a0 = _alpha0(A)
    else:
        a = np.broadcast_to(1.0 + s * s / lam[..., None], batch + (n,))
        a0 = _W(a) / a
    Mx = A + np.eye(n) * (1.0 / a0)[..., None, :]
    rhs = 1.0 - np.log(a0)
    return np.linalg.solve(Mx, rhs[..., None])[..., 0], s, U, lam


def lemma1_alpha(s: object, U: object, lam: object, alpha0: str = "eq56") -> np.ndarray:
    """Lemma 1 (Eq. 14): α* ≈ (1 − log α₀*)[A + diag(1/α₀*)]⁻¹, any n.

    ``alpha0`` picks the reading of α₀* (see ``alpha0_readings``): ``"eq56"`` (default,
    App. C.9) or ``"delta0"`` (the lemma's "at δ = 0").

    The paper's α is a row vector and A + diag(1/α₀) is symmetric, so
    α = [A + diag(1/α₀)]⁻¹ (1 − log α₀) as a column.

    Args:
        s: Singular values [..., n].
        U: Orthogonal matrices [..., n, n].
        lam: λ > 0 [...].

    Returns:
        First-order α* of shape [..., n].
    """
    return _lemma1(s, U, lam, alpha0)[0]


def lemma1_z(s: object, U: object, lam: object, alpha0: str = "eq56") -> np.ndarray:
    """z of Eq. 11 evaluated at Lemma 1's α: λ⁻¹ S² Uᵀ α_Lemma1.

    Args:
        s: Singular values [..., n].
        U: Orthogonal matrices [..., n, n].
        lam: λ > 0 [...].

    Returns:
        Array [..., n].
    """
    a, s, U, lam = _lemma1(s, U, lam, alpha0)
    return s * s / lam[..., None] * (np.swapaxes(U, -1, -2) @ a[..., None])[..., 0]


def lemma1_alpha_eq15(s1: object, s2: object, lam: object, delta: object) -> np.ndarray:
    """Lemma 1's α* for n = 2 with U of Eq. 15 (shape [..., 2])."""
    s1, s2, lam, delta = _args(s1, s2, lam, delta)
    return lemma1_alpha(np.stack([s1, s2], -1), u_eq15(delta), lam)


def lemma1_z_eq15(s1: object, s2: object, lam: object, delta: object, alpha0: str = "eq56") -> np.ndarray:
    """z of Eq. 11 at Lemma 1's α for n = 2, U of Eq. 15 (shape [..., 2])."""
    s1, s2, lam, delta = _args(s1, s2, lam, delta)
    return lemma1_z(np.stack([s1, s2], -1), u_eq15(delta), lam, alpha0)


def z_first_order_delta(s1: object, s2: object, lam: object, delta: object) -> np.ndarray:
    """z* of Eq. 10 to first order in δ (hand expansion, see module docstring).

    Args:
        s1, s2: Singular values (> 0).
        lam: λ > 0.
        delta: Coupling of Eq. 15.

    Returns:
        Array [..., 2] with (z₁, z₂) + O(δ²).
    """
    s1, s2, lam, delta = _args(s1, s2, lam, delta)
    q1, q2 = s1 * s1, s2 * s2
    W1, W2 = _W(1 + q1 / lam), _W(1 + q2 / lam)
    e1, e2 = np.exp(-W1), np.exp(-W2)
    a11 = -(q1 - q2) / lam * e1 * e2 / (1 + W1)  # α¹₁
    a12 = -(q1 - q2) / lam * e1 * e2 / (1 + W2)  # α¹₂
    z1 = q1 / lam * (e1 + delta * (a11 + e2))
    z2 = q2 / lam * (e2 + delta * (a12 - e1))
    return np.stack([z1, z2], -1)


def dz2_ds1sq_first_order_derived(s1: object, s2: object, lam: object, delta: object) -> np.ndarray:
    """dz₂*/ds₁² of Eq. 10 to first order in δ (hand expansion, see module docstring).

    Args:
        s1, s2: Singular values (> 0).
        lam: λ > 0.
        delta: Coupling of Eq. 15.

    Returns:
        Array of the broadcast shape.
    """
    s1, s2, lam, delta = _args(s1, s2, lam, delta)
    q1, q2 = s1 * s1, s2 * s2
    W1, W2 = _W(1 + q1 / lam), _W(1 + q2 / lam)
    bracket = (
        np.exp(-W1 - W2) / (lam * (1 + W2))
        - np.exp(-2 * W1) / (lam * (1 + W1))
        - (q1 - q2) * np.exp(-2 * W1 - W2) / (lam**2 * (1 + W1) * (1 + W2))
    )
    return -(delta * q2 / lam) * bracket


def dz2_ds1sq_first_order_printed(s1: object, s2: object, lam: object, delta: object) -> np.ndarray:
    """dz₂*/ds₁² exactly as printed in the paper's Eq. 65 (App. C.10), in numpy.

    Read from the transcription (``theory.claims``, claim ``eq65``) and lambdified, never
    re-typed: a change of the transcribed Eq. 65 changes this function.

    Args:
        s1, s2: Singular values (> 0).
        lam: λ > 0.
        delta: Coupling of Eq. 15.

    Returns:
        Array of the broadcast shape.
    """
    s1, s2, lam, delta = _args(s1, s2, lam, delta)
    return np.asarray(_eq65_printed()(s1, s2, lam, delta), dtype=float)


@functools.lru_cache(maxsize=1)
def _eq65_printed():
    import sympy as sp

    from theory.claims import CLAIMS
    from theory.symbols import delta, lam, s1, s2

    rhs = CLAIMS["eq65"].printed.rhs
    return sp.lambdify((s1, s2, lam, delta), rhs, [{"LambertW": _W}, "numpy"])


def dz2_ds1sq_exact(s1: object, s2: object, lam: object, delta: object, dynamics: str = "eq10") -> np.ndarray:
    """Exact dz₂*/ds₁² (implicit differentiation of the fixed point), same signature.

    Args:
        s1, s2: Singular values (> 0).
        lam: λ > 0.
        delta: Coupling of Eq. 15.
        dynamics: ``"eq10"`` (default, Theorem 2's system) or ``"eq9"``.

    Returns:
        Array of the broadcast shape.
    """
    from theory.engine.sensitivities import dz_ds2

    s1, s2, lam, delta = _args(s1, s2, lam, delta)
    return dz_ds2(np.stack([s1, s2], -1), u_eq15(delta), lam, dynamics)[..., 1, 0]
