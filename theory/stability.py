"""Stability of the dual dynamics: Theorem 1 and its proof (Eq. 36–38), and the
positive definiteness of US²Uᵀ claimed after Eq. 9.

Derived here, independently of the printed proof:

- the Jacobian of the derived Eq. 10 is J = η(−diag(1/α) − A) with
  A = λ⁻¹U(S² + λI)Uᵀ (exact at the symbolic instance of ``theory.dual``);
- −J/η = diag(1/α) + A is positive definite on (0, ∞)ⁿ: diag(1/α) ≻ 0 and
  A = I + λ⁻¹US²Uᵀ ≽ I, so every eigenvalue of −J/η exceeds 1 + min_i 1/α_i
  (> 2 on (0,1)ⁿ). Exact for n = 2 by leading principal minors; general n by the
  argument in the derivation steps; numeric evidence at n = 5;
- Eq. 10's right side is η∇G for G(α) = Σ_i(α_i − α_i log α_i) − ½αAαᵀ, strictly
  concave on (0, ∞)ⁿ (its Hessian is J/η ≺ 0), so Eq. 10 has at most one fixed
  point, and it is attractive;
- the Jacobian of Eq. 9 is η(−diag(1/(α(1−α))) − λ⁻¹US²Uᵀ), also negative
  definite on (0,1)ⁿ.

Example:
    >>> from theory.stability import jacobian_eq10
    >>> jacobian_eq10().shape
    (2, 2)
"""

from __future__ import annotations

import functools
from dataclasses import replace

import numpy as np
import sympy as sp

from theory import dual
from theory.claims import CLAIMS
from theory.claims import dual as cd
from theory.derivation import (
    RECHECK_DPS,
    Check,
    Comparison,
    Derivation,
    Verdict,
    check_identity,
    compare,
    guarded,
    judge_interval,
)
from theory.symbols import eta, lam, s1, s2


def _alpha() -> sp.Matrix:
    return dual.instance()["alpha"]


@functools.lru_cache(maxsize=1)
def coupling_matrix() -> sp.Matrix:
    """A = λ⁻¹U(S² + λI)Uᵀ at the instance (Lemma 1's A; the matrix of Eq. 10)."""
    I = dual.instance()
    return (I["U"] * (I["S"] ** 2 + lam * sp.eye(2)) * I["U"].T / lam).applyfunc(sp.cancel)


@functools.lru_cache(maxsize=1)
def jacobian_eq10() -> sp.Matrix:
    """∂(α̇_i)/∂α_k of the derived Eq. 10 (``theory.dual.derived_eq10_rhs``), exact."""
    return dual.derived_eq10_rhs().T.jacobian(list(_alpha())).applyfunc(sp.cancel)


@functools.lru_cache(maxsize=1)
def jacobian_eq9() -> sp.Matrix:
    """∂(α̇_i)/∂α_k of the derived Eq. 9 (``theory.dual.derived_eq9_rhs``), exact."""
    return dual.derived_eq9_rhs().T.jacobian(list(_alpha())).applyfunc(sp.cancel)


def jacobian_eq10_numeric(alpha: np.ndarray, U: np.ndarray, s: np.ndarray, lam_: float,
                          eta_: float = 1.0) -> np.ndarray:
    """J = η(−diag(1/α) − λ⁻¹U(S² + λI)Uᵀ), the derived Jacobian of Eq. 10 (NumPy).

    Raises:
        ValueError: As ``theory.dual.eq10_rhs``.
    """
    dual.eq10_rhs(alpha, U, s, lam_, eta_)  # validates the inputs
    alpha, U, s = np.asarray(alpha, float), np.asarray(U, float), np.asarray(s, float)
    return eta_ * (-np.diag(1 / alpha) - (U * (s**2 + lam_)) @ U.T / lam_)


def concave_potential() -> sp.Expr:
    """G(α) = Σ_i(α_i − α_i log α_i) − ½ αAαᵀ, whose gradient is Eq. 10's right side / η."""
    a = _alpha()
    return sum(x - x * sp.log(x) for x in a) - (a * coupling_matrix() * a.T)[0] / 2


def _pd_minors_check() -> tuple[Check, Check]:
    """Exact: A ≻ 0 and diag(1/α) + A ≻ 0 at the instance, by leading principal minors."""
    A = coupling_matrix()
    U = dual.instance()["U"]
    a1, a2 = _alpha()
    # A11 = 1 + λ⁻¹(u11² s1² + u12² s2²): 1 plus a non-negative sum of squares.
    extra = (U[0, 0] ** 2 * s1**2 + U[0, 1] ** 2 * s2**2) / lam
    c11 = check_identity(A[0, 0], 1 + extra)
    c22 = check_identity(A[1, 1], 1 + (U[1, 0] ** 2 * s1**2 + U[1, 1] ** 2 * s2**2) / lam)
    cdet = check_identity(A.det(), (s1**2 + lam) * (s2**2 + lam) / lam**2)
    nonneg = bool(extra.is_nonnegative)
    okA = c11.passed and c22.passed and cdet.passed and nonneg
    chkA = Check("exact", okA, "A11 = 1 + λ⁻¹(u11²s1² + u12²s2²) ≥ 1, A22 likewise, det A = "
                 "(s1²+λ)(s2²+λ)/λ² > 0 (SymPy): A ≻ 0 by Sylvester")
    M = sp.diag(1 / a1, 1 / a2) + A
    cM = check_identity(M.det(), 1 / (a1 * a2) + A[1, 1] / a1 + A[0, 0] / a2 + A.det())
    okM = okA and cM.passed
    chkM = Check("exact", okM, "det(diag(1/α) + A) = 1/(α1α2) + A22/α1 + A11/α2 + det A, a sum of positive "
                 "terms, and (diag(1/α)+A)11 = 1/α1 + A11 > 0: −J/η ≻ 0 on (0,∞)² (Sylvester)")
    return chkA, chkM


def numeric_nd_check(n: int = 5, trials: int = 20, seed: int = 20210601) -> Check:
    """Numeric evidence at n = 5: finite-difference Jacobian of ``theory.dual.eq10_rhs``.

    The symmetric part of the central-difference Jacobian must have all eigenvalues
    ≤ −2 + tol (the derived bound −1 − min 1/α_i < −2). Tolerance 1e-4: central
    differences with h = 1e-6 err by ~h²·|f'''| ≲ 1e-12·2/α³ ≤ 1e-8 for α ≥ 0.05,
    plus float64 cancellation ~ 1e-16/h·|f| ≈ 1e-9; 1e-4 is far above both and far
    below the margin of any sign or factor-2 error (O(1)).
    """
    rng = np.random.default_rng(seed)
    h = 1e-6
    worst = -np.inf
    for _ in range(trials):
        U, _r = np.linalg.qr(rng.normal(size=(n, n)))
        s = np.exp(rng.uniform(np.log(0.1), np.log(10), n))
        lam_ = float(np.exp(rng.uniform(np.log(1e-2), np.log(1e2))))
        a = rng.uniform(0.05, 0.95, n)
        J = np.empty((n, n))
        for k in range(n):
            e = np.zeros(n)
            e[k] = h
            J[:, k] = (dual.eq10_rhs(a + e, U, s, lam_) - dual.eq10_rhs(a - e, U, s, lam_)) / (2 * h)
        ev = np.linalg.eigvalsh((J + J.T) / 2)
        worst = max(worst, float(ev.max()))
    ok = worst <= -2 + 1e-4
    return Check("numeric", ok, f"n = {n}, {trials} random (U, s, λ, α ∈ (0.05,0.95)ⁿ): largest eigenvalue of "
                 f"the symmetric finite-difference Jacobian {worst:.6g} ≤ −2 (float64, h = 1e-6)",
                 None, None, trials, 16)


@functools.lru_cache(maxsize=1)
def _derivation() -> Derivation:
    a = _alpha()
    A = coupling_matrix()
    d = Derivation("Stability of Eq. 10 (Thm. 1) and of Eq. 9",
                   note="Exact at the instance of theory.dual (n = 2, U a rotation in Cayley form, symbolic "
                   "s1, s2, λ, α); general n by the stated argument and numeric evidence at n = 5.")
    J10 = jacobian_eq10()
    d.add(sp.Eq(sp.Symbol("J (Eq. 10)"), J10, evaluate=False), "differentiate the derived Eq. 10",
          check_identity(J10, eta * (-sp.diag(1 / a[0], 1 / a[1]) - A)))
    chkA, chkM = _pd_minors_check()
    d.add(sp.Eq(sp.Symbol("A"), A, evaluate=False), "A = λ⁻¹U(S²+λI)Uᵀ is positive definite", chkA)
    d.add("general n: xᵀAx = λ⁻¹‖(S²+λI)^{1/2}Uᵀx‖² ≥ ‖x‖² > 0 for x ≠ 0, because U is orthogonal and "
          "S²+λI ≽ λI ≻ 0; hence A ≽ I", "U orthogonal, λ > 0")
    d.add("general n: xᵀ(−J/η)x = Σ x_i²/α_i + xᵀAx ≥ (min_i 1/α_i + 1)‖x‖² > 2‖x‖² on (0,1)ⁿ",
          "α_i ∈ (0,1) ⇒ 1/α_i > 1", numeric_nd_check())
    d.add(sp.Eq(sp.Symbol("det(−J/η)"), sp.factor((-J10 / eta).det()), evaluate=False), "n = 2 exactly", chkM)
    G = concave_potential()
    gradG = sp.Matrix([[sp.diff(G, x) for x in a]])
    d.add(sp.Eq(sp.Symbol("G(α)"), G, evaluate=False), "Eq. 10 = η∇G",
          check_identity(eta * gradG, dual.derived_eq10_rhs()))
    d.add("Hess G = J/η ≺ 0 on the convex set (0,∞)ⁿ: G strictly concave, so ∇G = 0 has at most one solution "
          "— Eq. 10 has at most one fixed point, and it is attractive", "strict concavity")
    J9 = jacobian_eq9()
    I = dual.instance()
    d.add(sp.Eq(sp.Symbol("J (Eq. 9)"), J9, evaluate=False), "differentiate the derived Eq. 9",
          check_identity(J9, eta * (-sp.diag(1 / (a[0] * (1 - a[0])), 1 / (a[1] * (1 - a[1])))
                                    - I["U"] * I["S"] ** 2 * I["U"].T / lam)))
    return d


def _instantiate_indexed(expr: sp.Expr, a_base: sp.IndexedBase) -> sp.Expr:
    """A component formula of Eq. 36/38 at the instance (n = 2; u → U, uᵀ → Uᵀ, s → diag S)."""
    I = dual.instance()
    U, S = I["U"], I["S"]
    al = list(_alpha())
    e = expr.subs(cd.n, dual.N_EX).doit()

    def repl(x: sp.Indexed) -> sp.Expr:
        base, idx = x.base, [int(t) for t in x.indices]
        if base == cd.u:
            return U[idx[0] - 1, idx[1] - 1]
        if base == cd.uT:
            return U.T[idx[0] - 1, idx[1] - 1]
        if base == cd.s_i:
            return S[idx[0] - 1, idx[0] - 1]
        if base == a_base:
            return al[idx[0] - 1]
        raise ValueError(f"unexpected indexed symbol {x}")

    return e.replace(lambda x: isinstance(x, sp.Indexed), repl)


def printed_eq36_instance() -> sp.Matrix:
    """Eq. 36's f_i, i = 1, 2, at the instance (column)."""
    rhs = CLAIMS["eq36"].printed.rhs
    return sp.Matrix([_instantiate_indexed(rhs.subs(cd.i, ii), cd.a_i) for ii in (1, 2)])


def printed_eq38_instance() -> sp.Matrix:
    """Eq. 38's J_ik at the instance (α* read as the point α where J is evaluated)."""
    rhs = CLAIMS["eq38"].printed.rhs
    return sp.Matrix(2, 2, lambda r, c: _instantiate_indexed(rhs.subs({cd.i: r + 1, cd.k: c + 1}), cd.a_star_i))


#: The properties a print may state of the coupling matrix, and what each needs.
PROPERTIES = ("positive definite", "positive semi-definite")


def _eq9_pd() -> Comparison:
    """US²Uᵀ ≻ 0 iff all s_i > 0; ⪰ 0 always. Judged from the printed matrix and property."""
    d, dom = _derivation(), dual.INSTANCE_DOMAINS
    I = dual.instance()
    U = I["U"]
    pr = CLAIMS["eq9_pd"].printed
    prop = pr["property"]
    if prop not in PROPERTIES:
        raise ValueError(f"eq9_pd: property must be one of {PROPERTIES}; got {prop!r}")
    M = dual.instantiate(pr["matrix"]).applyfunc(sp.cancel)
    yp = I["Y"] * I["Phi0"]
    same = compare("eq9_pd", M, (yp * yp.T).applyfunc(sp.cancel), derivation=d, domains=dom,
                   notes="printed matrix vs Eq. 9's coupling YΦ₀Φ₀ᵀYᵀ")
    if same.verdict is not Verdict.VERIFIED:
        return same
    m11 = check_identity(M[0, 0], U[0, 0] ** 2 * s1**2 + U[0, 1] ** 2 * s2**2)
    mdet = check_identity(M.det(), s1**2 * s2**2)
    pd_ok = m11.passed and mdet.passed
    if not pd_ok:
        raise AssertionError(f"eq9_pd: minors {m11.detail}; {mdet.detail}")
    # s2 = 0 (rank-deficient YΦ₀): x = U e2 is in the kernel.
    x = U[:, 1]
    q0 = sp.cancel((x.T * M.subs(s2, 0) * x)[0])
    minors = ("(US²Uᵀ)11 = u11²s1² + u12²s2² ≥ 0 and det = s1²s2² ≥ 0 (SymPy), > 0 when s1, s2 > 0; with "
              f"s2 = 0, x = Ue2 gives xᵀUS²Uᵀx = {q0}")
    if prop == "positive semi-definite" or q0 != 0:
        return Comparison("eq9_pd", Verdict.VERIFIED, pr, M, Check("exact", True, minors), derivation=d)
    return Comparison(
        "eq9_pd", Verdict.REGIME, pr, M,
        Check("counterexample", False, f"positive definite fails at s2 = 0: x = Ue2 ≠ 0 has xᵀUS²Uᵀx = {q0}"),
        counterexample={"point": {"s_2": "0", "x": "U e_2"}, "x^T U S^2 U^T x": str(q0), "exact": True,
                        "recheck_dps": RECHECK_DPS},
        regime="all singular values s_i > 0, i.e. rank(YΦ₀) = n (needs m ≥ n and no degenerate examples); "
        "otherwise US²Uᵀ is only positive semi-definite (as the proof of Thm. 1 itself says)",
        regime_check=Check("exact", True, "condition s1, s2 > 0: " + minors),
        derivation=d)


#: Where Theorem 1's conclusion is derived: Eq. 10 is defined (log α) on α_i > 0.
THM1_DOMAIN = sp.Interval.open(0, sp.oo)


def _thm1() -> Comparison:
    d, dom = _derivation(), dual.INSTANCE_DOMAINS
    a = _alpha()
    pr = CLAIMS["thm1"].printed
    system = compare("thm1", dual.instantiate(pr["system"]), dual.derived_eq10_rhs(), derivation=d, domains=dom,
                     notes="printed system vs the derived Eq. 10")
    if system.verdict is not Verdict.VERIFIED:
        return replace(system, printed=pr)
    dom_p = pr["domain"]
    if not dom_p.is_subset(THM1_DOMAIN):
        bad = judge_interval("thm1", dom_p, sp.Interval.open(0, 1),
                             why={"0": "log α is undefined at α = 0: Eq. 10 has no fixed point there"})
        return replace(bad, printed=pr, notes=f"the printed domain {dom_p} leaves (0, ∞), where Eq. 10 is defined")
    chkA, chkM = _pd_minors_check()
    num = numeric_nd_check()
    j_ok = check_identity(jacobian_eq10(), eta * (-sp.diag(1 / a[0], 1 / a[1]) - coupling_matrix()))
    if not (chkA.passed and chkM.passed and num.passed and j_ok.passed):
        raise AssertionError(f"thm1: {chkA.detail}; {chkM.detail}; {num.detail}; {j_ok.detail}")
    return Comparison(
        "thm1", Verdict.VERIFIED, pr, {"jacobian": jacobian_eq10(), "potential": concave_potential()},
        Check("exact", True, f"printed system = Eq. 10 ({system.check.method}); printed domain {dom_p} ⊆ (0, ∞); "
              "J(Eq. 10) = η(−diag(1/α) − A), −J/η ≻ 0 on (0,∞)² exactly (" + chkM.detail
              + "); general n: eigenvalues of −J/η > 1 + min 1/α_i; n = 5 evidence: " + num.detail),
        routes=("printed", "derived Jacobian of Eq. 10", "finite differences n = 5"), derivation=d,
        notes="True, and stronger than stated: Eq. 10 is the gradient flow of a strictly concave G, so it has at "
        "most one fixed point, attractive on all of (0,∞)ⁿ. The printed proof (Eq. 36–38) analyses Eq. 9 instead "
        "(see eq36, eq38); its conclusion for Eq. 9 is also true.")


def _eq36() -> Comparison:
    d, dom = _derivation(), dual.INSTANCE_DOMAINS
    I = dual.instance()
    U = I["U"]
    a = _alpha()
    p36 = printed_eq36_instance()
    d10 = dual.derived_eq10_rhs().T
    d9 = dual.derived_eq9_rhs().T
    vs9 = check_identity(p36, d9, seed_key="eq36|eq9", domains=dom)
    corrected36 = sp.Matrix([
        eta * (-sp.log(a[ii]) - sum(U[ii, k] * (I["S"][k, k] ** 2 + lam) * U[j, k] * a[j]
                                    for j in range(2) for k in range(2)) / lam)
        for ii in range(2)])
    c36 = compare("eq36", p36, d10, corrected=corrected36, derivation=d, domains=dom,
                  notes=f"The printed f_i is exactly the right side of Eq. 9 ({vs9.method}: {vs9.detail}), as its "
                  "text says ('gradient function of the autonomous system Eq. 9'), but Thm. 1 is about Eq. 10: "
                  "corrected f_i = η(−log α_i − λ⁻¹ Σ_jk u_ik(s_k²+λ)u_jk α_j). Both systems have negative-"
                  "definite Jacobians, so the theorem survives.")
    return replace(c36, routes=("printed", "derived Eq. 10", "derived Eq. 9"))


def _eq38() -> Comparison:
    d, dom = _derivation(), dual.INSTANCE_DOMAINS
    a = _alpha()
    p38 = printed_eq38_instance()
    vs9j = check_identity(p38, jacobian_eq9(), seed_key="eq38|eq9", domains=dom)
    A = coupling_matrix()
    corrected38 = eta * (-sp.diag(1 / a[0], 1 / a[1]) - A)
    c38 = compare("eq38", p38, jacobian_eq10(), corrected=corrected38, derivation=d, domains=dom,
                  notes=f"The printed J is exactly the Jacobian of Eq. 9 ({vs9j.method}), consistent with Eq. 36, "
                  "not that of Eq. 10 (Thm. 1): corrected J_ik = η(−δ_ik/α_i − λ⁻¹ Σ_l u_il(s_l²+λ)u_kl). The "
                  "proof's sign argument applies to either.")
    return replace(c38, routes=("printed", "derived Jacobian of Eq. 10", "derived Jacobian of Eq. 9"))


CLAIM_IDS = ("eq9_pd", "thm1", "eq36", "eq38")


@functools.lru_cache(maxsize=1)
def comparisons() -> list[Comparison]:
    """Comparisons for eq9_pd, thm1, eq36, eq38 (each judged separately)."""
    judges = {"eq9_pd": _eq9_pd, "thm1": _thm1, "eq36": _eq36, "eq38": _eq38}
    return [guarded(cid, judges[cid]) for cid in CLAIM_IDS]


__all__ = [
    "comparisons", "concave_potential", "coupling_matrix", "jacobian_eq10", "jacobian_eq10_numeric",
    "jacobian_eq9", "numeric_nd_check", "printed_eq36_instance", "printed_eq38_instance",
]
