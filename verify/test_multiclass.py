"""Multi-class extension (App. C.1.1, Eq. 29-30).

Routes compared:
- printed vs derived (verdicts from theory.multiclass);
- the printed Eq. 29 evaluated numerically (C = 3) against softmax cross-entropy, under
  both readings of ŷ (probabilities, as log(ŷ_c) suggests, and logits): the printed bound
  fails under both, which is what the erratum verdict asserts.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from theory.claims import CLAIMS
from verify._support import E, V, assert_verdict

EXPECTED = {
    "eq29": (E, "the printed bound is false (e.g. confident correct predictions); corrected with δ_y − α^c"),
    "eq30": (V, "the dual of the corrected Eq. 29 with per-class ridge"),
    "c11_multiclass_sd": (V, "SD decouples the α^c as in the binary case (rank Φ = n)"),
}


@pytest.mark.parametrize("cid", sorted(EXPECTED))
def test_verdict(verdicts, cid):
    assert_verdict(verdicts, cid, *EXPECTED[cid])


def _printed_eq29(C: int):
    rel = CLAIMS["eq29"].printed
    Csym = [s for s in rel.free_symbols if s.name == "C"][0]
    lhs, rhs = rel.lhs.subs(Csym, C).doit(), rel.rhs.subs(Csym, C).doit()
    idx = sorted(lhs.atoms(sp.Indexed) | rhs.atoms(sp.Indexed), key=str)
    return lhs, rhs, idx


def _eval(expr, idx, y, yhat, a):
    vals = {}
    for ix in idx:
        name, c = str(ix.base), int(ix.indices[0]) - 1
        vals[ix] = {"y": y, "\\hat{y}": yhat, "\\alpha": a}[name][c]
    return float(expr.subs(vals))


def test_printed_eq29_fails_with_probabilities_and_with_logits():
    lhs, rhs, idx = _printed_eq29(3)
    y = np.array([1.0, 0.0, 0.0])
    a = np.full(3, 1 / 3)  # one admissible α in the simplex is enough to break a lower bound
    # Reading 1: ŷ are probabilities (log ŷ_c printed). A confident correct prediction.
    p = np.array([0.98, 0.01, 0.01])
    assert _eval(rhs, idx, y, p, a) > _eval(lhs, idx, y, p, a) + 0.5
    # Reading 2: ŷ are logits; −Σ y_c log softmax(ŷ)_c is the cross-entropy. The printed
    # RHS uses ŷ_c directly: with ŷ = (0, −10, −10) the loss is ~9e-5, the RHS at α = 1/3 ≈ 7.8.
    logits = np.array([0.0, -10.0, -10.0])
    ce = -np.log(np.exp(logits[0]) / np.exp(logits).sum())
    assert _eval(rhs, idx, y, logits, a) > ce + 1.0


def test_corrected_eq29_is_tight_at_softmax():
    # Independent route (numpy): CE = max_{α∈Δ} H(α) − Σ_c (δ_{y,c} − α_c) ŷ_c, attained
    # at α = softmax(ŷ); checked at random logits against a dense simplex search.
    rng = np.random.default_rng(0)
    for _ in range(20):
        z = rng.normal(scale=3.0, size=3)
        y = rng.integers(3)
        ce = np.log(np.exp(z).sum()) - z[y]
        p = np.exp(z) / np.exp(z).sum()
        onehot = np.eye(3)[y]
        def val(a):
            return -(a * np.log(a)).sum() - ((onehot - a) * z).sum()
        assert val(p) == pytest.approx(ce, abs=1e-12)
        g = rng.dirichlet(np.ones(3), size=2000)
        assert np.max(-(g * np.log(g)).sum(1) - ((onehot - g) * z).sum(1)) <= ce + 1e-12
