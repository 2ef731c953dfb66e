"""Numeric engine: exact fixed points, sensitivities, trajectories (no symbolic code).

Shares no code with the symbolic layer (theory.{legendre, dual, uncoupled,
perturbation, starvation, decoupling}); it is the independent numeric oracle.

Modules:
    validation     input checks (ValueError naming the parameter and its range)
    constructors   U of Eq. 15, random near-identity U, the App. B.1 toy
    fixed_points   Eq. 9, Eq. 10, Eq. 18 (SD), App. B.5: batched globalised Newton,
                   continuation and an mpmath last resort; relative stopping rule
    hard_suite     a deterministic suite of hard well-posed points (tests, benchmark)
    sensitivities  dz*/d(s²) by implicit differentiation (Definition 2)
    first_order    Lemma 1 (Eq. 14), first-order z* and dz2*/ds1² (derived, Eq. 65 printed)
    primal         the primal losses Eq. 5 / 17 / B.5 and their exact optimum
    trajectories   dual ODEs and primal gradient flow / descent, batched

Example:
    >>> from theory.engine import solve_fixed_points, u_eq15
    >>> r = solve_fixed_points([3.0, 2.0], u_eq15(0.1), 0.5, "eq10")
    >>> bool(r.relative_residual <= 1e-12)
    True
"""

from theory.engine.constructors import random_near_identity_u, toy_b1, u_eq15
from theory.engine.fixed_points import (
    DYNAMICS,
    AlphaAboveOneWarning,
    FixedPointResult,
    NonConvergenceError,
    solve_fixed_points,
)
from theory.engine.primal import primal_optimum, random_V
from theory.engine.sensitivities import dalpha_ds2, dz_ds2
from theory.engine.trajectories import dual_ode, primal_gradient_descent, primal_gradient_flow

__all__ = [
    "DYNAMICS",
    "AlphaAboveOneWarning",
    "FixedPointResult",
    "NonConvergenceError",
    "dalpha_ds2",
    "dual_ode",
    "dz_ds2",
    "primal_gradient_descent",
    "primal_gradient_flow",
    "primal_optimum",
    "random_V",
    "random_near_identity_u",
    "solve_fixed_points",
    "toy_b1",
    "u_eq15",
]
