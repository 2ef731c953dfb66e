"""One page model, rendered twice: a claim page as a list of blocks → Markdown and HTML.

:func:`claim_page` decides once what a claim's page says and in which order (the
outline: heading, what was compared, as printed, the comparison, the erratum, the
counterexample, the regime, the derivation, the evidence). :func:`to_markdown` and
:func:`to_html` only spell each block; neither decides content, so the two copies of
a page cannot drift apart.

Example:
    >>> blocks = [Block("h", level=2, text="Notes"), Block("p", text="a | b")]
    >>> print(to_markdown(blocks))
    ## Notes
    <BLANKLINE>
    a \\| b
    <BLANKLINE>
    >>> to_html(blocks)
    '<h2>Notes</h2>\\n<p>a | b</p>'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from theory.claims import Claim
from theory.derivation import Comparison, Verdict
from theory.report.registry import Evidence

__all__ = ["Block", "claim_page", "to_html", "to_markdown"]


@dataclass(frozen=True)
class Block:
    """One block of a page: ``kind`` says what it is, the other fields what it holds.

    Kinds: ``h`` (heading), ``meta`` (claim id, verdict, facts), ``kv`` (a labelled
    value), ``p`` (prose), ``label`` (a short lead-in), ``verbatim`` (the paper's LaTeX),
    ``math`` (a SymPy object, split into labelled parts), ``check``, ``note``, ``list``,
    ``field`` (a labelled remark; ``warn`` marks a derivation error), ``erratum``,
    ``cx`` (counterexample), ``step``, ``evidence``, ``figure``, ``muted``.
    """

    kind: str
    text: str = ""
    level: int = 2
    obj: Any = None
    items: tuple = field(default_factory=tuple)
    warn: bool = False


def claim_page(cid: str, claim: Claim | None, comp: Comparison | None, evs: list[Evidence],
               fig_names: list[str | None], fig_dir: str) -> tuple[str, list[Block]]:
    """The title and the blocks of one claim's page."""
    from theory.report.pages import _erratum_parts, _extra_fields, _fmt_worst, _is_proof
    from theory.report.records import _routes, _verdict_of, worst_errors

    heading = f"{claim.equation}: {claim.title}" if claim is not None else f"{cid} (not in the claims list)"
    facts = [claim.section, f"kind: {claim.kind}"] if claim is not None else []
    if claim is not None and claim.order:
        facts.append(f"claimed order: {claim.order}")
    B = [Block("h", level=1, text=heading), Block("meta", text=cid, obj=_verdict_of(comp), items=tuple(facts))]
    routes = _routes(comp, evs)
    if routes:
        B.append(Block("kv", text="Routes compared", obj="; ".join(routes)))
    ab, rel = worst_errors(comp, evs)
    B.append(Block("kv", text="Worst error seen", obj=_fmt_worst(ab, rel, _is_proof(comp))))

    if claim is not None:
        B += [Block("h", text="As printed"), Block("p", text=claim.statement)]
        if claim.latex:
            B += [Block("label", text="Verbatim from the paper (OCR text included):"),
                  Block("verbatim", text=claim.latex)]
        if claim.printed is not None:
            B += [Block("label", text="Transcribed form (SymPy, exactly as printed):"), Block("math", obj=claim.printed)]
        if claim.transcription_note:
            B.append(Block("note", text=claim.transcription_note))
        if claim.assumptions:
            B += [Block("label", text="Assumptions:"), Block("list", items=tuple(claim.assumptions))]
        B += _source_blocks(cid, claim)

    if comp is None:
        B += [Block("h", text="Comparison"), Block("muted", text="No derivation compares this claim yet.")]
    else:
        B.append(Block("h", text="Comparison: printed vs derived"))
        if comp.printed is not None:
            B += [Block("label", text="Printed:"), Block("math", obj=comp.printed)]
        if comp.derived is not None:
            B += [Block("label", text="Derived (from the definitions):"), Block("math", obj=comp.derived)]
        B.append(Block("check", obj=comp.check))
        B += [Block("field", text=label, obj=text, warn=label.startswith("Derivation error"))
              for label, text in _extra_fields(comp)]
        if getattr(comp, "regime_check", None) is not None:
            B.append(Block("check", text="Inside the regime", obj=comp.regime_check))
        if comp.verdict == Verdict.ERRATUM or comp.corrected is not None:
            B += [Block("h", text="Erratum: printed and corrected forms"),
                  Block("muted", text="The printed form (as in the paper) above the corrected one; "
                                      "where they differ is highlighted."),
                  Block("erratum", items=tuple(_erratum_parts(comp))),
                  Block("check", text="Corrected vs derived", obj=comp.corrected_check)]
        if comp.counterexample:
            B.append(Block("cx", obj=comp.counterexample))
        if comp.verdict == Verdict.REGIME or comp.regime:
            B += [Block("h", text="Regime"), Block("p", text=comp.regime or "(not stated)")]
        d = comp.derivation
        if d is not None:
            B.append(Block("h", text=f"Derivation: {d.title}"))
            if d.note:
                B.append(Block("p", text=d.note))
            B += [Block("step", level=i, text=st.justification, obj=(st.expr, st.check))
                  for i, st in enumerate(d.steps, 1)]
        if comp.notes:
            B += [Block("h", text="Notes"), Block("p", text=comp.notes)]

    if evs:
        B += [Block("h", text="Numeric evidence recorded by the test suite"), Block("evidence", items=tuple(evs))]
        B += [Block("figure", text=f"{ev.route}: {ev.description}", obj=f"{fig_dir}/{name}.png", items=(ev.route,))
              for ev, name in zip(evs, fig_names, strict=True) if name is not None]
    return f"{cid} — {heading}", B


def _source_blocks(cid: str, claim: Claim) -> list[Block]:
    """Where the claim was read: the text in each transcription of the paper, how they compare,
    and, for the paper-vs-code ledger, the authors' code it was read against."""
    from theory.claims import CLAIMS
    from theory.claims.sources import CORRECTS, SOURCE_NAMES, VARIANTS, excerpts, status

    if cid not in CLAIMS:  # a page for a claim outside the list (tests, stale records)
        return []
    out = [Block("h", text="Sources")]
    if cid in CORRECTS:
        out.append(Block("p", text=f"Our statement: it corrects {CORRECTS[cid]} "
                                   f"({CLAIMS[CORRECTS[cid]].equation}), whose printed text follows."))
    for src, text in excerpts(cid).items():
        out += [Block("label", text=f"{SOURCE_NAMES[src]}:"), Block("verbatim", text=text)]
    out.append(Block("kv", text="The two transcriptions", obj=status(cid)))
    var = VARIANTS.get(cid)
    if var is not None:
        out.append(Block("p", text=f"arXiv reads {var.arxiv_reading}; the published PDF reads {var.pdf_reading}. "
                                   f"{var.note}"))
    if cid == "thm2":
        out.append(Block("p", text="The exact statement that replaces it, proved at every δ: "
                                   "thm2_corrected (claims/thm2_corrected.html)."))
    ev = claim.printed.get("evidence") if isinstance(claim.printed, dict) else None
    for e in ev if isinstance(ev, (list, tuple)) else ([ev] if isinstance(ev, dict) else []):
        line = str(e.get("line", "")).split(" ")[0].replace(",", "")
        anchor = "" if not line or line == "-" else "#L" + line.replace("-", "-L")
        url = f"https://github.com/{e['repo']}/blob/{e.get('commit') or 'master'}/{e['path']}{anchor}"
        out += [Block("kv", text="Released code", obj=f"{url} (line {e.get('line', '-')})")]
        if e.get("quote"):
            out.append(Block("verbatim", text=str(e["quote"])))
        if e.get("reading"):
            out.append(Block("kv", text="Our reading", obj=str(e["reading"])))
    return out


# ------------------------------------------------------------------------ Markdown


def to_markdown(blocks: list[Block]) -> str:
    """The blocks as GitHub Markdown ($$ math, pipe tables)."""
    from theory.report import pages as P
    from theory.report.mathrender import _md_math_block, _md_math_inline, _md_math_parts
    from theory.report.text import md_code, md_escape, md_fence

    L: list[str] = []
    for b in blocks:
        k = b.kind
        if k == "h":
            L += ["#" * b.level + " " + md_escape(b.text), ""]
        elif k == "meta":
            L += [" · ".join([f"claim {md_code(b.text)}", f"**verdict: {md_escape(b.obj)}**"]
                             + [md_escape(x) for x in b.items]), ""]
        elif k == "kv":
            L += [f"{b.text}: {md_escape(b.obj)}", ""]
        elif k == "p":
            L += [md_escape(b.text, block=True), ""]
        elif k == "label":
            L += [b.text, ""]
        elif k == "verbatim":
            L += [md_fence(b.text, "latex"), ""]
        elif k == "math":
            L += _md_math_parts(b.obj)
        elif k == "check":
            L += [(f"{b.text}: " if b.text else "") + P._md_check(b.obj), ""]
        elif k == "note":
            L += [f"> **Transcription note.** {md_escape(b.text)}", ""]
        elif k == "list":
            L += [f"- {md_escape(x, block=True)}" for x in b.items] + [""]
        elif k == "field":
            L += [f"**{md_escape(b.text)}:** {md_escape(b.obj)}", ""]
        elif k == "muted":
            L += [f"*{md_escape(b.text)}*", ""]
        elif k == "erratum":
            for lab, a, c, ha, hc in b.items:
                if lab is not None:
                    L += [f"*{md_escape(lab)}:*", ""]
                L += ["**Printed:**", "", _md_math_block(a, ha) if a is not None else "—", "",
                      "**Corrected:**", "", _md_math_block(c, hc) if c is not None else "—", ""]
                if ha or hc:
                    L += ["Where they differ: " + ", ".join(
                        f"{_md_math_inline(x)} → {_md_math_inline(y)}" for x, y in P._pairs(ha, hc)), ""]
        elif k == "cx":
            L += P._md_counterexample(b.obj)
        elif k == "step":
            expr, chk = b.obj
            L += [f"**Step {b.level}.** {md_escape(b.text)}", "", _md_math_block(expr), "", P._md_check(chk), ""]
        elif k == "evidence":
            L += ["| route | description | max abs error | max rel error |", "|---|---|---|---|"]
            L += [f"| {md_escape(ev.route)} | {md_escape(ev.description)}{P._CARRIED_MD if ev.carried_over else ''} | "
                  f"{P._fmt_err(ev.max_abs_error)} | {P._fmt_err(ev.max_rel_error)} |" for ev in b.items] + [""]
        elif k == "figure":
            L += [f"![{md_escape(b.items[0])}]({b.obj})", "", f"*{md_escape(b.text)}*", ""]
        else:  # pragma: no cover - a new kind must be spelled in both renderers
            raise ValueError(f"unknown block kind {k!r}")
    return "\n".join(L).rstrip() + "\n"


# ---------------------------------------------------------------------------- HTML


def to_html(blocks: list[Block]) -> str:
    """The blocks as HTML (the body of a self-contained page; MathML math)."""
    from theory.report import pages as P
    from theory.report.mathrender import _html_math, _html_math_parts
    from theory.report.text import h, hp

    out: list[str] = []
    for b in blocks:
        k = b.kind
        if k == "h":
            out.append(f"<h{b.level}>{h(b.text)}</h{b.level}>")
        elif k == "meta":
            out.append('<p class="meta">' + " · ".join([f"claim <code>{h(b.text)}</code>", P._badge(b.obj)]
                                                       + [h(x) for x in b.items]) + "</p>")
        elif k == "kv":
            out.append(f"<p>{h(b.text)}: <b>{h(b.obj)}</b></p>")
        elif k == "p":
            out.append(f"<p>{hp(b.text)}</p>")
        elif k == "label":
            out.append(f"<p>{h(b.text)}</p>")
        elif k == "verbatim":
            out.append(f'<pre class="latex latex-source">{h(b.text)}</pre>')
        elif k == "math":
            out.append(_html_math_parts(b.obj))
        elif k == "check":
            out.append((f"<p>{h(b.text)}:</p>" if b.text else "") + P._html_check(b.obj))
        elif k == "note":
            out.append(f'<p class="note"><b>Transcription note.</b> {hp(b.text)}</p>')
        elif k == "list":
            out.append("<ul>" + "".join(f"<li>{hp(x)}</li>" for x in b.items) + "</ul>")
        elif k == "field":
            out.append(f'<p class="{"warn" if b.warn else "meta"}"><b>{h(b.text)}:</b> {h(b.obj)}</p>')
        elif k == "muted":
            out.append(f'<p class="muted">{h(b.text)}</p>')
        elif k == "erratum":
            for lab, a, c, ha, hc in b.items:
                rows = ['<div class="erratum">']
                if lab is not None:
                    rows.append(f'<div class="part-label">{h(lab)}:</div>')
                rows.append('<div class="er-row wrong"><div class="er-lab">printed</div>'
                            + (_html_math(a, "block", ha) if a is not None else "—") + "</div>")
                rows.append('<div class="er-row right"><div class="er-lab">corrected</div>'
                            + (_html_math(c, "block", hc) if c is not None else "—") + "</div>")
                if ha or hc:
                    rows.append('<div class="er-diff">Where they differ: ' + ", ".join(
                        f"{_html_math(x, 'inline')} → {_html_math(y, 'inline')}" for x, y in P._pairs(ha, hc))
                        + "</div>")
                out.append("\n".join(rows) + "</div>")
        elif k == "cx":
            out.append(P._html_counterexample(b.obj))
        elif k == "step":
            expr, chk = b.obj
            out.append(f'<div class="step"><div class="step-head">Step {b.level}. '
                       f'<span style="font-weight:400">{hp(b.text)}</span></div>'
                       f"{_html_math(expr)}{P._html_check(chk)}</div>")
        elif k == "evidence":
            out.append("<table><thead><tr><th>route</th><th>description</th><th>max abs error</th>"
                       "<th>max rel error</th></tr></thead><tbody>"
                       + "".join(f"<tr><td>{h(ev.route)}</td><td>{h(ev.description)}"
                                 f"{P._CARRIED_HTML if ev.carried_over else ''}</td>"
                                 f'<td class="num">{h(P._fmt_err(ev.max_abs_error))}</td>'
                                 f'<td class="num">{h(P._fmt_err(ev.max_rel_error))}</td></tr>' for ev in b.items)
                       + "</tbody></table>")
        elif k == "figure":
            out.append(f'<figure><img src="{h(b.obj)}" alt="{h(b.items[0])}">'
                       f"<figcaption>{h(b.text)}</figcaption></figure>")
        else:  # pragma: no cover - a new kind must be spelled in both renderers
            raise ValueError(f"unknown block kind {k!r}")
    return "\n".join(out)
