"""coursekit.transits.metrics: intervals, paired differences, completeness and known-planet matching by hand."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.transits.data import KEPLER90_PLANETS
from coursekit.transits.metrics import auc, auc_difference, completeness, match_known_planet
from coursekit.transits.search import TransitSignal, event_times


def _sig(period, t0, duration=0.2):
    return TransitSignal(period, t0, duration, 1e-3, 20.0, 3)


def test_auc_interval_and_paired_difference(rng):
    from sklearn.metrics import roc_auc_score

    label = np.repeat([0, 1], 200)
    good = label + 0.8 * rng.standard_normal(400)
    weak = label + 3.0 * rng.standard_normal(400)
    a = auc(label, good)
    assert a.value == pytest.approx(roc_auc_score(label, good)) and 0.005 < a.err < 0.05
    d = auc_difference(label, good, weak)
    assert d.value == pytest.approx(roc_auc_score(label, good) - roc_auc_score(label, weak))
    assert d.value > 0 and d.significance > 3
    same = auc_difference(label, good, good)
    assert same.value == 0 and same.err == 0


def test_completeness_by_hand():
    snr = np.array([3, 5, 6, 8, 9, 12, 20, 30.0])
    found = np.array([0, 0, 1, 1, 1, 1, 1, 1], bool)
    c = completeness(snr, found, (0, 7, 10, 100))
    assert c.injected == (3, 2, 3) and c.recovered == (1, 2, 3)
    assert c.fraction[0].value == pytest.approx(1 / 3)
    assert c.fraction[0].err == pytest.approx(np.sqrt(max(2 / 9, 1 / 3) / 3))  # binomial, floored at 1/n
    assert c.fraction[2].value == 1 and c.fraction[2].err == pytest.approx(1 / 3)  # floor: never zero error
    empty = completeness(snr, found, (100, 200))
    assert empty.injected == (0,) and np.isnan(empty.fraction[0].value)
    with pytest.raises(ValueError, match="increasing"):
        completeness(snr, found, (5, 1))


def test_event_times_only_where_there_is_data():
    time = np.r_[np.arange(0, 10, 0.02), np.arange(20, 30, 0.02)]
    np.testing.assert_allclose(event_times(_sig(5.0, 2.5), time), [2.5, 7.5, 22.5, 27.5])


def test_match_known_planet_by_period_and_by_single_transit():
    time = np.arange(260.0, 540.0, 0.02)
    p, t0, _ = KEPLER90_PLANETS["Kepler-90 d"]
    assert match_known_planet(_sig(p * (1 + 5e-4), t0 + 4 * p), time) == "Kepler-90 d"
    assert match_known_planet(_sig(p / 2, t0 + 4 * p), time) == "Kepler-90 d"  # half-period alias
    assert match_known_planet(_sig(p * 1.1, t0), time) is None
    # Kepler-90 h (P = 331.6 d) transits once in these data, at ~472 BKJD: a signal whose event lands there matches
    ph, th, _ = KEPLER90_PLANETS["Kepler-90 h"]
    t_h = th + ph * np.round((472 - th) / ph)
    assert match_known_planet(_sig(150.0, t_h - 150.0), time) == "Kepler-90 h"
    # period 114.3 d puts the other event on g's single transit (~357.7 BKJD): g is matched first
    assert match_known_planet(_sig(114.3, t_h - 114.3), time) == "Kepler-90 g"
    assert match_known_planet(_sig(50.0, t_h + 25.0), time) is None
    # a short-period signal with one of its many events on e's transit is not e (only 1 of ~78 events is on it)
    pe, te, _ = KEPLER90_PLANETS["Kepler-90 e"]
    t_e = te + pe * np.round((400 - te) / pe)
    assert match_known_planet(_sig(3.58, t_e), time) is None
    assert match_known_planet(_sig(pe, t_e), time) == "Kepler-90 e"
