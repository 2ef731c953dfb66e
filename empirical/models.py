"""Networks of the paper's experiments as ``torch.nn.Module`` s, and seed ensembles as one program.

* :class:`MLP` — a fully connected ReLU/GELU network d_in → H → … → H → d_out, in the
  standard parameterisation (what ``nn.Linear`` computes) or the NTK parameterisation of
  Eq. 1 (Jacot et al. 2018: W ~ N(0, 1), each layer's pre-activation scaled by 1/√fan_in).
  Optional dropout or batch norm after the first linear layer (App. B.2's variants).
* :class:`CNN` — the four-layer ReLU convolutional network of App. B.3 (two 5×5
  convolutions with 2×2 max-pooling, two fully connected layers; LeNet scale, the setup of
  Nar et al. 2019 that App. B.3 follows), for 28×28×1 and 32×32×3 inputs.
* :class:`Ensemble` — R independently initialised copies of one network (one per seed),
  parameters stacked along a leading member axis with :func:`torch.func.stack_module_state`
  and evaluated with :func:`torch.func.vmap` over :func:`torch.func.functional_call`: one
  tensor program for all seeds. The stacked parameters are ordinary leaf tensors, so any
  elementwise ``torch.optim`` optimiser (SGD, Adam; weight decay included) stepping on them
  is exactly R independent optimisers.

Initialisation draws from an explicit ``torch.Generator`` (``reset_parameters(generator)``),
never from the global RNG, so member r of an ensemble equals a network built alone with
seed r. Schemes (``init=``):

* ``"torch"``: ``nn.Linear`` / ``nn.Conv2d``'s default, W, b ~ U(±1/√fan_in) (App. B.2's
  PyTorch networks);
* ``"normal"``: W ~ N(0, 1/fan_in) (standard) or N(0, 1) (NTK), biases 0;
* ``"xavier"``: W ~ U(±√(6/(fan_in + fan_out))), biases 0 (the IRM / authors' Colored-MNIST
  code).

Example:
    >>> import torch
    >>> ens = Ensemble(lambda: MLP(2, 8), seeds=[0, 1, 2])
    >>> ens(torch.zeros(5, 2)).shape
    torch.Size([3, 5, 1])

References: Jacot, Gabriel, Hongler (2018), Neural Tangent Kernel; Nar, Ocal, Sastry, Ramchandran
(2019), Cross-entropy loss and low-rank features have responsibility for adversarial examples;
PyTorch ``torch.func`` "model ensembling" tutorial.
"""

from __future__ import annotations

import copy
import math
from typing import Callable, Sequence

import torch
from torch import nn

PARAMS = ("standard", "ntk")
ACTS = ("relu", "gelu")
INITS = ("torch", "normal", "xavier")


def _check_int(v, name: str, lo: int = 1) -> int:
    if isinstance(v, bool) or int(v) != v or v < lo:
        raise ValueError(f"{name} must be an integer >= {lo}; got {v!r}")
    return int(v)


def _fresh_generator() -> torch.Generator:
    """A non-deterministically seeded generator (the global RNG is left untouched)."""
    g = torch.Generator()
    g.seed()
    return g


class ScaledLinear(nn.Linear):
    """``nn.Linear`` whose weight is multiplied by ``scale`` in the forward pass.

    ``scale = 1/√fan_in`` gives the NTK parameterisation (the trainable weight stays N(0, 1));
    ``scale = 1`` is ``nn.Linear``.
    """

    def __init__(self, d_in: int, d_out: int, bias: bool = True, scale: float = 1.0):
        super().__init__(d_in, d_out, bias=bias)
        self.scale = float(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight if self.scale == 1.0 else self.weight * self.scale
        return nn.functional.linear(x, w, self.bias)


def _init_layer(layer: nn.Module, scheme: str, ntk: bool, g: torch.Generator) -> None:
    """Fill one Linear/Conv layer's weight and bias from ``g`` (scheme as in the module docstring)."""
    w = layer.weight
    fan_in = w[0].numel()
    fan_out = w.shape[0] * (w[0].numel() // w.shape[1])
    with torch.no_grad():
        if scheme == "torch":
            bound = 1.0 / math.sqrt(fan_in)
            w.uniform_(-bound, bound, generator=g)
            if layer.bias is not None:
                layer.bias.uniform_(-bound, bound, generator=g)
            return
        if scheme == "normal":
            w.normal_(0.0, 1.0 if ntk else 1.0 / math.sqrt(fan_in), generator=g)
        else:  # xavier
            a = math.sqrt(6.0 / (fan_in + fan_out))
            w.uniform_(-a, a, generator=g)
        if layer.bias is not None:
            layer.bias.zero_()


class MLP(nn.Module):
    """Fully connected network d_in → width (× depth) → d_out (module docstring).

    Args:
        d_in, width, depth, d_out: layer sizes (depth = number of hidden layers ≥ 1).
        param: ``"standard"`` or ``"ntk"``.
        act: ``"relu"`` or ``"gelu"``.
        bias: biases in every layer.
        dropout: probability p ∈ [0, 1) of the dropout after the first linear layer (before
            the non-linearity, as the authors' two-moons code; App. B.2 uses 0.7).
        batchnorm: ``nn.BatchNorm1d`` after the first linear layer (App. B.2).
        init: ``"torch"``, ``"normal"`` or ``"xavier"``.
        seed: if given, initialise from ``torch.Generator().manual_seed(seed)``.

    Output: [n, d_out] (with d_out = 1 the logit of a binary task).
    """

    def __init__(self, d_in: int, width: int, depth: int = 1, d_out: int = 1, *, param: str = "standard",
                 act: str = "relu", bias: bool = True, dropout: float = 0.0, batchnorm: bool = False,
                 init: str = "torch", seed: int | None = None):
        super().__init__()
        d_in, width = _check_int(d_in, "d_in"), _check_int(width, "width")
        depth, d_out = _check_int(depth, "depth"), _check_int(d_out, "d_out")
        if param not in PARAMS:
            raise ValueError(f"param must be one of {PARAMS}; got {param!r}")
        if act not in ACTS:
            raise ValueError(f"act must be one of {ACTS}; got {act!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {init!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1); got {dropout!r}")
        if dropout and batchnorm:
            raise ValueError("dropout and batchnorm are separate App. B.2 configurations; give one")
        if param == "ntk" and init == "torch":
            init = "normal"   # the NTK parameterisation is defined with N(0, 1) weights
        self.param, self.act_name, self.init_scheme = param, act, init
        dims = [d_in] + [width] * depth + [d_out]
        self.layers = nn.ModuleList(
            ScaledLinear(dims[i], dims[i + 1], bias=bias, scale=1.0 / math.sqrt(dims[i]) if param == "ntk" else 1.0)
            for i in range(len(dims) - 1))
        self.norm = nn.BatchNorm1d(width) if batchnorm else None
        self.drop = nn.Dropout(dropout) if dropout else None
        self.act = nn.ReLU() if act == "relu" else nn.GELU()
        self.reset_parameters(torch.Generator().manual_seed(int(seed)) if seed is not None else None)

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Draw every weight and bias from ``generator`` in layer order (W then b per layer)."""
        g = generator if generator is not None else _fresh_generator()
        for layer in self.layers:
            _init_layer(layer, self.init_scheme, self.param == "ntk", g)
        if self.norm is not None:
            self.norm.reset_parameters()
            self.norm.reset_running_stats()

    def forward(self, x: torch.Tensor, drop_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Output [n, d_out]. ``drop_mask`` (training with dropout only): a keep-mask [n, width]
        already scaled by 1/(1 − p), used instead of drawing one (an external, checkpointable
        random stream)."""
        h = x
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if i == last:
                return h
            if i == 0 and self.norm is not None:
                h = self.norm(h)
            if i == 0 and self.drop is not None:
                h = h * drop_mask if drop_mask is not None and self.training else self.drop(h)
            h = self.act(h)
        raise AssertionError("unreachable")


def _conv_out(size: int, k: int) -> int:
    return (size - k + 1) // 2     # valid k×k convolution, then 2×2 max-pooling


class CNN(nn.Module):
    """The four-layer ReLU CNN of App. B.3: conv 5×5 (c1) → pool → conv 5×5 (c2) → pool → fc (hidden) → fc.

    Args:
        in_shape: (channels, height, width): (1, 28, 28) for MNIST, (3, 32, 32) for CIFAR-10.
        d_out: outputs (1 = binary logit, 10 = CIFAR-10 classes).
        channels: (c1, c2), default (32, 64).
        hidden: units of the first fully connected layer, default 512 (LeNet scale).
        init, seed: as :class:`MLP` (``"torch"`` is the PyTorch default).
    """

    def __init__(self, in_shape: Sequence[int] = (1, 28, 28), d_out: int = 1, *, channels: Sequence[int] = (32, 64),
                 hidden: int = 512, init: str = "torch", seed: int | None = None):
        super().__init__()
        if len(in_shape) != 3 or any(int(s) != s or s < 1 for s in in_shape):
            raise ValueError(f"in_shape must be (channels, height, width) of positive ints; got {in_shape!r}")
        c, h, w = (int(s) for s in in_shape)
        if min(h, w) < 16:
            raise ValueError(f"in_shape height and width must be >= 16 (two 5x5 convs and 2x2 pools); got {in_shape!r}")
        if init not in INITS:
            raise ValueError(f"init must be one of {INITS}; got {init!r}")
        c1, c2 = (_check_int(k, "channels") for k in channels)
        hidden, d_out = _check_int(hidden, "hidden"), _check_int(d_out, "d_out")
        self.in_shape, self.init_scheme = (c, h, w), init
        self.conv1 = nn.Conv2d(c, c1, 5)
        self.conv2 = nn.Conv2d(c1, c2, 5)
        flat = c2 * _conv_out(_conv_out(h, 5), 5) * _conv_out(_conv_out(w, 5), 5)
        self.fc1 = nn.Linear(flat, hidden)
        self.fc2 = nn.Linear(hidden, d_out)
        self.reset_parameters(torch.Generator().manual_seed(int(seed)) if seed is not None else None)

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        g = generator if generator is not None else _fresh_generator()
        for layer in (self.conv1, self.conv2, self.fc1, self.fc2):
            _init_layer(layer, self.init_scheme, False, g)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:          # flattened images
            x = x.view(x.shape[0], *self.in_shape)
        F = nn.functional
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def _mlp_bmm(net: MLP, p: dict[str, torch.Tensor], x: torch.Tensor, per_member: bool) -> torch.Tensor:
    """A plain :class:`MLP`'s outputs [R, n, d_out] for R stacked members, as batched matmuls.

    The same kernels as ``vmap`` over ``functional_call`` (one ``bmm`` per layer on the members'
    inputs, a shared x expanded with stride 0, then the bias added and the activation applied),
    so the numbers are bitwise those of the vmapped call, values and gradients
    (tests/test_empirical_framework.py); the bias and ReLU are applied in place, which saves
    the vmapped call's copies (benchmarks/bench_ensemble_mlp.py: 0.89× the CPU time of a
    colored-digits step, 0.94× of a real Colored MNIST step).
    """
    R = next(iter(p.values())).shape[0]
    h = x if per_member else x.expand(R, *x.shape)
    last = len(net.layers) - 1
    for i, layer in enumerate(net.layers):
        w = p[f"layers.{i}.weight"]
        if layer.scale != 1.0:
            w = w * layer.scale
        h = torch.bmm(h, w.transpose(1, 2))
        bias = p.get(f"layers.{i}.bias")
        if bias is not None:
            h = h.add_(bias[:, None, :])
        if i < last:
            h = torch.relu_(h) if net.act_name == "relu" else nn.functional.gelu(h)
    return h


class Ensemble:
    """R copies of one network, one per seed, trained and evaluated as one program.

    Args:
        factory: builds one (uninitialised or arbitrarily initialised) network.
        seeds: one seed per member; member r is ``factory()`` re-initialised by
            ``reset_parameters(torch.Generator().manual_seed(seeds[r]))`` in ``dtype`` on the
            CPU, then moved (so the numbers do not depend on the device).
        device, dtype: where the stacked parameters live.

    Attributes:
        params: name → stacked parameter [R, ...] (leaf tensors with ``requires_grad``).
        buffers: name → stacked buffer (batch-norm running statistics).
        params0: detached copy of ``params`` at initialisation (θ₀: weight decay toward θ₀,
            centred networks, eNTK at initialisation).
    """

    def __init__(self, factory: Callable[[], nn.Module], seeds: Sequence[int], *, device="cpu",
                 dtype=torch.float32):
        seeds = [int(s) for s in seeds]
        if not seeds or min(seeds) < 0:
            raise ValueError(f"seeds must be a non-empty list of integers >= 0; got {seeds!r}")
        members = []
        for s in seeds:
            m = factory().to(dtype=dtype)                 # draw in the target dtype, on the CPU
            m.reset_parameters(torch.Generator().manual_seed(s))
            members.append(m.to(device=device))
        self.seeds = seeds
        self.base = copy.deepcopy(members[0]).to("meta")
        params, buffers = torch.func.stack_module_state(members)
        self.params = params
        self.buffers = buffers
        self.params0 = {k: v.detach().clone() for k, v in params.items()}
        self.randomness = "different" if any(isinstance(m, nn.Dropout) for m in members[0].modules()) else "error"
        # a plain MLP (no batch norm, no dropout) runs as batched matmuls (:func:`_mlp_bmm`)
        self._plain_mlp = isinstance(self.base, MLP) and self.base.norm is None and self.base.drop is None

    @property
    def size(self) -> int:
        return len(self.seeds)

    def parameters(self) -> list[torch.Tensor]:
        """The stacked parameters, for a ``torch.optim`` optimiser."""
        return list(self.params.values())

    def train(self, mode: bool = True) -> "Ensemble":
        self.base.train(mode)
        return self

    def eval(self) -> "Ensemble":
        return self.train(False)

    def forward(self, x: torch.Tensor, params: dict | None = None, *, per_member: bool = False,
                buffers: dict | None = None, drop_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Outputs [R, n, d_out] for ``x`` [n, ...] shared by every member, or, with
        ``per_member=True``, x [R, n, ...] (one data set per member, e.g. one per seed).
        ``params``: stacked parameters to use instead of ``self.params`` (θ₀, say);
        ``buffers``: stacked buffers to use (and, for batch norm in training mode, update in
        place) instead of ``self.buffers``; ``drop_mask``: stacked keep-masks [R, n, ...]
        passed to the network's forward (:class:`MLP`).
        """
        p = self.params if params is None else params
        b = self.buffers if buffers is None else buffers
        if (self._plain_mlp and drop_mask is None and x.dim() == (3 if per_member else 2)
                and torch._C._functorch.maybe_current_level() is None):
            return _mlp_bmm(self.base, p, x, per_member)
        if drop_mask is None:
            call = lambda pp, bb, xx: torch.func.functional_call(self.base, (pp, bb), (xx,))  # noqa: E731
            args, dims = (p, b, x), (0, 0, 0 if per_member else None)
        else:
            call = lambda pp, bb, xx, mm: torch.func.functional_call(self.base, (pp, bb), (xx, mm))  # noqa: E731
            args, dims = (p, b, x, drop_mask), (0, 0, 0 if per_member else None, 0)
        return torch.func.vmap(call, in_dims=dims, randomness=self.randomness)(*args)

    __call__ = forward

    def member(self, r: int) -> dict[str, torch.Tensor]:
        """Member r's parameters by name (views into the stack)."""
        return {k: v[r] for k, v in self.params.items()}

    def sq_dist_to_init(self) -> torch.Tensor:
        """‖θ − θ₀‖² per member [R] (the penalty of weight decay toward the initialisation)."""
        return sum(((p - self.params0[k]) ** 2).flatten(1).sum(1) for k, p in self.params.items())

    def sq_norm(self) -> torch.Tensor:
        """‖θ‖² per member [R] (weight decay toward 0)."""
        return sum((p ** 2).flatten(1).sum(1) for p in self.params.values())

    def state_dict(self) -> dict:
        return {"params": {k: v.detach().cpu() for k, v in self.params.items()},
                "buffers": {k: v.detach().cpu() for k, v in self.buffers.items()},
                "params0": {k: v.cpu() for k, v in self.params0.items()}, "seeds": self.seeds}

    def load_state_dict(self, sd: dict) -> None:
        if list(sd["seeds"]) != self.seeds:
            raise ValueError(f"state is for seeds {sd['seeds']}, this ensemble has {self.seeds}")
        with torch.no_grad():
            for k, v in self.params.items():
                v.copy_(sd["params"][k])
            for k, v in self.buffers.items():
                v.copy_(sd["buffers"][k])
            for k, v in self.params0.items():
                v.copy_(sd["params0"][k])
