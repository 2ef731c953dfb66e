"""eNTK benchmark: analytic chunked Gram (empirical.features.EntkEnsemble.ntk) vs a per-example autograd loop.

The loop (the baseline) computes each row ∂f(x_i)/∂θ by one backward pass, stacks Φ₀
(n × m) and forms Φ₀Φ₀ᵀ. The project's route never forms Φ₀: it accumulates
c_v²[R Rᵀ + c_w²(X Xᵀ) ⊙ (G Gᵀ)] over chunks of hidden units (see ``EntkEnsemble.ntk``). For each
width, in one run, it prints both wall times (median of ``--repeat`` runs), their ratio,
the max abs difference of the two Gram matrices, and the working memory of each route
(Φ₀: n·m doubles; chunked: a few n × chunk blocks).

Usage: python benchmarks/bench_entk.py [--n 64] [--widths 256 1024 8192] [--d 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from empirical.data.synthetic import two_feature_data
from empirical.features import EntkEnsemble
from _args import Parser, at_least  # benchmarks/ is on sys.path when a script runs


def autograd_loop(m: EntkEnsemble, X: torch.Tensor) -> torch.Tensor:
    """Θ₀ by n backward passes through the module's forward (copy 0 of the batch)."""
    rows = []
    for i in range(X.shape[1]):
        p = {k: v.clone().requires_grad_(True) for k, v in m.ens.params0.items()}
        out = m.raw(X[:, i:i + 1], p)[0, 0]
        g = torch.autograd.grad(out, list(p.values()))
        rows.append(torch.cat([gi[0].reshape(-1) for gi in g]))
    Phi = torch.stack(rows)
    return Phi @ Phi.T


def _median_time(fn, repeat: int) -> tuple[float, torch.Tensor]:
    ts, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts), out


def main(argv=None) -> list[dict]:
    ap = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=at_least(2), default=64)
    ap.add_argument("--widths", type=at_least(1), nargs="+", default=[256, 1024, 8192])
    ap.add_argument("--d", type=at_least(2), default=8)
    ap.add_argument("--chunk", type=at_least(1), default=1024)
    ap.add_argument("--repeat", type=at_least(1), default=3)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    X, _ = two_feature_data(a.n, a.d, 2.0, 1.0, seed=0)
    Xt = torch.tensor(X)[None]
    out = []
    print(f"n = {a.n}, d = {a.d}, chunk = {a.chunk}, torch {torch.__version__}, 1 thread, median of {a.repeat}")
    print("| width | params m | chunked s | autograd loop s | ratio | max abs diff | Φ₀ MB | chunked MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for w in a.widths:
        m = EntkEnsemble.init(1, w, a.d, "ntk", seed=0)
        t1, K1 = _median_time(lambda: m.ntk(Xt, chunk=a.chunk)[0], a.repeat)
        t2, K2 = _median_time(lambda: autograd_loop(m, Xt), a.repeat)
        params = w * (a.d + 1)
        # Φ₀: n·m doubles; chunked: h, R, G blocks of n × chunk plus two n × n accumulators
        mem_phi, mem_chunk = 8 * a.n * params / 2**20, 8 * (3 * a.n * min(a.chunk, w) + 3 * a.n * a.n) / 2**20
        r = {"n": a.n, "width": w, "params": params, "chunked_s": t1, "loop_s": t2, "ratio": t2 / t1,
             "max_abs_diff": float((K1 - K2).abs().max()), "phi_mb": mem_phi, "chunked_mb": mem_chunk}
        out.append(r)
        print(f"| {w} | {params} | {t1:.4f} | {t2:.3f} | {t2 / t1:.0f}× | {r['max_abs_diff']:.1e} | "
              f"{mem_phi:.1f} | {mem_chunk:.2f} |", flush=True)
    return out


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()
