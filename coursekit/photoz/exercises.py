"""Exercises of notebook 03 (photometric redshifts), checked by ``coursekit.exercises.check``."""

from __future__ import annotations

import numpy as np

from coursekit.exercises import Result, exercise


@exercise("photoz.nmad", title="NMAD and outlier fraction by hand", solution='''
dz = (z_phot - z_spec) / (1 + z_spec)
answer = (1.48 * np.median(np.abs(dz)), np.mean(np.abs(dz) > 0.15))
''')
def nmad_by_hand(answer, *, z_phot=None, z_spec=None) -> Result:
    """``answer = (nmad, outlier_fraction)`` for the arrays passed as context."""
    if z_phot is None or z_spec is None:
        raise ValueError("call check('photoz.nmad', answer, z_phot=..., z_spec=...)")
    value, frac = (float(a) for a in answer)
    dz = (np.asarray(z_phot) - np.asarray(z_spec)) / (1 + np.asarray(z_spec))
    ref_nmad, ref_frac = 1.48 * np.median(np.abs(dz)), np.mean(np.abs(dz) > 0.15)
    if abs(value - 1.4826 * np.median(np.abs(dz - np.median(dz)))) < 1e-9 and abs(value - ref_nmad) > 1e-6:
        return Result.fail("That is the bias-subtracted sigma_MAD; NMAD here is 1.48 * median(|dz|) without "
                           "subtracting the median.")
    if abs(value - 1.48 * np.median(np.abs(np.asarray(z_phot) - np.asarray(z_spec)))) < 1e-9:
        return Result.fail("Divide the residual by (1 + z_spec) before taking the median.")
    if not np.isclose(value, ref_nmad, rtol=1e-4):
        return Result.fail(f"NMAD should be 1.48 * median(|z_phot - z_spec| / (1 + z_spec)); you gave {value:.4g}.")
    if not np.isclose(frac, ref_frac, atol=1e-9):
        return Result.fail("NMAD is right. The outlier fraction is the fraction with |dz| > 0.15 (a fraction, "
                           "not a percentage or a count).")
    return Result.ok(f"NMAD = {ref_nmad:.4f}, outliers = {100 * ref_frac:.2f}%.")


@exercise("photoz.balmer_break", title="When does the 4000 A break leave the g band?", solution='''
# The g/r filter boundary is near 5500 A (where the g and r responses cross).
answer = 5500 / 4000 - 1   # ~0.38: the g - r colour of an elliptical jumps around here
''')
def balmer_break(answer) -> Result:
    """Redshift at which the 4000 A break crosses from g into r (g/r boundary ~5400-5600 A)."""
    z = float(answer)
    if 0.3 <= z <= 0.45:
        return Result.ok(f"z = {z:.2f}: 4000 A x (1 + z) reaches the g/r boundary near 5500 A; the g - r colour "
                         "track of the El template steepens there, which is what makes red galaxies easy photo-z targets.")
    if 1.3 <= z <= 1.45:
        return Result.fail("That is 1 + z. Solve 4000 A x (1 + z) = 5500 A for z itself.")
    if z > 0.45:
        return Result.fail("Too far: by then the break is already deep in r. Use the g/r boundary near 5500 A.")
    return Result.fail("Not far enough: the observed break wavelength is 4000 A x (1 + z); set it to ~5500 A.")


@exercise("photoz.pit_shape", title="Read a PIT histogram", solution='''
# Too many PIT values near 0 and 1 means the true z often falls in the tails:
# the p(z) are too narrow.
answer = "overconfident"
''')
def pit_shape(answer) -> Result:
    """A U-shaped PIT histogram: is the p(z) 'overconfident', 'underconfident' or 'biased'?"""
    a = str(answer).strip().lower()
    if a in {"overconfident", "over-confident", "too narrow"}:
        return Result.ok("Right: a U shape means the truth lands in the tails too often; the 68% intervals cover "
                         "less than 68% of the galaxies.")
    if a in {"underconfident", "under-confident", "too wide"}:
        return Result.fail("An under-confident p(z) puts the truth near its centre too often: a hump in the middle, "
                           "not a U. Which one piles up at PIT = 0 and 1?")
    if a in {"biased", "bias"}:
        return Result.fail("A bias tilts the histogram (more mass on one side), it does not raise both ends.")
    return Result.fail("Answer with one word: 'overconfident', 'underconfident' or 'biased'.")
