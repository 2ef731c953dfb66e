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

# 50 significant digits: the working precision of numeric evidence.
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
    #: Not a verdict on the paper: the derivation itself raised while judging the claim
    #: (a bug of ours). Only this claim fails; the others keep their verdicts.
    ERROR = "derivation-error"

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


#: Keys every counterexample dict carries: where, and the precision it was rechecked at
#: (or ``"exact": True`` in place of ``recheck_dps`` for exact arithmetic).
COUNTEREXAMPLE_KEYS = ("point", "recheck_dps")
#: Verdicts on data and released code (by value, so that areas adding them need no change
#: here): what each needs to be built.
_DATA_VERDICTS = {
    "reproduced": "pass", "reproduced on a stand-in": "pass", "matches released code": "pass",
    "not reproduced": "counterexample", "differs from released code": "counterexample",
    "needs local data": "fail", "transcription variant": "any",
}


@dataclass(frozen=True)
class Comparison:
    """A printed claim confronted with its independent derivation.

    Built only with what its verdict needs (checked in ``__post_init__``, ValueError naming
    the field otherwise):

    - ``verified``: ``check`` passed (an exact proof or numeric evidence);
    - ``erratum``: ``check`` failed, a ``counterexample`` rechecked at ≥ RECHECK_DPS digits,
      a ``corrected`` form and a passing ``corrected_check`` (corrected == derived);
    - ``refuted``: ``check`` failed and a ``counterexample`` rechecked at ≥ RECHECK_DPS digits;
    - ``holds-only-in-regime``: ``regime`` states the condition, ``regime_check`` shows the
      printed statement holds under it (passes), and ``check`` (the unconditional
      comparison) did not pass — otherwise the claim would be verified;
    - ``derivation-error``: ``error`` says what raised.

    Attributes:
        claim_id: Id of the claim in ``theory.claims.CLAIMS``.
        verdict: The verdict.
        printed: The printed form (SymPy), as transcribed.
        derived: The derived form (SymPy), from the definitions.
        check: Printed vs derived, unconditionally.
        corrected: For an erratum: the corrected printed form.
        corrected_check: Corrected vs derived.
        counterexample: Where printed != derived: the point, both values at 50 and 100
            digits (strings) and ``recheck_dps``, the precision of the recheck.
        regime: For ``holds-only-in-regime``: the regime, in words.
        regime_check: For ``holds-only-in-regime``: the printed statement checked under the
            regime's condition.
        cited: For a claim whose printed content is a citation or prose: the printed datum
            and the derived one, e.g. ``{"printed": "Eq. 13", "derived": "Eq. 12"}``.
        error: For ``derivation-error``: the exception, type and message.
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
    regime_check: Check | None = None
    cited: dict[str, Any] | None = None
    error: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.claim_id, str) or not self.claim_id:
            raise ValueError(f"claim_id must be a non-empty string; got {self.claim_id!r}")
        if not isinstance(self.verdict, Verdict):
            raise ValueError(f"{self.claim_id}: verdict must be a Verdict; got {self.verdict!r}")
        v, cid = self.verdict, self.claim_id
        if v is Verdict.ERROR:
            if not self.error.strip():
                raise ValueError(f"{cid}: a derivation-error needs the error")
            return
        if self.error:
            raise ValueError(f"{cid}: error is only for derivation-error, not {v.value}")
        if self.derivation is not None:
            # A verdict rests on its derivation: every checked step must hold. Steps marked
            # "counterexample" record where a printed form fails and are exempt.
            failed = [st.justification for st in self.derivation.steps
                      if st.check is not None and not st.check.passed and st.check.method != "counterexample"]
            if failed:
                raise ValueError(f"{cid}: a step of the derivation failed: {failed[0][:200]}")
        if v.value in _DATA_VERDICTS:  # verdicts on data and code (added by the claim areas of §4, App. A-B)
            need = _DATA_VERDICTS[v.value]
            if need == "pass" and (self.check is None or not self.check.passed):
                raise ValueError(f"{cid}: {v.value} needs a passing check")
            if need == "fail" and (self.check is None or self.check.passed or not self.check.detail.strip()):
                raise ValueError(f"{cid}: {v.value} needs a failing check that says why")
            if need == "counterexample" and not self.counterexample:
                raise ValueError(f"{cid}: {v.value} needs a counterexample")
            return
        if v is Verdict.VERIFIED:
            if self.check is None or not self.check.passed:
                raise ValueError(f"{cid}: verified needs a passing check (proof or evidence)")
            return
        if v is Verdict.REGIME:
            if not self.regime.strip():
                raise ValueError(f"{cid}: holds-only-in-regime needs the regime stated")
            if self.regime_check is None or not self.regime_check.passed:
                raise ValueError(f"{cid}: holds-only-in-regime needs a passing regime_check "
                                 "(the printed statement checked under the regime's condition)")
            if self.check is not None and self.check.passed:
                raise ValueError(f"{cid}: the unconditional check passed: the verdict is verified, "
                                 "not holds-only-in-regime")
            return
        # erratum, refuted: the printed form fails, shown by a rechecked counterexample.
        if self.check is None or self.check.passed:
            raise ValueError(f"{cid}: {v.value} needs a failing check of the printed form")
        _check_counterexample(cid, self.counterexample)
        if v is Verdict.ERRATUM:
            if self.corrected is None:
                raise ValueError(f"{cid}: erratum needs the corrected form")
            if self.corrected_check is None or not self.corrected_check.passed:
                raise ValueError(f"{cid}: erratum needs a passing corrected_check (corrected == derived)")


def _check_counterexample(cid: str, cx: dict[str, Any] | None) -> None:
    if not isinstance(cx, dict):
        raise ValueError(f"{cid}: counterexample must be a dict with keys {COUNTEREXAMPLE_KEYS}; got {cx!r}")
    if "point" not in cx:
        raise ValueError(f"{cid}: counterexample lacks 'point'")
    if cx.get("exact") is True:  # exact (rational/symbolic) arithmetic: no precision to recheck
        return
    if "recheck_dps" not in cx:
        raise ValueError(f"{cid}: counterexample lacks 'recheck_dps' (or 'exact': True)")
    if not isinstance(cx["recheck_dps"], int) or cx["recheck_dps"] < RECHECK_DPS:
        raise ValueError(f"{cid}: counterexample must be rechecked at >= {RECHECK_DPS} digits; "
                         f"got recheck_dps={cx['recheck_dps']!r}")


def guarded(claim_id: str, judge: Callable[[], Comparison]) -> Comparison:
    """Run one claim's judgement; an exception fails this claim only (``derivation-error``).

    A false derivation step must fail its own claim, not the whole verdict table.
    """
    try:
        comp = judge()
    except Exception as exc:  # noqa: BLE001 - any failure of a derivation is this claim's error
        return Comparison(claim_id, Verdict.ERROR, error=f"{type(exc).__name__}: {exc}")
    if comp.claim_id != claim_id:
        return Comparison(claim_id, Verdict.ERROR,
                          error=f"judge for {claim_id!r} returned a comparison of {comp.claim_id!r}")
    return comp


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


#: Sampling domains registered by derivation modules for their own symbols (instance
#: parameters, parametrisations), consulted after ``theory.symbols.DOMAINS``: every symbol a
#: check may sample has a domain, so a false step fails its check, not the sampler.
_REGISTERED: dict[sp.Symbol, Domain] = {}


def register_domains(domains: Mapping[sp.Symbol, Domain]) -> None:
    """Register sampling domains for a module's symbols (conflicting re-registration raises)."""
    for sy, dom in domains.items():
        if not isinstance(dom, Domain):
            raise ValueError(f"domain of {sy} must be a Domain; got {dom!r}")
        old = _REGISTERED.get(sy, DOMAINS.get(sy))
        if old is not None and old != dom and sy not in DOMAINS:
            raise ValueError(f"symbol {sy} already has the domain {old}, not {dom}")
        if sy not in DOMAINS:
            _REGISTERED[sy] = dom


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
    doms = {**_REGISTERED, **DOMAINS}
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
                "recheck_dps": RECHECK_DPS,
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


# ------------------------------------------------------------------ relations and intervals

#: SymPy relational class → operator of ``lhs − rhs`` against 0.
_OPS: dict[type, str] = {
    sp.StrictGreaterThan: ">", sp.GreaterThan: ">=", sp.StrictLessThan: "<", sp.LessThan: "<=",
    sp.Equality: "==", sp.Unequality: "!=",
}
_CLS = {v: k for k, v in _OPS.items()}
_FLIP = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}
#: The sign facts a derivation can prove about d = lhs − rhs, and the operators they make
#: true for *every* admissible point; the first is the strongest.
SIGN_FACTS: dict[str, tuple[str, ...]] = {
    "positive": (">", ">=", "!="),
    "nonnegative": (">=",),  # ≥ 0 with equality attained somewhere
    "negative": ("<", "<=", "!="),
    "nonpositive": ("<=",),  # ≤ 0 with equality attained somewhere
    "zero": ("==", ">=", "<="),
}


def _direction(op: str) -> int:
    """+1 for > and ≥, −1 for < and ≤, 0 for = and ≠ (no direction)."""
    return {">": 1, ">=": 1, "<": -1, "<=": -1}.get(op, 0)


def relation_op(rel: Any) -> str:
    """The operator of a SymPy relational (``">"``, ``">="``, ...); ValueError if not one."""
    for cls, op in _OPS.items():
        if type(rel) is cls:
            return op
    raise ValueError(f"not a relational: {rel!r}")


def make_relation(lhs: Any, op: str, rhs: Any) -> sp.Basic:
    """``lhs op rhs`` as an unevaluated SymPy relational."""
    return _CLS[op](lhs, rhs, evaluate=False)


def _holds(op: str, v: mpmath.mpf, zero_tol: mpmath.mpf) -> bool:
    z = abs(v) <= zero_tol
    return {">": v > zero_tol, ">=": v >= -zero_tol, "<": v < -zero_tol, "<=": v <= zero_tol,
            "==": z, "!=": not z}[op]


def relation_counterexample(gap: Any, op: str, witnesses: Sequence[Mapping[sp.Symbol, Any]]
                            ) -> dict[str, Any] | None:
    """The first witness point where ``gap op 0`` fails, at 50 digits and again at 100.

    ``gap`` is evaluated with ``doit()``; a value within 10^-(dps−10) of 0 counts as 0
    (round-off of a true zero at that precision).
    """
    g = sp.sympify(gap).doit()
    for pt in witnesses:
        vals = {}
        for dps in (EVIDENCE_DPS, RECHECK_DPS):
            with mpmath.workdps(dps):
                v = _eval_at(g, {k: mpmath.mpf(str(sp.N(v, RECHECK_DPS + 10))) for k, v in pt.items()}, dps)[0]
                vals[dps] = (v, _holds(op, v, mpmath.mpf(10) ** (-(dps - 10))))
        if not vals[EVIDENCE_DPS][1] and not vals[RECHECK_DPS][1]:
            return {"point": {str(k): str(v) for k, v in pt.items()},
                    "relation": f"lhs − rhs {op} 0",
                    "printed_50": [mpmath.nstr(vals[EVIDENCE_DPS][0], 20)],
                    "printed_100": [mpmath.nstr(vals[RECHECK_DPS][0], 30)],
                    "recheck_dps": RECHECK_DPS}
    return None


def judge_relation(
    claim_id: str,
    printed: Any,
    lhs: Any,
    rhs: Any,
    *,
    fact: str,
    fact_check: Check,
    witnesses: Sequence[Mapping[sp.Symbol, Any]],
    derivation: Derivation | None = None,
    notes: str = "",
    domains: Mapping[sp.Symbol, Domain] | None = None,
    constraint: Callable[[dict[sp.Symbol, mpmath.mpf]], bool] | None = None,
    strategies: Sequence[Callable[[sp.Expr], sp.Expr]] | None = None,
) -> Comparison:
    """Judge a printed inequality (its sides, direction and strictness) against a derivation.

    The derivation proves a sign ``fact`` (a key of SIGN_FACTS) about d = lhs − rhs
    (``fact_check`` must pass) and supplies ``witnesses``: points where d = 0 (for a
    non-strict fact) and where d ≠ 0. The printed relation's sides are matched with
    (lhs, rhs) in either orientation; its operator, normalised to "d op 0", is then
    verified when the fact implies it, and otherwise an erratum: a witness where it fails
    (at 50 and 100 digits), corrected to the fact's strongest operator on the printed sides.

    Raises:
        ValueError: unknown fact, or a fact_check that did not pass.
        AssertionError: the printed operator fails but no witness shows it.
    """
    if fact not in SIGN_FACTS:
        raise ValueError(f"fact must be one of {sorted(SIGN_FACTS)}; got {fact!r}")
    if not fact_check.passed:
        raise ValueError(f"{claim_id}: the derivation's sign fact {fact!r} did not pass: {fact_check.detail}")
    op = relation_op(printed)
    pl, pr = printed.lhs.doit(), printed.rhs.doit()
    kw = dict(seed_key=claim_id + "|sides", domains=domains, constraint=constraint, strategies=strategies)
    same = check_identity(pl - pr, sp.sympify(lhs) - sp.sympify(rhs), **kw)
    orient = 1
    if not same.passed:
        swapped = check_identity(pl - pr, sp.sympify(rhs) - sp.sympify(lhs), **kw)
        if not swapped.passed:
            # The printed sides are not the derived ones: compare them as expressions.
            return compare(claim_id, pl - pr, sp.sympify(lhs) - sp.sympify(rhs), derivation=derivation,
                           notes="printed sides differ from the derived ones. " + notes,
                           domains=domains, constraint=constraint)
        orient, same = -1, swapped
    norm = op if orient == 1 else _FLIP[op]
    valid = SIGN_FACTS[fact]
    if norm in valid:
        return Comparison(claim_id, Verdict.VERIFIED, printed, make_relation(lhs, valid[0], rhs),
                          Check(same.method if fact_check.method == "exact" else "numeric", True,
                                f"printed sides match ({same.method}); derived: lhs − rhs is {fact} "
                                f"({fact_check.method}: {fact_check.detail}), which implies '{norm}'"),
                          derivation=derivation, notes=notes)
    cx = relation_counterexample(pl - pr, op, witnesses)
    if cx is None:
        raise AssertionError(f"{claim_id}: printed '{op}' is not implied by '{fact}' but no witness refutes it")
    best = valid[0] if orient == 1 else _FLIP[valid[0]]
    corrected = make_relation(printed.lhs, best, printed.rhs)
    if _direction(norm) != _direction(valid[0]):
        # Not a slip of strictness: the printed relation points the other way (or is an
        # equation where an inequality holds) — the opposite statement, refuted.
        return Comparison(
            claim_id, Verdict.REFUTED, printed, make_relation(lhs, valid[0], rhs),
            Check("counterexample", False, f"printed '{op}' fails at {cx['point']}: lhs − rhs = "
                  f"{cx['printed_50'][0]} (confirmed at {RECHECK_DPS} digits); derived: lhs − rhs is {fact}"),
            counterexample=cx, derivation=derivation, notes=notes)
    return Comparison(
        claim_id, Verdict.ERRATUM, printed, make_relation(lhs, valid[0], rhs),
        Check("counterexample", False, f"printed '{op}' fails at {cx['point']}: lhs − rhs = "
              f"{cx['printed_50'][0]} (confirmed at {RECHECK_DPS} digits)"),
        corrected=corrected,
        corrected_check=Check(fact_check.method, True,
                              f"'{best}' on the printed sides follows from: lhs − rhs is {fact} "
                              f"({fact_check.detail})"),
        counterexample=cx, derivation=derivation, notes=notes)


def judge_interval(claim_id: str, printed: sp.Interval, derived: sp.Interval, *, why: Mapping[str, str],
                   derivation: Derivation | None = None, notes: str = "") -> Comparison:
    """Judge a printed interval (end points and their openness) against the derived one.

    ``why`` explains, per end point value (str), why it must be excluded or included; the
    counterexample is an end point (or a point) in the symmetric difference of the two sets.
    """
    if not isinstance(printed, sp.Interval) or not isinstance(derived, sp.Interval):
        raise ValueError(f"{claim_id}: both forms must be sympy Intervals; got {printed!r}, {derived!r}")
    if printed == derived:
        return Comparison(claim_id, Verdict.VERIFIED, printed, derived,
                          Check("exact", True, f"printed {printed} == derived {derived} (end points and openness)"),
                          derivation=derivation, notes=notes)
    diff = sp.Union(sp.Complement(printed, derived), sp.Complement(derived, printed))
    part = diff.args[0] if isinstance(diff, sp.Union) else diff
    if isinstance(part, sp.FiniteSet):
        pt = min(part)
    elif part.start.is_finite and part.end.is_finite:
        pt = (part.start + part.end) / 2
    else:
        pt = part.start + 1 if part.start.is_finite else part.end - 1
    if diff.contains(pt) != sp.true:
        raise AssertionError(f"{claim_id}: no point of the difference {diff} found")
    cx = {"point": {"value": str(pt)}, "in_printed": str(printed.contains(pt)),
          "in_derived": str(derived.contains(pt)), "why": why.get(str(pt), ""),
          "recheck_dps": RECHECK_DPS}  # exact set membership: no precision involved
    corrected = derived
    if not all(isinstance(p, sp.FiniteSet) for p in (diff.args if isinstance(diff, sp.Union) else (diff,))):
        # The sets differ on a whole range, not only in an end point's openness: not a slip.
        return Comparison(claim_id, Verdict.REFUTED, printed, derived,
                          Check("counterexample", False, f"{pt} is in {'the printed' if printed.contains(pt) == sp.true else 'the derived'} "
                                f"interval only ({printed} vs {derived}): the intervals differ on a range"),
                          counterexample=cx, derivation=derivation, notes=notes)
    return Comparison(claim_id, Verdict.ERRATUM, printed, derived,
                      Check("counterexample", False, f"{pt} is in the printed {printed} but not in the derived "
                            f"{derived}" if printed.contains(pt) == sp.true else
                            f"{pt} is in the derived {derived} but not in the printed {printed}"),
                      corrected=corrected,
                      corrected_check=Check("exact", True, f"corrected {corrected} == derived (same set)"),
                      counterexample=cx, derivation=derivation, notes=notes)
