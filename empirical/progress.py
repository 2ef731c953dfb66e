"""Progress of long training loops, on stderr.

Three modes, chosen from where stderr goes:

- a terminal: one line redrawn in place, at most twice a second;
- a file or a pipe (``gsv train … 2> log``, ``nohup``, a SLURM or Dask job's log): one plain
  line a minute and one at the end, so that a log shows the run is alive, how fast it goes and
  about how long is left, without filling with carriage-return redraws;
- silent when ``CI`` is set (CI logs) or when the loop ends within the first minute
  (short runs and tests stay quiet).

Example:
    >>> import io
    >>> log = io.StringIO()
    >>> bar = Progress("plain", 1000, unit="it", stream=log)
    >>> bar.update(500)   # a log gets a line only once a minute has passed
    >>> log.getvalue()
    ''
"""

from __future__ import annotations

import os
import sys
import time


def output_mode(stream) -> str:
    """How progress goes to ``stream``: ``"off"`` where ``CI`` is set, ``"tty"`` for a terminal
    (a line redrawn in place), ``"log"`` for a file or a pipe (plain lines)."""
    if os.environ.get("CI"):
        return "off"
    isatty = getattr(stream, "isatty", None)
    return "tty" if isatty is not None and isatty() else "log"


class Progress:
    """``label: done/total unit (rate unit/s)`` on a terminal; in a log, the same line with the
    time left, once every ``interval`` seconds.

    Args:
        label: what is counted (a configuration's name).
        total: the number of steps of the whole loop.
        unit: the steps' unit in the line.
        stream: where to write (default: ``sys.stderr`` when the loop starts).
        interval: seconds between two lines in a log (default 60).
    """

    INTERVAL = 60.0

    def __init__(self, label: str, total: int, unit: str = "it", *, stream=None,
                 interval: float | None = None):
        if int(total) != total or total < 0:
            raise ValueError(f"total must be an integer >= 0; got {total!r}")
        if interval is not None and not interval > 0:
            raise ValueError(f"interval must be > 0 seconds; got {interval!r}")
        self.label, self.total, self.unit = label, int(total), unit
        self.stream = sys.stderr if stream is None else stream
        self.interval = self.INTERVAL if interval is None else float(interval)
        self.mode = output_mode(self.stream)
        self.t0 = self.last = time.perf_counter()
        self.first: int | None = None   # the count at the first update: a resumed loop's rate
        self.lines = 0

    def update(self, done: int) -> None:
        """Report ``done`` of ``total`` steps (the last call, ``done == total``, ends the line)."""
        if self.mode == "off":
            return
        now = time.perf_counter()
        if self.first is None:
            self.first, self.t0 = done, now
        end = done >= self.total
        wait = 0.5 if self.mode == "tty" else self.interval
        if now - self.last < wait and not end:
            return
        if end and self.mode == "log" and self.lines == 0 and now - self.t0 < self.interval:
            return   # a loop shorter than one interval leaves a log as it was
        self.last = now
        rate = (done - self.first) / max(now - self.t0, 1e-9)
        msg = f"{self.label}: {done}/{self.total} {self.unit} ({rate:.0f} {self.unit}/s)"
        if self.mode == "tty":
            self.stream.write(f"\r{msg}   " + ("\n" if end else ""))
        else:
            if not end and rate > 0:
                msg += f", about {(self.total - done) / rate:.0f} s left"
            self.stream.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {msg}\n")
            self.lines += 1
        self.stream.flush()
