"""The fixed-point solver on a deterministic sample of the hard suite (theory.engine.hard_suite).

n = 2 … 50, s_max/s_min up to 1e6, λ ∈ [1e-8, 1e8], |δ| up to 1 − 1e-9, Haar-random U,
B.5 with |γ| up to 1e3: every point is well posed, so every point must converge. The
sample is 12 points per (n, system) batch, 288 in all; the full suite is
``python benchmarks/bench_fixed_points.py --hard``.

The residual is re-evaluated here, independently of the engine, in np.longdouble from
the returned float64 α (and 1 − α, which the engine returns separately): F(α) of Eq. 9 /
Eq. 10 / B.5 written from K = Σ_k s_k² u_k u_kᵀ.
"""

import numpy as np
import pytest

from theory.engine import solve_fixed_points, u_eq15
from theory.engine.hard_suite import NS, haar_orthogonal, hard_suite

BATCHES = hard_suite(points_per_batch=12, seed=0)


def _independent(alpha, alpha_c, s, U, lam, dyn, y=None, gamma=0.0):
    """(max_i |F_i|, max_i |F_i|/S_i) in np.longdouble (64-bit mantissa, ε ≈ 1e-19) from
    the float64 α, with K = Σ_k s_k² u_k u_kᵀ formed here (S_i as documented)."""
    ld = np.longdouble
    s, U, a = s.astype(ld), U.astype(ld), alpha.astype(ld)
    L = ld(lam)
    K = np.einsum("k,ik,jk->ij", s * s, U, U)
    Kabs = np.einsum("k,ik,jk->ij", s * s, np.abs(U), np.abs(U))
    if dyn == "eq10":
        g, gs = -np.log(a), np.abs(np.log(a))
        lin, size = K @ a / L + a, Kabs @ a / L + a
    else:
        ac = alpha_c.astype(ld)
        g = np.log(ac) - np.log(a)
        gs = np.abs(np.log(ac)) + np.abs(np.log(a))
        if dyn == "eq9":
            lin, size = K @ a / L, Kabs @ a / L
        else:  # B.5: log((1−α)/α) = γ y + α/λ
            lin = ld(gamma) * y.astype(ld) + a / L
            size = abs(ld(gamma)) + a / L
    f = np.abs(g - lin)
    return float(np.max(f)), float(np.max(f / (1 + gs + size)))


@pytest.mark.parametrize("b", BATCHES, ids=[f"n{b.n}-{b.dynamics}" for b in BATCHES])
def test_hard_suite_sample_converges(b):
    r = solve_fixed_points(b.s, b.U, b.lam, b.dynamics, y=b.y, gamma=0.0 if b.gamma is None else b.gamma)
    assert np.all(r.relative_residual <= 1e-12)
    checked = 0
    for i in range(len(b.lam)):
        a = r.alpha[i]
        ac = None if r.alpha_c is None else r.alpha_c[i]
        tiny = np.finfo(float).tiny
        if np.any(a < tiny) or (ac is not None and np.any(ac < tiny)):
            continue  # α underflows float64: no float64 α to re-evaluate (the engine checks at 40 digits)
        res, rel = _independent(a, ac, b.s[i], b.U[i], b.lam[i], b.dynamics,
                                None if b.y is None else b.y[i], 0.0 if b.gamma is None else b.gamma[i])
        # 3e-12: the engine's 1e-12 plus the float64 rounding of α itself (≤ n ε per term
        # relative to S) and of K from the float64 s and U.
        assert rel <= 3e-12, (i, rel)
        # The reported residual is never 0 where the exact residual of the float64 α is not
        # (it takes the larger of two float64 evaluations); and it is of the same size.
        if res > 0:
            assert r.residual[i] > 0
        checked += 1
    assert checked >= len(b.lam) // 2


def test_cases_that_failed_before():
    # n = 2, Eq. 9: s = (1, 1e4), λ = 0.5, δ = 0.1 (terms ~2e8; the root exists).
    r = solve_fixed_points([1.0, 1e4], u_eq15(0.1), 0.5, "eq9")
    assert r.relative_residual <= 1e-12
    # n = 3: singular values 1e4, 100, 1 and λ = 1, random orthogonal U.
    U = haar_orthogonal(3, 20, np.random.default_rng(0))
    for dyn in ("eq9", "eq10"):
        r = solve_fixed_points(np.array([1e4, 100.0, 1.0]), U, 1.0, dyn)
        assert np.all(r.relative_residual <= 1e-12)
    # B.5 with |γ| = 1e3: 1 − α ≈ e^{−1000} underflows; α_c carries it.
    y = np.array([1.0, -1.0, 1.0])
    r = solve_fixed_points([1.0, 2.0, 3.0], np.eye(3), 1.0, "b5", y=y, gamma=1e3)
    assert np.all(r.relative_residual <= 1e-12)
    assert r.alpha[1] == 1.0 and 0.0 < r.alpha_c[1] or r.alpha_c[1] == 0.0


def test_suite_spans_its_ranges():
    b = hard_suite(points_per_batch=200, seed=0)
    assert sorted({x.n for x in b}) == sorted(NS) and max(NS) == 50
    ratio = max(np.max(x.s.max(-1) / x.s.min(-1)) for x in b)
    assert 1e5 < ratio <= 1e6 * (1 + 1e-12)
    lam = np.concatenate([x.lam for x in b])
    assert lam.min() < 1e-7 and lam.max() > 1e7
    g = np.concatenate([np.abs(x.gamma) for x in b if x.gamma is not None])
    assert g.max() > 500 and g.max() <= 1e3
    U2 = np.concatenate([x.U for x in b if x.n == 2])
    assert 1 - np.max(np.abs(U2[:, 1, 0])) < 1e-8
