"""Tests of coursekit.photoz.experiment: each step on a small stand-in, the effects of the experiments, the report."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from coursekit.photoz import experiment as E
from coursekit.photoz.config import REDUCED
from coursekit.photoz.model import MDNConfig

SMALL = replace(REDUCED, n_standin=2500, n_synthetic=2000, mdn=MDNConfig(hidden=(32, 32), epochs=8, patience=4),
                experiment_epochs=6, rf_trees=10, max_template_objects=150, template_n_interp=0, n_boot=50)


@pytest.fixture(scope="module")
def standin():
    import os

    os.environ["COURSEKIT_OFFLINE"] = "1"
    old = os.environ.get("COURSEKIT_DATA_DIR")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["COURSEKIT_DATA_DIR"] = tmp
        try:
            yield E.load_data(SMALL, "reduced")
        finally:
            os.environ.pop("COURSEKIT_OFFLINE")
            if old is None:
                os.environ.pop("COURSEKIT_DATA_DIR")
            else:
                os.environ["COURSEKIT_DATA_DIR"] = old


def test_data_step_says_which_tier(standin):
    assert standin.tier == "stand-in" and not standin.is_real and "stand-in" in standin.message
    assert len(standin.train) == 2000 and len(standin.test) == 500
    grid = standin.z_grid()
    assert grid[0] == 0 and grid[-1] >= 1.6 and np.allclose(np.diff(grid), 0.005)


def test_baselines_mdn_and_evaluation_on_the_same_galaxies(standin):
    preds = {"mdn": E.train_mdn(standin, SMALL, progress=False), **E.fit_baselines(standin, SMALL)}
    ev = E.evaluate(standin, preds, SMALL)
    assert set(ev.metrics) == {"mdn", "knn", "rf"}
    assert "crps" in ev.metrics["knn"] and "crps" not in ev.metrics["rf"]
    for m in ev.metrics.values():
        assert 0 < m["nmad"].value < 0.3 and m["nmad"].err > 0
    d = ev.differences[("mdn", "rf", "nmad")]
    assert d.value == pytest.approx(ev.metrics["mdn"]["nmad"].value - ev.metrics["rf"]["nmad"].value)
    assert "sigma" in ev.verdict("mdn", "rf", "nmad") and "random forest" in ev.table()


def test_one_component_cannot_be_calibrated_for_bimodal_redshifts(standin):
    """A stand-in with two equally likely redshifts per colour: K = 1 has a worse PIT and CRPS than K = 5."""
    from coursekit.photoz.simulate import PhotometryCatalog

    rng = np.random.default_rng(0)
    n = 3000
    x = rng.uniform(0, 1, (n, 5))
    z = np.where(rng.random(n) < 0.5, 0.2 + 0.1 * x[:, 0], 0.8 + 0.1 * x[:, 0]) + 0.01 * rng.standard_normal(n)
    cat = PhotometryCatalog(18 + x, np.full((n, 5), 0.05), z)
    tr, te = cat.split(0.8, seed=0)
    data = E.PhotozData(tr, te, "stand-in", "bimodal toy")
    cfg = replace(SMALL, experiment_epochs=25, mdn=replace(SMALL.mdn, patience=25, lr=5e-3))
    res = E.compare_components(data, cfg, progress=False)
    crps, ks = res.effects["crps"].difference, res.effects["pit_ks"].difference
    assert crps.value > 2 * crps.err and ks.value > 2 * ks.err  # K=1 minus K=5: worse, significantly
    assert set(res.arms) == {"K=1", "K=5"} and "K=1 minus K=5" in str(res)


def test_domain_shift_and_errors_experiments_run_and_measure_on_the_right_rows(standin):
    shift = E.domain_shift(standin, SMALL, progress=False)
    r_cut = E.bright_faint_split(standin.train)
    assert np.all(standin.test.mag[shift.rows, 2] >= r_cut)
    assert shift.effects["nmad"].difference.err > 0
    err = E.errors_as_input(standin, SMALL, progress=False, seeds=(0, 1))
    assert err.arms["errors"].model.model.x_mean.numel() == 14 and err.arms["no errors"].model.model.x_mean.numel() == 9
    per_seed = [e.difference.value for e in err.repeats["pit_ks"]]
    assert len(per_seed) == 2 and per_seed[0] != per_seed[1]  # each seed trains its own pair
    assert err.effects["pit_ks"].difference.value == pytest.approx(np.mean(per_seed))
    with pytest.raises(ValueError, match="raise r_cut"):
        E.domain_shift(standin, SMALL, r_cut=5.0)


def test_template_lesson_scores_every_method_on_the_fitted_galaxies():
    res = E.template_lesson(SMALL, progress=False)
    assert set(res.predictions) == {"mdn", "knn", "template", "template_prior"}
    assert len(res.evaluation.z_spec) == 150 and res.predictions["template"].rows.size == 150
    assert res.predictions["template_prior"].name.startswith("template chi2 + BPZ-style prior")
    assert len(res.all_predictions["mdn"].z_phot) == len(res.data.test)


def test_run_returns_a_strict_json_report(monkeypatch, tmp_path, capsys):
    import json

    from coursekit.experiment import Report

    monkeypatch.setenv("COURSEKIT_OFFLINE", "1")
    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(E, "get_config", lambda mode=None: SMALL)
    rep = E.run("reduced")
    assert isinstance(rep, Report) and rep.tiers == {"sdss_boss_dr10_photoz": "stand-in"}
    assert {"mdn_nmad", "rf_nmad", "knn_crps"} <= set(rep.metrics)
    assert {c.metric for c in rep.comparisons} >= {"nmad", "outlier_fraction", "crps"}
    assert set(rep.timings) == {"data", "baseline", "train", "evaluate"}
    json.loads(json.dumps(rep.to_dict(), allow_nan=False))
    assert "stand-in" not in capsys.readouterr().out  # the data line goes to stderr: stdout stays JSON


def test_seed_average_adds_the_seed_scatter_to_the_bootstrap_error():
    from coursekit.metrics import Measurement

    def effect(d, err):
        return E.Effect("e", "pit_ks", "a", "b", Measurement(0.1 + d, err), Measurement(0.1, err), Measurement(d, err))

    avg = E.seed_average([effect(-0.03, 0.005), effect(0.01, 0.005), effect(0.02, 0.005)])
    d = np.array([-0.03, 0.01, 0.02])
    assert avg.difference.value == pytest.approx(d.mean())
    assert avg.difference.err == pytest.approx(np.sqrt(d.var(ddof=1) / 3 + 0.005**2))
    assert E.seed_average([effect(0.02, 0.004)]).difference.err == pytest.approx(0.004)
    with pytest.raises(ValueError, match="at least one"):
        E.seed_average([])
