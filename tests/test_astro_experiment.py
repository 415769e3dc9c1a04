"""Tests of coursekit.astro.experiment: each step alone on a tiny configuration, and run() -> Report."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from coursekit.astro.config import AstroConfig
from coursekit.astro.experiment import (
    detection_scan,
    evaluate,
    fit_baselines,
    locate_cluster,
    neighbour_effect,
    simulate_data,
    train,
)

TINY = AstroConfig(field_shape=(160, 160), n_stars=20, n_galaxies=20, n_train_fields=2, n_test_fields=1,
                   stamp_size=15, epochs=2, batch_size=32, n_boot=50)


@pytest.fixture(scope="module")
def tiny_data():
    return simulate_data(TINY, train_seeds=(1, 2), test_seeds=(7,))


def test_steps_on_a_tiny_configuration(tiny_data):
    data = tiny_data
    assert len(data.train) > 40 and len(data.test) > 20 and data.test_seeds == (7,)
    base = fit_baselines(data)
    assert base.p_rf.shape == (len(data.test),) and base.pred_concentration.dtype == bool
    trained = train(data, TINY, progress=False)
    assert trained.history.epochs == 2
    ev = evaluate(data, trained, base, n_boot=50)
    assert set(ev.accuracy) == {"CNN", "random forest", "concentration cut"}
    for m in ev.accuracy.values():
        assert 0 <= m.value <= 1 and m.err > 0
    assert ev.accuracy["random forest"].value > 0.8  # bright sources on a clean simulation are easy for the forest
    assert np.all((ev.p_cnn >= 0) & (ev.p_cnn <= 1)) and len(ev.by_mag["CNN"]) == len(ev.bins) - 1
    # the paired difference is the difference of the accuracies on the same sources
    d = ev.cnn_minus["random forest"]
    assert d.value == pytest.approx(ev.accuracy["CNN"].value - ev.accuracy["random forest"].value, abs=1e-12)


def test_neighbour_effect_is_the_paired_difference_on_crowded_and_clean_stamps(tiny_data):
    data = tiny_data
    masked = train(data, TINY, progress=False)
    raw = train(data, TINY, progress=False, mask_neighbours=False)
    assert masked.mask_neighbours and not raw.mask_neighbours
    ne = neighbour_effect(data, masked, raw, n_boot=50)
    t = data.test.table
    bright = np.asarray(t["mag_true"]) <= data.spec.mag_limit
    crowded = np.asarray(t["n_neighbour_px"]) > 0
    assert ne.n_with == int((bright & crowded).sum()) > 0 and ne.n_with + ne.n_without == int(bright.sum())
    assert ne.with_neighbour.value == pytest.approx(ne.accuracy_masked.value - ne.accuracy_raw.value, abs=1e-12)
    # the clean stamps are identical with and without masking: only training differs there
    ds_m, ds_r = data.test.dataset(), data.test.dataset(mask_neighbours=False)
    clean = np.nonzero(~crowded)[0]
    assert torch.equal(ds_m.x[clean], ds_r.x[clean]) and not torch.equal(ds_m.x, ds_r.x)
    with pytest.raises(ValueError, match="mask_neighbours=True first"):
        neighbour_effect(data, raw, masked)


def test_simulate_data_refuses_shared_seeds():
    with pytest.raises(ValueError, match="share seeds"):
        simulate_data(TINY, train_seeds=(1, 2), test_seeds=(2,))


def test_detection_scan_lower_threshold_more_complete_and_more_false():
    from coursekit.astro.simulate import simulate_field

    f = simulate_field(seed=4, shape=(192, 192), n_stars=30, n_galaxies=30)
    low, high = detection_scan((0.5, 3.0), field=f)
    assert low.completeness_all.value > high.completeness_all.value
    assert low.false_detections.value > high.false_detections.value
    assert low.n_detected > high.n_detected


def test_locate_cluster_on_the_stand_in(monkeypatch, tmp_path, no_network):
    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    res = locate_cluster(n_boot=10)
    assert res.plate.tier == "stand-in"
    assert res.offset.value < 1.5 and res.offset.err > 0 and res.offset.unit == "arcmin"


@pytest.mark.slow
def test_run_report_is_strict_json(monkeypatch, tmp_path, no_network):
    import coursekit.astro.experiment as ex

    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(ex, "get_config", lambda mode=None: TINY)
    report = ex.run("reduced")
    d = report.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["topic"] == "astro" and d["tiers"]["dss_m67_image"] == "stand-in"
    assert len(d["comparisons"]) == 3 and {"data", "train", "evaluate", "baseline", "neighbours"} <= set(d["timings"])
    assert any("stand-in" in n for n in d["notes"])
