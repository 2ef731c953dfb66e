"""Escaping for Markdown and HTML, and Markdown → HTML through Python-Markdown.

Example:
    >>> print(md_escape("a|b *c*"))
    a\\|b \\*c\\*
    >>> markdown_to_html("A <b>tag</b> and [p](a.md)")
    '<p>A &lt;b&gt;tag&lt;/b&gt; and <a href="a.html">p</a></p>'
"""

from __future__ import annotations

import html
import re
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


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



_TEX_IN_PROSE = re.compile(r"\\[A-Za-z]+(?:\{[^{}]*\})*")


def hp(text: Any) -> str:
    r"""Escape prose for HTML; a LaTeX command quoted in it is shown as source code.

    Example:
        >>> hp(r"printed with \operatorname{diag} & co")
        'printed with <code class="latex-source">\\operatorname{diag}</code> &amp; co'
    """
    out, pos, s = [], 0, str(text)
    for m in _TEX_IN_PROSE.finditer(s):
        out += [h(s[pos:m.start()]), f'<code class="latex-source">{h(m.group(0))}</code>']
        pos = m.end()
    return "".join(out) + h(s[pos:])


def safe_stem(cid: str) -> str:
    """A file stem for a claim id (ids are identifiers; others are made safe, stably)."""
    if re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$", cid) and ".." not in cid:
        return cid
    import hashlib

    from theory.report.registry import _slugify

    digest = hashlib.sha256(cid.encode()).hexdigest()[:8]
    return (_slugify(cid) or "claim") + "-" + digest


def _safe_url(url: str) -> str:
    # Reports are opened from disk; only relative links and http(s)/mailto are kept.
    if re.match(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*):", url) and not re.match(r"^(?:https?|mailto):", url):
        return "#"
    # A link to a sibling .md page points at its .html twin in the HTML copy.
    return re.sub(r"\.md(#.*)?$", r".html\1", url) if not re.match(r"^[a-z]+:", url) else url


class _Links(Treeprocessor):
    def run(self, root):  # noqa: ANN001 - Python-Markdown's element tree
        for el in root.iter():
            if el.tag == "a" and el.get("href") is not None:
                el.set("href", _safe_url(el.get("href")))
            elif el.tag == "img" and el.get("src") is not None:
                el.set("src", _safe_url(el.get("src")))
        # Wide tables (many columns) scroll inside their own box, never the page.
        for parent in list(root.iter()):
            for i, child in enumerate(list(parent)):
                if child.tag == "table":
                    wrap = child.makeelement("div", {"class": "table-wrap"})
                    parent.remove(child)
                    wrap.append(child)
                    parent.insert(i, wrap)
        # A paragraph holding one image is a figure; its alt text is the caption.
        for el in root.iter("p"):
            kids = list(el)
            if len(kids) == 1 and kids[0].tag == "img" and not (el.text or "").strip() \
                    and not (kids[0].tail or "").strip():
                img = kids[0]
                el.tag = "figure"
                cap = img.makeelement("figcaption", {})
                cap.text = img.get("alt", "")
                img.tail = None
                el.append(cap)


class _SafeReport(Extension):
    """Raw HTML in a page body is shown as text; links to .md pages go to .html twins."""

    def extendMarkdown(self, md):  # noqa: N802, ANN001 - Python-Markdown's API
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Links(md), "gsv_links", 0)


def markdown_to_html(text: str) -> str:
    """Convert a page body (GitHub-flavoured Markdown: tables, fenced code) to HTML.

    ``$$ … $$`` blocks are shown as LaTeX source (``<pre class="latex">``); raw HTML
    in the body is escaped, never passed through.
    """
    blocks: list[str] = []

    def stash(m: re.Match[str]) -> str:
        blocks.append(m.group(1).strip())
        return f"\n\nGSVMATHBLOCK{len(blocks) - 1}\n\n"

    text = re.sub(r"^\s*\$\$(.*?)\$\$\s*$", stash, text, flags=re.S | re.M)
    out = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists", _SafeReport()],
                            output_format="html")
    for i, tex in enumerate(blocks):
        out = out.replace(f"<p>GSVMATHBLOCK{i}</p>", f'<pre class="latex" title="LaTeX source">{h(tex)}</pre>')
    return out
