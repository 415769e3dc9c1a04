"""Strain in as gwpy TimeSeries (coursekit.gw.data): GWOSC files, the GW150914 sample through resolve, any event."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from coursekit.gw import data as gd
from coursekit.gw.data import StrainFileError, read_strain, write_gwosc_hdf5
from coursekit.gw.spectral import resample


def test_round_trip_through_gwpy(tmp_path, rng):
    x = rng.standard_normal(4096) * 1e-21
    path = write_gwosc_hdf5(tmp_path / "H-H1_TEST-100-4.hdf5", x, 100.0, 1024.0, "H1")
    ts = read_strain(path)
    from gwpy.timeseries import TimeSeries

    assert isinstance(ts, TimeSeries)
    assert ts.name == "H1:Strain" and gd.detector_of(ts) == "H1"
    assert ts.t0.value == 100.0 and ts.sample_rate.value == 1024.0 and ts.duration.value == 4.0
    np.testing.assert_array_equal(ts.value, x)


def test_file_without_detector_metadata_is_refused_in_one_line(tmp_path):
    path = tmp_path / "L-L1_TEST-0-1.hdf5"
    with h5py.File(path, "w") as fh:
        ds = fh.create_dataset("strain/Strain", data=np.zeros(16))
        ds.attrs["Xstart"], ds.attrs["Xspacing"], ds.attrs["Npoints"] = 0.0, 1 / 16, 16
        ds.attrs["Xunits"], ds.attrs["Yunits"] = "second", ""
        fh["meta/GPSstart"] = 0.0
    with pytest.raises(StrainFileError, match="L-L1_TEST-0-1.hdf5: gwpy cannot read it as GWOSC strain"):
        read_strain(path)


def test_unreadable_files_give_one_line(tmp_path):
    with pytest.raises(StrainFileError, match="does not exist"):
        read_strain(tmp_path / "missing.hdf5")
    bad = tmp_path / "bad.hdf5"
    bad.write_text("not hdf5")
    with pytest.raises(StrainFileError, match="not a readable HDF5"):
        read_strain(bad)
    other = tmp_path / "other.hdf5"
    with h5py.File(other, "w") as fh:
        fh["x"] = np.zeros(3)
    with pytest.raises(StrainFileError, match="no 'strain/Strain'"):
        read_strain(other)


def test_resample_keeps_inband_sine_and_removes_alias():
    fs = 4096
    t = np.arange(4 * fs) / fs
    x = np.sin(2 * np.pi * 100 * t) + np.sin(2 * np.pi * 1500 * t)  # 1500 Hz is above the new Nyquist (1024)
    y = resample(x, fs, 2048)
    assert len(y) == len(x) // 2
    spec = np.abs(np.fft.rfft(y[1024:-1024])) / (len(y) - 2048) * 2
    f = np.fft.rfftfreq(len(y) - 2048, 1 / 2048)
    assert spec[np.argmin(np.abs(f - 100))] == pytest.approx(1.0, abs=0.02)
    assert spec.max() == pytest.approx(spec[np.argmin(np.abs(f - 100))])
    assert spec[np.argmin(np.abs(f - (2048 - 1500)))] < 0.01  # alias of 1500 Hz would land at 548 Hz
    with pytest.raises(ValueError, match="not a simple fraction"):
        resample(x, 4096, 1000 * np.pi)


def test_gw150914_sample_through_resolve(real_sample):
    """The real sample (sha256-verified by resolve) arrives as two gwpy TimeSeries plus the LOSC template."""
    real_sample("gw150914_strain")
    ev = gd.load_gw150914("reduced")
    assert ev.is_real and ev.tier == "sample" and ev.detectors == ("H1", "L1")
    for det, ts in ev.strain.items():
        assert gd.detector_of(ts) == det
        assert ts.t0.value == 1126259446.0 and ts.sample_rate.value == 4096.0 and len(ts) == 131072
        assert 1e-19 < np.std(ts.value) < 1e-18  # raw strain, dominated by low-frequency noise
    assert ev.template.shape == (2, 131072)
    assert ev.gps == pytest.approx(gd.catalogue(ev.paths[-1] if ev.paths[-1].suffix == ".json" else
                                                [p for p in ev.paths if p.suffix == ".json"][0])["GW150914"]["tevent"])


def test_stand_in_is_the_same_type_offline(monkeypatch, tmp_path, no_network, capsys):
    """An empty cache and no network: the stand-in, as TimeSeries, with one line saying so."""
    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    ev = gd.load_gw150914("reduced")
    assert not ev.is_real and ev.tier == "stand-in" and "stand-in" in ev.message
    assert "stand-in" in capsys.readouterr().out
    from gwpy.timeseries import TimeSeries

    assert all(isinstance(ts, TimeSeries) for ts in ev.strain.values()) and ev.detectors == ("H1", "L1")
    assert ev.strain["H1"].duration.value == 32.0 and ev.strain["H1"].t0.value == 1126259446.0
    assert ev.strain["H1"].sample_rate.value == 4096.0  # the rate of the real files


def test_other_events_need_full_mode():
    with pytest.raises(StrainFileError, match="full mode only"):
        gd.load_event("GW151226", mode="reduced")


def test_event_gps_offline_and_full_mode_fetch(monkeypatch):
    """Full mode asks gwpy's fetch_open_data for 32 s around the catalogue time of each detector."""
    assert gd.event_gps("gw151226") == pytest.approx(1135136350.6)
    calls = []

    def fake_fetch(det, start, end, **kw):
        calls.append((det, start, end))
        from gwpy.timeseries import TimeSeries

        return TimeSeries(np.zeros(int((end - start) * 16)), t0=start, sample_rate=16, name="Strain")

    from gwpy.timeseries import TimeSeries

    monkeypatch.setattr(TimeSeries, "fetch_open_data", staticmethod(fake_fetch))
    ev = gd.load_event("GW151226", mode="full")
    assert [c[0] for c in calls] == ["H1", "L1"] and calls[0][1] <= 1135136350.6 - 16 and calls[0][2] >= 1135136350.6 + 16
    assert ev.tier == "full" and gd.detector_of(ev.strain["L1"]) == "L1"

    def failing(det, start, end, **kw):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(TimeSeries, "fetch_open_data", staticmethod(failing))
    with pytest.raises(StrainFileError, match="cannot fetch H1 data for GW151226"):
        gd.load_event("GW151226", mode="full")
