"""The eNTK experiments' network (a :class:`empirical.models.Ensemble` of one-hidden-layer
:class:`empirical.models.MLP` s), its closed-form Jacobian and eNTK, and training to the optimum.

Shared by :mod:`empirical.width_sweep` and :mod:`empirical.starvation` (Eq. 9, Eq. 18, Thm. 2
on trained networks). Everything runs in float64 (kernel eigendecompositions and the
engine's 1e-12 residuals need it).

Data: :mod:`empirical.data.synthetic` (two-feature and block designs).

Model (:class:`EntkEnsemble`): B copies of ``models.MLP(d, width, 1, 1, param, act,
bias=False, init="normal")`` (seeds × sweep points) run as one ``models.Ensemble``, so

    f(x) = c_v · v · φ(c_w · W x),   W ∈ R^{w×d}, v ∈ R^w, no biases,

with W = ``layers.0.weight`` [B, w, d] and v = ``layers.1.weight`` [B, 1, w] read off the
ensemble's stacked parameters. The forward pass is the module's (``torch.func`` over
``models.MLP``); only the Jacobian and the eNTK are written in closed form here (checked
against ``torch.func.jacrev`` of the module in the tests), because the chunked eNTK never
forms the n × m Jacobian.

φ = GELU by default (ReLU available). Why not ReLU: with ReLU, L-BFGS on CE + λ/2‖θ−θ₀‖²
stalls at max|∇| ~ 1e-2 after 3,000 iterations (measured, widths 16–1024): the minimiser
sits on activation kinks (some pre-activation h_ij = 0), where the gradient does not vanish,
so "the trained network at its optimum" is not well defined to the precision the comparison
with the engine needs. GELU is smooth and ReLU-shaped.

* ``"ntk"`` parameterization: W, v ~ N(0, 1) and (c_w, c_v) = (1/√d, 1/√w) (Eq. 1 with
  γ = 1 scaling, Jacot et al.);
* ``"sp"`` (standard, ``models.MLP(param="standard")``): W ~ N(0, 1/d), v ~ N(0, 1/w),
  (c_w, c_v) = (1, 1).

Both compute the same function distribution at init; they differ in the gradients, hence
in Φ₀ and in what gradient-based training / the θ-penalty does.

Seeds: member b is drawn from its own generator ``torch.Generator().manual_seed(seeds[b])``
(W, then v), as ``models.Ensemble`` does for every experiment. An int ``seed`` means the
seeds ``seed, seed + 1, …, seed + B − 1``. (The former stand-alone class drew all B copies
of an int seed from one generator; for B = 1 the draws are the same, and every experiment
passes one seed per copy, whose draws are unchanged.)

Centring (Eq. 3). The network used for training is f̃(x; θ) = f(x; θ) − f(x; θ₀), so ŷ₀ = 0
exactly and Eq. 5's loss on ŷ = Φ₀θ (centred θ) is the linearization of the trained loss.
Eq. 5's ‖θ‖² in centred coordinates is λ/2 ‖θ − θ₀‖² (weight decay toward the
initialization); that is the "CE + weight decay" objective here (``"ce_wd"``). The
practitioner's objective, the one the paper's "without loss of generality" stands in for,
is ``"ce_wd0"``: CE on the *uncentred* output f(x; θ) (ŷ₀ ≠ 0) + λ/2 ‖θ‖² (weight decay
toward 0). SD is Eq. 17: Σ log(1 + e^{−yŷ}) + λ/2 ‖ŷ‖² on the centred output, no penalty
on θ. The objectives are :mod:`empirical.objectives`' classes (sum reduction, as printed).

Training (:func:`train`): for SD, minimum-norm Gauss–Newton (:func:`gauss_newton_sd`; SD's
optimum is an interpolation of per-example targets, where L-BFGS crawled to max|∇| ~ 1e-2);
otherwise full batch, L-BFGS (strong Wolfe line search) on the sum over the
B independent objectives (block separable, so a stationary point of the sum is a stationary
point of each), iterated until max|∇| ≤ ``gtol`` for every copy or ``max_iter`` is spent.
We use L-BFGS because the quantities under test (Definition 2, Eq. 9, Eq. 18) are about the
*optimum*, and it reaches gradient norms ~1e-9 in seconds where plain GD would need 10⁵+
steps; started from θ₀ it finds the minimiser nearest to initialization that GD would find
for these (strongly convex in the linearized model) objectives.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from empirical.models import MLP, Ensemble
from empirical.objectives import SD, CEWeightDecay

DTYPE = torch.float64
PARAMS = ("ntk", "sp")
LOSSES = ("ce_wd", "sd", "ce_wd0")
ACTS = ("gelu", "relu")
METHODS = ("lbfgs", "gn", "lbfgs+gn")
_W, _V = "layers.0.weight", "layers.1.weight"      # the stacked parameters' names in models.MLP
_SQRT1_2 = 1.0 / math.sqrt(2.0)


def _act(h: torch.Tensor, act: str) -> torch.Tensor:
    """φ(h): GELU h·Φ_N(h) (default, smooth) or ReLU (as nn.GELU / nn.ReLU of models.MLP)."""
    return torch.nn.functional.gelu(h) if act == "gelu" else torch.relu(h)


def _dact(h: torch.Tensor, act: str) -> torch.Tensor:
    """φ'(h): Φ_N(h) + h·N(h; 0, 1) for GELU, 1[h > 0] for ReLU."""
    if act == "relu":
        return (h > 0).to(h.dtype)
    return 0.5 * (1.0 + torch.erf(h * _SQRT1_2)) + h * torch.exp(-0.5 * h * h) / math.sqrt(2 * math.pi)


def _check_pos(x: float, name: str) -> None:
    if not (isinstance(x, (int, float)) and math.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be a finite number > 0; got {x!r}")


class EntkEnsemble:
    """B one-hidden-layer ``models.MLP`` s as one ``models.Ensemble``, viewed as stacked (W, v).

    Attributes:
        ens: the :class:`empirical.models.Ensemble` (its ``params`` are the trained leaves,
            its ``params0`` θ₀).
        param: ``"ntk"`` or ``"sp"``; act: ``"gelu"`` or ``"relu"``.
    """

    def __init__(self, ens: Ensemble, param: str, act: str):
        if set(ens.params) != {_W, _V}:
            raise ValueError(f"ens must hold a bias-free one-hidden-layer MLP; got parameters {sorted(ens.params)}")
        self.ens, self.param, self.act = ens, param, act
        self._f0: tuple | None = None      # (X, f(X; θ₀)) of the last centred call

    @classmethod
    def init(cls, B: int, width: int, d: int, param: str = "ntk", seed: int | list[int] = 0,
             act: str = "gelu", device="cpu") -> "EntkEnsemble":
        """B members; ``seed`` a list of B seeds (one per member) or an int s (seeds s, …, s+B−1).

        Drawn on the CPU in float64 (the numbers do not depend on ``device``), then moved.
        """
        if act not in ACTS:
            raise ValueError(f"act must be one of {ACTS}; got {act!r}")
        if param not in PARAMS:
            raise ValueError(f"param must be one of {PARAMS}; got {param!r}")
        if isinstance(width, bool) or int(width) != width or width < 1:
            raise ValueError(f"width must be an integer >= 1; got {width!r}")
        seeds = [int(seed) + b for b in range(B)] if isinstance(seed, int) else [int(s) for s in seed]
        if len(seeds) != B:
            raise ValueError(f"seed must be an int or a list of B = {B} ints; got {len(seeds)}")
        mp = "ntk" if param == "ntk" else "standard"
        ens = Ensemble(lambda: MLP(d, int(width), 1, 1, param=mp, act=act, bias=False, init="normal"),
                       seeds, device=device, dtype=DTYPE)
        return cls(ens, param, act)

    def subset(self, sl: slice) -> "EntkEnsemble":
        """Members ``sl`` (detached views of the current parameters; for evaluation in chunks)."""
        e = copy.copy(self.ens)
        e.params = {k: v.detach()[sl] for k, v in self.ens.params.items()}
        e.params0 = {k: v[sl] for k, v in self.ens.params0.items()}
        e.seeds = self.ens.seeds[sl]
        return EntkEnsemble(e, self.param, self.act)

    def subset_trainable(self, idx) -> "EntkEnsemble":
        """Members ``idx`` as a new ensemble with their own leaf parameters (copies) and θ₀."""
        idx = torch.as_tensor(idx, dtype=torch.long)
        e = copy.copy(self.ens)
        e.params = {k: v.detach()[idx].clone().requires_grad_(True) for k, v in self.ens.params.items()}
        e.params0 = {k: v[idx].clone() for k, v in self.ens.params0.items()}
        e.seeds = [self.ens.seeds[i] for i in idx.tolist()]
        return EntkEnsemble(e, self.param, self.act)

    def merge(self, parts: list) -> "EntkEnsemble":
        """This ensemble with members ``idx`` replaced by those of ``part``, for each (idx, part) in ``parts``."""
        e = copy.copy(self.ens)
        e.params = {k: v.detach().clone() for k, v in self.ens.params.items()}
        for idx, part in parts:
            idx = torch.as_tensor(idx, dtype=torch.long)
            for k in e.params:
                e.params[k][idx] = part.ens.params[k].detach()
        e.params = {k: v.requires_grad_(True) for k, v in e.params.items()}
        return EntkEnsemble(e, self.param, self.act)

    def clone(self) -> "EntkEnsemble":
        """An independent copy (new leaf parameters at the current θ, the same θ₀)."""
        e = copy.copy(self.ens)
        e.params = {k: v.detach().clone().requires_grad_(True) for k, v in self.ens.params.items()}
        return EntkEnsemble(e, self.param, self.act)

    def parameters(self) -> list[torch.Tensor]:
        return self.ens.parameters()

    @property
    def W(self) -> torch.Tensor:
        """W [B, w, d] (the stacked leaf)."""
        return self.ens.params[_W]

    @property
    def v(self) -> torch.Tensor:
        """v [B, w] (a view of the stacked [B, 1, w] leaf)."""
        return self.ens.params[_V][:, 0, :]

    @property
    def W0(self) -> torch.Tensor:
        """W at initialization [B, w, d] (θ₀)."""
        return self.ens.params0[_W]

    @property
    def v0(self) -> torch.Tensor:
        """v at initialization [B, w] (θ₀)."""
        return self.ens.params0[_V][:, 0, :]

    def flat(self, params: dict | None = None) -> torch.Tensor:
        """θ per member as [B, w·d + w] in :meth:`jacobian`'s order (vec W row-major, then v)."""
        W, v = self._wv(params)
        return torch.cat([W.flatten(1), v], 1)

    @property
    def width(self) -> int:
        return self.W.shape[1]

    @property
    def d(self) -> int:
        return self.W.shape[2]

    def scales(self) -> tuple[float, float]:
        """(c_w, c_v) of the module docstring, read off the module's layers."""
        return self.ens.base.layers[0].scale, self.ens.base.layers[1].scale

    def raw(self, X: torch.Tensor, params: dict | None = None) -> torch.Tensor:
        """f(X) [B, n] for X [B, n, d] (uncentred), the module's forward pass."""
        return self.ens.forward(X, params, per_member=True)[..., 0]

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        """Centred output f̃(X) = f(X; θ) − f(X; θ₀), [B, n].

        f(X; θ₀) is cached for the last X (the same tensor object: training evaluates one X
        hundreds of times; X must not be modified in place between calls), which halves the
        forward passes of the centred objectives without changing a bit of the result.
        """
        if self._f0 is None or self._f0[0] is not X:
            with torch.no_grad():
                self._f0 = (X, self.raw(X, self.ens.params0))
        return self.raw(X) - self._f0[1]

    def _wv(self, params: dict | None) -> tuple[torch.Tensor, torch.Tensor]:
        p = self.ens.params if params is None else params
        return p[_W].detach(), p[_V].detach()[:, 0, :]

    def jacobian(self, X: torch.Tensor, params: dict | None = None) -> torch.Tensor:
        """Φ = ∂f/∂θ [B, n, w·d + w] (θ = (vec W row-major, v)), closed form, unchunked.

        ∂f/∂W_jk = c_v c_w v_j φ'(h_j) x_k,  ∂f/∂v_j = c_v φ(h_j),  h = c_w W x.
        """
        cw, cv = self.scales()
        W, v = self._wv(params)
        h = cw * X @ W.transpose(1, 2)                      # [B, n, w]
        gv = cv * _act(h, self.act)
        gW = (cv * cw) * (_dact(h, self.act) * v[:, None, :])[..., None] * X[:, :, None, :]
        B, n = X.shape[:2]
        return torch.cat([gW.reshape(B, n, -1), gv], dim=2)

    def ntk(self, X: torch.Tensor, params: dict | None = None, *, chunk: int = 1024) -> torch.Tensor:
        """eNTK Gram matrix Θ = ΦΦᵀ [B, n, n], accumulated over chunks of hidden units.

        Per chunk J of units: Θ += c_v² [R_J R_Jᵀ + c_w² (X Xᵀ) ⊙ (G_J G_Jᵀ)] with
        R = φ(h), G = v ⊙ φ'(h), h = c_w W x: the v-block and the W-block of ΦΦᵀ, since
        Σ_{j,k} v_j² D_ij D_lj x_ik x_lk = (x_i·x_l) Σ_j (v_j D_ij)(v_j D_lj) with D = φ'(h). Memory is
        O(B n chunk), never the n × m matrix Φ.
        """
        if isinstance(chunk, bool) or int(chunk) != chunk or chunk < 1:
            raise ValueError(f"chunk must be an integer >= 1; got {chunk!r}")
        cw, cv = self.scales()
        W, v = self._wv(params)
        XX = X @ X.transpose(1, 2)
        B, n = X.shape[:2]
        RR = torch.zeros(B, n, n, dtype=X.dtype, device=X.device)
        GG = torch.zeros(B, n, n, dtype=X.dtype, device=X.device)
        for j in range(0, W.shape[1], chunk):
            h = cw * X @ W[:, j:j + chunk].transpose(1, 2)
            R = _act(h, self.act)
            G = _dact(h, self.act) * v[:, None, j:j + chunk]
            RR += R @ R.transpose(1, 2)
            GG += G @ G.transpose(1, 2)
        return cv * cv * (RR + cw * cw * XX * GG)


def objective(model: EntkEnsemble, X: torch.Tensor, y: torch.Tensor, loss: str, lam: float) -> torch.Tensor:
    """Per-copy objective [B] (sums over examples, as Eq. 5 and Eq. 17 print them).

    ``"ce_wd"``: CE(f̃) + λ/2‖θ−θ₀‖² (Eq. 5 centred); ``"sd"``: CE(f̃) + λ/2‖f̃‖² (Eq. 17);
    ``"ce_wd0"``: CE(f) + λ/2‖θ‖² on the uncentred f (the practitioner's weight decay).
    """
    if loss == "ce_wd":
        return CEWeightDecay(lam, anchor="init", reduction="sum")(model(X), y, ensemble=model.ens)
    if loss == "sd":
        return SD(lam, reduction="sum")(model(X), y)
    if loss == "ce_wd0":
        return CEWeightDecay(lam, anchor="zero", reduction="sum")(model.raw(X), y, ensemble=model.ens)
    raise ValueError(f"loss must be one of {LOSSES}; got {loss!r}")


def output(model: EntkEnsemble, X: torch.Tensor, loss: str) -> torch.Tensor:
    """The output ŷ the objective ``loss`` trains: uncentred f for ``"ce_wd0"``, centred f̃ otherwise."""
    return model.raw(X) if loss == "ce_wd0" else model(X)


def jvp_T(model: EntkEnsemble, X: torch.Tensor, c: torch.Tensor) -> dict[str, torch.Tensor]:
    """Jᵀc per copy: ∂/∂θ of Σ_i c_bi f_b(x_bi) for each stacked parameter, one backward pass, Φ never formed.

    Args:
        model: The batched net (evaluated at its current θ).
        X: [B, n, d]; c: [B, n] coefficients.

    Returns:
        {name: gradient shaped like the stacked parameter}.
    """
    p = {k: v.detach().requires_grad_(True) for k, v in model.ens.params.items()}
    out = model.raw(X, p)
    g = torch.autograd.grad((out * c).sum(), list(p.values()))
    return dict(zip(p, g))


def sd_margin(lam: float, *, tol: float = 1e-15, max_iter: int = 100) -> float:
    """m* > 0 with σ(−m*) = λ m*: the per-example SD optimum y·ŷ* of Eq. 17 (m ≥ n).

    d/dm [softplus(−m) + λ m²/2] = −σ(−m) + λ m is strictly increasing (derivative
    σ(m)σ(−m) + λ > 0), so the root is unique; it is found by scalar Newton from m = 0.

    Raises:
        ValueError: λ not a finite number > 0, or Newton missed ``tol`` in ``max_iter`` steps.
    """
    _check_pos(lam, "lam")
    m = 0.0
    for _ in range(max_iter):
        sg = 1.0 / (1.0 + math.exp(m))
        g = -sg + lam * m
        if abs(g) < tol:
            return m
        m -= g / (sg * (1.0 - sg) + lam)
    raise ValueError(f"sd_margin: Newton did not reach |g| < {tol:g} for lam = {lam!r}")


def _set(model: EntkEnsemble, base: dict, step: dict, t: torch.Tensor) -> None:
    """θ ← base − t·step per member (t [B]), in place on the stacked leaves."""
    with torch.no_grad():
        for k, p in model.ens.params.items():
            p.copy_(base[k] - t.view(-1, *([1] * (p.dim() - 1))) * step[k])


def gauss_newton_sd(model: EntkEnsemble, X: torch.Tensor, y: torch.Tensor, lam: float, *, tol: float = 1e-13,
                    max_iter: int = 50, chunk: int = 1024) -> dict:
    """Drive the SD objective (Eq. 17) to its optimum by minimum-norm Gauss–Newton, in place.

    Why: every minimiser of Eq. 17 with m ≥ n parameters interpolates the per-example
    optimum ŷ*_i = y_i m* (:func:`sd_margin`), and ∇_θ = Jᵀ g(ŷ) vanishes iff g = 0 when J
    has full row rank. So SD training is the root-finding problem f̃(θ) = ŷ*, n equations
    in m unknowns. L-BFGS on the θ-objective crawls along the eNTK's weak directions
    (condition number of Θ up to 10³–10⁵ here) and stopped at max|∇| ~ 1e-2; the
    minimum-norm Gauss–Newton step Δθ = −Jᵀ(JJᵀ)⁻¹(f̃ − ŷ*) uses Θ = JJᵀ (n × n, chunked
    :meth:`EntkEnsemble.ntk`) and one backward pass (:func:`jvp_T`), and converges quadratically.
    From θ₀ its first step is exactly the linearized (Eq. 3) minimum-norm interpolant —
    the point gradient descent on the linearized model converges to — so it keeps GD's
    implicit bias to first order; later steps correct for the network's curvature.

    Per copy, the step is halved until ‖f̃ − ŷ*‖ decreases (at most 30 halvings; if a copy
    finds no decreasing step the iteration stops). With GELU it converges to max|f̃ − ŷ*| ~
    1e-14 in 5–15 iterations. With ReLU it does not reliably converge (measured: width 32,
    72 copies, residual 0.03 after 136 iterations; width 1024 still 0.6 after 300): units
    crossing their kink make J jump, so the Gauss–Newton model is wrong wherever a step
    flips activations — the ReLU results report the reached max|∇|.

    Args:
        model: The batched net (θ updated in place).
        X: [B, n, d]; y: [B, n] labels ±1.
        lam: λ > 0 of Eq. 17.
        tol: Stop when every copy has max_i |f̃_i − ŷ*_i| ≤ tol.
        max_iter: Gauss–Newton iterations allowed.
        chunk: Hidden-unit chunk of the eNTK.

    Returns:
        {"iterations": int, "residual": [B] max|f̃ − ŷ*| at the end}.
    """
    target = y * sd_margin(lam)
    B = X.shape[0]
    eye = torch.eye(X.shape[1], dtype=X.dtype, device=X.device)
    with torch.no_grad():
        r = model(X) - target
    it = 0
    for it in range(1, max_iter + 1):
        res = r.abs().amax(1)
        if bool((res <= tol).all()):
            it -= 1
            break
        K = model.ntk(X, chunk=chunk)
        # relative jitter 1e-14·mean diag: float64 safety only (Θ is PD for m ≥ n here)
        mu = 1e-14 * torch.diagonal(K, dim1=1, dim2=2).mean(1)
        c = torch.linalg.solve(K + mu[:, None, None] * eye, r[..., None])[..., 0]
        g = jvp_T(model, X, c)
        base = {k: p.detach().clone() for k, p in model.ens.params.items()}
        t = torch.ones(B, dtype=X.dtype, device=X.device)
        done = res <= tol
        rn = r.norm(dim=1)
        for _ in range(31):
            _set(model, base, g, torch.where(done, torch.zeros_like(t), t))
            with torch.no_grad():
                r_new = model(X) - target
            ok = done | (r_new.norm(dim=1) < rn)
            if bool(ok.all()):
                break
            t = torch.where(ok, t, 0.5 * t)
        else:  # some copy found no decreasing step: keep what decreased, stop
            _set(model, base, g, torch.where(ok & ~done, t, torch.zeros_like(t)))
            with torch.no_grad():
                r = model(X) - target
            break
        r = r_new
    return {"iterations": it, "residual": r.abs().amax(1).cpu().numpy()}


def _grad_stats(model: EntkEnsemble, X: torch.Tensor, y: torch.Tensor, loss: str, lam: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """(max|∇|, ‖∇‖₂) of the per-copy objective at the current θ, [B] each."""
    ps = model.parameters()
    gs = torch.autograd.grad(objective(model, X, y, loss, lam).sum(), ps)
    gmax = torch.stack([g.abs().flatten(1).amax(1) for g in gs]).amax(0)
    gnorm = torch.sqrt(sum((g ** 2).flatten(1).sum(1) for g in gs))
    return gmax.cpu().numpy().copy(), gnorm.cpu().numpy().copy()


def train(model: EntkEnsemble, X: torch.Tensor, y: torch.Tensor, loss: str, lam: float, *, gtol: float = 1e-10,
          max_iter: int = 3000, method: str = "lbfgs") -> dict:
    """Minimise :func:`objective` summed over copies, in place.

    Methods:
        ``"lbfgs"``: L-BFGS (module docstring) until every copy has max|∇| ≤ ``gtol``, a whole
            200-iteration call no longer lowers the objective, or ``max_iter`` is spent.
        ``"gn"`` (SD only): :func:`gauss_newton_sd` from the current θ.
        ``"lbfgs+gn"`` (SD only): L-BFGS for ``max_iter`` iterations, then the Gauss–Newton
            finish; the L-BFGS end point's gradient is returned as ``grad_max_lbfgs``.

    Args:
        model: The batched net (its θ is updated).
        X: [B, n, d] float64; y: [B, n] labels ±1.
        loss: ``"ce_wd"``, ``"sd"`` or ``"ce_wd0"``.
        lam: λ > 0.
        gtol: L-BFGS stopping tolerance on max|∂L/∂θ| per copy.
        max_iter: Total L-BFGS iterations allowed.
        method: ``"lbfgs"``, ``"gn"`` or ``"lbfgs+gn"``.

    Returns:
        {"grad_max": [B] max-abs gradient per copy at the end, "grad_norm": [B] 2-norms,
         "iterations": int (L-BFGS), "gn_iterations": int, "converged": bool (max|∇| ≤ gtol
         for all copies), and for ``"lbfgs+gn"`` "grad_max_lbfgs": [B]}.
    """
    _check_pos(lam, "lam")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}; got {loss!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    if method != "lbfgs" and loss != "sd":
        raise ValueError(f"method {method!r} is for loss 'sd' only (its optimum is an interpolation); "
                         f"use 'lbfgs' for {loss!r}")
    out: dict = {"iterations": 0, "gn_iterations": 0}
    if method in ("lbfgs", "lbfgs+gn"):
        out["iterations"] = _lbfgs(model, X, y, loss, lam, gtol, max_iter)
    if method == "lbfgs+gn":
        out["grad_max_lbfgs"] = _grad_stats(model, X, y, loss, lam)[0]
    if method in ("gn", "lbfgs+gn"):
        out["gn_iterations"] = gauss_newton_sd(model, X, y, lam)["iterations"]
    gmax, gnorm = _grad_stats(model, X, y, loss, lam)
    out.update(grad_max=gmax, grad_norm=gnorm, converged=bool((gmax <= gtol).all()))
    return out


def _lbfgs(model: EntkEnsemble, X: torch.Tensor, y: torch.Tensor, loss: str, lam: float, gtol: float,
           max_iter: int) -> int:
    """The L-BFGS loop of :func:`train` (``torch.optim.LBFGS`` on the stacked leaves); returns the iterations used."""
    ps = model.parameters()
    opt = torch.optim.LBFGS(ps, lr=1.0, max_iter=min(200, max_iter), history_size=50,
                            tolerance_grad=gtol, tolerance_change=0.0, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        L = objective(model, X, y, loss, lam).sum()
        L.backward()
        return L

    its, prev = 0, math.inf
    while its < max_iter:
        L = float(opt.step(closure).detach())
        its = int(opt.state[ps[0]].get("n_iter", 0))
        closure()
        gmax = torch.stack([p.grad.abs().flatten(1).amax(1) for p in ps]).amax(0)
        # Stop at gtol, or when a whole L-BFGS call no longer lowers the objective: that is
        # the float64 floor (max|∇| ~ 1e-10–1e-9 for objectives ~10), not slow progress.
        if bool((gmax <= gtol).all()) or not L < prev:
            break
        prev = L
    return its


def features_of(K: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(s, U) of YΦ₀ = U S Vᵀ from the Gram matrix: Y K Y = U S² Uᵀ (Definition 1).

    Descending s. Column signs fixed so each column of U sums to ≥ 0 (the Definition-1
    reading: all-positive example weights = the feature agrees with the labels); z and the
    engine's z* use the same U, so the convention cancels in every comparison.

    Args:
        K: [..., n, n] symmetric PSD Gram matrices; y: [..., n] labels.
    """
    M = y[..., :, None] * K * y[..., None, :]
    M = 0.5 * (M + np.swapaxes(M, -1, -2))
    ev, U = np.linalg.eigh(M)
    ev, U = ev[..., ::-1], U[..., ::-1]
    if np.any(ev <= 0):
        raise ValueError("Y K Y is singular (some s_j = 0): need m >= n and distinct inputs")
    sign = np.where(U.sum(-2) < 0, -1.0, 1.0)
    return np.sqrt(ev), U * sign[..., None, :]


def feature_directions(U: np.ndarray, r1: np.ndarray, r2: np.ndarray) -> dict:
    """Which singular direction of YΦ₀ is input feature 1, which is feature 2, and their signs.

    Definition 1 numbers features by singular value, but along a sweep of feature 1's
    strength a the order changes (feature 2 is the top direction at small a; at large a
    feature 1 owns the top two, the second a nonlinear harmonic whose s² also grows ∝ a²),
    and every column's sign is arbitrary. So a direction is identified by its overlap with
    a reference, not by its index: r1 (r2) is the top singular vector of YΦ₀ on the same
    training points with feature 2 (feature 1) removed, same initialization — "feature 1
    (2) alone". Then the pair of distinct directions with the largest total overlap,

        (j1, j2) = argmax_{j ≠ k} |u_jᵀ r1| + |u_kᵀ r2|,
        sign_k = sign(u_{j_k}ᵀ r_k)   (so the identified direction points like its reference).

    The pair is chosen jointly because both references overlap the all-positive (mean)
    direction: a greedy rule hands it to whichever feature goes first even where it is the
    other feature's direction (at small a it is feature 2's).

    The overlaps |u_{j_k}ᵀ r_k| are returned as the quality of the identification (1 = the
    direction is exactly the feature-alone direction; small = the feature is spread over
    several singular directions and "its" response is ambiguous).

    Args:
        U: [..., n, n] orthogonal (columns = example weights of the singular directions).
        r1, r2: [..., n] unit reference vectors.

    Returns:
        {"j1", "j2": int arrays [...], "sign1", "sign2": ±1 [...], "ov1", "ov2": overlaps [...]}.
    """
    U, r1, r2 = np.asarray(U, float), np.asarray(r1, float), np.asarray(r2, float)
    if U.shape[-1] != U.shape[-2] or r1.shape != U.shape[:-1] or r2.shape != U.shape[:-1]:
        raise ValueError(f"U must be [..., n, n] and r1, r2 [..., n]; got {U.shape}, {r1.shape}, {r2.shape}")
    o1 = np.einsum("...ij,...i->...j", U, r1)
    o2 = np.einsum("...ij,...i->...j", U, r2)
    n = U.shape[-1]
    score = np.abs(o1)[..., :, None] + np.abs(o2)[..., None, :]
    score = np.where(np.eye(n, dtype=bool), -np.inf, score)   # j1 ≠ j2
    flat = score.reshape(score.shape[:-2] + (n * n,)).argmax(-1)
    j1, j2 = flat // n, flat % n
    p1 = np.take_along_axis(o1, j1[..., None], -1)[..., 0]
    p2 = np.take_along_axis(o2, j2[..., None], -1)[..., 0]
    return {"j1": j1, "j2": j2, "sign1": np.where(p1 < 0, -1.0, 1.0), "sign2": np.where(p2 < 0, -1.0, 1.0),
            "ov1": np.abs(p1), "ov2": np.abs(p2)}


def linearized_optimum(K: np.ndarray, y: np.ndarray, loss: str, lam: float, *, tol: float = 1e-13,
                       max_iter: int = 200) -> np.ndarray:
    """ŷ* of the centred linear model ŷ = Φ₀θ (Eq. 3) by Newton in function space.

    An independent route to the engine's z* (it does not use the dual): for ``"ce_wd"`` the
    primal optimum lies in the row space of Φ₀, θ = Φ₀ᵀβ, ŷ = Kβ, and Eq. 5 becomes
    Σ softplus(−y Kβ) + λ/2 βᵀKβ, minimised by Newton in ŷ (gradient Kᵀ(−yσ(−yŷ)) + λKβ ⇒
    the stationarity condition −yσ(−yŷ) + λβ = 0 with ŷ = Kβ). For ``"sd"`` every ŷ is
    reachable (m ≥ n) and Eq. 17 separates: softplus(−yŷ_i) + λ/2 ŷ_i², solved per example.

    Returns:
        ŷ* [n] float64.
    """
    n = y.shape[0]
    if loss == "sd":
        return y * sd_margin(lam)                      # separable: y_i ŷ_i = m* for every i
    beta = np.zeros(n)
    for _ in range(max_iter):
        yh = K @ beta
        sg = 1.0 / (1.0 + np.exp(y * yh))              # σ(−yŷ)
        r = -y * sg + lam * beta                       # stationarity residual in β-space
        if np.max(np.abs(r)) < tol:
            break
        Dg = sg * (1 - sg)                              # d/dŷ of (−yσ(−yŷ)) = σ'(yŷ) > 0
        J = Dg[:, None] * K + lam * np.eye(n)
        beta -= np.linalg.solve(J, r)
    return K @ beta


def rotation_coupling(U: np.ndarray, j1: np.ndarray, j2: np.ndarray, r1: np.ndarray, r2: np.ndarray) -> dict:
    """Read Eq. 15's coupling δ off two identified singular directions of YΦ₀.

    M = [r1 r2]ᵀ [s1·u_{j1}  s2·u_{j2}] (2×2): the two directions expressed in the basis of
    the reference directions, column signs s_k chosen so that M's diagonal is ≥ 0 (each
    direction points like its own reference — :func:`feature_directions`' sign, and
    Eq. 15's convention c = √(1−δ²) > 0). If both directions lie in span{r1, r2}, M is
    orthogonal with positive diagonal, i.e. a rotation [[cos θ, −sin θ], [sin θ, cos θ]] —
    Eq. 15 with δ = sin θ: M₂₁ = δ is feature 1's weight on feature 2's reference, the
    entry whose sign decides the first-order rule "i starves j iff U_ji > 0". In general M
    is not exactly a rotation; the nearest rotation (polar factor) has angle
    θ = atan2(M₂₁ − M₁₂, M₁₁ + M₂₂), and δ := sin θ.

    Args:
        U: [..., n, n] orthogonal.
        j1, j2: [...] column indices of feature 1's and feature 2's directions.
        r1, r2: [..., n] unit reference vectors (orthogonal to each other).

    Returns:
        {"delta": sin θ, "theta": θ, "M": [..., 2, 2] (sign-fixed), "plane1", "plane2":
         ‖[r1 r2]ᵀ u_{jk}‖ (1 = the direction lies in the reference plane), "asym":
         |M₂₁ + M₁₂| (0 for an exact rotation)}.
    """
    U, r1, r2 = np.asarray(U, float), np.asarray(r1, float), np.asarray(r2, float)
    if U.shape[-1] != U.shape[-2] or r1.shape != U.shape[:-1] or r2.shape != U.shape[:-1]:
        raise ValueError(f"U must be [..., n, n] and r1, r2 [..., n]; got {U.shape}, {r1.shape}, {r2.shape}")
    j1, j2 = np.asarray(j1), np.asarray(j2)
    n = U.shape[-1]
    if j1.shape != U.shape[:-2] or j2.shape != U.shape[:-2] or np.any((j1 < 0) | (j1 >= n) | (j2 < 0) | (j2 >= n)) \
            or np.any(j1 == j2):
        raise ValueError(f"j1, j2 must be distinct indices in [0, {n}) of shape {U.shape[:-2]}")
    u1 = np.take_along_axis(U, j1[..., None, None], -1)[..., 0]
    u2 = np.take_along_axis(U, j2[..., None, None], -1)[..., 0]
    M = np.stack([np.stack([(u1 * r1).sum(-1), (u2 * r1).sum(-1)], -1),
                  np.stack([(u1 * r2).sum(-1), (u2 * r2).sum(-1)], -1)], -2)
    sg = np.where(np.diagonal(M, axis1=-2, axis2=-1) < 0, -1.0, 1.0)     # column signs: diagonal ≥ 0
    M = M * sg[..., None, :]
    theta = np.arctan2(M[..., 1, 0] - M[..., 0, 1], M[..., 0, 0] + M[..., 1, 1])
    return {"delta": np.sin(theta), "theta": theta, "M": M,
            "plane1": np.hypot(M[..., 0, 0], M[..., 1, 0]), "plane2": np.hypot(M[..., 0, 1], M[..., 1, 1]),
            "asym": np.abs(M[..., 1, 0] + M[..., 0, 1])}
