"""A deterministic hard suite of well-posed fixed-point problems (Eq. 9, Eq. 10, B.5).

Every point is well posed: s > 0, U orthogonal, λ > 0, labels ±1, so Eq. 9 and
Eq. 10 have a unique root (their dual objectives, Eq. 8 and its Taylor form, are
strictly concave) and B.5 has one root per coordinate. The suite spans

- n = 2 … 50 (n = 2 uses U of Eq. 15 with |δ| up to 1 − 1e-9, n ≥ 3 a Haar-random
  orthogonal U),
- singular-value ratios s_max/s_min up to 1e6 (s_max ∈ [1e-2, 1e2], log-uniform),
- λ ∈ [1e-8, 1e8] (log-uniform),
- B.5 with |γ| up to 1e3 (log-uniform magnitude, random sign) and random labels.

Used by the engine's tests (a few hundred points) and by
``benchmarks/bench_fixed_points.py --hard`` (the full suite).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from theory.engine.constructors import u_eq15

NS = (2, 3, 4, 5, 8, 10, 20, 50)


@dataclass(frozen=True)
class HardBatch:
    """One batch of the suite: one n and one system."""

    n: int
    dynamics: str
    s: np.ndarray
    U: np.ndarray
    lam: np.ndarray
    y: np.ndarray | None = None
    gamma: np.ndarray | None = None


def haar_orthogonal(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Haar-random orthogonal matrices [size, n, n] (QR of a Gaussian, signs fixed).

    References: Mezzadri, "How to generate random matrices from the classical compact
    groups", Notices AMS 54 (2007).
    """
    Q, R = np.linalg.qr(rng.standard_normal((size, n, n)))
    return Q * np.sign(np.diagonal(R, axis1=-2, axis2=-1))[:, None, :]


def _deltas(size: int, rng: np.random.Generator) -> np.ndarray:
    """|δ| log-spread towards 1 (1 − |δ| ∈ [1e-9, 1]) and towards 0, random sign."""
    near_one = 1.0 - 10 ** rng.uniform(-9, 0, size)
    near_zero = 10 ** rng.uniform(-9, 0, size)
    mag = np.where(rng.random(size) < 0.5, near_one, near_zero)
    return mag * np.where(rng.random(size) < 0.5, -1.0, 1.0)


def hard_suite(points_per_batch: int = 50, seed: int = 0, ns=NS) -> list[HardBatch]:
    """The suite as a list of batches (n × {eq9, eq10, b5}), deterministic in ``seed``.

    Args:
        points_per_batch: Points per (n, system) batch.
        seed: Seed of the generator.
        ns: Dimensions n to include.

    Returns:
        List of HardBatch.
    """
    rng = np.random.default_rng(seed)
    out = []
    P = points_per_batch
    for n in ns:
        for dyn in ("eq9", "eq10", "b5"):
            smax = 10 ** rng.uniform(-2, 2, P)
            ratio = 10 ** rng.uniform(0, 6, P)
            r = rng.random((P, n))
            r[:, 0], r[:, -1] = 0.0, 1.0  # extremes present: s_max / s_min = ratio exactly
            s = smax[:, None] * ratio[:, None] ** (-r)
            if n > 2:
                s = s[:, rng.permutation(n)]
            lam = 10 ** rng.uniform(-8, 8, P)
            U = u_eq15(_deltas(P, rng)) if n == 2 else haar_orthogonal(n, P, rng)
            y = gamma = None
            if dyn == "b5":
                y = np.where(rng.random((P, n)) < 0.5, -1.0, 1.0)
                gamma = 10 ** rng.uniform(-2, 3, P) * np.where(rng.random(P) < 0.5, -1.0, 1.0)
            out.append(HardBatch(n, dyn, s, U, lam, y, gamma))
    return out
