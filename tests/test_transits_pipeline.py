"""From light curve to candidates: views of a TCE, known-planet matching, Kepler-90 end to end."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.transits.pipeline import KEPLER90_PLANETS, event_times, match_known_planet, views_and_vetting
from coursekit.transits.preprocess import phase_fold
from coursekit.transits.search import TransitSignal


def _sig(period, t0, duration=0.2):
    return TransitSignal(period, t0, duration, 1e-3, 20.0, 3)


def test_event_times_only_where_there_is_data():
    time = np.r_[np.arange(0, 10, 0.02), np.arange(20, 30, 0.02)]
    times = event_times(_sig(5.0, 2.5), time)
    np.testing.assert_allclose(times, [2.5, 7.5, 22.5, 27.5])


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


def test_views_and_vetting_of_a_clean_transit(rng):
    t = np.arange(0, 60, 0.0204336)
    f = (1 + 2e-3 * np.sin(t / 3)) * (1 - 1e-3 * (np.abs(phase_fold(t, 4.0, 1.0)) < 0.06))
    f += 1e-4 * rng.standard_normal(len(t))
    other = np.abs(phase_fold(t, 7.0, 3.0)) < 0.05
    f[other] -= 5e-3  # another planet, dropped with keep=
    g, loc, st = views_and_vetting(t, f, 4.0, 1.0, 0.12, keep=~other)
    assert g.shape == (2001,) and loc.shape == (201,)
    assert loc[100] == pytest.approx(-1.0, abs=0.15)
    assert st["snr"] > 50 and st["secondary_sigma"] < 5 and st["odd_even_sigma"] < 3
    assert st["depth"] == pytest.approx(1e-3, rel=0.1)


@pytest.mark.slow
@pytest.mark.shared_data
def test_search_recovers_kepler90_planets(shared_real):
    from coursekit.transits.io import read_kepler_lightcurves
    from coursekit.transits.pipeline import analyse_lightcurve

    lc = read_kepler_lightcurves(shared_real / "kepler_lightcurves" / "kepler90_KIC11442793")
    rows = analyse_lightcurve(lc.time, lc.flux, n_signals=2)
    names = []
    for r in rows:
        sig = TransitSignal(*(r[k] for k in ("period", "t0", "duration", "depth", "snr", "n_transits")))
        names.append(match_known_planet(sig, lc.time))
    # the strongest signal combines the single transits of g (~357.7 BKJD) and h (~472 BKJD); the next is d
    assert names[0] in ("Kepler-90 g", "Kepler-90 h")
    assert names[1] == "Kepler-90 d"
    assert rows[1]["period"] == pytest.approx(59.737, rel=1e-3)
    assert rows[1]["odd_even_sigma"] < 3  # a planet: equal odd and even depths
