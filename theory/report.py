"""Writes the derivation reports: ``verdicts.json`` and a verdict table (Markdown).

Writing is atomic: everything is written into a temporary sibling folder which then
replaces the target, so a killed run leaves the previous report intact.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from theory.claims import CLAIMS


def verdict_records() -> list[dict[str, Any]]:
    """One machine-readable object per claim (deterministic for a given code state)."""
    from theory.verdicts import verdict_table

    table = verdict_table()
    out = []
    for cid, claim in CLAIMS.items():
        comp = table.get(cid)
        chk = comp.check if comp else None
        out.append({
            "id": cid,
            "equation": claim.equation,
            "section": claim.section,
            "verdict": comp.verdict.value if comp else "not derived",
            "routes": list(comp.routes) if comp else [],
            "check": chk.method if chk else None,
            "max_abs_error": chk.max_abs_error if chk else None,
            "max_rel_error": chk.max_rel_error if chk else None,
            "notes": comp.notes if comp else "",
        })
    return out


def _atomic_replace(tmp: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(target.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_reports(out: Path) -> Path:
    """Write the reports into ``out`` atomically and return it."""
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=out.name + ".tmp-", dir=out.parent))
    try:
        recs = verdict_records()
        (tmp / "verdicts.json").write_text(json.dumps(recs, indent=1, ensure_ascii=False) + "\n")
        lines = ["# Verdicts", "", "| claim | equation | verdict | check |", "|---|---|---|---|"]
        for r in recs:
            lines.append(f"| `{r['id']}` | {r['equation']} | {r['verdict']} | {r['check'] or '-'} |")
        (tmp / "index.md").write_text("\n".join(lines) + "\n")
        _atomic_replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
