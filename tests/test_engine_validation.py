"""Bad inputs: each raises ValueError naming the parameter; the CLI exits 2."""

import json

import numpy as np
import pytest

from theory.cli import main
from theory.engine import random_near_identity_u, solve_fixed_points, u_eq15
from theory.engine.constructors import delta_of_eq15


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(lam=0.0), r"lam must be > 0 \(valid range \(0, inf\)\)"),
        (dict(lam=-1.0), r"lam must be > 0"),
        (dict(lam=np.nan), r"lam must be finite"),
        (dict(s=[1.0, 0.0]), r"s must be > 0"),
        (dict(s=[1.0, np.inf]), r"s must be finite"),
        (dict(U=[[1.0, 1.0], [0.0, 1.0]]), r"U must be orthogonal"),
        (dict(U=[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), r"U must be 2 x 2 to match s"),
        (dict(U=[[np.nan, 0.0], [0.0, 1.0]]), r"U must be finite"),
        (dict(lam=[1.0, 2.0, 3.0], s=np.ones((2, 2))), r"does not broadcast"),
        (dict(dynamics="eq11"), r"dynamics must be one of"),
    ],
)
def test_bad_inputs_name_the_parameter(kwargs, pattern):
    args = dict(s=[3.0, 2.0], U=np.eye(2), lam=0.5, dynamics="eq10")
    args.update(kwargs)
    dyn = args.pop("dynamics")
    with pytest.raises(ValueError, match=pattern):
        solve_fixed_points(args["s"], args["U"], args["lam"], dyn)


def test_bad_delta_labels_gamma():
    for d in (1.0, -1.0, 1.5, np.nan):
        with pytest.raises(ValueError, match="delta"):
            u_eq15(d)
    with pytest.raises(ValueError, match=r"y must be labels in \{-1, \+1\}"):
        solve_fixed_points([1.0, 2.0], np.eye(2), 1.0, "b5", y=[1.0, 0.0])
    with pytest.raises(ValueError, match="y .* is required"):
        solve_fixed_points([1.0, 2.0], np.eye(2), 1.0, "b5")
    with pytest.raises(ValueError, match="gamma must be finite"):
        solve_fixed_points([1.0, 2.0], np.eye(2), 1.0, "b5", y=[1.0, -1.0], gamma=np.inf)


def test_constructors():
    U = u_eq15(np.array([0.1, -0.3]))
    assert np.allclose(U[0], [[np.sqrt(0.99), -0.1], [0.1, np.sqrt(0.99)]])  # sign convention of Eq. 15
    assert np.allclose(delta_of_eq15(U), [0.1, -0.3])
    assert delta_of_eq15(np.array([[0.8, 0.6], [0.6, -0.8]])) is None  # a reflection, not Eq. 15
    V = random_near_identity_u(6, 0.05, (3,), 0)
    assert np.allclose(np.swapaxes(V, -1, -2) @ V, np.eye(6), atol=1e-14)
    off = V[0][~np.eye(6, dtype=bool)]
    # ±δ + (δΩ)²/2 + (δΩ)³/6 ...: |(Ω²)_ij| ≤ n − 2 = 4 → ≤ 2δ²; |(Ω³)_ij| ≤ (n−1)² = 25
    # → ≤ 25δ³/6 ≈ 0.2δ² at δ = 0.05; so |U_ij| = δ within 3δ².
    assert np.all(np.abs(np.abs(off) - 0.05) <= 3 * 0.05**2)
    assert np.allclose(np.linalg.det(V), 1.0)


def run_cli(capsys, *argv):
    rc = main(["fixed-point", *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_json_keys_and_values(capsys):
    rc, out, _ = run_cli(capsys, "--s", "3", "2", "--lam", "0.5", "--delta", "0.1", "--json")
    assert rc == 0
    d = json.loads(out)
    for k in ("alpha", "z", "residual", "iterations", "alpha_first_order", "z_first_order", "dz_ds2",
              "dz2_ds1sq_first_order_derived", "dz2_ds1sq_first_order_printed"):
        assert k in d
    assert d["residual"] <= 1e-12 and len(d["dz_ds2"]) == 2
    r = solve_fixed_points([3.0, 2.0], u_eq15(0.1), 0.5)
    assert np.allclose(d["alpha"], r.alpha, rtol=0, atol=0)
    assert d["dz2_ds1sq_first_order_printed"] < 0
    rc, out, _ = run_cli(capsys, "--s", "3", "2", "1", "--lam", "0.5", "--U", json.dumps(np.eye(3).tolist()),
                         "--dynamics", "sd", "--json")
    d = json.loads(out)
    assert rc == 0 and d["dz2_ds1sq_first_order_derived"] is None and d["alpha_first_order"] is None
    rc, out, _ = run_cli(capsys, "--s", "3", "2", "--lam", "0.5", "--delta", "0.1")
    assert rc == 0 and "Eq. 65" in out


@pytest.mark.parametrize(
    "argv, word",
    [
        (["--s", "3", "2", "--lam", "0", "--delta", "0.1"], "lam"),
        (["--s", "3", "2", "--lam", "0.5", "--delta", "1"], "delta"),
        (["--s", "3", "-2", "--lam", "0.5", "--delta", "0.1"], "s must"),
        (["--s", "3", "2", "--lam", "0.5", "--U", "[[1,1],[0,1]]"], "U must be orthogonal"),
        (["--s", "3", "2", "1", "--lam", "0.5", "--U", "[[1,0],[0,1]]"], "U must be 3 x 3"),
        (["--s", "3", "2", "--lam", "nan", "--delta", "0.1"], "lam must be finite"),
        (["--s", "3", "2", "1", "--lam", "0.5", "--delta", "0.1"], "delta"),
        (["--s", "3", "2", "--lam", "0.5"], "U is missing"),
    ],
)
def test_cli_bad_input_exits_2(capsys, argv, word):
    rc, _, err = run_cli(capsys, *argv)
    assert rc == 2 and word in err and err.count("\n") == 1
