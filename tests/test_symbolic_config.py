"""coursekit.symbolic.config: one accessor, nothing read at import."""

from __future__ import annotations

import pytest

from coursekit.config import ConfigError
from coursekit.symbolic import config as C


def test_get_config_follows_the_mode(monkeypatch):
    assert C.get_config("reduced") is C.REDUCED and C.get_config("full") is C.FULL
    monkeypatch.setenv("COURSEKIT_MODE", "full")
    assert C.get_config() is C.FULL
    monkeypatch.setenv("COURSEKIT_MODE", "huge")
    with pytest.raises(ConfigError):
        C.get_config()
    assert C.FULL.population_size >= C.REDUCED.population_size and len(C.REDUCED.sweep_noise) >= 2
