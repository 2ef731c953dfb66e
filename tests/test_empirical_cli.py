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
