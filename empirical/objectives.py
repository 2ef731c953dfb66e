"""Training objectives, one small class each, evaluated per ensemble member.

Conventions. Binary tasks: ŷ is the logit [R, n] (R members, n examples; a trailing
output axis of size 1 is squeezed), labels y ∈ {−1, +1} (``signed_labels`` maps {0, 1} to
them), and the per-example cross-entropy is log(1 + e^{−yŷ}) = softplus(−yŷ) (Eq. 5's
loss, computed stably). Multi-class: ŷ [R, n, C], integer labels, ``F.cross_entropy``.
Every objective returns the loss per member, [R]; summing it over members gives one scalar
whose gradient with respect to the stacked parameters is, member by member, that member's
own gradient (members share no parameter).

``reduction``: the paper writes its losses as sums over the n examples (Eq. 5, Eq. 17:
``1 · log[1 + exp(−Yŷ)]``); every released code base (the authors', IRM's, DomainBed's)
uses the mean. A mean is the sum divided by n, so a mean objective with coefficient c is
the sum objective with coefficient n·c, up to the overall 1/n (a learning-rate factor for
SGD, invisible to Adam up to ε). Each class takes ``reduction="sum" | "mean"`` and says
which is which.

Map of the spectral-decoupling variants (Eq. 17 vs the code that produced the figures):

=====================  ====================================================  =========================================
class                  loss                                                  where
=====================  ====================================================  =========================================
:class:`SD`            Σ softplus(−yŷ) + λ/2 Σ ŷ²  (``reduction="sum"``)       Eq. 17 as printed
:class:`SDReleased`    mean softplus(−yŷ) + c · mean ŷ²  (no ½, mean)          authors' two-moons code (App. B.2, c=0.003)
``SDReleased(anneal)`` c·(mean CE + mean ŷ²) from step ``anneal`` on            authors' Colored-MNIST code (Table 4)
:class:`SDPerClass`    mean CE + Σ_k c_k · mean_{i: y_i=k} (ŷ_i − γ_k)²        App. B.5 (λ_k, γ_k per class)
=====================  ====================================================  =========================================

Third-party SD implementations found in the wild take either of the two forms above: the
"λ/2‖ŷ‖²" form (Eq. 17, often with a mean instead of the sum) or the released "c·mean ŷ²"
form; c = λ/2 converts them. For multi-class networks the penalty is on *all* logits
(‖ŷ‖² summed over classes), as in the authors' CelebA code's single-logit case
generalised; some implementations penalise only the true-class logit — ``logits="true"``
selects that reading.

References: Pezeshki et al. (2021) Eq. 5, Eq. 17, App. B.4–B.5; Arjovsky et al. (2019),
Invariant Risk Minimization (IRMv1); Krueger et al. (2021), Out-of-distribution
generalization via risk extrapolation (V-REx).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

REDUCTIONS = ("sum", "mean")


def signed_labels(y01: torch.Tensor) -> torch.Tensor:
    """{0, 1} labels → {−1, +1}."""
    return 2.0 * y01 - 1.0


def _check_coef(v, name: str) -> float:
    v = float(v)
    if not (math.isfinite(v) and v >= 0):
        raise ValueError(f"{name} must be a finite number >= 0; got {v!r}")
    return v


def _squeeze(out: torch.Tensor) -> torch.Tensor:
    return out[..., 0] if out.dim() == 3 and out.shape[-1] == 1 else out


def _reduce(x: torch.Tensor, reduction: str) -> torch.Tensor:
    return x.sum(-1) if reduction == "sum" else x.mean(-1)


def binary_ce(out: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Σ or mean of softplus(−yŷ) per member, [R] (y ∈ {−1, +1}); multi-class: cross-entropy."""
    out = _squeeze(out)
    if out.dim() == 3:      # [R, n, C], integer labels [R, n] or [n]
        R, n, C = out.shape
        yy = y.expand(R, n) if y.dim() == 1 else y
        ce = F.cross_entropy(out.reshape(R * n, C), yy.reshape(-1).long(), reduction="none").view(R, n)
        return _reduce(ce, reduction)
    return _reduce(F.softplus(-y * out), reduction)


class Objective:
    """Base class: ``obj(out, y, *, ensemble=None, step=0, envs=None) -> loss [R]``.

    ``ensemble``: the :class:`empirical.models.Ensemble` (for penalties on θ);
    ``step``: 0-based optimisation step (annealed penalties); ``envs``: sizes of the
    training environments whose examples are concatenated in ``out`` (IRM, V-REx).
    """

    name = "objective"

    def __init__(self, reduction: str = "mean"):
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}; got {reduction!r}")
        self.reduction = reduction

    def __call__(self, out, y, *, ensemble=None, step: int = 0, envs=None) -> torch.Tensor:
        raise NotImplementedError

    def config(self) -> dict:
        """The objective's name and coefficients (stored in a run's config.json)."""
        return {"name": self.name, **{k: v for k, v in vars(self).items() if not k.startswith("_")}}


class CE(Objective):
    """Cross-entropy alone (ERM): Σ/mean log(1 + e^{−yŷ}) (Eq. 5 with λ = 0)."""

    name = "ce"

    def __call__(self, out, y, *, ensemble=None, step=0, envs=None):
        return binary_ce(out, y, self.reduction)


class CEWeightDecay(Objective):
    """CE + λ/2 ‖θ − a‖², a = 0 (``anchor="zero"``, ordinary weight decay) or a = θ₀ (``"init"``).

    Eq. 5 is the linearised network's CE + λ/2‖θ‖² in centred coordinates (Eq. 3), i.e.
    weight decay toward the initialisation for the trained network; ``anchor="zero"`` is
    the usual L2 (App. B.2's "weight decay", which ``torch.optim.SGD(weight_decay=wd)``
    applies as wd·θ in the gradient: λ = wd with the mean reduction). The IRM / authors'
    Colored-MNIST code adds ``l2 · Σ‖θ‖²`` with no ½: λ = 2·l2.
    """

    name = "ce_wd"

    def __init__(self, lam: float, anchor: str = "zero", reduction: str = "mean"):
        super().__init__(reduction)
        self.lam = _check_coef(lam, "lam")
        if anchor not in ("zero", "init"):
            raise ValueError(f"anchor must be 'zero' or 'init'; got {anchor!r}")
        self.anchor = anchor

    def __call__(self, out, y, *, ensemble=None, step=0, envs=None):
        if ensemble is None:
            raise ValueError("ensemble must be given: CEWeightDecay penalises the parameters")
        pen = ensemble.sq_dist_to_init() if self.anchor == "init" else ensemble.sq_norm()
        return binary_ce(out, y, self.reduction) + 0.5 * self.lam * pen


def _logit_sq(out: torch.Tensor, y, logits: str, reduction: str) -> torch.Tensor:
    out = _squeeze(out)
    if out.dim() == 3:
        R, n, C = out.shape
        if logits == "true":
            yy = (y.expand(R, n) if y.dim() == 1 else y).long()
            sq = out.gather(2, yy[..., None])[..., 0] ** 2
        else:
            sq = (out ** 2).sum(-1)
        return _reduce(sq, reduction)
    return _reduce(out ** 2, reduction)


class SD(Objective):
    """Spectral decoupling as Eq. 17: 1·log[1 + exp(−Yŷ)] + λ/2 ‖ŷ‖².

    ``reduction="sum"`` is Eq. 17 as printed (the default here); ``"mean"`` divides both
    terms by n. ``anneal``: the penalty is on from this step (App. B.4's "anneal steps";
    0 = always). Multi-class: ``logits="all"`` (‖ŷ‖² over every logit) or ``"true"``
    (the true class's logit only). ``wd``: an added weight decay wd/2·‖θ‖² (0 in Eq. 17;
    the digits search of §4.3's protocol tunes one alongside).
    """

    name = "sd"

    def __init__(self, lam: float, reduction: str = "sum", anneal: int = 0, logits: str = "all", wd: float = 0.0):
        super().__init__(reduction)
        self.lam, self.wd = _check_coef(lam, "lam"), _check_coef(wd, "wd")
        if int(anneal) != anneal or anneal < 0:
            raise ValueError(f"anneal must be an integer >= 0; got {anneal!r}")
        if logits not in ("all", "true"):
            raise ValueError(f"logits must be 'all' or 'true'; got {logits!r}")
        self.anneal, self.logits = int(anneal), logits

    def __call__(self, out, y, *, ensemble=None, step=0, envs=None):
        loss = binary_ce(out, y, self.reduction)
        if self.wd:
            if ensemble is None:
                raise ValueError("ensemble must be given when wd > 0")
            loss = loss + 0.5 * self.wd * ensemble.sq_norm()
        if step >= self.anneal and self.lam:
            loss = loss + 0.5 * self.lam * _logit_sq(out, y, self.logits, self.reduction)
        return loss


class SDReleased(Objective):
    """Spectral decoupling as the authors' released code computes it (always the mean, no ½).

    * ``anneal=None`` (two-moons code, App. B.2; c = 0.003): mean CE + c · mean ŷ².
      Equals Eq. 17 with λ = 2c and the mean reduction.
    * ``anneal=k`` (Colored-MNIST code, Table 4: c = 2e-5, k = 450): mean CE + c · mean ŷ²
      before step k, and c · (mean CE + mean ŷ²) from step k on — the WHOLE loss is
      multiplied by c, so the effective λ is 2 (not 2c) and, under Adam, the gradient scale
      drops by 1/c at the switch (Adam is scale-invariant up to ε, so mostly it is λ that
      changes).
    """

    name = "sd_released"

    def __init__(self, c: float, anneal: int | None = None, logits: str = "all"):
        super().__init__("mean")
        self.c = _check_coef(c, "c")
        if anneal is not None and (int(anneal) != anneal or anneal < 0):
            raise ValueError(f"anneal must be None or an integer >= 0; got {anneal!r}")
        self.anneal, self.logits = anneal, logits

    def __call__(self, out, y, *, ensemble=None, step=0, envs=None):
        r = binary_ce(out, y, "mean")
        sq = _logit_sq(out, y, self.logits, "mean")
        if self.anneal is not None and step >= self.anneal:
            return self.c * (r + sq)
        return r + self.c * sq


class SDPerClass(Objective):
    """App. B.5's SD variant: CE + λ_k/2 ‖ŷ − γ_k‖² with λ and γ per class k.

    Printed form (App. B.5): 1·(log[1 + exp(−Yŷ)] + λ/2 ‖ŷ − γ‖²), λ_k, γ_k tuned per class
    (λ₀ = 0.088, γ₀ = 0.44; λ₁ = 0.012, γ₁ = 2.5). Here: mean CE + Σ_k (λ_k/2)·mean_{i∈k}(ŷ_i − γ_k)²
    (``reduction="mean"``: the per-class means, as the released CelebA code ``spw3`` mode; note
    that code uses ONE coefficient for both classes and no ½) or the sums (``"sum"``). The
    class of a binary label y ∈ {−1, +1} is k = (y + 1)/2; γ_k is the target of the
    logit itself (not of yŷ), as the released code (class 1 → +2.5, class 0 → +0.44).
    """

    name = "sd_per_class"

    def __init__(self, lams: tuple[float, float], gammas: tuple[float, float], reduction: str = "mean"):
        super().__init__(reduction)
        if len(lams) != 2 or len(gammas) != 2:
            raise ValueError(f"lams and gammas must have one value per class (2); got {lams!r}, {gammas!r}")
        self.lams = tuple(_check_coef(v, "lams") for v in lams)
        self.gammas = tuple(float(g) for g in gammas)

    def __call__(self, out, y, *, ensemble=None, step=0, envs=None):
        out = _squeeze(out)
        loss = binary_ce(out, y, self.reduction)
        for k, (lam, gam) in enumerate(zip(self.lams, self.gammas)):
            mask = (y > 0) if k == 1 else (y < 0)
            mask = mask.expand_as(out).to(out.dtype)
            sq = (out - gam) ** 2 * mask
            tot = sq.sum(-1)
            if self.reduction == "mean":
                tot = tot / mask.sum(-1).clamp_min(1.0)
            loss = loss + 0.5 * lam * tot
        return loss


def _env_parts(out, y, envs):
    if not envs or sum(envs) != out.shape[-1]:
        raise ValueError(f"envs must give the sizes of the training environments (summing to n = {out.shape[-1]}); got {envs!r}")
    parts, a = [], 0
    for k in envs:
        parts.append((out[..., a:a + k], y[..., a:a + k]))
        a += k
    return parts


class _EnvPenalty(Objective):
    """mean_e r_e + l2·Σ‖θ‖² + w(t)·penalty, w(t) = weight from step ``anneal`` on (else 1),
    the whole loss divided by w(t) when w(t) > 1 (the IRM code's rescaling)."""

    def __init__(self, weight: float, anneal: int = 0, l2: float = 0.0):
        super().__init__("mean")
        self.weight, self.l2 = _check_coef(weight, "weight"), _check_coef(l2, "l2")
        if int(anneal) != anneal or anneal < 0:
            raise ValueError(f"anneal must be an integer >= 0; got {anneal!r}")
        self.anneal = int(anneal)

    def penalty(self, parts, risks) -> torch.Tensor:
        raise NotImplementedError

    def __call__(self, out, y, *, ensemble=None, step=0, envs=None):
        out = _squeeze(out)
        parts = _env_parts(out, y, envs)
        risks = torch.stack([binary_ce(o, yy, "mean") for o, yy in parts])       # [E, R]
        w = self.weight if step >= self.anneal else 1.0
        loss = risks.mean(0) + w * self.penalty(parts, risks)
        if self.l2:
            if ensemble is None:
                raise ValueError("ensemble must be given when l2 > 0")
            loss = loss + self.l2 * ensemble.sq_norm()
        return loss / w if w > 1.0 else loss


class IRM(_EnvPenalty):
    """IRMv1 (Arjovsky et al. 2019): penalty mean_e (∂/∂s r_e(s·ŷ) at s = 1)².

    Closed form for the logistic loss: ∂/∂s mean softplus(−y sŷ) = mean(−y σ(−yŷ) ŷ) =
    mean((σ(ŷ) − y₀₁) ŷ) with y₀₁ = (y + 1)/2, so no second backward pass is needed.
    """

    name = "irm"

    def penalty(self, parts, risks):
        return torch.stack([(-(yy * torch.sigmoid(-yy * o) * o)).mean(-1) ** 2 for o, yy in parts]).mean(0)


class VREx(_EnvPenalty):
    """V-REx (Krueger et al. 2021): penalty Var_e(r_e), unbiased over environments (their code)."""

    name = "vrex"

    def penalty(self, parts, risks):
        return risks.var(0)


OBJECTIVES = {c.name: c for c in (CE, CEWeightDecay, SD, SDReleased, SDPerClass, IRM, VREx)}
