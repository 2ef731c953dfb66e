"""Command-line arguments of the benchmark scripts: bad input is one line naming the option and
its valid range, exit 2, before any work (as ``gsv``'s own options).

The scripts run as ``python benchmarks/bench_*.py``, which puts this folder on ``sys.path``.

Example:
    >>> ap = Parser(prog="bench")
    >>> _ = ap.add_argument("--steps", type=at_least(1), default=3)
    >>> ap.parse_args(["--steps", "5"]).steps
    5
"""

from __future__ import annotations

import argparse


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line (no usage block), exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def at_least(lo: int):
    """An argparse ``type``: an integer >= ``lo``; argparse names the option in the error."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer >= {lo}; got {text!r}") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be an integer >= {lo}; got {v}")
        return v
    return parse
