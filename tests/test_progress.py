"""Progress lines: redrawn on a terminal, one a minute in a log, none in CI or for short loops."""

from __future__ import annotations

import io

import pytest

import empirical.progress as P


class _Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def clock(monkeypatch):
    c = _Clock()
    monkeypatch.setattr(P.time, "perf_counter", c)
    monkeypatch.delenv("CI", raising=False)
    return c


def _run(bar, clock, steps, seconds_per_step):
    for done in range(1, steps + 1):
        clock.t += seconds_per_step
        bar.update(done)


def test_log_gets_one_plain_line_a_minute_with_rate_and_time_left(clock):
    log = io.StringIO()
    bar = P.Progress("deeper", 1000, unit="it", stream=log)
    _run(bar, clock, 1000, 0.25)             # 250 s in all: lines at 60, 120, 180, 240 s and the end
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert len(lines) == 5
    assert "deeper: 240/1000 it (4 it/s), about 190 s left" in lines[0]
    assert lines[-1].endswith("deeper: 1000/1000 it (4 it/s)")


def test_log_stays_empty_for_a_loop_shorter_than_the_interval(clock):
    log = io.StringIO()
    _run(P.Progress("quick", 100, stream=log), clock, 100, 0.5)      # 50 s
    assert log.getvalue() == ""


def test_resumed_loop_rate_counts_only_the_steps_run_now(clock):
    log = io.StringIO()
    bar = P.Progress("resumed", 2000, unit="it", stream=log)
    for done in range(1000, 2001):           # resumed at 1,000 of 2,000, 10 steps a second
        clock.t += 0.1
        bar.update(done)
    # counting the 1,000 steps done before the resume would give 26 it/s and 15 s left
    assert "resumed: 1600/2000 it (10 it/s), about 40 s left" in log.getvalue().splitlines()[0]


def test_terminal_line_is_redrawn_in_place_and_ended(clock):
    term = _Terminal()
    _run(P.Progress("plain", 10, stream=term), clock, 10, 0.3)
    out = term.getvalue()
    assert out.startswith("\r") and out.endswith("\n") and out.count("\n") == 1
    assert "plain: 10/10 it" in out


def test_ci_is_silent(clock, monkeypatch):
    monkeypatch.setenv("CI", "true")
    for stream in (io.StringIO(), _Terminal()):
        _run(P.Progress("x", 500, stream=stream), clock, 500, 1.0)
        assert stream.getvalue() == ""


@pytest.mark.parametrize("kw, msg", [({"total": -1}, "total must be"), ({"total": 2.5}, "total must be"),
                                     ({"total": 5, "interval": 0}, "interval must be")])
def test_bad_arguments(kw, msg):
    with pytest.raises(ValueError, match=msg):
        P.Progress("x", **kw)


def test_sweep_report_writes_plain_lines_to_a_log(tmp_path, monkeypatch, capsys):
    from empirical.sweep import _Report

    monkeypatch.delenv("CI", raising=False)
    _Report(2, 0, tmp_path / "failed.log", "moons")       # an executor that never started a cell
    assert capsys.readouterr().err == ""                 # leaves stderr to its one-line error
    assert "start: 0/2" in (tmp_path / "failed.log").read_text()
    r = _Report(2, 0, tmp_path / "sweep.log", "moons")   # pytest's captured stderr is not a terminal
    r.cell("a")
    r.cell("b")
    r.end()
    err = capsys.readouterr().err.splitlines()
    assert err == (tmp_path / "sweep.log").read_text().splitlines()
    assert len(err) == 4 and "\r" not in "".join(err) and err[-1].endswith("moons: end: 2/2 cells done, 0 failed")
    monkeypatch.setenv("CI", "1")
    _Report(1, 0, tmp_path / "sweep2.log", "moons").end()
    assert capsys.readouterr().err == ""
