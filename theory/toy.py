"""Claims about the dynamics that only numerics can settle: App. B.1 toy, §3.2-3.3 prose.

Route: the printed statement (``theory.claims.toy``) against the numeric engine
(``theory.engine``: exact fixed points to 1e-12, exact sensitivities by implicit
differentiation, Newton on the primal loss in θ-space). Nothing here is symbolic, so
every check is numeric evidence and says so.

Example:
    >>> from theory.toy import comparisons
    >>> {c.claim_id: c.verdict.value for c in comparisons()}["b1_primal_dual"]
    'verified'
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from theory.claims import CLAIMS
from theory.claims.toy import PAIR_DZ
from theory.derivation import RECHECK_DPS, Check, Comparison, Derivation, Verdict, guarded, relation_op
from theory.engine.constructors import random_near_identity_u
from theory.engine.fixed_points import solve_fixed_points
from theory.engine.primal import primal_optimum
from theory.engine.sensitivities import dz_ds2

# App. B.1 does not state λ: the toy claims are checked on four decades around 1.
TOY_LAMS = np.logspace(-2, 2, 9)
# Fixed points are solved to a residual of 1e-12; z* inherits errors of that size
# times the conditioning (≤ 1e3 here), so 1e-8 separates "equal" from "different".
Z_ATOL = 1e-8


def _toy(name: str):
    c = CLAIMS[name].printed
    U = np.array(c["U"], dtype=float)
    return U, np.array(c["s1"], dtype=float), float(c["s2"])


#: Strength ratio above which a pair is decided by the first-order sign rule (gs_ndim).
SEPARATION = 1.2

#: The two decoupled cases of §3.2 and the equation each is printed in.
DECOUPLED_CASES = {"S² ∝ I (case 1)": "Eq. 12", "U a permutation matrix (case 2)": "Eq. 13"}


def which_case(U: sp.Matrix, S: sp.Matrix) -> str | None:
    """The equation of the decoupled case that (U, S) falls in, or None (exact arithmetic).

    Case 1 (Eq. 12): S² ∝ I, so U S² Uᵀ = s² I for orthogonal U. Case 2 (Eq. 13): U is a
    permutation matrix (entries in {0, 1}, one 1 per row), so U S² Uᵀ is diagonal.
    """
    S2 = sp.diag(*[v**2 for v in S])
    if all(v == S[0] for v in S):
        return DECOUPLED_CASES["S² ∝ I (case 1)"]
    is_perm = all(v in (0, 1) for v in U) and all(sum(U.row(i)) == 1 for i in range(U.rows))
    if is_perm:
        return DECOUPLED_CASES["U a permutation matrix (case 2)"]
    K = sp.simplify(U * S2 * U.T)
    if K.is_diagonal():  # decoupled, but by neither printed case
        return "U S² Uᵀ diagonal"
    return None


def _b1_decouple_cite() -> Comparison:
    claim = CLAIMS["b1_decouple_cite"]
    U, S, cites = claim.printed["U"], claim.printed["S"], claim.printed["cites"]
    if cites not in DECOUPLED_CASES.values():
        raise ValueError(f"b1_decouple_cite: cites must be one of {sorted(DECOUPLED_CASES.values())}; got {cites!r}")
    S2 = sp.diag(*[v**2 for v in S])
    K = sp.simplify(U * S2 * U.T)
    orth = sp.simplify(U * U.T) == sp.eye(U.rows)
    d = Derivation("Which decoupled case the B.1 toy with the printed S is")
    d.add(sp.Eq(sp.Symbol("U Uᵀ"), sp.simplify(U * U.T), evaluate=False), "U orthogonal (Definition 1)",
          Check("exact", bool(orth), "exact rational arithmetic"))
    d.add(sp.Eq(sp.Symbol("U S^2 U^T"), K, evaluate=False), "the coupling matrix of Eq. 9/10",
          Check("exact", True, "exact rational arithmetic"))
    derived = which_case(U, S)
    d.add(f"case: {derived}", "S² ∝ I → Eq. 12; U a permutation → Eq. 13; otherwise coupled")
    cited = {"printed": cites, "derived": derived}
    point = {"U": str(U.tolist()), "S": str(list(S))}
    if derived == cites:
        return Comparison("b1_decouple_cite", Verdict.VERIFIED, claim.printed, derived,
                          Check("exact", True, f"the printed setting falls in the case of {cites}"),
                          cited=cited, derivation=d, routes=("printed", "derived (exact rational arithmetic)"))
    if derived is None:
        return Comparison(
            "b1_decouple_cite", Verdict.REFUTED, claim.printed, "coupled",
            Check("counterexample", False, f"U S² Uᵀ = {K.tolist()} is not diagonal: the dynamics do not decouple"),
            counterexample={"point": point, "U S^2 U^T": str(K.tolist()), "exact": True,
                            "recheck_dps": RECHECK_DPS},
            cited=cited, derivation=d, routes=("printed", "derived (exact rational arithmetic)"))
    return Comparison(
        "b1_decouple_cite", Verdict.ERRATUM, claim.printed, derived,
        Check("counterexample", False, f"the printed setting is not in the case of {cites} (U = {U.tolist()}, "
              f"S = {list(S)}); it is in the case of {derived}"),
        corrected={**claim.printed, "cites": derived},
        corrected_check=Check("exact", True, f"U S² Uᵀ = {K.tolist()} (exact): the case of {derived} applies"),
        counterexample={"point": point, "printed_case": cites, "derived_case": derived, "exact": True,
                        "recheck_dps": RECHECK_DPS},
        cited=cited, routes=("printed", "derived (exact rational arithmetic)"), derivation=d,
        notes=f"The decoupling statement is true; the citation is wrong: it is the case of {derived}.")


def _b1_starvation() -> Comparison:
    U, s1, s2 = _toy("b1_starvation")
    L, S1 = np.meshgrid(TOY_LAMS, s1, indexing="ij")  # [λ, s1]
    s = np.stack([S1, np.full_like(S1, s2)], -1)
    lines = []
    ok_all = True
    worst = 0.0
    for dyn in ("eq9", "eq10"):
        fp = solve_fixed_points(s, U, L, dyn)
        dz = np.diff(fp.z, axis=1)  # along s1
        inc1 = np.all(dz[..., 0] > 0, axis=1)
        dec2 = np.all(dz[..., 1] < 0, axis=1)
        # Thm. 2's premise s1 > s2: at s1 = s2 the sensitivity vanishes (e^{W1} = e^{W2}).
        sens = dz_ds2(s, U, L, dyn, result=fp)[..., 1, 0][S1 > s2]
        ok = bool(np.all(inc1 & dec2) and np.all(sens < 0))
        ok_all &= ok
        worst = max(worst, float(np.max(sens)))
        lines.append(f"{dyn}: z1* increasing in s1 at {int(inc1.sum())}/{len(TOY_LAMS)} λ, z2* decreasing at "
                     f"{int(dec2.sum())}/{len(TOY_LAMS)} λ; exact dz2*/ds1² < 0 at "
                     f"{int((sens < 0).sum())}/{sens.size} points with s1 > s2 (max {np.max(sens):.3g})")
    chk = Check("numeric", ok_all, "; ".join(lines) + f"; λ ∈ [{TOY_LAMS[0]:g}, {TOY_LAMS[-1]:g}] (9 values)",
                points=int(2 * L.size), dps=16)
    return _numeric("b1_starvation", ok_all,
                      printed=CLAIMS["b1_starvation"].statement, derived="engine fixed points (Eq. 9, Eq. 10)",
                      check=chk, routes=("printed", "numeric engine"),
                      notes="U of B.1 is Eq. 15 with δ = 0.6 < 1/√2, where the exact sign of Thm. 2 holds.")


def _b1_primal_dual() -> Comparison:
    U, s1, s2 = _toy("b1_primal_dual")
    L, S1 = np.meshgrid(TOY_LAMS, s1, indexing="ij")
    s = np.stack([S1, np.full_like(S1, s2)], -1)
    zp = primal_optimum(s, U, L, "eq5", m=5, rng=0).z
    z9 = solve_fixed_points(s, U, L, "eq9").z
    z10 = solve_fixed_points(s, U, L, "eq10").z
    err9 = float(np.max(np.abs(zp - z9)))
    rel10 = float(np.max(np.abs(zp - z10) / np.abs(zp)))
    ok = err9 <= Z_ATOL
    chk = Check("numeric", ok, f"primal Newton optimum of Eq. 5 (θ ∈ R⁵) vs Eq. 9 fixed point over "
                f"{L.size} (s1, λ) points: max |Δz*| = {err9:.2e} (≤ {Z_ATOL:g})",
                max_abs_error=err9, points=int(L.size), dps=16)
    return _numeric("b1_primal_dual", ok,
                      printed=CLAIMS["b1_primal_dual"].statement, derived="engine: primal optimum vs Eq. 9",
                      check=chk, routes=("primal θ-space Newton", "dual fixed point Eq. 9"),
                      notes=f"True for the exact dual (Eq. 9). The Taylor-approximated Eq. 10 has different "
                            f"fixed points: max relative |Δz*| = {rel10:.3g} on the same grid.")


def _b1_sd() -> Comparison:
    U, s1, s2 = _toy("b1_sd")
    L, S1 = np.meshgrid(TOY_LAMS, s1, indexing="ij")
    s = np.stack([S1, np.full_like(S1, s2)], -1)
    zp = primal_optimum(s, U, L, "eq17", m=5, rng=0).z
    spread = float(np.max(np.ptp(zp, axis=1)))  # change of z* as s1 varies, per λ
    sens = dz_ds2(s, U, L, "sd")
    ok = spread <= Z_ATOL and float(np.max(np.abs(sens))) == 0.0
    chk = Check("numeric", ok, f"primal optimum of Eq. 17 for s1 ∈ {{2..6}} at each of {len(TOY_LAMS)} λ: "
                f"max change of z* (both components) = {spread:.2e} (≤ {Z_ATOL:g}); engine dz*/ds² ≡ 0",
                max_abs_error=spread, points=int(L.size), dps=16)
    return _numeric("b1_sd", ok,
                      printed=CLAIMS["b1_sd"].statement, derived="engine: primal optimum of Eq. 17",
                      check=chk, routes=("primal θ-space Newton (Eq. 17)", "printed"),
                      notes="Under SD z* = λ⁻¹ Uᵀ α* with α* independent of S: neither response depends on s1.")


def _small_lambda() -> Comparison:
    pr = CLAIMS["small_lambda"].printed
    r = np.logspace(-8, 0, 17)  # λ/s²
    fp = solve_fixed_points(np.ones((r.size, 1)), np.ones((1, 1)), r, "eq9")
    a = fp.alpha[:, 0]
    mono = bool(np.all(np.diff(a) > 0))
    ok = mono and a[0] < 1e-6
    chk = Check("numeric", ok, f"Eq. 9, one feature: α* increases with λ/s² over [1e-8, 1] (monotone: {mono}); "
                f"α*(λ/s² = 1e-8) = {a[0]:.2e}, α*(1) = {a[-1]:.3f}", points=int(r.size), dps=16)
    lim = _small_lambda_limit()
    if sp.simplify(pr["limit_of_alpha_star"] - lim) != 0:
        return Comparison(
            "small_lambda", Verdict.ERRATUM, pr, lim,
            Check("counterexample", False, f"printed limit {pr['limit_of_alpha_star']} ≠ derived {lim}"),
            corrected={**pr, "limit_of_alpha_star": lim},
            corrected_check=Check("exact", True, f"lim_(r→0⁺) rW(1+1/r)/(1+r) = {lim} (SymPy)"),
            counterexample={"point": {"lambda/s^2": "0+"}, "printed": str(pr["limit_of_alpha_star"]),
                            "derived": str(lim), "exact": True, "recheck_dps": RECHECK_DPS})
    return _numeric("small_lambda", ok, printed=pr, derived=lim,
                    check=Check("numeric", ok, f"lim_(λ/s²→0⁺) α* = {lim} for Eq. 10 (SymPy, Eq. 12 closed form); "
                                + chk.detail, points=chk.points, dps=16),
                    routes=("printed", "SymPy limit (Eq. 12)", "numeric engine (Eq. 9)"))


def _small_lambda_limit() -> sp.Expr:
    """lim_(λ/s²→0⁺) α* of the case-1 closed form (Eq. 12): SymPy's limit, exact."""
    r = sp.Symbol("r", positive=True)  # r = λ/s²
    # Eq. 12 with s² = λ/r: α* = λW(1 + s²/λ)/(s² + λ) = rW(1 + 1/r)/(1 + r) > 0. SymPy has no
    # limit for W at ∞, so squeeze: for x ≥ e, W(x) ≥ 1 and W e^W = x give W(x) ≤ log x, hence
    # 0 < α* ≤ r log(1 + 1/r)/(1 + r) once 1 + 1/r ≥ e (r ≤ 1/(e − 1)).
    upper = sp.limit(r * sp.log(1 + 1 / r) / (1 + r), r, 0, "+")
    if upper != 0:
        raise AssertionError(f"squeeze failed: upper bound tends to {upper}")
    return sp.Integer(0)


def _gs_ndim() -> Comparison:
    pr = CLAIMS["gs_ndim"].printed
    op = relation_op(pr["criterion"])
    if pr["criterion"].lhs != PAIR_DZ or pr["criterion"].rhs != 0:
        raise ValueError(f"gs_ndim: criterion must compare {PAIR_DZ} with 0; got {pr['criterion']!r}")
    dims = pr["dimensions"]
    ns = [n for n in (3, 5, 8) if dims.contains(n) == sp.true]
    if not ns:
        raise ValueError(f"gs_ndim: no tested dimension (3, 5, 8) in the printed {dims}")
    stronger_i = relation_op(pr["pairs"]) == ">" and str(pr["pairs"].lhs) == "s_i"
    rng = np.random.default_rng(0)
    rows, agree, hold_all = [], [], []
    for n in ns:
        for d in (0.01, 0.1, 0.3):
            U = random_near_identity_u(n, d, size=(200,), rng=rng)
            s = np.exp(rng.uniform(0.0, np.log(10.0), size=(200, n)))
            J = dz_ds2(s, U, np.ones(200), "eq9")  # [b, j, i] = dz_j/ds_i²
            pairs = (s[:, None, :] > s[:, :, None]) if stronger_i else (s[:, None, :] < s[:, :, None])
            # The first-order term ∝ e^{W_i} − e^{W_j} vanishes at s_i = s_j: near-equal strengths
            # are decided by O(δ²) terms, so the sign rule is checked on separated pairs only.
            separated = pairs & (np.maximum(s[:, None, :], s[:, :, None])
                                 >= SEPARATION * np.minimum(s[:, None, :], s[:, :, None]))
            holds = {"<": J < 0, "<=": J <= 0, ">": J > 0, ">=": J >= 0, "==": J == 0, "!=": J != 0}[op]
            frac = float(holds[pairs].mean())
            # The first-order sign rule of Theorem 2 (U_ji > 0 ⇒ starvation), on the printed pairs.
            rule = float(((U > 0) == holds)[separated].mean())
            rows.append(f"n={n}, δ={d:g}: printed '{op}' holds for {frac:.2f} of the pairs; "
                        f"sign rule U_ji > 0 matches {rule:.3f}")
            hold_all.append(frac)
            if d == 0.01:
                agree.append(rule)
    # The regime condition (U_ji > 0, strengths separated by SEPARATION) must predict the printed
    # sign on ≥ 99 % of the pairs at δ = 0.01: the 1 % allows the O(δ²) paths through the n − 2
    # other features (measured: 1.000, 1.000, 0.9994 for n = 3, 5, 8).
    rc_ok = min(agree) >= 0.99
    every = min(hold_all) == 1.0
    chk = Check("numeric", every, "Eq. 9 exact sensitivities, 200 random near-identity U per (n, δ), "
                "s log-uniform in [1, 10], λ = 1: " + "; ".join(rows), points=200 * 3 * len(ns), dps=16)
    if every:
        return Comparison("gs_ndim", Verdict.VERIFIED, pr, "engine sensitivities", chk,
                          routes=("printed", "numeric engine"))
    if not rc_ok:
        raise AssertionError(f"gs_ndim: printed '{op}' is neither true for all pairs nor for the pairs with "
                             f"U_ji > 0 (agreement {min(agree):.3f}); no exact counterexample is computed for n > 2")
    return Comparison(
        "gs_ndim", Verdict.REGIME, pr, "engine sensitivities dz_j*/ds_i² for n = " + ", ".join(map(str, ns)),
        Check("numeric", False, chk.detail, points=chk.points, dps=16),
        regime=("Only pairs whose coupling has Eq. 15's sign: a stronger feature i starves a weaker feature j "
                "when U_ji > 0 (feature i weighs positively on example j); when U_ji < 0 it *raises* z_j*. "
                f"Strengths must be separated (s_i ≥ {SEPARATION} s_j), else O(δ²) terms decide. "
                f"With random coupling signs about half of the pairs starve, at every δ tested; at δ = 0.01 "
                f"the first-order sign rule predicts the exact sign for ≥ {min(agree):.3f} of the pairs."),
        regime_check=Check("numeric", rc_ok, f"condition U_ji > 0 (s_i ≥ {SEPARATION} s_j) predicts the printed '{op}' for ≥ "
                           f"{min(agree):.3f} of the pairs at δ = 0.01 (threshold 0.99)",
                           points=200 * len(ns), dps=16),
        routes=("printed", "numeric engine"),
        notes="Theorem 2 fixes δ > 0 in Eq. 15; with δ < 0 its first-order dz2*/ds1² changes sign.")


def _numeric(cid: str, ok: bool, **kw) -> Comparison:
    """A claim settled by engine evidence (float64): verified, or an error of this claim.

    The engine cannot recheck a counterexample at 100 digits, so failing evidence is not
    turned into 'refuted': the claim fails with the evidence, for a human to judge.
    """
    chk = kw["check"]
    if not ok:
        raise AssertionError(f"{cid}: the engine evidence does not support the claim: {chk.detail}")
    return Comparison(cid, Verdict.VERIFIED, **kw)


CLAIM_IDS = ("b1_decouple_cite", "b1_starvation", "b1_primal_dual", "b1_sd", "small_lambda", "gs_ndim")


@functools.lru_cache(maxsize=1)
def _all() -> tuple[Comparison, ...]:
    judges = {"b1_decouple_cite": _b1_decouple_cite, "b1_starvation": _b1_starvation,
              "b1_primal_dual": _b1_primal_dual, "b1_sd": _b1_sd, "small_lambda": _small_lambda,
              "gs_ndim": _gs_ndim}
    return tuple(guarded(cid, judges[cid]) for cid in CLAIM_IDS)


def comparisons() -> list[Comparison]:
    """The toy/prose claims' comparisons (numeric evidence from the engine)."""
    return list(_all())
