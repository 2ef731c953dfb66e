"""Does the linearized theory (Eq. 3–11, Eq. 18) predict the trained network?

For each width, parameterization ("ntk", "sp") and loss ("ce_wd" = Eq. 5 centred, i.e.
CE + λ/2‖θ−θ₀‖²; "sd" = Eq. 17), and several seeds (batched):

1. Θ₀ = Φ₀Φ₀ᵀ at initialization (analytic, chunked over hidden units; Φ₀ never formed);
2. (s, U) of YΦ₀ = U S Vᵀ from Y Θ₀ Y = U S² Uᵀ (Definition 1; m ≥ n so U is n × n);
3. the engine's prediction z* = ``solve_fixed_points(s, U, λ, "eq9")`` (Eq. 9 exact dual,
   z* = λ⁻¹ S² Uᵀ α*, Eq. 11) for CE + weight decay, ``"sd"`` (Eq. 18) for SD;
4. the network f̃ = f − f(·; θ₀) trained to its optimum (float64; CE + weight decay by
   L-BFGS, SD by minimum-norm Gauss–Newton from θ₀, see
   :func:`empirical.features.gauss_newton_sd`; max|∇| reported) and its measured response
   z = Uᵀ Y (ŷ − ŷ₀) (Eq. 4, centred);
5. gap = ‖z* − z‖ / ‖z*‖ and kernel change ‖Θ_T − Θ₀‖_F / ‖Θ₀‖_F;
6. the decay of both with width as a power law, width^p, fitted per seed in log-log
   (:func:`decay_fit`; all widths, widths ≥ 256, and consecutive pairs).

For SD the gap is round-off by construction (SD's optimum interpolates the per-example
ŷ*, which the engine's Eq. 18 also gives, whatever the kernel does), so it tests the
training, not laziness; its kernel change is still informative.

Data: :func:`empirical.features.two_feature_data` with n = 32, d = 8, a = 2, b = 1, τ = 0.5,
σ = 0.3 (a fresh draw per seed). λ = 0.1 for both losses, the same for both
parameterizations (so in "sp", where Θ₀ grows ∝ width, the relative regularization
weakens with width; the engine is given that Φ₀, so its prediction stays self-consistent).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from empirical.features import EntkEnsemble, features_of, train, two_feature_data
from empirical.runs import save_figure, write_run
from empirical.sweep import Protocol

QUICK = {"widths": [16, 64, 256, 1024], "seeds": 5, "params": ["ntk", "sp"], "losses": ["ce_wd", "sd"]}
FULL = {"widths": [16, 64, 256, 1024, 4096, 8192], "seeds": 10, "params": ["ntk", "sp"], "losses": ["ce_wd", "sd"]}
DATA = {"n": 32, "d": 8, "a": 2.0, "b": 1.0, "tau": 0.5, "sigma": 0.3}
LAM = 0.1
MAX_ITER = {"ce_wd": 3000}
# SD: the optimum is the interpolation f̃(X) = ŷ* (m ≥ n), reached by minimum-norm
# Gauss–Newton from θ₀ (empirical.features.gauss_newton_sd) to max|∇| ~ 1e-14; L-BFGS
# crawled along Θ's weak directions and stopped at max|∇| ~ 1e-6–1e-3.
METHOD = {"ce_wd": "lbfgs", "sd": "gn"}


def _measure(width: int, param: str, loss: str, seeds: list[int], lam: float = LAM, device="cpu") -> dict:
    from theory.engine.fixed_points import solve_fixed_points

    S = len(seeds)
    data = [two_feature_data(DATA["n"], DATA["d"], DATA["a"], DATA["b"], tau=DATA["tau"],
                             sigma=DATA["sigma"], seed=1000 + s) for s in seeds]
    X = torch.tensor(np.stack([D[0] for D in data]), device=device)
    y = torch.tensor(np.stack([D[1] for D in data]), device=device)
    m = EntkEnsemble.init(S, width, DATA["d"], param, seed=[7919 * s + width for s in seeds], device=device)
    K0 = m.ntk(X).cpu().numpy()
    t = time.perf_counter()
    info = train(m, X, y, loss, lam, max_iter=MAX_ITER.get(loss, 0), method=METHOD[loss])
    t_train = time.perf_counter() - t
    KT = m.ntk(X).cpu().numpy()
    yh = m(X).detach().cpu().numpy()
    yn = y.cpu().numpy()
    gaps, zp_all, zm_all = [], [], []
    for b in range(S):
        s_, U = features_of(K0[b], yn[b])
        zp = solve_fixed_points(s_, U, lam, "eq9" if loss == "ce_wd" else "sd").z
        zm = U.T @ (yn[b] * yh[b])
        gaps.append(float(np.linalg.norm(zp - zm) / np.linalg.norm(zp)))
        zp_all.append(zp[:2].tolist())
        zm_all.append(zm[:2].tolist())
    kc = np.linalg.norm(KT - K0, axis=(1, 2)) / np.linalg.norm(K0, axis=(1, 2))
    return {"width": width, "param": param, "loss": loss, "gap": gaps,
            "gap_mean": float(np.mean(gaps)), "kernel_change": kc.tolist(),
            "kernel_change_mean": float(kc.mean()), "grad_max": np.asarray(info["grad_max"]).tolist(),
            "iterations": info["iterations"], "gn_iterations": info["gn_iterations"], "train_s": t_train,
            "z_pred_top2": zp_all, "z_meas_top2": zm_all}


def plan(opts: dict):
    """Cells (parameterisation × loss × width), all seeds of a cell trained as one program.

    Options: ``quick`` (QUICK: widths 16–1024, 5 seeds; else FULL: 16–8192, 10 seeds),
    ``seeds`` (number of seeds, >= 2; overrides the configuration's).
    """
    from empirical.sweep import Cell, Plan

    quick = bool(opts.get("quick"))
    cfg = dict(QUICK if quick else FULL)
    if opts.get("seeds") is not None:
        if int(opts["seeds"]) != opts["seeds"] or opts["seeds"] < 2:
            raise ValueError(f"--seeds must be an integer >= 2 (power-law fits per seed); got {opts['seeds']!r}")
        cfg["seeds"] = int(opts["seeds"])
    config = {**cfg, "data": DATA, "lam": LAM, "act": "gelu", "quick": quick,
              "optimizer": "CE: L-BFGS float64; SD: Gauss-Newton float64"}
    cells = [Cell(f"{p}_{l}_w{w}", {"width": w, "param": p, "loss": l, "seeds": list(range(cfg["seeds"]))})
             for p in cfg["params"] for l in cfg["losses"] for w in cfg["widths"]]
    folder = "width_sweep_quick" if quick else "width_sweep"
    if opts.get("seeds") is not None and cfg["seeds"] != (QUICK if quick else FULL)["seeds"]:
        folder += f"_seeds{cfg['seeds']}"
    return Plan(folder, config, cells)


def run_cell(payload: dict, device, **_) -> dict:
    return _measure(payload["width"], payload["param"], payload["loss"], payload["seeds"], device=device)


def assemble(plan, results: dict, rf) -> dict:
    cfg = plan.config
    rows = [results[c.key] for c in plan.cells]
    fits = {}
    for p in cfg["params"]:
        for l in cfg["losses"]:
            r = sorted((x for x in rows if x["param"] == p and x["loss"] == l), key=lambda x: x["width"])
            keys = ("gap", "kernel_change") if l == "ce_wd" else ("kernel_change",)  # SD gap: round-off
            for k in keys:
                fits[f"{p}/{l}/{k}"] = decay_fit([x["width"] for x in r], [x[k] for x in r])
    res = {"config": cfg, "rows": rows, "fits": fits, "wall_s": sum(x["train_s"] for x in rows),
           "environment": rf.read_json("environment.json")}
    write_run(rf, res, _figure, summary_markdown)
    return res


def run_width_sweep(quick: bool = True, out: str | Path = "runs", **kw) -> dict:
    """Run the sweep (:func:`empirical.sweep.run` with the local executor unless ``kw`` says otherwise).

    Returns:
        {"config", "rows": [per (param, loss, width) dict], "fits": {f"{param}/{loss}/{quantity}":
        :func:`decay_fit` result}, "wall_s" (sum of the cells' training times), "environment", "dir"}.
    """
    from empirical.sweep import run

    return run("width-sweep", {"quick": quick, "seeds": kw.pop("seeds", None)}, out, **kw)


def decay_fit(widths: list[int], values: list[list[float]], tail_from: int = 256) -> dict:
    """Power-law decay of a per-seed quantity with width: value ∝ width^p.

    Per seed (the seed index fixes the data set at every width), the least-squares slope p
    of log(value) against log(width): over all widths ("all") and over widths ≥
    ``tail_from`` ("tail", the asymptotic end); and the local slopes between consecutive
    widths, log(v_{k+1}/v_k)/log(w_{k+1}/w_k). Each as the mean over seeds with a 95 %
    Student-t interval.

    Args:
        widths: [W] increasing widths.
        values: [W][S] positive values per width and seed.

    Returns:
        {"all": [mean, lo, hi], "tail": [mean, lo, hi] or None, "local": [[w_k, w_{k+1}, mean, lo, hi]]}.
    """
    from empirical.starvation import slope, t_interval

    lw = np.log(np.asarray(widths, float))
    V = np.asarray(values, float)
    if V.ndim != 2 or V.shape[0] != len(lw) or np.any(V <= 0):
        raise ValueError(f"values must be [W={len(lw)}][S] positive numbers; got shape {V.shape}")
    L = np.log(V).T                                              # [S, W]
    tail = lw >= np.log(tail_from)
    out = {"all": list(t_interval(slope(lw, L))),
           "tail": list(t_interval(slope(lw[tail], L[:, tail]))) if tail.sum() >= 2 else None,
           "local": [[int(widths[k]), int(widths[k + 1]),
                      *t_interval((L[:, k + 1] - L[:, k]) / (lw[k + 1] - lw[k]))] for k in range(len(lw) - 1)]}
    return out


def _figure(res: dict, root: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for key, ax, lab in (("gap", axes[0], "‖z* − z‖/‖z*‖"), ("kernel_change", axes[1], "‖Θ_T − Θ₀‖/‖Θ₀‖")):
        for p in res["config"]["params"]:
            for l in res["config"]["losses"]:
                if key == "gap" and l == "sd":
                    continue       # SD's gap is round-off (~1e-14) by construction
                r = [x for x in res["rows"] if x["param"] == p and x["loss"] == l]
                V = np.array([x[key] for x in r])
                # bars: 16th–84th percentile over seeds (a ±sd bar would cross 0 on a log axis)
                lo, mid, hi = np.percentile(V, [16, 50, 84], axis=1)
                ax.errorbar([x["width"] for x in r], mid, yerr=[mid - lo, hi - mid], marker="o",
                            capsize=3, label=f"{p} {l}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("width")
        ax.set_ylabel(lab + " (median, 16–84 %)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, root / "width_sweep.png")
    plt.close(fig)


def summary_markdown(res: dict) -> str:
    """Markdown tables: gap and kernel change per parameterization, loss, width; power-law fits."""
    S = res["config"]["seeds"]
    lines = ["### Width sweep (beyond the NTK regime: Eq. 9, Eq. 18 vs trained networks)", "",
             f"n = {DATA['n']}, d = {DATA['d']}, a = {DATA['a']}, b = {DATA['b']}, λ = {LAM}, GELU, "
             f"{S} seeds (mean ± sd over seeds), wall {res['wall_s']:.1f} s", "",
             "| param | loss | width | gap ‖z*−z‖/‖z*‖ | ‖Θ_T−Θ₀‖/‖Θ₀‖ | max max\\|∇\\| | train s |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for r in res["rows"]:
        g, k = np.asarray(r["gap"]), np.asarray(r["kernel_change"])
        lines.append(f"| {r['param']} | {r['loss']} | {r['width']} | {g.mean():.3g} ± {g.std(ddof=1):.2g} | "
                     f"{k.mean():.3g} ± {k.std(ddof=1):.2g} | {max(r['grad_max']):.1e} | {r['train_s']:.1f} |")
    fits = res.get("fits", {})
    if fits:
        def f(v):
            return "–" if v is None else f"{v[0]:+.2f} [{v[1]:+.2f}, {v[2]:+.2f}]"

        lines += ["", "Power-law exponent p (quantity ∝ width^p): per-seed log-log least squares, mean "
                  "[95 % t-interval over seeds]; 'tail' = widths ≥ 256; local = between consecutive widths.", "",
                  "| quantity | all widths | tail | local exponents |", "|---|---|---|---|"]
        for name, ft in fits.items():
            loc = "; ".join(f"{a}→{b}: {m:+.2f} [{lo:+.2f}, {hi:+.2f}]" for a, b, m, lo, hi in ft["local"])
            lines.append(f"| {name} | {f(ft['all'])} | {f(ft['tail'])} | {loc} |")
    return "\n".join(lines) + "\n"


PROTOCOL = Protocol(plan, run_cell, assemble, summary_markdown)
