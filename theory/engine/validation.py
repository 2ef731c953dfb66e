"""Input validation of the numeric engine: every bad input raises ``ValueError``.

Each message names the parameter and its valid range, in one line, so that the
command line (``gsv fixed-point``) can print it verbatim and exit with status 2.

Admissible inputs (§3, Definition 1, Eq. 5, Eq. 15):

- ``s``: singular values of Y Φ0, finite and > 0 (S = diag(s), Definition 1).
- ``lam``: weight of the ridge / SD penalty, finite and > 0 (Eq. 7 divides by λ;
  Eq. 5 prints λ ∈ [0, ∞) but λ = 0 has no fixed point).
- ``U``: a real orthogonal n×n matrix (left singular vectors, Definition 1).
- ``delta``: coupling of Eq. 15, |δ| < 1 (√(1−δ²) must be real and U non-degenerate).
- ``y``: labels in {−1, +1} (§3.1).
"""

from __future__ import annotations

import numpy as np

# Orthogonality tolerance for U: max |UᵀU − I| ≤ 1e-9. Why: orthogonal matrices
# built in float64 (sqrt, expm, QR) satisfy UᵀU = I to ~n·1e-16; a matrix typed by
# hand as JSON with ≥ 10 significant digits (e.g. 0.8, 0.6 exactly, or
# 0.9949874371 for √(1−0.1²)) passes; a matrix off by more than 1e-9 is not the
# orthogonal U of Definition 1 to any precision this engine claims (the engine
# solves to 1e-12 for the U it is given, but z = SVᵀθ = UᵀYŷ, Eq. 4, and
# A = I + K/λ, Eq. 10, assume UᵀU = I).
ORTHOGONALITY_TOL = 1e-9


def _as_float_array(x: object, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a real number or array of reals; got {x!r}") from exc
    return arr


def check_finite(arr: np.ndarray, name: str, valid: str) -> None:
    """Raise ``ValueError`` if ``arr`` holds NaN or ±inf.

    Args:
        arr: Values to check.
        name: Parameter name used in the message.
        valid: Human-readable valid range, e.g. ``"(0, inf)"``.
    """
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise ValueError(f"{name} must be finite, valid range {valid}; got {bad}")


def check_lam(lam: object) -> np.ndarray:
    """Validate λ (any shape): finite and > 0.

    Args:
        lam: Scalar or array of λ values.

    Returns:
        ``lam`` as a float64 array.
    """
    arr = _as_float_array(lam, "lam")
    check_finite(arr, "lam", "(0, inf)")
    if np.any(arr <= 0):
        raise ValueError(f"lam must be > 0 (valid range (0, inf)); got {arr[arr <= 0].ravel()[0]}")
    return arr


def check_s(s: object) -> np.ndarray:
    """Validate singular values s (shape [..., n], n ≥ 1): finite and > 0.

    Args:
        s: Array of singular values, last axis = feature index.

    Returns:
        ``s`` as a float64 array of at least one dimension.
    """
    arr = _as_float_array(s, "s")
    if arr.ndim == 0:
        arr = arr[None]
    if arr.shape[-1] < 1:
        raise ValueError("s must have at least one singular value (n >= 1); got an empty array")
    check_finite(arr, "s", "(0, inf)")
    if np.any(arr <= 0):
        raise ValueError(f"s must be > 0 (valid range (0, inf)); got {arr[arr <= 0].ravel()[0]}")
    return arr


def check_delta(delta: object) -> np.ndarray:
    """Validate the coupling δ of Eq. 15: finite, |δ| < 1.

    Args:
        delta: Scalar or array of δ.

    Returns:
        ``delta`` as a float64 array.
    """
    arr = _as_float_array(delta, "delta")
    check_finite(arr, "delta", "(-1, 1)")
    if np.any(np.abs(arr) >= 1):
        raise ValueError(
            f"delta must satisfy |delta| < 1 (valid range (-1, 1)); got {arr[np.abs(arr) >= 1].ravel()[0]}"
        )
    return arr


def check_U(U: object, n: int | None = None) -> np.ndarray:
    """Validate U (shape [..., n, n]): finite, square, orthogonal to ``ORTHOGONALITY_TOL``.

    Args:
        U: Array of matrices.
        n: Required size (the length of the last axis of s), if known.

    Returns:
        ``U`` as a float64 array.
    """
    arr = _as_float_array(U, "U")
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"U must be a square n x n matrix (shape [..., n, n]); got shape {arr.shape}")
    if n is not None and arr.shape[-1] != n:
        raise ValueError(
            f"U must be {n} x {n} to match s (n = {n} singular values); got {arr.shape[-2]} x {arr.shape[-1]}"
        )
    check_finite(arr, "U", "orthogonal matrices (finite entries)")
    k = arr.shape[-1]
    if k == 2:  # elementwise: batched 2×2 matmul is slow in numpy
        a, b, c, d = arr[..., 0, 0], arr[..., 0, 1], arr[..., 1, 0], arr[..., 1, 1]
        err = np.maximum.reduce([np.abs(a * a + c * c - 1), np.abs(b * b + d * d - 1), np.abs(a * b + c * d)])
    else:
        gram = np.swapaxes(arr, -1, -2) @ arr
        err = np.max(np.abs(gram - np.eye(k)), axis=(-1, -2)) if arr.size else np.zeros(arr.shape[:-2])
    if np.any(err > ORTHOGONALITY_TOL):
        raise ValueError(
            f"U must be orthogonal (max |U^T U - I| <= {ORTHOGONALITY_TOL:g}); got max |U^T U - I| = {np.max(err):.3g}"
        )
    return arr


def check_labels(y: object) -> np.ndarray:
    """Validate labels y ∈ {−1, +1} (shape [..., n]).

    Args:
        y: Labels.

    Returns:
        ``y`` as a float64 array.
    """
    arr = _as_float_array(y, "y")
    check_finite(arr, "y", "{-1, +1}")
    if not np.all((arr == 1.0) | (arr == -1.0)):
        raise ValueError(f"y must be labels in {{-1, +1}}; got {arr[(arr != 1) & (arr != -1)].ravel()[0]}")
    return arr


def check_gamma(gamma: object) -> np.ndarray:
    """Validate the target γ of the App. B.5 variant: finite real.

    Args:
        gamma: Scalar or array.

    Returns:
        ``gamma`` as a float64 array.
    """
    arr = _as_float_array(gamma, "gamma")
    check_finite(arr, "gamma", "(-inf, inf)")
    return arr


def check_positive(x: object, name: str) -> np.ndarray:
    """Validate a finite, strictly positive parameter (η, a time, a tolerance).

    Args:
        x: Value(s).
        name: Parameter name.

    Returns:
        ``x`` as a float64 array.
    """
    arr = _as_float_array(x, name)
    check_finite(arr, name, "(0, inf)")
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0 (valid range (0, inf)); got {arr[arr <= 0].ravel()[0]}")
    return arr


def broadcast_batch(*shapes_named: tuple[str, tuple[int, ...]]) -> tuple[int, ...]:
    """Broadcast the batch shapes of several parameters, naming the culprit on failure.

    Args:
        shapes_named: Pairs (parameter name, batch shape).

    Returns:
        The common batch shape.
    """
    shape: tuple[int, ...] = ()
    seen = []
    for name, sh in shapes_named:
        try:
            shape = np.broadcast_shapes(shape, sh)
        except ValueError:
            raise ValueError(
                f"{name} has batch shape {sh}, which does not broadcast with "
                + ", ".join(f"{a} {b}" for a, b in seen)
                + " (batch shapes must be broadcast-compatible)"
            ) from None
        seen.append((name, sh))
    return shape
