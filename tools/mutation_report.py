"""Merge JSON outputs of ``tools/mutate.py`` (e.g. run per layer) and print one summary.

    python tools/mutation_report.py runs/mut_claims.json runs/mut_engine.json ...

A later file's result for a mutation id replaces an earlier one (reruns after a fix).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mutate import summarize  # noqa: E402


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python tools/mutation_report.py FILE.json [FILE.json ...]", file=sys.stderr)
        return 2
    merged: dict[str, dict] = {}
    for f in argv:
        p = Path(f)
        if not p.is_file():
            print(f"no such file: {f}", file=sys.stderr)
            return 2
        for r in json.loads(p.read_text()):
            merged[r["id"]] = r
    print(summarize(list(merged.values())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
