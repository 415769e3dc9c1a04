"""The compact CNN and the deep ensemble of ``galaxies train --data``; the augmentation they train with."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from coursekit.galaxies.compact import CompactGalaxyNet, GalaxyEnsemble
from coursekit.galaxies.config import TrainConfig
from coursekit.galaxies.model import SkyAugment, load_model, predict, random_affine, save_model, train_classifier

CLASSES = ("elliptical", "spiral")


def _blobs(n: int, size: int = 32, seed: int = 0):
    """Red round blobs (class 0) and blue elongated ones (class 1) at random angles, with noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] - (size - 1) / 2
    x = np.empty((n, 3, size, size), np.float32)
    y = np.arange(n) % 2
    for i in range(n):
        a = rng.uniform(0, np.pi)
        u, v = xx * np.cos(a) + yy * np.sin(a), -xx * np.sin(a) + yy * np.cos(a)
        q = 1.0 if y[i] == 0 else 0.3
        img = np.exp(-0.5 * (u**2 + (v / q) ** 2) / 16)
        colour = (0.3, 0.6, 0.9) if y[i] == 0 else (0.9, 0.6, 0.3)  # (R, G, B) channels
        x[i] = np.stack([c * img for c in colour]) + rng.normal(0, 0.02, (3, size, size))
    return x.clip(0, 1), y


def test_compact_net_shapes_and_refusals():
    net = CompactGalaxyNet(("a", "b", "c"), width=8).eval()
    assert net(torch.rand(5, 3, 32, 32)).shape == (5, 3)
    assert net.embed(torch.rand(2, 3, 48, 48)).shape == (2, 64)
    assert sum(p.numel() for p in CompactGalaxyNet(CLASSES).parameters()) < 400_000
    with pytest.raises(ValueError, match="at least 16x16"):
        net(torch.rand(1, 3, 8, 8))
    with pytest.raises(ValueError, match=r"\(n, 3, H, W\)"):
        net(torch.rand(1, 1, 32, 32))
    with pytest.raises(ValueError, match="width"):
        CompactGalaxyNet(CLASSES, width=0)


def test_ensemble_softmax_is_the_mean_of_the_members():
    torch.manual_seed(0)
    members = [CompactGalaxyNet(CLASSES, width=4).eval() for _ in range(3)]
    ens = GalaxyEnsemble(members).eval()
    x = torch.rand(6, 3, 32, 32)
    with torch.no_grad():
        expected = torch.stack([torch.softmax(m(x), 1) for m in members]).mean(0)
        got = torch.softmax(ens(x), 1)
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5)
    with pytest.raises(ValueError, match="disagree"):
        GalaxyEnsemble([members[0], CompactGalaxyNet(("x", "y"), width=4)])
    with pytest.raises(ValueError, match="at least one"):
        GalaxyEnsemble([])


def test_random_affine_identity_flip_and_flux():
    x = torch.rand(8, 3, 16, 16)
    torch.testing.assert_close(random_affine(x, rotate=False, flip=False), x, atol=1e-5, rtol=0)
    torch.manual_seed(1)
    out = random_affine(x, rotate=False, flip=True)
    mirrored = [bool(torch.allclose(o, xi.flip(-1), atol=1e-5)) for o, xi in zip(out, x)]
    same = [bool(torch.allclose(o, xi, atol=1e-5)) for o, xi in zip(out, x)]
    assert all(m or s for m, s in zip(mirrored, same)) and any(mirrored) and any(same)
    # a centred blob keeps its flux under rotation and mild magnification (nothing reaches the border)
    yy, xx = torch.meshgrid(torch.arange(32.0) - 15.5, torch.arange(32.0) - 15.5, indexing="ij")
    blob = torch.exp(-(xx**2 + yy**2) / 18).expand(4, 3, 32, 32).contiguous()
    moved = random_affine(blob, scale=0.1, shift=0.05, padding="zeros")
    ratio = moved.sum((1, 2, 3)) / blob.sum((1, 2, 3))
    assert torch.all((ratio > 0.75) & (ratio < 1.3))  # flux scales as magnification^2, within (0.9^2, 1.1^2)
    grey = torch.full((4, 3, 32, 32), 0.5)
    (noisy,), _ = SkyAugment(rotate=False, flip=False, brightness=0, contrast=0, noise=0.05)([grey], None)
    assert 0.045 < float((noisy - grey).std()) < 0.055
    with pytest.raises(ValueError, match="padding"):
        SkyAugment(padding="reflect")


def test_compact_ensemble_learns_separable_classes_and_round_trips(tmp_path):
    x, y = _blobs(96, seed=0)
    xt, yt = _blobs(64, seed=1)
    cfg = TrainConfig(arch="compact", width=8, members=2, epochs=8, batch_size=16, lr=3e-3, val_fraction=0.0,
                      scale=0.1, shift=0.05, noise=0.01, padding="border")
    model, history = train_classifier(x, y, CLASSES, cfg, progress=False)
    assert isinstance(model, GalaxyEnsemble) and len(model.members) == 2
    assert history.train_loss[-1] < history.train_loss[0]
    p = predict(model, xt, tta=True)
    assert (p.argmax(1) == yt).mean() >= 0.9
    path = save_model(model, tmp_path / "ens.pt", size=32, crop=0.35, config=cfg)
    loaded, meta = load_model(path)
    assert meta["arch"] == "compact" and meta["members"] == 2 and meta["ensemble"] is True
    np.testing.assert_allclose(predict(loaded, xt, tta=True), p, atol=1e-5)


def test_unknown_architecture_refused():
    x, y = _blobs(8)
    with pytest.raises(ValueError, match="arch"):
        train_classifier(x, y, CLASSES, TrainConfig(arch="vgg", epochs=1, val_fraction=0.0), progress=False)


def test_new_head_keeps_the_trunk_and_leaves_the_base_alone():
    from coursekit.galaxies.compact import with_new_head

    torch.manual_seed(0)
    base = CompactGalaxyNet(("a", "b", "c", "d"), width=4).eval()
    before = {k: v.clone() for k, v in base.state_dict().items()}
    net = with_new_head(base, CLASSES, seed=3)
    assert net.classes == CLASSES and net.head[-1].out_features == 2 and net.training
    assert all(p.requires_grad for p in net.parameters())
    for k, v in net.features.state_dict().items():
        torch.testing.assert_close(v, base.features.state_dict()[k])
    with torch.no_grad():
        next(net.features.parameters()).add_(1.0)  # training the copy leaves the base as it was
    for k, v in base.state_dict().items():
        torch.testing.assert_close(v, before[k])
    torch.testing.assert_close(with_new_head(base, CLASSES, seed=3).head[-1].weight, net.head[-1].weight)


def test_simulation_pretraining_is_cached_reused_and_remade_when_corrupt(tmp_path, monkeypatch, capsys):
    from coursekit.galaxies import compact

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    kw = dict(n=24, epochs=1, seed=5)
    first = compact.simulation_pretrained(4, 16, **kw)
    path = compact.pretrain_path(4, 16, 24, 1, 5)
    assert path.is_file() and path.parent == tmp_path / "galaxies" and "pretraining" in capsys.readouterr().out
    again = compact.simulation_pretrained(4, 16, **kw)  # read from the cache: no training, same weights
    assert "pretraining" not in capsys.readouterr().out
    for k, v in first.state_dict().items():
        torch.testing.assert_close(again.state_dict()[k], v)
    assert first.classes == ("elliptical", "spiral", "merger", "irregular") and first.width == 4
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    remade = compact.simulation_pretrained(4, 16, **kw)
    assert "pretraining again" in capsys.readouterr().out and isinstance(remade, CompactGalaxyNet)
    load_model(path)  # the remade file verifies again


def test_pretrained_members_start_from_the_simulation_network(tmp_path, monkeypatch):
    from coursekit.galaxies import compact
    from coursekit.galaxies.model import _build_for

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    cfg = TrainConfig(arch="compact", width=4, pretrain_n=24, pretrain_epochs=1, seed=2)
    net = _build_for(cfg, CLASSES, size=16)
    base = compact.simulation_pretrained(4, 16, n=24, epochs=1)
    for k, v in net.features.state_dict().items():
        torch.testing.assert_close(v, base.features.state_dict()[k])
    assert net.classes == CLASSES
    x, y = _blobs(16, size=16)
    model, _ = train_classifier(x, y, CLASSES, TrainConfig(arch="compact", width=4, members=2, epochs=1,
                                                          batch_size=8, val_fraction=0.0, pretrain_n=24,
                                                          pretrain_epochs=1), progress=False)
    assert isinstance(model, GalaxyEnsemble) and len(model.members) == 2
