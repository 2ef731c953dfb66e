"""Issue 6 §2: controlled gradient starvation (Definition 2) on trained networks.

Sweep feature 1's strength a with feature 2's strength b = 1 fixed
(:func:`empirical.features.two_feature_data`, n = 32 training points, d = 8, τ = 0.5,
σ = 0.3, a fresh draw per seed), train the centred GELU MLP f̃ to its optimum under
CE + λ/2‖θ−θ₀‖² ("ce_wd", Eq. 5) and under SD (Eq. 17), λ = 0.1, NTK parameterization,
at a small and a large width, and measure reliance on feature 2 on 400 test points of the
same distribution:

* ``m2``: mean logit margin y·f̃(x) on the test points with feature 1 removed (the
  a·c1·e1 term omitted, everything else identical) — behavioural;
* ``acc2``: accuracy on the same points — behavioural;
* ``g2``: mean of y·∂f̃/∂x₂ over the (unmodified) test points — the network's response in
  the feature-2 input direction;
* ``m2_rel``: m2 divided by the same seed's m2 at the smallest a (dimensionless, so CE and
  SD, whose logit scales differ, can be compared).

Slope: per seed, the least-squares slope of each measure against a² (s₁² ∝ a² to leading
order: feature 1's contribution to Θ grows with a²; Definition 2 differentiates by s₁²);
reported as the mean over seeds with a 95 % Student-t interval (the seeds are independent
draws of data and initialization).

Claim under test (Thm. 2, §3.4): with CE, reliance on feature 2 decreases as a grows
(slope < 0); with SD the dependence vanishes or is much weaker.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from empirical.features import MLP, train, two_feature_data, write_run

QUICK = {"a": [0.5, 1.0, 2.0, 3.0], "seeds": 10, "widths": [32, 256], "losses": ["ce_wd", "sd"]}
FULL = {"a": [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0], "seeds": 20, "widths": [32, 512, 4096],
        "losses": ["ce_wd", "sd"]}
DATA = {"n": 32, "d": 8, "b": 1.0, "tau": 0.5, "sigma": 0.3, "n_test": 400}
LAM = 0.1
PARAM = "ntk"
MAX_ITER = {"ce_wd": 3000, "sd": 400}   # SD: flat θ-directions, see empirical.width_sweep
MEASURES = ("m2", "acc2", "g2", "m2_rel", "m_clean", "acc_clean")


def t_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95 % Student-t interval of the sample x (n ≥ 2)."""
    from scipy.stats import t

    x = np.asarray(x, float)
    h = t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(x.mean() - h), float(x.mean() + h)


def slope(xs: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Least-squares slope of each row of Y [S, A] against xs [A]."""
    xc = xs - xs.mean()
    return (Y - Y.mean(1, keepdims=True)) @ xc / (xc @ xc)


def _cell(width: int, loss: str, a_list: list[float], seeds: list[int], lam: float = LAM) -> dict:
    """Train all (seed, a) copies at once; return measures [S, A]."""
    S, A = len(seeds), len(a_list)
    n, d = DATA["n"], DATA["d"]
    kw = {"tau": DATA["tau"], "sigma": DATA["sigma"]}
    tr, te, te1 = [], [], []
    for s in seeds:
        for a in a_list:
            # the same seed for every a: only feature 1's strength changes along a sweep
            tr.append(two_feature_data(n, d, a, DATA["b"], seed=2000 + s, **kw))
            te.append(two_feature_data(DATA["n_test"], d, a, DATA["b"], seed=5000 + s, **kw))
            te1.append(two_feature_data(DATA["n_test"], d, a, DATA["b"], seed=5000 + s,
                                        remove_feature1=True, **kw))
    X = torch.tensor(np.stack([D[0] for D in tr]))
    y = torch.tensor(np.stack([D[1] for D in tr]))
    # the same initialization for every a of a seed (paired comparison along the sweep)
    m = MLP.init(S * A, width, d, PARAM, seed=[31 * s + 17 for s in seeds for _ in a_list])
    info = train(m, X, y, loss, lam, max_iter=MAX_ITER[loss])
    Xt = torch.tensor(np.stack([D[0] for D in te])).requires_grad_(True)
    yt = torch.tensor(np.stack([D[1] for D in te]))
    X1 = torch.tensor(np.stack([D[0] for D in te1]))
    with torch.no_grad():
        o1 = m(X1)
    o = m(Xt)
    (gx,) = torch.autograd.grad(o.sum(), Xt)
    o = o.detach()
    res = {"m2": (yt * o1).mean(1), "acc2": ((yt * o1) > 0).double().mean(1),
           "g2": (yt * gx[:, :, 1]).mean(1), "m_clean": (yt * o).mean(1),
           "acc_clean": ((yt * o) > 0).double().mean(1)}
    out = {k: v.numpy().reshape(S, A) for k, v in res.items()}
    out["m2_rel"] = out["m2"] / out["m2"][:, :1]
    out["grad_max"] = info["grad_max"].reshape(S, A)
    return out


def run_starvation(quick: bool = True, out: str | Path = "runs") -> dict:
    """Run the §2 sweep; write ``out/starvation[_quick]/metrics.json`` and a figure.

    Returns:
        {"config", "cells": {f"{loss}_w{width}": {"a", "mean": {measure: [A]},
         "slope_vs_a2": {measure: [mean, lo, hi]}, "grad_max_max"}}, "wall_s", "environment",
         "dir"}.
    """
    from empirical.device import environment

    torch.set_num_threads(1)
    cfg = QUICK if quick else FULL
    root = Path(out) / ("starvation_quick" if quick else "starvation")
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    a = np.array(cfg["a"])
    cells = {}
    for w in cfg["widths"]:
        for loss in cfg["losses"]:
            t = time.perf_counter()
            r = _cell(w, loss, cfg["a"], list(range(cfg["seeds"])))
            cells[f"{loss}_w{w}"] = {
                "width": w, "loss": loss, "a": cfg["a"],
                "mean": {k: r[k].mean(0).tolist() for k in MEASURES},
                "per_seed": {k: r[k].tolist() for k in MEASURES},
                "slope_vs_a2": {k: list(t_interval(slope(a ** 2, r[k]))) for k in MEASURES},
                "grad_max_max": float(r["grad_max"].max()), "wall_s": time.perf_counter() - t}
    res = {"config": {**cfg, "data": DATA, "lam": LAM, "param": PARAM, "act": "gelu",
                      "optimizer": "L-BFGS float64"},
           "cells": cells, "wall_s": time.perf_counter() - t0,
           "environment": environment(torch.device("cpu")), "dir": str(root)}
    write_run(root, res, _figure, summary_markdown)
    return res


def _figure(res: dict, root: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ("m2_rel", "acc2", "g2")
    fig, axes = plt.subplots(1, len(keys), figsize=(13, 4))
    for ax, k in zip(axes, keys):
        for name, c in res["cells"].items():
            Y = np.array(c["per_seed"][k])
            mu, sd = Y.mean(0), Y.std(0, ddof=1) / np.sqrt(len(Y))
            ax.errorbar(c["a"], mu, yerr=1.96 * sd, marker="o", capsize=3, label=name)
        ax.set_xlabel("feature-1 strength a")
        ax.set_ylabel(k)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(root / "starvation.png", dpi=110)
    plt.close(fig)


def summary_markdown(res: dict) -> str:
    """Markdown table of slopes vs a² (mean over seeds, 95 % t-interval)."""
    cfg = res["config"]
    lines = ["### Controlled starvation (issue 6 §2)", "",
             f"a ∈ {cfg['a']}, b = {DATA['b']}, λ = {LAM}, {cfg['param']} param., GELU, "
             f"{cfg['seeds']} seeds, wall {res['wall_s']:.1f} s. Slopes vs a², mean [95 % CI].", "",
             "| loss | width | d m2/da² | d m2_rel/da² | d acc2/da² | d g2/da² | max\\|∇\\| |",
             "|---|---:|---|---|---|---|---:|"]

    def f(v):
        return f"{v[0]:+.3g} [{v[1]:+.3g}, {v[2]:+.3g}]"

    for c in res["cells"].values():
        s = c["slope_vs_a2"]
        lines.append(f"| {c['loss']} | {c['width']} | {f(s['m2'])} | {f(s['m2_rel'])} | {f(s['acc2'])} | "
                     f"{f(s['g2'])} | {c['grad_max_max']:.1e} |")
    return "\n".join(lines) + "\n"
