"""Sliding-window scan of strain (coursekit.gw.scan)."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gw.io import StrainSegment
from coursekit.gw.scan import find_triggers, peak_time, prepare_strain, sliding_windows


def _segments(rng, fs=4096.0, duration=20.0, t0=1000.0, dets=("H1", "L1")):
    return [StrainSegment(rng.standard_normal(int(fs * duration)) * 1e-21, t0, fs, d) for d in dets]


def test_prepare_white_noise_gives_unit_variance(rng):
    p = prepare_strain(_segments(rng))
    assert p.data.shape == (2, int(16 * 2048))  # 2 s dropped at each end
    assert p.t0 == 1002.0 and p.fs == 2048.0 and p.detectors == ("H1", "L1")
    np.testing.assert_allclose(p.data.std(axis=1), 1.0, atol=0.02)
    grid = p.psd_on_grid(8 * 2048)
    assert grid["H1"].shape == (8 * 1024 + 1,)


def test_prepare_strain_clear_errors(rng):
    with pytest.raises(ValueError, match="cannot be resampled"):
        prepare_strain(_segments(rng, fs=1000.0))
    with pytest.raises(ValueError, match="too short"):
        prepare_strain(_segments(rng, duration=8.0))
    segs = _segments(rng)
    segs[1] = StrainSegment(segs[1].strain, 1001.0, 4096.0, "L1")
    with pytest.raises(ValueError, match="same stretch"):
        prepare_strain(segs)
    segs = _segments(rng)
    segs[0].strain[100] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        prepare_strain(segs)
    with pytest.raises(ValueError, match="missing \\['L1'\\]"):
        prepare_strain(_segments(rng, dets=("H1",)), detectors=("H1", "L1"))
    with pytest.raises(ValueError, match="once"):
        prepare_strain(_segments(rng, dets=("H1", "H1")))


def test_sliding_windows_hand_computed():
    data = np.arange(20.0).reshape(2, 10)
    w, starts = sliding_windows(data, fs=2.0, window_duration=2.0, stride=1.0)
    assert w.shape == (4, 2, 4)
    np.testing.assert_array_equal(starts, [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(w[1, 1], [12, 13, 14, 15])
    with pytest.raises(ValueError, match="shorter than one"):
        sliding_windows(data, fs=2.0, window_duration=6.0)


def test_peak_time_centroid_of_plateau():
    t = np.arange(0, 10, 1 / 16)
    s = np.where(np.abs(t - 5.0) <= 0.15, 10.0, 0.0)  # flat plateau +-0.15 s around 5 s
    assert peak_time(t, s) == pytest.approx(5.0, abs=1 / 32)
    s = np.exp(-((t - 3.3) / 0.05) ** 2)
    assert peak_time(t, s) == pytest.approx(3.3, abs=0.03)


def test_find_triggers_clusters_and_sorts():
    t = np.arange(0, 10, 0.1)
    s = np.zeros_like(t)
    s[20], s[21], s[70] = 5.0, 4.0, 8.0
    trig = find_triggers(t, s, threshold=1.0, cluster=1.0)
    assert [round(x["gps"], 1) for x in trig] == [7.0, 2.0]
    assert trig[0]["score"] == 8.0
    assert len(find_triggers(t, s, threshold=1.0, top=1)) == 1
