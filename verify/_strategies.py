"""Hypothesis strategies for admissible parameters of §3 (shared by verify/ modules)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

# Ranges of theory.symbols.DOMAINS: s ∈ [0.1, 10], λ ∈ [1e-2, 1e2] (log-uniform via exponents).
log_s = st.floats(min_value=-1.0, max_value=1.0)
log_lam = st.floats(min_value=-2.0, max_value=2.0)
deltas = st.floats(min_value=1e-3, max_value=0.95)

B1_U = np.array([[0.8, -0.6], [0.6, 0.8]])  # App. B.1


def orthogonal(n: int, seed: int) -> np.ndarray:
    """A Haar-random orthogonal n×n matrix from a seed (QR with sign fix)."""
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


@st.composite
def problems(draw, n_min: int = 1, n_max: int = 5):
    """(s [n], U [n, n], λ) with U Haar-random orthogonal."""
    n = draw(st.integers(n_min, n_max))
    s = 10.0 ** np.array(draw(st.lists(log_s, min_size=n, max_size=n)))
    U = orthogonal(n, draw(st.integers(0, 2**31 - 1)))
    lam = 10.0 ** draw(log_lam)
    return s, U, lam


@st.composite
def eq15_points(draw, delta_max: float = 0.95, strong_first: bool = True):
    """(s1, s2, λ, δ) with s1 > s2 (Theorem 2's premise) when ``strong_first``."""
    a, b = draw(log_s), draw(log_s)
    if strong_first:
        a, b = max(a, b) + 1e-3, min(a, b)  # strict s1 > s2
    lam = 10.0 ** draw(log_lam)
    d = draw(st.floats(min_value=1e-3, max_value=delta_max))
    return 10.0**a, 10.0**b, lam, d


def u15_printed(delta: float) -> np.ndarray:
    """U of Eq. 15 evaluated from the *printed* matrix (theory.claims), not the engine's."""
    import sympy as sp

    from theory.claims import CLAIMS

    M = CLAIMS["eq15"].printed
    d = [x for x in M.free_symbols if x.name == "delta"][0]
    return np.array(sp.lambdify(d, M, "numpy")(delta), dtype=float)
