"""Which folders are reports: the marker, the entries a report holds, the up-front check.

Light on purpose (it imports :mod:`theory.outdir` only, no SymPy): ``pytest verify/`` and
``gsv report`` check their report folder with it in the first second, before the claims
and the engine are loaded.

Example:
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> is_report_dir(root)          # an empty folder may take a report
    True
    >>> (root / "notes.txt").write_text("mine")
    4
    >>> is_report_dir(root)
    False
"""

from __future__ import annotations

from pathlib import Path

from theory.outdir import check_output_folder

__all__ = ["MARKER", "EVIDENCE_FILE", "REPORT_ENTRIES", "is_report_dir", "check_report_folder"]

# Marker (and manifest) that identifies a folder as a report, so that a report write
# never replaces a folder that is not one (e.g. ``--reports .``).
MARKER = ".gsv-report"
EVIDENCE_FILE = "evidence.json"
REPORT_ENTRIES = frozenset({"verdicts.json", "index.md", "index.html", "claims", "figures", "pages",
                            MARKER, ".gitignore", EVIDENCE_FILE})


def is_report_dir(p: Path) -> bool:
    """True for a folder a report write made (or an empty one): safe to replace."""
    p = Path(p)
    if not p.is_dir():
        return False
    if (p / MARKER).exists():
        return True
    names = {c.name for c in p.iterdir()}
    # Reports written before the marker existed held verdicts.json and index.md only.
    return not names or ("verdicts.json" in names and names <= REPORT_ENTRIES)


def check_report_folder(out: str | Path, option: str = "out") -> Path:
    """Check up front that ``out`` can take a report; return it resolved.

    Raises:
        ValueError: ``out`` is a file, not writable, or a folder that is not a report.
    """
    p = check_output_folder(out, option)
    if p.is_dir() and not is_report_dir(p):
        raise ValueError(f"{option}: {p} exists and is not a report folder (no {MARKER}); refusing to replace it")
    return p
