"""Derivation reports: ``verdicts.json``, a verdict table and one page per claim.

``pytest verify/`` calls :func:`write_reports` at the end of the session (see
``verify/conftest.py``); ``gsv report`` writes the symbolic verdicts and keeps the
numeric evidence of an earlier run. The report folder holds:

- ``index.md`` / ``index.html``: what the report contains (full or partial, which
  verify modules ran), the four verdicts defined, links to the breakdown and
  empirical pages, counts per verdict and the verdict table;
- ``claims/<id>.md`` / ``.html``: the printed statement (verbatim LaTeX and the
  transcribed SymPy form), the comparison printed vs derived, for an erratum the
  printed and corrected forms aligned with the difference marked, the regime, the
  derivation steps with their checks, the evidence the suite recorded, figures;
- ``pages/<slug>.md`` / ``.html``: extra pages (breakdown probes, empirical results);
- ``figures/``: PNG figures recorded with the evidence;
- ``verdicts.json``: one object per claim, byte-identical across reruns;
- ``evidence.json`` and ``.gsv-report`` (the manifest): what a later write merges.

The package: :mod:`~theory.report.registry` (records and the registry),
:mod:`~theory.report.records` (``verdicts.json``), :mod:`~theory.report.mathrender`
(LaTeX and MathML), :mod:`~theory.report.text` (escaping, Markdown → HTML),
:mod:`~theory.report.model` (a claim page as blocks, spelled in Markdown and HTML),
:mod:`~theory.report.pages` (index, extra pages, shared pieces, CSS),
:mod:`~theory.report.writer` (contents, merging, the atomic swap).

Example:
    >>> from theory.report import check_label
    >>> check_label(None)
    'no check (definition or assumption)'
"""

import importlib

# The names below are loaded from their submodule on first use (PEP 562), not on import:
# the registry loads every claim (SymPy), which a process that only checks a report folder
# (``theory.report.folder``) or never writes a report should not pay for.
_SOURCES = {
    "registry": ("Evidence", "ExtraPage", "add_all", "add_page", "evidence", "extra_pages", "figure_png",
                 "from_jsonable", "png_caption", "record_evidence", "reset_evidence", "to_jsonable"),
    "mathrender": ("name_latex", "to_latex", "to_mathml"),
    "pages": ("check_label",),
    "records": ("verdict_records", "verdicts_json", "worst_errors"),
    "text": ("markdown_to_html", "md_code", "md_escape"),
    "folder": ("check_report_folder",),
    "writer": ("Written", "describe", "figure_caption_problems", "read_manifest", "write_reports"),
}
_WHERE = {name: mod for mod, names in _SOURCES.items() for name in names}


def __getattr__(name: str):
    mod = _WHERE.get(name)
    if mod is None:
        raise AttributeError(f"module 'theory.report' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"theory.report.{mod}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "Evidence",
    "ExtraPage",
    "Written",
    "add_all",
    "add_page",
    "check_label",
    "check_report_folder",
    "describe",
    "evidence",
    "extra_pages",
    "figure_caption_problems",
    "figure_png",
    "from_jsonable",
    "markdown_to_html",
    "md_code",
    "md_escape",
    "name_latex",
    "png_caption",
    "read_manifest",
    "record_evidence",
    "reset_evidence",
    "to_jsonable",
    "to_latex",
    "to_mathml",
    "verdict_records",
    "verdicts_json",
    "worst_errors",
    "write_reports",
]
