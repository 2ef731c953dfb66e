"""Batched trainer: every seed of one configuration trains as ONE tensor program.

The network (§2, App. B.2): an MLP 2 → H → … → H → 1 with ReLU (H = 500; one hidden layer,
or four for "deeper"), optional dropout (p = 0.7) or batch norm after the first linear
layer, trained full batch on the loss mean log(1 + exp(−y ŷ)) (+ SD: c·mean(ŷ²), Eq. 17
with the authors' coefficient) by SGD (lr 1e-2, momentum 0.9, optional weight decay) or Adam.

How it is batched: parameters of all S seeds are stacked along a leading seed axis and
live in one flat buffer (each parameter a contiguous [S, ...] block), so the optimizer
step is a handful of elementwise ops on one tensor, and forward and backward are written by
hand with batched matmuls (``torch.baddbmm``/``torch.bmm``) writing straight into the
gradient buffer. No autograd graph, no Python work per seed. The same code runs on any
device. :func:`train_serial` is the plain per-seed PyTorch loop (autograd + torch.optim),
used as the reference in tests and as the benchmark's baseline.

Initialization: PyTorch's ``nn.Linear`` distribution, W, b ~ U(−1/√fan_in, 1/√fan_in),
drawn from ``torch.Generator().manual_seed(seed)`` (the data use the same seed, as the
authors' "10 seeds (data and init)"); batch-norm γ = 1, β = 0.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from empirical.moons import N_SAMPLES, NOISE, two_moons

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


def app_b2_configs(margin: float = 0.1) -> dict[str, Config]:
    """The configurations of App. B.2 / Fig. 6 (Δ = ``margin``) plus Fig. 1(a) (Δ = −0.1)."""
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
    ]
    return {c.name: c for c in cfgs}


# ----------------------------------------------------------------------------- model
class Model:
    """Layout of the stacked parameters of one configuration for S seeds.

    Parameters sit in one flat buffer; ``views(flat)`` returns name → [S, ...] views.
    Layer l maps dims[l] → dims[l+1] as h ↦ h W_l + b_l (W_l: [S, in, out], b_l: [S, 1, out]).
    """

    def __init__(self, cfg: Config, n_seeds: int):
        self.cfg, self.S = cfg, n_seeds
        self.dims = [2] + [cfg.width] * cfg.depth + [1]
        self.L = len(self.dims) - 1
        shapes = []
        for l in range(self.L):
            shapes.append((f"W{l}", (self.dims[l], self.dims[l + 1])))
            shapes.append((f"b{l}", (1, self.dims[l + 1])))
            if l == 0 and cfg.batchnorm:
                shapes.append(("gamma", (1, self.dims[1])))
                shapes.append(("beta", (1, self.dims[1])))
        self.shapes = shapes
        self.sizes = [n_seeds * math.prod(s) for _, s in shapes]
        self.numel = sum(self.sizes)
        self.n_params_per_seed = self.numel // n_seeds

    def views(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        out, off = {}, 0
        for (name, shp), size in zip(self.shapes, self.sizes):
            out[name] = flat[off:off + size].view(self.S, *shp)
            off += size
        return out

    def init(self, seeds, dtype=torch.float32, device="cpu") -> torch.Tensor:
        """Flat parameters for ``seeds`` (nn.Linear's U(±1/√fan_in); BN γ=1, β=0)."""
        flat = torch.empty(self.numel, dtype=torch.float64)
        v = self.views(flat)
        for k, seed in enumerate(seeds):
            g = torch.Generator().manual_seed(int(seed))
            for l in range(self.L):
                bound = 1.0 / math.sqrt(self.dims[l])
                v[f"W{l}"][k].uniform_(-bound, bound, generator=g)
                v[f"b{l}"][k].uniform_(-bound, bound, generator=g)
            if self.cfg.batchnorm:
                v["gamma"][k].fill_(1.0)
                v["beta"][k].fill_(0.0)
        return flat.to(dtype=dtype, device=device)

    def flops_per_iteration(self, n: int) -> float:
        """Multiply-adds ×2 of forward (1 pass) + backward (2 passes, first layer's input grad skipped)."""
        mm = sum(self.dims[l] * self.dims[l + 1] for l in range(self.L))
        first = self.dims[0] * self.dims[1]
        return 2.0 * n * self.S * (3 * mm - first)


class State:
    """Mutable training state: params, optimizer buffers, BN running stats, RNG, step."""

    def __init__(self, model: Model, flat: torch.Tensor, gen: torch.Generator | None):
        cfg = model.cfg
        self.flat = flat
        self.grad = torch.zeros_like(flat)
        self.buf = torch.zeros_like(flat)                  # momentum / Adam m
        self.buf2 = torch.zeros_like(flat) if cfg.optimizer == "adam" else None  # Adam v
        H = model.dims[1]
        self.running_mean = torch.zeros(model.S, 1, H, dtype=flat.dtype, device=flat.device) if cfg.batchnorm else None
        self.running_var = torch.ones(model.S, 1, H, dtype=flat.dtype, device=flat.device) if cfg.batchnorm else None
        self.gen = gen
        self.step = 0
        self.loss_log: list[tuple[int, list[float]]] = []

    def tensors(self) -> dict:
        d = {"flat": self.flat, "buf": self.buf, "buf2": self.buf2,
             "running_mean": self.running_mean, "running_var": self.running_var}
        return {k: v for k, v in d.items() if v is not None}


def _bn_train(z, gamma, beta, rm, rv):
    n = z.shape[1]
    mu = z.mean(1, keepdim=True)
    zc = z - mu
    var = zc.square().mean(1, keepdim=True)
    inv = torch.rsqrt(var + BN_EPS)
    zhat = zc * inv
    if rm is not None:
        rm.mul_(1 - BN_MOMENTUM).add_(mu, alpha=BN_MOMENTUM)
        rv.mul_(1 - BN_MOMENTUM).add_(var * (n / (n - 1)), alpha=BN_MOMENTUM)
    return torch.addcmul(beta, zhat, gamma), zhat, inv


def forward(model: Model, p: dict, X: torch.Tensor, *, train: bool, state: State | None = None,
            mask: torch.Tensor | None = None, cache: list | None = None,
            running: tuple | None = None) -> torch.Tensor:
    """Batched forward pass; returns ŷ of shape [S, M, 1].

    Args:
        train: batch statistics for BN (and running-stat update when ``state`` is given),
            dropout with ``mask`` (already scaled by 1/(1−p)); eval: BN uses running
            statistics (``running`` or ``state``'s), no dropout.
        cache: if a list, the layer inputs (post-ReLU activations) and BN intermediates
            are appended for :func:`backward`.
    """
    cfg = model.cfg
    h = X
    if cache is not None:
        cache.append(h)
    for l in range(model.L):
        if l == model.L - 1:
            # one output unit: Wᵀhᵀ is the fast orientation of this matrix-vector product
            S, M, H = h.shape
            z = torch.bmm(p[f"W{l}"].view(S, 1, H), h.transpose(1, 2)).view(S, M, 1)
            return z.add_(p[f"b{l}"])
        z = torch.baddbmm(p[f"b{l}"], h, p[f"W{l}"])
        if l == 0 and cfg.batchnorm:
            if train:
                rm = state.running_mean if state is not None else None
                rv = state.running_var if state is not None else None
                z, zhat, inv = _bn_train(z, p["gamma"], p["beta"], rm, rv)
                if cache is not None:
                    cache.append((zhat, inv))
            else:
                rm, rv = running if running is not None else (state.running_mean, state.running_var)
                z = (z - rm) * torch.rsqrt(rv + BN_EPS) * p["gamma"] + p["beta"]
        if l == 0 and train and mask is not None:
            z = z.mul_(mask)
        h = z.clamp_min_(0.0)
        if cache is not None:
            cache.append(h)
    raise AssertionError("unreachable")


def loss_grad(out: torch.Tensor, y: torch.Tensor, sd: float, dim: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-seed loss mean softplus(−yŷ) + sd·mean(ŷ²) and its gradient wrt ŷ.

    ``out`` and ``y`` are [S, n, 1] (``dim`` = 1) or [S, 1, n] (``dim`` = 2); returns
    (loss [S], g of the shape of ``out``).
    """
    n = out.shape[dim]
    m = y * out
    loss = torch.nn.functional.softplus(-m).mean(dim).squeeze(-1)
    g = torch.sigmoid(-m).mul_(-y)                     # d softplus(−yŷ)/dŷ
    if sd:
        loss = loss + sd * out.square().mean(dim).squeeze(-1)
        g.add_(out, alpha=2.0 * sd)
    return loss, g.div_(n)


class _Fast1:
    """Fused step of the one-hidden-layer net without BN (plain, WD, Adam, SD, dropout, …).

    Exact algebra, fewer passes over the [S, n, H] activations (the cost on CPU):
    the output weight's gradient is rank one in the hidden units, so with M = 1[A > 0]
    (= sign A, as A ≥ 0) the first layer's gradients are
    ∂L/∂W₀[:, j] = w₂ⱼ Σᵢ xᵢ gᵢ Mᵢⱼ and ∂L/∂b₀ⱼ = w₂ⱼ Σᵢ gᵢ Mᵢⱼ: one batched product
    [x₁g; x₂g; g]ᵀ-rows × M instead of forming g w₂ᵀ and masking it. All big tensors are
    preallocated (``out=``): allocation of a fresh [S, n, H] block costs more than the op.
    Dropout: relu(z ⊙ m / keep) = relu(z ⊙ m) / keep, so the 1/keep goes on the small
    tensors (output, gradients) and M = 1[z ⊙ m > 0] already carries the mask.
    """

    def __init__(self, model: Model, X: torch.Tensor, y: torch.Tensor):
        S, n, H = model.S, X.shape[1], model.dims[1]
        kw = dict(dtype=X.dtype, device=X.device)
        self.S, self.n, self.H = S, n, H
        self.X = X
        self.yT = y.transpose(1, 2).contiguous()          # [S, 1, n]
        self.Z = torch.empty(S, n, H, **kw)
        self.M = torch.empty(S, n, H, **kw)
        self.R = torch.empty(S, n, H, **kw) if model.cfg.dropout else None
        self.outT = torch.empty(S, 1, n, **kw)
        self.XG = torch.empty(S, 3, n, **kw)
        self.XT = X.transpose(1, 2)
        self.Y = torch.empty(S, 3, H, **kw)
        self.cfg = model.cfg

    def step(self, p: dict, gp: dict, gen) -> torch.Tensor:
        S, H, cfg = self.S, self.H, self.cfg
        Z = torch.baddbmm(p["b0"], self.X, p["W0"], out=self.Z)
        if cfg.dropout:
            torch.rand(self.R.shape, generator=gen, out=self.R, dtype=self.R.dtype, device=self.R.device)
            Z.mul_(self.R.ge_(cfg.dropout))
        A = Z.clamp_min_(0.0)
        w2T = p["W1"].view(S, 1, H)                        # [S, H, 1] and [S, 1, H] share memory
        out = torch.bmm(w2T, A.transpose(1, 2), out=self.outT)
        keep = 1.0 - cfg.dropout
        if cfg.dropout:
            out.mul_(1.0 / keep)
        out.add_(p["b1"])
        loss, g = loss_grad(out, self.yT, cfg.sd, dim=2)   # g: [S, 1, n]
        torch.bmm(g, A, out=gp["W1"].view(S, 1, H))
        torch.sum(g, dim=2, keepdim=True, out=gp["b1"])
        torch.sign(A, out=self.M)
        torch.mul(self.XT, g, out=self.XG[:, :2])
        self.XG[:, 2:3].copy_(g)
        Y = torch.bmm(self.XG, self.M, out=self.Y)
        torch.mul(Y[:, :2], w2T, out=gp["W0"])
        torch.mul(Y[:, 2:3], w2T, out=gp["b0"])
        if cfg.dropout:
            for k in ("W0", "b0", "W1"):
                gp[k].mul_(1.0 / keep)
        return loss


def backward(model: Model, p: dict, gp: dict, cache: list, g: torch.Tensor) -> None:
    """Hand-written backward of :func:`forward` (train mode); writes into ``gp`` views."""
    cfg = model.cfg
    # cache: [X, (bn), A1, A2, ..., A_depth]; layer l's input is acts[l]
    bn = None
    acts = [cache[0]]
    for item in cache[1:]:
        if isinstance(item, tuple):
            bn = item
        else:
            acts.append(item)
    gz = g
    for l in range(model.L - 1, -1, -1):
        h = acts[l]
        if l == model.L - 1:      # one output unit: gᵀh and g wᵀ in their fast forms
            S, n, H = h.shape
            torch.bmm(gz.transpose(1, 2), h, out=gp[f"W{l}"].view(S, 1, H))
        else:
            torch.bmm(h.transpose(1, 2), gz, out=gp[f"W{l}"])
        torch.sum(gz, dim=1, keepdim=True, out=gp[f"b{l}"])
        if l == 0:
            break
        if l == model.L - 1:
            ga = gz * p[f"W{l}"].view(S, 1, H)
        else:
            ga = torch.bmm(gz, p[f"W{l}"].transpose(1, 2))
        # ReLU backward from the post-activation: A > 0 ⇔ pre-activation > 0 (and, with
        # dropout, the unit was kept — the 1/(1−p) factor is applied just below)
        gz = torch.ops.aten.threshold_backward(ga, h, 0.0)
        if l == 1:
            if cfg.dropout:
                gz.mul_(1.0 / (1.0 - cfg.dropout))
            if cfg.batchnorm:
                zhat, inv = bn
                n = zhat.shape[1]
                torch.sum(gz * zhat, dim=1, keepdim=True, out=gp["gamma"])
                torch.sum(gz, dim=1, keepdim=True, out=gp["beta"])
                gx = gz.mul_(p["gamma"])
                s1 = gx.sum(1, keepdim=True)
                s2 = (gx * zhat).sum(1, keepdim=True)
                gz = (gx * n - s1 - zhat * s2) * (inv / n)


def _opt_step(cfg: Config, st: State) -> None:
    p, g = st.flat, st.grad
    if cfg.weight_decay:
        g.add_(p, alpha=cfg.weight_decay)       # torch.optim's coupled weight decay
    if cfg.optimizer == "sgd":
        st.buf.mul_(cfg.momentum).add_(g)       # torch.optim.SGD, dampening 0 (buf₀ = g₀)
        p.add_(st.buf, alpha=-cfg.lr)
    else:
        t = st.step + 1
        b1, b2 = ADAM_BETAS
        st.buf.lerp_(g, 1 - b1)
        st.buf2.mul_(b2).addcmul_(g, g, value=1 - b2)
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        denom = (st.buf2.sqrt() / math.sqrt(bc2)).add_(ADAM_EPS)
        p.addcdiv_(st.buf, denom, value=-cfg.lr / bc1)


# ----------------------------------------------------------------------------- data
def make_data(cfg: Config, seeds, dtype=torch.float32, device="cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Stacked training sets: X [S, n, 2], y [S, n, 1] (one data set per seed)."""
    Xs, ys = zip(*(two_moons(int(s), cfg.margin, cfg.rotation, cfg.n_samples, cfg.noise) for s in seeds))
    X = torch.tensor(np.stack(Xs), dtype=dtype, device=device)
    y = torch.tensor(np.stack(ys)[..., None], dtype=dtype, device=device)
    return X, y


# ----------------------------------------------------------------------------- checkpoint
def config_key(cfg: Config, seeds, iterations: int, dtype) -> str:
    blob = json.dumps({"cfg": cfg.to_dict(), "seeds": list(map(int, seeds)), "iterations": iterations,
                       "dtype": str(dtype)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def save_checkpoint(path: Path, st: State, key: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = {"key": key, "step": st.step, "loss_log": st.loss_log,
            "tensors": {k: v.detach().cpu() for k, v in st.tensors().items()},
            "gen": st.gen.get_state() if st.gen is not None else None}
    tmp = path.with_suffix(".tmp")
    torch.save(blob, tmp)
    os.replace(tmp, path)  # atomic: a kill mid-write leaves the previous checkpoint intact


def load_checkpoint(path: Path, st: State, key: str) -> bool:
    """Restore ``st`` from ``path`` if it exists and belongs to the same run (same key)."""
    path = Path(path)
    if not path.exists():
        return False
    blob = torch.load(path, map_location="cpu", weights_only=False)
    if blob.get("key") != key:
        return False
    for k, v in st.tensors().items():
        v.copy_(blob["tensors"][k])
    if st.gen is not None and blob["gen"] is not None:
        st.gen.set_state(blob["gen"])
    st.step = int(blob["step"])
    st.loss_log = [tuple(x) for x in blob["loss_log"]]
    return True


class _Progress:
    """A one-line stderr progress report, only when stderr is a terminal."""

    def __init__(self, label: str, total: int):
        self.label, self.total = label, total
        self.on = sys.stderr.isatty() and not os.environ.get("CI")
        self.t0 = self.last = time.perf_counter()

    def update(self, done: int) -> None:
        if not self.on:
            return
        now = time.perf_counter()
        if now - self.last < 0.5 and done < self.total:
            return
        self.last = now
        rate = done / max(now - self.t0, 1e-9)
        sys.stderr.write(f"\r{self.label}: {done}/{self.total} it ({rate:.0f} it/s)   ")
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


# ----------------------------------------------------------------------------- training
@dataclass
class Result:
    """A finished (or stopped) batched run."""

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


def train_batched(cfg: Config, seeds, iterations: int, *, device="cpu", dtype=torch.float32,
                  checkpoint: str | Path | None = None, checkpoint_every: int = 1000,
                  stop_at: int | None = None, log_every: int = 100, progress: bool = True,
                  fused: bool = True) -> Result:
    """Train all ``seeds`` of ``cfg`` for ``iterations × cfg.iter_factor`` full-batch steps.

    Args:
        cfg: the configuration.
        seeds: data and initialization seeds (non-negative ints).
        iterations: base number of iterations (App. B.2: 10,000; Fig. 1: 1,000).
        checkpoint: file to resume from and to save to (every ``checkpoint_every`` steps,
            at ``stop_at`` and at the end); resuming is exact (bitwise on the same device).
        stop_at: stop after this many steps (simulates an interruption; the run resumes
            from the checkpoint next time).
        log_every: record the per-seed loss every this many steps.
        fused: use the fused one-hidden-layer step (:class:`_Fast1`) where it applies;
            ``False`` runs the general layer-by-layer step (same math).

    Returns:
        Result with the final state.
    """
    seeds = [int(s) for s in seeds]
    if not seeds or min(seeds) < 0:
        raise ValueError(f"seeds must be a non-empty list of integers >= 0; got {seeds}")
    if int(iterations) != iterations or iterations < 1:
        raise ValueError(f"iterations must be an integer >= 1; got {iterations!r}")
    total = int(iterations) * cfg.iter_factor
    device = torch.device(device)
    model = Model(cfg, len(seeds))
    X, y = make_data(cfg, seeds, dtype, device)
    flat = model.init(seeds, dtype, device)
    init_flat = flat.clone()
    gen = None
    if cfg.dropout:
        gen = torch.Generator(device=device).manual_seed(10_007 * (1 + seeds[0]) + len(seeds))
    st = State(model, flat, gen)
    key = config_key(cfg, seeds, total, dtype)
    if checkpoint is not None:
        load_checkpoint(checkpoint, st, key)
    p, gp = model.views(st.flat), model.views(st.grad)
    H = model.dims[1]
    n = X.shape[1]
    keep = 1.0 - cfg.dropout
    end = total if stop_at is None else min(total, int(stop_at))
    prog = _Progress(cfg.name, total) if progress else None
    fast = _Fast1(model, X, y) if (fused and model.L == 2 and not cfg.batchnorm) else None
    t0 = time.perf_counter()
    while st.step < end:
        if fast is not None:
            if st.step % log_every == 0:
                loss = fast.step(p, gp, gen)
                st.loss_log.append((st.step, loss.tolist()))
            else:
                fast.step(p, gp, gen)
            _opt_step(cfg, st)
            st.step += 1
            if checkpoint is not None and st.step % checkpoint_every == 0 and st.step < end:
                save_checkpoint(checkpoint, st, key)
            if prog is not None:
                prog.update(st.step)
            continue
        cache: list = []
        mask = None
        if cfg.dropout:
            mask = torch.rand(len(seeds), n, H, generator=gen, device=device, dtype=dtype)
            mask = mask.ge_(cfg.dropout).to(dtype).div_(keep)
        out = forward(model, p, X, train=True, state=st, mask=mask, cache=cache)
        loss, g = loss_grad(out, y, cfg.sd)
        if st.step % log_every == 0:
            st.loss_log.append((st.step, loss.tolist()))
        backward(model, p, gp, cache, g)
        _opt_step(cfg, st)
        st.step += 1
        if checkpoint is not None and st.step % checkpoint_every == 0 and st.step < end:
            save_checkpoint(checkpoint, st, key)
        if prog is not None:
            prog.update(st.step)
    wall = time.perf_counter() - t0
    if checkpoint is not None:
        save_checkpoint(checkpoint, st, key)
    return Result(cfg, seeds, total, model, st, X, y, init_flat, wall, st.step >= total)


# ----------------------------------------------------------------------------- serial reference
def train_serial(cfg: Config, seed: int, iterations: int, *, device="cpu", dtype=torch.float32,
                 init_flat_seed: dict | None = None) -> dict[str, torch.Tensor]:
    """The straightforward per-seed loop: autograd, ``torch.optim``, authors' loss formula.

    Same math as :func:`train_batched` for one seed (same data and initialization; for
    dropout a different random stream). Returns the final parameters by name
    (W as [in, out], b as [1, out]) and, for BN, the running statistics.
    """
    device = torch.device(device)
    total = int(iterations) * cfg.iter_factor
    model = Model(cfg, 1)
    X, y = make_data(cfg, [seed], dtype, device)
    X, y = X[0], y[0, :, 0]
    flat = model.init([seed], dtype, device)
    params = {k: v[0].clone().requires_grad_(True) for k, v in model.views(flat).items()}
    plist = list(params.values())
    if cfg.optimizer == "sgd":
        opt = torch.optim.SGD(plist, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    else:
        opt = torch.optim.Adam(plist, lr=cfg.lr, weight_decay=cfg.weight_decay)
    H = model.dims[1]
    rm = torch.zeros(H, dtype=dtype, device=device)
    rv = torch.ones(H, dtype=dtype, device=device)
    for _ in range(total):
        h = X
        for l in range(model.L):
            z = h @ params[f"W{l}"] + params[f"b{l}"]
            if l == model.L - 1:
                break
            if l == 0 and cfg.batchnorm:
                z = torch.nn.functional.batch_norm(z, rm, rv, params["gamma"][0], params["beta"][0],
                                                   training=True, momentum=BN_MOMENTUM, eps=BN_EPS)
            if l == 0 and cfg.dropout:
                z = torch.nn.functional.dropout(z, cfg.dropout, training=True)
            h = torch.relu(z)
        y_hat = z[:, 0]
        loss = torch.log(1.0 + torch.exp(-y_hat * y)).mean()
        if cfg.sd:
            loss = loss + cfg.sd * (y_hat ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    out = {k: v.detach() for k, v in params.items()}
    if cfg.batchnorm:
        out["running_mean"], out["running_var"] = rm, rv
    return out
