"""Printed equations stay as printed: SymPy never decides a transcription when it is built."""

from __future__ import annotations

import ast
from pathlib import Path

import sympy as sp

import theory.claims as claims_pkg
from theory.claims import CLAIMS, printed_eq

_CLAIM_MODULES = sorted(Path(claims_pkg.__file__).parent.glob("*.py"))


def _parts(printed):
    if isinstance(printed, dict):
        for v in printed.values():
            yield from _parts(v)
    elif isinstance(printed, (list, tuple)):
        for v in printed:
            yield from _parts(v)
    else:
        yield printed


def test_printed_eq_keeps_an_equation_sympy_would_decide():
    x = sp.Symbol("x")
    # sympy.Eq settles both of these at construction; a transcription must not be settled.
    assert sp.Eq(x + 1, 1 + x) is sp.true
    assert sp.Eq(sp.Matrix([x]), sp.Matrix([x, x])) is sp.false
    for lhs, rhs in ((x + 1, 1 + x), (sp.Matrix([x]), sp.Matrix([x, x]))):
        eq = printed_eq(lhs, rhs)
        assert isinstance(eq, sp.Equality)
        assert eq.lhs == lhs and eq.rhs == rhs


def test_no_printed_part_is_a_decided_boolean():
    parts = [(cid, p) for cid, c in CLAIMS.items() for p in _parts(c.printed)]
    assert sum(isinstance(p, sp.Equality) for _, p in parts) >= 40  # the transcribed equations
    decided = [cid for cid, p in parts if isinstance(p, sp.logic.boolalg.BooleanAtom)]
    assert decided == []


def test_claim_modules_build_equations_only_with_printed_eq():
    # A direct sympy.Eq(...) would be evaluated at import and could turn a printed typo
    # into True or False without a word.
    offenders = []
    for path in _CLAIM_MODULES:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
                if name in ("Eq", "Equality"):
                    offenders.append(f"{path.name}:{node.lineno}")
    # printed_eq itself is the one place that calls sp.Eq (with evaluate=False)
    assert offenders == ["__init__.py:" + str(_line_of_printed_eq_call())]


def _line_of_printed_eq_call() -> int:
    src = Path(claims_pkg.__file__).read_text().splitlines()
    return next(i for i, line in enumerate(src, 1) if "sp.Eq(lhs, rhs, evaluate=False)" in line)
