"""The two-moons experiment (§2, §4.1, App. B.2): train, measure, write run folders.

``run_moons`` trains every configuration of :func:`empirical.train.app_b2_configs` for all
seeds at once per configuration, measures it (:mod:`empirical.measure`, :mod:`empirical.ntk`)
and writes ``<out>/moons/<name>/``: ``config.json`` (resolved), ``environment.json``,
``metrics.json`` (per seed and mean ± std), ``heatmap.png`` and ``checkpoint.pt`` (an
interrupted run resumes from it). ``<out>/moons/`` also gets ``summary.json``, ``summary.md``
(the per-configuration table), ``fig1.png`` and ``fig6.png``.

Configurations that share an architecture (the one-hidden-layer net without dropout or
batch norm, trained for the base iteration count: plain, weight decay, both Adams, rotated,
SD, Δ = −0.1) train as ONE program (:func:`run_group`, :func:`empirical.train.train_group`),
each with its own hyperparameters and data; their run folders are the same as when trained
alone (plus ``train_group`` in ``metrics.json``).

Quick configuration (``quick=True``, used by the tests): 4 seeds, 1,000 iterations, all
configurations except "deeper" (4 × 500 hidden: ~25 ms per seed-iteration on this CPU) and
"longer" (10× the iterations); a coarser margin search (K = 24 directions, T = 24 steps).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from empirical.device import select_device
from empirical.runs import environment
from empirical.measure import heatmap, measure
from empirical.ntk import ntk_gram_mlp, phi_func, responses
from empirical.train import (Config, Model, app_b2_configs, can_group, checkpoint_step, config_key, forward,
                             group_key, save_checkpoint, train_batched, train_group)

QUICK_EXCLUDE = ("deeper", "longer")
FULL_SEARCH = dict(n_dirs=32, n_steps=32, r_max=1.6, n_bisect=14)
QUICK_SEARCH = dict(n_dirs=24, n_steps=24, r_max=1.6, n_bisect=12)


def _train_function(res, flat) -> torch.Tensor:
    """ŷ on the training set of the function that training optimizes (BN: batch stats; no dropout)."""
    model, X = res.model, res.X
    p = model.views(flat)
    with torch.no_grad():
        if model.cfg.batchnorm:
            return forward(model, p, X, train=True)[..., 0]
        return forward(model, p, X, train=False)[..., 0]


def ntk_responses(res) -> dict[str, np.ndarray]:
    """s₁, s₂ and z₁, z₂ (Definition 1) in the basis of each seed's NTK at initialization."""
    model, X, y = res.model, res.X, res.y
    if model.cfg.batchnorm:
        m1 = Model(model.cfg, 1)
        Ks = []
        for k in range(model.S):
            flat_k = torch.cat([v[k].reshape(-1) for v in model.views(res.init_flat).values()])
            Phi = phi_func(m1, flat_k.double(), X[k].double())
            Ks.append(Phi @ Phi.T)
        K = torch.stack(Ks)
    else:
        K = ntk_gram_mlp(model, model.views(res.init_flat.double()), X.double())
    return responses(K, y[..., 0], _train_function(res, res.state.flat), _train_function(res, res.init_flat))


def _stat(a) -> dict:
    a = np.asarray(a, dtype=float)
    return {"mean": float(a.mean()), "std": float(a.std(ddof=1)) if a.size > 1 else 0.0}


def _plot_heatmap(ax, g1, g2, f, X, y, title):
    ax.contourf(g1, g2, f, 10, cmap="RdBu", alpha=0.8)
    ax.contour(g1, g2, f, 10, linewidths=0.2, colors="k")
    ax.contour(g1, g2, f, [0.0], linewidths=1.0, colors="k")
    ax.scatter(X[:, 0], X[:, 1], c=np.where(y > 0, "#0365C0", "#C82506"), edgecolors="k", s=12, linewidths=0.4)
    ax.axhline(0, ls="--", lw=0.7, color="k", alpha=0.5)
    ax.axvline(0, ls="--", lw=0.7, color="k", alpha=0.5)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def _write_setup(cfg: Config, seeds, iterations: int, out_dir: Path, device, search: dict, dtype) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.json").write_text(json.dumps(
        {"config": cfg.to_dict(), "seeds": list(seeds), "iterations": iterations * cfg.iter_factor,
         "dtype": str(dtype), "margin_search": search}, indent=1))
    (out_dir / "environment.json").write_text(json.dumps(environment(device), indent=1))


def run_config(cfg: Config, seeds, iterations: int, out_dir: Path, device, search: dict,
               dtype=torch.float32, progress: bool = True) -> dict:
    """Train, measure and write one configuration's run folder; returns its metrics."""
    out_dir = Path(out_dir)
    _write_setup(cfg, seeds, iterations, out_dir, device, search, dtype)
    res = train_batched(cfg, seeds, iterations, device=device, dtype=dtype,
                        checkpoint=out_dir / "checkpoint.pt", progress=progress)
    return _measure_and_write(res, out_dir, device, search)


def run_group(cfgs: list[Config], seeds, iterations: int, root: Path, device, search: dict,
              dtype=torch.float32, progress: bool = True) -> dict[str, dict]:
    """Configurations sharing an architecture trained as ONE program, each written as if alone.

    :func:`empirical.train.train_group` trains every configuration of ``cfgs`` whose own
    checkpoint (``root/<name>/checkpoint.pt``) is not already complete, resuming from
    ``root/_batched/<key>.pt`` if an earlier run was interrupted; each configuration's final
    state is then saved as its own complete checkpoint (so a later run of it alone resumes
    there and trains no further) and measured exactly like :func:`run_config`. Its metrics
    record ``train_group`` (the names trained together), ``train_group_wall_s`` and, as
    ``train_wall_s``, its share of that wall time (1 / number of configurations).

    Returns:
        {name: metrics} in the order of ``cfgs``.
    """
    root = Path(root)
    seeds = list(seeds)
    todo, out = [], {}
    for cfg in cfgs:
        d = root / cfg.name
        _write_setup(cfg, seeds, iterations, d, device, search, dtype)
        key = config_key(cfg, seeds, iterations * cfg.iter_factor, dtype, device)
        if checkpoint_step(d / "checkpoint.pt", key) != iterations * cfg.iter_factor:
            todo.append(cfg)
    if len(todo) == 1:
        cfg = todo[0]
        res = train_batched(cfg, seeds, iterations, device=device, dtype=dtype,
                            checkpoint=root / cfg.name / "checkpoint.pt", progress=progress)
        out[cfg.name] = _measure_and_write(res, root / cfg.name, device, search)
    elif todo:
        gk = group_key(todo, seeds, iterations * todo[0].iter_factor, dtype, device)
        gck = root / "_batched" / f"{gk}.pt"
        results = train_group(todo, seeds, iterations, device=device, dtype=dtype, checkpoint=gck,
                              progress=progress)
        for res in results:
            d = root / res.cfg.name
            key = config_key(res.cfg, seeds, res.iterations, dtype, device)
            save_checkpoint(d / "checkpoint.pt", res.state, key)
            C = len(results)
            res.wall_s = res.extra["group_wall_s"] / C
            out[res.cfg.name] = _measure_and_write(res, d, device, search, extra={
                "train_group": res.extra["group"], "train_group_wall_s": res.extra["group_wall_s"]})
        if all(r.completed for r in results):
            gck.unlink(missing_ok=True)   # every configuration now has its own complete checkpoint
            if not any(gck.parent.iterdir()):
                gck.parent.rmdir()
    for cfg in cfgs:
        if cfg.name not in out:           # already complete: loads its checkpoint, trains nothing
            out[cfg.name] = run_config(cfg, seeds, iterations, root / cfg.name, device, search, dtype, progress)
    return {c.name: out[c.name] for c in cfgs}


def _measure_and_write(res, out_dir: Path, device, search: dict, extra: dict | None = None) -> dict:
    """Measure a trained batch (margins, reliance, z₁/z₂) and write metrics and heatmap."""
    cfg, seeds = res.cfg, res.seeds
    t0 = time.perf_counter()
    p = res.params
    running = (res.state.running_mean, res.state.running_var) if cfg.batchnorm else None
    met = measure(res.model, p, res.X, res.y, cfg.rotation, running, **search)
    with torch.no_grad():
        out = forward(res.model, p, res.X, train=cfg.batchnorm)[..., 0] if cfg.batchnorm else None
    final_loss = np.asarray(res.state.loss_log[-1][1]) if res.state.loss_log else np.full(len(seeds), np.nan)
    # the exact final loss (the log is taken before a step): recompute without SD for comparability
    with torch.no_grad():
        yh = forward(res.model, p, res.X, train=cfg.batchnorm, state=None)[..., 0] if not cfg.batchnorm else out
        yv = res.y[..., 0]
        ce = torch.nn.functional.softplus(-yv * yh).mean(1).cpu().double().numpy()
    rsp = ntk_responses(res)
    meas_s = time.perf_counter() - t0
    per_seed = {k: v.tolist() for k, v in met.items()}
    per_seed["train_loss"] = ce.tolist()
    per_seed["logged_objective_last"] = final_loss.tolist()
    per_seed["s1"], per_seed["s2"] = rsp["s"][:, 0].tolist(), rsp["s"][:, 1].tolist()
    per_seed["z1"], per_seed["z2"] = rsp["z"][:, 0].tolist(), rsp["z"][:, 1].tolist()
    per_seed["z_norm"] = rsp["z_norm"].tolist()
    summary = {k: _stat(v) for k, v in per_seed.items() if k != "logged_objective_last"}
    metrics = {"name": cfg.name, "seeds": list(seeds), "device": str(device), "torch": torch.__version__,
               "iterations": res.iterations, "train_wall_s": res.wall_s, "measure_wall_s": meas_s,
               **(extra or {}), "per_seed": per_seed, "summary": summary, "loss_log": res.state.loss_log}
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=1))
    g1, g2, f = heatmap(res.model, p, running)
    metrics["_heatmap"] = (g1, g2, f, res.X[0].cpu().double().numpy(), res.y[0, :, 0].cpu().double().numpy())
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.2, 3.2))
    _plot_heatmap(ax, *metrics["_heatmap"], f"{cfg.name} (Δ = {cfg.margin:+g})")
    fig.tight_layout()
    fig.savefig(out_dir / "heatmap.png", dpi=110)
    plt.close(fig)
    return metrics


TABLE_COLS = [("train_loss", "train loss", "{:.4f}"), ("accuracy", "train acc", "{:.3f}"),
              ("margin_mean", "margin mean", "{:.4f}"), ("margin_p10", "margin p10", "{:.4f}"),
              ("reliance_normal", "reliance sin²", "{:.3f}"), ("flip_x2", "flip x2", "{:.3f}"),
              ("s1", "s1", "{:.2f}"), ("s2", "s2", "{:.2f}"), ("z1", "z1", "{:.3f}"), ("z2", "z2", "{:.3f}")]


def summary_markdown(all_metrics: dict) -> str:
    """The per-configuration table, mean ± std over seeds."""
    head = "| configuration | " + " | ".join(c[1] for c in TABLE_COLS) + " |"
    lines = [head, "|" + "---|" * (len(TABLE_COLS) + 1)]
    for name, m in all_metrics.items():
        cells = []
        for key, _, fmt in TABLE_COLS:
            s = m["summary"][key]
            cells.append(f"{fmt.format(s['mean'])} ± {fmt.format(s['std'])}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_moons(out: str | Path = "runs", *, seeds: int | None = None, iterations: int | None = None,
              device: str | None = None, quick: bool = False, configs: list[str] | None = None,
              threads: int = 1, progress: bool = True, batch_configs: bool = True) -> dict:
    """Run the two-moons experiment; returns {name: metrics} and writes ``<out>/moons/``.

    Args:
        out: parent folder of the run folders.
        seeds: number of seeds (0..seeds−1); default 10, quick 4.
        iterations: base iterations; default 10,000 (App. B.2), quick 1,000 (Fig. 1).
        device: None/"auto" or a torch device string.
        quick: the small configuration (module docstring).
        configs: subset of configuration names (default: all, minus the quick exclusions).
        threads: torch intra-op threads (1 by default: 2 threads stalled runs here).
        batch_configs: train configurations that share an architecture as one program
            (:func:`run_group`: plain, weight decay, both Adams, rotated, SD and Δ = −0.1 are
            one such group); False trains each configuration on its own (same results to
            float rounding, slower).
    """
    if threads < 1:
        raise ValueError(f"threads must be >= 1; got {threads}")
    torch.set_num_threads(threads)
    dev = select_device(device)
    n_seeds = seeds if seeds is not None else (4 if quick else 10)
    if n_seeds < 2:
        raise ValueError(f"seeds must be >= 2 (a spread over seeds is reported); got {n_seeds}")
    its = iterations if iterations is not None else (1000 if quick else 10_000)
    if its < 1:
        raise ValueError(f"iterations must be >= 1; got {its}")
    all_cfgs = app_b2_configs()
    names = configs or [n for n in all_cfgs if not (quick and n in QUICK_EXCLUDE)]
    bad = [n for n in names if n not in all_cfgs]
    if bad:
        raise ValueError(f"unknown configuration(s) {bad}; choose from {sorted(all_cfgs)}")
    search = QUICK_SEARCH if quick else FULL_SEARCH
    root = Path(out) / "moons"
    t0 = time.perf_counter()
    results = {}
    seed_list = list(range(n_seeds))
    groups: list[list[Config]] = []
    for name in names:
        cfg = all_cfgs[name]
        home = next((g for g in groups if batch_configs and can_group(g[0], cfg)), None)
        if home is None:
            groups.append([cfg])
        else:
            home.append(cfg)
    for g in groups:
        if len(g) == 1:
            results[g[0].name] = run_config(g[0], seed_list, its, root / g[0].name, dev, search, progress=progress)
        else:
            results.update(run_group(g, seed_list, its, root, dev, search, progress=progress))
    results = {n: results[n] for n in names}
    wall = time.perf_counter() - t0
    summ = {"device": str(dev), "torch": torch.__version__, "seeds": n_seeds, "iterations": its,
            "quick": quick, "wall_s": wall, "margin_search": search,
            "configs": {k: {"summary": v["summary"], "train_wall_s": v["train_wall_s"],
                            "measure_wall_s": v["measure_wall_s"], "iterations": v["iterations"]}
                        for k, v in results.items()}}
    root.mkdir(parents=True, exist_ok=True)
    (root / "summary.json").write_text(json.dumps(summ, indent=1))
    md = (f"# Two moons (device {dev}, torch {torch.__version__}, {n_seeds} seeds, {its} iterations"
          f"{', quick' if quick else ''}; wall {wall:.1f} s)\n\n" + summary_markdown(results) + "\n")
    (root / "summary.md").write_text(md)
    _figures(results, root)
    return results


def _figures(results: dict, root: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig1 = [n for n in ("plain_nonseparable", "plain", "sd") if n in results]
    fig6 = [n for n in results if n != "plain_nonseparable"]
    for fname, names in (("fig1.png", fig1), ("fig6.png", fig6)):
        if not names:
            continue
        cols = min(len(names), 5)
        rows = (len(names) + cols - 1) // cols
        fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.6 * rows), squeeze=False)
        for ax in axes.flat:
            ax.axis("off")
        for ax, n in zip(axes.flat, names):
            ax.axis("on")
            _plot_heatmap(ax, *results[n]["_heatmap"], n)
        fig.tight_layout()
        fig.savefig(root / fname, dpi=110)
        plt.close(fig)
