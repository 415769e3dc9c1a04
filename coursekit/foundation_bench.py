"""Benchmarks of the shared machinery (registered under the topic ``foundation``)."""

from __future__ import annotations

import time

from coursekit.bench import benchmark


@benchmark("foundation", "training_loop_throughput")
def training_loop_throughput() -> dict:
    """Samples/s of coursekit.training.fit on a small CNN (64x64x3 images) versus a bare torch loop."""
    import torch
    from torch import nn

    from coursekit.config import get_device, seed_everything
    from coursekit.training import fit

    seed_everything(0)
    device = get_device()
    n = 2048
    x = torch.randn(n, 3, 64, 64)
    y = torch.randint(0, 4, (n,))

    def make_model() -> nn.Module:
        return nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 16 * 16, 4),
        )

    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=128, shuffle=True)
    loss_fn = nn.CrossEntropyLoss()
    epochs = 2

    # bare loop: the floor the shared loop is measured against
    model = make_model().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    for _ in range(epochs):
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    bare = n * epochs / (time.perf_counter() - t0)

    model = make_model()
    hist = fit(model, loader, loader, loss_fn=loss_fn, epochs=epochs, device=device, progress=False)
    shared = hist.samples_per_second
    return {
        "device": str(device),
        "threads": torch.get_num_threads(),
        "samples": n,
        "shared_loop_samples_per_s": round(shared, 1),
        "bare_loop_samples_per_s": round(bare, 1),
        "overhead_fraction": round(1 - shared / bare, 3),
    }
