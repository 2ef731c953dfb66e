"""Trajectories: the dual ODEs (Eq. 9, 10, 18, B.5) and primal gradient flow / descent.

Dual ODEs α̇ = η F(α) are integrated in working coordinates x where α stays in its
domain: x = log α for Eq. 10 (no barrier at α = 1, α > 0 only), x = logit α for
Eq. 9, SD and B.5 (barriers at 0 and 1). In these coordinates every system reads

    F = −x − c − M α(x),   ẋ = η F / d(x),   d = dα/dx = α (log) or α(1−α) (logit),

with M = K/λ (Eq. 9), A (Eq. 10), I/λ (SD, B.5), c = 0 or γy (B.5). (log((1−α)/α) = −x
for x = logit α, and −log α = −x for x = log α, exactly.) Measured: started near
α = 0.5 the α-coordinate systems are very stiff where features couple strongly
(implicit solvers failed, LSODA returned NaN), hence these coordinates.

Batched: all trajectories form one stacked system integrated by scipy's BDF with
the analytic Jacobian as a sparse block-diagonal matrix (one n×n block per
trajectory):  ∂ẋ/∂x = −η [diag(1/d)(I + M D) + diag(F q / d)],  D = diag(d),
q = d'/d = 1 (log) or 1 − 2α (logit).

Primal: gradient flow θ̇ = −η ∇L(θ) (stacked BDF, block Jacobian −η ∇²L) and plain
gradient descent θ ← θ − lr ∇L on Eq. 5 / Eq. 17 / B.5, with z(t) = S Vᵀ θ(t) (Eq. 4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sps
from scipy.integrate import solve_ivp

from theory.engine.fixed_points import DYNAMICS, _prepare, _solve_logit_diag, lambertw_real
from theory.engine.primal import LOSSES, _sigmoid, hessian, initial_theta, loss_and_grad, setup, z_of_theta
from theory.engine.validation import check_positive


@dataclass(frozen=True)
class Trajectory:
    """A batch of trajectories sampled at common times.

    Attributes:
        t: Times [T].
        alpha: α(t) [T, ..., n] (dual) or None (primal).
        z: z(t) [T, ..., n].
        theta: θ(t) [T, ..., m] (primal) or None (dual).
        success: Whether the integrator reported success.
        message: Integrator message.
        nfev: Right-hand-side evaluations.
    """

    t: np.ndarray
    alpha: np.ndarray | None
    z: np.ndarray
    theta: np.ndarray | None
    success: bool
    message: str
    nfev: int


def _block_diag(blocks: np.ndarray) -> sps.csc_matrix:
    """Sparse block-diagonal matrix from blocks [B, n, n]."""
    B, n, _ = blocks.shape
    return sps.bsr_matrix((blocks, np.arange(B), np.arange(B + 1)), shape=(B * n, B * n)).tocsc()


@dataclass(frozen=True)
class DualField:
    """The dual vector field of one batch in working coordinates (see module docstring).

    Attributes:
        rhs: x [N·n] → ẋ [N·n].
        jac: x [N·n] → sparse block-diagonal ∂ẋ/∂x.
        amap: x → α (elementwise).
        Ffun: x [N, n] → (α, F(α)) in the original equation's form −x − c − Mα.
        M, c: Coupling matrix [N, n, n] and offset [N, n].
        logc: True for log coordinates (Eq. 10), False for logit.
        N, n, batch, s, U, lam: Flattened problem.
    """

    rhs: object
    jac: object
    amap: object
    Ffun: object
    M: np.ndarray
    c: np.ndarray
    logc: bool
    N: int
    n: int
    batch: tuple
    s: np.ndarray
    U: np.ndarray
    lam: np.ndarray


def dual_field(
    s: object, U: object, lam: object, dynamics: str = "eq10", *, y: object | None = None,
    gamma: object = 0.0, eta: float = 1.0,
) -> DualField:
    """Vector field ẋ = η F(α(x)) / (dα/dx) and its analytic block Jacobian, batched.

    Args:
        s, U, lam: Problem (shapes [..., n], [..., n, n], [...]).
        dynamics: ``"eq9"``, ``"eq10"``, ``"sd"`` or ``"b5"``.
        y, gamma: App. B.5 labels and target.
        eta: Learning rate η > 0.

    Returns:
        DualField.
    """
    if dynamics not in DYNAMICS:
        raise ValueError(f"dynamics must be one of {', '.join(DYNAMICS)}; got {dynamics!r}")
    eta = float(check_positive(eta, "eta"))
    if dynamics == "b5" and y is None:
        raise ValueError("y (labels in {-1, +1}, shape [..., n]) is required for dynamics 'b5'")
    s, U, lam, y, gamma, n, batch = _prepare(s, U, lam, y if dynamics == "b5" else None,
                                              gamma if dynamics == "b5" else None)
    N = int(np.prod(batch, dtype=np.int64))
    sf = np.broadcast_to(s, batch + (n,)).reshape(N, n)
    Uf = np.broadcast_to(U, batch + (n, n)).reshape(N, n, n)
    lf = np.broadcast_to(lam, batch).reshape(N)
    UT = np.swapaxes(Uf, -1, -2)
    if dynamics in ("eq9", "eq10"):
        shift = lf[:, None] if dynamics == "eq10" else 0.0
        M = (Uf * (sf * sf + shift)[:, None, :]) @ UT / lf[:, None, None]
    else:
        M = np.eye(n) / lf[:, None, None] + np.zeros((N, n, n))
    c = np.zeros((N, n))
    if dynamics == "b5":
        c = np.broadcast_to(gamma, batch).reshape(N)[:, None] * np.broadcast_to(y, batch + (n,)).reshape(N, n)
    logc = dynamics == "eq10"

    def amap(x):
        return np.exp(x) if logc else _sigmoid(x)

    def Ffun(x):
        a = amap(x)
        return a, -x - c - (M @ a[..., None])[..., 0]

    def rhs(t, xf):
        x = xf.reshape(N, n)
        a, F = Ffun(x)
        d = a if logc else a * (1.0 - a)
        return (eta * F / d).ravel()

    def jac(t, xf):
        x = xf.reshape(N, n)
        a, F = Ffun(x)
        d = a if logc else a * (1.0 - a)
        q = 1.0 if logc else 1.0 - 2.0 * a
        blocks = -(np.eye(n) + M * d[:, None, :]) / d[:, :, None]
        idx = np.arange(n)
        blocks[:, idx, idx] -= F * q / d
        return _block_diag(eta * blocks)

    return DualField(rhs=rhs, jac=jac, amap=amap, Ffun=Ffun, M=M, c=c, logc=logc, N=N, n=n, batch=batch,
                     s=sf, U=Uf, lam=lf)


def dual_ode(
    s: object,
    U: object,
    lam: object,
    dynamics: str = "eq10",
    *,
    alpha0: object | None = None,
    rng: np.random.Generator | int | None = None,
    t_end: float | None = None,
    t_eval: object | None = None,
    eta: float = 1.0,
    y: object | None = None,
    gamma: object = 0.0,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    steady_tol: float | None = None,
) -> Trajectory:
    """Integrate the dual ODE α̇ = η F(α) for a batch of parameter points.

    Args:
        s: Singular values [..., n].
        U: Orthogonal matrices [..., n, n].
        lam: λ > 0 [...].
        dynamics: ``"eq9"``, ``"eq10"`` (default), ``"sd"`` or ``"b5"``.
        alpha0: Initial α(0), broadcastable to [..., n], in (0, 1) (for Eq. 10 any α > 0).
            Default: random, α(0)_i = α_u,i · 10^U(−2, 0) with α_u the uncoupled fixed
            point (see the comment in the code for why not near 0.5).
        rng: Seed / generator for the random α(0).
        t_end: Final time (default 60/η: the slowest linear rate at the fixed point is
            ≥ 2η for Eq. 10 with α < 1 (eigenvalues of diag(1/α) + A, A ⪰ I) and ≥ 4η for
            Eq. 9 / SD (1/(α(1−α)) ≥ 4), so e^{-120} is far below rounding).
        t_eval: Times at which to store the solution (default: the solver's steps).
        eta: Learning rate η > 0.
        y: Labels (``"b5"`` only).
        gamma: γ (``"b5"`` only).
        rtol, atol: Integrator tolerances in the working coordinates.
        steady_tol: If given, stop once max |F(α)| over the batch ≤ steady_tol.

    Returns:
        Trajectory with alpha and z of shape [T, ..., n].

    Raises:
        RuntimeError: The integrator failed (never returns a partial trajectory silently).
    """
    f = dual_field(s, U, lam, dynamics, y=y, gamma=gamma, eta=eta)
    M, c, logc, N, n, batch, amap, Ffun = f.M, f.c, f.logc, f.N, f.n, f.batch, f.amap, f.Ffun
    sf, lf = f.s, f.lam
    UT = np.swapaxes(f.U, -1, -2)
    if alpha0 is None:
        # Random start at or below the uncoupled fixed point α_u (diagonal of M):
        # α(0)_i = α_u,i · 10^U(−2, 0). Started near α = 0.5 with strong coupling,
        # the exact flow drives some α_i to ~e^{−(Mα)_i} (e^{−1000} and below) before
        # it recovers, which no float64 coordinate represents (measured: BDF stops,
        # LSODA in α gives NaN); from below α_u the transient stays representable.
        dg = np.diagonal(M, axis1=-2, axis2=-1)
        if logc:
            au = lambertw_real(dg) / dg
        else:
            au = _solve_logit_diag(c, dg, 1e-8)[0]
        a0 = au * 10.0 ** np.random.default_rng(rng).uniform(-2.0, 0.0, size=(N, n))
    else:
        a0 = np.broadcast_to(np.asarray(alpha0, float), batch + (n,)).reshape(N, n)
        hi_ok = True if logc else np.all(a0 < 1)
        if not (np.all(np.isfinite(a0)) and np.all(a0 > 0) and hi_ok):
            raise ValueError(
                "alpha0 must lie in (0, 1)" + (" (or > 0 for Eq. 10)" if logc else "") + f"; got {a0.ravel()[:4]}"
            )
    x0 = np.log(a0) if logc else np.log(a0) - np.log1p(-a0)

    events = None
    if steady_tol is not None:
        st = float(check_positive(steady_tol, "steady_tol"))

        def steady(t, xf):
            return np.max(np.abs(Ffun(xf.reshape(N, n))[1])) - st

        steady.terminal = True
        events = steady
    t_end = 60.0 / eta if t_end is None else float(check_positive(t_end, "t_end"))
    sol = solve_ivp(f.rhs, (0.0, t_end), x0.ravel(), method="BDF", jac=f.jac, rtol=rtol, atol=atol,
                    t_eval=None if t_eval is None else np.asarray(t_eval, float), events=events)
    if sol.status < 0:
        raise RuntimeError(
            f"dual ODE ({dynamics}) integration failed at t = {sol.t[-1]:.3g}: {sol.message} "
            "(a stiff transient in which some alpha_i underflows; start nearer alpha = 0, "
            "e.g. alpha0=None)"
        )
    X = sol.y.T.reshape(-1, N, n)
    if steady_tol is not None and sol.status == 1:  # stopped by the event: keep its state
        X = np.concatenate([X, sol.y_events[0].reshape(1, N, n)], axis=0)
        t = np.concatenate([sol.t, sol.t_events[0]])
    else:
        t = sol.t
    alpha = amap(X)
    if dynamics in ("eq9", "eq10"):
        z = sf * sf / lf[:, None] * (UT @ alpha[..., None])[..., 0]  # Eq. 11
    elif dynamics == "sd":
        z = (UT @ alpha[..., None])[..., 0] / lf[:, None]
    else:
        z = (UT @ (c + alpha / lf[:, None])[..., None])[..., 0]
    T = alpha.shape[0]
    return Trajectory(t=t, alpha=alpha.reshape((T,) + batch + (n,)), z=z.reshape((T,) + batch + (n,)),
                      theta=None, success=bool(sol.success), message=str(sol.message), nfev=int(sol.nfev))


def primal_gradient_flow(
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
    theta0: object | None = None,
    t_end: float = 200.0,
    t_eval: object | None = None,
    eta: float = 1.0,
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> Trajectory:
    """Gradient flow θ̇ = −η ∇L(θ) on Eq. 5 / Eq. 17 / B.5, batched; z(t) = S Vᵀ θ(t).

    Args:
        s, U, lam, y, V, m, gamma, rng: The primal problem (see primal.setup).
        loss: ``"eq5"``, ``"eq17"`` or ``"b5"``.
        theta0: θ(0), broadcastable to [..., m] (default 0).
        t_end: Final time. The slowest rate near the optimum is ≥ ηλ for Eq. 5
            (Hessian ⪰ λI) and ≥ ηλ s_min² for Eq. 17 (on range V), so choose
            t_end ≫ 1/(ηλ) (resp. 1/(ηλ s_min²)).
        t_eval: Output times (default: solver steps).
        eta: Learning rate η > 0.
        rtol, atol: Integrator tolerances.

    Returns:
        Trajectory with theta [T, ..., m] and z [T, ..., n].
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    eta = float(check_positive(eta, "eta"))
    t_end = float(check_positive(t_end, "t_end"))
    P = setup(s, U, lam, y=y, V=V, m=m, gamma=gamma, rng=rng)
    N, n, mm = P.Phi.shape
    th0 = initial_theta(P, theta0)

    def rhs(t, f):
        return (-eta * loss_and_grad(P, f.reshape(N, mm), loss)[1]).ravel()

    def jac(t, f):
        return _block_diag(-eta * hessian(P, f.reshape(N, mm), loss))

    sol = solve_ivp(rhs, (0.0, t_end), th0.ravel(), method="BDF", jac=jac, rtol=rtol, atol=atol,
                    t_eval=None if t_eval is None else np.asarray(t_eval, float))
    Th = sol.y.T.reshape(-1, N, mm)
    z = z_of_theta(P, Th)
    T = Th.shape[0]
    return Trajectory(t=sol.t, alpha=None, z=z.reshape((T,) + P.batch + (n,)),
                      theta=Th.reshape((T,) + P.batch + (mm,)), success=bool(sol.success),
                      message=str(sol.message), nfev=int(sol.nfev))


def primal_gradient_descent(
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
    theta0: object | None = None,
    lr: float | None = None,
    steps: int = 10000,
    record_every: int = 100,
) -> Trajectory:
    """Gradient descent θ ← θ − lr ∇L(θ) on Eq. 5 / Eq. 17 / B.5, batched; z = S Vᵀ θ.

    Args:
        s, U, lam, y, V, m, gamma, rng: The primal problem (see primal.setup).
        loss: ``"eq5"``, ``"eq17"`` or ``"b5"``.
        theta0: θ(0) (default 0).
        lr: Step size; default 1/L_max with L_max the batch's largest smoothness
            constant: s_max²/4 + λ (Eq. 5), s_max²(1/4 + λ) (Eq. 17 / B.5), since
            σσ' ≤ 1/4 — the step at which descent is guaranteed monotone.
        steps: Number of steps.
        record_every: Store z every this many steps (and the last step).

    Returns:
        Trajectory whose t are step counts.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {loss!r}")
    if int(steps) != steps or steps < 1 or int(record_every) != record_every or record_every < 1:
        raise ValueError(f"steps and record_every must be integers >= 1; got {steps}, {record_every}")
    P = setup(s, U, lam, y=y, V=V, m=m, gamma=gamma, rng=rng)
    N, n, mm = P.Phi.shape
    smax2 = np.max(P.s, axis=-1) ** 2
    if lr is None:
        Lmax = smax2 / 4 + P.lam if loss == "eq5" else smax2 * (0.25 + P.lam)
        lr_arr = 1.0 / Lmax[:, None]
    else:
        lr_arr = float(check_positive(lr, "lr"))
    theta = initial_theta(P, theta0)
    ts, thetas = [0], [theta.copy()]
    for k in range(1, steps + 1):
        theta = theta - lr_arr * loss_and_grad(P, theta, loss)[1]
        if k % record_every == 0 or k == steps:
            ts.append(k)
            thetas.append(theta.copy())
    Th = np.stack(thetas)
    z = z_of_theta(P, Th)
    T = Th.shape[0]
    return Trajectory(t=np.asarray(ts, float), alpha=None, z=z.reshape((T,) + P.batch + (n,)),
                      theta=Th.reshape((T,) + P.batch + (mm,)), success=True, message="done", nfev=steps)
