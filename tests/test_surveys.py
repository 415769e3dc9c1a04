from __future__ import annotations

import astropy.units as u
import pytest

from coursekit.exercises import evaluate
from coursekit.surveys import classification_time, measure_cnn_throughput, survey_table, volunteer_rate
from coursekit.surveys.rates import rubin_volume_per_year, ska_per_day


def test_unit_conversions_by_hand():
    assert rubin_volume_per_year(300).to(u.PB).value == pytest.approx(6.0)
    # 8 Tbit/s = 1 TB/s = 86,400 TB/day = 86.4 PB/day
    assert ska_per_day().to(u.PB).value == pytest.approx(86.4)
    rows = {r["survey"]: r["rate"] for r in survey_table()}
    assert rows["TESS"].to(u.TB / u.day).value == pytest.approx(0.1)


def test_volunteer_rate_by_hand():
    # 150,000 volunteers x 1 h/week = 150,000 x 3600/7 s/day; / 10 s per click; / 38 clicks per galaxy
    expected = 150_000 * 3600 / 7 / 10 / 38
    assert volunteer_rate().to(1 / u.day).value == pytest.approx(expected, rel=1e-9)
    t = classification_time(17e9, volunteer_rate())
    assert t.unit == u.year and t.value == pytest.approx(17e9 / expected / 365.25, rel=1e-6)
    with pytest.raises(ValueError, match="positive"):
        classification_time(10, 0 / u.s)


def test_cnn_throughput_is_positive():
    rate = measure_cnn_throughput(n_images=32, batch_size=16, size=32)
    assert rate.unit.is_equivalent(1 / u.s) and rate.value > 1


@pytest.mark.parametrize(
    "ex, right, wrongs",
    [
        ("surveys.rubin_per_year", 6 * u.PB, [6.0, 48 * u.PB, 6 * u.TB, 7 * u.PB, 6 * u.PB / u.s]),
        ("surveys.volunteer_years", classification_time(17e9, volunteer_rate()).to(u.year), [100 * u.year, 3.0]),
    ],
)
def test_exercise_checks(ex, right, wrongs):
    assert evaluate(ex, right).passed
    for w in wrongs:
        r = evaluate(ex, w)
        assert not r.passed and r.message
    assert "Not attempted" in evaluate(ex, None).message


def test_gpus_needed_check():
    thr = 1000 / u.s
    right = 17e9 / (1000 * 86400)
    import math

    assert evaluate("surveys.gpus_needed", math.ceil(right), throughput=thr).passed
    r = evaluate("surveys.gpus_needed", math.ceil(right * 86400), throughput=thr)
    assert not r.passed and "86,400" in r.message
    assert not evaluate("surveys.gpus_needed", 3, throughput=None).passed
