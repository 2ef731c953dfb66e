"""The verdict table, cached on disk by a hash of everything that produced it.

:func:`theory.verdicts.verdict_table` runs every derivation (about a minute of CPU).
:func:`verdict_table` here wraps it: the result is pickled under a key that hashes

- every file under ``theory/`` (the derivations, the engine, and the claims: the
  printed forms are data in ``theory/claims/``), by relative path and content;
- the versions of Python, SymPy, mpmath, NumPy and SciPy (a simplification may
  differ between SymPy versions).

Any change to any of these gives a new key, so a stale table is never read; an
unreadable cache file is recomputed. Parallel processes (pytest-xdist workers)
wait on a lock while one of them computes.

The cache lives in ``$GSV_CACHE_DIR`` (default ``~/.cache/gsv``); set
``GSV_NO_CACHE=1`` to always recompute.

Example:
    >>> key = code_hash()
    >>> len(key), key == code_hash()
    (64, True)
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["cache_dir", "cache_path", "code_hash", "verdict_table"]

_THEORY = Path(__file__).resolve().parent
# Bumped when the pickled layout changes, so old files are never unpickled.
_FORMAT = 1
_MODULES_VERSIONED = ("sympy", "mpmath", "numpy", "scipy")


def _source_files(root: Path = _THEORY) -> list[Path]:
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo"))


def code_hash(root: Path = _THEORY) -> str:
    """SHA-256 over the files under ``root`` (paths and bytes) and the library versions.

    The hash of ``theory/`` itself is taken once per process: the code a process runs
    is the code it imported, even if the files change on disk meanwhile.
    """
    if root == _THEORY:
        return _own_hash()
    return _hash(root)


@functools.lru_cache(maxsize=1)
def _own_hash() -> str:
    return _hash(_THEORY)


def _hash(root: Path) -> str:
    hsh = hashlib.sha256(f"gsv-verdicts-{_FORMAT}\0{sys.version}\0".encode())
    for mod in _MODULES_VERSIONED:
        try:
            version = __import__(mod).__version__
        except ImportError:  # pragma: no cover - all are dependencies
            version = "absent"
        hsh.update(f"{mod}={version}\0".encode())
    for p in _source_files(root):
        hsh.update(p.relative_to(root).as_posix().encode() + b"\0")
        hsh.update(p.read_bytes() + b"\0")
    return hsh.hexdigest()


def cache_dir() -> Path:
    """``$GSV_CACHE_DIR``, else ``~/.cache/gsv``."""
    env = os.environ.get("GSV_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "gsv"


def cache_path(key: str | None = None) -> Path:
    """The cache file for ``key`` (default: the current :func:`code_hash`)."""
    return cache_dir() / f"verdicts-{key or code_hash()}.pickle"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock, at worst computed twice
        yield
        return
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _load(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as fh:
            table = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a truncated or foreign file is recomputed, never trusted
        return None
    return table if isinstance(table, dict) else None


def _store(path: Path, table: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(table, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # readers see the old file or the whole new one
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _remove_others(keep: Path) -> None:
    # One table per code version is enough; older ones only fill the disk.
    for p in keep.parent.glob("verdicts-*.pickle"):
        if p != keep and p.with_suffix(".lock") != keep.with_suffix(".lock"):
            with contextlib.suppress(OSError):
                p.with_suffix(".lock").unlink()
            with contextlib.suppress(OSError):
                p.unlink()


def verdict_table(progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """:func:`theory.verdicts.verdict_table`, read from the cache when the code is unchanged.

    Args:
        progress: Called with a one-line message when the table must be computed.

    Returns:
        claim id → Comparison, exactly as :func:`theory.verdicts.verdict_table` gives it.
    """
    from theory import verdicts

    if os.environ.get("GSV_NO_CACHE"):
        return verdicts.verdict_table()
    path = cache_path()
    table = _load(path)
    if table is not None:
        return table
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = path.with_suffix(".lock")
        with _locked(lock):
            table = _load(path)  # another process may have computed it meanwhile
            if table is not None:
                return table
            if progress:
                progress("deriving every claim's verdict (about a minute of CPU; cached afterwards)")
            t0 = time.perf_counter()
            table = verdicts.verdict_table()
            if progress:
                progress(f"verdicts derived in {time.perf_counter() - t0:.0f} s; cached in {path}")
            try:
                _store(path, table)
                _remove_others(path)
            except Exception:  # noqa: BLE001 - an unwritable or unpicklable table costs time, never correctness
                pass
        return table
    except OSError:  # no writable cache folder: compute without caching
        return verdicts.verdict_table()
