"""GWOSC HDF5 reader/writer and resampling (coursekit.gw.io)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from coursekit.gw.io import StrainFileError, read_gwosc_hdf5, resample, write_gwosc_hdf5


def test_roundtrip_written_file(tmp_path, rng):
    x = rng.standard_normal(4096 * 4) * 1e-21
    path = write_gwosc_hdf5(tmp_path / "L-L1_TEST-1000000000-4.hdf5", x, 1_000_000_000.0, 4096.0, "L1")
    seg = read_gwosc_hdf5(path)
    assert seg.detector == "L1"
    assert seg.sample_rate == 4096.0
    assert seg.t0 == 1_000_000_000.0
    assert seg.duration == pytest.approx(4.0)
    np.testing.assert_array_equal(seg.strain, x)
    assert seg.times[4096] == pytest.approx(1_000_000_001.0)


def test_detector_from_filename_when_meta_missing(tmp_path, rng):
    path = tmp_path / "H-H1_LOSC_4_V2-1126259446-32.hdf5"
    with h5py.File(path, "w") as fh:
        ds = fh.create_dataset("strain/Strain", data=rng.standard_normal(1024))
        ds.attrs["Xstart"] = 1126259446
        ds.attrs["Xspacing"] = 1 / 1024
    seg = read_gwosc_hdf5(path)
    assert seg.detector == "H1" and seg.sample_rate == 1024.0 and seg.t0 == 1126259446


def test_gpsstart_fallback(tmp_path):
    path = tmp_path / "x.hdf5"
    with h5py.File(path, "w") as fh:
        ds = fh.create_dataset("strain/Strain", data=np.zeros(64))
        ds.attrs["Xspacing"] = 1 / 64
        fh["meta/GPSstart"] = 123
    assert read_gwosc_hdf5(path).t0 == 123


def test_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        read_gwosc_hdf5(tmp_path / "missing.hdf5")
    bad = tmp_path / "bad.hdf5"
    bad.write_text("not hdf5 at all")
    with pytest.raises(StrainFileError, match="not a readable HDF5"):
        read_gwosc_hdf5(bad)
    empty = tmp_path / "empty.hdf5"
    with h5py.File(empty, "w") as fh:
        fh["meta/GPSstart"] = 1
    with pytest.raises(StrainFileError, match="no 'strain/Strain'"):
        read_gwosc_hdf5(empty)
    nospacing = tmp_path / "nospacing.hdf5"
    with h5py.File(nospacing, "w") as fh:
        fh.create_dataset("strain/Strain", data=np.zeros(8)).attrs["Xstart"] = 0
    with pytest.raises(StrainFileError, match="Xspacing"):
        read_gwosc_hdf5(nospacing)


def test_nan_gap_reported_with_gps(tmp_path):
    x = np.zeros(4096)
    x[2048:2100] = np.nan
    path = write_gwosc_hdf5(tmp_path / "gap.hdf5", x, 100.0, 1024.0)
    with pytest.raises(StrainFileError, match=r"52 NaN.*GPS 102\.000"):
        read_gwosc_hdf5(path)
    assert np.isnan(read_gwosc_hdf5(path, allow_nan=True).strain).sum() == 52


def test_crop_and_errors(tmp_path):
    path = write_gwosc_hdf5(tmp_path / "c.hdf5", np.arange(1024.0), 10.0, 128.0)
    seg = read_gwosc_hdf5(path)
    c = seg.crop(11.0, 12.0)
    assert len(c.strain) == 128 and c.t0 == 11.0 and c.strain[0] == 128.0
    with pytest.raises(ValueError, match="outside the segment"):
        seg.crop(5.0, 12.0)


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


@pytest.mark.shared_data
def test_real_gw150914_files(shared_real):
    folder = shared_real / "gw_ligo_losc"
    h1 = read_gwosc_hdf5(folder / "H-H1_LOSC_4_V2-1126259446-32.hdf5")
    l1 = read_gwosc_hdf5(folder / "L-L1_LOSC_4_V2-1126259446-32.hdf5")
    for seg, det in ((h1, "H1"), (l1, "L1")):
        assert seg.detector == det
        assert seg.t0 == 1126259446.0
        assert seg.sample_rate == 4096.0
        assert len(seg.strain) == 131072
        assert 1e-19 < seg.strain.std() < 1e-18  # raw strain, dominated by low-frequency noise
    assert h1.resample(2048).strain.shape == (65536,)
