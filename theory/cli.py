"""``gsv``: the command line of the verifier.

Subcommands:
    gsv --version
    gsv claims [--json] [--no-verdicts]   list every claim with its verdict
    gsv fixed-point --s S.. --lam L ...   exact fixed point, sensitivities, first order
    gsv probe [--grid N] [--out DIR] [--json]  where the perturbation theory breaks down
    gsv report [--out DIR]                write the derivation reports (symbolic verdicts only)
    gsv fixed-point --s 3 2 --lam 0.5 --delta 0.1 [--dynamics eq9|eq10|sd|b5] [--json] [--U JSON]
    gsv train moons [--seeds N] [--iterations N] [--device D] [--out DIR] [--quick]  (needs torch)
    gsv train width-sweep | starvation | starvation-block [--quick] [--out DIR]  (issue 6 §1–2)
    gsv train colored-digits [--quick] [--mnist-dir DIR] [--seeds N] [--configs ROW..]  (§4.3, issue 6 §3)

Bad input exits with status 2 and a one-line message naming the parameter.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from theory import __version__


def _cmd_claims(args: argparse.Namespace) -> int:
    from theory.claims import CLAIMS

    table = {}
    if not args.no_verdicts:
        from theory.verdicts import verdict_table

        table = verdict_table()
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
    from theory.engine.validation import check_lam, check_s

    s = check_s(np.asarray(args.s, dtype=float))
    if s.ndim != 1:
        raise ValueError("s must be a list of n singular values")
    n = s.shape[0]
    lam = float(check_lam(args.lam))
    if args.U is not None and args.delta is not None:
        raise ValueError("give either --delta (Eq. 15, n = 2) or --U (a JSON n x n matrix), not both")
    if args.U is not None:
        try:
            U = np.asarray(json.loads(args.U), dtype=float)
        except (json.JSONDecodeError, TypeError, ValueError):
            raise ValueError(f"U must be a JSON n x n matrix of numbers, e.g. [[0.8,-0.6],[0.6,0.8]]; got {args.U!r}") from None
    elif args.delta is not None:
        if n != 2:
            raise ValueError(f"delta builds Eq. 15's 2 x 2 U and needs n = 2 singular values; got n = {n} (use --U)")
        U = u_eq15(args.delta)
    else:
        raise ValueError("U is missing: give --delta (Eq. 15, n = 2) or --U (a JSON n x n matrix)")
    y = None
    if args.dynamics == "b5":
        if args.y is None:
            raise ValueError("y is required for --dynamics b5: n labels in {-1, +1}")
        y = np.asarray(args.y, dtype=float)
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
    from pathlib import Path

    from theory.report import write_reports

    out = write_reports(Path(args.out))
    print(f"reports written to {out} (index.html, index.md, verdicts.json, claims/)")
    return 0


def _cmd_probe(args: argparse.Namespace) -> int:
    import time

    from theory.probe import run_probe, summary_markdown, write_probe

    if args.grid < 10:
        raise ValueError(f"--grid must be >= 10 points per axis; got {args.grid}")
    t0 = time.perf_counter()
    result = run_probe(args.grid, n_delta=args.n_delta)
    if args.out:
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


def _cmd_train(args: argparse.Namespace) -> int:
    """``gsv train EXPERIMENT``: two moons (§2 / App. B.2), width sweep, starvation, colored digits (issue 6)."""
    from pathlib import Path

    if args.mnist_dir is not None and args.experiment != "colored-digits":
        raise ValueError(f"--mnist-dir is only used by colored-digits; got experiment {args.experiment!r}")
    try:  # torch is imported here, never at CLI import
        if args.experiment == "moons":
            from empirical.experiment import run_moons
        elif args.experiment == "width-sweep":
            from empirical.width_sweep import run_width_sweep as run
            from empirical.width_sweep import summary_markdown
        elif args.experiment == "colored-digits":
            from empirical.colored_digits import run as run_colored_digits
            from empirical.colored_digits import summary_markdown
        elif args.experiment == "starvation-block":
            from empirical.starvation import block_summary_markdown as summary_markdown
            from empirical.starvation import run_starvation_block as run
        else:
            from empirical.starvation import run_starvation as run
            from empirical.starvation import summary_markdown
    except ImportError as exc:
        print(f"gsv: error: gsv train needs torch (pip install -e '.[empirical]'): {exc}", file=sys.stderr)
        return 2
    if args.experiment == "colored-digits":
        # --seeds = restarts, --iterations overrides every method's steps, --configs picks rows
        res = run_colored_digits(args.quick, args.out, mnist_dir=args.mnist_dir, device=args.device,
                                 restarts=args.seeds, methods=args.configs, steps=args.iterations,
                                 threads=args.threads)
        print(summary_markdown(res))
        print(f"run folder: {res['dir']}/")
        return 0
    if args.experiment != "moons":
        res = run(quick=args.quick, out=args.out)
        print(summary_markdown(res))
        print(f"run folder under {Path(args.out)}/")
        return 0
    if args.seeds is not None and args.seeds < 2:
        raise ValueError(f"--seeds must be >= 2; got {args.seeds}")
    if args.iterations is not None and args.iterations < 1:
        raise ValueError(f"--iterations must be >= 1; got {args.iterations}")
    results = run_moons(args.out, seeds=args.seeds, iterations=args.iterations, device=args.device,
                        quick=args.quick, configs=args.configs, threads=args.threads,
                        batch_configs=not args.no_batch_configs)
    print(Path(args.out, "moons", "summary.md").read_text())
    print(f"run folders: {Path(args.out, 'moons')}/<configuration>/ ({len(results)} configurations)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gsv", description="Gradient Starvation theory verifier")
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
    pf.add_argument("--s", type=float, nargs="+", required=True, help="singular values s_1..s_n (> 0)")
    pf.add_argument("--lam", type=float, required=True, help="lambda (> 0)")
    pf.add_argument("--delta", type=float, default=None, help="coupling of Eq. 15 (|delta| < 1, n = 2)")
    pf.add_argument("--U", default=None, help="orthogonal n x n matrix as JSON, e.g. '[[0.8,-0.6],[0.6,0.8]]'")
    pf.add_argument("--dynamics", choices=["eq9", "eq10", "sd", "b5"], default="eq10",
                    help="eq9 (exact dual), eq10 (Taylor, default), sd (Eq. 18), b5 (App. B.5 variant)")
    pf.add_argument("--y", type=float, nargs="+", default=None, help="labels in {-1,+1} (b5 only)")
    pf.add_argument("--gamma", type=float, default=0.0, help="target gamma of the App. B.5 loss (b5 only)")
    pf.add_argument("--json", action="store_true", help="print one JSON object")
    pf.set_defaults(func=_cmd_fixed_point)
    pr = sub.add_parser("report", help="write the derivation reports (symbolic layer only)")
    pr.add_argument("--out", default="reports", help="report folder (default: reports/)")
    pr.set_defaults(func=_cmd_report)
    pp = sub.add_parser("probe", help="map where the first-order theory of §3.3 breaks down")
    pp.add_argument("--grid", type=int, default=200, help="points per axis of each map (default 200)")
    pp.add_argument("--n-delta", type=int, default=2000, help="δ grid for the thresholds before bisection")
    pp.add_argument("--out", default=None, help="folder for grids (.npz, .csv), figures (.png), summary")
    pp.add_argument("--json", action="store_true", help="print one JSON object (thresholds, ...)")
    pp.set_defaults(func=_cmd_probe)
    pt = sub.add_parser("train", help="train and measure networks (two moons; width sweep; starvation; needs torch)")
    pt.add_argument("experiment", choices=["moons", "width-sweep", "starvation", "starvation-block", "colored-digits"],
                    help="moons (§2, App. B.2); width-sweep, starvation and starvation-block (beyond the "
                    "NTK regime; the block design sets Eq. 15's coupling δ); "
                    "colored-digits (§4.3, Table 2, Fig. 3)")
    pt.add_argument("--seeds", type=int, default=None, help="number of seeds (default 10; --quick 4)")
    pt.add_argument("--iterations", type=int, default=None,
                    help="base iterations (default 10000 as App. B.2; --quick 1000); 'longer' runs 10x")
    pt.add_argument("--device", default=None, help="auto (CUDA, then MPS, then CPU), cpu, cuda[:k] or mps")
    pt.add_argument("--out", default="runs", help="parent folder of the run folders (default runs/)")
    pt.add_argument("--quick", action="store_true", help="small configuration used by the tests (see empirical.experiment)")
    pt.add_argument("--configs", nargs="+", default=None, help="subset of configuration names")
    pt.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    pt.add_argument("--no-batch-configs", action="store_true",
                    help="moons: train each configuration separately instead of grouping those that share "
                    "an architecture (same results; for timing comparisons)")
    pt.add_argument("--mnist-dir", default=None, metavar="DIR",
                    help="colored-digits: folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], "
                    "train-labels-idx1-ubyte[.gz]); default: scikit-learn's bundled 8x8 digits")
    pt.set_defaults(func=_cmd_train)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ValueError as exc:  # bad input: one line, exit 2
        print(f"gsv: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
