"""Issue 6 §1: does the linearized theory (Eq. 3–11, Eq. 18) predict the trained network?

For each width, parameterization ("ntk", "sp") and loss ("ce_wd" = Eq. 5 centred, i.e.
CE + λ/2‖θ−θ₀‖²; "sd" = Eq. 17), and several seeds (batched):

1. Θ₀ = Φ₀Φ₀ᵀ at initialization (analytic, chunked over hidden units; Φ₀ never formed);
2. (s, U) of YΦ₀ = U S Vᵀ from Y Θ₀ Y = U S² Uᵀ (Definition 1; m ≥ n so U is n × n);
3. the engine's prediction z* = ``solve_fixed_points(s, U, λ, "eq9")`` (Eq. 9 exact dual,
   z* = λ⁻¹ S² Uᵀ α*, Eq. 11) for CE + weight decay, ``"sd"`` (Eq. 18) for SD;
4. the network f̃ = f − f(·; θ₀) trained to its optimum (L-BFGS, max|∇| reported) and its
   measured response z = Uᵀ Y (ŷ − ŷ₀) (Eq. 4, centred);
5. gap = ‖z* − z‖ / ‖z*‖ and kernel change ‖Θ_T − Θ₀‖_F / ‖Θ₀‖_F.

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

from empirical.features import MLP, features_of, train, two_feature_data, write_run

QUICK = {"widths": [16, 64, 256, 1024], "seeds": 3, "params": ["ntk", "sp"], "losses": ["ce_wd", "sd"]}
FULL = {"widths": [16, 64, 256, 1024, 4096, 8192], "seeds": 5, "params": ["ntk", "sp"], "losses": ["ce_wd", "sd"]}
DATA = {"n": 32, "d": 8, "a": 2.0, "b": 1.0, "tau": 0.5, "sigma": 0.3}
LAM = 0.1
# SD has flat directions in θ (only ŷ is penalised): L-BFGS crawls there; 400 iterations
# reach max|∇| ~ 1e-6, enough for gaps ~1e-5 (the printed grad_max says what was reached).
MAX_ITER = {"ce_wd": 3000, "sd": 400}


def _measure(width: int, param: str, loss: str, seeds: list[int], lam: float = LAM) -> dict:
    from theory.engine.fixed_points import solve_fixed_points

    S = len(seeds)
    data = [two_feature_data(DATA["n"], DATA["d"], DATA["a"], DATA["b"], tau=DATA["tau"],
                             sigma=DATA["sigma"], seed=1000 + s) for s in seeds]
    X = torch.tensor(np.stack([D[0] for D in data]))
    y = torch.tensor(np.stack([D[1] for D in data]))
    m = MLP.init(S, width, DATA["d"], param, seed=[7919 * s + width for s in seeds])
    K0 = m.ntk(X).numpy()
    t = time.perf_counter()
    info = train(m, X, y, loss, lam, max_iter=MAX_ITER[loss])
    t_train = time.perf_counter() - t
    KT = m.ntk(X).numpy()
    yh = m(X).detach().numpy()
    yn = y.numpy()
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
            "kernel_change_mean": float(kc.mean()), "grad_max": info["grad_max"].tolist(),
            "iterations": info["iterations"], "train_s": t_train,
            "z_pred_top2": zp_all, "z_meas_top2": zm_all}


def run_width_sweep(quick: bool = True, out: str | Path = "runs") -> dict:
    """Run the §1 sweep; write ``out/width_sweep[_quick]/metrics.json`` and figures.

    Args:
        quick: QUICK (widths 16–1024, 3 seeds) or FULL (to 8192, 5 seeds) configuration.
        out: Parent folder of the run folder.

    Returns:
        {"config", "rows": [per (param, loss, width) dict], "wall_s", "environment", "dir"}.
    """
    from empirical.device import environment

    torch.set_num_threads(1)
    cfg = QUICK if quick else FULL
    root = Path(out) / ("width_sweep_quick" if quick else "width_sweep")
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rows = [_measure(w, p, l, list(range(cfg["seeds"])))
            for p in cfg["params"] for l in cfg["losses"] for w in cfg["widths"]]
    res = {"config": {**cfg, "data": DATA, "lam": LAM, "act": "gelu", "optimizer": "L-BFGS float64"},
           "rows": rows, "wall_s": time.perf_counter() - t0,
           "environment": environment(torch.device("cpu")), "dir": str(root)}
    write_run(root, res, _figure, summary_markdown)
    return res


def _figure(res: dict, root: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for key, ax, lab in (("gap", axes[0], "‖z* − z‖/‖z*‖"), ("kernel_change", axes[1], "‖Θ_T − Θ₀‖/‖Θ₀‖")):
        for p in res["config"]["params"]:
            for l in res["config"]["losses"]:
                r = [x for x in res["rows"] if x["param"] == p and x["loss"] == l]
                ax.loglog([x["width"] for x in r], [x[key + "_mean"] for x in r], "o-", label=f"{p} {l}")
        ax.set_xlabel("width")
        ax.set_ylabel(lab)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(root / "width_sweep.png", dpi=110)
    plt.close(fig)


def summary_markdown(res: dict) -> str:
    """Markdown table: gap and kernel change (mean over seeds) per parameterization, loss, width."""
    lines = ["### Width sweep (issue 6 §1)", "",
             f"n = {DATA['n']}, d = {DATA['d']}, a = {DATA['a']}, b = {DATA['b']}, λ = {LAM}, GELU, "
             f"{res['config']['seeds']} seeds, wall {res['wall_s']:.1f} s", "",
             "| param | loss | width | gap ‖z*−z‖/‖z*‖ | ‖Θ_T−Θ₀‖/‖Θ₀‖ | max max\\|∇\\| |",
             "|---|---|---:|---:|---:|---:|"]
    for r in res["rows"]:
        lines.append(f"| {r['param']} | {r['loss']} | {r['width']} | {r['gap_mean']:.3g} | "
                     f"{r['kernel_change_mean']:.3g} | {max(r['grad_max']):.1e} |")
    return "\n".join(lines) + "\n"
