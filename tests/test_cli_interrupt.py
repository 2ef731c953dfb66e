"""Ctrl-C on every long-running subcommand: one line, exit 130, nothing half-written.

``gsv probe`` is covered in ``test_cli_fuzz.py``; this module presses Ctrl-C (SIGINT with
Python's default handler, as a terminal does) while ``gsv report`` writes pages, while
``gsv claims`` derives its verdicts with an empty cache, and while ``gsv train`` trains.
What "nothing half-written" means for each:

* report: the output folder is built beside the target and swapped in whole, so after an
  interrupt the target does not exist and no temporary folder is left next to it;
* claims: the verdict cache is written atomically, so the cache folder holds no file, or
  complete ones only (each loads);
* train: the run folder has no completeness marker, every JSON file in it parses, no
  temporary file is left, and the lock is released so that a rerun can resume.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _env(**extra) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "OMP_NUM_THREADS": "1", **extra}


def _start(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "theory.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
                            # a background job inherits an ignored SIGINT; a terminal's Ctrl-C is not ignored
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _interrupt(p: subprocess.Popen) -> str:
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1].startswith("gsv: interrupted"), err
    return err


def _wait_for(pred, p: subprocess.Popen, what: str, timeout: float = 240.0) -> None:
    t0 = time.monotonic()
    while not pred():
        if p.poll() is not None:
            pytest.fail(f"the command ended (exit {p.returncode}) before {what}: {p.stderr.read()}")
        if time.monotonic() - t0 > timeout:
            p.kill()
            pytest.fail(f"no {what} within {timeout:.0f} s")
        time.sleep(0.05)


def test_report_interrupted_while_writing_pages_leaves_no_folder(tmp_path):
    out = tmp_path / "report-out"
    p = _start(["report", "--out", str(out)], _env(GSV_CACHE_DIR=str(tmp_path / "cache")))
    # Wait for the first page-writing progress line: the interrupt then lands mid-write.
    lines: list[str] = []

    def writing() -> bool:
        line = p.stderr.readline()
        lines.append(line)
        return "claim pages" in line or line == ""

    _wait_for(writing, p, "page-writing progress line")
    assert "claim pages" in lines[-1], lines
    _interrupt(p)
    assert not out.exists()
    assert [q.name for q in tmp_path.iterdir() if q.name != "cache"] == []   # no temporaries beside it


def test_claims_interrupted_while_deriving_leaves_no_partial_cache(tmp_path):
    cache = tmp_path / "cache"
    p = _start(["claims"], _env(GSV_CACHE_DIR=str(cache)))
    first = p.stderr.readline()      # the first derivation module's line: the others are in progress
    assert first.startswith("gsv: derived"), first
    _interrupt(p)
    for f in cache.rglob("*") if cache.exists() else []:
        assert not f.name.endswith(".tmp"), f"temporary left in the cache: {f.name}"
        if f.suffix == ".pickle":
            with open(f, "rb") as fh:      # a file that is there is complete
                pickle.load(fh)


def test_train_interrupted_mid_sweep_leaves_a_resumable_folder(tmp_path):
    out = tmp_path / "runs"
    p = _start(["train", "moons", "--quick", "--out", str(out)], _env(CI="true"))
    log = out / "moons" / "sweep.log"
    # The interrupt lands while the first cell trains (the log says the sweep started).
    _wait_for(lambda: log.exists() and "start" in log.read_text(), p, "sweep start in sweep.log")
    time.sleep(1.0)
    _interrupt(p)
    root = out / "moons"
    assert not (root / "COMPLETE").exists()
    assert not (root / ".lock").exists(), "the lock must be released for the rerun"
    for f in root.rglob("*"):
        assert not f.name.endswith(".tmp"), f"temporary left: {f}"     # atomic writes' mkstemp names
        if f.suffix == ".json":
            json.loads(f.read_text())         # no truncated JSON


def test_atomic_write_interrupted_leaves_the_old_file_and_no_temporary(tmp_path):
    """The writer under every cache file and run-folder file: Ctrl-C while writing keeps the old
    content and removes the temporary (its name is known before the file exists)."""
    from theory.outdir import atomic_write_file

    target = tmp_path / "table.pickle"
    atomic_write_file(target, lambda fh: fh.write(b"old"))

    def interrupted(fh):
        fh.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write_file(target, interrupted, hidden=True, fsync=True)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.pickle"]
