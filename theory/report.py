"""Derivation reports: ``verdicts.json``, a verdict table and one page per claim.

``pytest verify/`` calls :func:`write_reports` at the end of the session (see
``verify/conftest.py``). The report folder holds:

- ``index.md`` / ``index.html``: counts per verdict and the verdict table (claim,
  equation, statement, verdict, routes compared, worst error seen, link to the
  claim's page), then links to the extra pages;
- ``claims/<id>.md`` / ``claims/<id>.html``: the printed statement (verbatim LaTeX
  and the transcribed SymPy form), assumptions, the comparison printed vs derived,
  for an erratum the printed and corrected forms side by side with the
  counterexample (50 and 100 digits), the regime, the derivation steps with each
  step's check labelled *proof (exact)* or *numeric evidence (N points, D digits)*,
  the evidence the suite recorded, and its figures;
- ``pages/<slug>.md`` / ``.html``: extra pages (breakdown probes, empirical results);
- ``figures/``: PNG figures recorded with the evidence;
- ``verdicts.json``: one object per claim, byte-identical across reruns with the
  same seed (sorted keys, floats rounded, no timestamps).

Markdown renders its math with ``$$`` blocks (GitHub); HTML is self-contained
(inline CSS, MathML from SymPy, no scripts, nothing fetched) and opens from disk.

Tests record numeric evidence while they run (module-level registry)::

    from theory.report import record_evidence
    record_evidence("eq12_alpha", route="engine fixed point vs printed Eq. 12",
                    description="20 hypothesis examples", max_rel_error=3e-13)

Writing is atomic: everything is built in a temporary sibling folder which then
replaces the target (``renameat2(RENAME_EXCHANGE)`` where the kernel has it, else
two renames with a ``.old`` copy that the next run recovers), so a killed run
leaves the previous report intact.

Evidence recorded in pytest-xdist workers stays in those workers: run the suite in
one process (the default) for complete reports.
"""

from __future__ import annotations

import ctypes
import html
import io
import json
import math
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sympy as sp

from theory.claims import CLAIMS, Claim
from theory.derivation import COUNTEREXAMPLE_RTOL, Check, Comparison, Verdict

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

__all__ = [
    "Evidence",
    "ExtraPage",
    "add_page",
    "check_label",
    "evidence",
    "extra_pages",
    "figure_png",
    "record_evidence",
    "reset_evidence",
    "verdict_records",
    "write_reports",
]

# Floats in verdicts.json keep 6 significant digits: enough to read an error's size,
# and it hides last-bit differences of float arithmetic (BLAS, CPU) that would make a
# rerun with the same seed differ in bytes.
JSON_SIG_DIGITS = 6
# Expressions whose LaTeX is longer than this are not typeset: a page of ten
# thousand symbols helps no reader and stalls the browser.
MAX_MATH_CHARS = 20_000
# Marker file that identifies a folder as a report, so that write_reports never
# replaces a folder that is not one (e.g. ``--reports .``).
_MARKER = ".gsv-report"
_REPORT_ENTRIES = {"verdicts.json", "index.md", "index.html", "claims", "figures", "pages",
                   _MARKER, ".gitignore"}
# A temporary build folder older than this is left over from a killed run.
_STALE_TMP_S = 3600.0
NOT_DERIVED = "not derived"
_VERDICT_ORDER = [v.value for v in Verdict] + [NOT_DERIVED]
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


# ------------------------------------------------------------------ evidence registry


@dataclass(frozen=True)
class Evidence:
    """Numeric evidence for one claim, recorded by a test of ``verify/``.

    Attributes:
        claim_id: The claim (a key of ``theory.claims.CLAIMS``).
        route: Which two routes were compared, e.g. ``"engine fixed point vs printed"``.
        description: What was done (how many examples, which parameters).
        max_abs_error: Largest absolute difference seen, if measured.
        max_rel_error: Largest relative difference seen, if measured.
        figure_name: File name (without ``.png``) of the figure, if any.
        figure_png: The figure rendered to PNG bytes at record time, if any.
    """

    claim_id: str
    route: str
    description: str
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    figure_name: str | None = None
    figure_png: bytes | None = None


@dataclass(frozen=True)
class ExtraPage:
    """An extra report page (breakdown probes, empirical results).

    Attributes:
        slug: File stem, ``pages/<slug>.md``.
        title: Page title, shown in the index.
        body: Markdown body (written as given into the ``.md`` page; converted to
            HTML for the ``.html`` page).
        figures: ``(name, png bytes)`` pairs, written to ``pages/<slug>/<name>.png``.
        files: ``(name, bytes)`` pairs (e.g. CSV grids), written to ``pages/<slug>/<name>``.
    """

    slug: str
    title: str
    body: str
    figures: tuple[tuple[str, bytes], ...] = ()
    files: tuple[tuple[str, bytes], ...] = ()


_LOCK = threading.Lock()
_EVIDENCE: list[Evidence] = []
_PAGES: dict[str, ExtraPage] = {}


def figure_png(figure: Any) -> bytes:
    """Render a matplotlib Figure to deterministic PNG bytes (Agg), or pass PNG bytes.

    PNG from the Agg renderer carries no date; the ``Software`` text chunk (the
    matplotlib version) is dropped so that the bytes do not depend on it either.

    Raises:
        ValueError: If ``figure`` is neither a Figure nor PNG bytes.
    """
    if isinstance(figure, (bytes, bytearray)):
        if not bytes(figure).startswith(_PNG_SIGNATURE):
            raise ValueError("figure: bytes must be a PNG image (missing PNG signature)")
        return bytes(figure)
    from matplotlib.figure import Figure

    if not isinstance(figure, Figure):
        raise ValueError(f"figure must be a matplotlib Figure or PNG bytes, got {type(figure).__name__}")
    buf = io.BytesIO()
    # savefig to "png" renders with Agg whatever the interactive backend is, and
    # leaves the figure's own canvas alone.
    figure.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _check_error(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a non-negative float or None, got {value!r}") from None
    if math.isnan(v) or v < 0:
        raise ValueError(f"{name} must be a non-negative float or None (NaN not allowed), got {value!r}")
    return v


def record_evidence(
    claim_id: str,
    *,
    route: str,
    description: str,
    max_abs_error: float | None = None,
    max_rel_error: float | None = None,
    figure: Figure | bytes | None = None,
    figure_name: str | None = None,
) -> Evidence:
    """Record numeric evidence for a claim; it appears on the claim's page and index row.

    Args:
        claim_id: A key of ``theory.claims.CLAIMS``.
        route: The two routes compared, e.g. ``"engine fixed point vs printed Eq. 12"``.
        description: What was compared, e.g. ``"20 hypothesis examples, s ∈ [0.1, 10]"``.
        max_abs_error: Largest absolute difference seen (≥ 0; ``inf`` allowed).
        max_rel_error: Largest relative difference seen (≥ 0; ``inf`` allowed).
        figure: A matplotlib Figure (rendered to PNG now, so the caller may close it)
            or PNG bytes.
        figure_name: File stem for the figure (letters, digits, ``_.-``); default
            derived from the route.

    Returns:
        The stored record.

    Raises:
        ValueError: For an unknown claim id, an empty route/description, a negative
            or NaN error, a bad figure name or a figure that is not a Figure/PNG.
    """
    if not isinstance(claim_id, str) or claim_id not in CLAIMS:
        raise ValueError(f"claim_id must be a key of theory.claims.CLAIMS, got {claim_id!r}")
    if not isinstance(route, str) or not route.strip():
        raise ValueError("route must be a non-empty string naming the two routes compared")
    if not isinstance(description, str) or not description.strip():
        raise ValueError("description must be a non-empty string")
    ab = _check_error("max_abs_error", max_abs_error)
    rel = _check_error("max_rel_error", max_rel_error)
    png = None
    name = None
    if figure is not None:
        png = figure_png(figure)
        name = figure_name if figure_name is not None else (_slugify(route) or "figure")
        name = name[:-4] if name.endswith(".png") else name
        if not _NAME_RE.match(name) or ".." in name:
            raise ValueError(f"figure_name must match {_NAME_RE.pattern} (no '..'), got {figure_name!r}")
    elif figure_name is not None:
        raise ValueError("figure_name given without a figure")
    ev = Evidence(claim_id, route.strip(), description.strip(), ab, rel, name, png)
    with _LOCK:
        _EVIDENCE.append(ev)
    return ev


def add_page(
    slug: str,
    title: str,
    markdown_body: str,
    figures: Mapping[str, Figure | bytes] | None = None,
    files: Mapping[str, bytes | str] | None = None,
) -> ExtraPage:
    """Add an extra page to the report (linked from the index); same slug replaces.

    Figures are written to ``pages/<slug>/<name>.png``: the body may show one with
    ``![caption](<slug>/<name>.png)``; figures it does not reference are appended
    under "Figures". ``files`` (e.g. CSV grids) go to ``pages/<slug>/<name>`` and are
    linked under "Data files".

    Args:
        slug: File stem: lowercase letters, digits, ``_``, ``-`` (≤ 64 characters).
        title: Page title.
        markdown_body: The page in Markdown (GitHub flavour; ``$$`` math allowed).
        figures: name → matplotlib Figure (rendered now) or PNG bytes.
        files: name → bytes or text, attached to the page.

    Raises:
        ValueError: For a bad slug, an empty title, a bad figure/file name or figure.
    """
    if not isinstance(slug, str) or not _SLUG_RE.match(slug):
        raise ValueError(f"slug must match {_SLUG_RE.pattern}, got {slug!r}")
    if not isinstance(title, str) or not title.strip():
        raise ValueError("title must be a non-empty string")
    if not isinstance(markdown_body, str):
        raise ValueError("markdown_body must be a string")
    figs = []
    for name, fig in (figures or {}).items():
        stem = name[:-4] if name.endswith(".png") else name
        if not _NAME_RE.match(stem) or ".." in stem:
            raise ValueError(f"figures: name must match {_NAME_RE.pattern}, got {name!r}")
        figs.append((stem, figure_png(fig)))
    atts = []
    for name, data in (files or {}).items():
        if not _NAME_RE.match(name) or ".." in name or name.endswith(".png") and name[:-4] in dict(figs):
            raise ValueError(f"files: name must match {_NAME_RE.pattern} and not clash with a figure, got {name!r}")
        atts.append((name, data.encode() if isinstance(data, str) else bytes(data)))
    page = ExtraPage(slug, title.strip(), markdown_body, tuple(figs), tuple(atts))
    with _LOCK:
        _PAGES[slug] = page
    return page


def reset_evidence() -> None:
    """Forget all recorded evidence and extra pages (start of a session, unit tests)."""
    with _LOCK:
        _EVIDENCE.clear()
        _PAGES.clear()


def evidence() -> list[Evidence]:
    """A copy of the evidence recorded so far, in recording order."""
    with _LOCK:
        return list(_EVIDENCE)


def extra_pages() -> list[ExtraPage]:
    """A copy of the extra pages added so far, sorted by slug."""
    with _LOCK:
        return [_PAGES[k] for k in sorted(_PAGES)]


# ------------------------------------------------------------------------ records


def _round_sig(x: float | None) -> float | str | None:
    """Round to JSON_SIG_DIGITS significant digits (see there why); ±inf/NaN → string."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return str(x)  # JSON has no inf/NaN; "inf" keeps the fact readable
    return float(f"{x:.{JSON_SIG_DIGITS - 1}e}")


def _max_opt(values: Iterable[float | None]) -> float | None:
    vals = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    return max(vals) if vals else None


def _sorted_evidence(evs: Iterable[Evidence]) -> list[Evidence]:
    # Sorted so that pages and JSON do not depend on the order tests ran in.
    return sorted(evs, key=lambda e: (e.route, e.description))


def _group_evidence(evs: Iterable[Evidence]) -> dict[str, list[Evidence]]:
    out: dict[str, list[Evidence]] = {}
    for ev in evs:
        out.setdefault(ev.claim_id, []).append(ev)
    return {k: _sorted_evidence(v) for k, v in out.items()}


def worst_errors(comp: Comparison | None, evs: Iterable[Evidence] = ()) -> tuple[float | None, float | None]:
    """Worst (absolute, relative) error seen: max over the comparison check and evidence."""
    evs = list(evs)
    chk = comp.check if comp is not None else None
    ab = _max_opt([chk.max_abs_error if chk else None] + [e.max_abs_error for e in evs])
    rel = _max_opt([chk.max_rel_error if chk else None] + [e.max_rel_error for e in evs])
    return ab, rel


def _routes(comp: Comparison | None, evs: Iterable[Evidence]) -> list[str]:
    out: list[str] = []
    if comp is not None and comp.routes:
        out.append(" vs ".join(comp.routes))
    for ev in evs:
        if ev.route not in out:
            out.append(ev.route)
    return out


def _verdict_of(comp: Comparison | None) -> str:
    if comp is None:
        return NOT_DERIVED
    v = comp.verdict
    return v.value if isinstance(v, Verdict) else str(v)


def _resolve(
    table: Mapping[str, Comparison] | None,
    claims: Mapping[str, Claim] | None,
    evidence_list: Iterable[Evidence] | None,
) -> tuple[dict[str, Comparison], dict[str, Claim], list[Evidence]]:
    if claims is None:
        claims = CLAIMS
    if table is None:
        from theory.verdicts import verdict_table

        table = verdict_table()
    evs = evidence() if evidence_list is None else list(evidence_list)
    return dict(table), dict(claims), evs


def _ids(table: Mapping[str, Comparison], claims: Mapping[str, Claim]) -> list[str]:
    # Paper order (the claims' order), then comparisons of unknown claims, sorted.
    return list(claims) + sorted(k for k in table if k not in claims)


def verdict_records(
    table: Mapping[str, Comparison] | None = None,
    claims: Mapping[str, Claim] | None = None,
    evidence_list: Iterable[Evidence] | None = None,
) -> list[dict[str, Any]]:
    """One machine-readable object per claim, in paper order (deterministic).

    Keys: ``id``, ``equation``, ``section``, ``title``, ``verdict``, ``routes``,
    ``check`` (method of the printed-vs-derived check), ``max_abs_error`` and
    ``max_rel_error`` (worst over that check and the recorded evidence, rounded to
    JSON_SIG_DIGITS significant digits), ``evidence`` (number of evidence records),
    ``regime`` and ``notes``.

    Args:
        table: claim id → Comparison; default ``theory.verdicts.verdict_table()``.
        claims: claim id → Claim; default ``theory.claims.CLAIMS``.
        evidence_list: Evidence records; default the registry of :func:`record_evidence`.
    """
    table, claims, evs = _resolve(table, claims, evidence_list)
    by_claim = _group_evidence(evs)
    out = []
    for cid in _ids(table, claims):
        claim, comp, cev = claims.get(cid), table.get(cid), by_claim.get(cid, [])
        ab, rel = worst_errors(comp, cev)
        chk = comp.check if comp is not None else None
        out.append({
            "id": cid,
            "equation": claim.equation if claim else None,
            "section": claim.section if claim else None,
            "title": claim.title if claim else None,
            "verdict": _verdict_of(comp),
            "routes": _routes(comp, cev),
            "check": chk.method if chk else None,
            "max_abs_error": _round_sig(ab),
            "max_rel_error": _round_sig(rel),
            "evidence": len(cev),
            "regime": comp.regime if comp is not None else "",
            "notes": comp.notes if comp is not None else "",
        })
    return out


def verdicts_json(records: list[dict[str, Any]]) -> str:
    """Serialise records deterministically (sorted keys, fixed layout, UTF-8 text)."""
    return json.dumps(records, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


# ------------------------------------------------------------------------ escaping


# CommonMark lets every ASCII punctuation character be backslash-escaped; these are
# the ones that can start markup inline ($ for GitHub math, | for tables).
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|$~&#!])")


def md_escape(text: Any, block: bool = False) -> str:
    """Escape text for Markdown inline use (newlines become spaces).

    Args:
        text: Any text.
        block: The text starts a paragraph, so a leading list or heading marker
            must be escaped too.
    """
    s = " ".join(str(text).split())
    s = _MD_SPECIAL.sub(r"\\\1", s)
    if not block:
        return s
    # A leading "-", "+", "=" or "1." would start a list or heading: escape the
    # punctuation ("1\\." renders "1."; a backslash before a digit would show).
    s = re.sub(r"^([-+=])", r"\\\1", s)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", s)


def md_code(text: Any) -> str:
    """An inline code span that survives backticks and pipes in ``text``."""
    s = " ".join(str(text).split()).replace("|", "\\|")
    run = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (run + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def md_fence(text: str, lang: str = "") -> str:
    """A fenced code block that survives backtick runs in ``text``."""
    run = max((len(m) for m in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (run + 1)
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


def h(text: Any) -> str:
    """Escape text for HTML (element content and quoted attributes)."""
    return html.escape(str(text), quote=True)


def _slugify(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s[:60]


def _safe_stem(cid: str) -> str:
    """A file stem for a claim id (ids are identifiers; others are made safe, stably)."""
    if re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", cid) and ".." not in cid:
        return cid
    import hashlib

    digest = hashlib.sha256(cid.encode()).hexdigest()[:8]
    return (_slugify(cid) or "claim") + "-" + digest


# ----------------------------------------------------------------------------- math


def _split_matrix_eq(label: str | None, obj: Any) -> list[tuple[str | None, Any]]:
    # Eq(vector, vector) typesets as one very wide line; one equation per entry reads better.
    if (isinstance(obj, sp.Equality) and isinstance(obj.lhs, sp.MatrixBase)
            and isinstance(obj.rhs, sp.MatrixBase) and obj.lhs.shape == obj.rhs.shape
            and 1 < len(obj.lhs) <= 16 and 1 in obj.lhs.shape):
        return [(label, sp.Eq(a, b, evaluate=False)) for a, b in zip(obj.lhs, obj.rhs, strict=True)]
    return [(label, obj)]


def _math_parts(obj: Any) -> list[tuple[str | None, Any]]:
    """Split a printed/derived object into labelled parts (dicts, sequences, Eq of vectors)."""
    if isinstance(obj, Mapping):
        parts = [(str(k), v) for k, v in obj.items()]
    elif isinstance(obj, (list, tuple)):
        parts = [(f"[{i}]", v) for i, v in enumerate(obj)]
    else:
        parts = [(None, obj)]
    return [q for lab, v in parts for q in _split_matrix_eq(lab, v)]


_FALSE_NOTE = ("this expression is the constant False: an Eq(…) between a symbol and a "
               "matrix (or other unequal objects) built without evaluate=False collapses to False")


def _is_false(obj: Any) -> bool:
    # A step or form that SymPy evaluated to False lost its content; say so on the page.
    return obj is False or obj is sp.false


def _is_prose(obj: Any) -> bool:
    """A string with no LaTeX markup is prose (e.g. "positive definite"), not math."""
    return isinstance(obj, str) and not re.search(r"[\\^_{}]", obj)


def to_latex(obj: Any) -> str:
    """LaTeX of a SymPy object; a string is taken to be LaTeX already."""
    if isinstance(obj, str):
        return obj
    try:
        return sp.latex(obj)
    except Exception:  # noqa: BLE001 - a non-SymPy object: show its text
        return r"\text{" + str(obj).replace("\\", "").replace("{", "").replace("}", "") + "}"


_TOKEN_RE = re.compile(r"<(mi|mn|mo|mtext|ms)((?:\s[^<>]*)?)>(.*?)</\1>", re.S)


def _fix_mathml_tokens(m: re.Match[str]) -> str:
    # SymPy leaves "<" and ">" of relationals unescaped (<mo><</mo>) and uses
    # named entities; normalise token text to characters and re-escape.
    tag, attrs, text = m.group(1), m.group(2), m.group(3)
    return f"<{tag}{attrs}>{html.escape(html.unescape(text), quote=False)}</{tag}>"


def to_mathml(obj: Any, display: str = "block") -> str | None:
    """Presentation MathML (``<math>`` element) of a SymPy object, or None if impossible."""
    if isinstance(obj, str) or obj is None:
        return None
    try:
        expr = sp.sympify(obj) if not isinstance(obj, sp.Basic) else obj
        inner = sp.printing.mathml(expr, printer="presentation")
    except Exception:  # noqa: BLE001 - fall back to showing LaTeX source
        return None
    inner = _TOKEN_RE.sub(_fix_mathml_tokens, inner)
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{display}">{inner}</math>'


def _md_math_block(obj: Any) -> str:
    if _is_false(obj):
        return f"**Warning:** {md_escape(_FALSE_NOTE)}"
    if _is_prose(obj):
        return md_escape(obj, block=True)
    tex = " ".join(to_latex(obj).split())
    if len(tex) > MAX_MATH_CHARS:
        return f"*(expression of {len(tex)} LaTeX characters; too large to typeset)*"
    # GitHub: a "$$" block must not contain a blank line; "$$" inside would end it.
    return "$$\n" + tex.replace("$$", r"\$\$") + "\n$$"


def _md_math_inline(obj: Any) -> str:
    if _is_prose(obj):
        return md_escape(obj)
    tex = " ".join(to_latex(obj).split())
    if len(tex) > MAX_MATH_CHARS:
        return f"*(expression of {len(tex)} LaTeX characters)*"
    # Inside a table cell "|" would split the cell.
    return "$" + tex.replace("|", r"\|").replace("$", r"\$") + "$"


def _html_math(obj: Any, display: str = "block") -> str:
    if _is_false(obj):
        return f'<p class="warn">Warning: {h(_FALSE_NOTE)}</p>' if display == "block" else h("False")
    if _is_prose(obj):
        return f'<p class="prose-part">{h(obj)}</p>' if display == "block" else h(obj)
    tex = to_latex(obj)
    if len(tex) > MAX_MATH_CHARS:
        return f'<p class="muted">(expression of {len(tex)} LaTeX characters; too large to typeset)</p>'
    mml = to_mathml(obj, display)
    if mml is not None:
        cls = "math-block" if display == "block" else "math-inline"
        return f'<div class="{cls}">{mml}</div>' if display == "block" else f'<span class="{cls}">{mml}</span>'
    # LaTeX strings (and objects SymPy cannot print as MathML) are shown as source.
    return f'<pre class="latex" title="LaTeX source">{h(tex)}</pre>'


def _md_math_parts(obj: Any) -> list[str]:
    out = []
    for label, part in _math_parts(obj):
        if label is not None:
            out.append(f"*{md_escape(label)}:*")
            out.append("")
        out.append(_md_math_block(part))
        out.append("")
    return out


def _html_math_parts(obj: Any) -> str:
    out = []
    for label, part in _math_parts(obj):
        if label is not None:
            out.append(f'<div class="part-label">{h(label)}:</div>')
        out.append(_html_math(part))
    return "\n".join(out)


# --------------------------------------------------------------------------- checks


def check_label(chk: Check | None) -> str:
    """How a check reads in the report: a proof, numeric evidence, or a counterexample."""
    if chk is None:
        return "no check (definition or assumption)"
    if chk.method == "exact":
        return "proof (exact)" if chk.passed else "exact check FAILED"
    if chk.method == "numeric":
        lab = f"numeric evidence ({chk.points} points, {chk.dps} digits)"
        return lab if chk.passed else lab + " — FAILED"
    if chk.method == "counterexample":
        return "counterexample (the two forms differ)"
    return f"{chk.method} ({'passed' if chk.passed else 'FAILED'})"


def _fmt_err(x: float | None) -> str:
    return "—" if x is None else f"{x:.3g}"


def _fmt_worst(ab: float | None, rel: float | None, proof: bool = False) -> str:
    if ab is None and rel is None:
        # An exact proof has no numeric error; say so rather than leave a blank.
        return "none (exact proof)" if proof else "—"
    parts = []
    if rel is not None:
        parts.append(f"rel {rel:.3g}")
    if ab is not None:
        parts.append(f"abs {ab:.3g}")
    return ", ".join(parts)


def _is_proof(comp: Comparison | None) -> bool:
    return comp is not None and comp.check is not None and comp.check.is_proof


def _check_errors(chk: Check) -> str:
    bits = []
    if chk.max_abs_error is not None:
        bits.append(f"max abs error {chk.max_abs_error:.3g}")
    if chk.max_rel_error is not None:
        bits.append(f"max rel error {chk.max_rel_error:.3g}")
    return "; ".join(bits)


def _md_check(chk: Check | None) -> str:
    lab = f"**Check: {md_escape(check_label(chk))}**"
    if chk is None:
        return lab
    extra = " — ".join(x for x in (md_escape(chk.detail), md_escape(_check_errors(chk))) if x)
    return lab + (f" — {extra}" if extra else "")


def _html_check(chk: Check | None) -> str:
    if chk is None:
        cls = "none"
    elif chk.method == "exact" and chk.passed:
        cls = "proof"
    elif chk.method == "counterexample":
        cls = "cx"
    elif chk.passed:
        cls = "evidence"
    else:
        cls = "failed"
    out = f'<div class="check {cls}"><span class="check-label">{h(check_label(chk))}</span>'
    if chk is not None:
        if chk.detail:
            out += f" — {h(chk.detail)}"
        errs = _check_errors(chk)
        if errs:
            out += f' <span class="errs">({h(errs)})</span>'
    return out + "</div>"


# ----------------------------------------------------------------- counterexample


_CX_ROWS = (("printed", "printed_50", "printed_100"), ("derived", "derived_50", "derived_100"))


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _differs(a: Any, b: Any) -> str:
    """"≠" where two printed values differ by more than COUNTEREXAMPLE_RTOL (display aid)."""
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return "" if str(a) == str(b) else "≠"
    scale = max(abs(x), abs(y))
    return "≠" if scale > 0 and abs(x - y) / scale > float(COUNTEREXAMPLE_RTOL) else ""


def _cx_table(cx: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Header and rows (plain text) of a counterexample: values at 50 and 100 digits.

    Rows go entry by entry (printed, then derived), so that the two values of one
    matrix entry sit next to each other; the last column marks entries that differ.
    """
    head = ["entry", "form", "50 digits", "100 digits", "differs"]
    cols = {form: (_as_list(cx.get(k50)), _as_list(cx.get(k100))) for form, k50, k100 in _CX_ROWS}
    n = max(len(v) for pair in cols.values() for v in pair)
    rows = []
    for i in range(n):
        p50 = cols["printed"][0][i] if i < len(cols["printed"][0]) else None
        d50 = cols["derived"][0][i] if i < len(cols["derived"][0]) else None
        mark = _differs(p50, d50) if p50 is not None and d50 is not None else ""
        for form, (v50, v100) in cols.items():
            if not v50 and not v100:
                continue
            rows.append([str(i), form, str(v50[i]) if i < len(v50) else "—",
                         str(v100[i]) if i < len(v100) else "—", mark])
    return head, rows


def _cx_point(cx: Mapping[str, Any]) -> str:
    pt = cx.get("point") or {}
    if isinstance(pt, Mapping):
        return ", ".join(f"{k} = {v}" for k, v in pt.items()) or "(no free symbols)"
    return str(pt)


def _cx_extra(cx: Mapping[str, Any]) -> list[tuple[str, str]]:
    known = {"point", "rel_diff"} | {k for row in _CX_ROWS for k in row[1:]}
    return [(str(k), str(v)) for k, v in cx.items() if k not in known]


def _md_counterexample(cx: Mapping[str, Any]) -> list[str]:
    out = ["### Counterexample", ""]
    rel = cx.get("rel_diff")
    out.append(f"At {md_escape(_cx_point(cx))}" + (
        f" the relative difference is {md_escape(f'{float(rel):.3g}')} (confirmed at 100 digits)." if rel is not None else "."))
    out.append("")
    head, rows = _cx_table(cx)
    if rows:
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        out += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
        out.append("")
    for k, v in _cx_extra(cx):
        out += [f"- {md_escape(k, block=True)}: {md_escape(v)}"]
    return out + [""]


def _html_counterexample(cx: Mapping[str, Any]) -> str:
    rel = cx.get("rel_diff")
    out = ['<h3>Counterexample</h3>', f"<p>At <code>{h(_cx_point(cx))}</code>" + (
        f" the relative difference is <b>{h(f'{float(rel):.3g}')}</b> (confirmed at 100 digits).</p>"
        if rel is not None else ".</p>")]
    head, rows = _cx_table(cx)
    if rows:
        out.append('<table class="cx"><thead><tr>' + "".join(f"<th>{h(c)}</th>" for c in head) + "</tr></thead><tbody>")
        out += ["<tr>" + "".join(f'<td class="num">{h(c)}</td>' if j in (2, 3) else f"<td>{h(c)}</td>"
                                 for j, c in enumerate(r)) + "</tr>" for r in rows]
        out.append("</tbody></table>")
    extra = _cx_extra(cx)
    if extra:
        out.append("<ul>" + "".join(f"<li>{h(k)}: {h(v)}</li>" for k, v in extra) + "</ul>")
    return "\n".join(out)


# ------------------------------------------------------------------------ figures


def _assign_figure_names(evs: list[Evidence]) -> list[str | None]:
    """A unique file stem per figure of one claim (later duplicates get -2, -3...)."""
    seen: dict[str, int] = {}
    out: list[str | None] = []
    for ev in evs:
        if ev.figure_png is None:
            out.append(None)
            continue
        base = ev.figure_name or "figure"
        n = seen.get(base, 0) + 1
        seen[base] = n
        out.append(base if n == 1 else f"{base}-{n}")
    return out


# -------------------------------------------------------------------------- pages


_VERDICT_CLASS = {
    "verified": "v-verified",
    "erratum": "v-erratum",
    "refuted": "v-refuted",
    "holds-only-in-regime": "v-regime",
    NOT_DERIVED: "v-none",
}

_CSS = """
:root { --fg:#1b1f24; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --soft:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 1.2rem 1.5rem 3rem; }
nav { font-size: .9rem; margin-bottom: .6rem; }
h1 { font-size: 1.6rem; margin: .3rem 0 .6rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 1.8rem; }
h3 { font-size: 1.05rem; margin-top: 1.2rem; }
a { color: #0b63c5; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem;
      overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
table { border-collapse: collapse; margin: .6rem 0; width: 100%; }
th, td { border: 1px solid var(--line); padding: .35rem .55rem; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85em; word-break: break-all; }
.badge { display: inline-block; padding: .08rem .55rem; border-radius: 999px; font-weight: 600;
         font-size: .85rem; white-space: nowrap; border: 1px solid transparent; }
.v-verified { background: #dafbe1; color: #116329; border-color: #9be9a8; }
.v-erratum { background: #fff1c2; color: #7a4a00; border-color: #f2cc60; }
.v-refuted { background: #ffe2e0; color: #a40e26; border-color: #ff9a94; }
.v-regime { background: #ddf4ff; color: #0a3069; border-color: #80ccff; }
.v-none { background: #eaeef2; color: #424a53; border-color: #afb8c1; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0 1rem; }
.counts .badge { font-size: .95rem; padding: .2rem .8rem; }
.meta { color: var(--muted); }
.muted { color: var(--muted); }
.math-block { overflow-x: auto; padding: .35rem 0; }
math[display="block"] { font-size: 1.12em; }
.part-label { color: var(--muted); font-style: italic; margin-top: .4rem; }
pre.latex { background: #fbfbfd; }
.check { margin: .3rem 0 .2rem; padding: .3rem .6rem; border-left: 4px solid var(--line);
         background: var(--soft); font-size: .92rem; }
.check-label { font-weight: 600; }
.check.proof { border-left-color: #1a7f37; }
.check.evidence { border-left-color: #0969da; }
.check.cx { border-left-color: #bf8700; }
.check.failed { border-left-color: #cf222e; background: #fff5f5; }
.errs { color: var(--muted); }
.step { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; margin: .7rem 0; }
.step-head { font-weight: 600; }
.sbs { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
.sbs > div { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .8rem; overflow-x: auto; }
.sbs h4 { margin: .1rem 0 .3rem; }
.sbs .wrong h4 { color: #a40e26; } .sbs .right h4 { color: #116329; }
.note { border-left: 4px solid #bf8700; background: #fff8e5; padding: .4rem .7rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .9rem; }
td.statement { max-width: 28rem; }
td.worst { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85em; white-space: nowrap; }
.warn { border: 1px solid #cf222e; background: #fff5f5; padding: .5rem .8rem; border-radius: 6px; }
"""


def _html_doc(title: str, body: str, back: str | None = None) -> str:
    nav = f'<nav><a href="{h(back)}">← verdict table</a></nav>\n' if back else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{h(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{nav}{body}\n</main>\n</body>\n</html>\n"
    )


def _badge(verdict: str) -> str:
    return f'<span class="badge {_VERDICT_CLASS.get(verdict, "v-none")}">{h(verdict)}</span>'


def _claim_heading(cid: str, claim: Claim | None) -> tuple[str, str]:
    if claim is None:
        return cid, f"{cid} (not in the claims list)"
    return cid, f"{claim.equation}: {claim.title}"


def _render_claim_md(cid: str, claim: Claim | None, comp: Comparison | None,
                     evs: list[Evidence], fig_names: list[str | None], fig_dir: str) -> str:
    verdict = _verdict_of(comp)
    _, heading = _claim_heading(cid, claim)
    L = ["[← verdict table](../index.md)", "", f"# {md_escape(heading)}", ""]
    meta = [f"claim {md_code(cid)}", f"**verdict: {md_escape(verdict)}**"]
    if claim is not None:
        meta += [md_escape(claim.section), f"kind: {md_escape(claim.kind)}"]
        if claim.order:
            meta.append(f"claimed order: {md_escape(claim.order)}")
    L += [" · ".join(meta), ""]
    routes = _routes(comp, evs)
    if routes:
        L += ["Routes compared: " + "; ".join(md_escape(r) for r in routes), ""]
    ab, rel = worst_errors(comp, evs)
    L += [f"Worst error seen: {md_escape(_fmt_worst(ab, rel, _is_proof(comp)))}", ""]

    if claim is not None:
        L += ["## As printed", "", md_escape(claim.statement, block=True), ""]
        if claim.latex:
            L += ["Verbatim from the paper (OCR text included):", "", md_fence(claim.latex, "latex"), ""]
        if claim.printed is not None:
            L += ["Transcribed form (SymPy, exactly as printed):", ""] + _md_math_parts(claim.printed)
        if claim.transcription_note:
            L += [f"> **Transcription note.** {md_escape(claim.transcription_note)}", ""]
        if claim.assumptions:
            L += ["Assumptions:", ""] + [f"- {md_escape(a, block=True)}" for a in claim.assumptions] + [""]

    if comp is None:
        L += ["## Comparison", "", "*No derivation compares this claim yet.*", ""]
    else:
        L += ["## Comparison: printed vs derived", ""]
        if comp.printed is not None:
            L += ["Printed:", ""] + _md_math_parts(comp.printed)
        if comp.derived is not None:
            L += ["Derived (from the definitions):", ""] + _md_math_parts(comp.derived)
        L += [_md_check(comp.check), ""]
        if comp.verdict == Verdict.ERRATUM or comp.corrected is not None:
            L += ["## Erratum: printed and corrected forms", ""]
            pp, cp = _math_parts(comp.printed), _math_parts(comp.corrected)
            labelled = any(lab is not None for lab, _ in pp + cp)
            L += ["| " * labelled + "| printed (as in the paper) | corrected |", "|---" * labelled + "|---|---|"]
            for i in range(max(len(pp), len(cp))):
                lab = (pp[i][0] if i < len(pp) else cp[i][0]) or ""
                a = _md_math_inline(pp[i][1]) if i < len(pp) else "—"
                b = _md_math_inline(cp[i][1]) if i < len(cp) else "—"
                L.append(f"| {md_escape(lab)} " * labelled + f"| {a} | {b} |")
            L += ["", "Corrected vs derived: " + _md_check(comp.corrected_check), ""]
        if comp.counterexample:
            L += _md_counterexample(comp.counterexample)
        if comp.verdict == Verdict.REGIME or comp.regime:
            L += ["## Regime", "", md_escape(comp.regime or "(not stated)", block=True), ""]
        d = comp.derivation
        if d is not None:
            L += [f"## Derivation: {md_escape(d.title)}", ""]
            if d.note:
                L += [md_escape(d.note, block=True), ""]
            for i, st in enumerate(d.steps, 1):
                L += [f"**Step {i}.** {md_escape(st.justification)}", ""]
                L += [_md_math_block(st.expr), ""]
                L += [_md_check(st.check), ""]
        if comp.notes:
            L += ["## Notes", "", md_escape(comp.notes, block=True), ""]

    if evs:
        L += ["## Numeric evidence recorded by the test suite", "",
              "| route | description | max abs error | max rel error |", "|---|---|---|---|"]
        for ev in evs:
            L.append(f"| {md_escape(ev.route)} | {md_escape(ev.description)} | "
                     f"{_fmt_err(ev.max_abs_error)} | {_fmt_err(ev.max_rel_error)} |")
        L.append("")
        for ev, name in zip(evs, fig_names, strict=True):
            if name is not None:
                L += [f"![{md_escape(ev.route)}]({fig_dir}/{name}.png)", "",
                      f"*{md_escape(ev.route)}: {md_escape(ev.description)}*", ""]
    return "\n".join(L).rstrip() + "\n"


def _render_claim_html(cid: str, claim: Claim | None, comp: Comparison | None,
                       evs: list[Evidence], fig_names: list[str | None], fig_dir: str) -> str:
    verdict = _verdict_of(comp)
    _, heading = _claim_heading(cid, claim)
    B = [f"<h1>{h(heading)}</h1>"]
    meta = [f"claim <code>{h(cid)}</code>", _badge(verdict)]
    if claim is not None:
        meta += [h(claim.section), f"kind: {h(claim.kind)}"]
        if claim.order:
            meta.append(f"claimed order: {h(claim.order)}")
    B.append('<p class="meta">' + " · ".join(meta) + "</p>")
    routes = _routes(comp, evs)
    if routes:
        B.append("<p>Routes compared: " + "; ".join(h(r) for r in routes) + "</p>")
    ab, rel = worst_errors(comp, evs)
    B.append(f"<p>Worst error seen: <b>{h(_fmt_worst(ab, rel, _is_proof(comp)))}</b></p>")

    if claim is not None:
        B += ["<h2>As printed</h2>", f"<p>{h(claim.statement)}</p>"]
        if claim.latex:
            B += ["<p>Verbatim from the paper (OCR text included):</p>",
                  f'<pre class="latex">{h(claim.latex)}</pre>']
        if claim.printed is not None:
            B += ["<p>Transcribed form (SymPy, exactly as printed):</p>", _html_math_parts(claim.printed)]
        if claim.transcription_note:
            B.append(f'<p class="note"><b>Transcription note.</b> {h(claim.transcription_note)}</p>')
        if claim.assumptions:
            B.append("<p>Assumptions:</p><ul>" + "".join(f"<li>{h(a)}</li>" for a in claim.assumptions) + "</ul>")

    if comp is None:
        B += ["<h2>Comparison</h2>", '<p class="muted">No derivation compares this claim yet.</p>']
    else:
        B.append("<h2>Comparison: printed vs derived</h2>")
        if comp.printed is not None:
            B += ["<p>Printed:</p>", _html_math_parts(comp.printed)]
        if comp.derived is not None:
            B += ["<p>Derived (from the definitions):</p>", _html_math_parts(comp.derived)]
        B.append(_html_check(comp.check))
        if comp.verdict == Verdict.ERRATUM or comp.corrected is not None:
            B += ["<h2>Erratum: printed and corrected forms</h2>",
                  '<div class="sbs"><div class="wrong"><h4>Printed (as in the paper)</h4>'
                  + _html_math_parts(comp.printed) + '</div><div class="right"><h4>Corrected</h4>'
                  + _html_math_parts(comp.corrected) + "</div></div>",
                  "<p>Corrected vs derived:</p>", _html_check(comp.corrected_check)]
        if comp.counterexample:
            B.append(_html_counterexample(comp.counterexample))
        if comp.verdict == Verdict.REGIME or comp.regime:
            B += ["<h2>Regime</h2>", f"<p>{h(comp.regime or '(not stated)')}</p>"]
        d = comp.derivation
        if d is not None:
            B.append(f"<h2>Derivation: {h(d.title)}</h2>")
            if d.note:
                B.append(f"<p>{h(d.note)}</p>")
            for i, st in enumerate(d.steps, 1):
                B.append(f'<div class="step"><div class="step-head">Step {i}. '
                         f'<span style="font-weight:400">{h(st.justification)}</span></div>'
                         f"{_html_math(st.expr)}{_html_check(st.check)}</div>")
        if comp.notes:
            B += ["<h2>Notes</h2>", f"<p>{h(comp.notes)}</p>"]

    if evs:
        B += ["<h2>Numeric evidence recorded by the test suite</h2>",
              "<table><thead><tr><th>route</th><th>description</th><th>max abs error</th>"
              "<th>max rel error</th></tr></thead><tbody>"]
        for ev in evs:
            B.append(f"<tr><td>{h(ev.route)}</td><td>{h(ev.description)}</td>"
                     f'<td class="num">{h(_fmt_err(ev.max_abs_error))}</td>'
                     f'<td class="num">{h(_fmt_err(ev.max_rel_error))}</td></tr>')
        B.append("</tbody></table>")
        for ev, name in zip(evs, fig_names, strict=True):
            if name is not None:
                B.append(f'<figure><img src="{h(fig_dir)}/{h(name)}.png" alt="{h(ev.route)}">'
                         f"<figcaption>{h(ev.route)}: {h(ev.description)}</figcaption></figure>")
    return _html_doc(f"{cid} — {heading}", "\n".join(B), back="../index.html")


def _counts(records: list[dict[str, Any]]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for r in records:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    order = _VERDICT_ORDER + sorted(k for k in counts if k not in _VERDICT_ORDER)
    return [(v, counts[v]) for v in order if counts.get(v)]


def _render_index_md(records, claims, stems, pages, orphans) -> str:
    L = ["# Gradient Starvation: verdicts", "",
         f"{len(records)} claims: " + ", ".join(
             f"**{c}** {md_escape(v)}" for v, c in _counts(records)), "",
         "A *proof* is an exact SymPy simplification; *numeric evidence* is evaluation at random "
         "admissible points in multi-digit arithmetic, or evidence recorded by the tests. "
         "Machine-readable: [verdicts.json](verdicts.json).", "",
         "| claim | equation | statement | verdict | routes compared | worst error seen | page |",
         "|---|---|---|---|---|---|---|"]
    for r in records:
        claim = claims.get(r["id"])
        stmt = claim.statement if claim else ""
        worst = _fmt_worst(_num(r["max_abs_error"]), _num(r["max_rel_error"]), r["check"] == "exact")
        L.append(f"| {md_code(r['id'])} | {md_escape(r['equation'] or '')} | {md_escape(stmt)} | "
                 f"**{md_escape(r['verdict'])}** | {md_escape('; '.join(r['routes']) or '—')} | "
                 f"{md_escape(worst)} | [page](claims/{stems[r['id']]}.md) |")
    L.append("")
    if pages:
        L += ["## Further pages", ""] + [f"- [{md_escape(p.title)}](pages/{p.slug}.md)" for p in pages] + [""]
    if orphans:
        L += ["## Evidence recorded for unknown claim ids", "",
              "| claim id | route | description |", "|---|---|---|"]
        L += [f"| {md_code(e.claim_id)} | {md_escape(e.route)} | {md_escape(e.description)} |" for e in orphans]
        L.append("")
    return "\n".join(L).rstrip() + "\n"


def _num(x: Any) -> float | None:
    if x is None:
        return None
    return float(x)  # "inf" strings parse too


def _render_index_html(records, claims, stems, pages, orphans) -> str:
    B = ["<h1>Gradient Starvation: verdicts</h1>",
         f"<p>{len(records)} claims.</p>",
         '<div class="counts">' + "".join(
             f'<span class="badge {_VERDICT_CLASS.get(v, "v-none")}">{h(v)}: {c}</span>'
             for v, c in _counts(records)) + "</div>",
         '<p class="muted">A <b>proof</b> is an exact SymPy simplification; <b>numeric evidence</b> '
         "is evaluation at random admissible points in multi-digit arithmetic, or evidence recorded "
         'by the tests. Machine-readable: <a href="verdicts.json">verdicts.json</a>.</p>',
         "<table><thead><tr><th>claim</th><th>equation</th><th>statement</th><th>verdict</th>"
         "<th>routes compared</th><th>worst error seen</th><th>page</th></tr></thead><tbody>"]
    for r in records:
        claim = claims.get(r["id"])
        stmt = claim.statement if claim else ""
        worst = _fmt_worst(_num(r["max_abs_error"]), _num(r["max_rel_error"]), r["check"] == "exact")
        link = f"claims/{stems[r['id']]}.html"
        B.append(f'<tr><td><a href="{h(link)}"><code>{h(r["id"])}</code></a></td>'
                 f"<td>{h(r['equation'] or '')}</td><td class=\"statement\">{h(stmt)}</td>"
                 f"<td>{_badge(r['verdict'])}</td><td>{h('; '.join(r['routes']) or '—')}</td>"
                 f'<td class="worst">{h(worst)}</td><td><a href="{h(link)}">page</a></td></tr>')
    B.append("</tbody></table>")
    if pages:
        B += ["<h2>Further pages</h2>",
              "<ul>" + "".join(f'<li><a href="pages/{h(p.slug)}.html">{h(p.title)}</a></li>' for p in pages) + "</ul>"]
    if orphans:
        B += ['<h2>Evidence recorded for unknown claim ids</h2><div class="warn"><ul>'
              + "".join(f"<li><code>{h(e.claim_id)}</code>: {h(e.route)} — {h(e.description)}</li>"
                        for e in orphans) + "</ul></div>"]
    return _html_doc("Gradient Starvation: verdicts", "\n".join(B))


# --------------------------------------------------------- minimal Markdown → HTML

# Extra pages are written by the suite in Markdown; the HTML copy needs a converter
# and the project has no Markdown dependency, so this handles the subset the pages
# use: headings, paragraphs, lists, tables, fenced code, $$ math (shown as LaTeX
# source), block quotes, rules; inline code, math, links, images, bold, italics.

_INLINE_RE = re.compile(
    r"(?P<code>`+)(?P<codetext>.+?)(?P=code)"
    r"|!\[(?P<alt>[^\]]*)\]\((?P<src>[^)\s]+)\)"
    r"|\[(?P<ltext>[^\]]+)\]\((?P<href>[^)\s]+)\)"
    r"|\$(?P<math>[^$\s](?:[^$]*[^$\s])?)\$"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|(?<![\w*])\*(?P<em>[^*\s](?:[^*]*[^*\s])?)\*(?![\w*])"
    r"|\\(?P<esc>[!-/:-@\[-`{-~])",
    re.S,
)


def _safe_url(url: str) -> str:
    # Reports are opened from disk; only relative links and http(s)/mailto are kept.
    if re.match(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*):", url) and not re.match(r"^(?:https?|mailto):", url):
        return "#"
    return url


def _md_links_to_html(url: str) -> str:
    # A link to a sibling .md page points at its .html twin in the HTML copy.
    return re.sub(r"\.md(#.*)?$", r".html\1", url) if not re.match(r"^[a-z]+:", url) else url


def _inline(text: str) -> str:
    out, pos = [], 0
    for m in _INLINE_RE.finditer(text):
        out.append(h(text[pos:m.start()]))
        if m.group("code"):
            out.append(f"<code>{h(m.group('codetext').strip())}</code>")
        elif m.group("src") is not None:
            out.append(f'<img src="{h(_safe_url(m.group("src")))}" alt="{h(m.group("alt"))}">')
        elif m.group("href") is not None:
            href = _md_links_to_html(_safe_url(m.group("href")))
            out.append(f'<a href="{h(href)}">{_inline(m.group("ltext"))}</a>')
        elif m.group("math") is not None:
            out.append(f'<code class="latex">{h(m.group("math"))}</code>')
        elif m.group("bold") is not None:
            out.append(f"<strong>{_inline(m.group('bold'))}</strong>")
        elif m.group("em") is not None:
            out.append(f"<em>{_inline(m.group('em'))}</em>")
        else:
            out.append(h(m.group("esc")))
        pos = m.end()
    out.append(h(text[pos:]))
    return "".join(out)


def _split_row(line: str) -> list[str]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    cells, cur, i = [], "", 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s) and s[i + 1] == "|":
            cur += "\\|"
            i += 2
            continue
        if s[i] == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += s[i]
        i += 1
    cells.append(cur.strip())
    return [c.replace("\\|", "|") for c in cells]


def markdown_to_html(text: str) -> str:
    """Convert the Markdown subset used by report pages to HTML (all text escaped)."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    para: list[str] = []
    i = 0

    def flush() -> None:
        if para:
            out.append("<p>" + _inline(" ".join(x.strip() for x in para)) + "</p>")
            para.clear()

    while i < len(lines):
        line = lines[i]
        st = line.strip()
        fence = re.match(r"^(`{3,}|~{3,})(.*)$", st)
        if fence:
            flush()
            mark = fence.group(1)
            body = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(mark):
                body.append(lines[i])
                i += 1
            out.append(f"<pre>{h(chr(10).join(body))}</pre>")
            i += 1
            continue
        if st.startswith("$$"):
            flush()
            body = [st[2:]]
            if not (st.endswith("$$") and len(st) > 4):
                i += 1
                while i < len(lines) and "$$" not in lines[i]:
                    body.append(lines[i])
                    i += 1
                if i < len(lines):
                    body.append(lines[i].split("$$")[0])
            else:
                body = [st[2:-2]]
            tex = "\n".join(b for b in body if b.strip())
            out.append(f'<pre class="latex" title="LaTeX source">{h(tex.strip())}</pre>')
            i += 1
            continue
        if not st:
            flush()
            i += 1
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", st)
        if m:
            flush()
            n = len(m.group(1))
            out.append(f"<h{n}>{_inline(m.group(2))}</h{n}>")
            i += 1
            continue
        if re.match(r"^(-{3,}|\*{3,}|_{3,})$", st):
            flush()
            out.append("<hr>")
            i += 1
            continue
        if st.startswith("|") and i + 1 < len(lines) and re.match(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$", lines[i + 1].strip()):
            flush()
            head = _split_row(st)
            rows = []
            i += 2
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_split_row(lines[i]))
                i += 1
            out.append("<table><thead><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr></thead><tbody>"
                       + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rows)
                       + "</tbody></table>")
            continue
        lm = re.match(r"^([-*+]|\d+[.)])\s+(.*)$", st)
        if lm:
            flush()
            ordered = lm.group(1)[0].isdigit()
            items = []
            while i < len(lines):
                lm = re.match(r"^([-*+]|\d+[.)])\s+(.*)$", lines[i].strip())
                if lm and lm.group(1)[0].isdigit() == ordered:
                    items.append(lm.group(2))
                elif lines[i].startswith((" ", "\t")) and lines[i].strip() and items:
                    items[-1] += " " + lines[i].strip()
                else:
                    break
                i += 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(x)}</li>" for x in items) + f"</{tag}>")
            continue
        if st.startswith(">"):
            flush()
            quote = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                quote.append(lines[i].strip()[1:].strip())
                i += 1
            out.append("<blockquote>" + _inline(" ".join(quote)) + "</blockquote>")
            continue
        para.append(line)
        i += 1
    flush()
    return "\n".join(out)


def _render_page_md(page: ExtraPage) -> str:
    L = ["[← verdict table](../index.md)", "", f"# {md_escape(page.title)}", "", page.body.rstrip(), ""]
    L += _page_attachments_md(page)
    return "\n".join(L).rstrip() + "\n"


def _unreferenced(page: ExtraPage) -> list[str]:
    return [name for name, _ in page.figures if f"{page.slug}/{name}.png" not in page.body]


def _page_attachments_md(page: ExtraPage) -> list[str]:
    L = []
    rest = _unreferenced(page)
    if rest:
        L += ["## Figures", ""] + [f"![{md_escape(n)}]({page.slug}/{n}.png)\n" for n in rest]
    if page.files:
        L += ["## Data files", ""] + [f"- [{md_escape(n)}]({page.slug}/{n})" for n, _ in page.files] + [""]
    return L


def _render_page_html(page: ExtraPage) -> str:
    B = [f"<h1>{h(page.title)}</h1>", markdown_to_html(page.body)]
    rest = _unreferenced(page)
    if rest:
        B.append("<h2>Figures</h2>")
        B += [f'<figure><img src="{h(page.slug)}/{h(n)}.png" alt="{h(n)}"><figcaption>{h(n)}</figcaption></figure>'
              for n in rest]
    if page.files:
        B.append("<h2>Data files</h2><ul>" + "".join(
            f'<li><a href="{h(page.slug)}/{h(n)}">{h(n)}</a></li>' for n, _ in page.files) + "</ul>")
    return _html_doc(page.title, "\n".join(B), back="../index.html")


# ------------------------------------------------------------------ atomic writing


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # newline="\n": identical bytes on every platform.
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _is_report_dir(p: Path) -> bool:
    """True for a folder this module wrote (or an empty one): safe to replace."""
    if not p.is_dir():
        return False
    if (p / _MARKER).exists():
        return True
    names = {c.name for c in p.iterdir()}
    # Reports written before the marker existed held verdicts.json and index.md only.
    return not names or ("verdicts.json" in names and names <= _REPORT_ENTRIES)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE) == 0


def _old_path(target: Path) -> Path:
    return target.with_name(target.name + ".old")


def _recover(target: Path) -> None:
    """Finish a swap a killed run interrupted: the previous report sits in ``.old``."""
    old = _old_path(target)
    if old.is_dir() and not target.exists() and _is_report_dir(old):
        os.replace(old, target)


def _atomic_replace(tmp: Path, target: Path) -> None:
    """Make ``tmp`` the report at ``target``; at every instant one full copy exists.

    With RENAME_EXCHANGE the swap is a single atomic step and ``tmp`` then holds the
    previous report, which is deleted. Without it, ``target`` moves to ``.old`` first;
    a crash between the two renames leaves the previous report in ``.old``, which
    :func:`_recover` (called at the start of every write) moves back. ``.old`` is
    deleted only while ``target`` holds a complete report.
    """
    _recover(target)
    if target.exists() and _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = _old_path(target)
    if old.exists() and target.exists():
        shutil.rmtree(old)  # stale: target is complete, so .old is a surplus copy
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def _clean_stale_tmp(parent: Path, name: str) -> None:
    now = time.time()
    for p in parent.glob(f".{name}.tmp-*"):
        try:
            if p.is_dir() and (p / _MARKER).exists() and now - p.stat().st_mtime > _STALE_TMP_S:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def _build(tmp: Path, table: dict[str, Comparison], claims: dict[str, Claim],
           evs: list[Evidence], pages: list[ExtraPage]) -> None:
    records = verdict_records(table, claims, evs)
    _write_text(tmp / "verdicts.json", verdicts_json(records))
    by_claim = _group_evidence(evs)
    ids = [r["id"] for r in records]
    stems: dict[str, str] = {}
    used: set[str] = set()
    for cid in ids:
        stem = _safe_stem(cid)
        while stem.lower() in used:  # case-insensitive file systems
            stem += "_"
        used.add(stem.lower())
        stems[cid] = stem
    for cid in ids:
        claim, comp, cev = claims.get(cid), table.get(cid), by_claim.get(cid, [])
        names = _assign_figure_names(cev)
        fig_dir = f"../figures/{stems[cid]}"
        for ev, name in zip(cev, names, strict=True):
            if name is not None and ev.figure_png is not None:
                _write_bytes(tmp / "figures" / stems[cid] / f"{name}.png", ev.figure_png)
        try:
            md = _render_claim_md(cid, claim, comp, cev, names, fig_dir)
            page = _render_claim_html(cid, claim, comp, cev, names, fig_dir)
        except Exception as exc:  # noqa: BLE001 - one unprintable claim must not lose the report
            msg = f"rendering this page failed: {type(exc).__name__}: {exc}"
            md = f"[← verdict table](../index.md)\n\n# {md_escape(cid)}\n\n**{md_escape(msg)}**\n"
            page = _html_doc(cid, f'<h1>{h(cid)}</h1><p class="warn">{h(msg)}</p>', back="../index.html")
        _write_text(tmp / "claims" / f"{stems[cid]}.md", md)
        _write_text(tmp / "claims" / f"{stems[cid]}.html", page)
    for p in pages:
        _write_text(tmp / "pages" / f"{p.slug}.md", _render_page_md(p))
        _write_text(tmp / "pages" / f"{p.slug}.html", _render_page_html(p))
        for name, png in p.figures:
            _write_bytes(tmp / "pages" / p.slug / f"{name}.png", png)
        for name, data in p.files:
            _write_bytes(tmp / "pages" / p.slug / name, data)
    orphans = [e for e in _sorted_evidence(evs) if e.claim_id not in stems]
    _write_text(tmp / "index.md", _render_index_md(records, claims, stems, pages, orphans))
    _write_text(tmp / "index.html", _render_index_html(records, claims, stems, pages, orphans))


def write_reports(
    out: Path,
    *,
    table: Mapping[str, Comparison] | None = None,
    claims: Mapping[str, Claim] | None = None,
    evidence_list: Iterable[Evidence] | None = None,
    pages: Iterable[ExtraPage] | None = None,
) -> Path:
    """Write the reports into ``out`` atomically and return its resolved path.

    Args:
        out: The report folder. It is replaced as a whole; an existing folder must be
            a report written here before (or empty).
        table: claim id → Comparison; default ``theory.verdicts.verdict_table()``.
        claims: claim id → Claim; default ``theory.claims.CLAIMS``.
        evidence_list: Evidence; default what :func:`record_evidence` collected.
        pages: Extra pages; default what :func:`add_page` collected.

    Raises:
        ValueError: If ``out`` exists and is a file, or a folder that is not a report.
    """
    out = Path(out).resolve()
    if out.exists() and not out.is_dir():
        raise ValueError(f"out must be a folder, {out} is a file")
    _recover(out)
    if out.exists() and not _is_report_dir(out):
        raise ValueError(f"out: {out} exists and is not a report folder (no {_MARKER}); refusing to replace it")
    table_, claims_, evs = _resolve(table, claims, evidence_list)
    pages_ = extra_pages() if pages is None else sorted(pages, key=lambda p: p.slug)
    out.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale_tmp(out.parent, out.name)
    # Hidden sibling on the same file system, so the final rename is atomic.
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        # mkdtemp makes the folder private (0700); a report is for reading.
        os.chmod(tmp, 0o755)
        # First: the marker, and a .gitignore that keeps a left-over build folder
        # out of `git status` if this run is killed.
        _write_text(tmp / _MARKER, "written by theory.report\n")
        _write_text(tmp / ".gitignore", "*\n")
        _build(tmp, table_, claims_, evs, pages_)
        _atomic_replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
