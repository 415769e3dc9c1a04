"""Exercises for notebook 08 (astropy + ML)."""

from __future__ import annotations

import numpy as np
from astropy import units as u

from coursekit.exercises import Result, exercise


def exercise_wcs():
    """The WCS of the exercises: the simulated field's TAN projection, 512 x 512 pixels of 0.4 arcsec."""
    from coursekit.astro.simulate import make_tan_wcs

    return make_tan_wcs((512, 512), 150.1, 2.2, 0.4)


def exercise_catalogues(seed: int = 8):
    """Two small catalogues for the cross-matching exercise: ``(reference, detected)`` SkyCoords.

    40 reference sources in a 2 arcmin field; 32 of them were detected, with position errors of 0.3 arcsec
    (per axis, Gaussian), plus 6 detections with no counterpart.
    """
    from astropy.coordinates import SkyCoord

    rng = np.random.default_rng(seed)
    ra0, dec0 = 150.1, 2.2
    ra = ra0 + rng.uniform(-1, 1, 40) / 60 / np.cos(np.radians(dec0))
    dec = dec0 + rng.uniform(-1, 1, 40) / 60
    ref = SkyCoord(ra * u.deg, dec * u.deg)
    keep = rng.permutation(40)[:32]
    err = rng.normal(0, 0.3, (2, 32)) / 3600
    dra = ra[keep] + err[0] / np.cos(np.radians(dec0))
    ddec = dec[keep] + err[1]
    spur_ra = ra0 + rng.uniform(-1, 1, 6) / 60 / np.cos(np.radians(dec0))
    spur_dec = dec0 + rng.uniform(-1, 1, 6) / 60
    det = SkyCoord(np.concatenate([dra, spur_ra]) * u.deg, np.concatenate([ddec, spur_dec]) * u.deg)
    return ref, det


@exercise(
    "astro.pixel_separation",
    title="Angular distance on the sky between pixels (100, 100) and (130, 140) of the simulated field",
    solution="""
from coursekit.astro.exercises import exercise_wcs
w = exercise_wcs()
a, b = w.pixel_to_world(100, 100), w.pixel_to_world(130, 140)
answer = a.separation(b).to(u.arcsec)     # 50 pixels x 0.4 arcsec = 20 arcsec
""",
)
def pixel_separation(answer) -> Result:
    from astropy.coordinates import Angle

    w = exercise_wcs()
    expected = w.pixel_to_world(100, 100).separation(w.pixel_to_world(130, 140)).to_value(u.arcsec)
    if not isinstance(answer, (u.Quantity, Angle)):
        if isinstance(answer, (int, float)) and abs(float(answer) - 50) < 0.5:
            return Result.fail("50 is the distance in pixels: map both pixels to the sky with `w.pixel_to_world` "
                               "and use `SkyCoord.separation`, or multiply by the pixel scale.")
        return Result.fail("Give an angle with units (e.g. `a.separation(b).to(u.arcsec)`), not a bare number.")
    if not answer.unit.is_equivalent(u.arcsec):
        return Result.fail(f"{answer.unit} is not an angle: the answer is an angular separation.")
    got = answer.to_value(u.arcsec)
    if abs(got - expected) < 0.01:
        return Result.ok(f"{expected:.3f} arcsec: 50 pixels of 0.4 arcsec (the TAN projection is flat this close "
                         "to its centre).")
    if abs(got - 70 * 0.4) < 0.05:
        return Result.fail("You added the x and y offsets (30 + 40 pixels); the distance is the hypotenuse.")
    return Result.fail(f"{got:.3f} arcsec is not right: map both pixels with the WCS, then take the separation.")


@exercise(
    "astro.flux_at_limit",
    title="Counts of a source at the stated limit m = 20.5 (zero point 27.0), as a Quantity in ct",
    solution="""
answer = 10 ** (-0.4 * (20.5 - 27.0)) * u.ct     # about 398 counts
""",
)
def flux_at_limit(answer) -> Result:
    expected = 10 ** (-0.4 * (20.5 - 27.0))
    if not isinstance(answer, u.Quantity) or not answer.unit.is_equivalent(u.ct):
        return Result.fail("Give counts as a Quantity: `... * u.ct` (m = ZP - 2.5 log10(counts)).")
    got = answer.to_value(u.ct)
    if abs(got - expected) / expected < 0.01:
        return Result.ok(f"{expected:.0f} ct: at a sky of 20 ct/pix the point-source S/N is about 13.")
    if abs(got - 10 ** (0.4 * (20.5 - 27.0))) < 1e-3:
        return Result.fail("Sign error: fainter sources (larger m) have fewer counts, counts = 10**(-0.4 (m - ZP)).")
    if abs(got - expected) / expected < 0.3:
        return Result.fail("Close but not quite: counts = 10**(-0.4 * (m - ZP)).")
    return Result.fail(f"{got:.4g} ct is not right: invert m = ZP - 2.5 log10(counts).")


@exercise(
    "astro.matched_count",
    title="How many reference sources have a detection within 1 arcsec (match_to_catalog_sky)?",
    solution="""
from coursekit.astro.exercises import exercise_catalogues
ref, det = exercise_catalogues()
idx, sep, _ = ref.match_to_catalog_sky(det)
answer = int((sep < 1 * u.arcsec).sum())
""",
)
def matched_count(answer) -> Result:
    ref, det = exercise_catalogues()
    _, sep, _ = ref.match_to_catalog_sky(det)
    expected = int((sep < 1 * u.arcsec).sum())
    _, sep_rev, _ = det.match_to_catalog_sky(ref)
    reverse = int((sep_rev < 1 * u.arcsec).sum())
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, np.integer)):
        return Result.fail("Give the number of matches as an integer, e.g. `int((sep < 1 * u.arcsec).sum())`.")
    if int(answer) == expected:
        return Result.ok(f"{expected} of 40: the 8 undetected sources have no detection within 1 arcsec "
                         "(a few spurious detections could have landed near one by chance).")
    if int(answer) == reverse and reverse != expected:
        return Result.fail("You matched the detections to the reference; the question asks for reference sources "
                           "with a detection: `ref.match_to_catalog_sky(det)`.")
    if int(answer) in (40, 38):
        return Result.fail("That counts every source: apply the separation limit `sep < 1 * u.arcsec`.")
    return Result.fail(f"{int(answer)} is not right: call `ref.match_to_catalog_sky(det)` and count `sep < 1 arcsec`.")
