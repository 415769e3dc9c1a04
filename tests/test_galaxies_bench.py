"""The cheap benchmark runs and reports against its target; the expensive ones share the experiment's steps."""

from __future__ import annotations

import pytest

from coursekit.galaxies import bench


def test_simulator_speed_benchmark_reports():
    r = bench.simulator_speed()
    assert r["images"] == 2000 and r["images_per_s"] > 0 and isinstance(r["passed"], bool)


def test_bench_size_is_round_ones():
    assert (bench.BENCH.n_train, bench.BENCH.n_test, bench.BENCH.size, bench.BENCH.train.epochs) == (4000, 1000, 64, 5)


def test_folder_benchmark_scores_every_split_and_refuses_to_pass_on_the_stand_in(monkeypatch):
    from dataclasses import replace

    from coursekit.galaxies import config, data

    monkeypatch.setattr(bench, "FOLDER_SPLITS", 2)
    monkeypatch.setattr(config, "FOLDER_TRAIN", replace(config.FOLDER_TRAIN, epochs=1, members=2, width=4,
                                                              pretrain_n=24, pretrain_epochs=1))
    monkeypatch.setattr(data, "load_gz1_cutouts",
                        lambda size, crop, mode=None: data.simulated_cutouts(48, size=size, seed=3))
    r = bench.folder_cnn_vs_forest()
    assert r["tier"] == "stand-in" and r["passed"] is False and r["splits"] == 2
    assert len(r["cnn_minus_forest_per_split"]) == 2
    diffs = [c - f for c, f in zip(r["cnn_accuracy_per_split"], r["forest_accuracy_per_split"])]
    assert r["cnn_minus_forest_per_split"] == pytest.approx(diffs, abs=2e-4)
    assert r["n_train"] + r["n_test"] == 48 and r["cnn_minus_forest_mean"]["err"] >= 0
    assert len(r["combined_accuracy_per_split"]) == 2 and r["combined_minus_forest_mean"]["err"] >= 0
    both = [c - f for c, f in zip(r["combined_accuracy_per_split"], r["forest_accuracy_per_split"])]
    assert r["combined_minus_forest_mean"]["value"] == pytest.approx(sum(both) / 2, abs=2e-4)
