"""Batched trainer: every seed of a configuration — and configurations that share an
architecture — train as ONE tensor program.

The network (§2, App. B.2): :class:`empirical.models.MLP` 2 → H → … → H → 1 with ReLU (H = 500;
one hidden layer, or four for "deeper"), optional dropout (p = 0.7) or batch norm after the
first linear layer, PyTorch's default initialisation (``init="torch"``), trained full batch on
the loss mean log(1 + exp(−y ŷ)) (+ SD: c·mean(ŷ²), Eq. 17 with the authors' coefficient) by
SGD (lr 1e-2, momentum 0.9, optional weight decay) or Adam.

How it is batched: the seeds are an :class:`empirical.models.Ensemble` (one member per slot,
slot = one seed of one configuration; ``torch.func.stack_module_state`` + ``vmap``); its
stacked parameters ([S, out, in] as ``nn.Linear``) are laid out as contiguous blocks of one
flat buffer (:class:`Model`), so that each configuration's ``torch.optim`` optimiser
(``fused=True``: one kernel per configuration; ``foreach=True`` where a device lacks fused
kernels) steps on its slices and a checkpoint is a copy of a few buffers. Gradients:

* deeper nets (and the reference ``fused=False``): batched autograd through the Ensemble's
  forward (:func:`_autograd_step`);
* the one-hidden-layer net (:class:`_OneHidden`): a hand-written step with batched matmuls
  writing straight into the gradient buffer, kept because ``benchmarks/bench_moons.py``
  measures it 5–15× faster than batched autograd + ``torch.optim`` on the same Ensemble
  (the project keeps hand-written steps only at ≥ 1.5×). Exact algebra, different float
  rounding; slots are processed in cache-sized chunks, and the first layer's gradient uses
  that the output layer is rank one (see the class docstring); batch norm after the first
  layer folds into effective first-layer weights (:meth:`_OneHidden._bn_fold`).

Dropout masks come from numpy's PCG64 on CPU (:class:`MaskRNG`; 2–4× cheaper than
``torch.rand`` there, and checkpointable), ``torch.rand`` on other devices; both paths use
the same masks (passed to the module as ``drop_mask``).

:func:`train_group` trains several configurations of the same architecture at once with
per-slot hyperparameters (weight decay, SD coefficient, optimizer kind and lr; data may
differ per slot: margin, rotation). The same code runs on any device. :func:`train_serial`
is the plain per-seed PyTorch loop (one module, autograd + torch.optim), used as the
reference in tests and as the benchmark's baseline.

Initialization: the Ensemble's (``models.MLP.reset_parameters`` with
``torch.Generator().manual_seed(seed)``; nn.Linear's W, b ~ U(±1/√fan_in), drawn in the
[out, in] layout); the data use the same seed, as the authors' "10 seeds (data and init)".
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from empirical.data.moons import N_SAMPLES, NOISE, two_moons
from empirical.models import MLP, Ensemble
from empirical.progress import Progress
from empirical.runs import RunFolderError, atomic_write_bytes, fault_point

BN_EPS = 1e-5          # torch.nn.BatchNorm1d defaults
BN_MOMENTUM = 0.1
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8


@dataclass(frozen=True)
class Config:
    """One training configuration of §2 / App. B.2 (all fields are resolved values)."""

    name: str
    margin: float = 0.1
    rotation: float = 0.0
    depth: int = 1              # number of hidden layers
    width: int = 500
    optimizer: str = "sgd"      # "sgd" | "adam"
    lr: float = 1e-2
    momentum: float = 0.9
    weight_decay: float = 0.0
    dropout: float = 0.0        # after the first linear layer (before the ReLU), as the authors
    batchnorm: bool = False     # after the first linear layer (before the ReLU)
    sd: float = 0.0             # spectral decoupling coefficient on mean(ŷ²)
    iter_factor: int = 1        # "train 10x longer"
    n_samples: int = N_SAMPLES
    noise: float = NOISE

    def __post_init__(self):
        if self.depth < 1 or self.width < 1:
            raise ValueError(f"depth and width must be >= 1; got depth={self.depth}, width={self.width}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam'; got {self.optimizer!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {self.dropout}")
        if self.dropout and self.batchnorm:
            raise ValueError("dropout and batchnorm are separate App. B.2 configurations; give one")
        if self.lr <= 0 or self.weight_decay < 0 or self.sd < 0 or self.iter_factor < 1:
            raise ValueError("lr must be > 0; weight_decay, sd >= 0; iter_factor >= 1")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


# weight decay of every run of the released Fig. 1(c, d) scripts (unstated in the paper)
FIG1D_WEIGHT_DECAY = 2e-4


def app_b2_configs(margin: float = 0.1) -> dict[str, Config]:
    """The configurations of App. B.2 / Fig. 6 (Δ = ``margin``) plus Fig. 1(a) (Δ = −0.1), and
    Fig. 1's three cases (Δ = −0.1; Δ = +0.1; Δ = +0.1 with SD) with the released Fig. 1(d)
    script's weight decay (``fig1d_*_wd``)."""
    m = margin
    cfgs = [
        Config("plain", m),
        Config("weight_decay", m, weight_decay=0.01),
        Config("longer", m, iter_factor=10),
        Config("adam_lr1e-4", m, optimizer="adam", lr=1e-4),
        Config("adam_lr3e-3", m, optimizer="adam", lr=3e-3),
        Config("rotated_45", m, rotation=45.0),
        Config("dropout", m, dropout=0.7),
        Config("batchnorm", m, batchnorm=True),
        Config("deeper", m, depth=4),
        Config("sd", m, sd=0.003),
        Config("plain_nonseparable", -0.1),
        # the released Fig. 1(c, d) script's settings: weight decay 2e-4 in all three runs
        Config("fig1d_nonseparable_wd", -0.1, weight_decay=FIG1D_WEIGHT_DECAY),
        Config("fig1d_plain_wd", m, weight_decay=FIG1D_WEIGHT_DECAY),
        Config("fig1d_sd_wd", m, weight_decay=FIG1D_WEIGHT_DECAY, sd=0.003),
    ]
    return {c.name: c for c in cfgs}


# ----------------------------------------------------------------------------- model
def network(cfg: Config) -> MLP:
    """The network of ``cfg``: :class:`empirical.models.MLP` 2 → width (× depth) → 1, ReLU,
    dropout or batch norm after the first linear layer, PyTorch's default initialisation."""
    return MLP(2, cfg.width, cfg.depth, dropout=cfg.dropout, batchnorm=cfg.batchnorm, init="torch")


# names of the stacked parameters of the one-hidden-layer net (nn.Linear layout [S, out, in])
W0, B0, W1, B1, GAMMA, BETA = ("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                               "norm.weight", "norm.bias")
RUNNING = ("norm.running_mean", "norm.running_var")


class Model:
    """The :class:`empirical.models.Ensemble` of ``network(cfg)`` over S slots, seen as one flat buffer.

    Architecture, initialisation (one member per seed, ``reset_parameters`` from
    ``torch.Generator().manual_seed(seed)``) and the forward pass are the Ensemble's; this
    class only lays its stacked parameters (name → [S, ...], nn.Linear's [S, out, in]) out
    as contiguous blocks of one flat buffer, so that per-configuration optimisers, the fused
    step and checkpoints address them as slices. ``views(flat)`` returns name → [S, ...].
    """

    def __init__(self, cfg: Config, seeds, dtype=torch.float32, device="cpu"):
        self.cfg = cfg
        self.seeds = [int(s) for s in seeds]
        self.S = len(self.seeds)
        self.ens = Ensemble(lambda: network(cfg), self.seeds, device=device, dtype=dtype)
        self.dims = [2] + [cfg.width] * cfg.depth + [1]
        self.L = len(self.dims) - 1
        self.shapes = [(k, tuple(v.shape[1:])) for k, v in self.ens.params.items()]
        self.sizes = [self.S * math.prod(s) for _, s in self.shapes]
        self.numel = sum(self.sizes)
        self.n_params_per_seed = self.numel // self.S

    def views(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        out, off = {}, 0
        for (name, shp), size in zip(self.shapes, self.sizes):
            out[name] = flat[off:off + size].view(self.S, *shp)
            off += size
        return out

    def flat(self) -> torch.Tensor:
        """The Ensemble's initial parameters as one flat buffer (a copy)."""
        return torch.cat([v.detach().reshape(-1) for v in self.ens.params.values()])

    def buffers(self) -> dict[str, torch.Tensor]:
        """A copy of the Ensemble's initial buffers (batch norm: running statistics)."""
        return {k: v.detach().clone() for k, v in self.ens.buffers.items()}

    def apply(self, p: dict, X: torch.Tensor, *, train: bool = False, buffers: dict | None = None,
              mask: torch.Tensor | None = None) -> torch.Tensor:
        """ŷ [S, M] of every slot on its own inputs X [S, M, 2], through the Ensemble.

        train: batch statistics for batch norm (updating ``buffers`` in place), dropout with
        ``mask`` [S, M, H] (0/1 keep-mask already scaled by 1/(1 − p); the module's own
        dropout draws from the global RNG when ``mask`` is None); eval: running statistics
        from ``buffers`` (default: the Ensemble's), no dropout.
        """
        bufs = self.ens.buffers if buffers is None else buffers
        if not train:
            # evaluation: the module called once per slot (functional_call with that slot's
            # parameters) is 2x faster on CPU than the vmapped call for the large point sets
            # of the margin search (measured: 4 slots x 8,192 points, 101 ms vs 207 ms)
            self.ens.eval()
            return torch.stack([torch.func.functional_call(
                self.ens.base, ({k: v[s] for k, v in p.items()}, {k: v[s] for k, v in bufs.items()}), (X[s],))[:, 0]
                for s in range(self.S)])
        self.ens.train(True)
        try:
            out = self.ens.forward(X, params=p, per_member=True, buffers=bufs, drop_mask=mask)
        finally:
            self.ens.eval()
        return out[..., 0]

    def flops_per_iteration(self, n: int) -> float:
        """Multiply-adds ×2 of forward (1 pass) + backward (2 passes, first layer's input grad skipped)."""
        mm = sum(self.dims[l] * self.dims[l + 1] for l in range(self.L))
        first = self.dims[0] * self.dims[1]
        return 2.0 * n * self.S * (3 * mm - first)


# ----------------------------------------------------------------------------- dropout masks
class MaskRNG:
    """Dropout keep-masks of one batched run: Bernoulli(1 − p) per (point, hidden unit).

    CPU: numpy's PCG64 seeded with ``seed``; every unit takes 32 random bits read as a
    signed int32 s (uniform on [−2³¹, 2³¹)) and is kept iff s < K − 2³¹ with
    K = round((1 − p)·2³²), i.e. with probability K/2³², within 2⁻³³ of 1 − p (the float32
    ``torch.rand`` draw it replaces resolves 2⁻²⁴). One comparison writes the 0/1 mask in the
    activations' dtype. Other devices: ``torch.rand`` on a device generator, kept iff u ≥ p.
    Masks are filled one slot at a time, so the stream does not depend on the chunking.
    """

    def __init__(self, p: float, seed: int, device="cpu"):
        if not 0.0 < p < 1.0:
            raise ValueError(f"p must be in (0, 1); got {p}")
        if int(seed) != seed or seed < 0:
            raise ValueError(f"seed must be an integer >= 0; got {seed!r}")
        self.p = float(p)
        self.device = torch.device(device)
        self.cpu = self.device.type == "cpu"
        if self.cpu:
            self.bits = np.random.Generator(np.random.PCG64(int(seed))).bit_generator
            self.thr = round((1.0 - self.p) * 2.0 ** 32) - 2 ** 31
        else:
            self.gen = torch.Generator(device=self.device).manual_seed(int(seed))

    @property
    def kind(self) -> str:
        return "pcg64-int32" if self.cpu else "torch-rand"

    def fill(self, out: torch.Tensor) -> torch.Tensor:
        """Write 0/1 keep-masks into ``out`` (shape [k, ...], contiguous), slot by slot."""
        for i in range(out.shape[0]):
            o = out[i]
            if self.cpu:
                per = o.numel()
                raw = self.bits.random_raw((per + 1) // 2)        # 64 random bits = two units
                s32 = raw.view(np.int32)[:per].reshape(o.shape)
                # numpy writes the comparison straight into the float mask (torch.lt with a
                # float out= goes through a bool temporary and a copy: ~2x slower here)
                np.less(s32, self.thr, out=o.numpy(), casting="unsafe")
            else:
                torch.rand(o.shape, generator=self.gen, out=o, dtype=o.dtype, device=o.device)
                o.ge_(self.p)
        return out

    def get_state(self):
        return self.bits.state if self.cpu else self.gen.get_state()

    def set_state(self, state) -> None:
        if self.cpu:
            self.bits.state = state
        else:
            self.gen.set_state(state)


class State:
    """Mutable training state: params, optimizer buffers, module buffers (BN running stats), mask RNG, step."""

    def __init__(self, model: Model, flat: torch.Tensor, rng: MaskRNG | None, adam: bool | None = None,
                 buffers: dict | None = None):
        cfg = model.cfg
        self.flat = flat
        self.grad = torch.zeros_like(flat)
        self.buf = torch.zeros_like(flat)                  # momentum / Adam m
        adam = cfg.optimizer == "adam" if adam is None else adam
        self.buf2 = torch.zeros_like(flat) if adam else None  # Adam v
        self.buffers = model.buffers() if buffers is None else buffers
        self.rng = rng
        self.step = 0
        self.loss_log: list[tuple[int, list[float]]] = []
        self.trace: list[tuple[int, torch.Tensor]] = []     # (step, ŷ on the training set [S, n], CPU)

    def tensors(self) -> dict:
        d = {"flat": self.flat, "buf": self.buf, "buf2": self.buf2}
        d.update({f"buffers.{k}": v for k, v in self.buffers.items()})
        return {k: v for k, v in d.items() if v is not None}


def _autograd_step(model: Model, st: State, X: torch.Tensor, y: torch.Tensor, sd: torch.Tensor | None,
                   mask: torch.Tensor | None) -> torch.Tensor:
    """One gradient by batched autograd through the Ensemble (every slot at once) into ``st.grad``.

    Per-slot loss mean softplus(−yŷ) + c·mean(ŷ²) (c: the slot's SD coefficient); the slots
    share no parameter, so the gradient of the sum is each slot's own. Used for the deeper
    net and as the reference of the fused one-hidden-layer step (``fused=False``). Batch norm
    updates ``st.buffers`` (running statistics) in place. Returns the losses [S].
    """
    leaf = st.flat.detach().requires_grad_(True)
    with torch.enable_grad():
        out = model.apply(model.views(leaf), X, train=True, buffers=st.buffers, mask=mask)
        loss = torch.nn.functional.softplus(-y[..., 0] * out).mean(1)
        if sd is not None:
            loss = loss + sd[:, 0, 0] * out.square().mean(1)
        (g,) = torch.autograd.grad(loss.sum(), leaf)
    st.grad.copy_(g)
    return loss.detach()


def _slot_sd(cfgs: list[Config], n_seeds: int, dtype, device) -> torch.Tensor | None:
    """Per-slot SD coefficients [S, 1, 1] (slot = config-major, seed-minor), None if all 0."""
    if not any(c.sd for c in cfgs):
        return None
    v = torch.tensor([c.sd for c in cfgs for _ in range(n_seeds)], dtype=torch.float64)
    return v.to(dtype=dtype, device=device).view(-1, 1, 1)


class _OutGrad:
    """ŷ → g = ∂loss/∂ŷ for the fast paths, on [S, 1, n] rows (points along the last axis).

    g = σ(−yŷ)·(−y/n) + (2c/n)·ŷ per slot (c: the slot's SD coefficient); the loss value
    (mean softplus(−yŷ) + c·mean ŷ²) is only formed when asked for (logging steps).
    """

    def __init__(self, y: torch.Tensor, sd: torch.Tensor | None):
        n = y.shape[1]
        self.ny = (-y).transpose(1, 2).contiguous()        # −y as [S, 1, n]
        self.nyn = self.ny / n                              # −y/n
        self.sd = sd
        self.sd2n = sd * (2.0 / n) if sd is not None else None

    def grad(self, o: torch.Tensor, g: torch.Tensor, a: int, b: int) -> None:
        torch.mul(o, self.ny[a:b], out=g)                   # −yŷ
        g.sigmoid_().mul_(self.nyn[a:b])
        if self.sd2n is not None:
            g.addcmul_(o, self.sd2n[a:b])

    def loss(self, out: torch.Tensor) -> torch.Tensor:
        loss = torch.nn.functional.softplus(out * self.ny).mean(2)[:, 0]
        if self.sd is not None:
            loss = loss + self.sd[:, 0, 0] * out.square().mean(2)[:, 0]
        return loss


# activations per chunk of slots (float32, n = 300, H = 500: 6 slots of 600 KB). Measured here
# (1 thread, 70 slots): 1 slot per chunk pays per-op overhead (~+20 %), 2–14 slots are on a
# plateau, 35–70 slots (20–40 MB) spill the shared L3 and cost up to 2x.
CHUNK_BYTES = 4 << 20


class _OneHidden:
    """Fused training step of the one-hidden-layer net (every App. B.2 configuration but "deeper").

    Exact algebra, fewer and cheaper passes over the [S, n, H] activations (the cost on CPU):

    * Z = b₀ + x₁w₀₁ + x₂w₀₂ by two broadcast multiply-adds (a K = 2 GEMM runs far below
      memory bandwidth), ReLU in place: A = relu(Z).
    * The output layer is rank one in the hidden units, so with M = 1[A > 0] (= sign A, as
      A ≥ 0) the first layer's gradients are ∂L/∂W₀[:, j] = w₁ⱼ Σᵢ xᵢ gᵢ Mᵢⱼ and
      ∂L/∂b₀ⱼ = w₁ⱼ Σᵢ gᵢ Mᵢⱼ: one batched product Y = [x₁g; x₂g; g] × M instead of forming
      g w₁ᵀ and masking it. As Aᵢⱼ = Mᵢⱼ(xᵢ·wⱼ + bⱼ), also ∂L/∂w₁ⱼ = Σᵢ gᵢAᵢⱼ =
      w₀₁ⱼY₁ⱼ + w₀₂ⱼY₂ⱼ + bⱼY₃ⱼ: no product with A for it. M overwrites A in place once
      ŷ = A w₁ + b₁ is taken, so one [n, H] buffer serves the whole step.
    * Slots go in chunks of ``chunk`` slots through one preallocated buffer, so a chunk's
      activations stay in cache across its passes; nothing is allocated per step.
    * Dropout: relu(z ⊙ m / keep) = relu(z) ⊙ m / keep (m ∈ {0, 1}), so the 1/keep goes on
      the small tensors (ŷ and the gradients) and M = sign(relu(z) ⊙ m) carries the mask.
    * Batch norm after the first layer: :meth:`_bn_fold` / :meth:`_bn_grad`.
    """

    def __init__(self, model: Model, X: torch.Tensor, y: torch.Tensor, sd: torch.Tensor | None,
                 chunk: int | None = None):
        S, n, H = model.S, X.shape[1], model.dims[1]
        kw = dict(dtype=X.dtype, device=X.device)
        self.S, self.n, self.H, self.cfg = S, n, H, model.cfg
        if chunk is None:
            per = n * H * X.element_size()
            chunk = max(1, CHUNK_BYTES // per) if X.device.type == "cpu" else S
        self.chunk = max(1, min(S, int(chunk)))
        # [S, n, 1] columns for the broadcasts, contiguous (a strided column costs ~1.5x there)
        self.x1, self.x2 = X[:, :, 0:1].contiguous(), X[:, :, 1:2].contiguous()
        # rows x₁, x₂, 1 and a zero row: MKL's batched GEMM with 4 rows beats 3 rows here
        self.XT1 = torch.cat([X.transpose(1, 2), torch.ones(S, 1, n, **kw), torch.zeros(S, 1, n, **kw)], 1).contiguous()
        self.og = _OutGrad(y, sd)
        self.Z = torch.empty(self.chunk, n, H, **kw)
        self.K = torch.empty(self.chunk, n, H, **kw) if model.cfg.dropout else None
        self.XG = torch.empty(self.chunk, 4, n, **kw)
        self.out = torch.empty(S, 1, n, **kw)
        self.g = torch.empty(S, 1, n, **kw)
        self.Y = torch.empty(S, 4, H, **kw)
        self.tmpW = torch.empty(S, 2, H, **kw)
        # nn.Linear stores W₀ as [S, H, 2]; the broadcasts below read its rows w₀₁, w₀₂ as
        # contiguous [S, 1, H] (a stride-2 row costs more than this 2·H·S copy per step)
        self.Wr = torch.empty(S, 2, H, **kw)
        self.gWr = torch.empty(S, 2, H, **kw)
        if model.cfg.batchnorm:
            xbar = X.mean(1, keepdim=True)                   # [S, 1, 2], constant over training
            Xc = X - xbar
            self.xbar, self.xbarT = xbar, xbar.transpose(1, 2).contiguous()
            self.Sigma = torch.bmm(Xc.transpose(1, 2), Xc) / n   # biased covariance [S, 2, 2]
            self.SW = torch.empty(S, 2, H, **kw)
            self.We = torch.empty(S, 2, H, **kw)
            self.GW = torch.empty(S, 2, H, **kw)
            self.be, self.v, self.inv, self.s, self.t, self.mu = (torch.empty(S, 1, H, **kw) for _ in range(6))

    # --- batch norm folded into the first layer -------------------------------------------
    def _bn_fold(self, p: dict, st: State | None) -> tuple[torch.Tensor, torch.Tensor]:
        """Effective first-layer weights of Linear → BN (batch statistics).

        z = x·w + b for unit j over the batch has mean μ = x̄·w + b and (biased) variance
        v = wᵀΣw, Σ the inputs' covariance, so BN(z) = γ(z − μ)/√(v + ε) + β = x·Wₑ + bₑ with
        s = γ/√(v + ε), Wₑ = s·w, bₑ = β − x̄·Wₑ (b cancels). Exact; no pass over [n, H].
        Running statistics: μ and the unbiased v·n/(n − 1), momentum 0.1 (BatchNorm1d).
        """
        W0, n, S, H = self.Wr, self.n, self.S, self.H       # rows of W₀ ([S, 2, H], refreshed by step)
        gamma, beta = p[GAMMA].view(S, 1, H), p[BETA].view(S, 1, H)
        torch.bmm(self.Sigma, W0, out=self.SW)               # Σw
        torch.mul(W0, self.SW, out=self.We)                  # scratch: w ⊙ Σw
        torch.sum(self.We, dim=1, keepdim=True, out=self.v)  # v = wᵀΣw
        torch.add(self.v, BN_EPS, out=self.inv).rsqrt_()
        torch.mul(gamma, self.inv, out=self.s)
        torch.mul(W0, self.s, out=self.We)
        torch.baddbmm(beta, self.xbar, self.We, alpha=-1.0, out=self.be)
        if st is not None:
            torch.baddbmm(p[B0].view(S, 1, H), self.xbar, W0, out=self.mu)
            rm, rv = (st.buffers[k].view(S, 1, H) for k in RUNNING)
            rm.mul_(1 - BN_MOMENTUM).add_(self.mu, alpha=BN_MOMENTUM)
            rv.mul_(1 - BN_MOMENTUM).add_(self.v, alpha=BN_MOMENTUM * n / (n - 1))
            st.buffers["norm.num_batches_tracked"].add_(1)
        return self.We, self.be

    def _bn_grad(self, p: dict, gp: dict, w1: torch.Tensor) -> None:
        """Chain rule from (∂L/∂Wₑ, ∂L/∂bₑ) to (w, b, γ, β) through :meth:`_bn_fold`.

        With G̃ = ∂L/∂Wₑ − x̄ ∂L/∂bₑ (bₑ depends on Wₑ) and t = G̃·w (= ∂L/∂s):
        ∂L/∂β = ∂L/∂bₑ, ∂L/∂γ = t/√(v + ε), ∂L/∂w = s G̃ − t γ (v + ε)^(−3/2) Σw, ∂L/∂b = 0.
        """
        Y, S, H = self.Y, self.S, self.H
        gbeta, ggamma = gp[BETA].view(S, 1, H), gp[GAMMA].view(S, 1, H)
        torch.mul(Y[:, 2:3], w1, out=gbeta)                  # ∂L/∂bₑ
        torch.mul(Y[:, :2], w1, out=self.GW)                 # ∂L/∂Wₑ
        self.GW.addcmul_(self.xbarT, gbeta, value=-1.0)      # G̃
        torch.mul(self.GW, self.Wr, out=self.tmpW)           # scratch
        torch.sum(self.tmpW, dim=1, keepdim=True, out=self.t)
        torch.mul(self.t, self.inv, out=ggamma)
        torch.mul(ggamma, p[GAMMA].view(S, 1, H), out=self.t).mul_(self.inv).mul_(self.inv)  # t γ (v+ε)^−3/2
        torch.mul(self.GW, self.s, out=self.gWr)
        self.gWr.addcmul_(self.t, self.SW, value=-1.0)
        gp[W0].copy_(self.gWr.transpose(1, 2))
        gp[B0].zero_()

    # --- the step ---------------------------------------------------------------------------
    def step(self, p: dict, gp: dict, st: State, log: bool) -> torch.Tensor | None:
        S, H, cfg, og = self.S, self.H, self.cfg, self.og
        self.Wr.copy_(p[W0].transpose(1, 2))                  # rows w₀₁, w₀₂ of W₀
        W, b = self._bn_fold(p, st) if cfg.batchnorm else (self.Wr, p[B0].view(S, 1, H))
        w1 = p[W1]                                           # [S, 1, H]
        b1 = p[B1].view(S, 1, 1)
        gw1 = gp[W1]
        inv_keep = 1.0 / (1.0 - cfg.dropout) if cfg.dropout else None
        for a in range(0, S, self.chunk):
            e = min(S, a + self.chunk)
            Z = self.Z[:e - a]
            torch.addcmul(b[a:e], self.x1[a:e], W[a:e, 0:1], out=Z)
            Z.addcmul_(self.x2[a:e], W[a:e, 1:2]).clamp_min_(0.0)   # A = relu(Z)
            if inv_keep is not None:
                Z.mul_(st.rng.fill(self.K[:e - a]))
            o = self.out[a:e]
            torch.bmm(w1[a:e], Z.transpose(1, 2), out=o)
            if inv_keep is not None:
                o.mul_(inv_keep)
            o.add_(b1[a:e])
            g = self.g[a:e]
            og.grad(o, g, a, e)
            Z.sign_()                                        # M = 1[A > 0]
            XG = self.XG[:e - a]
            torch.mul(self.XT1[a:e], g, out=XG)              # [x₁g; x₂g; g; 0]
            torch.bmm(XG, Z, out=self.Y[a:e])
        torch.sum(self.g, dim=2, keepdim=True, out=gp[B1].view(S, 1, 1))
        # ∂L/∂w₁ⱼ = Σᵢ gᵢAᵢⱼ = Σᵢ gᵢMᵢⱼ(xᵢ·wⱼ + bⱼ) = Σₖ W̃ₖⱼ Yₖⱼ (W̃ = [W; b]): read off Y,
        # no pass over A (for BN/dropout W, b are the effective weights, M carries the mask)
        torch.mul(self.Y[:, :2], W, out=self.tmpW)
        torch.sum(self.tmpW, 1, keepdim=True, out=gw1).addcmul_(self.Y[:, 2:3], b)
        if cfg.batchnorm:
            self._bn_grad(p, gp, w1)
        else:
            torch.mul(self.Y[:, :2], w1, out=self.gWr)
            gp[W0].copy_(self.gWr.transpose(1, 2))
            torch.mul(self.Y[:, 2:3], w1, out=gp[B0].view(S, 1, H))
        if inv_keep is not None:
            for k in (W0, B0, W1):
                gp[k].mul_(inv_keep)
        return og.loss(self.out) if log else None


class _Optimizer:
    """Each configuration's ``torch.optim`` optimiser on its own slots' slices of the flat buffers.

    ``torch.optim.SGD`` / ``Adam`` with ``fused=True`` (one kernel per configuration) where
    the device supports it and ``fused``, else ``foreach=True`` (same update: coupled weight
    decay, SGD momentum without dampening, Adam with bias corrections). The parameters are
    slices of the flat buffer, their ``.grad`` the matching slices of the gradient buffer, and
    the optimiser state (momentum, Adam's moments) is seeded with slices of the state's
    buffers, so the optimiser updates them in place and a checkpoint of the buffers is a
    checkpoint of the optimiser (Adam's step count is restored from the state's step). Slot
    order is config-major, so a configuration's slots are one contiguous range of every
    parameter block.
    """

    def __init__(self, model: Model, cfgs: list[Config], n_seeds: int, st: State, fused: bool = True):
        self.opts = []
        dev = st.flat.device
        kw = {"fused": True} if fused and dev.type in ("cpu", "cuda") else {"foreach": True}
        for c, cfg in enumerate(cfgs):
            if len(cfgs) == 1:
                ranges = [(0, model.numel)]
            else:
                ranges, off = [], 0
                for size in model.sizes:
                    per_slot = size // model.S
                    ranges.append((off + c * n_seeds * per_slot, off + (c + 1) * n_seeds * per_slot))
                    off += size
            P = [st.flat[a:b] for a, b in ranges]
            for p, (a, b) in zip(P, ranges):
                p.grad = st.grad[a:b]
            if cfg.optimizer == "sgd":
                opt = torch.optim.SGD(P, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay, **kw)
                if cfg.momentum:      # buf₀ = 0: 0.9·0 + g₀ = g₀, the first step's buf = g₀
                    for p, (a, b) in zip(P, ranges):
                        opt.state[p]["momentum_buffer"] = st.buf[a:b]
            else:
                opt = torch.optim.Adam(P, lr=cfg.lr, betas=ADAM_BETAS, eps=ADAM_EPS, weight_decay=cfg.weight_decay,
                                       **kw)
                for p, (a, b) in zip(P, ranges):
                    step = torch.tensor(float(st.step), dtype=torch.float32, device=dev if "fused" in kw else "cpu")
                    opt.state[p].update(step=step, exp_avg=st.buf[a:b], exp_avg_sq=st.buf2[a:b])
            self.opts.append(opt)

    def step(self) -> None:
        for opt in self.opts:
            opt.step()


# ----------------------------------------------------------------------------- data
def make_data(cfg: Config, seeds, dtype=torch.float32, device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Stacked training sets: X [S, n, 2], y [S, n, 1] (one data set per seed)."""
    Xs, ys = zip(*(two_moons(int(s), cfg.margin, cfg.rotation, cfg.n_samples, cfg.noise) for s in seeds))
    X = torch.tensor(np.stack(Xs), dtype=dtype, device=device)
    y = torch.tensor(np.stack(ys)[..., None], dtype=dtype, device=device)
    return X, y


# held-out points: the same generator with seed + HELDOUT_SEED_OFFSET (disjoint from the
# training seeds of any run with fewer than this many seeds)
HELDOUT_SEED_OFFSET = 100_000


def make_heldout(cfg: Config, seeds, dtype=torch.float32, device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Held-out sets of the same distribution (same margin, rotation, size, noise), one per seed."""
    return make_data(cfg, [int(s) + HELDOUT_SEED_OFFSET for s in seeds], dtype, device)


# ----------------------------------------------------------------------------- checkpoint
# checkpoints hold the Ensemble's stacked parameters (nn.Linear layout) as one flat buffer
LAYOUT = "models.Ensemble/flat-v1"


def _mask_kind(device) -> str:
    return "pcg64-int32" if torch.device(device).type == "cpu" else "torch-rand"


def config_key(cfg: Config, seeds, iterations: int, dtype, device="cpu") -> str:
    """Identity of a single-configuration run (a checkpoint resumes only the same run).

    With dropout the mask stream's kind (:class:`MaskRNG`, device-dependent) is part of it.
    """
    d = {"cfg": cfg.to_dict(), "seeds": list(map(int, seeds)), "iterations": iterations, "dtype": str(dtype),
         "layout": LAYOUT}
    if cfg.dropout:
        d["mask_rng"] = _mask_kind(device)
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def group_key(cfgs: list[Config], seeds, iterations: int, dtype, device="cpu") -> str:
    """Identity of a run of several configurations at once (:func:`train_group`)."""
    if len(cfgs) == 1:
        return config_key(cfgs[0], seeds, iterations, dtype, device)
    d = {"group": [c.to_dict() for c in cfgs], "seeds": list(map(int, seeds)), "iterations": iterations,
         "dtype": str(dtype), "layout": LAYOUT}
    if cfgs[0].dropout:
        d["mask_rng"] = _mask_kind(device)
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def save_checkpoint(path: Path, st: State, key: str) -> None:
    """Write the training state to ``path`` atomically (a kill mid-write leaves the previous one)."""
    import io

    blob = {"key": key, "step": st.step, "loss_log": st.loss_log, "trace": st.trace,
            "tensors": {k: v.detach().cpu() for k, v in st.tensors().items()},
            "rng": st.rng.get_state() if st.rng is not None else None}
    buf = io.BytesIO()
    torch.save(blob, buf)
    atomic_write_bytes(path, buf.getvalue())


def _load_blob(path: Path) -> dict:
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:   # truncated / garbled files raise several types
        raise RunFolderError(f"checkpoint {path} is corrupt ({type(exc).__name__}); delete it to restart "
                             f"that training from the beginning") from None


def checkpoint_step(path: Path, key: str) -> int | None:
    """The step stored in ``path`` if it is a checkpoint of the run ``key``, else None."""
    path = Path(path)
    if not path.exists():
        return None
    blob = _load_blob(path)
    return int(blob["step"]) if blob.get("key") == key else None


def load_checkpoint(path: Path, st: State, key: str) -> bool:
    """Restore ``st`` from ``path`` if it exists and belongs to the same run (same key)."""
    path = Path(path)
    if not path.exists():
        return False
    blob = _load_blob(path)
    if blob.get("key") != key:
        return False
    for k, v in st.tensors().items():
        v.copy_(blob["tensors"][k])
    if st.rng is not None and blob.get("rng") is not None:
        st.rng.set_state(blob["rng"])
    st.step = int(blob["step"])
    st.loss_log = [tuple(x) for x in blob["loss_log"]]
    st.trace = [tuple(x) for x in blob.get("trace", [])]
    return True


# ----------------------------------------------------------------------------- training
@dataclass
class Result:
    """A finished (or stopped) batched run of one configuration."""

    cfg: Config
    seeds: list
    iterations: int
    model: Model
    state: State
    X: torch.Tensor
    y: torch.Tensor
    init_flat: torch.Tensor
    wall_s: float
    completed: bool
    extra: dict = field(default_factory=dict)

    @property
    def params(self) -> dict:
        return self.model.views(self.state.flat)

    @property
    def buffers(self) -> dict:
        """The trained module buffers (batch norm's running statistics; empty otherwise)."""
        return self.state.buffers


def _record(model: Model, st: State, X: torch.Tensor) -> None:
    """Append (step, ŷ on the training set) to ``st.trace``: the function training optimises
    (no dropout; BN with batch statistics of a throw-away copy of the buffers)."""
    with torch.no_grad():
        yh = model.apply(model.views(st.flat), X, train=model.cfg.batchnorm, buffers=model.buffers())
    st.trace.append((st.step, yh.detach().to("cpu", torch.float32)))


def _architecture(cfg: Config) -> tuple:
    """What configurations trained in one program must share (the rest may differ per slot)."""
    return (cfg.depth, cfg.width, cfg.dropout, cfg.batchnorm, cfg.iter_factor, cfg.n_samples, cfg.noise)


def can_group(a: Config, b: Config) -> bool:
    """True if ``a`` and ``b`` can train as one program (:func:`train_group`)."""
    return _architecture(a) == _architecture(b)


def _slot_blocks(model: Model, c: int, n_seeds: int) -> list[tuple[int, int]]:
    """Flat-buffer ranges of configuration ``c``'s slots (config-major slot order)."""
    out, off = [], 0
    for size in model.sizes:
        per = size // model.S
        out.append((off + c * n_seeds * per, off + (c + 1) * n_seeds * per))
        off += size
    return out


def _gather(t: torch.Tensor, blocks: list[tuple[int, int]]) -> torch.Tensor:
    return torch.cat([t[a:b] for a, b in blocks])


def train_group(cfgs: list[Config], seeds, iterations: int, *, device="cpu", dtype=torch.float32,
                checkpoint: str | Path | None = None, checkpoint_every: int = 1000,
                stop_at: int | None = None, log_every: int = 100, progress: bool = True,
                fused: bool = True, chunk: int | None = None, trace_every: int | None = None) -> list[Result]:
    """Train ``seeds`` of every configuration in ``cfgs`` as ONE program; one Result each.

    Slot c·len(seeds) + k holds seed k of ``cfgs[c]`` (its data — margin, rotation — and its
    initialization); per slot: SD coefficient; per configuration: optimizer (kind, lr,
    momentum, weight decay) on its own slices. Every configuration's training is the one
    :func:`train_batched` would do alone (same math; float rounding aside).

    Args:
        cfgs: configurations sharing the architecture (:func:`can_group`), distinct names.
        seeds: data and initialization seeds (non-negative ints).
        iterations: base number of iterations (App. B.2: 10,000; Fig. 1: 1,000), × iter_factor.
        checkpoint: file to resume from and to save to (every ``checkpoint_every`` steps,
            at ``stop_at`` and at the end); resuming is exact (bitwise on the same device).
        stop_at: stop after this many steps (simulates an interruption).
        log_every: record the per-seed loss every this many steps.
        fused: the fast step (:class:`_OneHidden`) and fused optimizer
            kernels; ``False`` runs the general layer-by-layer step and elementwise optimizer
            (same math, the in-code reference).
        chunk: slots per chunk of :class:`_OneHidden` (default: from ``CHUNK_BYTES``).
        trace_every: if given, record ŷ on the training set (the function training optimises:
            no dropout, BN with batch statistics) before every this-many-th step and after the
            last, in ``state.trace`` (the training dynamics of Fig. 1(d)).

    Returns:
        One Result per configuration, in the order of ``cfgs``; with one configuration its
        state is the live training state, with several a per-configuration copy.
    """
    cfgs = list(cfgs)
    if not cfgs or not all(isinstance(c, Config) for c in cfgs):
        raise ValueError(f"cfgs must be a non-empty list of Config; got {cfgs!r}")
    if len({c.name for c in cfgs}) != len(cfgs):
        raise ValueError(f"cfgs must have distinct names; got {[c.name for c in cfgs]}")
    bad = [c.name for c in cfgs if not can_group(c, cfgs[0])]
    if bad:
        raise ValueError(f"cfgs must share depth, width, dropout, batchnorm, iter_factor, n_samples and "
                         f"noise with {cfgs[0].name!r}; these differ: {bad}")
    seeds = [int(s) for s in seeds]
    if not seeds or min(seeds) < 0:
        raise ValueError(f"seeds must be a non-empty list of integers >= 0; got {seeds}")
    if int(iterations) != iterations or iterations < 1:
        raise ValueError(f"iterations must be an integer >= 1; got {iterations!r}")
    if int(log_every) != log_every or log_every < 1:
        raise ValueError(f"log_every must be an integer >= 1; got {log_every!r}")
    if trace_every is not None and (int(trace_every) != trace_every or trace_every < 1):
        raise ValueError(f"trace_every must be an integer >= 1 or None; got {trace_every!r}")
    cfg0, S0, C = cfgs[0], len(seeds), len(cfgs)
    total = int(iterations) * cfg0.iter_factor
    device = torch.device(device)
    model = Model(cfg0, seeds * C, dtype, device)
    data = [make_data(c, seeds, dtype, device) for c in cfgs]
    X = torch.cat([d[0] for d in data]) if C > 1 else data[0][0]
    y = torch.cat([d[1] for d in data]) if C > 1 else data[0][1]
    flat = model.flat()
    init_flat = flat.clone()
    rng = MaskRNG(cfg0.dropout, 10_007 * (1 + seeds[0]) + len(seeds), device) if cfg0.dropout else None
    st = State(model, flat, rng, adam=any(c.optimizer == "adam" for c in cfgs))
    key = group_key(cfgs, seeds, total, dtype, device) + (f"-trace{int(trace_every)}" if trace_every else "")
    if checkpoint is not None:
        load_checkpoint(checkpoint, st, key)
    p, gp = model.views(st.flat), model.views(st.grad)
    sd = _slot_sd(cfgs, S0, dtype, device)
    opt = _Optimizer(model, cfgs, S0, st, fused=fused)
    fast = _OneHidden(model, X, y, sd, chunk) if fused and model.L == 2 else None
    keep = 1.0 - cfg0.dropout
    end = total if stop_at is None else min(total, int(stop_at))
    label = cfg0.name if C == 1 else f"{C} configurations"
    prog = Progress(label, total, unit="it") if progress else None
    t0 = time.perf_counter()
    while st.step < end:
        if trace_every and st.step % trace_every == 0:
            _record(model, st, X)
        log = st.step % log_every == 0
        if fast is not None:
            loss = fast.step(p, gp, st, log)
        else:
            mask = None
            if rng is not None:
                mask = torch.empty(model.S, X.shape[1], model.dims[1], dtype=dtype, device=device)
                mask = rng.fill(mask).div_(keep)
            loss = _autograd_step(model, st, X, y, sd, mask)
        if log:
            st.loss_log.append((st.step, loss.tolist()))
        opt.step()
        st.step += 1
        if checkpoint is not None and st.step % checkpoint_every == 0 and st.step < end:
            save_checkpoint(checkpoint, st, key)
            fault_point("checkpoint")
        if prog is not None:
            prog.update(st.step)
    if trace_every and st.step >= total and (not st.trace or st.trace[-1][0] != st.step):
        _record(model, st, X)
    wall = time.perf_counter() - t0
    if checkpoint is not None:
        save_checkpoint(checkpoint, st, key)
    done = st.step >= total
    if C == 1:
        return [Result(cfg0, seeds, total, model, st, X, y, init_flat, wall, done)]
    results = []
    names = [c.name for c in cfgs]
    for c, cfg in enumerate(cfgs):
        m = Model(cfg, seeds, dtype, device)
        blocks = _slot_blocks(model, c, S0)
        bufs = {k: v[c * S0:(c + 1) * S0].clone() for k, v in st.buffers.items()}
        sub = State(m, _gather(st.flat, blocks), None, adam=cfg.optimizer == "adam", buffers=bufs)
        sub.buf = _gather(st.buf, blocks)
        if sub.buf2 is not None:
            sub.buf2 = _gather(st.buf2, blocks)
        sub.step = st.step
        sub.loss_log = [(s, v[c * S0:(c + 1) * S0]) for s, v in st.loss_log]
        sub.trace = [(s, v[c * S0:(c + 1) * S0]) for s, v in st.trace]
        sl = slice(c * S0, (c + 1) * S0)
        results.append(Result(cfg, seeds, total, m, sub, X[sl], y[sl], _gather(init_flat, blocks), wall, done,
                              extra={"group": names, "group_wall_s": wall}))
    return results


def train_batched(cfg: Config, seeds, iterations: int, *, device="cpu", dtype=torch.float32,
                  checkpoint: str | Path | None = None, checkpoint_every: int = 1000,
                  stop_at: int | None = None, log_every: int = 100, progress: bool = True,
                  fused: bool = True, chunk: int | None = None, trace_every: int | None = None) -> Result:
    """Train all ``seeds`` of ``cfg`` for ``iterations × cfg.iter_factor`` full-batch steps.

    :func:`train_group` with one configuration (arguments as there); its checkpoint is
    this configuration's own (key :func:`config_key`).

    Returns:
        Result with the final state.
    """
    return train_group([cfg], seeds, iterations, device=device, dtype=dtype, checkpoint=checkpoint,
                       checkpoint_every=checkpoint_every, stop_at=stop_at, log_every=log_every,
                       progress=progress, fused=fused, chunk=chunk, trace_every=trace_every)[0]


# ----------------------------------------------------------------------------- serial reference
def train_serial(cfg: Config, seed: int, iterations: int, *, device="cpu", dtype=torch.float32) -> dict[str, torch.Tensor]:
    """The straightforward per-seed loop: one ``network(cfg)`` module, autograd, ``torch.optim``.

    Same math as :func:`train_batched` for one seed (same data and initialization; for
    dropout the module's own masks from the global RNG, a different random stream). Returns
    the final parameters and buffers by name (nn.Linear layout).
    """
    device = torch.device(device)
    total = int(iterations) * cfg.iter_factor
    X, y = make_data(cfg, [seed], dtype, device)
    X, y = X[0], y[0, :, 0]
    net = network(cfg).to(dtype=dtype)
    net.reset_parameters(torch.Generator().manual_seed(int(seed)))   # as an Ensemble member
    net.to(device).train()
    plist = list(net.parameters())
    if cfg.optimizer == "sgd":
        opt = torch.optim.SGD(plist, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    else:
        opt = torch.optim.Adam(plist, lr=cfg.lr, weight_decay=cfg.weight_decay)
    for _ in range(total):
        y_hat = net(X)[:, 0]
        loss = torch.log(1.0 + torch.exp(-y_hat * y)).mean()
        if cfg.sd:
            loss = loss + cfg.sd * (y_hat ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    out = {k: v.detach() for k, v in net.named_parameters()}
    out.update({k: v.detach() for k, v in net.named_buffers()})
    return out
