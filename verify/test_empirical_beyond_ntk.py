"""Beyond the NTK regime (issue 6 §1–§2), measured on the quick configurations.

Runs ``run_width_sweep(quick=True)`` and ``run_starvation(quick=True)`` (≈ 45 s alone on the
2-core CPU, ≈ 100 s under load from a concurrent job; see the modules for data, model and
training) and asserts only what this measurement shows:

§1 width sweep (centred GELU MLP, CE + λ/2‖θ−θ₀‖² = Eq. 5 centred, λ = 0.1):
* NTK parameterization: the gap ‖z*_engine(Eq. 9) − z_trained‖/‖z*‖ decreases at every
  width step 16 → 64 → 256 → 1024 and is below 5 % at 1024 (measured ≈ 0.31 → 0.008), and
  the relative kernel change decreases likewise — agrees with the NTK-regime premise.
* SD (Eq. 17): the gap to the engine's Eq. 18 prediction is < 1 % at every width although the
  kernel moves by O(1) — SD's optimum is per-example in ŷ (m ≥ n), so the linearization is
  not needed for it; this is the prediction holding for a reason other than laziness.

§2 controlled starvation (slopes vs a² over 10 seeds, 95 % t-intervals):
* CE + weight decay: reliance on feature 2 (margin on test data with feature 1 removed, raw
  and relative to a = 0.5, and its accuracy) decreases with a at width 32 and 256 — the
  intervals exclude 0. Agrees with Thm. 2 / Definition 2 outside the NTK regime.
* SD: the relative slope is weaker than CE's (mean magnitude ≈ 1/2–1/3 of CE's) at both
  widths. Whether it vanishes is NOT asserted: its interval included 0 at widths 32 and 256
  but excluded 0 (negative) at width 512 in another run, and SD's training stops at
  max|∇| ~ 1e-2 within its 400 L-BFGS iterations (flat θ-directions), so that sign is not
  settled here. SD also has LOWER feature-1-removed accuracy than CE (≈ 0.7 vs 0.9): SD
  reduces the *dependence on a*, not the reliance level. Eq. 18's decoupling of the
  z-responses holds exactly (§1 above); behaviourally it holds only partially.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

EXPECTED: dict = {}   # no printed claims of the theory: this module measures §1–§2 of issue 6


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    from empirical.width_sweep import run_width_sweep

    from empirical.width_sweep import summary_markdown
    from theory.report import add_page

    res = run_width_sweep(True, tmp_path_factory.mktemp("runs"))
    add_page("empirical-width-sweep", "Empirical: does the linearized theory predict trained networks?",
             "Quick configuration, measured by `verify/test_empirical_beyond_ntk.py`: gap between the "
             "engine's predicted z* (Eq. 9 / Eq. 18 for the network's own Φ0) and the trained network's "
             "z, and the relative kernel change, against width.\n\n" + summary_markdown(res))
    return res


@pytest.fixture(scope="module")
def starv(tmp_path_factory):
    from empirical.starvation import run_starvation

    from empirical.starvation import summary_markdown
    from theory.report import add_page

    res = run_starvation(True, tmp_path_factory.mktemp("runs"))
    add_page("empirical-starvation", "Empirical: controlled starvation on trained networks",
             "Quick configuration, measured by `verify/test_empirical_beyond_ntk.py`: slopes of the "
             "reliance on feature 2 against a² (feature 1's strength²), mean and 95 % t-interval over "
             "seeds.\n\n" + summary_markdown(res))
    return res


def _rows(res, param, loss):
    return sorted((r for r in res["rows"] if r["param"] == param and r["loss"] == loss), key=lambda r: r["width"])


def test_ntk_gap_shrinks_with_width(sweep):
    r = _rows(sweep, "ntk", "ce_wd")
    gaps = [x["gap_mean"] for x in r]
    kc = [x["kernel_change_mean"] for x in r]
    assert all(g2 < g1 for g1, g2 in zip(gaps, gaps[1:])), gaps
    assert all(k2 < k1 for k1, k2 in zip(kc, kc[1:])), kc
    assert gaps[-1] < 0.05
    assert max(max(x["grad_max"]) for x in r) < 1e-6   # trained to the optimum


def test_sd_matches_eq18_at_every_width(sweep):
    for p in ("ntk", "sp"):
        for x in _rows(sweep, p, "sd"):
            assert x["gap_mean"] < 1e-2, (p, x["width"], x["gap_mean"])


@pytest.mark.parametrize("width", [32, 256])
def test_ce_starves_feature_two(starv, width):
    s = starv["cells"][f"ce_wd_w{width}"]["slope_vs_a2"]
    for k in ("m2", "m2_rel", "acc2"):
        assert s[k][2] < 0, (k, s[k])     # upper end of the 95 % interval below 0


@pytest.mark.parametrize("width", [32, 256])
def test_sd_weaker_than_ce(starv, width):
    ce = starv["cells"][f"ce_wd_w{width}"]["slope_vs_a2"]["m2_rel"]
    sd = starv["cells"][f"sd_w{width}"]["slope_vs_a2"]["m2_rel"]
    assert abs(sd[0]) < abs(ce[0])
