"""Math in the reports reads as the paper writes it (theory.report.mathrender).

The printed forms of the real claims are typeset; no MathML token may hold a LaTeX
command, a brace or a SymPy function name, and the Markdown's LaTeX of the names
that SymPy mangles is checked against the form a reader expects.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

from theory.claims import CLAIMS
from theory.report.mathrender import _is_data, _is_prose, _math_parts, differences, name_latex, to_latex, to_mathml

_TOKEN = re.compile(r"<(mi|mn|mo|mtext)[^>]*>(.*?)</\1>")
# Multi-letter identifiers that are names of functions, not mangled symbols.
_FUNCTION_NAMES = {"log", "exp", "tanh", "sign", "diag", "max", "min", "sin", "cos", "det", "tr"}


def _parts():
    return [(cid, lab, part) for cid, c in CLAIMS.items() if c.printed is not None
            for lab, part in _math_parts(c.printed)
            if not isinstance(part, str) and not _is_prose(part) and not _is_data(part)]


@pytest.mark.parametrize("name, tex", [
    ("dz_2^*/d(s_1^2)", r"\frac{d z_{2}^{*}}{d\left(s_{1}^{2}\right)}"),  # Theorem 2 (Eq. 16)
    (r"\dot{\alpha}", r"\dot{\alpha}"),  # Eq. 9, 18
    ("dot{alpha}", r"\dot{\alpha}"),
    (r"\hat{y}", r"\hat{y}"),  # Eq. 17
    ("alpha_{0,1}^*", r"\alpha_{0,1}^{*}"),  # Lemma 1 (Eq. 14)
    ("(e^{W})'(x)", r"\left(e^{W}\right)'\left(x\right)"),
    ("alpha", None),  # plain names are SymPy's
])
def test_names_read_as_printed(name, tex):
    assert name_latex(name) == tex


def test_every_printed_form_typesets_without_raw_names():
    bad = []
    for cid, lab, part in _parts():
        mml = to_mathml(part)
        if mml is None:
            bad.append((cid, lab, "no MathML"))
            continue
        for tag, text in _TOKEN.findall(mml):
            if tag == "mo" and text in "{}" and isinstance(part, sp.Set) and 'fence="true"' in mml:
                continue  # a set's own braces (e.g. {−1/√2, 0, 1/√2}), marked as fences
            if re.search(r"[\\{}]|elementwise|applyfunc|idx\(", text, re.I) or (
                    tag == "mi" and len(text) > 3 and text not in _FUNCTION_NAMES):
                bad.append((cid, lab, text))
        tex = to_latex(part)
        if re.search(r"operatorname\{elementwise|[a-z]{2,}_\{[^}]*\}\^\*", tex):
            bad.append((cid, lab, tex[:80]))
    assert not bad, bad[:20]


def test_theorem2_and_elementwise_forms():
    thm2 = to_mathml(CLAIMS["thm2"].printed)
    assert "<mfrac>" in thm2 and "*/d(s" not in thm2
    eq17 = next(p for cid, lab, p in _parts() if cid == "eq17" and lab == "loss")
    mml = to_mathml(eq17)
    assert "\u2218" in mml and "elementwiseapplyfunction" not in mml and "<mover" in mml  # ∘ and ŷ


def test_erratum_differences_point_at_the_change():
    x, y, lam = sp.symbols("x y lambda", positive=True)
    a, b = differences(x**2 / (x**2 + lam), x**2 / (x**2 + 2 * lam))
    assert a == {lam} and b == {2 * lam}
    assert "\\color{red}" in to_latex(x**2 / (x**2 + lam), a)
    assert differences(x + y, x + y) == (frozenset(), frozenset())
