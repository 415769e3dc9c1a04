"""PSDs, coloured noise, whitening, band-pass and SNR (coursekit.gw.spectral)."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gw import spectral as sp

FS = 2048.0


@pytest.fixture(scope="module")
def design_psd_8s():
    return sp.aligo_psd(int(8 * FS), FS)


def test_aligo_psd_matches_design_curve(design_psd_8s):
    f = sp.rfft_freqs(int(8 * FS), FS)
    asd = np.sqrt(design_psd_8s)
    # aLIGO zero-detuned high-power design: minimum ~4e-24 /sqrt(Hz) near 200-300 Hz
    assert 3e-24 < asd[(f > 100) & (f < 500)].min() < 5e-24
    assert 150 < f[np.argmin(np.where(f > 20, asd, np.inf))] < 350
    assert np.all(design_psd_8s > 0)


def test_band_fraction_exact():
    assert sp.band_fraction(2048, 2048, 0, 1024) == pytest.approx(1.0 + 1 / 1024)
    assert sp.band_fraction(2048, 2048, 20, 1000) == pytest.approx(981 / 1024)
    with pytest.raises(ValueError, match="f_low < f_high"):
        sp.band_mask(2048, 2048, 500, 100)


def test_coloured_noise_has_the_psd(design_psd_8s, rng):
    n = int(8 * FS)
    x = sp.coloured_noise(design_psd_8s, n, FS, rng, size=(16,))
    f, p = sp.welch_psd(x.reshape(-1), FS, seg_duration=4.0, average="mean")
    ref = sp.interpolate_psd(sp.rfft_freqs(n, FS), design_psd_8s, int(4 * FS), FS)
    band = (f > 30) & (f < 900)
    ratio = p[band] / ref[band]
    assert np.median(ratio) == pytest.approx(1.0, abs=0.05)


def test_whitened_gaussian_noise_is_unit_variance_and_white(design_psd_8s, rng):
    n = int(8 * FS)
    x = sp.coloured_noise(design_psd_8s, n, FS, rng, size=(8,))
    w = sp.whiten(x, design_psd_8s, FS)
    assert w.std() == pytest.approx(1.0, abs=0.01)
    # white inside the band: flat spectrum, kurtosis of a Gaussian
    spec = np.abs(np.fft.rfft(w, axis=-1)) ** 2
    m = sp.band_mask(n, FS)
    low, high = spec[:, m][:, :2000].mean(), spec[:, m][:, -2000:].mean()
    assert low / high == pytest.approx(1.0, abs=0.05)
    k = np.mean(w**4) / np.mean(w**2) ** 2
    assert k == pytest.approx(3.0, abs=0.1)
    # without normalisation the variance is the band fraction
    w2 = sp.whiten(x, design_psd_8s, FS, normalise=False)
    assert w2.var() == pytest.approx(sp.band_fraction(n, FS), rel=0.03)


def test_whiten_truncated_filter_and_errors(design_psd_8s, rng):
    n = int(8 * FS)
    x = sp.coloured_noise(design_psd_8s, n, FS, rng, size=(4,))
    w = sp.whiten(x, design_psd_8s, FS, truncate=2.0)
    assert w.std() == pytest.approx(1.0, abs=0.05)
    with pytest.raises(ValueError, match="n//2\\+1"):
        sp.whiten(x, design_psd_8s[:-1], FS)
    with pytest.raises(ValueError, match="shorter than the segment"):
        sp.whiten(x, design_psd_8s, FS, truncate=100.0)


def test_bandpass_passes_inband_sine_and_kills_outband():
    t = np.arange(int(8 * FS)) / FS
    inband, outband = np.sin(2 * np.pi * 100 * t), np.sin(2 * np.pi * 5 * t)
    y = sp.bandpass(inband + outband, FS, 20, 500)
    mid = slice(2048, -2048)
    np.testing.assert_allclose(y[mid], inband[mid], atol=0.02)
    with pytest.raises(ValueError, match="strictly inside"):
        sp.bandpass(inband, FS, 20, 1024)


def test_welch_errors():
    with pytest.raises(ValueError, match="two 4.0 s segments"):
        sp.welch_psd(np.zeros(1000), FS)
    x = np.zeros(int(16 * FS))
    x[5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        sp.welch_psd(x, FS)


def test_optimal_snr_of_sine_is_analytic():
    # <h,h> = 4 int |h~|^2/S df; a sine of amplitude A lasting T s in white noise S0 has SNR^2 = A^2 T / S0
    n, fs = 8192, 2048.0
    t = np.arange(n) / fs
    a, s0 = 1e-21, 1e-44
    h = a * np.sin(2 * np.pi * 100 * t)
    psd = np.full(n // 2 + 1, s0)
    assert sp.optimal_snr(h, psd, fs) == pytest.approx(a * np.sqrt(n / fs / s0), rel=1e-6)


def test_optimal_snr_matches_pycbc_sigma(design_psd_8s):
    from pycbc.filter import sigma
    from pycbc.types import TimeSeries
    from pycbc.waveform import get_td_waveform

    hp, _ = get_td_waveform(approximant="IMRPhenomD", mass1=30, mass2=25, delta_t=1 / FS, f_lower=20, distance=400)
    x = np.zeros(int(8 * FS))
    x[-len(hp):] = hp.numpy()[-len(x):]
    ours = sp.optimal_snr(x, design_psd_8s, FS, 20, 1000)
    from pycbc.types import FrequencySeries

    ref = sigma(TimeSeries(x, delta_t=1 / FS), FrequencySeries(design_psd_8s, delta_f=1 / 8),
                low_frequency_cutoff=20, high_frequency_cutoff=1000)
    assert ours == pytest.approx(ref, rel=1e-3)
    assert 50 < ours < 150  # face-on 30+25 Msun at 400 Mpc, design aLIGO (GW150914 gave 24 in O1 noise)


def test_course_whitening_agrees_with_gwpy(rng):
    """The course's whitening (the lesson) against gwpy's TimeSeries.whiten on the same coloured noise."""
    from gwpy.timeseries import TimeSeries

    fs, n = 4096.0, int(32 * 4096)  # the rate of GWOSC files: gwpy's band-pass to 1000 Hz needs room above it
    psd = sp.aligo_psd(n, fs)
    x = sp.coloured_noise(psd, n, fs, rng)
    freqs, welch = sp.welch_psd(x, fs, 4.0)
    ours = sp.whiten(x, sp.interpolate_psd(freqs, welch, n, fs), fs, 20.0, 1000.0, taper=0.125, truncate=4.0)
    theirs = TimeSeries(x, sample_rate=fs).whiten(fftlength=4, overlap=2).bandpass(20, 1000).value
    mid = slice(int(4 * fs), n - int(4 * fs))
    assert np.corrcoef(ours[mid], theirs[mid])[0, 1] > 0.95
