"""Tests of theory.decoupling: SD dual, θ*, z* and the B.5 variant."""

import numpy as np
import pytest
from scipy.optimize import brentq, minimize

from theory import decoupling
from theory.derivation import Verdict


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
