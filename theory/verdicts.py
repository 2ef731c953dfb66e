"""Collects every claim's comparison with its derivation: the verdict table.

Each derivation module (``theory.legendre``, ``theory.dual``, ...) exposes
``comparisons() -> list[Comparison]``, one per claim it derives. This module
gathers them, checks that every claim in ``theory.claims.CLAIMS`` has exactly one,
and caches the result for the process.

Example:
    >>> from theory.verdicts import verdict_table  # doctest: +SKIP
    >>> verdict_table()["eq12_alpha"].verdict.value  # doctest: +SKIP
    'verified'
"""

from __future__ import annotations

import functools
import importlib

from theory.claims import CLAIMS
from theory.derivation import Comparison

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
    try:
        return importlib.import_module(f"theory.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"theory.{name}":
            raise
        return None


@functools.lru_cache(maxsize=1)
def verdict_table() -> dict[str, Comparison]:
    """Run every derivation module's comparisons; id → Comparison (paper order).

    Raises:
        ValueError: if a module compares an unknown claim id, or two modules
            compare the same claim.
    """
    found: dict[str, Comparison] = {}
    for name in DERIVATION_MODULES:
        mod = _load(name)
        if mod is None or not hasattr(mod, "comparisons"):
            continue
        for comp in mod.comparisons():
            if comp.claim_id not in CLAIMS:
                raise ValueError(f"theory.{name} compares unknown claim {comp.claim_id!r}")
            if comp.claim_id in found:
                raise ValueError(f"claim {comp.claim_id!r} compared twice")
            found[comp.claim_id] = comp
    return {cid: found[cid] for cid in CLAIMS if cid in found}


def uncovered() -> list[str]:
    """Claim ids that no derivation module compares yet."""
    table = verdict_table()
    return [cid for cid in CLAIMS if cid not in table]
