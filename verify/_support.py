"""Shared assertions of the verify/ suite.

Every verify module holds ``EXPECTED``: claim id → (expected Verdict, reason). The
verdict comes from the symbolic layer (``theory.verdicts``); the suite asserts it, so a
change of verdict turns the suite red. ``assert_verdict`` also checks that the
verdict is *backed*: a verified claim has a passing check, an erratum has a
counterexample confirmed at 100 digits and a corrected form that passed, a refuted
claim has a counterexample, a regime claim says its regime.
"""

from __future__ import annotations

from theory.derivation import RECHECK_DPS, Comparison, Verdict

V, E, R, G = Verdict.VERIFIED, Verdict.ERRATUM, Verdict.REFUTED, Verdict.REGIME
T = Verdict.VARIANT  # one transcription of the paper disagrees with the derivation, the other does not


def assert_verdict(table: dict[str, Comparison], cid: str, expected: Verdict, reason: str) -> None:
    """The claim's verdict is ``expected`` and backed by what that verdict needs.

    ``Comparison`` refuses to be built without the evidence its verdict needs (see
    ``theory.derivation.Comparison``); this re-asserts it so that a weakened invariant
    there still fails here. A derivation that raised fails this claim only, with its error.
    """
    assert cid in table, f"{cid}: no derivation compares this claim"
    comp = table[cid]
    assert comp.verdict is not Verdict.ERROR, f"{cid}: the derivation raised: {comp.error}"
    assert comp.verdict is expected, (
        f"{cid}: verdict changed to {comp.verdict.value!r}, expected {expected.value!r} because: {reason}. "
        f"Check: {comp.check.detail if comp.check else '-'}"
    )
    cx = comp.counterexample
    if expected is Verdict.VERIFIED:
        assert comp.check is not None and comp.check.passed, f"{cid}: verified without a passing check"
    elif expected in (Verdict.ERRATUM, Verdict.REFUTED):
        assert comp.check is not None and not comp.check.passed, f"{cid}: {expected.value} with a passing check"
        assert cx is not None and (cx.get("exact") is True or cx.get("recheck_dps", 0) >= RECHECK_DPS), (
            f"{cid}: {expected.value} without a counterexample that is exact or rechecked at {RECHECK_DPS} digits")
        if expected is Verdict.ERRATUM:
            assert comp.corrected is not None, f"{cid}: erratum without a corrected form"
            assert comp.corrected_check is not None and comp.corrected_check.passed, (
                f"{cid}: the corrected form was not shown equal to the derivation")
    elif expected is Verdict.VARIANT:
        # What an erratum needs (the disagreeing reading fails, a corrected form checks), plus the
        # record of the transcription that prints the corrected form.
        from theory.claims.sources import VARIANTS

        assert comp.check is not None and not comp.check.passed, f"{cid}: a variant whose printed form checks"
        assert comp.corrected_check is not None and comp.corrected_check.passed, (
            f"{cid}: the other transcription's (corrected) form was not shown equal to the derivation")
        assert cid in VARIANTS and len(VARIANTS[cid].discrepancy_in) == 1, f"{cid}: no one-source variant recorded"
    elif expected is Verdict.REGIME:
        assert comp.regime.strip(), f"{cid}: holds-only-in-regime without a stated regime"
        assert comp.regime_check is not None and comp.regime_check.passed, (
            f"{cid}: holds-only-in-regime whose regime check did not pass")
        assert comp.check is None or not comp.check.passed, (
            f"{cid}: holds unconditionally (check passed): verified, not holds-only-in-regime")


class Tracker:
    """Accumulates the worst error of one numeric route over many (hypothesis) examples.

    Flushed into the report (``theory.report.record_evidence``) once at session end by
    the autouse fixture in conftest, so a property test adds one evidence row, not one per
    example.
    """

    registry: list["Tracker"] = []

    def __init__(self, claim_id: str, route: str, description: str):
        self.claim_id, self.route, self.description = claim_id, route, description
        self.max_abs = 0.0
        self.max_rel = 0.0
        self.count = 0
        Tracker.registry.append(self)

    def update(self, approx, exact) -> None:
        import numpy as np

        a, e = np.asarray(approx, float), np.asarray(exact, float)
        ab = float(np.max(np.abs(a - e))) if a.size else 0.0
        rel = float(np.max(np.abs(a - e) / np.maximum(np.abs(e), 1e-300))) if a.size else 0.0
        self.max_abs, self.max_rel = max(self.max_abs, ab), max(self.max_rel, rel)
        self.count += 1

    def flush(self) -> None:
        if self.count == 0:
            return
        from theory.report import record_evidence

        record_evidence(self.claim_id, route=self.route,
                        description=f"{self.description} ({self.count} examples)",
                        max_abs_error=self.max_abs, max_rel_error=self.max_rel)


def expected_tables() -> dict[str, dict]:
    """module name → EXPECTED of every verify module (for the coverage check)."""
    import importlib
    import pkgutil

    import verify

    out = {}
    for info in pkgutil.iter_modules(verify.__path__):
        if info.name.startswith("test_"):
            mod = importlib.import_module(f"verify.{info.name}")
            if hasattr(mod, "EXPECTED"):
                out[info.name] = mod.EXPECTED
    return out

