"""Run folders you can trust: a run killed (SIGINT or SIGKILL) at any phase and resumed gives
bitwise the metrics of an uninterrupted run; locks, completeness markers, corrupt checkpoints.

Phases (fault points, ``empirical.runs.fault_point``): ``checkpoint`` (inside a cell's
training, just after its first checkpoint), ``cell`` (after the first cell's result is
stored), ``assemble`` (all cells stored, before tables and the COMPLETE marker).
"""

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from empirical.runs import RunFolderError  # noqa: E402
from empirical.sweep import SweepError, run, without_timing  # noqa: E402

TINY = {"configs": ["plain", "sd", "dropout"], "seeds": 2, "iterations": 12, "quick": True, "checkpoint_every": 5}
ROOT = Path(__file__).resolve().parents[1]


def metrics_of(root: Path) -> dict:
    """Every cell's result and every configuration's metrics.json, timing fields removed."""
    out = {f"cells/{p.stem}": json.loads(p.read_text()) for p in (root / "cells").glob("*.json")}
    out.update({f"{n}/metrics.json": json.loads((root / n / "metrics.json").read_text()) for n in TINY["configs"]})
    return without_timing(out)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref")
    run("moons", TINY, out, device="cpu", progress=False)
    return metrics_of(out / "moons")


def _killed_run(out: Path, phase: str, signal: str) -> subprocess.CompletedProcess:
    # SIGINT as a terminal's Ctrl-C: Python's handler, even where the test runner was started with
    # SIGINT ignored (a background job of a non-interactive shell), which children inherit
    code = ("import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
            f"from empirical.sweep import run; run('moons', {TINY!r}, {str(out)!r}, device='cpu', progress=False)")
    env = {**os.environ, "GSV_FAULT": phase, "GSV_FAULT_SIGNAL": signal, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("phase", ["checkpoint", "cell", "assemble"])
@pytest.mark.parametrize("signal", ["INT", "KILL"])
def test_kill_and_resume_equals_uninterrupted_run(reference, tmp_path, phase, signal):
    p = _killed_run(tmp_path, phase, signal)
    root = tmp_path / "moons"
    assert p.returncode != 0, p.stdout + p.stderr           # the fault fired: the run did not finish
    assert not (root / "COMPLETE").exists()
    if signal == "INT":
        assert not (root / ".lock").exists()                 # released on the way out
    else:
        assert (root / ".lock").exists()                     # SIGKILL leaves it: the resume takes it over
    if phase == "checkpoint":
        assert list((root / "ckpt").glob("*.pt"))            # killed mid-training, with a checkpoint
    run("moons", TINY, tmp_path, device="cpu", progress=False)
    assert (root / "COMPLETE").exists() and not (root / ".lock").exists()
    assert metrics_of(root) == reference


def test_corrupt_checkpoint_is_reported_with_the_file_to_delete(reference, tmp_path):
    p = _killed_run(tmp_path, "checkpoint", "KILL")
    assert p.returncode != 0
    ck = next((tmp_path / "moons" / "ckpt").glob("*.pt"))
    ck.write_bytes(ck.read_bytes()[:100])                    # a truncated file
    with pytest.raises(SweepError, match=rf"checkpoint .*{re.escape(ck.name)} is corrupt .*delete it"):
        run("moons", TINY, tmp_path, device="cpu", progress=False)
    ck.unlink()                                              # what the message says to do
    run("moons", TINY, tmp_path, device="cpu", progress=False)
    assert metrics_of(tmp_path / "moons") == reference


def test_a_different_configuration_into_the_same_folder_is_refused(tmp_path):
    run("moons", {**TINY, "configs": ["plain"]}, tmp_path, device="cpu", progress=False)
    with pytest.raises(RunFolderError, match="holds a different configuration"):
        run("moons", {**TINY, "configs": ["sd"]}, tmp_path, device="cpu", progress=False)
