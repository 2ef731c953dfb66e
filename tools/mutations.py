"""The mutation table of ``tools/mutate.py``: one realistic change per entry.

Layers:
- ``claims``: the transcribed printed forms (``theory/claims/``). A change of meaning (a
  relation's direction, an index, an interval's end point, a sign, a cited equation) must
  turn a test red; a change to a LaTeX-only or prose-only field must not (``expect="survive"``).
- ``derivations``: the independent symbolic derivations (``theory/<area>.py``).
- ``engine``: the numeric routes (``theory/engine/``).
- ``empirical``: data generators and metrics (``empirical/``).

Each entry names the test modules that judge it (run with ``pytest -x -q``); a module that
does not exist in the mutated tree is skipped, so the same table runs on older checkouts.
"""

from __future__ import annotations

from dataclasses import dataclass

LAYERS = ("claims", "derivations", "engine", "empirical")


@dataclass(frozen=True)
class Mutation:
    """One textual replacement.

    Attributes:
        id: Unique name.
        layer: One of LAYERS.
        file: Path relative to the repository root.
        old: Exact text to replace (must occur once, or give ``nth``).
        new: Replacement text.
        tests: Test modules (paths) that must catch it.
        why: What the mutation means (printed in the survivor list).
        expect: ``"kill"`` (a test must fail) or ``"survive"`` (a control: no meaning changed).
        nth: Which occurrence of ``old`` (0-based) when it occurs several times.
    """

    id: str
    layer: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
    why: str
    expect: str = "kill"
    nth: int | None = None

    def __post_init__(self) -> None:
        if self.layer not in LAYERS:
            raise ValueError(f"{self.id}: layer must be one of {LAYERS}; got {self.layer!r}")
        if self.expect not in ("kill", "survive"):
            raise ValueError(f"{self.id}: expect must be 'kill' or 'survive'; got {self.expect!r}")
        if self.old == self.new or not self.old:
            raise ValueError(f"{self.id}: old must be non-empty and differ from new")
        if not self.tests:
            raise ValueError(f"{self.id}: name at least one test module")


_CL = "theory/claims/"
_V_LEG = ("verify/test_legendre.py",)
_V_MC = ("verify/test_multiclass.py",)
_V_DUAL = ("verify/test_dual.py",)
_V_T1 = ("verify/test_theorem1.py",)
_V_FP = ("verify/test_fixed_points.py", "tests/test_uncoupled.py")
_V_L1 = ("verify/test_lemma1.py",)
_V_T2 = ("verify/test_theorem2.py",)
_V_SD = ("verify/test_spectral_decoupling.py",)
_V_TOY = ("verify/test_primal_dual.py",)
# The engine's primal: its own tests and the loss-value/Hessian oracles in tests/test_decoupling.py.
_PRIMAL = ("tests/test_engine_primal.py", "tests/test_decoupling.py")
_EMP = ("tests/test_empirical_oracles.py", "tests/test_empirical_moons.py", "tests/test_empirical_measure.py")

M = Mutation
MUTATIONS: tuple[Mutation, ...] = (
    # ------------------------------------------------------------------ claims: meaning
    M("thm2_flip", "claims", _CL + "starvation.py", "printed=sp.Lt(dz2_ds1sq, 0),", "printed=sp.Gt(dz2_ds1sq, 0),",
      _V_T2, "Theorem 2's printed dz2*/ds1² < 0 turned into > 0"),
    M("thm2_nonstrict", "claims", _CL + "starvation.py", "printed=sp.Lt(dz2_ds1sq, 0),",
      "printed=sp.Le(dz2_ds1sq, 0),", _V_T2, "Theorem 2's strict < 0 turned into ≤ 0: weaker, still true in "
      "the regime and false beyond δ = 1/√2, so the verdict (regime) legitimately stays", expect="survive"),
    M("thm2_equal", "claims", _CL + "starvation.py", "printed=sp.Lt(dz2_ds1sq, 0),",
      "printed=sp.Eq(dz2_ds1sq, 0),", _V_T2, "Theorem 2's < 0 turned into = 0"),
    M("def2_index_fixed", "claims", _CL + "starvation.py", '_z_i_fn = sp.Function("z_i^*")',
      '_z_i_fn = sp.Function("z_j^*")', _V_T2, "Definition 2's printed index dz_i* 'fixed' to dz_j*"),
    M("def2_flip", "claims", _CL + "starvation.py", "printed=sp.Lt(sp.Derivative(_z_i_fn(_s_i_sq), _s_i_sq), 0),",
      "printed=sp.Gt(sp.Derivative(_z_i_fn(_s_i_sq), _s_i_sq), 0),", _V_T2, "Definition 2's < 0 turned into > 0"),
    M("eq65_sign", "claims", _CL + "starvation.py", "_eq65_rhs = -(", "_eq65_rhs = (", _V_T2,
      "Eq. 65 printed without its leading minus"),
    M("eq64_fix_typo", "claims", _CL + "starvation.py",
      "/ ((lam + lam * E(_W1) + s1**2) * (lam + lam * E(_W2) + s1**2))",
      "/ ((lam + lam * E(_W1) + s1**2) * (lam + lam * E(_W2) + s2**2))", _V_T2,
      "Eq. 64's δ⁰ typo corrected (erratum must become verified… or at least change)"),
    M("eq15_sign", "claims", _CL + "starvation.py", "U_EQ15_PRINTED = sp.Matrix([[_c, -delta], [delta, _c]])",
      "U_EQ15_PRINTED = sp.Matrix([[_c, -delta], [-delta, _c]])", _V_T2, "Eq. 15's U no longer orthogonal"),
    M("eq6_fixed", "claims", _CL + "legendre.py", "printed=sp.StrictGreaterThan(_L, _H - alpha * omega),",
      "printed=sp.GreaterThan(_L, _H - alpha * omega),", _V_LEG, "Eq. 6's strict > replaced by the corrected ≥"),
    M("eq6_reversed", "claims", _CL + "legendre.py", "printed=sp.StrictGreaterThan(_L, _H - alpha * omega),",
      "printed=sp.StrictLessThan(_L, _H - alpha * omega),", _V_LEG, "Eq. 6's > reversed to <"),
    M("eq19_strict", "claims", _CL + "legendre.py", '"bound": sp.GreaterThan(_L, _H - alpha * omega),',
      '"bound": sp.StrictGreaterThan(_L, _H - alpha * omega),', _V_LEG, "Lemma 2's ≥ turned strict (false at α*)"),
    M("eq19_reversed", "claims", _CL + "legendre.py", '"bound": sp.GreaterThan(_L, _H - alpha * omega),',
      '"bound": sp.LessThan(_L, _H - alpha * omega),', _V_LEG, "Lemma 2's ≥ reversed"),
    M("eq6_alpha_star_fixed", "claims", _CL + "legendre.py", "printed=sp.Eq(alpha_star, sp.Derivative(_L, omega)),",
      "printed=sp.Eq(alpha_star, -sp.Derivative(_L, omega)),", _V_LEG, "Eq. 6's α* sign corrected"),
    M("eq19_alpha_star_sign", "claims", _CL + "legendre.py", '"alpha_star": sp.Eq(alpha_star, -sp.Derivative(_L, omega)),',
      '"alpha_star": sp.Eq(alpha_star, sp.Derivative(_L, omega)),', _V_LEG, "Lemma 2's α* = −∇L loses its minus"),
    M("eq19_domain", "claims", _CL + "legendre.py", '"domain": sp.Interval(0, 1),\n        },',
      '"domain": sp.Interval(0, 2),\n        },', _V_LEG, "Lemma 2's α-interval [0,1] widened to [0,2]"),
    M("table5_sq_fixed", "claims", _CL + "legendre.py", 'printed={"primal": (1 - omega) ** 2, "dual_objective"',
      'printed={"primal": (1 - omega) ** 2 / 2, "dual_objective"', _V_LEG, "Table 5's squared primal corrected"),
    M("eq5_range_fixed", "claims", _CL + "dual.py", "printed=sp.Interval(0, sp.oo),",
      "printed=sp.Interval.open(0, sp.oo),", _V_DUAL, "Eq. 5's λ ∈ [0, ∞) corrected to (0, ∞)"),
    M("eq5_range_shift", "claims", _CL + "dual.py", "printed=sp.Interval(0, sp.oo),",
      "printed=sp.Interval(1, sp.oo),", _V_DUAL, "Eq. 5's λ range lower end point moved to 1"),
    M("eq11_s", "claims", _CL + "dual.py", "printed=sp.Eq(z_star, S**2 * U.T * alpha_star_v.T / lam),",
      "printed=sp.Eq(z_star, S * U.T * alpha_star_v.T / lam),", _V_DUAL, "Eq. 11 with S for S²", nth=0),
    M("eq9_sign", "claims", _CL + "dual.py",
      "printed=sp.Eq(alpha_dot, eta * (-_log_alpha + _log_1m_alpha - alpha_v * U * S**2 * U.T / lam)),",
      "printed=sp.Eq(alpha_dot, eta * (-_log_alpha - _log_1m_alpha - alpha_v * U * S**2 * U.T / lam)),",
      _V_DUAL, "Eq. 9's log(1−α) with the wrong sign", nth=0),
    M("eq10_lam", "claims", _CL + "dual.py",
      "printed=sp.Eq(alpha_dot, eta * (-_log_alpha - alpha_v * U * (S**2 + lam * I_n) * U.T / lam)),",
      "printed=sp.Eq(alpha_dot, eta * (-_log_alpha - alpha_v * U * (S**2 - lam * I_n) * U.T / lam)),",
      _V_DUAL, "Eq. 10 with S² − λI", nth=0),
    M("eq32_sign", "claims", _CL + "dual.py", "printed=sp.Eq(sp.log(1 - alpha), -alpha + sp.O(alpha**2)),",
      "printed=sp.Eq(sp.log(1 - alpha), alpha + sp.O(alpha**2)),", _V_DUAL, "Eq. 32's Taylor term sign"),
    M("thm1_domain", "claims", _CL + "dual.py", '"domain": sp.Interval.open(0, 1),', '"domain": sp.Interval.open(-1, 1),',
      _V_T1, "Theorem 1's domain α ∈ (0,1) widened to (−1,1), where log α is undefined"),
    M("eq9pd_word", "claims", _CL + "dual.py", '"property": "positive definite"', '"property": "positive semi-definite"',
      _V_DUAL + _V_T1, "eq9_pd's prose property weakened to semi-definite (then true without a regime)"),
    M("sd_conditions", "claims", _CL + "decoupling.py",
      'printed={"cross_derivative": sp.Eq(SD_CROSS, 0), "conditions": ()},',
      'printed={"cross_derivative": sp.Eq(SD_CROSS, 0), "conditions": (FULL_RANK,)},', _V_SD,
      "§3.4's decoupling prose given the full-rank condition (regime becomes verified)"),
    M("gs_ndim_flip", "claims", _CL + "toy.py", 'printed={"criterion": sp.Lt(PAIR_DZ, 0),',
      'printed={"criterion": sp.Gt(PAIR_DZ, 0),', _V_TOY, "§3.3's pairwise starvation criterion flipped"),
    M("small_lambda_limit", "claims", _CL + "toy.py", 'printed={"limit_of_alpha_star": sp.Integer(0),',
      'printed={"limit_of_alpha_star": sp.Integer(1),', _V_TOY, "§3.2's limit of α* as λ/s² → 0 changed to 1"),
    M("eq12_W", "claims", _CL + "uncoupled.py", "printed=sp.Eq(alpha_i, lam * W(s**2 / lam + 1) / (s**2 + lam)),",
      "printed=sp.Eq(alpha_i, lam * W(s**2 / lam) / (s**2 + lam)),", _V_FP, "Eq. 12 with W(s²/λ) for W(s²/λ+1)",
      nth=0),
    M("eq13z_fixed", "claims", _CL + "uncoupled.py", "printed=sp.Eq(z_j, s_i**2 * W(s_i**2 / lam + 1) / (s_i**2 + lam)),",
      "printed=sp.Eq(z_j, s_j**2 * W(s_j**2 / lam + 1) / (s_j**2 + lam)),", _V_FP,
      "Eq. 13's z_j with index i 'fixed' to j", nth=0),
    M("eq56_div", "claims", _CL + "perturbation.py", "printed=sp.Eq(alpha0_i, W(A_ii) / A_ii),",
      "printed=sp.Eq(alpha0_i, W(A_ii)),", _V_L1, "Eq. 56 without the division by A_ii"),
    M("lemma1_sign", "claims", _CL + "perturbation.py", "(_ones_row() - _log_row(alpha0_row)) * (A + sp.diag(*_inv_alpha0_row)).inv()),",
      "(_ones_row() + _log_row(alpha0_row)) * (A + sp.diag(*_inv_alpha0_row)).inv()),", _V_L1,
      "Lemma 1 with 1 + log α0* for 1 − log α0*"),
    M("eq55_transpose", "claims", _CL + "perturbation.py", "U2 * (S2_diag + lam * sp.eye(N2)) * U2.T / lam),",
      "U2.T * (S2_diag + lam * sp.eye(N2)) * U2 / lam),", _V_L1, "Eq. 55's A = U(S²+λI)Uᵀ transposed"),
    M("ususu_fixed", "claims", _CL + "decoupling.py", "printed=U.T * S**2 * U,", "printed=U * S**2 * U.T,", _V_SD,
      "§3.4's UᵀS²U corrected to US²Uᵀ"),
    M("c11_theta_S", "claims", _CL + "decoupling.py", "printed=sp.Eq(theta.T, alpha_v * Y * Phi0 * V * S ** (-2) * V.T / lam),",
      "printed=sp.Eq(theta.T, alpha_v * Y * Phi0 * V * S ** (-1) * V.T / lam),", _V_SD, "C.11 θ* with S⁻¹ for S⁻²"),
    M("b5_gamma_sign", "claims", _CL + "decoupling.py",
      '"loss": _ce + lam / 2 * (yhat - gamma * sp.OneMatrix(n, 1)).T * (yhat - gamma * sp.OneMatrix(n, 1)),',
      '"loss": _ce + lam / 2 * (yhat - gamma * sp.OneMatrix(n, 1)).T * (yhat + gamma * sp.OneMatrix(n, 1)),',
      _V_SD, "B.5's ‖ŷ − γ‖² made a non-square (ŷ−γ)ᵀ(ŷ+γ)"),
    M("b1_cite_fixed", "claims", _CL + "toy.py", '"cites": "Eq. 13"', '"cites": "Eq. 12"', _V_TOY,
      "App. B.1's citation corrected from Eq. 13 to Eq. 12"),
    M("b1_S", "claims", _CL + "toy.py", '"S": sp.Matrix([2, 2])', '"S": sp.Matrix([2, 3])', _V_TOY,
      "App. B.1's S = [2, 2] changed to [2, 3] (no decoupling at all)"),
    # ------------------------------------------------------------------ claims: controls
    M("ctl_latex_thm2", "claims", _CL + "starvation.py", r'latex=r"\frac{\mathrm{d}z_2^*}{\mathrm{d}s_1^2} < 0,\tag{16}",',
      r'latex=r"\frac{\mathrm{d}z_2^*}{\mathrm{d}s_1^2} < 0,\tag{16} ",', _V_T2,
      "LaTeX-only change (a space)", expect="survive"),
    M("ctl_statement_eq6", "claims", _CL + "legendre.py", "(strictly). The same paragraph says",
      "(strictly).  The same paragraph says", _V_LEG, "prose-only change (statement)", expect="survive"),
    M("ctl_note_def2", "claims", _CL + "starvation.py", "Literal: the printed criterion", "Literal:  the printed criterion",
      _V_T2, "prose-only change (transcription note)", expect="survive"),
    # ------------------------------------------------------------------ derivations
    M("der_entropy", "derivations", "theory/legendre.py", "return -(a * sp.log(a) + (1 - a) * sp.log(1 - a))",
      "return -(a * sp.log(a) - (1 - a) * sp.log(1 - a))", _V_LEG + ("tests/test_legendre.py",),
      "binary entropy with a wrong sign"),
    M("der_sigmoid", "derivations", "theory/legendre.py", "    return 1 / (1 + sp.exp(-x))", "    return 1 / (1 + sp.exp(x))",
      _V_LEG + ("tests/test_legendre.py",), "σ(x) = 1/(1+e^{x})"),
    M("der_dual_half", "derivations", "theory/dual.py", 'lam / 2 * (I["theta"].T * I["theta"])[0]',
      'lam * (I["theta"].T * I["theta"])[0]', _V_DUAL + ("tests/test_dual.py",), "ridge λ‖θ‖² without the 1/2"),
    M("der_eq9_numeric", "derivations", "theory/dual.py", "np.log1p(-alpha) - np.log(alpha)",
      "np.log1p(alpha) - np.log(alpha)", _V_DUAL + ("tests/test_dual.py",), "numeric Eq. 9 field with log(1+α)"),
    M("der_case2_W", "derivations", "theory/uncoupled.py", "sy**2 * W(1 + sy**2 / lam) / (sy**2 + lam)",
      "sy**2 * W(sy**2 / lam) / (sy**2 + lam)", _V_FP, "case 2 response with W(s²/λ)"),
    M("der_sd_half", "derivations", "theory/decoupling.py",
      'return -(I["alpha"] * I["Y"] * _yh)[0] + lam / 2 * (_yh.T * _yh)[0]',
      'return -(I["alpha"] * I["Y"] * _yh)[0] + lam * (_yh.T * _yh)[0]', _V_SD + ("tests/test_decoupling.py",),
      "SD penalty λ‖ŷ‖² without 1/2"),
    M("der_softmax_ce", "derivations", "theory/multiclass.py", "return lse(v) - v[label]", "return lse(v) + v[label]",
      _V_MC + ("tests/test_multiclass.py",), "softmax CE with + v_label"),
    M("der_rotation", "derivations", "theory/perturbation.py",
      "return sp.Matrix([[sp.cos(th), -sp.sin(th)], [sp.sin(th), sp.cos(th)]])",
      "return sp.Matrix([[sp.cos(th), sp.sin(th)], [sp.sin(th), sp.cos(th)]])",
      _V_L1 + _V_T2 + ("tests/test_perturbation.py",), "rotation U of Eq. 15 not orthogonal"),
    # ------------------------------------------------------------------ engine
    M("eng_loss17_half", "engine", "theory/engine/primal.py", "L = L + 0.5 * P.lam * np.sum(target * target, axis=-1)",
      "L = L + P.lam * np.sum(target * target, axis=-1)", _PRIMAL,
      "primal loss value of Eq. 17/B.5 without the 1/2 (the gradient is left right)"),
    M("eng_loss5_half", "engine", "theory/engine/primal.py", "L = L + 0.5 * P.lam * np.sum(theta * theta, axis=-1)",
      "L = L + P.lam * np.sum(theta * theta, axis=-1)", _PRIMAL,
      "primal loss value of Eq. 5 without the 1/2"),
    M("eng_hessian_lam", "engine", "theory/engine/primal.py", "return PhiT @ ((dd + P.lam[:, None])[..., None] * P.Phi)",
      "return PhiT @ ((dd + 2 * P.lam[:, None])[..., None] * P.Phi)", _PRIMAL,
      "Hessian of Eq. 17 with 2λ"),
    M("eng_hessian_curv", "engine", "theory/engine/primal.py", "dd = sg * (1.0 - sg)", "dd = sg * (1.0 - sg) * 1.05",
      _PRIMAL, "Hessian's curvature weights 5 % off (Newton still converges)"),
    M("eng_halley", "engine", "theory/engine/fixed_points.py", "w = w - f / (ew * (w + 1.0) - (w + 2.0) * f / (2.0 * w + 2.0))",
      "w = w - f / (ew * (w + 1.0))", ("tests/test_engine_fixed_points.py", "verify/test_fixed_points.py"),
      "Lambert W by Newton instead of Halley: only the start of the Eq. 10 solve (quadratic "
      "convergence from Winitzki's 2 % still reaches ~1e-14 in 4 steps, and the solve polishes it): equivalent"),
    M("eng_dz_product", "engine", "theory/engine/sensitivities.py", "dz[..., idx, idx] += ua / lam_b",
      "dz[..., idx, idx] += 0.5 * ua / lam_b", ("tests/test_engine_sensitivities.py", "verify/test_theorem2.py"),
      "product-rule term of dz*/ds² halved"),
    M("eng_first_order", "engine", "theory/engine/first_order.py", "z2 = q2 / lam * (e2 + delta * (a12 - e1))",
      "z2 = q2 / lam * (e2 + delta * (a12 + e1))", ("tests/test_engine_sensitivities.py", "verify/test_theorem2.py"),
      "first-order z2 with +e1"),
    M("eng_eq65_copy", "engine", "theory/engine/first_order.py",
      "num = delta * lam * s2**2 * (np.exp(W1) - np.exp(W2)) * (W1 + 1)",
      "num = delta * lam * s2**2 * (np.exp(W1) - np.exp(W2)) * (W2 + 1)",
      ("tests/test_engine_sensitivities.py", "verify/test_theorem2.py"),
      "the engine's re-typed Eq. 65 changed (after: the copy is gone, Eq. 65 is read from the claims)"),
    M("eng_first_order_dz", "engine", "theory/engine/first_order.py",
      "        - np.exp(-2 * W1) / (lam * (1 + W1))\n", "        - np.exp(-2 * W1) / (lam * (1 + W2))\n",
      ("tests/test_engine_sensitivities.py", "verify/test_theorem2.py"),
      "hand-expanded first-order dz2*/ds1² with (1+W2) for (1+W1)"),
    # ------------------------------------------------------------------ empirical
    M("emp_noise", "empirical", "empirical/data/moons.py", "NOISE = 0.1", "NOISE = 0.12", _EMP,
      "two-moons noise level changed from scikit-learn's 0.1 setting"),
    M("emp_moon_offset", "empirical", "empirical/data/moons.py", "np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5),",
      "np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.4),", _EMP, "inner moon shifted by 0.1"),
    M("emp_reliance_axis", "empirical", "empirical/measure.py", "rel = (gb @ e2) ** 2 /", "rel = (gb @ e1) ** 2 /",
      _EMP, "reliance measured along x1 instead of x2"),
    M("emp_margin_max", "empirical", "empirical/measure.py", "d, k = dist.min(dim=-1)", "d, k = dist.max(dim=-1)",
      _EMP, "margin = farthest crossing instead of the nearest"),
    M("emp_flip_axis", "empirical", "empirical/measure.py",
      "Xa = X - (c2 - c2.mean(1, keepdim=True))[..., None] * e2",
      "Xa = X - (c2 - c2.mean(1, keepdim=True))[..., None] * e1", _EMP, "x2-ablation applied along x1"),
    M("emp_bisect", "empirical", "empirical/measure.py", "        hi = torch.where(c, mid, hi)\n",
      "        hi = torch.where(c, hi, mid)\n", _EMP, "margin bisection keeps the wrong half"),
)

_ids = [m.id for m in MUTATIONS]
if len(set(_ids)) != len(_ids):
    raise ValueError("duplicate mutation ids")
