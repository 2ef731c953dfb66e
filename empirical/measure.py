"""Measurements of a trained batch of networks: accuracy, input-space margin, reliance on x₂.

Definitions (all per training point i, then averaged over points, then mean ± std over seeds):

* **Input-space margin** m_i: the smallest ‖δ‖₂ such that sign f(x_i + δ) ≠ sign f(x_i) —
  the distance from x_i to the decision boundary {f = 0} — signed: negative when x_i is
  misclassified. Found by a batched line search over directions: K rays
  u_k = (cos 2πk/K, sin 2πk/K) from every point, a scan of T equal steps on (0, r_max]
  for the first sign change, then bisection of that bracket; m_i = min_k. It is exact up to
  (i) the angular grid: for a locally straight boundary the nearest ray is at most π/K off
  the normal, overestimating by a factor ≤ 1/cos(π/K) (K = 32: ≤ 0.49 %), (ii) the
  bisection tolerance r_max/T·2^−B, and (iii) boundary pieces thinner than a scan step
  r_max/T, which a ray can step over. Points with no crossing within r_max get m_i = r_max
  (censored; their count is reported). We report the mean and the 10th percentile over
  points (the paper's concern is the boundary running *close to* the data).
* **Reliance on the second coordinate**, two measures, both in the data's own frame
  (e1 = discriminative axis, e2 = the moon-shape axis, rotated with the data):
  - ``reliance_normal``: sin² of the angle between the boundary's normal ∇f(b_i) at the
    nearest boundary point b_i = x_i + m_i u_k* and e1, i.e. (∇f·e2)²/‖∇f‖², averaged over
    points. A boundary that ignores x₂ (a straight line perpendicular to e1, the gradient-
    starved solution of §2) gives 0; a curved boundary following the moons gives > 0. It is
    measured where the margin is decided, i.e. it is the part of the boundary that Fig. 1
    shows.
  - ``flip_x2``: the fraction of training predictions whose sign changes when each
    point's e2-coordinate is replaced by the training mean of that coordinate (an
    intervention: 0 when the prediction does not use x₂ at all).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from empirical.data.moons import data_frame
from empirical.train import Model

CHUNK_ELEMS = 1 << 22  # hidden activations per chunk (16 MB in float32): each vmapped call through the
# Ensemble costs ~3 ms of fixed overhead here, so chunks are larger than the cache (measured: 1<<20 2.9 s,
# 1<<22 2.4 s for 4 slots x 172,800 points, 1 thread)


def predict(model: Model, p: dict, X: torch.Tensor, running=None) -> torch.Tensor:
    """Eval-mode f on X [S, M, 2] → [S, M] through the Ensemble (``Model.apply``), chunked.

    ``running``: the module buffers (batch norm's running statistics; default the Ensemble's).
    """
    S, M = X.shape[0], X.shape[1]
    chunk = max(1, CHUNK_ELEMS // (S * max(model.dims[1:-1] + [1])))
    outs = []
    with torch.no_grad():
        for a in range(0, M, chunk):
            outs.append(model.apply(p, X[:, a:a + chunk], train=False, buffers=running))
    return torch.cat(outs, dim=1)


def margins(model: Model, p: dict, X: torch.Tensor, y: torch.Tensor, running=None, *,
            n_dirs: int = 32, n_steps: int = 32, r_max: float = 1.6, n_bisect: int = 14) -> dict:
    """Signed input-space margins of every training point (module docstring).

    Args:
        X: [S, n, 2] training inputs; y: [S, n] or [S, n, 1] labels in {−1, +1}.
        n_dirs, n_steps, r_max, n_bisect: K, T, r_max, B of the search (all > 0).

    Returns:
        dict of tensors: ``margin`` [S, n] (signed L2), ``boundary`` [S, n, 2] (b_i),
        ``censored`` [S, n] (bool: no crossing within r_max), ``margin_linf`` [S, n] (signed
        L∞ distance to the boundary, from the same rays; exact up to the angular grid where
        it is ≤ r_max/√2).
    """
    if n_dirs < 4 or n_steps < 1 or n_bisect < 1 or not r_max > 0:
        raise ValueError(f"need n_dirs >= 4, n_steps >= 1, n_bisect >= 1, r_max > 0; got "
                         f"{n_dirs}, {n_steps}, {n_bisect}, {r_max}")
    y = y.reshape(X.shape[0], X.shape[1])
    S, n = X.shape[0], X.shape[1]
    dt, dev = X.dtype, X.device
    f0 = predict(model, p, X, running)
    s0 = torch.sign(f0)
    phi = torch.arange(n_dirs, dtype=dt, device=dev) * (2 * math.pi / n_dirs)
    u = torch.stack([torch.cos(phi), torch.sin(phi)], dim=-1)              # [K, 2]
    ts = r_max * torch.arange(1, n_steps + 1, dtype=dt, device=dev) / n_steps
    pts = X[:, :, None, None, :] + ts[:, None] * u[:, None, :]              # [S, n, K, T, 2]
    f = predict(model, p, pts.reshape(S, -1, 2), running).reshape(S, n, n_dirs, n_steps)
    crossed = (f * s0[:, :, None, None]) <= 0
    has = crossed.any(-1)
    idx = torch.argmax(crossed.to(torch.uint8), dim=-1)                    # first crossing
    hi = ts[idx]
    lo = torch.where(idx > 0, ts[(idx - 1).clamp_min(0)], torch.zeros_like(hi))
    for _ in range(n_bisect):
        mid = 0.5 * (lo + hi)
        q = X[:, :, None, :] + mid[..., None] * u                          # [S, n, K, 2]
        fm = predict(model, p, q.reshape(S, -1, 2), running).reshape(S, n, n_dirs)
        c = (fm * s0[:, :, None]) <= 0
        hi = torch.where(c, mid, hi)
        lo = torch.where(c, lo, mid)
    dist = torch.where(has, hi, torch.full_like(hi, r_max))
    d, k = dist.min(dim=-1)
    censored = ~has.gather(-1, k[..., None])[..., 0]
    boundary = X + d[..., None] * u[k]
    sign = torch.where(s0 * y > 0, 1.0, -1.0).to(dt)
    d = torch.where(s0 == 0, torch.zeros_like(d), d)
    # L∞: ray k's crossing is dist_k·‖u_k‖∞ away in the max-norm and the L∞-nearest boundary
    # point lies on some ray, so the minimum over rays is the L∞ margin up to the same angular
    # grid; rays without a crossing count as r_max (every ray reaches L∞ radius r_max/√2)
    dinf = torch.where(has, hi * u.abs().amax(-1), torch.full_like(hi, r_max)).min(dim=-1).values
    dinf = torch.where(s0 == 0, torch.zeros_like(dinf), dinf)
    return {"margin": sign * d, "boundary": boundary, "censored": censored, "margin_linf": sign * dinf}


def input_gradient(model: Model, p: dict, X: torch.Tensor, running=None) -> torch.Tensor:
    """∇ₓ f at X [S, M, 2] (eval mode) → [S, M, 2]."""
    Xg = X.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        pd = {k: v.detach() for k, v in p.items()}
        out = model.apply(pd, Xg, train=False, buffers=running)
        (g,) = torch.autograd.grad(out.sum(), Xg)
    return g


def measure(model: Model, p: dict, X: torch.Tensor, y: torch.Tensor, rotation: float = 0.0,
            running=None, **search) -> dict[str, np.ndarray]:
    """All per-seed metrics (arrays of length S) of the module docstring."""
    S, n = X.shape[0], X.shape[1]
    y = y.reshape(S, n)
    f = predict(model, p, X, running)
    acc = ((torch.sign(f) == y).to(X.dtype)).mean(1)
    mg = margins(model, p, X, y, running, **search)
    m = mg["margin"]
    e1, e2 = (torch.tensor(v, dtype=X.dtype, device=X.device) for v in data_frame(rotation))
    gb = input_gradient(model, p, mg["boundary"], running)
    rel = (gb @ e2) ** 2 / (gb.square().sum(-1) + torch.finfo(X.dtype).tiny)
    c2 = X @ e2
    Xa = X - (c2 - c2.mean(1, keepdim=True))[..., None] * e2
    fa = predict(model, p, Xa, running)
    flip = (torch.sign(fa) != torch.sign(f)).to(X.dtype).mean(1)
    mnp = m.cpu().double().numpy()
    return {
        "accuracy": acc.cpu().double().numpy(),
        "margin_mean": mnp.mean(1),
        "margin_p10": np.percentile(mnp, 10, axis=1),
        "margin_min": mnp.min(1),
        "censored": mg["censored"].sum(1).cpu().numpy().astype(float),
        "reliance_normal": rel.mean(1).cpu().double().numpy(),
        "flip_x2": flip.cpu().double().numpy(),
    }


def heldout_margins(model: Model, p: dict, X: torch.Tensor, y: torch.Tensor, running=None,
                    **search) -> dict[str, np.ndarray]:
    """Signed L2 and L∞ input-space margins of held-out points (Fig. 2's per-point margins).

    Args:
        X: [S, m, 2] held-out inputs (same generator as the training set, another seed);
        y: [S, m] labels; search: :func:`margins`' options.

    Returns:
        per-point ``l2`` and ``linf`` [S, m]; per seed ``accuracy``, ``min``/``p10``/``mean``
        of each norm (``l2_min``, ...), ``censored`` (count).
    """
    S, m = X.shape[0], X.shape[1]
    y = y.reshape(S, m)
    mg = margins(model, p, X, y, running, **search)
    out = {"l2": mg["margin"].cpu().double().numpy(), "linf": mg["margin_linf"].cpu().double().numpy()}
    f = predict(model, p, X, running)
    res = {"accuracy": ((torch.sign(f) == y).to(X.dtype)).mean(1).cpu().double().numpy(),
           "censored": mg["censored"].sum(1).cpu().numpy().astype(float)}
    for norm, a in out.items():
        res[f"{norm}_min"] = a.min(1)
        res[f"{norm}_p10"] = np.percentile(a, 10, axis=1)
        res[f"{norm}_mean"] = a.mean(1)
    return {**out, **res}


def heatmap(model: Model, p: dict, running=None, n: int = 100, lim: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seed-averaged decision function on an n×n grid over [−lim, lim]² (Fig. 1 / Fig. 6)."""
    t = torch.linspace(-lim, lim, n, dtype=torch.float64)
    g1, g2 = torch.meshgrid(t, t, indexing="xy")
    plane = torch.stack([g1.flatten(), g2.flatten()], 1)
    some = next(iter(p.values()))
    P = plane.to(dtype=some.dtype, device=some.device).expand(model.S, -1, -1).contiguous()
    f = predict(model, p, P, running).mean(0).reshape(n, n)
    return g1.numpy(), g2.numpy(), f.cpu().double().numpy()
