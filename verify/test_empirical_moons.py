"""Two moons, measured (§2, §4.1, App. B.2, Fig. 1 and Fig. 6) on the quick configuration.

The paper's implied verdict (§2, Fig. 1): at Δ = +0.1, spectral decoupling (SD) gives a larger
input-space margin than every other configuration, by more than the seed spread, and the
common remedies do not.

Quick configuration (empirical.experiment): 4 seeds, 1,000 iterations (Fig. 1's count, not
App. B.2's 10,000), every configuration except "deeper" and "longer", margin search with
24 directions × 24 steps. "Seed spread" = the sum of the two configurations' standard
deviations over seeds.

What is measured (assertions below state it; they are what this run measures, not tuned):
* The 10th percentile of the per-point margins (the points nearest to the boundary, i.e.
  the paper's "boundary located very close to the data points"): SD's exceeds every other
  Δ = +0.1 configuration's by more than the seed spread — agrees with the paper. The closest
  competitor is Adam with lr 3e-3, with a small excess over the spread.
* The MEAN margin over points does NOT single SD out: SD's mean margin is not larger than
  the plain network's (it is slightly smaller; the curved boundary gains on the moon tips
  and loses on the bulk of far points). This disagrees with a reading of "larger margin"
  as the average distance; the paper does not define which summary it means.
* SD relies on the second coordinate more than the plain network (sin² of the boundary
  normal's angle to the discriminative axis at the nearest boundary points).
* Fig. 1(d)'s caption, four statements about the responses z_1 = |u_1ᵀŷ|, z_2 = |u_6ᵀŷ| along
  the eigen-directions of each seed's NTK Gram matrix at initialization that the released
  script plots (empirical.ntk), compared between the three cases at the end of training with
  Welch 95 % intervals over seeds (empirical.experiment.fig1d_checks): separability raises
  z_1 and starves z_2 (Δ = +0.1 vs −0.1); SD suppresses z_1 and lets z_2 grow (SD vs plain).
  All four hold on this run (the z_2 starvation interval is the narrowest: its upper end is
  just below 0 with 4 seeds).
* Held-out points (same generator, other seeds), Fig. 2's per-point margins: SD's L2 10th
  percentile exceeds every other Δ = +0.1 configuration's by more than the seed spread; its
  L∞ 10th percentile and its minimum margin (L2 and L∞) exceed the plain network's by more
  than the spread. In L∞ on this quick run Adam lr 1e-4's 10th percentile is level with SD's
  (within the spread); in the committed full run (10 seeds, 10k iterations) SD's L∞ 10th
  percentile exceeds every other configuration's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

EXPECTED: dict = {}   # no claims of the theory: this module measures §2 / App. B.2


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    from empirical.experiment import summary_markdown
    from theory.report import add_page
    from verify._quick_runs import provenance, quick_run

    run = quick_run("moons", tmp_path_factory)
    res, root = run["configs"], Path(run["dir"])
    figs = {f.stem: f.read_bytes() for f in (root / "fig1.png", root / "fig6.png", root / "fig1d.png",
                                             root / "margins_cdf.png") if f.exists()}
    add_page("empirical-two-moons", "Empirical: two moons (quick configuration)",
             "Measured by `verify/test_empirical_moons.py` on the quick configuration (4 seeds, "
             "1,000 iterations; 'deeper' and 'longer' left out). Mean ± std over seeds; margins are "
             "input-space distances to the decision boundary; reliance is sin² of the boundary "
             "normal's angle to the discriminative axis. " + provenance(root) + "\n\n" + summary_markdown(res),
             figures=figs)
    return {k: v["summary"] for k, v in res.items()}, root


def _sep(table):
    return {k: v for k, v in table.items() if k != "plain_nonseparable"}


def test_all_fit_the_training_set(quick):
    table, _ = quick
    for name, s in _sep(table).items():
        assert s["accuracy"]["mean"] == 1.0, name


def test_sd_margin_p10_exceeds_every_other_configuration(quick):
    table, _ = quick
    sd = table["sd"]["margin_p10"]
    for name, s in _sep(table).items():
        if name == "sd":
            continue
        m = s["margin_p10"]
        gap = sd["mean"] - m["mean"]
        assert gap > sd["std"] + m["std"], (name, sd, m)


def test_mean_margin_does_not_single_out_sd(quick):
    # measured disagreement with the paper's "larger margin" read as the mean distance
    table, _ = quick
    sd, plain = table["sd"]["margin_mean"], table["plain"]["margin_mean"]
    assert sd["mean"] - plain["mean"] <= sd["std"] + plain["std"]


def test_sd_relies_on_second_coordinate_more_than_plain(quick):
    table, _ = quick
    sd, plain = table["sd"]["reliance_normal"], table["plain"]["reliance_normal"]
    assert sd["mean"] - plain["mean"] > sd["std"] + plain["std"]


def test_fig1d_caption_statements_hold(quick):
    from empirical.experiment import FIG1D_CASES, fig1d_checks

    _, root = quick
    import json

    per_seed = {n: json.loads((root / n / "metrics.json").read_text())["per_seed"]
                for n in FIG1D_CASES["ours"]}
    rows = fig1d_checks(per_seed, FIG1D_CASES["ours"])
    assert len(rows) == 4
    for r in rows:
        # the caption's direction, with the 95 % interval over seeds on its side of 0
        assert r["verdict"] == "holds", r


def _gap(table, a, b, key):
    x, y = table[a][key], table[b][key]
    return x["mean"] - y["mean"], x["std"] + y["std"]


def test_heldout_sd_margin_p10_exceeds_every_other_configuration(quick):
    table, _ = quick
    for name in _sep(table):
        if name != "sd":
            gap, spread = _gap(table, "sd", name, "test_l2_p10")
            assert gap > spread, name


def test_heldout_sd_minimum_margin_exceeds_plain(quick):
    table, _ = quick
    for key in ("test_l2_min", "test_linf_min"):
        gap, spread = _gap(table, "sd", "plain", key)
        assert gap > spread, key


def test_heldout_sd_linf_p10_exceeds_plain(quick):
    table, _ = quick
    gap, spread = _gap(table, "sd", "plain", "test_linf_p10")
    assert gap > spread


def test_run_folders_written(quick):
    _, root = quick
    for f in ("summary.json", "summary.md", "fig1.png", "fig6.png", "fig1d.png", "margins_cdf.png"):
        assert (root / f).exists(), f
    for name in ("plain", "sd"):
        for f in ("config.json", "environment.json", "metrics.json", "heatmap.png"):
            assert (root / name / f).exists(), (name, f)
