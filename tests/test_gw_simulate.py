"""Waveform bank, detector projection and the window simulator (coursekit.gw.waveforms/simulate)."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gw import spectral as sp
from coursekit.gw.simulate import InjectionSampler, simulate_strain, whitened_noise
from coursekit.gw.waveforms import BBHPrior, WaveformBank, antenna_response, chirp_mass, projection_coefficients

FS = 2048.0


@pytest.fixture(scope="module")
def psd():
    return sp.aligo_psd(int(8 * FS), FS)


@pytest.fixture(scope="module")
def bank(psd):
    params = {"mass1": np.array([40.0, 20.0, 12.0]), "mass2": np.array([35.0, 15.0, 10.0]),
              "spin1z": np.array([0.0, 0.3, -0.2]), "spin2z": np.array([0.0, 0.1, 0.4])}
    return WaveformBank.generate(params, {"H1": psd, "L1": psd})


def test_prior_ranges_and_ordering(rng):
    p = BBHPrior().sample_intrinsic(1000, rng)
    assert np.all(p["mass1"] >= p["mass2"]) and p["mass2"].min() >= 7 and p["mass1"].max() <= 50
    q = p["mass2"] / p["mass1"]
    assert q.min() >= 1 / 3 - 1e-12 and q.min() < 0.4  # mass ratios down to 1:3, as in GWTC-1
    assert p["mass2"].min() < 8.0  # the lightest GWTC-1 components (GW151226, GW170608) are covered
    with pytest.raises(ValueError, match="min_mass_ratio"):
        BBHPrior(min_mass_ratio=0.0)
    e = BBHPrior.sample_extrinsic(20000, rng)
    assert np.mean(np.cos(e["inclination"])) == pytest.approx(0, abs=0.02)  # cos(iota) uniform
    assert np.mean(np.sin(e["dec"])) == pytest.approx(0, abs=0.02)  # isotropic sky
    assert chirp_mass(30.0, 30.0) == pytest.approx(30 * 2**-0.2)


def test_antenna_response_matches_pycbc(rng):
    from pycbc.detector import Detector

    e = BBHPrior.sample_extrinsic(4, rng)
    fp, fc, dt = antenna_response(e["ra"], e["dec"], e["polarization"], ("H1", "L1"), gps=1126259462.4)
    for d, name in enumerate(("H1", "L1")):
        det = Detector(name)
        for i in range(4):
            ref = det.antenna_pattern(e["ra"][i], e["dec"][i], e["polarization"][i], 1126259462.4)
            assert (fp[d, i], fc[d, i]) == pytest.approx(ref, abs=1e-10)
            assert dt[d, i] == pytest.approx(det.time_delay_from_earth_center(e["ra"][i], e["dec"][i], 1126259462.4))
    assert np.abs(dt[0] - dt[1]).max() < 0.0101  # H1-L1 light travel time is 10 ms


def test_inclination_scales_the_polarisations(rng):
    e = BBHPrior.sample_extrinsic(100, rng)
    fp, fc, _ = antenna_response(e["ra"], e["dec"], e["polarization"])
    face_on = {**e, "inclination": np.zeros(100)}
    cp, cx, _ = projection_coefficients(face_on)
    np.testing.assert_allclose(cp**2 + cx**2, fp**2 + fc**2, rtol=1e-10)  # the phase only rotates h+ into hx
    edge_on = {**e, "inclination": np.full(100, np.pi / 2)}
    cp, cx, _ = projection_coefficients(edge_on)
    np.testing.assert_allclose(cp**2 + cx**2, fp**2 / 4, rtol=1e-10, atol=1e-15)  # only h+ = h+0 / 2 survives


def test_bank_norms_match_pycbc_sigma(bank, psd):
    from pycbc.filter import sigma
    from pycbc.types import FrequencySeries
    from pycbc.waveform import get_fd_waveform

    hp, hc = get_fd_waveform(approximant="IMRPhenomD", mass1=20.0, mass2=15.0, spin1z=0.3, spin2z=0.1,
                             delta_f=1 / 8, f_lower=20, f_final=1024, distance=1.0)
    ref = sigma(hp, FrequencySeries(psd[: len(hp)], delta_f=1 / 8), low_frequency_cutoff=20,
                high_frequency_cutoff=1000) ** 2
    assert bank.gram[1, 0, 0] == pytest.approx(ref, rel=1e-6)
    assert bank.gram[1, 0, 2] == pytest.approx(ref, rel=1e-3)  # face-on: |h+| = |hx|
    assert abs(bank.gram[1, 0, 1]) < 1e-3 * ref  # in quadrature
    # the whitened crop carries the energy: frac * sum(w^2) = <h, h> for a short (heavy) signal
    frac = sp.band_fraction(bank.n_crop, FS)
    w = bank.time_series(0, 0)
    assert frac * np.sum(w[0] ** 2) == pytest.approx(bank.gram[0, 0, 0], rel=0.01)
    assert np.argmax(np.abs(w[0] + 1j * w[1])) / FS == pytest.approx(bank.merger_offset, abs=0.01)


def test_bank_rejects_psd_on_wrong_grid(psd):
    p = {"mass1": np.array([30.0]), "mass2": np.array([30.0]), "spin1z": np.zeros(1), "spin2z": np.zeros(1)}
    with pytest.raises(ValueError, match="rfft grid"):
        WaveformBank.generate(p, {"H1": psd[:-1]})


def test_window_noise_is_band_limited_and_refuses_an_empty_band(rng):
    x = whitened_noise(8, 2, 2048, FS, 20, 1000, rng)
    spec = np.abs(np.fft.rfft(x, axis=-1))
    f = np.fft.rfftfreq(2048, 1 / FS)
    assert spec[..., (f < 20) | (f > 1000)].max() < 1e-3 * spec.max()
    with pytest.raises(ValueError, match="no frequency bin"):
        whitened_noise(1, 1, 16, FS, 1000.5, 1001.0, rng)


def test_window_noise_equals_whitened_coloured_noise(psd, rng):
    fast = whitened_noise(64, 2, 2048, FS, 20, 1000, rng)
    assert fast.shape == (64, 2, 2048) and fast.dtype == np.float32
    slow = sp.whiten(sp.coloured_noise(psd, int(8 * FS), FS, rng, size=(16,)), psd, FS)
    assert fast.std() == pytest.approx(1.0, abs=0.02)
    assert slow.std() == pytest.approx(1.0, abs=0.02)
    # same (band-limited, white) spectrum shape
    f_fast = np.mean(np.abs(np.fft.rfft(fast, axis=-1)) ** 2, axis=(0, 1)) / 2048
    f_slow = np.mean(np.abs(np.fft.rfft(slow, axis=-1)) ** 2, axis=0) / slow.shape[-1]
    m_fast, m_slow = sp.band_mask(2048, FS), sp.band_mask(slow.shape[-1], FS)
    assert f_fast[m_fast].mean() == pytest.approx(f_slow[m_slow].mean(), rel=0.03)
    assert f_fast[~m_fast].max() < 1e-6


def test_injections_have_the_requested_network_snr(bank, rng):
    s = InjectionSampler(bank)
    sig, p = s.signals(np.full(300, 10.0), rng)
    np.testing.assert_allclose(np.hypot(p["snr_H1"], p["snr_L1"]), 10.0)
    frac = sp.band_fraction(2048, FS)
    in_window = np.sqrt(frac * np.sum(sig.astype(float) ** 2, axis=(1, 2)))
    heavy = p["template"] == 0
    # a 40+35 Msun signal lies almost entirely inside the window
    assert np.median(in_window[heavy]) == pytest.approx(10.0, rel=0.03)
    assert np.all(in_window < 10.2)
    assert np.all((p["t_merger"] >= 0.6) & (p["t_merger"] <= 0.9))
    # the merger lands where requested (envelope peak in H1 at t_merger + delay)
    i = np.flatnonzero(heavy & (p["snr_H1"] > 6))[0]
    env = np.abs(sig[i, 0])
    assert np.argmax(env) / FS == pytest.approx(p["t_merger"][i] + p["delay_H1"][i], abs=0.01)
    assert np.all(p["distance_mpc"] > 0)


def test_sample_labels_and_params(bank, rng):
    s = InjectionSampler(bank)
    b = s.sample(400, rng, snr=(6.0, 16.0), signal_fraction=0.5)
    assert b.x.shape == (400, 2, 2048) and b.y.shape == (400,)
    assert 0.4 < b.y.mean() < 0.6
    assert np.all(np.isnan(b.params["snr"][b.y == 0]))
    snr = b.params["snr"][b.y == 1]
    assert snr.min() >= 6 and snr.max() <= 16
    with pytest.raises(ValueError, match="merger_range"):
        InjectionSampler(bank, merger_range=(0.9, 0.6))
    with pytest.raises(ValueError, match="too short"):
        InjectionSampler(bank, window_duration=2.0)


def test_training_stream_yields_fresh_batches(bank, rng):
    stream = InjectionSampler(bank).batches(2, 8, rng)
    first = [x for x, _ in stream]
    second = [x for x, _ in stream]
    assert len(first) == 2 and tuple(first[0].shape) == (8, 2, 2048)
    assert not np.allclose(first[0].numpy(), second[0].numpy())


def test_simulate_strain_whitens_back_to_the_bank_waveform(bank, psd, rng):
    strain, p = simulate_strain(bank, {"H1": psd, "L1": psd}, 8.0, 5.0, 20.0, rng, template=0, with_noise=False)
    assert set(strain) == {"H1", "L1"} and strain["H1"].shape == (int(8 * FS),)
    frac = sp.band_fraction(int(8 * FS), FS)
    w = {d: sp.whiten(strain[d], psd, FS) for d in strain}
    total = np.sqrt(sum(frac * np.sum(w[d] ** 2) for d in w))
    assert total == pytest.approx(20.0, rel=0.02)
    snr_h1 = sp.optimal_snr(strain["H1"], psd, FS)
    assert np.argmax(np.abs(w["H1"])) / FS == pytest.approx(5.0 + p["delay_H1"], abs=0.01)
    assert snr_h1 <= 20.0 + 1e-6


def test_chirp_time_and_half_grid_generation():
    """A short waveform generated on the half grid equals the full-grid one (match > 0.999)."""
    from coursekit.gw.waveforms import chirp_time

    # Newtonian chirp time of 1.4+1.4 Msun from 40 Hz is ~25 s (Sathyaprakash & Dhurandhar 1991)
    assert chirp_time(1.4, 1.4, 40.0) == pytest.approx(25.0, rel=0.03)
    assert chirp_time(7.0, 7.0) > 10 > chirp_time(15.0, 8.4) > 4
    p16 = sp.aligo_psd(int(16 * FS), FS)
    par = {"mass1": np.array([30.0]), "mass2": np.array([25.0]), "spin1z": np.zeros(1), "spin2z": np.zeros(1)}
    a = WaveformBank.generate(par, {"H1": p16}, seg_duration=16.0, crop_duration=2.25).time_series(0)[0]
    b = WaveformBank.generate(par, {"H1": sp.aligo_psd(int(8 * FS), FS)}, seg_duration=8.0,
                              crop_duration=2.25).time_series(0)[0]
    assert np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)) > 0.999


@pytest.mark.parametrize("kind", ["sine-gaussian", "blip"])
def test_glitches_have_the_requested_snr_in_one_detector(kind, rng):
    from coursekit.gw.simulate import add_glitches

    x = np.zeros((6, 2, 2048), dtype=np.float32)
    g, p = add_glitches(x, FS, rng, kind, snr=(10.0, 10.0))
    frac = sp.band_fraction(2048, FS)
    for i in range(6):
        d = p["detector"][i]
        assert np.sqrt(frac * np.sum(g[i, d].astype(float) ** 2)) == pytest.approx(10.0, rel=0.01)
        assert np.all(g[i, 1 - d] == 0)  # a glitch is in one detector only
        assert abs(np.argmax(np.abs(g[i, d])) / FS - p["t_peak"][i]) < 0.02
    with pytest.raises(ValueError, match="unknown glitch kind"):
        add_glitches(x, FS, rng, "koi-fish")


def test_stand_in_event_strain_is_gwpy_timeseries():
    from gwpy.timeseries import TimeSeries

    from coursekit.gw.simulate import simulate_event_strain

    ts = simulate_event_strain(duration=20.0, event_offset=10.0, t0=1000.0)
    assert set(ts) == {"H1", "L1"} and all(isinstance(v, TimeSeries) for v in ts.values())
    assert ts["L1"].name == "L1:Strain" and ts["H1"].t0.value == 1000.0 and ts["H1"].duration.value == 20.0
