"""verify/_quick_runs: the quick runs kept between `pytest verify/` runs are keyed by everything
they depend on, reused without recomputing, and bypassed when they cannot be used."""

import ast
import json
import os
import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from empirical.sweep import run, without_timing  # noqa: E402
from verify import _quick_runs as qr  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TINY = {"configs": ["plain", "sd"], "seeds": 2, "iterations": 12, "quick": True}


def _module_file(name: str) -> Path | None:
    base = ROOT / Path(*name.split("."))
    for f in (base.with_suffix(".py"), base / "__init__.py"):
        if f.exists():
            return f
    return None


def _theory_imports(path: Path) -> set[Path]:
    """Files of the theory modules (and their packages) that ``path`` imports, absolute or relative."""
    pkg = path.relative_to(ROOT).with_suffix("").parts[:-1]
    if path.name == "__init__.py":
        pkg = path.relative_to(ROOT).parts[:-1]
    out: set[Path] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(pkg[:len(pkg) - node.level + 1]) if node.level else ""
            mod = ".".join(p for p in (base, node.module or "") if p)
            names = [mod] + [f"{mod}.{a.name}" for a in node.names]   # `from pkg import module`
        for name in names:
            if name.split(".")[0] != "theory":
                continue
            parts = name.split(".")
            for i in range(1, len(parts) + 1):
                f = _module_file(".".join(parts[:i]))
                if f is not None:
                    out.add(f)
    return out


def test_the_key_covers_every_theory_module_empirical_imports():
    # the transitive closure of empirical/'s imports of theory.*, read from the source
    hashed = set(qr.hashed_files())
    todo = [p for p in (ROOT / "empirical").rglob("*.py") if "results" not in p.parts]
    seen: set[Path] = set()
    while todo:
        for f in _theory_imports(todo.pop()):
            if f not in seen:
                seen.add(f)
                todo.append(f)
    assert seen, "the scan found no theory import: it no longer reads empirical's imports"
    missing = sorted(str(f.relative_to(ROOT)) for f in seen - hashed)
    assert not missing, f"add to THEORY_IMPORTED: {missing}"


def test_the_key_moves_with_code_and_not_with_committed_results(tmp_path):
    for d in ("empirical/results", "theory/engine"):
        (tmp_path / d).mkdir(parents=True)
    for f in ("empirical/a.py", "empirical/results/r.py", "theory/engine/e.py", "theory/__init__.py",
              "theory/outdir.py", "theory/claims.py"):
        (tmp_path / f).write_text("x = 1\n")
    k0 = qr.code_key(tmp_path)
    for f, moves in (("empirical/a.py", True), ("theory/engine/e.py", True), ("theory/outdir.py", True),
                     ("empirical/results/r.py", False), ("theory/claims.py", False)):
        (tmp_path / f).write_text("x = 2\n")
        assert (qr.code_key(tmp_path) != k0) is moves, f
        (tmp_path / f).write_text("x = 1\n")
    assert qr.code_key(tmp_path) == k0
    assert qr.run_name("moons", {"quick": True}) != qr.run_name("moons", {"quick": True, "seeds": 3})


def test_versions_in_the_key_are_the_packages_own_and_are_read_without_importing_them():
    import subprocess
    import sys

    from theory.cache import installed_version

    for mod in qr._VERSIONED:
        expect = __import__(mod).__version__ if _importable(mod) else "absent"
        assert installed_version(mod) == expect, mod
    assert installed_version("no_such_package_gsv") == "absent"
    # the key is taken in every process that runs a quick run: it must not import scikit-learn
    # (about a CPU-second) or the other packages it only names
    code = ("import sys; from verify import _quick_runs as qr; qr.code_key(); "
            "print(sorted(m for m in ('sklearn', 'mlxtend', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def _importable(mod: str) -> bool:
    try:
        __import__(mod)
    except ImportError:
        return False
    return True


def _kept_run(tmp_path_factory) -> tuple[dict, Path]:  # noqa: ANN001 - pytest's factory
    res = qr.quick_run("moons", tmp_path_factory, TINY)
    return res, Path(res["dir"])


def test_a_second_run_reuses_the_cells_and_gives_the_same_result(tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("GSV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GSV_NO_CACHE", raising=False)
    res1, dir1 = _kept_run(tmp_path_factory)
    assert dir1.is_relative_to(tmp_path / "cache" / "quick-runs")
    cells = sorted((dir1 / "cells").glob("*.json"))
    n = len(cells)
    assert n >= 1 and qr.provenance(dir1).startswith(f"All {n} cell(s) of this quick run were trained")
    stamp = {p.name: p.stat().st_mtime_ns for p in cells}
    res2, dir2 = _kept_run(tmp_path_factory)
    assert dir2 == dir1 and qr.provenance(dir2).startswith(f"{n} of {n} cell(s) of this quick run were reused")
    assert {p.name: p.stat().st_mtime_ns for p in cells} == stamp          # no cell recomputed
    assert json.dumps(without_timing(res2), sort_keys=True, default=str) == \
        json.dumps(without_timing(res1), sort_keys=True, default=str)
    # the same numbers as a run into a fresh folder
    fresh = run("moons", TINY, tmp_path / "fresh", progress=False)
    assert json.dumps(without_timing(fresh["configs"]), sort_keys=True, default=str) == \
        json.dumps(without_timing(res1["configs"]), sort_keys=True, default=str)
    # another code key's folder is removed on the next use; a held one is kept
    import socket

    here = socket.gethostname()
    kr = tmp_path / "cache" / "quick-runs"
    stale, dead, held, remote = (kr / (c * 64) for c in "0123")
    stale.mkdir()
    for d, owner in ((dead, {"host": here, "pid": 2 ** 22 + 1}), (held, {"host": here, "pid": os.getpid()}),
                     (remote, {"host": here + "-other", "pid": 2 ** 22 + 1})):
        (d / "x").mkdir(parents=True)
        (d / "x" / ".lock").write_text(json.dumps(owner))
    _kept_run(tmp_path_factory)
    # other code keys: removed unless a live process (here) or another host holds them
    assert not stale.exists() and not dead.exists() and held.exists() and remote.exists()


def test_no_cache_and_a_folder_in_use_run_afresh(tmp_path, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("GSV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GSV_NO_CACHE", "1")
    _, folder = _kept_run(tmp_path_factory)
    assert not folder.is_relative_to(tmp_path / "cache") and not (tmp_path / "cache" / "quick-runs").exists()
    monkeypatch.delenv("GSV_NO_CACHE")
    kept = qr.persistent_folder("moons", TINY)
    (kept / "moons").mkdir(parents=True)
    (kept / "moons" / ".lock").write_text(json.dumps({"host": os.uname().nodename, "pid": os.getpid()}))
    res, folder = _kept_run(tmp_path_factory)   # this process holds it: "another run"
    assert not folder.is_relative_to(tmp_path / "cache") and "plain" in res["configs"]
    shutil.rmtree(kept)
