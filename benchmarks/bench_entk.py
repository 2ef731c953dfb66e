"""eNTK benchmark: analytic chunked Gram (empirical.features.MLP.ntk) vs a per-example autograd loop.

The loop computes each row ∂f(x_i)/∂θ by one backward pass, stacks Φ₀ (n × m) and forms
Φ₀Φ₀ᵀ. Prints both times, their ratio and the max abs difference (one run).

Usage: python benchmarks/bench_entk.py [--n 64] [--width 4096] [--d 8]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from empirical.features import MLP, two_feature_data


def autograd_loop(m: MLP, X: torch.Tensor) -> torch.Tensor:
    """Θ₀ by n backward passes (copy 0 of the batch)."""
    rows = []
    for i in range(X.shape[1]):
        W = m.W0.clone().requires_grad_(True)
        v = m.v0.clone().requires_grad_(True)
        out = m.raw(X[:, i:i + 1], W, v)[0, 0]
        gW, gv = torch.autograd.grad(out, (W, v))
        rows.append(torch.cat([gW[0].reshape(-1), gv[0]]))
    Phi = torch.stack(rows)
    return Phi @ Phi.T


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--width", type=int, default=4096)
    ap.add_argument("--d", type=int, default=8)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    X, _ = two_feature_data(a.n, a.d, 2.0, 1.0, seed=0)
    Xt = torch.tensor(X)[None]
    m = MLP.init(1, a.width, a.d, "ntk", seed=0)
    t = time.perf_counter()
    K1 = m.ntk(Xt)[0]
    t1 = time.perf_counter() - t
    t = time.perf_counter()
    K2 = autograd_loop(m, Xt)
    t2 = time.perf_counter() - t
    res = {"n": a.n, "width": a.width, "params": a.width * (a.d + 1), "chunked_s": t1, "loop_s": t2,
           "ratio": t2 / t1, "max_abs_diff": float((K1 - K2).abs().max())}
    print(res)
    return res


if __name__ == "__main__":
    main()
