"""Benchmark: a quick sweep serially vs on a 2-worker Dask LocalCluster, and each executor's per-cell overhead.

Usage:
    python benchmarks/bench_sweep.py [--experiment width-sweep] [--full] [--workers 2]
                                     [--noop-cells 20] [--no-slurm]

Prints, in one run:

1. The wall time of ``gsv train EXPERIMENT --quick`` (default width-sweep: 24 cells; ``--full``:
   the full configuration, whose cells are long enough for the workers' start-up to amortise),
   run as the command a user types, in a fresh process, with the local executor (serial, 1
   torch thread) and with ``--executor dask --workers 2`` (cluster start-up included; also
   timed alone), their ratio and their CPU seconds; each into a fresh run folder, so every cell
   is computed. The cells' metrics are compared: they must be bitwise equal (timing fields aside).
2. Per-cell overhead of each executor: a sweep of ``--noop-cells`` cells that do nothing
   (:data:`empirical.sweep.NOOP`): wall time per cell for local, Dask (2 workers; cluster
   start-up reported separately) and submitit's local executor (one process per cell, as
   on SLURM minus the queue).

The load average before and after is printed: the machine may be shared. Ends with one JSON line.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from empirical import registry
from empirical.sweep import _dask_client, run, without_timing
from _args import Parser, at_least  # benchmarks/ is on sys.path when a script runs


def _timed(fn):
    t0 = time.perf_counter()
    r = fn()
    return time.perf_counter() - t0, r


def _timed_cmd(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the command and every process it waited for) of ``cmd``."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def _cells(root: Path) -> dict:
    return {p.stem: without_timing(json.loads(p.read_text())) for p in sorted((root / "cells").glob("*.json"))}


def main() -> None:
    ap = Parser(description=__doc__.split("\n")[0])
    ap.add_argument("--experiment", default="width-sweep", choices=registry.names())
    ap.add_argument("--workers", type=at_least(1), default=2)
    ap.add_argument("--noop-cells", type=at_least(1), default=20)
    ap.add_argument("--no-slurm", action="store_true", help="skip submitit's local executor")
    ap.add_argument("--full", action="store_true", help="the full configuration instead of --quick")
    a = ap.parse_args()
    torch.set_num_threads(1)
    load0 = os.getloadavg()
    print(f"load average before: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} ({os.cpu_count()} CPUs); "
          f"torch {torch.__version__}", flush=True)
    out: dict = {"experiment": a.experiment, "full": a.full, "workers": a.workers, "cpu_count": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # The sweep is timed as a user runs it: the `gsv train` command in a fresh process (the
        # same imports either way), with its CPU seconds (the process and all its descendants).
        base = [sys.executable, "-m", "theory.cli", "train", a.experiment, "--device", "cpu", "--threads", "1"]
        base += [] if a.full else ["--quick"]
        t_serial, cpu_serial = _timed_cmd(base + ["--out", str(tmp / "serial")])
        # the cluster the sweep itself builds (a bare LocalCluster would also leave Dask's
        # MALLOC_TRIM_THRESHOLD_ in this process's environment, slowing every later command)
        t_start, (client, cl) = _timed(lambda: _dask_client(a.workers, None))
        client.close()
        cl.close()
        t_dask, cpu_dask = _timed_cmd(base + ["--out", str(tmp / "dask"), "--executor", "dask",
                                              "--workers", str(a.workers)])
        root_s, root_d = (next((tmp / k).iterdir()) for k in ("serial", "dask"))
        equal = _cells(root_s) == _cells(root_d)
        n = len(list((root_s / "cells").glob("*.json")))
        out["sweep"] = {"cells": n, "serial_s": t_serial, "dask_s": t_dask, "dask_cluster_start_s": t_start,
                        "serial_cpu_s": cpu_serial, "dask_cpu_s": cpu_dask,
                        "ratio_serial_over_dask": t_serial / t_dask, "bitwise_equal": equal}
        print(f"\n{a.experiment} {'(full)' if a.full else '--quick'} ({n} cells): serial {t_serial:.1f} s wall "
              f"({cpu_serial:.1f} CPU-s); dask {a.workers} workers {t_dask:.1f} s wall ({cpu_dask:.1f} CPU-s; "
              f"cluster start alone {t_start:.1f} s) -> ratio {t_serial / t_dask:.2f}x; "
              f"cells bitwise equal: {equal}", flush=True)

        registry._REGISTRY.setdefault("noop", registry.Experiment("noop", "empirical.sweep:NOOP", "no-op cells"))
        opts = {"cells": a.noop_cells}
        over = {}
        over["local"], _ = _timed(lambda: run("noop", opts, tmp / "n_local", progress=False))
        over["dask"], _ = _timed(lambda: run("noop", opts, tmp / "n_dask", executor="dask", workers=a.workers,
                                             progress=False))
        if not a.no_slurm:
            over["submitit_local"], _ = _timed(lambda: run("noop", opts, tmp / "n_sub", executor="slurm",
                                                           slurm={"cluster": "local", "time_min": 10},
                                                           progress=False))
        out["overhead_s_per_cell"] = {k: v / a.noop_cells for k, v in over.items()}
        out["overhead_total_s"] = over
        print(f"\nper-cell overhead ({a.noop_cells} no-op cells; dask includes its cluster start):")
        for k, v in over.items():
            print(f"  {k:15s} {1e3 * v / a.noop_cells:9.1f} ms per cell ({v:.2f} s in all)")
    load1 = os.getloadavg()
    print(f"\nload average after: {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}")
    out.update(load_before=load0, load_after=load1, torch=torch.__version__)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
