"""Tests of coursekit.photoz.config: one accessor, frozen sizes, full mode = the benchmark's reference sizes."""

from __future__ import annotations

import dataclasses

import pytest

from coursekit.photoz import config as C


def test_get_config_follows_the_mode(monkeypatch):
    assert C.get_config("reduced") is C.REDUCED and C.get_config("full") is C.FULL
    monkeypatch.setenv("COURSEKIT_MODE", "full")
    assert C.get_config() is C.FULL
    monkeypatch.setenv("COURSEKIT_MODE", "huge")
    with pytest.raises(ValueError, match="COURSEKIT_MODE"):
        C.get_config()


def test_sizes_are_frozen_and_full_is_the_reference_run():
    with pytest.raises(dataclasses.FrozenInstanceError):
        C.REDUCED.rf_trees = 5
    # the BOSS reference measurement: 128x3 MDN, 40 epochs, patience 8, 200 trees, nine features
    assert C.FULL.mdn.hidden == (128, 128, 128) and C.FULL.mdn.epochs == 40 and C.FULL.mdn.patience == 8
    assert C.FULL.rf_trees == 200 and not C.FULL.mdn_errors and C.FULL.z_min == 0.005
    assert C.REDUCED.mdn.epochs < C.FULL.mdn.epochs and C.REDUCED.n_boot < C.FULL.n_boot
