"""Sliding-window scan of strain (coursekit.gw.scan)."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gw.data import StrainFileError, as_timeseries
from coursekit.gw.scan import check_strain, find_triggers, peak_time, prepare_strain, scan_step, sliding_windows


def _segments(rng, fs=4096.0, duration=20.0, t0=1000.0, dets=("H1", "L1")):
    return [as_timeseries(rng.standard_normal(int(fs * duration)) * 1e-21, t0, fs, d) for d in dets]


def test_prepare_white_noise_gives_unit_variance(rng):
    p = prepare_strain(_segments(rng))
    assert p.data.shape == (2, int(16 * 2048))  # 2 s dropped at each end
    assert p.t0 == 1002.0 and p.fs == 2048.0 and p.detectors == ("H1", "L1")
    np.testing.assert_allclose(p.data.std(axis=1), 1.0, atol=0.02)
    grid = p.psd_on_grid(8 * 2048)
    assert grid["H1"].shape == (8 * 1024 + 1,)
    assert prepare_strain(dict(zip(("H1", "L1"), _segments(rng)))).detectors == ("H1", "L1")


def test_prepare_strain_clear_errors(rng):
    with pytest.raises(StrainFileError, match="cannot be resampled"):
        prepare_strain(_segments(rng, fs=1000.0))
    with pytest.raises(StrainFileError, match="too short"):
        prepare_strain(_segments(rng, duration=8.0))
    with pytest.raises(StrainFileError, match="missing \\['L1'\\]"):
        prepare_strain(_segments(rng, dets=("H1",)), detectors=("H1", "L1"))
    with pytest.raises(StrainFileError, match="once"):
        prepare_strain(_segments(rng, dets=("H1", "H1")))


def test_detectors_of_different_start_or_length_are_refused(rng):
    """Bug of round one: mismatched detectors must be refused in one line naming both spans."""
    h1, l1 = _segments(rng)
    later = as_timeseries(l1.value, 1001.0, 4096.0, "L1")
    with pytest.raises(StrainFileError, match=r"different stretches: H1 GPS \[1000\.000, \+20 s\) vs L1 \[1001\.000"):
        prepare_strain([h1, later])
    shorter = as_timeseries(l1.value[:-4096], 1000.0, 4096.0, "L1")
    with pytest.raises(StrainFileError, match="different stretches"):
        prepare_strain([h1, shorter])


@pytest.mark.parametrize("make, message", [
    (lambda x: np.zeros_like(x), "all samples are equal"),                       # all-zero strain (gave NaN triggers)
    (lambda x: np.where(np.arange(len(x)) // 4096 == 7, 3e-21, x), "1.00 s of identical samples"),  # dead channel
    (lambda x: np.where(np.arange(len(x)) == 5000, np.nan, x), "NaN/inf"),      # a data gap
    (lambda x: np.where(np.arange(len(x)) == 5000, np.inf, x), "NaN/inf"),
    (lambda x: x * 1e12, "not that of detector strain"),                         # absurd scale
    (lambda x: x / 1e-21, "not that of detector strain"),                        # already whitened / unit variance
])
def test_hostile_strain_is_refused_never_scored(rng, make, message):
    """Round one scored a flat-line stretch at logit 5548 and all-zero strain as NaN: both are refused now."""
    h1, l1 = _segments(rng)
    bad = as_timeseries(make(l1.value.copy()), 1000.0, 4096.0, "L1")
    with pytest.raises(StrainFileError, match=message) as info:
        check_strain([h1, bad], 2048.0, 10.0)
    assert str(info.value).startswith("L1:") and "\n" not in str(info.value)


def test_scan_step_rounds_to_the_trunk_grid():
    assert scan_step(0.6, 2048.0, 32) == 1216 and scan_step(0.6, 2048.0, 32) / 2048.0 <= 0.6
    assert scan_step(0.001, 2048.0, 32) == 32


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
