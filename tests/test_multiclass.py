"""Tests of theory.multiclass: Eq. 29 (erratum), Eq. 30, multi-class SD."""

import math

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import minimize

from theory import multiclass
from theory.derivation import Verdict
from theory.symbols import alpha1, alpha2, lam


def test_corrected_bound_numeric():
    # Independent (NumPy): CE ≥ H(α) − Σ(δ_y − α)ŷ on random simplex points, equality at softmax.
    rng = np.random.default_rng(0)
    for _ in range(200):
        v = rng.normal(scale=3, size=4)
        y = rng.integers(4)
        ce = np.log(np.sum(np.exp(v))) - v[y]
        a = rng.dirichlet(np.ones(4))
        rhs = -np.sum(a * np.log(a)) - np.sum((np.eye(4)[y] - a) * v)
        assert ce >= rhs - 1e-12
        p = np.exp(v) / np.exp(v).sum()
        assert -np.sum(p * np.log(p)) - np.sum((np.eye(4)[y] - p) * v) == pytest.approx(ce, rel=1e-10, abs=1e-12)


def test_printed_eq29_counterexample_by_hand():
    # Probabilities reading, C = 2: −log 0.9 = 0.1054 < log 2 − 0.5 = 0.1931.
    cx = multiclass.eq29_counterexamples()["probabilities"]
    assert float(cx["lhs"]) == pytest.approx(-math.log(0.9), rel=1e-12)
    assert float(cx["rhs"]) == pytest.approx(math.log(2) - 0.5, rel=1e-12)


def test_eq30_dual_matches_numeric_inner_minimisation():
    # Independent: minimise over (θ_1, θ_2) numerically at numbers, compare with the derived objective.
    Phi = np.array([[0.7, -1.2], [0.4, 0.9]])
    lam_ = 0.6
    a = np.array([0.3, 0.8])  # α^1_i; α^2_i = 1 − α^1_i; labels (1, 2)
    A = np.array([a, 1 - a])
    delta = np.array([[1, 0], [0, 1]])  # δ^c_i
    H = -np.sum(A * np.log(A))

    def F(th):
        t = th.reshape(2, 2)
        return -sum((delta[c] - A[c]) @ Phi @ t[c] for c in range(2)) + lam_ / 2 * np.sum(t**2)

    res = minimize(F, np.zeros(4), tol=1e-14)
    sub = dict(zip(multiclass._p, Phi.ravel(), strict=True))
    sub.update({lam: lam_, alpha1: a[0], alpha2: a[1]})
    val = float(multiclass.derived_eq30_objective().subs(sub))
    assert val == pytest.approx(H + res.fun, rel=1e-8)


def test_verdicts():
    comps = {c.claim_id: c for c in multiclass.comparisons()}
    assert comps["eq29"].verdict is Verdict.ERRATUM
    assert comps["eq30"].verdict is Verdict.VERIFIED
    assert comps["c11_multiclass_sd"].verdict is Verdict.VERIFIED
    assert multiclass._derivation().all_checks_pass


def test_softmax_sums_to_one():
    v = sp.Matrix([1, 2, 3])
    assert sp.simplify(sum(multiclass.softmax(v)) - 1) == 0
