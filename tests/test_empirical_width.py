"""Unit tests of empirical.features / width_sweep / starvation (Eq. 9, Eq. 18, Thm. 2 beyond the NTK regime).

Expected values come from independent routes: torch autograd Jacobians (vs the analytic,
chunked eNTK), L-BFGS on the explicitly linearized model in θ-space and a function-space
Newton solve (vs the engine's dual fixed point, Eq. 9 / Eq. 18), and hand-computable
statistics.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from empirical.data.synthetic import two_feature_data  # noqa: E402
from empirical.features import EntkEnsemble, features_of, linearized_optimum, objective, train  # noqa: E402
from empirical.intervals import t_interval  # noqa: E402
from empirical.starvation import slope  # noqa: E402
from theory.engine.fixed_points import solve_fixed_points  # noqa: E402

torch.set_num_threads(1)


def test_data_construction():
    X, y = two_feature_data(4000, 5, 2.0, 0.5, tau=0.5, sigma=0.3, seed=3)
    assert X.shape == (4000, 5) and set(np.unique(y)) == {-1.0, 1.0} and y.sum() == 0
    # E[y x_1] = a E[c1] = a, E[y x_2] = b; sd of y x_1 = sqrt(a²τ² + σ²) = 1.044, of the
    # mean over 4000 points 0.0165: 5 sd = 0.083.
    assert abs(np.mean(y * X[:, 0]) - 2.0) < 0.083
    assert abs(np.mean(y * X[:, 1]) - 0.5) < 5 * np.sqrt(0.25 * 0.25 + 0.09) / np.sqrt(4000)
    # noise dimensions: mean 0, variance σ² (5 sd of a variance estimate ≈ 5·σ²√(2/n))
    assert abs(np.var(X[:, 2:]) - 0.09) < 5 * 0.09 * np.sqrt(2 / (3 * 4000))
    X1, y1 = two_feature_data(4000, 5, 2.0, 0.5, tau=0.5, sigma=0.3, seed=3, remove_feature1=True)
    assert np.array_equal(y, y1) and np.array_equal(X[:, 1:], X1[:, 1:])
    # the removed term is exactly y·a·c1 with c1 = 1 + τξ: mean of y(x1 − x1') = a
    assert abs(np.mean(y * (X[:, 0] - X1[:, 0])) - 2.0) < 5 * 2.0 * 0.5 / np.sqrt(4000)


@pytest.mark.parametrize("bad", [dict(n=3), dict(n=0), dict(d=1), dict(a=-1.0), dict(sigma=float("nan"))])
def test_data_bad_input(bad):
    kw = dict(n=4, d=3, a=1.0, b=1.0) | bad
    with pytest.raises(ValueError, match=next(iter(bad))):
        two_feature_data(**kw)


@pytest.mark.parametrize("param", ["ntk", "sp"])
@pytest.mark.parametrize("act", ["gelu", "relu"])
def test_ntk_chunked_equals_autograd(param, act):
    X, _ = two_feature_data(6, 3, 1.5, 1.0, seed=1)
    Xt = torch.tensor(X)[None]
    m = EntkEnsemble.init(1, 10, 3, param, seed=4, act=act)
    # independent of the closed form: torch.func.jacrev of the module's own forward pass
    Jd = torch.func.jacrev(lambda p: m.raw(Xt, p)[0])({k: v.detach() for k, v in m.ens.params.items()})
    J = torch.cat([Jd["layers.0.weight"].reshape(6, -1), Jd["layers.1.weight"].reshape(6, -1)], 1)
    assert torch.allclose(m.jacobian(Xt)[0], J, atol=1e-13, rtol=1e-12)
    K_ref = J @ J.T
    for chunk in (1, 3, 7, 1024):  # chunk sizes that do and do not divide the width
        assert torch.allclose(m.ntk(Xt, chunk=chunk)[0], K_ref, atol=1e-12, rtol=1e-12)


def test_centred_network_is_zero_at_init_and_bad_param():
    X, _ = two_feature_data(8, 4, 1.0, 1.0)
    m = EntkEnsemble.init(2, 16, 4, "sp", seed=[1, 2])
    assert torch.count_nonzero(m(torch.tensor(np.stack([X, X])))) == 0
    assert m.raw(torch.tensor(np.stack([X, X]))).abs().max() > 0   # centring, not a zero net
    with pytest.raises(ValueError, match="param"):
        EntkEnsemble.init(1, 4, 4, "mup")
    with pytest.raises(ValueError, match="lam"):
        train(m, torch.tensor(np.stack([X, X])), torch.ones(2, 8, dtype=torch.float64), "sd", 0.0)


def _linearized_z(K0, Phi, y, loss, lam):
    """Train ŷ = Φ₀Δθ (Eq. 3) with L-BFGS in θ-space on Eq. 5 / Eq. 17; return ŷ."""
    th = torch.zeros(Phi.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([th], lr=1, max_iter=500, tolerance_grad=1e-13, tolerance_change=0,
                            history_size=50, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        out = Phi @ th
        L = torch.nn.functional.softplus(-y * out).sum()
        L = L + 0.5 * lam * ((th ** 2).sum() if loss == "ce_wd" else (out ** 2).sum())
        L.backward()
        return L

    for _ in range(5):
        opt.step(closure)
    return (Phi @ th).detach().numpy()


@pytest.mark.parametrize("loss,dyn", [("ce_wd", "eq9"), ("sd", "sd")])
@pytest.mark.parametrize("param", ["ntk", "sp"])
def test_linearized_model_reproduces_engine(loss, dyn, param):
    """The pipeline's z (Eq. 4 with features_of) of the linearized trained model = engine z*."""
    n, d, lam = 12, 4, 0.3
    X, y = two_feature_data(n, d, 2.0, 1.0, seed=11)
    m = EntkEnsemble.init(1, 40, d, param, seed=5)
    Xt = torch.tensor(X)[None]
    Phi = m.jacobian(Xt)[0]
    K0 = m.ntk(Xt)[0].numpy()
    s, U = features_of(K0, y)
    yh = _linearized_z(K0, Phi, torch.tensor(y), loss, lam)
    z_meas = U.T @ (y * yh)
    z_eng = solve_fixed_points(s, U, lam, dyn).z
    # L-BFGS stops at max|∇| ≤ 1e-13 in θ; ‖Δz‖ ≲ ‖∇‖/λ·s_max ~ 1e-11 (well under 1e-8)
    assert np.allclose(z_meas, z_eng, rtol=1e-8, atol=1e-8)
    # and the function-space Newton route agrees with both
    assert np.allclose(U.T @ (y * linearized_optimum(K0, y, loss, lam)), z_eng, rtol=1e-9, atol=1e-10)


def test_features_of_reconstructs():
    rng = np.random.default_rng(0)
    Phi = rng.standard_normal((5, 9))
    y = np.array([1.0, -1, 1, -1, -1])
    s, U = features_of(Phi @ Phi.T, y)
    sv = np.linalg.svd(y[:, None] * Phi, compute_uv=False)   # independent: SVD of YΦ
    assert np.allclose(s, sv, rtol=1e-12)
    assert np.allclose(U @ U.T, np.eye(5), atol=1e-12) and np.all(U.sum(0) >= 0)


def test_train_converges_and_is_optimum():
    X, y = two_feature_data(16, 4, 1.5, 1.0, seed=2)
    Xt, yt = torch.tensor(np.stack([X, X])), torch.tensor(np.stack([y, y]))
    m = EntkEnsemble.init(2, 64, 4, "ntk", seed=[3, 4])
    # gtol 1e-9: the float64 floor. A step that lowers max|∇| from g to 0 lowers the objective
    # (≈ 6 here) by ~g²/(2c) with curvature c ≥ λ = 0.2, invisible to the line search below
    # g ~ 1e-8; L-BFGS gets to 1e-11–3e-10 here depending on the forward pass's rounding order.
    info = train(m, Xt, yt, "ce_wd", 0.2, gtol=1e-9)
    assert info["converged"] and info["grad_max"].max() <= 1e-9
    # any small perturbation raises the objective (local optimum; second order in ε)
    L0 = objective(m, Xt, yt, "ce_wd", 0.2).detach()
    with torch.no_grad():
        for p in m.parameters():
            p += 1e-3 * torch.randn_like(p)
    assert torch.all(objective(m, Xt, yt, "ce_wd", 0.2) > L0)


def test_slope_and_interval():
    xs = np.array([1.0, 4.0, 9.0])
    Y = np.array([[1.0, 7.0, 17.0], [0.0, -3.0, -8.0]])   # rows 2x−1 and −x+1: slopes 2, −1
    assert np.allclose(slope(xs, Y), [2.0, -1.0])
    mu, lo, hi = t_interval(np.array([1.0, 2.0, 3.0]))
    # hand: mean 2, sd 1, t_{0.975, 2} = 4.302653 → half-width 4.302653/√3 = 2.484138
    assert mu == 2.0 and abs(hi - 2.0 - 2.484138) < 1e-6 and abs(2.0 - lo - 2.484138) < 1e-6


def test_practitioner_objective_is_uncentred_weight_decay_toward_zero():
    """``ce_wd0`` = Σ softplus(−y f(x; θ)) + λ/2‖θ‖² (uncentred f, anchor 0), by hand from the module's output."""
    X, y = two_feature_data(8, 4, 1.5, 1.0, seed=3)
    Xt, yt = torch.tensor(X)[None], torch.tensor(y)[None]
    m = EntkEnsemble.init(1, 12, 4, "sp", seed=2)
    f = m.raw(Xt)
    sq = sum((p ** 2).sum() for p in m.parameters())
    ref = torch.log1p(torch.exp(-yt * f)).sum() + 0.5 * 0.3 * sq
    assert torch.allclose(objective(m, Xt, yt, "ce_wd0", 0.3), ref.reshape(1), rtol=1e-14)
    # the centred objective at θ₀: CE of a zero output, no penalty
    assert torch.allclose(objective(m, Xt, yt, "ce_wd", 0.3), torch.tensor([8 * np.log(2.0)], dtype=torch.float64))
    with pytest.raises(ValueError, match="loss"):
        objective(m, Xt, yt, "ce_wd1", 0.3)


def test_members_match_single_networks_and_subsets():
    """Member b of the ensemble = models.MLP built alone with seeds[b]; subsets and merges keep members."""
    from empirical.models import MLP as Net

    X = torch.tensor(np.stack([two_feature_data(6, 3, 1.0, 1.0, seed=s)[0] for s in range(3)]))
    m = EntkEnsemble.init(3, 10, 3, "ntk", seed=[5, 9, 5])
    for b, s in enumerate([5, 9, 5]):
        net = Net(3, 10, 1, 1, param="ntk", act="gelu", bias=False, init="normal").double()
        net.reset_parameters(torch.Generator().manual_seed(s))        # drawn in float64, as Ensemble does
        assert torch.equal(net.layers[0].weight.detach(), m.W0[b])
        assert torch.allclose(net(X[b])[:, 0], m.raw(X)[b], rtol=0, atol=1e-15)
    sub = m.subset_trainable([2, 0])
    with torch.no_grad():
        for p in sub.parameters():
            p += 1.0
    back = m.merge([([2, 0], sub)])
    assert torch.equal(back.raw(X)[[2, 0]], sub.raw(X[[2, 0]]))
    assert torch.equal(back.raw(X)[1], m.raw(X)[1])
    assert torch.equal(back(X)[1], m(X)[1])             # centred with the same θ₀


def test_width_sweep_config_is_checked():
    from empirical.width_sweep import QUICK, plan

    with pytest.raises(ValueError, match="losses"):
        plan({"config": {**QUICK, "losses": ["ce"]}})
    p = plan({"config": {**QUICK, "only": {"ce_wd0": {"params": ["ntk"], "widths": [64]}}}})
    assert [c.payload["width"] for c in p.cells if c.payload["loss"] == "ce_wd0"] == [64]
    p = plan({"config": {**QUICK, "perturb": {"sd": ["sp"]}}})
    assert {(c.payload["param"], c.payload["loss"]) for c in p.cells if c.payload["perturb"]} == {("sp", "sd")}
    with pytest.raises(ValueError, match="perturb"):
        plan({"config": {**QUICK, "losses": ["sd"], "perturb": {"ce_wd": ["ntk"]}}})
