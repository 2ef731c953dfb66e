"""Empirical NTK (empirical.ntk): torch.func Φ₀ vs the analytic formulas, in float64."""

import pytest

torch = pytest.importorskip("torch")

from empirical.ntk import feature_responses, ntk_gram_bn_two_layer, ntk_gram_mlp, phi_func, phi_two_layer  # noqa: E402
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


def test_feature_responses_match_direct_svd_of_phi():
    # independent route: left singular vectors of Φ₀ (torch.linalg.svd) instead of eigh(K₀);
    # |uᵀŷ| does not depend on the singular vector's sign
    m1, flat, X, y = _setup(8)
    P = phi_func(m1, flat, X[0])
    g = torch.Generator().manual_seed(0)
    trace = torch.randn(3, 1, 300, generator=g, dtype=torch.float64)
    r = feature_responses((P @ P.T)[None], y[..., 0], trace, features=(1, 6))
    U, S, _ = torch.linalg.svd(P, full_matrices=False)
    for i, j in enumerate((1, 6)):
        # float64; the eigen-gaps next to λ_1 and λ_6 of this K₀ are ≥ 9e-4·λ_0 (measured), so
        # float64 rounding (~1e-16·λ_0) moves the directions by ~1e-13, far inside rtol 1e-8
        assert torch.allclose(torch.tensor(r["z"][:, 0, i]), (trace[:, 0] @ U[:, j]).abs(), rtol=1e-8, atol=1e-9)
        assert abs(r["eig"][0, i] - S[j].item() ** 2) <= 1e-9 * S[0].item() ** 2
        assert abs(r["label_overlap"][0, i] - abs(U[:, j] @ y[0, :, 0]).item() / 300 ** 0.5) < 1e-8


def test_feature_responses_bad_input():
    K = torch.eye(4)[None]
    with pytest.raises(ValueError, match="trace"):
        feature_responses(K, torch.ones(1, 4), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="features"):
        feature_responses(K, torch.ones(1, 4), torch.zeros(2, 1, 4), features=(4,))


def test_batchnorm_phi_has_all_parameters():
    m1, flat, X, _ = _setup(5, bn=True)
    P = phi_func(m1, flat, X[0])
    assert P.shape == (300, m1.n_params_per_seed) and torch.isfinite(P).all()


@pytest.mark.parametrize("seed", [2, 5])
def test_batchnorm_gram_analytic_equals_jacrev(seed):
    # independent route: Φ₀ by torch.func.jacrev through the module (batch statistics), K = Φ₀Φ₀ᵀ.
    # The initial γ = 1, β = 0 would leave the γ and β terms untested: perturb them first.
    m1, flat, X, _ = _setup(7, seed=seed, bn=True)
    g = torch.Generator().manual_seed(seed)
    flat = flat + 0.3 * torch.randn(flat.shape, generator=g, dtype=flat.dtype)
    K = ntk_gram_bn_two_layer(m1, m1.views(flat), X)[0]
    P = phi_func(m1, flat, X[0])
    # float64: both sum ≤ 300·36 products of O(1) terms; 1e-10 relative to max|K| is ~1e5 ulps
    assert (K - P @ P.T).abs().max() <= 1e-10 * K.abs().max()


def test_batchnorm_gram_rejects_other_configurations():
    m1, flat, X, _ = _setup(4, depth=2, bn=True)
    with pytest.raises(ValueError, match="depth 1"):
        ntk_gram_bn_two_layer(m1, m1.views(flat), X)
