"""Empirical NTK at initialization and the feature responses of Fig. 1(d) (Eq. 2–4).

Φ₀ = ∂ŷ/∂θ at θ₀ (Eq. 2), n × m; K₀ = Φ₀Φ₀ᵀ the NTK Gram matrix. Definition 1 writes the
features through the SVD YΦ₀ = U S Vᵀ and the responses as z = Uᵀ Y ŷ (Eq. 4).

Fig. 1(d)'s two curves (:func:`feature_responses`): the released two-moons scripts (the
authors' Figure_2/moon_fig_2.py and the submission's Figure_1/fig_1b.py, read, not copied)
take U from the eigen-decomposition of K₀ itself (no Y; they call ``torch.svd`` on the PSD
K₀), record Z = Uᵀ ŷ(t) — the raw outputs, neither label-signed nor centred at ŷ₀ — after
every step, and plot the seed mean of |Z_j| for j = 1 and j = 6 (0-based: the 2nd and 7th
eigen-directions by eigenvalue). We compute exactly that quantity, z_j(t) = |u_jᵀ ŷ(t)|
with u_j the unit eigenvector of K₀ for its (j+1)-th largest eigenvalue (float64
eigendecomposition). The absolute value makes it independent of the eigenvector's sign, so
no sign rule is needed (a column-sum rule fails here: u_j is nearly orthogonal to the
constant vector for j ≥ 1). What the two directions are on these networks (measured, and
reported per seed as ``label_overlap`` = |u_jᵀ y|/√n): u₀ is the constant direction, u₁ is
close to the label direction with the constant removed (overlap ≈ 0.85; Eq. 4's "feature
correlated with the labels", the one a linearly separable set lets the network fit along the
discriminative axis), u₆ is a higher-order direction with a small label overlap (≈ 0.2).

Routes for K₀:
* :func:`phi_func` — Φ₀ by ``torch.func.jacrev`` of the network as a function of its flat
  parameters (any configuration, including batch norm with batch statistics);
* :func:`phi_two_layer` — the analytic Φ₀ of ŷ(x) = Σⱼ aⱼ relu(wⱼ·x + bⱼ) + c:
  ∂ŷ/∂wⱼ = aⱼ 1[hⱼ > 0] x, ∂ŷ/∂bⱼ = aⱼ 1[hⱼ > 0], ∂ŷ/∂aⱼ = relu(hⱼ), ∂ŷ/∂c = 1;
* :func:`ntk_gram_bn_two_layer` — the analytic Gram matrix of the one-hidden-layer ReLU net
  with batch norm (batch statistics) after the first linear layer (App. B.2's "batchnorm"):
  with ẑ = (h − μ)/σ, σ = √(var + ε), g_ij = a_j 1[γ_j ẑ_ij + β_j > 0],
  ∂ŷ_i/∂w_j = g_ij γ_j/σ_j ((x_i − x̄) − ẑ_ij m_j), m_j = (1/n) Σ_k ẑ_kj x_k (batch norm couples
  the points: ∂ẑ_ij/∂h_kj = (δ_ik − 1/n − ẑ_ij ẑ_kj/n)/σ_j), ∂ŷ_i/∂b_j = 0 (the mean removes
  it), ∂ŷ_i/∂γ_j = g_ij ẑ_ij, ∂ŷ_i/∂β_j = g_ij, ∂ŷ_i/∂a_j = relu(γ_j ẑ_ij + β_j), ∂ŷ_i/∂c = 1;
  n² work per seed instead of the n backward passes of :func:`phi_func`;
* :func:`ntk_gram_mlp` — the analytic Gram matrix of any plain ReLU MLP,
  K(x, x') = Σ_l (h_l·h'_l + 1)(g_l·g'_l), with h_l the input of layer l and g_l = ∂ŷ/∂(pre-
  activation of layer l) (the weight gradient of layer l is g_l h_lᵀ); cheap for the deep net
  where Φ₀ (300 × 753,001) would not fit comfortably in memory.

References: Pezeshki et al. (2021), released code (github.com/mpezeshki/Gradient_Starvation,
Figure_2/moon_fig_2.py; github.com/gradientstarvation/GS, Figure_1/fig_1b.py).
"""

from __future__ import annotations

import numpy as np
import torch

from empirical.train import B0, BETA, BN_EPS, GAMMA, W0, W1, Model


def phi_func(model: Model, flat_seed: torch.Tensor, X: torch.Tensor, *, batch_stats: bool | None = None) -> torch.Tensor:
    """Φ₀ [n, P] by torch.func.jacrev through the Ensemble's forward, for ONE seed (``model``
    with S = 1).

    Args:
        flat_seed: the seed's flat parameters (layout of a one-slot :class:`Model`).
        X: [n, 2] inputs.
        batch_stats: BN with batch statistics (the function training optimizes); default
            True when the configuration has batch norm. The running statistics are not touched.
    """
    if model.S != 1:
        raise ValueError(f"model must have S = 1 for phi_func; got S = {model.S}")
    bn = model.cfg.batchnorm if batch_stats is None else batch_stats

    def f(flat):
        # BN in training mode would update running statistics: give it a throw-away copy
        return model.apply(model.views(flat), X[None], train=bn, buffers=model.buffers())[0]

    # chunks bound vmap's memory (60 outputs x n x H float64 activations: ~70 MB at n = 300,
    # H = 500); measured here 2.5 s per seed with BN against 3.6 s with chunks of 16
    return torch.func.jacrev(f, chunk_size=60)(flat_seed)


def phi_two_layer(Wa: torch.Tensor, ba: torch.Tensor, Wb: torch.Tensor, bb: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """Analytic Φ₀ of the one-hidden-layer ReLU net, in :class:`Model`'s flat order.

    Args:
        Wa [H, 2], ba [H], Wb [1, H], bb [1]: one seed's parameters in nn.Linear's layout
            (h = x Waᵀ + ba, ŷ = relu(h) Wbᵀ + bb).
        X: [n, 2].
    """
    h = X @ Wa.T + ba                                 # [n, H]
    act = (h > 0).to(X.dtype) * Wb[0]                 # aⱼ 1[hⱼ > 0]
    dW0 = act[:, :, None] * X[:, None, :]             # [n, H, 2], row-major like Wa
    n = X.shape[0]
    return torch.cat([dW0.reshape(n, -1), act, torch.relu(h), torch.ones(n, 1, dtype=X.dtype, device=X.device)], 1)


def ntk_gram_mlp(model: Model, p: dict, X: torch.Tensor) -> torch.Tensor:
    """Analytic NTK Gram matrices [S, n, n] of plain ReLU MLPs (no BN; dropout off).

    The layer inputs h_l are recomputed here from the stacked parameters (nn.Linear layout,
    layer l: h ↦ relu(h W_lᵀ + b_l)): the formula needs every layer's input, which the
    module's forward does not expose; the tests compare K with Φ₀Φ₀ᵀ from :func:`phi_func`,
    which differentiates the module itself.
    """
    if model.cfg.batchnorm:
        raise ValueError("ntk_gram_mlp covers plain MLPs; use phi_func for batch norm")
    with torch.no_grad():
        Ws = [p[f"layers.{l}.weight"] for l in range(model.L)]
        bs = [p[f"layers.{l}.bias"] for l in range(model.L)]
        acts = [X]                                     # inputs of layers 0..L-1
        for l in range(model.L - 1):
            acts.append(torch.relu(torch.baddbmm(bs[l][:, None, :], acts[-1], Ws[l].transpose(1, 2))))
        S, n = X.shape[0], X.shape[1]
        gz = torch.ones(S, n, 1, dtype=X.dtype, device=X.device)
        K = torch.zeros(S, n, n, dtype=X.dtype, device=X.device)
        for l in range(model.L - 1, -1, -1):
            h = acts[l]
            K += (torch.bmm(h, h.transpose(1, 2)) + 1.0) * torch.bmm(gz, gz.transpose(1, 2))
            if l == 0:
                break
            gz = torch.bmm(gz, Ws[l]) * (h > 0).to(X.dtype)
    return K


def ntk_gram_bn_two_layer(model: Model, p: dict, X: torch.Tensor) -> torch.Tensor:
    """Analytic NTK Gram matrices [S, n, n] of the one-hidden-layer ReLU net with batch norm
    (batch statistics, as in training) after the first linear layer (module docstring).

    Args:
        model: a :class:`Model` with depth 1 and batch norm, no dropout.
        p: its stacked parameters (``model.views(flat)``), float64 for the eigen-directions.
        X: [S, n, 2] each seed's inputs (the batch that the statistics are taken over).

    tests/test_empirical_ntk.py compares K with Φ₀Φ₀ᵀ from :func:`phi_func` (torch.func.jacrev
    through the module itself).
    """
    cfg = model.cfg
    if not cfg.batchnorm or cfg.depth != 1 or cfg.dropout:
        raise ValueError(f"ntk_gram_bn_two_layer covers depth 1 with batch norm and no dropout; got depth="
                         f"{cfg.depth}, batchnorm={cfg.batchnorm}, dropout={cfg.dropout}")
    with torch.no_grad():
        S, n = X.shape[0], X.shape[1]
        h = torch.baddbmm(p[B0][:, None, :], X, p[W0].transpose(1, 2))       # [S, n, H]
        mu = h.mean(1, keepdim=True)
        sigma = (h.var(1, unbiased=False, keepdim=True) + BN_EPS).sqrt()        # BatchNorm1d: biased var
        zh = (h - mu) / sigma
        gamma, beta, a = p[GAMMA][:, None, :], p[BETA][:, None, :], p[W1][:, :1, :]
        pre = gamma * zh + beta
        g = a * (pre > 0).to(X.dtype)                                          # ∂ŷ/∂(BN output)
        Xc = X - X.mean(1, keepdim=True)
        m = torch.bmm(zh.transpose(1, 2), Xc) / n                              # [S, H, 2]
        dW = (g * gamma / sigma)[..., None] * (Xc[:, :, None, :] - zh[..., None] * m[:, None])   # [S, n, H, 2]
        Phi = torch.cat([dW.reshape(S, n, -1), g * zh, g, torch.relu(pre),
                         torch.ones(S, n, 1, dtype=X.dtype, device=X.device)], 2)
        return torch.bmm(Phi, Phi.transpose(1, 2))


# the eigen-directions of K₀ whose responses the released scripts plot in Fig. 1(d) (0-based)
FIG1D_FEATURES = (1, 6)


def feature_responses(K: torch.Tensor, y: torch.Tensor, trace: torch.Tensor,
                      features: tuple[int, ...] = FIG1D_FEATURES) -> dict[str, np.ndarray]:
    """Fig. 1(d)'s responses z_j(t) = |u_jᵀ ŷ(t)| (module docstring) for each seed.

    Args:
        K: [S, n, n] NTK Gram matrices at initialization (any float dtype; decomposed in float64).
        y: [S, n] labels in {−1, +1}.
        trace: [T, S, n] outputs ŷ(t) on the training set at T recorded steps.
        features: 0-based eigen-direction indices, by decreasing eigenvalue.

    Returns:
        ``z`` [T, S, k], ``eig`` [S, k] (eigenvalues of K₀), ``label_overlap`` [S, k] = |u_jᵀ y|/√n.
    """
    S, n = K.shape[0], K.shape[1]
    if trace.dim() != 3 or trace.shape[1:] != (S, n):
        raise ValueError(f"trace must be [T, {S}, {n}]; got {tuple(trace.shape)}")
    if not features or min(features) < 0 or max(features) >= n:
        raise ValueError(f"features must be indices in [0, {n}); got {features!r}")
    ev, U = torch.linalg.eigh(K.double())
    idx = torch.tensor([n - 1 - j for j in features])           # eigh is ascending
    Uj = U[:, :, idx]                                           # [S, n, k]
    z = torch.einsum("tsn,snk->tsk", trace.double(), Uj).abs()
    yv = y.reshape(S, n).double()
    ov = torch.einsum("sn,snk->sk", yv, Uj).abs() / n ** 0.5
    return {"z": z.cpu().numpy(), "eig": ev[:, idx].cpu().numpy(), "label_overlap": ov.cpu().numpy()}
