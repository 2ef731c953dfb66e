"""empirical.intervals: the Student-t quantile behind every interval of the experiments.

Expected values are independent of the code under test: the closed forms of the t quantile
for 1 and 2 degrees of freedom (Cauchy: tan(π(q − ½)); df = 2: (2q − 1)/√(2q(1 − q))), and
``scipy.stats.t.ppf`` (the public distribution API the module does not import).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from empirical.intervals import t_halfwidth, t_interval, welch_interval

QS = (0.9, 0.95, 0.975, 0.995)


@pytest.mark.parametrize("q", QS)
def test_quantile_matches_the_closed_forms_for_one_and_two_degrees_of_freedom(q):
    # t_halfwidth of a sample of size n with s / √n = 1 is the t_{q, n-1} quantile
    level = 2 * q - 1
    x2 = np.array([-1.0, 1.0])                                     # n = 2: s = √2, s/√2 = 1
    assert t_halfwidth(x2, level) == pytest.approx(math.tan(math.pi * (q - 0.5)), rel=1e-13)
    x3 = np.array([-1.0, 0.0, 1.0]) * math.sqrt(3)                 # n = 3: s = √3, s/√3 = 1
    assert t_halfwidth(x3, level) == pytest.approx((2 * q - 1) / math.sqrt(2 * q * (1 - q)), rel=1e-13)


def test_quantile_equals_scipy_stats_bitwise_also_at_welch_degrees_of_freedom():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b = rng.normal(size=rng.integers(2, 8)), rng.normal(2.0, 3.0, size=rng.integers(2, 8))
        d, lo, hi = welch_interval(a, b, 0.95)
        va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
        df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))   # non-integer
        t = float(stats.t.ppf(0.975, df))
        se = math.sqrt(va + vb)
        assert (lo, hi) == (d - t * se, d + t * se)
        m, lo1, hi1 = t_interval(a, 0.9)
        h = float(stats.t.ppf(0.95, a.size - 1) * a.std(ddof=1) / math.sqrt(a.size))
        assert (lo1, hi1) == (m - h, m + h)
