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
    "decoupling",
    "toy",
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
        out[comp.claim_id] = comp
    missing = [cid for cid in ids if cid not in out]
    if missing:
        raise ValueError(f"theory.{name} declares but does not compare {missing}")
    return out


@functools.lru_cache(maxsize=None)
def _module_table(name: str) -> dict[str, Comparison]:
    return module_comparisons(name)


def verdict_table(modules: tuple[str, ...] | None = None) -> dict[str, Comparison]:
    """Run the derivation modules' comparisons; id → Comparison (paper order).

    Args:
        modules: Names from DERIVATION_MODULES to run (default: all). Each module's result
            is cached for the process.

    Raises:
        ValueError: an unknown module name, a module that compares an unknown claim id,
            or two modules that compare the same claim.
    """
    names = DERIVATION_MODULES if modules is None else tuple(modules)
    bad = [n for n in names if n not in DERIVATION_MODULES]
    if bad:
        raise ValueError(f"modules must be among {DERIVATION_MODULES}; got {bad}")
    found: dict[str, Comparison] = {}
    for name in names:
        for cid, comp in _module_table(name).items():
            if cid in found:
                raise ValueError(f"claim {cid!r} compared twice")
            found[cid] = comp
    return {cid: found[cid] for cid in CLAIMS if cid in found}


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
