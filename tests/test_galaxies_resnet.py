"""The plain-PyTorch ResNet18 is torchvision's network: same parameter names and shapes, same initial weights
after the same seed, same outputs for the same weights, and it never imports torchvision."""

import subprocess
import sys

import pytest
import torch

from coursekit.galaxies.resnet import IMAGENET_URL, ResNet18, resnet18


def test_same_weights_as_torchvision_after_the_same_seed():
    tv = pytest.importorskip("torchvision.models")
    torch.manual_seed(3)
    ours = resnet18().state_dict()
    torch.manual_seed(3)
    theirs = tv.resnet18(weights=None).state_dict()
    assert list(ours) == list(theirs)
    for k in ours:
        assert ours[k].shape == theirs[k].shape, k
        assert torch.equal(ours[k], theirs[k]), k


def test_same_outputs_as_torchvision_for_the_same_weights():
    tv = pytest.importorskip("torchvision.models")
    torch.manual_seed(0)
    theirs = tv.resnet18(weights=None)
    ours = ResNet18()
    ours.load_state_dict(theirs.state_dict())  # strict: every key matches
    x = torch.rand(3, 3, 48, 48)
    with torch.no_grad():
        ours.train()  # batch statistics, then the running averages they update
        theirs.train()
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-5, atol=1e-5)
        ours.eval(), theirs.eval()
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-5, atol=1e-5)
    assert sum(p.numel() for p in ours.parameters()) == 11_689_512  # torchvision's figure for ResNet18


def test_imagenet_url_is_torchvisions():
    tv = pytest.importorskip("torchvision.models")
    assert IMAGENET_URL == tv.ResNet18_Weights.IMAGENET1K_V1.url


def test_building_a_galaxy_network_does_not_import_torchvision():
    code = ("import sys; from coursekit.galaxies.model import build_model; build_model(3); "
            "print('torchvision' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
