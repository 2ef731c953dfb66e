"""Configuration of the ``pytest verify/`` suite: report folder, hypothesis profiles.

Options:
    --reports DIR       where the derivation reports are written (default: reports/);
                        checked at the start, so an unwritable folder fails at once
    --no-reports        skip writing reports (quick development runs)
    --gsv-profile NAME  hypothesis profile: ``ci`` (default, deterministic) or
                        ``thorough`` (25x the examples). The environment variable
                        GSV_HYPOTHESIS_PROFILE does the same.

The report says what it contains: which verify modules ran and whether the run was
complete (every module, nothing deselected, no early stop). A partial run merges
its evidence into the report already in the folder instead of replacing it (see
``theory.report.writer``). At the end pytest prints the verdict counts and the
report's path.

With pytest-xdist (``-n 2 --dist loadfile``) each worker records its evidence and
pages; they travel to the controller (``workeroutput``), which writes the report.
Each derivation module is derived once, by the first worker that needs it, and cached on disk
with its report pages' math (``theory.cache``): the report written at the end derives nothing.
"""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path

import pytest


def _load_hypothesis_profile(name: str) -> None:
    """Register the two profiles and load ``name`` (in the processes that run tests only:
    importing hypothesis takes about a second, which the xdist controller need not spend
    before it starts its workers)."""
    from hypothesis import HealthCheck, settings

    # ci: deterministic (derandomize) so a rerun gives the same verdicts and numbers.
    settings.register_profile("ci", max_examples=20, derandomize=True, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    # thorough: 25x the examples, random seeds (≥ 20x is the requirement).
    settings.register_profile("thorough", max_examples=500, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(name)

_VERIFY = Path(__file__).resolve().parent
_WORKER_KEY = "gsv_report_records"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reports", default="reports", help="folder for derivation reports")
    parser.addoption("--no-reports", action="store_true",
                     help="do not write reports (quick runs of a few tests while developing)")
    parser.addoption("--gsv-profile", default=None, help="hypothesis profile: ci | thorough")


def _is_worker(config: pytest.Config) -> bool:
    return getattr(config, "workerinput", None) is not None


def _is_controller(config: pytest.Config) -> bool:
    """The xdist controller: it hands tests to workers and runs none itself."""
    return (not _is_worker(config) and getattr(config.option, "dist", "no") != "no"
            and bool(getattr(config.option, "numprocesses", None)))


def pytest_configure(config: pytest.Config) -> None:
    profile = config.getoption("--gsv-profile") or os.environ.get("GSV_HYPOTHESIS_PROFILE", "ci")
    if profile not in ("ci", "thorough"):
        raise pytest.UsageError(f"--gsv-profile must be 'ci' or 'thorough', got {profile!r}")
    if not _is_controller(config):
        _load_hypothesis_profile(profile)
        # collection imports the libraries and the claims: long-lived objects only, so the
        # cyclic collector's passes over them (about 0.6 CPU-s) find nothing (_freeze_per_module)
        gc.disable()
    config._gsv = {"deselected": 0, "report": None, "gc_module": None}
    _CURRENT["modules_run"] = set()
    if not _is_worker(config) and not config.getoption("--no-reports"):
        from theory.report.folder import check_report_folder   # light: no SymPy yet

        try:  # fail now, not after every test has run
            check_report_folder(config.getoption("--reports"), "--reports")
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
    if config.pluginmanager.hasplugin("xdist") and not _is_worker(config):
        config.pluginmanager.register(_WorkerRecords(), "gsv-worker-records")


def pytest_collection_finish(session: pytest.Session) -> None:
    if not _is_controller(session.config):
        gc.freeze()
        gc.enable()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    _freeze_per_module(item)


def _freeze_per_module(item: pytest.Item) -> None:
    """Move what earlier modules left (imports, module fixtures' results, derivation caches)
    to the collector's permanent generation when a module's first test starts.

    CPython's full collections traverse every tracked object. A worker holds about half a
    million of them (torch, SymPy, hypothesis, the claims and derivations), and each training
    step of the empirical modules allocates enough to trigger collections: measured 1.9–3.6
    CPU-s of collection per worker before (four worker runs), 0.5–0.8 with this and the pause
    during collection. Numbers are unaffected (the collector frees memory only); garbage cycles
    among frozen objects are never freed, which bounds a worker's memory by what it ever held
    (peak RSS unchanged, about 0.55–0.95 GB).

    References: ``gc.freeze`` (Python 3.7+), the documented use for long-lived processes.
    """
    module = item.nodeid.split("::")[0]
    g = item.config._gsv
    if module != g["gc_module"]:
        g["gc_module"] = module
        gc.freeze()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtestloop(session: pytest.Session):
    # The xdist controller idles while its workers run the tests; the report modules it needs
    # at the end (the claims, SymPy: about 2 s) load meanwhile, not after the last test.
    # Its workers are already started here (xdist starts them at session start).
    config = session.config
    if _is_controller(config) and not config.getoption("--no-reports") and not config.option.collectonly:
        _head_start(_preload_report)
    yield


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if _is_worker(config):
        # An xdist worker has sent its results by now and the controller waits for its process
        # to end: skip the interpreter's teardown of SymPy's caches and torch (about 1 s on the
        # critical path at the end of every run). Registered last, so it runs first at exit;
        # every file this suite writes is closed (atomic writes), and stdio is flushed here.
        import atexit

        atexit.register(_exit_now)


def _exit_now() -> None:
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stream has nothing left to flush
            pass
    os._exit(0)


def _head_start(work):  # noqa: ANN001, ANN202 - a callable; returns its thread
    """Run ``work`` in a daemon thread of the controller, which idles while its workers run. Only
    a head start: the end of the session does the same work again where it is missing, and
    reports any error there, so one raised here is dropped."""
    import threading

    def run() -> None:
        try:
            work()
        except Exception:  # noqa: BLE001 - see the docstring
            pass

    t = threading.Thread(target=run, name=f"gsv-{work.__name__}", daemon=True)
    t.start()
    return t


def _preload_report() -> None:
    import importlib

    for mod in ("theory.report.registry", "theory.report.writer"):
        importlib.import_module(mod)


class _WorkerRecords:
    """Controller side of pytest-xdist: collect the evidence each worker recorded."""

    def pytest_testnodedown(self, node, error) -> None:  # noqa: ANN001 - xdist's hook
        data = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
        if data:
            from theory.report import add_all, from_jsonable

            payload = json.loads(data)
            add_all(*from_jsonable(payload))
            node.config._gsv["deselected"] += int(payload.get("deselected", 0))
        g = node.config._gsv
        if g.get("verdicts_loading") is None and not node.config.getoption("--no-reports"):
            # The first worker is done; while the last finishes, read the verdict tables the
            # workers cached (about 1 s of unpickling SymPy) for the report written at the end.
            g["verdicts_loading"] = _head_start(_load_verdicts)


def _load_verdicts() -> None:
    from theory.cache import verdict_table

    dict(verdict_table())


# Modules in the order two xdist workers should start them: longest first (CPU seconds of the
# module's fixture, measured with --durations), so that the many short symbolic modules fill
# the end and both workers finish together. Each derivation module is derived once, by the first
# worker that needs it, and cached on disk (theory.cache) with its report pages' math, so
# the report written at the end derives and prints nothing again. Modules not listed keep their
# order after these. Used with --dist loadfile --no-loadscope-reorder.
_START_FIRST = ("test_empirical_colored_digits.py", "test_empirical_real_colored_mnist.py",
                "test_empirical_moons.py", "test_empirical_real_margins.py",
                "test_empirical_real_group_shift.py", "test_breakdown.py", "test_empirical_beyond_ntk.py",
                "test_dual.py", "test_spectral_decoupling.py", "test_theorem2.py")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items) -> None:  # noqa: ANN001
    rank = {name: i for i, name in enumerate(_START_FIRST)}
    items.sort(key=lambda it: rank.get(Path(str(it.fspath)).name, len(rank)))  # stable: order kept within


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report) -> None:  # noqa: ANN001
    # Runs in the process that writes the report (also for tests run by xdist workers).
    if report.when == "setup":
        _CURRENT["modules_run"].add(Path(report.nodeid.split("::")[0]).name)


_CURRENT: dict = {"modules_run": set()}


def pytest_deselected(items) -> None:  # noqa: ANN001
    if items:
        items[0].config._gsv["deselected"] += len(items)


@pytest.fixture(scope="session", autouse=True)
def _flush_evidence():
    """Property tests accumulate their worst errors; record them once, at the end."""
    from verify._support import Tracker

    yield
    for tr in Tracker.registry:
        tr.flush()


@pytest.fixture
def swap(monkeypatch):
    """Replace a claim's printed form (in memory, undone after the test): the verdict must
    follow what is printed."""
    import dataclasses

    from theory.claims import CLAIMS

    def _swap(cid, printed):
        monkeypatch.setitem(CLAIMS, cid, dataclasses.replace(CLAIMS[cid], printed=printed))

    return _swap


@pytest.fixture(scope="session")
def verdicts():
    """The verdict table: claim id → Comparison (cached on disk by a hash of the code)."""
    from theory.cache import verdict_table

    return verdict_table()


def _coverage(session: pytest.Session, exitstatus: int) -> dict:
    g = session.config._gsv
    all_modules = sorted(p.name for p in _VERIFY.glob("test_*.py"))
    ran = sorted(_CURRENT["modules_run"] & set(all_modules))
    complete = (ran == all_modules and not g["deselected"] and not session.shouldstop
                and int(exitstatus) in (0, 1))
    return {"modules_all": all_modules, "modules_run": ran, "complete": complete}


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if config.getoption("--no-reports") or config.option.collectonly:
        return   # --collect-only runs no test: there is nothing to report (and no reason to derive)
    if _is_worker(config):
        from theory.report import evidence, extra_pages, to_jsonable

        payload = to_jsonable(evidence(), extra_pages())
        payload["deselected"] = config._gsv["deselected"]
        config.workeroutput[_WORKER_KEY] = json.dumps(payload)
        return
    if int(exitstatus) in (2, 3, 4):  # interrupted, internal or usage error: keep the old report
        return
    if config._gsv.get("verdicts_loading") is not None:
        config._gsv["verdicts_loading"].join()
    from theory.report import write_reports

    gc.freeze()   # what the report reads is long-lived: full collections need not scan it
    tr = config.pluginmanager.get_plugin("terminalreporter")

    def progress(msg: str) -> None:
        if tr is not None:
            tr.write_line(f"gsv: {msg}")

    cov = _coverage(session, exitstatus)
    args = " ".join(str(a) for a in config.invocation_params.args) or "verify/"
    config._gsv["report"] = write_reports(config.getoption("--reports"), source=f"pytest {args}",
                                          coverage=cov, progress=progress)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # noqa: ANN001
    written = getattr(config, "_gsv", {}).get("report")
    if written is None:
        return
    from theory.report import figure_caption_problems

    terminalreporter.section("gsv report")
    terminalreporter.write_line(written.summary())
    uncaptioned = figure_caption_problems(written.path)
    if uncaptioned:  # a figure must say what it shows and with which parameters
        terminalreporter.write_line(f"warning: {len(uncaptioned)} figure(s) without a caption:", yellow=True)
        for line in uncaptioned:
            terminalreporter.write_line(f"  {line}", yellow=True)
    terminalreporter.write_line(f"report: {written.path / 'index.html'}")
