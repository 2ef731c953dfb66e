"""Unit tests of theory.report: atomic writing, merging, determinism, escaping, pages, math.

Everything runs on synthetic claims and comparisons injected through the
``table=``/``claims=`` parameters, so the real verdict table is never computed.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import sympy as sp  # noqa: E402

import importlib  # noqa: E402

from theory import outdir, report  # noqa: E402

ev_mod = importlib.import_module("theory.report.registry")
pages_mod = importlib.import_module("theory.report.pages")
from theory.claims import Claim, Kind  # noqa: E402
from theory.derivation import Check, Comparison, Derivation, Verdict, check_identity, compare  # noqa: E402
from theory.symbols import lam, s  # noqa: E402

x, y = sp.symbols("x y", positive=True)

NASTY = "<script>alert(1)</script> | *bold* _u_ $z$ a&b [l](javascript:x) `tick`"


def _claims() -> dict[str, Claim]:
    cs = [
        Claim("c_ok", "Eq. 1", "§1", "A verified identity", r"\log x^2 = 2\log x",
              sp.Eq(sp.log(x**2), 2 * sp.log(x)), "log of a square.", ("x > 0",)),
        Claim("c_err", "Eq. 2", "§2", "A typo", r"\frac{s^2}{s^2+\lambda}",
              s**2 / (s**2 + lam), "ratio with λ.", ("λ > 0",), kind=Kind.FIXED_POINT,
              transcription_note="OCR dropped a factor? we read it as printed."),
        Claim("c_regime", "Lemma 1", "§3", "First order", "z = 1 + \\delta",
              {"z1": x + 1, "z2": sp.Lt(x, y), "z3": "positive definite",
               "z4": sp.Eq(sp.Matrix([x, y]), sp.Matrix([y + 1, x**2]), evaluate=False)},
              "holds to first order.", kind=Kind.APPROXIMATION,
              order="O(δ²)"),
        Claim("c_nasty", "Eq. <3>", "§4", "Nasty | title", NASTY + "\n```\ncode fence\n```",
              None, NASTY),
        Claim("c_none", "Eq. 5", "§5", "Not yet derived", "", None, "no derivation yet."),
    ]
    return {c.id: c for c in cs}


def _table(claims: dict[str, Claim]) -> dict[str, Comparison]:
    d = Derivation("log rules")
    d.add(sp.log(x**2), "definition (Eq. 1)")
    d.add(sp.Eq(sp.log(x**2), 2 * sp.log(x)), "log of a power", check_identity(sp.log(x**2), 2 * sp.log(x)))
    a = lam * sp.LambertW(s**2 / lam + 1) / (s**2 + lam)
    d.add(sp.Eq(-sp.log(a), a * (s**2 + lam) / lam), "fixed point (Eq. 12)",
          check_identity(-sp.log(a), a * (s**2 + lam) / lam, try_exact=False, seed_key="t"))
    d.add(r"\text{by } \alpha^* \le 1", "a string step " + NASTY)
    d.add(sp.Eq(sp.Symbol("U"), sp.eye(2)), "an Eq that SymPy collapsed to False")
    ok = compare("c_ok", claims["c_ok"].printed.lhs, 2 * sp.log(x), derivation=d)
    # A genuine erratum: the derivation gives 2λ, the print has λ.
    err = compare("c_err", claims["c_err"].printed, s**2 / (s**2 + 2 * lam),
                  corrected=s**2 / (s**2 + 2 * lam), notes="factor 2 lost " + NASTY)
    regime = Comparison("c_regime", Verdict.REGIME, printed=claims["c_regime"].printed,
                        derived={"z1": x + 1 + x**2}, regime="δ → 0 (" + NASTY + ")",
                        check=Check("counterexample", False, "differs at second order", 1e-3, 2e-4, 20, 50),
                        regime_check=Check("numeric", True, "first order", 1e-3, 2e-4, 20, 50),
                        routes=("printed", "derived", "engine"))
    nasty = Comparison("c_nasty", Verdict.REFUTED, printed=sp.Lt(x, y), derived=sp.Gt(x, y),
                       check=Check("counterexample", False, NASTY, 1.0, 0.5, 24, 50),
                       counterexample={"point": {"x": "1", "y": "2"}, "printed_50": ["1"],
                                       "derived_50": ["0"], "printed_100": ["1"],
                                       "derived_100": ["0"], "rel_diff": 1.0, "why": NASTY,
                                       "recheck_dps": 100},
                       notes=NASTY)
    return {"c_ok": ok, "c_err": err, "c_regime": regime, "c_nasty": nasty}


@pytest.fixture(scope="module")
def data():
    claims = _claims()
    return claims, _table(claims)


@pytest.fixture(autouse=True)
def _registry(monkeypatch, data):
    # record_evidence validates ids against the claims: point it at the synthetic set.
    monkeypatch.setattr(ev_mod, "CLAIMS", data[0])
    report.reset_evidence()
    yield
    report.reset_evidence()


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _write(out: Path, data) -> Path:
    claims, table = data
    return report.write_reports(out, table=table, claims=claims).path


def _figure(seed: float = 1.0):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, seed, 4])
    ax.set_title("fixed point vs ODE")
    return fig


# ---------------------------------------------------------------------- atomicity


def test_crash_mid_write_leaves_previous_report_intact(tmp_path, data, monkeypatch):
    out = _write(tmp_path / "reports", data)
    before = _tree(out)

    def boom(*a, **k):
        raise RuntimeError("killed while writing")

    # The index is written last, after verdicts.json and every claim page.
    monkeypatch.setattr(pages_mod, "_render_index_html", boom)
    report.record_evidence("c_ok", route="engine vs printed", description="new evidence")
    with pytest.raises(RuntimeError, match="killed"):
        _write(tmp_path / "reports", data)
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]  # no temp folder left


def test_kill_between_the_two_renames_keeps_the_previous_report(tmp_path, data, monkeypatch):
    # The swap is two renames (old report aside, new one in); kill the run between them.
    out = _write(tmp_path / "reports", data)
    before = _tree(out)
    real_replace = os.replace

    def replace(src, dst):
        if ".tmp-old-" not in Path(dst).name:
            raise KeyboardInterrupt  # the second rename never happens
        real_replace(src, dst)

    monkeypatch.setattr(outdir.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        _write(tmp_path / "reports", data)
    monkeypatch.setattr(outdir.os, "replace", real_replace)
    hidden = [p for p in tmp_path.iterdir() if p.name.startswith(".reports.tmp-old-")]
    assert len(hidden) == 1 and _tree(hidden[0]) == before  # the previous report is whole
    assert not out.exists()
    # The next write works; the hidden copy goes once it is stale (an hour old).
    os.utime(hidden[0], (0, 0))
    report.record_evidence("c_ok", route="engine vs printed", description="rerun", max_rel_error=1e-9)
    _write(tmp_path / "reports", data)
    assert "rerun" in (out / "claims" / "c_ok.md").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_stale_build_folders_are_removed_on_the_next_write(tmp_path, data):
    out = _write(tmp_path / "reports", data)
    stale = tmp_path / ".reports.tmp-killed"
    stale.mkdir()
    (stale / "verdicts.json").write_text("[]")
    fresh = tmp_path / ".reports.tmp-live"
    fresh.mkdir()
    os.utime(stale, (0, 0))
    _write(out, data)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".reports.tmp-live", "reports"]  # a live build (under an hour) is left alone


def test_no_ctypes_in_the_swap():
    import inspect

    for mod in (outdir, importlib.import_module("theory.report.writer")):
        assert "ctypes" not in inspect.getsource(mod)


def test_refuses_to_replace_a_folder_that_is_not_a_report(tmp_path, data):
    foreign = tmp_path / "src"
    foreign.mkdir()
    (foreign / "precious.py").write_text("keep me")
    with pytest.raises(ValueError, match="not a report"):
        _write(foreign, data)
    assert (foreign / "precious.py").read_text() == "keep me"
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ValueError, match="file"):
        _write(tmp_path / "afile", data)


def test_replaces_report_of_the_old_format(tmp_path, data):
    old = tmp_path / "reports"
    old.mkdir()
    (old / "verdicts.json").write_text("[]\n")
    (old / "index.md").write_text("# old\n")
    _write(old, data)
    assert (old / "claims" / "c_ok.html").exists()


# -------------------------------------------------------------------- determinism


def test_two_writes_give_identical_bytes(tmp_path, data):
    report.record_evidence("c_ok", route="b route", description="second", max_rel_error=1.234567891e-7)
    report.record_evidence("c_ok", route="a route", description="first", max_abs_error=3.0,
                           figure=_figure(), figure_name="fp")
    a = _tree(_write(tmp_path / "a", data))
    # Same evidence recorded in the other order: the report must not depend on test order.
    evs = report.evidence()
    report.reset_evidence()
    for ev in reversed(evs):
        ev_mod._EVIDENCE.append(ev)
    b = _tree(_write(tmp_path / "b", data))
    assert a == b
    recs = json.loads(a["verdicts.json"])
    assert [r["id"] for r in recs] == list(data[0])  # paper order
    # 6 significant digits, whatever the float's last bits.
    assert next(r for r in recs if r["id"] == "c_ok")["max_rel_error"] == 1.23457e-7
    assert a["verdicts.json"].decode().count("\n") > len(recs)  # indented, one key a line


def test_records_have_the_issue_keys(data):
    recs = report.verdict_records(data[1], data[0], [])
    for r in recs:
        assert {"id", "verdict", "routes", "max_abs_error", "max_rel_error", "notes",
                "equation", "section"} <= set(r)
    by = {r["id"]: r for r in recs}
    assert by["c_ok"]["verdict"] == "verified"
    assert by["c_err"]["verdict"] == "erratum"
    assert by["c_none"]["verdict"] == "not derived"
    assert by["c_regime"]["routes"] == ["printed vs derived vs engine"]


# ------------------------------------------------------------------------ evidence


def test_worst_error_is_max_over_check_and_evidence(tmp_path, data):
    # c_regime's check: abs 1e-3, rel 2e-4 (set by hand in _table).
    report.record_evidence("c_regime", route="engine vs derived", description="ODE end point",
                           max_rel_error=5e-2)
    report.record_evidence("c_regime", route="engine vs printed", description="only abs",
                           max_abs_error=7e-3)
    report.record_evidence("c_regime", route="engine vs printed", description="no numbers")
    out = _write(tmp_path / "r", data)
    rec = {r["id"]: r for r in json.loads((out / "verdicts.json").read_text())}["c_regime"]
    assert rec["max_rel_error"] == 5e-2  # from evidence, larger than the check's 2e-4
    assert rec["max_abs_error"] == 7e-3  # from the other evidence, larger than 1e-3
    assert rec["evidence"] == 3
    assert rec["routes"] == ["printed vs derived vs engine", "engine vs derived", "engine vs printed"]
    row = next(ln for ln in (out / "index.md").read_text().splitlines() if "c\\_regime" in ln or "`c_regime`" in ln)
    assert "rel 0.05" in row and "abs 0.007" in row
    # A claim whose check had the larger error keeps it.
    report.reset_evidence()
    report.record_evidence("c_regime", route="r", description="d", max_rel_error=1e-9, max_abs_error=1e-9)
    ab, rel = report.worst_errors(data[1]["c_regime"], report.evidence())
    assert (ab, rel) == (1e-3, 2e-4)


def test_record_evidence_rejects_bad_input():
    with pytest.raises(ValueError, match="claim_id"):
        report.record_evidence("no_such_claim", route="r", description="d")
    with pytest.raises(ValueError, match="route"):
        report.record_evidence("c_ok", route=" ", description="d")
    with pytest.raises(ValueError, match="max_rel_error"):
        report.record_evidence("c_ok", route="r", description="d", max_rel_error=-1.0)
    with pytest.raises(ValueError, match="max_abs_error"):
        report.record_evidence("c_ok", route="r", description="d", max_abs_error=float("nan"))
    with pytest.raises(ValueError, match="figure"):
        report.record_evidence("c_ok", route="r", description="d", figure=b"not a png")
    with pytest.raises(ValueError, match="figure_name"):
        report.record_evidence("c_ok", route="r", description="d", figure=_figure(), figure_name="../x")
    assert report.evidence() == []


def test_infinite_error_is_kept_readable(tmp_path, data):
    report.record_evidence("c_ok", route="r", description="diverged", max_abs_error=float("inf"))
    out = _write(tmp_path / "r", data)
    rec = {r["id"]: r for r in json.loads((out / "verdicts.json").read_text())}["c_ok"]
    assert rec["max_abs_error"] == "inf"


def test_figures_are_deterministic_png_in_the_report(tmp_path, data):
    fig = _figure()
    png1, png2 = report.figure_png(fig), report.figure_png(fig)
    assert png1.startswith(b"\x89PNG") and png1 == png2
    assert b"tIME" not in png1 and b"Software" not in png1  # no date, no version
    report.record_evidence("c_ok", route="fixed point vs ODE", description="trajectories", figure=fig)
    report.record_evidence("c_ok", route="fixed point vs ODE", description="again", figure=png1)
    plt.close(fig)
    out = _write(tmp_path / "r", data)
    files = sorted(p.name for p in (out / "figures" / "c_ok").iterdir())
    assert files == ["fixed-point-vs-ode-2.png", "fixed-point-vs-ode.png"]
    md = (out / "claims" / "c_ok.md").read_text()
    html = (out / "claims" / "c_ok.html").read_text()
    assert "](../figures/c_ok/fixed-point-vs-ode.png)" in md
    assert 'src="../figures/c_ok/fixed-point-vs-ode-2.png"' in html


# ---------------------------------------------------------------------- escaping


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_escaping_markdown_and_html(tmp_path, data):
    report.record_evidence("c_nasty", route=NASTY, description=NASTY, max_rel_error=0.5)
    out = _write(tmp_path / "r", data)
    idx_md = (out / "index.md").read_text()
    row = next(ln for ln in idx_md.splitlines() if "c_nasty" in ln)
    assert _unescaped_pipes(row) == 8  # 7 cells: the statement's "|" did not split one
    assert "<script>" not in idx_md and "\\<script\\>" in idx_md
    for page in ("index.html", "claims/c_nasty.html", "claims/c_ok.html", "claims/c_regime.html"):
        text = (out / page).read_text()
        assert "<script>" not in text, page
        assert 'href="javascript' not in text, page
    html = (out / "claims" / "c_nasty.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "a&amp;b" in html
    md = (out / "claims" / "c_nasty.md").read_text()
    # The verbatim LaTeX holds a ``` fence: the code block must use a longer one.
    assert "````latex" in md
    ev_row = next(ln for ln in md.splitlines() if ln.startswith("| ") and "alert" in ln)
    assert _unescaped_pipes(ev_row) == 5


def test_mathml_is_well_formed(tmp_path, data):
    out = _write(tmp_path / "r", data)
    n = 0
    for page in sorted((out / "claims").glob("*.html")):
        for m in re.finditer(r"<math .*?</math>", page.read_text(), re.S):
            ET.fromstring(m.group(0))  # raises on "<mo><</mo>" or unknown entities
            n += 1
    assert n >= 8
    html = (out / "claims" / "c_nasty.html").read_text()
    assert "<mo>&lt;</mo>" in html and "<mo>&gt;</mo>" in html


# -------------------------------------------------------------------------- pages


def test_erratum_page_has_both_forms_and_the_counterexample(tmp_path, data):
    claims, table = data
    comp = table["c_err"]
    assert comp.verdict == Verdict.ERRATUM and comp.counterexample
    out = _write(tmp_path / "r", data)
    md = (out / "claims" / "c_err.md").read_text()
    html = (out / "claims" / "c_err.html").read_text()
    printed_tex, corrected_tex = sp.latex(comp.printed), sp.latex(comp.corrected)
    assert printed_tex != corrected_tex
    sbs = md[md.index("## Erratum"):]
    # One above the other, each a display block, the difference in red: λ → 2λ.
    assert sbs.index("**Printed:**") < sbs.index("**Corrected:**")
    blocks = re.findall(r"\$\$\n(.*?)\n\$\$", sbs, re.S)
    assert len(blocks) >= 2 and "\\color{red}" in blocks[0] and "\\color{red}" in blocks[1]
    assert blocks[0].replace("{\\color{red}{\\lambda}}", "\\lambda") == printed_tex
    assert "Where they differ: $\\lambda$ → $2 \\lambda$" in sbs
    cx = comp.counterexample
    for v in list(cx["point"].values()) + cx["printed_50"] + cx["derived_100"]:
        assert str(v) in md and str(v) in html
    assert "confirmed at 100 digits" in md and "50 digits" in md and "100 digits" in md
    assert "| ≠ |" in md  # the differing entry is marked
    assert not re.search(r"\\\d", md)  # "\0.99" would show its backslash on GitHub
    grid = html[html.index('<div class="erratum">'):]
    assert grid.index(">printed<") < grid.index(">corrected<")
    assert grid.count("<math") >= 2 and grid.count('class="diff"') == 2  # λ and 2λ highlighted
    assert "Corrected vs derived" in md and "proof (exact)" in md.split("Corrected vs derived")[1]
    assert "OCR dropped a factor" in md and "OCR dropped a factor" in html


def test_claim_page_contents(tmp_path, data):
    out = _write(tmp_path / "r", data)
    md = (out / "claims" / "c_ok.md").read_text()
    html = (out / "claims" / "c_ok.html").read_text()
    assert "```latex\n\\log x^2 = 2\\log x\n```" in md  # verbatim print
    assert "$$\n" + sp.latex(sp.Eq(sp.log(x**2), 2 * sp.log(x))) + "\n$$" in md
    assert "## Derivation: log rules" in md and "**Step 5.**" in md
    assert "**Warning:** this expression is the constant False" in md  # step 5 lost its content
    assert "**Check: proof (exact)**" in md
    assert "**Check: numeric evidence (24 points, 50 digits)**" in md
    assert "no check (definition or assumption)" in md
    assert "- x \\> 0" in md  # assumptions
    assert 'href="../index.html"' in html and "<style>" in html and "<script" not in html
    assert 'class="check proof"' in html and 'class="check evidence"' in html
    assert '<pre class="latex" title="LaTeX source">\\text{by } \\alpha^* \\le 1</pre>' in html
    regime = (out / "claims" / "c_regime.md").read_text()
    assert "## Regime" in regime and "δ → 0" in regime and "claimed order: O(δ²)" in regime
    assert "*z1:*" in regime and "*z2:*" in regime  # dict parts labelled
    assert "*z3:*\n\npositive definite\n" in regime  # prose part: text, not $$ math
    assert "$$\nx = y + 1\n$$" in regime and "$$\ny = x^{2}\n$$" in regime  # vector Eq split
    regime_html = (out / "claims" / "c_regime.html").read_text()
    assert '<p class="prose-part">positive definite</p>' in regime_html
    none = (out / "claims" / "c_none.md").read_text()
    assert "No derivation compares this claim yet" in none


def test_index_counts_and_links(tmp_path, data):
    out = _write(tmp_path / "r", data)
    md = (out / "index.md").read_text()
    assert "5 claims: **1** verified, **1** erratum, **1** refuted, **1** holds-only-in-regime, **1** not derived" in md
    for cid in data[0]:
        assert f"(claims/{cid}.md)" in md
    html = (out / "index.html").read_text()
    assert html.count('class="badge v-erratum"') == 3  # the count, the definition and the table row
    for v in ("verified", "erratum", "refuted", "holds-only-in-regime"):
        assert f"- **{v}**: " in md  # the four verdicts are defined at the top
    assert "**Contents** — partial: symbolic verdicts only" in md
    assert 'href="claims/c_err.html"' in html
    assert (out / ".gitignore").read_text() == "*\n"


def test_extra_pages(tmp_path, data):
    fig = _figure()
    report.add_page("breakdown", "Where perturbation theory breaks down",
                    "Intro with **bold** and a <b>tag</b>.\n\n| δ | error |\n|---|---|\n| 0.1 | 1e-3 |\n\n"
                    "![heatmap](breakdown/heat.png)\n\n$$\n\\delta^2\n$$\n\n- one\n- two\n",
                    figures={"heat": fig, "other.png": report.figure_png(fig)},
                    files={"grid.csv": "delta,err\n0.1,0.001\n"})
    plt.close(fig)
    with pytest.raises(ValueError, match="slug"):
        report.add_page("Bad Slug", "t", "b")
    out = _write(tmp_path / "r", data)
    assert "[Where perturbation theory breaks down](pages/breakdown.md)" in (out / "index.md").read_text()
    assert 'href="pages/breakdown.html"' in (out / "index.html").read_text()
    md = (out / "pages" / "breakdown.md").read_text()
    html = (out / "pages" / "breakdown.html").read_text()
    assert md.count("breakdown/heat.png") == 1  # referenced in the body: not appended again
    assert "](breakdown/other.png)" in md and "(breakdown/grid.csv)" in md
    assert (out / "pages" / "breakdown" / "heat.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "pages" / "breakdown" / "grid.csv").read_text().startswith("delta,err")
    assert "<table>" in html and "<strong>bold</strong>" in html and "&lt;b&gt;tag&lt;/b&gt;" in html
    # An image alone in a paragraph becomes a figure; its alt text is the caption.
    assert '<figure><img alt="heatmap" src="breakdown/heat.png"><figcaption>heatmap</figcaption></figure>' in html
    assert re.search(r"<ul>\s*<li>one</li>\s*<li>two</li>\s*</ul>", html)
    assert '<pre class="latex" title="LaTeX source">\\delta^2</pre>' in html


def test_markdown_to_html_via_python_markdown():
    out = report.markdown_to_html("# T\n\nA `x<y` and [p](a.md) and \\*lit\\*.\n\n```\n<b>\n```\n\n1. a\n2. b")
    assert "<h1>T</h1>" in out
    assert "<code>x&lt;y</code>" in out and '<a href="a.html">p</a>' in out and "*lit*" in out
    assert "<pre><code>&lt;b&gt;\n</code></pre>" in out and re.search(r"<ol>\s*<li>a</li>\s*<li>b</li>\s*</ol>", out)
    # Raw HTML is text, never markup; only relative and http(s) links survive.
    out = report.markdown_to_html("<script>x</script> <b>b</b> [j](javascript:alert(1))")
    assert "<script>" not in out and "&lt;b&gt;" in out and 'href="#"' in out


def test_default_table_argument_uses_registry(tmp_path, data):
    # write_reports with only table/claims injected reads evidence and pages from the registry.
    report.record_evidence("c_err", route="engine vs corrected", description="registry evidence")
    report.add_page("extra", "Extra", "body")
    out = _write(tmp_path / "r", data)
    assert "registry evidence" in (out / "claims" / "c_err.html").read_text()
    assert (out / "pages" / "extra.html").exists()


# ------------------------------------------------------------ contents and merging


def test_partial_write_keeps_the_evidence_and_pages_of_a_fuller_report(tmp_path, data):
    claims, table = data
    report.record_evidence("c_ok", route="engine vs printed", description="from the full run", max_rel_error=1e-12)
    report.add_page("breakdown", "Breakdown", "body")
    cov = {"modules_all": ["test_a.py", "test_b.py"], "modules_run": ["test_a.py", "test_b.py"], "complete": True}
    full = report.write_reports(tmp_path / "r", table=table, claims=claims, source="pytest verify/", coverage=cov)
    assert full.manifest["complete"] and "full: every verify module ran" in full.summary()
    # gsv report: no evidence of its own; the full run's evidence and page stay, marked.
    report.reset_evidence()
    sym = report.write_reports(tmp_path / "r", table=table, claims=claims, source="gsv report")
    out = sym.path
    assert sym.manifest["evidence_carried"] == 1 and sym.manifest["pages_carried"] == 1
    page = (out / "claims" / "c_ok.md").read_text()
    assert "from the full run *(carried over from an earlier run)*" in page
    assert (out / "pages" / "breakdown.html").exists()
    md = (out / "index.md").read_text()
    assert "full coverage, partly carried over" in md and "carried over from an earlier run" in md
    # A partial pytest run replaces the evidence of the routes it ran, keeps the rest.
    report.record_evidence("c_ok", route="engine vs printed", description="partial rerun", max_rel_error=2e-12)
    part = report.write_reports(out, table=table, claims=claims, source="pytest verify/test_a.py",
                                coverage={**cov, "modules_run": ["test_a.py"], "complete": False})
    page = (out / "claims" / "c_ok.md").read_text()
    assert "partial rerun" in page and "from the full run" not in page
    assert part.manifest["pages_carried"] == 1 and part.manifest["modules_covered"] == ["test_a.py", "test_b.py"]
    # A complete run starts afresh: nothing is carried over.
    report.reset_evidence()
    again = report.write_reports(out, table=table, claims=claims, coverage=cov)
    assert again.manifest["evidence_carried"] == 0 and not (out / "pages" / "breakdown.html").exists()


def test_symbolic_only_report_says_so(tmp_path, data):
    claims, table = data
    w = report.write_reports(tmp_path / "r", table=table, claims=claims, source="gsv report")
    assert "partial: symbolic verdicts only (gsv report)" in (w.path / "index.html").read_text()
    assert report.read_manifest(w.path)["source"] == "gsv report"


def test_report_folder_is_checked_before_any_work(tmp_path, data, monkeypatch):
    calls = []
    monkeypatch.setattr("theory.report.records._resolve", lambda *a: calls.append(a))
    for bad in ("/proc/gsv-x/y", str(tmp_path / "afile" / "sub")):
        (tmp_path / "afile").write_text("x")
        with pytest.raises(ValueError, match="writable"):
            report.write_reports(bad, table=data[1], claims=data[0])
    assert calls == []


def test_pytest_verify_rejects_an_unwritable_report_folder_at_the_start(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "GSV_NO_CACHE": "1"}
    r = subprocess.run([sys.executable, "-m", "pytest", "verify/test_claims_coverage.py", "-q", "-p", "no:cacheprovider",
                        "--reports", "/proc/gsv-x/y"], capture_output=True, text=True, cwd=root, env=env, timeout=300)
    assert r.returncode == 4  # a usage error, before any test ran
    assert "--reports must be a writable" in r.stderr + r.stdout and "passed" not in r.stdout



def test_collect_only_writes_no_report(tmp_path):
    # --collect-only runs no test: writing a report would derive every claim for nothing
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "GSV_NO_CACHE": "1"}
    r = subprocess.run([sys.executable, "-m", "pytest", "verify/test_claims_coverage.py", "--collect-only", "-q",
                        "-p", "no:cacheprovider", "--reports", str(tmp_path / "r")],
                       capture_output=True, text=True, cwd=root, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "collected" in r.stdout and not (tmp_path / "r").exists()

def test_markdown_and_html_pages_have_one_outline(tmp_path, data):
    # One page model rendered twice: the same headings, in the same order, on both copies.
    report.record_evidence("c_ok", route="engine vs printed", description="d", max_rel_error=1e-9,
                           figure=_figure(), figure_name="f")
    out = _write(tmp_path / "r", data)
    for cid in data[0]:
        md = (out / "claims" / f"{cid}.md").read_text()
        html = (out / "claims" / f"{cid}.html").read_text()
        md_heads = [re.sub(r"\\(.)", r"\1", t) for t in re.findall(r"^#{1,3} (.*)$", md, re.M)]
        html_heads = [t.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&#x27;", "'")
                      .replace("&quot;", '"') for t in re.findall(r"<h[123]>(.*?)</h[123]>", html)]
        assert md_heads == html_heads, cid
        assert md.count("](../figures/") == html.count('<img src="../figures/')
