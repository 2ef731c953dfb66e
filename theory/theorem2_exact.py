"""Theorem 2 exactly: dz2*/d(s1²) at the fixed point of Eq. 9 and Eq. 10, all orders in δ.

The printed proof (App. C.10, Eq. 61-66) goes through Lemma 1 and a first-order Taylor
expansion in δ. Here nothing is expanded: the fixed point α* is kept as exact unknowns
and dz*/d(s²) is obtained by implicit differentiation of the fixed-point equations
(Definition 2; Eq. 9, Eq. 10, Eq. 11, U of Eq. 15).

Set-up (both systems at once). F(α) = g(α) − M α = 0 with
- Eq. 10: g = −log α, M = A = λ⁻¹U(S² + λI)Uᵀ, p_i := −g'(α_i) = 1/α_i;
- Eq. 9:  g = log((1−α)/α), M = K/λ = λ⁻¹US²Uᵀ, p_i = 1/(α_i(1−α_i));
z = λ⁻¹S²Uᵀα (Eq. 11), P = diag(p), Λ = UᵀMU = diag(μ), μ_i = s_i²/λ (+1 for Eq. 10).

General n (closed matrix form, exact):

    dz*/d(s²) = λ⁻¹ [I − λ⁻¹ S² (Uᵀ P U + Λ)⁻¹] diag(Uᵀα*),   entry [i, j] = dz_i*/d(s_j²).

n = 2, U of Eq. 15 (c = √(1−δ²)), exact to all orders in δ:

    dz2*/d(s1²) = c δ s2² (c α1* + δ α2*) (p2 − p1) / (λ² det(P + M)),
    det(P + M) = p1 p2 + p1 M22 + p2 M11 + μ1 μ2 > 0.

Sign (proved below, every s1 > s2 > 0, λ > 0, −1 < δ < 1, both systems):
dz2*/d(s1²) < 0 exactly for 0 < δ < 1/√2; = 0 at δ ∈ {−1/√2, 0, 1/√2}; > 0 otherwise.

Module API: ``derive()`` (the Derivation and the proved region), ``comparisons()`` for
the claim ``thm2_corrected`` (``theory.claims.starvation``), ``dz_ds2_closed_form`` and
``dz2_ds1sq_closed_form`` (numpy, from α*; checked against the engine in
``verify/test_theorem2.py``).
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from theory.derivation import Check, Comparison, Derivation, Verdict, guarded

CLAIM_IDS = ("thm2_corrected",)

# Own symbols: δ is real here (both signs), c = √(1−δ²) > 0 is a symbol tied to δ by
# c² + δ² = 1 (substituted where needed), α*, p, μ are positive unknowns.
_d = sp.Symbol("delta", real=True)
_c = sp.Symbol("c", positive=True)
_lam = sp.Symbol("lambda", positive=True)
_q1, _q2 = sp.symbols("s_1^2 s_2^2", positive=True)
_a1, _a2 = sp.symbols("alpha_1^* alpha_2^*", positive=True)
_p1, _p2 = sp.symbols("p_1 p_2", positive=True)
_mu1, _mu2 = sp.symbols("mu_1 mu_2", positive=True)
_g1, _g2 = sp.symbols("g_1 g_2", real=True)
DZ2 = sp.Symbol("dz_2^*/d(s_1^2)")

# The proved sign region in δ for s1 > s2 > 0, λ > 0 (both systems).
NEG_REGION = sp.Interval.open(0, 1 / sp.sqrt(2))
ZERO_SET = sp.FiniteSet(-1 / sp.sqrt(2), 0, 1 / sp.sqrt(2))
POS_REGION = sp.Union(sp.Interval.open(-1, -1 / sp.sqrt(2)), sp.Interval.open(-1 / sp.sqrt(2), 0),
                      sp.Interval.open(1 / sp.sqrt(2), 1))


def _unit(expr) -> sp.Expr:
    """Reduce a rational expression modulo c² + δ² − 1 (U of Eq. 15 orthogonal): the
    numerator's remainder on division by c² + δ² − 1 as a polynomial in c. A result 0
    proves the expression vanishes identically on the circle c² + δ² = 1."""
    num = sp.numer(sp.together(sp.expand(expr)))
    return sp.expand(sp.rem(sp.expand(num), _c**2 + _d**2 - 1, _c))


def _exact(cond: bool, detail: str) -> Check:
    return Check("exact", bool(cond), detail)


def _system(shift: int):
    """M, U and z for n = 2, U of Eq. 15 written with c (shift 1: Eq. 10, 0: Eq. 9)."""
    U = sp.Matrix([[_c, -_d], [_d, _c]])
    S2 = sp.diag(_q1, _q2)
    M = U * (S2 + shift * _lam * sp.eye(2)) * U.T / _lam
    return U, S2, M


@functools.lru_cache(maxsize=1)
def derive():
    """The exact derivation; returns (Derivation, closed form of dz2*/ds1² (Eq. 10), region dict)."""
    d = Derivation("Theorem 2 exactly: dz2*/d(s1²) at the fixed point, all orders in δ (Eq. 9 and Eq. 10)")
    a = sp.Matrix([_a1, _a2])
    P = sp.diag(_p1, _p2)
    closed = None
    ok_dm = ok_m12 = True
    for shift, name in ((1, "Eq. 10"), (0, "Eq. 9")):
        U, S2, M = _system(shift)
        m1, m2 = (_q1 / _lam + shift, _q2 / _lam + shift)
        Lam = sp.diag(m1, m2)
        w = U.T * a
        # (a) the partial derivatives of F = g(α) − Mα.
        ok_a = all(sp.expand(v) == 0 for q, j in ((_q1, 0), (_q2, 1))
                   for v in (M.diff(q) * a - U[:, j] * w[j] / _lam))
        d.add(sp.Eq(sp.Symbol(f"∂F/∂s_j² [{name}]"), sp.Symbol("−λ⁻¹ u_j (u_jᵀα)"), evaluate=False),
              f"{name}: ∂F/∂α = −(P + M) (g'(α_i) = −p_i) and ∂M/∂s_j² = λ⁻¹u_ju_jᵀ, so by the implicit function "
              "theorem (P + M) dα/ds_j² = −λ⁻¹u_j(u_jᵀα), i.e. dα/d(s²) = −λ⁻¹(P + M)⁻¹U diag(Uᵀα).",
              _exact(ok_a, "SymPy: (∂M/∂s_j²)α − λ⁻¹u_j(u_jᵀα) = 0, j = 1, 2"))
        # (b) UᵀMU = Λ, hence Uᵀ(P + M)U = UᵀPU + Λ and the general-n form.
        ok_b = all(_unit(v) == 0 for v in (U.T * M * U - Lam)) and all(
            _unit(v) == 0 for v in (U.T * U - sp.eye(2)))
        d.add(sp.Eq(sp.Symbol(f"dz*/d(s²) [{name}]"),
                    sp.Symbol("λ⁻¹[I − λ⁻¹S²(UᵀPU + Λ)⁻¹] diag(Uᵀα*)"), evaluate=False),
              f"{name}: z = λ⁻¹S²Uᵀα (Eq. 11), product rule: dz/d(s²) = λ⁻¹diag(Uᵀα) + λ⁻¹S²Uᵀ dα/d(s²); with "
              "UᵀU = I, Uᵀ(P + M)⁻¹U = (Uᵀ(P + M)U)⁻¹ = (UᵀPU + Λ)⁻¹, Λ = UᵀMU diagonal. Any n.",
              _exact(ok_b, "SymPy: UᵀMU − Λ = 0 and UᵀU − I = 0 modulo c² + δ² = 1 (n = 2, U of Eq. 15)"))
        # (c) entry [2, 1] for n = 2 through the adjugate of N = UᵀPU + Λ.
        N = U.T * P * U + Lam
        det = (_p1 + M[0, 0]) * (_p2 + M[1, 1]) - M[0, 1] ** 2
        cf = _c * _d * _q2 * (_c * _a1 + _d * _a2) * (_p2 - _p1) / (_lam**2 * det)
        entry = _q2 * N[1, 0] * w[0] / _lam**2  # −λ⁻²q2 (adj N)_21 w1 with (adj N)_21 = −N_21, over det N
        ok_c = (_unit(N.det() - det) == 0
                and _unit(entry - _c * _d * _q2 * (_c * _a1 + _d * _a2) * (_p2 - _p1) / _lam**2) == 0)
        d.add(sp.Eq(DZ2, cf, evaluate=False),
              f"{name}: entry [2, 1] of the matrix form for n = 2: −λ⁻²s2²(N⁻¹)_21 w1 = λ⁻²s2² N_21 w1 / det N with "
              "N_21 = u2ᵀPu1 = cδ(p2 − p1), w1 = cα1 + δα2, det N = det(P + M) (det U = 1).",
              _exact(ok_c, "SymPy: det N − det(P + M) = 0 (mod c² + δ² = 1) and the numerator identity"))
        det_split = _p1 * _p2 + _p1 * M[1, 1] + _p2 * M[0, 0] + m1 * m2
        ok_det = _unit(det - det_split) == 0 and bool(sp.expand(det_split).is_positive)
        d.add(sp.Gt(det, 0, evaluate=False),
              f"{name}: det(P + M) = p1p2 + p1M22 + p2M11 + μ1μ2 with M11 = c²μ1 + δ²μ2, M22 = δ²μ1 + c²μ2 "
              "(μ_i the eigenvalues of M), every term positive.",
              _exact(ok_det, "SymPy: expansion identity (mod c² + δ² = 1) and .is_positive of the sum"))
        if shift == 1:
            closed = cf
        ok_dm = ok_dm and _unit(M[0, 0] - M[1, 1] - (1 - 2 * _d**2) * (_q1 - _q2) / _lam) == 0
        ok_m12 = ok_m12 and _unit(M[0, 0] * M[1, 1] - M[0, 1] ** 2 - m1 * m2) == 0
    # Sign of p2 − p1 in terms of α1 − α2.
    e10 = sp.factor(1 / _a2 - 1 / _a1)
    e9 = sp.factor(1 / (_a2 * (1 - _a2)) - 1 / (_a1 * (1 - _a1)))
    ok_p = (sp.simplify(e10 - (_a1 - _a2) / (_a1 * _a2)) == 0
            and sp.simplify(e9 - (_a1 - _a2) * (1 - _a1 - _a2) / (_a1 * _a2 * (1 - _a1) * (1 - _a2))) == 0)
    d.add(sp.Eq(sp.Symbol("p2 − p1"), sp.Symbol("(α1−α2)/(α1α2) [Eq. 10];  (α1−α2)(1−α1−α2)/(α1α2(1−α1)(1−α2)) [Eq. 9]")),
          "p_i = 1/α_i (Eq. 10) or 1/(α_i(1−α_i)) (Eq. 9): the sign of p2 − p1 is that of α1 − α2 "
          "(for Eq. 9 once α1 + α2 < 1, next steps).", _exact(ok_p, "SymPy: factor"))
    d.add(sp.Eq(sp.Symbol("M11 − M22"), (1 - 2 * _d**2) * (_q1 - _q2) / _lam, evaluate=False),
          "Both systems: M11 − M22 = (1 − 2δ²)(s1² − s2²)/λ, and M11M22 − M12² = μ1μ2 ≥ 0 so M12 ≤ max(M11, M22).",
          _exact(ok_dm and ok_m12, "SymPy: both identities, c² = 1 − δ², Eq. 9 and Eq. 10"))
    d.add(sp.Symbol("sign(α2* − α1*) = sign(M11 − M22) = sign((1 − 2δ²)(s1² − s2²))"),
          "Argument (g strictly decreasing): subtracting the two fixed-point equations, "
          "g(α1) − g(α2) = (M11 − M12)(α1 − α2) + (M11 − M22)α2. If M11 ≥ M22 then M12 ≤ M11, and by the mean "
          "value theorem (g'(ξ) − M11 + M12)(α1 − α2) = (M11 − M22)α2 with a negative coefficient: α1 < α2 when "
          "M11 > M22, α1 = α2 when equal; symmetrically α1 > α2 when M11 < M22.")
    d.add(sp.Gt(_g1 + _g2, 0, evaluate=False),
          "Argument: g is decreasing with g(a0) = 0 at a0 = 1/2 (Eq. 9) or 1 (Eq. 10), so "
          "(g(α) − 0)·(α − a0·1) ≤ 0 componentwise-summed: αᵀMα ≤ a0·1ᵀMα; M ≻ 0 gives 1ᵀMα > 0, i.e. "
          "g1 + g2 = 1ᵀg(α*) > 0: α1 + α2 < 1 (Eq. 9), α1α2 < 1 (Eq. 10).")
    # w = Uᵀα = Λ⁻¹Uᵀg(α): sign of w1 = c α1 + δ α2 is that of c g1 + δ g2.
    U, S2, M = _system(1)
    Lam = sp.diag(_q1 / _lam + 1, _q2 / _lam + 1)
    ok_w = all(_unit(v) == 0 for v in (U.T * M - Lam * U.T))
    d.add(sp.Eq(sp.Symbol("c α1* + δ α2*"), sp.Symbol("(c g1 + δ g2)/μ1"), evaluate=False),
          "UᵀM = ΛUᵀ and g(α*) = Mα*, so Uᵀα* = Λ⁻¹Uᵀg(α*): the first entry c α1 + δ α2 has the sign of "
          "c g1 + δ g2 (μ1 > 0).", _exact(ok_w, "SymPy: UᵀM − ΛUᵀ = 0 (Eq. 10; Eq. 9 is the same with μ_i = s_i²/λ)"))
    d.add("sign(c α1* + δ α2*) = +1 for δ > −1/√2, −1 for δ < −1/√2 (δ ≠ −1/√2)",
          "Argument, with g1 + g2 > 0 and g decreasing: δ ≥ 0: c α1 + δ α2 > 0 directly. −1/√2 < δ < 0: "
          "c > |δ| and α1 < α2 (so g1 > g2); if g2 > 0 then c g1 − |δ| g2 > (c − |δ|) g2 > 0, else "
          "c g1 − |δ| g2 ≥ c g1 > 0 (g1 > −g2 ≥ 0). δ < −1/√2: c < |δ|, α1 > α2 (g2 > g1), g2 > 0, so "
          "c g1 − |δ| g2 < (c − |δ|) g2 < 0.")
    d.add("dz2*/ds1² < 0 ⟺ 0 < δ < 1/√2; = 0 at δ ∈ {−1/√2, 0, 1/√2}; > 0 elsewhere on (−1, 1)",
          "Sign of the closed form = sign(δ)·sign(c α1 + δ α2)·sign(α1 − α2) (c, s2², λ², det > 0; Eq. 9's "
          "extra factor 1 − α1 − α2 > 0). With s1 > s2: α1 < α2 iff |δ| < 1/√2. Table: (0, 1/√2): (+)(+)(−) < 0; "
          "(1/√2, 1): (+)(+)(+) > 0; (−1/√2, 0): (−)(+)(−) > 0; (−1, −1/√2): (−)(−)(+) > 0; zero where δ = 0 "
          "or α1 = α2 (δ = ±1/√2).")
    region = {"negative": NEG_REGION, "zero": ZERO_SET, "positive": POS_REGION}
    return d, closed, region


def comparisons() -> list[Comparison]:
    """The stated corrected theorem (claim ``thm2_corrected``) against the proved region."""
    from theory.claims import CLAIMS

    return [guarded("thm2_corrected", lambda: judge(CLAIMS["thm2_corrected"].printed))]


def judge(pr: dict) -> Comparison:
    """Compare a stated sign region (dict with "negative", "zero", "positive" sets of δ)
    with the proved one; the verdict follows from the stated data."""
    d, closed, region = derive()
    stated = {k: pr[k] for k in ("negative", "zero", "positive")}
    same = all(sp.simplify(stated[k].symmetric_difference(region[k])) == sp.S.EmptySet for k in region)
    proofs = [s.check for s in d.steps if s.check is not None]
    chk = Check("exact", same and all(c.passed and c.method == "exact" for c in proofs),
                f"stated sign regions {'equal' if same else 'differ from'} the proved ones; "
                f"{sum(c.passed for c in proofs)} of {len(proofs)} SymPy proof steps pass, the rest are "
                "written arguments (g monotone, mean value theorem)")
    # Where a stated region differs from the proved one (exact set arithmetic): the δ that the
    # statement puts on the wrong side of zero.
    diffs = {k: sp.simplify(stated[k].symmetric_difference(region[k])) for k in region}
    wrong = {k: str(v) for k, v in diffs.items() if v != sp.S.EmptySet}
    cx = None if chk.passed else {"point": wrong or "every region equal; a proof step failed",
                                  "stated": {k: str(v) for k, v in stated.items()},
                                  "proved": {k: str(v) for k, v in region.items()}, "exact": True}
    return Comparison(
        "thm2_corrected", Verdict.VERIFIED if chk.passed else Verdict.REFUTED, pr,
        {"dz2_ds1sq": closed, **region}, chk, counterexample=cx,
        routes=("stated", "exact implicit differentiation", "sign proof"),
        derivation=d,
        notes="Our statement, not the paper's: the exact replacement of Thm. 2 (Eq. 16), valid for Eq. 9 and "
              "Eq. 10 at every δ ∈ (−1, 1), s1 > s2 > 0, λ > 0. Numeric check: the engine's implicit "
              "differentiation (verify/test_theorem2.py).",
    )


# --------------------------------------------------------------------------- numpy


def dz_ds2_closed_form(alpha, s, U, lam, dynamics: str = "eq10") -> np.ndarray:
    """λ⁻¹[I − λ⁻¹S²(UᵀPU + Λ)⁻¹] diag(Uᵀα*) from a given α* (batched [..., n])."""
    alpha, s, U = (np.asarray(v, float) for v in (alpha, s, U))
    lam = np.asarray(lam, float)[..., None]
    p = 1.0 / alpha if dynamics == "eq10" else 1.0 / (alpha * (1.0 - alpha))
    mu = s * s / lam + (1.0 if dynamics == "eq10" else 0.0)
    UT = np.swapaxes(U, -1, -2)
    N = UT @ (p[..., :, None] * U) + mu[..., :, None] * np.eye(s.shape[-1])
    w = (UT @ alpha[..., None])[..., 0]
    inner = np.linalg.solve(N, np.eye(s.shape[-1]) * w[..., None, :])  # N⁻¹ diag(w)
    return (np.eye(s.shape[-1]) * w[..., None, :] - (s * s / lam)[..., :, None] * inner) / lam[..., None]


def dz2_ds1sq_closed_form(alpha, s1, s2, lam, delta, dynamics: str = "eq10") -> np.ndarray:
    """c δ s2²(c α1 + δ α2)(p2 − p1)/(λ² det(P + M)) for U of Eq. 15 (batched)."""
    a1, a2 = np.asarray(alpha, float)[..., 0], np.asarray(alpha, float)[..., 1]
    c = np.sqrt(1.0 - np.asarray(delta, float) ** 2)
    d = np.asarray(delta, float)
    q1, q2 = np.asarray(s1, float) ** 2, np.asarray(s2, float) ** 2
    if dynamics == "eq10":
        p1, p2 = 1.0 / a1, 1.0 / a2
        mu1, mu2 = q1 / lam + 1.0, q2 / lam + 1.0
    else:
        p1, p2 = 1.0 / (a1 * (1.0 - a1)), 1.0 / (a2 * (1.0 - a2))
        mu1, mu2 = q1 / lam, q2 / lam
    m11 = c * c * mu1 + d * d * mu2
    m22 = d * d * mu1 + c * c * mu2
    det = p1 * p2 + p1 * m22 + p2 * m11 + mu1 * mu2
    return c * d * q2 * (c * a1 + d * a2) * (p2 - p1) / (lam**2 * det)
