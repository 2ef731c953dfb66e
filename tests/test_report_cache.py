"""The verdict cache (theory.cache): keyed by the code, recomputed on any change, never trusted when broken."""

from __future__ import annotations

import pytest

from theory import cache


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """verdict_table() replaced by a counter; the cache in a fresh folder."""
    calls = []

    def compute():
        calls.append(1)
        return {"c1": ("comparison", len(calls))}

    monkeypatch.setattr("theory.verdicts.verdict_table", compute)
    monkeypatch.setenv("GSV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GSV_NO_CACHE", raising=False)
    return calls


def test_second_call_reads_the_cache(fake):
    a = cache.verdict_table()
    b = cache.verdict_table()
    assert a == b == {"c1": ("comparison", 1)} and len(fake) == 1
    assert cache.cache_path().exists()


def test_any_change_to_the_code_recomputes(fake, monkeypatch):
    cache.verdict_table()
    monkeypatch.setattr(cache, "code_hash", lambda root=None: "0" * 64)
    assert cache.verdict_table() == {"c1": ("comparison", 2)} and len(fake) == 2
    # One table per code version: the older file is removed.
    assert [p.name for p in cache.cache_dir().glob("*.pickle")] == ["verdicts-" + "0" * 64 + ".pickle"]


def test_hash_covers_every_file_and_its_path(tmp_path):
    root = tmp_path / "theory"
    (root / "claims").mkdir(parents=True)
    (root / "claims" / "data.py").write_text("PRINTED = 'x'\n")
    (root / "derive.py").write_text("def f(): return 1\n")
    h0 = cache.code_hash(root)
    (root / "claims" / "data.py").write_text("PRINTED = 'y'\n")  # a claim's printed form
    h1 = cache.code_hash(root)
    (root / "claims" / "table.json").write_text("{}")  # claim data that is not Python
    h2 = cache.code_hash(root)
    (root / "derive.py").rename(root / "derive2.py")  # same bytes, other path
    h3 = cache.code_hash(root)
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "x.pyc").write_bytes(b"junk")  # byte code is not source
    assert len({h0, h1, h2, h3}) == 4 and cache.code_hash(root) == h3


def test_real_hash_covers_the_theory_package():
    files = {p.relative_to(cache._THEORY).as_posix() for p in cache._source_files()}
    assert {"verdicts.py", "derivation.py", "claims/__init__.py", "engine/fixed_points.py"} <= files


def test_a_corrupt_cache_file_is_recomputed(fake):
    cache.verdict_table()
    cache.cache_path().write_bytes(b"not a pickle")
    assert cache.verdict_table() == {"c1": ("comparison", 2)}


def test_no_cache_env_always_recomputes(fake, monkeypatch):
    monkeypatch.setenv("GSV_NO_CACHE", "1")
    cache.verdict_table()
    cache.verdict_table()
    assert len(fake) == 2
