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

from empirical.train import Model


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

    return torch.func.jacrev(f, chunk_size=16)(flat_seed)  # chunks bound vmap's memory


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
