"""Thresholds, efficiencies, ROC and false-alarm rates (coursekit.gw.evaluate)."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.gw.metrics import (
    efficiency,
    efficiency_table,
    false_alarms_per,
    fap_for_rate,
    roc_curve,
    seconds_per_data_second,
    threshold_at_fap,
)


def test_threshold_at_fap_hand_computed():
    noise = np.arange(1000.0)  # scores 0..999
    assert threshold_at_fap(noise, 1e-3) == 999.0  # nothing strictly above the largest
    assert threshold_at_fap(noise, 1e-2) == 990.0  # 9 of 1000 above
    with pytest.raises(ValueError, match="at least 10000 background scores"):
        threshold_at_fap(noise, 1e-4)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        threshold_at_fap(noise, 0.0)


def test_threshold_realises_the_fap_on_gaussian_noise(rng):
    noise = rng.standard_normal(200_000)
    thr = threshold_at_fap(noise, 1e-3)
    assert thr == pytest.approx(3.09, abs=0.05)  # Phi^-1(1 - 1e-3)
    assert np.mean(rng.standard_normal(200_000) > thr) == pytest.approx(1e-3, rel=0.15)


def test_efficiency_and_error():
    e, err = efficiency(np.array([0.0, 1.0, 2.0, 3.0]), 1.5)
    assert e == 0.5 and err == pytest.approx(0.25)
    with pytest.raises(ValueError, match="no signal"):
        efficiency(np.array([]), 0.0)


def test_roc_curve_endpoints_and_separable_case():
    fap, eff = roc_curve(np.array([0.0, 1.0, 2.0, 3.0]), np.array([10.0, 11.0]))
    assert fap[0] == 1.0 and fap[-1] == 0.25
    assert np.all(eff == 1.0)
    fap, eff = roc_curve(np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.5, 2.5]))
    np.testing.assert_allclose(eff, [1.0, 0.5, 0.5, 0.0])  # thresholds 0, 1, 2, 3


def test_false_alarm_conversions():
    assert false_alarms_per(1e-3, 1.0, "day") == pytest.approx(86.4)
    assert false_alarms_per(1e-3, 2.0, "hour") == pytest.approx(1.8)
    assert fap_for_rate(1.0, "month", 1.0) == pytest.approx(1 / (30 * 86400))
    with pytest.raises(ValueError, match="per must be"):
        false_alarms_per(1e-3, 1.0, "fortnight")


def test_seconds_per_data_second():
    t = seconds_per_data_second(lambda x: np.fft.rfft(x), np.zeros((8, 2048)), window_duration=0.5)
    assert 0 < t < 0.1


def test_efficiency_table_rows():
    noise = {"A": np.arange(100.0)}
    sig = {"A": {10.0: np.array([98.5, 200.0]), 5.0: np.array([0.0, 1.0])}}
    rows = efficiency_table(noise, sig, faps=(1e-2,))
    assert {(r["snr"], r["efficiency"]) for r in rows} == {(10.0, 0.5), (5.0, 0.0)}  # threshold 99
    assert rows[0]["windows_per_day"] == pytest.approx(864.0)


def test_seconds_per_data_second_counts_the_stride(monkeypatch):
    """Windows slid by ``stride`` cover ``n * stride`` seconds: the same work costs 1/stride more per second.

    The clock is a fake one that each call advances by 0.02 s, so the machine's load cannot change the answer."""
    import coursekit.gw.metrics as gm

    clock = [0.0]
    monkeypatch.setattr(gm.time, "perf_counter", lambda: clock[0])
    calls = []

    def fn(x):
        calls.append(len(x))
        clock[0] += 0.02

    tiled = seconds_per_data_second(fn, np.zeros((10, 4)), window_duration=1.0)
    slid = seconds_per_data_second(fn, np.zeros((10, 4)), window_duration=1.0, stride=0.25)
    assert calls[0] <= 8 and calls[1] == 10  # one warm-up call on a few windows, then the timed call
    assert tiled == pytest.approx(0.02 / 10) and slid == pytest.approx(0.02 / (10 * 0.25))
    with pytest.raises(ValueError, match="stride must be positive"):
        seconds_per_data_second(fn, np.zeros((2, 4)), stride=0.0)


def test_one_threshold_definition():
    """Round one had two definitions (np.quantile in the CLI, k-th largest in evaluate): one is left."""
    import coursekit.metrics
    from coursekit.gw import metrics as gm

    assert gm.threshold_at_fap is coursekit.metrics.threshold_at_fap
    scores = np.arange(1000.0)
    assert gm.threshold_at_fap(scores, 1e-2) == 990.0  # the 10th largest; np.quantile would give 989.01
    assert np.mean(scores > gm.threshold_at_fap(scores, 1e-2)) <= 1e-2


def test_false_alarms_of_overlapping_windows_are_not_fap_times_86400():
    """Round one printed FAP x 86,400 per day for a scan with 1/16 s stride; windows per day scale with 1/stride."""
    from coursekit.gw.metrics import false_alarms_per, naive_false_alarms_per_day

    assert naive_false_alarms_per_day(1e-3) == pytest.approx(86.4)
    assert false_alarms_per(1e-3, stride=1 / 16) == pytest.approx(1382.4)
    assert false_alarms_per(1e-3, stride=0.6) == pytest.approx(144.0)
    with pytest.raises(ValueError, match="stride must be positive"):
        false_alarms_per(1e-3, stride=0.0)


def test_clustered_false_alarms_hand_computed():
    from coursekit.gw.metrics import clustered_false_alarms, false_alarm_rate

    t = np.arange(20) * 0.25
    s = np.zeros(20)
    s[[2, 3, 4]] = 5.0  # one excursion lifting three overlapping windows
    s[[12]] = 6.0  # a second, 2 s later
    s[[14]] = 4.0  # 0.5 s after it: the same cluster (1 s)
    assert clustered_false_alarms(t, s, 3.0, cluster=1.0) == 2
    assert clustered_false_alarms(t, s, 3.0, cluster=0.1) == 3  # consecutive windows stay one run
    assert clustered_false_alarms(t, s, 4.5, cluster=0.1) == 2
    assert clustered_false_alarms(t, s, 10.0) == 0
    r = false_alarm_rate(2, 86400.0 / 4)
    assert r.value == pytest.approx(8.0) and r.err == pytest.approx(4 * np.sqrt(2)) and r.unit == "per day"
    assert false_alarm_rate(0, 86400.0).err == pytest.approx(1.0)  # zero counts: one-count error, not zero
    with pytest.raises(ValueError, match="same length"):
        clustered_false_alarms(t, s[:5], 1.0)
