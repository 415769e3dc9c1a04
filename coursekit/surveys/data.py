"""The data of the data-tsunami lesson: published survey figures, each with its source.

Notebook 01 reads no data files; its "data" are the numbers the surveys and Galaxy Zoo published. They live
here once, as :class:`Survey` entries and as an astropy ``QTable`` (:func:`survey_table`), with the source of
every figure; :data:`GUIDE_CORRECTIONS` says where, and why, they differ from the course guide this course
was built from.
"""

from __future__ import annotations

from dataclasses import dataclass

import astropy.units as u
from astropy.table import QTable


@dataclass(frozen=True)
class Survey:
    """A survey's data rate (data per unit time) and catalogue size, with what they count and their source."""

    name: str
    rate: u.Quantity
    catalogue: float | None        # number of objects catalogued (None: not a cataloguing survey)
    catalogue_of: str              # what is counted ("galaxies", "sources", ...)
    note: str
    source: str


SURVEYS: tuple[Survey, ...] = (
    Survey("Rubin/LSST", 20 * u.TB / u.day, 20e9, "galaxies",
           "~20 TB of raw images per night (one night per day); ~10 million alerts per night, each within 60 s; "
           "the catalogue also holds ~17 billion stars",
           "Ivezić et al. 2019, ApJ 873, 111 (arXiv:0805.2366); Jurić et al. 2015 (arXiv:1512.07914)"),
    Survey("SKA (SKA1)", 8 * u.Tbit / u.s, None, "",
           "~8 Tb/s from the telescopes to the central signal processors; > 700 PB/yr archived",
           "SKA Observatory (skao.int), for the telescopes under construction"),
    Survey("Gaia", 40 * u.GB / u.day, 1.81e9, "sources",
           "DR3: 1.81 billion sources (DR2: 1.69 billion); downlink ~40 GB/day (approx.)",
           "Gaia Collaboration, Vallenari et al. 2023, A&A 674, A1 (DR3); ESA"),
    Survey("TESS", 100 * u.GB / u.day, None, "",
           "light curves and full-frame images, ~100 GB/day (the guide's figure, approx.)", "course guide"),
)


#: Galaxy Zoo 1 as published: volunteers, galaxies, classifications and how many clicks each galaxy got.
GALAXY_ZOO_1 = {
    "volunteers": 1.5e5,                # "almost 150,000 people" in the first year
    "galaxies": 9.0e5,                  # ~900,000 SDSS galaxies
    "clicks_first_year": 5.0e7,         # > 50 million classifications in the first year (Lintott et al. 2008)
    "clicks_per_galaxy": 38.0,          # median number of classifications per galaxy (Lintott et al. 2011)
    "source": "Lintott et al. 2008, MNRAS 389, 1179 (arXiv:0804.4483); Lintott et al. 2011, MNRAS 410, 166 "
              "(arXiv:1007.3265)",
}


@dataclass(frozen=True)
class Correction:
    """One figure of the course guide, what this course uses instead, and why."""

    topic: str
    guide: str
    course: str
    why: str


GUIDE_CORRECTIONS: tuple[Correction, ...] = (
    Correction("Rubin catalogue", "17 billion galaxies", "~20 billion galaxies (and ~17 billion stars)",
               "17 billion is Rubin's star count; Ivezić et al. 2019 give ~20 billion galaxies."),
    Correction("Volunteer classification time",
               "~230 years for Rubin's catalogue by a Galaxy Zoo-sized crowd",
               "a loose lower bound (~270 yr for 20 billion galaxies), beside the empirical ~15,000 yr",
               "The model crowd (150,000 people x 1 h/week x one click per 10 s) clicks ~54 million times a "
               "week; the real Galaxy Zoo 1 received ~50 million clicks in its whole first year "
               "(Lintott et al. 2008), ~56 times fewer."),
    Correction("SKA data rate", "700 TB/s of raw data",
               "~8 Tb/s (~1 TB/s) into the central processors; > 700 PB/yr archived",
               "We could not trace 700 TB/s to the SKA Observatory; its published figures for the telescopes now "
               "being built are these two. The guide's number may mix the '700' of 700 PB per year with a rate "
               "per second, or an early design figure for the raw antenna output of the full (phase 2) SKA."),
    Correction("Gaia catalogue", "1.7 billion sources", "1.81 billion sources",
               "1.7 billion is Gaia DR2 (2018); DR3 (2022, Vallenari et al. 2023) is the current release."),
)


def survey_table(per: u.UnitBase = u.TB / u.day) -> QTable:
    """Every survey as one row: name, rate in ``per``, catalogue size and what it counts, note, source."""
    table = QTable({
        "survey": [s.name for s in SURVEYS],
        "rate": u.Quantity([s.rate.to(per) for s in SURVEYS]),
        "catalogue": [s.catalogue if s.catalogue is not None else float("nan") for s in SURVEYS],
        "catalogue_of": [s.catalogue_of for s in SURVEYS],
        "note": [s.note for s in SURVEYS],
        "source": [s.source for s in SURVEYS],
    })
    table["rate"].info.format = ".3g"
    table["catalogue"].info.format = ".3g"
    return table


def corrections_table() -> QTable:
    """:data:`GUIDE_CORRECTIONS` as a table (topic, guide, this course, why)."""
    return QTable(rows=[(c.topic, c.guide, c.course, c.why) for c in GUIDE_CORRECTIONS],
                  names=("figure", "the guide", "this course", "why"))
