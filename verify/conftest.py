"""Configuration of the ``pytest verify/`` suite: report folder, hypothesis profiles.

Options:
    --reports DIR       where the derivation reports are written (default: reports/)
    --no-reports        skip writing reports (quick development runs)
    --gsv-profile NAME  hypothesis profile: ``ci`` (default, deterministic) or
                        ``thorough`` (25x the examples). The environment variable
                        GSV_HYPOTHESIS_PROFILE does the same.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# ci: deterministic (derandomize) so a rerun gives the same verdicts and numbers.
settings.register_profile("ci", max_examples=20, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
# thorough: 25x the examples, random seeds (≥ 20x is the requirement).
settings.register_profile("thorough", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reports", default="reports", help="folder for derivation reports")
    parser.addoption("--no-reports", action="store_true",
                     help="do not write reports (quick runs of a few tests while developing)")
    parser.addoption("--gsv-profile", default=None, help="hypothesis profile: ci | thorough")


def pytest_configure(config: pytest.Config) -> None:
    profile = config.getoption("--gsv-profile") or os.environ.get("GSV_HYPOTHESIS_PROFILE", "ci")
    if profile not in ("ci", "thorough"):
        raise pytest.UsageError(f"--gsv-profile must be 'ci' or 'thorough', got {profile!r}")
    settings.load_profile(profile)


@pytest.fixture(scope="session", autouse=True)
def _flush_evidence():
    """Property tests accumulate their worst errors; record them once, at the end."""
    from verify._support import Tracker

    yield
    for tr in Tracker.registry:
        tr.flush()


@pytest.fixture(scope="session")
def verdicts():
    """The verdict table: claim id → Comparison (computed once per session)."""
    from theory.verdicts import verdict_table

    return verdict_table()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if getattr(session.config, "workerinput", None) is not None or session.config.getoption("--no-reports"):
        return
    from theory.report import write_reports

    out = Path(session.config.getoption("--reports"))
    write_reports(out)
