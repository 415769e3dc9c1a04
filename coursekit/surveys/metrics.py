"""Figures of merit of the data-tsunami lesson: data volumes and how long classification takes.

Every quantity is an astropy ``Quantity``, so a terabit is never mistaken for a terabyte.
"""

from __future__ import annotations

import astropy.units as u

from coursekit.metrics import Measurement


def volume(rate: u.Quantity, duration: u.Quantity, unit: u.UnitBase = u.PB) -> u.Quantity:
    """Data accumulated at ``rate`` (data per time) over ``duration``, in ``unit``."""
    return (rate * duration).to(unit)


def rubin_volume_per_year(nights: float = 300) -> u.Quantity:
    """Rubin's raw data volume over ``nights`` observing nights of ~20 TB each, in PB."""
    return (20 * u.TB * nights).to(u.PB)


def ska_per_day() -> u.Quantity:
    """8 Tbit/s sustained for a day, in PB (8 bits per byte: 86.4 PB)."""
    return volume(8 * u.Tbit / u.s, 1 * u.day, u.PB)


def classification_time(n_objects: float, rate: u.Quantity) -> u.Quantity:
    """Time to classify ``n_objects`` at ``rate`` (objects per unit time), in the most readable unit."""
    if rate.value <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    t = (n_objects / rate).to(u.day)
    if t > 2 * u.year:
        return t.to(u.year)
    if t < 1 * u.hour:
        return t.to(u.s)
    return t


def classification_time_measured(n_objects: float, rate: Measurement, unit: u.UnitBase = u.day) -> Measurement:
    """``n_objects / rate`` with its uncertainty propagated (``rate`` in objects per second, relative errors equal)."""
    if rate.value <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    seconds = n_objects / rate.value
    value = (seconds * u.s).to_value(unit)
    return Measurement(value, value * rate.err / rate.value, unit.to_string())
