"""A one-line progress report on stderr for long training loops.

It writes only when stderr is a terminal and ``CI`` is unset, so tests, CI logs and
redirected runs stay silent (a log must not fill with carriage-return redraws).

Example:
    >>> bar = Progress("plain", 1000, unit="it")
    >>> bar.update(500)   # silent here: doctest's stderr is not a terminal
"""

from __future__ import annotations

import os
import sys
import time


class Progress:
    """``label: done/total unit (rate unit/s)``, redrawn at most twice a second."""

    def __init__(self, label: str, total: int, unit: str = "it"):
        self.label, self.total, self.unit = label, total, unit
        self.on = sys.stderr.isatty() and not os.environ.get("CI")
        self.t0 = self.last = time.perf_counter()

    def update(self, done: int) -> None:
        """Report ``done`` of ``total`` steps (the last call, ``done == total``, ends the line)."""
        if not self.on:
            return
        now = time.perf_counter()
        if now - self.last < 0.5 and done < self.total:
            return
        self.last = now
        rate = done / max(now - self.t0, 1e-9)
        sys.stderr.write(f"\r{self.label}: {done}/{self.total} {self.unit} ({rate:.0f} {self.unit}/s)   ")
        if done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()
