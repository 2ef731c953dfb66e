"""Mutation testing of the verifier: does every realistic change turn a test red?

Applies each mutation of ``tools/mutations.py`` (one textual replacement in one file) to a
temporary copy of the tree, runs only the test modules the mutation names (``pytest -x -q``),
and counts the mutant *killed* when pytest fails (or times out), *survived* when it passes.
A mutation marked ``expect="survive"`` is a control: it changes a field that carries no
meaning (LaTeX, prose) and a test that fails on it is over-specified.

Prints, per layer (claims, derivations, engine, empirical), the score
killed / (killed + survived) and every survivor with the mutation's reason. Run by hand,
not in CI (each mutation costs one pytest run of its modules, 20-120 s on 2 cores)::

    python tools/mutate.py                      # all mutations, one at a time
    python tools/mutate.py --layer claims       # one layer
    python tools/mutate.py --only thm2_flip     # one mutation (id)
    python tools/mutate.py --check              # only check that every mutation applies
    python tools/mutate.py --json runs/mut.json # also write the outcome as JSON
    python tools/mutate.py --root /other/tree   # mutate another checkout (e.g. a baseline)

A mutation whose ``old`` text is not found exactly ``nth``-times-addressable in its file is
reported "not applicable" (the code moved), never silently skipped from the counts' total.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from mutations import LAYERS, MUTATIONS, Mutation  # noqa: E402

# Folders that are outputs or caches, never part of what is tested.
_IGNORE = shutil.ignore_patterns(".git", "runs", "reports", "__pycache__", ".hypothesis",
                                 ".pytest_cache", "*.egg-info", ".venv", "venv")


def apply(m: Mutation, root: Path) -> str | None:
    """Apply ``m`` under ``root`` in place; return None, or why it does not apply."""
    f = root / m.file
    if not f.exists():
        return f"{m.file} missing"
    text = f.read_text()
    count = text.count(m.old)
    if count == 0:
        return "old text not found"
    if m.nth is None and count != 1:
        return f"old text found {count} times (give nth)"
    if m.nth is not None and m.nth >= count:
        return f"nth={m.nth} but old text found {count} times"
    k = m.nth or 0
    start = -1
    for _ in range(k + 1):
        start = text.index(m.old, start + 1)
    f.write_text(text[:start] + m.new + text[start + len(m.old):])
    return None


def run_one(m: Mutation, root: Path, timeout: float) -> dict:
    """Copy ``root``, apply ``m``, run its tests; return the outcome."""
    with tempfile.TemporaryDirectory(prefix="gsv-mut-") as tmp:
        tree = Path(tmp) / "tree"
        shutil.copytree(root, tree, ignore=_IGNORE)
        why = apply(m, tree)
        if why is not None:
            return {"id": m.id, "layer": m.layer, "status": "not applicable", "why": why, "wall_s": 0.0}
        tests = [t for t in m.tests if (tree / t).exists()]
        if not tests:
            return {"id": m.id, "layer": m.layer, "status": "not applicable",
                    "why": f"none of the test modules exist: {m.tests}", "wall_s": 0.0}
        cmd = [sys.executable, "-m", "pytest", *tests, "-x", "-q", "-p", "no:cacheprovider"]
        if any(t.startswith("verify/") for t in tests):
            cmd.append("--no-reports")
        env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        t0 = time.time()
        try:
            proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
            rc, tail = proc.returncode, (proc.stdout + proc.stderr)[-1500:]
        except subprocess.TimeoutExpired:
            rc, tail = -1, f"timed out after {timeout:.0f} s"
        wall = time.time() - t0
        if rc == 0:
            status = "survived"
        elif rc in (1, 2, 3, -1):  # tests failed, interrupted, internal error, timeout
            status = "killed"
        else:  # 4: usage error, 5: nothing collected — the run says nothing about the mutant
            status = "error"
        ok = (status == "survived") if m.expect == "survive" else (status == "killed")
        return {"id": m.id, "layer": m.layer, "status": status, "expected": m.expect, "ok": ok,
                "rc": rc, "wall_s": round(wall, 1), "tests": tests, "why": m.why,
                "tail": "" if ok else tail}


def summarize(results: list[dict]) -> str:
    lines = []
    for layer in LAYERS:
        rs = [r for r in results if r["layer"] == layer and r["status"] != "not applicable"]
        mut = [r for r in rs if r.get("expected") != "survive"]
        ctl = [r for r in rs if r.get("expected") == "survive"]
        killed = sum(r["status"] == "killed" for r in mut)
        score = f"{100 * killed / len(mut):.0f} %" if mut else "-"
        na = sum(r["layer"] == layer and r["status"] == "not applicable" for r in results)
        lines.append(f"{layer:12s} killed {killed:3d} / {len(mut):3d}  score {score:>6s}   "
                     f"controls surviving {sum(r['status'] == 'survived' for r in ctl)}/{len(ctl)}"
                     + (f"   not applicable {na}" if na else ""))
    mut = [r for r in results if r["status"] != "not applicable" and r.get("expected") != "survive"]
    k = sum(r["status"] == "killed" for r in mut)
    lines.append(f"{'overall':12s} killed {k:3d} / {len(mut):3d}  score "
                 f"{(100 * k / len(mut) if mut else 0):.0f} %")
    bad = [r for r in results if r["status"] != "not applicable" and not r.get("ok")]
    if bad:
        lines.append("")
        lines.append("survivors / unexpected outcomes:")
        for r in bad:
            lines.append(f"  [{r['layer']}] {r['id']}: {r['status']} (expected {r['expected']}) — {r['why']}")
    na = [r for r in results if r["status"] == "not applicable"]
    if na:
        lines.append("")
        lines.append("not applicable (the mutated text is not in this tree):")
        for r in na:
            lines.append(f"  [{r['layer']}] {r['id']}: {r['why']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=HERE.parent, help="tree to mutate (default: this checkout)")
    ap.add_argument("--layer", choices=LAYERS, help="only this layer")
    ap.add_argument("--only", action="append", default=[], help="only these mutation ids (repeatable)")
    ap.add_argument("--check", action="store_true", help="only check that each mutation applies")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per pytest run (> 0)")
    ap.add_argument("--json", type=Path, help="write the results as JSON here")
    args = ap.parse_args(argv)
    if not args.timeout > 0:
        ap.error(f"--timeout must be > 0; got {args.timeout}")
    root = args.root.resolve()
    if not (root / "theory").is_dir():
        ap.error(f"--root must be a gsv checkout (no theory/ in {root})")
    todo = [m for m in MUTATIONS if (not args.layer or m.layer == args.layer)
            and (not args.only or m.id in args.only)]
    unknown = set(args.only) - {m.id for m in MUTATIONS}
    if unknown:
        ap.error(f"--only: unknown mutation ids {sorted(unknown)}")
    if args.check:
        bad = 0
        for m in todo:
            with tempfile.TemporaryDirectory() as tmp:
                f = Path(tmp) / m.file
                f.parent.mkdir(parents=True, exist_ok=True)
                if (root / m.file).exists():
                    shutil.copy(root / m.file, f)
                why = apply(m, Path(tmp))
            if why:
                bad += 1
                print(f"{m.id}: {why}")
        print(f"{len(todo) - bad} of {len(todo)} mutations apply to {root}")
        return 1 if bad else 0
    results = []
    for i, m in enumerate(todo, 1):
        r = run_one(m, root, args.timeout)
        results.append(r)
        print(f"[{i}/{len(todo)}] {m.layer:11s} {m.id:28s} {r['status']:15s} {r['wall_s']:6.1f} s",
              flush=True)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=1))
    print()
    print(summarize(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
