"""Confidence intervals over seeds or restarts: the one place the experiments compute them.

* :func:`t_halfwidth` / :func:`t_interval`: Student-t interval of the mean of one sample (a
  per-seed quantity, or paired differences: same data and initialization per seed);
* :func:`welch_interval`: the difference of two independent samples' means, Welch's t
  (unequal variances).

Example:
    >>> t_interval([1.0, 2.0, 3.0])                       # mean 2, half-width t(0.975, 2)·1/√3
    (2.0, -0.48413771175033..., 4.48413771175033...)

References: Welch (1947), The generalization of "Student's" problem when several different
population variances are involved.
"""

from __future__ import annotations

import math

import numpy as np


def _t_quantile(q: float, df: float) -> float:
    """Student-t quantile t_{q, df}: ``scipy.special.stdtrit``, the function ``scipy.stats.t.ppf``
    evaluates (same value, bitwise), without importing ``scipy.stats`` (about 0.4 s of CPU per
    process that needs only this quantile)."""
    from scipy.special import stdtrit

    return float(stdtrit(df, q))


def t_halfwidth(x, level: float = 0.95) -> float:
    """Half-width t_{(1+level)/2, n−1} · s / √n of the Student-t interval of mean(x) (n ≥ 2)."""

    x = np.asarray(x, float)
    if x.ndim != 1 or len(x) < 2:
        raise ValueError(f"x must be a 1-D sample of size >= 2; got shape {x.shape}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1); got {level!r}")
    return float(_t_quantile(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))


def t_interval(x, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, lo, hi): the Student-t ``level`` interval of the mean of the sample x (n ≥ 2)."""
    h = t_halfwidth(x, level)
    m = float(np.mean(np.asarray(x, float)))
    return m, m - h, m + h


def welch_interval(a, b, level: float = 0.95) -> tuple[float, float, float]:
    """mean(b) − mean(a) and its Welch t confidence interval (unequal variances, ≥ 2 values each)."""

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size < 2 or b.size < 2:
        raise ValueError(f"need >= 2 seeds per case for an interval; got {a.size} and {b.size}")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    d = float(b.mean() - a.mean())
    se = float(np.sqrt(va + vb))
    if se == 0.0:
        return d, d, d
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    t = float(_t_quantile(0.5 + level / 2, df))
    return d, d - t * se, d + t * se
