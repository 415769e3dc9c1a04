"""Pipeline glue (coursekit.gw.pipeline): data sources, configs, banks, and the real-data scan."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from coursekit.gw import pipeline as pl


def test_configs_are_sized_by_mode():
    assert pl.get_config("reduced") is pl.REDUCED and pl.get_config("full") is pl.FULL
    assert pl.FULL.n_noise_eval >= 5 * pl.REDUCED.n_noise_eval and pl.FULL.epochs > pl.REDUCED.epochs
    assert pl.REDUCED.n_noise_eval * min(pl.REDUCED.faps) >= 1  # every FAP is measurable
    d = pl.REDUCED.to_dict()
    assert d["prior"]["mass_range"] == [10.0, 50.0]


def test_segments_absent_offline(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSEKIT_SHARED_DIR", str(tmp_path))
    assert pl.gw150914_segments("reduced") is None


def test_full_mode_uses_the_manifest(monkeypatch, tmp_path):
    from coursekit.gw.io import write_gwosc_hdf5

    paths = [write_gwosc_hdf5(tmp_path / n, np.zeros(64), 1126259446, 16.0, n[2:4]) for n in pl.GW150914_FILES]
    called = []
    monkeypatch.setattr("coursekit.data.fetch", lambda name: called.append(name) or paths)
    segs = pl.gw150914_segments("full")
    assert called == ["gw150914_strain"] and [s.detector for s in segs] == ["H1", "L1"]


def test_build_banks_are_independent_and_templates_cover_the_prior():
    cfg = replace(pl.REDUCED, n_train_waveforms=4, n_test_waveforms=6, n_template_candidates=30, max_templates=30)
    banks = pl.build_banks(cfg, pl.design_psds(cfg), seed=3)
    assert len(banks.train) == 4 and len(banks.test) == 6 and 3 <= len(banks.templates) <= 30
    assert not np.isin(banks.test.params["mass1"], banks.train.params["mass1"]).any()
    from coursekit.gw.matched_filter import fitting_factors

    ff = fitting_factors(banks.test, banks.templates, np.arange(6))
    assert np.median(ff) > 0.85


@pytest.mark.slow
@pytest.mark.shared_data
def test_cnn_scan_finds_gw150914(shared_real):
    """Train a small CNN on noise with the measured PSDs and find GW150914 within 0.1 s."""
    from coursekit.gw.scan import peak_time, prepare_strain, scan

    cfg = replace(pl.REDUCED, epochs=4, batches_per_epoch=24, n_train_waveforms=100, n_test_waveforms=2,
                  n_template_candidates=2, max_templates=1)
    prepared = prepare_strain(pl.gw150914_segments("reduced"), fs=cfg.fs)
    banks = pl.build_banks(cfg, prepared.psd_on_grid(int(cfg.seg_duration * cfg.fs)))
    train, _ = pl.samplers(cfg, banks)
    model, _ = pl.train_cnn(cfg, train, progress=False)
    times, logits = scan(model, prepared)
    assert abs(peak_time(times, logits) - pl.GW150914_GPS) < 0.1
    far = np.abs(times - pl.GW150914_GPS) > 1.0
    assert logits.max() > logits[far].max() + 5


def test_manifest_generators():
    from coursekit.data import generate
    from coursekit.gw.scan import prepare_strain

    b = generate("gw_bbh_injections", n=12, n_waveforms=3)
    assert b.x.shape == (12, 2, 2048) and set(np.unique(b.y)) <= {0.0, 1.0}
    segs = generate("gw150914_strain")
    assert [s.detector for s in segs] == ["H1", "L1"] and segs[0].duration == 32.0
    p = prepare_strain(segs)
    np.testing.assert_allclose(p.data.std(axis=1), 1.0, atol=0.03)


def test_context_sampler_geometry():
    """Windows with scan context: 224 samples of data each side, mergers in the inner window's range."""
    cfg = replace(pl.REDUCED, n_train_waveforms=2, n_test_waveforms=4, n_template_candidates=2, max_templates=1)
    banks = pl.build_banks(cfg, pl.design_psds(cfg))
    s = pl.context_sampler(cfg, banks.test, 224)
    assert s.n_samples == 2048 + 2 * 224
    _, p = s.signals(np.full(200, 10.0), np.random.default_rng(0))
    inner = p["t_merger"] - 224 / cfg.fs  # merger time within the inner window
    assert inner.min() >= cfg.merger_range[0] - 1e-9 and inner.max() <= cfg.merger_range[1] + 1e-9
    assert inner.max() - inner.min() > 0.5 * cfg.search_stride
    assert pl.scan_step(cfg, 32) == 1216 and pl.scan_step(cfg, 32) / cfg.fs <= cfg.search_stride
