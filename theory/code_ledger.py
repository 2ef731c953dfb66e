"""The code ledger's verdicts and measured effects (paper vs the authors' released code).

Verdict (from the transcribed ``paper`` and ``code`` fields of each ledger claim):
``differs from released code`` when a stated value differs from the code's (or the paper
states nothing where the code sets a value), ``matches released code`` otherwise. How
values are compared is the claim's ``equal`` field: ``exact``; ``1dp`` (the code's value
rounded to one decimal, as the paper prints); ``printed precision`` (the paper's digits
are a prefix of the code's: they differ by less than one unit of the last printed digit).

Measured effects (quick, deterministic; recorded on the comparison's ``derived`` and
``notes``):

- Fig. 5 toy (``code_toy_u``, ``code_toy_dual_steps``): our engine's exact fixed points of
  Eq. 9 (``theory.engine``, residual ≤ 1e-12) against (a) the toy's U at δ = 0.6 vs 0.5,
  (b) a float64 re-run of the released dual and primal loops (same steps, learning rates,
  start and clamp), written here from the description in the ledger.
- SD coefficients (``code_toy_lambda``, ``code_cmnist_sd_scale``, ``code_celeba_lambda``):
  the exact per-example optimum of the separable Eq. 17 / App. B.5 loss (a scalar root,
  bracketed, by Brent's method) under the paper's and the code's coefficients; for Colored
  MNIST also our committed stand-in run (``empirical/results/colored_digits_cpu``), which
  trained both objectives.

References: Brent (1973) for the bracketed root finder (scipy.optimize.brentq).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from theory.claims import CLAIMS, Kind
from theory.derivation import Check, Comparison, Verdict, guarded
from theory.engine.constructors import u_eq15
from theory.engine.fixed_points import solve_fixed_points

RESULTS = Path(__file__).resolve().parents[1] / "empirical" / "results"
# Brent's method stops at |Δω| ≤ 1e-14 (absolute): far below the 3 digits reported.
ROOT_XTOL = 1e-14


# ----------------------------------------------------------------------------- verdicts from data


def _equal(paper, code, how: str) -> bool:
    if paper is None:
        return False  # the paper states nothing where the code sets a value
    if how == "exact":
        return paper == code
    if how == "1dp":
        return tuple(paper) == tuple(round(float(c), 1) for c in code)
    if how == "printed precision":
        return abs(paper["lr"] - code["lr"]) < 10.0 ** (-paper["decimals"])
    raise ValueError(f"equal must be 'exact', '1dp' or 'printed precision'; got {how!r}")


def differences(cid: str) -> dict:
    """Key → {paper, code} for every stated quantity the code does otherwise (common keys)."""
    p = CLAIMS[cid].printed
    how = p["equal"]
    paper, code = p["paper"], p["code"]
    if how == "printed precision":
        return {} if _equal(paper, code, how) else {"lr": {"paper": paper["lr"], "code": code["lr"]}}
    out = {}
    for k in paper:
        if k in code and not _equal(paper[k], code[k], how):
            out[k] = {"paper": paper[k], "code": code[k]}
    return out


# ----------------------------------------------------------------------------- measurements


def sd_margin(lam: float) -> float:
    """Per-example optimum ω* = yŷ of log(1 + e^{−ω}) + λ/2 ω² (Eq. 17): σ(−ω) = λω."""
    return brentq(lambda w: expit(-w) - lam * w, 0.0, 1.0 / lam, xtol=ROOT_XTOL)


def b5_logit(lam: float, gamma: float, y: int) -> float:
    """Per-example optimum ŷ of log(1 + e^{−yŷ}) + λ/2 (ŷ − γ)² (App. B.5), y ∈ {−1, +1}."""
    if y == 1:  # −σ(−ŷ) + λ(ŷ − γ) = 0, increasing; root in [γ, γ + 1/λ]
        return brentq(lambda v: -expit(-v) + lam * (v - gamma), gamma, gamma + 1.0 / lam,
                      xtol=ROOT_XTOL)
    return brentq(lambda v: expit(v) + lam * (v - gamma), gamma - 1.0 / lam, gamma,
                  xtol=ROOT_XTOL)


TOY_S1 = np.array([2.0, 3.0, 4.0, 5.0, 6.0])  # App. B.1 and the released script
TOY_S2 = 2.0


def toy_fixed_points(delta: float, lam: float) -> np.ndarray:
    """z* of Eq. 9 for the Fig. 5 toy, one row per s1 (engine, residual ≤ 1e-12)."""
    s = np.stack([TOY_S1, np.full_like(TOY_S1, TOY_S2)], -1)
    return solve_fixed_points(s, u_eq15(np.full(TOY_S1.shape, delta)), np.full(TOY_S1.shape, lam), "eq9").z


def toy_starvation(delta: float, lam: float) -> float:
    """Relative drop of z2* as s1 goes from 2 to 6 (how much feature 2 starves)."""
    z = toy_fixed_points(delta, lam)
    return float((z[0, 1] - z[-1, 1]) / z[0, 1])


def released_toy_loops(delta: float = 0.5, C: float = 100.0, steps: int = 5000) -> dict:
    """Float64 re-run of the Fig. 5 script's dual and primal loops; their final z.

    Dual: gradient descent, lr 3e-6, on C/2 αKα + Σ[α log α + (1−α) log(1−α)], K = US²Uᵀ,
    from α = 1e-8, clamped into (0, 1). Primal: gradient descent, lr 0.05, on
    Σ log(1 + e^{−ŷ}) + θᵀθ/(2C), ŷ = USθ (V = I: z does not depend on V), from θ = 0.
    Labels y = (+1, +1) as in the script; z = Uᵀ(y ⊙ ŷ).
    """
    U = u_eq15(delta)
    S = np.stack([TOY_S1, np.full_like(TOY_S1, TOY_S2)], -1)  # [5, 2]
    K = np.einsum("ij,bj,kj->bik", U, S**2, U)
    a = np.full(S.shape, 1e-8)
    for _ in range(steps):
        g = C * np.einsum("bij,bj->bi", K, a) + np.log(a / (1.0 - a))
        a = np.clip(a - 3e-6 * g, 1e-300, 1.0 - 1e-16)
    z_dual = C * S**2 * np.einsum("ji,bj->bi", U, a)
    phi = np.einsum("ij,bj->bij", U, S)  # U S
    th = np.zeros(S.shape)
    for _ in range(steps):
        out = np.einsum("bij,bj->bi", phi, th)
        g = -np.einsum("bij,bi->bj", phi, 1.0 / (1.0 + np.exp(out))) + th / C
        th = th - 0.05 * g
    z_primal = np.einsum("ji,bj->bi", U, np.einsum("bij,bj->bi", phi, th))
    return {"z_dual": z_dual, "z_primal": z_primal, "z_star": toy_fixed_points(delta, 1.0 / C)}


def _rel(a, b) -> float:
    return float(np.max(np.abs(a - b) / np.abs(b)))


# A loop "reaches" the fixed point when its z is within 1 % of z* (the figure's line width).
REACH_RTOL = 0.01


def _effect_toy_u() -> tuple[dict, str]:
    lam = CLAIMS["code_toy_lambda"].printed["code"]["lam"]
    p, c = CLAIMS["code_toy_u"].printed["paper"]["delta"], CLAIMS["code_toy_u"].printed["code"]["delta"]
    a, b = toy_starvation(p, lam), toy_starvation(c, lam)
    return ({"z2_drop_paper_u": a, "z2_drop_code_u": b},
            f"engine, Eq. 9 at the code's λ = {lam}: z2* falls by {100 * a:.1f} % (δ = {p}) vs {100 * b:.1f} % "
            f"(δ = {c}) as s1 goes 2 → 6")


def _effect_toy_lambda() -> tuple[dict, str]:
    c = CLAIMS["code_toy_lambda"].printed["code"]
    w_wd, w_sd = sd_margin(c["lam"]), sd_margin(c["lam_sd"])
    return ({"sd_margin_at_lam": w_wd, "sd_margin_at_lam_sd": w_sd},
            f"SD per-example margin yŷ* (Eq. 17 optimum): {w_sd:.3f} at the code's λ_SD = {c['lam_sd']} vs "
            f"{w_wd:.3f} had SD used the weight-decay λ = {c['lam']}")


def _effect_toy_dual() -> tuple[dict, str, bool]:
    r = released_toy_loops()
    ed, ep = _rel(r["z_dual"], r["z_star"]), _rel(r["z_primal"], r["z_star"])
    reached = ed <= REACH_RTOL and ep <= REACH_RTOL
    return ({"dual_rel_err": ed, "primal_rel_err": ep, "z_star_s1_6": r["z_star"][-1].tolist(),
             "z_dual_s1_6": r["z_dual"][-1].tolist(), "z_primal_s1_6": r["z_primal"][-1].tolist()},
            f"float64 re-run of the released loops vs the engine's Eq. 9 fixed point (λ = 0.01, δ = 0.5): "
            f"max relative error of z — dual {ed:.2e}, primal {ep:.2e} (reached if ≤ {REACH_RTOL})", reached)


def _stand_in_sd() -> dict:
    p = RESULTS / "colored_digits_cpu" / "metrics.json"
    if not p.is_file():
        return {}
    m = json.loads(p.read_text())
    acc = {k: float(np.mean(v["per_restart"]["test_acc"])) for k, v in m["methods"].items()}
    return {k: acc[k] for k in ("erm", "sd", "sd_released", "sd_released_t4") if k in acc}


def _effect_cmnist_sd_scale() -> tuple[dict, str]:
    p = CLAIMS["code_cmnist_sd_scale"].printed
    # A coefficient c on mean(ŷ²) beside the mean cross-entropy is λ/2 = c per example.
    lam_paper, lam_code = 2 * p["paper"]["penalty_relative_to_ce"], 2 * p["code"]["penalty_relative_to_ce"]
    wp, wc = sd_margin(lam_paper), sd_margin(lam_code)
    acc = _stand_in_sd()
    txt = (f"per-example SD optimum yŷ*: {wp:.2f} with Table 4's coefficient (λ = {lam_paper:g}) vs {wc:.3f} with "
           f"the code's effective one (λ = {lam_code:g})")
    if acc:
        txt += ("; 8×8-digits stand-in (colored_digits_cpu, 10 restarts), test accuracy: ERM "
                f"{100 * acc['erm']:.1f} %, Eq. 17 SD {100 * acc['sd']:.1f} %, released objective "
                f"{100 * acc['sd_released']:.1f} % (tuned anneal), released objective with Table 4's lr/steps/anneal "
                f"{100 * acc['sd_released_t4']:.1f} %")
    return {"margin_paper": wp, "margin_code": wc, "stand_in_test_acc": acc}, txt


def celeba_effective_lams(sp: float, n0: int, n1: int) -> tuple[float, float]:
    """Per-example λ_c of the code's loss: mean CE + sp·mean_c (ŷ − γ_c)² ⇒ λ_c/2 = sp·N/N_c."""
    n = n0 + n1
    return 2 * sp * n / n0, 2 * sp * n / n1


def _effect_celeba_lambda() -> tuple[dict, str]:
    p = CLAIMS["code_celeba_lambda"].printed
    cnt = CLAIMS["b51_class_ratio"].printed
    l0c, l1c = celeba_effective_lams(p["code"]["sp"], cnt["n0"], cnt["n1"])
    pa = p["paper"]
    y0p, y1p = b5_logit(pa["lam0"], pa["gamma0"], -1), b5_logit(pa["lam1"], pa["gamma1"], 1)
    y0c, y1c = b5_logit(l0c, p["code"]["gamma0"], -1), b5_logit(l1c, p["code"]["gamma1"], 1)
    return ({"lam0_code": l0c, "lam1_code": l1c, "logit0_paper": y0p, "logit1_paper": y1p,
             "logit0_code": y0c, "logit1_code": y1c},
            f"effective per-example λ in the code: λ₀ = {l0c:.3f}, λ₁ = {l1c:.3f} (B.5.1's class sizes); per-example "
            f"optimum logit, class 0: {y0p:.2f} (paper) vs {y0c:.2f} (code), class 1: {y1p:.2f} vs {y1c:.2f}")


def _effect_moons_sd_wd() -> tuple[dict, str]:
    c = CLAIMS["code_moons_sd_wd"].printed["code"]
    n = CLAIMS["code_moons_mean"].printed["code"]["n"]
    lam_sd = 2 * c["sd_coef"]  # coefficient on mean(ŷ²) beside the mean loss: λ/2 per example
    w = sd_margin(lam_sd)
    # SGD's weight_decay wd on a mean loss is Eq. 5's λ = n·wd on the summed loss.
    return ({"sd_lam": lam_sd, "sd_margin": w, "weight_decay_as_eq5_lam": n * c["weight_decay"]},
            f"SD's per-example λ = {lam_sd:g}: Eq. 17's per-example optimum margin yŷ* = {w:.3f}; the extra weight "
            f"decay 2e-4 on the mean loss is Eq. 5's λ = {n * c['weight_decay']:g} (n = {n})")


def _effect_moons_mean() -> tuple[dict, str]:
    n = CLAIMS["code_moons_mean"].printed["code"]["n"]
    return ({"n": n}, f"exact rescaling: with the mean, a learning rate η and a weight decay wd are η/{n} and "
                      f"λ = {n}·wd for Eq. 5's sum; penalties that are means (SD's mean ŷ²) keep λ")


def _effect_fig3_last_restart() -> tuple[dict, str]:
    """On our stand-in: how far the last restart's Fig. 3 values lie from the 10-restart mean."""
    p = RESULTS / "colored_digits_cpu" / "metrics.json"
    if not p.is_file():
        return {}, "not measured: no committed Colored-MNIST run"
    meth = json.loads(p.read_text())["methods"]
    keys = ("colored_blank_acc", "colored_digits_acc", "gray_digits_acc")
    dev = {}
    for m in ("erm", "sd_released", "irm"):
        for k in keys:
            v = np.asarray(meth[m]["per_restart"][k], float)
            dev[f"{m}.{k}"] = {"last": float(v[-1]), "mean": float(v.mean()), "std": float(v.std(ddof=1))}
    worst = max(dev, key=lambda k: abs(dev[k]["last"] - dev[k]["mean"]))
    d = dev[worst]
    return ({"deviations": dev, "worst": worst},
            f"on the 8×8-digits stand-in (colored_digits_cpu, 10 restarts) the last restart's accuracy is up to "
            f"{100 * abs(d['last'] - d['mean']):.1f} points from the mean ({worst}: {100 * d['last']:.1f} vs "
            f"{100 * d['mean']:.1f} ± {100 * d['std']:.1f} %)")


def _effect_celeba_runs() -> tuple[dict, str]:
    """How much wider a mean's 95 % t interval is over the code's runs than over the paper's."""
    # the t quantile as scipy.stats.t.ppf computes it, without importing scipy.stats
    from scipy.special import stdtrit

    p = CLAIMS["code_celeba_runs"].printed
    n_p, n_c = p["paper"]["runs"], p["code"]["runs"]
    ratio = (stdtrit(n_c - 1, 0.975) / math.sqrt(n_c)) / (stdtrit(n_p - 1, 0.975) / math.sqrt(n_p))
    return ({"interval_width_ratio": ratio}, f"a 95 % t interval of a mean over {n_c} runs is {ratio:.2f}× as wide as "
                                             f"over {n_p} (same spread)")


EFFECTS = {"code_celeba_runs": _effect_celeba_runs,"code_fig3_last_restart": _effect_fig3_last_restart,"code_moons_sd_wd": _effect_moons_sd_wd, "code_moons_mean": _effect_moons_mean,"code_toy_u": _effect_toy_u, "code_toy_lambda": _effect_toy_lambda,
           "code_cmnist_sd_scale": _effect_cmnist_sd_scale, "code_celeba_lambda": _effect_celeba_lambda}

# Why an entry has no measured figure (what measuring it would need).
NOT_MEASURED = {
    "code_moons_iterations": "not measured here: it needs two-moons training runs at 1k and 10k iterations "
                             "(our committed run, empirical/results/moons_app_b2_cpu, trains 10k)",
    "code_cmnist_steps": "not measured: needs Colored-MNIST runs at 1001 and 2000 ERM steps on real MNIST",
    "code_cmnist_erm_l2": "none: the flag has no effect on ERM",
    "code_cmnist_labels": "none, exactly: renaming both classes (y → −y, colours following) maps every run to "
                          "a run of the paper's task with the same accuracies",
    "code_cmnist_table2_rounding": "0.1 point on two standard deviations",
    "code_cmnist_irm_lr": "none: |difference| < 1e-14",
    "code_celeba_lr": "not measured: CelebA is not on this machine",
    "code_celeba_batch": "none",
    "code_celeba_epochs": "not measured: CelebA is not on this machine",
    "code_celeba_pretrained": "not measured: CelebA is not on this machine",
    "code_cifar_arch": "not measurable: the training code is not released",
}

CLAIM_IDS = tuple(c.id for c in CLAIMS.values() if c.kind is Kind.CODE)


def _comparison(cid: str) -> Comparison:
    p = CLAIMS[cid].printed
    ev = p["evidence"]
    where = f"{ev['repo']}@{ev['commit'][:7]}:{ev['path']}" + (f" line {ev['line']}" if ev["line"] != "-" else "")
    if cid == "code_toy_dual_steps":
        fig, txt, reached = _effect_toy_dual()
        diff = {} if reached == p["paper"]["reaches_fixed_point"] else {
            "reaches_fixed_point": {"paper": p["paper"]["reaches_fixed_point"], "code": reached}}
    else:
        diff = differences(cid)
        fig, txt = EFFECTS[cid]() if cid in EFFECTS else ({}, NOT_MEASURED[cid])
    verdict = Verdict.CODE_DIFFERS if diff else Verdict.CODE_MATCHES
    detail = (f"{where}: {ev['quote']} — " + ("; ".join(f"{k}: paper {v['paper']!r}, code {v['code']!r}"
                                                          for k, v in diff.items()) if diff else "as stated"))
    return Comparison(cid, verdict, p["paper"], {"code": p["code"], "effect": fig},
                      Check("data", not diff, detail), counterexample=diff or None,
                      notes=f"Our reading: {ev['reading']}. Measured effect: {txt}.")


def comparisons() -> list[Comparison]:
    """One comparison per code-ledger claim (paper vs released code, with measured effects)."""
    return [guarded(cid, lambda cid=cid: _comparison(cid)) for cid in CLAIM_IDS]
