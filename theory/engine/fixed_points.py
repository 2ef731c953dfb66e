"""Exact fixed points of the dual dynamics, batched, by damped Newton.

Systems (the paper's α is a row vector; K = U S² Uᵀ and A = λ⁻¹U(S² + λI)Uᵀ are
symmetric, so α K = (K αᵀ)ᵀ and we work with column vectors):

- ``"eq9"``  (Eq. 9, exact dual):   F(α) = log((1−α)/α) − λ⁻¹ K α,        α ∈ (0, 1)ⁿ.
  Solved in logit coordinates u = log(α/(1−α)), where log((1−α)/α) = −u exactly.
  z* = λ⁻¹ S² Uᵀ α* (Eq. 11). The unique root (Eq. 8 is strictly concave) is also
  the primal optimum of Eq. 5 (App. C.2).
- ``"eq10"`` (Eq. 10, Taylor):      F(α) = −log α − A α,                  α > 0.
  Solved in log coordinates v = log α. Eq. 10 has no barrier at α = 1, so α* ≥ 1 is
  possible; it is reported (``FixedPointResult.alpha_ge_one``, and a warning), never
  clipped. z* = λ⁻¹ S² Uᵀ α* (Eq. 11).
- ``"sd"``   (Eq. 18, spectral decoupling): F(α) = log((1−α)/α) − α/λ (the same
  scalar equation for every i). z* = λ⁻¹ Uᵀ α*: the inner minimiser of the SD
  Lagrangian (Eq. 17 with Eq. 6) is θ* = λ⁻¹ V S⁻¹ Uᵀ α*ᵀ (minimum norm), so
  z* = S Vᵀ θ* = λ⁻¹ Uᵀ α*.
- ``"b5"``   (App. B.5 variant, loss log(1+e^{−yŷ}) + λ/2 (ŷ − γ)²):
  F(α) = log((1−α)/α) − γ y − α/λ, z* = Uᵀ(γ y + α*/λ). Needs labels y.

Method: damped Newton with the analytic Jacobian, Armijo backtracking on ‖F‖²,
started from the uncoupled solution (the same system with the off-diagonal part of
K or A dropped). Stopping rule: max_i |F_i(α)| ≤ tol (default 1e-12) evaluated in
the ORIGINAL equation F(α) from α (float64), not in the working coordinates. Points
that do not meet it within ``max_iter`` iterations raise ``NonConvergenceError``.

For n = 2 and Eq. 9/10 a closed-form 2×2 path (explicit inverse, flat arrays, in
cache-sized chunks) is used; general n uses batched ``np.linalg.solve``.
"""

from __future__ import annotations

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from theory.engine.validation import (
    broadcast_batch,
    check_gamma,
    check_labels,
    check_lam,
    check_positive,
    check_s,
    check_U,
)

DYNAMICS = ("eq9", "eq10", "sd", "b5")

_ARMIJO_C = 1e-4  # sufficient decrease of ‖F‖² along the Newton direction
_MAX_HALVINGS = 40  # 2^-40 ~ 1e-12: a step that small means Newton is stuck
_CHUNK2 = 8192  # n = 2 path: ~30 flat arrays of 8192 doubles stay in L2 cache
_GENERAL_BYTES = 64 * 2**20
_THREADS = os.cpu_count() or 1  # n = 2 path: chunks are spread over the cores  # general-n path: bound on the n×n work arrays per chunk


class NonConvergenceError(RuntimeError):
    """Raised when some points did not reach the residual tolerance.

    Attributes:
        count: Number of points that failed.
        total: Number of points solved.
        first: Parameters of the first failing point (dict).
    """

    def __init__(self, count: int, total: int, first: dict, tol: float, max_iter: int):
        self.count, self.total, self.first = count, total, first
        parts = ", ".join(f"{k}={v}" for k, v in first.items())
        super().__init__(
            f"{count} of {total} points did not converge to max|F| <= {tol:g} within "
            f"{max_iter} Newton iterations; first failing point: {parts}"
        )


class AlphaAboveOneWarning(RuntimeWarning):
    """Eq. 10 produced α*_i ≥ 1 (it has no barrier at α = 1); reported, not clipped."""


@dataclass(frozen=True)
class FixedPointResult:
    """Fixed points of one system over a batch.

    Attributes:
        alpha: α* of shape [..., n].
        z: Feature responses z* of shape [..., n] (Eq. 11, or its SD / B.5 counterpart).
        residual: max_i |F_i(α*)| in the original equation, shape [...].
        iterations: Damped-Newton iterations used per point (the uncoupled start not
            counted), shape [...].
        dynamics: ``"eq9"``, ``"eq10"``, ``"sd"`` or ``"b5"``.
    """

    alpha: np.ndarray
    z: np.ndarray
    residual: np.ndarray
    iterations: np.ndarray
    dynamics: str

    @property
    def alpha_ge_one(self) -> np.ndarray:
        """Boolean mask [...] of points with some α*_i ≥ 1 (possible only for Eq. 10)."""
        return np.any(self.alpha >= 1.0, axis=-1)


# --------------------------------------------------------------------------- helpers


def lambertw_real(a: np.ndarray, halley: int = 4) -> np.ndarray:
    """Principal branch W(a) for real a ≥ 0 (vectorised Halley iteration).

    Used only for the uncoupled start of Eq. 10 (v₀ = −W(A_ii)), where speed
    matters; the first-order module uses scipy.special.lambertw.

    Args:
        a: Array of a ≥ 0.
        halley: Halley steps after Winitzki's approximation (error ≲ 2 %); cubic
            convergence gives ~1e-6 after 1 step, machine precision after 2-3.

    Returns:
        W(a), accurate to a few ulp.
    """
    a = np.asarray(a, dtype=float)
    L = np.log1p(a)
    w = L * (1.0 - np.log1p(L) / (2.0 + L))  # Winitzki's approximation, within ~2 %
    for _ in range(halley):
        ew = np.exp(w)
        f = w * ew - a
        w = w - f / (ew * (w + 1.0) - (w + 2.0) * f / (2.0 * w + 2.0))
    return w


def _solve_logit_diag(c: np.ndarray, k: np.ndarray, tol: float, max_iter: int = 200):
    """Roots of log((1−α)/α) − c − k α = 0 (k > 0), elementwise.

    In u = logit α the function g(u) = −u − c − k σ(u) is strictly decreasing with
    its root bracketed in [−c − k, −c] (σ ∈ (0, 1)); safeguarded Newton (bisection
    whenever a Newton step leaves the bracket) converges for every input.

    Returns:
        (alpha, iterations, residual) with residual = |F(α)| in the original form.
    """
    c, k = np.broadcast_arrays(np.asarray(c, float), np.asarray(k, float))
    # Bracket: at the root −u = c + kσ(u) ≤ c + k eᵘ, hence u ≥ −c − W(k e^{−c});
    # and −u ≥ c, so u ≤ −c. The Eq.-10-like guess α₀ = W(k e^{−c})/k (log(1−α) ≈ 0)
    # starts inside; all iterates stay in a bracket of width ≤ W(k e^{−c}), so
    # exp never overflows.
    wk = lambertw_real(k * np.exp(-c))
    lo = -c - wk
    hi = -c.copy()
    a0 = np.minimum(wk / k, 0.5)
    u = np.clip(np.log(a0) - np.log1p(-a0), lo, hi)
    its = np.zeros(c.shape, dtype=np.int64)
    for _ in range(max_iter):
        alpha = 1.0 / (1.0 + np.exp(-u))
        F = np.log1p(-alpha) - np.log(alpha) - c - k * alpha
        res = np.abs(F)
        act = ~(res <= tol)
        if not act.any():
            return alpha, its, res
        its += act
        g = -u - c - k * alpha
        # g decreasing: g > 0 → root above u
        lo = np.where(g > 0, u, lo)
        hi = np.where(g < 0, u, hi)
        un = u + g / (1.0 + k * alpha * (1.0 - alpha))
        out = ~((un > lo) & (un < hi))
        un = np.where(out, 0.5 * (lo + hi), un)
        u = np.where(act, un, u)
    alpha = 1.0 / (1.0 + np.exp(-u))
    F = np.log1p(-alpha) - np.log(alpha) - c - k * alpha
    return alpha, its, np.abs(F)


def _coupling_matrix(s: np.ndarray, U: np.ndarray, lam: np.ndarray, dynamics: str) -> np.ndarray:
    """M with F = g(α) − M α: M = K/λ (Eq. 9) or A = λ⁻¹U(S² + λI)Uᵀ (Eq. 10)."""
    d = s * s + (lam[..., None] if dynamics == "eq10" else 0.0)
    return (U * d[..., None, :]) @ np.swapaxes(U, -1, -2) / lam[..., None, None]


def _residual_literal(alpha: np.ndarray, M: np.ndarray | None, dynamics: str, c=None, k=None) -> np.ndarray:
    """max_i |F_i(α)| of the original equation, evaluated from α."""
    if dynamics == "eq10":
        F = -np.log(alpha) - (M @ alpha[..., None])[..., 0]
    elif dynamics == "eq9":
        F = np.log1p(-alpha) - np.log(alpha) - (M @ alpha[..., None])[..., 0]
    else:
        F = np.log1p(-alpha) - np.log(alpha) - c - k * alpha
    return np.max(np.abs(F), axis=-1)


# --------------------------------------------------------------------------- n = 2


def _newton2(m11, m12, m22, kind: str, tol: float, max_iter: int):
    """Closed-form 2×2 damped Newton for F = g(α) − M α, flat arrays of one chunk.

    kind ``"eq10"``: x = log α, Newton matrix I + M diag(α).
    kind ``"eq9"``:  x = logit α, Newton matrix I + M diag(α(1−α)).
    In both, G(x) = −x − M α(x) equals F(α(x)) exactly in real arithmetic; a point
    leaves the iteration only when also the literal F(α), evaluated from α with
    np.log, meets ``tol``. Converged points are compacted away, so the work is
    proportional to the sum of per-point iterations, not to the slowest point.
    """
    N = m11.shape[0]
    out1 = np.empty(N)
    out2 = np.empty(N)
    out_it = np.zeros(N, dtype=np.int64)
    out_r = np.full(N, np.inf)
    if kind == "eq10":
        x1 = -lambertw_real(m11, 1)  # 1 Halley step (~1e-5): Newton does the rest
        x2 = -lambertw_real(m22, 1)

        amap = np.exp
    else:
        b1 = _solve_logit_diag(0.0, m11, 1e-6)[0]  # a start needs no more than 1e-6
        b2 = _solve_logit_diag(0.0, m22, 1e-6)[0]
        x1 = np.log(b1) - np.log1p(-b1)  # α → logit α
        x2 = np.log(b2) - np.log1p(-b2)

        def amap(x):
            return 1.0 / (1.0 + np.exp(-x))

    live = np.arange(N)
    a1, a2 = amap(x1), amap(x2)
    G1 = -x1 - m11 * a1 - m12 * a2
    G2 = -x2 - m12 * a1 - m22 * a2
    phi = G1 * G1 + G2 * G2
    tol2 = tol * tol
    its = np.zeros(N, dtype=np.int64)
    for it in range(max_iter + 1):
        # ‖G‖₂ ≤ tol implies max|G| ≤ tol (sufficient, slightly stricter).
        conv = phi <= tol2
        nconv = int(np.count_nonzero(conv))
        if nconv and (nconv == conv.size or nconv >= conv.size // 4 or it == max_iter):
            ci = np.nonzero(conv)[0]
            c1, c2 = a1[ci], a2[ci]
            p11, p12, p22 = m11[ci], m12[ci], m22[ci]
            if kind == "eq10":
                l1, l2 = -np.log(c1), -np.log(c2)
            else:
                l1 = np.log1p(-c1) - np.log(c1)
                l2 = np.log1p(-c2) - np.log(c2)
            lit = np.maximum(np.abs(l1 - p11 * c1 - p12 * c2), np.abs(l2 - p12 * c1 - p22 * c2))
            good = lit <= tol
            gi = ci[good]
            dst = live[gi]
            out1[dst], out2[dst], out_it[dst], out_r[dst] = a1[gi], a2[gi], its[gi], lit[good]
            keep = np.ones(conv.size, bool)
            keep[gi] = False
            if not keep.any():
                return out1, out2, out_it, out_r
            live, x1, x2, a1, a2, G1, G2 = live[keep], x1[keep], x2[keep], a1[keep], a2[keep], G1[keep], G2[keep]
            m11, m12, m22, its, phi = m11[keep], m12[keep], m22[keep], its[keep], phi[keep]
            conv = np.zeros(live.size, bool)  # survivors: not converged or failed the literal check
        if it == max_iter:
            break
        its += ~conv
        if kind == "eq10":
            d1, d2 = a1, a2
        else:
            d1 = a1 * (1.0 - a1)
            d2 = a2 * (1.0 - a2)
        # Newton matrix J = I + M D (D = diag(d)); det J > 0 since M ⪰ 0, D ≻ 0.
        j12 = m12 * d2
        j21 = m12 * d1
        j11 = m11 * d1
        j11 += 1.0
        j22 = m22 * d2
        j22 += 1.0
        det = j11 * j22
        det -= j12 * j21
        np.divide(1.0, det, out=det)
        s1 = j22 * G1
        s1 -= j12 * G2
        s1 *= det
        s2 = j11 * G2
        s2 -= j21 * G1
        s2 *= det
        y1 = x1 + s1
        y2 = x2 + s2
        b1, b2 = amap(y1), amap(y2)
        H1 = m11 * b1
        H1 += m12 * b2
        H1 += y1
        np.negative(H1, out=H1)
        H2 = m12 * b1
        H2 += m22 * b2
        H2 += y2
        np.negative(H2, out=H2)
        phin = H1 * H1
        phin += H2 * H2
        # Armijo on ‖G‖²; points already at rounding level (‖G‖ ≤ tol/10) always accept.
        # Written as ~(ok) so that a NaN trial counts as bad and is backtracked.
        ok = phin <= (1.0 - 2.0 * _ARMIJO_C) * phi
        ok |= phin <= 0.01 * tol2
        if not ok.all():
            idx = np.nonzero(~ok)[0]
            t = 1.0
            ok_any = np.zeros(idx.size, bool)
            for _ in range(_MAX_HALVINGS):
                t *= 0.5
                z1 = x1[idx] + t * s1[idx]
                z2 = x2[idx] + t * s2[idx]
                c1, c2 = amap(z1), amap(z2)
                K1 = -z1 - m11[idx] * c1 - m12[idx] * c2
                K2 = -z2 - m12[idx] * c1 - m22[idx] * c2
                pk = K1 * K1 + K2 * K2
                okh = (pk <= (1.0 - 2.0 * _ARMIJO_C * t) * phi[idx]) & ~ok_any
                if okh.any():
                    j = idx[okh]
                    y1[j], y2[j], b1[j], b2[j], H1[j], H2[j], phin[j] = (
                        z1[okh], z2[okh], c1[okh], c2[okh], K1[okh], K2[okh], pk[okh])
                    ok_any |= okh
                if ok_any.all():
                    break
            if not ok_any.all():  # stuck: keep the old point; it will be reported
                j = idx[~ok_any]
                y1[j], y2[j], b1[j], b2[j], H1[j], H2[j], phin[j] = x1[j], x2[j], a1[j], a2[j], G1[j], G2[j], phi[j]
        x1, x2, a1, a2, G1, G2, phi = y1, y2, b1, b2, H1, H2, phin
    # Not converged within max_iter: report their residual (inf if not finite).
    r = np.maximum(np.abs(G1), np.abs(G2))
    out1[live], out2[live], out_it[live] = a1, a2, its
    out_r[live] = np.where(np.isfinite(r) & (r > tol), r, np.inf)
    return out1, out2, out_it, out_r


# --------------------------------------------------------------------------- general n


def _newton_general(M: np.ndarray, kind: str, tol: float, max_iter: int):
    """Batched damped Newton for F = g(α) − M α, M of shape [N, n, n]."""
    N, n, _ = M.shape
    diag = np.diagonal(M, axis1=-2, axis2=-1)
    if kind == "eq10":
        x = -lambertw_real(diag, 1)
        amap = np.exp
    else:
        a0 = _solve_logit_diag(0.0, diag, tol)[0]
        x = np.log(a0) - np.log1p(-a0)

        def amap(v):
            return 1.0 / (1.0 + np.exp(-v))

    def Gof(xx, MM):
        aa = amap(xx)
        return aa, -xx - (MM @ aa[..., None])[..., 0]

    alpha, G = Gof(x, M)
    its = np.zeros(N, dtype=np.int64)
    eye = np.eye(n)
    lit = np.full(N, np.inf)
    for it in range(max_iter + 1):
        r = np.max(np.abs(G), axis=-1)
        act = ~(r <= tol)
        passed = np.nonzero(~act)[0]
        if passed.size:
            lit[passed] = _residual_literal(alpha[passed], M[passed], kind)
            act[passed] = ~(lit[passed] <= tol)
        if not act.any() or it == max_iter:
            break
        idx = np.nonzero(act)[0]
        its[idx] += 1
        xa, aa, Ga, Ma = x[idx], alpha[idx], G[idx], M[idx]
        d = aa if kind == "eq10" else aa * (1.0 - aa)
        J = eye + Ma * d[:, None, :]
        step = np.linalg.solve(J, Ga[..., None])[..., 0]
        phi = np.sum(Ga * Ga, axis=-1)
        t = np.ones(idx.size)
        done = np.zeros(idx.size, bool)
        xn, an, Gn = xa.copy(), aa.copy(), Ga.copy()
        for h in range(_MAX_HALVINGS + 1):
            pend = np.nonzero(~done)[0]
            xt = xa[pend] + t[pend, None] * step[pend]
            at, Gt = Gof(xt, Ma[pend])
            pt = np.sum(Gt * Gt, axis=-1)
            ok = (pt <= (1.0 - 2.0 * _ARMIJO_C * t[pend]) * phi[pend]) | (
                np.max(np.abs(Gt), axis=-1) <= 0.1 * tol
            )
            sel = pend[ok]
            xn[sel], an[sel], Gn[sel] = xt[ok], at[ok], Gt[ok]
            done[sel] = True
            if done.all():
                break
            t[pend[~ok]] *= 0.5
        x[idx], alpha[idx], G[idx] = xn, an, Gn  # stuck points keep their old value
    lit = np.where(np.isfinite(lit), lit, np.inf)
    return alpha, its, lit


# --------------------------------------------------------------------------- public


def _prepare(s, U, lam, y=None, gamma=None):
    s = check_s(s)
    n = s.shape[-1]
    U = check_U(U, n)
    lam = check_lam(lam)
    named = [("s", s.shape[:-1]), ("U", U.shape[:-2]), ("lam", lam.shape)]
    if y is not None:
        y = check_labels(y)
        if y.shape[-1:] != (n,):
            raise ValueError(f"y must have n = {n} labels on its last axis; got shape {y.shape}")
        named.append(("y", y.shape[:-1]))
    if gamma is not None:
        gamma = check_gamma(gamma)
        named.append(("gamma", gamma.shape))
    batch = broadcast_batch(*named)
    return s, U, lam, y, gamma, n, batch


def _first_failure(mask, s, U, lam, res, extra=None) -> dict:
    i = int(np.nonzero(mask)[0][0])
    d = {
        "index": i,
        "s": np.round(s[i], 15).tolist(),
        "lam": float(lam[i]),
        "U": np.round(U[i], 15).tolist() if U is not None else None,
        "residual": float(res[i]),
    }
    if extra:
        d.update({k: v[i].tolist() for k, v in extra.items()})
    return d


def solve_fixed_points(
    s: object,
    U: object,
    lam: object,
    dynamics: str = "eq10",
    *,
    y: object | None = None,
    gamma: object = 0.0,
    tol: float = 1e-12,
    max_iter: int = 100,
) -> FixedPointResult:
    """Fixed points α*, z* of Eq. 9, Eq. 10, Eq. 18 (SD) or the App. B.5 variant.

    Args:
        s: Singular values, shape [..., n], s > 0.
        U: Orthogonal matrices, shape [..., n, n].
        lam: λ > 0, shape [...].
        dynamics: ``"eq9"``, ``"eq10"`` (default), ``"sd"`` or ``"b5"``.
        y: Labels in {−1, +1}, shape [..., n]; required for ``"b5"`` only.
        gamma: Target γ of the App. B.5 loss (shape [...]); used by ``"b5"`` only.
        tol: Max-norm residual tolerance in the original F(α) (default 1e-12).
        max_iter: Newton iterations allowed per point.

    Returns:
        FixedPointResult with arrays of the broadcast batch shape.

    Raises:
        ValueError: Bad input (names the parameter and its valid range).
        NonConvergenceError: Some points missed ``tol``; names how many and the first.
    """
    if dynamics not in DYNAMICS:
        raise ValueError(f"dynamics must be one of {', '.join(DYNAMICS)}; got {dynamics!r}")
    check_positive(tol, "tol")
    if int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1; got {max_iter!r}")
    if dynamics == "b5" and y is None:
        raise ValueError("y (labels in {-1, +1}, shape [..., n]) is required for dynamics 'b5'")
    s, U, lam, y, gamma, n, batch = _prepare(s, U, lam, y if dynamics == "b5" else None,
                                              gamma if dynamics == "b5" else None)
    N = int(np.prod(batch, dtype=np.int64))
    sf = np.broadcast_to(s, batch + (n,)).reshape(N, n)
    lf = np.broadcast_to(lam, batch).reshape(N)

    if dynamics in ("sd", "b5"):
        Uf = np.broadcast_to(U, batch + (n, n)).reshape(N, n, n)
        k = np.broadcast_to((1.0 / lf)[:, None], (N, n))
        if dynamics == "sd":
            c = np.zeros((N, n))
        else:
            yf = np.broadcast_to(y, batch + (n,)).reshape(N, n)
            gf = np.broadcast_to(gamma, batch).reshape(N)
            c = gf[:, None] * yf
        alpha, its_e, res_e = _solve_logit_diag(c, k, tol)
        res = np.max(res_e, axis=-1)
        its = np.max(its_e, axis=-1)
        Ua = (np.swapaxes(Uf, -1, -2) @ alpha[..., None])[..., 0]
        z = Ua / lf[:, None] if dynamics == "sd" else (
            (np.swapaxes(Uf, -1, -2) @ (c + alpha / lf[:, None])[..., None])[..., 0])
        Ufail = Uf
    elif n == 2:
        Ub = np.broadcast_to(U, batch + (2, 2))
        u11 = np.broadcast_to(Ub[..., 0, 0], batch).reshape(N)
        u12 = np.broadcast_to(Ub[..., 0, 1], batch).reshape(N)
        u21 = np.broadcast_to(Ub[..., 1, 0], batch).reshape(N)
        u22 = np.broadcast_to(Ub[..., 1, 1], batch).reshape(N)
        alpha = np.empty((N, 2))
        z = np.empty((N, 2))
        res = np.empty(N)
        its = np.empty(N, dtype=np.int64)
        shift = 1.0 if dynamics == "eq10" else 0.0

        def work(a: int) -> None:  # one chunk; chunks write disjoint slices
            b = min(N, a + _CHUNK2)
            l = lf[a:b]
            q1 = sf[a:b, 0] ** 2
            q2 = sf[a:b, 1] ** 2
            d1 = q1 + shift * l
            d2 = q2 + shift * l
            v11, v12, v21, v22 = u11[a:b], u12[a:b], u21[a:b], u22[a:b]
            il = 1.0 / l
            m11 = (v11 * v11 * d1 + v12 * v12 * d2) * il
            m12 = (v11 * v21 * d1 + v12 * v22 * d2) * il
            m22 = (v21 * v21 * d1 + v22 * v22 * d2) * il
            a1, a2, it, r = _newton2(m11, m12, m22, dynamics, tol, max_iter)
            alpha[a:b, 0], alpha[a:b, 1] = a1, a2
            # Eq. 11: z = λ⁻¹ S² Uᵀ α
            z[a:b, 0] = q1 * il * (v11 * a1 + v21 * a2)
            z[a:b, 1] = q2 * il * (v12 * a1 + v22 * a2)
            res[a:b], its[a:b] = r, it

        starts = range(0, N, _CHUNK2)
        workers = min(_THREADS, len(starts))
        if workers > 1:
            # numpy releases the GIL inside ufunc loops: chunks run on all cores.
            with ThreadPoolExecutor(workers) as ex:
                list(ex.map(work, starts))
        else:
            for a in starts:
                work(a)
        Ufail = None
    else:
        Uf = np.broadcast_to(U, batch + (n, n)).reshape(N, n, n)
        alpha = np.empty((N, n))
        res = np.empty(N)
        its = np.empty(N, dtype=np.int64)
        chunk = max(1, _GENERAL_BYTES // (8 * n * n * 6))
        for a in range(0, N, chunk):
            b = min(N, a + chunk)
            M = _coupling_matrix(sf[a:b], Uf[a:b], lf[a:b], dynamics)
            alpha[a:b], its[a:b], res[a:b] = _newton_general(M, dynamics, tol, max_iter)
        Ut_a = (np.swapaxes(Uf, -1, -2) @ alpha[..., None])[..., 0]
        z = sf * sf / lf[:, None] * Ut_a  # Eq. 11
        Ufail = Uf

    failed = ~(res <= tol) | ~np.all(np.isfinite(alpha), axis=-1)
    if failed.any():
        if Ufail is None:
            Ufail = np.broadcast_to(U, batch + (n, n)).reshape(N, n, n)
        raise NonConvergenceError(
            int(failed.sum()), N, _first_failure(failed, sf, Ufail, lf, res), tol, max_iter
        )
    if dynamics == "eq10":
        above = np.any(alpha >= 1.0, axis=-1)
        if above.any():
            warnings.warn(
                f"Eq. 10 fixed point has some alpha_i >= 1 at {int(above.sum())} of {N} points "
                "(Eq. 10 has no barrier at alpha = 1; values are exact roots, not clipped)",
                AlphaAboveOneWarning,
                stacklevel=2,
            )
    return FixedPointResult(
        alpha=alpha.reshape(batch + (n,)),
        z=z.reshape(batch + (n,)),
        residual=res.reshape(batch),
        iterations=its.reshape(batch),
        dynamics=dynamics,
    )
