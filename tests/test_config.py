from __future__ import annotations

import numpy as np
import pytest
import torch

from coursekit import config


def test_mode_default_and_switch(monkeypatch):
    monkeypatch.delenv("COURSEKIT_MODE", raising=False)
    assert config.get_mode() == "reduced"
    monkeypatch.setenv("COURSEKIT_MODE", "FULL ")
    assert config.get_mode() == "full"
    assert config.sized("small", "big") == "big"
    monkeypatch.setenv("COURSEKIT_MODE", "tiny")
    with pytest.raises(config.ConfigError, match="Unknown COURSEKIT_MODE 'tiny'"):
        config.get_mode()


def test_cache_dir_override(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path / "c"))
    assert config.cache_dir() == tmp_path / "c" and (tmp_path / "c").is_dir()


def test_device_choice(monkeypatch):
    monkeypatch.delenv("COURSEKIT_DEVICE", raising=False)
    dev = config.get_device()
    assert dev.type in {"cpu", "cuda", "mps"}
    monkeypatch.setenv("COURSEKIT_DEVICE", "cpu")
    assert config.get_device() == torch.device("cpu")
    if not torch.cuda.is_available():
        with pytest.raises(config.ConfigError, match="CUDA is not available"):
            config.get_device("cuda")


def test_seed_everything_reproducible():
    config.seed_everything(7)
    a = (np.random.rand(3), torch.rand(3))
    config.seed_everything(7)
    b = (np.random.rand(3), torch.rand(3))
    assert np.array_equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_print_header(capsys, monkeypatch):
    monkeypatch.setenv("COURSEKIT_MODE", "reduced")
    info = config.print_header("Notebook X")
    out = capsys.readouterr().out
    assert "mode: reduced" in out and f"device: {info.device}" in out


def test_import_coursekit_is_light():
    import subprocess
    import sys

    code = "import sys, coursekit; bad=[m for m in ('torch','gwpy','pycbc','lightkurve','sbi') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
