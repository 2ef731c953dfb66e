"""Benchmark: the plain serial per-seed loop vs the batched trainer (same math, same iterations).

Usage:
    python benchmarks/bench_moons.py [--seeds 10] [--iterations 300] [--deep-iterations 10]
                                     [--configs plain sd dropout batchnorm adam_lr3e-3]
                                     [--threads 1] [--repeats 3] [--peak-gflops G]

Baseline: ``empirical.train.train_serial`` — autograd + torch.optim, one seed and one
configuration at a time. Project: ``empirical.train.train_batched`` — all seeds of the
configuration in one program. Both times are medians of ``--repeats`` runs of the whole
thing. For the deep configuration (4 × 500 hidden) it prints the achieved FLOP/s of the
batched trainer (FLOPs of forward + backward matmuls, ``Model.flops_per_iteration``) and its
fraction of ``--peak-gflops`` (default: this machine's nominal fp32 peak, cores × 2.445 GHz
× 32 FLOP/cycle for two AVX2 FMA pipes; pass the right value elsewhere). Ends with one JSON
line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch

from empirical.train import Model, app_b2_configs, train_batched, train_serial


def _median_time(fn, repeats: int) -> float:
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--deep-iterations", type=int, default=10)
    ap.add_argument("--configs", nargs="+", default=["plain", "sd", "adam_lr3e-3", "dropout", "batchnorm"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peak-gflops", type=float, default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    peak = a.peak_gflops or a.threads * 2.445 * 32
    cfgs = app_b2_configs()
    seeds = list(range(a.seeds))
    rows = {}
    for name in a.configs + ["deeper"]:
        cfg = cfgs[name]
        its = a.deep_iterations if name == "deeper" else a.iterations
        total = its * cfg.iter_factor
        train_batched(cfg, seeds[:2], 2, progress=False)      # warm-up
        t_ser = _median_time(lambda: [train_serial(cfg, s, its) for s in seeds], a.repeats)
        t_bat = _median_time(lambda: train_batched(cfg, seeds, its, progress=False), a.repeats)
        row = {"serial_ms_per_seed_it": 1e3 * t_ser / (total * len(seeds)),
               "batched_ms_per_seed_it": 1e3 * t_bat / (total * len(seeds)), "ratio": t_ser / t_bat}
        if name == "deeper":
            fl = Model(cfg, len(seeds)).flops_per_iteration(cfg.n_samples) * total
            row["batched_gflops"] = fl / t_bat / 1e9
            row["serial_gflops"] = fl / t_ser / 1e9
            row["fraction_of_peak"] = row["batched_gflops"] / peak
        rows[name] = row
        extra = (f"  {row['batched_gflops']:.1f} GFLOP/s = {100 * row['fraction_of_peak']:.0f}% of {peak:.0f}"
                 if name == "deeper" else "")
        print(f"{name:14s} serial {row['serial_ms_per_seed_it']:.3f} ms/seed-it  batched "
              f"{row['batched_ms_per_seed_it']:.3f} ms/seed-it  ratio {row['ratio']:.2f}x{extra}", flush=True)
    print(json.dumps({"threads": a.threads, "seeds": a.seeds, "iterations": a.iterations, "cpu_count": os.cpu_count(),
                      "peak_gflops": peak, "rows": rows}))


if __name__ == "__main__":
    main()
