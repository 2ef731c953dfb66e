"""Margin search (empirical.measure) on a network that is exactly linear: margin = |w·x+b|/‖w‖."""

import math

import pytest

torch = pytest.importorskip("torch")

from empirical.measure import margins, measure  # noqa: E402
from empirical.train import B0, W0, W1, Config, Model, make_data  # noqa: E402


def _linear_net(w, b):
    """relu(w·x + b) − relu(−w·x − b) = w·x + b exactly, as a width-2 ReLU MLP."""
    m = Model(Config("lin", width=2), [0], torch.float64)
    flat = torch.zeros(m.numel, dtype=torch.float64)
    p = m.views(flat)
    p[W0][0] = torch.tensor([[w[0], w[1]], [-w[0], -w[1]]], dtype=torch.float64)   # nn.Linear: [out, in]
    p[B0][0] = torch.tensor([b, -b], dtype=torch.float64)
    p[W1][0] = torch.tensor([[1.0, -1.0]], dtype=torch.float64)
    return m, p


def test_margin_of_linear_classifier():
    w, b = (0.8, -0.6), 0.1
    m, p = _linear_net(w, b)
    g = torch.Generator().manual_seed(1)
    X = (torch.rand(1, 200, 2, generator=g, dtype=torch.float64) - 0.5) * 2.0
    y = torch.where(torch.rand(1, 200, generator=g, dtype=torch.float64) < 0.8,
                    torch.sign(X @ torch.tensor(w, dtype=torch.float64) + b), torch.tensor(-1.0, dtype=torch.float64))
    f = X[0] @ torch.tensor(w, dtype=torch.float64) + b
    exact = f.abs() / math.hypot(*w) * torch.where(torch.sign(f) == y[0], 1.0, -1.0)
    K, T, rmax, B = 64, 40, 2.0, 20
    got = margins(m, p, X, y, n_dirs=K, n_steps=T, r_max=rmax, n_bisect=B)["margin"][0]
    # the nearest of K rays is ≤ π/K off the normal: |m| ≤ got ≤ |m|/cos(π/K) + bisection width
    tol = exact.abs() * (1 / math.cos(math.pi / K) - 1) + rmax / T * 2.0 ** -B + 1e-12
    assert torch.all((got.abs() - exact.abs()).abs() <= tol)
    assert torch.all(torch.sign(got) == torch.sign(exact))


def test_measure_on_linear_vertical_boundary_has_no_reliance():
    m, p = _linear_net((-1.0, 0.0), 0.0)   # boundary x₁ = 0 ignores x₂; class +1 is on the left
    X, y = make_data(Config("d", margin=0.1), [0], torch.float64)
    met = measure(m, p, X, y, n_dirs=32, n_steps=32)
    assert met["accuracy"][0] == 1.0
    assert met["reliance_normal"][0] < 1e-20 and met["flip_x2"][0] == 0.0
    # margin of each point is |x₁| (≥ Δ = 0.1); p10 and min from the data directly
    assert abs(met["margin_min"][0] - X[0, :, 0].abs().min().item()) < 1e-4


def test_linf_margin_of_linear_classifier():
    # the L∞ distance to the line w·x + b = 0 is |w·x + b|/‖w‖₁, reached along (±1, ±1), a
    # direction of the ray grid when K is a multiple of 8: exact up to the bisection width
    from empirical.measure import heldout_margins

    w, b = (0.8, -0.6), 0.1
    m, p = _linear_net(w, b)
    g = torch.Generator().manual_seed(2)
    X = (torch.rand(1, 100, 2, generator=g, dtype=torch.float64) - 0.5) * 1.0
    y = torch.sign(X @ torch.tensor(w, dtype=torch.float64) + b)
    f = X[0] @ torch.tensor(w, dtype=torch.float64) + b
    exact = f.abs() / (abs(w[0]) + abs(w[1]))
    K, T, rmax, B = 64, 40, 2.0, 20
    got = margins(m, p, X, y, n_dirs=K, n_steps=T, r_max=rmax, n_bisect=B)["margin_linf"][0]
    assert torch.all((got - exact).abs() <= rmax / T * 2.0 ** -B + 1e-12)
    h = heldout_margins(m, p, X, y, n_dirs=K, n_steps=T, r_max=rmax, n_bisect=B)
    assert abs(h["linf_min"][0] - exact.min().item()) < 1e-6 and h["accuracy"][0] == 1.0
    assert h["l2"].shape == (1, 100) and h["l2_p10"][0] <= h["l2_mean"][0]
