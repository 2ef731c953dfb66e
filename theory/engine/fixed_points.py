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

Method (every stage judged by the same relative stopping rule, below):
1. n = 2, Eq. 9/10: a closed-form 2×2 damped Newton (explicit inverse, flat arrays,
   cache-sized chunks on all cores), started from the uncoupled solution.
2. General n, and the n = 2 points stage 1 leaves: globalised Newton in working
   coordinates (log α for Eq. 10, logit α otherwise) with a trust radius that widens
   when capped steps succeed, and a line search over two paths (straight in x and
   straight in α) accepting a step that increases the concave dual objective (Eq. 8,
   resp. its Taylor form) or decreases ‖F‖².
3. Points still unresolved: continuation in the coupling, M(τ) = diag M + τ offdiag M,
   τ = 1e-6 … 1, from the exact uncoupled root.
4. Last resort (≤ 200 points per call): Newton at 40 digits with mpmath.
SD and B.5 are n independent scalar equations: safeguarded Newton in a bracket.

Stopping rule (relative to the size of the terms): max_i |F_i(α)| / S_i ≤ tol (default
1e-12) with S_i = 1 + |log α_i| + |log(1 − α_i)| + |c_i| + Σ_j P_ij α_j, P the entrywise
magnitudes of the products forming M α; F is evaluated from α (and 1 − α, kept
separately so that an α that rounds to 1 keeps its complement), never in the working
coordinates. Where α or 1 − α underflows float64, F is evaluated at 40 digits. The
reported ``residual`` is max_i |F_i|, the larger of two float64 evaluations (M α and
λ⁻¹U(D(Uᵀα))), and where both are exactly 0 a longdouble one. Points that miss the
rule after all stages raise ``NonConvergenceError`` with their true residual.
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
        self.residual = first.get("residual")
        parts = ", ".join(f"{k}={v}" for k, v in first.items())
        super().__init__(
            f"{count} of {total} points did not converge to max_i |F_i|/S_i <= {tol:g} "
            f"(damped Newton, {max_iter} iterations per stage, continuation in the coupling, "
            f"mpmath polish); first failing point: {parts}"
        )


class AlphaAboveOneWarning(RuntimeWarning):
    """Eq. 10 produced α*_i ≥ 1 (it has no barrier at α = 1); reported, not clipped."""


@dataclass(frozen=True)
class FixedPointResult:
    """Fixed points of one system over a batch.

    Attributes:
        alpha: α* of shape [..., n].
        z: Feature responses z* of shape [..., n] (Eq. 11, or its SD / B.5 counterpart).
        residual: max_i |F_i(α*)| in the original equation, recomputed from α* (and
            1 − α*) in float64 after the solve, shape [...].
        iterations: Damped-Newton iterations used per point (the uncoupled start not
            counted), shape [...].
        dynamics: ``"eq9"``, ``"eq10"``, ``"sd"`` or ``"b5"``.
        relative_residual: max_i |F_i|/S_i, the quantity the stopping rule bounds (see
            ``solve_fixed_points``), shape [...].
        alpha_c: 1 − α* computed from the working coordinate, not by subtraction (Eq. 9,
            SD, B.5; None for Eq. 10): exact where α* rounds to 1 in float64.
    """

    alpha: np.ndarray
    z: np.ndarray
    residual: np.ndarray
    iterations: np.ndarray
    dynamics: str
    relative_residual: np.ndarray | None = None
    alpha_c: np.ndarray | None = None

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
    whenever a Newton step leaves the bracket) converges for every input. Stopping
    rule: |g(u)| ≤ tol·(1 + |u| + |c| + kα), relative to the size of the terms.

    Returns:
        (alpha, iterations, |g(u)|, u).
    """
    c, k = np.broadcast_arrays(np.asarray(c, float), np.asarray(k, float))
    # Bracket: at the root −u = c + kσ(u) ≤ c + k eᵘ, hence u ≥ −c − W(k e^{−c});
    # and −u ≥ c, so u ≤ −c. The Eq.-10-like guess α₀ = W(k e^{−c})/k (log(1−α) ≈ 0)
    # starts inside; all iterates stay in a bracket of width ≤ W(k e^{−c}), so
    # exp never overflows. For c < −700 (k e^{−c} overflows) the bracket is [−c − k, −c].
    with np.errstate(all="ignore"):
        wk = lambertw_real(k * np.exp(-c))
        wk = np.where(np.isfinite(wk), wk, k)
        lo = -c - wk
        hi = -c.copy()
        a0 = np.minimum(wk / k, 0.5)
        u = np.clip(np.log(a0) - np.log1p(-a0), lo, hi)
    its = np.zeros(c.shape, dtype=np.int64)
    for _ in range(max_iter):
        with np.errstate(over="ignore"):
            # α = σ(u) with relative accuracy (e^{−u} overflows only where α < 1e-308).
            alpha = 1.0 / (1.0 + np.exp(-u))
        g = -u - c - k * alpha
        act = ~(np.abs(g) <= tol * (1.0 + np.abs(u) + np.abs(c) + k * alpha))
        if not act.any():
            return alpha, its, np.abs(g), u
        its += act
        # g decreasing: g > 0 → root above u
        lo = np.where(g > 0, u, lo)
        hi = np.where(g < 0, u, hi)
        un = u + g / (1.0 + k * alpha * (1.0 - alpha))
        out = ~((un > lo) & (un < hi))
        un = np.where(out, 0.5 * (lo + hi), un)
        u = np.where(act, un, u)
    with np.errstate(over="ignore"):
        alpha = 1.0 / (1.0 + np.exp(-u))
    return alpha, its, np.abs(-u - c - k * alpha), u


def _coupling_matrix(s: np.ndarray, U: np.ndarray, lam: np.ndarray, dynamics: str):
    """M with F = g(α) − M α: M = K/λ (Eq. 9) or A = λ⁻¹U(S² + λI)Uᵀ (Eq. 10), and the
    magnitudes P = λ⁻¹|U|(S² [+ λI])|U|ᵀ of the products that form M α (the scale of
    its rounding, used by the relative stopping rule)."""
    d = s * s + (lam[..., None] if dynamics == "eq10" else 0.0)
    UT = np.swapaxes(U, -1, -2)
    il = 1.0 / lam[..., None, None]
    M = (U * d[..., None, :]) @ UT * il
    aU = np.abs(U)
    P = (aU * d[..., None, :]) @ np.swapaxes(aU, -1, -2) * il
    return M, P


def _finish(x, kind, c, s, U, lam, M, P):
    """α, 1 − α from x, and the literal residual of F(α) evaluated twice from α, in the
    coupling-matrix form (M α) and in the factored form λ⁻¹U(D(Uᵀα)) that no solver
    path uses; both are reported (max), so rounding in either shows.

    Returns:
        (alpha, alpha_c or None, residual = max_i |F_i|, relative = max_i |F_i|/S_i).
    """
    with np.errstate(all="ignore"):
        if kind == "eq10":
            a, ac = np.exp(x), None
        else:
            a, ac = np.exp(-np.logaddexp(0.0, -x)), np.exp(-np.logaddexp(0.0, x))
        F, S = _literal(a, ac, kind, c, M, P)
        if U is not None:
            d = s * s + (lam[:, None] if kind == "eq10" else 0.0)
            w = (np.swapaxes(U, -1, -2) @ a[..., None])[..., 0]
            Mf = (U @ (d / lam[:, None] * w)[..., None])[..., 0]
            Ff = F + (M @ a[..., None])[..., 0] - Mf
            F = np.maximum(np.abs(F), np.abs(Ff))
        F = np.where(np.isfinite(F), np.abs(F), np.inf)
        res, rel = np.max(F, axis=-1), np.max(F / S, axis=-1)
        low = np.any(a < _TINY, axis=-1) if ac is None else np.any(np.minimum(a, ac) < _TINY, axis=-1)
        rel[low] = np.inf
    for i in np.nonzero(~np.isfinite(rel))[0]:
        # α_i or 1 − α_i underflows float64 (|x_i| > ~745): F(α) is evaluated from α at
        # 40 digits instead (α formed from x there, then the original equation).
        res[i], rel[i] = _literal_mp(x[i], kind, c[i], M[i], P[i], None if U is None else (s[i], U[i], lam[i]))
    return a, ac, res, rel


def _residual_ld(alpha, alpha_c, kind, c, lin):
    """max_i |F_i(α)| in extended precision (np.longdouble) from the float64 α, 1 − α.

    ``lin(a)`` returns the linear term (M α, or its B.5/SD form) in longdouble. Used only
    where both float64 evaluations gave exactly 0, so that a reported 0 means a residual
    below longdouble's resolution, not a lucky cancellation in float64.
    """
    a = alpha.astype(np.longdouble)
    with np.errstate(all="ignore"):
        g = -np.log(a) if kind == "eq10" else np.log(alpha_c.astype(np.longdouble)) - np.log(a)
    F = np.abs(g - c - lin(a))
    return np.max(F, axis=-1).astype(float)


def _zero_fix(res, alpha, alpha_c, kind, c, s=None, U=None, lam=None, k=None):
    """Replace exact-0 float64 residuals by the longdouble residual (see _residual_ld)."""
    low = alpha if alpha_c is None else np.minimum(alpha, alpha_c)
    # Rows with an underflowed α were evaluated at 40 digits already (_literal_mp).
    z = np.nonzero((res == 0.0) & np.all(low >= _TINY, axis=-1))[0]
    if z.size == 0:
        return res
    ac = None if alpha_c is None else alpha_c[z]
    if U is not None:
        sl, Ul, ll = (np.asarray(v, np.longdouble) for v in (s[z], U[z], lam[z]))
        d = sl * sl + (ll[:, None] if kind == "eq10" else 0)

        def lin(a):
            w = (np.swapaxes(Ul, -1, -2) @ a[..., None])[..., 0] * d / ll[:, None]
            return (Ul @ w[..., None])[..., 0]
    else:
        kl = np.asarray(k[z], np.longdouble)

        def lin(a):
            return kl * a
    res[z] = _residual_ld(alpha[z], ac, kind, np.asarray(c[z], np.longdouble), lin)
    return res


def _literal_mp(x, kind, c, M, P, factored, dps: int = 40):
    """max_i |F_i(α)| and max_i |F_i|/S_i of one point at ``dps`` digits (see ``_literal``)."""
    import mpmath

    n = len(x)
    with mpmath.workdps(dps):
        xm = [mpmath.mpf(float(v)) for v in x]
        if kind == "eq10":
            a = [mpmath.exp(v) for v in xm]
            g = [-mpmath.log(v) for v in a]
            gs = [abs(v) for v in g]
        else:
            a = [1 / (1 + mpmath.exp(-v)) for v in xm]
            ac = [1 / (1 + mpmath.exp(v)) for v in xm]
            g = [mpmath.log(ac[i]) - mpmath.log(a[i]) for i in range(n)]
            gs = [abs(mpmath.log(ac[i])) + abs(mpmath.log(a[i])) for i in range(n)]
        if factored is not None:
            s, U, lam = factored
            d = [mpmath.mpf(float(v)) ** 2 + (mpmath.mpf(float(lam)) if kind == "eq10" else 0) for v in s]
            w = [sum(mpmath.mpf(float(U[j, k])) * a[j] for j in range(n)) * d[k] / mpmath.mpf(float(lam))
                 for k in range(n)]
            Ma = [sum(mpmath.mpf(float(U[i, k])) * w[k] for k in range(n)) for i in range(n)]
        else:
            Ma = [sum(mpmath.mpf(float(M[i, j])) * a[j] for j in range(n)) for i in range(n)]
        F = [abs(g[i] - float(c[i]) - Ma[i]) for i in range(n)]
        S = [1 + gs[i] + abs(float(c[i])) + sum(mpmath.mpf(float(P[i, j])) * a[j] for j in range(n))
             for i in range(n)]
        return float(max(F)), float(max(F[i] / S[i] for i in range(n)))


# --------------------------------------------------------------------------- n = 2


def _newton2(m11, m12, m22, p11, p12, p22, kind: str, tol: float, max_iter: int):
    """Closed-form 2×2 damped Newton for F = g(α) − M α, flat arrays of one chunk.

    kind ``"eq10"``: x = log α, Newton matrix I + M diag(α).
    kind ``"eq9"``:  x = logit α, Newton matrix I + M diag(α(1−α)).
    In both, G(x) = −x − M α(x) equals F(α(x)) exactly in real arithmetic. A point
    leaves when |G_i| ≤ tol·S_i (S_i = 1 + |x_i| + Σ_j P_ij α_j, a lower bound of the
    size of F_i's terms, so the test is never looser than the final one); the caller
    re-checks every point on the literal F(α) and sends failures to the robust solver.
    Converged points are compacted away, so the work is proportional to the sum of
    per-point iterations, not to the slowest point.

    Returns:
        (x1, x2, iterations, ok): working coordinates, iterations, and whether the
        point met the test (False: stuck or out of iterations).
    """
    N = m11.shape[0]
    out1 = np.empty(N)
    out2 = np.empty(N)
    out_it = np.zeros(N, dtype=np.int64)
    out_ok = np.zeros(N, bool)
    if kind == "eq10":
        x1 = -lambertw_real(m11, 1)  # 1 Halley step (~1e-5): Newton does the rest
        x2 = -lambertw_real(m22, 1)

        amap = np.exp
    else:
        zero = np.zeros(N)
        x1 = _solve_logit_diag(zero, m11, 1e-6)[3]  # a start needs no more than 1e-6
        x2 = _solve_logit_diag(zero, m22, 1e-6)[3]

        def amap(x):
            return 1.0 / (1.0 + np.exp(-x))

    live = np.arange(N)
    a1, a2 = amap(x1), amap(x2)
    G1 = -x1 - m11 * a1 - m12 * a2
    G2 = -x2 - m12 * a1 - m22 * a2
    phi = G1 * G1 + G2 * G2
    tol2 = tol * tol
    its = np.zeros(N, dtype=np.int64)
    stuck = np.zeros(N, bool)
    for it in range(max_iter + 1):
        S1 = 1.0 + np.abs(x1) + p11 * a1 + p12 * a2
        S2 = 1.0 + np.abs(x2) + p12 * a1 + p22 * a2
        conv = (G1 * G1 <= tol2 * S1 * S1) & (G2 * G2 <= tol2 * S2 * S2)
        out = conv | stuck
        nout = int(np.count_nonzero(out))
        if nout and (nout == out.size or nout >= out.size // 4 or it == max_iter):
            gi = np.nonzero(out)[0]
            dst = live[gi]
            out1[dst], out2[dst], out_it[dst], out_ok[dst] = x1[gi], x2[gi], its[gi], conv[gi]
            keep = ~out
            if not keep.any():
                return out1, out2, out_it, out_ok
            live, x1, x2, a1, a2, G1, G2 = live[keep], x1[keep], x2[keep], a1[keep], a2[keep], G1[keep], G2[keep]
            m11, m12, m22, its, phi = m11[keep], m12[keep], m22[keep], its[keep], phi[keep]
            p11, p12, p22, S1, S2 = p11[keep], p12[keep], p22[keep], S1[keep], S2[keep]
            conv = np.zeros(live.size, bool)
            stuck = np.zeros(live.size, bool)
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
        # Armijo on ‖G‖²; points already at rounding level (|G_i| ≤ tol S_i / 10) always accept.
        # Written as ~(ok) so that a NaN trial counts as bad and is backtracked.
        ok = phin <= (1.0 - 2.0 * _ARMIJO_C) * phi
        ok |= (H1 * H1 <= 0.01 * tol2 * S1 * S1) & (H2 * H2 <= 0.01 * tol2 * S2 * S2)
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
            if not ok_any.all():  # stuck: keep the old point; the robust solver takes it
                j = idx[~ok_any]
                y1[j], y2[j], b1[j], b2[j], H1[j], H2[j], phin[j] = x1[j], x2[j], a1[j], a2[j], G1[j], G2[j], phi[j]
                stuck[j] = True
        x1, x2, a1, a2, G1, G2, phi = y1, y2, b1, b2, H1, H2, phin
    out1[live], out2[live], out_it[live], out_ok[live] = x1, x2, its, False
    return out1, out2, out_it, out_ok


# --------------------------------------------------------------------------- general n


def _eval(x: np.ndarray, kind: str, c: np.ndarray, M: np.ndarray):
    """α, 1 − α (logit kinds), log α, log(1 − α) and G(x) = −x − c − M α(x).

    In logit coordinates α and 1 − α are both formed from x with relative accuracy
    (log α = −log(1 + e^{−x}), log(1 − α) = −log(1 + e^{x})), so an α that rounds to 1
    keeps its complement.
    """
    if kind == "eq10":
        la = x
        a = np.exp(x)
        lac = ac = None
    else:
        la = -np.logaddexp(0.0, -x)
        lac = -np.logaddexp(0.0, x)
        a, ac = np.exp(la), np.exp(lac)
    G = -x - c - (M @ a[..., None])[..., 0]
    return a, ac, la, lac, G


def _objective(a, ac, la, lac, kind, c, M):
    """The concave dual objective whose gradient in α is F (Eq. 8 for Eq. 9; its Taylor form
    Σ(α − α log α) − ½αᵀAα for Eq. 10); F = ∇L, so a Newton step is an ascent direction."""
    quad = 0.5 * np.sum(a * (M @ a[..., None])[..., 0], axis=-1)
    if kind == "eq10":
        return np.sum(a - a * la, axis=-1) - quad
    return np.sum(-a * la - ac * lac - c * a, axis=-1) - quad


def _literal(a, ac, kind, c, M, P):
    """F(α) of the original equation from (α, 1 − α) and the size S of its terms.

    S_i = 1 + |log α_i| + |log(1 − α_i)| + |c_i| + Σ_j P_ij α_j, with P = |U| D |U|ᵀ/λ the
    entrywise magnitudes of the products forming M α (the leading 1 is the size of the
    derivative of log α in α's relative rounding).
    """
    la = np.log(a)
    if kind == "eq10":
        g, gs = -la, np.abs(la)
    else:
        lac = np.log(ac)
        g, gs = lac - la, np.abs(la) + np.abs(lac)
    F = g - c - (M @ a[..., None])[..., 0]
    S = 1.0 + gs + np.abs(c) + (P @ a[..., None])[..., 0]
    return F, S


_TINY = np.finfo(float).tiny  # below it α is subnormal: log α loses its relative accuracy
_MP_MAX = 200  # points per call given the per-point mpmath polish; more raise at once
_STEP_CAP = 30.0  # max change of a working coordinate per step: e^30 ~ 1e13, keeps exp finite


def _newton_robust(M, P, c, kind: str, tol: float, max_iter: int, x0: np.ndarray):
    """Globalised Newton for G(x) = −x − c − M α(x) = 0, M of shape [N, n, n] (M ⪰ 0).

    Direction: the Newton step s solves (I + M D) s = G (D = dα/dx), computed in the
    symmetric form (I + D^½ M D^½) y = D^½ G, s = D^{−½} y (eigenvalues ≥ 1, so the
    solve is well conditioned from below). The step is capped at a trust radius per
    coordinate (``_STEP_CAP`` at first, widened ×4 after a capped step is taken whole),
    then backtracked until it either increases the
    concave objective L (Armijo, slope Gᵀ D s > 0) or decreases ‖G‖² (Armijo); L's test
    carries the globalisation, ‖G‖'s the final digits where L is flat to rounding.

    Returns:
        (x, iterations, converged) with converged judged by the relative rule on the
        literal F(α) (see ``_literal``).
    """
    N, n = c.shape
    x = x0.copy()
    a, ac, la, lac, G = _eval(x, kind, c, M)
    L = _objective(a, ac, la, lac, kind, c, M)
    its = np.zeros(N, dtype=np.int64)
    live = np.ones(N, bool)
    conv = np.zeros(N, bool)
    radius = np.full(N, _STEP_CAP)
    eye = np.eye(n)
    for it in range(max_iter + 1):
        idx = np.nonzero(live)[0]
        if idx.size == 0:
            break
        with np.errstate(all="ignore"):
            F, S = _literal(a[idx], None if ac is None else ac[idx], kind, c[idx], M[idx], P[idx])
            ok = np.all(np.abs(F) <= tol * S, axis=-1)
            # α or 1 − α underflowed (|x| > ~745): judge on G with the same scale; the
            # caller re-checks such points on F(α) at extended precision (_literal_mp).
            under = ~np.all(np.isfinite(F), axis=-1) | np.any(a[idx] < _TINY, axis=-1)
            if ac is not None:
                under |= np.any(ac[idx] < _TINY, axis=-1)
            ok &= ~under  # an infinite F over an infinite S is no pass
            if under.any():
                Sx = 1.0 + np.abs(x[idx]) + np.abs(c[idx]) + (P[idx] @ a[idx][..., None])[..., 0]
                ok |= under & np.all(np.abs(G[idx]) <= tol * Sx, axis=-1)
        conv[idx[ok]] = True
        live[idx[ok]] = False
        idx = idx[~ok]
        if idx.size == 0 or it == max_iter:
            break
        its[idx] += 1
        xa, Ga, Ma, La, ca = x[idx], G[idx], M[idx], L[idx], c[idx]
        d = a[idx] if kind == "eq10" else a[idx] * ac[idx]
        d = np.maximum(d, 1e-300)  # an underflowed α keeps a finite (huge) step, capped below
        sq = np.sqrt(d)
        B = sq[:, :, None] * Ma * sq[:, None, :]
        y = np.linalg.solve(eye + B, (sq * Ga)[..., None])[..., 0]
        step = y / sq
        slope = np.sum(sq * Ga * y, axis=-1)  # Gᵀ D s = dL/dt at t = 0, > 0
        phi = np.sum(Ga * Ga, axis=-1)
        smax = np.max(np.abs(step), axis=-1)
        t = np.minimum(1.0, radius[idx] / smax)
        t0 = t.copy()
        done = np.zeros(idx.size, bool)
        for _ in range(_MAX_HALVINGS + 20):
            pend = np.nonzero(~done)[0]
            if pend.size == 0:
                break
            ts = t[pend, None] * step[pend]
            with np.errstate(all="ignore"):
                cands = []
                # Path 1, straight in x: α changes multiplicatively (far moves, underflow).
                # Path 2, straight in α (α + t D s, written in x): keeps the linear part
                # M α exactly on its Newton line, which a narrow valley (M nearly rank-
                # deficient with huge eigenvalues) needs; infeasible points are rejected.
                if kind == "eq10":
                    x2 = xa[pend] + np.log1p(ts)
                else:
                    x2 = xa[pend] + np.log1p(ac[idx][pend] * ts) - np.log1p(-a[idx][pend] * ts)
                for xt in (xa[pend] + ts, x2):
                    at, act, lat, lact, Gt = _eval(xt, kind, ca[pend], Ma[pend])
                    Lt = _objective(at, act, lat, lact, kind, ca[pend], Ma[pend])
                    pt = np.sum(Gt * Gt, axis=-1)
                    good = (Lt >= La[pend] + _ARMIJO_C * t[pend] * slope[pend]) | (
                        pt <= (1.0 - 2.0 * _ARMIJO_C * t[pend]) * phi[pend])
                    good &= np.all(np.isfinite(Gt), axis=-1) & np.all(np.isfinite(xt), axis=-1)
                    cands.append((xt, at, act, lat, lact, Gt, Lt, good))
                c1, c2 = cands
                pick2 = c2[7] & (~c1[7] | (c2[6] > c1[6]))
                xt, at, act, lat, lact, Gt, Lt = (
                    None if u is None else np.where(pick2[:, None] if u.ndim == 2 else pick2, v, u)
                    for u, v in zip(c1[:7], c2[:7]))
                good = c1[7] | c2[7]
            g = idx[pend[good]]
            x[g], a[g], la[g], G[g], L[g] = xt[good], at[good], lat[good], Gt[good], Lt[good]
            if ac is not None:
                ac[g], lac[g] = act[good], lact[good]
            done[pend[good]] = True
            t[pend[~good]] *= 0.5
        live[idx[~done]] = False  # stuck: no acceptable step; left to the fallbacks
        # Trust radius: a capped step taken whole widens it (a coordinate that must travel
        # far, e.g. an α that underflows, gets there in O(log distance) steps); a
        # backtracked one shrinks it to what was taken (never below _STEP_CAP).
        full = done & (t == t0) & (t0 < 1.0)
        radius[idx[full]] *= 4.0
        cut = done & (t < t0)
        radius[idx[cut]] = np.maximum(_STEP_CAP, t[cut] * smax[cut])
    return x, its, conv


def _newton_general(M, P, c, kind: str, tol: float, max_iter: int):
    """Uncoupled start (M's off-diagonal dropped, solved exactly), then ``_newton_robust``."""
    diag = np.diagonal(M, axis1=-2, axis2=-1)
    if kind == "eq10":
        x0 = -lambertw_real(diag)
    else:
        x0 = _solve_logit_diag(c, diag, tol)[3]
    return _newton_robust(M, P, c, kind, tol, max_iter, x0)


def _continuation(M, P, c, kind: str, tol: float, max_iter: int, steps: int = 24):
    """Homotopy in the coupling: M(τ) = diag(M) + τ offdiag(M), τ = 0 → 1.

    At τ = 0 the root is the exact uncoupled one; each τ is warm-started from the last,
    τ rising geometrically (1e-6 … 1 over ``steps`` values, then 1). Used for points
    that the direct solve left stuck.
    """
    n = M.shape[-1]
    off = M * (1.0 - np.eye(n))
    Dm = M - off
    x = _newton_general(Dm, P, c, kind, tol, max_iter)[0]
    for tau in np.concatenate([np.logspace(-6, 0, steps)]):
        x, _, _ = _newton_robust(Dm + tau * off, P, c, kind, tol, max_iter, x)
    return _newton_robust(M, P, c, kind, tol, max_iter, x)[0]


def _mp_polish(M, P, c, kind: str, x: np.ndarray, tol: float, dps: int = 40):
    """Last resort: Newton in mpmath at ``dps`` digits from x, one point (per-point loop
    over the few points float64 could not resolve). Returns the refined x (float64)."""
    import mpmath

    n = len(c)
    with mpmath.workdps(dps):
        Mm = mpmath.matrix(M.tolist())
        cm = [mpmath.mpf(float(v)) for v in c]
        xm = mpmath.matrix([mpmath.mpf(float(v)) for v in x])

        def alpha(v):
            return mpmath.exp(v) if kind == "eq10" else 1 / (1 + mpmath.exp(-v))

        for _ in range(200):
            a = mpmath.matrix([alpha(v) for v in xm])
            G = mpmath.matrix([-xm[i] - cm[i] for i in range(n)]) - Mm * a
            d = [a[i] if kind == "eq10" else a[i] * (1 - a[i]) for i in range(n)]
            J = mpmath.eye(n) + Mm * mpmath.diag(d)
            stp = mpmath.lu_solve(J, G)
            t = mpmath.mpf(1)
            phi = mpmath.norm(G) ** 2
            mx = max(abs(v) for v in stp)
            if mx * t > _STEP_CAP:
                t = _STEP_CAP / mx
            while True:
                xt = xm + t * stp
                at = mpmath.matrix([alpha(v) for v in xt])
                Gt = mpmath.matrix([-xt[i] - cm[i] for i in range(n)]) - Mm * at
                if mpmath.norm(Gt) ** 2 <= (1 - 2 * _ARMIJO_C * t) * phi or t < mpmath.mpf(2) ** -80:
                    break
                t /= 2
            xm = xt
            if mpmath.norm(Gt) < mpmath.mpf(10) ** (-dps + 8) * (1 + mpmath.norm(xm)):
                break
        return np.array([float(v) for v in xm])


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


def _first_failure(mask, s, U, lam, res, rel, extra=None) -> dict:
    i = int(np.nonzero(mask)[0][0])
    d = {
        "index": i,
        "s": np.round(s[i], 15).tolist(),
        "lam": float(lam[i]),
        "U": np.round(U[i], 15).tolist() if U is not None else None,
        "residual": float(res[i]),
        "relative_residual": float(rel[i]),
    }
    if extra:
        d.update({k: v[i].tolist() for k, v in extra.items()})
    return d


def _rescue(M, P, c, kind, tol, max_iter, s, U, lam, tried_direct: bool):
    """Points a fast path left unresolved: robust Newton, then continuation in the
    coupling, then mpmath; returns (x, extra iterations, α, 1 − α, residual, relative)."""
    N = M.shape[0]
    its = np.zeros(N, dtype=np.int64)
    if not tried_direct:
        x, it1, _ = _newton_general(M, P, c, kind, tol, max_iter)
        its += it1
    else:
        x = np.zeros(c.shape)
    alpha, ac, res, rel = _finish(x, kind, c, s, U, lam, M, P)
    bad = ~(rel <= tol)
    if bad.any():
        i = np.nonzero(bad)[0]
        x[i] = _continuation(M[i], P[i], c[i], kind, tol, max_iter)
        its[i] += max_iter  # continuation: many small solves; counted as max_iter
        alpha, ac, res, rel = _finish(x, kind, c, s, U, lam, M, P)
        bad = ~(rel <= tol)
    for i in np.nonzero(bad)[0][:_MP_MAX]:  # last resort, per point: extended precision
        x[i] = _mp_polish(M[i], P[i], c[i], kind, x[i], tol)
    if bad.any():
        alpha, ac, res, rel = _finish(x, kind, c, s, U, lam, M, P)
    return x, its, alpha, ac, res, rel


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

    Stopping rule (relative to the size of the terms): a point is converged when, in
    the original equation evaluated from α (and 1 − α) in float64,

        max_i |F_i(α)| / S_i ≤ tol,   S_i = 1 + |log α_i| + |log(1 − α_i)| + |c_i| + Σ_j P_ij α_j,

    where c is B.5's γy (else 0) and P = λ⁻¹|U|(S² [+ λI])|U|ᵀ the magnitudes of the
    products forming M α (Eq. 10 has no log(1 − α) term). When the terms are O(1) this
    is an absolute ~1e-12; when they are ~1e8 it asks for what float64 can deliver
    (|F_i| ≲ n·ε·S_i). ``residual`` is max_i |F_i| itself, recomputed from α after the
    solve in two forms (M α and λ⁻¹U(D(Uᵀα)), the larger reported), never in the
    working coordinates.

    Args:
        s: Singular values, shape [..., n], s > 0.
        U: Orthogonal matrices, shape [..., n, n].
        lam: λ > 0, shape [...].
        dynamics: ``"eq9"``, ``"eq10"`` (default), ``"sd"`` or ``"b5"``.
        y: Labels in {−1, +1}, shape [..., n]; required for ``"b5"`` only.
        gamma: Target γ of the App. B.5 loss (shape [...]); used by ``"b5"`` only.
        tol: Relative residual tolerance (default 1e-12, see above).
        max_iter: Newton iterations allowed per point and per stage.

    Returns:
        FixedPointResult with arrays of the broadcast batch shape.

    Raises:
        ValueError: Bad input (names the parameter and its valid range).
        NonConvergenceError: Some points missed ``tol`` after damped Newton, continuation
            in the coupling and an mpmath polish; names how many, the first and its
            true residual.
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
    kind = "eq10" if dynamics == "eq10" else "logit"
    alpha_c = None

    if dynamics in ("sd", "b5"):
        Uf = np.broadcast_to(U, batch + (n, n)).reshape(N, n, n)
        k = np.broadcast_to((1.0 / lf)[:, None], (N, n))
        if dynamics == "sd":
            c = np.zeros((N, n))
        else:
            yf = np.broadcast_to(y, batch + (n,)).reshape(N, n)
            gf = np.broadcast_to(gamma, batch).reshape(N)
            c = gf[:, None] * yf
        alpha, its_e, _, u = _solve_logit_diag(c, k, tol)
        alpha_c = np.exp(-np.logaddexp(0.0, u))  # 1 − α from u, not by subtraction
        with np.errstate(all="ignore"):
            la, lac = np.log(alpha), np.log(alpha_c)
            F = np.abs(lac - la - c - k * alpha)
            S = 1.0 + np.abs(la) + np.abs(lac) + np.abs(c) + k * alpha
            F = np.where(np.isfinite(F), F, np.inf)
            res, rel = np.max(F, axis=-1), np.max(F / S, axis=-1)
        low = np.any(np.minimum(alpha, alpha_c) < _TINY, axis=-1)
        rel[low] = np.inf
        for i in np.nonzero(~np.isfinite(rel))[0]:  # α or 1 − α underflowed: check at 40 digits
            Mi = np.diag(k[i])
            res[i], rel[i] = _literal_mp(u[i], "logit", c[i], Mi, Mi, None)
        res = _zero_fix(res, alpha, alpha_c, "logit", c, k=k)
        its = np.max(its_e, axis=-1)
        Ua = (np.swapaxes(Uf, -1, -2) @ alpha[..., None])[..., 0]
        z = Ua / lf[:, None] if dynamics == "sd" else (
            (np.swapaxes(Uf, -1, -2) @ (c + alpha / lf[:, None])[..., None])[..., 0])
        Ufail = Uf
    else:
        alpha = np.empty((N, n))
        alpha_c = np.empty((N, n)) if kind == "logit" else None
        res = np.empty(N)
        rel = np.empty(N)
        its = np.empty(N, dtype=np.int64)
        Uf = np.broadcast_to(U, batch + (n, n)).reshape(N, n, n)
        if n == 2:
            xs = np.empty((N, 2))
            shift = 1.0 if dynamics == "eq10" else 0.0

            def work(a: int) -> None:  # one chunk; chunks write disjoint slices
                b = min(N, a + _CHUNK2)
                l = lf[a:b]
                q1 = sf[a:b, 0] ** 2
                q2 = sf[a:b, 1] ** 2
                d1 = q1 + shift * l
                d2 = q2 + shift * l
                v11, v12, v21, v22 = Uf[a:b, 0, 0], Uf[a:b, 0, 1], Uf[a:b, 1, 0], Uf[a:b, 1, 1]
                il = 1.0 / l
                e1, e2 = d1 * il, d2 * il
                m11 = v11 * v11 * e1 + v12 * v12 * e2
                m12 = v11 * v21 * e1 + v12 * v22 * e2
                m22 = v21 * v21 * e1 + v22 * v22 * e2
                p12 = np.abs(v11 * v21) * e1 + np.abs(v12 * v22) * e2
                x1, x2, it, _ = _newton2(m11, m12, m22, m11, p12, m22, dynamics, tol, max_iter)
                xs[a:b, 0], xs[a:b, 1] = x1, x2
                # Final check from α (flat form of _finish): M α and λ⁻¹U(D(Uᵀα)).
                with np.errstate(all="ignore"):
                    if kind == "eq10":
                        a1, a2 = np.exp(x1), np.exp(x2)
                        g1, g2 = -np.log(a1), -np.log(a2)
                        S1, S2 = 1.0 + np.abs(g1), 1.0 + np.abs(g2)
                    else:
                        # α = σ(x), 1 − α = σ(−x), each with relative accuracy: e = e^{−|x|} ≤ 1,
                        # σ(|x|) = 1/(1 + e), σ(−|x|) = e/(1 + e).
                        t1, t2 = np.exp(-np.abs(x1)), np.exp(-np.abs(x2))
                        r1, r2 = 1.0 / (1.0 + t1), 1.0 / (1.0 + t2)
                        t1 *= r1
                        t2 *= r2
                        pos1, pos2 = x1 >= 0, x2 >= 0
                        a1, c1 = np.where(pos1, r1, t1), np.where(pos1, t1, r1)
                        a2, c2 = np.where(pos2, r2, t2), np.where(pos2, t2, r2)
                        alpha_c[a:b, 0], alpha_c[a:b, 1] = c1, c2
                        lc1, lc2, la1, la2 = np.log(c1), np.log(c2), np.log(a1), np.log(a2)
                        g1, g2 = lc1 - la1, lc2 - la2
                        S1 = 1.0 + np.abs(la1) + np.abs(lc1)
                        S2 = 1.0 + np.abs(la2) + np.abs(lc2)
                    S1 += m11 * a1 + p12 * a2
                    S2 += p12 * a1 + m22 * a2
                    F1 = np.abs(g1 - m11 * a1 - m12 * a2)
                    F2 = np.abs(g2 - m12 * a1 - m22 * a2)
                    w1 = (v11 * a1 + v21 * a2) * e1
                    w2 = (v12 * a1 + v22 * a2) * e2
                    F1 = np.maximum(F1, np.abs(g1 - v11 * w1 - v12 * w2))
                    F2 = np.maximum(F2, np.abs(g2 - v21 * w1 - v22 * w2))
                    r = np.maximum(F1, F2)
                    res[a:b] = np.where(np.isfinite(r), r, np.inf)
                    rl = np.maximum(F1 / S1, F2 / S2)
                    lo = np.minimum(a1, a2) if kind == "eq10" else np.minimum(np.minimum(a1, a2), np.minimum(c1, c2))
                    rl[lo < _TINY] = np.inf  # subnormal α: the rescue path checks it at 40 digits
                    rel[a:b] = np.where(np.isfinite(rl), rl, np.inf)
                alpha[a:b, 0], alpha[a:b, 1] = a1, a2
                its[a:b] = it

            starts = range(0, N, _CHUNK2)
            workers = min(_THREADS, len(starts))
            if workers > 1:
                # numpy releases the GIL inside ufunc loops: chunks run on all cores.
                with ThreadPoolExecutor(workers) as ex:
                    list(ex.map(work, starts))
            else:
                for a in starts:
                    work(a)
            tried = False
        else:
            xs = np.empty((N, n))
            chunk = max(1, _GENERAL_BYTES // (8 * n * n * 8))
            for a in range(0, N, chunk):
                b = min(N, a + chunk)
                M, P = _coupling_matrix(sf[a:b], Uf[a:b], lf[a:b], dynamics)
                cz = np.zeros((b - a, n))
                xs[a:b], its[a:b], _ = _newton_general(M, P, cz, kind, tol, max_iter)
                fa, fc, res[a:b], rel[a:b] = _finish(xs[a:b], kind, cz, sf[a:b], Uf[a:b], lf[a:b], M, P)
                alpha[a:b] = fa
                if fc is not None:
                    alpha_c[a:b] = fc
            tried = True
        bad = np.nonzero(~(rel <= tol))[0]
        if bad.size:
            M, P = _coupling_matrix(sf[bad], Uf[bad], lf[bad], dynamics)
            cz = np.zeros((bad.size, n))
            xb, itb, fa, fc, rb, rlb = _rescue(M, P, cz, kind, tol, max_iter, sf[bad], Uf[bad], lf[bad], tried)
            alpha[bad], res[bad], rel[bad] = fa, rb, rlb
            its[bad] += itb
            if fc is not None:
                alpha_c[bad] = fc
        Ut_a = (np.swapaxes(Uf, -1, -2) @ alpha[..., None])[..., 0]
        z = sf * sf / lf[:, None] * Ut_a  # Eq. 11
        Ufail = Uf

    if dynamics in ("eq9", "eq10"):
        res = _zero_fix(res, alpha, alpha_c, kind, np.zeros((N, n)), sf, Uf, lf)
    failed = ~(rel <= tol) | ~np.all(np.isfinite(alpha), axis=-1)
    if failed.any():
        raise NonConvergenceError(
            int(failed.sum()), N, _first_failure(failed, sf, Ufail, lf, res, rel), tol, max_iter
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
        relative_residual=rel.reshape(batch),
        alpha_c=None if alpha_c is None else alpha_c.reshape(batch + (n,)),
    )
