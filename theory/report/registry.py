"""Numeric evidence and extra pages that the test suite records for the report.

Tests of ``verify/`` record what they measured while they run (a module-level
registry, thread-safe)::

    from theory.report import record_evidence
    record_evidence("eq12_alpha", route="engine fixed point vs printed Eq. 12",
                    description="20 hypothesis examples", max_rel_error=3e-13)

Records are plain data: :func:`to_jsonable` / :func:`from_jsonable` carry them from
pytest-xdist workers to the process that writes the report, and into the report
folder (``evidence.json``) so that a later, partial write can keep them.

Example:
    >>> ev = Evidence("eq12_alpha", "engine vs printed", "20 examples", None, 3e-13)
    >>> from_jsonable(to_jsonable([ev], []))[0] == [ev]
    True
"""

from __future__ import annotations

import base64
import io
import math
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from theory.claims import CLAIMS

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.figure import Figure

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_SLUG_RE, _NAME_RE = SLUG_RE, NAME_RE


def _slugify(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s[:60]




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
        carried_over: Kept from an earlier report because this run did not
            record it again (the page says so).
    """

    claim_id: str
    route: str
    description: str
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    figure_name: str | None = None
    figure_png: bytes | None = None
    carried_over: bool = False


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
        captions: ``(figure name, caption)`` pairs: what each figure shows and with which
            parameters (a figure shown in the body takes its caption from the image's alt text).
    """

    slug: str
    title: str
    body: str
    figures: tuple[tuple[str, bytes], ...] = ()
    files: tuple[tuple[str, bytes], ...] = ()
    carried_over: bool = False
    captions: tuple[tuple[str, str], ...] = ()

    def caption(self, name: str) -> str | None:
        """The caption of figure ``name``, if one was given."""
        return dict(self.captions).get(name)


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


def png_caption(png: bytes) -> str | None:
    """The ``Description`` text stored in a PNG file (tEXt or uncompressed iTXt chunk), if any.

    Figures written with ``savefig(..., metadata={"Description": caption})`` carry their
    caption with them, so a page that attaches the file gets the caption too.
    """
    if not png.startswith(_PNG_SIGNATURE):
        return None
    i = len(_PNG_SIGNATURE)
    while i + 8 <= len(png):
        n = int.from_bytes(png[i:i + 4], "big")
        kind, data = png[i + 4:i + 8], png[i + 8:i + 8 + n]
        i += 12 + n
        if kind == b"tEXt":
            key, _, text = data.partition(b"\0")
            if key == b"Description":
                return text.decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = data.partition(b"\0")
            if key == b"Description" and rest[:1] == b"\0":      # not compressed
                _lang, _, rest = rest[2:].partition(b"\0")
                _translated, _, text = rest.partition(b"\0")
                return text.decode("utf-8")
        elif kind == b"IEND":
            break
    return None


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
    captions: Mapping[str, str] | None = None,
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
        captions: figure name → caption: what the figure shows and with which parameters
            (run, seeds, widths, δ, λ ...). Default for a figure: the ``Description`` stored
            in its PNG (:func:`png_caption`); a figure with neither is captioned with its
            name, which the report's check flags (``theory.report.writer.figure_caption_problems``).

    Raises:
        ValueError: For a bad slug, an empty title, a bad figure/file name or figure, a
            caption for no figure or an empty caption.
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
    captions = dict(captions or {})
    unknown = sorted(set(captions) - {n for n, _ in figs})
    if unknown:
        raise ValueError(f"captions: {unknown} name no figure of this page (figures: {[n for n, _ in figs]})")
    if any(not isinstance(c, str) or not c.strip() for c in captions.values()):
        raise ValueError("captions: every caption must be a non-empty string")
    caps = []
    for name, png in figs:
        cap = captions.get(name) or png_caption(png)
        if cap:
            caps.append((name, cap.strip()))
    page = ExtraPage(slug, title.strip(), markdown_body, tuple(figs), tuple(atts), captions=tuple(caps))
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



def to_jsonable(evs: Iterable[Evidence], pages: Iterable[ExtraPage]) -> dict[str, Any]:
    """Evidence and pages as JSON-able data (PNG and file bytes in base64)."""
    def b64(data: bytes | None) -> str | None:
        return None if data is None else base64.b64encode(data).decode("ascii")

    return {
        "evidence": [{"claim_id": e.claim_id, "route": e.route, "description": e.description,
                      "max_abs_error": e.max_abs_error, "max_rel_error": e.max_rel_error,
                      "figure_name": e.figure_name, "figure_png": b64(e.figure_png),
                      "carried_over": e.carried_over} for e in evs],
        "pages": [{"slug": p.slug, "title": p.title, "body": p.body,
                   "figures": [[n, b64(d)] for n, d in p.figures],
                   "files": [[n, b64(d)] for n, d in p.files], "carried_over": p.carried_over,
                   "captions": [[n, c] for n, c in p.captions]}
                  for p in pages],
    }


def from_jsonable(data: Mapping[str, Any]) -> tuple[list[Evidence], list[ExtraPage]]:
    """Inverse of :func:`to_jsonable` (no claim-id check: records may be of older claims)."""
    def unb64(s: str | None) -> bytes | None:
        return None if s is None else base64.b64decode(s)

    evs = [Evidence(d["claim_id"], d["route"], d["description"], d.get("max_abs_error"),
                    d.get("max_rel_error"), d.get("figure_name"), unb64(d.get("figure_png")),
                    bool(d.get("carried_over", False))) for d in data.get("evidence", [])]
    pages = [ExtraPage(d["slug"], d["title"], d["body"],
                       tuple((n, unb64(b)) for n, b in d.get("figures", [])),
                       tuple((n, unb64(b)) for n, b in d.get("files", [])),
                       bool(d.get("carried_over", False)),
                       captions=tuple((n, c) for n, c in d.get("captions", []))) for d in data.get("pages", [])]
    return evs, pages


def merge(new_evs: list[Evidence], new_pages: list[ExtraPage], old_evs: Iterable[Evidence],
          old_pages: Iterable[ExtraPage]) -> tuple[list[Evidence], list[ExtraPage], int, int]:
    """Keep the old records that the new run did not replace, marked as carried over.

    A new record replaces the old ones of the same (claim, route); a new page the old
    page of the same slug. Returns the merged lists and how many were carried over.
    """
    replaced = {(e.claim_id, e.route) for e in new_evs}
    kept = [replace(e, carried_over=True) for e in old_evs if (e.claim_id, e.route) not in replaced]
    slugs = {p.slug for p in new_pages}
    kept_pages = [replace(p, carried_over=True) for p in old_pages if p.slug not in slugs]
    return new_evs + kept, new_pages + kept_pages, len(kept), len(kept_pages)


def add_all(evs: Iterable[Evidence], pages: Iterable[ExtraPage]) -> None:
    """Add records made elsewhere (pytest-xdist workers) to this process's registry."""
    with _LOCK:
        _EVIDENCE.extend(evs)
        for p in pages:
            _PAGES[p.slug] = p
