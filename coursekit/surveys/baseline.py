"""The classical baseline of the data-tsunami lesson: people classifying galaxies by eye (Galaxy Zoo).

Two rates, because the simple model and what happened differ by a factor ~56:

* :func:`volunteer_rate`, a model crowd: Galaxy Zoo 1's ~150,000 volunteers each giving one hour a week at
  one click per 10 s (both stated assumptions), ~54 million clicks a week. It is an UPPER bound on the crowd's
  speed, so the time it gives is a loose LOWER bound;
* :func:`galaxy_zoo_rate`, the measured rate: Galaxy Zoo 1 received ~50 million classifications in its whole
  first year (Lintott et al. 2008, MNRAS 389, 1179), from almost 150,000 people.

Both divide the clicks by the median 38 classifications each galaxy needs (Lintott et al. 2011, MNRAS 410, 166).
"""

from __future__ import annotations

import astropy.units as u

from coursekit.surveys.data import GALAXY_ZOO_1


def volunteer_rate(
    volunteers: float = GALAXY_ZOO_1["volunteers"],
    seconds_per_classification: float = 10.0,
    classifications_per_galaxy: float = GALAXY_ZOO_1["clicks_per_galaxy"],
    hours_per_volunteer_per_week: float = 1.0,
) -> u.Quantity:
    """Galaxies per day a model volunteer crowd classifies (1/day): an optimistic upper bound on the crowd's speed."""
    if min(volunteers, seconds_per_classification, classifications_per_galaxy, hours_per_volunteer_per_week) <= 0:
        raise ValueError("volunteers, seconds per click, clicks per galaxy and hours per week must all be positive")
    clicks_per_day = volunteers * (hours_per_volunteer_per_week * u.hour / u.week) / (seconds_per_classification * u.s)
    return (clicks_per_day / classifications_per_galaxy).to(1 / u.day)


def clicks_per_week(rate: u.Quantity, classifications_per_galaxy: float = GALAXY_ZOO_1["clicks_per_galaxy"]) -> float:
    """Classifications (clicks) per week that a galaxy rate implies."""
    return float((rate * classifications_per_galaxy * u.week).to(u.one).value)


def galaxy_zoo_rate(clicks_per_year: float = GALAXY_ZOO_1["clicks_first_year"],
                    classifications_per_galaxy: float = GALAXY_ZOO_1["clicks_per_galaxy"]) -> u.Quantity:
    """Galaxies per day Galaxy Zoo 1 actually classified in its first year (1/day)."""
    return (clicks_per_year / classifications_per_galaxy / u.year).to(1 / u.day)
