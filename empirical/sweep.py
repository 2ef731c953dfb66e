"""Sweeps: an experiment as a list of cells, run by a local, Dask or SLURM (submitit) executor.

A cell is one configuration × seed group of an experiment (:class:`Cell`: a file-safe key
and a JSON-able payload). :func:`run` plans the experiment (its :class:`Protocol`), skips
the cells whose result is already in the run folder, hands the others to an executor,
and assembles tables and figures when every cell is there:

* ``local`` (default): in this process, one cell after the other;
* ``dask``: an embedded ``dask.distributed.LocalCluster`` with ``workers`` single-threaded
  worker processes, or a running scheduler at ``scheduler`` (e.g. one started on a SLURM
  allocation with dask-jobqueue; the run folder must then be on a file system the workers
  share);
* ``slurm``: a submitit job array, one task per cell (``partition``, ``time_min``,
  ``gpus``, ``cpus``); ``cluster="local"`` runs the same array as local processes (tests).

Each cell's worker writes the result into ``cells/<key>.json`` itself, atomically
(:class:`empirical.runs.RunFolder`), so the submitting process may die at any time: a rerun
skips the finished cells, and a cell with a checkpoint continues from it. A cell that fails
is reported with its error after the others have finished (:class:`SweepError`). A cell is
a pure function of its payload, computed with the same thread count and device under every
executor, so the metrics are bitwise equal whichever executor ran it.

Progress: cells done/total, elapsed and an estimate of the time left, always appended to
``sweep.log`` in the run folder, and on stderr: redrawn in place on a terminal, one line per
event in a log (a file or a pipe), nothing when ``CI`` is set.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from empirical.runs import fault_point

EXECUTORS = ("local", "dask", "slurm")


@dataclass(frozen=True)
class Cell:
    """One unit of work: ``key`` names its result file, ``payload`` is all ``run_cell`` needs."""

    key: str
    payload: dict

    def __post_init__(self):
        if not self.key or any(c in self.key for c in "/\\ \0") or self.key.startswith("."):
            raise ValueError(f"cell key must be a non-empty file-safe name; got {self.key!r}")


@dataclass
class Plan:
    """An experiment's run: its folder name (under ``--out``), ``config.json`` and cells."""

    folder: str
    config: dict
    cells: list[Cell]
    extra: dict = field(default_factory=dict)    # not stored; passed to assemble

    def __post_init__(self):
        keys = [c.key for c in self.cells]
        if len(set(keys)) != len(keys):
            raise ValueError(f"cell keys must be distinct; got {keys}")


@dataclass(frozen=True)
class Protocol:
    """What an experiment module provides (:mod:`empirical.registry`)."""

    plan: Callable[[dict], Plan]
    run_cell: Callable[..., dict]
    assemble: Callable[..., dict]
    summary: Callable[[dict], str]


def base_config(opts: dict, quick: dict, gpu: dict, full: dict, *, seeds_note: str) -> dict:
    """A copy of the configuration an experiment runs: ``quick`` with ``opts["quick"]``, else
    ``gpu`` when CUDA is available, else ``full``; ``opts["seeds"]`` (n >= 2) replaces its seeds
    by 0, …, n − 1. ``seeds_note`` names the option and why it needs two seeds (the error line)."""
    import torch

    cfg = dict(quick if opts.get("quick") else (gpu if torch.cuda.is_available() else full))
    n = opts.get("seeds")
    if n is not None:
        if int(n) != n or n < 2:
            raise ValueError(f"{seeds_note}; got {n!r}")
        cfg["seeds"] = list(range(int(n)))
    return cfg


#: wall-clock fields of cell results: the only ones that may differ between two runs of a cell
TIMING_KEYS = frozenset({"wall_s", "train_wall_s", "measure_wall_s", "train_group_wall_s", "train_s"})


def without_timing(obj):
    """``obj`` (nested dicts/lists) without the :data:`TIMING_KEYS` fields: what must be bitwise
    equal between executors, and between an interrupted-and-resumed run and an uninterrupted one."""
    if isinstance(obj, dict):
        return {k: without_timing(v) for k, v in obj.items() if k not in TIMING_KEYS}
    if isinstance(obj, list):
        return [without_timing(v) for v in obj]
    return obj


class SweepError(RuntimeError):
    """Some cells failed (the others finished and are stored)."""


# ----------------------------------------------------------------------------- worker side
def execute_cell(protocol: str, key: str, payload: dict, run_dir: str, device: str | None,
                 threads: int | None) -> dict:
    """Compute one cell and store its result in ``run_dir/cells/<key>.json``; returns timing.

    ``protocol``: ``"module:ATTR"`` of the experiment's :class:`Protocol` (a worker imports it
    by name; no registry state crosses processes).

    The entry point of a worker (Dask task, submitit job): it sets the worker process's
    torch thread count (``threads``; None leaves it, as in the local executor where the
    CLI has set it) and resolves ``device`` there.
    """
    import torch

    from empirical import registry
    from empirical.device import select_device
    from empirical.runs import RunFolder

    if threads is not None:
        torch.set_num_threads(int(threads))
    dev = select_device(device)
    proto = registry.load_protocol(protocol)
    rf = RunFolder(run_dir, lock=False)
    t0 = time.perf_counter()
    result = proto.run_cell(payload, dev, rf=rf, key=key)
    wall = time.perf_counter() - t0
    rf.write_cell(key, result)
    return {"key": key, "wall_s": wall}


def _error_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:500]


# ----------------------------------------------------------------------------- executors
class _Report:
    """cells done/total with a time-left estimate, to ``sweep.log`` and to stderr (redrawn on a
    terminal, plain lines in a log, nothing in CI)."""

    def __init__(self, total: int, done0: int, log: Path, label: str, tty: bool | None = None):
        self.total, self.done, self.done0 = total, done0, done0
        self.log, self.label = log, label
        from empirical.progress import output_mode

        # a terminal gets a redrawn line, a log (file or pipe) plain lines, CI nothing
        self.mode = output_mode(sys.stderr) if tty is None else ("tty" if tty else "off")
        self.t0 = time.perf_counter()
        self.failed = 0
        # The start line reaches stderr with the first cell's line: an executor that fails to
        # start (an unreachable scheduler) then leaves its one-line error alone on stderr.
        self._pending: str | None = self._log(f"start: {done0}/{total} cells already done")

    def _log(self, msg: str) -> str:
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {self.label}: {msg}"
        with open(self.log, "a") as f:
            f.write(line + "\n")
        return line

    def _write(self, msg: str) -> None:
        line = self._log(msg)
        if self.mode == "tty":
            sys.stderr.write(f"\r{self.label}: {msg}   ")
            sys.stderr.flush()
        elif self.mode == "log":
            sys.stderr.write((self._pending + "\n" if self._pending else "") + line + "\n")
            sys.stderr.flush()
        self._pending = None

    def cell(self, key: str, error: str | None = None) -> None:
        self.done += 1
        if error is not None:
            self.failed += 1
        el = time.perf_counter() - self.t0
        new = self.done - self.done0
        left = el / new * (self.total - self.done) if new else float("nan")
        status = f"FAILED ({error})" if error else "done"
        self._write(f"{self.done}/{self.total} cells ({key} {status}); elapsed {el:.0f} s, "
                    f"about {left:.0f} s left")

    def end(self) -> None:
        self._write(f"end: {self.done - self.failed}/{self.total} cells done, {self.failed} failed")
        if self.mode == "tty":
            sys.stderr.write("\n")


def _run_local(calls, report, threads: int) -> dict[str, str]:
    """In this process, with ``threads`` torch threads while the cells run (the caller's setting is
    restored after): results must not depend on which executor ran them, and a float reduction
    split over 2 threads rounds differently from one over 1."""
    import torch

    saved = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return _run_local_cells(calls, report)
    finally:
        torch.set_num_threads(saved)


class _InterruptWatch:
    """Remembers a Ctrl-C (SIGINT) while the cells run, and raises KeyboardInterrupt as Python's
    default handler does. An extension may turn the KeyboardInterrupt raised inside one of its
    callbacks into its own error (or swallow it); without the flag the sweep would record that
    error as a failed cell and go on, and ``gsv train`` would end with status 1, not 130. Installed
    only over Python's default handler, in the main thread."""

    def __init__(self):
        self.seen = False
        self._old = None

    def _handler(self, signum, frame):  # noqa: ANN001 - signal's handler signature
        self.seen = True
        raise KeyboardInterrupt

    def __enter__(self) -> "_InterruptWatch":
        import signal
        import threading

        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._old = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        if self._old is not None:
            import signal

            signal.signal(signal.SIGINT, self._old)


def _run_local_cells(calls, report) -> dict[str, str]:
    errors = {}
    with _InterruptWatch() as watch:
        for key, args in calls:
            try:
                execute_cell(*args)
                report.cell(key)
                fault_point("cell")
            except Exception as exc:  # noqa: BLE001 - a failing cell must not stop the others
                if watch.seen:    # the "failure" is an interrupt that an extension re-raised as its own error
                    raise KeyboardInterrupt from exc
                errors[key] = _error_line(exc)
                report.cell(key, errors[key])
                traceback.print_exc(file=open(report.log, "a"))
            if watch.seen:        # interrupted, but the cell finished (and is stored): stop here
                raise KeyboardInterrupt
    return errors


def _dask_client(workers: int | None, scheduler: str | None):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise ValueError(f"--executor dask needs dask.distributed (pip install -e '.[distributed]'): {exc}") from None
    if scheduler is not None:
        try:
            return Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as exc:
            raise ValueError(f"--scheduler {scheduler} is unreachable: {_error_line(exc)}") from None
    import dask

    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 in each worker; glibc then serves every
    # large temporary by mmap and gives it back at once, so the float64 eNTK cells spend ~40 % of
    # their time in page faults (measured: starvation-block --quick 13.6 s → 20.6 s in one
    # process with that variable). The embedded workers keep glibc's dynamic default.
    env = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ").items()
           if k != "MALLOC_TRIM_THRESHOLD_"}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": env}):
        cluster = LocalCluster(n_workers=int(workers or 2), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
    return Client(cluster), cluster


def _run_dask(calls, report, workers, scheduler) -> dict[str, str]:
    from dask.distributed import as_completed

    client, cluster = _dask_client(workers, scheduler)
    errors = {}
    try:
        futs = {client.submit(execute_cell, *args, key=f"cell-{key}-{os.getpid()}-{time.time_ns()}", pure=False): key
                for key, args in calls}
        for fut in as_completed(futs):
            key = futs[fut]
            exc = fut.exception()
            if exc is not None:
                errors[key] = _error_line(exc)
            report.cell(key, errors.get(key))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return errors


def _run_slurm(calls, report, run_dir: Path, slurm: dict) -> dict[str, str]:
    try:
        import submitit
    except ImportError as exc:
        raise ValueError(f"--executor slurm needs submitit (pip install -e '.[distributed]'): {exc}") from None
    slurm = dict(slurm or {})
    cluster = slurm.pop("cluster", None)
    ex = submitit.AutoExecutor(folder=run_dir / "slurm" / "%j", cluster=cluster)
    params = {"timeout_min": int(slurm.get("time_min") or 60), "cpus_per_task": int(slurm.get("cpus") or 1)}
    if cluster != "local" and cluster != "debug":
        if slurm.get("partition"):
            params["slurm_partition"] = slurm["partition"]
        if slurm.get("gpus"):
            params["gpus_per_node"] = int(slurm["gpus"])
        params["slurm_array_parallelism"] = int(slurm.get("parallelism") or 64)
    ex.update_parameters(**params)
    if not calls:
        return {}
    cols = list(zip(*(args for _, args in calls)))
    jobs = ex.map_array(execute_cell, *cols)
    errors = {}
    pending = dict(zip(jobs, (key for key, _ in calls)))
    while pending:
        for job in [j for j in pending if j.done()]:
            key = pending.pop(job)
            exc = job.exception()
            if exc is not None:
                errors[key] = _error_line(exc)
            report.cell(key, errors.get(key))
        if pending:
            time.sleep(0.2)
    return errors


# ----------------------------------------------------------------------------- driver
def check_executor_options(executor: str, workers=None, scheduler=None, slurm: dict | None = None) -> None:
    """Each executor option belongs to one executor; a misplaced one is an error."""
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {EXECUTORS}; got {executor!r}")
    if workers is not None and (executor != "dask" or int(workers) != workers or workers < 1):
        raise ValueError(f"--workers is an integer >= 1 for --executor dask only; got {workers!r} with {executor}")
    if scheduler is not None and executor != "dask":
        raise ValueError(f"--scheduler is for --executor dask only; got it with {executor}")
    if scheduler is not None and workers is not None:
        raise ValueError("--workers and --scheduler exclude each other (a running cluster has its own workers)")
    given = {k: v for k, v in (slurm or {}).items() if v is not None and k != "cluster"}
    if given and executor != "slurm":
        raise ValueError(f"--slurm-{sorted(given)[0].replace('_min', '')} is for --executor slurm only; got it with {executor}")


def run(experiment: str, opts: dict, out: str | Path = "runs", *, device: str | None = None,
        threads: int = 1, executor: str = "local", workers: int | None = None, scheduler: str | None = None,
        slurm: dict | None = None, progress: bool = True) -> dict:
    """Plan ``experiment`` with ``opts``, run its missing cells on ``executor``, assemble the run folder.

    Args:
        experiment: a registered name (:mod:`empirical.registry`).
        opts: the experiment's options (quick, seeds, iterations, configs, ...).
        out: parent folder of the run folder.
        device: "auto"/None, "cpu", "cuda[:N]", "mps" — resolved in each worker.
        threads: torch intra-op threads in each worker (the local executor sets them in this
            process while its cells run, and restores the caller's setting).
        executor, workers, scheduler, slurm: see the module docstring.

    Returns:
        The experiment's result dict (with ``dir``).

    Raises:
        SweepError: some cells failed (their errors listed; the rest are stored).
        empirical.runs.RunFolderError: the run folder is unusable (locked, other config, ...).
    """
    from empirical import registry
    from empirical.device import select_device
    from empirical.runs import RunFolder

    check_executor_options(executor, workers, scheduler, slurm)
    if int(threads) != threads or threads < 1:
        raise ValueError(f"threads must be an integer >= 1; got {threads!r}")
    dev = select_device(device)          # fail early, in one line, if the device is absent here
    spec = registry.get(experiment).module
    proto = registry.load_protocol(spec)
    plan = proto.plan(dict(opts))
    root = Path(out) / plan.folder
    with RunFolder(root, {"experiment": experiment, **plan.config}) as rf:
        rf.clear_complete()
        rf.write_environment(dev, threads=int(threads))   # what the cells run with, every executor
        todo = [c for c in plan.cells if not rf.cell_done(c.key)]
        report = _Report(len(plan.cells), len(plan.cells) - len(todo), root / "sweep.log", experiment,
                         tty=None if progress else False)
        remote_threads = None if executor == "local" else int(threads)
        calls = [(c.key, (spec, c.key, c.payload, str(root.resolve()), str(dev), remote_threads)) for c in todo]
        if executor == "local":
            errors = _run_local(calls, report, int(threads))
        elif executor == "dask":
            errors = _run_dask(calls, report, workers, scheduler)
        else:
            errors = _run_slurm(calls, report, root.resolve(), slurm or {})
        report.end()
        if errors:
            rf.write_json("failures.json", errors)
            lines = "; ".join(f"{k}: {v}" for k, v in errors.items())
            raise SweepError(f"{len(errors)} of {len(plan.cells)} cells failed ({lines}); the others are stored "
                             f"in {root}/cells, rerun to retry the failed ones")
        (root / "failures.json").unlink(missing_ok=True)
        results = {c.key: rf.read_cell(c.key) for c in plan.cells}
        fault_point("assemble")
        res = proto.assemble(plan, results, rf)
        res["dir"] = str(root)
        rf.mark_complete({"experiment": experiment, "cells_total": len(plan.cells)})
    return res


# ----------------------------------------------------------------------------- overhead probe
def _noop_plan(opts: dict) -> Plan:
    n = int(opts.get("cells") or 10)
    return Plan(f"noop_{n}", {"cells": n}, [Cell(f"c{i:04d}", {"i": i}) for i in range(n)])


#: a protocol whose cells do nothing: what an executor costs per cell (benchmarks/bench_sweep.py)
NOOP = Protocol(_noop_plan, lambda payload, device, **_: {"i": payload["i"]},
                lambda plan, results, rf: {"cells": len(results)}, lambda res: f"{res['cells']} cells")
