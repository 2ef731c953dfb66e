"""One run-folder writer for every experiment: atomic files, a lock, completeness markers, resume.

Layout of a run folder ``<out>/<experiment>/``::

    config.json        what was asked (experiment, options, cells); a rerun must ask the same
    environment.json   device, torch/numpy/python versions, threads, git commit, host
    cells/<key>.json   one finished cell's result (configuration × seed group), written atomically;
                       its presence is that cell's completeness marker
    ckpt/<key>.pt      a cell's training checkpoint while it runs (removed when the cell is done)
    metrics.json       the assembled metrics of all cells
    summary.md         the human-readable table; figures (*.png)
    COMPLETE           the run's completeness marker, written last (lists the cells)
    .lock              held while a process writes into the folder

Guarantees:

* Every file is written to a temporary name in the same folder and moved into place with
  ``os.replace`` (atomic on POSIX), so a kill at any moment leaves either the old or the new
  file, never a torn one.
* Two processes cannot write into one folder: ``.lock`` is created with ``O_EXCL`` and holds
  the owner's host and pid; a lock whose owner is gone (same host, pid not alive) is taken
  over, anything else is an error naming the folder and the owner.
* Resuming: finished cells are skipped; a cell with a checkpoint continues from it; a
  checkpoint that cannot be read is reported with the file to delete (never silently
  restarted, never silently overwritten).
* A rerun into a folder that holds a different configuration is an error (exit 2 in the
  CLI), never a silent mix of two runs.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

from theory.outdir import atomic_write_file


class RunFolderError(ValueError):
    """A run folder that cannot be used (unwritable, locked, different configuration, corrupt file)."""


def _json_default(o):
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def dumps(obj) -> str:
    """Canonical JSON (sorted keys, float repr round-trips exactly)."""
    return json.dumps(obj, indent=1, sort_keys=True, default=_json_default) + "\n"


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder + ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_file(path, lambda f: f.write(data), hidden=True, fsync=True)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def atomic_write_json(path: str | Path, obj) -> None:
    atomic_write_text(path, dumps(obj))


def git_commit(cwd: str | Path | None = None) -> str | None:
    """HEAD's commit of the repository holding this package (None outside git), '+dirty' if modified."""
    here = Path(cwd) if cwd is not None else Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        if not head:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def environment(device=None, threads: int | None = None) -> dict:
    """Versions, device, thread settings, git commit and host: the run's environment.json.

    ``threads``: the torch intra-op thread count the computation runs with, where it is not this
    process's current setting (a sweep's cells run with ``--threads`` while the process keeps its
    default: recording the default would misstate how the numbers were computed).
    """
    import numpy
    import torch

    if threads is not None and (int(threads) != threads or threads < 1):
        raise ValueError(f"threads must be an integer >= 1; got {threads!r}")

    dev = torch.device(device) if device is not None else torch.device("cpu")
    env = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "device": str(dev),
        "torch_num_threads": torch.get_num_threads() if threads is None else int(threads),
        "torch_num_interop_threads": torch.get_num_interop_threads(),
        "cpu_count": os.cpu_count(),
        "git_commit": git_commit(),
    }
    if dev.type == "cuda":
        env["device_name"] = torch.cuda.get_device_name(dev)
        env["cuda"] = torch.version.cuda
    else:
        env["device_name"] = platform.processor() or platform.machine()
    return env


def fault_point(phase: str) -> None:
    """Fault injection for the kill-and-resume tests: if ``GSV_FAULT`` equals ``phase``, this
    process sends itself ``GSV_FAULT_SIGNAL`` (``INT`` or ``KILL``). Inert otherwise."""
    if os.environ.get("GSV_FAULT") == phase:
        import signal

        os.kill(os.getpid(), getattr(signal, "SIG" + os.environ.get("GSV_FAULT_SIGNAL", "KILL")))
        time.sleep(5)   # SIGINT is handled between bytecodes: give it the chance


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def save_figure(fig, path: str | Path, dpi: int = 110, caption: str | None = None) -> None:
    """Save a matplotlib figure atomically (rendered to memory, then written) and close it.

    ``caption`` (what the figure shows, with its parameters) is stored in a PNG as its
    ``Description``, so a report page that attaches the file shows it
    (``theory.report.png_caption``)."""
    import io

    import matplotlib.pyplot as plt

    fmt = Path(path).suffix.lstrip(".") or "png"
    buf = io.BytesIO()
    meta = {"Description": caption} if caption and fmt == "png" else None
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
    plt.close(fig)
    atomic_write_bytes(path, buf.getvalue())


def write_run(rf: "RunFolder", res: dict, figure, summary_markdown) -> None:
    """``metrics.json`` (``res``), the figure(s) drawn by ``figure(res, folder)`` and ``summary.md``."""
    rf.write_json("metrics.json", {k: v for k, v in res.items() if k != "dir"})
    figure(res, rf.path)
    rf.write_text("summary.md", summary_markdown(res))


class RunFolder:
    """A run folder (module docstring). Use as a context manager: it takes and releases the lock.

    Args:
        path: the folder (created if absent).
        config: what the run is asked to compute (JSON-able); must equal a stored config.json.
        lock: take ``.lock`` (False for readers and for sweep workers writing their own cells
            while the submitting process holds the lock).
    """

    LOCK = ".lock"
    MARKER = "COMPLETE"

    def __init__(self, path: str | Path, config: dict | None = None, *, lock: bool = True):
        self.path = Path(path)
        self.config = config
        self._want_lock = lock
        self._locked = False

    # --- lifecycle ------------------------------------------------------------------------
    def open(self) -> "RunFolder":
        try:
            (self.path / "cells").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RunFolderError(f"run folder {self.path} is not writable: {exc.strerror}") from None
        if not os.access(self.path, os.W_OK):
            raise RunFolderError(f"run folder {self.path} is not writable")
        if self._want_lock:
            self._acquire()
        if self.config is not None:
            stored = self.read_json("config.json")
            if stored is None:
                self.write_json("config.json", self.config)
            elif json.loads(dumps(stored)) != json.loads(dumps(self.config)):
                self.close()
                raise RunFolderError(f"run folder {self.path} holds a different configuration (config.json); "
                                     f"use another --out or delete the folder")
        return self

    def __enter__(self) -> "RunFolder":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def _acquire(self) -> None:
        lock = self.path / self.LOCK
        me = {"host": socket.gethostname(), "pid": os.getpid(), "since": time.time()}
        for _ in range(2):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                try:
                    owner = json.loads(lock.read_text())
                except (OSError, ValueError):
                    owner = {}
                if owner.get("host") == me["host"] and isinstance(owner.get("pid"), int) \
                        and not _pid_alive(owner["pid"]):
                    lock.unlink(missing_ok=True)     # stale: its owner was killed (SIGKILL leaves it)
                    continue
                raise RunFolderError(f"run folder {self.path} is in use by another run "
                                     f"(host {owner.get('host', '?')}, pid {owner.get('pid', '?')}; "
                                     f"delete {lock} if that process is gone)") from None
            with os.fdopen(fd, "w") as f:
                f.write(json.dumps(me))
            self._locked = True
            return
        raise RunFolderError(f"run folder {self.path}: could not take the lock {lock}")

    def close(self) -> None:
        if self._locked:
            (self.path / self.LOCK).unlink(missing_ok=True)
            self._locked = False

    # --- files ----------------------------------------------------------------------------
    def write_json(self, name: str, obj) -> None:
        atomic_write_json(self.path / name, obj)

    def write_text(self, name: str, text: str) -> None:
        atomic_write_text(self.path / name, text)

    def read_json(self, name: str):
        p = self.path / name
        if not p.exists():
            return None
        try:
            return json.loads(p.read_text())
        except ValueError as exc:
            raise RunFolderError(f"{p} is corrupt ({exc}); delete it to recompute it") from None

    def save_figure(self, fig, name: str, dpi: int = 110, caption: str | None = None) -> None:
        """Save a matplotlib figure atomically into the folder and close it (``caption``: see
        :func:`save_figure`)."""
        save_figure(fig, self.path / name, dpi, caption)

    def write_environment(self, device=None, threads: int | None = None) -> dict:
        env = environment(device, threads)
        self.write_json("environment.json", env)
        return env

    # --- cells ----------------------------------------------------------------------------
    def cell_path(self, key: str) -> Path:
        return self.path / "cells" / f"{key}.json"

    def cell_done(self, key: str) -> bool:
        return self.cell_path(key).exists()

    def write_cell(self, key: str, result) -> None:
        """Store a finished cell (its completeness marker) and drop its checkpoint."""
        atomic_write_json(self.cell_path(key), result)
        self.checkpoint_path(key).unlink(missing_ok=True)

    def read_cell(self, key: str):
        return self.read_json(f"cells/{key}.json")

    # --- checkpoints ----------------------------------------------------------------------
    def checkpoint_path(self, key: str) -> Path:
        return self.path / "ckpt" / f"{key}.pt"

    def save_checkpoint(self, key: str, blob: dict) -> None:
        import io

        import torch

        buf = io.BytesIO()
        torch.save(blob, buf)
        atomic_write_bytes(self.checkpoint_path(key), buf.getvalue())

    def load_checkpoint(self, key: str) -> dict | None:
        """The stored checkpoint of cell ``key`` (None if there is none); a corrupt one raises."""
        import torch

        p = self.checkpoint_path(key)
        if not p.exists():
            return None
        try:
            return torch.load(p, map_location="cpu", weights_only=False)
        except Exception as exc:   # torch raises several types for truncated/garbled files
            raise RunFolderError(f"checkpoint {p} is corrupt ({type(exc).__name__}); delete it to restart "
                                 f"that cell from the beginning") from None

    # --- completeness ---------------------------------------------------------------------
    def is_complete(self) -> bool:
        return (self.path / self.MARKER).exists()

    def mark_complete(self, info: dict | None = None) -> None:
        cells = sorted(p.stem for p in (self.path / "cells").glob("*.json"))
        atomic_write_json(self.path / self.MARKER, {"cells": cells, **(info or {})})

    def clear_complete(self) -> None:
        (self.path / self.MARKER).unlink(missing_ok=True)
