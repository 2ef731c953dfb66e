"""``gsv``: the command line of the verifier.

Subcommands:
    gsv --version
    gsv claims [--json] [--no-verdicts]   list every claim with its verdict
    gsv fixed-point --s S.. --lam L ...   exact fixed point, sensitivities, first order
    gsv probe [--grid N] [--out DIR] [--json]  where the perturbation theory breaks down
    gsv report [--out DIR]                write the derivation reports (symbolic verdicts; numeric
                                          evidence of an earlier ``pytest verify/`` is kept)
    gsv fixed-point --s 3 2 --lam 0.5 --delta 0.1 [--dynamics eq9|eq10|sd|b5] [--json] [--U JSON]
    gsv train EXPERIMENT [--quick] [--device D] [--seeds N] [--threads N] [--executor local|dask|slurm]
        EXPERIMENT: moons (§2, App. B.2), width-sweep, starvation, starvation-block (Thm. 2 beyond
        the NTK regime), colored-digits (§4.3); options per experiment: gsv train -h (needs torch)

Every option is checked before any work: bad input exits with status 2 and one line
naming the option and its valid range; Ctrl-C exits with status 130 and leaves no
half-written output (folders are built beside their target and swapped in whole).
Commands that run longer than a couple of seconds print progress on stderr.

Example:
    >>> main(["probe", "--n-delta", "1"])
    2
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Sequence

from theory import __version__

# Limits of the options, each with its reason (they appear in the error messages).
# --grid: a map is grid² points. Measured (one λ map and the Taylor map): max RSS
# 120 MB at 250, 183 MB at 500, i.e. ~0.35 KB per point over ~100 MB of imports, so
# ~1.5 GB at 2000; 10⁶ points per axis would need ~10¹² points. Below 10 points a
# map cannot show a contour.
GRID_RANGE = (10, 2000)
# --n-delta: the δ grid on (0.001, 0.999) that brackets the first crossing before
# bisection. With 0 or 1 points nothing is bracketed and every threshold reads
# "never"; with a spacing above 0.01 (< 100 points) a quantity that crosses the level
# and comes back between two grid points (the sign of dz2*/ds1² can) is missed.
# Above 10⁶ points only time is spent: bisection already reaches float64 in δ.
N_DELTA_RANGE = (100, 1_000_000)
# Longest list of singular values typed on a command line; U is n × n JSON.
MAX_N = 100

_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) and negative numbers in any float form.

    argparse treats ``-1e-3`` as an option (its negative-number pattern knows only
    ``-1`` and ``-.5``); the pattern here also knows exponents, ``-inf`` and ``-nan``
    (the latter two are then rejected by the range checks, with a message).
    """

    def __init__(self, *a, **k) -> None:
        k.setdefault("allow_abbrev", False)  # "--versio" is a typo, not --version
        super().__init__(*a, **k)
        self._negative_number_matcher = re.compile(rf"^-(?:{_NUMBER}|inf|infinity|nan)$", re.I)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def _int_in(lo: int, hi: int, why: str = ""):
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer in [{lo}, {hi}]{why}; got {text!r}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be an integer in [{lo}, {hi}]{why}; got {v}")
        return v
    return parse


def _real(name: str, valid: str = "(-inf, inf)"):
    """A finite float; messages as the engine's (``theory.engine.validation``)."""
    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a real number, valid range {valid}; got {text!r}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"{name} must be finite, valid range {valid}; got {text!r}")
        return v
    return parse


def _positive(name: str):
    real = _real(name, "(0, inf)")

    def parse(text: str) -> float:
        v = real(text)
        if v <= 0:
            raise argparse.ArgumentTypeError(f"{name} must be > 0 (valid range (0, inf)); got {text!r}")
        return v
    return parse


def _delta(text: str) -> float:
    v = _real("delta", "(-1, 1)")(text)
    if not -1 < v < 1:
        raise argparse.ArgumentTypeError(f"delta must satisfy |delta| < 1 (valid range (-1, 1)); got {text!r}")
    return v


def _label(text: str) -> float:
    v = _real("y", "{-1, +1}")(text)
    if v not in (-1.0, 1.0):
        raise argparse.ArgumentTypeError(f"y must be labels in {{-1, +1}}; got {text!r}")
    return v


def _folder(option: str, marker: str | None = None):
    def parse(text: str):
        from theory.outdir import check_output_folder

        try:
            return check_output_folder(text, option, marker)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix(option + " ")) from None
    return parse


def _parse_U(text: str, n: int) -> list[list[float]]:
    """--U as a JSON n × n list of finite numbers (checked without NumPy)."""
    want = (f"{n} x {n} to match s (n = {n} singular values): a JSON matrix of finite numbers, "
            "e.g. [[0.8,-0.6],[0.6,0.8]]")
    try:
        U = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise ValueError(f"--U: U must be {want}; got {text[:60]!r}") from None
    if (not isinstance(U, list) or len(U) != n
            or not all(isinstance(r, list) and len(r) == n for r in U)
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                       for r in U for v in r)):
        raise ValueError(f"--U: U must be {want}; got {text[:60]!r}")
    return U


def _check_fixed_point(args: argparse.Namespace) -> None:
    """Every option of ``gsv fixed-point`` checked before NumPy and the engine load."""
    n = len(args.s)
    if n > MAX_N:
        raise ValueError(f"--s takes 1 to {MAX_N} singular values; got {n}")
    if args.U is not None and args.delta is not None:
        raise ValueError("give either --delta (Eq. 15, n = 2) or --U (a JSON n x n matrix), not both")
    if args.U is not None:
        args.U = _parse_U(args.U, n)
    elif args.delta is not None:
        if n != 2:
            raise ValueError(f"--delta builds Eq. 15's 2 x 2 U and needs n = 2 singular values; got n = {n} (use --U)")
    else:
        raise ValueError("U is missing: give --delta (Eq. 15, n = 2) or --U (a JSON n x n matrix)")
    if args.dynamics == "b5":
        if args.y is None:
            raise ValueError("--y is required for --dynamics b5: n labels in {-1, +1}")
        if len(args.y) != n:
            raise ValueError(f"--y must give n = {n} labels in {{-1, +1}} (one per --s value); got {len(args.y)}")
    else:  # no option is silently ignored
        for opt, val in (("--y", args.y), ("--gamma", args.gamma)):
            if val is not None:
                raise ValueError(f"{opt} is used by --dynamics b5 only; got --dynamics {args.dynamics}")
    if args.gamma is None:
        args.gamma = 0.0


def _cmd_claims(args: argparse.Namespace) -> int:
    from theory.claims import CLAIMS

    table = {}
    if not args.no_verdicts:
        from theory.cache import verdict_table

        table = verdict_table(_progress)
    rows = []
    for cid, c in CLAIMS.items():
        comp = table.get(cid)
        rows.append({
            "id": cid,
            "equation": c.equation,
            "section": c.section,
            "kind": str(c.kind.value),
            "title": c.title,
            "verdict": comp.verdict.value if comp else ("not derived" if not args.no_verdicts else "-"),
            "check": (comp.check.method if comp and comp.check else "-"),
        })
    if args.json:
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 0
    cols = ["id", "equation", "section", "kind", "verdict", "check", "title"]
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in cols[:-1]}
    print("  ".join(k.ljust(widths[k]) for k in cols[:-1]) + "  title")
    for r in rows:
        print("  ".join(r[k].ljust(widths[k]) for k in cols[:-1]) + "  " + r["title"])
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    print("\n" + ", ".join(f"{v}: {n}" for v, n in sorted(counts.items())) + f"  ({len(rows)} claims)")
    return 0


def _cmd_fixed_point(args: argparse.Namespace) -> int:
    """``gsv fixed-point``: exact fixed point, sensitivities and first-order predictions."""
    import numpy as np

    from theory.engine import first_order as fo
    from theory.engine.constructors import delta_of_eq15, u_eq15
    from theory.engine.fixed_points import NonConvergenceError, solve_fixed_points
    from theory.engine.sensitivities import dz_ds2
    from theory.engine.validation import check_lam, check_s, check_U

    s = check_s(np.asarray(args.s, dtype=float))
    n = s.shape[0]
    lam = float(check_lam(args.lam))
    if args.U is not None:
        try:  # orthogonality is the engine's check (one tolerance, one place)
            U = check_U(np.asarray(args.U, dtype=float), n)
        except ValueError as exc:
            raise ValueError(f"--U: {exc}") from None
    else:
        U = u_eq15(args.delta)
    y = np.asarray(args.y, dtype=float) if args.dynamics == "b5" else None
    try:
        res = solve_fixed_points(s, U, lam, args.dynamics, y=y, gamma=args.gamma)
    except NonConvergenceError as exc:
        print(f"gsv: error: {exc}", file=sys.stderr)
        return 1
    dz = dz_ds2(s, U, lam, args.dynamics, result=res, y=y, gamma=args.gamma)
    out = {
        "dynamics": args.dynamics,
        "alpha": res.alpha.tolist(),
        "z": res.z.tolist(),
        "residual": float(res.residual),
        "relative_residual": float(res.relative_residual),
        "iterations": int(res.iterations),
        "alpha_first_order": None,
        "z_first_order": None,
        "dz_ds2": dz.tolist(),
        "dz2_ds1sq_first_order_derived": None,
        "dz2_ds1sq_first_order_printed": None,
    }
    if bool(res.alpha_ge_one):
        out["note"] = "some alpha_i >= 1: Eq. 10 has no barrier at alpha = 1"
    if args.dynamics == "eq10":  # Lemma 1 and Theorem 2 are statements about Eq. 10
        out["alpha_first_order"] = fo.lemma1_alpha(s, U, lam).tolist()
        out["z_first_order"] = fo.lemma1_z(s, U, lam).tolist()
        # Lemma 1's α₀* read two ways: Eq. 56 (W(A_ii)/A_ii, used above) and "at δ = 0".
        a0 = fo.alpha0_readings(s, U, lam)
        out["alpha0_eq56"] = a0["eq56"].tolist()
        out["alpha0_delta0"] = a0["delta0"].tolist()
        out["alpha_first_order_delta0"] = fo.lemma1_alpha(s, U, lam, "delta0").tolist()
        out["alpha0_readings_max_abs_difference"] = float(np.max(np.abs(a0["eq56"] - a0["delta0"])))
        d = delta_of_eq15(U)
        if d is not None:
            args2 = (s[0], s[1], lam, float(d))
            out["dz2_ds1sq_first_order_derived"] = float(fo.dz2_ds1sq_first_order_derived(*args2))
            out["dz2_ds1sq_first_order_printed"] = float(fo.dz2_ds1sq_first_order_printed(*args2))
    if args.json:
        print(json.dumps(out))
        return 0

    def fmt(v):
        if v is None:
            return "n/a"
        return np.array2string(np.asarray(v), precision=12, separator=", ")

    print(f"dynamics: {args.dynamics}   n = {n}   lambda = {lam:g}")
    print(f"alpha*                 = {fmt(out['alpha'])}")
    print(f"z*                     = {fmt(out['z'])}")
    print(f"residual max|F|        = {out['residual']:.3e}   max|F_i|/S_i = {out['relative_residual']:.3e}"
          f"   iterations = {out['iterations']}")
    print(f"alpha* (Lemma 1)       = {fmt(out['alpha_first_order'])}")
    if "alpha0_eq56" in out:
        print(f"alpha0* (Eq. 56, W(A_ii)/A_ii) = {fmt(out['alpha0_eq56'])}")
        print(f"alpha0* (Lemma 1, at delta=0)  = {fmt(out['alpha0_delta0'])}   "
              f"max difference {out['alpha0_readings_max_abs_difference']:.3e} (O(delta^2))")
        print(f"alpha* (Lemma 1, alpha0 at delta=0) = {fmt(out['alpha_first_order_delta0'])}")
    print(f"z* (Lemma 1)           = {fmt(out['z_first_order'])}")
    print("dz*/ds^2 (row i = z_i, column j = s_j^2) =")
    print(np.array2string(dz, precision=10, separator=", "))
    print(f"dz2*/ds1^2 first order, derived       = {fmt(out['dz2_ds1sq_first_order_derived'])}")
    print(f"dz2*/ds1^2 first order, printed Eq. 65 = {fmt(out['dz2_ds1sq_first_order_printed'])}")
    if "note" in out:
        print("note: " + out["note"])
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from theory.cache import verdict_table
    from theory.report import write_reports

    table = verdict_table(_progress)
    result = write_reports(args.out, table=table, source="gsv report", progress=_progress)
    print(f"report written to {result.path}/index.html (and index.md, verdicts.json)")
    print(result.summary())
    return 0


def _progress(message: str) -> None:
    """Progress of a long command, on stderr (stdout stays the result)."""
    print(f"gsv: {message}", file=sys.stderr, flush=True)


def _cmd_probe(args: argparse.Namespace) -> int:
    from theory.probe import run_probe, summary_markdown, write_probe

    t0 = time.perf_counter()
    result = run_probe(args.grid, n_delta=args.n_delta, progress=_progress)
    if args.out:
        _progress(f"writing grids, figures and summary to {args.out}")
        write_probe(result, args.out)
    public = {k: v for k, v in result.items() if k != "_arrays"}
    public["wall_s"] = round(time.perf_counter() - t0, 2)
    if args.json:
        print(json.dumps(public))
    else:
        print(summary_markdown(result))
        print(f"({public['wall_s']} s; grids {args.grid}x{args.grid} per map"
              + (f"; files in {args.out})" if args.out else ")"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="gsv", description="Gradient Starvation theory verifier")
    p.add_argument("--version", action="version", version=f"gsv {__version__}")
    sub = p.add_subparsers(dest="command")
    pc = sub.add_parser("claims", help="list the paper's claims with their verdicts")
    pc.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    pc.add_argument("--no-verdicts", action="store_true", help="list claims without deriving verdicts")
    pc.set_defaults(func=_cmd_claims)
    pf = sub.add_parser(
        "fixed-point",
        help="exact fixed point of Eq. 9 / 10 / 18, dz*/ds^2 and first-order predictions",
        description="First-order keys (Lemma 1, Eq. 65) are given for --dynamics eq10 only; "
        "the dz2*/ds1^2 ones need n = 2 and U of Eq. 15 (--delta, or an --U of that form).",
    )
    pf.add_argument("--s", type=_positive("s"), nargs="+", required=True, help="singular values s_1..s_n (> 0)")
    pf.add_argument("--lam", type=_positive("lam"), required=True, help="lambda (> 0)")
    pf.add_argument("--delta", type=_delta, default=None, help="coupling of Eq. 15 (|delta| < 1, n = 2)")
    pf.add_argument("--U", default=None, help="orthogonal n x n matrix as JSON, e.g. '[[0.8,-0.6],[0.6,0.8]]'")
    pf.add_argument("--dynamics", choices=["eq9", "eq10", "sd", "b5"], default="eq10",
                    help="eq9 (exact dual), eq10 (Taylor, default), sd (Eq. 18), b5 (App. B.5 variant)")
    pf.add_argument("--y", type=_label, nargs="+", default=None, help="labels in {-1,+1} (b5 only)")
    pf.add_argument("--gamma", type=_real("gamma"), default=None,
                    help="target gamma of the App. B.5 loss (b5 only; default 0)")
    pf.add_argument("--json", action="store_true", help="print one JSON object")
    pf.set_defaults(func=_cmd_fixed_point, check=_check_fixed_point)
    pr = sub.add_parser("report", help="write the derivation reports (symbolic verdicts; keeps the "
                        "numeric evidence of an earlier pytest verify/ run in the same folder)")
    pr.add_argument("--out", type=_folder("--out", ".gsv-report"), default="reports",
                    help="report folder (default: reports/)")
    pr.set_defaults(func=_cmd_report)
    pp = sub.add_parser("probe", help="map where the first-order theory of §3.3 breaks down")
    pp.add_argument("--grid", type=_int_in(*GRID_RANGE, " (memory grows as grid²)"), default=200,
                    help=f"points per axis of each map, {GRID_RANGE[0]}..{GRID_RANGE[1]} (default 200)")
    pp.add_argument("--n-delta", type=_int_in(*N_DELTA_RANGE, " (coarser grids miss crossings)"), default=2000,
                    help=f"δ grid for the thresholds before bisection, {N_DELTA_RANGE[0]}..{N_DELTA_RANGE[1]} "
                    "(default 2000)")
    pp.add_argument("--out", type=_folder("--out", "probe.json"), default=None,
                    help="folder for grids (.npz, .csv), figures (.png), summary")
    pp.add_argument("--json", action="store_true", help="print one JSON object (thresholds, ...)")
    pp.set_defaults(func=_cmd_probe)
    from empirical.cli import add_parser as add_train_parser   # gsv train: empirical/cli.py (no torch import)

    add_train_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, check every option, then run; bad input: one line, exit 2; Ctrl-C: exit 130."""
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version, or a bad option (one line printed)
            return int(exc.code or 0) if not isinstance(exc.code, str) else 2
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        try:
            check = getattr(args, "check", None)
            if check is not None:
                check(args)
            return int(args.func(args) or 0)
        except ValueError as exc:  # bad input: one line, exit 2
            print(f"gsv: error: {' '.join(str(exc).split())}", file=sys.stderr)
            return 2
        except MemoryError:
            print("gsv: error: out of memory; use a smaller grid or fewer points", file=sys.stderr)
            return 1
        except OSError as exc:  # a disk that fills up or a folder removed while writing
            print(f"gsv: error: {exc}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:  # outputs are swapped in whole, so nothing is half-written
        print("gsv: interrupted (nothing was half-written)", file=sys.stderr)
        return 130


def entry() -> None:
    """The ``gsv`` command: :func:`main`, then exit with its status.

    After Ctrl-C the status is 130 by ``os._exit``: with ``sys.exit(130)`` CPython ended 3 of 13
    interrupted ``gsv train`` runs under load by SIGINT (status −2 to a parent) although
    :func:`main` had caught the interrupt and returned 130, with no second signal (most likely
    its unhandled-interrupt flag, set when a KeyboardInterrupt passes through code that an
    extension runs; not confirmed). Nothing is left to flush but the standard streams: every
    file is written whole (``theory.outdir``).
    """
    rc = main()
    if rc == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(rc)


if __name__ == "__main__":  # pragma: no cover
    entry()
