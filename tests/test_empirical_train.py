"""Batched trainer (empirical.train): equals the plain per-seed loop; resumes exactly."""

import pytest

torch = pytest.importorskip("torch")

from empirical.train import Config, Model, app_b2_configs, train_batched, train_serial  # noqa: E402

CFGS = app_b2_configs()


def _cfg(name, width=40):
    import dataclasses
    return dataclasses.replace(CFGS[name], width=width)


@pytest.mark.parametrize("name", ["plain", "weight_decay", "adam_lr3e-3", "sd", "batchnorm", "rotated_45", "deeper"])
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
        if cfg.batchnorm:
            assert torch.allclose(r.state.running_var[k, 0], ref["running_var"], atol=1e-12)


def test_fused_dropout_equals_general_path():
    cfg = _cfg("dropout")
    a = train_batched(cfg, [1, 2], 20, dtype=torch.float64, progress=False, fused=True)
    b = train_batched(cfg, [1, 2], 20, dtype=torch.float64, progress=False, fused=False)
    assert torch.allclose(a.state.flat, b.state.flat, atol=1e-12)


@pytest.mark.parametrize("name", ["dropout", "adam_lr1e-4", "batchnorm"])
def test_resume_after_interrupt_equals_uninterrupted(tmp_path, name):
    cfg = _cfg(name)
    ck = tmp_path / "ck.pt"
    full = train_batched(cfg, [0, 1], 40, progress=False)
    part = train_batched(cfg, [0, 1], 40, checkpoint=ck, checkpoint_every=7, stop_at=17, progress=False)
    assert not part.completed and part.state.step == 17
    resumed = train_batched(cfg, [0, 1], 40, checkpoint=ck, checkpoint_every=7, progress=False)
    assert resumed.completed
    assert torch.equal(resumed.state.flat, full.state.flat)  # bitwise: same ops, same order, same RNG
    assert resumed.state.loss_log == full.state.loss_log


def test_checkpoint_of_another_run_is_ignored(tmp_path):
    ck = tmp_path / "ck.pt"
    train_batched(_cfg("plain"), [0], 5, checkpoint=ck, progress=False)
    r = train_batched(_cfg("sd"), [0], 5, checkpoint=ck, progress=False)
    ref = train_batched(_cfg("sd"), [0], 5, progress=False)
    assert torch.equal(r.state.flat, ref.state.flat)


def test_flop_count_two_layer():
    # hand count, one seed, n points, H hidden: forward 2nH·2 (layer 1, d = 2) + 2nH (layer 2);
    # backward: weight grads 2n(2H + H), input grad of layer 2 only 2nH → 2n(3·3H − 2H) = 14nH
    m = Model(Config("t", width=10), 1)
    assert m.flops_per_iteration(7) == 14 * 7 * 10


def test_bad_input():
    with pytest.raises(ValueError, match="iterations"):
        train_batched(_cfg("plain"), [0], 0)
    with pytest.raises(ValueError, match="dropout"):
        Config("x", dropout=1.0)
