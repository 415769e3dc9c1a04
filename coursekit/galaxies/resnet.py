"""ResNet18 (He et al. 2016, CVPR, arXiv:1512.03385), written out in plain PyTorch.

The same network as ``torchvision.models.resnet18``: the same modules under the same names (so a torchvision or
ImageNet state dict loads as it is), built in the same order and initialised the same way (so, after the same
``torch.manual_seed``, the same weights; ``tests/test_galaxies_resnet.py`` checks both against torchvision).

Why not import torchvision: on this course's CPU set-up, ``import torchvision`` loads its compiled extension and
adds about 170 MB to the resident memory of every process that builds a galaxy network (notebook 02 must stay
under Binder's 2 GB), and the lesson needs nothing else from it. The ImageNet weights are torchvision's file,
fetched with ``torch.hub`` into the same cache (``$TORCH_HOME/hub/checkpoints/resnet18-f37072fd.pth``), with the
same hash check.
"""

from __future__ import annotations

import torch
from torch import nn

#: torchvision's ``ResNet18_Weights.IMAGENET1K_V1`` (top-1 69.76 % on ImageNet-1k); the name ends in its sha256 prefix.
IMAGENET_URL = "https://download.pytorch.org/models/resnet18-f37072fd.pth"


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and a shortcut (projected by ``downsample`` when the shape changes)."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class ResNet18(nn.Module):
    """(n, 3, H, W) -> (n, num_classes): 7x7/2 stem + max-pool, four stages of two :class:`BasicBlock` s
    (64, 128, 256, 512 channels; stride 2 from the second stage on), global average pool, ``fc``."""

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, 1)
        self.layer2 = self._make_layer(128, 2)
        self.layer3 = self._make_layer(256, 2)
        self.layer4 = self._make_layer(512, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, planes: int, stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, kernel_size=1, stride=stride, bias=False),
                                       nn.BatchNorm2d(planes))
        first = BasicBlock(self.inplanes, planes, stride, downsample)
        self.inplanes = planes
        return nn.Sequential(first, BasicBlock(planes, planes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def resnet18(*, pretrained: bool = False, progress: bool = False) -> ResNet18:
    """A ResNet18 with random weights, or with torchvision's ImageNet weights (``pretrained``; downloaded once,
    ~45 MB, hash-checked, kept in torch.hub's cache)."""
    net = ResNet18()
    if pretrained:
        state = torch.hub.load_state_dict_from_url(IMAGENET_URL, progress=progress, check_hash=True)
        net.load_state_dict(state)
    return net
