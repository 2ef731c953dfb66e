"""Shared training prefixes: a row whose objective equals another row's up to step k starts there.

Two rows of one experiment that train the same network from the same initialisation on the same
data with the same optimizer, and whose objectives agree on every step before k (Eq. 17 with its
penalty off before the anneal step IS ERM; so is the loss-scaling control before its switch),
compute the same first k steps, bitwise. The donor row keeps its state at the start of step k —
the stacked parameters, Adam's state and the trajectory recorded so far — in the run folder
(``prefixes/<donor>-step<k>.pt``, written atomically); the other row loads it and trains on from
step k. Without the file (a parallel executor ran the rows at once) it trains from step 0: the
same numbers, only slower. The experiments' tests check "started from the snapshot = trained from
step 0" bitwise.

Example:
    >>> import torch
    >>> from empirical.models import MLP, Ensemble
    >>> ens = Ensemble(lambda: MLP(2, 4), seeds=[0])
    >>> opt = torch.optim.Adam(ens.parameters(), lr=0.1)
    >>> snap = snapshot(ens, opt, {"step": [0]}, step=3)
    >>> traj = {"step": []}
    >>> restore(ens, opt, traj, snap)
    3
    >>> traj
    {'step': [0]}
"""

from __future__ import annotations

import copy
import io
from pathlib import Path

import torch

__all__ = ["cell_fields", "donors_first", "snapshot", "restore", "save", "load", "for_cell"]


def cell_fields(shared: dict[str, tuple[str, int]]) -> dict[str, dict]:
    """What each row's cell payload carries, from ``shared`` (row → (donor row, step)): a row that
    starts from a donor gets ``"prefix": [donor, step]``, a donor ``"snapshots": [steps]``.

    >>> cell_fields({"sd": ("erm", 300), "sd_lam1": ("erm", 200)})
    {'sd': {'prefix': ['erm', 300]}, 'erm': {'snapshots': [200, 300]}, 'sd_lam1': {'prefix': ['erm', 200]}}
    >>> donors_first(["sd", "oracle", "erm"], {"sd": ("erm", 300)})
    ['erm', 'sd', 'oracle']
    """
    out: dict[str, dict] = {}
    for row, (donor, step) in shared.items():
        out.setdefault(row, {})["prefix"] = [donor, int(step)]
        steps = out.setdefault(donor, {}).setdefault("snapshots", [])
        if int(step) not in steps:
            steps.append(int(step))
    for fields in out.values():
        if "snapshots" in fields:
            fields["snapshots"].sort()
    return out


def donors_first(rows: list[str], shared: dict[str, tuple[str, int]]) -> list[str]:
    """``rows`` with every donor before the others (the local executor runs cells in this order),
    the order otherwise kept."""
    donors = {d for d, _ in shared.values()}
    return sorted(rows, key=lambda r: r not in donors)


def for_cell(payload: dict, rf, device) -> tuple[dict | None, tuple[int, ...]]:
    """(the snapshot this cell starts from or None, the steps whose snapshots it keeps), from its
    payload (:func:`cell_fields`) and run folder (None: nothing is read or kept)."""
    start = load(rf, *payload["prefix"], device) if payload.get("prefix") else None
    keep = tuple(payload.get("snapshots", ())) if rf is not None else ()
    return start, keep


def snapshot(ens, opt: torch.optim.Optimizer, traj: dict[str, list], step: int) -> dict:
    """The state at the start of ``step``: a copy of the parameters, Adam's state and the trajectory."""
    return {"step": int(step), "params": {k: v.detach().clone() for k, v in ens.params.items()},
            "opt": copy.deepcopy(opt.state_dict()), "traj": {k: list(v) for k, v in traj.items()}}


def restore(ens, opt: torch.optim.Optimizer, traj: dict[str, list], snap: dict) -> int:
    """Put ``snap`` into the (freshly initialised) ensemble, optimizer and trajectory; its step."""
    with torch.no_grad():
        for k, v in ens.params.items():
            v.copy_(snap["params"][k])
    opt.load_state_dict(snap["opt"])
    for k in traj:
        traj[k] = list(snap["traj"][k])
    return int(snap["step"])


def _file(rf, donor: str, step: int) -> Path:
    return Path(rf.path) / "prefixes" / f"{donor}-step{int(step)}.pt"


def save(rf, donor: str, snaps: dict[int, dict]) -> None:
    """Keep the donor's snapshots in the run folder (atomic writes)."""
    from empirical.runs import atomic_write_bytes

    for step, snap in snaps.items():
        buf = io.BytesIO()
        torch.save(snap, buf)
        f = _file(rf, donor, step)
        f.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(f, buf.getvalue())


def load(rf, donor: str, step: int, device) -> dict | None:
    """The donor's snapshot at ``step`` from the run folder, or None when its cell has not run here."""
    if rf is None:
        return None
    f = _file(rf, donor, step)
    return torch.load(f, map_location=device, weights_only=True) if f.exists() else None
