"""The paper's checkable statements, transcribed once, verbatim: data under test.

Each :class:`Claim` records what Pezeshki et al. (2021) *print* — never what is
true. Typos are kept; a transcription that the OCR'd source garbled says so in
``transcription_note`` and gives the reading used. Tests compare these printed forms
against independent derivations (``theory.legendre``, ``theory.dual``, ...) and
the numeric engine; nothing else in the project may copy a printed formula.

The claims live in one file per area of the paper (``legendre``, ``dual``,
``decoupling``, ``uncoupled``, ``perturbation``, ``starvation``, ``toy``); this package
assembles them into ``CLAIMS`` (id → Claim), ordered as in the paper.

Example:
    >>> from theory.claims import CLAIMS
    >>> CLAIMS["eq12_alpha"].equation
    'Eq. 12'
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any


class Kind(str, enum.Enum):
    """What sort of statement a claim is."""

    IDENTITY = "identity"  # two expressions are equal
    INEQUALITY = "inequality"  # a bound
    FIXED_POINT = "fixed point"  # a closed form solves a fixed-point equation
    SIGN = "sign claim"  # an expression has a definite sign
    STABILITY = "stability"  # a Jacobian is negative definite
    APPROXIMATION = "approximation"  # equal up to a stated order
    DEFINITION = "definition"  # a definition whose printed form can still be wrong
    QUALITATIVE = "qualitative"  # a statement about dynamics checked numerically
    SETUP = "set-up"  # an experimental set-up or hyperparameter statement
    REPORTED = "reported number"  # a number measured by the authors (table entry, figure value)
    CODE = "paper vs code"  # a difference between the paper and the authors' released code

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


@dataclass(frozen=True)
class Claim:
    """One printed statement of the paper.

    Attributes:
        id: Stable identifier, e.g. ``"eq12_alpha"``, ``"lemma1"``, ``"thm2"``.
        equation: The paper's label, e.g. ``"Eq. 12"``, ``"Thm. 2"``, ``"Table 5"``.
        section: Where it is printed, e.g. ``"§3.3"`` or ``"App. C.7"``.
        title: A short name a reader recognises.
        latex: The printed LaTeX, verbatim from ``shared/paper`` (OCR included).
        printed: The printed form as a SymPy object, exactly as printed (typos
            included): usually ``sympy.Eq(lhs, rhs)``, a relational, a Matrix, or a
            dict of named parts for multi-part claims; None only where the print is
            prose with no formula.
        statement: The claim in words (what would make it true or false).
        assumptions: The assumptions the paper states or uses.
        kind: The kind of statement.
        order: For approximations, the claimed order (e.g. ``"O(δ²)"``).
        transcription_note: OCR damage and the reading adopted, or ambiguity.
    """

    id: str
    equation: str
    section: str
    title: str
    latex: str
    printed: Any
    statement: str
    assumptions: tuple[str, ...] = ()
    kind: Kind = Kind.IDENTITY
    order: str | None = None
    transcription_note: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        # A malformed record would make a verdict judge the wrong thing: refuse it at once,
        # naming the field and what it must be.
        if not isinstance(self.id, str) or not _ID.fullmatch(self.id):
            raise ValueError(f"Claim.id must match {_ID.pattern} (lower case, digits, '_'); got {self.id!r}")
        for name in ("equation", "section", "title", "statement"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v.strip():
                raise ValueError(f"Claim {self.id}: {name} must be a non-empty string; got {v!r}")
        for name in ("latex", "transcription_note"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"Claim {self.id}: {name} must be a string")
        if not isinstance(self.kind, Kind):
            raise ValueError(f"Claim {self.id}: kind must be a Kind ({', '.join(k.name for k in Kind)}); "
                             f"got {self.kind!r}")
        if not isinstance(self.assumptions, tuple) or not all(isinstance(a, str) for a in self.assumptions):
            raise ValueError(f"Claim {self.id}: assumptions must be a tuple of strings; got {self.assumptions!r}")
        if self.order is not None and (not isinstance(self.order, str) or not self.order.strip()):
            raise ValueError(f"Claim {self.id}: order must be None or a non-empty string; got {self.order!r}")
        if self.kind is Kind.APPROXIMATION and self.order is None:
            raise ValueError(f"Claim {self.id}: an approximation must state its order (order=...)")
        if not isinstance(self.extra, dict):
            raise ValueError(f"Claim {self.id}: extra must be a dict; got {type(self.extra).__name__}")


def printed_eq(lhs: Any, rhs: Any) -> Any:
    """A printed equation ``lhs = rhs``, kept as printed.

    ``sympy.Eq`` tries to decide an equation when it is built: it would replace a printed
    equation that it can settle by ``True`` or ``False`` (two matrices of different shapes, a
    typo that makes both sides equal), and deciding costs more than the rest of this package's
    import. A transcription must stay the statement under test, so it is never evaluated here;
    the tests decide it against the derivations.

    Example:
        >>> import sympy as sp
        >>> x = sp.Symbol("x")
        >>> sp.Eq(x + 1, 1 + x), printed_eq(x + 1, 1 + x)
        (True, Eq(x + 1, x + 1))
    """
    import sympy as sp

    return sp.Eq(lhs, rhs, evaluate=False)


#: Claim ids: lower case letters, digits and '_', starting with a letter (used in file names).
_ID = re.compile(r"[a-z][a-z0-9_]*")


_AREAS = ("legendre", "dual", "uncoupled", "perturbation", "starvation", "decoupling", "toy",
          "appendix_a", "appendix_b", "experiments", "code_ledger")


def _collect() -> dict[str, Claim]:
    import importlib

    out: dict[str, Claim] = {}
    for area in _AREAS:
        mod = importlib.import_module(f"theory.claims.{area}")
        for c in mod.CLAIMS:
            if c.id in out:
                raise ValueError(f"duplicate claim id {c.id!r} in theory.claims.{area}")
            out[c.id] = c
    return out


CLAIMS: dict[str, Claim] = _collect()

__all__ = ["CLAIMS", "Claim", "Kind", "printed_eq"]
