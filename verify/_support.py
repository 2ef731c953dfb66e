"""Shared assertions of the verify/ suite.

Every verify module holds ``EXPECTED``: claim id → (expected Verdict, reason). The
verdict comes from the symbolic layer (``theory.verdicts``); the suite asserts it, so a
change of verdict turns the suite red. ``assert_verdict`` also checks that the
verdict is *backed*: a verified claim has a passing check, an erratum has a
counterexample confirmed at 100 digits and a corrected form that passed, a refuted
claim has a counterexample, a regime claim says its regime.
"""

from __future__ import annotations

from theory.derivation import Comparison, Verdict

V, E, R, G = Verdict.VERIFIED, Verdict.ERRATUM, Verdict.REFUTED, Verdict.REGIME


def assert_verdict(table: dict[str, Comparison], cid: str, expected: Verdict, reason: str) -> None:
    assert cid in table, f"{cid}: no derivation compares this claim"
    comp = table[cid]
    assert comp.verdict is expected, (
        f"{cid}: verdict changed to {comp.verdict.value!r}, expected {expected.value!r} because: {reason}. "
        f"Check: {comp.check.detail if comp.check else '-'}"
    )
    if expected is Verdict.VERIFIED:
        assert comp.check is not None and comp.check.passed, f"{cid}: verified without a passing check"
    elif expected is Verdict.ERRATUM:
        assert comp.corrected is not None, f"{cid}: erratum without a corrected form"
        assert comp.corrected_check is not None and comp.corrected_check.passed, (
            f"{cid}: the corrected form was not shown equal to the derivation")
        assert comp.counterexample is not None, f"{cid}: erratum without a counterexample"
    elif expected is Verdict.REFUTED:
        assert comp.counterexample is not None or (comp.check is not None and not comp.check.passed), (
            f"{cid}: refuted without evidence")
    elif expected is Verdict.REGIME:
        assert comp.regime.strip(), f"{cid}: holds-only-in-regime without a stated regime"
