"""Every figure of a report has a caption that says what it shows and with which parameters.

The check (``theory.report.figure_caption_problems``) reads a written report's HTML: every
image must sit in a ``<figure>`` whose ``<figcaption>`` is more than a file name. Pages get
captions from ``add_page(captions=...)`` or from the ``Description`` a run stored in its PNG
(``empirical.runs.save_figure(caption=...)``); evidence figures from their route and description.
"""

from __future__ import annotations

import importlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import sympy as sp  # noqa: E402

from theory import report  # noqa: E402
from theory.claims import Claim  # noqa: E402
from theory.derivation import Comparison, Verdict, check_identity  # noqa: E402

ev_mod = importlib.import_module("theory.report.registry")
x = sp.Symbol("x", positive=True)
CAPTION = "Error against δ for s1 = 4, s2 = 2, λ = 1 (99 points, seed 0)"


@pytest.fixture
def data(monkeypatch):
    claims = {"c_ok": Claim("c_ok", "Eq. 1", "§1", "A verified identity", r"\log x^2 = 2\log x",
                            sp.Eq(sp.log(x**2), 2 * sp.log(x)), "log of a square.", ("x > 0",))}
    ok = check_identity(sp.log(x**2), 2 * sp.log(x))
    table = {"c_ok": Comparison("c_ok", Verdict.VERIFIED, printed=sp.log(x**2), derived=2 * sp.log(x), check=ok)}
    monkeypatch.setattr(ev_mod, "CLAIMS", claims)
    report.reset_evidence()
    yield claims, table
    report.reset_evidence()


def _png(caption: str | None = None) -> bytes:
    from empirical.runs import save_figure

    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1])
    if caption is None:
        png = report.figure_png(fig)
        plt.close(fig)
        return png
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        save_figure(fig, Path(d) / "f.png", dpi=30, caption=caption)
        return (Path(d) / "f.png").read_bytes()


def _write(tmp_path, data):
    claims, table = data
    return report.write_reports(tmp_path / "r", table=table, claims=claims).path


def test_a_figure_captioned_with_its_file_name_only_is_flagged(tmp_path, data):
    report.add_page("p", "A page", "Body.", figures={"heat": _png()})
    problems = report.figure_caption_problems(_write(tmp_path, data))
    assert len(problems) == 1 and "pages/p.html" in problems[0] and "heat" in problems[0], problems


def test_a_short_alt_text_caption_is_flagged(tmp_path, data):
    report.add_page("p", "A page", "![fig3](p/fig3.png)\n", figures={"fig3": _png()})
    problems = report.figure_caption_problems(_write(tmp_path, data))
    assert len(problems) == 1 and "fig3" in problems[0], problems


def test_an_image_outside_a_figure_is_flagged(tmp_path, data):
    report.add_page("p", "A page", f"Inline ![{CAPTION}](p/a.png) in a sentence.", figures={"a": _png()})
    problems = report.figure_caption_problems(_write(tmp_path, data))
    assert any("outside a <figure>" in p for p in problems), problems


def test_captions_given_or_stored_in_the_png_are_shown(tmp_path, data):
    stored = "Accuracy during training, 3 restarts (seeds 0, 1, 2), width 64, lr 1e-3"
    report.add_page("p", "A page", f"![{CAPTION}](p/shown.png)\n",
                    figures={"shown": _png(), "given": _png(), "stored": _png(stored)},
                    captions={"given": CAPTION + ", given"})
    fig = plt.figure()
    report.record_evidence("c_ok", route="ODE vs fixed point", description="App. B.1 toy, s = [4, 2], λ = 1",
                           figure=fig)
    plt.close(fig)
    out = _write(tmp_path, data)
    assert report.figure_caption_problems(out) == []
    html = (out / "pages" / "p.html").read_text()
    md = (out / "pages" / "p.md").read_text()
    assert f"<figcaption>{CAPTION}, given</figcaption>" in html and f"*{CAPTION}, given*" in md
    assert f"<figcaption>{stored}</figcaption>" in html
    # the caption travels with the page from a pytest-xdist worker to the report writer
    (page,) = report.from_jsonable(report.to_jsonable([], report.extra_pages()))[1]
    assert page.caption("stored") == stored


def test_png_caption_reads_the_description_written_by_save_figure():
    assert report.png_caption(_png("λ = 1, δ ∈ [0, 1], 12 seeds")) == "λ = 1, δ ∈ [0, 1], 12 seeds"
    assert report.png_caption(_png()) is None
    assert report.png_caption(b"not a png") is None


def test_add_page_rejects_a_caption_for_no_figure_or_an_empty_one():
    with pytest.raises(ValueError, match="captions"):
        report.add_page("p", "A page", "b", figures={"a": _png()}, captions={"b": CAPTION})
    with pytest.raises(ValueError, match="captions"):
        report.add_page("p", "A page", "b", figures={"a": _png()}, captions={"a": " "})
