"""Exercises of notebook 08 (astropy + ML), checked by ``coursekit.exercises.check``.

* value answers: ``astro.pixel_separation``, ``astro.flux_at_limit``, ``astro.matched_count``;
* build it: ``astro.nearest_within`` (the cross-match with a maximum separation, against
  :func:`coursekit.astro.detect.nearest_within`) and ``astro.stamp_tensor`` (the WCS-aware cut-out -> tensor step,
  against :func:`coursekit.astro.stamps.stamp_tensor`), on fixed random inputs;
* experiments: ``astro.threshold_completeness`` and ``astro.threshold_false`` (lowering the detection threshold:
  completeness up, false detections up, with binomial / Poisson errors), ``astro.cnn_vs_cut_faint`` (CNN minus
  concentration cut on sources fainter than the limit, paired bootstrap, and the verdict);
* the quiz ``quiz("astro")``, written in ``notebooks/quizzes/astro.yaml`` (packaged encoded).
"""

from __future__ import annotations

import math

import numpy as np
from astropy import units as u

from coursekit.exercises import Result, as_value_err, effect_exercise, exercise, function_exercise


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


@exercise("astro.pixel_separation",
          title="Angular distance on the sky between pixels (100, 100) and (130, 140) of the simulated field",
          hints=("Map both pixels to the sky with the WCS, then measure the angle between the two SkyCoords.",
                 "w = exercise_wcs(); w.pixel_to_world(100, 100).separation(w.pixel_to_world(130, 140)).to(u.arcsec)"))
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


@exercise("astro.flux_at_limit",
          title="Counts of a source at the stated limit m = 20.5 (zero point 27.0), as a Quantity in ct",
          hints=("Invert m = ZP - 2.5 log10(counts).", "counts = 10 ** (-0.4 * (m - ZP)), times u.ct."))
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


@exercise("astro.matched_count",
          title="How many reference sources have a detection within 1 arcsec (match_to_catalog_sky)?",
          hints=("For each reference source find the nearest detection on the sky, then apply the limit.",
                 "idx, sep, _ = ref.match_to_catalog_sky(det); int((sep < 1 * u.arcsec).sum())"))
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


# --------------------------------------------------------------------------- build it

def _catalogue_pair(rng: np.random.Generator):
    """Random reference/detected SkyCoords (some undetected, some spurious) and a max separation."""
    from astropy.coordinates import SkyCoord

    n = int(rng.integers(15, 40))
    ra0, dec0 = float(rng.uniform(0, 360)), float(rng.uniform(-60, 60))
    cosd = np.cos(np.radians(dec0))
    ra = ra0 + rng.uniform(-1, 1, n) / 60 / cosd
    dec = dec0 + rng.uniform(-1, 1, n) / 60
    keep = rng.permutation(n)[: int(0.8 * n)]
    err = rng.normal(0, 0.6, (2, len(keep))) / 3600
    spur = rng.uniform(-1, 1, (2, 5)) / 60
    det_ra = np.concatenate([ra[keep] + err[0] / cosd, ra0 + spur[0] / cosd])
    det_dec = np.concatenate([dec[keep] + err[1], dec0 + spur[1]])
    max_sep = float(rng.uniform(0.5, 2.0)) * u.arcsec
    return (SkyCoord(ra * u.deg, dec * u.deg), SkyCoord(det_ra * u.deg, det_dec * u.deg), max_sep), {}


function_exercise(
    "astro.nearest_within", title="Build the cross-match with a maximum separation",
    reference="coursekit.astro.detect:nearest_within", make_inputs=_catalogue_pair, n_trials=5, rtol=0, atol=0,
    hints=("For each reference source: the nearest detection on the sphere, then keep it only if it is close "
           "enough; -1 marks 'no match'.",
           "idx, sep, _ = reference.match_to_catalog_sky(detected); return np.where(sep < max_sep, idx, -1)"),
)


def _image_and_position(rng: np.random.Generator):
    """An image with one Gaussian source, its TAN WCS and the source's SkyCoord (sometimes near an edge)."""
    from coursekit.astro.simulate import make_tan_wcs

    ny, nx = int(rng.integers(40, 64)), int(rng.integers(40, 64))
    wcs = make_tan_wcs((ny, nx), float(rng.uniform(0, 360)), float(rng.uniform(-60, 60)), float(rng.uniform(0.2, 1.5)),
                       rotation_deg=float(rng.uniform(0, 90)))
    x = float(rng.uniform(1.0, 4.0)) if rng.uniform() < 0.4 else float(rng.uniform(12, nx - 12))
    y = float(rng.uniform(12, ny - 12))
    yy, xx = np.mgrid[:ny, :nx]
    sigma = float(rng.uniform(0.9, 1.7))
    img = rng.normal(float(rng.uniform(5, 50)), 1.0, (ny, nx))
    img += float(rng.uniform(200, 2000)) * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2))
    size = int(rng.choice([11, 15, 21]))
    return (img, wcs, wcs.pixel_to_world(x, y), size), {}


function_exercise(
    "astro.stamp_tensor", title="Build the WCS-aware cut-out -> tensor step",
    reference="coursekit.astro.stamps:stamp_tensor", make_inputs=_image_and_position, n_trials=5, rtol=1e-5,
    atol=1e-6,
    hints=("Cutout2D accepts a SkyCoord position when you give it the WCS; mode='partial' with fill_value=np.nan "
           "keeps the stamp full-size at the edge. Then: sky from the outer ring, divide by the flux, NaN -> 0.",
           "cut = Cutout2D(data, position, size, wcs=wcs, mode='partial', fill_value=np.nan); ring = outer 2 pixels; "
           "sub = cut.data - np.nanmedian(cut.data[ring]); x = np.nan_to_num(sub / np.nansum(sub)); "
           "torch.tensor(x[None], dtype=torch.float32)"),
)


# --------------------------------------------------------------------------- experiments

effect_exercise(
    "astro.threshold_completeness", title="Lower the detection threshold: how much completeness is gained?",
    direction=+1, min_sigma=2.0, value_range=(0.02, 0.6),
    what="completeness(0.5 sigma) - completeness(1.5 sigma), all injected sources",
    hints=("Run experiment.detection_scan((0.5, 1.5)) on the same field; each point has completeness_all.",
           "coursekit.metrics.difference(low.completeness_all, high.completeness_all): independent binomial errors "
           "(an upper bound here: the two detections share the field)."),
)

effect_exercise(
    "astro.threshold_false", title="...and how many false detections does it cost?",
    direction=+1, min_sigma=2.0, value_range=(3.0, 2000.0),
    what="false detections(0.5 sigma) - false detections(1.5 sigma)",
    hints=("Each ThresholdPoint has false_detections: detections with no injected source within 1 arcsec.",
           "coursekit.metrics.difference(low.false_detections, high.false_detections) (Poisson errors)."),
)


@exercise("astro.cnn_vs_cut_faint", title="Below the limit: does the CNN beat the concentration cut?",
          hints=("experiment.evaluate gives faint_difference: accuracy(CNN) - accuracy(cut) on sources fainter than "
                 "the limit, bootstrapped on the same sources (paired).",
                 "A difference is significant at 2 sigma when |value| >= 2 x err; answer (Measurement, verdict) where "
                 "verdict is 'cnn', 'cut' or 'neither'."))
def cnn_vs_cut_faint(answer) -> Result:
    try:
        measured, verdict = answer
        value, err = as_value_err(measured)
    except (TypeError, ValueError):
        return Result.fail("Answer with (difference, verdict): the Measurement of accuracy(CNN) - accuracy(cut) "
                           "below the limit, and 'cnn', 'cut' or 'neither'.")
    if not (math.isfinite(value) and math.isfinite(err)) or err <= 0:
        return Result.fail("The difference needs a positive, finite uncertainty: take it from the paired bootstrap.")
    if not -1.0 <= value <= 1.0:
        return Result.fail(f"An accuracy difference of {value:.3g} is impossible: accuracies lie in [0, 1].")
    if verdict not in ("cnn", "cut", "neither"):
        return Result.fail("Give the verdict as 'cnn', 'cut' or 'neither'.")
    sigma = abs(value) / err
    truth = "neither" if sigma < 2.0 else ("cnn" if value > 0 else "cut")
    if verdict != truth:
        return Result.fail(f"{value:+.3f} ± {err:.3f} is {sigma:.1f} sigma from zero: the verdict is {truth!r}.")
    return Result.ok(f"Right: {value:+.3f} ± {err:.3f} ({sigma:.1f} sigma). "
                     + ("With so few faint sources the error bar is wide: more held-out fields would decide."
                        if truth == "neither" else f"The {'CNN' if truth == 'cnn' else 'concentration cut'} is "
                        "better on faint sources in this run."))
