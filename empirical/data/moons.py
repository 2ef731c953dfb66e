"""Two moons as in Fig. 1 / App. B.2, our own numpy implementation (no scikit-learn).

Construction (the facts of the paper's setup; every step below is ours):

1. *Moons* (:func:`make_moons`): the scikit-learn recipe. ``n_out = n // 2`` points on the
   upper half circle (cos t, sin t) (label 0) and ``n_in = n - n_out`` points on the lower
   one (1 - cos t, 1/2 - sin t) (label 1), t evenly spaced on [0, π]; the points are
   shuffled and Gaussian noise of standard deviation ``noise`` is added to both
   coordinates. With ``np.random.RandomState(seed)`` and the same call order as
   scikit-learn (``shuffle`` of the index range, then ``normal``) — designed to give
   scikit-learn's points for ``random_state=seed``; not tested against it (scikit-learn
   is not a dependency).
2. *Shift by the margin Δ* (:func:`two_moons`), with labels y = 2·label − 1 ∈ {−1, +1}:
   a. x ← x − (0.5, 0.3·y): centre the first coordinate, pull the two moons apart
      vertically (class +1 down, class −1 up).
   b. x₂ ← x₂ − mean(x₂).
   c. Fold: x₂ ← −|x₂|·y. Every point of class +1 now has x₂ ≤ 0 and every point of
      class −1 has x₂ ≥ 0 (a point is reflected across x₂ = 0 when it lies on the
      other class's side), so the classes touch at x₂ = 0.
   d. x₂ ← x₂ − Δ·y: class +1 lies in x₂ ≤ −Δ, class −1 in x₂ ≥ Δ. For Δ > 0 they are
      linearly separable with a gap 2Δ around the line x₂ = 0 (distance Δ to it); for
      Δ < 0 they overlap in the band |x₂| ≤ |Δ| (not separable once a point lands there).
   e. Swap the coordinates, so the discriminative axis is the *first* (horizontal) one:
      class +1 on the left (x₁ ≤ −Δ), class −1 on the right. The second (vertical)
      coordinate carries the moons' shape.
   f. Optional rotation by θ degrees: x ← x R with R = [[cos θ, −sin θ], [sin θ, cos θ]]
      (row vectors), i.e. the cloud turns clockwise by θ.

Δ = −0.1 is Fig. 1(a) (not separable), Δ = +0.1 Fig. 1(b, c) and App. B.2.
"""

from __future__ import annotations

import numpy as np

N_SAMPLES = 300
NOISE = 0.1


def make_moons(n_samples: int = N_SAMPLES, noise: float = NOISE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Scikit-learn-style two moons (step 1 of the module docstring).

    Args:
        n_samples: number of points, ≥ 2.
        noise: standard deviation of the Gaussian noise, ≥ 0.
        seed: seed of ``np.random.RandomState`` (≥ 0).

    Returns:
        (X, label): X of shape (n, 2), label in {0, 1} of shape (n,).
    """
    if int(n_samples) != n_samples or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2; got {n_samples!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}")
    if int(seed) != seed or seed < 0:
        raise ValueError(f"seed must be an integer >= 0; got {seed!r}")
    n_out = n_samples // 2
    n_in = n_samples - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack([
        np.append(np.cos(t_out), 1 - np.cos(t_in)),
        np.append(np.sin(t_out), 1 - np.sin(t_in) - 0.5),
    ]).T
    label = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    rs = np.random.RandomState(int(seed))
    idx = np.arange(n_samples)
    rs.shuffle(idx)
    X, label = X[idx], label[idx]
    X = X + rs.normal(scale=noise, size=X.shape)
    return X, label


def rotation_matrix(degrees: float) -> np.ndarray:
    """R of step 2f: rows are where the unit vectors go (x ← x R for row vectors)."""
    th = np.radians(degrees)
    c, s = np.cos(th), np.sin(th)
    return np.array([[c, -s], [s, c]])


def two_moons(seed: int, margin: float = 0.1, rotation: float = 0.0,
              n_samples: int = N_SAMPLES, noise: float = NOISE) -> tuple[np.ndarray, np.ndarray]:
    """The shifted two moons of Fig. 1 / App. B.2 (steps 1–2 of the module docstring).

    Args:
        seed: data seed (≥ 0).
        margin: Δ, the half-gap along the discriminative axis (|Δ| < 1).
        rotation: θ in degrees (step 2f).
        n_samples: number of points.
        noise: noise standard deviation.

    Returns:
        (X, y): X float64 (n, 2); y in {−1.0, +1.0} (n,).
    """
    if not np.isfinite(margin) or abs(margin) >= 1:
        raise ValueError(f"margin must be a finite number with |margin| < 1; got {margin!r}")
    if not np.isfinite(rotation):
        raise ValueError(f"rotation must be a finite angle in degrees; got {rotation!r}")
    X, label = make_moons(n_samples, noise, seed)
    y = 2.0 * label - 1.0
    X = X - np.stack([np.full(n_samples, 0.5), 0.3 * y], axis=1)   # a
    X[:, 1] -= X[:, 1].mean()                                       # b
    X[:, 1] = -np.abs(X[:, 1]) * y                                  # c (fold)
    X[:, 1] -= margin * y                                           # d
    X = X[:, ::-1].copy()                                           # e
    if rotation != 0.0:
        X = X @ rotation_matrix(rotation)                          # f
    return X, y


def data_frame(rotation: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors (e1, e2) of the data's own frame in input coordinates.

    e1 is the discriminative axis, e2 the second (moon-shape) axis; with rotation θ they
    are the rows of R (step 2f), since x = x_unrotated R.
    """
    R = rotation_matrix(rotation)
    return R[0].copy(), R[1].copy()
