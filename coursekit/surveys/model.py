"""The machine side of the lesson: how fast a CNN classifies galaxy cut-outs on this machine.

Nothing is trained: the lesson measures inference throughput of the ResNet18 that notebook 02 trains
(He et al. 2016), on random 3-band cut-outs, timed live so students see their own hardware.
"""

from __future__ import annotations

import statistics
import time

import astropy.units as u

from coursekit.metrics import Measurement


def build_classifier(arch: str = "resnet18", n_classes: int = 4):
    """An untrained torchvision ``arch`` with ``n_classes`` outputs, in eval mode."""
    import torchvision

    if not hasattr(torchvision.models, arch):
        raise ValueError(f"unknown torchvision architecture {arch!r}; try 'resnet18'")
    return getattr(torchvision.models, arch)(weights=None, num_classes=n_classes).eval()


def _time_once(model, x, n_images: int, device) -> float:
    import torch

    done = 0
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    while done < n_images:
        model(x)
        done += x.shape[0]
    if device.type == "cuda":
        torch.cuda.synchronize()
    return done / (time.perf_counter() - t0)


def measure_throughput(n_images: int = 256, size: int = 64, batch_size: int = 64, n_repeats: int = 5,
                       device=None, arch: str = "resnet18", seed: int = 0) -> Measurement:
    """Images per second (mean ± standard error of ``n_repeats`` timings) an ``arch`` classifies here.

    Each timing classifies ``n_images`` cut-outs of ``size`` x ``size`` pixels and 3 bands in batches of
    ``batch_size``, after one warm-up batch; eval mode, no gradients.
    """
    import torch
    from tqdm.auto import tqdm

    from coursekit.config import get_device, show_progress

    if min(n_images, size, batch_size, n_repeats) < 1:
        raise ValueError("n_images, size, batch_size and n_repeats must all be >= 1")
    device = torch.device(device) if device is not None else get_device()
    model = build_classifier(arch).to(device)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch_size, 3, size, size, generator=gen).to(device)
    with torch.inference_mode():
        model(x)  # warm-up
        rates = [_time_once(model, x, n_images, device)
                 for _ in tqdm(range(n_repeats), desc=f"timing {arch} at {size} px", unit="timing",
                               disable=not show_progress(), leave=False)]
    mean = statistics.fmean(rates)
    err = statistics.stdev(rates) / len(rates) ** 0.5 if len(rates) > 1 else 0.0
    return Measurement(mean, err, "1/s")


def measure_cnn_throughput(n_images: int = 256, size: int = 64, batch_size: int = 64, device=None,
                           arch: str = "resnet18") -> u.Quantity:
    """Images per second as a Quantity (one timing; see :func:`measure_throughput` for the uncertainty)."""
    m = measure_throughput(n_images, size, batch_size, n_repeats=1, device=device, arch=arch)
    return m.value * u.one / u.s
