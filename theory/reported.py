"""Reported numbers of §4 (Tables 1-3, Fig. 3) against our committed runs.

A reported number gets one of four verdicts:

- ``reproduced``: a committed run on the paper's data gives every compared entry within
  the tolerance below, and the table's qualitative content holds;
- ``reproduced on a stand-in``: the qualitative content (who beats whom, with a paired
  95 % interval that excludes 0) holds on a stand-in data set (8×8 digits, a subsample),
  the numbers themselves are not comparable;
- ``not reproduced``: a committed run contradicts the qualitative content;
- ``needs local data``: no committed run on the data the number needs (CIFAR, CelebA are
  not on this machine; nothing downloads at run time).

Tolerance for ``reproduced``: |ours − printed| ≤ 2·√(σ_paper² + σ_ours²), both σ being the
printed / measured standard deviation over runs: two mean-of-runs estimates of the same
quantity differ by more than that with probability < 5 % if the runs are alike.

Runs read (``empirical/results``): ``colored_mnist_*`` (real MNIST, written by
``gsv train colored-mnist``) when present and complete, else ``colored_digits_cpu`` (8×8
digits stand-in). Each comparison's ``derived`` names the folder it read.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from theory.claims import CLAIMS
from theory.derivation import Check, Comparison, Verdict, guarded

RESULTS = Path(__file__).resolve().parents[1] / "empirical" / "results"
# Our row names for the paper's methods (the paper's SD is the released objective).
ROWS = {"erm": ("erm",), "sd": ("sd_released",), "irm": ("irm",)}
Z95 = 1.96  # two-sided 95 % normal quantile for the paired interval over restarts


# The paper's Colored MNIST trains on the first 50,000 MNIST images (two environments of 25,000).
FULL_MNIST_TRAIN = 50_000


def train_total(sizes: dict) -> int:
    """Training images of a Colored-MNIST run, from either schema of ``sizes``
    (``train_env: [n1, n2]``, or ``train_e0.1`` / ``train_e0.2``)."""
    if "train_env" in sizes:
        return int(sum(sizes["train_env"]))
    return int(sum(sizes.get(k, 0) for k in ("train_e0.1", "train_e0.2")))


def _complete_runs(pattern: str):
    """(folder name, metrics) of every committed run matching ``pattern`` that has its COMPLETE marker."""
    for p in sorted(RESULTS.glob(pattern + "/metrics.json")):
        if (p.parent / "COMPLETE").exists():
            yield p.parent.name, json.loads(p.read_text())


def _run_cx(folder: str, **where) -> dict:
    # A reported number that our run contradicts: the run is the point; the comparison of
    # finite decimals is exact (no working precision to recheck).
    return {"point": f"empirical/results/{folder}", "run": folder, **where, "exact": True}


def colored_runs() -> list[tuple[str, dict, bool]]:
    """(folder, per-row per-restart metrics, on real MNIST?) of every usable Colored-MNIST run."""
    out = []
    for folder, m in _complete_runs("colored_mnist_*"):
        rows = {r: v["per_restart"] for r, v in m.get("rows", {}).items()}
        full = train_total(m.get("sizes") or {}) >= FULL_MNIST_TRAIN
        out.append((folder, rows, full))
    p = RESULTS / "colored_digits_cpu" / "metrics.json"
    if p.is_file():
        m = json.loads(p.read_text())
        out.append((p.parent.name, {r: v["per_restart"] for r, v in m["methods"].items()}, False))
    return out


def _row(rows: dict, method: str) -> dict | None:
    for name in ROWS[method]:
        if name in rows:
            return rows[name]
    return None


def paired_gain(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """Mean of a − b over restarts (paired by seed) and its 95 % interval (normal)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    half = Z95 * d.std(ddof=1) / math.sqrt(d.size) if d.size > 1 else math.inf
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def within(ours: list[float], printed: float, printed_sd: float) -> bool:
    o = 100 * np.asarray(ours, float)
    return abs(o.mean() - printed) <= 2 * math.hypot(printed_sd, o.std(ddof=1) if o.size > 1 else 0.0)


def _verdict(ok_quali: bool, ok_numbers: bool, real: bool) -> Verdict:
    if not ok_quali:
        return Verdict.NOT_REPRODUCED
    return Verdict.REPRODUCED if (real and ok_numbers) else Verdict.STAND_IN


def table2_evidence() -> dict | None:
    """The Table 2 comparison on the best available run (real MNIST first), or None."""
    table = CLAIMS["s43_table2"].printed["table"]
    for folder, rows, real in colored_runs():
        erm, sd, irm = _row(rows, "erm"), _row(rows, "sd"), _row(rows, "irm")
        if erm is None or sd is None:
            continue
        g = paired_gain(sd["test_acc"], erm["test_acc"])
        sd_mean = 100 * float(np.mean(sd["test_acc"]))
        quali = g[1] > 0 and sd_mean <= CLAIMS["s43_optimum"].printed["optimum"]
        numbers = {m: bool(within(r["test_acc"], table[m][2], table[m][3]))
                   for m, r in (("erm", erm), ("sd", sd), ("irm", irm)) if r is not None}
        return {"folder": folder, "real": real, "quali": quali, "numbers": numbers, "gain": g,
                "ours": {m: round(100 * float(np.mean(r["test_acc"])), 1)
                         for m, r in (("erm", erm), ("sd", sd), ("irm", irm)) if r is not None}}
    return None


def _s43_table2() -> Comparison:
    e = table2_evidence()
    if e is None:
        return Comparison("s43_table2", Verdict.NEEDS_DATA, CLAIMS["s43_table2"].printed, None,
                          Check("data", False, "no committed Colored-MNIST run"))
    v = _verdict(e["quali"], all(e["numbers"].values()), e["real"])
    g = e["gain"]
    detail = (f"empirical/results/{e['folder']}: test accuracy (%) {e['ours']} vs printed ERM 23.7, SD 68.4, "
              f"IRM 67.1; SD − ERM paired over restarts {100 * g[0]:.1f} points, 95 % CI "
              f"[{100 * g[1]:.1f}, {100 * g[2]:.1f}]; within tolerance: {e['numbers']}"
              + ("" if e["real"] else " (stand-in data: only the ordering is compared)"))
    cx = _run_cx(e["folder"], sd_minus_erm_ci95=[g[1], g[2]]) if v is Verdict.NOT_REPRODUCED else None
    return Comparison("s43_table2", v, CLAIMS["s43_table2"].printed, {"run": e["folder"], **e["ours"]},
                      Check("data", v in (Verdict.REPRODUCED, Verdict.STAND_IN), detail), counterexample=cx)


def fig3_evidence() -> dict | None:
    keys = ("colored_blank_acc", "colored_blank_entropy", "colored_digits_acc")
    for folder, rows, real in colored_runs():
        erm, sd, irm = _row(rows, "erm"), _row(rows, "sd"), _row(rows, "irm")
        if erm is None or sd is None or irm is None or any(k not in r for r in (erm, sd, irm) for k in keys):
            continue
        mean = {m: {k: float(np.mean(r[k])) for k in keys} for m, r in (("erm", erm), ("sd", sd), ("irm", irm))}
        checks = {
            # colour-only inputs with reversed colours: ERM and SD below chance (printed 9.4 %, 9.4 %)
            "erm_sd_below_chance": mean["erm"]["colored_blank_acc"] < 0.5 and mean["sd"]["colored_blank_acc"] < 0.5,
            # IRM at chance (printed 49.6 %): within 10 points of 50 %
            "irm_near_chance": abs(mean["irm"]["colored_blank_acc"] - 0.5) <= 0.10,
            # ERM more confident than SD on colour only (printed entropies 0.00 < 0.41)
            "erm_more_confident": mean["erm"]["colored_blank_entropy"] < mean["sd"]["colored_blank_entropy"],
            # coloured digits: SD beats ERM (printed 67.2 % vs 23.9 %), paired 95 % CI above 0
            "sd_beats_erm": paired_gain(sd["colored_digits_acc"], erm["colored_digits_acc"])[1] > 0,
        }
        return {"folder": folder, "real": real, "checks": checks,
                "ours": {m: {k: round(v, 3) for k, v in d.items()} for m, d in mean.items()}}
    return None


def _s43_fig3() -> Comparison:
    e = fig3_evidence()
    if e is None:
        return Comparison("s43_fig3", Verdict.NEEDS_DATA, CLAIMS["s43_fig3"].printed, None,
                          Check("data", False, "no committed run with Fig. 3's four test variants"))
    ok = all(e["checks"].values())
    # Fig. 3's values come from one model each; only their pattern is compared.
    v = Verdict.NOT_REPRODUCED if not ok else Verdict.STAND_IN
    cx = None if ok else _run_cx(e["folder"], failed=[k for k, x in e["checks"].items() if not x])
    return Comparison("s43_fig3", v, CLAIMS["s43_fig3"].printed, {"run": e["folder"], **e["ours"]},
                      Check("data", ok, f"empirical/results/{e['folder']}: {e['checks']}; means {e['ours']}"),
                      counterexample=cx)


# The overfitting step is read off a validation-loss curve that is flat near its minimum and
# sampled every few steps: agreement within 10 % of the printed step.
OVERFIT_RTOL = 0.10


def _b4_overfit_step() -> Comparison:
    printed = CLAIMS["b4_overfit_step"].printed["step"]
    for folder, m in _complete_runs("colored_mnist_*"):
        full = train_total(m.get("sizes") or {}) >= FULL_MNIST_TRAIN
        step = m.get("test_free_anneal")
        if full and step is not None:
            ok = abs(step - printed) <= OVERFIT_RTOL * printed
            return Comparison("b4_overfit_step", Verdict.REPRODUCED if ok else Verdict.NOT_REPRODUCED, printed,
                              {"run": folder, "step": step},
                              Check("data", ok, f"empirical/results/{folder}: ERM's validation-NLL minimum at "
                                                f"step {step} vs printed {printed} (tolerance {OVERFIT_RTOL:.0%})"),
                              counterexample=None if ok else _run_cx(folder, step=step))
    why = "needs a Colored-MNIST run on the full MNIST training set (50,000 images) with Table 4's ERM set-up"
    return Comparison("b4_overfit_step", Verdict.NEEDS_DATA, printed, None, Check("data", False, why), notes=why)


def _needs(cid: str, pattern: str, data: str) -> Comparison:
    found = sorted(p.parent.name for p in RESULTS.glob(pattern + "/metrics.json"))
    why = (f"{data} is not on this machine and no committed run matches empirical/results/{pattern}"
           if not found else f"committed runs {found} are on other data than {data}; the printed numbers "
                             f"need {data}")
    return Comparison(cid, Verdict.NEEDS_DATA, CLAIMS[cid].printed, {"runs": found}, Check("data", False, why),
                      notes=why)


def _from_gain(cid: str, folder: str, real: bool, gain: dict, numbers: dict, what: str) -> Comparison:
    quali = gain["lo"] > 0
    v = _verdict(quali, all(numbers.values()) if numbers else False, real)
    detail = (f"empirical/results/{folder}: {what}, SD − baseline paired over seeds {100 * gain['mean']:.1f} points, "
              f"95 % interval [{100 * gain['lo']:.1f}, {100 * gain['hi']:.1f}]"
              + (f"; within tolerance: {numbers}" if numbers else " (stand-in data: only the direction is compared)"))
    cx = _run_cx(folder, gain=gain) if v is Verdict.NOT_REPRODUCED else None
    return Comparison(cid, v, CLAIMS[cid].printed, {"run": folder, "gain": gain},
                      Check("data", v in (Verdict.REPRODUCED, Verdict.STAND_IN), detail), counterexample=cx)


def _s42_table1() -> Comparison:
    """Table 1 on a margins run: CIFAR (margins_cifar2 / _cifar10 / _cifar100) compares the
    numbers; any other margins_* run (real digits) is a stand-in for the direction of the OOD gain."""
    table = CLAIMS["s42_table1"].printed["table"]
    eps = CLAIMS["s42_table1"].printed["eps_pgd"]
    for folder, m in _complete_runs("margins_*"):
        key = f"robust_acc_linf_{eps}"
        try:
            gain = m["paired_sd_minus_ce"][key]
            per = m["per_seed"]
        except KeyError:
            continue
        ds = next((d for d in table if folder.startswith(f"margins_{d}")), None)
        numbers = {}
        if ds is not None:
            numbers = {meth: bool(within(per[src][key], table[ds][row]["ood"][0], table[ds][row]["ood"][1]))
                       for meth, src, row in (("wo_sd", "ce", "wo_sd"), ("sd", "sd", "sd"))}
        return _from_gain("s42_table1", folder, ds is not None, gain, numbers, f"accuracy under L∞ PGD at ε = {eps}")
    return _needs("s42_table1", "margins_*", "CIFAR-2/10/100")


def _s44_table3() -> Comparison:
    """Table 3 on a group-shift run: group_shift_celeba* compares the numbers; another
    group_shift_* run (real digits with a spurious colour) is a stand-in for the worst-group gain."""
    table = CLAIMS["s44_table3"].printed["table"]
    for folder, m in _complete_runs("group_shift_*"):
        try:
            erm, sd = m["stats"]["erm"]["worst"], m["stats"]["sd_per_class"]["worst"]
        except KeyError:
            continue
        gain = paired_gain(sd, erm)
        g = {"mean": gain[0], "lo": gain[1], "hi": gain[2]}
        real = folder.startswith("group_shift_celeba")
        numbers = ({"erm": bool(within(erm, table["erm"][2], table["erm"][3])),
                    "sd": bool(within(sd, table["sd"][2], table["sd"][3]))} if real else {})
        return _from_gain("s44_table3", folder, real, g, numbers, "worst-group accuracy (SD per class vs ERM)")
    return _needs("s44_table3", "group_shift_*", "CelebA")


CLAIM_IDS = ("s42_table1", "s43_table2", "s43_fig3", "s44_table3", "b4_overfit_step")


def comparisons() -> list[Comparison]:
    """Tables 1-3, Fig. 3 and App. B.4's overfitting step against our committed runs."""
    judges = {"s42_table1": _s42_table1, "s43_table2": _s43_table2, "s43_fig3": _s43_fig3,
              "s44_table3": _s44_table3, "b4_overfit_step": _b4_overfit_step}
    return [guarded(cid, judges[cid]) for cid in CLAIM_IDS]
