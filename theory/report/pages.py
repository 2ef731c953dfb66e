"""The report's pages, each rendered twice: Markdown (GitHub) and HTML (self-contained).

A claim page is one page model (:mod:`theory.report.model`) spelled twice; the
index is rendered from the verdict records; extra pages are written in Markdown by
the suite and converted by Python-Markdown (:func:`theory.report.text.markdown_to_html`).
Math is typeset by :mod:`theory.report.mathrender`. This module holds the pieces
both spellings share: check labels, the counterexample table, the erratum parts,
the CSS and the HTML document shell.

Example:
    >>> check_label(None)
    'no check (definition or assumption)'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from theory.claims import Claim
from theory.derivation import COUNTEREXAMPLE_RTOL, Check, Comparison
from theory.report.registry import Evidence, ExtraPage
from theory.report.mathrender import _math_parts, differences
from theory.report.records import NOT_DERIVED, counts
from theory.report.text import h, hp, markdown_to_html, md_code, md_escape

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
            out += f" — {hp(chk.detail)}"
        errs = _check_errors(chk)
        if errs:
            out += f' <span class="errs">({h(errs)})</span>'
    return out + "</div>"


_CARRIED_MD = " *(carried over from an earlier run)*"
_CARRIED_HTML = ' <span class="carried">(carried over from an earlier run)</span>'


def _extra_fields(comp: Comparison) -> list[tuple[str, str]]:
    """A derivation's error and what a prose claim cites (fields of newer Comparisons)."""
    out = []
    if getattr(comp, "error", ""):
        out.append(("Derivation error (a bug in the verifier, not a verdict on the paper)", str(comp.error)))
    cited = getattr(comp, "cited", None)
    if cited:
        out.append(("Citation", "; ".join(f"{k}: {v}" for k, v in dict(cited).items())))
    return out


def _erratum_parts(comp: Comparison) -> list[tuple[str | None, Any, Any, frozenset, frozenset]]:
    """(label, printed part, corrected part, and where each differs) for an erratum page."""
    pp, cp = _math_parts(comp.printed), _math_parts(comp.corrected)
    out = []
    for i in range(max(len(pp), len(cp))):
        lab = pp[i][0] if i < len(pp) else cp[i][0]
        a = pp[i][1] if i < len(pp) else None
        b = cp[i][1] if i < len(cp) else None
        out.append((lab, a, b, *differences(a, b)))
    return out


def _pairs(ha: frozenset, hb: frozenset, limit: int = 4) -> list[tuple[Any, Any]]:
    """Differing subexpressions side by side (sorted for stable pages); "—" where one has none."""
    a = sorted(ha, key=sp.default_sort_key)[:limit]
    b = sorted(hb, key=sp.default_sort_key)[:limit]
    n = max(len(a), len(b))
    return [(a[i] if i < len(a) else "—", b[i] if i < len(b) else "—") for i in range(n)]


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
pre.data { background: #fbfbfd; white-space: pre-wrap; overflow-wrap: anywhere; }
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
/* Fractions inside fractions keep the text size (MathML Core shrinks each level). */
.math-block mfrac > * { math-style: normal; }
mrow.diff { background: #ffd8a8; color: #a40e26; border-radius: 3px; }
.erratum { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem; margin: .6rem 0; }
.er-row { display: grid; grid-template-columns: 6.5rem minmax(0, 1fr); align-items: center; gap: .6rem; }
.er-row + .er-row { border-top: 1px dashed var(--line); }
.er-lab { font-weight: 600; font-size: .9rem; }
.er-row.wrong .er-lab { color: #a40e26; } .er-row.right .er-lab { color: #116329; }
.er-diff { font-size: .92rem; padding-top: .3rem; overflow-x: auto; }
dl.verdicts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .3rem .8rem; margin: .6rem 0 1rem; }
dl.verdicts dd { margin: 0; }
.contents { padding: .4rem .7rem; border-radius: 6px; }
.contents.full { background: #dafbe1; } .contents.partial { background: #fff1c2; }
td, th { overflow-wrap: break-word; }
.table-wrap { overflow-x: auto; max-width: 100%; }
.table-wrap td, .table-wrap th { overflow-wrap: anywhere; }
table.index td:first-child, table.index td:last-child, table.index th:last-child { white-space: nowrap; }
.carried { color: var(--muted); font-style: italic; }
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


def _render_claim_md(cid: str, claim: Claim | None, comp: Comparison | None,
                     evs: list[Evidence], fig_names: list[str | None], fig_dir: str) -> str:
    """A claim's page in Markdown: the page model (:mod:`theory.report.model`) spelled in Markdown."""
    from theory.report.model import claim_page, to_markdown

    _, blocks = claim_page(cid, claim, comp, evs, fig_names, fig_dir)
    return "[← verdict table](../index.md)\n\n" + to_markdown(blocks)


def _render_claim_html(cid: str, claim: Claim | None, comp: Comparison | None,
                       evs: list[Evidence], fig_names: list[str | None], fig_dir: str) -> str:
    """A claim's page in HTML: the same page model spelled in HTML."""
    from theory.report.model import claim_page, to_html

    title, blocks = claim_page(cid, claim, comp, evs, fig_names, fig_dir)
    return _html_doc(title, to_html(blocks), back="../index.html")


def _counts(records: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return counts(records)


# What each verdict means (shown at the top of the index).
VERDICT_DEFINITIONS = (
    ("verified", "the printed statement equals the form derived from the paper's definitions "
                 "(an exact SymPy proof, or numeric evidence at random admissible points in multi-digit arithmetic)"),
    ("erratum", "the printed statement differs from the derivation; the page shows the printed and the "
                "corrected form one above the other, the difference highlighted, and a counterexample"),
    ("refuted", "the printed statement is false and no correction of the same form holds; "
                "the page shows a counterexample"),
    ("holds-only-in-regime", "the statement holds only under a condition the paper does not state "
                             "(e.g. to first order in δ, or for small λ/s²); the page says which"),
)


def _top_pages(pages) -> list:
    # The breakdown probes and the empirical results are linked at the top of the index.
    return ([p for p in pages if p.slug.startswith("breakdown")]
            + [p for p in pages if p.slug.startswith("empirical")])


def _contents_line(manifest) -> str:
    from theory.report.writer import describe

    return describe(manifest) if manifest else "contents not recorded"


def _render_index_md(records, claims, stems, pages, orphans, manifest=None) -> str:
    L = ["# Gradient Starvation: verdicts", "",
         f"**Contents** — {md_escape(_contents_line(manifest))}.", ""]
    top = _top_pages(pages)
    if top:
        L += ["**Start here:** " + " · ".join(f"[{md_escape(p.title)}](pages/{p.slug}.md)" for p in top), ""]
    L += [f"{len(records)} claims: " + ", ".join(f"**{c}** {md_escape(v)}" for v, c in _counts(records)), ""]
    L += ["Verdicts:", ""] + [f"- **{v}**: {md_escape(t)}" for v, t in VERDICT_DEFINITIONS] + [""]
    L += ["A *proof* is an exact SymPy simplification; *numeric evidence* is evaluation at random "
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
        L += ["## Further pages", ""] + [f"- [{md_escape(p.title)}](pages/{p.slug}.md)"
                                         + (" *(carried over from an earlier run)*" if p.carried_over else "")
                                         for p in pages] + [""]
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


def _render_index_html(records, claims, stems, pages, orphans, manifest=None) -> str:
    full = bool(manifest and manifest.get("complete"))
    B = ["<h1>Gradient Starvation: verdicts</h1>",
         f'<p class="contents {"full" if full else "partial"}"><b>Contents</b> — {h(_contents_line(manifest))}.</p>']
    top = _top_pages(pages)
    if top:
        B.append('<p class="start"><b>Start here:</b> ' + " · ".join(
            f'<a href="pages/{h(p.slug)}.html">{h(p.title)}</a>' for p in top) + "</p>")
    B += [f"<p>{len(records)} claims.</p>",
          '<div class="counts">' + "".join(
              f'<span class="badge {_VERDICT_CLASS.get(v, "v-none")}">{h(v)}: {c}</span>'
              for v, c in _counts(records)) + "</div>",
          '<dl class="verdicts">' + "".join(f"<dt>{_badge(v)}</dt><dd>{h(t)}</dd>" for v, t in VERDICT_DEFINITIONS)
          + "</dl>",
          '<p class="muted">A <b>proof</b> is an exact SymPy simplification; <b>numeric evidence</b> '
          "is evaluation at random admissible points in multi-digit arithmetic, or evidence recorded "
          'by the tests. Machine-readable: <a href="verdicts.json">verdicts.json</a>.</p>',
          '<table class="index"><thead><tr><th>claim</th><th>equation</th><th>statement</th><th>verdict</th>'
          "<th>routes compared</th><th>worst error seen</th><th>page</th></tr></thead><tbody>"]
    for r in records:
        claim = claims.get(r["id"])
        stmt = claim.statement if claim else ""
        worst = _fmt_worst(_num(r["max_abs_error"]), _num(r["max_rel_error"]), r["check"] == "exact")
        link = f"claims/{stems[r['id']]}.html"
        B.append(f'<tr><td><a href="{h(link)}"><code>{h(r["id"])}</code></a></td>'
                 f"<td>{h(r['equation'] or '')}</td><td class=\"statement\">{hp(stmt)}</td>"
                 f"<td>{_badge(r['verdict'])}</td><td>{h('; '.join(r['routes']) or '—')}</td>"
                 f'<td class="worst">{h(worst)}</td><td><a href="{h(link)}">page</a></td></tr>')
    B.append("</tbody></table>")
    if pages:
        B += ["<h2>Further pages</h2>",
              "<ul>" + "".join(f'<li><a href="pages/{h(p.slug)}.html">{h(p.title)}</a>'
                               + (' <span class="muted">(carried over from an earlier run)</span>'
                                  if p.carried_over else "") + "</li>" for p in pages) + "</ul>"]
    if orphans:
        B += ['<h2>Evidence recorded for unknown claim ids</h2><div class="warn"><ul>'
              + "".join(f"<li><code>{h(e.claim_id)}</code>: {h(e.route)} — {h(e.description)}</li>"
                        for e in orphans) + "</ul></div>"]
    return _html_doc("Gradient Starvation: verdicts", "\n".join(B))


def _render_page_md(page: ExtraPage) -> str:
    L = ["[← verdict table](../index.md)", "", f"# {md_escape(page.title)}", ""]
    if page.carried_over:
        L += ["*Carried over from an earlier run: this run did not produce this page again.*", ""]
    L += [page.body.rstrip(), ""]
    L += _page_attachments_md(page)
    return "\n".join(L).rstrip() + "\n"


def _unreferenced(page: ExtraPage) -> list[str]:
    return [name for name, _ in page.figures if f"{page.slug}/{name}.png" not in page.body]


def _page_attachments_md(page: ExtraPage) -> list[str]:
    L = []
    rest = _unreferenced(page)
    if rest:
        L += ["## Figures", ""]
        for n in rest:
            L += [f"![{md_escape(n)}]({page.slug}/{n}.png)", "", f"*{md_escape(page.caption(n) or n)}*", ""]
    if page.files:
        L += ["## Data files", ""] + [f"- [{md_escape(n)}]({page.slug}/{n})" for n, _ in page.files] + [""]
    return L


def _render_page_html(page: ExtraPage) -> str:
    B = [f"<h1>{h(page.title)}</h1>"]
    if page.carried_over:
        B.append('<p class="carried">Carried over from an earlier run: this run did not produce this page again.</p>')
    B.append(markdown_to_html(page.body))
    rest = _unreferenced(page)
    if rest:
        B.append("<h2>Figures</h2>")
        B += [f'<figure><img src="{h(page.slug)}/{h(n)}.png" alt="{h(n)}">'
              f'<figcaption>{h(page.caption(n) or n)}</figcaption></figure>' for n in rest]
    if page.files:
        B.append("<h2>Data files</h2><ul>" + "".join(
            f'<li><a href="{h(page.slug)}/{h(n)}">{h(n)}</a></li>' for n, _ in page.files) + "</ul>")
    return _html_doc(page.title, "\n".join(B), back="../index.html")

