"""The docstring examples of every library module run (theory/ and empirical/).

Each module under ``theory/`` and ``empirical/`` is imported and its examples run
with :mod:`doctest` (ELLIPSIS and NORMALIZE_WHITESPACE). A module that cannot be
imported because an optional dependency is missing (torch for ``empirical/``) is
skipped with the reason; any other import error fails.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "empirical")
OPTIONAL = {"torch", "sklearn", "mlxtend", "dask", "distributed", "submitit"}


def _modules() -> list[str]:
    names = []
    for pkg in PACKAGES:
        base = ROOT / pkg
        names.append(pkg)
        names += [m.name for m in pkgutil.walk_packages([str(base)], prefix=f"{pkg}.")
                  if not any(part.startswith("_") for part in m.name.split("."))]
    return sorted(set(names))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.setenv("GSV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    try:
        mod = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in OPTIONAL:
            pytest.skip(f"{name} needs {exc.name}, not installed")
        raise
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (run with -s)"
