"""theory.claims.sources: inputs are checked, the record is consistent with the claims."""

from __future__ import annotations

import pytest

from theory.claims import CLAIMS
from theory.claims import sources as S
from theory import setups


def test_unknown_source_is_rejected():
    with pytest.raises(ValueError, match="source must be one of"):
        S.source_text("scan")


def test_unknown_claim_is_rejected():
    with pytest.raises(KeyError, match="unknown claim"):
        S.excerpts("no_such_claim")


def test_overrides_name_existing_claims():
    for table in (S.ARXIV_EXCERPTS, S.ARXIV_ABSENT, S.PDF_EXCERPTS, S.VARIANTS):
        assert set(table) <= set(CLAIMS)
    assert set(S.PDF_SAME_AS_LATEX) <= set(CLAIMS)


def test_paper_dir_env_override(tmp_path, monkeypatch):
    monkeypatch.setenv("GSV_PAPER_DIR", str(tmp_path / "absent"))
    assert S.paper_dir() is None


def test_setups_claim_ids_match_comparisons():
    assert tuple(c.claim_id for c in setups.comparisons()) == setups.CLAIM_IDS
