"""Exercise checkers of notebook 04 accept the right answer and give a specific hint for wrong ones."""

from __future__ import annotations

from coursekit.exercises import evaluate


def test_false_alarms_per_day():
    assert evaluate("gw.false_alarms_per_day", 86.4).passed
    r = evaluate("gw.false_alarms_per_day", 3.6)
    assert not r.passed and "per hour" in r.message
    assert not evaluate("gw.false_alarms_per_day", 0.001).passed
    assert "Not attempted" in evaluate("gw.false_alarms_per_day", None).message


def test_network_snr():
    assert evaluate("gw.network_snr", 22.81).passed
    r = evaluate("gw.network_snr", 31.8)
    assert not r.passed and "quadrature" not in r.message and "squares" in r.message


def test_whitening_band():
    assert evaluate("gw.whitening_band", (20, 500)).passed
    assert "seismic" in evaluate("gw.whitening_band", (5, 500)).message
    assert "ring-down" in evaluate("gw.whitening_band", (20, 150)).message
    assert "Nyquist" in evaluate("gw.whitening_band", (20, 2000)).message
    assert "wrong form" in evaluate("gw.whitening_band", 20).message
