"""Where the perturbation theory of §3.3 breaks down: batched maps over (δ, s1/s2, λ).

Every quantity is a relative error of a *first-order* prediction against the *exact*
fixed point of Eq. 10 (or of Eq. 10 against Eq. 9), computed by the numeric engine
(``theory.engine``) on whole grids at once:

- ``z2_lemma1``: z2* from Lemma 1's α* (Eq. 14, α0 of Eq. 56) vs exact z2*;
- ``z2_lemma1_delta0``: the same with α0 read as the lemma words it, the fixed point at δ = 0;
- ``z2_first_order``: z2* expanded to first order in δ (the Thm. 2 proof, Eq. 64) vs exact;
- ``dz2_ds1sq_first_order``: first-order dz2*/ds1² (Eq. 65) vs the exact sensitivity
  (implicit differentiation), with the points where their *signs* disagree;
- the exact sign claim of Thm. 2 itself (dz2*/ds1² < 0) on Eq. 10 and Eq. 9;
- the Taylor step (Eq. 10 vs Eq. 9) as a function of λ/s²;
- n > 2: the fraction of pairs (i, j) with s_i > s_j where feature i starves feature j.

Relative error is |approx − exact| / |exact|; where the exact value crosses zero it is
large by construction, which is itself a breakdown of a first-order statement.

Example:
    >>> from theory.probe import thresholds
    >>> rows = thresholds(s1_values=(2.0,), lams=(1.0,), n_delta=200)
    >>> sorted(r["quantity"] for r in rows)
    ['dz2_ds1sq_first_order', 'z2_first_order', 'z2_lemma1', 'z2_lemma1_delta0']
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from theory.engine.constructors import random_near_identity_u, u_eq15
from theory.engine.first_order import (
    dz2_ds1sq_first_order_derived,
    lemma1_z_eq15,
    z_first_order_delta,
)
from theory.engine.fixed_points import solve_fixed_points
from theory.engine.sensitivities import dz_ds2

# z2_lemma1: Lemma 1 with α₀* of Eq. 56 (W(A_ii)/A_ii); z2_lemma1_delta0: with α₀* at δ = 0.
QUANTITIES = ("z2_first_order", "dz2_ds1sq_first_order", "z2_lemma1", "z2_lemma1_delta0")
# Thresholds reported at s2 = 1 for these s1 and λ (from λ ≪ s² to λ ≫ s²).
THRESHOLD_S1 = (2.0, 5.0, 10.0)
THRESHOLD_LAMS = (0.01, 1.0, 100.0)
# δ ∈ (0, 1): the end points are excluded (δ = 1 makes U a signed permutation with
# c = 0, where Eq. 15 stops being a perturbation of I).
DELTA_LO, DELTA_HI = 1e-3, 0.999


def _rel(approx: np.ndarray, exact: np.ndarray) -> np.ndarray:
    # Absolute error where the exact value is exactly 0 would be division by 0: the
    # tiny floor only guards that; it never changes a finite ratio at float64.
    return np.abs(approx - exact) / np.maximum(np.abs(exact), 1e-300)


def quantity_errors(s1: np.ndarray, s2: np.ndarray, lam: np.ndarray, delta: np.ndarray) -> dict[str, np.ndarray]:
    """Relative errors of the three first-order quantities, batched (any broadcast shape).

    Returns:
        Dict quantity → relative error array, plus ``"dz2_exact_eq10"``,
        ``"dz2_first_order"`` (signed values) and ``"z2_exact"``.
    """
    s1, s2, lam, delta = np.broadcast_arrays(*(np.asarray(a, float) for a in (s1, s2, lam, delta)))
    s = np.stack([s1, s2], -1)
    U = u_eq15(delta)
    fp = solve_fixed_points(s, U, lam, "eq10")
    z2 = fp.z[..., 1]
    dz = dz_ds2(s, U, lam, "eq10", result=fp)[..., 1, 0]
    z2_fo = z_first_order_delta(s1, s2, lam, delta)[..., 1]
    z2_l1 = lemma1_z_eq15(s1, s2, lam, delta)[..., 1]
    z2_l0 = lemma1_z_eq15(s1, s2, lam, delta, alpha0="delta0")[..., 1]
    dz_fo = dz2_ds1sq_first_order_derived(s1, s2, lam, delta)
    return {
        "z2_first_order": _rel(z2_fo, z2),
        "z2_lemma1": _rel(z2_l1, z2),
        "z2_lemma1_delta0": _rel(z2_l0, z2),
        "dz2_ds1sq_first_order": _rel(dz_fo, dz),
        "dz2_exact_eq10": dz,
        "dz2_first_order": dz_fo,
        "z2_exact": z2,
    }


# Fewest δ grid points for the thresholds: 0 or 1 points bracket nothing (every
# threshold would read "never"); with a spacing above 0.01 a quantity that crosses the
# level and comes back between two points (the sign of dz2*/ds1² can) is missed.
MIN_N_DELTA = 100


def _check_n_delta(n_delta: int) -> None:
    if not isinstance(n_delta, (int, np.integer)) or isinstance(n_delta, bool) or n_delta < MIN_N_DELTA:
        raise ValueError(f"n_delta must be an integer >= {MIN_N_DELTA} (a coarser δ grid misses crossings); "
                         f"got {n_delta!r}")


def _first_crossings(f: Callable[[np.ndarray], np.ndarray], grid: np.ndarray, level: float,
                     n_rows: int, iters: int = 50) -> list[float | None]:
    """Per row r, the smallest x on ``grid`` (refined by bisection) where f(x)[r] ≥ level; None
    if never. All rows are bisected together: ``f`` maps x [n_rows, k] to values [n_rows, k]
    (row r evaluated at its own points), so each halving is one batched call, not one per row."""
    vals = f(np.broadcast_to(grid, (n_rows, grid.size)).copy())
    hit = vals >= level
    found = hit.any(axis=1)
    k = np.argmax(hit, axis=1)                       # first crossing on the grid (0 if none)
    lo = grid[np.maximum(k - 1, 0)].astype(float)
    hi = grid[k].astype(float)
    refine = found & (k > 0)
    # 50 halvings of an interval < 1e-3 wide reach float64 resolution in δ.
    if refine.any():
        rows = np.flatnonzero(refine)
        lo_r, hi_r = lo[rows], hi[rows]
        for _ in range(iters):
            mid = 0.5 * (lo_r + hi_r)
            x = np.broadcast_to(mid[:, None], (rows.size, 1)).copy()
            up = _rows_at(f, x, rows, n_rows) >= level
            hi_r = np.where(up, mid, hi_r)
            lo_r = np.where(up, lo_r, mid)
        hi[rows] = hi_r
    return [float(hi[r]) if found[r] else None for r in range(n_rows)]


def _rows_at(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, rows: np.ndarray, n_rows: int) -> np.ndarray:
    """f at x [len(rows), 1] for the given rows only: the other rows get a placeholder point
    (the grid's first) that is evaluated and discarded, so ``f`` always sees all n_rows."""
    full = np.full((n_rows, 1), DELTA_LO)
    full[rows] = x
    return f(full)[rows, 0]


def thresholds(
    s1_values: Sequence[float] = THRESHOLD_S1,
    lams: Sequence[float] = THRESHOLD_LAMS,
    s2: float = 1.0,
    level: float = 0.10,
    n_delta: int = 2000,
) -> list[dict]:
    """Smallest δ ∈ (0, 1) where each first-order quantity's relative error reaches ``level``.

    A δ grid of ``n_delta`` points finds the first crossing, then bisection refines it; every
    (λ, s1, quantity) is one row of one batched computation.

    Returns:
        A list of ``{"quantity", "s1", "s2", "lam", "delta_10pct"}`` (None: never reached).
    """
    _check_n_delta(n_delta)
    grid = np.linspace(DELTA_LO, DELTA_HI, n_delta)
    combos = [(float(lam), float(s1), q) for lam in lams for s1 in s1_values for q in QUANTITIES]
    lam_r = np.array([c[0] for c in combos])[:, None]
    s1_r = np.array([c[1] for c in combos])[:, None]
    q_idx = {q: i for i, q in enumerate(QUANTITIES)}
    pick = np.array([q_idx[c[2]] for c in combos])

    def f(d: np.ndarray) -> np.ndarray:
        errs = quantity_errors(np.broadcast_to(s1_r, d.shape), np.full_like(d, s2),
                               np.broadcast_to(lam_r, d.shape), d)
        return np.stack([errs[q] for q in QUANTITIES])[pick, np.arange(len(combos))]

    found = _first_crossings(f, grid, level, len(combos))
    return [{"quantity": q, "s1": s1, "s2": float(s2), "lam": lam, "delta_10pct": t}
            for (lam, s1, q), t in zip(combos, found, strict=True)]


def sign_thresholds(
    s1_values: Sequence[float] = THRESHOLD_S1,
    lams: Sequence[float] = THRESHOLD_LAMS,
    s2: float = 1.0,
    n_delta: int = 2000,
) -> list[dict]:
    """Smallest δ where the exact dz2*/ds1² (Eq. 10 and Eq. 9) stops being negative."""
    _check_n_delta(n_delta)
    grid = np.linspace(DELTA_LO, DELTA_HI, n_delta)
    rows = []
    for dyn in ("eq10", "eq9"):
        combos = [(float(lam), float(s1)) for lam in lams for s1 in s1_values]
        lam_r = np.array([c[0] for c in combos])[:, None]
        s1_r = np.array([c[1] for c in combos])[:, None]

        def f(d: np.ndarray, dyn=dyn, lam_r=lam_r, s1_r=s1_r) -> np.ndarray:
            s = np.stack([np.broadcast_to(s1_r, d.shape), np.full_like(d, s2)], -1)
            return dz_ds2(s, u_eq15(d), np.broadcast_to(lam_r, d.shape).copy(), dyn)[..., 1, 0]

        found = _first_crossings(f, grid, 0.0, len(combos))
        rows += [{"dynamics": dyn, "s1": s1, "s2": float(s2), "lam": lam, "delta_sign_flip": t}
                 for (lam, s1), t in zip(combos, found, strict=True)]
    return rows


@dataclass
class Maps:
    """Error maps on a (δ, s1/s2) grid for one λ (s2 = 1)."""

    lam: float
    deltas: np.ndarray
    ratios: np.ndarray
    errors: dict[str, np.ndarray] = field(default_factory=dict)  # [ratio, delta]
    sign_mismatch: np.ndarray | None = None  # first-order vs exact sign disagree
    exact_sign_fails: np.ndarray | None = None  # exact dz2*/ds1² ≥ 0


def error_maps(lam: float, n: int = 200, ratio_max: float = 10.0) -> Maps:
    """Relative-error maps over δ ∈ (0, 1) × s1/s2 ∈ (1, ratio_max] at s2 = 1."""
    deltas = np.linspace(DELTA_LO, DELTA_HI, n)
    # s1/s2 = 1 exactly makes dz2*/ds1² vanish to first order (e^{W1} = e^{W2}); start just above.
    ratios = np.linspace(1.0 + 1e-3, ratio_max, n)
    R, D = np.meshgrid(ratios, deltas, indexing="ij")
    q = quantity_errors(R, np.ones_like(R), np.full_like(R, lam), D)
    m = Maps(lam, deltas, ratios)
    m.errors = {k: q[k] for k in QUANTITIES}
    m.sign_mismatch = np.sign(q["dz2_first_order"]) != np.sign(q["dz2_exact_eq10"])
    m.exact_sign_fails = q["dz2_exact_eq10"] >= 0
    return m


def taylor_curve(ratios: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Eq. 10 vs Eq. 9 for one uncoupled feature (n = 1): relative error of α* and z*.

    Args:
        ratios: Values of λ/s² (default: 1e-4 … 1e2, log-spaced).
    """
    r = np.logspace(-4, 2, 121) if ratios is None else np.asarray(ratios, float)
    s = np.ones(r.shape + (1,))
    U = np.ones((1, 1))
    e9 = solve_fixed_points(s, U, r, "eq9")
    e10 = solve_fixed_points(s, U, r, "eq10")
    return {"lam_over_s2": r, "alpha_eq9": e9.alpha[..., 0], "alpha_eq10": e10.alpha[..., 0],
            "rel_err_alpha": _rel(e10.alpha[..., 0], e9.alpha[..., 0]),
            "rel_err_z": _rel(e10.z[..., 0], e9.z[..., 0])}


def taylor_map(delta: float = 0.3, n: int = 200) -> dict[str, np.ndarray]:
    """max_i relative error of z* (Eq. 10 vs Eq. 9) over log10 λ ∈ [−3, 3] × s1/s2 ∈ [1, 10]."""
    lams = np.logspace(-3, 3, n)
    ratios = np.linspace(1.0, 10.0, n)
    R, L = np.meshgrid(ratios, lams, indexing="ij")
    s = np.stack([R, np.ones_like(R)], -1)
    U = u_eq15(np.full_like(R, delta))
    z9 = solve_fixed_points(s, U, L, "eq9").z
    z10 = solve_fixed_points(s, U, L, "eq10").z
    return {"lams": lams, "ratios": ratios, "delta": np.float64(delta),
            "rel_err_z": np.max(_rel(z10, z9), axis=-1)}


def ndim_starvation(
    ns: Sequence[int] = (3, 5, 10),
    deltas: Sequence[float] = (0.01, 0.05, 0.1, 0.2, 0.3, 0.5),
    samples: int = 200,
    lam: float = 1.0,
    seed: int = 0,
) -> list[dict]:
    """Fraction of ordered pairs (i, j), s_i > s_j, with dz_j*/ds_i² < 0 (Definition 2).

    For each n and δ: ``samples`` random near-identity U (``random_near_identity_u``)
    and singular values log-uniform in [1, 10]; Eq. 10 and Eq. 9.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for n in ns:
        for d in deltas:
            U = random_near_identity_u(n, d, size=(samples,), rng=rng)
            s = np.exp(rng.uniform(0.0, np.log(10.0), size=(samples, n)))
            stronger = s[:, None, :] > s[:, :, None]  # [b, j, i]: s_i > s_j (row j = response)
            for dyn in ("eq10", "eq9"):
                J = dz_ds2(s, U, np.full(samples, lam), dyn)  # [b, j, i] = dz_j/ds_i²
                starving = (J < 0) & stronger
                rows.append({"n": int(n), "delta": float(d), "dynamics": dyn,
                             "pairs": int(stronger.sum()),
                             "fraction_starving": float(starving.sum() / stronger.sum())})
    return rows


# ----------------------------------------------------------------------- full probe run

MAP_LAMS = (0.01, 1.0, 100.0)


def run_probe(grid: int = 200, *, n_delta: int = 2000, ndim_samples: int = 200, seed: int = 0,
              progress: Callable[[str], None] | None = None) -> dict:
    """All probes: maps for each λ in MAP_LAMS, thresholds, sign flips, Taylor curve, n > 2.

    Args:
        grid: Points per axis of each map (≥ 10).
        n_delta: δ grid of the thresholds (≥ MIN_N_DELTA).
        ndim_samples: Random U per (n, δ) of the n > 2 probe.
        seed: Seed of the n > 2 probe.
        progress: Called with a one-line message before each phase (e.g. print to stderr).

    Returns:
        A JSON-serialisable dict (``thresholds``, ``sign_thresholds``, ``taylor``,
        ``ndim``, ``map_summary``) and, under ``"_arrays"``, the raw grids for plotting/npz.
    """
    if not isinstance(grid, (int, np.integer)) or isinstance(grid, bool) or grid < 10:
        raise ValueError(f"grid must be an integer >= 10 points per axis; got {grid!r}")
    _check_n_delta(n_delta)
    say = progress or (lambda _msg: None)
    t0 = time.perf_counter()
    maps = []
    for i, lam in enumerate(MAP_LAMS, 1):
        say(f"probe: error maps {i}/{len(MAP_LAMS)} (λ = {lam:g}, {grid}x{grid}) [{time.perf_counter() - t0:.0f} s]")
        maps.append(error_maps(lam, grid))
    say(f"probe: Taylor step (Eq. 10 vs Eq. 9) [{time.perf_counter() - t0:.0f} s]")
    tc = taylor_curve()
    tm = taylor_map(n=grid)
    summary = []
    for m in maps:
        row = {"lam": m.lam, "grid": [len(m.ratios), len(m.deltas)],
               "fraction_sign_mismatch_first_order": float(m.sign_mismatch.mean()),
               "fraction_exact_sign_fails": float(m.exact_sign_fails.mean())}
        for q, e in m.errors.items():
            row[f"fraction_{q}_over_10pct"] = float((e >= 0.10).mean())
            row[f"fraction_{q}_over_1pct"] = float((e >= 0.01).mean())
        summary.append(row)
    say(f"probe: 10 % thresholds and sign flips ({n_delta} δ points) [{time.perf_counter() - t0:.0f} s]")
    thr = thresholds(n_delta=n_delta)
    sthr = sign_thresholds(n_delta=n_delta)
    say(f"probe: n > 2 starvation ({ndim_samples} samples) [{time.perf_counter() - t0:.0f} s]")
    out = {
        "thresholds": thr,
        "sign_thresholds": sthr,
        "taylor": {"lam_over_s2": tc["lam_over_s2"][::10].tolist(),
                   "rel_err_z": tc["rel_err_z"][::10].tolist()},
        "ndim": ndim_starvation(samples=ndim_samples, seed=seed),
        "map_summary": summary,
        "_arrays": {"maps": maps, "taylor_curve": tc, "taylor_map": tm,
                    "ndim_settings": {"samples": int(ndim_samples), "seed": int(seed)}},
    }
    return out


def figures(result: dict) -> dict:
    """Matplotlib figures of a ``run_probe`` result: name → Figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arrays = result["_arrays"]
    maps: list[Maps] = arrays["maps"]
    figs = {}
    titles = {"z2_lemma1": "z2* from Lemma 1 (Eq. 14)", "z2_lemma1_delta0": "z2* from Lemma 1, α0* at δ = 0",
              "z2_first_order": "z2* to first order (Eq. 64)",
              "dz2_ds1sq_first_order": "dz2*/ds1² first order (Eq. 65)"}
    fig, axes = plt.subplots(len(QUANTITIES), len(maps), figsize=(4.2 * len(maps), 3.6 * len(QUANTITIES)),
                             squeeze=False, constrained_layout=True)
    for c, m in enumerate(maps):
        for r, q in enumerate(QUANTITIES):
            ax = axes[r][c]
            e = np.log10(np.maximum(m.errors[q], 1e-16))
            im = ax.pcolormesh(m.deltas, m.ratios, e, vmin=-8, vmax=1, shading="auto", cmap="viridis")
            cs = ax.contour(m.deltas, m.ratios, e, levels=[-2, -1], colors=["w", "r"], linewidths=1)
            ax.clabel(cs, fmt={-2: "1%", -1: "10%"}, fontsize=7)
            if q == "dz2_ds1sq_first_order":
                ax.contourf(m.deltas, m.ratios, m.exact_sign_fails.astype(float), levels=[0.5, 1.5],
                            hatches=["//"], colors="none")
            ax.set_title(f"{titles[q]}\nλ = {m.lam:g}", fontsize=9)
            ax.set_xlabel("δ")
            ax.set_ylabel("s1/s2")
            fig.colorbar(im, ax=ax, label="log10 rel. error")
    figs["first_order_error_maps"] = fig

    tc = arrays["taylor_curve"]
    fig, ax = plt.subplots(figsize=(5, 3.6), constrained_layout=True)
    ax.loglog(tc["lam_over_s2"], tc["rel_err_alpha"], label="α* (Eq. 10 vs Eq. 9)")
    r = tc["lam_over_s2"]
    from scipy.special import lambertw

    L = np.real(lambertw(1.0 / r))
    ax.loglog(r, r**2 * L**2 / (2 * (1 + L)), "--", label="r² W(1/r)² / (2(1+W(1/r)))")
    ax.set_xlabel("r = λ/s²")
    ax.set_ylabel("relative error")
    ax.legend(fontsize=8)
    figs["taylor_step_error"] = fig

    tm = arrays["taylor_map"]
    fig, ax = plt.subplots(figsize=(5, 3.6), constrained_layout=True)
    im = ax.pcolormesh(np.log10(tm["lams"]), tm["ratios"], np.log10(np.maximum(tm["rel_err_z"], 1e-16)),
                       shading="auto", cmap="magma")
    ax.set_xlabel("log10 λ (s2 = 1)")
    ax.set_ylabel("s1/s2")
    ax.set_title(f"z*: Eq. 10 vs Eq. 9, δ = {float(tm['delta']):g}", fontsize=9)
    fig.colorbar(im, ax=ax, label="log10 max rel. error")
    figs["taylor_step_map"] = fig

    nd = result["ndim"]
    fig, ax = plt.subplots(figsize=(5, 3.6), constrained_layout=True)
    for n in sorted({r["n"] for r in nd}):
        rows = [r for r in nd if r["n"] == n and r["dynamics"] == "eq10"]
        ax.plot([r["delta"] for r in rows], [r["fraction_starving"] for r in rows], "o-", label=f"n = {n}")
    ax.axhline(1.0, color="k", lw=0.5)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("coupling δ")
    ax.set_ylabel("fraction of pairs s_i > s_j with dz_j*/ds_i² < 0")
    ax.legend(fontsize=8)
    figs["ndim_starvation"] = fig
    return figs


def figure_captions(result: dict) -> dict[str, str]:
    """Captions of :func:`figures`: what each shows and with which parameters (grids, λ, δ, n, seed)."""
    a = result["_arrays"]
    m0 = a["maps"][0]
    lams = ", ".join(f"{m.lam:g}" for m in a["maps"])
    tc, tm, nd = a["taylor_curve"], a["taylor_map"], result["ndim"]
    ns = sorted({r["n"] for r in nd})
    return {
        "first_order_error_maps": (
            f"log10 relative error of the first-order z2* (Eq. 64), its sensitivity dz2*/ds1² (Eq. 65; hatched: "
            f"the exact sign differs) and Lemma 1 (Eq. 14; with α0* at δ = 0) against the exact fixed point, on a "
            f"{len(m0.ratios)}×{len(m0.deltas)} grid of s1/s2 ∈ [{m0.ratios.min():g}, {m0.ratios.max():g}] and "
            f"δ ∈ [{m0.deltas.min():g}, {m0.deltas.max():g}], s2 = 1, one column per λ ∈ {{{lams}}}; "
            f"contours at 1 % (white) and 10 % (red)."),
        "taylor_step_error": (
            f"Relative error of α* from the Taylor-step dynamics (Eq. 10) against the exact Eq. 9, one uncoupled "
            f"feature (n = 1), r = λ/s² from {tc['lam_over_s2'].min():g} to {tc['lam_over_s2'].max():g} "
            f"({len(tc['lam_over_s2'])} points), with the closed form r² W(1/r)² / (2(1 + W(1/r)))."),
        "taylor_step_map": (
            f"log10 max relative error of z* between Eq. 10 and Eq. 9 for two features at δ = {float(tm['delta']):g}, "
            f"s2 = 1, on a grid of λ ∈ [{np.min(tm['lams']):g}, {np.max(tm['lams']):g}] × "
            f"s1/s2 ∈ [{np.min(tm['ratios']):g}, {np.max(tm['ratios']):g}]."),
        "ndim_starvation": (
            f"Fraction of ordered pairs s_i > s_j with dz_j*/ds_i² < 0 (Definition 2, Eq. 10) against the coupling "
            f"δ, for n ∈ {{{', '.join(map(str, ns))}}}, λ = 1, random near-identity U and singular values "
            f"log-uniform in [1, 10] ({a['ndim_settings']['samples']} samples per (n, δ), seed "
            f"{a['ndim_settings']['seed']})."),
    }


def summary_markdown(result: dict) -> str:
    """The breakdown thresholds as a Markdown section for the report."""
    lines = ["## Breakdown thresholds (s2 = 1): smallest δ where the relative error reaches 10 %", "",
             "| quantity | s1 | λ | δ at 10 % |", "|---|---|---|---|"]
    for r in result["thresholds"]:
        d = "never in (0, 1)" if r["delta_10pct"] is None else f"{r['delta_10pct']:.4f}"
        lines.append(f"| {r['quantity']} | {r['s1']:g} | {r['lam']:g} | {d} |")
    lines += ["", "## Exact sign of Theorem 2: smallest δ where dz2*/ds1² ≥ 0", "",
              "| dynamics | s1 | λ | δ where the sign flips |", "|---|---|---|---|"]
    for r in result["sign_thresholds"]:
        d = "never" if r["delta_sign_flip"] is None else f"{r['delta_sign_flip']:.6f}"
        lines.append(f"| {r['dynamics']} | {r['s1']:g} | {r['lam']:g} | {d} |")
    lines += ["", "## n > 2: fraction of pairs with s_i > s_j where feature i starves feature j", "",
              "| n | δ | dynamics | pairs | fraction |", "|---|---|---|---|---|"]
    for r in result["ndim"]:
        lines.append(f"| {r['n']} | {r['delta']:g} | {r['dynamics']} | {r['pairs']} | {r['fraction_starving']:.3f} |")
    lines += ["", "## Map summary", "", "| λ | grid | sign mismatch (1st order) | exact sign fails | "
              + " | ".join(f"{q} > 10 %" for q in QUANTITIES) + " |",
              "|---|---|---|---|" + "---|" * len(QUANTITIES)]
    for r in result["map_summary"]:
        lines.append(f"| {r['lam']:g} | {r['grid'][0]}×{r['grid'][1]} | {r['fraction_sign_mismatch_first_order']:.3f} | "
                     f"{r['fraction_exact_sign_fails']:.3f} | "
                     + " | ".join(f"{r[f'fraction_{q}_over_10pct']:.3f}" for q in QUANTITIES) + " |")
    return "\n".join(lines) + "\n"


def write_probe(result: dict, out) -> None:
    """Write grids (.npz), thresholds (CSV, JSON), figures (PNG) and a summary into ``out``.

    The folder is built beside ``out`` and swapped in whole (``theory.outdir``), so an
    interrupted run leaves the previous folder as it was. An existing ``out`` is
    replaced only if it is empty or a probe folder written here (``probe.json``).
    """
    import csv
    import json

    from theory.outdir import check_output_folder, new_build_folder, swap_in

    target = check_output_folder(out, "out")
    if target.is_dir() and any(target.iterdir()) and not (target / "probe.json").is_file():
        raise ValueError(f"out: {target} holds files that are not a probe's (no probe.json); "
                         "refusing to replace it: give a new or empty folder")
    build = new_build_folder(target)
    try:
        _write_probe_files(result, build, csv, json)
        swap_in(build, target)
    except BaseException:
        import shutil

        shutil.rmtree(build, ignore_errors=True)
        raise


def _write_probe_files(result: dict, out, csv, json) -> None:
    arrays = result["_arrays"]
    npz = {}
    for m in arrays["maps"]:
        key = f"lam{m.lam:g}"
        npz[f"{key}_deltas"], npz[f"{key}_ratios"] = m.deltas, m.ratios
        for q, e in m.errors.items():
            npz[f"{key}_{q}"] = e
        npz[f"{key}_exact_sign_fails"] = m.exact_sign_fails
    for k, v in arrays["taylor_curve"].items():
        npz[f"taylor_{k}"] = v
    np.savez_compressed(out / "probe_grids.npz", **npz)
    with open(out / "thresholds.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["quantity", "s1", "s2", "lam", "delta_10pct"])
        w.writeheader()
        w.writerows(result["thresholds"])
    (out / "summary.md").write_text(summary_markdown(result))
    for name, fig in figures(result).items():
        fig.savefig(out / f"{name}.png", dpi=110, metadata={"Software": None})
    # probe.json last: it marks a complete probe folder
    (out / "probe.json").write_text(json.dumps({k: v for k, v in result.items() if k != "_arrays"}, indent=1) + "\n")
