"""A survey simulator: depth, area and cadence -> time per night, data rate, co-added depth, galaxies.

A back-of-the-envelope model of a Rubin-like imaging survey, calibrated to Rubin's published numbers, so a
student can see what each design choice costs (the slider of notebook 01):

* single-visit 5-sigma depth ``m`` in the i band. The sky-background-limited exposure time grows as
  ``t = t_0 10^{0.8 (m - m_0)}`` (S/N ∝ sqrt(t)), with ``m_0 = 24.0`` for Rubin's 30 s visit (Ivezić et al.
  2019, ApJ 873, 111, Table 2);
* ``visits per night = area / (field of view x cadence)``, field of view 9.6 deg²; each visit takes the
  exposure plus ``overhead_s`` (slew, settle, read-out); the night has ``night_hours``;
* raw data per visit: 2 snaps (exposures) of the 3.2-gigapixel camera at 2 bytes per pixel (Ivezić et al. 2019),
  whatever the exposure time;
* co-added depth after ``years``: ``m + 1.25 log10(N_i)`` with ``N_i`` the visits per field in the i band
  (``nights_per_year / cadence x years``, shared between ``n_filters`` filters);
* galaxies: the cumulative number counts ``N(< i) = 46 x 10^{0.31 (i - 25)}`` per arcmin² (LSST Science Book,
  LSST Science Collaboration 2009, arXiv:0912.0201, Eq. 3.7, fitted for i < 25.3) over the area.

Rubin's design (18,000 deg², a visit every 3 nights, m = 24.0, 10 years) gives a co-added i ≈ 26.8 as
published, ~8 TB of science pixels per night (the published ~20 TB also counts calibration frames, the
wavefront sensors and overheads) and ~1e10 galaxies (Ivezić et al. quote ~2e10: the counts above are
extrapolated 1.5 mag beyond the magnitudes they were fitted to). It is a teaching model, right to a factor ~2.
"""

from __future__ import annotations

from dataclasses import dataclass

import astropy.units as u

FIELD_OF_VIEW = 9.6 * u.deg**2
CAMERA_PIXELS = 3.2e9
BYTES_PER_PIXEL = 2
SNAPS_PER_VISIT = 2
REFERENCE_DEPTH_I = 24.0        # 5-sigma single-visit i depth of a 30 s visit (Ivezić et al. 2019, Table 2)
REFERENCE_EXPOSURE = 30 * u.s


@dataclass(frozen=True)
class SurveyOutcome:
    """What a survey design gives; every number an astropy Quantity."""

    exposure: u.Quantity            # per visit
    visits_per_night: u.Quantity    # dimensionless
    hours_needed: u.Quantity        # telescope time per night to keep the cadence
    feasible: bool                  # hours_needed fits in the night
    data_per_night: u.Quantity
    data_total: u.Quantity
    coadd_depth: float              # i-band 5-sigma co-added depth [mag]
    galaxies: u.Quantity            # dimensionless count

    def summary(self) -> str:
        flag = "" if self.feasible else "  (NOT FEASIBLE: more than one night of telescope time per night)"
        return (f"{self.exposure.to(u.s):.0f} per visit, {self.visits_per_night.value:,.0f} visits/night "
                f"({self.hours_needed.to(u.hour):.1f}){flag}\n"
                f"{self.data_per_night.to(u.TB):.1f} per night, {self.data_total.to(u.PB):.0f} in all\n"
                f"co-added i depth {self.coadd_depth:.1f} mag -> {self.galaxies.value:.2g} galaxies")


def coadd_depth(single_visit_depth, n_visits):
    """5-sigma depth [mag] of ``n_visits`` stacked visits of ``single_visit_depth`` each (arrays broadcast).

    Background-limited stacking: S/N grows as sqrt(N), so the depth gains 2.5 log10(sqrt(N)) = 1.25 log10(N) mag.
    """
    import numpy as np

    n = np.asarray(n_visits, dtype=float)
    if np.any(n < 1):
        raise ValueError("n_visits must be >= 1")
    return np.asarray(single_visit_depth, dtype=float) + 1.25 * np.log10(n)


def galaxy_surface_density(i_depth: float) -> u.Quantity:
    """Galaxies per arcmin² brighter than ``i_depth`` (LSST Science Book Eq. 3.7: 46 x 10^{0.31 (i - 25)})."""
    return 46.0 * 10 ** (0.31 * (i_depth - 25.0)) / u.arcmin**2


def simulate_survey(area: u.Quantity = 18000 * u.deg**2, cadence: u.Quantity = 3 * u.day,
                    single_visit_depth: float = REFERENCE_DEPTH_I, years: float = 10.0, *,
                    nights_per_year: float = 300.0, n_filters: int = 6, overhead_s: float = 7.0,
                    night_hours: float = 10.0) -> SurveyOutcome:
    """Run the survey model (see the module docstring) for one design.

    ``area``: sky area (deg²); ``cadence``: time between visits of a field (any time unit); ``single_visit_depth``:
    i-band 5-sigma depth of one visit [mag]; ``years``: survey length.
    """
    area = u.Quantity(area, u.deg**2)
    cadence = u.Quantity(cadence, u.day)
    if area <= 0 * u.deg**2 or area > 41253 * u.deg**2:
        raise ValueError(f"area must lie in (0, 41253] deg² (the whole sky), got {area}")
    if cadence < 1 * u.day:
        raise ValueError(f"cadence must be at least one night, got {cadence}")
    if years <= 0:
        raise ValueError(f"years must be positive, got {years}")
    exposure = REFERENCE_EXPOSURE * 10 ** (0.8 * (single_visit_depth - REFERENCE_DEPTH_I))
    visits = (area / (FIELD_OF_VIEW * cadence.to_value(u.day))).to(u.one)
    hours = (visits.value * (exposure + overhead_s * u.s)).to(u.hour)
    per_visit = SNAPS_PER_VISIT * CAMERA_PIXELS * BYTES_PER_PIXEL * u.byte
    per_night = (visits.value * per_visit).to(u.TB)
    total = (per_night * nights_per_year * years).to(u.PB)
    visits_i = max(nights_per_year * years / cadence.to_value(u.day) / n_filters, 1.0)
    coadd = float(coadd_depth(single_visit_depth, visits_i))
    galaxies = (galaxy_surface_density(coadd) * area).to(u.one)
    return SurveyOutcome(exposure.to(u.s), visits, hours, bool(hours <= night_hours * u.hour), per_night, total,
                         coadd, galaxies)
