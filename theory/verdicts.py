"""Collects every claim's comparison with its derivation: the verdict table.

Each derivation module (``theory.legendre``, ``theory.dual``, ...) declares
``CLAIM_IDS`` and exposes ``comparisons() -> list[Comparison]``, one per claim it
derives, each judged inside ``theory.derivation.guarded`` (a derivation that raises
fails its own claim with ``Verdict.ERROR``). This module gathers them lazily (a lookup
runs only the module that declares the claim), checks that every claim has exactly
one, and caches each module's result for the process.

Example:
    >>> from theory.verdicts import verdict_table  # doctest: +SKIP
    >>> verdict_table()["eq12_alpha"].verdict.value  # doctest: +SKIP
    'verified'
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
from collections.abc import Iterator, Mapping

from theory.claims import CLAIMS
from theory.derivation import Comparison, Verdict

# The derivation modules, in the order of the paper.
DERIVATION_MODULES = (
    "legendre",
    "multiclass",
    "dual",
    "stability",
    "uncoupled",
    "perturbation",
    "starvation",
    "theorem2_exact",
    "decoupling",
    "toy",
    "setups",
    "reported",
    "code_ledger",
)


def _load(name: str):
    return importlib.import_module(f"theory.{name}")


def module_comparisons(name: str) -> dict[str, Comparison]:
    """One derivation module's comparisons, id → Comparison, with per-claim error capture.

    Each module declares ``CLAIM_IDS`` (the claims it judges) and judges each claim inside
    ``theory.derivation.guarded``, so a false step fails its own claim
    (``Verdict.ERROR``). Should the module fail as a whole (import, shared setup), every
    claim it declares gets ``Verdict.ERROR``; the other modules are unaffected.

    Raises:
        ValueError: a module compares an unknown claim id, one it does not declare, or
            misses one it declares.
    """
    try:
        mod = _load(name)
    except Exception as exc:  # noqa: BLE001 - an import error fails only this module's claims
        raise ValueError(f"theory.{name} does not import: {type(exc).__name__}: {exc}") from exc
    ids = tuple(mod.CLAIM_IDS)
    try:
        comps = list(mod.comparisons())
    except Exception as exc:  # noqa: BLE001 - the whole module failed: its claims, not others
        err = f"theory.{name}.comparisons() raised {type(exc).__name__}: {exc}"
        return {cid: Comparison(cid, Verdict.ERROR, error=err) for cid in ids}
    out: dict[str, Comparison] = {}
    for comp in comps:
        if comp.claim_id not in CLAIMS:
            raise ValueError(f"theory.{name} compares unknown claim {comp.claim_id!r}")
        if comp.claim_id not in ids:
            raise ValueError(f"theory.{name} compares {comp.claim_id!r}, not in its CLAIM_IDS")
        if comp.claim_id in out:
            raise ValueError(f"claim {comp.claim_id!r} compared twice")
        out[comp.claim_id] = transcription_verdict(comp)
    missing = [cid for cid in ids if cid not in out]
    if missing:
        raise ValueError(f"theory.{name} declares but does not compare {missing}")
    return out


def transcription_verdict(comp: Comparison) -> Comparison:
    """An erratum whose discrepancy lies in one transcription only is a transcription variant.

    ``theory.claims.sources.VARIANTS`` records, per claim, which transcriptions of the paper
    (the arXiv text, the published-PDF text) disagree with the derivation. Where only one does,
    the other prints the corrected form: the paper is right and one transcription is not, so
    the verdict is ``transcription variant`` (the corrected form and the counterexample to the
    other reading are kept). Computed from the recorded data: a variant recorded in both
    sources stays an erratum.
    """
    if comp.verdict is not Verdict.ERRATUM:
        return comp
    from theory.claims.sources import VARIANTS

    var = VARIANTS.get(comp.claim_id)
    if var is None or len(var.discrepancy_in) != 1:
        return comp
    (src,) = var.discrepancy_in
    note = (f"Transcription variant: the discrepancy is in the {src} text only "
            f"({var.arxiv_reading} | {var.pdf_reading}). {var.note}")
    return dataclasses.replace(comp, verdict=Verdict.VARIANT, notes=f"{comp.notes} {note}".strip())


@functools.lru_cache(maxsize=None)
def _module_table(name: str) -> dict[str, Comparison]:
    return module_comparisons(name)


class VerdictTable(Mapping[str, Comparison]):
    """id → Comparison in paper order, computed lazily one derivation module at a time.

    Looking up a claim runs only the module that declares it (``CLAIM_IDS``); iterating
    runs them all. Each module's result is cached for the process.
    """

    def __init__(self, modules: tuple[str, ...]):
        self._modules = modules
        owner: dict[str, str] = {}
        for name in modules:
            for cid in _load(name).CLAIM_IDS:
                if cid not in CLAIMS:
                    raise ValueError(f"theory.{name} declares unknown claim {cid!r}")
                if cid in owner:
                    raise ValueError(f"claim {cid!r} compared twice ({owner[cid]}, {name})")
                owner[cid] = name
        self._owner = {cid: owner[cid] for cid in CLAIMS if cid in owner}

    def __getitem__(self, cid: str) -> Comparison:
        if cid not in self._owner:
            raise KeyError(cid)
        return _module_table(self._owner[cid])[cid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._owner)

    def __len__(self) -> int:
        return len(self._owner)


def verdict_table(modules: tuple[str, ...] | None = None) -> VerdictTable:
    """The verdict table: id → Comparison (paper order), computed lazily per module.

    Args:
        modules: Names from DERIVATION_MODULES to include (default: all).

    Raises:
        ValueError: an unknown module name, a module that declares an unknown claim id,
            or two modules that declare the same claim.
    """
    names = DERIVATION_MODULES if modules is None else tuple(modules)
    bad = [n for n in names if n not in DERIVATION_MODULES]
    if bad:
        raise ValueError(f"modules must be among {DERIVATION_MODULES}; got {bad}")
    return VerdictTable(names)


def module_of(claim_id: str) -> str:
    """The derivation module that judges ``claim_id`` (from the modules' CLAIM_IDS)."""
    for name in DERIVATION_MODULES:
        if claim_id in _load(name).CLAIM_IDS:
            return name
    raise KeyError(f"no derivation module declares claim {claim_id!r}")


def uncovered() -> list[str]:
    """Claim ids that no derivation module declares."""
    declared = {cid for name in DERIVATION_MODULES for cid in _load(name).CLAIM_IDS}
    return [cid for cid in CLAIMS if cid not in declared]
