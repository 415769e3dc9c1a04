"""Shared test fixtures: reduced mode, no network, a seeded RNG, the real samples when present."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest


def _shared_dir() -> Path | None:
    from coursekit.data import shared_real_dir

    return shared_real_dir()


@pytest.fixture
def shared_real() -> Path:
    """Path of ../shared/data/real; the test is skipped where it does not exist."""
    path = _shared_dir()
    if path is None:
        pytest.skip("real samples (../shared/data/real) not present in this checkout")
    return path


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


