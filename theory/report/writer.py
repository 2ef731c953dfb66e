"""Writing a report folder: what it contains, merging with the one it replaces, atomically.

A report knows what it contains. Its manifest (``.gsv-report``, JSON) says which
run wrote it (``pytest verify/`` or ``gsv report``), which verify modules ran,
whether the run was complete, and how many evidence records and pages came from
this run or were carried over; the index says the same in words at the top.

A report is never replaced by a poorer one. Unless the run that writes it was the
complete ``pytest verify/``, the evidence and pages of the report already in the
folder (``evidence.json``) are kept for every (claim, route) and page that this run
did not produce again, marked *carried over*. A complete run starts afresh, so
evidence of a route that no longer exists does not linger.

The folder is built beside its target and swapped in (:mod:`theory.outdir`): a
killed run leaves the previous report whole.

Example:
    >>> describe({"source": "gsv report", "complete": False, "modules_run": [],
    ...           "modules_covered": [], "modules_all": ["test_dual.py"],
    ...           "evidence_new": 0, "evidence_carried": 0, "pages_new": 0, "pages_carried": 0})
    'partial: symbolic verdicts only (gsv report); no numeric evidence: run pytest verify/ for it'
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from theory.claims import Claim
from theory.derivation import Comparison
from theory.outdir import new_build_folder, swap_in
from theory.report import registry as _ev
from theory.report.folder import EVIDENCE_FILE, MARKER, check_report_folder
from theory.report import pages as _pages
from theory.report.registry import Evidence, ExtraPage
from theory.report.records import _group_evidence, _resolve, _sorted_evidence, counts, verdict_records, verdicts_json
from theory.report.text import h, md_escape, safe_stem

_MANIFEST_FORMAT = 2


@dataclass(frozen=True)
class Written:
    """What :func:`write_reports` wrote: the folder and its manifest."""

    path: Path
    manifest: dict[str, Any]

    def summary(self) -> str:
        """One line: verdict counts and contents."""
        c = ", ".join(f"{n} {v}" for v, n in self.manifest["counts"])
        return f"verdicts: {c}; contents: {describe(self.manifest)}"


def describe(m: Mapping[str, Any]) -> str:
    """The contents of a report in one line (from its manifest)."""
    n_all = len(m.get("modules_all", []))
    cov = len(m.get("modules_covered", []))
    ev = f"{m['evidence_new']} evidence records and {m['pages_new']} pages from this run"
    if m["evidence_carried"] or m["pages_carried"]:
        ev += f", {m['evidence_carried']} records and {m['pages_carried']} pages carried over from an earlier run"
    if m["complete"]:
        return f"full: every verify module ran ({n_all}) in {m['source']}; {ev}"
    if not m["evidence_new"] and not m["pages_new"] and not m["evidence_carried"] and not m["pages_carried"]:
        return f"partial: symbolic verdicts only ({m['source']}); no numeric evidence: run pytest verify/ for it"
    ran = len(m.get("modules_run", []))
    state = "full coverage, partly carried over" if n_all and cov >= n_all else "partial"
    return (f"{state}: {m['source']} ran {ran} of {n_all} verify modules; evidence covers {cov} of {n_all}; {ev}")


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of the report at ``out``, or None (no report, or an older format)."""
    try:
        m = json.loads((Path(out) / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return m if isinstance(m, dict) and m.get("format") == _MANIFEST_FORMAT else None


def _read_old(out: Path) -> tuple[list[Evidence], list[ExtraPage], dict[str, Any] | None]:
    try:
        data = json.loads((out / EVIDENCE_FILE).read_text())
        evs, pages = _ev.from_jsonable(data)
    except (OSError, ValueError, KeyError, TypeError):
        return [], [], None
    return evs, pages, read_manifest(out)


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # newline="\n": identical bytes on every platform.
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _build(tmp: Path, table: dict[str, Comparison], claims: dict[str, Claim],
           evs: list[Evidence], pages: list[ExtraPage], manifest: dict[str, Any],
           progress: Callable[[str], None]) -> None:
    records = verdict_records(table, claims, evs)
    manifest["counts"] = counts(records)
    _write_text(tmp / "verdicts.json", verdicts_json(records))
    _write_text(tmp / EVIDENCE_FILE, json.dumps(_ev.to_jsonable(_sorted_evidence(evs), pages),
                                                indent=0, sort_keys=True) + "\n")
    by_claim = _group_evidence(evs)
    ids = [r["id"] for r in records]
    stems: dict[str, str] = {}
    used: set[str] = set()
    for cid in ids:
        stem = safe_stem(cid)
        while stem.lower() in used:  # case-insensitive file systems
            stem += "_"
        used.add(stem.lower())
        stems[cid] = stem
    for k, cid in enumerate(ids, 1):
        if k % 20 == 1:
            progress(f"report: claim pages {k}-{min(k + 19, len(ids))} of {len(ids)}")
        claim, comp, cev = claims.get(cid), table.get(cid), by_claim.get(cid, [])
        names = _pages._assign_figure_names(cev)
        fig_dir = f"../figures/{stems[cid]}"
        for ev, name in zip(cev, names, strict=True):
            if name is not None and ev.figure_png is not None:
                _write_bytes(tmp / "figures" / stems[cid] / f"{name}.png", ev.figure_png)
        try:
            md = _pages._render_claim_md(cid, claim, comp, cev, names, fig_dir)
            page = _pages._render_claim_html(cid, claim, comp, cev, names, fig_dir)
        except Exception as exc:  # noqa: BLE001 - one unprintable claim must not lose the report
            msg = f"rendering this page failed: {type(exc).__name__}: {exc}"
            md = f"[← verdict table](../index.md)\n\n# {md_escape(cid)}\n\n**{md_escape(msg)}**\n"
            page = _pages._html_doc(cid, f'<h1>{h(cid)}</h1><p class="warn">{h(msg)}</p>', back="../index.html")
        _write_text(tmp / "claims" / f"{stems[cid]}.md", md)
        _write_text(tmp / "claims" / f"{stems[cid]}.html", page)
    for p in pages:
        _write_text(tmp / "pages" / f"{p.slug}.md", _pages._render_page_md(p))
        _write_text(tmp / "pages" / f"{p.slug}.html", _pages._render_page_html(p))
        for name, png in p.figures:
            _write_bytes(tmp / "pages" / p.slug / f"{name}.png", png)
        for name, data in p.files:
            _write_bytes(tmp / "pages" / p.slug / name, data)
    orphans = [e for e in _sorted_evidence(evs) if e.claim_id not in stems]
    _write_text(tmp / "index.md", _pages._render_index_md(records, claims, stems, pages, orphans, manifest))
    _write_text(tmp / "index.html", _pages._render_index_html(records, claims, stems, pages, orphans, manifest))
    # The manifest last: a build folder without it was interrupted.
    _write_text(tmp / MARKER, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


_FIGURE_RE = re.compile(r"<figure\b[^>]*>(.*?)</figure>", re.S)
_IMG_RE = re.compile(r"<img\b[^>]*>")
_SRC_RE = re.compile(r'src="([^"]*)"')
_CAPTION_RE = re.compile(r"<figcaption\b[^>]*>(.*?)</figcaption>", re.S)
#: a caption says what the figure shows and with which parameters: a few words at least
MIN_CAPTION_WORDS = 4


def figure_caption_problems(folder: str | Path) -> list[str]:
    """Every figure of a written report (its HTML pages) without a real caption, one line each.

    A figure must be an ``<img>`` inside ``<figure>`` with a ``<figcaption>`` of at least
    :data:`MIN_CAPTION_WORDS` words that is not the image's file name (with or without
    ``.png``). An empty list: every figure is captioned.
    """
    import html as _html

    root = Path(folder)
    out = []
    for page in sorted(root.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        rel = page.relative_to(root).as_posix()
        inside = 0
        for fig in _FIGURE_RE.findall(text):
            imgs = _IMG_RE.findall(fig)
            inside += len(imgs)
            caps = _CAPTION_RE.findall(fig)
            cap = _html.unescape(re.sub(r"<[^>]+>", "", caps[0])).strip() if caps else ""
            for img in imgs:
                src = _html.unescape((_SRC_RE.findall(img) or [""])[0])
                name = src.rsplit("/", 1)[-1]
                if not cap:
                    out.append(f"{rel}: {src}: no caption")
                elif cap in (name, name.removesuffix(".png")) or len(cap.split()) < MIN_CAPTION_WORDS:
                    out.append(f"{rel}: {src}: caption {cap!r} is only a file name or too short to say what "
                               f"the figure shows and with which parameters")
        outside = len(_IMG_RE.findall(text)) - inside
        if outside:
            out.append(f"{rel}: {outside} image(s) outside a <figure> with a caption")
    return out


def write_reports(
    out: str | Path,
    *,
    table: Mapping[str, Comparison] | None = None,
    claims: Mapping[str, Claim] | None = None,
    evidence_list: Iterable[Evidence] | None = None,
    pages: Iterable[ExtraPage] | None = None,
    source: str = "theory.report",
    coverage: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Written:
    """Write the report into ``out`` atomically, keeping what a poorer run would lose.

    Args:
        out: The report folder: new, empty, or a report written here before.
        table: claim id → Comparison; default the (cached) verdict table.
        claims: claim id → Claim; default ``theory.claims.CLAIMS``.
        evidence_list: Evidence; default what :func:`record_evidence` collected.
        pages: Extra pages; default what :func:`add_page` collected.
        source: Which run writes the report, shown on the index.
        coverage: ``{"modules_all": [...], "modules_run": [...], "complete": bool}``
            from ``pytest verify/``; None: no verify module ran (symbolic only).
        progress: Called with one-line progress messages.

    Returns:
        The folder and its manifest.

    Raises:
        ValueError: If ``out`` is a file, not writable, or a folder that is not a report.
    """
    say = progress or (lambda _m: None)
    out = check_report_folder(out)
    from theory.cache import load_rendered_math

    load_rendered_math()  # the claim pages' math, rendered where each module was derived
    cov = dict(coverage or {})
    complete = bool(cov.get("complete"))
    table_, claims_, evs = _resolve(table, claims, evidence_list)
    pages_ = _ev.extra_pages() if pages is None else sorted(pages, key=lambda p: p.slug)
    n_ev, n_pages = len(evs), len(pages_)
    covered = set(cov.get("modules_run", []))
    modules_all = set(cov.get("modules_all", []))
    carried_ev = carried_pages = 0
    if not complete and out.is_dir():
        old_evs, old_pages, old_manifest = _read_old(out)
        evs, pages_, carried_ev, carried_pages = _ev.merge(evs, pages_, old_evs, old_pages)
        pages_ = sorted(pages_, key=lambda p: p.slug)
        if old_manifest and (carried_ev or carried_pages):
            covered |= set(old_manifest.get("modules_covered", []))
            modules_all = modules_all or set(old_manifest.get("modules_all", []))
    manifest = {
        "format": _MANIFEST_FORMAT,
        "source": source,
        "complete": complete,
        "modules_all": sorted(modules_all),
        "modules_run": sorted(cov.get("modules_run", [])),
        "modules_covered": sorted(covered),
        "evidence_new": n_ev,
        "evidence_carried": carried_ev,
        "pages_new": n_pages,
        "pages_carried": carried_pages,
    }
    tmp = new_build_folder(out)
    try:
        # First a .gitignore that keeps a left-over build folder out of `git status`.
        _write_text(tmp / ".gitignore", "*\n")
        _build(tmp, table_, claims_, evs, pages_, manifest, say)
        swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Written(out, manifest)
