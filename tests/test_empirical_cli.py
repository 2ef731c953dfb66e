"""``gsv train``: lazy torch import, bad input, a tiny run writing its folders."""

import json
import subprocess
import sys

import pytest


def test_cli_import_does_not_import_torch():
    code = "import sys, theory.cli; theory.cli.build_parser(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_train_bad_seeds_exit_2(capsys):
    from theory.cli import main

    assert main(["train", "moons", "--seeds", "1"]) == 2
    assert "--seeds" in capsys.readouterr().err


def test_train_tiny_run(tmp_path, capsys):
    pytest.importorskip("torch")
    from theory.cli import main

    rc = main(["train", "moons", "--configs", "plain", "sd", "--seeds", "2", "--iterations", "30",
               "--out", str(tmp_path), "--device", "cpu"])
    assert rc == 0
    assert "| sd |" in capsys.readouterr().out
    m = json.loads((tmp_path / "moons" / "sd" / "metrics.json").read_text())
    assert m["device"] == "cpu" and m["torch"] and len(m["per_seed"]["margin_p10"]) == 2
    env = json.loads((tmp_path / "moons" / "sd" / "environment.json").read_text())
    assert env["device"] == "cpu" and "torch" in env


def test_train_no_batch_configs_same_metrics(tmp_path, capsys):
    # Grouping configurations that share an architecture must not change what is measured:
    # the grouped and the separate runs train the same math in float32, so per-seed margins
    # agree to float32 rounding amplified by 30 momentum steps (2e-5 is ~100x float32 eps
    # relative to margins of order 0.3).
    pytest.importorskip("torch")
    from theory.cli import main

    runs = {}
    for name, extra in (("grouped", []), ("separate", ["--no-batch-configs"])):
        out = tmp_path / name
        assert main(["train", "moons", "--configs", "plain", "sd", "--seeds", "2", "--iterations", "30",
                     "--out", str(out), "--device", "cpu", *extra]) == 0
        runs[name] = {c: json.loads((out / "moons" / c / "metrics.json").read_text())["per_seed"]
                      for c in ("plain", "sd")}
    capsys.readouterr()
    for c in ("plain", "sd"):
        assert runs["grouped"][c]["margin_p10"] == pytest.approx(runs["separate"][c]["margin_p10"], abs=2e-5)


def test_every_experiment_is_registered_with_a_protocol():
    pytest.importorskip("torch")
    from empirical import registry

    ours = ["moons", "width-sweep", "starvation", "starvation-block", "colored-digits"]
    assert registry.names()[:5] == ours
    for name in ours:
        proto = registry.get(name).load()
        assert callable(proto.plan) and callable(proto.run_cell) and callable(proto.assemble)
        plan = proto.plan({"quick": True})
        assert plan.cells and plan.folder
