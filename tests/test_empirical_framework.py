"""The experiment framework: models (ensembles = independent networks), objectives, run folders."""

import json
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from empirical.models import CNN, MLP, Ensemble  # noqa: E402
from empirical.objectives import CE, IRM, SD, CEWeightDecay, SDPerClass, SDReleased, VREx, binary_ce  # noqa: E402
from empirical.runs import RunFolder, RunFolderError, atomic_write_json  # noqa: E402


def test_ensemble_member_is_the_network_built_alone():
    # vmap over stacked parameters must compute, member by member, what the seed's own
    # network computes (float64: equal to rounding of one matmul order, 1e-12)
    ens = Ensemble(lambda: MLP(3, 16, depth=2), seeds=[4, 7], dtype=torch.float64)
    x = torch.randn(11, 3, dtype=torch.float64)
    out = ens(x)
    for r, s in enumerate([4, 7]):
        alone = MLP(3, 16, depth=2).double()
        alone.reset_parameters(torch.Generator().manual_seed(s))     # drawn in float64, as the ensemble
        assert torch.allclose(out[r], alone(x), atol=1e-12, rtol=0)
    assert not torch.allclose(out[0], out[1])


def test_ntk_parameterisation_scales_weights():
    m = MLP(4, 1000, param="ntk", seed=0).double()
    w = m.layers[0].weight
    assert abs(w.std().item() - 1.0) < 0.05          # N(0, 1) trainable weights (4000 draws: 2% std error)
    x = torch.randn(200, 4, dtype=torch.float64)
    pre = m.layers[0](x)
    assert torch.allclose(pre, x @ w.T / 2.0 + m.layers[0].bias)   # 1/√fan_in = 1/2


def test_stacked_adam_equals_independent_adams():
    # Adam is elementwise, so one torch.optim.Adam over the stacked parameters is R
    # independent Adams: after 5 steps each member equals the member trained alone
    # (float64; the two programs differ only in summation order of the batched matmuls).
    x = torch.randn(20, 2, dtype=torch.float64)
    y = torch.sign(torch.randn(20, dtype=torch.float64))
    ens = Ensemble(lambda: MLP(2, 8), seeds=[0, 1], dtype=torch.float64)
    opt = torch.optim.Adam(ens.parameters(), lr=1e-2)
    obj = SDReleased(0.01)
    for t in range(5):
        opt.zero_grad()
        obj(ens(x), y, step=t).sum().backward()
        opt.step()
    for r, s in enumerate([0, 1]):
        net = MLP(2, 8).double()
        net.reset_parameters(torch.Generator().manual_seed(s))
        o = torch.optim.Adam(net.parameters(), lr=1e-2)
        for t in range(5):
            o.zero_grad()
            obj(net(x)[None], y, step=t).sum().backward()
            o.step()
        assert torch.allclose(net.layers[0].weight, ens.member(r)["layers.0.weight"], atol=1e-12, rtol=0)


@pytest.mark.parametrize("act, param, bias", [("relu", "standard", True), ("gelu", "ntk", False),
                                              ("relu", "ntk", True), ("gelu", "standard", True)])
@pytest.mark.parametrize("per_member", [True, False])
def test_plain_mlp_batched_matmuls_equal_the_vmapped_call_bitwise(act, param, bias, per_member):
    # The plain-MLP path (empirical.models._mlp_bmm) must give the vmapped functional_call's
    # numbers exactly: outputs, and parameters after Adam steps (so every gradient too).
    def build(fast):
        ens = Ensemble(lambda: MLP(7, 16, depth=2, act=act, param=param, bias=bias), seeds=[3, 4, 5])
        ens._plain_mlp = fast
        return ens, torch.optim.Adam(ens.parameters(), lr=1e-2)

    g = torch.Generator().manual_seed(0)
    x = torch.randn((3, 40, 7) if per_member else (40, 7), generator=g)
    y = torch.randint(0, 2, (3, 40), generator=g).float() * 2 - 1
    runs = []
    for fast in (True, False):
        ens, opt = build(fast)
        for _ in range(6):
            loss = binary_ce(ens(x, per_member=per_member), y)
            opt.zero_grad()
            loss.sum().backward()
            opt.step()
        with torch.no_grad():
            runs.append((ens(x, per_member=per_member), {k: v.detach().clone() for k, v in ens.params.items()}))
    (out_fast, p_fast), (out_vmap, p_vmap) = runs
    assert torch.equal(out_fast, out_vmap)
    assert all(torch.equal(p_fast[k], p_vmap[k]) for k in p_vmap)
    assert not torch.equal(p_fast["layers.0.weight"], Ensemble(lambda: MLP(7, 16, depth=2, act=act, param=param,
                                                                           bias=bias), [3, 4, 5]).params0["layers.0.weight"])


def test_cnn_shapes():
    assert CNN((1, 28, 28), 1, seed=0)(torch.zeros(3, 1, 28, 28)).shape == (3, 1)
    assert CNN((3, 32, 32), 10, seed=0)(torch.zeros(2, 3 * 32 * 32)).shape == (2, 10)
    ens = Ensemble(lambda: CNN((1, 28, 28), 1, channels=(4, 8), hidden=16), seeds=[0, 1])
    assert ens(torch.zeros(5, 1, 28, 28)).shape == (2, 5, 1)


def test_objective_conventions():
    out = torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64)
    y = torch.tensor([1.0, 1.0, -1.0], dtype=torch.float64)
    ce_sum = sum(torch.log1p(torch.exp(-yy * o)) for yy, o in zip(y, out[0]))
    # Eq. 17 as printed: sum CE + λ/2 Σŷ²
    assert SD(0.4)(out, y).item() == pytest.approx((ce_sum + 0.2 * (out ** 2).sum()).item(), rel=1e-14)
    # the released two-moons form is Eq. 17 with the mean and λ = 2c
    assert SDReleased(0.3)(out, y).item() == pytest.approx(SD(0.6, reduction="mean")(out, y).item(), rel=1e-14)
    # the released Colored-MNIST form multiplies the whole loss by c after the anneal step
    r, sq = binary_ce(out, y).item(), (out ** 2).mean().item()
    assert SDReleased(0.1, anneal=2)(out, y, step=2).item() == pytest.approx(0.1 * (r + sq), rel=1e-14)
    assert SDReleased(0.1, anneal=2)(out, y, step=1).item() == pytest.approx(r + 0.1 * sq, rel=1e-14)
    assert CE()(out, y).item() == pytest.approx(r, rel=1e-14)
    # App. B.5 per class: class +1 (examples 0, 1) target γ₁, class −1 (example 2) target γ₀
    got = SDPerClass((0.2, 0.4), (0.5, 2.0))(out, y).item()
    want = r + 0.1 * (out[0, 2] - 0.5) ** 2 + 0.2 * ((out[0, 0] - 2.0) ** 2 + (out[0, 1] - 2.0) ** 2) / 2
    assert got == pytest.approx(want.item(), rel=1e-14)


def test_weight_decay_anchors():
    ens = Ensemble(lambda: MLP(2, 4), seeds=[0], dtype=torch.float64)
    x, y = torch.randn(6, 2, dtype=torch.float64), torch.ones(6, dtype=torch.float64)
    base = CE()(ens(x), y)
    assert CEWeightDecay(1.0, "init")(ens(x), y, ensemble=ens).item() == pytest.approx(base.item(), rel=1e-14)
    assert CEWeightDecay(1.0, "zero")(ens(x), y, ensemble=ens).item() == pytest.approx(
        (base + 0.5 * ens.sq_norm()).item(), rel=1e-14)


def test_irm_closed_form_equals_dummy_scale_gradient():
    torch.manual_seed(0)
    out = torch.randn(2, 10, dtype=torch.float64)
    y = torch.sign(torch.randn(10, dtype=torch.float64))
    want = []
    for r in range(2):
        ps = []
        for lo, hi in ((0, 4), (4, 10)):
            s = torch.ones((), dtype=torch.float64, requires_grad=True)
            g = torch.autograd.grad(binary_ce(out[r:r + 1, lo:hi] * s, y[lo:hi]).sum(), s)[0]
            ps.append(g ** 2)
        want.append(sum(ps) / 2)
    risks = torch.stack([binary_ce(out[:, :4], y[:4]), binary_ce(out[:, 4:], y[4:])])
    got = IRM(weight=10.0, anneal=1)(out, y, envs=(4, 6), step=0)   # before annealing: weight 1
    assert torch.allclose(got, risks.mean(0) + torch.stack(want), atol=1e-14, rtol=0)
    v = VREx(weight=10.0, anneal=1)(out, y, envs=(4, 6), step=0)
    assert torch.allclose(v, risks.mean(0) + risks.var(0), atol=1e-14, rtol=0)


def test_run_folder_lock_config_and_corrupt_checkpoint(tmp_path):
    path = tmp_path / "run"
    with RunFolder(path, {"a": 1}) as rf:
        assert (path / ".lock").exists()
        with pytest.raises(RunFolderError, match="in use by another run"):
            RunFolder(path, {"a": 1}).open()
        rf.write_cell("c0", {"x": 1.5})
        rf.checkpoint_path("c1").parent.mkdir(parents=True, exist_ok=True)
        rf.checkpoint_path("c1").write_bytes(b"not a checkpoint")
        with pytest.raises(RunFolderError, match="c1.pt is corrupt.*delete it"):
            rf.load_checkpoint("c1")
    assert not (path / ".lock").exists()
    with pytest.raises(RunFolderError, match="different configuration"):
        RunFolder(path, {"a": 2}).open()
    with RunFolder(path, {"a": 1}) as rf:
        assert rf.cell_done("c0") and rf.read_cell("c0") == {"x": 1.5}


def test_stale_lock_of_a_killed_process_is_taken_over(tmp_path):
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    path = tmp_path / "run"
    path.mkdir()
    import socket
    (path / ".lock").write_text(json.dumps({"host": socket.gethostname(), "pid": p.pid}))
    with RunFolder(path, {"a": 1}):
        assert json.loads((path / ".lock").read_text())["pid"] == os.getpid()


def test_unwritable_run_folder_is_one_error(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(RunFolderError, match="not writable"):
        RunFolder(f / "run", {}).open()


def test_atomic_write_leaves_no_temporary(tmp_path):
    atomic_write_json(tmp_path / "m.json", {"b": 1, "a": [0.1]})
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    assert json.loads((tmp_path / "m.json").read_text()) == {"a": [0.1], "b": 1}
