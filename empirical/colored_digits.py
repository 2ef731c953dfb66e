"""Colored digits — the Colored-MNIST protocol of §4.3 / App. B.4, offline.

Data (§4.3, Arjovsky et al. 2019). Default: scikit-learn's bundled 8×8 digits (1,797 images,
offline); real MNIST when ``mnist_dir`` holds the standard IDX files (:mod:`empirical.data.mnist_idx`),
2×2-average-pooled to 14×14. Per restart (seed r, NumPy ``default_rng(r)``):

* split (:func:`split_indices`): digits — a seeded permutation into 599 (e = 0.1) + 599
  (e = 0.2) training and 599 test images; MNIST — the protocol of the IRM / authors' code:
  25,000 + 25,000 training images from the first 50,000 of the training file (permuted),
  the test env the fixed last 10,000;
* label y = 1[digit ≥ 5] XOR Bernoulli(0.25); colour = y XOR Bernoulli(e), e = 0.1, 0.2
  (training), 0.9 (test); the image goes into channel ``colour`` of two, the other is zero
  (:func:`make_environment`). Colour alone gives 90 / 80 % training accuracy and 10 % on the
  test env; shape alone at most 75 %.

Fig. 3's four test variants (:func:`diagnostic_inputs`): grayscale digits (image/2 in both
channels), coloured digits (the test env), grayscale blank (the test env's mean pixel value
everywhere, halved in both channels), coloured blank (that constant in the example's colour
channel) — the construction of the authors' released code, on the test env's examples.

Model and training (App. B.4): an MLP d_in → H → H → 1 (ReLU, Xavier-uniform weights, zero
biases; :func:`network`), full-batch ``torch.optim.Adam``; all restarts of one method are ONE
batched program (:class:`empirical.models.Ensemble`; :func:`train_method`). Float32, device from
:mod:`empirical.device`. Methods (:func:`method_objective`, :mod:`empirical.objectives`): ERM; SD as Eq. 17 with the penalty
λ·mean(ŷ²) switched on at the anneal step (``sd``); SD exactly as the authors' released code
computes it (``sd_released``: the whole loss multiplied by c = 2e-5 from the anneal step on);
IRMv1 (dummy-scale gradient penalty, in closed form); V-REx (variance of the
two training risks); IRM and V-REx with the IRM code's schedule (penalty weight 1 before the
anneal step, the loss divided by the weight after). Oracle: ERM on the channel sum
(:func:`model_input`), i.e. colour removed by construction.

Hyperparameters: MNIST — Table 4 (:data:`MNIST_METHODS`, facts; V-REx's are assumed, Table 4
has no REx row). Digits — :func:`search` on seeds 100–104, documented with its outcome in
empirical/results/colored_digits_cpu/README.md: the base (width 64, l2 = 0.01) from the oracle's
training-domain validation accuracy (test-free), each method's (l2, penalty, anneal) from the
test env (as the paper admits its tuning did), and SD also from training-domain validation
(test-free, row ``sd_tdv``).

Extra digits rows (not in Table 2): ERM with the base's weight decay; the released objective
switched at App. B.4's test-free step (ERM's minimal validation NLL) and with Table 4's own
lr/steps/anneal; and the control "Eq. 17 with λ = 1 at the released row's anneal step" — the
released objective without its factor c. Measured (README): on digits the released objective
reproduces SD's Table-2 level (≈ 66 %) while Eq. 17 as written, the control, IRM and V-REx
stay ≤ ≈ 52 %.

Outputs: ``runs/colored_digits/<name>/`` with config.json, environment.json, metrics.json
(per-restart metrics and trajectories), summary.md, fig3.png, trajectories.png
(:func:`run`). ``python -m empirical.colored_digits --search`` reruns the search.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from empirical import prefix
from empirical.data.digits import DATASETS, Source, load_source  # noqa: F401
from empirical.intervals import t_halfwidth
from empirical.models import MLP, Ensemble
from empirical.objectives import CE, IRM, SD, CEWeightDecay, SDReleased, VREx, signed_labels
from empirical.progress import Progress
from empirical.sweep import Cell, Plan, Protocol

LABEL_NOISE = 0.25          # §4.3: the binary label is flipped with probability 0.25
E_TRAIN = (0.1, 0.2)        # colour flipped w.p. e: training environments 1 and 2
E_TEST = 0.9                # test environment (colour 90 % reversed)
KINDS = ("erm", "sd", "sd_released", "irm", "vrex")
DIAG_ENVS = ("gray_digits", "colored_digits", "gray_blank", "colored_blank")


# ----------------------------------------------------------------------------- data
def split_indices(n_total: int, dataset: str, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Indices of (training env e=0.1, training env e=0.2, test env) for one restart.

    * digits: a seeded permutation; the test env takes the first ⌊N/3⌋ (599), the rest is
      dealt alternately to e=0.2 (even positions) and e=0.1 (odd): 599 / 599 / 599.
    * MNIST (the protocol of the IRM and authors' code): the test env is the fixed last
      ⌊N/6⌋ images of the training file (images 50,000–59,999), the first N − ⌊N/6⌋ are
      permuted and dealt alternately: 25,000 / 25,000 / 10,000.
    """
    if n_total < 3:
        raise ValueError(f"n_total must be >= 3 (three environments); got {n_total}")
    if dataset == "digits":
        perm = rng.permutation(n_total)
        n_test = n_total // 3
        test, rest = perm[:n_test], perm[n_test:]
    elif dataset == "mnist":
        n_test = max(1, n_total // 6)
        test = np.arange(n_total - n_test, n_total)
        rest = rng.permutation(n_total - n_test)
    else:
        raise ValueError(f"dataset must be one of {DATASETS}; got {dataset!r}")
    return rest[1::2], rest[0::2], test


def make_environment(images: np.ndarray, digits: np.ndarray, e: float, rng: np.random.Generator) -> dict:
    """Apply the §4.3 protocol to a set of grayscale images.

    y = 1[digit ≥ 5] XOR Bernoulli(0.25); colour = y XOR Bernoulli(e); the image goes into
    channel ``colour`` of two, the other channel is zero (draw order: the label flips, then
    the colour flips, from ``rng``).

    Args:
        images: [n, P] grayscale in [0, 1].
        digits: [n] digit classes.
        e: colour-flip probability in [0, 1].
        rng: the restart's generator.

    Returns:
        {"x": [n, 2P] float64 (channel 0 block, then channel 1 block), "y": [n] int in {0, 1},
         "color": [n] int, "img": [n, P], "clean": [n] 1[digit ≥ 5], "e": e}.
    """
    if not (isinstance(e, (int, float)) and 0.0 <= e <= 1.0):
        raise ValueError(f"e must be a probability in [0, 1]; got {e!r}")
    n, P = images.shape
    clean = (np.asarray(digits) >= 5).astype(int)
    y = clean ^ (rng.random(n) < LABEL_NOISE)
    color = y ^ (rng.random(n) < e)
    x = np.zeros((n, 2, P))
    x[np.arange(n), color] = images
    return {"x": x.reshape(n, 2 * P), "y": y, "color": color, "img": images, "clean": clean, "e": float(e)}


def build_restart(src: Source, seed: int, holdout: float = 0.0) -> dict:
    """The three environments of one restart (data seed ``seed``), optionally with a
    training-domain validation split.

    Args:
        src: the raw images.
        seed: data seed (NumPy ``default_rng(seed)``).
        holdout: fraction in [0, 0.5] of each training environment moved (its last
            ⌈holdout·n⌉ points) to a validation set of the same distribution; the remaining
            training points are identical to those of ``holdout = 0``.

    Returns:
        {"train": [env e=0.1, env e=0.2], "val": [two envs] or None, "test": env e=0.9}.
    """
    if not (0.0 <= holdout <= 0.5):
        raise ValueError(f"holdout must be in [0, 0.5]; got {holdout!r}")
    rng = np.random.default_rng(seed)
    i1, i2, it = split_indices(len(src.digits), src.name, rng)
    envs = [make_environment(src.images[i], src.digits[i], e, rng) for i, e in ((i1, E_TRAIN[0]),
                                                                              (i2, E_TRAIN[1]), (it, E_TEST))]
    train, test = envs[:2], envs[2]
    val = None
    if holdout > 0:
        val, kept = [], []
        for env in train:
            n_val = math.ceil(holdout * len(env["y"]))
            cut = len(env["y"]) - n_val
            kept.append({k: (v[:cut] if isinstance(v, np.ndarray) else v) for k, v in env.items()})
            val.append({k: (v[cut:] if isinstance(v, np.ndarray) else v) for k, v in env.items()})
        train = kept
    return {"train": train, "val": val, "test": test}


def diagnostic_inputs(test: dict, mean_pixel: float | None = None) -> dict[str, np.ndarray]:
    """Fig. 3's four variants of the test environment (§4.3 text, App. B.4), labels unchanged.

    * ``gray_digits``: no colour — the image at half intensity in BOTH channels (the channel
      sum, which is what a colour-blind model sees, equals the image);
    * ``colored_digits``: the test environment itself (colour 90 % reversed);
    * ``gray_blank``: every pixel the test env's mean pixel value, halved in both channels —
      no information at all;
    * ``colored_blank``: that constant image in the channel of each example's (test-env)
      colour, zero in the other — colour only, reversed w.r.t. training.

    This is the construction of the authors' released code (``gray`` halves the image into
    both channels, ``mean`` replaces the images by the mean intensity), here applied to the
    test env's own examples so all four share its labels and colours. Used for the 8×8 digits
    and for real MNIST (:mod:`empirical.colored_mnist`).

    Args:
        test: the test environment: ``img`` [n, P] grayscale, ``color`` [n], ``x`` [n, 2P].
        mean_pixel: the blank images' value; default the mean of ``test["img"]``.
    """
    img, color = test["img"], test["color"]
    n, P = img.shape
    m = float(img.mean()) if mean_pixel is None else float(mean_pixel)
    blank = np.full((n, P), m)
    colored_blank = np.zeros((n, 2, P))
    colored_blank[np.arange(n), color] = blank
    return {"gray_digits": np.concatenate([img / 2, img / 2], 1), "colored_digits": test["x"],
            "gray_blank": np.concatenate([blank / 2, blank / 2], 1),
            "colored_blank": colored_blank.reshape(n, 2 * P)}


@dataclass
class Batch:
    """All restarts' environments stacked along a leading restart axis (tensors on the device);
    the 8×8 digits and real MNIST (:mod:`empirical.colored_mnist`) share it.

    Shapes: train_x [R, n_tr, 2P] with the first training env first (``n_env[0]`` points) then
    the second; val_x [R, n_val, 2P] or None; test_x [R, n_te, 2P]; diag[name] [R, n_te, 2P].
    Labels have the same leading shape ({0, 1} for the digits, ±1 for MNIST). ``sizes``: what
    the data source reports about itself (MNIST: environment sizes, source, images).
    """

    train_x: torch.Tensor
    train_y: torch.Tensor
    n_env: tuple[int, int]
    val_x: torch.Tensor | None
    val_y: torch.Tensor | None
    test_x: torch.Tensor
    test_y: torch.Tensor
    diag: dict
    sizes: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        R, _, d = self.train_x.shape
        if d % 2 or self.test_x.shape[-1] != d or self.test_x.shape[0] != R or sum(self.n_env) != self.train_x.shape[1]:
            raise ValueError(f"Batch: train_x {tuple(self.train_x.shape)}, test_x {tuple(self.test_x.shape)} and "
                             f"n_env {self.n_env} disagree (two channels, one leading restart axis)")

    @property
    def P(self) -> int:
        """Pixels per channel."""
        return self.train_x.shape[-1] // 2


def stack_envs(restarts: list[tuple], *, device="cpu", dtype=torch.float32, sizes: dict | None = None) -> Batch:
    """Stack the restarts' environments into one :class:`Batch`.

    Args:
        restarts: one ``(train envs, val envs or None, test env, diagnostic inputs)`` per
            restart; an env is a dict with ``x`` [n, 2P] and ``y`` [n] (NumPy).
        device, dtype: of the tensors.
        sizes: stored as :attr:`Batch.sizes`.
    """
    def t(a):
        return torch.as_tensor(np.stack(a), dtype=dtype, device=device)

    has_val = restarts[0][1] is not None
    return Batch(
        train_x=t([np.concatenate([e["x"] for e in r[0]]) for r in restarts]),
        train_y=t([np.concatenate([e["y"] for e in r[0]]) for r in restarts]),
        n_env=tuple(len(e["y"]) for e in restarts[0][0]),
        val_x=t([np.concatenate([e["x"] for e in r[1]]) for r in restarts]) if has_val else None,
        val_y=t([np.concatenate([e["y"] for e in r[1]]) for r in restarts]) if has_val else None,
        test_x=t([r[2]["x"] for r in restarts]), test_y=t([r[2]["y"] for r in restarts]),
        diag={k: t([r[3][k] for r in restarts]) for k in DIAG_ENVS}, sizes=dict(sizes or {}))


def stack_restarts(src: Source, seeds: list[int], *, holdout: float = 0.0, device="cpu",
                   dtype=torch.float32) -> Batch:
    """Build every restart's environments (:func:`build_restart`) and stack them."""
    rs = [build_restart(src, s, holdout) for s in seeds]
    return stack_envs([(r["train"], r["val"], r["test"], diagnostic_inputs(r["test"])) for r in rs],
                      device=device, dtype=dtype)


# ----------------------------------------------------------------------------- methods
@dataclass(frozen=True)
class Method:
    """One row of Table 2 / Table 4: objective kind and its hyperparameters.

    Attributes:
        name: row label.
        kind: ``erm`` | ``sd`` | ``sd_released`` | ``irm`` | ``vrex`` (:func:`objective`).
        width: hidden units of both hidden layers.
        lr: Adam learning rate.
        steps: full-batch Adam steps.
        l2: coefficient of Σ‖θ‖² over all weights and biases (the IRM code's
            ``l2_regularizer_weight``).
        penalty: λ (sd), c (sd_released) or the penalty weight (irm, vrex).
        anneal: step from which the penalty is on (Table 4's "anneal steps").
        grayscale: the oracle: the model sees the channel sum (module docstring).
    """

    name: str
    kind: str
    width: int
    lr: float
    steps: int
    l2: float = 0.0
    penalty: float = 0.0
    anneal: int = 0
    grayscale: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {self.kind!r}")
        for k in ("width", "steps"):
            v = getattr(self, k)
            if int(v) != v or v < 1:
                raise ValueError(f"{k} must be an integer >= 1; got {v!r}")
        if not (math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite number > 0; got {self.lr!r}")
        for k in ("l2", "penalty"):
            v = getattr(self, k)
            if not (math.isfinite(v) and v >= 0):
                raise ValueError(f"{k} must be a finite number >= 0; got {v!r}")
        if int(self.anneal) != self.anneal or not 0 <= self.anneal <= self.steps:
            raise ValueError(f"anneal must be an integer in [0, steps={self.steps}]; got {self.anneal!r}")
        if self.kind == "sd_released" and self.l2 != 0:
            raise ValueError("l2 must be 0 for sd_released (the released SD objective has no weight norm)")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def network(d_in: int, width: int) -> MLP:
    """The App. B.4 network d_in → width → width → 1 (ReLU), initialised as the IRM / authors' code:
    Xavier-uniform weights U(±√(6/(fan_in + fan_out))), zero biases, drawn W1, W2, W3 from one
    generator per restart (so ``nn.init.xavier_uniform_`` with that generator gives the same numbers)."""
    return MLP(d_in, width, depth=2, init="xavier")


def logits(ens: Ensemble, x: torch.Tensor) -> torch.Tensor:
    """Logits [R, n] of the R restarts on x [R, n, d_in] (one input set per restart)."""
    return ens(x, per_member=True)[..., 0]


def model_input(x: torch.Tensor, grayscale: bool) -> torch.Tensor:
    """What the network sees: the two colour channels, or (oracle) their sum.

    The oracle's input is channel 0 + channel 1 = the grayscale image for every coloured
    example (one channel is zero) and for every Fig. 3 variant (the halves add up), so it
    cannot see colour at all — the IRM code's ``grayscale_model``.
    """
    if not grayscale:
        return x
    P = x.shape[-1] // 2
    return x[..., :P] + x[..., P:]


def mean_nll(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean binary cross-entropy with logits over the last axis → [R]."""
    return F.binary_cross_entropy_with_logits(logits, y, reduction="none").mean(-1)


def method_objective(m: Method):
    """The training objective of a row (:mod:`empirical.objectives`; labels ±1, mean reductions).

    ŷ: logits on the pooled training environments; W = Σ‖θ‖²; on(t) = 1[t ≥ anneal].

    * erm: mean CE + l2·W (:class:`~empirical.objectives.CEWeightDecay`, λ = 2·l2).
    * sd (Eq. 17 as the paper writes it, switched on after the anneal step; App. B.4 gives
      no target γ for this task, so γ = 0): mean CE + l2·W + λ·on(t)·mean(ŷ²)
      (:class:`~empirical.objectives.SD` with the mean, Eq. 17's λ = 2·penalty, wd = 2·l2).
    * sd_released (the objective in the authors' released Colored-MNIST code, which produced
      Table 2 with Table 4's c = 2e-5): :class:`~empirical.objectives.SDReleased` with the
      anneal step — the WHOLE loss is multiplied by c from it on.
    * irm, vrex: :class:`~empirical.objectives.IRM`, :class:`~empirical.objectives.VREx`
      (the IRM code's l2·W and its rescaling by the penalty weight).
    """
    if m.kind == "erm":
        return CEWeightDecay(2.0 * m.l2, "zero") if m.l2 else CE()
    if m.kind == "sd":
        return SD(2.0 * m.penalty, reduction="mean", anneal=m.anneal, wd=2.0 * m.l2)
    if m.kind == "sd_released":
        return SDReleased(m.penalty, anneal=m.anneal)
    cls = IRM if m.kind == "irm" else VREx
    return cls(m.penalty, anneal=m.anneal, l2=m.l2)


# ----------------------------------------------------------------------------- training
def binary_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Predictive entropy H(σ(ŷ)) in nats, elementwise (≤ ln 2), computed stably:
    H = σ(ŷ)·softplus(−ŷ) + σ(−ŷ)·softplus(ŷ) (−log p = softplus(−ŷ); 1 − p taken as σ(−ŷ), not
    1 − σ(ŷ), which cancels for confident predictions)."""
    return torch.sigmoid(logits) * F.softplus(-logits) + torch.sigmoid(-logits) * F.softplus(logits)


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean of 1[(ŷ > 0) = y] over the last axis → [R]."""
    return ((logits > 0).to(y.dtype) == y).to(logits.dtype).mean(-1)


def _flat(params: list[torch.Tensor]) -> torch.Tensor:
    """All parameters of each restart as one row [R, n_params] (a detached copy)."""
    return torch.cat([p.detach().flatten(1) for p in params], 1).clone()


def train_method(m: Method, data: Batch, seeds: list[int], *, eval_every: int = 10,
                 progress: bool = False, snapshot_at: tuple[int, ...] = (), start: dict | None = None) -> dict:
    """Train all restarts of one method as ONE batched program; measure it.

    Full-batch Adam (β = (0.9, 0.999), ε = 1e-8, as ``torch.optim.Adam`` in the released
    code) on the sum over restarts of :func:`method_objective`. The restarts share no parameters,
    so the gradient of the sum is each restart's own gradient, and Adam is elementwise, so
    this is R independent runs; there is no Python loop over restarts in a step.

    Args:
        m: the method.
        data: stacked data (:func:`stack_restarts`); its device and dtype are used.
        seeds: initialization seeds, one per restart (len = R).
        eval_every: record the trajectory every this many steps (and at the end).
        progress: one-line progress on stderr (only when it is a terminal).
        snapshot_at: steps at whose start the state is kept (``"snapshots"`` of the result:
            parameters, Adam's state, the trajectory so far) for rows that share this row's
            objective up to there (:func:`shared_prefixes`).
        start: such a snapshot (of a row with the same data, seeds, network, optimizer and the
            same objective before ``start["step"]``): training continues from it, and the result
            is bitwise the one of training from step 0.

    Returns:
        {"per_restart": {metric: [R]}, "trajectory": {"step": [T], metric: [T][R]},
         "wall_s": float}; metrics: train_acc/train_nll (pooled training envs), test_acc/test_nll,
         val_acc/val_nll (if a validation split exists), and for each Fig. 3 variant
         ``{name}_acc`` and ``{name}_entropy`` (mean predictive entropy), plus
         ``test_abs_logit`` (mean |ŷ| on the test env); "ensemble": the trained networks.
    """
    if int(eval_every) != eval_every or eval_every < 1:
        raise ValueError(f"eval_every must be an integer >= 1; got {eval_every!r}")
    R = data.train_x.shape[0]
    if len(seeds) != R:
        raise ValueError(f"seeds must have one entry per restart (R = {R}); got {len(seeds)}")
    dt, dev = data.train_x.dtype, data.train_x.device
    d_in = data.P if m.grayscale else 2 * data.P
    ens = Ensemble(lambda: network(d_in, m.width), seeds, device=dev, dtype=dt)
    params = ens.parameters()
    opt = torch.optim.Adam(params, lr=m.lr)
    obj = method_objective(m)
    y_pm = signed_labels(data.train_y)
    xtr = model_input(data.train_x, m.grayscale)
    xte = model_input(data.test_x, m.grayscale)
    xva = model_input(data.val_x, m.grayscale) if data.val_x is not None else None
    traj: dict[str, list] = {"step": [], "train_acc": [], "train_nll": [], "test_acc": [], "test_nll": []}
    if xva is not None:
        traj.update(val_acc=[], val_nll=[])

    def record(step: int, lg_tr: torch.Tensor) -> None:
        with torch.no_grad():
            lg_te = logits(ens, xte)
            vals = {"train_acc": accuracy(lg_tr, data.train_y), "train_nll": mean_nll(lg_tr, data.train_y),
                    "test_acc": accuracy(lg_te, data.test_y), "test_nll": mean_nll(lg_te, data.test_y)}
            if xva is not None:
                lg_va = logits(ens, xva)
                vals.update(val_acc=accuracy(lg_va, data.val_y), val_nll=mean_nll(lg_va, data.val_y))
        traj["step"].append(step)
        for k, v in vals.items():
            traj[k].append(v.double().cpu().numpy().tolist())

    bar = Progress(f"{m.name} ({R} restarts)", m.steps, unit="steps") if progress else None
    theta0 = _flat(params)
    theta_a = theta0
    first = 0
    if start is not None:
        first = int(start["step"])
        if not 0 < first <= m.steps or m.anneal < first:
            raise ValueError(f"start: step {first} is not a shared prefix of row {m.name} "
                             f"(steps {m.steps}, anneal {m.anneal})")
        prefix.restore(ens, opt, traj, start)
    snapshots = {}
    t0 = time.perf_counter()
    for step in range(first, m.steps):
        if step in snapshot_at:
            snapshots[step] = prefix.snapshot(ens, opt, traj, step)
        if step == m.anneal:
            theta_a = _flat(params)
        lg = logits(ens, xtr)
        loss = obj(lg, y_pm, ensemble=ens, step=step, envs=data.n_env)
        if step % eval_every == 0 or step == m.anneal:
            record(step, lg.detach())
        opt.zero_grad(set_to_none=False)
        loss.sum().backward()
        opt.step()
        if bar is not None:
            bar.update(step + 1)
    with torch.no_grad():
        lg_tr = logits(ens, xtr)
    record(m.steps, lg_tr)
    wall = time.perf_counter() - t0
    per = {k: traj[k][-1] for k in traj if k != "step"}
    if 0 < m.anneal < m.steps:
        # how far the parameters move once the penalty is on, relative to how far they moved
        # before: ≈ 0 means the post-anneal phase leaves the model where the anneal step had it
        th = _flat(params)
        rel = (th - theta_a).norm(dim=1) / (theta_a - theta0).norm(dim=1)
        per["post_anneal_rel_change"] = rel.double().cpu().numpy().tolist()
    with torch.no_grad():
        lg_te = logits(ens, xte)
        per["test_abs_logit"] = lg_te.abs().mean(-1).double().cpu().numpy().tolist()
        for name in DIAG_ENVS:
            lg = logits(ens, model_input(data.diag[name], m.grayscale))
            per[f"{name}_acc"] = accuracy(lg, data.test_y).double().cpu().numpy().tolist()
            per[f"{name}_entropy"] = binary_entropy(lg).mean(-1).double().cpu().numpy().tolist()
    return {"per_restart": per, "trajectory": traj, "wall_s": wall, "ensemble": ens, "snapshots": snapshots}


# ----------------------------------------------------------------------------- hyperparameters
#: Table 4 (App. B.4) for MNIST — facts of the paper. Table 4 has no REx row: V-REx takes IRM's
#: values with the penalty weight 1e4 of the IRM code's default (an assumption, labelled as
#: such in every output). The oracle takes ERM's. The paper's "SD" is the released-code
#: objective (``sd_released``): Table 4's "penalty coef" 2e-5 multiplies the whole loss there.
MNIST_METHODS = {
    "erm": Method("erm", "erm", width=300, lr=1e-4, steps=2000),
    "oracle": Method("oracle", "erm", width=300, lr=1e-4, steps=2000, grayscale=True),
    "sd_released": Method("sd_released", "sd_released", width=300, lr=1e-4, steps=2000, penalty=2e-5,
                          anneal=450),
    "irm": Method("irm", "irm", width=390, lr=0.00048985365, steps=500, l2=0.00110794568,
                  penalty=91257.18613115903, anneal=190),
    "vrex": Method("vrex", "vrex", width=390, lr=0.00048985365, steps=500, l2=0.00110794568,
                   penalty=1e4, anneal=190),
}

#: The digits configuration: the outcome of :func:`search` (seeds 100–104, 80 % of each training
#: env; empirical/results/colored_digits_cpu/README.md has its tables). lr and steps are fixed,
#: not searched; width and l2 of the base come from the oracle's training-domain validation.
DIGITS_BASE = {"width": 64, "lr": 1e-3, "steps": 1000, "l2": 1e-2}


def _digits_methods() -> dict[str, Method]:
    """The digits rows (search outcome; see :data:`DIGITS_BASE`)."""
    b = DIGITS_BASE
    c = {"width": b["width"], "lr": b["lr"], "steps": b["steps"]}
    return {
        # ERM as Table 4 (no weight decay) and with the base's weight decay
        "erm": Method("erm", "erm", **c),
        "erm_wd": Method("erm_wd", "erm", l2=b["l2"], **c),
        "oracle": Method("oracle", "erm", l2=b["l2"], grayscale=True, **c),
        # selected by test-env accuracy (labelled so), and by training-domain validation
        "sd": Method("sd", "sd", l2=0.0, penalty=100.0, anneal=300, **c),
        "sd_tdv": Method("sd_tdv", "sd", l2=1e-2, penalty=0.1, anneal=0, **c),
        "sd_released": Method("sd_released", "sd_released", penalty=2e-5, anneal=200, **c),
        # App. B.4's rule: switch at the step of ERM's (l2 = 0) minimal validation NLL (step 80)
        "sd_released_b4": Method("sd_released_b4", "sd_released", penalty=2e-5, anneal=80, **c),
        # the released objective with Table 4's own lr, steps and anneal step (width kept at 64)
        "sd_released_t4": Method("sd_released_t4", "sd_released", width=b["width"], lr=1e-4, steps=2000,
                                 penalty=2e-5, anneal=450),
        # control: the released objective without its factor c (Eq. 17 with λ = 1), same anneal
        "sd_lam1": Method("sd_lam1", "sd", l2=0.0, penalty=1.0, anneal=200, **c),
        "irm": Method("irm", "irm", l2=1e-2, penalty=1e4, anneal=0, **c),
        "vrex": Method("vrex", "vrex", l2=1e-3, penalty=1e5, anneal=100, **c),
    }


ROW_LABELS = {
    "erm": "ERM", "erm_wd": "ERM (l2 = base)", "oracle": "Oracle (grayscale)",
    "sd": "SD, Eq. 17 (test-env selection)", "sd_tdv": "SD, Eq. 17 (training-domain validation)",
    "sd_released": "SD, released objective (test-env selection)",
    "sd_released_b4": "SD, released objective (App. B.4 rule, test-free)",
    "sd_released_t4": "SD, released objective (Table 4 lr 1e-4, 2000 steps, anneal 450)",
    "sd_lam1": "SD, Eq. 17, λ = 1 (released objective without ×c)",
    "irm": "IRM (test-env selection)", "vrex": "V-REx (test-env selection)",
}
#: Table 2 (MNIST, mean ± std over 10 runs, %): (train, train std, test, test std). The paper's
#: SD row was produced by the released objective, so it anchors both SD rows.
PAPER_TABLE2 = {"erm": (91.1, 0.4, 23.7, 0.8), "vrex": (71.5, 1.0, 68.7, 0.9), "irm": (70.5, 0.6, 67.1, 1.4),
                "sd": (70.0, 0.9, 68.4, 1.2), "sd_released": (70.0, 0.9, 68.4, 1.2),
                "oracle": (73.5, 0.2, 73.0, 0.4)}
PAPER_BOUND = 75.0


# ----------------------------------------------------------------------------- search (digits)
SEARCH_SEEDS = [100, 101, 102, 103, 104]     # disjoint from the evaluation seeds 0, 1, ...
SEARCH_HOLDOUT = 0.2
BASE_GRID = {"width": [64, 128], "l2": [0.0, 1e-3, 3e-3, 1e-2, 3e-2]}
#: l2 ∈ {0 (Table 4's ERM and SD), 1e-3 (≈ Table 4's IRM), 1e-2 (the stage-1 base)}
METHOD_GRIDS = {
    "sd": {"l2": [0.0, 1e-3, 1e-2], "penalty": [0.1, 1.0, 10.0, 100.0], "anneal": [0, 100, 300]},
    "irm": {"l2": [0.0, 1e-3, 1e-2], "penalty": [1e2, 1e3, 1e4, 1e5], "anneal": [0, 100, 300]},
    "vrex": {"l2": [0.0, 1e-3, 1e-2], "penalty": [1e2, 1e3, 1e4, 1e5], "anneal": [0, 100, 300]},
    "sd_released": {"l2": [0.0], "penalty": [2e-5], "anneal": [50, 100, 200, 300, 450, 600]},
}


def _mean(x) -> float:
    return float(np.mean(x))


def search(out: str | Path = "runs", *, device: str | None = None, progress: bool = True) -> dict:
    """The documented hyperparameter search for the digits data (module docstring, README).

    All runs: search seeds :data:`SEARCH_SEEDS` (data and init; disjoint from the evaluation
    seeds), each training environment split 80/20 into training and a training-domain
    validation set (same e), Adam lr 1e-3, 1,000 full-batch steps.

    Stage 1 (base, test-free): the oracle over :data:`BASE_GRID`; pick the (width, l2) with
    the highest mean validation accuracy. For the colour-blind oracle the test env has the
    training distribution, so this choice does not use the colour shift.
    Stage 2: each method's grid (:data:`METHOD_GRIDS`: l2, penalty, anneal) at the base width;
    two selections per method:
    ``test`` = highest mean test-env accuracy (uses the test env, as the paper's tuning did),
    ``tdv`` = highest mean training-domain validation accuracy (test-free). ``sd_released``
    uses l2 = 0 only (its objective has no weight term). Also ERM with l2 = 0: the step of its
    minimal validation NLL (App. B.4's "in-distribution overfitting" step) and its test
    accuracy there.

    Writes ``out/colored_digits/search/search.json`` and ``search.md``.
    """
    from empirical.device import select_device
    from empirical.runs import environment

    dev = select_device(device)
    t0 = time.perf_counter()
    src = load_source("digits")
    data = stack_restarts(src, SEARCH_SEEDS, holdout=SEARCH_HOLDOUT, device=dev)
    lr, steps = DIGITS_BASE["lr"], DIGITS_BASE["steps"]

    def cell(m: Method) -> dict:
        r = train_method(m, data, SEARCH_SEEDS, eval_every=10, progress=progress)
        p = r["per_restart"]
        row = {**m.to_dict(), "wall_s": r["wall_s"]}
        for k in ("train_acc", "val_acc", "test_acc", "colored_blank_acc", "gray_digits_acc"):
            row[k] = _mean(p[k])
            row[k + "_std"] = float(np.std(p[k]))
        row["_traj"] = r["trajectory"]
        return row

    stage1 = []
    for w in BASE_GRID["width"]:
        for l2 in BASE_GRID["l2"]:
            stage1.append(cell(Method("oracle", "erm", w, lr, steps, l2=l2, grayscale=True)))
    best = max(stage1, key=lambda r: (r["val_acc"], -r["width"]))
    base = {"width": best["width"], "lr": lr, "steps": steps, "l2": best["l2"]}

    stage2: dict[str, list] = {}
    for kind, grid in METHOD_GRIDS.items():
        rows = []
        for l2 in grid["l2"]:
            for pen in grid["penalty"]:
                for an in grid["anneal"]:
                    rows.append(cell(Method(kind, kind, base["width"], lr, steps, l2=l2, penalty=pen, anneal=an)))
        stage2[kind] = rows
    for r in stage1:
        r.pop("_traj")
    select = {}
    for kind, rows in stage2.items():
        select[kind] = {"test": {k: max(rows, key=lambda r: r["test_acc"])[k] for k in ("l2", "penalty", "anneal")},
                        "tdv": {k: max(rows, key=lambda r: r["val_acc"])[k] for k in ("l2", "penalty", "anneal")}}
        for r in rows:
            r.pop("_traj")
    erm0 = cell(Method("erm_l2_0", "erm", base["width"], lr, steps))
    tr = erm0.pop("_traj")
    i = int(np.argmin(np.mean(tr["val_nll"], 1)))
    erm0["val_nll_min_step"] = int(tr["step"][i])
    erm0["test_acc_at_val_nll_min"] = _mean(tr["test_acc"][i])
    erm0["val_acc_at_val_nll_min"] = _mean(tr["val_acc"][i])
    res = {"seeds": SEARCH_SEEDS, "holdout": SEARCH_HOLDOUT, "base_grid": BASE_GRID, "method_grids": METHOD_GRIDS,
           "stage1": stage1, "base": base, "stage2": stage2, "select": select, "erm_l2_0": erm0,
           "wall_s": time.perf_counter() - t0, "environment": environment(dev)}
    root = Path(out) / "colored_digits" / "search"
    root.mkdir(parents=True, exist_ok=True)
    (root / "search.json").write_text(json.dumps(res, indent=1))
    (root / "search.md").write_text(search_markdown(res))
    return res


def search_markdown(res: dict) -> str:
    """The search's tables (means over the search seeds, accuracies in %)."""
    pc = lambda v: f"{100 * v:.1f}"  # noqa: E731
    L = ["### Stage 1: base (oracle, training-domain validation accuracy decides)", "",
         "| width | l2 | train | val | test |", "|---:|---:|---:|---:|---:|"]
    for r in res["stage1"]:
        L.append(f"| {r['width']} | {r['l2']:g} | {pc(r['train_acc'])} | {pc(r['val_acc'])} | {pc(r['test_acc'])} |")
    L += ["", f"Base chosen: {res['base']}", ""]
    for kind, rows in res["stage2"].items():
        L += [f"### Stage 2: {kind}", "", "| l2 | penalty | anneal | train | val | test (± std) | colored-blank acc | "
              "gray-digits acc |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in rows:
            L.append(f"| {r['l2']:g} | {r['penalty']:g} | {r['anneal']} | {pc(r['train_acc'])} | {pc(r['val_acc'])} | "
                     f"{pc(r['test_acc'])} ± {pc(r['test_acc_std'])} | {pc(r['colored_blank_acc'])} | "
                     f"{pc(r['gray_digits_acc'])} |")
        s = res["select"][kind]
        L += ["", f"Selected by test env: {s['test']}; by training-domain validation: {s['tdv']}", ""]
    e = res["erm_l2_0"]
    L += [f"ERM with l2 = 0: validation NLL minimal at step {e['val_nll_min_step']} (val acc "
          f"{pc(e['val_acc_at_val_nll_min'])} %, test acc there {pc(e['test_acc_at_val_nll_min'])} %); "
          f"final test acc {pc(e['test_acc'])} %.", "", f"Search wall time {res['wall_s']:.0f} s."]
    return "\n".join(L) + "\n"


# ----------------------------------------------------------------------------- the experiment
FULL_RESTARTS = 10
QUICK_RESTARTS = 4
QUICK_METHODS = ("erm", "oracle", "sd", "sd_released", "sd_lam1", "irm", "vrex")


def _round(obj, sig: int = 6):
    """Floats in nested lists/dicts rounded to ``sig`` significant digits (for compact JSON)."""
    if isinstance(obj, float):
        return float(f"{obj:.{sig}g}") if math.isfinite(obj) else obj
    if isinstance(obj, dict):
        return {k: _round(v, sig) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_round(v, sig) for v in obj]
    return obj


def _stat(v) -> dict:
    v = np.asarray(v, float)
    return {"mean": float(v.mean()), "std": float(v.std())}   # ddof = 0, as the paper's np.std


def _paired(a, b) -> dict:
    """Restart-paired difference a − b (same data and initialization seed per restart)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    out = {"mean": float(d.mean()), "std": float(d.std(ddof=1)) if len(d) > 1 else float("nan"),
           "min": float(d.min()), "max": float(d.max())}
    if len(d) > 1:
        h = t_halfwidth(d)
        out["ci95"] = [out["mean"] - h, out["mean"] + h]
    return out


def _chosen(opts: dict) -> tuple[str, dict, int, bool]:
    quick = bool(opts.get("quick"))
    mnist_dir = opts.get("mnist_dir")
    if mnist_dir is not None and not Path(mnist_dir).is_dir():
        raise ValueError(f"mnist_dir: {mnist_dir} is not a folder")
    dataset = "digits" if mnist_dir is None else "mnist"
    table = MNIST_METHODS if dataset == "mnist" else _digits_methods()
    R = opts.get("seeds") if opts.get("seeds") is not None else (QUICK_RESTARTS if quick else FULL_RESTARTS)
    if int(R) != R or R < 2:
        raise ValueError(f"--seeds (restarts) must be an integer >= 2 (a spread over restarts is reported); got {R!r}")
    names = list(opts.get("configs") or [k for k in table if not quick or k in QUICK_METHODS])
    bad = [n for n in names if n not in table]
    if bad:
        raise ValueError(f"--configs: unknown row(s) {bad} for {dataset}; choose from {list(table)}")
    steps = opts.get("iterations")
    if steps is not None and (int(steps) != steps or steps < 1):
        raise ValueError(f"--iterations (steps) must be an integer >= 1; got {steps!r}")
    chosen = {}
    for n in names:
        m = table[n]
        if steps is not None:
            m = dataclasses.replace(m, steps=int(steps), anneal=min(int(steps), round(m.anneal * steps / m.steps)))
        chosen[n] = m
    return dataset, chosen, int(R), quick


def plan(opts: dict) -> Plan:
    """Cells = the rows (methods) of Table 2, all restarts of a row in one program.

    Options: ``quick`` (:data:`QUICK_RESTARTS` restarts and the rows :data:`QUICK_METHODS`,
    same hyperparameters as the full configuration), ``mnist_dir`` (a folder with the MNIST
    IDX files; then Table 4's hyperparameters, :data:`MNIST_METHODS`; default: the bundled
    digits), ``seeds`` (restarts, >= 2; default 10, quick 4), ``configs`` (subset of rows),
    ``iterations`` (override every row's steps, anneal steps scaled proportionally).
    """
    dataset, chosen, R, quick = _chosen(opts)
    steps, mnist_dir = opts.get("iterations"), opts.get("mnist_dir")
    custom = steps is not None or opts.get("configs") is not None or opts.get("seeds") is not None
    name = dataset + ("_quick" if quick else "") + ("_custom" if custom else "")
    seeds = list(range(R))
    config = {"dataset": dataset, "quick": quick, "restarts": R, "seeds": seeds,
              "label_noise": LABEL_NOISE, "e_train": list(E_TRAIN), "e_test": E_TEST,
              "methods": {k: m.to_dict() for k, m in chosen.items()}, "optimizer": "full-batch Adam (0.9, 0.999, 1e-8)",
              "dtype": "float32", "steps_override": steps, "mnist_dir": str(mnist_dir) if mnist_dir else None}
    shared = shared_prefixes(chosen)
    fields = prefix.cell_fields(shared)
    cells = [Cell(n, {"method": chosen[n].to_dict(), "seeds": seeds, "dataset": dataset,
                      "mnist_dir": str(mnist_dir) if mnist_dir else None, **fields.get(n, {})})
             for n in prefix.donors_first(list(chosen), shared)]
    return Plan(f"colored_digits/{name}", config, cells, extra={"name": name})


def shared_prefixes(methods: dict[str, Method]) -> dict[str, tuple[str, int]]:
    """Rows that can start from another row's state: row → (donor row, step).

    Eq. 17's rows with l2 = 0 (``sd``, ``sd_lam1``) ARE ERM without weight decay before their
    anneal step (the same mean CE, the penalty off), on the same data, initialisation, network
    and Adam, so their first ``anneal`` steps are ERM's, bitwise: they start from ERM's state
    there instead of repeating those steps (about 500 of the quick run's 7,000).
    """
    erm = methods.get("erm")
    if erm is None or erm.kind != "erm" or erm.l2 or erm.grayscale:
        return {}
    out = {}
    for n, m in methods.items():
        if (m.kind == "sd" and m.l2 == 0 and 0 < m.anneal <= erm.steps and not m.grayscale
                and (m.width, m.lr) == (erm.width, erm.lr)):
            out[n] = ("erm", m.anneal)
    return out


def run_cell(payload: dict, device, *, rf=None, **_) -> dict:
    """Train all restarts of one row as one program; its per-restart metrics and trajectory.

    A row with a shared prefix (:func:`shared_prefixes`) starts from its donor's state kept in
    the run folder (``prefixes/``) when the donor's cell has run; otherwise (a parallel executor
    ran it first) it trains from step 0 — the same numbers either way.
    """
    m = Method(**payload["method"])
    seeds = payload["seeds"]
    src = load_source(payload["dataset"], payload["mnist_dir"])
    data = stack_restarts(src, seeds, device=device)
    start, keep = prefix.for_cell(payload, rf, device)
    r = train_method(m, data, seeds, eval_every=10, progress=True, snapshot_at=keep, start=start)
    prefix.save(rf, m.name, r.pop("snapshots"))
    r.pop("ensemble")
    r["summary"] = {k: _stat(v) for k, v in r["per_restart"].items()}
    r["method"] = m.to_dict()
    if 0 < m.anneal < m.steps:
        i = r["trajectory"]["step"].index(m.anneal)
        r["per_restart"]["test_acc_at_anneal"] = r["trajectory"]["test_acc"][i]
        r["per_restart"]["train_acc_at_anneal"] = r["trajectory"]["train_acc"][i]
        r["summary"]["test_acc_at_anneal"] = _stat(r["per_restart"]["test_acc_at_anneal"])
        r["summary"]["train_acc_at_anneal"] = _stat(r["per_restart"]["train_acc_at_anneal"])
    r["sizes"] = {"train_e0.1": data.n_env[0], "train_e0.2": data.n_env[1], "test_e0.9": int(data.test_x.shape[1])}
    r["image_hw"] = list(src.hw)
    return r


def assemble(plan: Plan, results: dict, rf) -> dict:
    from empirical.runs import atomic_write_text

    results = {c.key: dict(results[c.key]) for c in plan.cells}
    first = next(iter(results.values()))
    config = {**plan.config, "sizes": first["sizes"], "image_hw": first["image_hw"]}
    for r in results.values():
        r.pop("sizes"), r.pop("image_hw")
    paired = {}
    if "erm" in results:
        for n, r in results.items():
            if n != "erm":
                paired[n] = _paired(r["per_restart"]["test_acc"], results["erm"]["per_restart"]["test_acc"])
    res = {"name": plan.extra["name"], "config": config, "environment": rf.read_json("environment.json"),
           "methods": results, "paired_vs_erm": paired, "wall_s": sum(r["wall_s"] for r in results.values())}
    # compact: 6 significant digits (accuracies are multiples of 1/599), no indentation
    atomic_write_text(rf.path / "metrics.json", json.dumps(_round(res), separators=(",", ":")))
    figure(res, rf.path)
    atomic_write_text(rf.path / "summary.md", summary_markdown(res))
    return res


def run(quick: bool = False, out: str | Path = "runs", *, mnist_dir: str | Path | None = None,
        restarts: int | None = None, methods: list[str] | None = None, steps: int | None = None, **kw) -> dict:
    """Run the colored-digits experiment (:func:`empirical.sweep.run`); write ``out/colored_digits/<name>/``.

    Args:
        quick, mnist_dir: :func:`plan`'s options.
        restarts, methods, steps: :func:`plan`'s ``seeds``, ``configs``, ``iterations``.
        kw: :func:`empirical.sweep.run`'s options (device, threads, executor, progress, ...).

    Returns:
        {"name", "dir", "config", "environment", "methods": {row: {"per_restart", "summary",
         "wall_s", "trajectory", "method"}}, "paired_vs_erm", "wall_s"}.
    """
    from empirical.sweep import run as sweep_run

    return sweep_run("colored-digits", {"quick": quick, "mnist_dir": mnist_dir, "seeds": restarts,
                                        "configs": methods, "iterations": steps}, out, **kw)


def summary_markdown(res: dict) -> str:
    """Table 2's columns next to the paper's MNIST anchors, Fig. 3's four environments,
    restart-paired differences to ERM, and the anneal-step diagnostic."""
    cfg, M = res["config"], res["methods"]
    pc = lambda s: f"{100 * s['mean']:.1f} ± {100 * s['std']:.1f}"  # noqa: E731
    env = res["environment"]
    L = [f"### Colored digits ({cfg['dataset']}, {cfg['restarts']} restarts"
         f"{', quick' if cfg['quick'] else ''}; device {env['device']}, torch {env['torch']}, "
         f"{env['torch_num_threads']} thread(s); wall {res['wall_s']:.1f} s)", "",
         f"Environments per restart: {cfg['sizes']['train_e0.1']} (e = 0.1) + {cfg['sizes']['train_e0.2']} "
         f"(e = 0.2) training, {cfg['sizes']['test_e0.9']} test (e = 0.9); label noise 0.25, so "
         f"{PAPER_BOUND:.0f} % is the best achievable test accuracy. Mean ± std (ddof 0) over restarts, %.", "",
         "| method | kind | width | lr | steps | l2 | penalty | anneal | train acc | test acc | paper train (MNIST) | paper test (MNIST) |",
         "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, r in M.items():
        m, s = r["method"], r["summary"]
        p = PAPER_TABLE2.get(n)
        pp = (f"{p[0]:.1f} ± {p[1]:.1f} | {p[2]:.1f} ± {p[3]:.1f}") if p else "— | —"
        L.append(f"| {ROW_LABELS.get(n, n)} | {m['kind']} | {m['width']} | {m['lr']:g} | {m['steps']} | {m['l2']:g} | "
                 f"{m['penalty']:g} | {m['anneal']} | {pc(s['train_acc'])} | {pc(s['test_acc'])} | {pp} |")
    L += ["", "Fig. 3's four variants of the test environment: accuracy % / mean predictive entropy (nats, "
          "max ln 2 = 0.693). Grayscale-blank inputs are one constant image, so its accuracy is the share "
          "of the one predicted class (uninformative).", "",
          "| method | gray digits | colored digits | gray blank | colored blank |", "|---|---:|---:|---:|---:|"]
    for n, r in M.items():
        s = r["summary"]
        cells = [f"{100 * s[f'{e}_acc']['mean']:.1f} / {s[f'{e}_entropy']['mean']:.2f}" for e in DIAG_ENVS]
        L.append(f"| {ROW_LABELS.get(n, n)} | " + " | ".join(cells) + " |")
    L += ["", "Paper (Fig. 3 caption, MNIST, one model each): colored-blank accuracy ERM 9.4 %, SD 9.4 %, "
          "IRM 49.6 %; colored-blank entropy ERM 0.00, SD 0.41; colored-digits accuracy ERM 23.9 %, SD 67.2 %."]
    if res["paired_vs_erm"]:
        L += ["", "Test accuracy minus ERM's, paired by restart (same data and seed), percentage points: "
              "mean, std, 95 % t-interval, [min, max].", "", "| method | mean | std | 95 % CI | range |",
              "|---|---:|---:|---|---|"]
        for n, d in res["paired_vs_erm"].items():
            ci = d.get("ci95", [float("nan")] * 2)
            L.append(f"| {ROW_LABELS.get(n, n)} | {100 * d['mean']:+.1f} | {100 * d['std']:.1f} | "
                     f"[{100 * ci[0]:+.1f}, {100 * ci[1]:+.1f}] | [{100 * d['min']:+.1f}, {100 * d['max']:+.1f}] |")
    ann = [(n, r) for n, r in M.items() if "test_acc_at_anneal" in r["summary"]]
    if ann:
        L += ["", "What the penalty phase changes: test accuracy at the anneal step, its highest restart-mean "
              "value after it (a diagnostic that looks at the test env, every 10 steps) and at the end, and "
              "‖θ_end − θ_anneal‖ / ‖θ_anneal − θ_0‖ (mean over restarts).", "",
              "| method | anneal | test acc at anneal | peak after anneal (step) | test acc at end | "
              "relative parameter change after anneal |", "|---|---:|---:|---:|---:|---:|"]
        for n, r in ann:
            s, tr = r["summary"], r["trajectory"]
            A = np.asarray(tr["test_acc"])
            after = [i for i, t in enumerate(tr["step"]) if t > r["method"]["anneal"]]
            i = max(after, key=lambda j: A[j].mean())
            L.append(f"| {ROW_LABELS.get(n, n)} | {r['method']['anneal']} | {pc(s['test_acc_at_anneal'])} | "
                     f"{pc(_stat(A[i]))} ({tr['step'][i]}) | {pc(s['test_acc'])} | "
                     f"{s['post_anneal_rel_change']['mean']:.3g} |")
    return "\n".join(L) + "\n"


def _method_params(m: dict) -> str:
    """One row's hyperparameters in a few words (for captions)."""
    out = [f"width {m['width']}", f"lr {m['lr']:g}", f"{m['steps']} steps"]
    if m["l2"]:
        out.append(f"l2 {m['l2']:g}")
    if m["kind"] != "erm":
        out.append(f"{'c' if m['kind'] == 'sd_released' else 'λ' if m['kind'] == 'sd' else 'penalty'} "
                   f"{m['penalty']:g}, anneal step {m['anneal']}")
    return ", ".join(out)


def figure_captions(res: dict) -> dict[str, str]:
    """Captions of ``fig3.png`` and ``trajectories.png``: what they show, with the data, seeds
    and every row's hyperparameters."""
    cfg = res["config"]
    data = (f"{cfg['dataset']} ({'scikit-learn 8×8 digits' if cfg['dataset'] == 'digits' else 'MNIST IDX files'}), "
            f"label noise {cfg['label_noise']:g}, colour flipped w.p. {cfg['e_train'][0]:g} / {cfg['e_train'][1]:g} "
            f"(training envs) and {cfg['e_test']:g} (test env), {cfg['restarts']} restarts (seeds "
            f"{', '.join(map(str, cfg['seeds']))}), full-batch Adam")
    rows = "; ".join(f"{ROW_LABELS.get(n, n)}: {_method_params(r['method'])}" for n, r in res["methods"].items())
    return {
        "fig3": (f"Fig. 3 layout on colored digits: restart-mean accuracy (top) and predictive entropy "
                 f"(bottom) on grayscale / coloured digits and grayscale / coloured blanks, one column per "
                 f"row. Data: {data}. Rows: {rows}."),
        "trajectories": (f"Test-environment accuracy during training, mean ± std over restarts, one curve per "
                         f"row; dotted: each row's anneal step; dashed: {PAPER_BOUND:g} %, the best a "
                         f"shape-only classifier can do. Data: {data}. Rows: {rows}."),
    }


def figure(res: dict, root: str | Path) -> None:
    """``fig3.png`` (Fig. 3 layout: accuracy and entropy on the four test variants, one column
    per method, restart means) and ``trajectories.png`` (test accuracy during training)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from empirical.runs import save_figure

    root = Path(root)
    M = res["methods"]
    names = list(M)
    fig, axes = plt.subplots(2, len(names), figsize=(2.3 * len(names) + 0.6, 4.6), squeeze=False)
    for j, n in enumerate(names):
        s = M[n]["summary"]
        # rows: digit, blank; columns: grayscale, colored (as the paper's Fig. 3)
        acc = np.array([[s["gray_digits_acc"]["mean"], s["colored_digits_acc"]["mean"]],
                        [s["gray_blank_acc"]["mean"], s["colored_blank_acc"]["mean"]]]) * 100
        ent = np.array([[s["gray_digits_entropy"]["mean"], s["colored_digits_entropy"]["mean"]],
                        [s["gray_blank_entropy"]["mean"], s["colored_blank_entropy"]["mean"]]])
        for ax, A, cmap, vmax, fmt in ((axes[0, j], acc, "RdBu", 100.0, "{:.1f}%"),
                                       (axes[1, j], ent, "YlGn_r", math.log(2), "{:.2f}")):
            ax.imshow(A, cmap=cmap, vmin=0, vmax=vmax)
            for a in range(2):
                for b in range(2):
                    ax.text(b, a, fmt.format(A[a, b]), ha="center", va="center", fontsize=8)
            ax.set_xticks([0, 1], ["gray", "colored"], fontsize=7)
            ax.set_yticks([0, 1], ["digit", "blank"], fontsize=7)
        axes[0, j].set_title(ROW_LABELS.get(n, n).replace(" (", "\n("), fontsize=8)
    axes[0, 0].set_ylabel("accuracy", fontsize=8)
    axes[1, 0].set_ylabel("entropy", fontsize=8)
    fig.tight_layout()
    save_figure(fig, root / "fig3.png", dpi=100, caption=figure_captions(res)["fig3"])
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(11, 4.5))
    colors = plt.cm.tab20(np.linspace(0, 1, 20))[::2].tolist() + plt.cm.tab20(np.linspace(0, 1, 20))[1::2].tolist()
    for i, n in enumerate(names):
        tr = M[n]["trajectory"]
        A = np.array(tr["test_acc"]) * 100
        line, = ax.plot(tr["step"], A.mean(1), label=ROW_LABELS.get(n, n), color=colors[i % len(colors)],
                        ls="-" if i < 10 else "--")
        ax.fill_between(tr["step"], A.mean(1) - A.std(1), A.mean(1) + A.std(1), alpha=0.15, color=line.get_color())
        a = M[n]["method"]["anneal"]
        if 0 < a < M[n]["method"]["steps"]:
            ax.axvline(a, color=line.get_color(), ls=":", lw=1)
    ax.axhline(PAPER_BOUND, color="k", ls="--", lw=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("test-env accuracy (%)")
    ax.set_title("test-env accuracy during training (mean ± std over restarts; dotted: anneal step)", fontsize=9)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    save_figure(fig, root / "trajectories.png", dpi=100, caption=figure_captions(res)["trajectories"])
    plt.close(fig)


if __name__ == "__main__":   # pragma: no cover - the documented search: python -m empirical.colored_digits --search
    import argparse

    ap = argparse.ArgumentParser(description="colored digits: the hyperparameter search for the digits data")
    ap.add_argument("--search", action="store_true", help="run the search (module docstring)")
    ap.add_argument("--out", default="runs")
    ap.add_argument("--device", default=None)
    a = ap.parse_args()
    if a.search:
        print(search_markdown(search(a.out, device=a.device)))


PROTOCOL = Protocol(plan, run_cell, assemble, summary_markdown)
