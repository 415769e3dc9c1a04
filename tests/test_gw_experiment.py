"""The lesson's steps (coursekit.gw.experiment) on a tiny configuration, and the config accessor."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gw import experiment as ex
from coursekit.gw.config import FULL, REDUCED, Config, get_config
from coursekit.metrics import Measurement

TINY = Config(n_train_waveforms=6, n_test_waveforms=4, n_template_candidates=6, max_templates=3, batches_per_epoch=3,
              batch_size=16, epochs=1, n_val=32, n_noise_eval=200, n_signal_eval=20, eval_snrs=(10.0,),
              background_s=40.0, n_slides=2, n_glitch_windows=20)


def test_configs_are_sized_by_mode():
    assert get_config("reduced") is REDUCED and get_config("full") is FULL
    assert FULL.n_noise_eval >= 5 * REDUCED.n_noise_eval and FULL.epochs > REDUCED.epochs
    assert REDUCED.n_noise_eval * min(REDUCED.faps) >= 1  # every FAP is measurable
    assert get_config("reduced", epochs=2).epochs == 2 and REDUCED.epochs == 8
    d = REDUCED.to_dict()
    assert d["prior"]["mass_range"] == [7.0, 50.0] and d["prior"]["min_mass_ratio"] == pytest.approx(1 / 3)
    assert REDUCED.search_stride == pytest.approx(0.6)


@pytest.fixture(scope="module")
def run_steps():
    sim = ex.simulate(TINY, seed=3)
    trained = ex.train(TINY, sim, progress=False)
    return sim, trained


def test_banks_are_independent_and_templates_cover_the_prior(run_steps):
    from coursekit.gw.baseline import fitting_factors

    sim, _ = run_steps
    assert len(sim.banks.train) == 6 and len(sim.banks.test) == 4 and 1 <= len(sim.banks.templates) <= 3
    assert not np.isin(sim.banks.test.params["mass1"], sim.banks.train.params["mass1"]).any()
    assert np.all(fitting_factors(sim.banks.test, sim.banks.templates, np.arange(4)) <= 1 + 1e-6)


def test_compare_glitches_and_slides_return_typed_results(run_steps):
    sim, trained = run_steps
    assert trained.snr_range == TINY.snr_range and trained.seconds > 0
    cmp_ = ex.compare(TINY, trained.model, sim, timing=False)
    assert set(cmp_.noise) == {"CNN", "matched filter"} and len(cmp_.noise["CNN"]) == 200
    e = cmp_.efficiency("matched filter", 10.0, 1e-2)
    assert isinstance(e, Measurement) and 0 <= e.value <= 1 and e.err > 0
    d = cmp_.efficiency_difference(10.0, 1e-2, n_boot=50)
    assert d.value == pytest.approx(cmp_.efficiency("CNN", 10.0, 1e-2).value - e.value)
    cnn_only = ex.compare(TINY, trained.model, sim, timing=False, matched_filter=False, n_noise=100)
    assert set(cnn_only.noise) == {"CNN"}
    g = ex.glitch_test(TINY, trained.model, sim, n_noise=100, fap=0.05)
    assert [x.kind for x in g] == ["sine-gaussian", "blip"]
    assert set(g[0].fraction) == {"CNN", "matched filter", "matched filter + chi2"}
    assert all(v.value <= 0.05 + 1e-9 for v in g[0].gaussian.values())  # the threshold holds on Gaussian noise
    bg = ex.time_slide_background(TINY, trained.model, threshold=float(np.max(cmp_.noise["CNN"])))
    # windows every 1/16 s (128 samples); those whose window or context crosses the circular seam are left out
    ctx = trained.model.for_inference().context
    n_windows = (40 * 2048 - 2048) // 128 + 1
    kept = n_windows - int(np.ceil(ctx / 128)) - int(np.ceil((2048 + ctx) / 128))
    assert bg.livetime_s == pytest.approx(2 * kept * 128 / 2048) and bg.n_triggers <= bg.n_windows_above
    assert bg.windows_per_day_expected == pytest.approx(1e-3 * 86400 / bg.stride)


def test_scan_of_the_stand_in_event(run_steps):
    """The steps run on the stand-in (offline): the matched filter finds the injection near its time."""
    from coursekit.gw.data import EventStrain
    from coursekit.gw.simulate import simulate_event_strain

    sim, trained = run_steps
    event = EventStrain("GW150914", 1126259462.44, simulate_event_strain(snr=25.0), "stand-in", "stand-in")
    data = ex.load_data(TINY, event=event)
    ev = ex.scan_event(TINY, trained.model, data, templates=sim.banks.templates)
    assert ev.times.shape == ev.logits.shape and ev.offset.err == pytest.approx(ev.stride / np.sqrt(12))
    assert abs(ev.mf_gps - ev.gps) < 0.05 and ev.mf_network_snr > 12


@pytest.mark.slow
def test_cnn_scan_finds_gw150914(real_sample):
    """Train a small CNN on noise with the measured PSDs and find GW150914 within 0.1 s (real sample)."""
    real_sample("gw150914_strain")
    cfg = get_config("reduced", epochs=4, batches_per_epoch=24, n_train_waveforms=100, n_test_waveforms=2,
                     n_template_candidates=2, max_templates=1)
    data = ex.load_data(cfg, "reduced")
    sim = ex.simulate(cfg, data.psds)
    trained = ex.train(cfg, sim, progress=False)
    ev = ex.scan_event(cfg, trained.model, data)
    assert abs(ev.offset.value) < 0.1
    far = np.abs(ev.times - ev.gps) > 1.0
    assert ev.logits.max() > ev.logits[far].max() + 5


def test_inject_and_scan_feeds_the_snr_slider():
    """The slider's draw: an injection at a given network SNR, whitened and scanned like the real event."""
    import matplotlib

    matplotlib.use("Agg")
    from coursekit.gw.model import MultiScaleCNN
    from coursekit.gw.plots import plot_injection_scan

    cfg = get_config("reduced")
    model = MultiScaleCNN(n_det=2).eval()
    data, scan = ex.inject_and_scan(cfg, model, snr=15.0, seed=3)
    assert data.event.tier == "stand-in" and "15" in scan.event
    assert data.prepared.data.shape[0] == 2 and np.isfinite(scan.logits).all()
    assert scan.times.min() < scan.gps < scan.times.max()
    axes = plot_injection_scan(data, scan, threshold=1.0)
    assert len(axes) == 3 and axes[2].get_ylabel() == "CNN logit"


@pytest.mark.parametrize("epochs, batches", [(1, 1), (1, 2), (1, 5), (2, 3)])
def test_short_training_runs_keep_a_sane_learning_rate(run_steps, epochs, batches):
    """An experiment's tiny arm (a few steps) trains: the one-cycle schedule needs >= 3 steps (it divided by zero
    at 5), shorter runs keep the constant rate; the rate stays within (0, lr] at every step."""
    from dataclasses import replace

    import torch

    sim, _ = run_steps
    seen = []
    step = torch.optim.AdamW.step

    def spy(self, *a, **k):
        seen.append(self.param_groups[0]["lr"])
        return step(self, *a, **k)

    cfg = replace(TINY, epochs=epochs, batches_per_epoch=batches)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.optim.AdamW, "step", spy)
        trained = ex.train(cfg, sim, progress=False)
    assert len(seen) == epochs * batches and all(0 < lr <= cfg.lr * (1 + 1e-9) for lr in seen)
    assert len(trained.history.train_loss) == epochs and np.all(np.isfinite(trained.history.train_loss))
