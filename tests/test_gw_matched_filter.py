"""Template bank and the batched matched filter (coursekit.gw.matched_filter)."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gw import spectral as sp
from coursekit.gw.matched_filter import WindowFilter, fitting_factors, place_template_bank, waveform_match
from coursekit.gw.simulate import InjectionSampler
from coursekit.gw.waveforms import WaveformBank

FS = 2048.0


@pytest.fixture(scope="module")
def bank():
    psd = sp.aligo_psd(int(8 * FS), FS)
    params = {"mass1": np.array([40.0, 40.5, 20.0, 15.0]), "mass2": np.array([35.0, 35.0, 15.0, 12.0]),
              "spin1z": np.zeros(4), "spin2z": np.zeros(4)}
    return WaveformBank.generate(params, {"H1": psd, "L1": psd})


def test_match_is_one_with_itself_and_drops_for_other_masses(bank):
    m = waveform_match(bank, 0, np.arange(4))
    assert m[0] == pytest.approx(1.0, abs=1e-4)
    assert m[1] > 0.97  # nearly the same masses
    assert m[3] < 0.8  # 15+12 vs 40+35 Msun
    assert np.all(m <= 1.0 + 1e-6)


def test_stochastic_placement_drops_duplicates(bank):
    keep = place_template_bank(bank, minimal_match=0.97)
    assert 0 in keep and 1 not in keep and len(keep) == 3
    ff = fitting_factors(bank, WaveformBank(params={}, spectra=bank.spectra[keep], gram=bank.gram[keep], fs=FS,
                                            crop_duration=bank.crop_duration, merger_offset=bank.merger_offset,
                                            detectors=bank.detectors, f_low=20, f_high=1000), np.arange(4))
    assert np.all(ff > 0.97)
    with pytest.raises(ValueError, match="minimal_match"):
        place_template_bank(bank, minimal_match=1.5)


def test_noise_only_snr_is_chi2_with_two_dof(bank, rng):
    mf = WindowFilter.from_bank(bank)
    s = InjectionSampler(bank)
    rho = mf.snr_series(s.noise(32, rng))
    assert rho.shape == (32, 4, 2, len(mf.lags))
    assert np.mean(rho**2) == pytest.approx(2.0, rel=0.05)


def test_recovers_injected_snr_and_beats_noise(bank, rng):
    mf = WindowFilter.from_bank(bank)
    s = InjectionSampler(bank)
    sig, p = s.signals(np.full(20, 12.0), rng, templates=np.zeros(20, int))
    frac = sp.band_fraction(2048, FS)
    in_window = np.sqrt(frac * np.sum(sig.astype(float) ** 2, axis=(1, 2)))
    clean = mf.network_snr(sig)
    np.testing.assert_allclose(clean, in_window, rtol=0.03)  # exact template: full SNR recovered
    noisy = mf.network_snr(sig + s.noise(20, rng))
    noise = mf.network_snr(s.noise(200, rng))
    assert np.median(noisy) == pytest.approx(12.0, abs=1.5)
    assert np.median(noise) < 7.0 and np.median(noisy) > np.quantile(noise, 0.99)
    with pytest.raises(ValueError, match="windows must be"):
        mf.network_snr(sig[:, :1])


def test_agrees_with_pycbc_matched_filter(bank, rng):
    """Single detector, one template: our peak SNR equals PyCBC's on the same whitened window."""
    from pycbc.filter import matched_filter
    from pycbc.types import FrequencySeries, TimeSeries

    s = InjectionSampler(bank)
    sig, p = s.signals(np.array([25.0]), rng, templates=np.array([0]))
    x = sig + s.noise(1, rng)
    mf = WindowFilter.from_bank(WaveformBank(params={}, spectra=bank.spectra[:1], gram=bank.gram[:1], fs=FS,
                                             crop_duration=bank.crop_duration, merger_offset=bank.merger_offset,
                                             detectors=bank.detectors, f_low=20, f_high=1000))
    ours = mf.snr_series(x)[0, 0, 0].max()
    # PyCBC: 4 s of data (the window, then zeros), template = whitened h+ crop (merger at 1.3 s)
    n = int(4 * FS)
    data = np.zeros(n)
    data[:2048] = x[0, 0]
    tmpl = np.zeros(n)
    tmpl[: bank.n_crop] = bank.time_series(0, 0)[0]
    snr = matched_filter(FrequencySeries(np.fft.rfft(tmpl) / FS, delta_f=0.25), TimeSeries(data, delta_t=1 / FS),
                         psd=None, low_frequency_cutoff=20, high_frequency_cutoff=1000)
    # PyCBC assumes a PSD of 1; unit-variance band-limited white noise has PSD 2 / (fs * frac)
    scale = np.sqrt(FS * sp.band_fraction(2048, FS) / 2)
    theirs = np.abs(snr.numpy()).max() * scale
    assert ours == pytest.approx(theirs, rel=0.05)
    assert ours == pytest.approx(p["snr_H1"][0], rel=0.25)


def test_fft_floor_search_arguments():
    from coursekit.gw.matched_filter import fft_floor_search

    t = fft_floor_search(10, 2, duration=1.0, fs=256.0, repeats=2)
    assert np.isfinite(t) and t > 0
    for bad in ({"n_templates": 0, "n_det": 2}, {"n_templates": 1, "n_det": 0}):
        with pytest.raises(ValueError, match="n_templates >= 1"):
            fft_floor_search(**bad)
    with pytest.raises(ValueError, match="2 samples"):
        fft_floor_search(1, 1, duration=0.0)


@pytest.mark.parametrize("single", [True, False])
def test_time_pycbc_search_scales_to_the_bank(bank, single):
    from coursekit.gw.matched_filter import time_pycbc_search

    t = time_pycbc_search(bank, duration=4.0, n_templates=2, repeats=1, single=single)
    assert np.isfinite(t) and 0 < t < 1.0  # seconds per second of data for 4 templates x 2 detectors
