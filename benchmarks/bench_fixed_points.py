"""Benchmark of theory.engine fixed points, n = 50 solves and batched ODE trajectories.

Usage:
    python benchmarks/bench_fixed_points.py --points 100000 [--scipy-points N] [--seed 0]
        [--baseline /path/to/other/checkout] [--hard [--hard-points 2000]]

--baseline times that checkout's theory/engine/fixed_points.py on the same n = 2 points
in the same run (interleaved repeats) and prints the throughput ratio. --hard solves
the whole hard suite (theory.engine.hard_suite: n = 2 … 50, s ratios to 1e6, λ in
[1e-8, 1e8], |δ| to 1 − 1e-9, B.5 |γ| to 1e3) and prints per-batch throughput,
iteration counts and failures (expected 0).

Prints figures measured in this run (ratios, never absolute promises) and ends with
one JSON line: points_per_s, scipy_root_points_per_s, ratio, wrong_ours, wrong_scipy.
A point is wrong when its max-norm residual of Eq. 10, evaluated independently here,
exceeds 1e-9 (or is not finite).

Reference: a per-point ``scipy.optimize.root`` loop (method "hybr", analytic
Jacobian not supplied, started at the uncoupled fixed point α_i = W(A_ii)/A_ii, in α
coordinates, the natural form of Eq. 10). If --scipy-points < --points the loop is
timed on that subset and its rate extrapolated (stated in the output).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc
import warnings

import numpy as np
import scipy.optimize
from scipy.special import lambertw

from theory.engine import NonConvergenceError, dual_ode, random_near_identity_u, solve_fixed_points
from theory.engine.constructors import random_admissible_eq15
from theory.engine.hard_suite import hard_suite
from _args import Parser, at_least  # benchmarks/ is on sys.path when a script runs


def load_baseline(root):
    """solve_fixed_points of another checkout (its fixed_points.py loaded under a new name)."""
    import importlib.util
    import sys

    path = os.path.join(root, "theory", "engine", "fixed_points.py")
    spec = importlib.util.spec_from_file_location("baseline_fixed_points", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["baseline_fixed_points"] = mod
    spec.loader.exec_module(mod)
    return mod.solve_fixed_points


def run_hard(points_per_batch, seed):
    """Solve the hard suite batch by batch; print throughput, iterations and failures."""
    total = fails = 0
    wall = cpu = 0.0
    its = []
    for b in hard_suite(points_per_batch, seed):
        t0, c0 = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                r = solve_fixed_points(b.s, b.U, b.lam, b.dynamics, y=b.y,
                                       gamma=0.0 if b.gamma is None else b.gamma)
                it = r.iterations
                msg = (f"iterations mean {it.mean():.2f} p99 {np.percentile(it, 99):.0f} max {it.max()}; "
                       f"max relative residual {r.relative_residual.max():.1e}")
                its.append(it.ravel())
            except NonConvergenceError as exc:
                fails += exc.count
                msg = f"FAILED {exc.count}: {exc}"
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        wall, cpu, total = wall + dt, cpu + dc, total + b.lam.size
        print(f"[hard n={b.n:>2} {b.dynamics:>4}] {b.lam.size} points, {b.lam.size / dt:,.0f} points/s; {msg}")
    it = np.concatenate(its) if its else np.zeros(1)
    print(f"[hard suite] {total} points, {fails} failures; {total / wall:,.0f} points/s wall, "
          f"{total / cpu:,.0f} points per CPU-second; iterations mean {it.mean():.2f}, "
          f"p99 {np.percentile(it, 99):.0f}, max {it.max()}")
    return {"hard_points": total, "hard_failures": fails, "hard_points_per_s": round(total / wall),
            "hard_iterations_mean": round(float(it.mean()), 2), "hard_iterations_max": int(it.max())}


def eq10_residual(alpha, s, U, lam):
    """max |−log α − A α| per point, A = λ⁻¹ U (S² + λI) Uᵀ (independent of the engine)."""
    A = np.einsum("...ik,...k,...jk->...ij", U, s**2 + lam[..., None], U) / lam[..., None, None]
    with np.errstate(all="ignore"):
        F = -np.log(alpha) - np.einsum("...ij,...j->...i", A, alpha)
    r = np.max(np.abs(F), axis=-1)
    return np.where(np.isfinite(r), r, np.inf)


def best_time(f, repeats):
    """Best wall time and best CPU time (process_time, all threads) over repeats."""
    best = best_cpu = np.inf
    out = None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = f()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best, out, best_cpu


def main() -> None:
    ap = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=at_least(1), default=100000)
    ap.add_argument("--scipy-points", type=at_least(1), default=None, help="subset for the scipy loop (default: all)")
    ap.add_argument("--n50-points", type=at_least(1), default=2000)
    ap.add_argument("--trajectories", type=at_least(1), default=1000)
    ap.add_argument("--repeats", type=at_least(1), default=5)
    ap.add_argument("--seed", type=at_least(0), default=0)
    ap.add_argument("--baseline", default=None, help="another checkout whose solver is timed on the same points")
    ap.add_argument("--hard", action="store_true", help="also solve the whole hard suite")
    ap.add_argument("--hard-points", type=at_least(1), default=2000, help="points per (n, system) batch of the hard suite")
    a = ap.parse_args()
    if a.baseline is not None and not os.path.isdir(a.baseline):
        ap.error(f"--baseline must be an existing checkout folder; got {a.baseline!r}")

    s, U, lam, _ = random_admissible_eq15(a.points, a.seed)
    solve_fixed_points(s[:1000], U[:1000], lam[:1000], "eq10")  # warm-up
    t_ours, r, cpu_ours = best_time(lambda: solve_fixed_points(s, U, lam, "eq10"), a.repeats)
    res_ours = eq10_residual(r.alpha, s, U, lam)
    wrong_ours = int(np.sum(~(res_ours <= 1e-9)))
    pps = a.points / t_ours
    load = os.getloadavg()[0]
    print(f"[machine] {os.cpu_count()} cores, 1-min load average {load:.2f} at start (other processes share the cores)")
    print(f"[n=2, Eq. 10] {a.points} points: best of {a.repeats} = {t_ours * 1e3:.1f} ms -> {pps:,.0f} points/s "
          f"(CPU time {cpu_ours * 1e3:.1f} ms -> {a.points / cpu_ours:,.0f} points per CPU-second); "
          f"iterations mean {r.iterations.mean():.2f} max {r.iterations.max()}; "
          f"max residual (engine) {r.residual.max():.2e}, (independent) {res_ours.max():.2e}")
    for dyn in ("eq9", "sd"):
        t, rr, _ = best_time(lambda dyn=dyn: solve_fixed_points(s, U, lam, dyn), max(1, a.repeats // 2))
        print(f"[n=2, {dyn}] {a.points / t:,.0f} points/s, iterations mean {rr.iterations.mean():.2f} max {rr.iterations.max()}")
    extra = {}
    if a.baseline:
        base = load_baseline(a.baseline)
        for dyn in ("eq10", "eq9"):
            base(s[:1000], U[:1000], lam[:1000], dyn)
            tb = to = cb = co = np.inf
            for _ in range(a.repeats):  # interleaved, so that load changes hit both alike
                t1, _, c1 = best_time(lambda dyn=dyn: base(s, U, lam, dyn), 1)
                t2, _, c2 = best_time(lambda dyn=dyn: solve_fixed_points(s, U, lam, dyn), 1)
                tb, cb, to, co = min(tb, t1), min(cb, c1), min(to, t2), min(co, c2)
            print(f"[n=2, {dyn}] this checkout / baseline {a.baseline}: {tb / to:.2f}x (wall), "
                  f"{cb / co:.2f}x (CPU time); this {a.points / to:,.0f} points/s, baseline {a.points / tb:,.0f}")
            extra[f"ratio_vs_baseline_{dyn}_cpu"] = round(cb / co, 3)

    ns = a.points if a.scipy_points is None else min(a.scipy_points, a.points)
    A = np.einsum("pik,pk,pjk->pij", U[:ns], s[:ns] ** 2 + lam[:ns, None], U[:ns]) / lam[:ns, None, None]
    diag = np.diagonal(A, axis1=1, axis2=2)
    x0 = np.real(lambertw(diag)) / diag
    alpha_sp = np.empty((ns, 2))
    t0, c0 = time.perf_counter(), time.process_time()
    with np.errstate(all="ignore"):
        for i in range(ns):
            Ai = A[i]
            sol = scipy.optimize.root(lambda al, Ai=Ai: -np.log(al) - Ai @ al, x0[i], method="hybr")
            alpha_sp[i] = sol.x
    t_sp = time.perf_counter() - t0
    cpu_sp = time.process_time() - c0
    sp_pps = ns / t_sp
    res_sp = eq10_residual(alpha_sp, s[:ns], U[:ns], lam[:ns])
    wrong_sp = int(np.sum(~(res_sp <= 1e-9)))
    note = "" if ns == a.points else f" (timed on {ns} of {a.points} points; rate extrapolated, wrong counted on the subset)"
    print(f"[scipy.optimize.root loop] {ns} points in {t_sp:.2f} s -> {sp_pps:,.0f} points/s; "
          f"wrong (residual > 1e-9 or NaN): {wrong_sp}, max residual {np.max(res_sp):.3g}{note}")
    print(f"ratio ours / scipy loop = {pps / sp_pps:,.0f}x (wall), {(a.points / cpu_ours) / (ns / cpu_sp):,.0f}x (CPU time)")

    if a.hard:
        extra.update(run_hard(a.hard_points, a.seed))

    # n = 50, random near-identity U = expm(δΩ), δ ~ U(1e-3, 0.1), s and λ as above.
    rng = np.random.default_rng(a.seed + 1)
    P = a.n50_points
    s50 = 10 ** rng.uniform(-1, 1, (P, 50))
    lam50 = 10 ** rng.uniform(-2, 2, P)
    U50 = np.concatenate([random_near_identity_u(50, d, (P // 10,), rng) for d in rng.uniform(1e-3, 0.1, 10)])
    P = U50.shape[0]
    s50, lam50 = s50[:P], lam50[:P]
    tracemalloc.start()
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r50 = solve_fixed_points(s50, U50, lam50, "eq10")
    t50 = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"[n=50, Eq. 10] {P} points in {t50:.2f} s -> {P / t50:,.0f} points/s; peak traced memory "
          f"{peak / 2**20:.0f} MiB (inputs U: {U50.nbytes / 2**20:.0f} MiB); iterations mean "
          f"{r50.iterations.mean():.2f} max {r50.iterations.max()}; max residual {r50.residual.max():.2e}; "
          f"points with some alpha_i >= 1 (Eq. 10 has no barrier): {int(r50.alpha_ge_one.sum())}"
          + (f", max alpha {r50.alpha.max():.3f}" if caught else ""))

    # 1,000 ODE trajectories (n = 2, Eq. 10) to steady state, one stacked BDF system.
    T = a.trajectories
    st, Ut, lt, _ = random_admissible_eq15(T, a.seed + 2)
    t0 = time.perf_counter()
    tr = dual_ode(st, Ut, lt, "eq10", rng=a.seed, steady_tol=1e-10)
    t_ode = time.perf_counter() - t0
    fp = solve_fixed_points(st, Ut, lt, "eq10")
    print(f"[ODE, Eq. 10] {T} trajectories to max|F| <= 1e-10 in {t_ode:.2f} s (t_end reached {tr.t[-1]:.2f}, "
          f"{len(tr.t)} steps, {tr.nfev} RHS evaluations); max |alpha(T) - alpha*| = "
          f"{np.max(np.abs(tr.alpha[-1] - fp.alpha)):.2e}")

    print(json.dumps({
        "points_per_s": round(pps),
        "scipy_root_points_per_s": round(sp_pps),
        "ratio": round(pps / sp_pps, 1),
        "wrong_ours": wrong_ours,
        "wrong_scipy": wrong_sp,
        "points_per_cpu_s": round(a.points / cpu_ours),
        "load_avg_1min": round(load, 2),
        **extra,
    }))


if __name__ == "__main__":
    main()
