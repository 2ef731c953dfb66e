"""The verdict cache (theory.cache): keyed by the code, recomputed on any change, never trusted when broken."""

from __future__ import annotations

import pickle

import pytest

from theory import cache


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """module_comparisons() replaced by a counter; the cache in a fresh folder, nothing in memory."""
    calls = []

    def compute(name):
        calls.append(name)
        return {"c1": ("comparison", name, len(calls))}

    monkeypatch.setattr("theory.verdicts.module_comparisons", compute)
    monkeypatch.setenv("GSV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GSV_NO_CACHE", raising=False)
    monkeypatch.setattr(cache, "_MEMO", {})
    return calls


def test_second_call_reads_the_cache(fake):
    a = cache.module_table("toy")
    cache._MEMO.clear()              # another process: only the disk is shared
    b = cache.module_table("toy")
    assert a == b == {"c1": ("comparison", "toy", 1)} and fake == ["toy"]
    assert cache.cache_path(module="toy").exists()


def test_modules_are_cached_separately(fake):
    cache.module_table("toy")
    cache.module_table("dual")
    cache._MEMO.clear()
    cache.module_table("toy")
    cache.module_table("dual")
    assert fake == ["toy", "dual"]


def test_any_change_to_the_code_recomputes(fake, monkeypatch):
    cache.module_table("toy")
    cache.module_table("dual")
    monkeypatch.setattr(cache, "code_hash", lambda root=None: "0" * 64)
    assert cache.module_table("toy") == {"c1": ("comparison", "toy", 3)} and len(fake) == 3
    # One version of the code is kept: the older files are removed.
    assert sorted(p.name for p in cache.cache_dir().glob("*.pickle")) == [
        "verdicts-" + "0" * 64 + "-toy.math.pickle", "verdicts-" + "0" * 64 + "-toy.pickle"]


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
    cache.module_table("toy")
    cache.cache_path(module="toy").write_bytes(b"not a pickle")
    cache._MEMO.clear()
    assert cache.module_table("toy") == {"c1": ("comparison", "toy", 2)}


def test_no_cache_env_always_recomputes(fake, monkeypatch):
    monkeypatch.setenv("GSV_NO_CACHE", "1")
    cache.module_table("toy")
    cache.module_table("toy")
    assert len(fake) == 2


def test_the_table_stores_computed_comparisons(monkeypatch, tmp_path):
    """What is stored is the derivation's result, so a second process derives nothing: the file
    holds a dict claim id → Comparison equal to a fresh derivation, and the table read back in
    a new process state gives the same verdicts without calling module_comparisons."""
    from theory import verdicts
    from theory.derivation import Comparison

    monkeypatch.setenv("GSV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GSV_NO_CACHE", raising=False)
    monkeypatch.setattr(cache, "_MEMO", {})
    fresh = verdicts.module_comparisons("toy")
    ids = list(fresh)
    first = {cid: cache.verdict_table()[cid].verdict for cid in ids}
    stored = pickle.loads(cache.cache_path(module="toy").read_bytes())
    assert type(stored) is dict and set(stored) == set(ids)
    assert all(isinstance(c, Comparison) for c in stored.values())
    cache._MEMO.clear()

    def refuse(name):
        raise AssertionError(f"theory.{name} derived again although it is cached")

    monkeypatch.setattr("theory.verdicts.module_comparisons", refuse)
    table = cache.verdict_table()
    assert {cid: table[cid].verdict for cid in ids} == first == {cid: c.verdict for cid, c in fresh.items()}
    # sent to another process (pickled), the table is the computed dict, not a lazy view
    sent = pickle.loads(pickle.dumps(cache.CachedVerdictTable(("toy",))))
    assert type(sent) is dict and sent[ids[0]].verdict == first[ids[0]]


def test_the_claim_pages_math_is_stored_with_the_verdicts(monkeypatch, tmp_path):
    """Rendering a claim's page after reading its module and the stored math from the cache prints
    no expression: the math was rendered where the module was derived and stored beside its verdicts."""
    from theory.claims import CLAIMS
    from theory.report import mathrender, pages

    monkeypatch.setenv("GSV_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GSV_NO_CACHE", raising=False)
    monkeypatch.setattr(cache, "_MEMO", {})
    monkeypatch.setattr(mathrender, "_RENDERED", {})
    table = cache.module_table("toy")
    expected = {cid: pages._render_claim_html(cid, CLAIMS.get(cid), c, [], [], "") for cid, c in table.items()}
    # another process: nothing in memory, the printers refuse to run
    cache._MEMO.clear()
    mathrender._RENDERED.clear()

    def refuse(*_a, **_k):
        raise AssertionError("an expression was printed again although its page's math is cached")

    monkeypatch.setattr(mathrender, "_latex", refuse)
    monkeypatch.setattr(mathrender, "_mathml_inner", refuse)
    table = cache.module_table("toy")
    assert cache.load_rendered_math() > 0
    assert {cid: pages._render_claim_html(cid, CLAIMS.get(cid), c, [], [], "") for cid, c in table.items()} == expected


def test_printed_forms_are_the_same_expressions_in_another_process():
    # The report's math is rendered where a module is derived (an xdist worker) and looked up by
    # expression where the report is written: a printed form must compare equal after crossing
    # processes, even when the other process created SymPy dummies before loading the claims.
    import subprocess
    import sys

    from theory.claims import CLAIMS

    code = ("import pickle, sys, sympy as sp; [sp.Dummy() for _ in range(17)]; "
            "from theory.claims import CLAIMS; "
            "sys.stdout.buffer.write(pickle.dumps({k: CLAIMS[k].printed for k in ('eq7', 'eq8', 'eq17')}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, timeout=120).stdout
    theirs = pickle.loads(out)
    for k, printed in theirs.items():
        assert printed == CLAIMS[k].printed, k
