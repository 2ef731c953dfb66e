"""Fuzz of the command line: every subcommand, bad input from a table, run as a user would.

Each case runs ``python -m theory.cli ...`` in a subprocess. Bad input must give exit
status 2, one line on stderr naming the option, and no traceback; never exit 0.
A few good invocations must still exit 0 (so that the test can fail both ways), and
Ctrl-C during a long command must give one line, exit 130, and no half-written output
(`probe` here; `report`, `claims` and `train` in test_cli_interrupt.py).

The cases fail at option checking, before NumPy or SymPy load, so the whole table
costs a few CPU-seconds.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
       "GSV_NO_CACHE": "1", "OMP_NUM_THREADS": "1"}


def _bad_folders(tmp: Path) -> list[str]:
    f = tmp / "a-file"
    f.write_text("x")
    out = ["/proc/gsv-x/y", str(f), str(f / "sub"), "", "/dev/null"]
    if hasattr(os, "geteuid") and os.geteuid() != 0:  # root writes into read-only folders
        ro = tmp / "read-only"
        ro.mkdir(exist_ok=True)
        ro.chmod(0o555)
        out += [str(ro), str(ro / "new")]
    return out


NOT_POSITIVE = ["0", "-1", "-1e-3", "-0.0", "nan", "NaN", "inf", "-inf", "1e400", "x", "", "1,5", "0x10"]
NOT_DELTA = ["1", "-1", "1.0", "-1e0", "1.5", "nan", "inf", "-inf", "x", ""]
NOT_FINITE = ["nan", "inf", "-inf", "1e999", "x", ""]
NOT_LABEL = ["0", "2", "-2", "0.5", "nan", "x"]
BAD_U = ["[[[1,0],[0,1]]]", "[[1,0]]", "[1,0]", "x", "[[1,0],[0,\"a\"]]", "[[1,1],[0,1]]", "[[NaN,0],[0,1]]",
         "[[1e400,0],[0,1]]", "[[true,0],[0,1]]", "[" * 5000 + "]" * 5000, "[[1,0,0],[0,1,0],[0,0,1]]", "{}", ""]
NOT_GRID = ["0", "9", "-5", "2001", "1000000", "x", "1.5", "", "nan", "1e3"]
NOT_N_DELTA = ["0", "1", "2", "99", "-1", "x", "10000001", "", "1e3"]

FP = ["fixed-point", "--s", "3", "2", "--lam", "0.5"]


def _cases(tmp: Path) -> list[tuple[str, list[str]]]:
    c: list[tuple[str, list[str]]] = []
    folders = _bad_folders(tmp)
    # fixed-point: each option with each bad value
    c += [(f"fp-s={v!r}", ["fixed-point", "--s", "3", v, "--lam", "1", "--delta", "0.1"]) for v in NOT_POSITIVE]
    c += [(f"fp-lam={v!r}", ["fixed-point", "--s", "3", "2", "--lam", v, "--delta", "0.1"]) for v in NOT_POSITIVE]
    c += [(f"fp-s={v!r}-U", ["fixed-point", "--s", v, "2", "--lam", "1", "--U", "[[1,0],[0,1]]"]) for v in NOT_POSITIVE]
    c += [(f"fp-lam={v!r}-U", ["fixed-point", "--s", "3", "2", "--lam", v, "--U", "[[1,0],[0,1]]"]) for v in NOT_POSITIVE]
    c += [(f"fp-delta={v!r}", FP + ["--delta", v]) for v in NOT_DELTA]
    c += [(f"fp-delta={v!r}-{dyn}", FP + ["--dynamics", dyn, "--delta", v])
          for v, dyn in itertools.product(NOT_DELTA, ["eq9", "sd"])]
    c += [(f"fp-U={v[:20]!r}", FP + ["--U", v]) for v in BAD_U]
    c += [(f"fp-b5-gamma={v!r}", FP + ["--delta", "0.1", "--dynamics", "b5", "--y", "1", "-1", "--gamma", v])
          for v in NOT_FINITE]
    c += [(f"fp-b5-y={v!r}", FP + ["--delta", "0.1", "--dynamics", "b5", "--y", "1", v]) for v in NOT_LABEL]
    # options that would be silently ignored
    c += [(f"fp-{dyn}-gamma", FP + ["--delta", "0.1", "--dynamics", dyn, "--gamma", g])
          for dyn, g in itertools.product(["eq9", "eq10", "sd"], ["0.5", "nan", "0"])]
    c += [(f"fp-{dyn}-y", FP + ["--delta", "0.1", "--dynamics", dyn, "--y", "1", "-1"]) for dyn in ["eq9", "eq10", "sd"]]
    c += [
        ("fp-U-and-delta", FP + ["--delta", "0.1", "--U", "[[1,0],[0,1]]"]),
        ("fp-no-U", FP),
        ("fp-delta-n3", ["fixed-point", "--s", "3", "2", "1", "--lam", "1", "--delta", "0.1"]),
        ("fp-b5-no-y", FP + ["--delta", "0.1", "--dynamics", "b5"]),
        ("fp-b5-y-count", FP + ["--delta", "0.1", "--dynamics", "b5", "--y", "1"]),
        ("fp-dynamics", FP + ["--delta", "0.1", "--dynamics", "eq11"]),
        ("fp-no-s", ["fixed-point", "--lam", "1", "--delta", "0.1"]),
        ("fp-no-lam", ["fixed-point", "--s", "3", "2", "--delta", "0.1"]),
        ("fp-empty-s", ["fixed-point", "--s", "--lam", "1", "--delta", "0.1"]),
        ("fp-too-many-s", ["fixed-point", "--s", *["1"] * 101, "--lam", "1", "--U", "[[1]]"]),
        ("fp-unknown", FP + ["--delta", "0.1", "--nosuch"]),
    ]
    # probe
    c += [(f"probe-grid={v!r}", ["probe", "--grid", v]) for v in NOT_GRID]
    c += [(f"probe-grid={v!r}-json", ["probe", "--json", "--grid", v]) for v in NOT_GRID]
    c += [(f"probe-n-delta={v!r}", ["probe", "--n-delta", v]) for v in NOT_N_DELTA]
    c += [(f"probe-n-delta={v!r}-grid", ["probe", "--grid", "10", "--n-delta", v]) for v in NOT_N_DELTA]
    c += [(f"probe-out={v!r}", ["probe", "--grid", "10", "--out", v]) for v in folders]
    c += [(f"probe-grid={g}-out={v!r}", ["probe", "--grid", g, "--out", v]) for g, v in
          itertools.product(["5", "x"], folders[:2])]
    c += [("probe-json-arg", ["probe", "--json", "yes"]), ("probe-unknown", ["probe", "--grids", "10"])]
    # report
    c += [(f"report-out={v!r}", ["report", "--out", v]) for v in folders]
    c += [("report-extra", ["report", "extra"]), ("report-unknown", ["report", "--outt", "x"]),
          ("report-not-a-report", ["report", "--out", str(ROOT / "theory")])]
    # claims and the top level
    c += [("claims-unknown", ["claims", "--jsn"]), ("claims-positional", ["claims", "x"]),
          ("claims-json-arg", ["claims", "--json=1"]),
          ("unknown-command", ["nosuch"]), ("version-typo", ["--versio"]), ("empty-command", [""])]
    # train: argument checking common to every experiment
    c += [(f"train-experiment={e!r}", ["train", e]) for e in ["nosuch", "", "MOONS", "moons2"]]
    c += [(f"train-{e}-{opt}={v!r}", ["train", e, opt, v]) for e, (opt, v) in itertools.product(
        ["moons", "width-sweep", "starvation"],
        [("--seeds", "x"), ("--iterations", "1.5"), ("--threads", "x"), ("--seeds", "")])]
    return c


def _run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "theory.cli", *args], capture_output=True, text=True,
                          env=ENV, cwd=ROOT, timeout=timeout)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    return _cases(tmp_path_factory.mktemp("fuzz"))


def test_table_is_large_and_covers_every_subcommand(table):
    assert len(table) >= 200
    from theory.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert {args[0] for _, args in table if args} >= set(sub.choices)


def test_bad_input_is_one_line_and_exit_2(table):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda case: (case, _run(case[1])), table))
    tracebacks = [name for (name, _), r in results if "Traceback" in r.stderr or "Traceback" in r.stdout]
    exit0 = [name for (name, _), r in results if r.returncode == 0]
    not2 = [f"{name}: rc {r.returncode}: {r.stderr.strip()[-200:]}" for (name, _), r in results
            if r.returncode != 2]
    multi = [f"{name}: {r.stderr!r}" for (name, args), r in results
             if r.returncode == 2 and args != [] and len(r.stderr.strip().splitlines()) != 1]
    print(f"fuzz: {len(results)} cases, {len(tracebacks)} tracebacks, {len(exit0)} exit 0 on bad input")
    assert not tracebacks, tracebacks
    assert not exit0, exit0
    assert not not2, not2
    assert not multi, multi
    # The message names the option it is about.
    named = {"fp-s=": "--s", "fp-lam=": "--lam", "fp-delta=": "--delta", "fp-U=": "--U", "fp-b5-gamma=": "--gamma",
             "fp-b5-y=": "--y", "probe-grid=": "--grid", "probe-n-delta=": "--n-delta", "probe-out=": "--out",
             "report-out=": "--out"}
    for (name, _), r in results:
        opt = next((o for prefix, o in named.items() if name.startswith(prefix)), None)
        if opt is not None:
            assert opt in r.stderr, (name, r.stderr)


@pytest.mark.parametrize("args", [
    ["--version"],
    ["claims", "--no-verdicts"],
    FP + ["--delta", "-1e-3", "--json"],
    FP + ["--U", "[[0.8,-0.6],[0.6,0.8]]", "--dynamics", "eq9"],
    FP + ["--delta", "0.1", "--dynamics", "b5", "--y", "1", "-1", "--gamma", "-2.5e-1"],
], ids=["version", "claims", "negative-exponent-delta", "U", "b5"])
def test_good_input_exits_0(args):
    r = _run(args)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr


def test_ctrl_c_is_one_line_exit_130_and_writes_nothing(tmp_path):
    out = tmp_path / "probe-out"
    p = subprocess.Popen([sys.executable, "-m", "theory.cli", "probe", "--grid", "400", "--out", str(out)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT,
                         # a background job inherits an ignored SIGINT; a terminal's Ctrl-C is not ignored
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # Wait until the command is at work (its first progress line), then press Ctrl-C.
    first = p.stderr.readline()
    assert "probe:" in first, first
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("gsv: interrupted")
    assert not out.exists() and not list(tmp_path.glob(".probe-out*"))  # nothing half-written


# `gsv train` options are checked by empirical/cli.py before any training starts.
@pytest.mark.parametrize("extra", [
    ["moons", "--quick", "--out", "/proc/gsv-x/y"],
    ["width-sweep", "--quick", "--seeds", "-3"],
    ["starvation", "--quick", "--iterations", "0"],
    ["moons", "--quick", "--device", "tpu"],
    ["starvation-block", "--quick", "--threads", "-1"],
    ["colored-digits", "--quick", "--configs", "nosuch"],
], ids=lambda a: "-".join(a[:1] + a[2:3]))
def test_train_bad_input_is_checked_first(extra, tmp_path):
    args = ["train", *extra] if "--out" in extra else ["train", *extra, "--out", str(tmp_path / "runs")]
    r = _run(args, timeout=30)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
