"""Ensemble MLP training step: batched matmuls (empirical.models._mlp_bmm) vs vmap over functional_call.

The baseline is the vmapped ``functional_call`` of the member network (what
:class:`empirical.models.Ensemble` does for any network); the project's route for a plain MLP
calls the same ``bmm`` kernels directly and adds the bias and applies ReLU in place. For each
shape, in one run, it prints the CPU milliseconds per full-batch Adam step of both routes (median
of ``--repeat`` runs, one torch thread), their ratio, and whether the parameters after the timed
steps are bitwise equal (they must be).

Shapes: the colored-digits step (4 restarts, 1,198 examples, 128 → 64 → 64 → 1) and the real
Colored MNIST quick step (3 restarts, 3,749 examples, 392 → 64 → 64 → 1).

Usage: python benchmarks/bench_ensemble_mlp.py [--steps 200] [--repeat 3]
"""

from __future__ import annotations

import statistics
import time

import torch

from empirical.models import MLP, Ensemble
from empirical.objectives import binary_ce
from _args import Parser, at_least  # benchmarks/ is on sys.path when a script runs

SHAPES = {"colored digits": (4, 1198, 128, 64), "real Colored MNIST": (3, 3749, 392, 64)}


def run(R: int, n: int, d: int, width: int, steps: int, fast: bool) -> tuple[float, dict]:
    """CPU ms per Adam step (after 10 warm-up steps) and the final parameters."""
    g = torch.Generator().manual_seed(0)
    x = torch.rand((R, n, d), generator=g)
    y = torch.randint(0, 2, (R, n), generator=g).float() * 2 - 1
    ens = Ensemble(lambda: MLP(d, width, depth=2, init="xavier"), list(range(R)))
    ens._plain_mlp = fast
    opt = torch.optim.Adam(ens.parameters(), lr=1e-3)

    def step() -> None:
        loss = binary_ce(ens(x, per_member=True), y)
        opt.zero_grad(set_to_none=False)
        loss.sum().backward()
        opt.step()

    for _ in range(10):
        step()
    t = time.process_time()
    for _ in range(steps):
        step()
    ms = (time.process_time() - t) / steps * 1e3
    return ms, {k: v.detach().clone() for k, v in ens.params.items()}


def main() -> None:
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=at_least(1), default=200)
    ap.add_argument("--repeat", type=at_least(1), default=3)
    a = ap.parse_args()
    torch.set_num_threads(1)
    print(f"{'shape':<20} {'vmap ms/step':>13} {'bmm ms/step':>12} {'ratio':>6}  bitwise")
    for name, (R, n, d, width) in SHAPES.items():
        base, fast, same = [], [], True
        for _ in range(a.repeat):
            tb, pb = run(R, n, d, width, a.steps, fast=False)
            tf, pf = run(R, n, d, width, a.steps, fast=True)
            base.append(tb)
            fast.append(tf)
            same &= all(torch.equal(pb[k], pf[k]) for k in pb)
        mb, mf = statistics.median(base), statistics.median(fast)
        print(f"{name:<20} {mb:13.2f} {mf:12.2f} {mf / mb:6.2f}  {same}")


if __name__ == "__main__":
    main()
