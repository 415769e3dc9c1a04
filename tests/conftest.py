"""Shared test fixtures: reduced mode, no network, a seeded RNG, the real samples when present."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

SHARED_REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


@pytest.fixture
def shared_real() -> Path:
    """Path of ../shared/data/real (the source the session cache was seeded from); skipped where absent."""
    if not SHARED_REAL.is_dir():
        pytest.skip("real samples (../shared/data/real) not present in this checkout")
    return SHARED_REAL


@pytest.fixture
def real_sample():
    """``real_sample(name)`` -> the :class:`coursekit.data.Resolved` sample tier from the session cache.

    The session cache is seeded from ../shared/data/real where it exists (see the root conftest); in a
    student's clone it is empty and the test is skipped.
    """
    from coursekit.data import resolve

    def get(name: str, mode: str = "reduced"):
        r = resolve(name, mode=mode, download=False, verbose=False) if mode == "reduced" else None
        if r is None:
            from coursekit.data import OfflineError

            try:
                r = resolve(name, mode="full", download=False, verbose=False)
            except OfflineError:
                pytest.skip(f"{name}: real files not in the test cache (no ../shared/data/real here)")
        if not r.is_real:
            pytest.skip(f"{name}: real sample not in the test cache (no ../shared/data/real here)")
        return r

    return get


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def _seed():
    from coursekit.config import seed_everything

    seed_everything(0)


class _NoNetwork(OSError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Make every outbound socket connection fail at once, as on an offline machine."""

    def guard(*args, **kwargs):
        raise _NoNetwork("network disabled in tests")

    monkeypatch.setattr(socket, "create_connection", guard)
    monkeypatch.setattr(socket.socket, "connect", guard)
    return guard


