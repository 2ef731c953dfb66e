"""Minimal-ε adversarial margins by projected gradient descent (§4.2, Fig. 2, Table 1).

The margin of a point x with predicted class c is the smallest ‖δ‖ (L∞ or L2) for which the
prediction at x + δ differs from c — Fig. 2's "norm of the disturbance" at which a point becomes
mis-classified, whose distribution over test points is the curve the paper plots (its CDF).
Computing it exactly is NP-hard for ReLU networks; the standard estimate, used here, is an
*upper bound certified by an adversarial example*:

* **PGD at a fixed budget ε** (:func:`pgd`, Madry et al. 2018): minimise the class score
  g(x + δ) = z_c − max_{j≠c} z_j (binary logit f: g = sign(f(x))·f) over ‖δ‖ ≤ ε by steps
  δ ← Π_ε(δ − α·ε·d), with d = sign(∇g) for L∞ (steepest descent for L∞) and d = ∇g/‖∇g‖₂ for
  L2, α = 2.5/steps (the usual choice: the iterate can cross the ball 2.5 times). Every iterate
  with g ≤ 0 is an adversarial example; the smallest norm among them is kept.
* **Bisection on ε** (:func:`minimal_margin`): per point, [lo, hi] = [0, ε_max]; PGD at
  ε = (lo + hi)/2; success → hi = min(ε, ‖δ_found‖), failure → lo = ε. The reported margin is
  hi: an adversarial example of that norm exists. Failure of PGD does not prove robustness, so
  the margin is an upper bound on the true one (exact for linear models, where steepest descent
  reaches the optimum: :func:`linear_margin`). Points still correct at ε_max are *censored*
  (margin = ε_max, flagged).

Everything is batched: inputs are [S, n, ...] for S models (seeds of an ensemble, evaluated by one
batched forward ``f``) and n points, every point has its own ε, and no Python loop runs over
points or seeds. Signed margins: negative for points the model mis-classifies (as
:mod:`empirical.measure` does for two moons).

References: Madry, Makelov, Schmidt, Tsipras & Vladu, "Towards deep learning models resistant
to adversarial attacks", ICLR 2018 (PGD); the paper's Fig. 2 / Table 1 (ε_PGD = 0.05).
"""

from __future__ import annotations

import math
from typing import Callable

import torch

NORMS = ("linf", "l2")


def _check_norm(norm: str) -> None:
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}; got {norm!r}")


def class_score(logits: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """g = z_c − max_{j≠c} z_j for logits [..., K] (K ≥ 2), or s·f for binary logits [...] with
    c ∈ {−1, +1} the sign to keep. g > 0 iff the prediction is still c."""
    if logits.dim() == c.dim():          # binary: one logit per point
        return c.to(logits.dtype) * logits
    zc = logits.gather(-1, c[..., None])[..., 0]
    other = logits.scatter(-1, c[..., None], float("-inf")).amax(-1)
    return zc - other


def predicted(logits: torch.Tensor, binary: bool) -> torch.Tensor:
    """Predicted class: sign of the logit (binary, ties → +1) or argmax."""
    if binary:
        return torch.where(logits >= 0, 1, -1).to(torch.long)
    return logits.argmax(-1)


def _norm(d: torch.Tensor, norm: str, nd: int) -> torch.Tensor:
    flat = d.flatten(nd)
    return flat.abs().amax(-1) if norm == "linf" else flat.norm(dim=-1)


def _expand(e: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
    return e.reshape(e.shape + (1,) * (d.dim() - e.dim()))


def _project(d: torch.Tensor, eps: torch.Tensor, norm: str, nd: int) -> torch.Tensor:
    if norm == "linf":
        e = _expand(eps, d)
        return torch.maximum(torch.minimum(d, e), -e)
    n = _norm(d, norm, nd)
    scale = torch.where(n > eps, eps / n.clamp_min(torch.finfo(d.dtype).tiny), torch.ones_like(n))
    return d * _expand(scale, d)


def pgd(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, c: torch.Tensor, eps: torch.Tensor,
        norm: str, *, steps: int = 20, box: tuple[float, float] | None = None) -> dict:
    """PGD at per-point budgets (module docstring).

    Args:
        f: batched model, x [S, n, ...] → logits [S, n] (binary) or [S, n, K].
        x: [S, n, ...] inputs (not modified).
        c: [S, n] class to move away from (sign ±1 for binary, index for K classes).
        eps: [S, n] budgets ≥ 0.
        norm: ``"linf"`` or ``"l2"``.
        steps: PGD iterations (≥ 1).
        box: clip x + δ into [lo, hi] (valid pixel range), or None.

    Returns:
        {"success": [S, n] bool, "norm": [S, n] smallest ‖δ‖ among adversarial iterates (inf
        where none), "delta": [S, n, ...] that δ (zeros where none), "score": [S, n] min g seen}.
    """
    _check_norm(norm)
    if int(steps) != steps or steps < 1:
        raise ValueError(f"steps must be an integer >= 1; got {steps!r}")
    nd = c.dim()
    eps = eps.to(x.dtype)
    alpha = 2.5 / steps
    delta = torch.zeros_like(x)
    best_norm = torch.full(c.shape, math.inf, dtype=x.dtype, device=x.device)
    best_delta = torch.zeros_like(x)
    best_score = torch.full(c.shape, math.inf, dtype=x.dtype, device=x.device)
    for it in range(steps + 1):
        d = delta.detach().requires_grad_(True)
        xa = x + d
        if box is not None:
            xa = xa.clamp(box[0], box[1])
        with torch.enable_grad():
            g = class_score(f(xa), c)
            grad = torch.autograd.grad(g.sum(), d)[0] if it < steps else None
        g = g.detach()
        with torch.no_grad():
            eff = (xa - x).detach()
            n = _norm(eff, norm, nd)
            hit = (g <= 0) & (n < best_norm)
            best_norm = torch.where(hit, n, best_norm)
            best_delta = torch.where(_expand(hit, x), eff, best_delta)
            best_score = torch.minimum(best_score, g)
            if grad is None:
                break
            if norm == "linf":
                step = grad.sign()
            else:
                gn = _norm(grad, "l2", nd).clamp_min(torch.finfo(x.dtype).tiny)
                step = grad / _expand(gn, grad)
            delta = _project(delta - alpha * _expand(eps, x) * step, eps, norm, nd)
    return {"success": torch.isfinite(best_norm), "norm": best_norm, "delta": best_delta, "score": best_score}


def minimal_margin(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, *, norm: str, eps_max: float,
                   labels: torch.Tensor | None = None, n_bisect: int = 12, steps: int = 20,
                   box: tuple[float, float] | None = None) -> dict:
    """Minimal adversarial perturbation norm of every point by PGD + bisection on ε.

    Args:
        f: batched model (:func:`pgd`); binary if it returns [S, n], K-class if [S, n, K].
        x: [S, n, ...] points.
        norm: ``"linf"`` or ``"l2"``.
        eps_max: largest budget searched (> 0); points that survive it are censored.
        labels: [S, n] true labels (±1 binary, index K-class) to sign the margins, or None.
        n_bisect: bisection halvings (the bracket width ends ≤ eps_max·2^−n_bisect).
        steps: PGD steps per budget.
        box: pixel range for x + δ, or None.

    Returns:
        {"margin": [S, n] (signed if labels given: negative where the prediction is wrong),
         "censored": [S, n] bool, "lower": [S, n] the largest ε at which PGD failed}.
    """
    _check_norm(norm)
    if not (isinstance(eps_max, (int, float)) and math.isfinite(eps_max) and eps_max > 0):
        raise ValueError(f"eps_max must be a finite number > 0; got {eps_max!r}")
    if int(n_bisect) != n_bisect or n_bisect < 0:
        raise ValueError(f"n_bisect must be an integer >= 0; got {n_bisect!r}")
    with torch.no_grad():
        z = f(x)
    binary = z.dim() == 2          # [S, n]: one logit per point
    c = predicted(z, binary)
    shape = c.shape
    hi = torch.full(shape, float(eps_max), dtype=x.dtype, device=x.device)
    lo = torch.zeros_like(hi)
    top = pgd(f, x, c, hi, norm, steps=steps, box=box)
    censored = ~top["success"]
    hi = torch.where(top["success"], torch.minimum(hi, top["norm"]), hi)
    for _ in range(n_bisect):
        mid = 0.5 * (lo + hi)
        r = pgd(f, x, c, mid, norm, steps=steps, box=box)
        ok = r["success"] & ~censored
        hi = torch.where(ok, torch.minimum(mid, r["norm"]), hi)
        lo = torch.where(ok | censored, lo, mid)
    margin = hi
    if labels is not None:
        if labels.shape != shape:
            raise ValueError(f"labels must have shape {list(shape)}; got {list(labels.shape)}")
        wrong = c != labels.to(c.dtype)
        margin = torch.where(wrong, -margin, margin)
    return {"margin": margin, "censored": censored, "lower": lo}


def robust_accuracy(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, labels: torch.Tensor, eps: float,
                    *, norm: str = "linf", steps: int = 20, box: tuple[float, float] | None = None) -> dict:
    """Accuracy under a fixed-ε PGD attack (Table 1's OOD column), per model [S].

    The attack starts from the true label (an already-wrong point counts as wrong). Returns
    {"clean": [S], "robust": [S]} accuracies."""
    _check_norm(norm)
    if not (math.isfinite(eps) and eps >= 0):
        raise ValueError(f"eps must be a finite number >= 0; got {eps!r}")
    with torch.no_grad():
        z = f(x)
    binary = z.dim() == labels.dim()
    correct = predicted(z, binary) == labels.to(torch.long)
    e = torch.full(labels.shape, float(eps), dtype=x.dtype, device=x.device)
    r = pgd(f, x, labels.to(torch.long), e, norm, steps=steps, box=box) if eps > 0 else {"success": ~correct}
    robust = correct & ~r["success"]
    return {"clean": correct.to(x.dtype).mean(-1), "robust": robust.to(x.dtype).mean(-1)}


def linear_margin(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, norm: str) -> torch.Tensor:
    """Exact margin of a linear classifier f = w·x + b: |f(x)| / ‖w‖_dual, the dual norm of the
    attack's norm (‖w‖₁ for L∞, ‖w‖₂ for L2; Hölder's inequality, attained by δ ∝ −sign(w) resp.
    −w). w [S, d], b [S], x [S, n, d] → [S, n]. The reference of the tests."""
    _check_norm(norm)
    f = torch.einsum("snd,sd->sn", x, w) + b[:, None]
    dual = w.abs().sum(-1) if norm == "linf" else w.norm(dim=-1)
    return f.abs() / dual[:, None]
