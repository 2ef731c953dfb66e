"""Colored digits (§4.3, Table 2, Fig. 3, App. B.4) measured on the quick configuration.

Runs ``empirical.colored_digits.run(quick=True)``: the Colored-MNIST protocol on scikit-learn's
8×8 digits (599 + 599 training images with colour flipped w.p. 0.1 / 0.2, 599 test images
with e = 0.9, label noise 0.25), 4 restarts, 7 rows, 1,000 full-batch Adam steps each
(≈ 60 s of CPU). Hyperparameters are the documented search's (empirical/results/
colored_digits_cpu/README.md); the rows marked "test-env selection" were tuned on the test
environment, as the paper's were. "Spread" = the sum of the two rows' standard deviations
over restarts; paired intervals use the restart pairing (same data and initialization).

What is asserted (what this measurement shows; the full configuration, 10 restarts, agrees):
* ERM relies on colour: test accuracy below the oracle's by far more than the spread, and on
  colour-only inputs (coloured blank) it follows the colour (accuracy < 25 %, ≈ the 10 % of
  colour-label agreement in the test env). Agrees with the paper.
Every statement below is about the 8×8 stand-in with its test-env-selected schedule; real
MNIST digits (verify/test_empirical_real_colored_mnist.py) are where the paper's claims are
judged.
* SD as the authors' released code computes it (the whole loss × 2e-5 after the anneal step,
  under Adam) beats ERM by more than the spread (paired 95 % interval above 0). Agrees with
  Table 2's SD row in direction (the size is smaller on digits).
* The same objective WITHOUT the factor 2e-5 (Eq. 17 with λ = 1, same anneal step) does not:
  it stays at ERM's level, and the released objective beats it by more than the spread. So
  on 8×8 digits SD's gain comes from the factor's interaction with Adam's state. On real MNIST
  digits with Table 4's schedule the factor alone freezes the network and the small
  post-switch change is the penalty's (verify/test_empirical_real_colored_mnist.py).
* Eq. 17 with λ = 1 does pass through a shape-reliant state: its test accuracy peaks (≈ 72 %)
  a few steps after the switch, then falls back to colour (≈ 25 %) by more than the spread.
* Eq. 17 as written, with the best test-env-selected (l2, λ, anneal) of the search, ends near
  chance (< 55 %) and below the oracle by more than the spread: it removes colour reliance
  but does not recover the shape feature. IRM and V-REx (test-env selected) also stay
  < 55 %, below the oracle by more than the spread; IRM's selected configuration is a
  near-constant predictor (training accuracy < 60 %). The paper's MNIST numbers (67–69 %)
  are NOT reproduced on digits for any of the three.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
# present, not imported: scikit-learn's import takes 0.65 s, which every xdist worker would pay
# while collecting; the data loader imports it in the one worker that runs this module
if importlib.util.find_spec("sklearn") is None:
    pytest.skip("scikit-learn (the bundled 8×8 digits) is not installed", allow_module_level=True)

EXPECTED: dict = {}   # no printed claims of the theory: this module measures §4.3 / App. B.4


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    from empirical.colored_digits import figure_captions, summary_markdown
    from theory.report import add_page
    from verify._quick_runs import provenance, quick_run

    res = quick_run("colored-digits", tmp_path_factory)
    root = Path(res["dir"])
    # the run's PNGs carry their captions (data, seeds, each row's hyperparameters)
    figs = {f.stem: f.read_bytes() for f in (root / "fig3.png", root / "trajectories.png")}
    add_page("empirical-colored-digits", "Empirical: colored digits (Colored-MNIST protocol, quick)",
             "Measured by `verify/test_empirical_colored_digits.py` on the quick configuration (scikit-learn "
             "8×8 digits, 4 restarts). Table 2's columns next to the paper's MNIST anchors, Fig. 3's four "
             "test variants, restart-paired differences to ERM. Rows marked 'test-env selection' were tuned "
             "on the test environment (as the paper's); see empirical/results/colored_digits_cpu/README.md "
             "for the search and the full configuration. " + provenance(root) + "\n\n"
             f"![{figure_captions(res)['fig3']}](empirical-colored-digits/fig3.png)\n\n" + summary_markdown(res),
             figures=figs)
    return res


def _s(res, row, key):
    return res["methods"][row]["summary"][key]


def _gap(res, hi, lo, key="test_acc"):
    a, b = _s(res, hi, key), _s(res, lo, key)
    return a["mean"] - b["mean"], a["std"] + b["std"]


def test_erm_below_oracle(quick):
    gap, spread = _gap(quick, "oracle", "erm")
    assert gap > spread, (gap, spread)


def test_erm_follows_colour_on_colour_only_inputs(quick):
    assert _s(quick, "erm", "colored_blank_acc")["mean"] < 0.25


def test_released_sd_beats_erm(quick):
    gap, spread = _gap(quick, "sd_released", "erm")
    assert gap > spread, (gap, spread)
    assert quick["paired_vs_erm"]["sd_released"]["ci95"][0] > 0


def test_released_sd_gain_is_not_eq17(quick):
    # same objective up to the constant factor c = 2e-5 after the anneal step
    gap, spread = _gap(quick, "sd_released", "sd_lam1")
    assert gap > spread, (gap, spread)
    gain, spread = _gap(quick, "sd_lam1", "erm")
    assert gain < spread, (gain, spread)     # no gain over ERM beyond the spread


def test_eq17_passes_through_a_shape_state_then_returns_to_colour(quick):
    # Eq. 17 with λ = 1: right after the switch the restart-mean test accuracy peaks far above
    # its final value (colour is relearned); the released objective's tiny steps stay near the peak
    import numpy as np

    tr = quick["methods"]["sd_lam1"]["trajectory"]
    A = np.asarray(tr["test_acc"])
    after = [i for i, t in enumerate(tr["step"]) if t > 200]
    peak = max(after, key=lambda i: A[i].mean())
    final = _s(quick, "sd_lam1", "test_acc")
    assert A[peak].mean() - final["mean"] > A[peak].std() + final["std"], (tr["step"][peak], A[peak].mean())


@pytest.mark.parametrize("row", ["sd", "irm", "vrex"])
def test_eq17_sd_irm_vrex_stay_near_chance_on_digits(quick, row):
    assert _s(quick, row, "test_acc")["mean"] < 0.55
    gap, spread = _gap(quick, "oracle", row)
    assert gap > spread, (row, gap, spread)


def test_irm_selection_is_near_constant(quick):
    assert _s(quick, "irm", "train_acc")["mean"] < 0.60


def test_run_folder_written(quick):
    root = Path(quick["dir"])
    for f in ("config.json", "environment.json", "metrics.json", "summary.md", "fig3.png", "trajectories.png"):
        assert (root / f).exists(), f
