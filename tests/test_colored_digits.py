"""Colored digits (§4.3, App. B.4): IDX reader, the §4.3 protocol, objectives, batched training, CLI.

Expected values come from independent routes: hand-built IDX bytes (``struct``), explicit
2×2 block loops, a lookup of each image in the source data set, binomial counts on a large
synthetic set, autograd for the IRMv1 dummy scale, and a serial ``nn.Linear`` + ``torch.optim``
loop for the batched trainer.
"""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from empirical import colored_digits as cd  # noqa: E402
from empirical.data.mnist_idx import IdxFormatError, load_mnist, parse_idx, read_idx, write_idx  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # 2 intra-op threads on the 2 shared cores oversubscribe and stall (measured 10x slower)
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


# ----------------------------------------------------------------------------- IDX files
def _idx_bytes(arr: np.ndarray) -> bytes:
    """IDX bytes built by hand with struct (independent of write_idx)."""
    head = struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def _fake_mnist(root, n=12, hw=(28, 28), gz=False, seed=0):
    rng = np.random.default_rng(seed)
    imgs = rng.integers(0, 256, size=(n, *hw), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    sfx = ".gz" if gz else ""
    for name, arr in (("train-images-idx3-ubyte", imgs), ("train-labels-idx1-ubyte", labels)):
        blob = _idx_bytes(arr)
        (root / (name + sfx)).write_bytes(gzip.compress(blob) if gz else blob)
    return imgs, labels


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_reads_hand_written_idx(tmp_path, gz):
    imgs, labels = _fake_mnist(tmp_path, n=7, hw=(4, 6), gz=gz)
    got_i, got_l = load_mnist(tmp_path, "train")
    assert got_i.dtype == np.uint8 and got_i.shape == (7, 4, 6)
    np.testing.assert_array_equal(got_i, imgs)
    np.testing.assert_array_equal(got_l, labels)


def test_write_idx_round_trip_and_matches_hand_bytes(tmp_path):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a", a)
    assert (tmp_path / "a").read_bytes() == _idx_bytes(a)
    b = np.linspace(-1, 1, 6).reshape(3, 2)          # float64: type code 0x0E
    write_idx(tmp_path / "b.gz", b)
    np.testing.assert_array_equal(read_idx(tmp_path / "b.gz"), b)


def test_idx_format_errors(tmp_path):
    imgs, labels = _fake_mnist(tmp_path, n=5, hw=(2, 2))
    with pytest.raises(IdxFormatError, match="magic"):           # a labels file read as images
        read_idx(tmp_path / "train-labels-idx1-ubyte", 0x00000803)
    with pytest.raises(IdxFormatError, match="data bytes"):       # truncated
        parse_idx(_idx_bytes(imgs)[:-1], "t")
    with pytest.raises(IdxFormatError, match="data bytes"):       # over-long
        parse_idx(_idx_bytes(imgs) + b"\0", "t")
    with pytest.raises(IdxFormatError, match="two zero bytes"):
        parse_idx(b"\1\0\x08\1" + struct.pack(">I", 0), "t")
    with pytest.raises(IdxFormatError, match="type code"):
        parse_idx(b"\0\0\x07\1" + struct.pack(">I", 0), "t")
    with pytest.raises(IdxFormatError, match="header truncated"):
        parse_idx(b"\0\0\x08\3\0\0", "t")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx_bytes(np.array([1, 2, 3], np.uint8)))
    with pytest.raises(IdxFormatError, match="3 labels for 5 images"):
        load_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx_bytes(np.array([1, 2, 3, 4, 10], np.uint8)))
    with pytest.raises(IdxFormatError, match="0-9"):
        load_mnist(tmp_path)
    with pytest.raises(ValueError, match="mnist_dir"):
        load_mnist(tmp_path / "nope")
    with pytest.raises(ValueError, match="split"):
        load_mnist(tmp_path, "val")
    (tmp_path / "train-images-idx3-ubyte").unlink()
    with pytest.raises(ValueError, match="train-images-idx3-ubyte"):
        load_mnist(tmp_path)


def test_mnist_source_is_2x2_average(tmp_path):
    imgs, labels = _fake_mnist(tmp_path, n=3)
    src = cd.load_source("mnist", tmp_path)
    assert src.hw == (14, 14) and src.images.shape == (3, 196)
    for k in range(3):                                  # explicit block loop
        for i in range(14):
            for j in range(14):
                blk = imgs[k, 2 * i:2 * i + 2, 2 * j:2 * j + 2].astype(float) / 255
                assert src.images[k, 14 * i + j] == pytest.approx(blk.mean(), abs=1e-15)
    np.testing.assert_array_equal(src.digits, labels)


# ----------------------------------------------------------------------------- protocol
@pytest.fixture(scope="module")
def digits():
    return cd.load_source("digits")


def test_digits_source_is_scikit_learns_load_digits_bitwise(digits, monkeypatch):
    """The bundled file is read directly (no sklearn import); the reference is sklearn's API."""
    datasets = pytest.importorskip("sklearn.datasets")
    from empirical.data import digits as dmod

    assert dmod.bundled_digits_file() is not None     # the direct route is the one taken here
    ref = datasets.load_digits()
    assert digits.images.dtype == np.float64 and digits.images.shape == (1797, 64)
    np.testing.assert_array_equal(digits.images, ref.images.reshape(1797, -1) / 16.0)
    np.testing.assert_array_equal(digits.digits, ref.target)
    # and the fallback (no bundled file found) gives the same arrays
    monkeypatch.setattr(dmod, "bundled_digits_file", lambda: None)
    fb = cd.load_source("digits")
    np.testing.assert_array_equal(fb.images, digits.images)
    np.testing.assert_array_equal(fb.digits, digits.digits)


def test_digits_split_partitions_and_labels(digits):
    r = cd.build_restart(digits, seed=3)
    envs = r["train"] + [r["test"]]
    assert [len(e["y"]) for e in envs] == [599, 599, 599]
    assert [e["e"] for e in envs] == [0.1, 0.2, 0.9]
    # the three environments hold every image exactly once (multiset of rows)
    allimg = np.concatenate([e["img"] for e in envs])
    key = lambda A: np.array(sorted(map(bytes, np.round(A * 16).astype(np.uint8))))  # noqa: E731
    np.testing.assert_array_equal(key(allimg), key(digits.images))
    # independent route to the clean label: look each image up in the source data set
    lookup = {}
    for img, d in zip(np.round(digits.images * 16).astype(np.uint8), digits.digits):
        lookup.setdefault(bytes(img), set()).add(int(d) >= 5)
    for e in envs:
        for img, c in zip(np.round(e["img"] * 16).astype(np.uint8), e["clean"]):
            assert bool(c) in lookup[bytes(img)]
        P = e["img"].shape[1]
        x = e["x"].reshape(-1, 2, P)
        for ch in (0, 1):                     # the image sits in the channel of its colour
            sel = e["color"] == ch
            np.testing.assert_array_equal(x[sel, ch], e["img"][sel])
            assert not x[sel, 1 - ch].any()


def test_flip_rates_match_binomial_counts():
    # a large synthetic source: the flip counts must be Binomial(n, 0.25) and Binomial(n, e)
    n = 60_000
    rng = np.random.default_rng(0)
    src = cd.Source(rng.random((n, 4)), rng.integers(0, 10, n), "mnist", (2, 2))
    r = cd.build_restart(src, seed=11)
    for env in r["train"] + [r["test"]]:
        m = len(env["y"])
        for flips, p in (((env["y"] != env["clean"]).sum(), cd.LABEL_NOISE),
                         ((env["color"] != env["y"]).sum(), env["e"])):
            sd = np.sqrt(m * p * (1 - p))
            assert abs(flips - m * p) < 5 * sd        # 5 sigma: fails by chance < 1e-6
    assert [len(e["y"]) for e in r["train"] + [r["test"]]] == [25_000, 25_000, 10_000]
    # MNIST protocol: the test env is the fixed last sixth, in file order
    np.testing.assert_array_equal(r["test"]["img"], src.images[50_000:])


def test_restart_seeding_and_holdout(digits):
    a, b, c = cd.build_restart(digits, 5), cd.build_restart(digits, 5), cd.build_restart(digits, 6)
    np.testing.assert_array_equal(a["test"]["x"], b["test"]["x"])
    assert not np.array_equal(a["test"]["x"], c["test"]["x"])
    h = cd.build_restart(digits, 5, holdout=0.2)
    for full, tr, va in zip(a["train"], h["train"], h["val"]):
        assert len(va["y"]) == int(np.ceil(0.2 * len(full["y"])))
        np.testing.assert_array_equal(np.concatenate([tr["x"], va["x"]]), full["x"])
        np.testing.assert_array_equal(np.concatenate([tr["y"], va["y"]]), full["y"])


def test_diagnostic_environments(digits):
    t = cd.build_restart(digits, 2)["test"]
    d = cd.diagnostic_inputs(t)
    P = t["img"].shape[1]
    g = d["gray_digits"]
    np.testing.assert_allclose(g[:, :P] + g[:, P:], t["img"], atol=0)     # channel sum = image
    np.testing.assert_array_equal(d["colored_digits"], t["x"])
    m = t["img"].mean()
    np.testing.assert_allclose(d["gray_blank"], m / 2)
    cb = d["colored_blank"].reshape(-1, 2, P)
    rows = np.arange(len(t["y"]))
    np.testing.assert_allclose(cb[rows, t["color"]], m)
    np.testing.assert_array_equal(cb[rows, 1 - t["color"]], 0)
    # the test env's colour agrees with the label ~10 % of the time (e = 0.9)
    assert abs((t["color"] == t["y"]).mean() - 0.1) < 5 * np.sqrt(0.09 / len(t["y"]))


# ----------------------------------------------------------------------------- objectives
def test_objectives_by_hand():
    g = torch.Generator().manual_seed(1)
    lg = torch.randn(2, 10, generator=g, dtype=torch.float64)
    y = (torch.rand(2, 10, generator=g) < 0.5).double()
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    r1 = torch.stack([bce(lg[i, :4], y[i, :4]) for i in range(2)])
    r2 = torch.stack([bce(lg[i, 4:], y[i, 4:]) for i in range(2)])
    rp = torch.stack([bce(lg[i], y[i]) for i in range(2)])
    sq = (lg ** 2).mean(1)
    class Unit:                                                  # weight norm 1 for both restarts
        @staticmethod
        def sq_norm():
            return torch.ones(2, dtype=torch.float64)

    M = lambda **k: cd.Method("m", width=1, lr=1.0, steps=10, **k)  # noqa: E731
    obj = lambda m, step: cd.method_objective(m)(lg, 2 * y - 1, ensemble=Unit, step=step, envs=(4, 6))  # noqa: E731
    torch.testing.assert_close(obj(M(kind="vrex", penalty=100.0, anneal=5), 2), (r1 + r2) / 2 + (r1 - r2) ** 2 / 2)
    torch.testing.assert_close(obj(M(kind="vrex", penalty=100.0, anneal=5), 5),
                               ((r1 + r2) / 2 + 100 * (r1 - r2) ** 2 / 2) / 100)
    torch.testing.assert_close(obj(M(kind="sd", penalty=0.3, anneal=5, l2=0.5), 4), rp + 0.5)
    torch.testing.assert_close(obj(M(kind="sd", penalty=0.3, anneal=5, l2=0.5), 5), rp + 0.5 + 0.3 * sq)
    torch.testing.assert_close(obj(M(kind="sd_released", penalty=2e-5, anneal=5), 4), rp + 2e-5 * sq)
    torch.testing.assert_close(obj(M(kind="sd_released", penalty=2e-5, anneal=5), 5), 2e-5 * (rp + sq))


def test_binary_entropy_and_accuracy():
    import mpmath

    xs = [0.0, 30.0, -2.0]
    lg = torch.tensor([xs], dtype=torch.float64)
    ref = []
    with mpmath.workdps(50):   # −p log p − q log q at 50 digits
        for x in xs:
            p = 1 / (1 + mpmath.exp(-x))
            ref.append(float(-p * mpmath.log(p) - (1 - p) * mpmath.log(1 - p)))
    # relative 1e-12: a few float64 exp/log without cancellation (x = 30 checks the confident end)
    torch.testing.assert_close(cd.binary_entropy(lg), torch.tensor([ref], dtype=torch.float64), atol=0, rtol=1e-12)
    assert cd.accuracy(lg, torch.tensor([[0.0, 1.0, 1.0]], dtype=torch.float64)).item() == pytest.approx(2 / 3)


# ----------------------------------------------------------------------------- batched = serial
def _small_batch(seeds, P=16, n=90):
    rng = np.random.default_rng(42)
    src = cd.Source(rng.random((n, P)), rng.integers(0, 10, n), "digits", (4, 4))
    return cd.stack_restarts(src, seeds, dtype=torch.float64)


def _serial(m: cd.Method, data: cd.Batch, r: int, seed: int):
    """One restart with nn.Linear + torch.optim.Adam and the methods' textbook definitions."""
    nn = torch.nn
    P = data.P
    d_in = P if m.grayscale else 2 * P
    g = torch.Generator().manual_seed(seed)
    lins = [nn.Linear(d_in, m.width), nn.Linear(m.width, m.width), nn.Linear(m.width, 1)]
    for lin in lins:
        lin.double()
        nn.init.xavier_uniform_(lin.weight, generator=g)
        nn.init.zeros_(lin.bias)
    net = nn.Sequential(lins[0], nn.ReLU(), lins[1], nn.ReLU(), lins[2])

    def inp(x):
        return x[:, :P] + x[:, P:] if m.grayscale else x

    x, y = inp(data.train_x[r]), data.train_y[r]
    n1 = data.n_env[0]
    bce = nn.functional.binary_cross_entropy_with_logits
    opt = torch.optim.Adam(net.parameters(), lr=m.lr)
    for step in range(m.steps):
        lg = net(x)[:, 0]
        on = step >= m.anneal
        wn = sum(p.norm() ** 2 for p in net.parameters())
        if m.kind in ("erm", "sd"):
            loss = bce(lg, y) + m.l2 * wn + (m.penalty * (lg ** 2).mean() if m.kind == "sd" and on else 0.0)
        elif m.kind == "sd_released":
            loss = m.penalty * (bce(lg, y) + (lg ** 2).mean()) if on else bce(lg, y) + m.penalty * (lg ** 2).mean()
        else:
            nll, pen = [], []
            for sl in (slice(0, n1), slice(n1, None)):
                nll.append(bce(lg[sl], y[sl]))
                s = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
                (gs,) = torch.autograd.grad(bce(lg[sl] * s, y[sl]), s, create_graph=True)
                pen.append(gs ** 2)
            nll = torch.stack(nll)
            p = torch.stack(pen).mean() if m.kind == "irm" else nll.var()
            w = m.penalty if on else 1.0
            loss = nll.mean() + m.l2 * wn + w * p
            if w > 1.0:
                loss = loss / w
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return net(inp(data.test_x[r]))[:, 0]


@pytest.mark.parametrize("m", [
    cd.Method("erm", "erm", width=8, lr=1e-2, steps=25, l2=1e-3),
    cd.Method("oracle", "erm", width=8, lr=1e-2, steps=25, grayscale=True),
    cd.Method("sd", "sd", width=8, lr=1e-2, steps=25, l2=1e-3, penalty=0.5, anneal=10),
    cd.Method("sd_released", "sd_released", width=8, lr=1e-2, steps=25, penalty=2e-5, anneal=10),
    cd.Method("irm", "irm", width=8, lr=1e-2, steps=25, l2=1e-3, penalty=1e3, anneal=10),
    cd.Method("vrex", "vrex", width=8, lr=1e-2, steps=25, l2=1e-3, penalty=1e3, anneal=10),
], ids=lambda m: m.name)
def test_batched_training_equals_serial_reference(m):
    seeds = [7, 8, 9]
    data = _small_batch(seeds)
    res = cd.train_method(m, data, seeds, eval_every=5)
    with torch.no_grad():
        batched = cd.logits(res["ensemble"], cd.model_input(data.test_x, m.grayscale))
    for r in (0, 2):
        ref = _serial(m, data, r, seeds[r])
        # float64; 25 Adam steps amplify summation-order differences (bmm vs mm) only to ~1e-12
        torch.testing.assert_close(batched[r], ref, rtol=1e-9, atol=1e-9)


def test_init_matches_nn_init_xavier():
    from empirical.models import Ensemble

    W1 = Ensemble(lambda: cd.network(6, 4), [5], dtype=torch.float64).params["layers.0.weight"][0]
    ref = torch.empty(4, 6, dtype=torch.float64)
    torch.nn.init.xavier_uniform_(ref, generator=torch.Generator().manual_seed(5))
    # torch scales by √3·√(2/(fan_in+fan_out)), the network by √(6/(fan_in+fan_out)): the same
    # bound up to one rounding, so the draws agree to a few ulp
    torch.testing.assert_close(W1, ref, rtol=0, atol=1e-15)


# ----------------------------------------------------------------------------- validation
def test_input_validation(digits):
    with pytest.raises(ValueError, match="kind"):
        cd.Method("x", "dro", 4, 1e-3, 10)
    with pytest.raises(ValueError, match="anneal"):
        cd.Method("x", "sd", 4, 1e-3, 10, anneal=11)
    with pytest.raises(ValueError, match="lr"):
        cd.Method("x", "erm", 4, 0.0, 10)
    with pytest.raises(ValueError, match="penalty"):
        cd.Method("x", "irm", 4, 1e-3, 10, penalty=-1.0)
    with pytest.raises(ValueError, match="width"):
        cd.Method("x", "erm", 0, 1e-3, 10)
    with pytest.raises(ValueError, match="l2"):
        cd.Method("x", "sd_released", 4, 1e-3, 10, l2=1e-3)
    with pytest.raises(ValueError, match="e must"):
        cd.make_environment(digits.images[:3], digits.digits[:3], 1.5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="holdout"):
        cd.build_restart(digits, 0, holdout=0.7)
    with pytest.raises(ValueError, match="dataset"):
        cd.load_source("cifar")
    with pytest.raises(ValueError, match="mnist_dir"):
        cd.load_source("mnist")
    with pytest.raises(ValueError, match="restarts"):
        cd.run(restarts=1)
    with pytest.raises(ValueError, match="--configs: unknown row"):
        cd.run(methods=["dro"], restarts=2)
    with pytest.raises(ValueError, match="steps"):
        cd.run(steps=0, restarts=2)


# ----------------------------------------------------------------------------- CLI
def test_cli_colored_digits_digits(tmp_path, capsys):
    from theory.cli import main

    rc = main(["train", "colored-digits", "--seeds", "2", "--iterations", "20", "--configs", "erm", "oracle",
               "--out", str(tmp_path), "--device", "cpu"])
    assert rc == 0
    assert "| ERM |" in capsys.readouterr().out
    root = tmp_path / "colored_digits" / "digits_custom"
    for f in ("config.json", "environment.json", "metrics.json", "summary.md", "fig3.png", "trajectories.png"):
        assert (root / f).exists(), f
    m = json.loads((root / "metrics.json").read_text())
    assert m["environment"]["device"] == "cpu" and m["environment"]["torch"]
    assert len(m["methods"]["oracle"]["per_restart"]["test_acc"]) == 2
    assert m["config"]["sizes"] == {"train_e0.1": 599, "train_e0.2": 599, "test_e0.9": 599}


def test_cli_colored_digits_mnist_dir(tmp_path, capsys):
    from theory.cli import main

    _fake_mnist(tmp_path, n=60, gz=True)
    rc = main(["train", "colored-digits", "--mnist-dir", str(tmp_path), "--seeds", "2", "--iterations", "4",
               "--configs", "erm", "irm", "--out", str(tmp_path / "runs")])
    assert rc == 0
    # config.json holds what was asked; the sizes found in the data are in metrics.json's config
    cfg = json.loads((tmp_path / "runs" / "colored_digits" / "mnist_custom" / "metrics.json").read_text())["config"]
    assert cfg["sizes"] == {"train_e0.1": 25, "train_e0.2": 25, "test_e0.9": 10}
    assert cfg["methods"]["irm"]["width"] == 390 and cfg["image_hw"] == [14, 14]   # Table 4
    capsys.readouterr()
    assert main(["train", "colored-digits", "--mnist-dir", str(tmp_path / "missing"), "--seeds", "2"]) == 2
    assert "mnist_dir" in capsys.readouterr().err
    assert main(["train", "moons", "--mnist-dir", str(tmp_path)]) == 2


def test_shared_erm_prefix_equals_training_from_step_zero(digits):
    # Eq. 17's rows with l2 = 0 are ERM before their anneal step: started from ERM's state there
    # they must give exactly what training from step 0 gives (metrics and trajectory, bitwise).
    seeds = [0, 1]
    data = cd.stack_restarts(digits, seeds)
    erm = cd.Method("erm", "erm", width=16, lr=1e-3, steps=40)
    sd = cd.Method("sd", "sd", width=16, lr=1e-3, steps=40, penalty=1.0, anneal=20)
    donor = cd.train_method(erm, data, seeds, eval_every=10, snapshot_at=(20,))
    resumed = cd.train_method(sd, data, seeds, eval_every=10, start=donor["snapshots"][20])
    scratch = cd.train_method(sd, data, seeds, eval_every=10)
    assert resumed["per_restart"] == scratch["per_restart"]
    assert resumed["trajectory"] == scratch["trajectory"]
    assert scratch["per_restart"] != donor["per_restart"]        # the penalty did act after step 20


def test_shared_prefixes_only_where_the_objective_is_erms():
    m = cd._digits_methods()
    shared = cd.shared_prefixes(m)
    assert shared == {"sd": ("erm", 300), "sd_lam1": ("erm", 200)}
    # weight decay (sd_tdv, erm_wd), the released objective's c·mean ŷ² before its switch
    # (sd_released*), IRM / V-REx penalties and the oracle's grayscale input are not ERM's prefix
    assert cd.shared_prefixes({k: v for k, v in m.items() if k != "erm"}) == {}
    with pytest.raises(ValueError, match="not a shared prefix"):
        cd.train_method(cd.Method("erm", "erm", width=8, lr=1e-3, steps=10), cd.stack_restarts(cd.load_source("digits", None), [0]),
                        [0], start={"step": 5, "params": {}, "opt": {}, "traj": {}})
