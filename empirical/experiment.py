"""The two-moons experiment (§2, §4.1, App. B.2, Fig. 1): train, measure, write run folders.

A sweep (:mod:`empirical.sweep`) whose cells are groups of configurations of
:func:`empirical.train.app_b2_configs`, all seeds at once; each cell is trained (checkpointed
in the run folder's ``ckpt/``: an interrupted run resumes from it; the outputs on the training
set are recorded at ~200 steps for Fig. 1(d)) and measured (:mod:`empirical.measure`,
:mod:`empirical.ntk`). The run folder ``<out>/moons/`` gets one folder per configuration,
``<name>/``: ``config.json`` (resolved), ``environment.json``, ``metrics.json`` (per seed and
mean ± std, the training dynamics, the per-point held-out margins) and ``heatmap.png``; and
``summary.json``, ``summary.md`` (the per-configuration table and Fig. 1(d)'s caption checks),
``fig1.png``, ``fig6.png``, ``fig1d.png`` (responses over training, :func:`fig1d_checks`) and
``margins_cdf.png`` (per-point L2 and L∞ margins of held-out points, Fig. 2's presentation).

Fig. 1(d): z_1, z_2 are the released script's responses |u_jᵀŷ(t)| along the eigen-directions
j = 1 and 6 of each seed's NTK Gram matrix at initialization (:mod:`empirical.ntk`); the
caption's statements are compared between the three cases (Δ = −0.1, Δ = +0.1, Δ = +0.1 with
SD) at the end of training, in our settings and in the released script's (weight decay 2e-4
in all three runs: the ``fig1d_*_wd`` configurations).

Held-out points: the same generator with seeds offset by ``HELDOUT_SEED_OFFSET``
(:func:`empirical.train.make_heldout`); their signed L2 and L∞ margins come from the
input-space ray search (:func:`empirical.measure.heldout_margins`).

Configurations that share an architecture (the one-hidden-layer net without dropout or
batch norm, trained for the base iteration count: plain, weight decay, both Adams, rotated,
SD, Δ = −0.1, the three ``fig1d_*_wd``) train as ONE program (:func:`empirical.train.train_group`),
each with its own hyperparameters and data; their folders are the same as when trained
alone (plus ``train_group`` in ``metrics.json``).

Quick configuration (``quick=True``, used by the tests): 4 seeds, 1,000 iterations (the
released Fig. 1(a, b) script's count), all configurations except "deeper" (4 × 500 hidden:
~25 ms per seed-iteration on this CPU), "longer" (10× the iterations) and the three
``fig1d_*_wd``; a coarser margin search (K = 24 directions, T = 24 steps).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from empirical.intervals import welch_interval
from empirical.measure import heatmap, heldout_margins, measure
from empirical.ntk import FIG1D_FEATURES, feature_responses, ntk_gram_bn_two_layer, ntk_gram_mlp, phi_func
from empirical.sweep import Cell, Plan, Protocol
from empirical.train import FIG1D_WEIGHT_DECAY, HELDOUT_SEED_OFFSET, Config, Model, app_b2_configs, can_group, make_heldout, train_group

QUICK_EXCLUDE = ("deeper", "longer", "fig1d_nonseparable_wd", "fig1d_plain_wd", "fig1d_sd_wd")
# Fig. 1(d)'s three cases (dotted, dashed, solid) in our settings and in the released script's
FIG1D_CASES = {"ours": ("plain_nonseparable", "plain", "sd"),
               "released": ("fig1d_nonseparable_wd", "fig1d_plain_wd", "fig1d_sd_wd")}
TRACE_POINTS = 200     # recorded steps of the training dynamics per run (Fig. 1(d))
FULL_SEARCH = dict(n_dirs=32, n_steps=32, r_max=1.6, n_bisect=14)
QUICK_SEARCH = dict(n_dirs=24, n_steps=24, r_max=1.6, n_bisect=12)


def _train_function(res, flat) -> torch.Tensor:
    """ŷ on the training set of the function that training optimizes (BN: batch stats; no dropout)."""
    model, X = res.model, res.X
    with torch.no_grad():
        # BN with batch statistics: a throw-away copy of the buffers (nothing is updated)
        return model.apply(model.views(flat), X, train=model.cfg.batchnorm, buffers=model.buffers())


def ntk_gram(res) -> torch.Tensor:
    """Each seed's NTK Gram matrix K₀ at initialization on its training set, [S, n, n] float64."""
    model, X = res.model, res.X
    if model.cfg.batchnorm and model.cfg.depth == 1:   # Config forbids dropout with batch norm
        K = ntk_gram_bn_two_layer(model, model.views(res.init_flat.double()), X.double())
    elif model.cfg.batchnorm:
        Ks = []
        for k in range(model.S):
            m1 = Model(model.cfg, [res.seeds[k]], torch.float64)
            flat_k = torch.cat([v[k].reshape(-1) for v in model.views(res.init_flat).values()])
            Phi = phi_func(m1, flat_k.double(), X[k].double())
            Ks.append(Phi @ Phi.T)
        K = torch.stack(Ks)
    else:
        K = ntk_gram_mlp(model, model.views(res.init_flat.double()), X.double())
    return K


def fig1d_dynamics(res) -> dict:
    """Fig. 1(d)'s responses z_j(t) = |u_jᵀ ŷ(t)| over training (:func:`empirical.ntk.feature_responses`)."""
    steps = [int(s) for s, _ in res.state.trace]
    if not steps:
        raise ValueError(f"{res.cfg.name}: no recorded training dynamics (train with trace_every)")
    trace = torch.stack([v for _, v in res.state.trace])
    return {"steps": steps, **feature_responses(ntk_gram(res), res.y[..., 0], trace)}


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


def _measure_result(res, device, search: dict, extra: dict | None = None) -> dict:
    """Measure a trained batch (margins, reliance, z₁/z₂); JSON-able metrics with the heatmap grid."""
    cfg, seeds = res.cfg, res.seeds
    t0 = time.perf_counter()
    p = res.params
    running = res.buffers
    met = measure(res.model, p, res.X, res.y, cfg.rotation, running, **search)
    final_loss = np.asarray(res.state.loss_log[-1][1]) if res.state.loss_log else np.full(len(seeds), np.nan)
    # the exact final loss (the log is taken before a step): recomputed without SD for comparability;
    # batch norm uses the batch statistics (the function training optimises)
    with torch.no_grad():
        yh = res.model.apply(p, res.X, train=cfg.batchnorm, buffers=res.model.buffers())
        ce = torch.nn.functional.softplus(-res.y[..., 0] * yh).mean(1).cpu().double().numpy()
    dyn = fig1d_dynamics(res)
    Xt, yt = make_heldout(cfg, seeds, res.X.dtype, res.X.device)
    ho = heldout_margins(res.model, p, Xt, yt, running, **search)
    meas_s = time.perf_counter() - t0
    per_seed = {k: v.tolist() for k, v in met.items()}
    per_seed["train_loss"] = ce.tolist()
    per_seed["logged_objective_last"] = final_loss.tolist()
    for i, j in enumerate(FIG1D_FEATURES):
        key = f"z{i + 1}"            # z1, z2: Fig. 1(d)'s two features (eigen-directions u_1, u_6 of K₀)
        per_seed[key] = dyn["z"][-1, :, i].tolist()
        per_seed[f"{key}_label_overlap"] = dyn["label_overlap"][:, i].tolist()
        per_seed[f"{key}_eig"] = dyn["eig"][:, i].tolist()
    for k, v in ho.items():
        if k not in ("l2", "linf"):
            per_seed[f"test_{k}"] = v.tolist()
    summary = {k: _stat(v) for k, v in per_seed.items() if k != "logged_objective_last"}
    g1, g2, f = heatmap(res.model, p, running)
    return {"name": cfg.name, "seeds": list(seeds), "device": str(device), "torch": torch.__version__,
            "iterations": res.iterations, "train_wall_s": res.wall_s, "measure_wall_s": meas_s,
            **(extra or {}), "per_seed": per_seed, "summary": summary,
            "loss_log": [[int(s), list(map(float, v))] for s, v in res.state.loss_log],
            "dynamics": {"features": list(FIG1D_FEATURES), "steps": dyn["steps"],
                         "z": np.round(dyn["z"], 5).tolist()},          # [T, S, 2]
            "test_margins": {"heldout_seed_offset": HELDOUT_SEED_OFFSET,
                             "l2": np.round(ho["l2"], 6).tolist(), "linf": np.round(ho["linf"], 6).tolist()},
            "_heatmap": [np.asarray(g1).tolist(), np.asarray(g2).tolist(), np.asarray(f).tolist(),
                         res.X[0].cpu().double().numpy().tolist(), res.y[0, :, 0].cpu().double().numpy().tolist()]}


TABLE_COLS = [("train_loss", "train loss", "{:.4f}"), ("accuracy", "train acc", "{:.3f}"),
              ("margin_mean", "margin mean", "{:.4f}"), ("margin_p10", "margin p10", "{:.4f}"),
              ("margin_min", "margin min", "{:.4f}"),
              ("reliance_normal", "reliance sin²", "{:.3f}"), ("flip_x2", "flip x2", "{:.3f}"),
              ("z1", "z1 = \\|u1ᵀŷ\\|", "{:.2f}"), ("z2", "z2 = \\|u6ᵀŷ\\|", "{:.2f}"),
              ("test_accuracy", "held-out acc", "{:.3f}"), ("test_l2_p10", "held-out L2 p10", "{:.4f}"),
              ("test_l2_min", "held-out L2 min", "{:.4f}"), ("test_linf_p10", "held-out L∞ p10", "{:.4f}"),
              ("test_linf_min", "held-out L∞ min", "{:.4f}")]


# Fig. 1(d)'s caption, transcribed: (statement, response, case a, case b, stated sign of b − a);
# cases index FIG1D_CASES' (dotted: Δ = −0.1, dashed: Δ = +0.1, solid: Δ = +0.1 with SD)
FIG1D_CAPTION = (
    ("linear separability results in an increase in z_1 (dashed vs dotted)", "z1", 0, 1, +1),
    ("linear separability results in a decrease (starvation) of z_2 (dashed vs dotted)", "z2", 0, 1, -1),
    ("SD suppresses z_1 (solid vs dashed)", "z1", 1, 2, -1),
    ("SD allows z_2 to grow (solid vs dashed)", "z2", 1, 2, +1),
)


def fig1d_checks(per_seed: dict, cases: tuple[str, str, str], level: float = 0.95) -> list[dict]:
    """Fig. 1(d)'s caption statements, measured at the end of training (:data:`FIG1D_CAPTION`).

    The caption compares the three runs ("(dotted) vs (dashed)"), so each statement is read as
    the sign of the difference of the seed-mean responses of two cases at the last step, with a
    Welch ``level`` interval over seeds: ``holds`` if the interval lies on the stated side of 0,
    ``refuted`` if on the other side, ``inconclusive`` if it contains 0.

    Args:
        per_seed: name → per-seed metrics with ``z1``, ``z2`` (metrics.json's ``per_seed``).
        cases: the (dotted, dashed, solid) configuration names.
    """
    missing = [c for c in cases if c not in per_seed]
    if missing:
        raise ValueError(f"cases {missing} are not among the measured configurations {sorted(per_seed)}")
    out = []
    for text, key, ia, ib, sign in FIG1D_CAPTION:
        a, b = per_seed[cases[ia]][key], per_seed[cases[ib]][key]
        d, lo, hi = welch_interval(a, b, level)
        verdict = "holds" if sign * lo > 0 and sign * hi > 0 else (
            "refuted" if sign * lo < 0 and sign * hi < 0 else "inconclusive")
        out.append({"statement": text, "response": key, "a": cases[ia], "b": cases[ib], "stated_sign": sign,
                    "mean_a": float(np.mean(a)), "mean_b": float(np.mean(b)), "diff": d, "ci": [lo, hi],
                    "level": level, "verdict": verdict})
    return out


def fig1d_markdown(checks: dict) -> str:
    lines = ["| settings | statement | a | b | mean a | mean b | b − a (95 % CI) | verdict |", "|---|---|---|---|---|---|---|---|"]
    for setting, rows in checks.items():
        for r in rows:
            lines.append(f"| {setting} | {r['statement']} | {r['a']} | {r['b']} | {r['mean_a']:.2f} | {r['mean_b']:.2f} | "
                         f"{r['diff']:+.2f} [{r['ci'][0]:+.2f}, {r['ci'][1]:+.2f}] | {r['verdict']} |")
    return "\n".join(lines)


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


def _groups(names: list[str], batch_configs: bool) -> list[list[Config]]:
    cfgs = app_b2_configs()
    groups: list[list[Config]] = []
    for name in names:
        cfg = cfgs[name]
        home = next((g for g in groups if batch_configs and can_group(g[0], cfg)), None)
        if home is None:
            groups.append([cfg])
        else:
            home.append(cfg)
    return groups


def plan(opts: dict) -> Plan:
    """Cells = groups of configurations that share an architecture (one program each), all seeds.

    Options: ``quick`` (module docstring), ``seeds`` (number, >= 2; default 10, quick 4),
    ``iterations`` (base; default 10,000 as App. B.2, quick 1,000), ``configs`` (subset of
    names), ``no_batch_configs`` (one cell per configuration: same results to float
    rounding, slower), ``checkpoint_every`` (steps between checkpoints, default 1000).
    """
    quick = bool(opts.get("quick"))
    n_seeds = opts.get("seeds") if opts.get("seeds") is not None else (4 if quick else 10)
    if int(n_seeds) != n_seeds or n_seeds < 2:
        raise ValueError(f"--seeds must be an integer >= 2 (a spread over seeds is reported); got {n_seeds!r}")
    its = opts.get("iterations") if opts.get("iterations") is not None else (1000 if quick else 10_000)
    if int(its) != its or its < 1:
        raise ValueError(f"--iterations must be an integer >= 1; got {its!r}")
    every = opts.get("checkpoint_every") or 1000
    all_cfgs = app_b2_configs()
    names = list(opts.get("configs") or [n for n in all_cfgs if not (quick and n in QUICK_EXCLUDE)])
    bad = [n for n in names if n not in all_cfgs]
    if bad:
        raise ValueError(f"--configs: unknown configuration(s) {bad}; choose from {sorted(all_cfgs)}")
    search = QUICK_SEARCH if quick else FULL_SEARCH
    seeds = list(range(int(n_seeds)))
    cells = [Cell("+".join(c.name for c in g), {"configs": [c.name for c in g], "seeds": seeds,
                                               "iterations": int(its), "search": search,
                                               "checkpoint_every": int(every),
                                               "trace_every": max(1, int(its) * g[0].iter_factor // TRACE_POINTS)})
             for g in _groups(names, not opts.get("no_batch_configs"))]
    config = {"configs": {n: all_cfgs[n].to_dict() for n in names}, "seeds": seeds, "iterations": int(its),
              "quick": quick, "margin_search": search, "dtype": "torch.float32",
              "grouped": not opts.get("no_batch_configs")}
    return Plan("moons", config, cells, extra={"names": names})


def run_cell(payload: dict, device, *, rf=None, key=None) -> dict:
    """Train one group of configurations as one program (checkpointed in the run folder), measure each."""
    all_cfgs = app_b2_configs()
    cfgs = [all_cfgs[n] for n in payload["configs"]]
    ck = rf.checkpoint_path(key) if rf is not None else None
    results = train_group(cfgs, payload["seeds"], payload["iterations"], device=device, checkpoint=ck,
                          checkpoint_every=payload["checkpoint_every"], progress=True,
                          trace_every=payload["trace_every"])
    out = {}
    for res in results:
        extra = None
        if len(results) > 1:
            res.wall_s = res.extra["group_wall_s"] / len(results)
            extra = {"train_group": res.extra["group"], "train_group_wall_s": res.extra["group_wall_s"]}
        out[res.cfg.name] = _measure_result(res, device, payload["search"], extra)
    return out


def assemble(plan: Plan, results: dict, rf) -> dict:
    """Per-configuration folders (config.json, environment.json, metrics.json, heatmap.png),
    ``summary.json``, ``summary.md``, ``fig1.png``, ``fig6.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from empirical.runs import atomic_write_json, atomic_write_text, save_figure

    cfgall = plan.config
    metrics = {}
    for c in plan.cells:
        metrics.update(results[c.key])
    names = plan.extra["names"]
    metrics = {n: metrics[n] for n in names}
    env = rf.read_json("environment.json")
    for n, m in metrics.items():
        d = rf.path / n
        atomic_write_json(d / "config.json", {"config": cfgall["configs"][n], "seeds": cfgall["seeds"],
                                              "iterations": m["iterations"], "dtype": cfgall["dtype"],
                                              "margin_search": cfgall["margin_search"]})
        atomic_write_json(d / "environment.json", env)
        atomic_write_json(d / "metrics.json", {k: v for k, v in m.items() if k != "_heatmap"})
        fig, ax = plt.subplots(figsize=(3.2, 3.2))
        _plot_heatmap(ax, *map(np.asarray, m["_heatmap"]), f"{n} (Δ = {cfgall['configs'][n]['margin']:+g})")
        fig.tight_layout()
        save_figure(fig, d / "heatmap.png", caption=(
            f"Decision function of the first seed's network, {_describe(cfgall, [n])}; "
            f"{len(cfgall['seeds'])} seeds trained, {m['iterations']} iterations, two moons (App. B.2)."))
    wall = sum(m["train_wall_s"] + m["measure_wall_s"] for m in metrics.values())
    summ = {"device": env["device"], "torch": env["torch"], "seeds": len(cfgall["seeds"]),
            "iterations": cfgall["iterations"], "quick": cfgall["quick"], "wall_s": wall,
            "margin_search": cfgall["margin_search"],
            "configs": {k: {"summary": v["summary"], "train_wall_s": v["train_wall_s"],
                            "measure_wall_s": v["measure_wall_s"], "iterations": v["iterations"]}
                        for k, v in metrics.items()}}
    checks = {k: fig1d_checks({n: m["per_seed"] for n, m in metrics.items()}, cases)
              for k, cases in FIG1D_CASES.items() if all(c in metrics for c in cases)}
    summ["fig1d_checks"] = checks
    rf.write_json("summary.json", summ)
    md = (f"# Two moons (device {env['device']}, torch {env['torch']}, {len(cfgall['seeds'])} seeds, "
          f"{cfgall['iterations']} iterations{', quick' if cfgall['quick'] else ''}; train+measure {wall:.1f} s)\n\n"
          + summary_markdown(metrics) + "\n")
    if checks:
        md += ("\n## Fig. 1(d): the caption's statements at the end of training\n\nz1 = |u1ᵀŷ|, z2 = |u6ᵀŷ| "
               "(u_j: eigenvectors of each seed's NTK Gram matrix at initialization, 0-based by eigenvalue, "
               "as the released script plots them); Welch 95 % intervals over seeds.\n\n"
               + fig1d_markdown(checks) + "\n")
    atomic_write_text(rf.path / "summary.md", md)
    _figures(metrics, rf.path, cfgall)
    return {"configs": metrics, "summary": summ, "markdown": md}


def run_moons(out: str | Path = "runs", *, seeds: int | None = None, iterations: int | None = None,
              quick: bool = False, configs: list[str] | None = None, batch_configs: bool = True,
              **kw) -> dict:
    """Run the two-moons experiment (:func:`empirical.sweep.run`); returns {name: metrics}.

    Args:
        out: parent folder of the run folder ``moons/``.
        seeds, iterations, quick, configs: :func:`plan`'s options.
        batch_configs: False = ``no_batch_configs``.
        kw: :func:`empirical.sweep.run`'s options (device, threads, executor, ...).
    """
    from empirical.sweep import run

    res = run("moons", {"quick": quick, "seeds": seeds, "iterations": iterations, "configs": configs,
                        "no_batch_configs": not batch_configs}, out, **kw)
    return res["configs"]


def _describe(cfgall: dict, names: list[str]) -> str:
    """One clause per configuration: its non-default training settings (for figure captions)."""
    base = Config("base").to_dict()
    parts = []
    for n in names:
        c = cfgall["configs"][n]
        diff = [f"{k} {c[k]:g}" if isinstance(c[k], float) else f"{k} {c[k]}"
                for k in ("rotation", "depth", "optimizer", "lr", "weight_decay", "dropout",
                          "batchnorm", "sd", "iter_factor") if c.get(k) != base[k]]
        parts.append(f"{n} (Δ = {c['margin']:+g}, width {c['width']}" + "".join(f", {d}" for d in diff) + ")")
    return "; ".join(parts)


def _figures(results: dict, root: Path, cfgall: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from empirical.runs import save_figure

    fig1 = [n for n in ("plain_nonseparable", "plain", "sd") if n in results]
    fig6 = [n for n in results if n != "plain_nonseparable" and not n.startswith("fig1d_")]
    runs = f"{len(cfgall['seeds'])} seeds, {cfgall['iterations']} base iterations"
    _fig1d(results, root, runs)
    _margin_cdfs(results, root, runs)
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
            _plot_heatmap(ax, *map(np.asarray, results[n]["_heatmap"]), n)
        fig.tight_layout()
        what = "Fig. 1(a)–(c)" if fname == "fig1.png" else "Fig. 6 (App. B.2)"
        save_figure(fig, root / fname, caption=(
            f"{what} layout: decision function of the first seed's network for {_describe(cfgall, names)}; "
            f"{runs}; SGD lr 1e-2 momentum 0.9 unless stated."))


def _fig1d(results: dict, root: Path, runs: str) -> None:
    """fig1d.png: seed-mean z1, z2 over training for the three cases (dotted/dashed/solid), per settings."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from empirical.runs import save_figure

    sets = {k: c for k, c in FIG1D_CASES.items() if all(n in results for n in c)}
    if not sets:
        return
    fig, axes = plt.subplots(1, len(sets), figsize=(4.2 * len(sets), 3.2), squeeze=False)
    for ax, (setting, cases) in zip(axes[0], sets.items()):
        for n, ls in zip(cases, (":", "--", "-")):
            d = results[n]["dynamics"]
            z = np.asarray(d["z"])                                  # [T, S, 2]
            for i, (col, lab) in enumerate((("#2D7F58", "z1 = |u1ᵀŷ|"), ("#FA7F05", "z2 = |u6ᵀŷ|"))):
                m, sd = z[:, :, i].mean(1), z[:, :, i].std(1)
                ax.plot(d["steps"], m, color=col, ls=ls, lw=1.4, label=f"{lab}, {n}")
                ax.fill_between(d["steps"], np.maximum(m - sd, 1e-3), m + sd, color=col, alpha=0.12, lw=0)
        ax.set_yscale("log")
        ax.set_xlabel("iteration")
        ax.set_title(f"Fig. 1(d), {'our' if setting == 'ours' else setting} settings", fontsize=9)
        ax.grid(True, ls="--", lw=0.5, alpha=0.4)
        ax.legend(fontsize=5.5, loc="lower right")
    fig.tight_layout()
    save_figure(fig, root / "fig1d.png", caption=(
        "Fig. 1(d): seed-mean responses z1 = |u1ᵀŷ(t)| and z2 = |u6ᵀŷ(t)| (u_j: eigenvectors of each "
        "seed's NTK Gram matrix at initialization) over training, ± one std over seeds, for "
        + "; ".join({"ours": "our settings", "released": f"the released script's settings (weight decay {FIG1D_WEIGHT_DECAY:g})"}.get(k, k)
                    + ": " + ", ".join(f"{n} ({ls})" for n, ls in zip(c, ("dotted", "dashed", "solid")))
                    for k, c in sets.items()) + f"; {runs}."))


def _margin_cdfs(results: dict, root: Path, runs: str) -> None:
    """margins_cdf.png: per-point held-out margin CDFs (L2 and L∞), pooled over seeds (Fig. 2 style)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from empirical.runs import save_figure

    names = [n for n in results if "test_margins" in results[n]]
    if not names:
        return
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.4))
    for ax, norm in zip(axes, ("l2", "linf")):
        for n in names:
            v = np.sort(np.asarray(results[n]["test_margins"][norm]).ravel())
            hi = n in ("plain", "sd", "plain_nonseparable")
            ax.step(v, np.arange(1, v.size + 1) / v.size, where="post", lw=1.6 if hi else 0.8,
                    alpha=1.0 if hi else 0.6, label=n)
        ax.set_xlabel(f"signed {'L2' if norm == 'l2' else 'L∞'} margin of held-out points")
        ax.set_ylabel("fraction of points ≤ margin")
        ax.axvline(0, color="k", lw=0.6)
        ax.grid(True, ls="--", lw=0.5, alpha=0.4)
    axes[1].legend(fontsize=6)
    fig.tight_layout()
    save_figure(fig, root / "margins_cdf.png", caption=(
        f"Per-point signed margins of held-out two-moons points (same generator, other seed), L2 (left) "
        f"and L∞ (right) by input-space ray search, pooled over seeds, for {', '.join(names)}; {runs}."))


def _summary(res: dict) -> str:
    return res["markdown"]


PROTOCOL = Protocol(plan, run_cell, assemble, _summary)
