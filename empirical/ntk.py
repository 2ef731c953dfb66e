"""Empirical NTK at initialization and the responses z of Definition 1 (Eq. 2–4).

Φ₀ = ∂ŷ/∂θ at θ₀ (Eq. 2), n × m. With Y = diag(y) and the SVD YΦ₀ = U S Vᵀ (Definition 1),
U and S² are the eigenvectors and eigenvalues of Y K₀ Y, K₀ = Φ₀Φ₀ᵀ the NTK Gram matrix;
the response to feature j is z_j = (Uᵀ Y (ŷ − ŷ₀))_j (Eq. 4, outputs centred at their
initial value as in Eq. 3). Singular vectors have a sign ambiguity: we fix the sign of each
column of U so that its entries sum to ≥ 0 (Definition 1's reading: all-positive weights =
the feature agrees with the labels).

Routes:
* :func:`phi_func` — Φ₀ by ``torch.func.jacrev`` of the network as a function of its flat
  parameters (any configuration, including batch norm with batch statistics);
* :func:`phi_two_layer` — the analytic Φ₀ of ŷ(x) = Σⱼ aⱼ relu(wⱼ·x + bⱼ) + c:
  ∂ŷ/∂wⱼ = aⱼ 1[hⱼ > 0] x, ∂ŷ/∂bⱼ = aⱼ 1[hⱼ > 0], ∂ŷ/∂aⱼ = relu(hⱼ), ∂ŷ/∂c = 1;
* :func:`ntk_gram_mlp` — the analytic Gram matrix of any plain ReLU MLP,
  K(x, x') = Σ_l (h_l·h'_l + 1)(g_l·g'_l), with h_l the input of layer l and g_l = ∂ŷ/∂(pre-
  activation of layer l) (the weight gradient of layer l is g_l h_lᵀ); cheap for the deep net
  where Φ₀ (300 × 753,001) would not fit comfortably in memory.
"""

from __future__ import annotations

import numpy as np
import torch

from empirical.train import Model, forward


def phi_func(model: Model, flat_seed: torch.Tensor, X: torch.Tensor, *, batch_stats: bool | None = None) -> torch.Tensor:
    """Φ₀ [n, P] by torch.func.jacrev for ONE seed (``model`` built with S = 1).

    Args:
        flat_seed: the seed's flat parameters (layout of ``Model(cfg, 1)``).
        X: [n, 2] inputs.
        batch_stats: BN with batch statistics (the function training optimizes); default
            True when the configuration has batch norm.
    """
    if model.S != 1:
        raise ValueError(f"model must have S = 1 for phi_func; got S = {model.S}")
    bn = model.cfg.batchnorm if batch_stats is None else batch_stats

    def f(flat):
        return forward(model, model.views(flat), X[None], train=bn)[0, :, 0]

    return torch.func.jacrev(f, chunk_size=16)(flat_seed)  # chunks bound vmap's memory


def phi_two_layer(W0: torch.Tensor, b0: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """Analytic Φ₀ of the one-hidden-layer ReLU net, in :class:`Model`'s flat order.

    Args:
        W0 [2, H], b0 [1, H], W1 [H, 1], b1 [1, 1]: one seed's parameters (h = x W0 + b0).
        X: [n, 2].
    """
    h = X @ W0 + b0                                   # [n, H]
    act = (h > 0).to(X.dtype) * W1[:, 0]              # aⱼ 1[hⱼ > 0]
    dW0 = X[:, :, None] * act[:, None, :]             # [n, 2, H], row-major like W0
    n = X.shape[0]
    return torch.cat([dW0.reshape(n, -1), act, torch.relu(h), torch.ones(n, 1, dtype=X.dtype, device=X.device)], 1)


def ntk_gram_mlp(model: Model, p: dict, X: torch.Tensor) -> torch.Tensor:
    """Analytic NTK Gram matrices [S, n, n] of plain ReLU MLPs (no BN; dropout off)."""
    if model.cfg.batchnorm:
        raise ValueError("ntk_gram_mlp covers plain MLPs; use phi_func for batch norm")
    with torch.no_grad():
        cache: list = []
        forward(model, p, X, train=False, cache=cache)
        acts = cache                                   # inputs of layers 0..L-1
        S, n = X.shape[0], X.shape[1]
        gz = torch.ones(S, n, 1, dtype=X.dtype, device=X.device)
        K = torch.zeros(S, n, n, dtype=X.dtype, device=X.device)
        for l in range(model.L - 1, -1, -1):
            h = acts[l]
            K += (torch.bmm(h, h.transpose(1, 2)) + 1.0) * torch.bmm(gz, gz.transpose(1, 2))
            if l == 0:
                break
            gz = torch.bmm(gz, p[f"W{l}"].transpose(1, 2)) * (h > 0).to(X.dtype)
    return K


def responses(K: torch.Tensor, y: torch.Tensor, yhat: torch.Tensor, yhat0: torch.Tensor, k: int = 2) -> dict[str, np.ndarray]:
    """Feature strengths s and responses z (Definition 1, Eq. 4) for each seed.

    Args:
        K: [S, n, n] NTK Gram at initialization; y: [S, n] labels; yhat, yhat0: [S, n]
            outputs after training and at initialization.
        k: how many leading features to return.

    Returns:
        ``s`` [S, k] (descending), ``z`` [S, k] = Uᵀ Y (ŷ − ŷ₀), ``z_norm`` [S] = ‖Y(ŷ − ŷ₀)‖.
    """
    Kd = K.double()
    y = y.reshape(K.shape[0], -1).double()
    A = y[:, :, None] * Kd * y[:, None, :]
    ev, U = torch.linalg.eigh(A)
    ev, U = ev.flip(-1), U.flip(-1)
    sgn = torch.where(U.sum(1) >= 0, 1.0, -1.0).to(U.dtype)
    U = U * sgn[:, None, :]
    r = y * (yhat.double() - yhat0.double())
    z = torch.einsum("snk,sn->sk", U[:, :, :k], r)
    return {"s": ev[:, :k].clamp_min(0).sqrt().cpu().numpy(), "z": z.cpu().numpy(),
            "z_norm": r.norm(dim=1).cpu().numpy()}
