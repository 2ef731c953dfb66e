"""Benchmark: the plain serial per-seed loop vs the project's trainer (same math, same iterations).

Usage:
    python benchmarks/bench_moons.py [--quick] [--seeds 10] [--iterations 300] [--deep-iterations 6]
                                     [--configs ...] [--threads 1] [--deep-threads 1 2]
                                     [--repeats 3] [--no-group] [--no-deep]

Prints, in one run:

1. Per configuration (App. B.2's small ones: plain, weight decay, Adam lr 1e-4 and 3e-3,
   rotated, dropout, batch norm, SD, Δ = −0.1): wall time of the baseline
   ``empirical.train.train_serial`` (autograd + torch.optim, one seed and one configuration
   at a time) and of ``empirical.train.train_batched`` (all seeds of the configuration as one
   program), per seed-iteration, and their ratio. Serial and batched runs alternate within
   each repeat and the medians are compared, so drifting machine load hits both alike.
2. The cross-configuration sweep: the configurations that share an architecture (plain,
   weight decay, both Adams, rotated, SD, Δ = −0.1) trained as one program
   (``train_group``) vs one ``train_batched`` call per configuration, and vs the serial sum.
3. Hand kernels vs autograd: ``train_batched`` (the hand-written one-hidden-layer step on the
   Ensemble's stacked parameters, ``torch.optim`` with ``fused=True``) against batched
   autograd + ``torch.optim`` on the same ensembled model (:class:`empirical.models.Ensemble`
   of ``MLP(2, 500)``, vmap, ``torch.optim.SGD`` / ``Adam`` with ``foreach=True``), per
   configuration, same seeds and iterations. The hand step is kept only while this ratio is
   ≥ 1.5x.
4. The deep configuration (4 hidden layers of 500): achieved GFLOP/s of the trainer and of
   the serial loop (FLOPs of forward + backward matmuls, ``Model.flops_per_iteration``; the
   trainer's over its training loop, setup excluded) against this machine's peak MEASURED in
   the same run at the same thread count (median GFLOP/s of a 2048³ float32 ``torch.mm``),
   for each of ``--deep-threads``.

The load average (``os.getloadavg``) before and after is printed: on a shared machine the
absolute numbers drop with load, the ratios much less. ``--quick`` (fewer iterations and
repeats) runs in about 1–2 minutes. Ends with one JSON line.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import torch

from empirical.train import Model, app_b2_configs, make_data, train_batched, train_group, train_serial
from _args import Parser, at_least  # benchmarks/ is on sys.path when a script runs

SMALL = ["plain", "weight_decay", "adam_lr1e-4", "adam_lr3e-3", "rotated_45", "dropout", "batchnorm", "sd",
         "plain_nonseparable"]
GROUP = ["plain", "weight_decay", "adam_lr1e-4", "adam_lr3e-3", "rotated_45", "sd", "plain_nonseparable"]


def _wall(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _alternating(fns: dict, repeats: int) -> dict[str, float]:
    """Median wall time of each function, the functions alternating within every repeat.

    A function that returns a float also gets ``<name>_loop``: the median of what it returned
    (the trainer's own training-loop time, ``Result.wall_s``, without setup).
    """
    ts: dict[str, list[float]] = {}
    for _ in range(repeats):
        for k, f in fns.items():
            t0 = time.perf_counter()
            r = f()
            ts.setdefault(k, []).append(time.perf_counter() - t0)
            if isinstance(r, float):
                ts.setdefault(k + "_loop", []).append(r)
    return {k: statistics.median(v) for k, v in ts.items()}


def train_autograd(cfg, seeds, iterations: int) -> float:
    """Batched autograd + torch.optim on one Ensemble of the configuration's network; returns loop seconds."""
    from empirical.models import MLP, Ensemble
    from empirical.objectives import SDReleased

    ens = Ensemble(lambda: MLP(2, cfg.width, cfg.depth, dropout=cfg.dropout, batchnorm=cfg.batchnorm), seeds)
    X, y = make_data(cfg, seeds)
    y = y[..., 0]
    if cfg.optimizer == "sgd":
        opt = torch.optim.SGD(ens.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay,
                              foreach=True)
    else:
        opt = torch.optim.Adam(ens.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay, foreach=True)
    obj = SDReleased(cfg.sd)
    t0 = time.perf_counter()
    for t in range(iterations * cfg.iter_factor):
        opt.zero_grad(set_to_none=False)
        obj(ens(X, per_member=True), y, step=t).sum().backward()
        opt.step()
    return time.perf_counter() - t0


def measured_peak_gflops(threads: int, size: int = 2048, repeats: int = 5) -> float:
    """Median GFLOP/s of a size³ float32 matmul at ``threads`` threads (this machine's peak)."""
    torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    c = torch.empty(size, size)
    torch.mm(a, b, out=c)                                   # warm-up
    t = statistics.median(_wall(lambda: torch.mm(a, b, out=c)) for _ in range(repeats))
    return 2.0 * size ** 3 / t / 1e9


def main() -> None:
    ap = Parser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer iterations and repeats (~1-2 min)")
    ap.add_argument("--seeds", type=at_least(1), default=10)
    ap.add_argument("--iterations", type=at_least(1), default=None, help="per small configuration (default 300, quick 60)")
    ap.add_argument("--deep-iterations", type=at_least(1), default=None, help="deep configuration (default 6, quick 3)")
    ap.add_argument("--configs", nargs="+", default=SMALL, choices=SMALL)
    ap.add_argument("--threads", type=at_least(1), default=1, help="threads for the small configurations")
    ap.add_argument("--deep-threads", type=at_least(1), nargs="+", default=[1, 2])
    ap.add_argument("--repeats", type=at_least(1), default=None, help="default 3, quick 2")
    ap.add_argument("--no-group", action="store_true", help="skip the cross-configuration sweep")
    ap.add_argument("--no-deep", action="store_true", help="skip the deep configuration")
    ap.add_argument("--no-serial", action="store_true", help="skip the serial baseline (section 1)")
    ap.add_argument("--autograd-configs", nargs="*", default=["plain", "adam_lr3e-3", "dropout", "batchnorm", "sd"],
                    choices=SMALL + ["deeper"], help="configurations of the hand-kernels vs autograd section")
    a = ap.parse_args()
    its = a.iterations or (60 if a.quick else 300)
    deep_its = a.deep_iterations or (3 if a.quick else 6)
    reps = a.repeats or (2 if a.quick else 3)
    cfgs = app_b2_configs()
    seeds = list(range(a.seeds))
    load0 = os.getloadavg()
    print(f"load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} ({os.cpu_count()} CPUs); "
          f"torch {torch.__version__}; {a.seeds} seeds; {its} iterations (deep {deep_its}); "
          f"medians of {reps} alternating repeats", flush=True)

    torch.set_num_threads(a.threads)
    rows: dict = {}
    print(f"\nper configuration ({a.threads} thread{'s' if a.threads > 1 else ''}), ms per seed-iteration:")
    print(f"{'configuration':20s} {'serial':>8s} {'trainer':>8s} {'ratio':>7s}")
    for name in ([] if a.no_serial else a.configs):
        cfg = cfgs[name]
        train_serial(cfg, 0, 2)                               # warm-up (first use of torch.optim)
        train_batched(cfg, seeds[:2], 2, progress=False)
        t = _alternating({"serial": lambda: [train_serial(cfg, s, its) for s in seeds],
                          "trainer": lambda: train_batched(cfg, seeds, its, progress=False)}, reps)
        k = 1e3 / (its * len(seeds))
        rows[name] = {"serial_s": t["serial"], "trainer_s": t["trainer"], "serial_ms_per_seed_it": k * t["serial"],
                      "trainer_ms_per_seed_it": k * t["trainer"], "ratio": t["serial"] / t["trainer"]}
        r = rows[name]
        print(f"{name:20s} {r['serial_ms_per_seed_it']:8.3f} {r['trainer_ms_per_seed_it']:8.3f} {r['ratio']:6.2f}x",
              flush=True)

    group = None
    if not a.no_group:
        gc = [cfgs[n] for n in GROUP]
        t = _alternating({"per_config": lambda: [train_batched(c, seeds, its, progress=False) for c in gc],
                          "group": lambda: train_group(gc, seeds, its, progress=False)}, reps)
        serial_sum = sum(rows[n]["serial_s"] for n in GROUP if n in rows)
        have_serial = all(n in rows for n in GROUP)
        group = {"configs": GROUP, "per_config_s": t["per_config"], "group_s": t["group"],
                 "gain_vs_per_config": t["per_config"] / t["group"],
                 "serial_sum_s": serial_sum if have_serial else None,
                 "gain_vs_serial": serial_sum / t["group"] if have_serial else None}
        print(f"\ncross-configuration sweep ({len(GROUP)} configurations x {a.seeds} seeds x {its} iterations):")
        print(f"  one train_batched per configuration {t['per_config']:.2f} s, one train_group {t['group']:.2f} s "
              f"-> {group['gain_vs_per_config']:.2f}x" + (f"; serial loop {serial_sum:.2f} s -> "
                                                         f"{group['gain_vs_serial']:.2f}x" if have_serial else ""),
              flush=True)

    autograd = {}
    if a.autograd_configs:
        print(f"\nhand kernels (train_batched) vs batched autograd + torch.optim (Ensemble, vmap), "
              f"{a.seeds} seeds x {its} iterations, ms per seed-iteration (training loop only):")
        print(f"{'configuration':20s} {'autograd':>9s} {'hand':>8s} {'ratio':>7s}")
        for name in a.autograd_configs:
            cfg = cfgs[name]
            n_its = deep_its if name == "deeper" else its
            train_autograd(cfg, seeds[:2], 2)                   # warm-up
            train_batched(cfg, seeds[:2], 2, progress=False)
            t = _alternating({"autograd": lambda: train_autograd(cfg, seeds, n_its),
                              "hand": lambda: train_batched(cfg, seeds, n_its, progress=False).wall_s}, reps)
            k = 1e3 / (n_its * cfg.iter_factor * len(seeds))
            autograd[name] = {"autograd_ms_per_seed_it": k * t["autograd_loop"], "hand_ms_per_seed_it": k * t["hand_loop"],
                              "ratio": t["autograd_loop"] / t["hand_loop"]}
            r = autograd[name]
            print(f"{name:20s} {r['autograd_ms_per_seed_it']:9.3f} {r['hand_ms_per_seed_it']:8.3f} {r['ratio']:6.2f}x",
                  flush=True)

    deep = {}
    if not a.no_deep:
        cfg = cfgs["deeper"]
        print(f"\ndeep configuration (4 x 500 hidden), {a.seeds} seeds x {deep_its} iterations:")
        for th in a.deep_threads:
            peak = measured_peak_gflops(th)
            torch.set_num_threads(th)
            train_batched(cfg, seeds[:2], 1, progress=False)
            t = _alternating({"serial": lambda: [train_serial(cfg, s, deep_its) for s in seeds],
                              "trainer": lambda: train_batched(cfg, seeds, deep_its, progress=False).wall_s}, reps)
            fl = Model(cfg, seeds).flops_per_iteration(cfg.n_samples) * deep_its
            # FLOP/s of the training loop (setup — initialization, data — excluded: with a few
            # iterations it would dominate); the serial loop's time includes its setup, so its
            # FLOP/s is a lower bound. The ratio compares whole calls.
            d = {"peak_gflops_measured": peak, "trainer_gflops": fl / t["trainer_loop"] / 1e9,
                 "serial_gflops": fl / t["serial"] / 1e9, "ratio": t["serial"] / t["trainer"],
                 "trainer_ms_per_seed_it": 1e3 * t["trainer_loop"] / (deep_its * len(seeds))}
            d["trainer_fraction_of_peak"] = d["trainer_gflops"] / peak
            d["serial_fraction_of_peak"] = d["serial_gflops"] / peak
            deep[th] = d
            print(f"  {th} thread{'s' if th > 1 else ' '}: peak (2048^3 sgemm) {peak:6.1f} GFLOP/s; trainer "
                  f"{d['trainer_gflops']:6.1f} GFLOP/s = {100 * d['trainer_fraction_of_peak']:4.0f}% of peak; serial "
                  f"{d['serial_gflops']:6.1f} GFLOP/s = {100 * d['serial_fraction_of_peak']:4.0f}%; ratio "
                  f"{d['ratio']:.2f}x", flush=True)
    load1 = os.getloadavg()
    print(f"\nload average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    print(json.dumps({"threads": a.threads, "seeds": a.seeds, "iterations": its, "deep_iterations": deep_its,
                      "repeats": reps, "cpu_count": os.cpu_count(), "torch": torch.__version__,
                      "load_before": load0, "load_after": load1, "rows": rows, "group": group, "hand_vs_autograd": autograd,
                      "deep": {str(k): v for k, v in deep.items()}}))


if __name__ == "__main__":
    main()
