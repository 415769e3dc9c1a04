"""Run mode (reduced / full), cache location, device choice and seeding.

Every switch the course has is read here and nowhere else:

``COURSEKIT_MODE``
    ``reduced`` (default: small generated data, offline, CPU-friendly) or
    ``full`` (the real data sets from ``data_manifest.yaml``; needs network the
    first time and benefits from a GPU).
``COURSEKIT_DATA_DIR``
    Where downloaded data sets are cached (default: the OS cache folder,
    e.g. ``~/.cache/coursekit``).
``COURSEKIT_DEVICE``
    Force a torch device (``cpu``, ``cuda``, ``cuda:1``, ``mps``).
``COURSEKIT_PROGRESS``
    ``0`` hides progress bars (used by CI and ``python -m coursekit run``).
"""

from __future__ import annotations

import os
import platform
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

Mode = Literal["reduced", "full"]
MODES: tuple[str, ...] = ("reduced", "full")

T = TypeVar("T")


class ConfigError(ValueError):
    """An environment variable or argument holds a value the course does not know."""


def get_mode(mode: str | None = None) -> Mode:
    """Return the run mode: ``mode`` if given, else ``$COURSEKIT_MODE``, else ``"reduced"``.

    Reduced is the default because it is the mode that always works: offline,
    on a 2-core laptop, in about a minute per notebook.
    """
    value = mode if mode is not None else os.environ.get("COURSEKIT_MODE", "reduced")
    value = value.strip().lower()
    if value not in MODES:
        raise ConfigError(
            f"Unknown COURSEKIT_MODE {value!r}: use 'reduced' (small offline data) or 'full' "
            "(the real data sets). Example: COURSEKIT_MODE=full jupyter lab"
        )
    return value  # type: ignore[return-value]


def sized(reduced: T, full: T, mode: str | None = None) -> T:
    """Pick the run-size variant for the current mode.

    Each topic keeps one frozen config object per mode and calls
    ``CONFIG = sized(ReducedConfig(), FullConfig())`` once, instead of scattering
    ``if FAST:`` through its cells.
    """
    return reduced if get_mode(mode) == "reduced" else full


def cache_dir() -> Path:
    """Folder where downloaded data sets are cached (created on demand).

    ``$COURSEKIT_DATA_DIR`` overrides the default, which is the operating
    system's user cache folder (``~/.cache/coursekit`` on Linux).
    """
    env = os.environ.get("COURSEKIT_DATA_DIR")
    if env:
        path = Path(env).expanduser()
    else:
        import pooch

        path = Path(pooch.os_cache("coursekit"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def show_progress() -> bool:
    """Whether long loops should draw progress bars (``COURSEKIT_PROGRESS=0`` hides them)."""
    return os.environ.get("COURSEKIT_PROGRESS", "1").strip().lower() not in {"0", "false", "no", "off"}


def get_device(prefer: str | None = None):
    """Choose a torch device: ``prefer``, else ``$COURSEKIT_DEVICE``, else CUDA, then Apple MPS, then CPU.

    Raises ``ConfigError`` if a device is requested explicitly but is not available,
    rather than silently training on something else.
    """
    import torch

    choice = prefer or os.environ.get("COURSEKIT_DEVICE")
    if choice:
        device = torch.device(choice)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(f"Device {choice!r} was requested but CUDA is not available here.")
        if device.type == "mps" and not (
            getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
        ):
            raise ConfigError(f"Device {choice!r} was requested but Apple MPS is not available here.")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 42, deterministic: bool = False) -> int:
    """Seed Python, NumPy and torch (all devices); return the seed.

    ``deterministic=True`` also asks cuDNN for deterministic kernels (slower).
    """
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    import numpy as np

    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency
        return seed
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
    return seed


def on_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


@dataclass(frozen=True)
class RunInfo:
    """What a notebook prints at the top: mode, device and the main versions."""

    mode: str
    device: str
    device_name: str
    python: str
    torch: str
    coursekit: str
    platform: str

    def __str__(self) -> str:
        return (
            f"mode: {self.mode} | device: {self.device} ({self.device_name}) | "
            f"coursekit {self.coursekit}, torch {self.torch}, python {self.python}"
        )


def run_info() -> RunInfo:
    """Collect mode, device and versions for the header of a notebook or a log."""
    import torch

    from coursekit import __version__

    device = get_device()
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    elif device.type == "mps":
        name = "Apple GPU"
    else:
        name = f"{os.cpu_count()} CPU cores"
    return RunInfo(
        mode=get_mode(),
        device=str(device),
        device_name=name,
        python=platform.python_version(),
        torch=torch.__version__,
        coursekit=__version__,
        platform=platform.platform(terse=True),
    )


def print_header(title: str | None = None) -> RunInfo:
    """Print the line every notebook starts with (mode and device) and return it."""
    info = run_info()
    if title:
        print(title)
    print(str(info))
    if info.mode == "reduced":
        print("Reduced mode: small generated data, runs offline. Set COURSEKIT_MODE=full for the real data sets.")
    else:
        print(f"Full mode: real data sets, cached in {cache_dir()}.")
    return info
