"""Batched trainer (empirical.train): equals the plain per-seed loop; resumes exactly.

Expected values come from independent routes: ``train_serial`` (autograd + torch.optim, one
seed at a time), the layer-by-layer path (``fused=False``), separate runs of each
configuration, torch's own ``batch_norm``, and binomial statistics for the dropout masks.
"""

import dataclasses
import math

import pytest

torch = pytest.importorskip("torch")

from empirical.train import (B0, BETA, GAMMA, W0, Config, MaskRNG, Model, _OneHidden, app_b2_configs,  # noqa: E402
                             make_data, train_batched, train_group, train_serial)

CFGS = app_b2_configs()
# the configurations of App. B.2 that share the one-hidden-layer architecture without BN/dropout
GROUP = ["plain", "weight_decay", "adam_lr1e-4", "adam_lr3e-3", "rotated_45", "sd", "plain_nonseparable"]


@pytest.fixture(autouse=True)
def _one_thread():
    # tiny problems: a second OpenMP thread only adds barrier stalls on a busy machine
    # (results do not depend on the thread count; runtime does)
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def _cfg(name, width=40):
    return dataclasses.replace(CFGS[name], width=width)


@pytest.mark.parametrize("name", ["plain", "weight_decay", "adam_lr3e-3", "sd", "batchnorm", "rotated_45",
                                  "plain_nonseparable", "deeper"])
@pytest.mark.parametrize("fused", [True, False])
def test_batched_seed_k_equals_serial_loop(name, fused):
    cfg = _cfg(name)
    seeds = [0, 5]
    r = train_batched(cfg, seeds, 25, dtype=torch.float64, progress=False, fused=fused)
    for k, seed in enumerate(seeds):
        ref = train_serial(cfg, seed, 25, dtype=torch.float64)
        for pname, v in r.params.items():
            # float64, 25 steps of the same math in a different association order
            assert torch.allclose(v[k], ref[pname], atol=1e-12, rtol=1e-10), (name, pname)
        for bname, v in r.buffers.items():
            # BN: the fused path computes the statistics from the inputs' covariance (exact algebra)
            assert torch.allclose(v[k], ref[bname], atol=1e-12), (name, bname)


@pytest.mark.parametrize("name", ["dropout", "batchnorm", "plain"])
def test_fused_equals_general_path(name):
    # dropout: both paths draw the same masks (same MaskRNG stream, filled slot by slot)
    cfg = _cfg(name)
    a = train_batched(cfg, [1, 2, 3], 20, dtype=torch.float64, progress=False, fused=True, chunk=2)
    b = train_batched(cfg, [1, 2, 3], 20, dtype=torch.float64, progress=False, fused=False)
    assert torch.allclose(a.state.flat, b.state.flat, atol=1e-12)   # float64 rounding over 20 steps


@pytest.mark.parametrize("name", ["plain", "dropout"])
def test_chunking_does_not_change_the_result(name):
    cfg = _cfg(name)
    runs = [train_batched(cfg, [0, 1, 2], 15, dtype=torch.float64, progress=False, chunk=c) for c in (1, 2, 3)]
    for r in runs[1:]:
        # same per-slot ops in every chunking; only the batched GEMM's batch count differs
        assert torch.allclose(r.state.flat, runs[0].state.flat, atol=1e-13, rtol=0)


def test_group_equals_separate_runs_and_serial_loop():
    cfgs = [_cfg(n) for n in GROUP]
    seeds = [0, 3, 5]
    grp = train_group(cfgs, seeds, 30, dtype=torch.float64, progress=False)
    assert [r.cfg.name for r in grp] == GROUP
    for cfg, r in zip(cfgs, grp):
        alone = train_batched(cfg, seeds, 30, dtype=torch.float64, progress=False)
        # float64; identical per-slot math, only float rounding could differ
        assert torch.allclose(r.state.flat, alone.state.flat, atol=1e-13, rtol=0), cfg.name
        assert torch.allclose(r.state.buf, alone.state.buf, atol=1e-13, rtol=0), cfg.name
        assert torch.equal(r.X, alone.X) and torch.equal(r.init_flat, alone.init_flat)
        for (s1, l1), (s2, l2) in zip(r.state.loss_log, alone.state.loss_log):
            assert s1 == s2 and max(abs(u - v) for u, v in zip(l1, l2)) < 1e-13
        ref = train_serial(cfg, seeds[1], 30, dtype=torch.float64)
        for pname, v in r.params.items():
            # the independent route: autograd + torch.optim for seed 3 alone (tolerance as above)
            assert torch.allclose(v[1], ref[pname], atol=1e-12, rtol=1e-10), (cfg.name, pname)


def test_group_general_path_equals_fused_group():
    cfgs = [_cfg(n) for n in ("sd", "adam_lr3e-3", "weight_decay")]
    a = train_group(cfgs, [2, 4], 20, dtype=torch.float64, progress=False, fused=True)
    b = train_group(cfgs, [2, 4], 20, dtype=torch.float64, progress=False, fused=False)
    for ra, rb in zip(a, b):
        assert torch.allclose(ra.state.flat, rb.state.flat, atol=1e-12), ra.cfg.name


@pytest.mark.parametrize("name", ["dropout", "adam_lr1e-4", "batchnorm", "deeper"])
def test_resume_after_interrupt_equals_uninterrupted(tmp_path, name):
    cfg = _cfg(name, width=24)
    ck = tmp_path / "ck.pt"
    full = train_batched(cfg, [0, 1], 40, progress=False)
    part = train_batched(cfg, [0, 1], 40, checkpoint=ck, checkpoint_every=7, stop_at=17, progress=False)
    assert not part.completed and part.state.step == 17
    resumed = train_batched(cfg, [0, 1], 40, checkpoint=ck, checkpoint_every=7, progress=False)
    assert resumed.completed
    assert torch.equal(resumed.state.flat, full.state.flat)  # bitwise: same ops, same order, same RNG
    assert resumed.state.loss_log == full.state.loss_log


def test_group_resume_after_interrupt_equals_uninterrupted(tmp_path):
    cfgs = [_cfg(n, width=24) for n in ("plain", "adam_lr3e-3", "sd")]
    ck = tmp_path / "group.pt"
    full = train_group(cfgs, [0, 1], 30, progress=False)
    part = train_group(cfgs, [0, 1], 30, checkpoint=ck, checkpoint_every=5, stop_at=12, progress=False)
    assert not part[0].completed and part[0].state.step == 12
    resumed = train_group(cfgs, [0, 1], 30, checkpoint=ck, checkpoint_every=5, progress=False)
    for r, f in zip(resumed, full):
        assert r.completed
        assert torch.equal(r.state.flat, f.state.flat) and torch.equal(r.state.buf, f.state.buf)  # bitwise
        assert r.state.loss_log == f.state.loss_log


def test_checkpoint_of_another_run_is_ignored(tmp_path):
    ck = tmp_path / "ck.pt"
    train_batched(_cfg("plain"), [0], 5, checkpoint=ck, progress=False)
    r = train_batched(_cfg("sd"), [0], 5, checkpoint=ck, progress=False)
    ref = train_batched(_cfg("sd"), [0], 5, progress=False)
    assert torch.equal(r.state.flat, ref.state.flat)


def test_bn_fold_equals_torch_batch_norm():
    # Linear → BN (batch statistics) vs the folded effective weights, and their gradients
    # vs autograd through torch.nn.functional.batch_norm (an independent implementation)
    cfg = _cfg("batchnorm", width=16)
    m = Model(cfg, [3, 4], torch.float64)
    flat = m.flat()
    p = m.views(flat)
    g0 = torch.Generator().manual_seed(0)
    p[GAMMA].uniform_(0.5, 1.5, generator=g0)
    p[BETA].uniform_(-0.3, 0.3, generator=g0)
    X, y = make_data(cfg, [3, 4], torch.float64)
    fast = _OneHidden(m, X, y, None, chunk=1)
    fast.Wr.copy_(p[W0].transpose(1, 2))             # what step() does before folding
    We, be = (t.clone() for t in fast._bn_fold(p, None))
    V = torch.randn(2, X.shape[1], 16, generator=g0, dtype=torch.float64)   # a stand-in upstream gradient
    for k in range(2):
        Wk = p[W0][k].clone().requires_grad_(True)
        b0 = p[B0][k].clone().requires_grad_(True)
        gam = p[GAMMA][k].clone().requires_grad_(True)
        bet = p[BETA][k].clone().requires_grad_(True)
        u = torch.nn.functional.batch_norm(X[k] @ Wk.T + b0, None, None, gam, bet, training=True, eps=1e-5)
        assert torch.allclose(X[k] @ We[k] + be[k], u, atol=1e-12)   # float64 rounding
        (u * V[k]).sum().backward()
        # ∂/∂Wₑ and ∂/∂bₑ of Σ V⊙(xWₑ + bₑ) fed through the fold's chain rule
        fast.Y = torch.zeros(2, 4, 16, dtype=torch.float64)
        fast.Y[k, :2] = X[k].T @ V[k]
        fast.Y[k, 2] = V[k].sum(0)
        gp = {key: torch.zeros_like(v) for key, v in p.items()}
        fast._bn_grad(p, gp, torch.ones(2, 1, 16, dtype=torch.float64))
        assert torch.allclose(gp[W0][k], Wk.grad, atol=1e-10)        # float64, sums of 300 terms
        assert torch.allclose(gp[GAMMA][k], gam.grad, atol=1e-10)
        assert torch.allclose(gp[BETA][k], bet.grad, atol=1e-10)
        assert torch.allclose(gp[B0][k], b0.grad, atol=1e-10)        # BN removes b: gradient 0


def test_mask_rng_keep_probability_and_stream():
    p = 0.7
    # hand value of the threshold: keep iff int32 s < round(0.3·2³²) − 2³¹ = 1288490189 − 2147483648
    assert MaskRNG(p, 1).thr == -858993459
    rng = MaskRNG(p, 1)
    m = rng.fill(torch.empty(4, 300, 500))
    assert set(m.unique().tolist()) == {0.0, 1.0}
    N = m.numel()
    sigma = math.sqrt(0.3 * 0.7 / N)
    # binomial: the keep fraction is within 5σ of 1 − p (fails by chance with probability < 1e-6)
    assert abs(m.mean().item() - 0.3) < 5 * sigma
    for k in range(4):   # and per slot (150,000 units each)
        assert abs(m[k].mean().item() - 0.3) < 5 * math.sqrt(0.21 / m[k].numel())
    # the stream does not depend on how slots are grouped into fills
    r2 = MaskRNG(p, 1)
    parts = torch.cat([r2.fill(torch.empty(1, 300, 500)), r2.fill(torch.empty(3, 300, 500))])
    assert torch.equal(parts, m)
    # saved and restored state continues the same stream
    r3 = MaskRNG(p, 9)
    r3.fill(torch.empty(1, 10, 10))
    s = r3.get_state()
    a = r3.fill(torch.empty(2, 10, 10))
    r3.set_state(s)
    assert torch.equal(r3.fill(torch.empty(2, 10, 10)), a)


def test_flop_count_two_layer():
    # hand count, one seed, n points, H hidden: forward 2nH·2 (layer 1, d = 2) + 2nH (layer 2);
    # backward: weight grads 2n(2H + H), input grad of layer 2 only 2nH → 2n(3·3H − 2H) = 14nH
    m = Model(Config("t", width=10), [0])
    assert m.flops_per_iteration(7) == 14 * 7 * 10


def test_bad_input():
    with pytest.raises(ValueError, match="iterations"):
        train_batched(_cfg("plain"), [0], 0)
    with pytest.raises(ValueError, match="dropout"):
        Config("x", dropout=1.0)
    with pytest.raises(ValueError, match="cfgs must share"):
        train_group([_cfg("plain"), _cfg("batchnorm")], [0], 2)
    with pytest.raises(ValueError, match="distinct names"):
        train_group([_cfg("plain"), _cfg("plain")], [0], 2)
    with pytest.raises(ValueError, match="p must be"):
        MaskRNG(0.0, 1)


def test_trace_records_the_training_function_and_resumes(tmp_path):
    cfg = _cfg("sd", width=24)
    full = train_batched(cfg, [0, 1], 20, progress=False, trace_every=5, dtype=torch.float64)
    assert [s for s, _ in full.state.trace] == [0, 5, 10, 15, 20]
    # the last entry is the trained network's output on its training set
    yh = full.model.apply(full.params, full.X)
    assert torch.allclose(full.state.trace[-1][1].double(), yh, atol=1e-6)   # stored as float32
    ck = tmp_path / "ck.pt"
    train_batched(cfg, [0, 1], 20, checkpoint=ck, checkpoint_every=4, stop_at=9, progress=False, trace_every=5,
                  dtype=torch.float64)
    resumed = train_batched(cfg, [0, 1], 20, checkpoint=ck, checkpoint_every=4, progress=False, trace_every=5,
                            dtype=torch.float64)
    assert [s for s, _ in resumed.state.trace] == [0, 5, 10, 15, 20]
    assert all(torch.equal(a, b) for (_, a), (_, b) in zip(resumed.state.trace, full.state.trace))


def test_heldout_points_are_fresh_draws_of_the_same_distribution():
    from empirical.train import HELDOUT_SEED_OFFSET, make_heldout

    cfg = _cfg("plain")
    X, y = make_data(cfg, [3])
    Xt, yt = make_heldout(cfg, [3])
    assert not torch.equal(X, Xt)
    assert torch.equal(Xt, make_data(cfg, [3 + HELDOUT_SEED_OFFSET])[0])
    # Δ = +0.1 holds on the held-out set too (same generator and margin)
    assert (Xt[0, yt[0, :, 0] > 0, 0].max() <= -0.1 + 1e-6) and (Xt[0, yt[0, :, 0] < 0, 0].min() >= 0.1 - 1e-6)
