"""The verdict table, cached on disk by a hash of everything that produced it.

:func:`theory.verdicts.verdict_table` runs every derivation (about a minute of CPU), lazily,
one derivation module at a time. :func:`verdict_table` here wraps it: each module's computed
comparisons (:func:`module_table`) are pickled under a key that hashes

- every file under ``theory/`` (the derivations, the engine, and the claims: the
  printed forms are data in ``theory/claims/``), by relative path and content;
- the versions of Python, SymPy, mpmath, NumPy and SciPy (a simplification may
  differ between SymPy versions).

Any change to any of these gives a new key, so a stale table is never read; an
unreadable cache file is recomputed. Parallel processes (pytest-xdist workers)
that need the same module wait on its lock while one of them computes it; different
modules are derived in parallel, and the report written at the end of ``pytest verify/``
reads what the workers derived.

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
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from theory import verdicts
from theory.outdir import atomic_write_file

__all__ = ["cache_dir", "cache_path", "code_hash", "content_hash", "load_rendered_math", "module_table", "verdict_table",
           "CachedVerdictTable"]

_THEORY = Path(__file__).resolve().parent
# Bumped when the pickled layout changes, so old files are never unpickled.
_FORMAT = 2
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
    return content_hash(f"gsv-verdicts-{_FORMAT}", _source_files(root), root, _MODULES_VERSIONED)


def content_hash(salt: str, files: Iterable[Path], root: Path, modules: Iterable[str]) -> str:
    """SHA-256 over ``salt``, the Python version, the versions of ``modules``
    (:func:`installed_version`) and ``files`` (each by its path relative to ``root`` and its bytes, in the
    order given): the key of a cache of results those files compute."""
    hsh = hashlib.sha256(f"{salt}\0{sys.version}\0".encode())
    for mod in modules:
        hsh.update(f"{mod}={installed_version(mod)}\0".encode())
    for p in files:
        hsh.update(p.relative_to(root).as_posix().encode() + b"\0")
        hsh.update(p.read_bytes() + b"\0")
    return hsh.hexdigest()


#: distribution names that differ from the import name
_DISTRIBUTION = {"sklearn": "scikit-learn"}


def installed_version(module: str) -> str:
    """The version of the importable package ``module``: its distribution's metadata, read
    without importing it (importing scikit-learn only to read ``__version__`` costs about one
    CPU-second, in every process that computes a key); ``module.__version__`` where there is no
    metadata; ``"absent"`` where it does not import either."""
    from importlib import metadata

    try:
        return metadata.version(_DISTRIBUTION.get(module, module))
    except metadata.PackageNotFoundError:
        pass
    try:
        return __import__(module).__version__
    except ImportError:
        return "absent"


def cache_dir() -> Path:
    """``$GSV_CACHE_DIR``, else ``~/.cache/gsv``."""
    env = os.environ.get("GSV_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "gsv"


def cache_path(key: str | None = None, module: str | None = None) -> Path:
    """The cache file of derivation module ``module`` (default: the whole-table name, kept for
    the layout's documentation) for ``key`` (default: the current :func:`code_hash`)."""
    return cache_dir() / f"verdicts-{key or code_hash()}{'-' + module if module else ''}.pickle"


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
    except Exception:  # noqa: BLE001 - absent, truncated or foreign: recomputed, never trusted
        return None
    return table if isinstance(table, dict) else None


def _unevaluated(cls: type, args: tuple) -> Any:
    return cls(*args, evaluate=False)


class _Pickler(pickle.Pickler):
    """Pickles a SymPy relation as it is. The default rebuilds ``Eq(lhs, rhs)`` with evaluation on,
    so an equation built with ``evaluate=False`` between unequal kinds (a symbol and a matrix:
    a derivation step) would come back as ``False``; here it comes back unevaluated."""

    def reducer_override(self, obj: Any) -> Any:
        import sympy as sp

        if isinstance(obj, sp.core.relational.Relational) and type(obj).__module__.startswith("sympy"):
            return _unevaluated, (type(obj), obj.args)
        return NotImplemented


def _store(path: Path, table: dict[str, Any]) -> None:
    # readers see the old file or the whole new one; an interrupt leaves no temporary
    atomic_write_file(path, lambda fh: _Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(table))


def _remove_others(key: str) -> None:
    # One table per code version is enough; older ones only fill the disk. Files of the current
    # version (other modules, being written by a parallel process) are kept.
    for p in cache_dir().glob("verdicts-*"):
        if not p.name.startswith(f"verdicts-{key}") and p.suffix in (".pickle", ".lock"):
            with contextlib.suppress(OSError):
                p.unlink()


#: In-process copy of what was read or computed, by cache file: a module is read from disk once.
_MEMO: dict[Path, dict[str, Any]] = {}


def module_table(name: str, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """:func:`theory.verdicts.module_comparisons` of one derivation module, cached on disk.

    The comparisons are stored computed (a dict claim id → Comparison), so a second process
    (another pytest-xdist worker, the report writer at the end of ``pytest verify/``, ``gsv
    claims``) reads them instead of deriving them again. Parallel processes that need the same
    module wait on its lock while one computes it; different modules are computed in parallel.
    """
    if os.environ.get("GSV_NO_CACHE"):
        return verdicts.module_comparisons(name)
    key = code_hash()
    path = cache_path(key, name)
    if path in _MEMO:
        return _MEMO[path]
    table = _load(path)
    if table is None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(path.with_suffix(".lock")):
                table = _load(path)  # another process may have computed it meanwhile
                if table is None:
                    t0 = time.perf_counter()
                    table = verdicts.module_comparisons(name)
                    math = _render_math(table)
                    if progress:
                        progress(f"derived theory.{name} in {time.perf_counter() - t0:.1f} s; cached in {path.parent}")
                    try:
                        _store(_math_path(path), math)  # first: a module file means its math is there too
                        _store(path, table)
                        _remove_others(key)
                    except Exception:  # noqa: BLE001 - an unwritable or unpicklable table costs time, never correctness
                        pass
        except OSError:  # no writable cache folder: compute without caching
            table = verdicts.module_comparisons(name)
    _MEMO[path] = table
    return table


def _math_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".pickle") + ".math.pickle")


def load_rendered_math() -> int:
    """Read the report math that :func:`module_table` stored for the current code into this
    process (``theory.report.mathrender``'s memo); the report writer calls it before printing
    any page. Kept apart from the verdicts so that reading verdicts (``gsv claims``) stays quick.

    Returns:
        How many rendered expressions were read.
    """
    if os.environ.get("GSV_NO_CACHE"):
        return 0
    from theory.report.mathrender import add_rendered

    n = 0
    for p in sorted(cache_dir().glob(f"verdicts-{code_hash()}-*.math.pickle")):
        math = _load(p)
        if math:
            add_rendered(math)
            n += len(math)
    return n


def _render_math(table: dict[str, Any]) -> dict[tuple, Any]:
    """The math of these claims' report pages, rendered now (where the module was derived, in
    parallel with other work) and stored with the verdicts, so that writing the report later —
    at the end of ``pytest verify/``, in ``gsv report`` — prints no expression again."""
    from theory.claims import CLAIMS
    from theory.report import mathrender, pages

    with mathrender.recording() as math:
        for cid, comp in table.items():
            try:
                pages._render_claim_md(cid, CLAIMS.get(cid), comp, [], [], "")
                pages._render_claim_html(cid, CLAIMS.get(cid), comp, [], [], "")
            except Exception:  # noqa: BLE001 - the report shows the error on this claim's page
                pass
    return math


def verdict_table(progress: Callable[[str], None] | None = None) -> Mapping[str, Any]:
    """:func:`theory.verdicts.verdict_table` with every module's comparisons cached on disk.

    Lazy like it: looking up a claim reads (or derives and stores) only the module that
    declares it (:func:`module_table`); iterating reads them all.

    Args:
        progress: Called with a one-line message for each module that must be derived.

    Returns:
        claim id → Comparison, exactly as :func:`theory.verdicts.verdict_table` gives it.
    """
    if os.environ.get("GSV_NO_CACHE"):
        return verdicts.verdict_table()
    return CachedVerdictTable(verdicts.DERIVATION_MODULES, progress)


class CachedVerdictTable(verdicts.VerdictTable):
    """:class:`theory.verdicts.VerdictTable` whose modules come from :func:`module_table`."""

    def __init__(self, modules: tuple[str, ...], progress: Callable[[str], None] | None = None):
        super().__init__(modules)
        self._progress = progress

    def __getitem__(self, cid: str) -> Any:
        if cid not in self._owner:
            raise KeyError(cid)
        return module_table(self._owner[cid], self._progress)[cid]

    def __reduce__(self):  # pickled (e.g. sent to another process) as the computed table
        return dict, (dict(self),)
