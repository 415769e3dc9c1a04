"""coursekit.training.fit under torchrun: two CPU processes on gloo end with identical weights and a falling loss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from coursekit.training import distributed_env, is_main_process

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import numpy as np
    import torch
    from torch import nn
    from coursekit.training import fit, make_loaders, distributed_env

    out = sys.argv[1]
    env = distributed_env()
    rank = env.rank if env else 0
    torch.manual_seed(100 + rank)  # different initial weights per rank: DDP must broadcast rank 0's
    rng = np.random.default_rng(0)  # the same data on every rank; each trains on its share
    x = rng.normal(size=(512, 6)).astype("float32")
    y = (x @ np.arange(1, 7) > 0).astype("int64")
    train, val = make_loaders(x, y, batch_size=32, val_fraction=0.25, seed=0)
    model = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
    acc = lambda o, t: float((o.argmax(1) == t).float().mean())
    hist = fit(model, train, val, loss_fn=nn.functional.cross_entropy, epochs=6, lr=1e-2,
               metrics={"acc": acc}, checkpoint=os.path.join(out, "best.pt"), progress=True)
    import torch.distributed as dist
    torch.save({k: v for k, v in model.state_dict().items()}, os.path.join(out, f"rank{rank}.pt"))
    with open(os.path.join(out, f"rank{rank}.json"), "w") as fh:
        json.dump({"world": env.world_size if env else 1, "group_left": not dist.is_initialized(),
                   **hist.to_dict(), "samples_seen": hist.samples_seen}, fh)
    """
)


def test_two_cpu_processes_train_identically(tmp_path):
    script = tmp_path / "train_ddp.py"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if k not in ("WORLD_SIZE", "RANK", "LOCAL_RANK")}
    env.update(OMP_NUM_THREADS="1", COURSEKIT_DEVICE="cpu", PYTHONWARNINGS="ignore")
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(script),
         str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    h0, h1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    w0, w1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert h0["world"] == h1["world"] == 2
    assert h0["group_left"] and h1["group_left"]  # fit destroyed the process group it created
    for k in w0:
        assert torch.equal(w0[k], w1[k]), f"ranks differ in {k}"
    # losses and metrics are averaged over both ranks, so both histories agree
    assert h0["train_loss"] == pytest.approx(h1["train_loss"], rel=1e-12)
    assert h0["val_loss"] == pytest.approx(h1["val_loss"], rel=1e-12)
    assert h0["train_loss"][-1] < 0.5 * h0["train_loss"][0]
    assert h0["metrics"]["acc"][-1] > 0.85
    # each epoch saw the 384 training examples once across the two ranks (192 each)
    assert h0["samples_seen"] == 6 * 384
    best = torch.load(tmp_path / "best.pt", weights_only=True)
    assert all(torch.equal(best[k], w0[k]) for k in w0)  # restored best weights = rank 0's checkpoint
    # the progress bar is drawn once (rank 0), not twice
    assert proc.stderr.count("| 0/6 [00:00<?, ?it/s]\n") == 1, proc.stderr[-2000:]


def test_distributed_env(monkeypatch):
    for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(k, raising=False)
    assert distributed_env() is None and is_main_process()
    monkeypatch.setenv("WORLD_SIZE", "1")
    assert distributed_env() is None
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("LOCAL_RANK", "0")
    env = distributed_env()
    assert (env.rank, env.world_size, env.local_rank) == (2, 4, 0) and not is_main_process()
    monkeypatch.setenv("RANK", "4")
    with pytest.raises(ValueError, match="outside"):
        distributed_env()
