"""Tests of coursekit.astro.config."""

from __future__ import annotations

from coursekit.astro.config import FULL, REDUCED, get_config


def test_config_per_mode():
    assert get_config("reduced") is REDUCED and get_config("full") is FULL
    assert FULL.field_shape[0] > REDUCED.field_shape[0] and REDUCED.stamp_size % 2 == 1

def test_config_is_read_at_call_time(monkeypatch):
    monkeypatch.setenv("COURSEKIT_MODE", "full")
    assert get_config() is FULL
    monkeypatch.setenv("COURSEKIT_MODE", "reduced")
    assert get_config() is REDUCED

