"""Tests of theory.decoupling: SD dual, θ*, z* and the B.5 variant."""

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq, minimize

from theory import decoupling
from theory.claims import CLAIMS
from theory.derivation import Verdict
from theory.symbols import lam


@pytest.mark.parametrize("lam_", [0.01, 0.3, 5.0])
def test_sd_alpha_star_matches_brentq(lam_):
    f = lambda a: np.log((1 - a) / a) - a / lam_  # noqa: E731
    assert decoupling.sd_alpha_star(lam_) == pytest.approx(brentq(f, 1e-15, 1 - 1e-15, xtol=1e-15), rel=1e-9)


def _primal_sd_z(YPhi, y, lam_, gamma=None, lam_vec=None):
    # Independent route: minimise the SD primal over θ numerically, then z = UᵀYŷ.
    Phi = np.diag(y) @ YPhi
    n = len(y)
    lv = np.full(n, lam_) if lam_vec is None else lam_vec
    g = np.zeros(n) if gamma is None else gamma

    def L(th):
        yh = Phi @ th
        return np.sum(np.logaddexp(0, -y * yh)) + 0.5 * np.sum(lv * (yh - g) ** 2)

    res = minimize(L, np.zeros(Phi.shape[1]), method="BFGS", options={"gtol": 1e-12})
    U, _s, _vt = np.linalg.svd(YPhi, full_matrices=False)
    return U, U.T @ (np.diag(y) @ (Phi @ res.x))


def test_sd_z_star_matches_primal_and_ignores_S():
    rng = np.random.default_rng(3)
    y = np.array([1.0, -1.0, 1.0])
    base = rng.normal(size=(3, 6))
    U0, _, Vt0 = np.linalg.svd(base, full_matrices=False)
    for s in ([1.0, 1.0, 1.0], [5.0, 1.0, 0.2]):
        YPhi = U0 @ np.diag(s) @ Vt0
        U, z = _primal_sd_z(YPhi, y, 0.5)
        np.testing.assert_allclose(decoupling.sd_z_star(U, 0.5), z, atol=1e-5)


def test_b5_fixed_point_equation():
    # Independent: the B.5 primal optimum satisfies α_i = σ(−y_iŷ_i) with log((1−α)/α) = y_iγ_i + α/λ_i.
    rng = np.random.default_rng(4)
    y = np.array([1.0, -1.0])
    YPhi = rng.normal(size=(2, 4))
    gam = np.array([0.44, 2.5])
    lv = np.array([0.088, 0.012]) * 10
    Phi = np.diag(y) @ YPhi
    U, z = _primal_sd_z(YPhi, y, None, gamma=gam, lam_vec=lv)
    yh = np.diag(y) @ (U @ z)  # ŷ = YUz
    a = 1 / (1 + np.exp(y * yh))
    np.testing.assert_allclose(np.log((1 - a) / a), y * gam + a / lv, atol=1e-5)
    assert Phi.shape == (2, 4)


def test_verdicts():
    comps = {c.claim_id: c for c in decoupling.comparisons()}
    for cid in ("eq17", "eq18", "c11_theta_star"):
        assert comps[cid].verdict is Verdict.VERIFIED, cid
    assert comps["sd_decoupled"].verdict is Verdict.REGIME
    assert comps["b5_variant"].verdict is Verdict.REGIME
    assert comps["sd_text_ususu"].verdict is Verdict.ERRATUM
    assert decoupling._derivation().all_checks_pass


def test_bad_input():
    with pytest.raises(ValueError, match="lam"):
        decoupling.sd_alpha_star(0.0)
    with pytest.raises(ValueError, match="U"):
        decoupling.sd_z_star(np.ones(3), 1.0)


# ------------------------------------------------ the primal losses of the engine

def _printed_loss(cid: str, yhat: np.ndarray, y: np.ndarray, lam_v: float, gamma_v: float = 0.0) -> float:
    """The printed loss of Eq. 17 / B.5 (theory.claims, never re-typed) at numeric ŷ, Y, λ, γ."""
    from theory import dual
    from theory.claims.decoupling import gamma as g_sym

    key = "loss"
    expr = CLAIMS[cid].printed[key]
    inst = dual.instantiate(expr, {"yhat": sp.Matrix(yhat), "Y": sp.diag(*[int(v) for v in y])})[0]
    return float(inst.subs({lam: lam_v, g_sym: gamma_v}).evalf(30))


@pytest.mark.parametrize("loss, cid", [("eq17", "eq17"), ("b5", "b5_variant")])
def test_engine_primal_loss_value_is_the_printed_loss(loss, cid):
    # The engine's loss value (not only its gradient) against the transcribed Eq. 17 / B.5
    # loss evaluated by SymPy at 30 digits: float64 rounding of ~10 terms of size ≤ 1e2, so
    # 1e-12 relative.
    from theory.engine import primal

    rng = np.random.default_rng(5)
    for _ in range(4):
        s = 10 ** rng.uniform(-1, 1, 2)
        U = np.linalg.qr(rng.normal(size=(2, 2)))[0]
        y = rng.choice([-1.0, 1.0], 2)
        lam_v, gam = float(10 ** rng.uniform(-1, 1)), float(rng.uniform(-2, 2))
        P = primal.setup(s, U, lam_v, y=y, gamma=gam if loss == "b5" else 0.0, m=4, rng=1)
        theta = rng.normal(size=(1, 4))
        L, _ = primal.loss_and_grad(P, theta, loss)
        yhat = (P.Phi[0] @ theta[0])
        ref = _printed_loss(cid, yhat, P.y[0], lam_v, gam)
        assert L[0] == pytest.approx(ref, rel=1e-12)


def test_engine_primal_loss_value_of_eq5_is_the_max_of_printed_eq7():
    # Eq. 5's loss is the inner maximum over α of the printed Eq. 7 objective (Eq. 28,
    # verified): evaluate the transcribed objective at α_i = σ(−y_iŷ_i) (its maximiser,
    # theory.legendre) with SymPy at 30 digits; float64 rounding only, so 1e-12 relative.
    from theory import dual
    from theory.engine import primal

    rng = np.random.default_rng(7)
    for _ in range(4):
        s = 10 ** rng.uniform(-1, 1, 2)
        U = np.linalg.qr(rng.normal(size=(2, 2)))[0]
        y = rng.choice([-1.0, 1.0], 2)
        lam_v = float(10 ** rng.uniform(-1, 1))
        P = primal.setup(s, U, lam_v, y=y, m=dual.M_PAR, rng=1)
        theta = rng.normal(size=(1, dual.M_PAR))
        L, _ = primal.loss_and_grad(P, theta, "eq5")
        yhat = P.Phi[0] @ theta[0]
        a_star = [sp.Rational(1) / (1 + sp.exp(sp.Float(yi * v, 40))) for yi, v in zip(P.y[0], yhat, strict=True)]
        obj = dual.instantiate(CLAIMS["eq7"].printed["objective"],
                               {"yhat": sp.Matrix(yhat), "Y": sp.diag(*[int(v) for v in P.y[0]]),
                                "theta": sp.Matrix(theta[0]), "alpha": sp.Matrix([a_star])})[0]
        assert L[0] == pytest.approx(float(obj.subs(lam, lam_v).evalf(30)), rel=1e-12)


@pytest.mark.parametrize("loss", ["eq5", "eq17", "b5"])
def test_engine_primal_hessian_matches_finite_differences(loss):
    # Central differences of the engine's gradient, step h = 1e-5 (relative to |θ| ~ 1):
    # truncation h²·|∇³L| ≲ 1e-10, rounding 1e-16·|∇L|/h ≲ 1e-10; 1e-6 relative to the
    # Hessian's largest entry is far above both and far below a wrong term (e.g. 2λ, O(λ)).
    from theory.engine import primal

    rng = np.random.default_rng(6)
    P = primal.setup(10 ** rng.uniform(-1, 1, (3, 3)), np.stack([np.linalg.qr(rng.normal(size=(3, 3)))[0]
                                                                for _ in range(3)]),
                     10 ** rng.uniform(-1, 1, 3), y=rng.choice([-1.0, 1.0], (3, 3)),
                     gamma=rng.uniform(-1, 1, 3) if loss == "b5" else 0.0, m=5, rng=2)
    theta = rng.normal(size=(3, 5))
    H = primal.hessian(P, theta, loss)
    h = 1e-5
    fd = np.empty_like(H)
    for k in range(5):
        e = np.zeros(5)
        e[k] = h
        gp = primal.loss_and_grad(P, theta + e, loss)[1]
        gm = primal.loss_and_grad(P, theta - e, loss)[1]
        fd[:, :, k] = (gp - gm) / (2 * h)
    scale = np.max(np.abs(H), axis=(1, 2))[:, None, None]
    assert np.all(np.abs(H - fd) <= 1e-6 * scale)
