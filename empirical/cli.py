"""``gsv train EXPERIMENT``: argument parsing and dispatch to the sweep (:mod:`empirical.sweep`).

``theory.cli`` only calls :func:`add_parser`. Nothing here imports torch at import time (the
``gsv`` CLI must start without it); the experiment's module is imported when it runs.

Every option is checked against the registry (:mod:`empirical.registry`): an option the
chosen experiment does not use, an executor option given to another executor, a device that
is absent, an unreachable scheduler or an unusable run folder each end the command with
one line naming it (exit 2). A sweep whose cells partly failed exits 1 after listing them.
"""

from __future__ import annotations

import argparse
import gc
import sys

from empirical import registry


def add_parser(sub) -> argparse.ArgumentParser:
    """Add the ``train`` subcommand to ``sub`` (an argparse subparsers object)."""
    pt = sub.add_parser("train", help="train and measure networks (two moons; width sweep; starvation; "
                        "colored digits; needs torch)",
                        description="Every experiment is a sweep of cells (configuration x seed group), "
                        "run locally, on Dask or on SLURM; a rerun skips finished cells.")
    pt.add_argument("experiment", choices=registry.names(),
                    help="; ".join(f"{e}: {registry.get(e).help}" for e in registry.names()))
    pt.add_argument("--out", default="runs", help="parent folder of the run folders (default runs/)")
    pt.add_argument("--quick", action="store_true", help="the experiment's small configuration (used by the tests)")
    pt.add_argument("--device", default=None, help="auto (CUDA, then MPS, then CPU; default), cpu, cuda, cuda:N or mps")
    pt.add_argument("--seeds", type=int, default=None, help="number of seeds / restarts (>= 2)")
    pt.add_argument("--threads", type=int, default=None, help="torch intra-op threads per worker (default 1)")
    for dest, (flag, hlp) in registry.SPECIFIC.items():
        users = [e for e in registry.names() if dest in registry.get(e).options]
        hlp = f"{hlp} [{', '.join(users)}]"
        if dest == "no_batch_configs":
            pt.add_argument(flag, dest=dest, action="store_true", default=None, help=hlp)
        elif dest == "configs":
            pt.add_argument(flag, dest=dest, nargs="+", default=None, help=hlp)
        elif dest == "iterations":
            pt.add_argument(flag, dest=dest, type=int, default=None, help=hlp)
        else:
            pt.add_argument(flag, dest=dest, default=None, metavar="DIR", help=hlp)
    ex = pt.add_argument_group("executors")
    ex.add_argument("--executor", choices=["local", "dask", "slurm"], default="local",
                    help="local (in this process, default), dask (LocalCluster or --scheduler), slurm (submitit)")
    ex.add_argument("--workers", type=int, default=None, help="dask: worker processes of the local cluster (default 2)")
    ex.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="dask: address of a running scheduler (tcp://host:8786) instead of a local cluster")
    ex.add_argument("--slurm-partition", default=None, help="slurm: partition")
    ex.add_argument("--slurm-time", type=int, default=None, metavar="MIN", help="slurm: time limit per cell, minutes")
    ex.add_argument("--slurm-gpus", type=int, default=None, help="slurm: GPUs per task")
    ex.add_argument("--slurm-cpus", type=int, default=None, help="slurm: CPUs per task")
    pt.set_defaults(func=cmd_train)
    return pt


def _check_options(args: argparse.Namespace, exp: registry.Experiment) -> None:
    for dest, (flag, _) in registry.SPECIFIC.items():
        if getattr(args, dest, None) is not None and dest not in exp.options:
            accepted = ", ".join(registry.SPECIFIC[o][0] for o in exp.options) or "none"
            raise ValueError(f"{flag} is not an option of experiment {exp.name} (its own options: {accepted})")
    if args.threads is not None and (args.threads < 1):
        raise ValueError(f"--threads must be an integer >= 1; got {args.threads}")
    if args.seeds is not None and args.seeds < 2:
        raise ValueError(f"--seeds must be >= 2 (a spread over seeds is reported); got {args.seeds}")


def cmd_train(args: argparse.Namespace) -> int:
    """Run ``gsv train``; returns the exit status (errors raise ValueError: exit 2 in ``theory.cli``)."""
    exp = registry.get(args.experiment)
    _check_options(args, exp)
    slurm = {"partition": args.slurm_partition, "time_min": args.slurm_time, "gpus": args.slurm_gpus,
             "cpus": args.slurm_cpus}
    from empirical.sweep import check_executor_options

    check_executor_options(args.executor, args.workers, args.scheduler, slurm)
    try:  # torch is imported here, never at CLI import
        import torch

        from empirical.runs import RunFolderError
        from empirical.sweep import SweepError, run
    except ImportError as exc:
        print(f"gsv: error: gsv train needs torch (pip install -e '.[empirical]'): {exc}", file=sys.stderr)
        return 2
    threads = args.threads or 1
    del torch   # imported only to report a missing torch in one line
    opts = {"quick": args.quick, "seeds": args.seeds}
    opts.update({d: getattr(args, d) for d in exp.options})
    # This process is the run's: what it has imported lives as long as it does, so the cyclic
    # collector's full passes need not traverse those objects again while the networks train
    # (numbers unaffected; the moons quick run: 0.81 → 0.56 CPU-s of collection, of about 24).
    gc.freeze()
    try:
        res = run(exp.name, opts, args.out, device=args.device, threads=threads, executor=args.executor,
                  workers=args.workers, scheduler=args.scheduler, slurm=slurm)
    except RunFolderError as exc:
        raise ValueError(str(exc)) from None
    except SweepError as exc:
        print(f"gsv: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("gsv: interrupted; rerun the same command to resume (finished cells are kept)", file=sys.stderr)
        return 130
    print(exp.load().summary(res))
    print(f"run folder: {res['dir']}/")
    return 0
