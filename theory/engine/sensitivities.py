"""Exact sensitivities dz*/d(s²) by implicit differentiation (Definition 2).

At a fixed point F(α*, s²) = 0 of Eq. 9 or Eq. 10, write F = g(α) − M α with
M = K/λ (Eq. 9, g = log((1−α)/α)) or M = A = λ⁻¹U(S² + λI)Uᵀ (Eq. 10, g = −log α).
With ∂K/∂s_j² = ∂(λA)/∂s_j² = u_j u_jᵀ (u_j = column j of U):

    ∂F/∂s_j² = −λ⁻¹ u_j (u_jᵀ α)                     (column j of B = −λ⁻¹ U diag(Uᵀα))
    ∂F/∂α   = −(D⁻¹ + M),  D = diag(α(1−α)) (Eq. 9) or diag(α) (Eq. 10)
    dα/ds²  = −(∂F/∂α)⁻¹ B = (I + D M)⁻¹ D B         (one batched linear solve)
    z = λ⁻¹ S² Uᵀ α (Eq. 11)  ⇒  dz/ds² = λ⁻¹ diag(Uᵀα) + λ⁻¹ S² Uᵀ dα/ds².

Row i is the response z_i, column j the strength s_j²; Definition 2 ("feature i
starves feature j") reads dz_j/ds_i² < 0, i.e. entry [j, i] of this matrix.

For SD (Eq. 18) and the App. B.5 variant F does not depend on s and
z* = λ⁻¹Uᵀα* (resp. Uᵀ(γy + α*/λ)) neither, so dz*/ds² = 0 exactly.
"""

from __future__ import annotations

import numpy as np

from theory.engine.fixed_points import FixedPointResult, _prepare, solve_fixed_points


def dz_ds2(
    s: object,
    U: object,
    lam: object,
    dynamics: str = "eq10",
    *,
    result: FixedPointResult | None = None,
    y: object | None = None,
    gamma: object = 0.0,
    tol: float = 1e-12,
) -> np.ndarray:
    """Full n×n matrix dz*_i/d(s_j²) at the fixed point, batched.

    Args:
        s: Singular values [..., n].
        U: Orthogonal matrices [..., n, n].
        lam: λ > 0 [...].
        dynamics: ``"eq9"``, ``"eq10"``, ``"sd"`` or ``"b5"``.
        result: A FixedPointResult for the same inputs (skips the solve).
        y: Labels (``"b5"`` only).
        gamma: γ (``"b5"`` only).
        tol: Residual tolerance of the fixed-point solve.

    Returns:
        Array [..., n, n]; row i = response z_i, column j = strength s_j².
    """
    if result is None:
        result = solve_fixed_points(s, U, lam, dynamics, y=y, gamma=gamma, tol=tol)
    # One implicit-differentiation solve, shared with dalpha_ds2; then Eq. 11 by the product rule:
    # dz_i/ds_j² = λ⁻¹[δ_ij (Uᵀα)_i + s_i² (Uᵀ dα/ds_j²)_i].
    dalpha = dalpha_ds2(s, U, lam, dynamics, result=result)
    s, U, lam, _, _, n, batch = _prepare(s, U, lam)
    if dynamics in ("sd", "b5"):
        return dalpha  # zeros: z* does not depend on S
    s2 = np.broadcast_to(s * s, batch + (n,))
    UT = np.swapaxes(np.broadcast_to(U, batch + (n, n)), -1, -2)
    alpha = np.asarray(result.alpha).reshape(batch + (n,))
    ua = (UT @ alpha[..., None])[..., 0]  # Uᵀα
    lam_b = np.broadcast_to(lam, batch)[..., None]
    dz = s2[..., :, None] * (UT @ dalpha) / lam_b[..., None]
    idx = np.arange(n)
    dz[..., idx, idx] += ua / lam_b
    return dz


def dalpha_ds2(
    s: object, U: object, lam: object, dynamics: str = "eq10", *, result: FixedPointResult | None = None
) -> np.ndarray:
    """dα*_i/d(s_j²) (row i = α_i, column j = s_j²) for Eq. 9 / Eq. 10; zeros for SD.

    Args:
        s: Singular values [..., n].
        U: Orthogonal matrices [..., n, n].
        lam: λ > 0 [...].
        dynamics: ``"eq9"``, ``"eq10"`` or ``"sd"``.
        result: Optional FixedPointResult for the same inputs.

    Returns:
        Array [..., n, n].
    """
    if result is None:
        result = solve_fixed_points(s, U, lam, dynamics)
    elif result.dynamics != dynamics:
        raise ValueError(f"result was solved for dynamics {result.dynamics!r}, not {dynamics!r}")
    s, U, lam, _, _, n, batch = _prepare(s, U, lam)
    if dynamics in ("sd", "b5"):
        return np.zeros(batch + (n, n))
    N = int(np.prod(batch, dtype=np.int64))
    sf = np.broadcast_to(s, batch + (n,)).reshape(N, n)
    Uf = np.broadcast_to(U, batch + (n, n)).reshape(N, n, n)
    lf = np.broadcast_to(lam, batch).reshape(N)
    alpha = np.asarray(result.alpha).reshape(N, n)
    shift = lf[:, None] if dynamics == "eq10" else 0.0
    UT = np.swapaxes(Uf, -1, -2)
    M = (Uf * (sf * sf + shift)[:, None, :]) @ UT / lf[:, None, None]
    D = alpha if dynamics == "eq10" else alpha * (1.0 - alpha)
    ua = (UT @ alpha[..., None])[..., 0]
    B = -Uf * ua[:, None, :] / lf[:, None, None]
    out = np.linalg.solve(np.eye(n) + D[:, :, None] * M, D[:, :, None] * B)
    return out.reshape(batch + (n, n))
