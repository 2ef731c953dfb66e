"""Empirical NTK (empirical.ntk): torch.func Φ₀ vs the analytic formulas, in float64."""

import pytest

torch = pytest.importorskip("torch")

from empirical.ntk import ntk_gram_mlp, phi_func, phi_two_layer, responses  # noqa: E402
from empirical.train import B0, B1, W0, W1, Config, Model, make_data  # noqa: E402


def _setup(width, depth=1, seed=2, bn=False):
    cfg = Config("t", width=width, depth=depth, batchnorm=bn)
    m1 = Model(cfg, [seed], torch.float64)
    flat = m1.flat()
    X, y = make_data(cfg, [seed], torch.float64)
    return m1, flat, X, y


def test_phi_two_layer_analytic_equals_jacrev():
    m1, flat, X, _ = _setup(9)
    p = m1.views(flat)
    a = phi_two_layer(p[W0][0], p[B0][0], p[W1][0], p[B1][0], X[0])
    b = phi_func(m1, flat, X[0])
    assert a.shape == b.shape == (300, m1.n_params_per_seed)
    # float64, same arithmetic up to summation order: 1e-12 is ~1e4 ulps of O(1) entries
    assert torch.allclose(a, b, atol=1e-12, rtol=0)


@pytest.mark.parametrize("depth", [1, 3])
def test_gram_layerwise_equals_phi_phiT(depth):
    m1, flat, X, _ = _setup(6, depth)
    K = ntk_gram_mlp(m1, m1.views(flat), X)[0]
    P = phi_func(m1, flat, X[0])
    assert torch.allclose(K, P @ P.T, atol=1e-11, rtol=1e-12)  # float64 sums of ≤ 300·10 terms


def test_responses_match_direct_svd():
    m1, flat, X, y = _setup(8)
    P = phi_func(m1, flat, X[0])
    yv = y[0, :, 0]
    g = torch.Generator().manual_seed(0)
    yhat0 = torch.randn(300, generator=g, dtype=torch.float64)
    yhat = torch.randn(300, generator=g, dtype=torch.float64)
    r = responses((P @ P.T)[None], yv[None], yhat[None], yhat0[None], k=2)
    U, S, Vh = torch.linalg.svd(yv[:, None] * P, full_matrices=False)   # Definition 1 directly
    U = U * torch.where(U.sum(0) >= 0, 1.0, -1.0)
    z = U.T @ (yv * (yhat - yhat0))
    assert torch.allclose(torch.tensor(r["s"][0]), S[:2], rtol=1e-9)
    assert torch.allclose(torch.tensor(r["z"][0]), z[:2], rtol=1e-8, atol=1e-10)


def test_batchnorm_phi_has_all_parameters():
    m1, flat, X, _ = _setup(5, bn=True)
    P = phi_func(m1, flat, X[0])
    assert P.shape == (300, m1.n_params_per_seed) and torch.isfinite(P).all()
