"""Unit-test configuration: mpmath's global precision is per test, never leaked."""

import mpmath
import pytest


@pytest.fixture(autouse=True)
def _mpmath_precision(request):
    # A module may ask for a working precision with MPMATH_DPS; whatever a test does to
    # mpmath.mp.dps is undone afterwards, so test order cannot change results.
    saved = mpmath.mp.dps
    mpmath.mp.dps = getattr(request.module, "MPMATH_DPS", 15)
    try:
        yield
    finally:
        mpmath.mp.dps = saved
