"""The primal side: linear model ŷ = Φ0 θ, losses Eq. 5, Eq. 17, App. B.5; exact optimum.

Definition 1: Y Φ0 = U S Vᵀ with Y = diag(y), so Φ0 = Y U S Vᵀ (Y² = I), V an m×n
matrix with orthonormal columns (m ≥ n). Response z = Uᵀ Y ŷ = S Vᵀ θ (Eq. 4).

Losses (1 = sum over the n examples):
    Eq. 5:   Σ log(1 + e^{−y ŷ}) + λ/2 ‖θ‖²
    Eq. 17:  Σ log(1 + e^{−y ŷ}) + λ/2 ‖ŷ‖²
    B.5:     Σ log(1 + e^{−y ŷ}) + λ/2 ‖ŷ − γ‖²

This module never uses the dual variables: the optimum is found by Newton on the
primal loss itself (in θ for Eq. 5, whose Hessian Φ0ᵀDΦ0 + λI is positive
definite; in ŷ for Eq. 17 / B.5, whose loss depends on θ only through ŷ = Φ0θ and
is separable there; θ* is then the minimum-norm θ with Φ0θ = ŷ*). It is the
independent route against which App. B.1's claim "primal and dual share their
fixed points" is measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.engine.validation import (
    broadcast_batch,
    check_gamma,
    check_labels,
    check_lam,
    check_s,
    check_U,
)

LOSSES = ("eq5", "eq17", "b5")


def random_V(m: int, n: int, size: tuple[int, ...] = (), rng: np.random.Generator | int | None = None) -> np.ndarray:
    """Random m×n matrices with orthonormal columns (QR of a Gaussian matrix).

    Args:
        m: Number of parameters (m ≥ n).
        n: Number of features.
        size: Batch shape.
        rng: Generator or seed.

    Returns:
        Array size + (m, n) with VᵀV = I.
    """
    if int(m) != m or int(n) != n or n < 1 or m < n:
        raise ValueError(f"m must be an integer >= n >= 1 (V is m x n with orthonormal columns); got m={m}, n={n}")
    rng = np.random.default_rng(rng)
    Q, R = np.linalg.qr(rng.standard_normal(tuple(size) + (m, n)))
    return Q * np.sign(np.diagonal(R, axis1=-2, axis2=-1))[..., None, :]


def check_V(V: object, n: int) -> np.ndarray:
    """Validate V (shape [..., m, n], m ≥ n, orthonormal columns to 1e-9, see validation)."""
    arr = np.asarray(V, dtype=float)
    if arr.ndim < 2 or arr.shape[-1] != n or arr.shape[-2] < n:
        raise ValueError(f"V must have shape [..., m, {n}] with m >= {n}; got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("V must be finite (matrices with orthonormal columns)")
    err = np.max(np.abs(np.swapaxes(arr, -1, -2) @ arr - np.eye(n)))
    if err > 1e-9:  # same reason as validation.ORTHOGONALITY_TOL
        raise ValueError(f"V must have orthonormal columns (max |V^T V - I| <= 1e-09); got {err:.3g}")
    return arr


def phi0(s: np.ndarray, U: np.ndarray, y: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Φ0 = Y U S Vᵀ (Definition 1), batched: [..., n, m]."""
    return y[..., :, None] * ((U * s[..., None, :]) @ np.swapaxes(V, -1, -2))


@dataclass(frozen=True)
class PrimalSetup:
    """Flattened primal problem: N points, n examples, m parameters."""

    s: np.ndarray  # [N, n]
    U: np.ndarray  # [N, n, n]
    lam: np.ndarray  # [N]
    y: np.ndarray  # [N, n]
    gamma: np.ndarray  # [N]
    V: np.ndarray  # [N, m, n]
    Phi: np.ndarray  # [N, n, m]
    batch: tuple[int, ...]


def setup(s, U, lam, *, y=None, V=None, m=None, gamma=0.0, rng=None) -> PrimalSetup:
    """Validate and flatten a batch of primal problems.

    Args:
        s: Singular values [..., n].
        U: Orthogonal [..., n, n].
        lam: λ > 0 [...].
        y: Labels [..., n] (default all +1; Eq. 5 and Eq. 17 depend on y only via Y ŷ).
        V: [..., m, n] with orthonormal columns (default: random, m = n + 2).
        m: Number of parameters when V is drawn at random.
        gamma: γ of the B.5 loss [...].
        rng: Seed for V.

    Returns:
        PrimalSetup.
    """
    s = check_s(s)
    n = s.shape[-1]
    U = check_U(U, n)
    lam = check_lam(lam)
    y = np.ones(n) if y is None else check_labels(y)
    if y.shape[-1:] != (n,):
        raise ValueError(f"y must have n = {n} labels on its last axis; got shape {y.shape}")
    gamma = check_gamma(gamma)
    named = [("s", s.shape[:-1]), ("U", U.shape[:-2]), ("lam", lam.shape), ("y", y.shape[:-1]), ("gamma", gamma.shape)]
    if V is not None:
        V = check_V(V, n)
        named.append(("V", V.shape[:-2]))
    batch = broadcast_batch(*named)
    N = int(np.prod(batch, dtype=np.int64))
    if V is None:
        V = random_V(n + 2 if m is None else m, n, (N,), rng)
    else:
        V = np.broadcast_to(V, batch + V.shape[-2:]).reshape((N,) + V.shape[-2:])
    sf = np.broadcast_to(s, batch + (n,)).reshape(N, n)
    Uf = np.broadcast_to(U, batch + (n, n)).reshape(N, n, n)
    yf = np.broadcast_to(y, batch + (n,)).reshape(N, n)
    return PrimalSetup(
        s=sf, U=Uf, lam=np.broadcast_to(lam, batch).reshape(N), y=yf,
        gamma=np.broadcast_to(gamma, batch).reshape(N), V=V, Phi=phi0(sf, Uf, yf, V), batch=batch,
    )


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


def loss_and_grad(P: PrimalSetup, theta: np.ndarray, loss: str) -> tuple[np.ndarray, np.ndarray]:
    """Primal loss (Eq. 5 / 17 / B.5) and its gradient in θ, batched over N.

    Args:
        P: PrimalSetup.
        theta: [N, m].
        loss: ``"eq5"``, ``"eq17"`` or ``"b5"``.

    Returns:
        (loss [N], gradient [N, m]).
    """
    yhat = (P.Phi @ theta[..., None])[..., 0]
    w = P.y * yhat
    L = np.sum(np.logaddexp(0.0, -w), axis=-1)
    r = -P.y * _sigmoid(-w)  # d/dŷ of the log-loss
    lam = P.lam[:, None]
    if loss == "eq5":
        L = L + 0.5 * P.lam * np.sum(theta * theta, axis=-1)
        g = (np.swapaxes(P.Phi, -1, -2) @ r[..., None])[..., 0] + lam * theta
    else:
        target = yhat if loss == "eq17" else yhat - P.gamma[:, None]
        L = L + 0.5 * P.lam * np.sum(target * target, axis=-1)
        g = (np.swapaxes(P.Phi, -1, -2) @ (r + lam * target)[..., None])[..., 0]
    return L, g


def hessian(P: PrimalSetup, theta: np.ndarray, loss: str) -> np.ndarray:
    """Hessian in θ of the primal loss (Eq. 5 / 17 / B.5), batched: θ [N, m] → [N, m, m].

    Eq. 5: Φᵀ diag(σ'(yŷ)) Φ + λI; Eq. 17 and B.5 penalise ŷ, so λ joins the diagonal
    weights instead: Φᵀ diag(σ'(yŷ) + λ) Φ.
    """
    yhat = (P.Phi @ theta[..., None])[..., 0]
    sg = _sigmoid(P.y * yhat)
    dd = sg * (1.0 - sg)
    PhiT = np.swapaxes(P.Phi, -1, -2)
    if loss == "eq5":
        return PhiT @ (dd[..., None] * P.Phi) + P.lam[:, None, None] * np.eye(theta.shape[-1])
    return PhiT @ ((dd + P.lam[:, None])[..., None] * P.Phi)


def initial_theta(P: PrimalSetup, theta0: object | None) -> np.ndarray:
    """θ(0) as a fresh [N, m] array: zeros, or ``theta0`` broadcast to the batch [..., m]."""
    N, _, m = P.Phi.shape
    if theta0 is None:
        return np.zeros((N, m))
    return np.broadcast_to(np.asarray(theta0, float), P.batch + (m,)).reshape(N, m).copy()


def z_of_theta(P: PrimalSetup, theta: np.ndarray) -> np.ndarray:
    """z = S Vᵀ θ (Eq. 4), batched: θ [..., N, m] → z [..., N, n]."""
    return P.s * (np.swapaxes(P.V, -1, -2) @ theta[..., None])[..., 0]


@dataclass(frozen=True)
class PrimalResult:
    """Primal optimum over a batch.

    Attributes:
        theta: θ* [..., m].
        z: z* = S Vᵀ θ* [..., n].
        yhat: ŷ* = Φ0 θ* [..., n].
        grad_norm: max-norm of ∇θ L at θ* [...].
        iterations: Newton iterations [...].
    """

    theta: np.ndarray
    z: np.ndarray
    yhat: np.ndarray
    grad_norm: np.ndarray
    iterations: np.ndarray


def primal_optimum(
    s: object,
    U: object,
    lam: object,
    loss: str = "eq5",
    *,
    y: object | None = None,
    V: object | None = None,
    m: int | None = None,
    gamma: object = 0.0,
    rng: np.random.Generator | int | None = None,
    tol: float = 1e-12,
    max_iter: int = 200,
) -> PrimalResult:
    """Exact minimiser of the primal loss by Newton's method (batched).

    Eq. 5: Newton in θ with Armijo backtracking on the loss; Hessian Φ0ᵀ diag(σσ') Φ0 + λI.
    Eq. 17 / B.5: the loss is Σ_i ℓ(y_i ŷ_i) + λ/2 (ŷ_i − γ)² (γ = 0 for Eq. 17), separable
    in ŷ; each ŷ_i solves −y_i σ(−y_i ŷ_i) + λ(ŷ_i − γ) = 0, a strictly increasing function
    bracketed in [γ − 1/λ, γ + 1/λ] (safeguarded Newton); then θ* = Φ0⁺ ŷ* (minimum norm).

    Args:
        s, U, lam: Problem (see ``setup``).
        loss: ``"eq5"``, ``"eq17"`` or ``"b5"``.
        y, V, m, gamma, rng: See ``setup``.
        tol: Stop when the stationarity residual (max-norm; ∇θ for Eq. 5, ∂/∂ŷ for
            Eq. 17 / B.5) is ≤ tol.
        max_iter: Iteration cap; points beyond it raise RuntimeError.

    Returns:
        PrimalResult with arrays of the batch shape.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    P = setup(s, U, lam, y=y, V=V, m=m, gamma=gamma, rng=rng)
    N, n, mm = P.Phi.shape
    its = np.zeros(N, dtype=np.int64)
    if loss == "eq5":
        theta = np.zeros((N, mm))
        L, g = loss_and_grad(P, theta, loss)
        for _ in range(max_iter):
            act = ~(np.max(np.abs(g), axis=-1) <= tol)
            if not act.any():
                break
            its += act
            H = hessian(P, theta, loss)
            step = -np.linalg.solve(H, g[..., None])[..., 0]
            t = np.ones(N)
            slope = np.sum(g * step, axis=-1)
            newt, newL, newg = theta.copy(), L.copy(), g.copy()
            pend = act.copy()
            for _h in range(60):
                cand = theta + t[:, None] * step
                Lc, gc = loss_and_grad(P, cand, loss)
                # Armijo on the loss; near the optimum the loss is flat to rounding,
                # so also accept when the gradient norm decreases.
                ok = pend & ((Lc <= L + 1e-4 * t * slope) | (np.max(np.abs(gc), -1) < np.max(np.abs(g), -1)))
                newt[ok], newL[ok], newg[ok] = cand[ok], Lc[ok], gc[ok]
                pend &= ~ok
                if not pend.any():
                    break
                t = np.where(pend, 0.5 * t, t)
            theta, L, g = newt, newL, newg
        res = np.max(np.abs(g), axis=-1)
    else:
        gam = P.gamma[:, None] if loss == "b5" else np.zeros((N, 1))
        lamc = P.lam[:, None]
        lo = gam - 1.0 / lamc + np.zeros((N, n))
        hi = gam + 1.0 / lamc + np.zeros((N, n))
        yh = gam + np.zeros((N, n))

        def h(v):
            return -P.y * _sigmoid(-P.y * v) + lamc * (v - gam)

        itsv = np.zeros((N, n), dtype=np.int64)
        for _ in range(max_iter):
            hv = h(yh)
            act = ~(np.abs(hv) <= tol)
            if not act.any():
                break
            itsv += act
            lo = np.where(hv < 0, yh, lo)  # h increasing: h < 0 → root above
            hi = np.where(hv > 0, yh, hi)
            sg = _sigmoid(P.y * yh)
            nv = yh - hv / (sg * (1.0 - sg) + lamc)
            nv = np.where((nv > lo) & (nv < hi), nv, 0.5 * (lo + hi))
            yh = np.where(act, nv, yh)
        its = np.max(itsv, axis=-1)
        res = np.max(np.abs(h(yh)), axis=-1)
        theta = (np.linalg.pinv(P.Phi) @ yh[..., None])[..., 0]  # minimum-norm θ with Φ0θ = ŷ*
        _, g = loss_and_grad(P, theta, loss)
        res = np.maximum(res, 0.0)
    if np.any(~(res <= tol)):
        bad = int(np.sum(~(res <= tol)))
        i = int(np.nonzero(~(res <= tol))[0][0])
        raise RuntimeError(
            f"primal Newton: {bad} of {N} points did not reach stationarity {tol:g}; first: "
            f"s={P.s[i].tolist()}, lam={P.lam[i]}, residual={res[i]:.3g}"
        )
    yhat = (P.Phi @ theta[..., None])[..., 0]
    z = z_of_theta(P, theta)
    b = P.batch
    return PrimalResult(
        theta=theta.reshape(b + (mm,)),
        z=z.reshape(b + (n,)),
        yhat=yhat.reshape(b + (n,)),
        grad_norm=np.max(np.abs(g), axis=-1).reshape(b),
        iterations=its.reshape(b),
    )
