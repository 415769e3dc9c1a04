"""Run mode (reduced / full), cache location, device choice and seeding.

Every switch the course has is read here and nowhere else:

``COURSEKIT_MODE``
    ``reduced`` (default: the cached real samples, else simulated stand-ins; offline, CPU-friendly) or
    ``full`` (the real data sets from ``data_manifest.yaml``; needs network the
    first time and benefits from a GPU).
``COURSEKIT_DATA_DIR``
    Where downloaded data sets are cached (default: the OS cache folder,
    e.g. ``~/.cache/coursekit``).
``COURSEKIT_DEVICE``
    Force a torch device (``cpu``, ``cuda``, ``cuda:1``, ``mps``).
``COURSEKIT_PROGRESS``
    ``0`` hides progress bars (used by CI and ``python -m coursekit run``).
``COURSEKIT_DEBUG``
    ``1`` makes ``python -m coursekit`` show the full traceback of an error
    instead of one line (like ``--debug``).

A value the course does not understand is an error that names the variable and
the accepted values (:class:`ConfigError`), never silently ignored;
:func:`check_settings` lists every such problem at once (``doctor`` prints them).
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


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def env_flag(name: str, default: bool) -> bool:
    """Read a yes/no environment variable (``1/true/yes/on`` or ``0/false/no/off``; unset or empty: ``default``).

    Raises :class:`ConfigError` naming the variable for any other value.
    """
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(
        f"{name}={os.environ[name]!r} is not understood: use 1 (or true/yes/on) or 0 (or false/no/off), or unset it"
    )


def show_progress() -> bool:
    """Whether long loops should draw progress bars (``COURSEKIT_PROGRESS=0`` hides them)."""
    return env_flag("COURSEKIT_PROGRESS", True)


def debug_enabled() -> bool:
    """Whether ``COURSEKIT_DEBUG`` asks for full tracebacks."""
    return env_flag("COURSEKIT_DEBUG", False)


def get_device(prefer: str | None = None):
    """Choose a torch device: ``prefer``, else ``$COURSEKIT_DEVICE``, else CUDA, then Apple MPS, then CPU.

    Raises ``ConfigError`` if a device is requested explicitly but is not available,
    rather than silently training on something else.
    """
    import torch

    source = "device" if prefer else "COURSEKIT_DEVICE"
    choice = prefer or os.environ.get("COURSEKIT_DEVICE", "").strip()
    if choice:
        try:
            device = torch.device(choice)
        except (RuntimeError, TypeError, ValueError):
            raise ConfigError(
                f"{source}={choice!r} is not a torch device: use cpu, cuda, cuda:1 or mps "
                "(or leave COURSEKIT_DEVICE unset to pick the best available)"
            ) from None
        if device.type not in ("cpu", "cuda", "mps"):
            raise ConfigError(f"{source}={choice!r}: the course runs on cpu, cuda or mps, not {device.type}")
        if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count() > 0:
            raise ConfigError(
                f"{source}={choice!r} but this machine has {torch.cuda.device_count()} CUDA device(s); "
                f"use cuda:0 .. cuda:{torch.cuda.device_count() - 1}"
            )
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ConfigError(
                f"{source}={choice!r} was requested but CUDA is not available here; use cpu or unset COURSEKIT_DEVICE"
            )
        if device.type == "mps" and not (
            getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
        ):
            raise ConfigError(
                f"{source}={choice!r} was requested but Apple MPS is not available here; use cpu or unset COURSEKIT_DEVICE"
            )
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


#: Every ``COURSEKIT_*`` variable the course reads; any other (except the test suite's ``COURSEKIT_TEST_*``)
#: is reported by :func:`check_settings` as a probable typo. Add a new variable here when code starts reading it.
KNOWN_VARIABLES: tuple[str, ...] = (
    "COURSEKIT_MODE",
    "COURSEKIT_DATA_DIR",
    "COURSEKIT_DEVICE",
    "COURSEKIT_PROGRESS",
    "COURSEKIT_DEBUG",
    "COURSEKIT_OFFLINE",
    "COURSEKIT_SR_ENGINE",
)


def check_settings() -> list[str]:
    """Every problem with the ``COURSEKIT_*`` environment variables, one line each (empty list: all fine).

    Unlike the accessors, which raise at the first bad value, this collects them
    all, so ``doctor`` can report a bad setting instead of aborting.
    """
    problems: list[str] = []
    for check in (get_mode, show_progress, debug_enabled, lambda: env_flag("COURSEKIT_OFFLINE", False)):
        try:
            check()
        except ConfigError as exc:
            problems.append(str(exc))
    if os.environ.get("COURSEKIT_DEVICE", "").strip():
        try:
            get_device()
        except ConfigError as exc:
            problems.append(str(exc))
    for name in sorted(os.environ):
        if name.startswith("COURSEKIT_") and name not in KNOWN_VARIABLES and not name.startswith("COURSEKIT_TEST_"):
            problems.append(
                f"{name} is set but the course does not read it (a typo?); known: {', '.join(KNOWN_VARIABLES)}"
            )
    return problems


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
        print("Reduced mode: the real samples where they are cached, simulated stand-ins elsewhere; runs offline "
              "in about a minute. Each data set says below which tier it uses. COURSEKIT_MODE=full for the full sets.")
    else:
        print(f"Full mode: the complete real data sets, downloaded once and cached in {cache_dir()}.")
    return info
