"""Independent oracles for the empirical data and metrics.

- The two-moons data against scikit-learn's ``make_moons`` (the source of the data in the
  authors' released code, mpezeshki/Gradient_Starvation Figure_1/moon_fig_1.py:
  ``n_samples = 300``, ``noise = 0.1``), bit for bit, and the shifted/folded moons of
  Fig. 1 / App. B.2 against the same sklearn draw transformed here from the description.
- The margin and reliance metrics against closed forms on networks that are exactly
  linear: margin = signed |w·x + b|/‖w‖, reliance on the second axis = w₂²/‖w‖²,
  flip rate under the x₂-ablation counted directly from the data.

A changed noise level, sample count, shift, margin search or reference axis fails here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
sk_datasets = pytest.importorskip("sklearn.datasets")


def _api():
    """The empirical functions under test (one place to re-point after a refactor).

    Returns:
        dict: make_moons, two_moons, data_frame, margins, measure, linear_net(w, b) → (model, params).
    """
    from empirical.measure import margins, measure
    from empirical.data.moons import data_frame, make_moons, two_moons
    from empirical.train import B0, W0, W1, Config, Model

    def linear_net(w, b):
        # relu(w·x + b) − relu(−w·x − b) = w·x + b exactly, as a width-2 ReLU MLP.
        m = Model(Config("lin", width=2), [0], torch.float64)
        p = m.views(torch.zeros(m.numel, dtype=torch.float64))
        p[W0][0] = torch.tensor([[w[0], w[1]], [-w[0], -w[1]]], dtype=torch.float64)   # nn.Linear: [out, in]
        p[B0][0] = torch.tensor([b, -b], dtype=torch.float64)
        p[W1][0] = torch.tensor([[1.0, -1.0]], dtype=torch.float64)
        return m, p

    return {"make_moons": make_moons, "two_moons": two_moons, "data_frame": data_frame,
            "margins": margins, "measure": measure, "linear_net": linear_net}


# The released code's settings (see module docstring): the reference values of the data.
REF_N_SAMPLES, REF_NOISE = 300, 0.1


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_default_moons_are_sklearns_with_the_released_settings(seed):
    api = _api()
    X, label = api["make_moons"](seed=seed)
    Xs, ls = sk_datasets.make_moons(n_samples=REF_N_SAMPLES, noise=REF_NOISE, random_state=seed)
    # Same generator, same order of draws: identical bits.
    np.testing.assert_array_equal(X, Xs)
    np.testing.assert_array_equal(label, ls)


@pytest.mark.parametrize("n, noise, seed", [(51, 0.0, 3), (200, 0.3, 4)])
def test_moons_match_sklearn_for_other_sizes_and_noise(n, noise, seed):
    X, label = _api()["make_moons"](n, noise, seed)
    Xs, ls = sk_datasets.make_moons(n_samples=n, noise=noise, random_state=seed)
    np.testing.assert_array_equal(X, Xs)
    np.testing.assert_array_equal(label, ls)


@pytest.mark.parametrize("margin", [0.1, -0.1])
def test_shifted_moons_from_the_sklearn_draw(margin):
    # App. B.2 / Fig. 1 construction, written here from its description: shift the moons by
    # (0.5, 0.3·y), centre the second coordinate, fold it so that class y lies on the side −y,
    # move it by −Δ·y, and swap the axes (the discriminative axis becomes the first).
    seed = 5
    X, y = _api()["two_moons"](seed, margin=margin)
    Xs, ls = sk_datasets.make_moons(n_samples=REF_N_SAMPLES, noise=REF_NOISE, random_state=seed)
    ys = 2.0 * ls - 1.0
    second = Xs[:, 1] - 0.3 * ys
    second = second - second.mean()
    disc = -np.abs(second) * ys - margin * ys
    np.testing.assert_array_equal(y, ys)
    np.testing.assert_allclose(X[:, 0], disc, rtol=0, atol=1e-15)
    np.testing.assert_allclose(X[:, 1], Xs[:, 0] - 0.5, rtol=0, atol=1e-15)
    if margin > 0:  # a positive Δ separates the classes along the first axis by 2Δ
        assert np.all(np.sign(X[:, 0]) == -y) and np.min(np.abs(X[:, 0])) >= margin - 1e-15


def _linear_case(phi_deg: float, b: float, seed: int):
    api = _api()
    w = (math.cos(math.radians(phi_deg)), math.sin(math.radians(phi_deg)))
    m, p = api["linear_net"](w, b)
    Xn, y = api["two_moons"](seed, margin=0.1)
    X = torch.tensor(Xn, dtype=torch.float64)[None]
    Y = torch.tensor(y, dtype=torch.float64)[None]
    return api, w, m, p, X, Y


@pytest.mark.parametrize("phi", [-60.0, 20.0, 90.0])
def test_margins_of_a_tilted_linear_classifier(phi):
    api, w, m, p, X, Y = _linear_case(phi, 0.05, 2)
    f = X[0] @ torch.tensor(w, dtype=torch.float64) + 0.05  # ‖w‖ = 1
    exact = f.abs() * torch.where(torch.sign(f) == Y[0], 1.0, -1.0)
    K, T, rmax, B = 64, 40, 3.0, 24
    got = api["margins"](m, p, X, Y, n_dirs=K, n_steps=T, r_max=rmax, n_bisect=B)
    g, cens = got["margin"][0], got["censored"][0]
    # Uncensored points: the nearest of K rays is ≤ π/K off the normal, so
    # |m| ≤ |got| ≤ |m|/cos(π/K) + the bisection width r_max/T·2^-B.
    tol = exact.abs() * (1 / math.cos(math.pi / K) - 1) + rmax / T * 2.0**-B + 1e-12
    ok = ~cens
    assert ok.sum() > 0.5 * len(ok)
    assert torch.all(g[ok].abs() >= exact[ok].abs() - 1e-12)
    assert torch.all((g[ok].abs() - exact[ok].abs()) <= tol[ok])
    assert torch.all(torch.sign(g[ok]) == torch.sign(exact[ok]))
    # The boundary point lies on the line w·x + b = 0.
    bnd = got["boundary"][0][ok]
    assert torch.all((bnd @ torch.tensor(w, dtype=torch.float64) + 0.05).abs() <= 2 * rmax / T * 2.0**-B + 1e-12)


@pytest.mark.parametrize("phi", [0.0, 30.0, 75.0])
def test_reliance_and_flip_rate_of_a_tilted_linear_classifier(phi):
    api, w, m, p, X, Y = _linear_case(phi, 0.0, 3)
    met = api["measure"](m, p, X, Y, n_dirs=32, n_steps=32, r_max=3.0)
    e1, e2 = (np.asarray(v) for v in api["data_frame"](0.0))
    # Reliance on the second axis: (∇f·e2)²/‖∇f‖² with ∇f = w everywhere.
    want = float(np.dot(w, e2) ** 2 / np.dot(w, w))
    assert met["reliance_normal"][0] == pytest.approx(want, abs=1e-12)
    # Flip rate of the x2-ablation: x2 replaced by its mean, counted from the data directly.
    Xn = X[0].numpy()
    c2 = Xn @ e2
    Xa = Xn - np.outer(c2 - c2.mean(), e2)
    flips = np.mean(np.sign(Xa @ np.array(w)) != np.sign(Xn @ np.array(w)))
    assert met["flip_x2"][0] == pytest.approx(flips, abs=0)
    acc = np.mean(np.sign(Xn @ np.array(w)) == Y[0].numpy())
    assert met["accuracy"][0] == pytest.approx(acc, abs=0)


def test_a_network_that_ignores_x2_has_no_reliance_and_margins_along_x1():
    # f(x) = −x1: the boundary x1 = 0, blind to x2. The fold puts class y on the side −y, so
    # f classifies every point correctly and each margin is |x1| ≥ Δ = 0.1 (bisection width
    # r_max/T·2^-B ≈ 3e-6 for the defaults; the ray along −e1 is one of the 32 directions).
    api, w, m, p, X, Y = _linear_case(180.0, 0.0, 4)
    met = api["measure"](m, p, X, Y, n_dirs=32, n_steps=32)
    assert met["reliance_normal"][0] < 1e-20 and met["flip_x2"][0] == 0.0
    assert met["accuracy"][0] == 1.0
    x1 = X[0, :, 0].abs()
    assert abs(met["margin_min"][0] - x1.min().item()) < 1e-5
    assert abs(met["margin_mean"][0] - x1.clamp(max=1.6).mean().item()) < 1e-5
