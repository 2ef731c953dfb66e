"""Output folders: checked before any work, written atomically, stale builds removed.

Every command that writes a folder (``gsv report``, ``gsv probe --out``, ``pytest
verify/ --reports``) first calls :func:`check_output_folder`, so that a folder that
cannot be written fails in the first second, not after minutes of computation.
Folders are then built beside their target and swapped in by :func:`swap_in`: a
killed run leaves the previous folder intact and at most a hidden temporary build,
which the next write removes.

This module imports nothing heavy (no NumPy, no SymPy): the command line validates
its options with it before loading the engine.

Example:
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_folder(root / "new" / "report", "--out") == (root / "new" / "report").resolve()
    True
    >>> (root / "a-file").write_text("x")
    1
    >>> check_output_folder(root / "a-file", "--out")
    Traceback (most recent call last):
    ...
    ValueError: --out must be a folder (a writable, new or existing directory); ... is a file
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import BinaryIO, Callable

__all__ = ["check_output_folder", "new_build_folder", "swap_in", "remove_stale_builds", "atomic_write_file"]

# A temporary build folder older than this is left over from a killed run (a report
# build takes seconds to minutes; an hour is far beyond any live build).
STALE_BUILD_S = 3600.0
_TMP_INFIX = ".tmp-"


def check_output_folder(path: str | os.PathLike[str], option: str, marker: str | None = None) -> Path:
    """Check that ``path`` can be created or written as a folder; return it resolved.

    Nothing is created: the nearest existing ancestor must be a writable directory,
    and a test file is created and removed there (``os.access`` says yes to root on
    read-only file systems and on ``/proc``).

    Args:
        path: The folder the command will write.
        option: The option's name for the message, e.g. ``"--out"``.
        marker: If given, the folder is replaced as a whole: an existing, non-empty
            folder must hold this file (it was written by the same command).

    Raises:
        ValueError: One line naming ``option`` and what is wrong.
    """
    valid = "a writable, new or existing directory"
    try:
        p = Path(path).expanduser().resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise ValueError(f"{option} must be {valid}; {path!s} cannot be resolved ({exc})") from None
    if not str(path).strip():
        raise ValueError(f"{option} must be {valid}; got an empty path")
    if p.exists() and not p.is_dir():
        raise ValueError(f"{option} must be a folder ({valid}); {p} is a file")
    if marker is not None and p.is_dir() and any(p.iterdir()) and not (p / marker).exists():
        raise ValueError(f"{option} must be a new or empty folder, or one this command wrote ({marker}); "
                         f"{p} holds other files, refusing to replace it")
    probe = p
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise ValueError(f"{option} must be {valid}; {probe} (on the way to {p}) is a file")
    try:
        fd, name = tempfile.mkstemp(prefix=".gsv-write-test-", dir=probe)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise ValueError(f"{option} must be {valid}; cannot write in {probe}: {exc.strerror or exc}") from None
    return p


def _builds(target: Path) -> list[Path]:
    return list(target.parent.glob(f".{target.name}{_TMP_INFIX}*"))


def remove_stale_builds(target: Path, max_age_s: float = STALE_BUILD_S) -> int:
    """Remove hidden temporary builds of ``target`` older than ``max_age_s``; return how many."""
    now, n = time.time(), 0
    for b in _builds(target):
        try:
            if b.is_dir() and now - b.stat().st_mtime > max_age_s:
                shutil.rmtree(b, ignore_errors=True)
                n += 1
        except OSError:
            pass
    return n


def new_build_folder(target: Path) -> Path:
    """A hidden, empty sibling of ``target`` (same file system, so the swap is a rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}{_TMP_INFIX}", dir=target.parent))
    os.chmod(tmp, 0o755)  # mkdtemp makes it private (0700); outputs are for reading
    return tmp


def swap_in(build: Path, target: Path) -> None:
    """Make the finished ``build`` folder the folder at ``target``.

    The previous ``target`` is first renamed to a hidden ``.tmp-`` sibling, then
    ``build`` is renamed to ``target`` (two ``os.replace`` calls, each atomic), then
    the previous copy is deleted. A kill between the two renames leaves the previous
    folder under a hidden name, which :func:`remove_stale_builds` deletes an hour
    later; ``target`` itself is only ever absent for that instant.
    """
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}{_TMP_INFIX}old-", dir=target.parent))
        os.replace(target, old)  # replaces the empty placeholder made by mkdtemp
    os.replace(build, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def atomic_write_file(path: str | os.PathLike[str], write: Callable[[BinaryIO], None], *, hidden: bool = False,
                      fsync: bool = False) -> None:
    """Write a file whole or not at all: ``write(fh)`` fills a temporary file in the same folder,
    which :func:`os.replace` then puts in place (readers see the old file or the new one).

    The temporary name is chosen *before* the file is created, so that an interrupt anywhere
    (Ctrl-C arrives between two bytecodes, also inside ``tempfile.mkstemp`` after it has created
    its file) finds the name and removes it: nothing is half-written and no temporary is left.

    Args:
        path: the file to write.
        write: fills the open binary file.
        hidden: a leading "." on the temporary's name.
        fsync: flush the data to disk before the rename.
    """
    path = Path(path)
    tmp = path.with_name(f"{'.' if hidden else ''}{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, "xb") as fh:
            write(fh)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
