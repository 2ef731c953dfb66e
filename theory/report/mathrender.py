r"""Typesetting SymPy objects: LaTeX for Markdown, presentation MathML for HTML.

SymPy prints a symbol named ``dz_2^*/d(s_1^2)``, ``\dot{\alpha}`` or
``alpha_{0,1}^*`` letter by letter (``dz_{2 1}^{*/d(s 2)}``, a raw ``\dot{\alpha}``,
literal braces), and an elementwise function as ``elementwiseapplyfunction(…)`` in
MathML. The printers here read such names as the paper writes them: a quotient of
two names is a derivative (a fraction), ``\dot``/``\hat``/``\bar``/``\tilde`` are
accents, ``_{…}``/``^{…}`` are sub- and superscripts, Greek names become letters;
an elementwise function prints as SymPy's LaTeX does, ``(d ↦ f(d))∘(X)``.

Example:
    >>> print(name_latex("dz_2^*/d(s_1^2)"))
    \frac{d z_{2}^{*}}{d\left(s_{1}^{2}\right)}
    >>> print(name_latex(r"\hat{y}"), name_latex("alpha_{0,1}^*"))
    \hat{y} \alpha_{0,1}^{*}
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.mathml import MathMLPresentationPrinter

from theory.report.text import h, md_escape

# Expressions whose LaTeX is longer than this are not typeset: a page of ten
# thousand symbols helps no reader and stalls the browser.
MAX_MATH_CHARS = 20_000
# The same limit for MathML, which spells each token as an element (about 10x LaTeX).
MAX_MATHML_CHARS = 10 * MAX_MATH_CHARS

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ", "eta": "η",
    "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π",
    "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
# Accent characters as MathML Core renders them legibly at text size (Chromium): the
# modifier letters for hat and tilde; dots set as a plain over-script (as an accent
# the dot sits on the letter and vanishes at 15 px).
_ACCENTS = {"dot": "\u02d9", "hat": "\u02c6", "bar": "\u00af", "tilde": "\u02dc", "ddot": "\u00a8"}
_ACCENT_ATTR = {"dot": "false", "ddot": "false"}
# A name needs reading (not SymPy's letter-by-letter default) if it has LaTeX
# markup, braces, a quotient or parentheses.
_NEEDS_READING = re.compile(r"[\\{}/()'^]")
_SCRIPT = r"(?:\{[^{}]*\}|[^_^{}\\])"
_SYM_RE = re.compile(r"^(?:\\?(?P<acc>dot|hat|bar|tilde|ddot)\{(?P<inner>\\?[A-Za-z]+)\}|(?P<base>\\?[A-Za-z]+))"
                     rf"(?P<primes>'*)(?P<scripts>(?:[_^]{_SCRIPT}+)*)$")


_PAREN_PRIME = re.compile(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)('*)(?:\(([^()]+)\))?")


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _parse_name(name: str) -> tuple | None:
    """A name as a small tree: ("frac", a, b), ("d", x), ("paren", x), ("sym", acc, base, subs, sups)."""
    depth, cut = 0, None
    for i, ch in enumerate(name):
        depth += ch in "({"
        depth -= ch in ")}"
        if ch == "/" and depth == 0:
            cut = i
    if cut is not None:
        a, b = _parse_name(name[:cut]), _parse_name(name[cut + 1:])
        return ("frac", a, b) if a and b else None
    m = _PAREN_PRIME.fullmatch(name) if name.startswith("(") else None  # "(e^{W})'(x)": a derivative, applied
    if m and _balanced(m.group(1)) and m.group(2) + (m.group(3) or ""):
        node = _parse_name(m.group(1))
        if node is None:
            return None
        node = ("paren", node)
        if m.group(2):
            node = ("prime", node, len(m.group(2)))
        if m.group(3):
            arg = _parse_name(m.group(3))
            node = ("apply", node, arg) if arg else None
        return node
    m = re.fullmatch(r"d\((.+)\)", name)
    if m:
        inner = _parse_name(m.group(1))
        return ("d", ("paren", inner)) if inner else None
    m = _SYM_RE.match(name)
    if not m:
        m2 = re.fullmatch(r"d([A-Za-z].*)", name)  # "dz_2^*": a differential
        inner = _parse_name(m2.group(1)) if m2 else None
        return ("d", inner) if inner else None
    base = (m.group("inner") or m.group("base")).lstrip("\\")
    if len(base) > 1 and base not in _GREEK and base.startswith("d") and (base[1:] in _GREEK or len(base) == 2):
        rest = name[name.index(base) + 1:]
        inner = _parse_name(rest)
        if inner and not m.group("acc"):
            return ("d", inner)
    subs, sups = [], []
    for kind, text in re.findall(rf"([_^])({_SCRIPT}+?)(?=[_^]|$)", m.group("scripts")):
        text = text[1:-1] if text.startswith("{") and text.endswith("}") else text
        (subs if kind == "_" else sups).append(text)
    if m.group("primes"):
        sups = ["\u2032" * len(m.group("primes"))] + sups
    return ("sym", m.group("acc"), base, subs, sups)


def _script_latex(t: str) -> str:
    t = t.replace("\u2032", r"\prime ")
    return re.sub(r"\\?\b(" + "|".join(_GREEK) + r")\b", r"\\\1", t).strip()


def _tree_latex(t: tuple) -> str:
    kind = t[0]
    if kind == "frac":
        return rf"\frac{{{_tree_latex(t[1])}}}{{{_tree_latex(t[2])}}}"
    if kind == "d":
        return "d" + ("" if t[1][0] == "paren" else " ") + _tree_latex(t[1])
    if kind == "paren":
        return rf"\left({_tree_latex(t[1])}\right)"
    if kind == "prime":
        return _tree_latex(t[1]) + "'" * t[2]
    if kind == "apply":
        return _tree_latex(t[1]) + rf"\left({_tree_latex(t[2])}\right)"
    _, acc, base, subs, sups = t
    b = "\\" + base if base in _GREEK else (base if len(base) == 1 else rf"\mathrm{{{base}}}")
    if acc:
        b = rf"\{acc}{{{b}}}"
    out = b
    if subs:
        out += "_{" + ",".join(_script_latex(s) for s in subs) + "}"
    if sups:
        out += "^{" + ",".join(_script_latex(s) for s in sups) + "}"
    return out


def name_latex(name: str) -> str | None:
    """LaTeX of a symbol name as the paper writes it, or None to leave it to SymPy."""
    if not _NEEDS_READING.search(name):
        return None
    t = _parse_name(name)
    return _tree_latex(t) if t else None


def _in(expr: Any, hl: frozenset) -> bool:
    try:
        return bool(hl) and isinstance(expr, sp.Basic) and expr in hl
    except TypeError:  # unhashable (mutable matrices)
        return False


class _LatexPrinter(LatexPrinter):
    def __init__(self, highlight: frozenset = frozenset()) -> None:
        super().__init__()
        self._hl = highlight

    def _print(self, expr, **kwargs):  # noqa: ANN001
        out = super()._print(expr, **kwargs)
        # GitHub's MathJax knows \color; the difference of an erratum shows in red.
        return rf"{{\color{{red}}{{{out}}}}}" if _in(expr, self._hl) else out

    def _print_Symbol(self, expr, style="plain"):  # noqa: ANN001 - SymPy's printer API
        tex = name_latex(expr.name)
        return tex if tex is not None else super()._print_Symbol(expr, style)

    def _print_MatrixSymbol(self, expr, style="plain"):  # noqa: ANN001
        tex = name_latex(expr.name)
        return tex if tex is not None else super()._print_MatrixSymbol(expr, style)


class _MathMLPrinter(MathMLPresentationPrinter):
    def __init__(self, highlight: frozenset = frozenset()) -> None:
        super().__init__({"mat_symbol_style": "plain"})
        self._hl = highlight

    def _print(self, expr, **kwargs):  # noqa: ANN001
        out = super()._print(expr, **kwargs)
        if _in(expr, self._hl):
            return self._el("mrow", out, **{"class": "diff", "mathbackground": "#ffd8a8", "mathcolor": "#a40e26"})
        return out

    def _el(self, tag: str, *children, text: str | None = None, **attrs):
        el = self.dom.createElement(tag)
        for k, v in attrs.items():
            el.setAttribute(k, v)
        if text is not None:
            el.appendChild(self.dom.createTextNode(text))
        for c in children:
            el.appendChild(c)
        return el

    def _script(self, items: list[str]):
        text = ",".join(re.sub(r"\\?\b(" + "|".join(_GREEK) + r")\b", lambda m: _GREEK[m.group(1)], s)
                        for s in items)
        return self._el("mn" if re.fullmatch(r"[0-9,]+", text) else "mi", text=text)

    def _tree(self, t: tuple):
        kind = t[0]
        if kind == "frac":
            return self._el("mfrac", self._tree(t[1]), self._tree(t[2]))
        if kind == "d":
            return self._el("mrow", self._el("mi", text="d", mathvariant="normal"), self._tree(t[1]))
        if kind == "paren":
            return self._el("mrow", self._el("mo", text="("), self._tree(t[1]), self._el("mo", text=")"))
        if kind == "prime":
            return self._el("msup", self._tree(t[1]), self._el("mo", text="\u2032" * t[2]))
        if kind == "apply":
            return self._el("mrow", self._tree(t[1]), self._el("mo", text="("), self._tree(t[2]),
                            self._el("mo", text=")"))
        _, acc, base, subs, sups = t
        b = self._el("mi", text=_GREEK.get(base, base))
        if acc:
            b = self._el("mover", b, self._el("mo", text=_ACCENTS[acc]), accent=_ACCENT_ATTR.get(acc, "true"))
        if subs and sups:
            return self._el("msubsup", b, self._script(subs), self._script(sups))
        if subs:
            return self._el("msub", b, self._script(subs))
        if sups:
            return self._el("msup", b, self._script(sups))
        return b

    def _named(self, name: str):
        if not _NEEDS_READING.search(name):
            return None
        t = _parse_name(name)
        return self._tree(t) if t else None

    def _print_Symbol(self, sym, style="plain"):  # noqa: ANN001 - SymPy's printer API
        el = self._named(sym.name)
        return el if el is not None else super()._print_Symbol(sym, style)

    def _print_MatrixSymbol(self, sym):  # noqa: ANN001
        el = self._named(sym.name)
        return el if el is not None else super()._print_MatrixSymbol(sym)

    def _print_Function(self, e):  # noqa: ANN001
        # An undefined function named like z_i^* prints its name as a symbol would.
        # (SymPy's MathML lower-cases undefined function names: L(ω) would print as l(ω).)
        if not isinstance(e, sp.core.function.AppliedUndef):
            return super()._print_Function(e)
        name = type(e).__name__
        el = self._named(name)
        if el is None:
            el = self._print(sp.Symbol(name))
        args = self._el("mrow")
        for i, a in enumerate(e.args):
            if i:
                args.appendChild(self._el("mo", text=","))
            args.appendChild(self._print(a))
        return self._el("mrow", el, self._el("mo", text="("), args, self._el("mo", text=")"))

    def _print_Subs(self, e):  # noqa: ANN001
        # f(x)|_{x = a}, as SymPy's LaTeX prints it
        pts = self._el("mrow")
        for i, (v, p) in enumerate(zip(e.variables, e.point, strict=True)):
            if i:
                pts.appendChild(self._el("mo", text=","))
            pts.appendChild(self._print(v))
            pts.appendChild(self._el("mo", text="="))
            pts.appendChild(self._print(p))
        return self._el("msub", self._el("mrow", self._print(e.expr), self._el("mo", text="|", stretchy="true")), pts)

    def _print_Idx(self, e):  # noqa: ANN001
        return self._print(e.label)

    def _print_Order(self, e):  # noqa: ANN001
        return self._el("mrow", self._el("mi", text="O"), self._el("mo", text="("), self._print(e.expr),
                        self._el("mo", text=")"))

    def _print_KroneckerDelta(self, e):  # noqa: ANN001
        idx = self._el("mrow", *[self._print(a) for a in e.args])
        return self._el("msub", self._el("mi", text="δ"), idx)

    def _print_ElementwiseApplyFunction(self, e):  # noqa: ANN001
        # As SymPy's LaTeX: (d ↦ f(d))∘(X), the function applied entry by entry.
        f = self._el("mrow", self._el("mo", text="("), self._print(e.function), self._el("mo", text=")"))
        return self._el("mrow", self._el("msub", f, self._el("mo", text="\u2218")),
                        self._el("mo", text="("), self._print(e.expr), self._el("mo", text=")"))


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
    # Braces alone (a set written in words, "δ ∈ {−1/√2, 0}") are prose too: LaTeX needs a
    # command, a subscript or a superscript.
    return isinstance(obj, str) and not re.search(r"[\\^_]", obj)


def _is_data(obj: Any) -> bool:
    """Transcribed data that is not mathematics: a nested mapping (a table row, a code
    reference), a flag, or a sequence holding such values. Shown as data, not typeset."""
    if isinstance(obj, Mapping) or obj is None or isinstance(obj, bool):
        return True
    return isinstance(obj, (list, tuple)) and any(isinstance(v, (Mapping, str)) or v is None for v in obj)


def _data_text(obj: Any) -> str:
    # JSON keeps nesting readable; values it cannot encode (SymPy numbers) print as text.
    return json.dumps(obj, indent=1, ensure_ascii=False, default=str)


def to_latex(obj: Any, highlight: frozenset = frozenset()) -> str:
    r"""LaTeX of a SymPy object (names as in the paper, see :func:`name_latex`); a string is LaTeX already.

    Example:
        >>> print(to_latex(sp.Symbol("alpha_{0,1}^*") / sp.Symbol("lambda")))
        \frac{\alpha_{0,1}^{*}}{\lambda}
    """
    if isinstance(obj, str):
        return obj
    return _memo(("latex", type(obj), _frozen(obj), highlight), lambda: _latex(obj, highlight))


def _latex(obj: Any, highlight: frozenset) -> str:
    try:
        return _LatexPrinter(highlight).doprint(obj)
    except Exception:  # noqa: BLE001 - a non-SymPy object: show its text
        return r"\text{" + str(obj).replace("\\", "").replace("{", "").replace("}", "") + "}"


#: Rendered math by (format, type, object, options). Printing is deterministic, and the same
#: expressions are printed on every run of the same code, so :mod:`theory.cache` stores the
#: entries that a derivation module's claim pages use beside its verdicts (computed where the
#: module is derived, e.g. in a pytest-xdist worker) and the report written at the end reads them.
_RENDERED: dict[tuple, Any] = {}
_RECORDING: list[set] = []


def _frozen(obj: Any) -> Any:
    # a mutable matrix is keyed by its immutable copy (same entries, so the same print)
    return sp.ImmutableMatrix(obj) if isinstance(obj, sp.MatrixBase) and not isinstance(obj, sp.ImmutableMatrix) else obj


def _memo(key: tuple, compute: Callable[[], Any]) -> Any:
    try:
        hit = key in _RENDERED
    except TypeError:  # an unhashable object (a mutable matrix): print it each time
        return compute()
    if not hit:
        _RENDERED[key] = compute()
    for keys in _RECORDING:
        keys.add(key)
    return _RENDERED[key]


@contextlib.contextmanager
def recording() -> Iterator[dict[tuple, Any]]:
    """Collect the rendered math used inside the block: yields a dict, filled on exit."""
    keys: set = set()
    out: dict[tuple, Any] = {}
    _RECORDING.append(keys)
    try:
        yield out
    finally:
        _RECORDING.remove(keys)
        out.update((k, _RENDERED[k]) for k in keys)


def add_rendered(entries: Mapping[tuple, Any]) -> None:
    """Add math rendered elsewhere (:func:`recording` in another process) to this process's memo."""
    _RENDERED.update(entries)


_TOKEN_RE = re.compile(r"<(mi|mn|mo|mtext|ms)((?:\s[^<>]*)?)>(.*?)</\1>", re.S)


def _fix_mathml_tokens(m: re.Match[str]) -> str:
    # SymPy leaves "<" and ">" of relationals unescaped (<mo><</mo>) and uses
    # named entities; normalise token text to characters and re-escape. A set's braces
    # are fences (fence="true"), so a reader and a checker can tell them from LaTeX left over.
    tag, attrs, text = m.group(1), m.group(2), m.group(3)
    if tag == "mo" and text in ("{", "}") and not attrs:
        attrs = ' fence="true"'
    return f"<{tag}{attrs}>{html.escape(html.unescape(text), quote=False)}</{tag}>"


def to_mathml(obj: Any, display: str = "block", highlight: frozenset = frozenset()) -> str | None:
    r"""Presentation MathML (``<math>`` element) of a SymPy object, or None if impossible.

    Example:
        >>> "<mover" in to_mathml(sp.Symbol(r"\dot{\alpha}"))
        True
    """
    if isinstance(obj, str) or obj is None:
        return None
    if isinstance(obj, (list, tuple)):  # a plain list of values prints as a tuple
        obj = sp.Tuple(*obj)
    inner = _memo(("mathml", type(obj), _frozen(obj), highlight), lambda: _mathml_inner(obj, highlight))
    if inner is None:
        return None
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{display}">{inner}</math>'


def _mathml_inner(obj: Any, highlight: frozenset) -> str | None:
    try:
        expr = sp.sympify(obj) if not isinstance(obj, sp.Basic) else obj
        printer = _MathMLPrinter(highlight)
        inner = printer._print(expr).toxml()
    except Exception:  # noqa: BLE001 - fall back to showing LaTeX source
        return None
    return _TOKEN_RE.sub(_fix_mathml_tokens, inner)


def _md_math_block(obj: Any, highlight: frozenset = frozenset()) -> str:
    if _is_false(obj):
        return f"**Warning:** {md_escape(_FALSE_NOTE)}"
    if _is_prose(obj):
        return md_escape(obj, block=True)
    if _is_data(obj):
        return "```json\n" + _data_text(obj) + "\n```"
    tex = " ".join(to_latex(obj, highlight).split())
    if len(tex) > MAX_MATH_CHARS:
        return f"*(expression of {len(tex)} LaTeX characters; too large to typeset)*"
    # GitHub: a "$$" block must not contain a blank line; "$$" inside would end it.
    return "$$\n" + tex.replace("$$", r"\$\$") + "\n$$"


def _md_math_inline(obj: Any) -> str:
    if _is_prose(obj):
        return md_escape(obj)
    if _is_data(obj):
        return "`" + " ".join(_data_text(obj).split()).replace("`", "'").replace("|", r"\|") + "`"
    tex = " ".join(to_latex(obj).split())
    if len(tex) > MAX_MATH_CHARS:
        return f"*(expression of {len(tex)} LaTeX characters)*"
    # Inside a table cell "|" would split the cell.
    return "$" + tex.replace("|", r"\|").replace("$", r"\$") + "$"


def _html_math(obj: Any, display: str = "block", highlight: frozenset = frozenset()) -> str:
    if _is_false(obj):
        return f'<p class="warn">Warning: {h(_FALSE_NOTE)}</p>' if display == "block" else h("False")
    if _is_prose(obj):
        return f'<p class="prose-part">{h(obj)}</p>' if display == "block" else h(obj)
    if _is_data(obj):
        return (f'<pre class="data">{h(_data_text(obj))}</pre>' if display == "block"
                else f'<code class="data">{h(" ".join(_data_text(obj).split()))}</code>')
    # MathML first: its size decides (LaTeX would cost as much again, only to be measured).
    mml = to_mathml(obj, display, highlight)
    if mml is not None:
        if len(mml) > MAX_MATHML_CHARS:
            return f'<p class="muted">(expression of {len(mml)} MathML characters; too large to typeset)</p>'
        cls = "math-block" if display == "block" else "math-inline"
        return f'<div class="{cls}">{mml}</div>' if display == "block" else f'<span class="{cls}">{mml}</span>'
    # LaTeX strings (and objects SymPy cannot print as MathML) are shown as source.
    tex = to_latex(obj)
    if len(tex) > MAX_MATH_CHARS:
        return f'<p class="muted">(expression of {len(tex)} LaTeX characters; too large to typeset)</p>'
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



def differences(a: Any, b: Any) -> tuple[frozenset, frozenset]:
    """The subexpressions where ``a`` and ``b`` differ (to highlight an erratum).

    Walks both trees together; terms of a sum or factors of a product that both have
    are the same, the rest differ; a single differing pair is followed down.

    Example:
        >>> x, y = sp.symbols("x y")
        >>> differences(x / (x + y), x / (x + 2 * y))
        (frozenset({y}), frozenset({2*y}))
    """
    out_a: set = set()
    out_b: set = set()

    def walk(p: Any, q: Any) -> None:
        if p == q:
            return
        if (isinstance(p, sp.Basic) and isinstance(q, sp.Basic) and type(p) is type(q)
                and p.args and q.args and not p.is_Atom):
            if isinstance(p, (sp.Add, sp.Mul)):
                from collections import Counter

                cp, cq = Counter(p.args), Counter(q.args)
                op, oq = list((cp - cq).elements()), list((cq - cp).elements())
                if len(op) == 1 and len(oq) == 1:
                    walk(op[0], oq[0])
                else:
                    out_a.update(op)
                    out_b.update(oq)
                return
            if len(p.args) == len(q.args):
                for x, y in zip(p.args, q.args, strict=True):
                    walk(x, y)
                return
        try:
            out_a.add(p)
            out_b.add(q)
        except TypeError:  # unhashable: nothing to mark
            pass

    try:
        walk(a, b)
    except Exception:  # noqa: BLE001 - a display aid must never lose a page
        return frozenset(), frozenset()
    return frozenset(out_a), frozenset(out_b)
