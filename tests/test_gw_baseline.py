"""The matched-filter baseline (coursekit.gw.baseline): bank, window search, SNR time series, chi^2."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gw import spectral as sp
from coursekit.gw.baseline import (
    WindowFilter,
    fitting_factors,
    matched_filter_snr,
    place_template_bank,
    reweighted_snr,
    search_stretch,
    stretch_template,
    waveform_match,
)
from coursekit.gw.simulate import InjectionSampler
from coursekit.gw.waveforms import WaveformBank

FS = 2048.0


@pytest.fixture(scope="module")
def bank():
    psd = sp.aligo_psd(int(16 * FS), FS)
    params = {"mass1": np.array([40.0, 40.5, 20.0, 15.0]), "mass2": np.array([35.0, 35.0, 15.0, 12.0]),
              "spin1z": np.zeros(4), "spin2z": np.zeros(4)}
    return WaveformBank.generate(params, {"H1": psd, "L1": psd}, seg_duration=16.0)


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
    from coursekit.gw.baseline import fft_floor_search

    t = fft_floor_search(10, 2, duration=1.0, fs=256.0, repeats=2)
    assert np.isfinite(t) and t > 0
    for bad in ({"n_templates": 0, "n_det": 2}, {"n_templates": 1, "n_det": 0}):
        with pytest.raises(ValueError, match="n_templates >= 1"):
            fft_floor_search(**bad)
    with pytest.raises(ValueError, match="2 samples"):
        fft_floor_search(1, 1, duration=0.0)


@pytest.mark.parametrize("single", [True, False])
def test_time_pycbc_search_scales_to_the_bank(bank, single):
    from coursekit.gw.baseline import time_pycbc_search

    t = time_pycbc_search(bank, duration=4.0, n_templates=2, repeats=1, single=single)
    assert np.isfinite(t) and 0 < t < 1.0  # seconds per second of data for 4 templates x 2 detectors


def test_matched_filter_snr_hand_computed_and_against_pycbc(rng):
    """The build-it reference: |z| peaks at the template's shift with the injected SNR; PyCBC agrees."""
    from pycbc.filter import matched_filter
    from pycbc.types import FrequencySeries, TimeSeries

    n = 4096
    t = np.arange(n) / FS
    h = np.exp(-((t - 0.5) / 0.05) ** 2) * np.sin(2 * np.pi * 120 * t)
    # noiseless: z at shift s is sum_k d[s + k] h[k] / sigma = sigma for d = h shifted by s
    d = np.roll(h, 700)
    z = matched_filter_snr(d, h)
    assert np.argmax(np.abs(z)) == 700
    assert np.abs(z[700]) == pytest.approx(np.sqrt(np.sum(h**2)), rel=1e-3)
    assert z[700].real == pytest.approx(np.sqrt(np.sum(h**2)), rel=1e-3)  # in phase: all in the real part
    # in unit white noise |z|^2 has mean 2 (chi^2, 2 dof)
    noise = [np.abs(matched_filter_snr(rng.standard_normal(n), h)) ** 2 for _ in range(300)]
    assert np.mean(noise) == pytest.approx(2.0, rel=0.05)
    # PyCBC with psd=None assumes a one-sided PSD of 1; unit white noise has PSD 2 / fs
    x = rng.standard_normal(n) + 0.6 * d
    ours = np.abs(matched_filter_snr(x, h))
    theirs = matched_filter(FrequencySeries(np.fft.rfft(h) / FS, delta_f=FS / n), TimeSeries(x, delta_t=1 / FS),
                            psd=None).numpy()
    np.testing.assert_allclose(ours, np.abs(theirs) * np.sqrt(FS / 2), rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="same length"):
        matched_filter_snr(x, h[:10])


def test_search_stretch_finds_an_injected_template(bank, rng):
    n = int(16 * FS)
    frac = sp.band_fraction(n, FS)
    tmpl = np.stack([stretch_template(bank, 2, j, n)[0] for j in range(2)])
    x = rng.standard_normal((2, n))
    x = sp.band_limit(x, FS) / np.sqrt(frac)  # unit-variance band-limited noise, like whitened data
    scale = 15.0 / np.sqrt(frac * np.sum(tmpl**2))
    x += np.roll(tmpl, 9000, axis=-1) * scale
    res = search_stretch(x, bank)
    assert abs(res.t_best - 9000) <= 3 and res.best_template in (2, 3)
    assert res.network[res.t_best] == pytest.approx(15.0, rel=0.1)


def test_chisq_flags_glitches_not_signals(bank, rng):
    """Allen 2005: reduced chi^2 ~ 1 for noise and matching signals, large for a glitch; re-weighting follows."""
    from coursekit.gw.simulate import add_glitches

    mf = WindowFilter.from_bank(bank)
    s = InjectionSampler(bank)
    noise = s.noise(40, rng)
    net, rw = mf.chisq_network_snr(noise)
    assert np.median(rw / net) > 0.9  # noise is hardly re-weighted
    sig, _ = s.signals(np.full(20, 15.0), rng, templates=np.zeros(20, int))
    net_s, rw_s = mf.chisq_network_snr(s.noise(20, rng) + sig)
    assert np.median(rw_s / net_s) > 0.9
    glitched, _ = add_glitches(s.noise(40, rng), FS, rng, "sine-gaussian", snr=(25.0, 30.0))
    net_g, rw_g = mf.chisq_network_snr(glitched)
    loud = net_g > 8  # glitches that ring the filter like a signal would
    assert loud.sum() >= 5 and np.median(rw_g[loud] / net_g[loud]) < 0.6
    np.testing.assert_allclose(reweighted_snr([10.0, 10.0], [0.5, 3.0]), [10.0, 10.0 / 14 ** (1 / 6)])
