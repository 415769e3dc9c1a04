"""Run sizes: one accessor, frozen configs, nothing read at import."""

from __future__ import annotations

import dataclasses

import pytest

from coursekit.galaxies.config import FULL, REDUCED, Config, TrainConfig, get_config


def test_one_accessor_per_mode(monkeypatch):
    assert get_config("reduced") is REDUCED and get_config("full") is FULL
    monkeypatch.setenv("COURSEKIT_MODE", "full")
    assert get_config() is FULL  # read when called, not at import
    monkeypatch.setenv("COURSEKIT_MODE", "fast")
    with pytest.raises(ValueError, match="COURSEKIT_MODE"):
        get_config()


def test_configs_are_frozen_and_sized():
    assert isinstance(REDUCED, Config) and isinstance(REDUCED.train, TrainConfig)
    with pytest.raises(dataclasses.FrozenInstanceError):
        REDUCED.size = 10
    assert FULL.train.pretrained and not REDUCED.train.pretrained
    assert REDUCED.transfer.freeze_early and REDUCED.n_train < FULL.n_train
    assert 0 < REDUCED.real_fraction < 1
