"""The CNN (coursekit.gw.model): shapes, logits, and that it can learn."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from coursekit.gw.model import MultiScaleCNN, predict_logits


def test_shapes_and_bad_input():
    m = MultiScaleCNN(n_det=2)
    out = m(torch.randn(3, 2, 2048))
    assert out.shape == (3,)
    assert MultiScaleCNN(n_det=1)(torch.randn(2, 1, 2048)).shape == (2,)
    with pytest.raises(ValueError, match=r"\(batch, 2, n_samples\)"):
        m(torch.randn(3, 1, 2048))


def test_outputs_are_unbounded_logits():
    torch.manual_seed(0)
    m = MultiScaleCNN().eval()
    with torch.no_grad():
        m.head[-1].bias.fill_(50.0)
        z = m(torch.randn(4, 2, 2048))
    assert torch.all(z > 1.0)  # a sigmoid output could never exceed 1
    assert predict_logits(m, np.zeros((0, 2, 2048), np.float32)).shape == (0,)


def test_overfits_64_windows():
    """The loss must fall when fitting 64 noise windows, half of them with a strong chirp-like burst."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 2, 2048)).astype(np.float32)
    y = np.repeat([0.0, 1.0], 32).astype(np.float32)
    t = np.arange(2048) / 2048
    burst = (np.sin(2 * np.pi * (40 * t + 150 * t**2)) * np.exp(-((t - 0.7) / 0.05) ** 2)).astype(np.float32)
    x[32:] += 2.0 * burst
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    m = MultiScaleCNN()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    first = None
    for _ in range(40):  # five BatchNorm layers: the eval-mode running statistics need ~30 steps to settle
        loss = loss_fn(m(xt), yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = first if first is not None else float(loss.detach())
    assert loss.item() < 0.3 * first
    acc = ((predict_logits(m, x) > 0).float().numpy() == y).mean()
    assert acc > 0.95


def _with_trained_statistics(m: MultiScaleCNN) -> MultiScaleCNN:
    """Give every BatchNorm non-trivial running statistics and affine parameters, as training would."""
    g = torch.Generator().manual_seed(1)
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm1d):
            n = mod.num_features
            mod.running_mean.copy_(0.3 * torch.randn(n, generator=g))
            mod.running_var.copy_(0.5 + torch.rand(n, generator=g) * 2)
            mod.weight.data.copy_(1 + 0.2 * torch.randn(n, generator=g))
            mod.bias.data.copy_(0.2 * torch.randn(n, generator=g))
    return m.eval()


@pytest.mark.parametrize("n_det", [1, 2])
@pytest.mark.parametrize("n_samples", [2048, 2049, 2051, 1000])
def test_fused_model_gives_the_same_logits(n_det, n_samples):
    torch.manual_seed(0)
    m = _with_trained_statistics(MultiScaleCNN(n_det=n_det))
    x = torch.randn(6, n_det, n_samples)
    with torch.no_grad():
        ref = m(x)
        fused = m.for_inference()(x)
    assert fused.shape == ref.shape
    torch.testing.assert_close(fused, ref, rtol=1e-4, atol=1e-5)
    # predict_logits fuses automatically (in eval mode, whatever the flag was) and leaves the weights alone
    m.train()
    w = m.branches[0].weight.detach().clone()
    torch.testing.assert_close(predict_logits(m, x.numpy()), ref, rtol=1e-4, atol=1e-5)
    assert torch.equal(m.branches[0].weight, w)


def test_fused_model_rejects_what_it_cannot_rewrite():
    with pytest.raises(ValueError, match="even branch kernels"):
        MultiScaleCNN(kernels=(15, 32)).for_inference()
    with pytest.raises(ValueError, match=r"\(batch, 2, n_samples\)"):
        MultiScaleCNN().for_inference()(torch.randn(3, 1, 2048))


def test_stream_scoring_equals_windows_with_context():
    """A continuous scan (trunk once over the stretch) gives each interior window the logit of that
    window scored alone with `context` samples of data on each side; without the context it differs."""
    torch.manual_seed(0)
    f = _with_trained_statistics(MultiScaleCNN()).for_inference()
    # 4 (stride) x 2^5 (pools); receptive field by hand: 64 + 4 (pool) + 6*8 + 8 + 6*16 + 16 + 6*32 + 32
    # + 6*64 + 64 + 6*128 = 1676 samples; context = ceil(838 / 128) * 128
    assert (f.downsample, f.receptive_field, f.context) == (128, 1676, 896)
    x = torch.randn(2, 2, 2048 * 6)
    window, step, c = 2048, 1152, f.context
    with torch.no_grad():
        stream = f.stream_logits(x, window, step)
        assert stream.shape == (2, (x.shape[-1] - window) // step + 1)
        checked = 0
        for k in range(stream.shape[1]):
            a = k * step - c
            if a < 0 or a + window + 2 * c > x.shape[-1]:
                continue
            alone = f.context_logits(x[..., a: a + window + 2 * c], c)
            torch.testing.assert_close(stream[:, k], alone, rtol=1e-5, atol=1e-6)
            zero_padded = f(x[..., k * step: k * step + window])
            assert not torch.allclose(stream[:, k], zero_padded, rtol=1e-3, atol=1e-4)
            checked += 1
    assert checked >= 3
    with pytest.raises(ValueError, match="multiples of 128"):
        f.stream_logits(x, 2000, step)
    with pytest.raises(ValueError, match="shorter than one"):
        f.stream_logits(x[..., :1024], window, step)
    with pytest.raises(ValueError, match="context must be"):
        f.context_logits(x[..., :2496], 100)
    with pytest.raises(TypeError, match="context needs"):
        predict_logits(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.LazyLinear(1)), x[..., :2496], context=224)


def test_training_forward_with_context_scores_as_the_scan():
    """MultiScaleCNN(x, context), the form it is trained in, gives FusedCNN.context_logits' logits;
    a context off the trunk's grid is refused."""
    torch.manual_seed(0)
    m = _with_trained_statistics(MultiScaleCNN())
    f = m.for_inference()
    c = f.context
    x = torch.randn(3, 2, 2048 + 2 * c)
    with torch.no_grad():
        torch.testing.assert_close(m(x, c), f.context_logits(x, c), rtol=1e-4, atol=1e-5)
        assert not torch.allclose(m(x, c), m(x[..., c:-c]), rtol=1e-3, atol=1e-4)
    with pytest.raises(ValueError, match="multiples of 128"):
        m(x, 100)


def test_training_forward_equals_the_strided_branches():
    """The training forward runs the parallel stride-4 branches as one stride-1 convolution over the input's
    polyphase components: the same values and the same weight gradients as the branches' own convolutions."""
    import torch.nn.functional as F

    from coursekit.gw.model import _merged_branch_weight, _polyphase, _polyphase_weight

    torch.manual_seed(0)
    m = MultiScaleCNN()
    x = torch.randn(3, 2, 2048 + 17)  # any length, not only multiples of the stride
    feats = [b(x) for b in m.branches]
    ref = torch.cat([f[..., :min(f.shape[-1] for f in feats)] for f in feats], dim=1)
    w = _merged_branch_weight(m.branches)
    out = F.conv1d(_polyphase(x, w.shape[-1], 4), _polyphase_weight(w, 4))
    assert out.shape == ref.shape == (3, 24, (2048 + 17) // 4 + 1)
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)
    g = torch.randn_like(ref)
    weights = [b.weight for b in m.branches]
    for a, b in zip(torch.autograd.grad((out * g).sum(), weights), torch.autograd.grad((ref * g).sum(), weights)):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
    # kernels that the polyphase form cannot take train through the branches themselves
    odd = MultiScaleCNN(kernels=(15, 31), channels=(8, 8))
    assert odd(torch.randn(2, 2, 2048)).shape == (2,)


def test_batchnorm_folding_equals_torch_fusion():
    """The fold used by FusedCNN is PyTorch's fuse_conv_bn_eval on every conv + BatchNorm pair."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    from coursekit.gw.model import _fold_batchnorm

    torch.manual_seed(0)
    conv = torch.nn.Conv1d(4, 6, 7, padding=3, bias=False)
    bn = torch.nn.BatchNorm1d(6)
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.uniform_(0.5, 1.5)
    bn.bias.data.uniform_(-0.5, 0.5)
    conv.eval(), bn.eval()
    ref = fuse_conv_bn_eval(conv, bn)
    w, b = _fold_batchnorm(conv.weight, bn)
    torch.testing.assert_close(w, ref.weight)
    torch.testing.assert_close(b, ref.bias)
    x = torch.randn(3, 4, 50)
    torch.testing.assert_close(torch.nn.functional.conv1d(x, w, b, padding=3), bn(conv(x)), atol=1e-5, rtol=1e-5)


def test_model_file_round_trip_and_refusals(tmp_path):
    from coursekit.checkpoint import ModelFileError
    from coursekit.checkpoint import save_model as save_any
    from coursekit.gw.config import REDUCED
    from coursekit.gw.model import load_model, save_model

    model = MultiScaleCNN(n_det=2).eval()
    path = save_model(model, tmp_path / "m.pt", REDUCED, ("H1", "L1"), {"thresholds": {"0.001": 3.5}})
    loaded, meta = load_model(path)
    assert meta["detectors"] == ["H1", "L1"] and meta["fs"] == 2048.0 and meta["thresholds"] == {"0.001": 3.5}
    x = torch.randn(2, 2, 2048)
    torch.testing.assert_close(loaded(x), model(x))
    assert meta["arch"]["channels"] == [16, 32, 32, 32, 32]
    small = MultiScaleCNN(channels=(8, 16)).eval()
    loaded, _ = load_model(save_model(small, tmp_path / "s.pt", REDUCED, ("H1", "L1")))
    assert loaded.arch["channels"] == [8, 16]
    torch.testing.assert_close(loaded(x), small(x))
    # a file of round one (no architecture recorded) loads as round one's three-layer network
    legacy = MultiScaleCNN(n_det=2, channels=(16, 32, 32)).eval()
    old = save_any(tmp_path / "r1.pt", topic="gw", state_dict=legacy.state_dict(),
                   config={"n_det": 2, "detectors": ["H1", "L1"], "fs": 2048.0})
    loaded, _ = load_model(old)
    torch.testing.assert_close(loaded(x), legacy(x))
    other = save_any(tmp_path / "o.pt", topic="photoz", state_dict=model.state_dict(), config={"n_det": 2})
    with pytest.raises(ModelFileError, match="topic 'photoz', not 'gw'"):
        load_model(other)
    raw = bytearray(path.read_bytes())
    i = raw.find(b"branches.0.weight") + 2000  # flip bytes inside the tensor data
    raw[i:i + 8] = bytes(8)
    (tmp_path / "bad.pt").write_bytes(bytes(raw))
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "bad.pt")
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "none.pt")
