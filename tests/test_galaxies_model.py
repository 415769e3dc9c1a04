"""ResNet18 classifier: head, freezing, transfer recipe, augmentation, TTA, MC dropout, training, model files."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from coursekit.galaxies.config import TrainConfig
from coursekit.galaxies.metrics import accuracy
from coursekit.galaxies.model import (
    EARLY_LAYERS,
    GalaxyClassifier,
    SkyAugment,
    build_model,
    dihedral_views,
    fine_tune,
    grad_cam,
    load_model,
    predict,
    predict_mc_dropout,
    predict_tta,
    rotate,
    saliency,
    save_model,
    train_classifier,
    transfer_setup,
)

CLASSES4 = ("elliptical", "spiral", "merger", "irregular")


@pytest.fixture(scope="module")
def small_model():
    torch.manual_seed(0)
    return build_model(CLASSES4).eval()


def test_build_model_shapes_and_head(small_model):
    out = small_model(torch.rand(2, 3, 64, 64))
    assert out.shape == (2, 4)
    assert small_model.classes == CLASSES4
    head = small_model.trunk.fc
    assert [type(m) for m in head] == [nn.Dropout, nn.Linear, nn.ReLU, nn.Dropout, nn.Linear]
    assert head[1].out_features == 256 and head[4].out_features == 4
    # random init: nothing frozen
    assert all(p.requires_grad for p in small_model.parameters())


def test_freeze_early_and_small_stem():
    m = build_model(3, freeze_early=True, stem="small")
    assert m.classes == ("class_0", "class_1", "class_2")
    assert not any(p.requires_grad for p in m.trunk.layer1.parameters())
    assert all(p.requires_grad for p in m.trunk.layer4.parameters())
    assert m.trunk.conv1.stride == (1, 1) and isinstance(m.trunk.maxpool, nn.Identity)
    with pytest.raises(ValueError, match="stem"):
        build_model(4, stem="huge")
    with pytest.raises(ValueError, match="two classes"):
        build_model(1)


def test_forward_rejects_wrong_channels(small_model):
    with pytest.raises(ValueError, match=r"\(n, 3, H, W\)"):
        small_model(torch.rand(2, 1, 64, 64))


def test_rotate_quarter_turn_is_exact():
    x = torch.rand(3, 3, 16, 16)
    np.testing.assert_allclose(rotate(x, torch.full((3,), math.pi / 2)), torch.rot90(x, 1, (-2, -1)), atol=1e-5)
    np.testing.assert_allclose(rotate(x, torch.zeros(3)), x, atol=1e-6)


def test_sky_augment_keeps_a_centred_galaxy():
    yy, xx = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    blob = torch.exp(-((xx - 15.5) ** 2 + (yy - 15.5) ** 2) / 20.0).expand(8, 3, 32, 32).clone()
    (out,), y = SkyAugment(brightness=0, contrast=0)([blob], torch.arange(8))
    assert out.shape == blob.shape and torch.equal(y, torch.arange(8))
    # a round centred blob is invariant under rotation and flips (up to interpolation)
    np.testing.assert_allclose(out.numpy(), blob.numpy(), atol=0.03)
    (bright,), _ = SkyAugment(rotate=False, flip=False, brightness=0.5, contrast=0)([blob * 0.5], y)
    ratio = (bright.sum(dim=(1, 2, 3)) / (blob * 0.5).sum(dim=(1, 2, 3))).numpy()
    assert np.all((ratio >= 0.5) & (ratio <= 1.5)) and ratio.std() > 0.01


class _Linear(nn.Module):
    """A deliberately orientation-sensitive model: logits are linear in the pixels."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.lin = nn.Linear(3 * 8 * 8, 4)

    def forward(self, x):
        return self.lin(x.flatten(1))


def test_predict_probabilities_and_tta_average():
    model = _Linear()
    x = torch.rand(5, 3, 8, 8)
    p = predict(model, x)
    np.testing.assert_allclose(p.sum(1), 1, atol=1e-6)
    # tta=True: by hand, the mean softmax over the 8 symmetries of the square
    views = [torch.rot90(v, k, (-2, -1)) for v in (x, x.flip(-1)) for k in range(4)]
    expected = torch.stack([torch.softmax(model(v), 1) for v in views]).mean(0).detach().numpy()
    np.testing.assert_allclose(predict(model, x, tta=True), expected, atol=1e-6)
    # tta=4 rotations by 90 deg (bilinear, but exact at quarter turns)
    expected4 = torch.stack([torch.softmax(model(torch.rot90(x, k, (-2, -1))), 1) for k in range(4)]).mean(0)
    np.testing.assert_allclose(predict(model, x, tta=4), expected4.detach().numpy(), atol=1e-5)
    # 4 quarter turns and their mirror images are the 8 symmetries again; mirror=True adds nothing to tta=True
    np.testing.assert_allclose(predict(model, x, tta=4, mirror=True), expected, atol=1e-5)
    np.testing.assert_allclose(predict(model, x, tta=True, mirror=True), expected, atol=1e-6)
    # 8 rotations by 45 deg + mirrors: 16 views, the mean of the mirrored and unmirrored 8-rotation averages
    half = (predict(model, x, tta=8) + predict(model, x.flip(-1), tta=8)) / 2
    np.testing.assert_allclose(predict(model, x, tta=8, mirror=True), half, atol=1e-5)
    # batching does not change the answer
    np.testing.assert_allclose(predict(model, x, tta=True, batch_size=2), expected, atol=1e-6)


@pytest.mark.parametrize(
    "images, match",
    [(np.zeros((2, 1, 8, 8), np.float32), r"\(n, 3, H, W\)"), (np.zeros((2, 3, 8, 8), np.uint8), "float")],
)
def test_predict_bad_input(images, match):
    with pytest.raises(ValueError, match=match):
        predict(_Linear(), images)
    with pytest.raises(ValueError, match="tta"):
        predict(_Linear(), np.zeros((1, 3, 8, 8), np.float32), tta=-2)


def test_training_overfits_64_examples():
    """The shared loop with the galaxy recipe must drive the loss down on a tiny, learnable set."""
    rng = np.random.default_rng(0)
    y = np.arange(64) % 2
    x = rng.random((64, 3, 32, 32)).astype(np.float32) * 0.2
    x[y == 1, 0] += 0.6  # class 1 is red
    cfg = TrainConfig(epochs=6, batch_size=16, lr=3e-3, augment=False, val_fraction=0.25, weight_decay=0.0)
    model, hist = train_classifier(x, y, ("blue", "red"), cfg, device="cpu", progress=False)
    assert isinstance(model, GalaxyClassifier)
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    assert accuracy(predict(model, x), y) > 0.9


def test_train_classifier_bad_labels():
    with pytest.raises(ValueError, match="labels must be in"):
        train_classifier(np.zeros((4, 3, 16, 16), np.float32), np.array([0, 1, 2, 5]), CLASSES4,
                         TrainConfig(epochs=1), device="cpu", progress=False)


def test_saliency_and_gradcam_shapes(small_model):
    x = np.random.default_rng(0).random((2, 3, 64, 64)).astype(np.float32)
    s = saliency(small_model, x)
    g = grad_cam(small_model, x)
    for m in (s, g):
        assert m.shape == (2, 64, 64) and m.min() >= 0 and m.max() <= 1 + 1e-6
    assert np.all(s.reshape(2, -1).max(1) == pytest.approx(1.0))


def test_pretrained_offline_fails_fast_with_advice(no_network, tmp_path, monkeypatch):
    """No cached ImageNet weights and no network: a clear error in well under a second, not a hang."""
    import time

    from coursekit.galaxies.model import build_model

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    t0 = time.perf_counter()
    with pytest.raises(RuntimeError, match="pretrained=False") as err:
        build_model(4, pretrained=True)
    assert time.perf_counter() - t0 < 5.0  # the socket guard answers at once; torch.hub alone would hang
    assert "resnet18-f37072fd.pth" in str(err.value)
    # a cached file is used without touching the network
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "resnet18-f37072fd.pth").write_bytes(b"")
    from coursekit.galaxies.model import _check_weights_available
    from coursekit.galaxies.resnet import IMAGENET_URL

    _check_weights_available(IMAGENET_URL)


def test_training_refuses_a_single_class():
    with pytest.raises(ValueError, match="single class"):
        train_classifier(np.zeros((4, 3, 16, 16), np.float32), np.zeros(4, int), CLASSES4,
                         TrainConfig(epochs=1), device="cpu", progress=False)


def test_transfer_setup_new_head_frozen_early_layers_and_optimiser(small_model):
    before = {n: p.detach().clone() for n, p in small_model.named_parameters()}
    new, opt = transfer_setup(small_model, ("a", "b", "c"), lr=1e-3, weight_decay=0.01)
    assert new is not small_model and new.classes == ("a", "b", "c")
    assert new.trunk.fc[4].out_features == 3 and new.trunk.fc[1].in_features == 512
    for name, p in new.named_parameters():
        assert p.requires_grad == (name.split(".")[1] not in EARLY_LAYERS), name
    optimised = {id(p) for g in opt.param_groups for p in g["params"]}
    assert optimised == {id(p) for p in new.parameters() if p.requires_grad}
    assert isinstance(opt, torch.optim.AdamW) and opt.param_groups[0]["lr"] == 1e-3
    # the pretrained network is untouched, and the copied trunk starts from its weights
    for n, p in small_model.named_parameters():
        assert p.requires_grad and torch.equal(p, before[n])
    assert torch.equal(new.trunk.layer3[0].conv1.weight, small_model.trunk.layer3[0].conv1.weight)


def test_predict_tta_by_hand_and_dihedral_views():
    model = _Linear()
    x = torch.rand(3, 3, 8, 8)
    views = dihedral_views(x)
    assert len(views) == 8 and torch.equal(views[1], torch.rot90(x, 1, (-2, -1))) and torch.equal(views[4], x.flip(-1))
    expected = torch.stack([torch.softmax(model(v), 1) for v in views]).mean(0)
    np.testing.assert_allclose(predict_tta(model, x).numpy(), expected.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(predict(model, x, tta=True), expected.detach().numpy(), atol=1e-6)


def test_predict_rotated_test_images():
    model = _Linear()
    x = torch.rand(2, 3, 8, 8)
    expected = torch.softmax(model(torch.rot90(x, 1, (-2, -1))), 1).detach().numpy()
    np.testing.assert_allclose(predict(model, x, angle=math.pi / 2), expected, atol=1e-5)


def test_mc_dropout_averages_head_samples(small_model):
    x = np.random.default_rng(0).random((3, 3, 32, 32)).astype(np.float32)
    p1 = predict(small_model, x)
    pm = predict_mc_dropout(small_model, x, n_samples=5, seed=1)
    assert pm.shape == p1.shape and np.allclose(pm.sum(1), 1, atol=1e-5)
    assert not np.allclose(pm, p1)  # dropout switched on in the head
    np.testing.assert_allclose(predict_mc_dropout(small_model, x, n_samples=5, seed=1), pm)  # seeded
    assert not small_model.trunk.fc.training  # switched back off
    # with the dropout probability set to 0 the MC average is the plain prediction
    quiet = build_model(CLASSES4, dropout=0.0).eval()
    np.testing.assert_allclose(predict_mc_dropout(quiet, x, n_samples=3), predict(quiet, x), atol=1e-5)


def test_fine_tune_trains_a_new_head_only_above_the_frozen_layers(small_model):
    rng = np.random.default_rng(0)
    y = np.arange(16) % 2
    x = rng.random((16, 3, 32, 32)).astype(np.float32) * 0.3
    x[y == 1, 0] += 0.6
    cfg = TrainConfig(epochs=1, batch_size=8, val_fraction=0.0, warmup_fraction=0.0, freeze_early=True)
    tuned, hist = fine_tune(small_model, x, y, ("blue", "red"), cfg, device="cpu", progress=False)
    assert tuned.classes == ("blue", "red") and hist.epochs == 1
    assert torch.equal(tuned.trunk.layer1[0].conv1.weight, small_model.trunk.layer1[0].conv1.weight)
    assert not torch.equal(tuned.trunk.layer4[0].conv1.weight, small_model.trunk.layer4[0].conv1.weight)


def test_model_file_roundtrip_and_refusals(tmp_path):
    from coursekit.checkpoint import ModelFileError
    from coursekit.checkpoint import save_model as save_other

    model = build_model(("a", "b", "c")).eval()
    path = save_model(model, tmp_path / "m.pt", size=32, crop=0.4, config=TrainConfig(epochs=2))
    loaded, meta = load_model(path)
    assert meta["classes"] == ["a", "b", "c"] and meta["size"] == 32 and meta["crop"] == 0.4
    assert meta["train"]["epochs"] == 2
    x = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), atol=1e-5)
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "none.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelFileError):
        load_model(junk)
    other = save_other(tmp_path / "gw.pt", topic="gw", state_dict={"w": torch.zeros(2)})
    with pytest.raises(ModelFileError, match="topic 'gw'"):
        load_model(other)


def test_mirror_labels_follow_flipped_images_in_training_and_test_time_views():
    import torch
    from torch import nn

    from coursekit.galaxies.model import SkyAugment, predict

    torch.manual_seed(0)
    # a chiral image: bright left half; its mirror has a bright right half
    x = torch.zeros(64, 3, 8, 8)
    x[..., :4] = 1.0
    y = torch.zeros(64, dtype=torch.long)
    for kw in ({}, {"scale": 0.05, "padding": "border"}):
        aug = SkyAugment(rotate=False, brightness=0.0, contrast=0.0, mirror_labels=[1, 0, 2], **kw)
        (xa,), ya = aug([x.clone()], y.clone())
        flipped = xa[:, 0, :, 6:].mean((1, 2)) > xa[:, 0, :, :2].mean((1, 2))
        assert 0 < int(flipped.sum()) < 64
        assert torch.equal(ya, flipped.long())  # the flipped images, and only they, changed class 0 -> 1
    (xa,), ya = SkyAugment(rotate=False, brightness=0.0, contrast=0.0)([x.clone()], y.clone())
    assert torch.equal(ya, y)  # without mirror_labels a flip keeps the label

    class LeftRight(nn.Module):  # class 0 when the left half is brighter, 1 when the right is, never 2
        def forward(self, v):
            d = v[:, 0, :, :4].mean((1, 2)) - v[:, 0, :, 4:].mean((1, 2))
            return torch.stack([10 * d, -10 * d, torch.full_like(d, -30.0)], 1)

        def parameters(self, recurse=True):
            return iter([torch.zeros(1)])

    img = x[:2].numpy()
    p_plain = predict(LeftRight(), img, mirror=True)  # the image and its mirror image
    p_mirror = predict(LeftRight(), img, mirror=True, mirror_labels=[1, 0, 2])
    assert abs(p_plain[0, 0] - p_plain[0, 1]) < 0.5  # averaging over flips washes the sense out
    assert p_mirror[0, 0] > 0.99  # mapped back, every view says class 0


def test_combined_proba_lets_the_network_split_a_mirror_pair():
    from coursekit.galaxies.model import combined_proba

    p_net = np.array([[0.6, 0.2, 0.2], [0.0, 0.0, 1.0]])  # clockwise, anticlockwise, elliptical
    p_forest = np.array([[0.3, 0.3, 0.4], [0.5, 0.1, 0.4]])  # the forest cannot see the sense of winding
    np.testing.assert_allclose(combined_proba(p_net, p_forest, 0.5), 0.5 * p_net + 0.5 * p_forest)
    both = combined_proba(p_net, p_forest, 0.5, mirror_labels=[1, 0, 2])
    np.testing.assert_allclose(both[0], [0.5 * 0.6 + 0.5 * 0.45, 0.5 * 0.2 + 0.5 * 0.15, 0.3])
    np.testing.assert_allclose(both[1], [0.15, 0.15, 0.7])  # the network says nothing of the pair: an even split
    np.testing.assert_allclose(both.sum(1), 1.0)
