"""Verdict records: one machine-readable object per claim (``verdicts.json``).

Example:
    >>> _round_sig(3.14159265e-13)
    3.14159e-13
    >>> _round_sig(float("inf"))
    'inf'
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from theory.claims import CLAIMS, Claim
from theory.derivation import Comparison, Verdict
from theory.report.registry import Evidence, evidence

# Floats in verdicts.json keep 6 significant digits: enough to read an error's size,
# and it hides last-bit differences of float arithmetic (BLAS, CPU) that would make a
# rerun with the same seed differ in bytes.
JSON_SIG_DIGITS = 6
NOT_DERIVED = "not derived"
VERDICT_ORDER = [v.value for v in Verdict] + [NOT_DERIVED]


def _round_sig(x: float | None) -> float | str | None:
    """Round to JSON_SIG_DIGITS significant digits (see there why); ±inf/NaN → string."""
    if x is None:
        return None
    x = float(x)
    if not math.isfinite(x):
        return str(x)  # JSON has no inf/NaN; "inf" keeps the fact readable
    return float(f"{x:.{JSON_SIG_DIGITS - 1}e}")


def _max_opt(values: Iterable[float | None]) -> float | None:
    vals = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    return max(vals) if vals else None


def _sorted_evidence(evs: Iterable[Evidence]) -> list[Evidence]:
    # Sorted so that pages and JSON do not depend on the order tests ran in.
    return sorted(evs, key=lambda e: (e.route, e.description))


def _group_evidence(evs: Iterable[Evidence]) -> dict[str, list[Evidence]]:
    out: dict[str, list[Evidence]] = {}
    for ev in evs:
        out.setdefault(ev.claim_id, []).append(ev)
    return {k: _sorted_evidence(v) for k, v in out.items()}


def worst_errors(comp: Comparison | None, evs: Iterable[Evidence] = ()) -> tuple[float | None, float | None]:
    """Worst (absolute, relative) error seen: max over the comparison check and evidence."""
    evs = list(evs)
    chk = comp.check if comp is not None else None
    ab = _max_opt([chk.max_abs_error if chk else None] + [e.max_abs_error for e in evs])
    rel = _max_opt([chk.max_rel_error if chk else None] + [e.max_rel_error for e in evs])
    return ab, rel


def _routes(comp: Comparison | None, evs: Iterable[Evidence]) -> list[str]:
    out: list[str] = []
    if comp is not None and comp.routes:
        out.append(" vs ".join(comp.routes))
    for ev in evs:
        if ev.route not in out:
            out.append(ev.route)
    return out


def _verdict_of(comp: Comparison | None) -> str:
    if comp is None:
        return NOT_DERIVED
    v = comp.verdict
    return v.value if isinstance(v, Verdict) else str(v)


def _resolve(
    table: Mapping[str, Comparison] | None,
    claims: Mapping[str, Claim] | None,
    evidence_list: Iterable[Evidence] | None,
) -> tuple[dict[str, Comparison], dict[str, Claim], list[Evidence]]:
    if claims is None:
        claims = CLAIMS
    if table is None:
        from theory.cache import verdict_table

        table = verdict_table()
    evs = evidence() if evidence_list is None else list(evidence_list)
    return dict(table), dict(claims), evs


def _ids(table: Mapping[str, Comparison], claims: Mapping[str, Claim]) -> list[str]:
    # Paper order (the claims' order), then comparisons of unknown claims, sorted.
    return list(claims) + sorted(k for k in table if k not in claims)


def verdict_records(
    table: Mapping[str, Comparison] | None = None,
    claims: Mapping[str, Claim] | None = None,
    evidence_list: Iterable[Evidence] | None = None,
) -> list[dict[str, Any]]:
    """One machine-readable object per claim, in paper order (deterministic).

    Keys: ``id``, ``equation``, ``section``, ``title``, ``verdict``, ``routes``,
    ``check`` (method of the printed-vs-derived check), ``max_abs_error`` and
    ``max_rel_error`` (worst over that check and the recorded evidence, rounded to
    JSON_SIG_DIGITS significant digits), ``evidence`` (number of evidence records),
    ``regime`` and ``notes``.

    Args:
        table: claim id → Comparison; default ``theory.verdicts.verdict_table()``.
        claims: claim id → Claim; default ``theory.claims.CLAIMS``.
        evidence_list: Evidence records; default the registry of :func:`record_evidence`.
    """
    table, claims, evs = _resolve(table, claims, evidence_list)
    by_claim = _group_evidence(evs)
    out = []
    for cid in _ids(table, claims):
        claim, comp, cev = claims.get(cid), table.get(cid), by_claim.get(cid, [])
        ab, rel = worst_errors(comp, cev)
        chk = comp.check if comp is not None else None
        out.append({
            "id": cid,
            "equation": claim.equation if claim else None,
            "section": claim.section if claim else None,
            "title": claim.title if claim else None,
            "verdict": _verdict_of(comp),
            "routes": _routes(comp, cev),
            "check": chk.method if chk else None,
            "max_abs_error": _round_sig(ab),
            "max_rel_error": _round_sig(rel),
            "evidence": len(cev),
            "regime": comp.regime if comp is not None else "",
            "notes": comp.notes if comp is not None else "",
        })
    return out


def verdicts_json(records: list[dict[str, Any]]) -> str:
    """Serialise records deterministically (sorted keys, fixed layout, UTF-8 text)."""
    return json.dumps(records, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"



def counts(records: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(verdict, count) in the order of the four verdicts, then others."""
    out: dict[str, int] = {}
    for r in records:
        out[r["verdict"]] = out.get(r["verdict"], 0) + 1
    order = VERDICT_ORDER + sorted(k for k in out if k not in VERDICT_ORDER)
    return [(v, out[v]) for v in order if out.get(v)]
