"""Every HTML page of a report, rendered in headless Chromium at 1400 px.

One Chromium run loads a harness page that opens each report page in a 1400-px wide
frame and reads what a reader sees: the rendered text (``innerText``), the page's
width, the text of every ``<math>`` element and whether each image loaded. The test
fails on raw LaTeX commands or SymPy names in the text, on literal braces in math,
on horizontal overflow and on broken images.

The verbatim print of a claim and LaTeX quoted in prose (``.latex-source``, shown on purpose as the paper's
LaTeX source) is the one place LaTeX commands are expected; it is left out.

Which report: ``$GSV_REPORT_DIR`` (CI points it at the report ``pytest verify/``
wrote), else a report of the symbolic verdicts written here into a temporary folder
(cached verdict table, ``theory.cache``), plus one extra page and one evidence
record with a figure, so that every kind of page is rendered.

Needs Debian's ``chromium`` (``apt-get install -y chromium``, done by ``.ci/run``).
Without it the test is skipped with the reason, except under ``CI=true``, where it
fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

WIDTH = 1400
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# LaTeX commands that must never reach a reader (outside the verbatim print).
RAW_LATEX = re.compile(r"\\(frac|dot|hat|bar|tilde|alpha|beta|gamma|delta|eta|theta|lambda|sigma|phi|omega|"
                       r"mathbf|mathrm|boldsymbol|operatorname|left|right|sum|prod|log|exp|sqrt|text|cdot|"
                       r"partial|nabla|infty|leq?|geq?|neq|mapsto|circ|color)\b")
# SymPy's names for things that should print as mathematics.
SYMPY_NAMES = re.compile(r"elementwiseapplyfunction|applyfunc|MatrixSymbol|ImmutableMatrix|KroneckerDelta|"
                         r"kroneckerdelta|Symbol\(|Derivative\(|Lambda\(|Piecewise\(|Indexed\(|IndexedBase|"
                         r"LambertW\(|Integer\(|Rational\(", re.I)
# A Markdown table that did not become a table (a cell with an unescaped "|" breaks it): its
# delimiter row shows as text.
RAW_TABLE = re.compile(r"\|\s*:?-{3,}:?\s*\|")


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = _chromium()
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed; .ci/run installs it (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium); CI=true makes this a failure")
    return path


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    env = os.environ.get("GSV_REPORT_DIR")
    if env:
        return Path(env)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from theory import report

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    report.reset_evidence()
    report.record_evidence("thm2", route="engine exact sensitivity vs printed Eq. 65",
                           description="δ ∈ (0, 0.5), s1 = 2, s2 = 1, λ = 1", max_rel_error=1e-3,
                           figure=fig, figure_name="dz2_vs_delta")
    report.add_page("breakdown", "Where the perturbation theory breaks down",
                    "| δ | error |\n|---|---|\n| 0.1 | 1e-3 |\n\n![error against δ (s1 = 2, λ = 1)](breakdown/err.png)\n",
                    figures={"err": fig})
    plt.close(fig)
    try:
        out = report.write_reports(tmp_path_factory.mktemp("browser") / "reports", source="tests/test_browser.py").path
    finally:
        report.reset_evidence()
    return out


_HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<pre id="out">pending</pre>
<script>
const pages = %(pages)s;
function check(url) {
  return new Promise(resolve => {
    const f = document.createElement("iframe");
    f.style.width = "%(width)dpx"; f.style.height = "900px"; f.style.border = "0";
    f.onload = () => {
      const d = f.contentDocument;
      d.querySelectorAll(".latex-source").forEach(e => e.remove());
      const w = d.documentElement.scrollWidth, vw = d.documentElement.clientWidth;
      const maths = Array.from(d.querySelectorAll("math")).map(m => {
        const c = m.cloneNode(true);  // a set's braces are fences, not leftover LaTeX
        c.querySelectorAll('mo[fence="true"]').forEach(e => e.remove());
        return c.textContent; });
      const imgs = Array.from(d.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src);
      const wide = Array.from(d.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > vw + 1
          && !e.closest(".math-block, .er-diff, pre")).slice(0, 3).map(e => e.tagName + "." + e.className);
      resolve({text: d.body.innerText, scrollWidth: w, clientWidth: vw, maths: maths, brokenImages: imgs, wide: wide});
      f.remove();
    };
    f.src = url;
    document.body.appendChild(f);
  });
}
(async () => {
  const results = {};
  for (const p of pages) { results[p] = await check(p); }
  document.getElementById("out").textContent = JSON.stringify(results);
})();
</script></body></html>"""


def _render_all(chromium: str, root: Path, pages: list[Path]) -> dict:
    with tempfile.TemporaryDirectory() as profile:
        harness = root / ".browser-harness.html"
        rel = [p.relative_to(root).as_posix() for p in pages]
        harness.write_text(_HARNESS % {"pages": json.dumps(rel), "width": WIDTH})
        try:
            r = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                "--allow-file-access-from-files", f"--window-size={WIDTH + 100},1000",
                                "--virtual-time-budget=600000", "--dump-dom", harness.as_uri()],
                               capture_output=True, text=True, timeout=600)
        finally:
            harness.unlink()
    m = re.search(r'<pre id="out">(.*?)</pre>', r.stdout, re.S)
    assert m and m.group(1) != "pending", f"chromium did not finish: {r.stderr[-2000:]}"
    import html

    return json.loads(html.unescape(m.group(1)))


def test_every_page_renders_clean(chromium, report_dir):
    pages = sorted(report_dir.rglob("*.html"))
    assert any(p.name == "index.html" for p in pages) and len(pages) > 10
    results = _render_all(chromium, report_dir, pages)
    assert len(results) == len(pages)
    problems = []
    for page, r in results.items():
        text = r["text"]
        for pat, what in ((RAW_LATEX, "raw LaTeX"), (SYMPY_NAMES, "SymPy name"), (RAW_TABLE, "raw Markdown table")):
            m = pat.search(text)
            if m:
                problems.append(f"{page}: {what} {text[max(0, m.start() - 40):m.end() + 40]!r}")
        for mt in r["maths"]:
            if re.search(r"[{}\\]", mt):
                problems.append(f"{page}: literal braces or backslash in math {mt[:80]!r}")
                break
        if r["scrollWidth"] > r["clientWidth"]:
            problems.append(f"{page}: {r['scrollWidth']} px wide in a {r['clientWidth']}-px window {r['wide']}")
        if r["brokenImages"]:
            problems.append(f"{page}: images that do not load {r['brokenImages']}")
    print(f"browser: {len(results)} pages rendered at {WIDTH} px, {len(problems)} problems")
    assert not problems, "\n".join(problems[:40]) + f"\n({len(problems)} problems)"


def test_the_check_can_fail(chromium, tmp_path):
    # A page with raw LaTeX, a SymPy name, a raw Markdown table, braces in math and a 3000-px
    # table must fail.
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><p>\\dot{\\alpha} elementwiseapplyfunction(x)</p>'
                   '<p>| a | b = |x| |\n|---|---|\n| 1 | 2 |</p>'
                   '<math><mi>{0,1}</mi></math><table style="width:3000px"><tr><td>x</td></tr></table>'
                   '<img src="missing.png"></body></html>')
    r = _render_all(chromium, tmp_path, [bad])["bad.html"]
    assert RAW_LATEX.search(r["text"]) and SYMPY_NAMES.search(r["text"]) and RAW_TABLE.search(r["text"])
    assert any("{" in m for m in r["maths"]) and r["scrollWidth"] > r["clientWidth"] and r["brokenImages"]


def test_every_figure_of_the_report_has_a_caption(report_dir):
    """Every figure (evidence, breakdown, the runs' PNGs) carries a caption with its parameters,
    not a file name; in CI ``report_dir`` is the full report of ``pytest verify/``."""
    from theory.report import figure_caption_problems

    assert figure_caption_problems(report_dir) == []
