"""The lesson's steps on a tiny run size: typed results, paired comparisons, the Report, the stand-in path."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from coursekit.galaxies import experiment as E
from coursekit.galaxies.config import REDUCED, TrainConfig
from coursekit.metrics import Measurement

TINY = replace(
    REDUCED, size=24, n_train=48, n_test=32, forest_trees=10, tta=4, n_boot=50, mc_samples=3,
    train=TrainConfig(epochs=1, batch_size=16, val_fraction=0.25),
    transfer=TrainConfig(epochs=1, batch_size=16, val_fraction=0.0, warmup_fraction=0.0, freeze_early=True),
    scratch=TrainConfig(epochs=1, batch_size=16, val_fraction=0.0),
    experiment_n=32, experiment_size=24, experiment_train=TrainConfig(epochs=1, batch_size=16, val_fraction=0.0),
)


@pytest.fixture(scope="module")
def offline_cache(tmp_path_factory):
    """An empty cache and no downloads: the real data resolve to the stand-in."""
    mp = pytest.MonkeyPatch()
    mp.setenv("COURSEKIT_DATA_DIR", str(tmp_path_factory.mktemp("cache")))
    mp.setenv("COURSEKIT_OFFLINE", "1")
    yield
    mp.undo()


@pytest.fixture(scope="module")
def steps(offline_cache):
    real = E.load_real_data(replace(TINY), mode="reduced")
    sim = E.simulate(TINY)
    forest = E.simulated_baseline(sim, TINY)
    trained = E.train_cnn(sim, TINY, progress=False)
    return real, sim, forest, trained


def test_real_data_step_splits_the_stand_in(steps):
    real, *_ = steps
    assert real.cutouts.tier == "stand-in" and "stand-in" in real.cutouts.message
    assert len(np.intersect1d(real.train_idx, real.test_idx)) == 0
    assert len(real.train) + len(real.test) == len(real.cutouts)


def test_simulation_cnn_and_baseline_results(steps):
    _, sim, forest, trained = steps
    assert sim.rgb_train.shape == (48, 3, 24, 24) and sim.counts_test.shape == (32, 3, 24, 24)
    assert isinstance(forest.accuracy, Measurement) and forest.probs.shape == (32, 4)
    ev = E.evaluate_cnn(trained, sim, forest, TINY)
    assert ev.probs.shape == ev.probs_tta.shape == (32, 4)
    assert ev.tta_gain.value == pytest.approx(ev.accuracy_tta.value - ev.accuracy.value)
    assert ev.tta_gain.err >= 0 and ev.accuracy.err > 0


def test_transfer_from_the_simulation_model(steps, no_network):
    real, _, _, trained = steps
    rb = E.real_baseline(real, TINY)
    source, name = E.pretrained_source(trained, TINY, use_imagenet=False)
    assert source is trained.model and "simulated" in name
    tl = E.transfer(real, source, TINY, rb, source_name=name, progress=False)
    assert tl.model.classes == real.cutouts.classes and trained.model.classes != tl.model.classes
    assert tl.probs_transfer.shape == (len(real.test_idx), 3)
    assert tl.gain.value == pytest.approx(tl.accuracy_transfer.value - tl.accuracy_scratch.value)
    assert tl.accuracy_zero_shot is not None  # the simulation model knows the three real class names
    assert np.allclose(tl.probs_zero_shot.sum(1), 1)


def test_pretrained_source_offline_falls_back_with_one_line(steps, no_network, capsys, tmp_path, monkeypatch):
    import torch

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    *_, trained = steps
    source, name = E.pretrained_source(trained, TINY)
    out = capsys.readouterr().out.strip().splitlines()
    assert source is trained.model and len(out) == 1 and "not available" in out[0]
    with pytest.raises(ValueError, match="train_cnn first"):
        E.pretrained_source(None, TINY, use_imagenet=False)


def test_experiments_return_paired_effects(steps):
    _, sim, _, trained = steps
    cal = E.calibration_experiment(trained, sim, TINY)
    assert cal.ece_change.value == pytest.approx(cal.ece_mc.value - cal.ece_single.value)
    a = E.rotation_experiment(TINY, rotate=True)
    b = E.rotation_experiment(TINY, rotate=False)
    assert a.rotate and not b.rotate and np.array_equal(a.labels, b.labels)
    eff = E.rotation_effect(a, b, TINY)
    assert eff.value == pytest.approx(a.accuracy_rotated.value - b.accuracy_rotated.value)
    other = replace(b, labels=b.labels[::-1].copy())
    with pytest.raises(ValueError, match="different galaxies"):
        E.rotation_effect(a, other, TINY)


def test_run_report_is_strict_json(offline_cache, monkeypatch):
    monkeypatch.setattr(E, "get_config", lambda mode=None: TINY)
    report = E.run("reduced", experiments=False)
    d = report.to_dict()
    json.loads(json.dumps(d, allow_nan=False))
    assert d["tiers"]["galaxy_zoo1_cutouts"] == "stand-in"
    assert len(d["comparisons"]) == 2 and {"train", "transfer", "real data"} <= set(d["timings"])
    assert all("err" in m for m in d["metrics"].values())
