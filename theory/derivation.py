"""Derivations as plain data: steps, checks, comparisons with the printed paper, verdicts.

A derivation is a list of :class:`Step` (expression, justification, check). A
:class:`Check` is either an *exact proof* (SymPy simplifies a difference to 0, or
factors an expression into factors of known sign) or *numeric evidence*
(evaluation at ≥ 20 random admissible points in 50-digit mpmath arithmetic). The two
are labelled differently and never confused: numeric evidence is evidence.

A :class:`Comparison` confronts one printed claim (``theory.claims``) with the
derived result and yields a :class:`Verdict`:

- ``verified``: printed == derived (exactly, or by numeric evidence);
- ``erratum``: printed != derived (counterexample at given numbers, rechecked at
  100 digits), and a stated corrected form == derived;
- ``refuted``: printed != derived and no corrected form of the same statement holds;
- ``holds-only-in-regime``: true only under conditions the paper does not state
  or only to the order it claims (the regime is said in ``regime``).

Example:
    >>> import sympy as sp
    >>> from theory.derivation import check_identity
    >>> from theory.symbols import x
    >>> check_identity(sp.log(x**2), 2 * sp.log(x)).passed
    True
"""

from __future__ import annotations

import enum
import hashlib
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from theory.symbols import DOMAINS, Domain

# 50 significant digits: the working precision of numeric evidence (issue 2).
EVIDENCE_DPS = 50
# Recheck precision for counterexamples: a difference that survives doubling the
# precision is not round-off.
RECHECK_DPS = 100
# At 50 digits a correct identity evaluates to a relative difference of about
# 1e-50 times the condition number of the expression; we allow 10 lost digits
# (condition numbers up to 1e10, seen with exp(W(.)) at λ = 1e-2, s = 10).
EVIDENCE_RTOL = mpmath.mpf(10) ** (-(EVIDENCE_DPS - 10))
# A printed form that differs from the derived one by more than this relative
# amount at some admissible point is called different. Any real typo moves the value
# by O(1); 1e-6 is far above round-off at 50 digits and far below a typo.
COUNTEREXAMPLE_RTOL = mpmath.mpf("1e-6")
DEFAULT_POINTS = 24


class Verdict(str, enum.Enum):
    """The four verdicts a claim can get."""

    VERIFIED = "verified"
    ERRATUM = "erratum"
    REFUTED = "refuted"
    REGIME = "holds-only-in-regime"
    # Reported numbers (tables, figures) against our own runs.
    REPRODUCED = "reproduced"
    STAND_IN = "reproduced on a stand-in"
    NOT_REPRODUCED = "not reproduced"
    NEEDS_DATA = "needs local data"
    # A discrepancy present in one transcription of the paper only.
    VARIANT = "transcription variant"
    # The paper against the authors' released code.
    CODE_DIFFERS = "differs from released code"
    CODE_MATCHES = "matches released code"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


@dataclass(frozen=True)
class Check:
    """The outcome of checking one step or one comparison.

    Attributes:
        method: ``"exact"`` (a symbolic proof), ``"numeric"`` (evidence at random
            points), or ``"counterexample"`` (a point where two forms differ).
        passed: Whether the checked statement holds.
        detail: Human-readable account (what was simplified, how many points...).
        max_abs_error: Largest absolute difference seen (numeric checks).
        max_rel_error: Largest relative difference seen (numeric checks).
        points: Number of evaluation points (numeric checks).
        dps: Decimal digits of the arithmetic (numeric checks).
    """

    method: str
    passed: bool
    detail: str
    max_abs_error: float | None = None
    max_rel_error: float | None = None
    points: int = 0
    dps: int = 0

    @property
    def is_proof(self) -> bool:
        return self.method == "exact" and self.passed


@dataclass(frozen=True)
class Step:
    """One step of a derivation.

    Attributes:
        expr: A SymPy object (expression, Eq, relational, Matrix) or a string.
        justification: Why this step follows (cites the paper's equations).
        check: How the step was checked, or None for a definition/assumption.
    """

    expr: Any
    justification: str
    check: Check | None = None

    def latex(self) -> str:
        if isinstance(self.expr, str):
            return self.expr
        return sp.latex(self.expr)


@dataclass
class Derivation:
    """A titled list of steps deriving one result from the definitions."""

    title: str
    steps: list[Step] = field(default_factory=list)
    note: str = ""

    def add(self, expr: Any, justification: str, check: Check | None = None) -> Step:
        step = Step(expr, justification, check)
        self.steps.append(step)
        return step

    @property
    def all_checks_pass(self) -> bool:
        return all(st.check is None or st.check.passed for st in self.steps)


@dataclass
class Comparison:
    """A printed claim confronted with its independent derivation.

    Attributes:
        claim_id: Id of the claim in ``theory.claims.CLAIMS``.
        verdict: The verdict.
        printed: The printed form (SymPy), as transcribed.
        derived: The derived form (SymPy), from the definitions.
        check: Printed vs derived.
        corrected: For an erratum: the corrected printed form.
        corrected_check: Corrected vs derived.
        counterexample: Where printed != derived: the point and both values at
            50 and 100 digits (strings).
        regime: For ``holds-only-in-regime``: the regime, in words.
        routes: Which routes were compared, e.g. ``("printed", "derived")``.
        derivation: The steps that produced ``derived``.
        notes: Anything a reader must know (OCR garbling, ambiguity).
    """

    claim_id: str
    verdict: Verdict
    printed: Any = None
    derived: Any = None
    check: Check | None = None
    corrected: Any = None
    corrected_check: Check | None = None
    counterexample: dict[str, Any] | None = None
    regime: str = ""
    routes: tuple[str, ...] = ("printed", "derived")
    derivation: Derivation | None = None
    notes: str = ""


# --------------------------------------------------------------------------- sampling


def _rng(seed_key: str) -> random.Random:
    # Deterministic per check: the same key gives the same points in every run.
    digest = hashlib.sha256(seed_key.encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "little"))


def _draw(dom: Domain, rng: random.Random) -> mpmath.mpf:
    u = mpmath.mpf(rng.random())
    if dom.kind == "log":
        lo, hi = mpmath.log(dom.lo), mpmath.log(dom.hi)
        return mpmath.exp(lo + (hi - lo) * u)
    return mpmath.mpf(dom.lo) + (mpmath.mpf(dom.hi) - mpmath.mpf(dom.lo)) * u


def sample_points(
    symbols: Sequence[sp.Symbol],
    n: int = DEFAULT_POINTS,
    *,
    seed_key: str = "",
    domains: Mapping[sp.Symbol, Domain] | None = None,
    constraint: Callable[[dict[sp.Symbol, mpmath.mpf]], bool] | None = None,
    max_tries: int = 10_000,
) -> list[dict[sp.Symbol, mpmath.mpf]]:
    """Draw ``n`` admissible points for ``symbols`` (deterministic given ``seed_key``).

    Args:
        symbols: The free symbols to assign.
        n: Number of points.
        seed_key: Seeds the generator, so a check draws the same points every run.
        domains: Per-symbol domains; defaults to ``theory.symbols.DOMAINS``.
        constraint: Extra admissibility (e.g. ``s1 > s2``); points failing it are redrawn.
        max_tries: Give up (ValueError) after this many draws.

    Raises:
        ValueError: If a symbol has no domain, or the constraint rejects too many draws.
    """
    doms = dict(DOMAINS)
    if domains:
        doms.update(domains)
    missing = [str(sy) for sy in symbols if sy not in doms]
    if missing:
        raise ValueError(f"symbols {missing} have no sampling domain; pass domains=")
    rng = _rng(seed_key + "|" + ",".join(sorted(str(sy) for sy in symbols)))
    out: list[dict[sp.Symbol, mpmath.mpf]] = []
    tries = 0
    with mpmath.workdps(RECHECK_DPS):
        while len(out) < n:
            tries += 1
            if tries > max_tries:
                raise ValueError(f"constraint rejected {max_tries} draws for {symbols}")
            pt = {sy: _draw(doms[sy], rng) for sy in symbols}
            if constraint is None or constraint(pt):
                out.append(pt)
    return out


# ------------------------------------------------------------------------- evaluation


def _entries(expr: Any) -> list[sp.Expr]:
    if isinstance(expr, sp.MatrixBase):
        return list(expr)
    if isinstance(expr, sp.Equality):
        return [expr.lhs - expr.rhs]
    return [sp.sympify(expr)]


def _free(*exprs: Any) -> list[sp.Symbol]:
    syms: set[sp.Symbol] = set()
    for e in exprs:
        for entry in _entries(e):
            syms |= entry.free_symbols
    return sorted(syms, key=str)


def _compiled(expr: Any, syms: Sequence[sp.Symbol]) -> Callable[..., list[Any]]:
    entries = _entries(expr)
    f = sp.lambdify(list(syms), entries, modules="mpmath")
    return f


def _real(v: Any, dps: int) -> mpmath.mpf:
    if isinstance(v, mpmath.mpc):
        if abs(v.imag) > mpmath.mpf(10) ** (-dps // 2) * max(1, abs(v.real)):
            raise ValueError(f"complex value {v}")
        return v.real
    return mpmath.mpf(v)


def numeric_differences(
    a: Any,
    b: Any,
    points: Iterable[Mapping[sp.Symbol, Any]],
    dps: int = EVIDENCE_DPS,
) -> list[tuple[mpmath.mpf, mpmath.mpf]]:
    """Max |a-b| and max |a-b|/max(|a|,|b|,tiny) over the entries, per point."""
    syms = _free(a, b)
    fa, fb = _compiled(a, syms), _compiled(b, syms)
    out = []
    with mpmath.workdps(dps):
        tiny = mpmath.mpf(10) ** (-dps)
        for pt in points:
            args = [mpmath.mpf(pt[sy]) for sy in syms]
            va = [_real(v, dps) for v in fa(*args)]
            vb = [_real(v, dps) for v in fb(*args)]
            if len(va) != len(vb):
                raise ValueError("shape mismatch between compared expressions")
            ab = max(abs(x - y) for x, y in zip(va, vb, strict=True))
            rel = max(abs(x - y) / max(abs(x), abs(y), tiny) for x, y in zip(va, vb, strict=True))
            out.append((ab, rel))
    return out


# ---------------------------------------------------------------------------- checks


def prove_zero(expr: Any, strategies: Sequence[Callable[[sp.Expr], sp.Expr]] | None = None) -> bool:
    """True when SymPy reduces every entry of ``expr`` to exactly 0.

    Tries cheap strategies first (``cancel``, ``expand``), then ``simplify``. False
    means "not proven", never "false".
    """
    strategies = strategies or [sp.cancel, lambda e: sp.expand(sp.together(e)), sp.simplify]
    for entry in _entries(expr):
        done = False
        for strat in strategies:
            try:
                done = strat(entry) == 0
            except Exception:  # noqa: BLE001 - a strategy that fails just did not prove it
                done = False
            if done:
                break
        if not done:
            return False
    return True


def check_identity(
    lhs: Any,
    rhs: Any,
    *,
    try_exact: bool = True,
    n_points: int = DEFAULT_POINTS,
    seed_key: str = "",
    domains: Mapping[sp.Symbol, Domain] | None = None,
    constraint: Callable[[dict[sp.Symbol, mpmath.mpf]], bool] | None = None,
    strategies: Sequence[Callable[[sp.Expr], sp.Expr]] | None = None,
) -> Check:
    """Check ``lhs == rhs`` (expressions or matrices) exactly, else by numeric evidence.

    Args:
        lhs, rhs: SymPy expressions or matrices of equal shape.
        try_exact: Attempt a symbolic proof first (``prove_zero(lhs - rhs)``).
        n_points: Number of random admissible points for numeric evidence (≥ 20).
        seed_key: Seeds the points; pass the claim id for reproducibility.
        domains: Overrides of ``theory.symbols.DOMAINS``.
        constraint: Extra admissibility of points (e.g. ``s1 > s2``).
        strategies: Simplification strategies for the exact attempt.

    Returns:
        A Check: ``method="exact"`` if proven, else ``method="numeric"`` whose
        ``passed`` says whether the max relative difference ≤ EVIDENCE_RTOL.
    """
    if n_points < 20:
        raise ValueError(f"n_points must be >= 20 for numeric evidence, got {n_points}")
    diff = (sp.Matrix(lhs) - sp.Matrix(rhs)) if isinstance(lhs, sp.MatrixBase) else sp.sympify(lhs) - sp.sympify(rhs)
    if try_exact and prove_zero(diff, strategies):
        return Check("exact", True, "SymPy reduces lhs − rhs to 0")
    syms = _free(lhs, rhs)
    if not syms:
        vals = numeric_differences(lhs, rhs, [{}])
        ab, rel = vals[0]
        ok = rel <= EVIDENCE_RTOL
        return Check("numeric", ok, "constant expressions compared at 50 digits",
                     float(ab), float(rel), 1, EVIDENCE_DPS)
    pts = sample_points(syms, n_points, seed_key=seed_key, domains=domains, constraint=constraint)
    res = numeric_differences(lhs, rhs, pts)
    max_ab = max(r[0] for r in res)
    max_rel = max(r[1] for r in res)
    ok = max_rel <= EVIDENCE_RTOL
    detail = (
        f"evaluated at {n_points} random admissible points of ({', '.join(map(str, syms))}) "
        f"with {EVIDENCE_DPS}-digit arithmetic: max relative difference {mpmath.nstr(max_rel, 3)} "
        f"({'≤' if ok else '>'} {mpmath.nstr(EVIDENCE_RTOL, 1)})"
    )
    return Check("numeric", ok, detail, float(max_ab), float(max_rel), n_points, EVIDENCE_DPS)


def find_counterexample(
    printed: Any,
    derived: Any,
    *,
    n_points: int = DEFAULT_POINTS,
    seed_key: str = "",
    domains: Mapping[sp.Symbol, Domain] | None = None,
    constraint: Callable[[dict[sp.Symbol, mpmath.mpf]], bool] | None = None,
) -> dict[str, Any] | None:
    """A point where ``printed`` and ``derived`` differ by > COUNTEREXAMPLE_RTOL.

    The first such point found is re-evaluated at 100 digits; it is returned only
    if the difference persists (same leading digits) there.

    Returns:
        ``{"point": {name: str}, "printed_50": [...], "derived_50": [...],
        "printed_100": [...], "derived_100": [...], "rel_diff": float}`` or None.
    """
    syms = _free(printed, derived)
    pts = sample_points(syms, n_points, seed_key=seed_key + "|cx", domains=domains,
                        constraint=constraint) if syms else [{}]
    res = numeric_differences(printed, derived, pts)
    for pt, (_, rel) in zip(pts, res, strict=True):
        if rel > COUNTEREXAMPLE_RTOL:
            # Round the point to 6 significant digits so a reader can retype it,
            # then recompute everything at that exact point.
            rpt = {sy: mpmath.mpf(mpmath.nstr(v, 6)) for sy, v in pt.items()}
            p50, d50 = _eval_at(printed, rpt, EVIDENCE_DPS), _eval_at(derived, rpt, EVIDENCE_DPS)
            p100, d100 = _eval_at(printed, rpt, RECHECK_DPS), _eval_at(derived, rpt, RECHECK_DPS)
            rel100 = max(abs(x - y) / max(abs(x), abs(y), mpmath.mpf(10) ** -RECHECK_DPS)
                         for x, y in zip(p100, d100, strict=True))
            if rel100 <= COUNTEREXAMPLE_RTOL:
                continue
            return {
                "point": {str(sy): mpmath.nstr(v, 6) for sy, v in rpt.items()},
                "printed_50": [mpmath.nstr(v, 20) for v in p50],
                "derived_50": [mpmath.nstr(v, 20) for v in d50],
                "printed_100": [mpmath.nstr(v, 30) for v in p100],
                "derived_100": [mpmath.nstr(v, 30) for v in d100],
                "rel_diff": float(rel100),
            }
    return None


def _eval_at(expr: Any, point: Mapping[sp.Symbol, Any], dps: int) -> list[mpmath.mpf]:
    syms = _free(expr)
    f = _compiled(expr, syms)
    with mpmath.workdps(dps):
        return [_real(v, dps) for v in f(*[mpmath.mpf(point[sy]) for sy in syms])]


def check_sign(
    expr: sp.Expr,
    sign: int,
    *,
    n_points: int = DEFAULT_POINTS,
    seed_key: str = "",
    domains: Mapping[sp.Symbol, Domain] | None = None,
    constraint: Callable[[dict[sp.Symbol, mpmath.mpf]], bool] | None = None,
) -> Check:
    """Numeric evidence that ``sign * expr > 0`` at random admissible points."""
    syms = _free(expr)
    pts = sample_points(syms, n_points, seed_key=seed_key, domains=domains, constraint=constraint)
    f = _compiled(expr, syms)
    worst = None
    with mpmath.workdps(EVIDENCE_DPS):
        for pt in pts:
            v = _real(f(*[pt[sy] for sy in syms])[0], EVIDENCE_DPS) * sign
            if worst is None or v < worst:
                worst = v
    ok = worst is not None and worst > 0
    return Check("numeric", ok,
                 f"sign {'+' if sign > 0 else '−'} at {n_points} random admissible points "
                 f"({EVIDENCE_DPS} digits); smallest signed value {mpmath.nstr(worst, 3)}",
                 None, None, n_points, EVIDENCE_DPS)


def compare(
    claim_id: str,
    printed: Any,
    derived: Any,
    *,
    corrected: Any = None,
    derivation: Derivation | None = None,
    notes: str = "",
    try_exact: bool = True,
    domains: Mapping[sp.Symbol, Domain] | None = None,
    constraint: Callable[[dict[sp.Symbol, mpmath.mpf]], bool] | None = None,
    n_points: int = DEFAULT_POINTS,
) -> Comparison:
    """Confront a printed form with the derived one and return the verdict.

    ``verified`` if they agree; otherwise a counterexample is required (a
    disagreement with none reproducible at 100 digits raises), and the verdict is
    ``erratum`` when ``corrected`` agrees with ``derived``, else ``refuted``.

    Raises:
        AssertionError: If printed and derived disagree in the evidence check but no
            counterexample survives the 100-digit recheck (an inconclusive check is a
            bug in the derivation, not a verdict).
    """
    kw = dict(try_exact=try_exact, seed_key=claim_id, domains=domains, constraint=constraint,
              n_points=n_points)
    chk = check_identity(printed, derived, **kw)
    if chk.passed:
        return Comparison(claim_id, Verdict.VERIFIED, printed, derived, chk,
                          derivation=derivation, notes=notes)
    cx = find_counterexample(printed, derived, seed_key=claim_id, domains=domains,
                             constraint=constraint, n_points=n_points)
    if cx is None:
        raise AssertionError(f"{claim_id}: printed and derived disagree ({chk.detail}) "
                             "but no counterexample survives the 100-digit recheck")
    chk = Check("counterexample", False,
                f"printed ≠ derived at {cx['point']}: relative difference "
                f"{cx['rel_diff']:.3g} (confirmed at {RECHECK_DPS} digits)",
                chk.max_abs_error, chk.max_rel_error, chk.points, chk.dps)
    if corrected is not None:
        cchk = check_identity(corrected, derived, **{**kw, "seed_key": claim_id + "|corrected"})
        verdict = Verdict.ERRATUM if cchk.passed else Verdict.REFUTED
        return Comparison(claim_id, verdict, printed, derived, chk, corrected, cchk, cx,
                          derivation=derivation, notes=notes)
    return Comparison(claim_id, Verdict.REFUTED, printed, derived, chk, None, None, cx,
                      derivation=derivation, notes=notes)
