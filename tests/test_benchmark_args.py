"""Benchmark scripts reject bad input before any work: one line naming the option, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

CASES = [
    ("bench_ensemble_mlp.py", ["--steps", "0"], "--steps"),
    ("bench_gc_freeze.py", ["--repeat", "-1"], "--repeat"),
    ("bench_entk.py", ["--n", "1"], "--n"),
    ("bench_entk.py", ["--widths", "64", "0"], "--widths"),
    ("bench_fixed_points.py", ["--points", "-1"], "--points"),
    ("bench_fixed_points.py", ["--baseline", "/nonexistent/checkout"], "--baseline"),
    ("bench_moons.py", ["--seeds", "0"], "--seeds"),
    ("bench_moons.py", ["--deep-threads", "1", "x"], "--deep-threads"),
    ("bench_sweep.py", ["--workers", "0"], "--workers"),
]


@pytest.mark.parametrize("script, args, option", CASES, ids=[f"{s}:{o}" for s, _, o in CASES])
def test_bad_input_is_one_line_exit_2(script, args, option):
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True,
                       text=True, env=ENV, cwd=ROOT, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and option in lines[0], r.stderr


def test_at_least_accepts_the_bound_and_names_it():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from _args import at_least
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    assert at_least(2)("2") == 2
    with pytest.raises(Exception, match=r"must be an integer >= 2; got 1"):
        at_least(2)("1")
