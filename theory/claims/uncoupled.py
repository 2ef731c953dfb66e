"""Printed claims of §3.3 cases 1-2 and App. C.7-C.8 (Eq. 12-13, 39-53), verbatim."""

from __future__ import annotations

import sympy as sp

from theory.claims import Claim, Kind
from theory.symbols import lam, s

alpha_i = sp.Symbol("alpha_i^*")
W = sp.LambertW

CLAIMS: list[Claim] = [
    Claim(
        id="eq12_alpha",
        equation="Eq. 12",
        section="§3.3",
        title="Fixed point α* when S² ∝ I",
        latex=r"\alpha_i^* = \frac{\lambda W(\lambda^{-1} s^2 + 1)}{s^2 + \lambda}",
        printed=sp.Eq(alpha_i, lam * W(s**2 / lam + 1) / (s**2 + lam)),
        statement="With S² = s²I the fixed point of Eq. 10 has every α_i equal to λW(s²/λ+1)/(s²+λ).",
        assumptions=("S² = s² I", "λ > 0", "U orthogonal", "fixed point of Eq. 10"),
        kind=Kind.FIXED_POINT,
    ),
]
