"""Synthetic two-feature data sets of the beyond-NTK experiments (width sweep, starvation).

Two-feature data (:func:`two_feature_data`). Labels y_i ∈ {±1} (balanced: exactly n/2 of each, shuffled);
inputs in R^d (d ≥ 2),

    x_i = y_i · (a · c1_i · e1 + b · c2_i · e2) + σ · ε_i,
    c1_i = 1 + τ ξ1_i,  c2_i = 1 + τ ξ2_i,  ξ1, ξ2, ε_i ~ N(0, 1) / N(0, I_d) independent.

Feature 1 (direction e1) has strength a, feature 2 (direction e2) strength b. The per-example
multipliers c1, c2 make the two features vary *differently* across examples: with c ≡ 1 the
label-signed rows y_i x_i of both features would be the same vector across examples and
merge into a single singular direction of YΦ₀ (Definition 1); with τ > 0 they are distinct
but coupled (both have mean 1, so their example-weight vectors overlap — the δ of Eq. 15).
σ is isotropic noise in all d dimensions.

Block design (:func:`block_feature_data`): two blocks of examples, one per feature, with the
coupling δ of Eq. 15 set by construction (its docstring derives why).
"""

from __future__ import annotations

import math

import numpy as np


def _check_data_args(d: int, **levels: float) -> None:
    """Input dimension d ≥ 2 and every named strength/noise level finite and ≥ 0."""
    if int(d) != d or d < 2:
        raise ValueError(f"d must be an integer >= 2; got {d!r}")
    for name, v in levels.items():
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"{name} must be a finite number >= 0; got {v!r}")


def two_feature_data(n: int, d: int, a: float, b: float, *, tau: float = 0.5, sigma: float = 0.3,
                     seed: int = 0, remove_feature1: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Draw the two-feature data set described in the module docstring.

    Args:
        n: Number of points, even, ≥ 2 (balanced labels).
        d: Input dimension, ≥ 2.
        a: Strength of feature 1 (direction e1), ≥ 0.
        b: Strength of feature 2 (direction e2), ≥ 0.
        tau: Per-example relative spread of each feature's strength, ≥ 0.
        sigma: Isotropic noise level, ≥ 0.
        seed: NumPy seed.
        remove_feature1: Omit the a·c1·e1 term (the "feature 1 removed" test data of §2);
            the random draws are identical to the data with feature 1, so the two sets are
            the same points with and without feature 1.

    Returns:
        (X [n, d], y [n]) float64 arrays.

    Raises:
        ValueError: Bad input.
    """
    if int(n) != n or n < 2 or n % 2:
        raise ValueError(f"n must be an even integer >= 2; got {n!r}")
    _check_data_args(d, a=a, b=b, tau=tau, sigma=sigma)
    rng = np.random.default_rng(seed)
    y = np.repeat([1.0, -1.0], n // 2)
    rng.shuffle(y)
    c1 = 1.0 + tau * rng.standard_normal(n)
    c2 = 1.0 + tau * rng.standard_normal(n)
    X = sigma * rng.standard_normal((n, d))
    if not remove_feature1:
        X[:, 0] += y * a * c1
    X[:, 1] += y * b * c2
    return X, y


def block_feature_data(n: int, d: int, a: float, b: float, delta: float, *, sigma: float = 0.1,
                       seed: int = 0, remove_feature1: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Block design with a controlled coupling δ of Eq. 15 (a sharp eNTK test of Thm. 2).

    Examples 0 … n/2−1 form block A (feature 1's), n/2 … n−1 block B (feature 2's); labels
    are balanced *within each block* (n/4 of each sign, shuffled inside the block). With
    c = √(1−δ²),

        x_i = y_i · (a · c1_i · e1 + b · c2_i · e2) + σ ε_i,
        (c1_i, c2_i) = (c, −δ) on block A,   (δ, c) on block B,   ε_i ~ N(0, I_d).

    Why the SVD of YΦ₀ then has one singular direction per feature, rotated by exactly δ:

    * Linear kernel (σ = 0): YX = a c1 e1ᵀ + b c2 e2ᵀ with c1·c2 = (n/2)(−cδ + δc) = 0 and
      |c1|² = |c2|² = n/2, so Y X Xᵀ Y = (n/2)(a² u1u1ᵀ + b² u2u2ᵀ), u_k = c_k/√(n/2): two
      singular directions with s₁² ∝ a², s₂² ∝ b², and in the basis of the block indicators
      r1 = 1_A/√(n/2), r2 = 1_B/√(n/2) they are [u1 u2] = [r1 r2]·[[c, −δ], [δ, c]] — Eq. 15's
      U, with the same δ at every a (only S changes along a sweep of a, as Definition 2
      assumes).
    * Any kernel of the (infinite-width) network, σ = 0: the label-signed inputs are
      y_i x_i = v_A on A and v_B on B, so y_i y_j K(x_i, x_j) = P_kl + y_i y_j Q_kl (k, l the
      blocks) with P = the part of K odd under x' → −x' (½[K(v_k, v_l) − K(v_k, −v_l)]) and
      Q the even part, because K(−x, −x') = K(x, x') for a bias-free net with symmetric
      weights. So Y K Y = Σ_kl (P_kl 1_k1_lᵀ + Q_kl y_k y_lᵀ): labels balanced in each block
      make 1_k ⊥ y_l for all k, l, so span{r1, r2} is invariant — exactly two singular
      directions lie in it (one per feature; the even part's directions y_A, y_B are
      orthogonal to them and carry no response) and their 2×2 rotation in the basis
      (r1, r2) is P's eigenbasis: δ's sign is the design's (P_AB ∝ v_A·v_B = cδ(a² − b²) to
      leading order), its size is shrunk by the kernel's nonlinearity and is *measured*
      (:func:`rotation_coupling`). Then α* of Eq. 9 is constant on each block, and the
      n-dimensional problem is exactly Eq. 15's 2-example problem with that U and the same
      s₁, s₂ (z scaled by √(n/2)).
    * σ > 0 (needed: without it YΦ₀ has rank ≤ 4) and finite width (K(−x, −x') ≠ K(x, x'))
      break the invariance slightly; the in-plane norm ‖[r1 r2]ᵀu_j‖ measures how much.
      It is ≈ 1 only if the feature's direction is not near-degenerate with the even
      harmonic of feature 1 (y_A, s² ∝ a²): hence b < a over the whole sweep, see
      :mod:`empirical.starvation`.

    Args:
        n: Number of points, a multiple of 4 (two blocks, balanced labels in each).
        d: Input dimension, ≥ 2.
        a: Strength of feature 1 (direction e1), ≥ 0.
        b: Strength of feature 2 (direction e2), ≥ 0.
        delta: Coupling δ of Eq. 15, |δ| < 1.
        sigma: Isotropic noise level, ≥ 0.
        seed: NumPy seed (the draws do not depend on a, b, δ or ``remove_feature1``).
        remove_feature1: Omit the a·c1·e1 term (same points without feature 1).

    Returns:
        (X [n, d], y [n], block [n] with 0 = A, 1 = B), float64 / float64 / int64.

    Raises:
        ValueError: Bad input.
    """
    if int(n) != n or n < 4 or n % 4:
        raise ValueError(f"n must be a multiple of 4, >= 4 (two blocks, balanced labels); got {n!r}")
    _check_data_args(d, a=a, b=b, sigma=sigma)
    if not (math.isfinite(delta) and abs(delta) < 1):
        raise ValueError(f"delta must be in (-1, 1); got {delta!r}")
    rng = np.random.default_rng(seed)
    m = n // 2
    block = np.repeat([0, 1], m)
    y = np.empty(n)
    for k in (0, 1):
        yk = np.repeat([1.0, -1.0], m // 2)
        rng.shuffle(yk)
        y[block == k] = yk
    c = math.sqrt(1.0 - delta * delta)
    c1 = np.where(block == 0, c, delta)
    c2 = np.where(block == 0, -delta, c)
    X = sigma * rng.standard_normal((n, d))
    if not remove_feature1:
        X[:, 0] += y * a * c1
    X[:, 1] += y * b * c2
    return X, y, block


def block_references(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(r1, r2): the unit block indicators 1_A/√|A|, 1_B/√|B| — feature 1's and 2's example weights at δ = 0."""
    block = np.asarray(block)
    if block.ndim < 1 or not np.isin(block, (0, 1)).all() or not (block == 0).any(-1).all() \
            or not (block == 1).any(-1).all():
        raise ValueError("block must hold 0 (A) and 1 (B), each at least once")
    r1, r2 = (block == 0).astype(float), (block == 1).astype(float)
    return r1 / np.linalg.norm(r1, axis=-1, keepdims=True), r2 / np.linalg.norm(r2, axis=-1, keepdims=True)
