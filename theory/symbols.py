"""SymPy symbols shared by the claims and the derivations, with their domains.

Every symbol carries the assumptions the paper makes about it, and a sampling
domain (``DOMAINS``) from which numeric evidence draws random points. The domains
are the paper's admissible sets, clipped to ranges where 50-digit arithmetic is
comfortable (e.g. λ and s² span four decades, not the whole half-line).

Example:
    >>> from theory.symbols import lam, s1, DOMAINS
    >>> lam.is_positive, DOMAINS[s1].kind
    (True, 'log')
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

# Scalars of §3. Positivity is the paper's: λ > 0 (Eq. 7 divides by it; Eq. 5
# prints λ ∈ [0, ∞), see claim ``eq5_lambda_range``), singular values s_i > 0.
lam = sp.Symbol("lambda", positive=True)
eta = sp.Symbol("eta", positive=True)
s = sp.Symbol("s", positive=True)
s1 = sp.Symbol("s_1", positive=True)
s2 = sp.Symbol("s_2", positive=True)
# Coupling of Eq. 15: 0 < δ < 1 (Lemma 1 assumes δ > 0).
delta = sp.Symbol("delta", positive=True)
# Logit margin ω = y ŷ (Eq. 19) is any real; dual variable α ∈ (0, 1).
omega = sp.Symbol("omega", real=True)
alpha = sp.Symbol("alpha", positive=True)
alpha1 = sp.Symbol("alpha_1", positive=True)
alpha2 = sp.Symbol("alpha_2", positive=True)
# Generic "argument of W" and a generic positive real.
x = sp.Symbol("x", positive=True)


@dataclass(frozen=True)
class Domain:
    """Where random evaluation points for a symbol are drawn.

    Attributes:
        lo: Lower end (exclusive in spirit; never hit exactly by sampling).
        hi: Upper end.
        kind: ``"log"`` samples log-uniformly (scale parameters such as λ, s),
            ``"uniform"`` samples uniformly (δ, ω, α).
    """

    lo: float
    hi: float
    kind: str = "uniform"

    def __post_init__(self) -> None:
        import math

        if self.kind not in ("log", "uniform"):
            raise ValueError(f"Domain.kind must be 'log' or 'uniform'; got {self.kind!r}")
        if not (math.isfinite(self.lo) and math.isfinite(self.hi) and self.lo < self.hi):
            raise ValueError(f"Domain needs finite lo < hi; got lo={self.lo!r}, hi={self.hi!r}")
        if self.kind == "log" and not self.lo > 0:
            raise ValueError(f"a log Domain needs lo > 0; got lo={self.lo!r}")


DOMAINS: dict[sp.Symbol, Domain] = {
    lam: Domain(1e-2, 1e2, "log"),
    eta: Domain(1e-2, 1e1, "log"),
    s: Domain(1e-1, 1e1, "log"),
    s1: Domain(1e-1, 1e1, "log"),
    s2: Domain(1e-1, 1e1, "log"),
    delta: Domain(1e-3, 0.95, "uniform"),
    omega: Domain(-20.0, 20.0, "uniform"),
    alpha: Domain(1e-6, 1 - 1e-6, "uniform"),
    alpha1: Domain(1e-6, 1 - 1e-6, "uniform"),
    alpha2: Domain(1e-6, 1 - 1e-6, "uniform"),
    x: Domain(1e-2, 1e3, "log"),
}
