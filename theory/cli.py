"""``gsv``: the command line of the verifier.

Subcommands:
    gsv --version
    gsv claims [--json] [--no-verdicts]   list every claim with its verdict

Bad input exits with status 2 and a one-line message naming the parameter.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from theory import __version__


def _cmd_claims(args: argparse.Namespace) -> int:
    from theory.claims import CLAIMS

    table = {}
    if not args.no_verdicts:
        from theory.verdicts import verdict_table

        table = verdict_table()
    rows = []
    for cid, c in CLAIMS.items():
        comp = table.get(cid)
        rows.append({
            "id": cid,
            "equation": c.equation,
            "section": c.section,
            "kind": str(c.kind.value),
            "title": c.title,
            "verdict": comp.verdict.value if comp else ("not derived" if not args.no_verdicts else "-"),
            "check": (comp.check.method if comp and comp.check else "-"),
        })
    if args.json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 0
    cols = ["id", "equation", "section", "kind", "verdict", "check", "title"]
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in cols[:-1]}
    print("  ".join(k.ljust(widths[k]) for k in cols[:-1]) + "  title")
    for r in rows:
        print("  ".join(r[k].ljust(widths[k]) for k in cols[:-1]) + "  " + r["title"])
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    print("\n" + ", ".join(f"{v}: {n}" for v, n in sorted(counts.items())) + f"  ({len(rows)} claims)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gsv", description="Gradient Starvation theory verifier")
    p.add_argument("--version", action="version", version=f"gsv {__version__}")
    sub = p.add_subparsers(dest="command")
    pc = sub.add_parser("claims", help="list the paper's claims with their verdicts")
    pc.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    pc.add_argument("--no-verdicts", action="store_true", help="list claims without deriving verdicts")
    pc.set_defaults(func=_cmd_claims)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:  # bad input: one line, exit 2
        print(f"gsv: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
