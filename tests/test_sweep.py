"""Sweeps: executors give bitwise-equal cells, failures are reported, options are checked."""

import json
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from empirical.runs import RunFolder  # noqa: E402
from empirical.sweep import Cell, Plan, Protocol, SweepError, check_executor_options, run, without_timing  # noqa: E402


TINY = {"configs": ["plain", "sd", "dropout"], "seeds": 2, "iterations": 12, "quick": True, "checkpoint_every": 5}


def cells_of(root: Path) -> dict:
    return {p.stem: without_timing(json.loads(p.read_text())) for p in sorted((root / "cells").glob("*.json"))}


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    run("moons", TINY, out, device="cpu", progress=False)
    return out / "moons"


def test_local_run_folder_is_complete(local_run):
    assert (local_run / "COMPLETE").exists() and not (local_run / ".lock").exists()
    assert sorted(json.loads((local_run / "COMPLETE").read_text())["cells"]) == ["dropout", "plain+sd"]
    env = json.loads((local_run / "environment.json").read_text())
    assert env["device"] == "cpu" and "git_commit" in env and env["torch"] == torch.__version__
    assert "3/3" not in (local_run / "sweep.log").read_text() and "2/2 cells" in (local_run / "sweep.log").read_text()


def test_environment_records_the_threads_the_cells_ran_with(tmp_path, monkeypatch):
    # The process keeps its own thread count while the cells run with --threads: environment.json
    # must state the cells' setting, not the process's.
    from empirical import registry

    monkeypatch.setitem(registry._REGISTRY, "noop", registry.Experiment("noop", "empirical.sweep:NOOP", "no-op"))
    saved = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        for threads in (1, 3):
            run("noop", {"cells": 2}, tmp_path / f"t{threads}", device="cpu", threads=threads, progress=False)
            env = json.loads((tmp_path / f"t{threads}" / "noop_2" / "environment.json").read_text())
            assert env["torch_num_threads"] == threads
        assert torch.get_num_threads() == 2          # the caller's setting is back
    finally:
        torch.set_num_threads(saved)


def test_dask_local_cluster_gives_bitwise_equal_cells(local_run, tmp_path):
    pytest.importorskip("dask.distributed")
    run("moons", TINY, tmp_path, device="cpu", executor="dask", workers=2, progress=False)
    assert cells_of(tmp_path / "moons") == cells_of(local_run)


def test_submitit_local_executor_gives_bitwise_equal_cells(local_run, tmp_path):
    pytest.importorskip("submitit")
    run("moons", TINY, tmp_path, device="cpu", executor="slurm", slurm={"cluster": "local", "time_min": 5},
        progress=False)
    assert cells_of(tmp_path / "moons") == cells_of(local_run)


def test_rerun_skips_finished_cells(local_run, tmp_path):
    import shutil

    dst = tmp_path / "moons"
    shutil.copytree(local_run, dst)
    stamp = {p.name: p.stat().st_mtime_ns for p in (dst / "cells").iterdir()}
    (dst / "cells" / "dropout.json").unlink()
    run("moons", TINY, tmp_path, device="cpu", progress=False)
    assert (dst / "cells" / "plain+sd.json").stat().st_mtime_ns == stamp["plain+sd.json"]   # not recomputed
    assert cells_of(dst) == cells_of(local_run)


# --- a toy protocol: one cell fails, the others must still finish -------------------------
def _plan(opts):
    return Plan("toy", {"n": 3}, [Cell(f"c{i}", {"i": i}) for i in range(3)])


def _cell(payload, device, **_):
    if payload["i"] == 1:
        raise RuntimeError("cell one is broken")
    return {"square": payload["i"] ** 2}


TOY = Protocol(_plan, _cell, lambda plan, results, rf: {"results": results}, lambda res: "")


def _cell_interrupted_in_an_extension(payload, device, **_):
    # Ctrl-C while cell 1 runs; the code it is in turns the KeyboardInterrupt into its own error
    # and drops the chain, as a C++ extension may
    import os
    import signal
    import time

    if payload["i"] == 1:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except KeyboardInterrupt:
            raise RuntimeError("operator interrupted") from None
    return {"square": payload["i"] ** 2}


TOY_INTERRUPTED = Protocol(_plan, _cell_interrupted_in_an_extension, lambda plan, results, rf: {}, lambda res: "")


def _cell_swallowing_the_interrupt(payload, device, **_):
    # Ctrl-C while cell 1 runs; the code it is in catches the KeyboardInterrupt and finishes
    try:
        return _cell_interrupted_in_an_extension(payload, device)
    except RuntimeError:
        return {"square": payload["i"] ** 2}


TOY_SWALLOWED = Protocol(_plan, _cell_swallowing_the_interrupt, lambda plan, results, rf: {}, lambda res: "")


def _interrupted_toy_run(protocol: str, tmp_path, monkeypatch) -> Path:  # noqa: ANN001 - pytest fixtures
    """Run the toy protocol ``protocol`` (a Ctrl-C arrives during cell 1); it must end in KeyboardInterrupt."""
    import signal

    from empirical import registry

    monkeypatch.setitem(registry._REGISTRY, "toyint", registry.Experiment("toyint", f"{__name__}:{protocol}", "toy"))
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    with pytest.raises(KeyboardInterrupt):
        run("toyint", {}, tmp_path, device="cpu", progress=False)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # the handler is restored
    root = tmp_path / "toy"
    assert not (root / "failures.json").exists() and not (root / ".lock").exists()
    assert "FAILED" not in (root / "sweep.log").read_text()      # not recorded as a failed cell
    return root


def test_an_interrupt_turned_into_an_error_stops_the_sweep_as_an_interrupt(tmp_path, monkeypatch):
    root = _interrupted_toy_run("TOY_INTERRUPTED", tmp_path, monkeypatch)
    assert sorted(p.name for p in (root / "cells").glob("*.json")) == ["c0.json"]   # c2 never started


def test_an_interrupt_swallowed_inside_a_cell_stops_the_sweep_after_that_cell(tmp_path, monkeypatch):
    root = _interrupted_toy_run("TOY_SWALLOWED", tmp_path, monkeypatch)
    # the interrupted cell finished and is kept; the next one never started
    assert sorted(p.name for p in (root / "cells").glob("*.json")) == ["c0.json", "c1.json"]


def test_failing_cell_is_reported_and_the_others_finish(tmp_path, monkeypatch):
    from empirical import registry

    monkeypatch.setitem(registry._REGISTRY, "toy", registry.Experiment("toy", f"{__name__}:TOY", "toy"))
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    with pytest.raises(SweepError, match=r"1 of 3 cells failed \(c1: RuntimeError: cell one is broken\)"):
        run("toy", {}, tmp_path, device="cpu", progress=False)
    root = tmp_path / "toy"
    assert json.loads((root / "cells" / "c2.json").read_text()) == {"square": 4}
    assert json.loads((root / "failures.json").read_text()) == {"c1": "RuntimeError: cell one is broken"}
    assert not (root / "COMPLETE").exists() and not (root / ".lock").exists()
    assert "FAILED" in (root / "sweep.log").read_text()


def test_executor_options_belong_to_their_executor():
    with pytest.raises(ValueError, match="--workers"):
        check_executor_options("local", workers=2)
    with pytest.raises(ValueError, match="--scheduler"):
        check_executor_options("slurm", scheduler="tcp://x:1")
    with pytest.raises(ValueError, match="--slurm-partition"):
        check_executor_options("dask", slurm={"partition": "gpu"})
    with pytest.raises(ValueError, match="exclude"):
        check_executor_options("dask", workers=2, scheduler="tcp://x:1")
    check_executor_options("slurm", slurm={"partition": "gpu", "time_min": 10})


def test_second_run_into_a_locked_folder_is_refused(tmp_path):
    from empirical.runs import RunFolderError

    plan = _plan({})
    with RunFolder(tmp_path / "moons", {"experiment": "moons"}):
        with pytest.raises(RunFolderError, match="in use by another run"):
            run("moons", TINY, tmp_path, device="cpu", progress=False)
    assert plan.cells


def test_cli_rejects_options_an_experiment_does_not_use(capsys):
    from theory.cli import main

    assert main(["train", "width-sweep", "--iterations", "5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--iterations is not an option of experiment width-sweep" in err[0]
    assert main(["train", "starvation", "--device", "bogus"]) == 2
    assert "device" in capsys.readouterr().err
    assert main(["train", "colored-digits", "--no-batch-configs"]) == 2
    assert "--no-batch-configs" in capsys.readouterr().err


def test_cli_unreachable_scheduler_is_one_line(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    from theory.cli import main

    rc = main(["train", "moons", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9",
               "--out", str(tmp_path), "--seeds", "2", "--iterations", "2", "--configs", "plain"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and "unreachable" in err[0]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))

