"""Constructors for the paper's settings (Eq. 15, App. B.1, near-identity U in n dims).

Sign convention of Eq. 15 (kept exactly as printed):

    U = [[√(1−δ²), −δ],
         [ δ,      √(1−δ²)]],

i.e. U₂₁ = +δ, U₁₂ = −δ, det U = +1 (a rotation by +arcsin δ). With this U,
K = U S² Uᵀ has K₁₂ = δ√(1−δ²)(s₁² − s₂²).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from theory.engine.validation import check_delta, check_s

TOY_U = np.array([[0.8, -0.6], [0.6, 0.8]])  # App. B.1, = Eq. 15 with δ = 0.6
TOY_S2 = 2.0  # App. B.1: S = [s1, s2 = 2]


def u_eq15(delta: object) -> np.ndarray:
    """U of Eq. 15 for each δ (batched).

    Args:
        delta: Coupling δ, any shape [...], |δ| < 1.

    Returns:
        Array of shape [..., 2, 2]: [[√(1−δ²), −δ], [δ, √(1−δ²)]].
    """
    d = check_delta(delta)
    c = np.sqrt(1.0 - d * d)
    U = np.empty(d.shape + (2, 2))
    U[..., 0, 0] = c
    U[..., 0, 1] = -d
    U[..., 1, 0] = d
    U[..., 1, 1] = c
    return U


def delta_of_eq15(U: np.ndarray, atol: float = 1e-12) -> np.ndarray | None:
    """Return δ if every U in the batch has the form of Eq. 15, else None.

    Args:
        U: Array [..., 2, 2].
        atol: Entry-wise tolerance (1e-12: float64 sqrt and JSON round trip are exact
            to ~1e-16; anything coarser is a different matrix).

    Returns:
        δ = U₂₁ (shape [...]) or None.
    """
    U = np.asarray(U, dtype=float)
    if U.shape[-2:] != (2, 2):
        return None
    d = U[..., 1, 0]
    c = np.sqrt(np.clip(1.0 - d * d, 0.0, None))
    ok = (
        np.all(np.abs(U[..., 0, 1] + d) <= atol)
        and np.all(np.abs(U[..., 0, 0] - c) <= atol)
        and np.all(np.abs(U[..., 1, 1] - c) <= atol)
        and np.all(np.abs(d) < 1)
    )
    return d if ok else None


def random_near_identity_u(
    n: int, delta: float, size: tuple[int, ...] = (), rng: np.random.Generator | int | None = None
) -> np.ndarray:
    """Random orthogonal U = expm(δ Ω) close to the identity, with coupling δ.

    Ω is antisymmetric with Ω_ij = ±1 (independent fair signs) for i < j and
    Ω_ji = −Ω_ij, so every off-diagonal entry of U is ±δ + O(δ²) — the n-dimensional
    analogue of Lemma 1's "off-diagonal elements proportional to δ". U is exactly
    orthogonal (expm of an antisymmetric matrix), det U = +1. For n = 2 and
    Ω₂₁ = +1 it is the rotation [[cos δ, −sin δ], [sin δ, cos δ]], which agrees with
    Eq. 15 to first order in δ (sin δ = δ + O(δ³)).

    Args:
        n: Number of features (≥ 1).
        delta: Coupling, |δ| < 1.
        size: Batch shape; the result has shape size + (n, n).
        rng: Generator or seed.

    Returns:
        Array of orthogonal matrices.
    """
    if int(n) != n or n < 1:
        raise ValueError(f"n must be an integer >= 1; got {n!r}")
    d = float(check_delta(delta))
    rng = np.random.default_rng(rng)
    size = tuple(size)
    signs = rng.choice([-1.0, 1.0], size=size + (n, n))
    upper = np.triu(signs, 1)
    omega = upper - np.swapaxes(upper, -1, -2)
    if n == 1:
        return np.ones(size + (1, 1))
    U = scipy.linalg.expm(d * omega)
    # Re-orthogonalise once (polar step) so UᵀU = I to ~1e-16 whatever expm's rounding.
    return U @ (1.5 * np.eye(n) - 0.5 * np.swapaxes(U, -1, -2) @ U)


@dataclass(frozen=True)
class Toy:
    """The App. B.1 toy: two data points, U = [[0.8, −0.6], [0.6, 0.8]], S = [s1, 2]."""

    s: np.ndarray
    U: np.ndarray


def toy_b1(s1: object = (2.0, 3.0, 4.0, 5.0, 6.0)) -> Toy:
    """The App. B.1 toy for one or several s1 (paper: s1 ∈ {2, 3, 4, 5, 6}).

    Args:
        s1: Strength of feature 1, scalar or array [...].

    Returns:
        Toy with s of shape [..., 2] and U of shape [2, 2] (broadcasts over the batch).
    """
    s1a = check_s(np.atleast_1d(np.asarray(s1, dtype=float))[..., None])[..., 0]
    s = np.stack([s1a, np.full_like(s1a, TOY_S2)], axis=-1)
    if np.ndim(s1) == 0:
        s = s[0]
    return Toy(s=s, U=TOY_U.copy())


def random_admissible_eq15(
    points: int, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Random admissible n = 2 parameters with U of Eq. 15.

    Ranges follow theory.symbols.DOMAINS: s log-uniform in [0.1, 10], λ log-uniform
    in [1e-2, 1e2], δ uniform in [1e-3, 0.95].

    Args:
        points: Number of points.
        rng: Generator or seed.

    Returns:
        (s [points, 2], U [points, 2, 2], lam [points], delta [points]).
    """
    rng = np.random.default_rng(rng)
    s = 10.0 ** rng.uniform(-1.0, 1.0, size=(points, 2))
    lam = 10.0 ** rng.uniform(-2.0, 2.0, size=points)
    delta = rng.uniform(1e-3, 0.95, size=points)
    return s, u_eq15(delta), lam, delta
